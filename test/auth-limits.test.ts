/**
 * Guessing limits: sign-in throttling per account and per client address
 * (counters in the database, so shared by instances), the bound on
 * concurrent password hashing, and the one-time-code limits.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { openDb } from '../src/platform/db.ts';
import { buildServer } from '../src/server.ts';
import { HashGate, hashGate, verifyOtp, OTP_MAX_ATTEMPTS } from '../src/org/auth.ts';
import { delaySeconds, clientKey } from '../src/org/throttle.ts';
import { loadAuthConfig, type AuthConfig } from '../src/org/config.ts';
import { Problem } from '../src/platform/errors.ts';
import { TEST_DATABASES, PASSWORD, seedWorld, silentLogger, startTestServer, type TestServer } from './helpers.ts';

const BASE = 60;
const AUTH: Partial<AuthConfig> = {
  loginAccount: { free: 3, baseSeconds: BASE, maxSeconds: 600, windowSeconds: 3600 },
  loginClient: { free: 5, baseSeconds: BASE, maxSeconds: 600, windowSeconds: 3600 },
  otpVerify: { free: 3, baseSeconds: BASE, maxSeconds: 600, windowSeconds: 3600 },
  otpPhonePerHour: 3,
  otpClientPerHour: 4,
};

type Res = { status: number; json: any; headers: Record<string, unknown>; body: string };

describe('backoff arithmetic', () => {
  it('is free, then doubles, then stays at the cap', () => {
    const b = { free: 5, baseSeconds: 1, maxSeconds: 900, windowSeconds: 3600 };
    expect([1, 4, 5, 6, 7, 10].map((n) => delaySeconds(b, n))).toEqual([0, 0, 1, 2, 4, 32]);
    expect(delaySeconds(b, 15)).toBe(900);
    expect(delaySeconds(b, 10_000)).toBe(900);
  });

  it('keys IPv6 clients by their /64 and IPv4 (mapped or not) by address', () => {
    expect(clientKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
  });

  it('reads the environment through a schema that names a wrong variable', () => {
    expect(loadAuthConfig({}).loginAccount).toMatchObject({ free: 5, maxSeconds: 900 });
    expect(() => loadAuthConfig({ ZHILI_HASH_CONCURRENCY: 'lots' })).toThrow(/ZHILI_HASH_CONCURRENCY/);
    expect(() => loadAuthConfig({ ZHILI_LOGIN_MAX_DELAY_SECONDS: '0' })).toThrow(/ZHILI_LOGIN_MAX_DELAY_SECONDS/);
    expect(loadAuthConfig({ ZHILI_LOGIN_FREE_ATTEMPTS: '8', ZHILI_HASH_QUEUE: '' })).toMatchObject({ loginAccount: { free: 8 }, hashQueue: 16 });
  });
});

describe('hash gate', () => {
  it('runs at most N at once, queues a few, refuses the rest with 503 + retryAfter; admin work waits', async () => {
    const gate = new HashGate(2, 2);
    let running = 0;
    let most = 0;
    const release: (() => void)[] = [];
    const job = () =>
      gate.run(async () => {
        running++;
        most = Math.max(most, running);
        await new Promise<void>((r) => release.push(r));
        running--;
        return 'done';
      });
    const runs = Array.from({ length: 6 }, () => job().catch((e) => e));
    const admin = gate.run(async () => 'admin', { wait: true });
    await new Promise((r) => setTimeout(r, 10));
    expect(gate.stats).toMatchObject({ active: 2, queued: 3 });
    const refused = (await Promise.race([Promise.all(runs.slice(4)), new Promise((r) => setTimeout(() => r('pending'), 50))])) as unknown[];
    for (const e of refused) {
      expect(e).toBeInstanceOf(Problem);
      expect(e).toMatchObject({ status: 503, extra: { retryAfter: 1 } });
    }
    while (release.length || gate.stats.active) {
      release.shift()?.();
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(await Promise.all(runs.slice(0, 4))).toEqual(['done', 'done', 'done', 'done']);
    expect(await admin).toBe('admin');
    expect(most).toBe(2);
    expect(gate.stats).toMatchObject({ active: 0, queued: 0, peak: 2 });
  });
});

describe.each(TEST_DATABASES)('guessing limits on $name', (tdb) => {
  let t: TestServer;
  beforeAll(async () => {
    const db = await tdb.open();
    await seedWorld(db);
    t = await startTestServer(db, { auth: AUTH });
  });
  afterAll(async () => {
    await t?.close();
    await t?.server.ctx.db.close();
  });

  const call = async (ip: string, url: string, body: unknown, app = t.app): Promise<Res> => {
    const res = await app.inject({ method: 'POST', url, payload: body as any, remoteAddress: ip });
    let json: any;
    try {
      json = res.json();
    } catch {
      json = undefined;
    }
    return { status: res.statusCode, json, headers: res.headers, body: res.body };
  };
  const login = (ip: string, username: string, password = PASSWORD, app = t.app) => call(ip, '/api/auth/login', { username, password }, app);
  const expect429 = (res: Res, max: number) => {
    expect(res.status, res.body).toBe(429);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const after = Number(res.headers['retry-after']);
    expect(after).toBeGreaterThanOrEqual(1);
    expect(after).toBeLessThanOrEqual(max);
    expect(res.json).toMatchObject({ status: 429, retryAfter: after });
    return after;
  };

  describe('sign-in throttling', () => {
    it('after the free failures for an account: 429 with Retry-After, even with the right password; the delay doubles and is bounded', async () => {
      const ip = '198.51.100.1';
      for (let i = 0; i < 3; i++) expect((await login(ip, 'operator_a', 'wrong-password')).status).toBe(401);
      expect429(await login(ip, 'operator_a'), BASE);
      // Another address is refused too: the counter is the account's.
      expect429(await login('198.51.100.2', 'operator_a'), BASE);
      // The delay passes (moved back in the database): one more failure doubles it.
      await t.server.ctx.db.query(`UPDATE auth_throttle SET blocked_until = now() - interval '1 second' WHERE key = 'login-user:operator_a'`);
      expect((await login(ip, 'operator_a', 'wrong-again')).status).toBe(401);
      const second = expect429(await login(ip, 'operator_a'), 2 * BASE);
      expect(second).toBeGreaterThan(BASE);
      // Never a permanent lockout: once the delay passes, the owner signs in.
      await t.server.ctx.db.query(`UPDATE auth_throttle SET blocked_until = now() - interval '1 second' WHERE key = 'login-user:operator_a'`);
      expect((await login(ip, 'operator_a')).status).toBe(200);
    });

    it('a success resets the account counter (not the address\'s: a valid account must not launder guesses)', async () => {
      for (let round = 0; round < 3; round++) {
        const ip = `198.51.100.${30 + round}`;
        for (let i = 0; i < 2; i++) expect((await login(ip, 'operator_b', 'wrong-password')).status).toBe(401);
        expect((await login(ip, 'operator_b')).status).toBe(200);
      }
      // 2 + 2 + 2 failures: without the resets the account would wait now.
      expect(await t.server.ctx.db.query(`SELECT 1 FROM auth_throttle WHERE key = 'login-user:operator_b'`)).toEqual([]);
    });

    it('a burst of parallel guesses gets exactly the free attempts', async () => {
      const all = await Promise.all(Array.from({ length: 10 }, (_, i) => login(`198.51.100.${60 + i}`, 'operator', `guess-${i}`)));
      const statuses = all.map((r) => r.status);
      expect(statuses.filter((s) => s === 401).length, statuses.join()).toBe(3);
      expect(statuses.filter((s) => s === 429).length, statuses.join()).toBe(7);
      // The refused ones were not counted against their addresses.
      const counted = await t.server.ctx.db.query<{ n: number }>(`SELECT coalesce(sum(failures), 0)::int AS n FROM auth_throttle WHERE key LIKE 'login-client:198.51.100.6_'`);
      expect(counted[0].n).toBe(3);
    });

    it('unknown usernames are throttled alike (no probing which accounts exist)', async () => {
      const ip = '198.51.100.4';
      for (let i = 0; i < 3; i++) expect((await login(ip, 'no_such_user', 'x')).status).toBe(401);
      expect429(await login(ip, 'no_such_user', 'x'), BASE);
    });

    it('per client across accounts: one address guessing many accounts is stopped', async () => {
      const ip = '198.51.100.5';
      const accounts = ['handler_a', 'handler_a2', 'handler_b', 'township_a', 'supervisor'];
      for (const u of accounts) expect((await login(ip, u, 'wrong-password')).status).toBe(401);
      // Every account is under its own limit, yet this address now waits, even for a right password.
      expect429(await login(ip, 'dispatcher'), BASE);
      // Others are not affected.
      expect((await login('198.51.100.6', 'dispatcher')).status).toBe(200);
      expect((await login('2001:db8:5:6::1', 'handler_a')).status).toBe(200);
    });

    it('an IPv6 client cannot escape by changing addresses within its /64', async () => {
      for (let i = 0; i < 5; i++) expect((await login(`2001:db8:9:9::${i + 1}`, `ghost${i}`, 'x')).status).toBe(401);
      expect429(await login('2001:db8:9:9:ffff::77', 'admin'), BASE);
    });

    it('bounds concurrent hashing: over the queue answers 503 with Retry-After, never more than the bound at once', async () => {
      hashGate.configure(1, 0);
      hashGate.peak = 0;
      try {
        const all = await Promise.all(Array.from({ length: 8 }, (_, i) => login(`203.0.113.${i + 10}`, `nobody${i}`, 'x')));
        const statuses = all.map((r) => r.status).sort();
        expect(statuses.filter((s) => s === 503).length, statuses.join()).toBeGreaterThan(0);
        expect(statuses.every((s) => s === 401 || s === 503), statuses.join()).toBe(true);
        for (const r of all.filter((r) => r.status === 503)) {
          expect(r.headers['retry-after']).toBe('1');
          expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
        }
        expect(hashGate.peak).toBe(1);
      } finally {
        hashGate.configure(2, 16);
      }
    });

    it.skipIf(tdb.name !== 'postgres')('two instances on one PostgreSQL share the counters', async () => {
      const url = (t.server.ctx.db as { url?: string }).url;
      if (!url) throw new Error('the PostgreSQL test database has no url');
      const db2 = await openDb(url, { poolSize: 4 });
      const other = await buildServer({ db: db2, logger: silentLogger(), auth: AUTH, config: { demo: false, webDir: '/nonexistent', classifierSchedule: false, sweepSeconds: 0 } });
      try {
        const ip = '198.51.100.20';
        // Failures spread over both instances add up.
        expect((await login(ip, 'leader_x', 'w', t.app)).status).toBe(401);
        expect((await login(ip, 'leader_x', 'w', other.app)).status).toBe(401);
        expect((await login(ip, 'leader_x', 'w', t.app)).status).toBe(401);
        expect429(await login(ip, 'leader_x', 'w', other.app), BASE);
        expect429(await login('198.51.100.21', 'leader_x', 'w', t.app), BASE);
        // A success on one instance resets the account for both.
        expect((await login('198.51.100.22', 'admin_b', 'w', other.app)).status).toBe(401);
        expect((await login('198.51.100.22', 'admin_b', 'w', t.app)).status).toBe(401);
        expect((await login('198.51.100.22', 'admin_b', PASSWORD, other.app)).status).toBe(200);
        expect((await login('198.51.100.23', 'admin_b', 'w', t.app)).status).toBe(401);
        expect((await login('198.51.100.23', 'admin_b', 'w', t.app)).status).toBe(401);
        expect((await login('198.51.100.23', 'admin_b', PASSWORD, other.app)).status).toBe(200);
      } finally {
        await other.close();
        await db2.close();
      }
    });
  });

  describe('one-time codes', () => {
    it('per phone: a few codes an hour, then 429 with Retry-After naming the phone', async () => {
      const ip = '192.0.2.1';
      const phone = '13700000001';
      for (let i = 0; i < 3; i++) expect((await call(ip, '/api/auth/otp/request', { phone })).status).toBe(202);
      const r = await call('192.0.2.2', '/api/auth/otp/request', { phone });
      expect429(r, 3600);
      expect(r.json.errors.map((e: any) => e.field)).toContain('phone');
    });

    it('per client: one address asking codes for many phones is stopped', async () => {
      const ip = '192.0.2.3';
      for (let i = 0; i < 4; i++) expect((await call(ip, '/api/auth/otp/request', { phone: `1370000001${i}` })).status).toBe(202);
      expect429(await call(ip, '/api/auth/otp/request', { phone: '13700000019' }), 3600);
      expect((await call('192.0.2.4', '/api/auth/otp/request', { phone: '13700000019' })).status).toBe(202);
    });

    it('wrong codes: per phone, then 429 even for the right code; a success clears the phone', async () => {
      const phone = '13700000020';
      expect((await call('192.0.2.5', '/api/auth/otp/request', { phone })).status).toBe(202);
      const code = t.otp.last(phone)!;
      const wrong = code === '000000' ? '111111' : '000000';
      // Guesses from different addresses still count for the phone.
      for (let i = 0; i < 3; i++) expect((await call(`192.0.2.${6 + i}`, '/api/auth/otp/verify', { phone, code: wrong })).status).toBe(401);
      expect429(await call('192.0.2.9', '/api/auth/otp/verify', { phone, code }), BASE);
      await t.server.ctx.db.query(`UPDATE auth_throttle SET blocked_until = NULL WHERE key = $1`, [`otp-phone:${phone}`]);
      expect((await call('192.0.2.9', '/api/auth/otp/verify', { phone, code })).status).toBe(200);
      expect(await t.server.ctx.db.query(`SELECT 1 FROM auth_throttle WHERE key = $1`, [`otp-phone:${phone}`])).toEqual([]);
    });

    it('wrong codes: per client across phones', async () => {
      const ip = '192.0.2.10';
      for (let i = 0; i < 3; i++) expect((await call(ip, '/api/auth/otp/verify', { phone: `1370000003${i}`, code: '123456' })).status).toBe(401);
      expect429(await call(ip, '/api/auth/otp/verify', { phone: '13700000039', code: '123456' }), BASE);
    });

    it('parallel guesses cannot outrun the attempt limit of a code', async () => {
      const phone = '13700000040';
      expect((await call('192.0.2.11', '/api/auth/otp/request', { phone })).status).toBe(202);
      const code = t.otp.last(phone)!;
      const wrong = Array.from({ length: 12 }, (_, i) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0'));
      // Straight at the store, in parallel (on PostgreSQL over several connections), below the HTTP throttles.
      const results = await Promise.all(wrong.map((w) => verifyOtp(t.server.ctx.db, phone, w)));
      expect(results.every((r) => r === undefined)).toBe(true);
      const row = await t.server.ctx.db.query<{ attempts: number }>(`SELECT attempts FROM otp_codes WHERE phone = $1`, [phone]);
      expect(row[0].attempts).toBe(OTP_MAX_ATTEMPTS);
      await t.server.ctx.db.query(`DELETE FROM auth_throttle WHERE key = $1`, [`otp-phone:${phone}`]);
      expect((await call('192.0.2.12', '/api/auth/otp/verify', { phone, code })).status).toBe(401);
    });
  });
});
