/** Reading cases: the row a caller may see (with its display names and cursor keys) and its summoned units. */
import type { Queryable } from '../platform/db.ts';
import { notFound } from '../platform/errors.ts';
import type { Principal } from '../org/auth.ts';
import { caseVisibility } from '../org/scope.ts';
import type { CaseRow } from './store.ts';

/** A case row as DETAIL_SELECT reads it: the columns, display names and cursor keys. */
export type CaseDetailRow = CaseRow & Record<string, any>;

export interface SummonRow {
  unit_id: string;
  unit_name: string;
  summoned_at: Date;
  due_at: Date | null;
  reported_at: Date | null;
  answered_at: Date | null;
  answer: string | null;
}

// cursor_at, cursor_updated, cursor_due: the sort keys to the microsecond, for list cursors.
const US_UTC = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;
export const DETAIL_SELECT = `SELECT c.*, cat.name AS category_name, g.name AS grid_name, d.name AS division_name, lu.name AS lead_unit_name,
  to_char(c.created_at AT TIME ZONE 'UTC', ${US_UTC}) AS cursor_at, to_char(c.updated_at AT TIME ZONE 'UTC', ${US_UTC}) AS cursor_updated,
  to_char(c.due_at AT TIME ZONE 'UTC', ${US_UTC}) AS cursor_due
  FROM cases c LEFT JOIN categories cat ON cat.code = c.category_code LEFT JOIN grids g ON g.id = c.grid_id
  LEFT JOIN divisions d ON d.code = c.division_code LEFT JOIN units lu ON lu.id = c.lead_unit_id`;

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Loads a case the caller may see, by id or number; 404 otherwise (never reveals that it exists). */
export async function loadVisible(q: Queryable, p: Principal, ref: string): Promise<CaseDetailRow> {
  const params: unknown[] = [ref];
  const key = UUID_RE.test(ref) ? 'c.id = $1::uuid' : 'c.no = $1';
  const rows = await q.query<CaseRow>(`${DETAIL_SELECT} WHERE ${key} AND ${caseVisibility(p, 'c', params)}`, params);
  if (!rows[0]) throw notFound('case');
  return rows[0];
}

// The summoned units of one case as JSON beside its row: one query where an action or a detail read needs both.
const SUMMONS_JSON = `(SELECT coalesce(json_agg(json_build_object('unit_id', s.unit_id, 'unit_name', u.name, 'summoned_at', s.summoned_at, 'due_at', s.due_at,
    'reported_at', s.reported_at, 'answered_at', s.answered_at, 'answer', s.answer) ORDER BY s.summoned_at), '[]'::json)
  FROM case_summons s JOIN units u ON u.id = s.unit_id WHERE s.case_id = c.id) AS summons_json`;

const at = (v: unknown) => (v == null ? null : new Date(v as string));

/** A case the caller may see with the units summoned to (or assisting on) it, in order; 404 otherwise. */
export async function loadVisibleWithSummons(q: Queryable, p: Principal, ref: string): Promise<{ row: CaseDetailRow; summons: SummonRow[] }> {
  const params: unknown[] = [ref];
  const key = UUID_RE.test(ref) ? 'c.id = $1::uuid' : 'c.no = $1';
  const rows = await q.query<CaseRow & { summons_json: Record<string, unknown>[] }>(
    `${DETAIL_SELECT.replace('SELECT c.*,', `SELECT c.*, ${SUMMONS_JSON},`)} WHERE ${key} AND ${caseVisibility(p, 'c', params)}`,
    params,
  );
  if (!rows[0]) throw notFound('case');
  const { summons_json, ...row } = rows[0];
  const summons = summons_json.map((s) => ({
    unit_id: s.unit_id as string,
    unit_name: s.unit_name as string,
    summoned_at: at(s.summoned_at)!,
    due_at: at(s.due_at),
    reported_at: at(s.reported_at),
    answered_at: at(s.answered_at),
    answer: (s.answer as string | null) ?? null,
  }));
  return { row: row as CaseDetailRow, summons };
}
