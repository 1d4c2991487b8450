/**
 * Statistics: a month's rates by unit (GET /api/stats/rates?groupBy=unit) at
 * 1M cases on PostgreSQL (BENCH_DATABASE_URL), and at 100k on PGlite, for a
 * county-scoped leader and for a '*' administrator.
 *
 * The cases are written by INSERT ... SELECT over generate_series: 18 months
 * of traffic, 85 % in one county (20 townships, 100 villages, 90 units with
 * a skewed share of the work) and 15 % in its neighbour; channels, types,
 * urgency and categories in realistic proportions; each case as far along
 * its lifecycle as its age allows (dispatch, accept against a 2 h limit,
 * reply against a 7-day limit, verify, close, rating), open overdue ones red.
 * Rows are in registration order, as a live system writes them.
 *
 * The endpoint is timed through the real route (fastify inject, zod, scope,
 * settings lookup, JSON) and beside it, in the same run, a bare
 * `SELECT count(*)` over the same month: the floor of reading that month at all.
 *
 * Run alone: BENCH_DATABASE_URL=postgres://... npx tsx bench/stats.ts [pgRows] [pgliteRows]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../src/platform/migrate.ts';
import { upsertDivisions, upsertUnit, upsertUser } from '../src/org/store.ts';
import { defaultCategories, upsertCategories } from '../src/cases/categories.ts';
import { buildServer } from '../src/server.ts';
import type { Db } from '../src/platform/db.ts';
import { openBenchDb, percentile, fmt, quietLogger } from './lib.ts';

const MONTHS = 18;
const CHUNK = 200_000;
const PASSWORD = 'Bench-pass-2026';

/** A deterministic uniform [0,1) per row and stream, the same on PostgreSQL and PGlite. */
const r = (k: number) => `((hashint8(i::bigint * 16 + ${k}) & 2147483647)::float8 / 2147483648.0)`;

async function seedOrg(db: Db) {
  const divisions = [
    { code: '43', name: '湖南省' },
    { code: '4306', name: '岳阳市' },
    { code: '430602', name: '岳阳楼区' },
    { code: '430603', name: '云溪区' },
  ];
  const villagesA: string[] = [];
  const villagesB: string[] = [];
  for (let t = 1; t <= 20; t++) {
    const town = `430602${String(t).padStart(3, '0')}`;
    divisions.push({ code: town, name: `街道${t}` });
    for (let v = 1; v <= 5; v++) {
      const code = `${town}${String(v).padStart(3, '0')}`;
      divisions.push({ code, name: `街道${t}社区${v}` });
      villagesA.push(code);
    }
  }
  for (let t = 1; t <= 3; t++) {
    const code = `430603${String(t).padStart(3, '0')}`;
    divisions.push({ code, name: `云溪街道${t}` });
    villagesB.push(code);
  }
  await upsertDivisions(db, divisions);
  const unitsA: string[] = [];
  for (let k = 1; k <= 60; k++) unitsA.push((await upsertUnit(db, { code: `D-430602-${k}`, name: `岳阳楼区部门${k}`, kind: 'department', divisionCodes: ['430602'] })).id);
  for (let t = 1; t <= 20; t++) {
    const town = `430602${String(t).padStart(3, '0')}`;
    unitsA.push((await upsertUnit(db, { code: `JD-${town}`, name: `街道${t}办事处`, kind: 'township_office', divisionCodes: [town] })).id);
  }
  for (let k = 1; k <= 10; k++) unitsA.push((await upsertUnit(db, { code: `PCS-430602-${k}`, name: `派出所${k}`, kind: 'police_station', divisionCodes: ['430602'] })).id);
  const unitsB: string[] = [];
  for (let k = 1; k <= 5; k++) unitsB.push((await upsertUnit(db, { code: `D-430603-${k}`, name: `云溪区部门${k}`, kind: 'department', divisionCodes: ['430603'] })).id);
  await upsertCategories(db, defaultCategories());
  const cats = (await db.query<{ code: string }>(`SELECT code FROM categories WHERE level = 2 ORDER BY sort, code`)).map((c) => c.code);
  await upsertUser(db, { username: 'bench_leader', displayName: '县领导', password: PASSWORD, roles: ['leader'], unitCode: null, scopeCodes: ['430602'] });
  await upsertUser(db, { username: 'bench_admin', displayName: '管理员', password: PASSWORD, roles: ['admin'], unitCode: null, scopeCodes: ['*'] });
  return { villagesA, villagesB, unitsA, unitsB, cats };
}

export async function loadCases(db: Db, n: number, now: Date) {
  const org = await seedOrg(db);
  const start = new Date(now.getTime() - MONTHS * 30.4 * 86_400_000);
  const spanS = (now.getTime() - start.getTime()) / 1000;
  // The search index is irrelevant here and its GIN upkeep would triple the load time.
  await db.exec(`DROP INDEX IF EXISTS cases_search`);
  for (let from = 0; from < n; from += CHUNK) {
    await db.query(
      `INSERT INTO cases (id, no, channel, type, category_code, urgency, title, description, search_text, division_code, status,
                          lead_unit_id, solved, rating, created_at, updated_at, dispatched_at, accept_due_at, accepted_at,
                          reply_due_at, replied_at, closed_at, due_at, warning, clock)
       SELECT gen_random_uuid(), 'S' || i, channel, type, category_code, urgency, '路灯不亮', '东茅岭路路灯连续三晚不亮', E'路灯 不亮\\n路灯',
              division_code,
              CASE WHEN closed_at IS NOT NULL THEN (CASE WHEN rating IS NOT NULL THEN 'rated' ELSE 'closed' END)
                   WHEN replied_at IS NOT NULL THEN 'replied' WHEN accepted_at IS NOT NULL THEN 'in_progress'
                   WHEN dispatched_at IS NOT NULL THEN 'dispatched' ELSE 'registered' END,
              lead_unit_id, CASE WHEN closed_at IS NOT NULL THEN solved END, CASE WHEN closed_at IS NOT NULL THEN rating END,
              created_at, created_at, dispatched_at, accept_due_at, accepted_at, reply_due_at, replied_at, closed_at,
              CASE WHEN closed_at IS NOT NULL THEN NULL WHEN accepted_at IS NULL THEN accept_due_at ELSE reply_due_at END,
              CASE WHEN closed_at IS NULL AND replied_at IS NULL AND $4::timestamptz > (CASE WHEN accepted_at IS NULL THEN accept_due_at ELSE reply_due_at END)
                   THEN 'red' ELSE 'none' END,
              CASE WHEN closed_at IS NOT NULL THEN NULL WHEN accepted_at IS NULL THEN 'accept' ELSE 'reply' END
         FROM (
           SELECT i, channel, type, category_code, urgency, division_code, lead_unit_id, solved, rating, created_at,
                  nullif_future(dispatched_at, $4) AS dispatched_at, accept_due_at, nullif_future(accepted_at, $4) AS accepted_at,
                  reply_due_at, nullif_future(replied_at, $4) AS replied_at, nullif_future(closed_at, $4) AS closed_at
             FROM (
               SELECT i, created_at,
                      CASE WHEN ${r(1)} < 0.55 THEN 'hotline' WHEN ${r(1)} < 0.75 THEN 'grid' WHEN ${r(1)} < 0.85 THEN 'wechat' WHEN ${r(1)} < 0.92 THEN 'web'
                           WHEN ${r(1)} < 0.96 THEN 'police110' WHEN ${r(1)} < 0.99 THEN 'enterprise' ELSE 'api' END AS channel,
                      CASE WHEN ${r(2)} < 0.35 THEN 'complaint' WHEN ${r(2)} < 0.60 THEN 'help' WHEN ${r(2)} < 0.80 THEN 'consultation'
                           WHEN ${r(2)} < 0.90 THEN 'report' WHEN ${r(2)} < 0.98 THEN 'suggestion' ELSE 'praise' END AS type,
                      ($7::text[])[1 + floor(power(${r(3)}, 1.5) * array_length($7::text[], 1))::int] AS category_code,
                      CASE WHEN ${r(4)} < 0.08 THEN 'urgent' ELSE 'normal' END AS urgency,
                      CASE WHEN in_a THEN ($5::text[])[1 + floor(${r(5)} * array_length($5::text[], 1))::int]
                           ELSE ($6::text[])[1 + floor(${r(5)} * array_length($6::text[], 1))::int] END AS division_code,
                      CASE WHEN direct THEN NULL WHEN in_a THEN ($8::uuid[])[1 + floor(power(${r(6)}, 1.7) * array_length($8::uuid[], 1))::int]
                           ELSE ($9::uuid[])[1 + floor(${r(6)} * array_length($9::uuid[], 1))::int] END AS lead_unit_id,
                      ${r(7)} < 0.9 AS solved,
                      CASE WHEN ${r(8)} < 0.65 THEN (CASE WHEN ${r(9)} < 0.52 THEN 5 WHEN ${r(9)} < 0.77 THEN 4 WHEN ${r(9)} < 0.87 THEN 3 WHEN ${r(9)} < 0.94 THEN 2 ELSE 1 END) END AS rating,
                      CASE WHEN direct THEN NULL ELSE created_at + make_interval(mins => 5 + (${r(10)} * 90)::int) END AS dispatched_at,
                      CASE WHEN direct THEN NULL ELSE created_at + make_interval(mins => 5 + (${r(10)} * 90)::int + 120) END AS accept_due_at,
                      CASE WHEN direct THEN NULL ELSE created_at + make_interval(mins => 5 + (${r(10)} * 90)::int + (power(${r(11)}, 2) * 420)::int) END AS accepted_at,
                      CASE WHEN direct THEN NULL ELSE created_at + make_interval(days => 7, mins => 5 + (${r(10)} * 90)::int) END AS reply_due_at,
                      CASE WHEN direct THEN NULL ELSE created_at + make_interval(hours => 8 + (power(${r(12)}, 1.4) * 240)::int) END AS replied_at,
                      CASE WHEN direct THEN created_at + interval '20 minutes'
                           ELSE created_at + make_interval(hours => 32 + (power(${r(12)}, 1.4) * 240)::int + (${r(13)} * 48)::int) END AS closed_at
                 FROM (SELECT i, ${r(0)} < 0.85 AS in_a, ${r(14)} < 0.1 AS direct,
                              $3::timestamptz + make_interval(secs => (i::float8 / $10) * $11 + ${r(15)} * 600) AS created_at
                         FROM generate_series($1::int, $2::int) AS i) g
             ) raw
         ) s`,
      [from, Math.min(n, from + CHUNK) - 1, start.toISOString(), now.toISOString(), org.villagesA, org.villagesB, org.cats, org.unitsA, org.unitsB, n, spanS],
    );
  }
  await db.exec(`ANALYZE cases`);
}

async function timeIt(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 3; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out.sort((a, b) => a - b);
}

interface Result {
  cases: number;
  monthCases: number;
  units: number;
  leader: number[];
  admin: number[];
  count: number[];
}

async function run(kind: 'pglite' | 'postgres', n: number, iterations: number): Promise<Result | undefined> {
  const b = await openBenchDb(kind, 8);
  if (!b) return undefined;
  try {
    const db = b.db;
    await migrate(db);
    // A helper for the generator: a lifecycle step that has not happened yet is NULL.
    await db.exec(`CREATE OR REPLACE FUNCTION nullif_future(t timestamptz, now timestamptz) RETURNS timestamptz LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN t <= now THEN t END $$`);
    const now = new Date();
    const t0 = performance.now();
    await loadCases(db, n, now);
    console.log(`stats/${kind}: loaded ${n} cases over ${MONTHS} months in ${fmt((performance.now() - t0) / 1000, 1)} s`);

    const server = await buildServer({
      db,
      logger: quietLogger(),
      config: { demo: false, filesDir: mkdtempSync(join(tmpdir(), 'zhili-bench-files-')), webDir: '/nonexistent', classifierSchedule: false, sweepSeconds: 0 },
    });
    try {
      const login = async (username: string) => {
        const res = await server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: PASSWORD } });
        if (res.statusCode !== 200) throw new Error(`login ${username}: ${res.statusCode} ${res.body}`);
        const c = res.headers['set-cookie'];
        return (Array.isArray(c) ? c[0] : c)!.split(';')[0];
      };
      const leader = await login('bench_leader');
      const admin = await login('bench_admin');
      // The last six whole months (Shanghai), in rotation, so no single month is the only one cached.
      const months: { from: string; to: string }[] = [];
      const sh = new Date(now.getTime() + 8 * 3600_000);
      for (let k = 1; k <= 6; k++) {
        const y = sh.getUTCFullYear();
        const m = sh.getUTCMonth() - k;
        months.push({ from: new Date(Date.UTC(y, m, 1) - 8 * 3600_000).toISOString(), to: new Date(Date.UTC(y, m + 1, 1) - 8 * 3600_000).toISOString() });
      }
      let k = 0;
      let units = 0;
      const endpoint = (cookie: string, countUnits = false) => async () => {
        const mo = months[k++ % months.length];
        const res = await server.app.inject({ method: 'GET', url: `/api/stats/rates?groupBy=unit&from=${encodeURIComponent(mo.from)}&to=${encodeURIComponent(mo.to)}`, headers: { cookie } });
        if (res.statusCode !== 200) throw new Error(`rates: ${res.statusCode} ${res.body}`);
        if (countUnits) units = Math.max(units, (res.json() as { items: unknown[] }).items.length);
      };
      const leaderT = await timeIt(iterations, endpoint(leader, true));
      const adminT = await timeIt(iterations, endpoint(admin));
      let monthCases = 0;
      const countT = await timeIt(iterations, async () => {
        const mo = months[k++ % months.length];
        const [row] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM cases c WHERE c.created_at >= $1 AND c.created_at < $2`, [mo.from, mo.to]);
        monthCases = row.n;
      });
      return { cases: n, monthCases, units, leader: leaderT, admin: adminT, count: countT };
    } finally {
      await server.close();
    }
  } finally {
    await b.dispose();
  }
}

function report(kind: string, r: Result) {
  const p = (a: number[], q: number) => fmt(percentile(a, q), 1);
  console.log(
    `stats/${kind}: ${r.cases} cases, ~${r.monthCases} a month, ${r.units} units in the county | month's rates by unit: county leader p50=${p(r.leader, 50)} ms p95=${p(r.leader, 95)} ms; ` +
      `'*' admin p50=${p(r.admin, 50)} ms p95=${p(r.admin, 95)} ms | baseline bare count(*) over the month p50=${p(r.count, 50)} ms | ` +
      `ratio (leader p50 / count p50)=${fmt(percentile(r.leader, 50) / percentile(r.count, 50), 1)}`,
  );
}

export async function benchStats(pgRows = 1_000_000, pgliteRows = 100_000): Promise<string> {
  const lite = await run('pglite', pgliteRows, 20);
  if (lite) report('pglite', lite);
  const pg = await run('postgres', pgRows, 40);
  if (!pg) {
    console.log('stats/postgres: skipped (set BENCH_DATABASE_URL=postgres://... to measure 1M cases on PostgreSQL)');
    const p50 = percentile(lite!.leader, 50);
    return `stats: cases=${lite!.cases} (pglite; postgres skipped) month_rates_by_unit_p50_ms=${fmt(p50, 1)} p95_ms=${fmt(percentile(lite!.leader, 95), 1)} ratio=${fmt(p50 / percentile(lite!.count, 50), 1)}`;
  }
  report('postgres', pg);
  const worst = [pg.leader, pg.admin].sort((a, b) => percentile(b, 50) - percentile(a, 50))[0];
  return `stats: cases=${pg.cases} month_rates_by_unit_p50_ms=${fmt(percentile(worst, 50), 1)} p95_ms=${fmt(percentile(worst, 95), 1)} ratio=${fmt(percentile(worst, 50) / percentile(pg.count, 50), 1)}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [pgRows, liteRows] = process.argv.slice(2).map(Number);
  console.log(await benchStats(pgRows || undefined, liteRows || undefined));
  process.exit(0);
}
