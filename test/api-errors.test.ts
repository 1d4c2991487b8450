/**
 * Errors are application/problem+json naming the field, never 500; the
 * operational endpoints; and the OpenAPI document lists every endpoint.
 */
import { gunzipSync } from 'node:zlib';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { TEST_DATABASES, seedWorld, startTestServer, caseBody, type Client, type TestServer, type World } from './helpers.ts';
import { ACTIONS } from '../src/cases/lifecycle.ts';

type Res = Awaited<ReturnType<TestServer['request']>>;

function expectProblem(res: Res, status: number, field?: string) {
  expect(res.status, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.json).toMatchObject({ type: 'about:blank', status, title: expect.any(String) });
  if (field) {
    expect(res.json.errors?.map((e: any) => e.field), res.body).toContain(field);
    expect(res.json.errors.every((e: any) => typeof e.message === 'string' && e.message.length > 0)).toBe(true);
  }
}

/** Every endpoint of the API (method, OpenAPI path); lifecycle actions come from ACTIONS. */
const ENDPOINTS: [string, string][] = [
  ['post', '/api/auth/login'],
  ['post', '/api/auth/logout'],
  ['get', '/api/auth/me'],
  ['post', '/api/auth/otp/request'],
  ['post', '/api/auth/otp/verify'],
  ['post', '/api/tokens'],
  ['get', '/api/tokens'],
  ['delete', '/api/tokens/{id}'],
  ['get', '/api/divisions'],
  ['put', '/api/divisions'],
  ['get', '/api/divisions/{code}'],
  ['get', '/api/units'],
  ['post', '/api/units'],
  ['get', '/api/units/{id}'],
  ['get', '/api/users'],
  ['post', '/api/users'],
  ['get', '/api/grids'],
  ['post', '/api/grids'],
  ['get', '/api/grids/{id}'],
  ['post', '/api/cases'],
  ['get', '/api/cases'],
  ['get', '/api/cases/{ref}'],
  ...ACTIONS.map((a): [string, string] => ['post', `/api/cases/{ref}/${a.replace(/_/g, '-')}`]),
  ['post', '/api/attachments'],
  ['get', '/api/attachments/{id}'],
  ['get', '/api/categories'],
  ['put', '/api/categories'],
  ['get', '/api/meta'],
  ['post', '/api/divisions'],
  ['post', '/api/grids/import'],
  ['get', '/api/grids/export'],
  ['delete', '/api/grids/{id}'],
  ['get', '/api/units/export'],
  ['post', '/api/units/import'],
  ['get', '/api/users/{id}'],
  ['post', '/api/users/{id}/password'],
  ['put', '/api/users/{id}/active'],
  ['post', '/api/public/track'],
  ['get', '/api/map/cases'],
  ['get', '/api/map/density'],
  ['get', '/api/client-config'],
];

/** Endpoints a caller without a session may use. */
const PUBLIC = new Set(['post /api/auth/login', 'post /api/auth/logout', 'post /api/auth/otp/request', 'post /api/auth/otp/verify', 'get /api/categories', 'get /api/meta', 'get /api/public/grids', 'get /api/client-config']);

describe.each(TEST_DATABASES)('errors, operations and docs on $name', (tdb) => {
  let t: TestServer;
  let world: World;
  let op: Client;
  let caseId: string;

  beforeAll(async () => {
    const db = await tdb.open();
    world = await seedWorld(db);
    t = await startTestServer(db);
    op = await t.login('operator');
    caseId = (await op.post('/api/cases', caseBody())).json.id;
  });
  afterAll(async () => {
    await t?.close();
    await t?.server.ctx.db.close();
  });

  const raw = async (method: string, url: string, payload?: string | Buffer, contentType?: string) => {
    const res = await t.app.inject({ method: method as any, url, payload, headers: { cookie: op.cookie, ...(contentType ? { 'content-type': contentType } : {}) } });
    let json: any;
    try {
      json = res.json();
    } catch {
      json = undefined;
    }
    return { status: res.statusCode, json, headers: res.headers, body: res.body };
  };

  describe('problem+json', () => {
    it('unknown fields: 400 naming each, in body, nested objects and query', async () => {
      expectProblem(await op.post('/api/cases', caseBody({ secret: 1 })), 400, 'secret');
      expectProblem(await op.post('/api/cases', caseBody({ reporter: { name: '张三', idCard: '430602199001011234' } })), 400, 'reporter.idCard');
      expectProblem(await op.post('/api/cases', caseBody({ location: { divisionCode: '430602', street: '东茅岭路' } })), 400, 'location.street');
      expectProblem(await op.post(`/api/cases/${caseId}/note`, { comment: '备注', author: 'x' }), 400, 'author');
      expectProblem(await op.get('/api/cases?sort=asc'), 400, 'sort');
      expectProblem(await op.get('/api/divisions?parent=43&depth=2'), 400, 'depth');
    });

    it('wrong types: 400 naming the field', async () => {
      expectProblem(await op.post('/api/cases', caseBody({ title: 12345 })), 400, 'title');
      expectProblem(await op.post('/api/cases', caseBody({ urgency: true })), 400, 'urgency');
      expectProblem(await op.post('/api/cases', caseBody({ attachmentIds: 'abc' })), 400, 'attachmentIds');
      expectProblem(await op.post('/api/cases', caseBody({ attachmentIds: ['abc'] })), 400, 'attachmentIds.0');
      expectProblem(await op.post('/api/cases', caseBody({ location: { lng: '113.1', lat: 29.3 } })), 400, 'location.lng');
      expectProblem(await op.post('/api/cases', caseBody({ location: { lng: 200, lat: 29.3 } })), 400, 'location.lng');
      expectProblem(await op.post(`/api/cases/${caseId}/note`, { comment: '备注', version: '1' }), 400, 'version');
      expectProblem(await op.post(`/api/cases/${caseId}/dispatch`, { leadUnitId: world.units.cgA.id, assistUnitIds: world.units.zjA.id }), 400, 'assistUnitIds');
      expectProblem(await op.get('/api/cases?limit=lots'), 400, 'limit');
      expectProblem(await op.get('/api/units/123'), 400, 'id');
    });

    it('malformed, empty and non-object JSON: 400 on the body', async () => {
      expectProblem(await raw('POST', '/api/cases', '{"type": "complaint", ', 'application/json'), 400, 'body');
      expectProblem(await raw('POST', '/api/cases', '', 'application/json'), 400, 'body');
      expectProblem(await raw('POST', '/api/cases', 'null', 'application/json'), 400, 'body');
      expectProblem(await raw('POST', '/api/cases', '[1,2]', 'application/json'), 400, 'body');
      expectProblem(await raw('POST', '/api/cases', '"text"', 'application/json'), 400, 'body');
      expectProblem(await raw('POST', `/api/cases/${caseId}/note`, '{"comment":', 'application/json'), 400, 'body');
      expectProblem(await raw('POST', '/api/auth/login', '{bad json}', 'application/json'), 400, 'body');
    });

    it('a body over 1 MB: 413', async () => {
      const big = JSON.stringify(caseBody({ description: '长'.repeat(400_000) }));
      expect(Buffer.byteLength(big)).toBeGreaterThan(1024 * 1024);
      expectProblem(await raw('POST', '/api/cases', big, 'application/json'), 413, 'body');
      expectProblem(await raw('POST', `/api/cases/${caseId}/note`, JSON.stringify({ comment: 'x'.repeat(1100 * 1024) }), 'application/json'), 413, 'body');
      // Just under the limit but over the field's own maximum: 400 naming the field.
      expectProblem(await op.post('/api/cases', caseBody({ description: 'x'.repeat(10_001) })), 400, 'description');
    });

    it('a wrong content type: 415 naming content-type', async () => {
      expectProblem(await raw('POST', '/api/cases', '<case/>', 'application/xml'), 415, 'content-type');
      expectProblem(await raw('POST', '/api/cases', 'type=complaint', 'application/x-www-form-urlencoded'), 415, 'content-type');
      expectProblem(await raw('POST', `/api/cases/${caseId}/note`, '<note/>', 'application/xml'), 415, 'content-type');
      // Plain text is parsed, then refused by the schema.
      expectProblem(await raw('POST', '/api/cases', 'complaint', 'text/plain'), 400, 'body');
    });

    it('an unknown route or method: 404 problem+json', async () => {
      for (const [m, u] of [
        ['GET', '/api/nope'],
        ['DELETE', '/api/cases'],
        ['PATCH', `/api/cases/${caseId}`],
        ['POST', `/api/cases/${caseId}/approve`],
        ['GET', '/api/cases/a/b/c'],
      ]) {
        const res = await raw(m, u);
        expectProblem(res, 404);
        expect(res.json.detail).toMatch(/no route/);
      }
    });

    it('never answers 500 to odd input', async () => {
      const odd: [string, string, string?][] = [
        ['GET', `/api/cases/${encodeURIComponent("' OR 1=1 --")}`],
        ['GET', `/api/cases/${encodeURIComponent('工单')}`],
        ['GET', '/api/cases/00000000-0000-0000-0000-000000000000'],
        ['GET', '/api/cases?status=registered&status=closed'],
        ['GET', `/api/cases?q=${'长'.repeat(101)}`],
        ['GET', `/api/cases?q=${encodeURIComponent("%' OR '1'='1")}`],
        ['GET', '/api/cases?createdFrom=2026-02-30T00:00:00Z'],
        ['GET', '/api/cases?divisionCode=430602&categoryCode=%25'],
        ['GET', '/api/cases?limit=-1'],
        ['GET', '/api/cases?limit=1e2'],
        ['GET', `/api/divisions?q=${encodeURIComponent('%_\\')}`],
        ['GET', '/api/attachments/00000000-0000-0000-0000-000000000000'],
        ['POST', '/api/cases', JSON.stringify(caseBody({ location: { lng: 1e308, lat: 1e308 } }))],
        ['POST', '/api/cases', JSON.stringify(caseBody({ categoryCode: "01'; DROP TABLE cases; --" }))],
        ['POST', '/api/cases', JSON.stringify({ ...caseBody(), __proto__: { admin: true } })],
        ['POST', '/api/cases', '{"type":"complaint","constructor":{"prototype":{"x":1}}}'],
        ['POST', `/api/cases/${caseId}/rate`, JSON.stringify({ rating: 1e400 })],
        ['POST', `/api/cases/${caseId}/dispatch`, JSON.stringify({ leadUnitId: world.units.cgA.id, version: 2 ** 40 })],
        ['POST', '/api/tokens', JSON.stringify({ name: 'x', username: 123 })],
      ];
      for (const [m, u, body] of odd) {
        const res = await raw(m, u, body, body === undefined ? undefined : 'application/json');
        expect(res.status, `${m} ${u} ${body ?? ''}: ${res.body}`).toBeLessThan(500);
        if (res.status >= 400) expect(res.headers['content-type'], `${m} ${u}`).toMatch(/^application\/problem\+json/);
      }
      expect((await t.server.ctx.db.query(`SELECT count(*)::int AS n FROM cases`))[0].n).toBeGreaterThan(0);
    });
  });

  // PostgreSQL cannot store U+0000 in text; such input must be a 400, not a database error.
  it('refuses NUL characters in text with 400, not 500', async () => {
    const admin = await t.login('admin');
    const nul = 'a\u0000b';
    const tries: [Client | null, string, string, unknown][] = [
      [op, 'GET', '/api/cases/%00', undefined],
      [op, 'GET', '/api/cases?q=%00', undefined],
      [op, 'POST', '/api/cases', caseBody({ title: nul })],
      [op, 'POST', `/api/cases/${caseId}/note`, { comment: nul }],
      [null, 'POST', '/api/auth/login', { username: nul, password: 'x' }],
      [op, 'GET', '/api/divisions?q=%00', undefined],
      [admin, 'POST', '/api/units', { code: 'NUL-1', name: nul, kind: 'other' }],
    ];
    const failures: string[] = [];
    for (const [c, m, u, body] of tries) {
      const res = await t.request(m, u, { body, cookie: c?.cookie });
      if (res.status !== 400 || !/^application\/problem\+json/.test(String(res.headers['content-type']))) failures.push(`${m} ${u}: ${res.status}`);
    }
    expect(failures).toEqual([]);
  });

  describe('operations', () => {
    it('/healthz and /readyz', async () => {
      const h = await t.request('GET', '/healthz');
      expect([h.status, h.json]).toEqual([200, { status: 'ok' }]);
      const r = await t.request('GET', '/readyz');
      expect([r.status, r.json]).toEqual([200, { status: 'ready' }]);
    });

    it('/metrics: Prometheus text with request durations and created cases', async () => {
      await op.post('/api/cases', caseBody({ channel: 'wechat' }));
      const m = await t.request('GET', '/metrics');
      expect(m.status).toBe(200);
      expect(m.headers['content-type']).toMatch(/^text\/plain/);
      expect(m.body).toContain('# TYPE zhili_http_request_duration_seconds histogram');
      expect(m.body).toMatch(/zhili_http_request_duration_seconds_count\{method="POST",route="\/api\/cases",status="201"\} \d+/);
      expect(m.body).toContain('# TYPE zhili_cases_created_total counter');
      expect(m.body).toMatch(/zhili_cases_created_total\{channel="hotline"\} [1-9]/);
      expect(m.body).toMatch(/zhili_cases_created_total\{channel="wechat"\} 1/);
      // Routes are labelled by pattern, not by the concrete URL (bounded cardinality).
      await op.get(`/api/cases/${caseId}`);
      const again = (await t.request('GET', '/metrics')).body;
      expect(again).toContain('route="/api/cases/:ref"');
      expect(again).not.toContain(caseId);
    });
  });

  describe('OpenAPI', () => {
    let doc: any;
    beforeAll(async () => {
      const res = await t.request('GET', '/docs/json');
      expect(res.status).toBe(200);
      doc = res.json;
    });

    it('compresses large answers for clients that accept it, and leaves small ones alone', async () => {
      const big = await t.app.inject({ method: 'GET', url: '/docs/json', headers: { 'accept-encoding': 'gzip' } });
      expect(big.headers['content-encoding']).toBe('gzip');
      expect(JSON.parse(gunzipSync(big.rawPayload).toString('utf8')).openapi).toMatch(/^3\./);
      const small = await t.app.inject({ method: 'GET', url: '/healthz', headers: { 'accept-encoding': 'gzip' } });
      expect(small.headers['content-encoding']).toBeUndefined();
    });

    it('documents every endpoint with a summary and tags', () => {
      expect(doc.openapi).toMatch(/^3\./);
      const documented = new Set(Object.entries(doc.paths).flatMap(([p, ops]: [string, any]) => Object.keys(ops).map((m) => `${m} ${p}`)));
      for (const [m, p] of ENDPOINTS) {
        expect(documented, `${m} ${p}`).toContain(`${m} ${p}`);
        const op = doc.paths[p][m];
        expect(op.summary, `${m} ${p}`).toBeTruthy();
        expect(op.tags?.length, `${m} ${p}`).toBeGreaterThan(0);
      }
      // Operational endpoints are hidden from the API document.
      expect(doc.paths['/healthz']).toBeUndefined();
      expect(doc.paths['/metrics']).toBeUndefined();
    });

    it('describes request bodies and parameters from the schemas', () => {
      const create = doc.paths['/api/cases'].post;
      const schema = create.requestBody.content['application/json'].schema;
      expect(schema.required).toEqual(expect.arrayContaining(['type', 'title', 'description']));
      expect(schema.additionalProperties).toBe(false);
      expect(create.parameters.map((p: any) => p.name)).toContain('idempotency-key');
      for (const a of ACTIONS) {
        const op = doc.paths[`/api/cases/{ref}/${a.replace(/_/g, '-')}`].post;
        expect(op.parameters.find((p: any) => p.in === 'path').name, a).toBe('ref');
        expect(op.requestBody.content['application/json'].schema.properties, a).toHaveProperty('version');
      }
      const list = doc.paths['/api/cases'].get.parameters.map((p: any) => p.name);
      expect(list).toEqual(expect.arrayContaining(['status', 'channel', 'type', 'urgency', 'unitId', 'divisionCode', 'gridId', 'categoryCode', 'createdFrom', 'createdTo', 'updatedFrom', 'updatedTo', 'q', 'mine', 'limit', 'cursor']));
    });

    it('every documented endpoint is served, and none but the public ones answers a caller without a session', async () => {
      const fill = (p: string) =>
        p.replace('{ref}', caseId).replace('{id}', '01900000-0000-7000-8000-000000000000').replace('{code}', '430602');
      for (const [p, ops] of Object.entries(doc.paths) as [string, any][]) {
        if (!p.startsWith('/api/')) continue;
        for (const m of Object.keys(ops)) {
          const res = await t.app.inject({ method: m.toUpperCase() as any, url: fill(p), ...(['post', 'put'].includes(m) ? { payload: {} } : {}) });
          const what = `${m} ${p}: ${res.statusCode} ${res.body}`;
          expect(res.statusCode, what).toBeLessThan(500);
          expect(res.body, what).not.toMatch(/no route/);
          if (!PUBLIC.has(`${m} ${p}`)) expect([400, 401], what).toContain(res.statusCode);
        }
      }
    });
  });
});
