/**
 * Deny by default, checked on the whole product: every route the server
 * registers declares who may call it (config.access), the route table that
 * installAccessControl records is Fastify's own, and a route without a
 * declaration stops the start with an error naming it.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openDb, type Db } from '../src/platform/db.ts';
import { loadConfig } from '../src/platform/config.ts';
import { createMetrics } from '../src/platform/metrics.ts';
import { createHttp, type Kernel } from '../src/platform/http.ts';
import { allow, type Access, type HttpAuth } from '../src/platform/access.ts';
import { ROLES } from '../src/org/roles.ts';
import { seedWorld, silentLogger, startTestServer, type TestServer } from './helpers.ts';

const WHO = ['public', 'signedIn', 'staff', 'roles'];
const SCOPES = ['none', 'jurisdiction', 'own'];

function problemsOf(a: Access | undefined): string | null {
  if (!a) return 'no declaration';
  if (!WHO.includes(a.who)) return `unknown who ${a.who}`;
  if (!SCOPES.includes(a.scope)) return `unknown scope ${a.scope}`;
  if (a.who === 'public' && (a.scope as string) === 'jurisdiction') return 'a public route cannot be scoped by jurisdiction';
  if (a.who === 'roles') {
    if (!a.roles.length) return 'an empty role list admits only admins; say roles([\'admin\'])';
    const unknown = a.roles.filter((r) => !(ROLES as readonly string[]).includes(r));
    if (unknown.length) return `unknown roles ${unknown.join(', ')}`;
  }
  return null;
}

describe('the route table of the whole product', () => {
  let db: Db;
  let t: TestServer;
  beforeAll(async () => {
    db = await openDb('memory://');
    await seedWorld(db);
    t = await startTestServer(db);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await db?.close();
  });

  test('every route declares who may call it, with a known role and scope', () => {
    const table = t.app.routeTable;
    const bad = table.map((r) => [r, problemsOf(r.access)] as const).filter(([, p]) => p).map(([r, p]) => `${r.method} ${r.url}: ${p}`);
    expect(bad).toEqual([]);
    // Every route of the API is in the table (the console's files and docs are the plugins' own).
    const api = table.filter((r) => r.url.startsWith('/api/'));
    expect(api.length).toBeGreaterThan(100);
    const counts = Object.fromEntries(['public', 'signedIn', 'staff', 'roles'].map((w) => [w, table.filter((r) => r.method !== 'HEAD' && r.access.who === w).length]));
    console.log(`route table: ${table.filter((r) => r.method !== 'HEAD').length} routes (${table.length} with HEAD): ${JSON.stringify(counts)}`);
  });

  test('the recorded table names routes Fastify serves, each once', () => {
    const table = t.app.routeTable;
    for (const r of table) expect(t.app.hasRoute({ method: r.method as any, url: r.url }), `${r.method} ${r.url}`).toBe(true);
    // onRoute (Fastify's documented way to see every route) fills the table; a
    // route it might not see (an alias Fastify adds itself) shares its options,
    // and the request hook refuses any route without a declaration anyway.
    const keys = table.map((r) => `${r.method} ${r.url}`);
    expect(new Set(keys).size, 'no route recorded twice').toBe(keys.length);
  });

  test('aliases Fastify adds itself (a prefix’s trailing slash, HEAD) carry their route’s declaration', async () => {
    for (const [method, url] of [['GET', '/docs/'], ['HEAD', '/'], ['HEAD', '/api/categories']] as const) {
      const res = await t.app.inject({ method, url });
      expect([401, 403], `${method} ${url}: ${res.body}`).not.toContain(res.statusCode);
    }
    expect((await t.app.inject({ method: 'HEAD', url: '/api/grids' })).statusCode).toBe(401);
  });

  test('the sensitive routes are not public', () => {
    const pub = new Set(t.app.routeTable.filter((r) => r.access.who === 'public').map((r) => r.url));
    for (const url of ['/api/cases', '/api/cases/:ref', '/api/grids', '/api/grids/:id', '/api/units', '/api/units/:id', '/api/users', '/api/attachments/:id', '/api/notifications'])
      expect(pub.has(url), url).toBe(false);
  });
});

describe('a route without a declaration', () => {
  const auth: HttpAuth = { authenticate: async () => {}, rolesOf: () => null };
  const kernel = () =>
    ({ config: loadConfig({}, { logLevel: 'silent' }), log: silentLogger(), metrics: createMetrics() }) as unknown as Kernel;

  test('stops the server from starting, naming the route', async () => {
    const app = await createHttp(kernel(), auth);
    const start = async () => {
      // A feature's routes, as src/server.ts registers them.
      await app.register(async (feature) => {
        feature.get('/api/declared', { config: { access: allow.signedIn('none') } }, async () => ({}));
        feature.post('/api/forgotten', async () => ({}));
      });
      await app.ready();
    };
    await expect(start()).rejects.toThrow(/POST \/api\/forgotten declares no access/);
    await app.close().catch(() => {});
  });

  test('registered on the root instance, is refused at once', async () => {
    const app = await createHttp(kernel(), auth);
    expect(() => app.delete('/api/forgotten/:id', async () => ({}))).toThrow(/DELETE \/api\/forgotten\/:id declares no access/);
    await app.close();
  });
});
