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

/** The units summoned to (or assisting on) a case, in order. */
export function loadSummons(q: Queryable, caseId: string): Promise<SummonRow[]> {
  return q.query<SummonRow>(
    `SELECT s.unit_id, u.name AS unit_name, s.summoned_at, s.due_at, s.reported_at, s.answered_at, s.answer
       FROM case_summons s JOIN units u ON u.id = s.unit_id WHERE s.case_id = $1 ORDER BY s.summoned_at`,
    [caseId],
  );
}
