/**
 * The statistics queries, scoped by `caseVisibility` like every case read.
 * Routes and the benchmark call the same functions.
 *
 * Speed: every query reads the cases registered in one period through the
 * `cases_created` index and aggregates them with one GROUP BY. At 1M cases
 * on PostgreSQL a month's rates by unit answer in tens of milliseconds
 * (`npm run bench -- stats`), so no rollup tables are kept: they would put a
 * trigger on every case write (the intake path) and could drift.
 */
import type { Queryable } from '../platform/db.ts';
import type { Principal } from '../org/auth.ts';
import { caseVisibility } from '../org/scope.ts';
import { OPEN_STATUSES, RATE_COLUMNS, addRows, rates, type RateRow, type RateSettings } from './rates.ts';
import type { OverdueItem, RateItem, VolumeItem } from './types.ts';

export type { OverdueItem, RateItem, VolumeItem };

export interface Period {
  from: string;
  to: string;
  divisionCode?: string;
}

export const LEVEL_LENGTH: Record<number, number> = { 1: 2, 2: 4, 3: 6, 4: 9, 5: 12 };

/** WHERE clause and parameters for the cases registered in a period that the caller may see. */
export function scoped(p: Principal, q: Period, params: unknown[] = []) {
  const where = [`c.created_at >= $${params.push(q.from)}`, `c.created_at < $${params.push(q.to)}`, caseVisibility(p, 'c', params)];
  if (q.divisionCode) where.push(`c.division_code LIKE $${params.push(`${q.divisionCode}%`)}`);
  return { params, where: where.join(' AND ') };
}

export interface RatesQuery extends Period {
  groupBy: 'none' | 'unit' | 'division';
  /** Division level for groupBy=division (1 province ... 5 village). */
  level?: number;
}

/**
 * Rates overall, or by lead unit, or by division at a level, ranked: best
 * satisfaction, then resolution, then on-time, then volume (rates with no data last).
 */
export async function queryRates(db: Queryable, p: Principal, q: RatesQuery, settings: RateSettings, now: Date = new Date()): Promise<RateItem[]> {
  const params: unknown[] = [];
  // "Now" is a parameter only when a definition reads it (an unused parameter has no type on PostgreSQL).
  const nowSql = settings.onTimeCountsOpenOverdue ? `$${params.push(now.toISOString())}::timestamptz` : 'now()';
  const { where } = scoped(p, q, params);
  const cols = RATE_COLUMNS(settings, nowSql);
  let rows: (RateRow & { key: string | null; name: string | null })[];
  if (q.groupBy === 'unit') {
    // Aggregate first, then name the (few) groups: the join runs on ~100 rows, not on the month's cases.
    rows = await db.query(
      `SELECT g.*, u.name FROM (
         SELECT c.lead_unit_id::text AS key, ${cols} FROM cases c WHERE ${where} AND c.lead_unit_id IS NOT NULL GROUP BY c.lead_unit_id
       ) g LEFT JOIN units u ON u.id = g.key::uuid`,
      params,
    );
  } else if (q.groupBy === 'division') {
    const len = LEVEL_LENGTH[q.level ?? 3];
    rows = await db.query(
      `SELECT g.*, d.name FROM (
         SELECT left(c.division_code, ${len}) AS key, ${cols} FROM cases c WHERE ${where} AND length(c.division_code) >= ${len} GROUP BY 1
       ) g LEFT JOIN divisions d ON d.code = g.key`,
      params,
    );
  } else {
    rows = await db.query(`SELECT NULL AS key, NULL AS name, ${cols} FROM cases c WHERE ${where}`, params);
  }
  const desc = (a: number | null, b: number | null) => (b ?? -1) - (a ?? -1);
  return rows
    .map((r) => ({ key: r.key, name: r.name, ...rates(r) }))
    .sort(
      (a, b) =>
        desc(a.satisfactionRate, b.satisfactionRate) ||
        desc(a.resolutionRate, b.resolutionRate) ||
        desc(a.onTimeRate, b.onTimeRate) ||
        b.registered - a.registered ||
        String(a.key).localeCompare(String(b.key)),
    )
    .map((r, i) => ({ rank: i + 1, ...r }));
}

/** The period of the same length just before [from, to), for "compared with the previous period". */
export function previousPeriod(from: string, to: string): { from: string; to: string } {
  const f = Date.parse(from);
  const t = Date.parse(to);
  return { from: new Date(f - (t - f)).toISOString(), to: new Date(f).toISOString() };
}

export { addRows };

export const VOLUME_KEYS = {
  day: `to_char(c.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')`,
  channel: 'c.channel',
  type: 'c.type',
  category: `left(c.category_code, 2)`,
  status: 'c.status',
  urgency: 'c.urgency',
  unit: 'c.lead_unit_id::text',
} as const;
export type VolumeBy = keyof typeof VOLUME_KEYS;
export const SPLITS = ['channel', 'type', 'urgency', 'status'] as const;
export type VolumeSplit = (typeof SPLITS)[number];

/** Shanghai calendar days in [from, to) (at most `max`), for filling days without cases. */
export function shanghaiDays(from: string, to: string, max = 400): string[] | undefined {
  const day = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 10);
  const first = day(Date.parse(from));
  const last = day(Date.parse(to) - 1);
  const out: string[] = [];
  for (let d = Date.parse(`${first}T00:00:00Z`); ; d += 86_400_000) {
    const s = new Date(d).toISOString().slice(0, 10);
    if (s > last) break;
    out.push(s);
    if (out.length > max) return undefined;
  }
  return out;
}

/** Volumes by a dimension, optionally split by a second one (a stacked chart); days without cases are 0. */
export async function queryVolumes(db: Queryable, p: Principal, q: Period & { by: VolumeBy; split?: VolumeSplit }): Promise<VolumeItem[]> {
  const { params, where } = scoped(p, q);
  const key = VOLUME_KEYS[q.by];
  const splitCol = q.split ? VOLUME_KEYS[q.split] : 'NULL';
  const nameJoin =
    q.by === 'category' ? `LEFT JOIN categories n ON n.code = v.key` : q.by === 'unit' ? `LEFT JOIN units n ON n.id = v.key::uuid` : `LEFT JOIN (SELECT NULL::text AS name) n ON FALSE`;
  const rows = await db.query<{ key: string | null; part: string | null; count: number; name: string | null }>(
    `SELECT v.key, v.part, v.count, n.name FROM (
       SELECT ${key} AS key, ${splitCol}::text AS part, count(*)::int AS count FROM cases c WHERE ${where} GROUP BY 1, 2
     ) v ${nameJoin}`,
    params,
  );
  const byKey = new Map<string | null, VolumeItem>();
  for (const r of rows) {
    let item = byKey.get(r.key);
    if (!item) byKey.set(r.key, (item = { key: r.key, name: r.name, count: 0, ...(q.split ? { parts: {} } : {}) }));
    item.count += r.count;
    if (item.parts) item.parts[r.part ?? ''] = (item.parts[r.part ?? ''] ?? 0) + r.count;
  }
  if (q.by === 'day') {
    const days = shanghaiDays(q.from, q.to);
    if (days) for (const d of days) if (!byKey.has(d)) byKey.set(d, { key: d, name: null, count: 0, ...(q.split ? { parts: {} } : {}) });
    return [...byKey.values()].sort((a, b) => String(a.key).localeCompare(String(b.key)));
  }
  return [...byKey.values()].sort((a, b) => b.count - a.count || String(a.key).localeCompare(String(b.key)));
}

/** Open cases past their deadline (red), most overdue first, and how many there are in all. */
export async function queryOverdue(
  db: Queryable,
  p: Principal,
  q: { divisionCode?: string; unitId?: string; limit: number },
  now: Date = new Date(),
): Promise<{ total: number; items: OverdueItem[] }> {
  const params: unknown[] = [];
  const where = [`c.warning = 'red'`, `c.status IN (${OPEN_STATUSES.map((s) => `'${s}'`).join(',')})`, caseVisibility(p, 'c', params)];
  if (q.divisionCode) where.push(`c.division_code LIKE $${params.push(`${q.divisionCode}%`)}`);
  if (q.unitId) where.push(`c.lead_unit_id = $${params.push(q.unitId)}`);
  const w = where.join(' AND ');
  const [{ total }] = await db.query<{ total: number }>(`SELECT count(*)::int AS total FROM cases c WHERE ${w}`, params);
  const n = params.push(now.toISOString());
  const items = await db.query<OverdueItem>(
    `SELECT c.id, c.no, c.title, c.type, c.urgency, c.status, c.clock, c.due_at AS "dueAt", c.escalated, cat.name AS "categoryName",
            u.name AS "leadUnitName", d.name AS "divisionName",
            greatest(0, floor(extract(epoch FROM ($${n}::timestamptz - c.due_at)) / 60))::int AS "overdueMinutes"
       FROM cases c LEFT JOIN units u ON u.id = c.lead_unit_id LEFT JOIN divisions d ON d.code = c.division_code
       LEFT JOIN categories cat ON cat.code = c.category_code
      WHERE ${w} ORDER BY c.due_at NULLS LAST, c.no LIMIT ${q.limit}`,
    params,
  );
  return { total, items };
}
