/**
 * The case list (GET /api/cases): the caller's scope and the filters, then
 * either a keyset page in the chosen sort or, with `q`, the best text matches
 * (search.ts) paged by offset; each row shown as view.ts shows a case.
 */
import type { Ctx } from '../platform/context.ts';
import { audit } from '../platform/audit.ts';
import type { Principal } from '../org/auth.ts';
import { caseVisibility } from '../org/scope.ts';
import { TOTAL_CAP, type ListCasesQuery, type ListSort } from './model.ts';
import { SORT_ORDER, cursorOf, decodeOffsetCursor, encodeOffsetCursor, keysetAfter } from './cursors.ts';
import { DETAIL_SELECT, type CaseDetailRow } from './read.ts';
import { caseSearchPlan, caseTextSearch, rankedCaseIds } from './search.ts';
import { caseView } from './view.ts';

export async function listCases(ctx: Ctx, p: Principal, f: ListCasesQuery) {
  const params: unknown[] = [];
  const where = caseFilterWhere(p, f, params);
  const limit = f.limit;
  const sort: ListSort = f.sort ?? 'created_desc';
  let rows: CaseDetailRow[];
  let nextCursor: string | null = null;
  let total: Promise<{ total: number; totalCapped: boolean }> | undefined;
  if (f.q) {
    // Text search: best matches first (segmented full text), paged by offset; `sort` does not apply.
    const plan = await caseSearchPlan(ctx.db, p, f.q);
    const search = caseTextSearch(p, f.q, params, plan.mode);
    if (f.withTotal === 'true') total = countCases(ctx, [...where, search.where], [...params]);
    const offset = f.cursor ? decodeOffsetCursor(f.cursor) : 0;
    const top = await rankedCaseIds(ctx.db, { filters: where, params, search, plan, limit: limit + 1, offset });
    const detail = top.length ? await ctx.db.query<CaseDetailRow>(`${DETAIL_SELECT} WHERE c.id = ANY ($1::uuid[])`, [top.map((r) => r.id)]) : [];
    const byId = new Map(detail.map((r) => [r.id, r]));
    rows = top.map((r) => byId.get(r.id)).filter((r): r is CaseDetailRow => !!r);
    if (rows.length > limit) nextCursor = encodeOffsetCursor(offset + limit);
  } else {
    // Counted before the cursor narrows the set: the total is of the whole filtered list.
    if (f.withTotal === 'true') total = countCases(ctx, [...where], [...params]);
    if (f.cursor) where.push(keysetAfter(sort, f.cursor, params));
    rows = await ctx.db.query<CaseDetailRow>(
      `${DETAIL_SELECT} WHERE ${where.join(' AND ')} ORDER BY ${SORT_ORDER[sort]} LIMIT ${limit + 1}`,
      params,
    );
    if (rows.length > limit) nextCursor = cursorOf(sort, rows[limit - 1]);
  }
  const page = rows.slice(0, limit);
  const items = page.map((r) => caseView(r, p));
  const unmasked = items.filter((c, i) => !c.reporter.masked && page[i].reporter_user_id !== p.id && (c.reporter.phone || c.reporter.name));
  if (unmasked.length) {
    await audit(ctx.db, { userId: p.id, action: 'read_personal_data', entity: 'case', detail: { caseIds: unmasked.map((c) => c.id), via: 'list' } });
  }
  return total ? { items, nextCursor, ...(await total) } : { items, nextCursor };
}


/** How many cases match, counting no further than TOTAL_CAP (a queue badge needs no exact 1,234,567). */
async function countCases(ctx: Ctx, where: string[], params: unknown[]): Promise<{ total: number; totalCapped: boolean }> {
  const rows = await ctx.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM cases c WHERE ${where.join(' AND ')} LIMIT ${TOTAL_CAP + 1}) x`,
    params,
  );
  const n = rows[0]?.n ?? 0;
  return { total: Math.min(n, TOTAL_CAP), totalCapped: n > TOTAL_CAP };
}

/** Filters of the case list and the map (LIST_CASES, CASE_FILTERS); absent ones do not narrow. */
export interface CaseFilterValues {
  status?: readonly string[];
  channel?: readonly string[];
  type?: readonly string[];
  urgency?: readonly string[];
  warning?: readonly string[];
  unitId?: string;
  divisionCode?: string;
  gridId?: string;
  categoryCode?: string;
  createdFrom?: string;
  createdTo?: string;
  updatedFrom?: string;
  updatedTo?: string;
  mine?: 'true' | 'false';
}

/** WHERE clauses for a cases row `c`: the caller's scope first, then each filter; their parameters are pushed onto `params`. */
export function caseFilterWhere(p: Principal, f: CaseFilterValues, params: unknown[]): string[] {
  const where = [caseVisibility(p, 'c', params)];
  const add = (sql: (n: number) => string, v: unknown) => where.push(sql(params.push(v)));
  if (f.status?.length) add((n) => `c.status = ANY ($${n}::text[])`, f.status);
  if (f.channel?.length) add((n) => `c.channel = ANY ($${n}::text[])`, f.channel);
  if (f.type?.length) add((n) => `c.type = ANY ($${n}::text[])`, f.type);
  if (f.urgency?.length) add((n) => `c.urgency = ANY ($${n}::text[])`, f.urgency);
  if (f.unitId) add((n) => `(c.lead_unit_id = $${n} OR $${n}::uuid = ANY (c.assist_unit_ids))`, f.unitId);
  if (f.divisionCode) add((n) => `c.division_code LIKE $${n}`, `${f.divisionCode}%`);
  if (f.gridId) add((n) => `c.grid_id = $${n}`, f.gridId);
  if (f.categoryCode) add((n) => `c.category_code LIKE $${n}`, `${f.categoryCode}%`);
  if (f.createdFrom) add((n) => `c.created_at >= $${n}`, f.createdFrom);
  if (f.createdTo) add((n) => `c.created_at < $${n}`, f.createdTo);
  if (f.updatedFrom) add((n) => `c.updated_at >= $${n}`, f.updatedFrom);
  if (f.updatedTo) add((n) => `c.updated_at < $${n}`, f.updatedTo);
  if (f.mine === 'true') add((n) => `(c.handler_user_id = $${n} OR c.reporter_user_id = $${n} OR c.created_by = $${n})`, p.id);
  if (f.warning?.length) add((n) => `c.warning = ANY ($${n}::text[])`, f.warning);
  return where;
}
