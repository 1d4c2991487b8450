/**
 * Sends queued reports, each exactly once: photos first (each uploaded id is
 * saved at once, so a retry never uploads a photo twice), then the case with
 * the entry's own Idempotency-Key; the entry leaves the outbox only after a
 * 2xx. One sender at a time across tabs, through a Web Lock.
 */
import { api, ApiError, type Attachment, type Problem } from '../api/client.ts';
import { afterFailure, caseBody, isDue, markSending, pendingUploads, sendOrder, withUploaded, type OutboxEntry } from './queue.ts';
import { deleteEntry, getEntry, listEntries, markDelivered, putEntry } from './store.ts';

export type SendResult =
  | { kind: 'sent'; caseId: string; caseNo: string; replayed: boolean }
  /** Still in the outbox; its state and error say why. */
  | { kind: 'kept'; entry: OutboxEntry }
  /** No longer in the outbox: another tab sent or someone discarded it. */
  | { kind: 'gone' };

const LOCK = 'zhili-outbox-sync';
const UPLOAD_TIMEOUT = 120_000;
const POST_TIMEOUT = 45_000;

/** Runs fn holding the outbox lock; null when `wait` is false and another tab holds it. */
async function withLock<T>(wait: boolean, fn: () => Promise<T>): Promise<T | null> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  if (locks?.request) {
    // Waiting is for a person pressing a button: after 20 s the other tab's sender keeps the work.
    if (wait) return locks.request(LOCK, { signal: AbortSignal.timeout(20_000) }, () => fn());
    return locks.request(LOCK, { ifAvailable: true }, (lock) => (lock ? fn() : Promise.resolve(null)));
  }
  return withLease(wait, fn);
}

// Without Web Locks (plain-http intranet addresses): an in-tab chain plus a
// short lease in localStorage, renewed while sending, so two tabs rarely overlap.
let chain: Promise<unknown> = Promise.resolve();
const LEASE = 'zhili.outbox.lease';
const me = Math.random().toString(36).slice(2);
async function withLease<T>(wait: boolean, fn: () => Promise<T>): Promise<T | null> {
  const run = async (): Promise<T | null> => {
    const held = () => {
      try {
        const v = JSON.parse(localStorage.getItem(LEASE) ?? 'null') as { owner: string; until: number } | null;
        return v && v.owner !== me && v.until > Date.now();
      } catch {
        return false;
      }
    };
    for (let i = 0; held(); i++) {
      if (!wait || i > 20) return null;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const renew = () => localStorage.setItem(LEASE, JSON.stringify({ owner: me, until: Date.now() + 30_000 }));
    renew();
    const timer = setInterval(renew, 10_000);
    try {
      return await fn();
    } finally {
      clearInterval(timer);
      localStorage.removeItem(LEASE);
    }
  };
  const next = chain.then(run, run);
  chain = next.catch(() => undefined);
  return next;
}

function failureOf(err: unknown): { status: number; message: string; fields: { field: string; message: string }[] } {
  if (err instanceof ApiError) return { status: err.status, message: err.message, fields: err.fieldErrors };
  // Timeouts, aborts and fetch failures: no answer.
  return { status: 0, message: err instanceof Error ? err.message : String(err), fields: [] };
}

/** Sends one entry; the caller holds the lock. */
async function sendOne(id: string): Promise<SendResult> {
  let e = await getEntry(id);
  if (!e) return { kind: 'gone' };
  e = markSending(e, Date.now());
  await putEntry(e);

  for (const photo of pendingUploads(e)) {
    const index = e.photos.findIndex((p) => p.localId === photo.localId);
    try {
      const fd = new FormData();
      fd.append('file', photo.blob, photo.name);
      const a = await api<Attachment>('/api/attachments', { method: 'POST', body: fd, signal: AbortSignal.timeout(UPLOAD_TIMEOUT) });
      e = withUploaded(e, photo.localId, a.id, Date.now());
      await putEntry(e);
    } catch (err) {
      const f = failureOf(err);
      // The server names the multipart field "file"; the worker needs to know which photo.
      const fields = f.fields.map((x) => (x.field === 'file' ? { field: `photos.${index}`, message: `${photo.name}: ${x.message}` } : x));
      e = afterFailure(e, { ...f, fields, posted: false }, Date.now());
      await putEntry(e);
      return { kind: 'kept', entry: e };
    }
  }

  const before = e;
  // From here the server may create the case without us hearing about it.
  e = { ...e, postedUncertain: true };
  await putEntry(e);
  let res: Response;
  try {
    res = await fetch('/api/cases', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json, application/problem+json', 'Idempotency-Key': e.idempotencyKey },
      body: JSON.stringify(caseBody(e)),
      signal: AbortSignal.timeout(POST_TIMEOUT),
    });
  } catch (err) {
    e = afterFailure(e, { ...failureOf(err), posted: true }, Date.now());
    await putEntry(e);
    return { kind: 'kept', entry: e };
  }
  const data = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (res.ok && typeof data.id === 'string') {
    const rec = { id: e.id, caseId: data.id, caseNo: String(data.no ?? ''), title: String(data.title ?? ''), sentAt: Date.now(), replayed: res.status === 200 };
    await markDelivered(e.id, rec);
    return { kind: 'sent', caseId: rec.caseId, caseNo: rec.caseNo, replayed: rec.replayed };
  }
  const problem = data as Problem;
  const status = res.ok ? 502 : res.status;
  const message = problem.detail || problem.title || `HTTP ${res.status}`;
  // A definite refusal proves this POST created nothing; keep what we knew before it.
  const base = status >= 400 && status < 500 && ![408, 409, 425, 429].includes(status) ? before : e;
  e = afterFailure(base, { status, message, fields: problem.errors ?? [], posted: true }, Date.now());
  await putEntry(e);
  return { kind: 'kept', entry: e };
}

export interface SyncOptions {
  userId: string;
  /** Skip the back-off (the 立即发送 button, a fresh report). */
  force?: boolean;
  /** Only this entry (a report just submitted). */
  onlyId?: string;
  /** Wait for another tab's sender instead of leaving the work to it. */
  wait?: boolean;
}

export interface SyncReport {
  /** Null when another tab was already sending. */
  results: Map<string, SendResult> | null;
}

export async function syncOutbox(o: SyncOptions): Promise<SyncReport> {
  const results = await withLock(!!o.wait, async () => {
    const out = new Map<string, SendResult>();
    const all = sendOrder(await listEntries());
    for (const e of all) {
      if (o.onlyId && e.id !== o.onlyId) continue;
      if (!isDue(e, { now: Date.now(), userId: o.userId, force: o.force })) continue;
      const r = await sendOne(e.id);
      out.set(e.id, r);
      // No network: the rest would fail the same way; keep their attempt counts.
      if (r.kind === 'kept' && r.entry.error?.status === 0) break;
      // The session ended: every other send would get the same answer.
      if (r.kind === 'kept' && r.entry.state === 'auth') break;
    }
    if (o.onlyId && !all.some((e) => e.id === o.onlyId)) out.set(o.onlyId, { kind: 'gone' });
    return out;
  });
  return { results };
}

/** Discards a queued report (the worker decided against it). */
export async function discardEntry(id: string): Promise<boolean> {
  // Under the lock, so it never disappears halfway through a send.
  return (await withLock(true, () => deleteEntry(id).then(() => true))) ?? false;
}
