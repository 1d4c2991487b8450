/**
 * The grid worker's outbox as pure data and rules: no IndexedDB, no fetch, no
 * clock. store.ts keeps the entries, sync.ts performs the steps these rules
 * choose, and queue.test.ts checks the rules in Node.
 *
 * Exactly once: every report carries one Idempotency-Key for its whole life,
 * and the case body sent is a pure function of the entry, so any retry after
 * a lost answer gets the first case back (200) instead of a second one.
 */

export type CaseTypeValue = 'consultation' | 'help' | 'complaint' | 'report' | 'suggestion' | 'praise';

export interface FieldErr {
  field: string;
  message: string;
}

/** What the grid worker typed and picked, as the form holds it. */
export interface ReportDraft {
  type: CaseTypeValue;
  categoryCode: string | null;
  urgent: boolean;
  title: string;
  description: string;
  address: string | null;
  lng: number | null;
  lat: number | null;
  /** GPS accuracy in metres, shown with the point. */
  accuracy: number | null;
}

export interface QueuedPhoto {
  /** Stable within the entry (keys thumbnails, survives edits). */
  localId: string;
  name: string;
  type: string;
  size: number;
  blob: Blob;
  /** Set once the upload answered, so a retry never uploads it again. */
  attachmentId?: string;
}

export type EntryState =
  /** Waiting to be sent (new, or edited after a refusal). */
  | 'queued'
  /** A sender took it; one found in this state by the lock holder was orphaned by a closed tab. */
  | 'sending'
  /** Network or server trouble: sent again automatically. */
  | 'retry'
  /** The session ended: sent again after signing in. */
  | 'auth'
  /** The server refused the content (4xx): needs an edit or a discard. */
  | 'invalid';

export interface EntryError {
  status: number;
  message: string;
  fields: FieldErr[];
}

export interface OutboxEntry {
  id: string;
  /** Sent as Idempotency-Key on every POST /api/cases for this report. */
  idempotencyKey: string;
  /** Who queued it: another user signed in on the same phone never sends it. */
  userId: string;
  createdAt: number;
  updatedAt: number;
  draft: ReportDraft;
  photos: QueuedPhoto[];
  state: EntryState;
  attempts: number;
  /** Earliest time (ms) the automatic loop tries again. */
  nextAttemptAt: number;
  /** Set after a POST went out without a clear answer: a case may exist already. */
  postedUncertain: boolean;
  error: EntryError | null;
}

/** A report that reached the server, kept briefly so the phone can show its number. */
export interface SentRecord {
  id: string;
  caseId: string;
  caseNo: string;
  title: string;
  sentAt: number;
  /** True when the server answered with a case it already had (a retry after a lost answer). */
  replayed: boolean;
}

export function newEntry(p: { id: string; key: string; userId: string; now: number; draft: ReportDraft; photos: QueuedPhoto[] }): OutboxEntry {
  return {
    id: p.id,
    idempotencyKey: p.key,
    userId: p.userId,
    createdAt: p.now,
    updatedAt: p.now,
    draft: p.draft,
    photos: p.photos,
    state: 'queued',
    attempts: 0,
    nextAttemptAt: p.now,
    postedUncertain: false,
    error: null,
  };
}

/**
 * An edit after a refusal: new content, same id and same Idempotency-Key. A
 * refused POST never stored the key, so the edited body goes through under it;
 * and if an earlier answer was lost after all, the server says the key was
 * used, which is the truth the user needs to hear.
 */
export function editEntry(e: OutboxEntry, draft: ReportDraft, photos: QueuedPhoto[], now: number): OutboxEntry {
  // An upload the server refused to link (e.g. made under an older session) is uploaded again.
  const refused = new Set(
    (e.error?.fields ?? []).map((f) => /^attachmentIds\.(\d+)$/.exec(f.field)).filter((m) => m).map((m) => e.photos[Number(m![1])]?.localId),
  );
  const kept = new Map(e.photos.filter((p) => !refused.has(p.localId)).map((p) => [p.localId, p]));
  return {
    ...e,
    draft,
    // An unchanged photo keeps its uploaded id.
    photos: photos.map((p) => ({ ...p, attachmentId: kept.get(p.localId)?.attachmentId })),
    state: 'queued',
    nextAttemptAt: now,
    updatedAt: now,
    error: null,
  };
}

export type FailureKind = 'network' | 'retry' | 'auth' | 'invalid';

/** How a failed call should be treated; status 0 is "no answer" (offline, reset, timeout). */
export function classifyFailure(status: number): FailureKind {
  if (status === 0) return 'network';
  if (status === 401) return 'auth';
  // 409 here is "the same key is still being processed"; 408/425/429 and 5xx pass with time.
  if (status === 408 || status === 409 || status === 425 || status === 429 || status >= 500) return 'retry';
  return 'invalid';
}

const BASE_DELAY = 5_000;
const MAX_DELAY = 5 * 60_000;

/** 5 s, 10 s, 20 s … at most 5 minutes between automatic tries. */
export function backoffMs(attempts: number): number {
  return Math.min(MAX_DELAY, BASE_DELAY * 2 ** Math.max(0, attempts - 1));
}

/** The entry after a failed step. `posted` says the failure was on the case POST itself. */
export function afterFailure(e: OutboxEntry, f: { status: number; message: string; fields?: FieldErr[]; posted: boolean }, now: number): OutboxEntry {
  const kind = classifyFailure(f.status);
  const attempts = e.attempts + 1;
  return {
    ...e,
    state: kind === 'network' || kind === 'retry' ? 'retry' : kind,
    attempts,
    nextAttemptAt: kind === 'invalid' ? Number.MAX_SAFE_INTEGER : now + backoffMs(attempts),
    // A POST that got no answer may have created the case; any 5xx too.
    postedUncertain: e.postedUncertain || (f.posted && (kind === 'network' || kind === 'retry')),
    updatedAt: now,
    error: { status: f.status, message: f.message, fields: f.fields ?? [] },
  };
}

export function markSending(e: OutboxEntry, now: number): OutboxEntry {
  return { ...e, state: 'sending', updatedAt: now };
}

export function withUploaded(e: OutboxEntry, localId: string, attachmentId: string, now: number): OutboxEntry {
  return { ...e, updatedAt: now, photos: e.photos.map((p) => (p.localId === localId ? { ...p, attachmentId } : p)) };
}

/** Photos still to upload, in order. */
export function pendingUploads(e: OutboxEntry): QueuedPhoto[] {
  return e.photos.filter((p) => !p.attachmentId);
}

/** The first words of the description, when the worker gave no title. */
export function titleOf(d: Pick<ReportDraft, 'title' | 'description'>): string {
  const given = d.title.trim();
  if ([...given].length >= 2) return given;
  const whole = d.description.trim().replace(/\s+/g, ' ');
  const clause = (whole.split(/[。！？!?；;，,\n]/)[0] ?? '').trim();
  const s = [...clause].length >= 2 ? clause : whole;
  return [...s].length > 20 ? `${[...s].slice(0, 20).join('')}…` : s;
}

/**
 * The POST /api/cases body. Deterministic in the entry, because the server
 * compares a retry's body with the first one under the same key.
 */
export function caseBody(e: OutboxEntry): Record<string, unknown> {
  const missing = pendingUploads(e);
  if (missing.length) throw new Error(`${missing.length} photo(s) not uploaded yet`);
  const d = e.draft;
  const location: Record<string, unknown> = {};
  if (d.address?.trim()) location.address = d.address.trim();
  if (d.lng != null && d.lat != null) {
    location.lng = d.lng;
    location.lat = d.lat;
  }
  return {
    channel: 'grid',
    type: d.type,
    ...(d.categoryCode ? { categoryCode: d.categoryCode } : {}),
    urgency: d.urgent ? 'urgent' : 'normal',
    title: titleOf(d),
    description: d.description.trim(),
    ...(Object.keys(location).length ? { location } : {}),
    attachmentIds: e.photos.map((p) => p.attachmentId!),
  };
}

/**
 * Should a sender holding the lock try this entry now? `force` (the 立即发送
 * button, a fresh submission) skips the back-off but never a refusal, which
 * waits for an edit.
 */
export function isDue(e: OutboxEntry, p: { now: number; userId: string; force?: boolean }): boolean {
  if (e.userId !== p.userId) return false;
  if (e.state === 'invalid') return false;
  // Only the lock holder sends, so an entry still marked sending lost its tab.
  if (e.state === 'queued' || e.state === 'sending') return true;
  if (p.force) return true;
  return e.nextAttemptAt <= p.now;
}

/** Oldest first: the order in which the worker reported. */
export function sendOrder(entries: OutboxEntry[]): OutboxEntry[] {
  return [...entries].sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
}

export interface OutboxSummary {
  total: number;
  waiting: number;
  needsEdit: number;
  needsLogin: number;
  photos: number;
  bytes: number;
}

export function summarize(entries: OutboxEntry[], userId: string | null): OutboxSummary {
  const mine = entries.filter((e) => !userId || e.userId === userId);
  return {
    total: mine.length,
    waiting: mine.filter((e) => e.state === 'queued' || e.state === 'sending' || e.state === 'retry').length,
    needsEdit: mine.filter((e) => e.state === 'invalid').length,
    needsLogin: mine.filter((e) => e.state === 'auth').length,
    photos: mine.reduce((n, e) => n + e.photos.length, 0),
    bytes: mine.reduce((n, e) => n + e.photos.reduce((m, p) => m + p.size, 0), 0),
  };
}

/** Newest first, at most `max`, one per entry id (a replay must not show twice). */
export function addSent(list: SentRecord[], rec: SentRecord, max = 20): SentRecord[] {
  return [rec, ...list.filter((r) => r.id !== rec.id)].slice(0, max);
}

/**
 * Field errors of the case POST refer to the body (`location.lat`,
 * `attachmentIds.2`); the report form names them differently.
 */
export function formFieldOf(field: string, photos: QueuedPhoto[]): string | null {
  if (field === 'categoryCode') return 'categoryCode';
  if (field === 'type' || field === 'title' || field === 'description') return field;
  if (field === 'urgency') return 'urgent';
  if (field === 'location.address') return 'address';
  if (field.startsWith('location')) return 'gps';
  if (field.startsWith('attachmentIds') || field === 'file') return 'photos';
  if (/^photos\.\d+$/.test(field) && photos.length) return 'photos';
  return null;
}
