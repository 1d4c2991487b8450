/**
 * Every route declares its response schema, and only what a schema names
 * leaves the server: a column added to a row (or a field a handler passes on
 * by accident) is dropped by the serializer, and a value that does not fit
 * its schema is a 500 problem, never a leak.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { $ZodType } from 'zod/v4/core';
import { TEST_DATABASES, useTestServer, silentLogger, type TestServer, type World } from './helpers.ts';
import { createHttp, registeredRoutes, type App } from '../src/platform/http.ts';
import { allow } from '../src/platform/access.ts';
import { loadConfig } from '../src/platform/config.ts';
import { createMetrics } from '../src/platform/metrics.ts';
import { LocalDiskStorage } from '../src/platform/storage.ts';
import { migrate } from '../src/platform/migrate.ts';
import { NoContent, Timestamp } from '../src/platform/schemas.ts';
import { UnitSchema } from '../src/org/types.ts';
import type { Db } from '../src/platform/db.ts';

/** Routes plugins add, which cannot declare a schema: the API docs (swagger-ui) and the console's static files. */
const isPluginRoute = (r: { url: string; config?: { rootPath?: string } }) => /^\/docs(\/|$)/.test(r.url) || r.config?.rootPath !== undefined;
const methods = (m: string | string[]) => (Array.isArray(m) ? m : [m]);

describe.each(TEST_DATABASES)('response schemas on $name', (tdb) => {
  let t: TestServer;
  let world: World;
  useTestServer(tdb, (s) => {
    t = s.t;
    world = s.world;
  });

  it('every route declares a zod response schema for its success status', () => {
    const routes = registeredRoutes(t.app).filter((r) => !isPluginRoute(r) && !methods(r.method).every((m) => m === 'HEAD'));
    // The route table is the whole API: make sure the walk saw it.
    expect(routes.length).toBeGreaterThan(90);
    const missing: string[] = [];
    for (const r of routes) {
      const response = r.schema?.response ?? {};
      const codes = Object.keys(response);
      const where = `${methods(r.method).join(',')} ${r.url}`;
      if (!codes.some((c) => /^2(\d\d|xx)$/.test(c))) missing.push(`${where}: no 2xx response schema`);
      for (const c of codes) if (!(response[c] instanceof $ZodType)) missing.push(`${where}: response ${c} is not a zod schema`);
    }
    expect(missing).toEqual([]);
  });

  it('the OpenAPI document carries the response schemas, dates as date-time strings', async () => {
    const doc = (t.app as any).swagger() as { paths: Record<string, Record<string, { responses: Record<string, any> }>> };
    const list = doc.paths['/api/cases'].get.responses['200'];
    const schema = list.content['application/json'].schema;
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['items', 'nextCursor']));
    const created = JSON.stringify(schema.properties.items.items.properties.createdAt);
    expect(created).toContain('date-time');
    expect(doc.paths['/api/auth/logout'].post.responses['204']).toBeDefined();
  });

  it('answers through their schemas on the routes the feature suites do not call', async () => {
    const admin = await t.login('admin');
    const locate = await admin.get('/api/dispatch/locate?lng=113.105&lat=29.365');
    expect(locate.status, locate.body).toBe(200);
    expect(locate.json).toMatchObject({ inside: true, grid: { id: world.grid.id, code: 'G-430602005001-01' } });
    const policies = await admin.get('/api/time-limit-policies');
    expect(policies.status, policies.body).toBe(200);
    expect(policies.json.length).toBeGreaterThan(0);
    expect(typeof policies.json[0].replyLimit).toBe('string');
    const cal = await admin.put('/api/calendars', { name: 'schema-test', mode: 'natural' });
    expect(cal.status, cal.body).toBe(200);
    expect(cal.json).toEqual({ name: 'schema-test' });
    const sweep = await admin.post('/api/time-limits/sweep');
    expect(sweep.status, sweep.body).toBe(200);
    expect(Object.keys(sweep.json).sort()).toEqual(['escalated', 'processed', 'red', 'yellow']);
    const token = await admin.post('/api/tokens', { name: 'schema-test' });
    expect(token.status, token.body).toBe(201);
    const revoked = await admin.del(`/api/tokens/${token.json.id}`);
    expect(revoked.status).toBe(204);
    expect(revoked.body).toBe('');
    // Files and text go out as they are, past the serializer.
    const units = await admin.get('/api/units/export');
    expect(units.status).toBe(200);
    expect(units.headers['content-type']).toMatch(/spreadsheetml/);
    const grids = await admin.get('/api/grids/export');
    expect(grids.status).toBe(200);
    expect(JSON.parse(grids.body).type).toBe('FeatureCollection');
    const metrics = await t.request('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/^# HELP/m);
  });

  it('a column added to a table does not leave the server', async () => {
    const db = t.server.ctx.db;
    // The unit's row gains a column a careless SELECT would carry along.
    await db.query(`ALTER TABLE units ADD COLUMN IF NOT EXISTS internal_note text`);
    await db.query(`UPDATE units SET internal_note = 'do not publish' WHERE id = $1`, [world.units.cgA.id]);
    const admin = await t.login('admin');
    const res = await admin.get(`/api/units/${world.units.cgA.id}`);
    expect(res.status, res.body).toBe(200);
    expect(res.body).not.toContain('do not publish');
    expect(Object.keys(res.json).sort()).toEqual(Object.keys(UnitSchema.shape).sort());
  });
});

describe.each(TEST_DATABASES)('the serializer on $name', (tdb) => {
  let db: Db;
  let app: App;

  beforeAll(async () => {
    db = await tdb.open();
    await migrate(db);
    await db.query(`INSERT INTO divisions (code, name, level) VALUES ('43', '湖南省', 1)`);
    const config = loadConfig({}, { demo: false, filesDir: mkdtempSync(join(tmpdir(), 'zhili-files-')) });
    app = await createHttp(
      { db, config, log: silentLogger(), metrics: createMetrics(), storage: new LocalDiskStorage(config.filesDir) },
      { authenticate: async () => {}, rolesOf: () => null },
    );
    const Division = z.object({ code: z.string(), name: z.string(), level: z.number(), createdAt: Timestamp.optional() });
    // A handler that answers whole rows (SELECT *): the schema decides what is sent.
    app.get('/t/divisions', { config: { access: allow.public() }, schema: { response: { 200: z.array(Division) } } }, async () => db.query(`SELECT * FROM divisions`));
    // A handler that passes on more than it should.
    app.get('/t/user', { config: { access: allow.public() }, schema: { response: { 200: z.object({ id: z.string(), name: z.string() }) } } }, async () => ({
      id: 'u1',
      name: '张三',
      passwordHash: '$argon2id$secret',
    }));
    // A handler whose answer does not fit its schema.
    app.get('/t/broken', { config: { access: allow.public() }, schema: { response: { 200: z.object({ count: z.number() }) } } }, async () => ({ count: 'twelve', secret: 'x' }));
    app.delete('/t/gone', { config: { access: allow.public() }, schema: { response: { 204: NoContent } } }, async (_req, reply) => reply.status(204).send());
    app.get('/t/date', { config: { access: allow.public() }, schema: { response: { 200: z.object({ at: Timestamp, also: Timestamp }) } } }, async () => ({
      at: new Date('2026-12-07T08:00:00.123Z'),
      also: '2026-12-07T08:00:00Z',
    }));
    await app.ready();
  });

  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  it('drops a column added to a row', async () => {
    await db.query(`ALTER TABLE divisions ADD COLUMN IF NOT EXISTS secret text DEFAULT 'leaked'`);
    const res = await app.inject({ method: 'GET', url: '/t/divisions' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.body).not.toContain('leaked');
    expect(res.json()).toEqual([{ code: '43', name: '湖南省', level: 1 }]);
  });

  it('drops a field the handler passes on by accident', async () => {
    const res = await app.inject({ method: 'GET', url: '/t/user' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ id: 'u1', name: '张三' });
  });

  it('answers a value that does not fit its schema with a 500 problem, sending none of it', async () => {
    const res = await app.inject({ method: 'GET', url: '/t/broken' });
    expect(res.statusCode).toBe(500);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).not.toContain('twelve');
    expect(res.body).not.toContain('secret');
  });

  it('sends no body for 204, and dates as the ISO strings they were before', async () => {
    const gone = await app.inject({ method: 'DELETE', url: '/t/gone' });
    expect(gone.statusCode).toBe(204);
    expect(gone.body).toBe('');
    const res = await app.inject({ method: 'GET', url: '/t/date' });
    expect(res.body).toBe('{"at":"2026-12-07T08:00:00.123Z","also":"2026-12-07T08:00:00Z"}');
  });
});
