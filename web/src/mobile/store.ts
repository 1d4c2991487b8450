/**
 * The outbox on the device: one IndexedDB record per queued report, photo
 * blobs included, so a report survives a closed tab, a reload and a dead
 * battery. Every change is announced to this tab and to the others
 * (BroadcastChannel), so each open page shows the same queue.
 */
import { createStore, del, get, set, update, values } from 'idb-keyval';
import { addSent, type OutboxEntry, type SentRecord } from './queue.ts';

const reports = createStore('zhili-outbox', 'reports');
// idb-keyval keeps one object store per database.
const sentStore = createStore('zhili-outbox-sent', 'sent');
const SENT_KEY = 'recent';

type Listener = () => void;
const listeners = new Set<Listener>();
const channel: BroadcastChannel | null = typeof BroadcastChannel === 'function' ? new BroadcastChannel('zhili-outbox') : null;
channel?.addEventListener('message', () => listeners.forEach((fn) => fn()));

function changed() {
  listeners.forEach((fn) => fn());
  channel?.postMessage('changed');
}

/** Called after every change of the outbox, here or in another tab. */
export function onOutboxChange(fn: Listener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export async function listEntries(): Promise<OutboxEntry[]> {
  return values<OutboxEntry>(reports);
}

export async function getEntry(id: string): Promise<OutboxEntry | undefined> {
  return get<OutboxEntry>(id, reports);
}

export async function putEntry(e: OutboxEntry): Promise<void> {
  await set(e.id, e, reports);
  changed();
}

export async function deleteEntry(id: string): Promise<void> {
  await del(id, reports);
  changed();
}

export async function listSent(): Promise<SentRecord[]> {
  return (await get<SentRecord[]>(SENT_KEY, sentStore)) ?? [];
}

/** Records a delivered report, then drops it from the outbox (in that order: a crash between leaves a harmless duplicate record, never a lost one). */
export async function markDelivered(id: string, rec: SentRecord): Promise<void> {
  await update<SentRecord[]>(SENT_KEY, (old) => addSent(old ?? [], rec), sentStore);
  await del(id, reports);
  changed();
}

/** Asks the browser not to evict the outbox under storage pressure (best effort). */
export async function persistStorage(): Promise<boolean> {
  try {
    if (navigator.storage?.persisted && (await navigator.storage.persisted())) return true;
    return (await navigator.storage?.persist?.()) ?? false;
  } catch {
    return false;
  }
}
