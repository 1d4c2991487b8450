/**
 * Case intake over HTTP on loopback (concurrency 32, fixed request count)
 * against the database's own ceiling for the same work measured in the same
 * run: single-row INSERT transactions into a table as wide as `cases`, sent
 * straight through the driver with the same concurrency.
 */
import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import { migrate } from '../src/platform/migrate.ts';
import { upsertDivisions, upsertUnit, upsertUser } from '../src/org/store.ts';
import { openDb, type Db } from '../src/platform/db.ts';
import { caseSearchText } from '../src/cases/search.ts';
import { openBenchDb, spawnServer, percentile, fmt } from './lib.ts';

const CONCURRENCY = 32;

const BODY = JSON.stringify({
  type: 'complaint',
  categoryCode: '0101',
  urgency: 'normal',
  title: '东茅岭路路灯不亮',
  description: '东茅岭路与建湘路交叉口往北约100米，连续三个晚上路灯不亮，行人夜间出行不便，请尽快维修。',
  reporter: { name: '张三', phone: '13812345678' },
  location: { address: '岳阳楼区东茅岭路 88 号', divisionCode: '430602005001' },
});

async function prepare(db: Db) {
  await migrate(db);
  await upsertDivisions(db, [
    { code: '43', name: '湖南省' },
    { code: '4306', name: '岳阳市' },
    { code: '430602', name: '岳阳楼区' },
    { code: '430602005', name: '东茅岭街道' },
    { code: '430602005001', name: '东茅岭社区' },
  ]);
  await upsertUnit(db, { code: 'HL', name: '12345热线中心', kind: 'hotline_centre', divisionCodes: ['4306'] });
  await upsertUser(db, { username: 'bench', displayName: '压测接线员', password: 'bench-pass-1', roles: ['operator'], unitCode: 'HL', scopeCodes: ['4306'] });
}

interface HttpResult {
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

async function httpRun(url: string, cookie: string, amount: number): Promise<HttpResult> {
  // autocannon reports its result on the next whole-second tick after the last
  // response, so its `duration` overstates a short run by up to a second; time
  // the run to its last response instead.
  const t0 = performance.now();
  let last = t0;
  const r = await autocannon({
    url: `${url}/api/cases`,
    method: 'POST',
    connections: CONCURRENCY,
    amount,
    headers: { 'content-type': 'application/json', cookie },
    // Each request carries its own Idempotency-Key, as the console and integrations do.
    requests: [
      {
        setupRequest: (req: any) => ({ ...req, body: BODY, headers: { ...req.headers, 'idempotency-key': randomUUID() } }),
        onResponse: () => {
          last = performance.now();
        },
      },
    ],
  });
  const seconds = (last - t0) / 1000;
  const ok = r['2xx'];
  return { perSecond: ok / seconds, p50: r.latency.p50, p99: r.latency.p99, errors: r.non2xx + r.errors };
}

/** The ceiling: the same number of single-row INSERT transactions straight through the driver. */
async function rawRun(db: Db, amount: number): Promise<{ perSecond: number; p99: number }> {
  await db.exec(`DROP TABLE IF EXISTS bench_raw; CREATE TABLE bench_raw (LIKE cases INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING INDEXES)`);
  // The same columns a create writes, search tokens included, so the table's generated columns and indexes cost the same.
  const cols = `id, no, channel, type, category_code, urgency, title, description, reporter_name, reporter_phone, address, division_code, status, created_by, search_text`;
  const searchText = caseSearchText({ title: '东茅岭路路灯不亮', description: '东茅岭路与建湘路交叉口往北约100米，连续三个晚上路灯不亮，行人夜间出行不便，请尽快维修。', address: '岳阳楼区东茅岭路 88 号' });
  let next = 0;
  const lat: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < amount) {
        const i = next++;
        const s = performance.now();
        await db.query(`INSERT INTO bench_raw (${cols}) VALUES ($1, $2, 'hotline', 'complaint', '0101', 'normal', $3, $4, '张三', '13812345678', $5, '430602005001', 'registered', NULL, $6)`, [
          randomUUID(),
          `B${i}`,
          '东茅岭路路灯不亮',
          '东茅岭路与建湘路交叉口往北约100米，连续三个晚上路灯不亮，行人夜间出行不便，请尽快维修。',
          '岳阳楼区东茅岭路 88 号',
          searchText,
        ]);
        lat.push(performance.now() - s);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { perSecond: amount / seconds, p99: percentile(lat, 99) };
}

/** Rounds per database: PGlite restarts its server each round, so it runs fewer. */
const ROUNDS = { pglite: 3, postgres: 5 };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function signIn(url: string): Promise<string> {
  const login = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'bench', password: 'bench-pass-1' }),
  });
  return login.headers.get('set-cookie')!.split(';')[0];
}

/**
 * HTTP and raw runs alternate in rounds and the ratio is the median of the
 * rounds' ratios: on a shared machine the load drifts within a run, and
 * measuring one side entirely before the other would charge the drift to
 * whichever side ran in the busier minute.
 */
export async function benchIntake(opts: { amount?: { pglite: number; postgres: number } } = {}) {
  const amounts = opts.amount ?? { pglite: 2100, postgres: 15000 };
  const summary: Record<string, string> = {};
  for (const kind of ['pglite', 'postgres'] as const) {
    const bdb = await openBenchDb(kind);
    if (!bdb) {
      console.log(`intake/${kind}: skipped (set BENCH_DATABASE_URL=postgres://... to measure PostgreSQL)`);
      summary[`${kind}_creates_per_s`] = 'skipped';
      summary[`${kind}_ratio`] = 'skipped';
      if (kind === 'postgres') summary.postgres_p99_ms = 'skipped';
      continue;
    }
    try {
      await prepare(bdb.db);
      const rounds = ROUNDS[kind];
      const perRound = Math.ceil(amounts[kind] / rounds);
      const https: HttpResult[] = [];
      const raws: { perSecond: number; p99: number }[] = [];
      // PGlite is single-process: the server holds the data directory during its runs, the raw run takes it back after.
      if (kind === 'pglite') await bdb.db.close();
      let server = await spawnServer(bdb.serverEnv);
      try {
        let cookie = await signIn(server.url);
        // Warm-up on both sides (JIT, connections, the database's caches), so the rounds measure the steady state.
        await httpRun(server.url, cookie, kind === 'postgres' ? 3000 : Math.min(1000, perRound));
        if (kind === 'postgres') await rawRun(bdb.db, 1000);
        for (let round = 0; round < rounds; round++) {
          if (kind === 'pglite' && round > 0) {
            server = await spawnServer(bdb.serverEnv);
            cookie = await signIn(server.url);
            await httpRun(server.url, cookie, Math.min(300, perRound));
          }
          https.push(await httpRun(server.url, cookie, perRound));
          if (kind === 'pglite') {
            await server.stop();
            const db = await openDb(bdb.url);
            raws.push(await rawRun(db, perRound));
            await db.close();
          } else raws.push(await rawRun(bdb.db, perRound));
          const h = https[round];
          const r = raws[round];
          console.log(
            `intake/${kind} round ${round + 1}: http creates/s=${fmt(h.perSecond)} p50=${fmt(h.p50, 1)}ms p99=${fmt(h.p99, 1)}ms errors=${h.errors} | raw insert tx/s=${fmt(r.perSecond)} p99=${fmt(r.p99, 1)}ms | ratio=${fmt(h.perSecond / r.perSecond, 2)}`,
          );
        }
      } finally {
        if (server.child.exitCode === null && !server.child.killed) await server.stop();
      }
      if (kind === 'pglite') {
        // What acknowledged-means-durable costs on the embedded database: the same run with the flush off.
        const fast = await spawnServer({ ...bdb.serverEnv, ZHILI_EMBEDDED_FSYNC: 'false' });
        try {
          const c = await signIn(fast.url);
          await httpRun(fast.url, c, Math.min(300, perRound));
          const nf = await httpRun(fast.url, c, perRound);
          const flushed = median(https.map((h) => h.perSecond));
          console.log(
            `intake/pglite: flush before acknowledging (default) creates/s=${fmt(flushed)} p99=${fmt(median(https.map((h) => h.p99)), 1)}ms | without (ZHILI_EMBEDDED_FSYNC=false) creates/s=${fmt(nf.perSecond)} p99=${fmt(nf.p99, 1)}ms | cost=${fmt(100 * (1 - flushed / nf.perSecond), 0)}%`,
          );
        } finally {
          await fast.stop();
        }
      }
      const ratio = median(https.map((h, i) => h.perSecond / raws[i].perSecond));
      const creates = median(https.map((h) => h.perSecond));
      const p99 = median(https.map((h) => h.p99));
      console.log(`intake/${kind}: median of ${rounds} rounds: http creates/s=${fmt(creates)} p99=${fmt(p99, 1)}ms raw tx/s=${fmt(median(raws.map((r) => r.perSecond)))} ratio=${fmt(ratio, 2)}`);
      summary[`${kind}_creates_per_s`] = fmt(creates);
      summary[`${kind}_ratio`] = fmt(ratio, 2);
      if (kind === 'postgres') summary.postgres_p99_ms = fmt(p99, 1);
    } finally {
      await bdb.dispose();
    }
  }
  const line = `intake: pglite_creates_per_s=${summary.pglite_creates_per_s} pglite_ratio=${summary.pglite_ratio} postgres_creates_per_s=${summary.postgres_creates_per_s} postgres_ratio=${summary.postgres_ratio} postgres_p99_ms=${summary.postgres_p99_ms}`;
  return line;
}
