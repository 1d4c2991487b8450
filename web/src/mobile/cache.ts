/**
 * Small read-only copies in localStorage (the user, categories, the last
 * lists), so the phone page still shows something without signal. Queued
 * reports live in IndexedDB (store.ts), never here.
 */
const PREFIX = 'zhili.m.';

export interface Cached<T> {
  data: T;
  at: number;
}

export function readCache<T>(key: string): Cached<T> | null {
  try {
    const raw = localStorage.getItem(PREFIX + key);
    if (!raw) return null;
    const v = JSON.parse(raw) as Cached<T>;
    return v && typeof v.at === 'number' ? v : null;
  } catch {
    return null;
  }
}

export function writeCache(key: string, data: unknown): void {
  try {
    localStorage.setItem(PREFIX + key, JSON.stringify({ data, at: Date.now() }));
  } catch {
    /* full or blocked: the page works without it */
  }
}

/** Forgets every copy (sign-out: the next user must not see the last one's cases). */
export function clearCaches(): void {
  try {
    for (const k of Object.keys(localStorage)) if (k.startsWith(PREFIX)) localStorage.removeItem(k);
  } catch {
    /* ignore */
  }
}
