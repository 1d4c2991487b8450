/**
 * The HTTP layer's defences: proxies trusted only when configured, cross-site
 * requests refused, security headers and CSP, /metrics and /docs gates, and
 * the Secure flag on the session cookie.
 */
import net from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { TEST_DATABASES, seedWorld, startTestServer, silentLogger, caseBody, PASSWORD, type Client, type TestServer } from './helpers.ts';
import { buildServer, startServer, type StartOptions } from '../src/server.ts';
import type { Config } from '../src/platform/config.ts';
import type { Db } from '../src/platform/db.ts';

const METRICS_TOKEN = 'scrape-token-0123456789';

/** A second instance over the same database with other settings (requests by inject, from 127.0.0.1). */
async function instance(db: Db, config: Partial<Config>) {
  return buildServer({
    db,
    logger: silentLogger(),
    config: { demo: false, filesDir: mkdtempSync(join(tmpdir(), 'zhili-files-')), webDir: '/nonexistent', classifierSchedule: false, sweepSeconds: 0, ...config },
  });
}

/** Signs in by inject with extra headers; returns the response. */
const signIn = (app: Awaited<ReturnType<typeof instance>>['app'], headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'operator', password: PASSWORD }, headers });

describe.each(TEST_DATABASES)('HTTP security on $name', (tdb) => {
  let t: TestServer;
  let db: Db;
  let op: Client;

  beforeAll(async () => {
    db = await tdb.open();
    await seedWorld(db);
    t = await startTestServer(db);
    op = await t.login('operator');
  });
  afterAll(async () => {
    await t?.close();
    await db?.close();
  });

  describe('proxies (real HTTP server)', () => {
    const lastLoginIp = async () => (await db.query<{ ip: string }>(`SELECT ip FROM audit_log WHERE action = 'login' ORDER BY id DESC LIMIT 1`))[0].ip;
    const listen = (config: Partial<Config>) =>
      startServer({
        db,
        logger: silentLogger(),
        config: { demo: false, host: '127.0.0.1', port: 0, filesDir: mkdtempSync(join(tmpdir(), 'zhili-files-')), webDir: '/nonexistent', classifierSchedule: false, sweepSeconds: 0, ...config },
      } satisfies StartOptions);
    // Each body is read, so the connection is idle again and the server's close() does not wait for it.
    const get = async (url: string, init?: RequestInit) => {
      const res = await fetch(url, init);
      await res.arrayBuffer();
      return res;
    };
    const login = (url: string, headers: Record<string, string>) =>
      get(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ username: 'operator', password: PASSWORD }) });

    it('answers problem+json to what is refused before any route: huge headers (431), a malformed URL, a long id, a bad request line', async () => {
      const s = await listen({});
      const raw = (text: string) =>
        new Promise<{ status: number; type: string; body: any }>((resolve, reject) => {
          const u = new URL(s.url);
          const sock = net.connect(Number(u.port), u.hostname, () => sock.write(text));
          let data = '';
          sock.on('data', (d) => (data += d));
          sock.on('error', reject);
          sock.on('close', () => {
            const [head, ...rest] = data.split('\r\n\r\n');
            const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
            const type = /content-type: ([^\r\n]+)/i.exec(head)?.[1] ?? '';
            let body: any;
            try {
              body = JSON.parse(rest.join('\r\n\r\n'));
            } catch {
              body = rest.join('');
            }
            resolve({ status, type, body });
          });
        });
      try {
        const big = await raw(`GET /api/cases HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40_000)}\r\nConnection: close\r\n\r\n`);
        expect(big.status).toBe(431);
        expect(big.type).toMatch(/application\/problem\+json/);
        expect(big.body.status).toBe(431);
        const badUrl = await raw(`GET /api/cases/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        expect(badUrl.status).toBe(400);
        expect(badUrl.type).toMatch(/application\/problem\+json/);
        expect(badUrl.body.errors[0].field).toBe('url');
        const longId = await raw(`GET /api/cases/${'9'.repeat(5000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        expect(longId.status).toBeGreaterThanOrEqual(400);
        expect(longId.status).toBeLessThan(500);
        expect(longId.type).toMatch(/application\/problem\+json/);
        const garbage = await raw(`NOT A REQUEST\r\n\r\n`);
        expect(garbage.status).toBe(400);
        expect(garbage.type).toMatch(/application\/problem\+json/);
      } finally {
        await s.close();
      }
    });

    it('ignores X-Forwarded-For and -Proto from a peer that is not a trusted proxy', async () => {
      const s = await listen({});
      try {
        const res = await login(s.url, { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' });
        expect(res.status).toBe(200);
        expect(await lastLoginIp()).toBe('127.0.0.1');
        expect(res.headers.get('set-cookie')).not.toMatch(/;\s*Secure/i);
      } finally {
        await s.close();
      }
    });

    it('believes them from a configured proxy: the client address reaches the audit log, https makes the cookie Secure', async () => {
      const s = await listen({ trustedProxies: ['127.0.0.1'] });
      try {
        const res = await login(s.url, { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' });
        expect(res.status).toBe(200);
        expect(await lastLoginIp()).toBe('203.0.113.7');
        expect(res.headers.get('set-cookie')).toMatch(/;\s*Secure/i);
        // Over its plain http, no Secure flag (the default is 'auto' off production).
        const plain = await login(s.url, {});
        expect(plain.headers.get('set-cookie')).not.toMatch(/;\s*Secure/i);
        // A proxy-relayed request is not local: /metrics is closed to the forwarded client.
        expect((await get(`${s.url}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.7' } })).status).toBe(403);
        expect((await get(`${s.url}/metrics`)).status).toBe(200);
      } finally {
        await s.close();
      }
    });
  });

  describe('cross-site requests (CSRF)', () => {
    const forbidden = (res: { status: number; headers: Record<string, any>; json: any; body: string }) => {
      expect(res.status, res.body).toBe(403);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json.errors.map((e: any) => e.field)).toContain('origin');
    };

    it('refuses a cookie-authenticated POST from another site, by Origin or by Sec-Fetch-Site', async () => {
      const before = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM cases`))[0].n;
      forbidden(await op.post('/api/cases', caseBody(), { origin: 'https://evil.example' }));
      forbidden(await op.post('/api/cases', caseBody(), { origin: 'null' }));
      forbidden(await op.post('/api/cases', caseBody(), { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' }));
      forbidden(await op.post('/api/cases', caseBody(), { 'sec-fetch-site': 'same-site', origin: 'https://other.localhost' }));
      forbidden(await t.request('DELETE', '/api/tokens/01900000-0000-7000-8000-000000000000', { cookie: op.cookie, headers: { origin: 'https://evil.example' } }));
      expect((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM cases`))[0].n).toBe(before);
    });

    it('refuses sign-in from another site (login CSRF), and sign-out too', async () => {
      forbidden(await t.request('POST', '/api/auth/login', { body: { username: 'operator', password: PASSWORD }, headers: { origin: 'https://evil.example' } }));
      forbidden(await t.request('POST', '/api/auth/logout', { cookie: op.cookie, headers: { 'sec-fetch-site': 'cross-site' } }));
      expect((await op.get('/api/auth/me')).status).toBe(200);
    });

    it('lets same-origin requests through (what the console sends), and requests without browser headers', async () => {
      expect((await op.post('/api/cases', caseBody(), { origin: 'http://localhost:80', 'sec-fetch-site': 'same-origin' })).status).toBe(201);
      expect((await op.post('/api/cases', caseBody(), { origin: 'http://localhost' })).status).toBe(201);
      expect((await op.post('/api/cases', caseBody(), { 'sec-fetch-site': 'same-origin' })).status).toBe(201);
      expect((await op.post('/api/cases', caseBody())).status).toBe(201);
      // Safe methods are never refused.
      expect((await t.request('GET', '/api/auth/me', { cookie: op.cookie, headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } })).status).toBe(200);
    });

    it('exempts API tokens (a browser never attaches one by itself)', async () => {
      const token = (await op.post('/api/tokens', { name: 'csrf-test' })).json.token as string;
      const res = await t.request('POST', '/api/cases', { body: caseBody(), headers: { authorization: `Bearer ${token}`, origin: 'https://integration.example' } });
      expect(res.status, res.body).toBe(201);
    });

    it('takes the accepted origin from ZHILI_PUBLIC_URL when set', async () => {
      const s = await instance(db, { publicUrl: 'https://zhili.example.gov.cn' });
      try {
        const ok = await signIn(s.app, { origin: 'https://zhili.example.gov.cn' });
        expect(ok.statusCode, ok.body).toBe(200);
        // The Host the request reached is no longer enough, nor another scheme.
        expect((await signIn(s.app, { origin: 'http://localhost:80' })).statusCode).toBe(403);
        expect((await signIn(s.app, { origin: 'http://zhili.example.gov.cn' })).statusCode).toBe(403);
        // An https public URL makes the session cookie Secure.
        expect(String(ok.headers['set-cookie'])).toMatch(/;\s*Secure/i);
      } finally {
        await s.close();
      }
    });
  });

  describe('security headers', () => {
    it('sends a CSP that fits the console, and the usual headers', async () => {
      const res = await t.request('GET', '/');
      expect(res.status).toBe(200);
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self' 'unsafe-inline'");
      expect(csp).toContain("img-src 'self' data: blob:");
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain("frame-ancestors 'self'");
      expect(csp).not.toContain('upgrade-insecure-requests');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['x-powered-by']).toBeUndefined();
      // Refusals carry them too.
      expect((await t.request('GET', '/api/auth/me')).headers['x-content-type-options']).toBe('nosniff');
    });

    it('allows the configured tile server in img-src', async () => {
      const s = await instance(db, { mapTileUrl: 'https://{s}.tiles.example.gov.cn/{z}/{x}/{y}.png' });
      try {
        const csp = String((await s.app.inject({ method: 'GET', url: '/' })).headers['content-security-policy']);
        expect(csp).toMatch(/img-src 'self' data: blob: https:\/\/\*\.tiles\.example\.gov\.cn/);
      } finally {
        await s.close();
      }
    });
  });

  describe('/metrics and /docs', () => {
    it('/metrics: open to loopback by default, else only with the token', async () => {
      expect((await t.request('GET', '/metrics')).status).toBe(200);
      const s = await instance(db, { metricsAllow: [], metricsToken: METRICS_TOKEN });
      try {
        const get = (headers: Record<string, string> = {}) => s.app.inject({ method: 'GET', url: '/metrics', headers });
        const refused = await get();
        expect(refused.statusCode).toBe(403);
        expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect((await get({ authorization: 'Bearer wrong-token-0123456789' })).statusCode).toBe(403);
        const ok = await get({ authorization: `Bearer ${METRICS_TOKEN}` });
        expect(ok.statusCode).toBe(200);
        expect(ok.body).toContain('http_request_duration');
      } finally {
        await s.close();
      }
    });

    it('/metrics: a network not allowed is refused without the token', async () => {
      const s = await instance(db, { metricsAllow: ['10.0.0.0/8'] });
      try {
        expect((await s.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(403);
        expect((await s.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '10.3.4.5' })).statusCode).toBe(200);
      } finally {
        await s.close();
      }
    });

    it('/docs is public by default and 404 when ZHILI_DOCS=false', async () => {
      const docs = await t.request('GET', '/docs/json');
      expect(docs.status).toBe(200);
      expect(docs.json.openapi).toBe('3.1.0');
      const page = await t.request('GET', '/docs/');
      expect(page.status).toBe(200);
      expect(String(page.headers['content-security-policy'])).not.toContain('upgrade-insecure-requests');
      const s = await instance(db, { docs: false });
      try {
        for (const url of ['/docs', '/docs/', '/docs/json']) {
          const res = await s.app.inject({ method: 'GET', url });
          expect(res.statusCode, url).toBe(404);
          expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        }
      } finally {
        await s.close();
      }
    });
  });

  describe('session cookie', () => {
    it('is Secure when configured so, and by the request protocol otherwise', async () => {
      const plain = await signIn(t.app, { 'x-forwarded-proto': 'https' });
      expect(String(plain.headers['set-cookie'])).not.toMatch(/Secure/i);
      const secure = await instance(db, { secureCookies: true });
      const off = await instance(db, { secureCookies: false, trustedProxies: ['127.0.0.1'] });
      try {
        expect(String((await signIn(secure.app)).headers['set-cookie'])).toMatch(/;\s*Secure/i);
        // An explicit false wins even over https.
        expect(String((await signIn(off.app, { 'x-forwarded-proto': 'https' })).headers['set-cookie'])).not.toMatch(/Secure/i);
      } finally {
        await secure.close();
        await off.close();
      }
    });
  });
});
