/**
 * Backup and restore of the embedded database under load, and bounded runs
 * of the fault suites (scripts/fuzz.ts, scripts/chaos.ts) so what they found
 * keeps holding: no 5xx and only problem+json 4xx under fuzzing; nothing
 * acknowledged lost and nothing duplicated across a kill -9; a PostgreSQL
 * outage answered with 503s (when TEST_DATABASE_URL is set).
 * The full runs are `npm run fuzz` and `npm run chaos` (README).
 */
import { verifyChains } from '../src/platform/chains.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb, type Db } from '../src/platform/db.ts';
import { restoreDataDir, verifyArchive } from '../src/platform/backup.ts';
import { caseBody, runZhili, seedWorld, startTestServer, type Client, type TestServer } from './helpers.ts';
import { runFuzz } from '../scripts/fuzz.ts';
import { killRun, outageRun, raceRun } from '../scripts/chaos.ts';

const PG = process.env.TEST_DATABASE_URL;

describe('backup and restore of the embedded database', () => {
  const root = mkdtempSync(join(tmpdir(), 'zhili-backup-'));
  const dataDir = join(root, 'a', 'pglite');
  let db: Db;
  let t: TestServer;
  let admin: Client;
  let op: Client;

  beforeAll(async () => {
    db = await openDb(dataDir);
    await seedWorld(db);
    t = await startTestServer(db);
    admin = await t.login('admin');
    op = await t.login('operator');
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await db?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const backup = (cookie: string) => t.app.inject({ method: 'POST', url: '/api/admin/backup', headers: { cookie } });

  it('backs up under load: every create acknowledged before the backup began is in it, and it restores into a fresh directory that a server starts on', async () => {
    const acked: string[] = [];
    let stop = false;
    let slowest = 0;
    const workers = Array.from({ length: 4 }, async () => {
      while (!stop) {
        const t0 = performance.now();
        const r = await op.post('/api/cases', caseBody({ title: `backup load ${randomUUID()}` }), { 'idempotency-key': randomUUID() });
        slowest = Math.max(slowest, performance.now() - t0);
        expect(r.status, r.body).toBe(201);
        acked.push(r.json.id);
      }
    });
    while (acked.length < 20) await new Promise((r) => setTimeout(r, 20));
    const before = [...acked];
    const res = await backup(admin.cookie);
    const duringBackup = acked.length - before.length;
    while (acked.length < before.length + duringBackup + 10) await new Promise((r) => setTimeout(r, 20));
    stop = true;
    await Promise.all(workers);

    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    expect(res.headers['content-type']).toBe('application/gzip');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="zhili-backup-.*\.tar\.gz"$/);
    const held = Number(res.headers['x-zhili-backup-held-ms']);
    console.log(`backup: ${(res.rawPayload.length / 1e6).toFixed(1)} MB, the database's thread held ${held} ms; slowest create under load ${Math.round(slowest)} ms`);
    expect(verifyArchive(res.rawPayload).files).toBeGreaterThan(100);
    // the backup is audited
    expect((await db.query(`SELECT 1 FROM audit_log WHERE action = 'backup'`)).length).toBe(1);

    const file = join(root, 'b.tar.gz');
    writeFileSync(file, res.rawPayload);
    const fresh = join(root, 'restored', 'pglite');
    const restored = await restoreDataDir(file, fresh);
    expect(restored.cases).toBeGreaterThanOrEqual(before.length);
    const db2 = await openDb(fresh);
    try {
      const present = (await db2.query<{ n: number }>(`SELECT count(*)::int AS n FROM cases WHERE id = ANY($1::uuid[])`, [before]))[0].n;
      expect(present).toBe(before.length);
      // no half-written case: every case's events match its version
      const orphans = await db2.query(`SELECT id FROM cases c WHERE c.version <> (SELECT count(*) FROM case_events e WHERE e.case_id = c.id)`);
      expect(orphans).toEqual([]);
      // the restored copy's hash chains hold (what `zhili audit verify` walks)
      const chains = await verifyChains(db2);
      expect(chains.breaks).toEqual([]);
      expect(chains.tables.find((x) => x.table === 'case_events')!.rows).toBeGreaterThan(0);
      const t2 = await startTestServer(db2);
      try {
        const list = await (await t2.login('operator')).get('/api/cases?limit=5');
        expect(list.status).toBe(200);
      } finally {
        await t2.close();
      }
    } finally {
      await db2.close();
    }
  }, 180_000);

  it('only an admin of the whole database may take a backup', async () => {
    expect((await backup(op.cookie)).statusCode).toBe(403);
    const countyAdmin = await t.login('admin_b');
    const r = await backup(countyAdmin.cookie);
    expect(r.statusCode).toBe(403);
    expect(r.headers['content-type']).toMatch(/problem\+json/);
    expect((await t.app.inject({ method: 'POST', url: '/api/admin/backup' })).statusCode).toBe(401);
  });

  it('zhili backup refuses a data directory a server holds, naming the process; restore refuses a non-empty directory and a damaged archive', async () => {
    const dir = join(root, 'a');
    const held = await runZhili(['backup', join(root, 'x.tar.gz')], { ZHILI_DATA_DIR: dir });
    expect(held.code).toBe(1);
    expect(held.stderr).toContain(`in use by process ${process.pid}`);
    expect(existsSync(join(root, 'x.tar.gz'))).toBe(false);

    const file = join(root, 'b.tar.gz');
    const nonEmpty = await runZhili(['restore', file], { ZHILI_DATA_DIR: join(root, 'restored') });
    expect(nonEmpty.code).toBe(1);
    expect(nonEmpty.stderr).toMatch(/not empty.*--force/);

    const bad = join(root, 'bad.tar.gz');
    writeFileSync(bad, 'not a backup');
    const empty = join(root, 'empty');
    mkdirSync(empty);
    const damaged = await runZhili(['restore', bad], { ZHILI_DATA_DIR: empty });
    expect(damaged.code).toBe(1);
    expect(damaged.stderr).toMatch(/not a zhili backup/);
    expect(readdirSync(empty)).toEqual([]);
  }, 120_000);
});

describe('errors the fuzzer found answer problem+json (not 500, not plain JSON)', () => {
  let db: Db;
  let t: TestServer;
  beforeAll(async () => {
    db = await openDb('memory://');
    await seedWorld(db);
    t = await startTestServer(db);
    await t.app.listen({ host: '127.0.0.1', port: 0 });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await db?.close();
  });

  it('a malformed multipart body is a 400 naming the file, on every import route', async () => {
    const admin = await t.login('admin');
    for (const url of ['/api/units/import', '/api/disputes/import', '/api/petitions/import']) {
      const r = await t.request('POST', url, { body: Buffer.from([0xff, 0xfe, 0, 1]), cookie: admin.cookie, headers: { 'content-type': 'multipart/form-data; boundary=x' } });
      expect(r.status, `${url}: ${r.body}`).toBe(400);
      expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(r.json.errors[0].field).toBe('file');
    }
  });

  it('an overlong path segment (414), an overlong request line (431) and a bad percent-encoding answer problem+json', async () => {
    const port = (t.app.server.address() as { port: number }).port;
    const get = (path: string) => fetch(`http://127.0.0.1:${port}${path}`);
    const long = await get(`/api/cases/${'a'.repeat(300)}`);
    expect(long.status).toBe(414);
    expect(long.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const huge = await get(`/api/cases?q=${'%E9%95%BF'.repeat(3000)}`);
    expect(huge.status).toBe(431);
    expect(huge.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(((await huge.json()) as { status: number }).status).toBe(431);
    const bad = await get('/api/cases/%E0%A4%A');
    expect(bad.status).toBeGreaterThanOrEqual(400);
    expect(bad.status).toBeLessThan(500);
    expect(bad.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });
});

describe('the fault suites, bounded', () => {
  it('fuzz: 2,000 requests over every operation as anonymous and several roles give no 5xx and only problem+json 4xx', async () => {
    const r = await runFuzz({ requests: 2000, concurrency: 12, log: () => {} });
    console.log(r.summary);
    expect(r.defects).toEqual([]);
    expect(r.fiveXX).toBe(0);
    expect(r.nonProblem4xx).toBe(0);
    expect(r.requests).toBeGreaterThan(1900);
  }, 240_000);

  it('chaos: kill -9 of the server on the embedded database under idempotent creates loses and duplicates nothing; a race has one winner', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zhili-chaos-t-'));
    try {
      const seed = await openDb(join(dir, 'pglite'));
      await seedWorld(seed);
      await seed.close();
      let racesBad = -1;
      const r = await killRun({
        env: { ZHILI_DATA_DIR: dir, DATABASE_URL: '' },
        openDirect: () => openDb(join(dir, 'pglite')),
        before: 30,
        kills: 1,
        concurrency: 8,
        afterRestart: async (url) => void (racesBad = (await raceRun(url, 3)).bad),
      });
      console.log(`chaos pglite: acked=${r.acked} lost=${r.lost} duplicates=${r.duplicates} orphans=${r.orphans} races_bad=${racesBad}`);
      expect(r.acked).toBeGreaterThanOrEqual(30);
      expect(r).toMatchObject({ lost: 0, duplicates: 0, orphans: 0 });
      expect(racesBad).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);

  it.skipIf(!PG)('chaos on PostgreSQL: kill -9 loses and duplicates nothing; an outage and a freeze answer 503 (never another 5xx) and /readyz stays within a second and a bit', async () => {
    const { createScratchDatabase } = await import('../src/platform/db.ts');
    const scratch = await createScratchDatabase(PG!, 'zhili_chaos');
    try {
      const seed = await openDb(scratch.url);
      await seedWorld(seed);
      await seed.close();
      const r = await killRun({ env: { DATABASE_URL: scratch.url }, openDirect: () => openDb(scratch.url), before: 30, kills: 1, concurrency: 8 });
      expect(r).toMatchObject({ lost: 0, duplicates: 0, orphans: 0 });
    } finally {
      await scratch.drop();
    }
    const o = await outageRun(2, PG);
    expect(typeof o, String(o)).toBe('object');
    if (typeof o === 'string') return;
    console.log(`chaos outage (${o.how}): 5xx_non503=${o.non503} frozen_ready_ms=${o.frozenReadyMs}`);
    expect(o.non503).toBe(0);
    expect(o.bad503).toBe(0);
    expect(o.frozenReadyMs).toBeLessThan(2000);
  }, 300_000);
});
