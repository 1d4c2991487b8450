/**
 * The event log and timeline of any register entity, and the one way a
 * register entity changes state: the row's version check and one appended
 * event, in one transaction (as the case engine does for cases).
 */
import { z } from 'zod';
import type { Queryable } from '../../platform/db.ts';
import { conflict } from '../../platform/errors.ts';

export interface EventInput {
  entityType: string;
  entityId: string;
  /** The entity's version after the event; null for a remark that moves nothing. */
  version: number | null;
  action: string;
  from: string | null;
  to: string | null;
  actorUserId: string | null;
  actorUnitId: string | null;
  comment?: string | null;
  data?: Record<string, unknown>;
  attachmentIds?: string[];
  /** When it happened, for entries of the past (demo data, historic ledgers); default the transaction's now(). */
  at?: Date;
}

export async function appendEvent(q: Queryable, e: EventInput): Promise<void> {
  await q.query(
    `INSERT INTO entity_events (entity_type, entity_id, version, actor_user_id, actor_unit_id, action, from_status, to_status, comment, data, attachment_ids, at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11::uuid[], coalesce($12::timestamptz, now()))`,
    [e.entityType, e.entityId, e.version, e.actorUserId, e.actorUnitId, e.action, e.from, e.to, e.comment ?? null, JSON.stringify(e.data ?? {}), e.attachmentIds ?? [], e.at ?? null],
  );
}

/** Many remarks at once (the sweeper's automatic urges). */
export async function appendEvents(q: Queryable, list: readonly EventInput[]): Promise<void> {
  if (!list.length) return;
  await q.query(
    `INSERT INTO entity_events (entity_type, entity_id, version, actor_user_id, actor_unit_id, action, from_status, to_status, comment, data)
     SELECT e.t, e.id, e.v, e.au, e.un, e.a, e.f, e.s, e.c, e.d::jsonb
       FROM unnest($1::text[], $2::uuid[], $3::int[], $4::uuid[], $5::uuid[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[]) AS e(t, id, v, au, un, a, f, s, c, d)`,
    [
      list.map((e) => e.entityType),
      list.map((e) => e.entityId),
      list.map((e) => e.version),
      list.map((e) => e.actorUserId),
      list.map((e) => e.actorUnitId),
      list.map((e) => e.action),
      list.map((e) => e.from),
      list.map((e) => e.to),
      list.map((e) => e.comment ?? null),
      list.map((e) => JSON.stringify(e.data ?? {})),
    ],
  );
}

/** Column values of a state change; keys are trusted column names of the register's table. */
export type Patch = Record<string, unknown>;

export interface TransitionInput {
  /** The register's table (a constant of the register's code, never input). */
  table: string;
  entityType: string;
  id: string;
  expectedVersion: number;
  from: string;
  to: string;
  action: string;
  patch: Patch;
  actorUserId: string;
  actorUnitId: string | null;
  comment?: string | null;
  data?: Record<string, unknown>;
  attachmentIds?: string[];
}

/**
 * Moves the row (status, version + 1, the patch) if it is still at
 * `expectedVersion`, and appends the event; a stale version is a 409 and
 * nothing is written. Call inside the transaction of the change's other writes.
 */
export async function transition<T = Record<string, unknown>>(q: Queryable, t: TransitionInput): Promise<T> {
  if (!/^[a-z_]+$/.test(t.table)) throw new Error(`bad table name ${t.table}`);
  const params: unknown[] = [t.id, t.expectedVersion, t.to];
  const sets = ['status = $3', 'version = version + 1', 'updated_at = now()'];
  for (const [col, value] of Object.entries(t.patch)) {
    if (value === undefined) continue;
    if (!/^[a-z_]+$/.test(col)) throw new Error(`bad column name ${col}`);
    params.push(value !== null && typeof value === 'object' && !(value instanceof Date) && !Array.isArray(value) ? JSON.stringify(value) : value);
    sets.push(`${col} = $${params.length}`);
  }
  const rows = await q.query<T & { version: number }>(`UPDATE ${t.table} SET ${sets.join(', ')} WHERE id = $1 AND version = $2 RETURNING *`, params);
  if (!rows[0]) {
    throw conflict(`记录已被他人修改，请刷新后重试 (the record is no longer at version ${t.expectedVersion}; reload and retry)`, [{ field: 'version', message: 'stale' }]);
  }
  await appendEvent(q, {
    entityType: t.entityType,
    entityId: t.id,
    version: rows[0].version,
    action: t.action,
    from: t.from,
    to: t.to,
    actorUserId: t.actorUserId,
    actorUnitId: t.actorUnitId,
    comment: t.comment,
    data: t.data,
    attachmentIds: t.attachmentIds,
  });
  return rows[0];
}

export const TIMELINE_ENTRY = z.object({
  at: z.string(),
  version: z.number().int().nullable(),
  action: z.string(),
  fromStatus: z.string().nullable(),
  toStatus: z.string().nullable(),
  comment: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
  attachmentIds: z.array(z.string()),
  actor: z.object({ userId: z.string().nullable(), name: z.string().nullable(), unitId: z.string().nullable(), unitName: z.string().nullable() }),
});
export type TimelineEntry = z.infer<typeof TIMELINE_ENTRY>;

/** The entity's events, oldest first, with who acted (names, units). */
export async function timeline(q: Queryable, entityType: string, entityId: string): Promise<TimelineEntry[]> {
  const rows = await q.query<{
    at: Date; version: number | null; action: string; from_status: string | null; to_status: string | null; comment: string | null;
    data: Record<string, unknown>; attachment_ids: string[]; actor_user_id: string | null; actor_name: string | null; actor_unit_id: string | null; actor_unit_name: string | null;
  }>(
    `SELECT e.at, e.version, e.action, e.from_status, e.to_status, e.comment, e.data, e.attachment_ids, e.actor_user_id, u.display_name AS actor_name,
            e.actor_unit_id, un.name AS actor_unit_name
       FROM entity_events e LEFT JOIN users u ON u.id = e.actor_user_id LEFT JOIN units un ON un.id = e.actor_unit_id
      WHERE e.entity_type = $1 AND e.entity_id = $2 ORDER BY e.id`,
    [entityType, entityId],
  );
  return rows.map((r) => ({
    at: new Date(r.at).toISOString(),
    version: r.version,
    action: r.action,
    fromStatus: r.from_status,
    toStatus: r.to_status,
    comment: r.comment,
    data: r.data ?? {},
    attachmentIds: r.attachment_ids ?? [],
    actor: { userId: r.actor_user_id, name: r.actor_name, unitId: r.actor_unit_id, unitName: r.actor_unit_name },
  }));
}
