/** Sign-in over HTTP: passwords and sessions, citizen one-time codes, API tokens. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { TEST_DATABASES, PASSWORD, seedWorld, startTestServer, clientFor, caseBody, type TestServer, type World } from './helpers.ts';
import { OTP_MAX_ATTEMPTS } from '../src/org/auth.ts';

type Res = Awaited<ReturnType<TestServer['request']>>;

function expectProblem(res: Res, status: number, field?: string) {
  expect(res.status, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.json).toMatchObject({ status });
  if (field) expect(res.json.errors?.map((e: any) => e.field), res.body).toContain(field);
}

const cookieOf = (res: Res) => {
  const c = res.headers['set-cookie'];
  return (Array.isArray(c) ? c[0] : c)!;
};


// Each code request from its own address: these tests are about codes, not the per-address limit (auth-limits.test.ts).
let clientSeq = 0;
const freshClient = () => `10.77.${Math.floor(++clientSeq / 250)}.${clientSeq % 250}`;
describe.each(TEST_DATABASES)('auth API on $name', (tdb) => {
  let t: TestServer;
  let world: World;
  beforeAll(async () => {
    const db = await tdb.open();
    world = await seedWorld(db);
    t = await startTestServer(db);
  });
  afterAll(async () => {
    await t?.close();
    await t?.server.ctx.db.close();
  });

  describe('password sign-in', () => {
    it('signs in and sets an HTTP-only session cookie', async () => {
      const res = await t.request('POST', '/api/auth/login', { body: { username: 'handler_a', password: PASSWORD } });
      expect(res.status, res.body).toBe(200);
      expect(res.json).toMatchObject({ username: 'handler_a', roles: ['handler'], unitId: world.units.cgA.id, unit: { code: 'CG-430602' } });
      expect(res.json.roleLabels).toEqual(['部门承办人']);
      const cookie = cookieOf(res);
      expect(cookie).toMatch(/^zhili_session=[\w-]{20,}/);
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Lax/i);
      expect(JSON.stringify(res.json)).not.toMatch(/password|hash/i);
      const logins = await t.server.ctx.db.query(`SELECT 1 FROM audit_log WHERE action = 'login' AND user_id = $1`, [world.users.handlerA.id]);
      expect(logins.length).toBeGreaterThanOrEqual(1);
    });

    it('refuses a wrong password and an unknown user alike: 401 problem+json, no cookie', async () => {
      const wrong = await t.request('POST', '/api/auth/login', { body: { username: 'operator', password: 'not-the-password' } });
      const unknown = await t.request('POST', '/api/auth/login', { body: { username: 'nobody_here', password: PASSWORD } });
      for (const res of [wrong, unknown]) {
        expectProblem(res, 401);
        expect(res.headers['set-cookie']).toBeUndefined();
      }
      // The same answer for both, so usernames cannot be probed.
      expect(wrong.json.detail).toBe(unknown.json.detail);
    });

    it('validates the login body (missing and unknown fields name the field)', async () => {
      expectProblem(await t.request('POST', '/api/auth/login', { body: { username: 'operator' } }), 400, 'password');
      expectProblem(await t.request('POST', '/api/auth/login', { body: { username: 'operator', password: PASSWORD, remember: true } }), 400, 'remember');
    });

    it('GET /api/auth/me: 401 without a session, the caller with one', async () => {
      expectProblem(await t.request('GET', '/api/auth/me'), 401);
      expectProblem(await t.request('GET', '/api/auth/me', { cookie: 'zhili_session=forged' }), 401);
      const op = await t.login('operator');
      const me = await op.get('/api/auth/me');
      expect(me.status).toBe(200);
      expect(me.json).toMatchObject({ username: 'operator', roles: ['operator'], scopeCodes: ['4306'], unit: { code: 'HL-4306' } });
    });

    it('logout deletes the session: the old cookie no longer works', async () => {
      const op = await t.login('dispatcher');
      expect((await op.get('/api/auth/me')).status).toBe(200);
      const out = await op.post('/api/auth/logout');
      expect(out.status).toBe(204);
      expect(cookieOf(out)).toMatch(/zhili_session=;/);
      expectProblem(await op.get('/api/auth/me'), 401);
      expectProblem(await op.get('/api/cases'), 401);
      // Logging out without a session is harmless.
      expect((await t.request('POST', '/api/auth/logout')).status).toBe(204);
    });

    it('an inactive user cannot sign in', async () => {
      const admin = await t.login('admin');
      const r = await admin.post('/api/users', { username: 'retired_op', displayName: '退休接线员', password: PASSWORD, roles: ['operator'], scopeCodes: ['430602'], active: false });
      expect(r.status, r.body).toBe(201);
      expectProblem(await t.request('POST', '/api/auth/login', { body: { username: 'retired_op', password: PASSWORD } }), 401);
    });
  });

  describe('citizen one-time codes', () => {
    const codeFor = (phone: string) => t.otp.last(phone)!;
    const otpRow = (phone: string) =>
      t.server.ctx.db.query<{ attempts: number; consumed: boolean }>(
        `SELECT attempts, consumed_at IS NOT NULL AS consumed FROM otp_codes WHERE phone = $1 ORDER BY created_at DESC LIMIT 1`,
        [phone],
      );

    it('sends a code and signs the citizen in with it (same user on the next sign-in)', async () => {
      const phone = '13900000001';
      const req = await t.request('POST', '/api/auth/otp/request', { body: { phone }, remoteAddress: freshClient() });
      expect(req.status, req.body).toBe(202);
      expect(req.json).toEqual({ sent: true });
      const code = codeFor(phone);
      expect(code).toMatch(/^\d{6}$/);
      const res = await t.request('POST', '/api/auth/otp/verify', { body: { phone, code } });
      expect(res.status, res.body).toBe(200);
      expect(res.json).toMatchObject({ roles: ['citizen'], unitId: null });
      const cookie = cookieOf(res).split(';')[0];
      const me = await clientFor(t, { cookie }).get('/api/auth/me');
      expect(me.json).toMatchObject({ id: res.json.id, roles: ['citizen'] });
      expect((await otpRow(phone))[0].consumed).toBe(true);

      await t.request('POST', '/api/auth/otp/request', { body: { phone }, remoteAddress: freshClient() });
      const again = await t.request('POST', '/api/auth/otp/verify', { body: { phone, code: codeFor(phone) } });
      expect(again.status).toBe(200);
      expect(again.json.id).toBe(res.json.id);
    });

    it('counts wrong codes and locks the code after the fifth', async () => {
      const phone = '13900000002';
      await t.request('POST', '/api/auth/otp/request', { body: { phone }, remoteAddress: freshClient() });
      const code = codeFor(phone);
      const wrong = code === '000000' ? '111111' : '000000';
      for (let i = 1; i <= OTP_MAX_ATTEMPTS; i++) {
        expectProblem(await t.request('POST', '/api/auth/otp/verify', { body: { phone, code: wrong } }), 401);
        expect((await otpRow(phone))[0].attempts).toBe(i);
      }
      // Locked: even the right code is refused now.
      expectProblem(await t.request('POST', '/api/auth/otp/verify', { body: { phone, code } }), 401);
      expect((await otpRow(phone))[0]).toEqual({ attempts: OTP_MAX_ATTEMPTS, consumed: false });
    });

    it('refuses an expired code and a consumed one', async () => {
      const phone = '13900000003';
      await t.request('POST', '/api/auth/otp/request', { body: { phone }, remoteAddress: freshClient() });
      const expired = codeFor(phone);
      await t.server.ctx.db.query(`UPDATE otp_codes SET expires_at = now() - interval '1 second' WHERE phone = $1`, [phone]);
      expectProblem(await t.request('POST', '/api/auth/otp/verify', { body: { phone, code: expired } }), 401);

      await t.request('POST', '/api/auth/otp/request', { body: { phone }, remoteAddress: freshClient() });
      const code = codeFor(phone);
      expect((await t.request('POST', '/api/auth/otp/verify', { body: { phone, code } })).status).toBe(200);
      expectProblem(await t.request('POST', '/api/auth/otp/verify', { body: { phone, code } }), 401);
    });

    it('validates phone and code formats', async () => {
      expectProblem(await t.request('POST', '/api/auth/otp/request', { body: { phone: '12345' } }), 400, 'phone');
      expectProblem(await t.request('POST', '/api/auth/otp/verify', { body: { phone: '13900000004', code: '12ab' } }), 400, 'code');
      expectProblem(await t.request('POST', '/api/auth/otp/verify', { body: { phone: '13900000004' } }), 400, 'code');
    });

    it('limits how many codes one phone may request (429 naming the phone)', async () => {
      const phone = '13900000005';
      for (let i = 0; i < 5; i++) expect((await t.request('POST', '/api/auth/otp/request', { body: { phone }, remoteAddress: freshClient() })).status).toBe(202);
      const sentBefore = t.otp.count;
      expectProblem(await t.request('POST', '/api/auth/otp/request', { body: { phone }, remoteAddress: freshClient() }), 429, 'phone');
      expect(t.otp.count).toBe(sentBefore);
    });

    it('a citizen may not reach staff endpoints', async () => {
      const phone = '13900000006';
      await t.request('POST', '/api/auth/otp/request', { body: { phone }, remoteAddress: freshClient() });
      const v = await t.request('POST', '/api/auth/otp/verify', { body: { phone, code: codeFor(phone) } });
      const citizen = clientFor(t, { cookie: cookieOf(v).split(';')[0] });
      expectProblem(await citizen.get('/api/units'), 403);
      expectProblem(await citizen.get('/api/grids'), 403);
      expectProblem(await citizen.get('/api/users'), 403);
      expectProblem(await citizen.post('/api/units', { code: 'X', name: '某单位', kind: 'other' }), 403);
    });
  });

  describe('API tokens', () => {
    it('creates a token shown once, authenticates with it as Bearer, lists it, and revokes it', async () => {
      const op = await t.login('operator');
      const created = await op.post('/api/tokens', { name: '网格通接口' });
      expect(created.status, created.body).toBe(201);
      expect(created.json).toMatchObject({ id: expect.any(String), name: '网格通接口', token: expect.stringMatching(/^zk_[\w-]{40,}$/) });
      const token = created.json.token as string;
      // Only a hash is stored.
      const stored = await t.server.ctx.db.query<{ token_hash: string }>(`SELECT token_hash FROM api_tokens WHERE id = $1`, [created.json.id]);
      expect(stored[0].token_hash).not.toContain(token);

      const bearer = clientFor(t, { headers: { authorization: `Bearer ${token}` } });
      const me = await bearer.get('/api/auth/me');
      expect(me.status, me.body).toBe(200);
      expect(me.json.username).toBe('operator');
      // A case created through a token is an API intake.
      const c = await bearer.post('/api/cases', caseBody({ title: '令牌登记的工单' }));
      expect(c.status, c.body).toBe(201);
      expect(c.json.channel).toBe('api');

      const list = await op.get('/api/tokens');
      expect(list.status).toBe(200);
      const row = list.json.find((x: any) => x.id === created.json.id);
      expect(row).toMatchObject({ name: '网格通接口', revokedAt: null });
      expect(row.lastUsedAt).not.toBeNull();
      expect(JSON.stringify(list.json)).not.toContain(token);
      expect(Object.keys(row).sort()).toEqual(['createdAt', 'id', 'lastUsedAt', 'name', 'revokedAt']);

      expect((await op.del(`/api/tokens/${created.json.id}`)).status).toBe(204);
      expectProblem(await bearer.get('/api/auth/me'), 401);
      expectProblem(await bearer.get('/api/cases'), 401);
      expect((await op.get('/api/tokens')).json.find((x: any) => x.id === created.json.id).revokedAt).not.toBeNull();
      // Revoking twice: nothing left to revoke.
      expectProblem(await op.del(`/api/tokens/${created.json.id}`), 404);
    });

    it('refuses unknown and malformed bearer tokens', async () => {
      expectProblem(await clientFor(t, { headers: { authorization: 'Bearer zk_not-a-real-token' } }).get('/api/auth/me'), 401);
      expectProblem(await clientFor(t, { headers: { authorization: 'Bearer ' } }).get('/api/auth/me'), 401);
    });

    it('a non-admin cannot create a token for another user, nor revoke one', async () => {
      const op = await t.login('operator');
      expectProblem(await op.post('/api/tokens', { name: 'x', username: 'handler_a' }), 403);
      // Naming oneself is fine.
      expect((await op.post('/api/tokens', { name: 'self', username: 'operator' })).status).toBe(201);

      const handler = await t.login('handler_a');
      const mine = await handler.post('/api/tokens', { name: '承办接口' });
      expectProblem(await op.del(`/api/tokens/${mine.json.id}`), 404);
      expect((await handler.get('/api/tokens')).json.find((x: any) => x.id === mine.json.id).revokedAt).toBeNull();
      expectProblem(await op.del('/api/tokens/not-a-uuid'), 400, 'id');
    });

    it('an admin creates a token for a user in their jurisdiction, not outside it', async () => {
      const admin = await t.login('admin');
      const forOp = await admin.post('/api/tokens', { name: '代建', username: 'operator' });
      expect(forOp.status, forOp.body).toBe(201);
      const me = await clientFor(t, { headers: { authorization: `Bearer ${forOp.json.token}` } }).get('/api/auth/me');
      expect(me.json.username).toBe('operator');
      expectProblem(await admin.post('/api/tokens', { name: 'x', username: 'no_such_user' }), 422, 'username');

      // A county admin (云溪区) may not mint tokens for 岳阳楼区's users, nor for the global admin.
      const adminB = await t.login('admin_b');
      expect((await adminB.post('/api/tokens', { name: 'ok', username: 'handler_b' })).status).toBe(201);
      expectProblem(await adminB.post('/api/tokens', { name: 'x', username: 'handler_a' }), 403);
      expectProblem(await adminB.post('/api/tokens', { name: 'x', username: 'operator_a' }), 403);
      expectProblem(await adminB.post('/api/tokens', { name: 'x', username: 'admin' }), 403);
      // ... nor revoke theirs.
      const handler = await t.login('handler_a');
      const theirs = await handler.post('/api/tokens', { name: '承办接口2' });
      expectProblem(await adminB.del(`/api/tokens/${theirs.json.id}`), 404);
      // The global admin may.
      expect((await admin.del(`/api/tokens/${theirs.json.id}`)).status).toBe(204);
    });

    it('validates the token body', async () => {
      const op = await t.login('operator');
      expectProblem(await op.post('/api/tokens', {}), 400, 'name');
      expectProblem(await op.post('/api/tokens', { name: 'x', scopes: ['all'] }), 400, 'scopes');
      expectProblem(await t.request('POST', '/api/tokens', { body: { name: 'x' } }), 401);
    });
  });
});
