/**
 * Risk assessment's SQL: the caller's jurisdiction as division prefixes,
 * frameworks and periods, values computed from the platform's records, and
 * the scoring run (one query's data scored in memory, written in one batch).
 */
import { z } from 'zod';
import { v7 as uuidv7 } from 'uuid';
import type { Queryable } from '../../platform/db.ts';
import { notFound } from '../../platform/errors.ts';
import type { Principal } from '../../org/auth.ts';
import { seesEverything } from '../../org/scope.ts';
import { FRAMEWORK_SPEC, flatten, type FrameworkSpec, type Source } from './framework.ts';
import { score, type CountyScore, type IndicatorValue } from './scoring.ts';

export const ASSESSMENT_ENTITY = 'risk_assessment';

/** The caller's jurisdiction as division-code prefixes; null sees everything. A user without scope codes has their unit's divisions. */
export async function callerPrefixes(q: Queryable, p: Principal): Promise<string[] | null> {
  if (seesEverything(p)) return null;
  if (p.scopeCodes.length) return [...p.scopeCodes];
  if (!p.unitId) return [];
  const r = await q.query<{ d: string[] }>(`SELECT division_codes AS d FROM units WHERE id = $1`, [p.unitId]);
  return r[0]?.d ?? [];
}

export const covers = (prefixes: string[] | null, code: string) => prefixes === null || prefixes.some((x) => code.startsWith(x));
/** A period is the caller's business when its area and their jurisdiction overlap (a county sees the city's period, for its own county). */
export const overlaps = (prefixes: string[] | null, code: string) => prefixes === null || prefixes.some((x) => code.startsWith(x) || x.startsWith(code));

export interface FrameworkRow {
  id: string;
  code: string;
  version: number;
  name: string;
  spec: FrameworkSpec;
  frozen: boolean;
  created_at: Date;
  updated_at: Date;
}

export async function loadFramework(q: Queryable, id: string): Promise<FrameworkRow> {
  const r = (await q.query<FrameworkRow>(`SELECT * FROM risk_frameworks WHERE id = $1`, [id]))[0];
  if (!r) throw notFound('risk framework');
  // Stored specs were validated on the way in; parse again so defaults apply to older rows.
  return { ...r, spec: FRAMEWORK_SPEC.parse(r.spec) };
}

export interface PeriodRow {
  id: string;
  code: string;
  name: string;
  scope_code: string;
  scope_name: string | null;
  starts_on: string;
  ends_on: string;
  framework_id: string;
  scored_at: Date | null;
  created_at: Date;
}

const PERIOD_SELECT = `SELECT p.id, p.code, p.name, p.scope_code, d.name AS scope_name, to_char(p.starts_on, 'YYYY-MM-DD') AS starts_on,
  to_char(p.ends_on, 'YYYY-MM-DD') AS ends_on, p.framework_id, p.scored_at, p.created_at FROM risk_periods p LEFT JOIN divisions d ON d.code = p.scope_code`;

/** SQL predicate over a risk_periods row aliased `a`: its area and the caller's jurisdiction overlap. */
export function periodVisibility(prefixes: string[] | null, a: string, params: unknown[]): string {
  if (prefixes === null) return 'TRUE';
  return `EXISTS (SELECT 1 FROM unnest($${params.push(prefixes)}::text[]) s WHERE ${a}.scope_code LIKE s || '%' OR s LIKE ${a}.scope_code || '%')`;
}

export async function listPeriods(q: Queryable, prefixes: string[] | null): Promise<PeriodRow[]> {
  const params: unknown[] = [];
  return q.query<PeriodRow>(`${PERIOD_SELECT} WHERE ${periodVisibility(prefixes, 'p', params)} ORDER BY p.starts_on DESC, p.code`, params);
}

/** The period if it overlaps the caller's jurisdiction; 404 otherwise (a period elsewhere is not named). */
export async function loadVisiblePeriod(q: Queryable, prefixes: string[] | null, id: string): Promise<PeriodRow> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) throw notFound('risk period');
  const params: unknown[] = [id];
  const r = (await q.query<PeriodRow>(`${PERIOD_SELECT} WHERE p.id = $1::uuid AND ${periodVisibility(prefixes, 'p', params)}`, params))[0];
  if (!r) throw notFound('risk period');
  return r;
}

/** The counties (6-digit divisions) a period scores: those under its area, or the area itself when it is a county. */
export async function periodCounties(q: Queryable, scopeCode: string): Promise<{ code: string; name: string }[]> {
  return q.query<{ code: string; name: string }>(`SELECT code, name FROM divisions WHERE level = 3 AND code LIKE $1 ORDER BY code`, [`${scopeCode}%`]);
}

/**
 * Fills the period's computed indicators from the platform's records (12345
 * work orders, disputes, petitions), every county of the period, in one batch.
 * Counts with no records are 0 (the records say so); a rate without a
 * denominator and a per-population figure without a population are missing.
 */
export async function computeValues(q: Queryable, period: PeriodRow, spec: FrameworkSpec, userId: string): Promise<{ indicators: number; values: number }> {
  const computed = flatten(spec).filter((f) => f.indicator.source !== 'entered');
  if (!computed.length) return { indicators: 0, values: 0 };
  const counties = await periodCounties(q, period.scope_code);
  const from = `${period.starts_on}T00:00:00+08:00`;
  const to = new Date(Date.parse(`${period.ends_on}T00:00:00+08:00`) + 86_400_000).toISOString();
  const like = `${period.scope_code}%`;
  const sources = new Set(computed.map((c) => c.indicator.source));
  const caseRows = sources.has('cases') || sources.has('cases_per_10k') || sources.has('complaint_rate') || sources.has('overdue_orders')
    ? await q.query<{ county: string; n: number; complaints: number; overdue: number }>(
        `SELECT left(division_code, 6) AS county, count(*)::int AS n, count(*) FILTER (WHERE type = 'complaint')::int AS complaints,
                count(*) FILTER (WHERE due_at IS NOT NULL AND due_at < coalesce(replied_at, closed_at, least(now(), $3::timestamptz)))::int AS overdue
           FROM cases WHERE division_code LIKE $1 AND created_at >= $2::timestamptz AND created_at < $3::timestamptz GROUP BY 1`,
        [like, from, to],
      )
    : [];
  const population = sources.has('cases_per_10k')
    ? await q.query<{ county: string; n: number }>(`SELECT left(division_code, 6) AS county, sum(population)::float8 AS n FROM grids WHERE division_code LIKE $1 GROUP BY 1`, [like])
    : [];
  const disputeRows = sources.has('disputes') || sources.has('dispute_resolution_rate')
    ? await q.query<{ county: string; n: number; resolved: number }>(
        `SELECT left(division_code, 6) AS county, count(*)::int AS n, count(*) FILTER (WHERE resolved_at IS NOT NULL)::int AS resolved
           FROM disputes WHERE division_code LIKE $1 AND registered_at >= $2::timestamptz AND registered_at < $3::timestamptz GROUP BY 1`,
        [like, from, to],
      )
    : [];
  const petitionRows = sources.has('petitions')
    ? await q.query<{ county: string; n: number }>(
        `SELECT left(division_code, 6) AS county, count(*)::int AS n FROM petitions WHERE division_code LIKE $1 AND registered_at >= $2::timestamptz AND registered_at < $3::timestamptz GROUP BY 1`,
        [like, from, to],
      )
    : [];
  const by = <T extends { county: string }>(rows: T[]) => new Map(rows.map((r) => [r.county, r]));
  const cs = by(caseRows);
  const pop = by(population);
  const ds = by(disputeRows);
  const ps = by(petitionRows);
  const valueOf = (source: Source, county: string): number | null => {
    const c = cs.get(county);
    const n = c?.n ?? 0;
    switch (source) {
      case 'cases':
        return n;
      case 'cases_per_10k': {
        const people = Number(pop.get(county)?.n ?? 0);
        return people > 0 ? Math.round((n / people) * 10_000 * 100) / 100 : null;
      }
      case 'complaint_rate':
        return n ? Math.round(((c?.complaints ?? 0) / n) * 10_000) / 10_000 : null;
      case 'overdue_orders':
        return c?.overdue ?? 0;
      case 'disputes':
        return ds.get(county)?.n ?? 0;
      case 'dispute_resolution_rate': {
        const d = ds.get(county);
        return d?.n ? Math.round((d.resolved / d.n) * 10_000) / 10_000 : null;
      }
      case 'petitions':
        return ps.get(county)?.n ?? 0;
      default:
        return null;
    }
  };
  const rows: { d: string; i: string; v: number | null }[] = [];
  for (const f of computed) for (const c of counties) rows.push({ d: c.code, i: f.indicator.code, v: valueOf(f.indicator.source, c.code) });
  await upsertValues(q, period.id, rows, 'computed', userId);
  return { indicators: computed.length, values: rows.length };
}

export async function upsertValues(q: Queryable, periodId: string, rows: readonly { d: string; i: string; v: number | null }[], source: 'computed' | 'entered' | 'imported', userId: string) {
  if (!rows.length) return;
  await q.query(
    `INSERT INTO risk_values (period_id, division_code, indicator_code, value, source, updated_by, updated_at)
     SELECT $1, x.d, x.i, x.v, $5, $6, now() FROM unnest($2::text[], $3::text[], $4::float8[]) AS x(d, i, v)
     ON CONFLICT (period_id, division_code, indicator_code) DO UPDATE SET value = EXCLUDED.value, source = EXCLUDED.source, updated_by = EXCLUDED.updated_by, updated_at = now()`,
    [periodId, rows.map((r) => r.d), rows.map((r) => r.i), rows.map((r) => r.v), source, userId],
  );
}

export async function periodValues(q: Queryable, periodId: string): Promise<(IndicatorValue & { source: string })[]> {
  const rows = await q.query<{ d: string; i: string; v: number | null; s: string }>(`SELECT division_code AS d, indicator_code AS i, value AS v, source AS s FROM risk_values WHERE period_id = $1`, [periodId]);
  return rows.map((r) => ({ divisionCode: r.d, indicatorCode: r.i, value: r.v === null ? null : Number(r.v), source: r.s }));
}

export interface ScoreRun {
  scored: number;
  unscored: string[];
  tierCounts: { 1: number; 2: number; 3: number };
  missingValues: number;
  ms: number;
}

/**
 * Scores every county of the period: one query's values, scored in memory,
 * written in one statement; the framework is frozen (an edit now makes a new version).
 */
export async function scorePeriod(q: Queryable, period: PeriodRow, userId: string | null): Promise<ScoreRun> {
  const t0 = performance.now();
  const fw = await loadFramework(q, period.framework_id);
  const [counties, values] = await Promise.all([periodCounties(q, period.scope_code), periodValues(q, period.id)]);
  const r = score(fw.spec, counties.map((c) => c.code), values);
  await writeScores(q, period.id, fw.id, r.counties);
  await q.query(`UPDATE risk_periods SET scored_at = now(), scored_by = $2 WHERE id = $1`, [period.id, userId]);
  await q.query(`UPDATE risk_frameworks SET frozen = true WHERE id = $1 AND NOT frozen`, [fw.id]);
  return { scored: r.scored, unscored: r.unscored, tierCounts: r.tierCounts, missingValues: r.missingValues, ms: Math.round((performance.now() - t0) * 10) / 10 };
}

export async function writeScores(q: Queryable, periodId: string, frameworkId: string, counties: readonly CountyScore[]) {
  await q.query(`DELETE FROM risk_scores WHERE period_id = $1`, [periodId]);
  if (!counties.length) return;
  await q.query(
    `INSERT INTO risk_scores (period_id, division_code, framework_id, total, rank, tier, detail)
     SELECT $1, x.d, $2, x.t, x.r, x.k, x.j::jsonb FROM unnest($3::text[], $4::float8[], $5::int[], $6::int[], $7::text[]) AS x(d, t, r, k, j)`,
    [
      periodId,
      frameworkId,
      counties.map((c) => c.divisionCode),
      counties.map((c) => c.total),
      counties.map((c) => c.rank),
      counties.map((c) => c.tier),
      counties.map((c) => JSON.stringify({ categories: c.categories, dimensions: c.dimensions, indicators: c.indicators, missing: c.missing, drivers: c.drivers })),
    ],
  );
}

export interface ScoreRow {
  division_code: string;
  division_name: string | null;
  total: number | null;
  rank: number | null;
  tier: 1 | 2 | 3 | null;
  detail: Pick<CountyScore, 'categories' | 'dimensions' | 'indicators' | 'missing' | 'drivers'>;
}

export async function periodScores(q: Queryable, periodId: string, prefixes: string[] | null, division?: string): Promise<ScoreRow[]> {
  const params: unknown[] = [periodId];
  const where = ['s.period_id = $1'];
  if (prefixes !== null) where.push(`s.division_code LIKE ANY ($${params.push(prefixes.map((x) => `${x}%`))}::text[])`);
  if (division) where.push(`s.division_code LIKE $${params.push(`${division}%`)}`);
  return q.query<ScoreRow>(
    `SELECT s.division_code, d.name AS division_name, s.total, s.rank, s.tier, s.detail FROM risk_scores s LEFT JOIN divisions d ON d.code = s.division_code
      WHERE ${where.join(' AND ')} ORDER BY s.rank NULLS LAST, s.division_code`,
    params,
  );
}

export const TREND_POINT = z.object({ periodId: z.string(), code: z.string(), name: z.string(), total: z.number().nullable(), rank: z.number().int().nullable(), tier: z.number().int().nullable(), of: z.number().int() });

/** The county's scores in the periods of the same area up to this one, oldest first. */
export async function trendOf(q: Queryable, period: PeriodRow, county: string) {
  return q.query<z.infer<typeof TREND_POINT>>(
    `SELECT p.id AS "periodId", p.code, p.name, s.total, s.rank, s.tier::int AS tier,
            (SELECT count(*)::int FROM risk_scores x WHERE x.period_id = p.id AND x.rank IS NOT NULL) AS of
       FROM risk_periods p JOIN risk_scores s ON s.period_id = p.id AND s.division_code = $2
      WHERE p.scope_code = $1 AND p.starts_on <= $3::date ORDER BY p.starts_on`,
    [period.scope_code, county, period.starts_on],
  );
}

export async function createFramework(q: Queryable, input: { code: string; name: string; spec: FrameworkSpec }, userId: string | null, version = 1): Promise<string> {
  const id = uuidv7();
  await q.query(`INSERT INTO risk_frameworks (id, code, version, name, spec, created_by) VALUES ($1, $2, $3, $4, $5::jsonb, $6)`, [id, input.code, version, input.name, JSON.stringify(input.spec), userId]);
  return id;
}
