/**
 * SQL of the inbox and the outbox. Every inbox query is scoped to the caller:
 * their own notifications and their unit's, nothing else.
 */
import type { Queryable } from '../platform/db.ts';
import { invalid } from '../platform/errors.ts';
import type { Channel, OutboundMessage } from './senders.ts';

/** Kinds the platform sends, with labels for the inbox. Other kinds are allowed (label = kind). */
export const KIND_LABELS: Record<string, string> = {
  dispatched: '交办 Dispatched',
  urge: '催办 Urged',
  warning_yellow: '黄牌预警 Deadline near',
  warning_red: '红牌超期 Overdue',
  escalated: '督办 Escalated',
  summoned: '吹哨 Summoned',
  reported: '报到 Reported',
  assist_replied: '协办答复 Assisting unit answered',
  extension_requested: '延期申请 Extension requested',
  extension_decided: '延期审批 Extension decided',
  returned: '退单 Returned',
  closed: '办结 Closed',
  merged_closed: '合并办结 Closed as duplicate',
  keyperson_activity: '重点人员动态 Key person activity',
};
export const KIND_RE = /^[a-z][a-z0-9_]{0,63}$/;

/** Whose inbox: a user, and the unit they belong to (if any). */
export interface Reader {
  id: string;
  unitId: string | null;
}

export interface NotificationInput {
  unitId?: string;
  userId?: string;
  caseId?: string;
  kind: string;
  title: string;
  body?: string;
  data?: object;
}

export interface OutboxInput {
  id: string;
  channel: Channel;
  target: string;
  payload: OutboundMessage;
}

/**
 * Writes the notification and its outbox rows in one statement, so even a
 * caller without a transaction never leaves one without the other.
 */
export async function insertNotification(q: Queryable, id: string, n: NotificationInput, outbox: OutboxInput[]): Promise<void> {
  const params = [id, n.userId ?? null, n.unitId ?? null, n.caseId ?? null, n.kind, n.title, n.body ?? '', JSON.stringify(n.data ?? {})];
  const insert = `INSERT INTO notifications (id, recipient_user_id, recipient_unit_id, case_id, kind, title, body, data)
    VALUES ($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5, $6, $7, $8::jsonb) RETURNING id, created_at`;
  if (!outbox.length) {
    await q.query(insert, params);
    return;
  }
  params.push(JSON.stringify(outbox));
  // The outbox payload gets the notification's own timestamp (the transaction's now()).
  await q.query(
    `WITH n AS (${insert})
     INSERT INTO notification_outbox (id, notification_id, channel, target, payload)
     SELECT o.id, n.id, o.channel, o.target,
            jsonb_set(o.payload, '{data,createdAt}', to_jsonb(to_char(n.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))
       FROM n, jsonb_to_recordset($9::jsonb) AS o(id uuid, channel text, target text, payload jsonb)`,
    params,
  );
}

/** The recipient's phone for SMS: a user's own, or a unit's duty phone. */
export async function recipientPhone(q: Queryable, n: NotificationInput): Promise<string | null> {
  const rows = n.userId
    ? await q.query<{ phone: string | null }>(`SELECT phone FROM users WHERE id = $1 AND active`, [n.userId])
    : await q.query<{ phone: string | null }>(`SELECT phone FROM units WHERE id = $1 AND active`, [n.unitId]);
  return rows[0]?.phone?.trim() || null;
}

// --- inbox ---

interface Row {
  id: string;
  recipient_user_id: string | null;
  recipient_unit_id: string | null;
  case_id: string | null;
  case_no: string | null;
  kind: string;
  title: string;
  body: string;
  data: unknown;
  created_at: Date | string;
  user_read_at: Date | string | null;
  cursor_at: string;
}

const iso = (v: Date | string | null) => (v === null ? null : new Date(v).toISOString());

export function view(r: Row) {
  return {
    id: r.id,
    kind: r.kind,
    kindLabel: KIND_LABELS[r.kind] ?? r.kind,
    title: r.title,
    body: r.body,
    data: r.data,
    caseId: r.case_id,
    caseNo: r.case_no,
    recipient: r.recipient_user_id ? { type: 'user' as const, userId: r.recipient_user_id } : { type: 'unit' as const, unitId: r.recipient_unit_id },
    createdAt: iso(r.created_at),
    read: r.user_read_at !== null,
    readAt: iso(r.user_read_at),
  };
}
export type NotificationView = ReturnType<typeof view>;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeCursor(at: string, id: string): string {
  return Buffer.from(JSON.stringify([at, id])).toString('base64url');
}

export function decodeCursor(cursor: string): [string, string] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(v) &&
      v.length === 2 &&
      typeof v[0] === 'string' &&
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/.test(v[0]) &&
      !Number.isNaN(Date.parse(v[0])) &&
      typeof v[1] === 'string' &&
      UUID_RE.test(v[1])
    ) {
      return v as [string, string];
    }
  } catch {
    /* fall through */
  }
  throw invalid('cursor', '分页游标无效 (not a cursor this API returned)');
}

/** Read state of a unit notification for this reader: their row in notification_reads. */
const UNREAD_BY_ME = (alias: string, userParam: string) =>
  `NOT EXISTS (SELECT 1 FROM notification_reads r WHERE r.notification_id = ${alias}.id AND r.user_id = ${userParam})`;

const OUTER_SELECT = `
  SELECT m.id, m.recipient_user_id, m.recipient_unit_id, m.case_id, c.no AS case_no, m.kind, m.title, m.body, m.data, m.created_at,
         CASE WHEN m.recipient_user_id IS NOT NULL THEN m.read_at ELSE r.read_at END AS user_read_at,
         to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at`;
const OUTER_JOINS = `
  LEFT JOIN notification_reads r ON r.notification_id = m.id AND r.user_id = $1::uuid
  LEFT JOIN cases c ON c.id = m.case_id`;

export interface InboxFilter {
  unread?: boolean;
  kind?: string;
  caseId?: string;
  limit: number;
  cursor?: string;
}

/**
 * The reader's notifications, newest first. Two index walks (own, unit's),
 * each stopping at `limit`, merged: the cost follows the page, not the inbox.
 */
export async function listInbox(q: Queryable, who: Reader, f: InboxFilter) {
  const params: unknown[] = [who.id];
  const common: string[] = [];
  if (f.kind) common.push(`n.kind = $${params.push(f.kind)}`);
  if (f.caseId) common.push(`n.case_id = $${params.push(f.caseId)}::uuid`);
  if (f.cursor) {
    const [at, id] = decodeCursor(f.cursor);
    const a = params.push(at);
    const b = params.push(id);
    common.push(`(n.created_at, n.id) < ($${a}::timestamptz, $${b}::uuid)`);
  }
  const limit = f.limit + 1;
  const branch = (recipient: string, extra: string[]) =>
    `(SELECT n.* FROM notifications n WHERE ${[recipient, ...extra, ...common].join(' AND ')} ORDER BY n.created_at DESC, n.id DESC LIMIT ${limit})`;
  const branches = [branch(`n.recipient_user_id = $1::uuid`, f.unread ? ['n.read_at IS NULL'] : [])];
  if (who.unitId) {
    const u = params.push(who.unitId);
    branches.push(branch(`n.recipient_unit_id = $${u}::uuid`, f.unread ? [UNREAD_BY_ME('n', '$1::uuid')] : []));
  }
  const rows = await q.query<Row>(
    `${OUTER_SELECT} FROM (${branches.join(' UNION ALL ')}) m ${OUTER_JOINS} ORDER BY m.created_at DESC, m.id DESC LIMIT ${limit}`,
    params,
  );
  const more = rows.length > f.limit;
  const page = rows.slice(0, f.limit);
  const last = page[page.length - 1];
  return { items: page.map(view), nextCursor: more && last ? encodeCursor(last.cursor_at, last.id) : null };
}

/** One notification if the reader may see it. */
export async function getVisible(q: Queryable, who: Reader, id: string) {
  const rows = await q.query<Row>(
    `${OUTER_SELECT} FROM notifications m ${OUTER_JOINS}
      WHERE m.id = $2::uuid AND (m.recipient_user_id = $1::uuid OR m.recipient_unit_id = $3::uuid)`,
    [who.id, id, who.unitId],
  );
  return rows[0] ? view(rows[0]) : undefined;
}

export async function unreadCount(q: Queryable, who: Reader): Promise<{ total: number; byKind: Record<string, number> }> {
  const rows = await q.query<{ kind: string; n: number }>(
    `SELECT kind, count(*)::int AS n FROM (
       SELECT n.kind FROM notifications n WHERE n.recipient_user_id = $1::uuid AND n.read_at IS NULL
       UNION ALL
       SELECT n.kind FROM notifications n WHERE n.recipient_unit_id = $2::uuid AND ${UNREAD_BY_ME('n', '$1::uuid')}
     ) x GROUP BY kind ORDER BY kind`,
    [who.id, who.unitId],
  );
  const byKind: Record<string, number> = {};
  let total = 0;
  for (const r of rows) {
    byKind[r.kind] = r.n;
    total += r.n;
  }
  return { total, byKind };
}

/** Marks one notification read for this reader; undefined if they may not see it. Reading twice keeps the first time. */
export async function markRead(q: Queryable, who: Reader, id: string) {
  const target = await q.query<{ recipient_user_id: string | null }>(
    `SELECT recipient_user_id FROM notifications WHERE id = $1::uuid AND (recipient_user_id = $2::uuid OR recipient_unit_id = $3::uuid)`,
    [id, who.id, who.unitId],
  );
  if (!target[0]) return undefined;
  if (target[0].recipient_user_id) {
    await q.query(`UPDATE notifications SET read_at = now() WHERE id = $1::uuid AND read_at IS NULL`, [id]);
  } else {
    await q.query(`INSERT INTO notification_reads (notification_id, user_id) VALUES ($1::uuid, $2::uuid) ON CONFLICT DO NOTHING`, [id, who.id]);
  }
  return getVisible(q, who, id);
}

/** Marks everything the reader can see as read (optionally of one kind); returns how many changed. */
export async function markAllRead(q: Queryable, who: Reader, kind?: string): Promise<number> {
  const rows = await q.query<{ n: number }>(
    `WITH u AS (
       UPDATE notifications SET read_at = now()
        WHERE recipient_user_id = $1::uuid AND read_at IS NULL AND ($3::text IS NULL OR kind = $3::text) RETURNING 1
     ), r AS (
       INSERT INTO notification_reads (notification_id, user_id)
       SELECT n.id, $1::uuid FROM notifications n
        WHERE n.recipient_unit_id = $2::uuid AND ($3::text IS NULL OR n.kind = $3::text) AND ${UNREAD_BY_ME('n', '$1::uuid')}
       ON CONFLICT DO NOTHING RETURNING 1
     )
     SELECT ((SELECT count(*) FROM u) + (SELECT count(*) FROM r))::int AS n`,
    [who.id, who.unitId, kind ?? null],
  );
  return rows[0].n;
}

// --- outbox ---

export interface DueRow {
  id: string;
  channel: Channel;
  target: string;
  payload: OutboundMessage;
  attempts: number;
}

/**
 * Takes up to `limit` due rows of the given channels. Rows locked by another
 * instance are skipped; taken rows are leased (next_attempt_at moves past the
 * lease) and their attempt counter, the claim's fencing token, goes up by one.
 * One statement, so the claim is committed before anything is sent.
 */
export async function claimDue(q: Queryable, channels: readonly Channel[], limit: number, leaseMs: number): Promise<DueRow[]> {
  return q.query<DueRow>(
    `UPDATE notification_outbox o
        SET attempts = o.attempts + 1, next_attempt_at = now() + ($3::int * interval '1 millisecond')
       FROM (SELECT id FROM notification_outbox
              WHERE delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now() AND channel = ANY ($1::text[])
              ORDER BY next_attempt_at
              LIMIT $2
              FOR UPDATE SKIP LOCKED) d
      WHERE o.id = d.id
      RETURNING o.id, o.channel, o.target, o.payload, o.attempts`,
    [channels, limit, leaseMs],
  );
}

/** Records deliveries; a claim that has since expired and been taken again (attempts moved on) is ignored. */
export async function recordDelivered(q: Queryable, done: { id: string; attempts: number }[]): Promise<number> {
  if (!done.length) return 0;
  const rows = await q.query(
    `UPDATE notification_outbox o SET delivered_at = now(), last_error = NULL
       FROM unnest($1::uuid[], $2::int[]) AS d(id, attempts)
      WHERE o.id = d.id AND o.attempts = d.attempts AND o.delivered_at IS NULL
      RETURNING o.id`,
    [done.map((d) => d.id), done.map((d) => d.attempts)],
  );
  return rows.length;
}

/** Records failures: retried after `delayMs`, or marked failed for good when `giveUp`. */
export async function recordFailed(q: Queryable, failed: { id: string; attempts: number; delayMs: number; error: string; giveUp: boolean }[]): Promise<void> {
  if (!failed.length) return;
  await q.query(
    `UPDATE notification_outbox o
        SET last_error = d.error,
            next_attempt_at = CASE WHEN d.give_up THEN o.next_attempt_at ELSE now() + (d.delay_ms * interval '1 millisecond') END,
            failed_at = CASE WHEN d.give_up THEN now() ELSE NULL END
       FROM unnest($1::uuid[], $2::int[], $3::int[], $4::text[], $5::boolean[]) AS d(id, attempts, delay_ms, error, give_up)
      WHERE o.id = d.id AND o.attempts = d.attempts AND o.delivered_at IS NULL`,
    [failed.map((f) => f.id), failed.map((f) => f.attempts), failed.map((f) => f.delayMs), failed.map((f) => f.error), failed.map((f) => f.giveUp)],
  );
}

/** Deletes delivered rows older than the given age, a batch at a time. */
export async function pruneDelivered(q: Queryable, olderThanMs: number, batch = 1000): Promise<number> {
  const rows = await q.query(
    `DELETE FROM notification_outbox WHERE id IN (
       SELECT id FROM notification_outbox WHERE delivered_at IS NOT NULL AND delivered_at < now() - ($1::bigint * interval '1 millisecond') LIMIT $2
     ) RETURNING id`,
    [olderThanMs, batch],
  );
  return rows.length;
}

export async function outboxPending(q: Queryable): Promise<number> {
  const rows = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM notification_outbox WHERE delivered_at IS NULL AND failed_at IS NULL`);
  return rows[0].n;
}
