/**
 * The embedded default as a township laptop runs it: `zhili serve` on a fresh
 * PGlite data directory with the demo (as `npm start`), then a steady, modest
 * load for BENCH_EMBEDDED_SECONDS (60): 20 creates/s, 10 queue reads/s, the
 * dashboard's stats reads every 5 s, /healthz 10 times a second and the
 * server's RSS 4 times a second. Twice on copies of the same database: with
 * the classifier's retraining off (baseline), then with retrainings running
 * back to back through the window (POST /api/dispatch/classifier/train as
 * the dispatcher, the route the schedule's work also takes).
 *
 * To give training real work, BENCH_EMBEDDED_HISTORY (10,000) answered cases,
 * copies of the demo's with their texts varied, are added to the database
 * between the first start and the runs. The load is open-loop: requests go
 * out on schedule whether or not earlier ones returned, so a stall shows in
 * the latencies instead of slowing the load down.
 *
 * BENCH_EMBEDDED_INLINE=1 adds a run with training in the server's own thread
 * (ZHILI_CLASSIFIER_TRAIN_IN=inline, the former way) for comparison.
 *
 * Prints the baseline line, then, last:
 *   embedded: first_start_s=X create_p99_ms=Y read_p95_ms=Z healthz_p99_ms=W rss_max_mb=V
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { request } from 'node:http';
import { openDb } from '../src/platform/db.ts';
import { freePort, fmt, percentile } from './lib.ts';

const BIN = fileURLToPath(new URL('../bin/zhili.js', import.meta.url));
const SECONDS = Number(process.env.BENCH_EMBEDDED_SECONDS ?? 60);
const HISTORY = Number(process.env.BENCH_EMBEDDED_HISTORY ?? 10_000);

interface Started {
  url: string;
  child: ChildProcess;
  seconds: number;
  stop(): Promise<void>;
}

/** `zhili serve` as `npm start` runs it (demo on, its own process), timed to /readyz answering ready. */
async function start(dataDir: string, env: Record<string, string> = {}): Promise<Started> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: { ...process.env, DATABASE_URL: '', ZHILI_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // a bench that fails leaves no server behind
  const orphan = () => child.kill('SIGKILL');
  process.once('exit', orphan);
  void exited.then(() => process.off('exit', orphan));
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (performance.now() - t0 > 600_000) throw new Error('server not ready in 10 minutes');
    await new Promise((r) => setTimeout(r, 50));
  }
  const seconds = (performance.now() - t0) / 1000;
  return {
    url,
    child,
    seconds,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function signIn(url: string, username: string): Promise<string> {
  const r = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'zhili2026' }),
  });
  if (!r.ok) throw new Error(`sign-in as ${username}: ${r.status}`);
  return r.headers.get('set-cookie')!.split(';')[0];
}

/** Answered copies of the demo's answered cases, spread back in time, so training has a history to read. */
async function addHistory(pgliteDir: string, n: number): Promise<number> {
  if (n <= 0) return 0;
  const db = await openDb(pgliteDir);
  try {
    const [{ answered }] = await db.query<{ answered: number }>(`SELECT count(*)::int AS answered FROM cases WHERE status IN ('replied', 'verified', 'closed', 'rated')`);
    const copies = Math.ceil(n / Math.max(1, answered));
    await db.query(
      `INSERT INTO cases (id, no, channel, type, category_code, urgency, title, description, address, division_code, grid_id, status,
                          lead_unit_id, created_by, created_at, updated_at, closed_at, search_text)
       SELECT gen_random_uuid(), 'H' || g || '-' || c.no, c.channel, c.type, c.category_code, c.urgency, c.title,
              c.description || ' (' || (ARRAY['早上','中午','晚上','周末','昨天','上周'])[1 + (g % 6)] || ')', c.address, c.division_code, c.grid_id, c.status,
              c.lead_unit_id, c.created_by, c.created_at - make_interval(days => g), c.updated_at - make_interval(days => g),
              c.closed_at - make_interval(days => g), c.search_text
         FROM cases c CROSS JOIN generate_series(1, $1::int) g
        WHERE c.status IN ('replied', 'verified', 'closed', 'rated')
        LIMIT $2`,
      [copies, n],
    );
    return n;
  } finally {
    await db.close();
  }
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** CPU seconds (user + system) a process has used, all its threads. */
function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

/** Processes the server started (the training process), by /proc. */
function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

const CREATE = (i: number) =>
  JSON.stringify({
    type: 'complaint',
    categoryCode: '0101',
    urgency: 'normal',
    title: `东茅岭路路灯不亮 ${i}`,
    description: '东茅岭路与建湘路交叉口往北约100米，连续三个晚上路灯不亮，行人夜间出行不便，请尽快维修。',
    reporter: { name: '张三', phone: '13812345678' },
    location: { address: '岳阳楼区东茅岭路 88 号', divisionCode: '430602005001' },
  });

const QUEUES = ['status=registered', 'status=dispatched,accepted', 'warning=red,yellow&sort=due_asc', 'sort=updated_desc', 'q=路灯'];

interface RunResult {
  create: number[];
  read: number[];
  dashboard: number[];
  healthz: number[];
  rssMax: number;
  trainerRssMax: number;
  errors: number;
  trainings: number;
  trainSeconds: number[];
  trainingAtEnd?: boolean;
  slowest: number[];
  /** CPU seconds the server used in the window, and the training processes. */
  serverCpu?: number;
  trainerCpu?: number;
}

/** A POST without fetch's 5-minute header timeout: a training on a busy machine may take longer. */
function post(url: string, cookie: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', cookie } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    });
    req.on('error', (err) => resolve({ status: 599, body: String(err) }));
    req.end(body);
  });
}

async function run(s: Started, retraining: boolean): Promise<RunResult> {
  const operator = await signIn(s.url, 'operator');
  const dispatcher = await signIn(s.url, 'dispatcher');
  const leader = await signIn(s.url, 'leader');
  const res: RunResult = { create: [], read: [], dashboard: [], healthz: [], rssMax: 0, trainerRssMax: 0, errors: 0, trainings: 0, trainSeconds: [], slowest: [] };
  const inflight = new Set<Promise<unknown>>();
  const fail = (what: string) => {
    if (res.errors++ < 3) console.error(`embedded: request failed: ${what}`);
  };
  const timed = (into: number[], url: string, init: RequestInit = {}) => {
    const t0 = performance.now();
    const p = fetch(url, init)
      .then(async (r) => {
        const body = await r.text();
        if (!r.ok) fail(`${r.status} ${init.method ?? 'GET'} ${url.replace(s.url, '').slice(0, 60)}: ${body.slice(0, 200)}`);
      })
      .catch((err) => fail(`${init.method ?? 'GET'} ${url.replace(s.url, '').slice(0, 60)}: ${err.message}`))
      .finally(() => {
        const ms = performance.now() - t0;
        into.push(ms);
        // the slowest request of each second of the window, to see when stalls happen
        const sec = Math.floor((t0 - start) / 1000);
        res.slowest[sec] = Math.max(res.slowest[sec] ?? 0, ms);
        inflight.delete(p);
      });
    inflight.add(p);
  };
  const cpu0 = cpuSeconds(s.child.pid!);
  const trainerCpu = new Map<number, number>();
  const t0 = performance.now();
  const start = t0;
  const end = t0 + SECONDS * 1000;
  let stopTraining = false;
  // Retrainings back to back from the first second to the end of the window (one may still run at its end).
  const trainLoop = (async () => {
    if (!retraining) return;
    await new Promise((r) => setTimeout(r, 1000));
    while (!stopTraining) {
      const a = performance.now();
      const { status, body } = await post(`${s.url}/api/dispatch/classifier/train`, dispatcher, '{}');
      if (stopTraining && status >= 500) break; // ended by the server's shutdown
      if (status !== 200 || JSON.parse(body).reports?.some((x: { skipped?: string }) => x.skipped)) throw new Error(`training: ${status} ${body.slice(0, 300)}`);
      res.trainings++;
      res.trainSeconds.push((performance.now() - a) / 1000);
    }
  })();
  const every = (ms: number, fn: (i: number) => void) =>
    new Promise<void>((resolve) => {
      let i = 0;
      const tick = () => {
        const now = performance.now();
        if (now >= end) return resolve();
        fn(i++);
        // on schedule from the start, not from the last tick: no drift, no catching up silently
        setTimeout(tick, Math.max(0, t0 + i * ms - performance.now()));
      };
      tick();
    });
  const now = Date.now();
  const period = `from=${new Date(now - 30 * 86400_000).toISOString()}&to=${new Date(now + 86400_000).toISOString()}`;
  const cookieHeaders = { cookie: operator };
  await Promise.all([
    every(50, (i) => timed(res.create, `${s.url}/api/cases`, { method: 'POST', headers: { ...cookieHeaders, 'content-type': 'application/json' }, body: CREATE(i) })),
    every(100, (i) => timed(res.read, `${s.url}/api/cases?limit=50&${QUEUES[i % QUEUES.length]}`, { headers: cookieHeaders })),
    every(5000, () => {
      // the dashboard's panels, as the console requests them at once
      // (the overdue list takes no period: it is what is overdue now)
      for (const q of ['rates?groupBy=none&compare=true&' + period, 'overdue?limit=10', 'volumes?by=day&split=channel&' + period, 'rates?groupBy=division&' + period])
        timed(res.dashboard, `${s.url}/api/stats/${q}`, { headers: { cookie: leader } });
    }),
    every(100, () => timed(res.healthz, `${s.url}/healthz`)),
    every(250, () => {
      res.rssMax = Math.max(res.rssMax, rssMb(s.child.pid!) || 0);
      for (const c of childPids(s.child.pid!)) {
        res.trainerRssMax = Math.max(res.trainerRssMax, rssMb(c) || 0);
        trainerCpu.set(c, cpuSeconds(c) || trainerCpu.get(c) || 0);
      }
    }),
  ]);
  res.serverCpu = cpuSeconds(s.child.pid!) - cpu0;
  res.trainerCpu = [...trainerCpu.values()].reduce((a, b) => a + b, 0);
  stopTraining = true;
  await Promise.all([...inflight]);
  res.trainingAtEnd = retraining;
  return Object.assign(res, { trainLoop });
}

function line(label: string, firstStart: number, r: RunResult): string {
  for (const a of [r.create, r.read, r.dashboard, r.healthz]) a.sort((x, y) => x - y);
  const p = (a: number[], q: number) => fmt(percentile(a, q));
  return (
    `${label}: first_start_s=${fmt(firstStart, 1)} create_p99_ms=${p(r.create, 99)} read_p95_ms=${p(r.read, 95)} healthz_p99_ms=${p(r.healthz, 99)} rss_max_mb=${fmt(r.rssMax)}` +
    ` (creates ${r.create.length} p50/p95/p99 ${p(r.create, 50)}/${p(r.create, 95)}/${p(r.create, 99)} ms; reads ${r.read.length} p50/p95 ${p(r.read, 50)}/${p(r.read, 95)} ms;` +
    ` dashboard max ${fmt(r.dashboard[r.dashboard.length - 1])} ms; healthz max ${fmt(r.healthz[r.healthz.length - 1])} ms; errors ${r.errors}; server cpu ${fmt(r.serverCpu ?? NaN, 1)} s` +
    (r.trainingAtEnd
      ? `; retrainings completed ${r.trainings} (${r.trainSeconds.map((s) => fmt(s, 1)).join(', ')} s) and one running at the end, training process rss max ${fmt(r.trainerRssMax)} MB, cpu ${fmt(r.trainerCpu ?? NaN, 1)} s`
      : '') +
    ')' +
    (process.env.BENCH_EMBEDDED_TIMELINE === '1' ? `\n  slowest request per second: ${r.slowest.map((ms, s) => `${s}:${fmt(ms)}`).join(' ')}` : '')
  );
}

export async function benchEmbedded(): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'zhili-embedded-'));
  try {
    const a = join(root, 'a');
    const first = await start(a, { ZHILI_CLASSIFIER_RETRAIN_HOURS: '0' });
    console.log(`embedded: first start (fresh PGlite, demo loaded) ready in ${fmt(first.seconds, 1)} s`);
    await first.stop();
    const added = await addHistory(join(a, 'pglite'), HISTORY);
    console.log(`embedded: ${added} answered cases of history added`);
    const b = join(root, 'b');
    cpSync(a, b, { recursive: true });
    const lines: string[] = [];
    if (process.env.BENCH_EMBEDDED_INLINE === '1') {
      // for comparison: training in the server's own thread, in slices, as it was before
      const c = join(root, 'c');
      cpSync(a, c, { recursive: true });
      const inl = await start(c, { ZHILI_CLASSIFIER_TRAIN_IN: 'inline' });
      const r = await run(inl, true);
      await inl.stop();
      await (r as RunResult & { trainLoop: Promise<void> }).trainLoop;
      lines.push(line("embedded (retraining in the server's thread)", first.seconds, r));
      console.log(lines[0]);
    }

    // B: retraining off, the baseline
    const off = await start(a, { ZHILI_CLASSIFIER_RETRAIN_HOURS: '0' });
    const baseline = await run(off, false);
    await off.stop();
    console.log(line('embedded (retraining off)', first.seconds, baseline));
    // A: the default, with retrainings through the window
    const on = await start(b);
    const loaded = await run(on, true);
    await on.stop();
    await (loaded as RunResult & { trainLoop: Promise<void> }).trainLoop;
    return [...lines, line('embedded (retraining off)', first.seconds, baseline), line('embedded', first.seconds, loaded)].join('\n');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await benchEmbedded());
