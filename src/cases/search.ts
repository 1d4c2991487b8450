/**
 * Case search (GET /api/cases?q=): Chinese full text over the cases table's
 * search_text column (src/text builds the tokens and the tsquery; see
 * migrations/202611240020_search.sql for the column). All of the query's
 * words must match; when that finds nothing, any of its words (and their
 * search-mode parts) may (caseSearchMode decides). Results are ranked with
 * ts_rank_cd over the newest SEARCH_WINDOW matches.
 */
import type { Queryable } from '../platform/db.ts';
import type { Principal } from '../org/auth.ts';
import { caseVisibility } from '../org/scope.ts';
import { buildTextQuery, searchText } from '../text/index.ts';

/** search_text of a case: title tokens (weighted A), then description and address tokens. */
export function caseSearchText(c: { title: string; description?: string | null; address?: string | null }): string {
  return searchText(c.title, [c.description, c.address].filter(Boolean).join(' '));
}


/** A case number typed into the search box (exact match). */
export function caseNumberOf(q: string): string | undefined {
  const t = q.trim();
  return /^\d{8,20}$/.test(t) ? t : undefined;
}

export interface CaseTextSearch {
  /** Predicate over cases aliased `c`: the case number, or the text. AND it with caseVisibility(p, 'c', params). */
  where: string;
  /** Rank expression (real, higher is better; an exact number match ranks first). */
  rank: string;
  /** The words searched for (empty when the text had none). */
  terms: string[];
  /** A case number: `where` is an exact lookup. */
  exact: boolean;
}

export type SearchMode = 'all' | 'any';

/**
 * SQL predicate and rank expression for a case search, appending parameters
 * to `params`. The predicate is the text match only: callers AND it with
 * `caseVisibility(p, 'c', params)` (listCases already does). `mode`
 * 'all' wants every word of the query, 'any' any word or part of one
 * (caseSearchPlan says which finds something). User text only ever travels
 * as parameters, and the tsquery is a constant the planner can estimate.
 * `p` is the caller, for the signature's sake: visibility is the caller's
 * own predicate.
 */
export function caseTextSearch(_p: Principal, q: string, params: unknown[], mode: SearchMode = 'all'): CaseTextSearch {
  const no = caseNumberOf(q);
  if (no) {
    // A case number is looked up, not searched for: its digits mean nothing in text.
    const ref = `$${params.push(no)}`;
    return { where: `c.no = ${ref}`, rank: '1::real', terms: [no], exact: true };
  }
  const tq = buildTextQuery(q);
  if (!tq) return { where: 'FALSE', rank: '0::real', terms: [], exact: false };
  const match = `to_tsquery('simple', $${params.push(mode === 'any' ? tq.any : tq.all)}::text)`;
  // Cover density: more of the query, closer together, in the title (weight A) ranks higher.
  // The same parameter as the predicate, so a caller may use `where` without `rank`.
  return { where: `c.search_tsv @@ ${match}`, rank: `ts_rank_cd(c.search_tsv, ${match})`, terms: tq.terms, exact: false };
}

/**
 * Ranking looks at the newest matches (after every filter), at most
 * SEARCH_WINDOW of them. A common query ("路灯", "噪音扰民") matches tens of
 * thousands of cases at 1M; ranking them all means reading every one of
 * their rows, hundreds of milliseconds. A rare one is ranked over all its matches.
 */
export const SEARCH_WINDOW = 1000;

/** How many of the newest cases make up the "recent" part searched first. */
export const RECENT_ROWS = 50_000;

/** Matches in the recent part that make older cases unnecessary (or the page asked for, if deeper). */
export const RECENT_ENOUGH = 200;

export interface CaseSearchPlan {
  /** 'all': every word must match; 'any': none has them all, any word may. */
  mode: SearchMode;
  /** Creation time of the RECENT_ROWS-th newest case; null when there are fewer. */
  since: Date | null;
}

const recentCuts = new WeakMap<object, { at: number; since: Date | null }>();

/** Where the recent part starts; looked up at most once a minute per database handle. */
async function recentCut(db: Queryable): Promise<Date | null> {
  const hit = recentCuts.get(db);
  if (hit && Date.now() - hit.at < 60_000) return hit.since;
  const rows = await db.query<{ created_at: Date }>(`SELECT created_at FROM cases ORDER BY created_at DESC OFFSET ${RECENT_ROWS} LIMIT 1`);
  const since = rows[0]?.created_at ?? null;
  recentCuts.set(db, { at: Date.now(), since });
  return since;
}

/**
 * What a case search needs to know before its SQL is built: whether every
 * word of the query matches some case the caller may see (else any word
 * will do), and where the recent part of the table starts. Two cheap queries
 * (an EXISTS over the GIN index; an index-only lookup cached for a minute).
 */
export async function caseSearchPlan(db: Queryable, p: Principal, q: string): Promise<CaseSearchPlan> {
  return { mode: await caseSearchMode(db, p, q), since: await recentCut(db) };
}

/** 'all' when some case the caller may see has every word of the query (or it has one word), else 'any'. */
export async function caseSearchMode(db: Queryable, p: Principal, q: string): Promise<SearchMode> {
  const tq = buildTextQuery(q);
  if (!tq || tq.any === tq.all) return 'all';
  const params: unknown[] = [tq.all];
  const visible = caseVisibility(p, 'c', params);
  const rows = await db.query<{ hit: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM cases c WHERE c.search_tsv @@ to_tsquery('simple', $1::text) AND ${visible}) AS hit`,
    params,
  );
  return rows[0].hit ? 'all' : 'any';
}

export interface RankedCaseSearch {
  /** Predicates over cases aliased `c` besides the text: visibility (required) and the list's filters. */
  filters: string[];
  /** Their parameters; caseTextSearch appended its own to the same array. */
  params: unknown[];
  search: CaseTextSearch;
  plan: CaseSearchPlan;
  limit: number;
  offset?: number;
  window?: number;
}

export interface RankedCase {
  id: string;
  rank: number;
  created_at: Date;
}

/**
 * The best `limit` cases (after `offset`), best first, among the newest
 * `window` cases that pass the filters and the text: ids, ranks and creation
 * times, for the caller to load the rows it shows.
 *
 * Matches are looked for among the RECENT_ROWS newest cases first, walking
 * the creation-time index with the text as a plain filter: bounded work
 * however common the words are, where the GIN index would read every match
 * (and the planner, multiplying the frequencies of correlated words like 噪音
 * and 扰民, cannot tell how many there are). When the recent part has enough
 * matches (RECENT_ENOUGH, or as deep as the page asked for), they are the
 * ones ranked; otherwise older cases are searched too, through the GIN index
 * (the words are rare then, so that is cheap as well). Two statements rather
 * than one, so each is planned for what it does.
 */
export async function rankedCaseIds(db: Queryable, o: RankedCaseSearch): Promise<RankedCase[]> {
  const window = Math.max(1, Math.trunc(o.window ?? SEARCH_WINDOW));
  const limit = Math.max(0, Math.trunc(o.limit));
  const offset = Math.max(0, Math.trunc(o.offset ?? 0));
  if (o.search.where === 'FALSE' || limit === 0) return [];
  const base = o.filters.length ? `${o.filters.join(' AND ')} AND ` : '';
  const newest = (where: string, params: unknown[]) =>
    db.query<RankedCase>(`SELECT c.id, c.created_at, ${o.search.rank} AS rank FROM cases c WHERE ${base}${where} ORDER BY c.created_at DESC LIMIT ${window}`, params);
  let rows: RankedCase[];
  if (o.search.exact || !o.plan.since) rows = await newest(o.search.where, o.params);
  else {
    const recentParams = [...o.params];
    const since = `$${recentParams.push(o.plan.since)}::timestamptz`;
    rows = await newest(`c.created_at >= ${since} AND (${o.search.where}) IS TRUE`, recentParams);
    if (rows.length < Math.min(window, Math.max(RECENT_ENOUGH, limit + offset))) {
      const older = await newest(`c.created_at < ${since} AND ${o.search.where}`, recentParams);
      rows = [...rows, ...older].slice(0, window);
    }
  }
  rows.sort((x, y) => y.rank - x.rank || +y.created_at - +x.created_at || (x.id < y.id ? 1 : x.id > y.id ? -1 : 0));
  return rows.slice(offset, offset + limit);
}

export interface CaseHit {
  id: string;
  no: string;
  title: string;
  status: string;
  category_code: string | null;
  division_code: string | null;
  created_at: Date;
  rank: number;
}

/**
 * Ranked cases the caller may see that match `text`: the best `limit` of the
 * newest SEARCH_WINDOW matches. The case list (GET /api/cases?q=) does the
 * same with its own filters; this is for features and benchmarks that want
 * hits without the whole case view.
 */
export async function searchCases(db: Queryable, p: Principal, text: string, opts: { limit?: number; offset?: number } = {}): Promise<{ items: CaseHit[]; terms: string[] }> {
  const plan = await caseSearchPlan(db, p, text);
  const params: unknown[] = [];
  const visible = caseVisibility(p, 'c', params);
  const search = caseTextSearch(p, text, params, plan.mode);
  const limit = Math.max(1, Math.min(200, Math.trunc(opts.limit ?? 20)));
  const top = await rankedCaseIds(db, { filters: [visible], params, search, plan, limit, offset: opts.offset });
  if (!top.length) return { items: [], terms: search.terms };
  const rows = await db.query<Omit<CaseHit, 'rank'>>(
    `SELECT c.id, c.no, c.title, c.status, c.category_code, c.division_code, c.created_at FROM cases c WHERE c.id = ANY ($1::uuid[])`,
    [top.map((t) => t.id)],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  return { items: top.filter((t) => byId.has(t.id)).map((t) => ({ ...byId.get(t.id)!, rank: t.rank })), terms: search.terms };
}

/**
 * Segments cases whose search_text is still NULL (rows from before the search
 * migration, or written by a path that did not fill it), `batch` rows per
 * statement. Returns how many rows it filled.
 */
export async function backfillCaseSearch(db: Queryable, batch = 1000): Promise<number> {
  const size = Math.max(1, Math.trunc(batch));
  let total = 0;
  for (;;) {
    const rows = await db.query<{ id: string; title: string; description: string; address: string | null }>(
      `SELECT id, title, description, address FROM cases WHERE search_text IS NULL LIMIT ${size}`,
    );
    if (!rows.length) break;
    const done = await db.query(
      `UPDATE cases c SET search_text = u.t FROM unnest($1::uuid[], $2::text[]) AS u(id, t)
        WHERE c.id = u.id AND c.search_text IS NULL RETURNING c.id`,
      [rows.map((r) => r.id), rows.map((r) => caseSearchText(r))],
    );
    total += done.length;
    if (rows.length < size) break;
  }
  return total;
}
