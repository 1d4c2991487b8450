/**
 * `zhili token add`: an API token from the command line, printed as the last
 * line, that then authenticates API calls; on the embedded database (server
 * stopped) and on PostgreSQL while a server runs on it.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb, createScratchDatabase } from '../src/platform/db.ts';
import { buildServer } from '../src/server.ts';
import { runZhili, seedWorld, silentLogger } from './helpers.ts';


const zhili = (args: string[], env: Record<string, string>) => runZhili(args, env);

const lastLine = (s: string) => s.trim().split('\n').at(-1)!;
// Each run starts tsx and the embedded database: three runs and a server take a while on a busy machine.
const SLOW = { timeout: 180_000 };
const serverOpts = { logger: silentLogger(), config: { demo: false, webDir: '/nonexistent', classifierSchedule: false, sweepSeconds: 0 } };

describe('zhili token add on the embedded database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zhili-token-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints a token as the last line, which then authenticates API calls; an unknown user is refused naming --username', SLOW, async () => {
    const env = { ZHILI_DATA_DIR: dir, ZHILI_PASSWORD: 'Token-test-1234' };
    const add = await zhili(['user', 'add', '--username', 'integrator', '--name', '110联动', '--roles', 'operator', '--scope', '4306'], env);
    expect(add.code, add.stderr).toBe(0);
    const r = await zhili(['token', 'add', '--username', 'integrator', '--name', '110 联动接口'], { ZHILI_DATA_DIR: dir });
    expect(r.code, r.stderr).toBe(0);
    const token = lastLine(r.stdout);
    expect(token).toMatch(/^zk_[\w-]{40,}$/);
    // stdout holds the token alone, so TOKEN=$(zhili token add …) works.
    expect(r.stdout.trim()).toBe(token);
    expect(r.stderr).toContain('created API token "110 联动接口" for integrator');

    const bad = await zhili(['token', 'add', '--username', 'nobody', '--name', 'x'], { ZHILI_DATA_DIR: dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('username (--username): no user nobody');
    expect(bad.stdout).toBe('');

    const db = await openDb(join(dir, 'pglite'));
    const s = await buildServer({ db, ...serverOpts });
    try {
      const me = await s.app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: `Bearer ${token}` } });
      expect(me.statusCode, me.body).toBe(200);
      expect(me.json()).toMatchObject({ username: 'integrator', roles: ['operator'], scopeCodes: ['4306'] });
      const listed = await db.query<{ name: string }>(`SELECT t.name FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE u.username = 'integrator'`);
      expect(listed).toEqual([{ name: '110 联动接口' }]);
      const audited = await db.query(`SELECT detail FROM audit_log WHERE action = 'token_create'`);
      expect(audited).toEqual([{ detail: { username: 'integrator', via: 'cli' } }]);
    } finally {
      await s.close();
      await db.close();
    }
  });
});

describe.skipIf(!process.env.TEST_DATABASE_URL)('zhili token add on PostgreSQL while the server runs', () => {
  it('the new token works at once against the running server, over HTTP', SLOW, async () => {
    const scratch = await createScratchDatabase(process.env.TEST_DATABASE_URL!);
    const db = await openDb(scratch.url, { poolSize: 4 });
    await seedWorld(db);
    const s = await buildServer({ db, ...serverOpts });
    try {
      const url = await s.app.listen({ host: '127.0.0.1', port: 0 });
      // The server has already resolved (and would remember) a failed attempt: the token must still work once created.
      expect((await fetch(`${url}/api/auth/me`, { headers: { authorization: 'Bearer zk_not-yet' } })).status).toBe(401);
      const r = await zhili(['token', 'add', '--username', 'dispatcher', '--name', 'ci'], { DATABASE_URL: scratch.url });
      expect(r.code, r.stderr).toBe(0);
      const token = lastLine(r.stdout);
      const me = await fetch(`${url}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({ username: 'dispatcher', roles: ['dispatcher'] });
      const cases = await fetch(`${url}/api/cases`, { headers: { authorization: `Bearer ${token}` } });
      expect(cases.status).toBe(200);
    } finally {
      await s.close();
      await db.close();
      await scratch.drop();
    }
  });
});
