/**
 * Several stateless instances behind one PostgreSQL: sessions, idempotency
 * keys and case numbers live in the database, so any instance serves any request.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { openDb, createScratchDatabase, type Db } from '../src/platform/db.ts';
import { buildServer } from '../src/server.ts';
import { seedWorld, silentLogger, caseBody, PASSWORD, type World } from './helpers.ts';
import type { Sweeper } from '../src/timelimits/index.ts';

const base = process.env.TEST_DATABASE_URL;

describe.skipIf(!base)('two instances on one PostgreSQL', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  const dbs: Db[] = [];
  const urls: string[] = [];
  const closers: (() => Promise<void>)[] = [];
  let world: World;
  const sweepers: Sweeper[] = [];

  beforeAll(async () => {
    scratch = await createScratchDatabase(base!);
    const seedDb = await openDb(scratch.url);
    world = await seedWorld(seedDb);
    await seedDb.close();
    for (let i = 0; i < 2; i++) {
      const db = await openDb(scratch.url, { poolSize: 8 });
      dbs.push(db);
      const s = await buildServer({ db, logger: silentLogger(), config: { demo: false, webDir: '/nonexistent', sweepSeconds: 0 } });
      urls.push(await s.app.listen({ host: '127.0.0.1', port: 0 }));
      sweepers.push(s.ctx.services.sweeper);
      closers.push(() => s.close());
    }
  });
  afterAll(async () => {
    for (const c of closers) await c();
    for (const db of dbs) await db.close();
    await scratch?.drop();
  });

  const call = async (i: number, method: string, path: string, cookie: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(urls[i] + path, {
      method,
      headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json().catch(() => undefined)) as any };
  };

  async function login(i: number, username: string) {
    const res = await fetch(`${urls[i]}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: PASSWORD }),
    });
    expect(res.status).toBe(200);
    return res.headers.get('set-cookie')!.split(';')[0];
  }

  it('a session made on one instance works on the other, and sign-out ends it on both', async () => {
    const cookie = await login(0, 'operator');
    expect((await call(1, 'GET', '/api/auth/me', cookie)).json.username).toBe('operator');
    expect((await call(1, 'POST', '/api/auth/logout', cookie)).status).toBe(204);
    // The other instance may remember the caller for its short cache TTL (2 s), not longer.
    await new Promise((r) => setTimeout(r, 2100));
    expect((await call(0, 'GET', '/api/auth/me', cookie)).status).toBe(401);
  });

  it('the same Idempotency-Key sent to both instances at once makes one case', async () => {
    const cookie = await login(0, 'operator');
    const key = `multi-${Date.now()}`;
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => call(i % 2, 'POST', '/api/cases', cookie, caseBody({ title: '两个实例幂等测试' }), { 'idempotency-key': key })),
    );
    const ids = new Set(results.map((r) => r.json.id));
    expect(results.every((r) => r.status === 200 || r.status === 201)).toBe(true);
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(ids.size).toBe(1);
    const rows = await dbs[0].query<{ n: number }>(`SELECT count(*)::int AS n FROM cases WHERE title = '两个实例幂等测试'`);
    expect(rows[0].n).toBe(1);
  });

  it('case numbers stay unique when both instances register at once', async () => {
    const cookie = await login(1, 'operator');
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => call(i % 2, 'POST', '/api/cases', cookie, caseBody({ title: `并发登记 ${i}` }))));
    expect(results.every((r) => r.status === 201)).toBe(true);
    expect(new Set(results.map((r) => r.json.no)).size).toBe(60);
  });

  it('a case made on one instance is handled on the other, with version checks across them', async () => {
    const op = await login(0, 'operator');
    const created = await call(0, 'POST', '/api/cases', op, caseBody());
    const id = created.json.id;
    expect((await call(1, 'POST', `/api/cases/${id}/dispatch`, op, { leadUnitId: world.units.cgA.id })).status).toBe(200);
    const h = await login(1, 'handler_a');
    // Two handlers' clicks on two instances: exactly one accept wins.
    const both = await Promise.all([call(0, 'POST', `/api/cases/${id}/accept`, h, { version: 2 }), call(1, 'POST', `/api/cases/${id}/accept`, h, { version: 2 })]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    const detail = await call(0, 'GET', `/api/cases/${id}`, op);
    expect(detail.json.timeline.map((e: any) => e.action)).toEqual(['create', 'dispatch', 'accept']);
  });

  it('two sweepers racing over the same overdue cases warn and escalate each exactly once', async () => {
    const op = await login(0, 'operator');
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const c = await call(i % 2, 'POST', '/api/cases', op, caseBody({ title: `巡检并发 ${i}` }));
      const d = await call(i % 2, 'POST', `/api/cases/${c.json.id}/dispatch`, op, { leadUnitId: world.units.cgA.id });
      expect(d.status).toBe(200);
      ids.push(c.json.id);
    }
    // Far past every deadline: each case owes exactly one red urge and one escalation.
    const later = Date.now() + 90 * 24 * 3_600_000;
    const results = await Promise.all([sweepers[0].sweep(later), sweepers[1].sweep(later), sweepers[0].sweep(later), sweepers[1].sweep(later)]);
    // Across every case in the database, what the sweepers report equals what was written: nothing twice.
    const all = await dbs[0].query<{ n: number }>(`SELECT count(*)::int AS n FROM case_events WHERE data->>'auto' = 'true'`);
    expect(results.reduce((n, r) => n + r.yellow + r.red + r.escalated, 0)).toBe(all[0].n);
    const rows = await dbs[0].query<{ action: string; n: number }>(
      `SELECT action, count(*)::int AS n FROM case_events WHERE case_id = ANY ($1) AND data->>'auto' = 'true' GROUP BY action ORDER BY action`,
      [ids],
    );
    expect(rows).toEqual([
      { action: 'supervise', n: 40 },
      { action: 'urge', n: 40 },
    ]);
  });
});
