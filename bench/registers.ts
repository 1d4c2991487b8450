/**
 * Registers: 1M disputes on PostgreSQL (BENCH_DATABASE_URL; 100k on PGlite
 * when it is unset), written by INSERT ... SELECT over generate_series: 18
 * months, 85 % in one county (20 streets, 100 communities), the rest in its
 * neighbour, every kind, category, risk and state in plausible proportions.
 *
 * Timed through the real routes (fastify inject, zod, jurisdiction, JSON), as
 * a county mediator and leader:
 * - stats: GET /api/disputes/stats for one month of the county;
 * - list: the first page of GET /api/disputes (newest first);
 * - import: POST /api/disputes/import of a 20,000-row ledger (all or nothing);
 * - key person file: GET /api/keypersons/:id as the county's police officer
 *   (the file with its team, clock, timeline of 6 measures, and its linked
 *   disputes), over 100k key persons (BENCH_KEYPERSONS to change), each with
 *   a 五包一 team and a visit clock, one in five a party of a dispute.
 *
 * - risk: POST /api/risk/periods/:id/score of 129 counties on a framework of
 *   8 categories and 21 dimensions (42 indicators; one query's values scored
 *   in memory and written in one batch), as a province supervisor; median of 7.
 *
 * Prints, last: registers: disputes=N stats_p95_ms=X list_p95_ms=Y import_rows_per_s=Z risk_scoring_ms=R keyperson_file_p95_ms=W
 * Run alone: BENCH_DATABASE_URL=postgres://... npx tsx bench/registers.ts [rows]
 */
import ExcelJS from 'exceljs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../src/platform/migrate.ts';
import type { Db } from '../src/platform/db.ts';
import { upsertDivisions, upsertUnit, upsertUser } from '../src/org/store.ts';
import { buildServer } from '../src/server.ts';
import { ensureDisputeCategories, DISPUTE_TEMPLATE_HEADERS } from '../src/registers/disputes/index.ts';
import { createFramework, upsertValues } from '../src/registers/risk/index.ts';
import { countyCodes, syntheticFramework, syntheticValues } from '../src/registers/risk/testing.ts';
import { openBenchDb, percentile, fmt, quietLogger } from './lib.ts';

const PASSWORD = 'Bench-pass-2026';
const r = (k: number) => `((hashint8(i::bigint * 16 + ${k}) & 2147483647)::float8 / 2147483648.0)`;

function multipart(data: Buffer) {
  const boundary = '----zhilibench';
  return {
    payload: Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="ledger.xlsx"\r\nContent-Type: application/octet-stream\r\n\r\n`),
      data,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

export async function benchRegisters(rowsArg?: number): Promise<string> {
  const pg = await openBenchDb('postgres');
  const b = pg ?? (await openBenchDb('pglite'))!;
  const n = rowsArg ?? (pg ? 1_000_000 : 100_000);
  const db = b.db;
  try {
    await migrate(db);
    const divisions = [{ code: '43', name: '湖南省' }, { code: '4306', name: '岳阳市' }, { code: '430602', name: '岳阳楼区' }, { code: '430603', name: '云溪区' }];
    const villages: string[] = [];
    for (let t = 1; t <= 20; t++) {
      const town = `430602${String(t).padStart(3, '0')}`;
      divisions.push({ code: town, name: `街道${t}` });
      for (let v = 1; v <= 5; v++) {
        divisions.push({ code: `${town}${String(v).padStart(3, '0')}`, name: `街道${t}社区${v}` });
        villages.push(`${town}${String(v).padStart(3, '0')}`);
      }
    }
    for (let t = 1; t <= 3; t++) divisions.push({ code: `430603${String(t).padStart(3, '0')}`, name: `云溪街道${t}` });
    await upsertDivisions(db, divisions);
    await db.tx((q) => ensureDisputeCategories(q));
    await upsertUnit(db, { code: 'TJ-430602', name: '岳阳楼区人民调解委员会', kind: 'mediation_committee', divisionCodes: ['430602'] });
    await upsertUser(db, { username: 'bench_mediator', displayName: '调解员', password: PASSWORD, roles: ['mediator'], unitCode: 'TJ-430602', scopeCodes: ['430602'] });
    await upsertUser(db, { username: 'bench_leader', displayName: '领导', password: PASSWORD, roles: ['leader'], unitCode: null, scopeCodes: ['430602'] });
    // Risk: Hunan's 129 counties (synthetic codes under 43, fresh names kept off the disputes' counties) on 8 categories x 21 dimensions.
    const riskCounties = countyCodes(129).map((c) => `43${String(Number(c.slice(2, 4)) + 10)}${c.slice(4)}`);
    await upsertDivisions(db, [...new Set(riskCounties.map((c) => c.slice(0, 4)))].map((code) => ({ code, name: `市${code}` })).concat(riskCounties.map((code) => ({ code, name: `县${code}` }))));
    await upsertUser(db, { username: 'bench_risk', displayName: '省级督办', password: PASSWORD, roles: ['supervisor'], unitCode: null, scopeCodes: ['43'] });
    const riskSpec = syntheticFramework(8, 21, 2);
    const riskPeriod = await db.tx(async (q) => {
      const fw = await createFramework(q, { code: 'bench', name: '县域风险评估', spec: riskSpec }, null);
      const id = crypto.randomUUID();
      await q.query(`INSERT INTO risk_periods (id, code, name, scope_code, starts_on, ends_on, framework_id) VALUES ($1, '2026-Q3', '2026年第三季度', '43', '2026-07-01', '2026-09-30', $2)`, [id, fw]);
      const benchUser = (await q.query<{ id: string }>(`SELECT id FROM users WHERE username = 'bench_risk'`))[0].id;
      await upsertValues(q, id, syntheticValues(riskSpec, riskCounties, 3, 97).map((v) => ({ d: v.divisionCode, i: v.indicatorCode, v: v.value })), 'imported', benchUser);
      return id;
    });

    const t0 = performance.now();
    const CHUNK = 200_000;
    const span = 18 * 30 * 86_400;
    for (let from = 1; from <= n; from += CHUNK) {
      const to = Math.min(n, from + CHUNK - 1);
      await db.query(
        `INSERT INTO disputes (id, no, kind, source, category_code, division_code, summary, risk, complexity, status, org_kind, org_name, outcome, registered_at, resolved_at, failed_at)
         SELECT overlay(overlay(md5('d' || i) placing '4' from 13) placing '8' from 17)::uuid, 'B' || lpad(i::text, 8, '0'),
                CASE WHEN ${r(1)} < 0.08 THEN 'hazard' ELSE 'dispute' END, 'screening',
                (ARRAY['01','02','03','04','05','06','07','08','09','10','99'])[1 + floor(${r(2)} * 11)::int],
                CASE WHEN ${r(3)} < 0.85 THEN ($3::text[])[1 + floor(${r(4)} * 100)::int] ELSE '430603' || lpad((1 + floor(${r(4)} * 3)::int)::text, 3, '0') END,
                '邻里之间因琐事产生纠纷，经排查登记', CASE WHEN ${r(5)} < 0.05 THEN 'high' WHEN ${r(5)} < 0.3 THEN 'medium' ELSE 'low' END, 'general',
                s.status, CASE WHEN s.status <> 'registered' THEN 'people_committee' END, CASE WHEN s.status <> 'registered' THEN '人民调解委员会' END,
                CASE WHEN s.status IN ('resolved', 'closed') THEN 'agreement' WHEN s.status = 'failed' THEN 'failed' END,
                s.reg, CASE WHEN s.status IN ('resolved', 'closed') THEN s.reg + interval '5 days' END, CASE WHEN s.status = 'failed' THEN s.reg + interval '9 days' END
           FROM generate_series($1::int, $2::int) i,
                LATERAL (SELECT now() - make_interval(secs => ((${n} - i)::float8 / ${n}) * ${span}) AS reg,
                                CASE WHEN ${r(6)} < 0.80 THEN 'closed' WHEN ${r(6)} < 0.88 THEN 'resolved' WHEN ${r(6)} < 0.93 THEN 'failed' WHEN ${r(6)} < 0.97 THEN 'mediating' ELSE 'registered' END AS status) s`,
        [from, to, villages],
      );
    }
    await db.query(`ANALYZE disputes`);
    const loadS = (performance.now() - t0) / 1000;

    const server = await buildServer({ db, logger: quietLogger(), config: { demo: false, sweepSeconds: 0, classifierSchedule: false, webDir: '/nonexistent', filesDir: mkdtempSync(join(tmpdir(), 'zhili-bench-files-')) } });
    try {
      const login = async (username: string) => {
        const res = await server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: PASSWORD } });
        if (res.statusCode !== 200) throw new Error(`login ${username}: ${res.statusCode} ${res.body}`);
        return String(res.headers['set-cookie']).split(';')[0];
      };
      const mediator = await login('bench_mediator');
      const leader = await login('bench_leader');
      const time = async (runs: number, fn: () => Promise<void>) => {
        const out: number[] = [];
        for (let i = 0; i < runs + 3; i++) {
          const t = performance.now();
          await fn();
          if (i >= 3) out.push(performance.now() - t);
        }
        return out.sort((a, b) => a - b);
      };
      const get = (cookie: string, url: string) => async () => {
        const res = await server.app.inject({ method: 'GET', url, headers: { cookie } });
        if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
      };
      const now = Date.now();
      const month = (k: number) => {
        const to = new Date(now - k * 30 * 86_400_000);
        const from = new Date(to.getTime() - 30 * 86_400_000);
        return `from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`;
      };
      let k = 0;
      const stats = await time(30, async () => get(leader, `/api/disputes/stats?${month(1 + (k++ % 12))}&division=430602`)());
      const statsYear = await time(10, get(leader, `/api/disputes/stats?from=${encodeURIComponent(new Date(now - 365 * 86_400_000).toISOString())}&to=${encodeURIComponent(new Date(now).toISOString())}`));
      const list = await time(30, get(mediator, '/api/disputes?limit=20'));
      const listFiltered = await time(30, get(mediator, '/api/disputes?limit=20&status=mediating&risk=high'));

      const IMPORT_ROWS = 20_000;
      const wb = new ExcelJS.Workbook();
      const ws = wb.addWorksheet('台账');
      ws.addRow([...DISPUTE_TEMPLATE_HEADERS]);
      for (let i = 0; i < IMPORT_ROWS; i++) {
        ws.addRow([`IMP-${i}`, i % 10 ? '纠纷' : '风险隐患', '2025-03-01', villages[i % villages.length], '邻里纠纷', `甲${i}、乙${i}`, '历史台账导入测试', i % 3 ? '人民调解委员会' : null, i % 4 ? '已化解' : '化解中', i % 4 ? '2025-03-10' : null]);
      }
      const mp = multipart(Buffer.from(await wb.xlsx.writeBuffer()));
      const ti = performance.now();
      const imp = await server.app.inject({ method: 'POST', url: '/api/disputes/import', payload: mp.payload, headers: { ...mp.headers, cookie: mediator } });
      const importS = (performance.now() - ti) / 1000;
      if (imp.statusCode !== 200) throw new Error(`import: ${imp.statusCode} ${imp.body.slice(0, 300)}`);

      const kp = await loadKeypersons(db, Number(process.env.BENCH_KEYPERSONS ?? 100_000), n, villages);
      await upsertUser(db, { username: 'bench_police', displayName: '民警', password: PASSWORD, roles: ['police'], unitCode: null, scopeCodes: ['430602'] });
      const police = await login('bench_police');
      let j = 0;
      const file = await time(50, async () => get(police, `/api/keypersons/${kpId(1 + ((j++ * 7919) % kp.n))}`)());
      const riskUser = await login('bench_risk');
      const scoring = await time(7, async () => {
        const res = await server.app.inject({ method: 'POST', url: `/api/risk/periods/${riskPeriod}/score`, headers: { cookie: riskUser } });
        if (res.statusCode !== 200 || res.json().scored !== 129) throw new Error(`risk score: ${res.statusCode} ${res.body.slice(0, 300)}`);
      });

      const p = (a: number[], q: number) => fmt(percentile(a, q), 1);
      console.error(`registers (${b.name}): loaded ${n} disputes in ${fmt(loadS, 1)} s`);
      console.error(`  stats, one month of the county (leader): p50 ${p(stats, 50)} ms, p95 ${p(stats, 95)} ms; one year: p50 ${p(statsYear, 50)} ms, p95 ${p(statsYear, 95)} ms`);
      console.error(`  list, first page (mediator): p50 ${p(list, 50)} ms, p95 ${p(list, 95)} ms; filtered (mediating, high risk): p50 ${p(listFiltered, 50)} ms, p95 ${p(listFiltered, 95)} ms`);
      console.error(`  import of ${IMPORT_ROWS} ledger rows: ${fmt(importS, 1)} s`);
      console.error(`  key persons: loaded ${kp.n} files in ${fmt(kp.loadS, 1)} s; file with links and timeline (police): p50 ${p(file, 50)} ms, p95 ${p(file, 95)} ms`);
      console.error(`  risk scoring, 129 counties x 8 categories x 21 dimensions (42 indicators), through the route: p50 ${p(scoring, 50)} ms, max ${fmt(scoring.at(-1)!, 1)} ms`);
      return `registers: disputes=${n}${pg ? '' : ' (pglite; BENCH_DATABASE_URL unset)'} stats_p95_ms=${p(stats, 95)} list_p95_ms=${p(list, 95)} import_rows_per_s=${fmt(IMPORT_ROWS / importS, 0)} risk_scoring_ms=${p(scoring, 50)} keyperson_file_p95_ms=${p(file, 95)}`;
    } finally {
      await server.close();
    }
  } finally {
    await b.dispose();
  }
}

const kpId = (i: number) => `${i.toString(16).padStart(8, '0')}-0000-4000-8000-00000000a000`;

/** Key persons by INSERT ... SELECT: persons, files (tiers and villages spread), 五包一 teams, 6 measures each, a visit clock each, one in five a dispute party. */
async function loadKeypersons(db: Db, n: number, disputes: number, villages: string[]) {
  const t0 = performance.now();
  const CHUNK = 50_000;
  const pid = `(lpad(to_hex(i), 8, '0') || '-0000-4000-8000-00000000b000')::uuid`;
  const kid = `(lpad(to_hex(i), 8, '0') || '-0000-4000-8000-00000000a000')::uuid`;
  for (let from = 1; from <= n; from += CHUNK) {
    const to = Math.min(n, from + CHUNK - 1);
    await db.query(`INSERT INTO persons (id, name, phone, phone_hash) SELECT ${pid}, '重点' || i, '137' || lpad(i::text, 8, '0'), md5('p' || i) FROM generate_series($1::int, $2::int) i`, [from, to]);
    await db.query(
      `INSERT INTO keypersons (id, no, person_id, category_codes, tier_code, division_code, address, registered_at, last_visit_at, visit_due_at)
       SELECT ${kid}, 'ZDB' || lpad(i::text, 8, '0'), ${pid}, ARRAY[(ARRAY['stability','petitioner','released','corrections','drug','mental','youth'])[1 + i % 7]],
              (ARRAY['red','orange','yellow','yellow'])[1 + i % 4], ($3::text[])[1 + i % 100], '某小区' || i || '号', now() - interval '200 days', now() - interval '3 days', now() + interval '4 days'
         FROM generate_series($1::int, $2::int) i`,
      [from, to, villages],
    );
    await db.query(
      `INSERT INTO keyperson_team (keyperson_id, role_code, name) SELECT ${kid}, r, r || i FROM generate_series($1::int, $2::int) i, unnest(ARRAY['leader','cadre','grid_worker','police','family']) r`,
      [from, to],
    );
    await db.query(
      `INSERT INTO entity_events (entity_type, entity_id, version, action, comment, data, at)
       SELECT 'keyperson', ${kid}, NULL, 'measure_' || (ARRAY['visit','check','supervision','opinion','help','ledger'])[k], '走访记录' || k, jsonb_build_object('kind', k), now() - make_interval(days => 30 * k)
         FROM generate_series($1::int, $2::int) i, generate_series(1, 6) k`,
      [from, to],
    );
    await db.query(
      `INSERT INTO entity_clocks (entity_type, entity_id, clock, limit_key, ref, title, started_at, due_at, warn_at, warning, escalated, next_check_at)
       SELECT 'keyperson', ${kid}, 'visit', 'visit_red', 'ZDB' || i, '走访', now() - interval '3 days', now() + interval '4 days', now() + interval '2 days', 'none', false, now() + interval '2 days'
         FROM generate_series($1::int, $2::int) i`,
      [from, to],
    );
    await db.query(
      `INSERT INTO dispute_parties (dispute_id, person_id, ord) SELECT overlay(overlay(md5('d' || i) placing '4' from 13) placing '8' from 17)::uuid, ${pid}, 0
         FROM generate_series($1::int, $2::int) i WHERE i % 5 = 0 AND i <= $3`,
      [from, to, disputes],
    );
  }
  for (const t of ['persons', 'keypersons', 'keyperson_team', 'entity_events', 'entity_clocks', 'dispute_parties']) await db.query(`ANALYZE ${t}`);
  return { n, loadS: (performance.now() - t0) / 1000 };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await benchRegisters(process.argv[2] ? Number(process.argv[2]) : undefined));
  process.exit(0);
}
