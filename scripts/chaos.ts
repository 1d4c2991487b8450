/**
 * `npm run chaos`: the faults a deployment meets, against real server processes.
 *
 * 1. kill -9 of the server under concurrent creates with Idempotency-Keys, on
 *    the embedded database and (CHAOS_DATABASE_URL or TEST_DATABASE_URL set)
 *    on PostgreSQL. After a restart every key is sent again. Counted from the
 *    database: acknowledged creates, lost (acknowledged, absent), duplicates
 *    (one key, two cases, or a retry answered with another case), orphans (a
 *    case whose events do not match its version: half a create).
 * 2. A PostgreSQL outage (pg_ctl stop -m immediate) and freeze (SIGSTOP of
 *    every process of the cluster) under load, against a second cluster this
 *    script starts on its own port (initdb + pg_ctl from
 *    /usr/lib/postgresql/15/bin; as root through `runuser -u postgres`). When no
 *    cluster can be started it falls back to a TCP proxy in front of
 *    CHAOS_DATABASE_URL/TEST_DATABASE_URL that refuses or stops passing bytes,
 *    and says so. Every 5xx other than 503 is counted; /readyz is timed while frozen.
 * 3. Lifecycle races: two users dispatch the same case version at once; exactly one wins.
 *
 *   CHAOS_CREATES_BEFORE_KILL (300)  acknowledged creates before the kill
 *   CHAOS_KILLS (2)                  kills per database
 *   CHAOS_RACES (30)                 race rounds
 *   CHAOS_OUTAGE_S (4)               seconds of outage and of freeze
 *   CHAOS_PG_BIN                     PostgreSQL binaries (/usr/lib/postgresql/15/bin)
 *
 * Prints last: chaos: acked=N lost=0 duplicates=0 outage_5xx_non503=0 frozen_ready_ms=X
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createScratchDatabase, openDb, type Db } from '../src/platform/db.ts';
import { caseBody, seedWorld, PASSWORD } from '../test/helpers.ts';
import { freePort, spawnServer } from '../bench/lib.ts';

const log = (m: string) => console.error(m);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Server {
  url: string;
  child: import('node:child_process').ChildProcess;
  stop(): Promise<void>;
}

async function login(url: string, username: string): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const res = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }) }).catch(() => undefined);
    if (res?.status === 200) return res.headers.get('set-cookie')!.split(';')[0];
    await sleep(200);
  }
  throw new Error(`login ${username} failed`);
}

async function create(url: string, cookie: string, key: string): Promise<{ status: number; id?: string }> {
  try {
    const res = await fetch(`${url}/api/cases`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'idempotency-key': key },
      body: JSON.stringify(caseBody({ title: `chaos ${key}` })),
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await res.json().catch(() => ({}))) as { id?: string };
    return { status: res.status, id: body.id };
  } catch {
    return { status: -1 };
  }
}

export interface KillResult {
  acked: number;
  lost: number;
  duplicates: number;
  orphans: number;
}

/** Concurrent creates, kill -9 once `before` are acknowledged, restart, send every key again; counts from the database. */
export async function killRun(opts: {
  env: Record<string, string>;
  openDirect: () => Promise<Db>;
  before: number;
  kills: number;
  concurrency?: number;
  /** More work on the restarted server before it stops (the races), saving a start. */
  afterRestart?: (url: string) => Promise<void>;
}): Promise<KillResult> {
  const acked = new Map<string, string>(); // key -> case id
  const sent = new Set<string>();
  let duplicates = 0;
  for (let k = 0; k < opts.kills; k++) {
    const s: Server = await spawnServer(opts.env);
    const cookie = await login(s.url, 'operator');
    let stop = false;
    const target = acked.size + opts.before;
    await Promise.all(
      Array.from({ length: opts.concurrency ?? 16 }, async () => {
        while (!stop) {
          const key = randomUUID();
          sent.add(key);
          const r = await create(s.url, cookie, key);
          if (r.status === 201 || r.status === 200) acked.set(key, r.id!);
          if (r.status < 0) return; // the server is gone
          if (acked.size >= target && !stop) {
            stop = true;
            s.child.kill('SIGKILL');
          }
        }
      }),
    );
    await new Promise<void>((r) => (s.child.exitCode !== null || s.child.signalCode ? r() : s.child.once('exit', () => r())));
    log(`chaos: kill -9 #${k + 1} after ${acked.size} acknowledged creates (${sent.size} sent)`);
  }
  // after the last kill: a new start, and every key once more
  const s = await spawnServer(opts.env);
  const cookie = await login(s.url, 'operator');
  const keys = [...sent];
  let i = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (i < keys.length) {
        const key = keys[i++];
        const r = await create(s.url, cookie, key);
        const first = acked.get(key);
        if (first && r.id && r.id !== first) duplicates++;
      }
    }),
  );
  try {
    await opts.afterRestart?.(s.url);
  } finally {
    await s.stop();
  }
  const db = await opts.openDirect();
  try {
    const ids = [...acked.values()];
    const present = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM cases WHERE id = ANY($1::uuid[])`, [ids]))[0].n;
    const dup = (await db.query<{ n: number }>(`SELECT (count(*) - count(DISTINCT title))::int AS n FROM cases WHERE title LIKE 'chaos %'`))[0].n;
    const orphans = (
      await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM cases c WHERE c.title LIKE 'chaos %' AND c.version <> (SELECT count(*) FROM case_events e WHERE e.case_id = c.id)`,
      )
    )[0].n;
    return { acked: acked.size, lost: ids.length - present, duplicates: duplicates + dup, orphans };
  } finally {
    await db.close();
  }
}

/** Two users dispatch the same case version at once, rounds times: how many rounds had other than exactly one winner. */
export async function raceRun(url: string, rounds: number): Promise<{ rounds: number; bad: number }> {
  const op = await login(url, 'operator');
  const disp = await login(url, 'dispatcher');
  const units = (await (await fetch(`${url}/api/units?limit=50`, { headers: { cookie: op } })).json()) as { items?: { id: string; code: string }[] } | { id: string; code: string }[];
  const list = Array.isArray(units) ? units : (units.items ?? []);
  const a = list.find((u) => u.code === 'CG-430602')!.id;
  const b = list.find((u) => u.code === 'ZJ-430602')!.id;
  let bad = 0;
  for (let i = 0; i < rounds; i++) {
    const c = await create(url, op, randomUUID());
    const act = (cookie: string, unit: string) =>
      fetch(`${url}/api/cases/${c.id}/dispatch`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify({ version: 1, leadUnitId: unit }) }).then((r) => r.status);
    const statuses = await Promise.all([act(op, a), act(disp, b)]);
    const wins = statuses.filter((s) => s === 200).length;
    const lost = statuses.filter((s) => s === 409).length;
    if (wins !== 1 || lost !== 1) {
      bad++;
      log(`chaos: race on ${c.id}: ${statuses.join(', ')}`);
    }
  }
  return { rounds, bad };
}

/** A second PostgreSQL cluster on its own port, started by this script. */
async function startCluster(): Promise<{ url: string; stop(): void; start(): void; freeze(): number[]; thaw(pids: number[]): void; destroy(): void } | string> {
  const bin = process.env.CHAOS_PG_BIN ?? '/usr/lib/postgresql/15/bin';
  if (!existsSync(join(bin, 'initdb'))) return `no ${bin}/initdb`;
  const root = process.getuid?.() === 0;
  const as = (cmd: string, args: string[]) => (root ? spawnSync('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], { encoding: 'utf8' }) : spawnSync(join(bin, cmd), args, { encoding: 'utf8' }));
  const dir = mkdtempSync(join(tmpdir(), 'zhili-chaos-pg-'));
  if (root) {
    const pw = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (pw.status !== 0) return 'running as root and there is no postgres user';
    chownSync(dir, Number(pw.stdout), Number(gid.stdout));
    chmodSync(dir, 0o700);
  }
  const data = join(dir, 'data');
  const init = as('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  if (init.status !== 0) return `initdb failed: ${(init.stderr || init.error?.message || '').trim().split('\n').pop()}`;
  const port = await freePort();
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60`;
  const start = () => {
    const r = as('pg_ctl', ['-D', data, '-o', opts, '-l', join(dir, 'log'), '-w', 'start']);
    if (r.status !== 0) throw new Error(`pg_ctl start failed: ${r.stderr}`);
  };
  try {
    start();
  } catch (err) {
    return (err as Error).message;
  }
  const postmaster = () => Number(execFileSync('head', ['-1', join(data, 'postmaster.pid')], { encoding: 'utf8' }).trim());
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: () => void as('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']),
    start,
    freeze() {
      const pm = postmaster();
      const children = spawnSync('ps', ['-o', 'pid=', '--ppid', String(pm)], { encoding: 'utf8' }).stdout.split('\n').map(Number).filter(Boolean);
      const pids = [pm, ...children];
      for (const p of pids) process.kill(p, 'SIGSTOP');
      return pids;
    },
    thaw(pids) {
      for (const p of pids) {
        try {
          process.kill(p, 'SIGCONT');
        } catch {
          /* gone */
        }
      }
    },
    destroy() {
      as('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The fallback: a TCP proxy in front of a PostgreSQL the script did not start, which can refuse (stop) or stop passing bytes (freeze). */
async function startProxyFault(base: string) {
  const scratch = await createScratchDatabase(base, 'zhili_chaos');
  const target = new URL(scratch.url);
  let mode: 'pass' | 'refuse' | 'freeze' = 'pass';
  const socks = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (mode === 'refuse') return client.destroy();
    if (mode === 'freeze') return void client.pause();
    const up = net.connect(Number(target.port || 5432), target.hostname);
    socks.add(client).add(up);
    client.pipe(up).pipe(client);
    const end = () => (client.destroy(), up.destroy(), socks.delete(client), socks.delete(up));
    client.on('error', end).on('close', end);
    up.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const via = new URL(scratch.url);
  via.hostname = '127.0.0.1';
  via.port = String((server.address() as net.AddressInfo).port);
  return {
    url: via.toString(),
    direct: scratch.url,
    stop: () => {
      mode = 'refuse';
      for (const s of socks) s.destroy();
    },
    start: () => void (mode = 'pass'),
    freeze: () => {
      mode = 'freeze';
      for (const s of socks) (s.unpipe(), s.pause());
      return [] as number[];
    },
    thaw: () => {
      mode = 'pass';
      for (const s of socks) s.destroy(); // frozen connections are dropped; the pool makes new ones
    },
    destroy: async () => {
      for (const s of socks) s.destroy();
      server.close();
      await scratch.drop();
    },
  };
}

/** Load during a phase: GETs and creates; counts 5xx other than 503, and 503s that are not problem+json with Retry-After. */
async function loadFor(url: string, cookie: string, ms: number): Promise<{ total: number; non503: number; bad503: number }> {
  const end = Date.now() + ms;
  let total = 0;
  let non503 = 0;
  let bad503 = 0;
  await Promise.all(
    Array.from({ length: 8 }, async (_, w) => {
      while (Date.now() < end) {
        try {
          const res =
            w % 2
              ? await fetch(`${url}/api/cases?limit=5`, { headers: { cookie }, signal: AbortSignal.timeout(40_000) })
              : await fetch(`${url}/api/cases`, {
                  method: 'POST',
                  headers: { 'content-type': 'application/json', cookie, 'idempotency-key': randomUUID() },
                  body: JSON.stringify(caseBody({ title: 'chaos outage' })),
                  signal: AbortSignal.timeout(40_000),
                });
          await res.arrayBuffer();
          total++;
          if (res.status >= 500 && res.status !== 503) non503++;
          if (res.status === 503 && (!/problem\+json/.test(res.headers.get('content-type') ?? '') || !res.headers.get('retry-after'))) bad503++;
        } catch {
          non503++; // a hang past 40 s or a dropped connection is a failure too
          total++;
        }
        await sleep(20);
      }
    }),
  );
  return { total, non503, bad503 };
}

async function waitReady(url: string, cookie: string, timeoutMs = 60_000): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    const r = await fetch(`${url}/api/cases?limit=1`, { headers: { cookie } }).catch(() => undefined);
    if (r?.status === 200) return Date.now() - t0;
    await sleep(100);
  }
  throw new Error('the server did not recover within a minute');
}

export interface OutageResult {
  how: string;
  non503: number;
  bad503: number;
  frozenReadyMs: number;
  recoveredMs: number;
}

/** Outage and freeze of PostgreSQL under load, against a cluster of our own (or a proxy). */
export async function outageRun(seconds: number, fallbackBase?: string): Promise<OutageResult | string> {
  let fault: Awaited<ReturnType<typeof startProxyFault>> | Exclude<Awaited<ReturnType<typeof startCluster>>, string>;
  let url: string;
  let how: string;
  const cluster = await startCluster();
  if (typeof cluster === 'string') {
    if (!fallbackBase) return `outage skipped: no second cluster (${cluster}) and no CHAOS_DATABASE_URL/TEST_DATABASE_URL for the proxy fallback`;
    log(`chaos: could not start a second cluster (${cluster}): falling back to a TCP proxy in front of ${new URL(fallbackBase).host}`);
    fault = await startProxyFault(fallbackBase);
    url = fault.url;
    how = 'tcp-proxy';
  } else {
    fault = cluster;
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    await admin.query('CREATE DATABASE chaos');
    await admin.end();
    url = cluster.url.replace(/\/postgres$/, '/chaos');
    how = 'pg_ctl stop -m immediate; SIGSTOP';
  }
  let s: Server | undefined;
  try {
    const db = await openDb(url);
    await seedWorld(db);
    await db.close();
    s = await spawnServer({ DATABASE_URL: url, ZHILI_DB_CONNECT_TIMEOUT_MS: '1000', ZHILI_DB_STATEMENT_TIMEOUT_MS: '2000', ZHILI_DB_IDLE_TX_TIMEOUT_MS: '5000' });
    const cookie = await login(s.url, 'operator');
    const before = await loadFor(s.url, cookie, 1000);
    // stopped
    fault.stop();
    const down = await loadFor(s.url, cookie, seconds * 1000);
    fault.start();
    const recoveredMs = await waitReady(s.url, cookie);
    // frozen
    const pids = fault.freeze();
    const t0 = performance.now();
    const ready = await fetch(`${s.url}/readyz`, { signal: AbortSignal.timeout(30_000) }).catch(() => undefined);
    const frozenReadyMs = ready ? Math.round(performance.now() - t0) : 30_000;
    const frozen = await loadFor(s.url, cookie, seconds * 1000);
    fault.thaw(pids);
    await waitReady(s.url, cookie);
    log(`chaos: outage (${how}): before ${before.total} requests; stopped ${down.total}, frozen ${frozen.total}; 5xx other than 503: ${down.non503 + frozen.non503}; /readyz frozen ${frozenReadyMs} ms; back ${recoveredMs} ms after restart`);
    return { how, non503: before.non503 + down.non503 + frozen.non503, bad503: down.bad503 + frozen.bad503, frozenReadyMs, recoveredMs };
  } finally {
    await s?.stop();
    await fault.destroy();
  }
}

export async function runChaos(opts: { before?: number; kills?: number; races?: number; outageSeconds?: number; pgBase?: string } = {}) {
  const before = opts.before ?? 300;
  const kills = opts.kills ?? 2;
  const lines: string[] = [];
  const totals = { acked: 0, lost: 0, duplicates: 0, orphans: 0 };
  const add = (name: string, r: KillResult) => {
    totals.acked += r.acked;
    totals.lost += r.lost;
    totals.duplicates += r.duplicates;
    totals.orphans += r.orphans;
    lines.push(`chaos ${name}: acked=${r.acked} lost=${r.lost} duplicates=${r.duplicates} orphans=${r.orphans}`);
  };
  // embedded
  const dir = mkdtempSync(join(tmpdir(), 'zhili-chaos-'));
  try {
    const seed = await openDb(join(dir, 'pglite'));
    await seedWorld(seed);
    await seed.close();
    const r = await killRun({
      env: { ZHILI_DATA_DIR: dir, DATABASE_URL: '' },
      openDirect: () => openDb(join(dir, 'pglite')),
      before,
      kills,
      afterRestart: async (url) => {
        const race = await raceRun(url, opts.races ?? 30);
        lines.push(`chaos races: rounds=${race.rounds} not_exactly_one_winner=${race.bad}`);
        (totals as any).racesBad = race.bad;
      },
    });
    add('pglite kill -9', r);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // PostgreSQL
  let outage: OutageResult | string = 'outage skipped';
  if (opts.pgBase) {
    const scratch = await createScratchDatabase(opts.pgBase, 'zhili_chaos');
    try {
      const seed = await openDb(scratch.url);
      await seedWorld(seed);
      await seed.close();
      add('postgres kill -9', await killRun({ env: { DATABASE_URL: scratch.url }, openDirect: () => openDb(scratch.url), before, kills }));
    } finally {
      await scratch.drop();
    }
  } else lines.push('chaos postgres kill -9: skipped (set CHAOS_DATABASE_URL or TEST_DATABASE_URL)');
  if (opts.outageSeconds !== 0) outage = await outageRun(opts.outageSeconds ?? 4, opts.pgBase);
  if (typeof outage === 'string') lines.push(`chaos ${outage}`);
  else lines.push(`chaos outage (${outage.how}): 5xx_non503=${outage.non503} 503_without_problem_or_retry_after=${outage.bad503} frozen_ready_ms=${outage.frozenReadyMs} recovered_ms=${outage.recoveredMs}`);
  const o = typeof outage === 'string' ? undefined : outage;
  const summary = `chaos: acked=${totals.acked} lost=${totals.lost} duplicates=${totals.duplicates} orphans=${totals.orphans} races_bad=${(totals as any).racesBad ?? 0} outage_5xx_non503=${o ? o.non503 + o.bad503 : 'skipped'} frozen_ready_ms=${o ? o.frozenReadyMs : 'skipped'}`;
  return { ...totals, racesBad: (totals as any).racesBad as number, outage: o, lines, summary };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await runChaos({
    before: Number(process.env.CHAOS_CREATES_BEFORE_KILL ?? 300),
    kills: Number(process.env.CHAOS_KILLS ?? 2),
    races: Number(process.env.CHAOS_RACES ?? 30),
    outageSeconds: Number(process.env.CHAOS_OUTAGE_S ?? 4),
    pgBase: process.env.CHAOS_DATABASE_URL ?? process.env.TEST_DATABASE_URL,
  });
  for (const l of r.lines) console.log(l);
  console.log(r.summary);
  process.exit(r.lost || r.duplicates || r.orphans || r.racesBad || (r.outage && (r.outage.non503 || r.outage.bad503)) ? 1 : 0);
}
