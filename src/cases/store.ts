/** SQL of the case engine. Each state change is a single statement: row update with version check plus one appended event. */
import type { Queryable } from '../platform/db.ts';
import type { Status } from './lifecycle.ts';
import { CLOCK_COLUMN_TYPES, type ClockColumns } from '../timelimits/index.ts';

export interface CaseRow {
  id: string;
  no: string;
  channel: string;
  type: string;
  category_code: string | null;
  urgency: string;
  title: string;
  description: string;
  reporter_name: string | null;
  reporter_phone: string | null;
  reporter_user_id: string | null;
  reporter_confidential: boolean;
  address: string | null;
  lng: number | null;
  lat: number | null;
  grid_id: string | null;
  division_code: string | null;
  status: Status;
  lead_unit_id: string | null;
  assist_unit_ids: string[];
  handler_user_id: string | null;
  reply: string | null;
  solved: boolean | null;
  rating: number | null;
  rating_comment: string | null;
  duplicate_of: string | null;
  external_ref: string | null;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
  closed_at: Date | null;
  version: number;
}

export interface NewCase {
  id: string;
  channel: string;
  type: string;
  categoryCode: string | null;
  urgency: string;
  title: string;
  description: string;
  reporterName: string | null;
  reporterPhone: string | null;
  reporterUserId: string | null;
  reporterConfidential: boolean;
  address: string | null;
  lng: number | null;
  lat: number | null;
  gridId: string | null;
  divisionCode: string | null;
  externalRef: string | null;
  createdBy: string;
  actorUnitId: string | null;
  attachmentIds: string[];
  comment: string | null;
  /** The clock a new case starts with (its dispatch limit), from the time-limit policies. */
  clock: NewCaseClock;
  /** Pre-segmented tokens for full-text search. */
  searchText: string;
}

/** Clock columns set at registration. */
export interface NewCaseClock {
  policyId: string | null;
  clock: string | null;
  clockStartedAt: Date | null;
  dueAt: Date | null;
  warnAt: Date | null;
  escalateAt: Date | null;
  nextCheckAt: Date | null;
}

export const NO_CLOCK: NewCaseClock = { policyId: null, clock: null, clockStartedAt: null, dueAt: null, warnAt: null, escalateAt: null, nextCheckAt: null };

export const CASE_COLUMNS = `id, no, channel, type, category_code, urgency, title, description, reporter_name, reporter_phone,
  reporter_user_id, reporter_confidential, address, lng, lat, grid_id, division_code, status, external_ref, created_by,
  policy_id, clock, clock_started_at, due_at, warn_at, escalate_at, next_check_at, search_text`;

// Shanghai date + global sequence, e.g. 20261123000042 (see migration next_case_no).
export const CASE_NO = `next_case_no()`;

function newCaseParams(c: NewCase): unknown[] {
  return [
    c.id,
    c.channel,
    c.type,
    c.categoryCode,
    c.urgency,
    c.title,
    c.description,
    c.reporterName,
    c.reporterPhone,
    c.reporterUserId,
    c.reporterConfidential,
    c.address,
    c.lng,
    c.lat,
    c.gridId,
    c.divisionCode,
    c.externalRef,
    c.createdBy,
    c.actorUnitId,
    c.attachmentIds,
    c.comment,
    c.clock.policyId,
    c.clock.clock,
    c.clock.clockStartedAt,
    c.clock.dueAt,
    c.clock.warnAt,
    c.clock.escalateAt,
    c.clock.nextCheckAt,
    c.searchText,
  ];
}

const INSERT_CASE_SELECT = `SELECT $1::uuid, ${CASE_NO}, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 'registered', $17, $18,
  $22::uuid, $23::text, $24::timestamptz, $25::timestamptz, $26::timestamptz, $27::timestamptz, $28::timestamptz, $29::text`;

const EVENT_AND_ATTACHMENTS = `
  e AS (
    INSERT INTO case_events (case_id, seq, actor_user_id, actor_unit_id, action, from_status, to_status, comment, data, attachment_ids)
    SELECT c.id, 1, $18, $19, 'create', NULL, 'registered', $21, jsonb_build_object('channel', c.channel), $20::uuid[] FROM c
    RETURNING case_id
  ),
  a AS (
    UPDATE attachments SET case_id = (SELECT id FROM c) WHERE id = ANY ($20::uuid[]) AND uploaded_by = $18 AND case_id IS NULL AND EXISTS (SELECT 1 FROM c)
    RETURNING id
  )`;

/**
 * The columns a write hands back to the engine: every column but the search
 * text, its tsvector and the geo cell, which only SQL reads. Sending the
 * tsvector back as text on every intake cost more than the insert itself.
 */
export const CASE_ROW_COLUMNS = `id, no, channel, type, category_code, urgency, title, description, reporter_name, reporter_phone, reporter_user_id, reporter_confidential, address, lng, lat, grid_id, division_code, status, lead_unit_id, assist_unit_ids, handler_user_id, reply, solved, rating, rating_comment, duplicate_of, external_ref, created_by, created_at, updated_at, closed_at, version, policy_id, clock, clock_started_at, due_at, warn_at, escalate_at, warning, escalated, next_check_at, dispatched_at, accept_due_at, accepted_at, reply_due_at, replied_at, return_due_at, arrived_at, extension_count, pending_extension, return_count, needs_arbitration, merged_count, anonymised_at`;

/** A new case's row with the names the intake screen shows, read in the same statement as the insert. */
export const NEW_CASE_SELECT = `SELECT ${CASE_ROW_COLUMNS},
       (SELECT name FROM categories WHERE code = c.category_code) AS category_name,
       (SELECT name FROM grids WHERE id = c.grid_id) AS grid_name,
       (SELECT name FROM divisions WHERE code = c.division_code) AS division_name,
       (SELECT name FROM units WHERE id = c.lead_unit_id) AS lead_unit_name
  FROM c`;

/** Inserts a case and its creation event in one statement (one round trip, atomic). */
export async function insertCase(q: Queryable, c: NewCase): Promise<CaseRow> {
  const rows = await q.query<CaseRow>(
    `WITH c AS (INSERT INTO cases (${CASE_COLUMNS}) ${INSERT_CASE_SELECT} RETURNING *), ${EVENT_AND_ATTACHMENTS}
     ${NEW_CASE_SELECT}`,
    newCaseParams(c),
    { prepare: true },
  );
  return rows[0];
}

/**
 * The same, guarded by an idempotency key: the key row, case and event are
 * written together or not at all. Returns undefined when the key was used
 * before (the caller then reads the first result).
 */
export async function insertCaseIdempotent(q: Queryable, c: NewCase, key: string, requestHash: string): Promise<CaseRow | undefined> {
  const rows = await q.query<CaseRow>(
    `WITH k AS (
       INSERT INTO idempotency_keys (user_id, key, request_hash, resource_id) VALUES ($18, $30, $31, $1)
       ON CONFLICT DO NOTHING RETURNING resource_id
     ),
     c AS (INSERT INTO cases (${CASE_COLUMNS}) ${INSERT_CASE_SELECT} WHERE EXISTS (SELECT 1 FROM k) RETURNING *),
     ${EVENT_AND_ATTACHMENTS}
     ${NEW_CASE_SELECT}`,
    [...newCaseParams(c), key, requestHash],
    { prepare: true },
  );
  return rows[0];
}

export async function findIdempotent(q: Queryable, userId: string, key: string): Promise<{ request_hash: string; resource_id: string } | undefined> {
  const rows = await q.query<{ request_hash: string; resource_id: string }>(
    `SELECT request_hash, resource_id FROM idempotency_keys WHERE user_id = $1 AND key = $2`,
    [userId, key],
  );
  return rows[0];
}

/** Column assignments a transition may make; whitelisted so no input names a column. */
export interface RowPatch extends ClockColumns {
  lead_unit_id?: string | null;
  assist_unit_ids?: string[];
  handler_user_id?: string | null;
  reply?: string | null;
  solved?: boolean | null;
  rating?: number | null;
  rating_comment?: string | null;
  duplicate_of?: string | null;
  external_ref?: string | null;
  closed_at?: 'now' | null;
}

const PATCH_TYPES: Record<keyof RowPatch, string> = {
  ...CLOCK_COLUMN_TYPES,
  lead_unit_id: 'uuid',
  assist_unit_ids: 'uuid[]',
  handler_user_id: 'uuid',
  reply: 'text',
  solved: 'boolean',
  rating: 'smallint',
  rating_comment: 'text',
  duplicate_of: 'uuid',
  external_ref: 'text',
  closed_at: 'timestamptz',
};

export interface Transition {
  caseId: string;
  expectedVersion: number;
  action: string;
  from: Status;
  to: Status;
  patch: RowPatch;
  actorUserId: string;
  actorUnitId: string | null;
  comment: string | null;
  data: Record<string, unknown>;
  attachmentIds: string[];
}

/**
 * Applies a transition: the row moves only if its version is still the one
 * read (optimistic concurrency), and the event is appended in the same
 * statement. Returns undefined when someone else changed the case first.
 */
export async function applyTransition(q: Queryable, t: Transition): Promise<CaseRow | undefined> {
  const params: unknown[] = [t.caseId, t.expectedVersion, t.to];
  const sets = [`status = $3`, `version = version + 1`, `updated_at = now()`];
  for (const [col, value] of Object.entries(t.patch) as [keyof RowPatch, unknown][]) {
    if (value === undefined) continue;
    if (col === 'closed_at') {
      sets.push(value === 'now' ? `closed_at = now()` : `closed_at = NULL`);
      continue;
    }
    params.push(PATCH_TYPES[col] === 'jsonb' && value !== null ? JSON.stringify(value) : value);
    sets.push(`${col} = $${params.length}::${PATCH_TYPES[col]}`);
  }
  params.push(t.actorUserId, t.actorUnitId, t.action, t.from, t.comment, JSON.stringify(t.data), t.attachmentIds);
  const n = params.length;
  const rows = await q.query<CaseRow>(
    `WITH u AS (
       UPDATE cases SET ${sets.join(', ')} WHERE id = $1 AND version = $2 RETURNING *
     ),
     e AS (
       INSERT INTO case_events (case_id, seq, actor_user_id, actor_unit_id, action, from_status, to_status, comment, data, attachment_ids)
       SELECT u.id, u.version, $${n - 6}, $${n - 5}, $${n - 4}, $${n - 3}, u.status, $${n - 2}, $${n - 1}::jsonb, $${n}::uuid[] FROM u
       RETURNING case_id
     ),
     a AS (
       UPDATE attachments SET case_id = $1 WHERE id = ANY ($${n}::uuid[]) AND uploaded_by = $${n - 6} AND case_id IS NULL AND EXISTS (SELECT 1 FROM u)
       RETURNING id
     )
     SELECT ${CASE_ROW_COLUMNS} FROM u`,
    params,
  );
  return rows[0];
}

export interface EventRow {
  seq: number;
  at: Date;
  action: string;
  from_status: Status | null;
  to_status: Status;
  comment: string | null;
  data: Record<string, unknown>;
  attachment_ids: string[];
  actor_user_id: string | null;
  actor_name: string | null;
  actor_unit_id: string | null;
  actor_unit_name: string | null;
}

export function loadEvents(q: Queryable, caseId: string): Promise<EventRow[]> {
  return q.query<EventRow>(
    `SELECT e.seq, e.at, e.action, e.from_status, e.to_status, e.comment, e.data, e.attachment_ids,
            e.actor_user_id, u.display_name AS actor_name, e.actor_unit_id, un.name AS actor_unit_name
       FROM case_events e LEFT JOIN users u ON u.id = e.actor_user_id LEFT JOIN units un ON un.id = e.actor_unit_id
      WHERE e.case_id = $1 ORDER BY e.seq`,
    [caseId],
  );
}
