/**
 * The admin console's organisation endpoints: one division with its parent
 * checked, grid import/export/deletion, unit spreadsheets, user detail,
 * password reset and deactivation, and a county admin kept inside the county.
 */
import { describe, it, expect } from 'vitest';
import ExcelJS from 'exceljs';
import { TEST_DATABASES, PASSWORD, caseBody, multipart, useTestServer, type Client, type TestServer, type World } from './helpers.ts';

type Res = Awaited<ReturnType<TestServer['request']>>;

function expectProblem(res: Res, status: number, field?: string) {
  expect(res.status, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  if (field) expect(res.json.errors?.map((e: any) => e.field), res.body).toContain(field);
}

const square = (x: number, y: number, d = 0.01) => ({ type: 'Polygon', coordinates: [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]] });
const feature = (properties: Record<string, unknown>, geometry: unknown = square(113.2, 29.4), id?: string) => ({ type: 'Feature', ...(id ? { id } : {}), properties, geometry });
const fc = (...features: unknown[]) => ({ type: 'FeatureCollection', features });

async function xlsx(rows: unknown[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('单位');
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

describe.each(TEST_DATABASES)('admin organisation API on $name', (tdb) => {
  let t: TestServer;
  let world: World;
  let admin: Client;
  let adminB: Client; // 云溪区 (430603) only
  let op: Client;
  useTestServer(tdb, async (s) => {
    t = s.t;
    world = s.world;
    admin = await t.login('admin');
    adminB = await t.login('admin_b');
    op = await t.login('operator');
  });
  const count = async (sql: string, params: unknown[] = []) => (await t.server.ctx.db.query<{ n: number }>(sql, params))[0].n;

  it('every endpoint here refuses a caller without a session (401), and is documented', async () => {
    const id = '01900000-0000-7000-8000-000000000000';
    const calls: [string, string, unknown?][] = [
      ['POST', '/api/divisions', { code: '430602009', name: 'x' }],
      ['POST', '/api/grids/import', fc(feature({ code: 'G-X', name: 'x', divisionCode: '430602005001' }))],
      ['GET', '/api/grids/export'],
      ['DELETE', `/api/grids/${id}`],
      ['GET', '/api/units/export'],
      ['POST', '/api/units/import'],
      ['GET', `/api/users/${id}`],
      ['POST', `/api/users/${id}/password`, {}],
      ['PUT', `/api/users/${id}/active`, { active: false }],
    ];
    for (const [m, url, body] of calls) expectProblem(await t.request(m, url, { body }), 401);
    const doc = (await t.request('GET', '/docs/json')).json;
    for (const [m, p] of [
      ['post', '/api/divisions'],
      ['post', '/api/grids/import'],
      ['get', '/api/grids/export'],
      ['delete', '/api/grids/{id}'],
      ['get', '/api/units/export'],
      ['post', '/api/units/import'],
      ['get', '/api/users/{id}'],
      ['post', '/api/users/{id}/password'],
      ['put', '/api/users/{id}/active'],
    ])
      expect(doc.paths[p]?.[m]?.summary, `${m} ${p}`).toBeTruthy();
  });

  describe('divisions', () => {
    it('creates and renames one division under an existing parent; the code must extend the parent by one level', async () => {
      const created = await admin.post('/api/divisions', { code: '430602007', name: '洞庭街道', parentCode: '430602' });
      expect(created.status, created.body).toBe(201);
      expect(created.json).toEqual({ code: '430602007', name: '洞庭街道', level: 4, parentCode: '430602' });
      const renamed = await admin.post('/api/divisions', { code: '430602007', name: '洞庭街道办' });
      expect(renamed.status).toBe(200);
      expect(renamed.json.name).toBe('洞庭街道办');
      expect((await admin.get('/api/divisions?parent=430602')).json.map((d: any) => [d.code, d.hasChildren])).toEqual([
        ['430602005', true],
        ['430602007', false],
      ]);
      // Names for a list of codes in one call (unknown codes are left out).
      expect((await admin.get('/api/divisions?codes=430603,430602005001,430699')).json.map((d: any) => [d.code, d.name])).toEqual([
        ['430602005001', '学坡社区'],
        ['430603', '云溪区'],
      ]);
      expectProblem(await admin.get('/api/divisions?codes=4306,x'), 400, 'codes');
      // Search by the start of the code as well as by name.
      expect((await admin.get('/api/divisions?q=4306020')).json.map((d: any) => d.code)).toEqual(['430602005', '430602007', '430602005001']);

      expectProblem(await admin.post('/api/divisions', { code: '430603002', name: '错位', parentCode: '430602' }), 422, 'code');
      expectProblem(await admin.post('/api/divisions', { code: '430602005001002', name: 'x', parentCode: '430602005001' }), 400, 'code');
      expectProblem(await admin.post('/api/divisions', { code: '430602009001', name: '无上级' }), 422, 'code');
      expectProblem(await admin.post('/api/divisions', { code: '430602009', name: '  ' }), 400, 'name');
      expectProblem(await admin.post('/api/divisions', { code: '4306x', name: 'x' }), 400, 'code');
      expectProblem(await admin.post('/api/divisions', { code: '430602009', name: 'x', level: 4 }), 400, 'level');
      expectProblem(await op.post('/api/divisions', { code: '430602009', name: 'x' }), 403);
      expect(await count(`SELECT count(*)::int AS n FROM divisions WHERE code LIKE '430602009%'`)).toBe(0);
    });

    it('keeps a county admin inside the county', async () => {
      expectProblem(await adminB.post('/api/divisions', { code: '430602008', name: '越界街道', parentCode: '430602' }), 403);
      const own = await adminB.post('/api/divisions', { code: '430603002', name: '陆城镇', parentCode: '430603' });
      expect(own.status, own.body).toBe(201);
      expect((await adminB.get('/api/divisions')).json.map((d: any) => d.code)).toEqual(['430603']);
    });
  });

  describe('grids', () => {
    it('validates a GeoJSON import as a dry run, then imports it in one go (codes from properties or feature ids, Chinese names)', async () => {
      const doc = fc(
        feature({ code: 'G-IMP-01', name: '学坡社区第三网格', divisionCode: '430602005001', households: 200, population: 640, colour: 'red' }, square(113.2, 29.4)),
        feature({ 网格名称: '学坡社区第四网格', 所属区划: '430602005001', 户数: '150' }, square(113.22, 29.4), 'G-IMP-02'),
      );
      const dry = await admin.post('/api/grids/import?dryRun=true', doc);
      expect(dry.status, dry.body).toBe(200);
      expect(dry.json).toMatchObject({ count: 2, dryRun: true, existing: [] });
      expect(dry.json.warnings.join()).toContain('colour');
      expect(await count(`SELECT count(*)::int AS n FROM grids WHERE code LIKE 'G-IMP-%'`)).toBe(0);

      const res = await admin.post('/api/grids/import', doc);
      expect(res.status, res.body).toBe(200);
      expect(res.json).toMatchObject({ count: 2, dryRun: false });
      const list = (await admin.get('/api/grids?divisionCode=430602005001&geometry=false')).json;
      expect(list.find((g: any) => g.code === 'G-IMP-02')).toMatchObject({ name: '学坡社区第四网格', households: 150 });
      // Importing again updates by code.
      const again = await admin.post('/api/grids/import?dryRun=true', doc);
      expect(again.json.existing.sort()).toEqual(['G-IMP-01', 'G-IMP-02']);
    });

    it('refuses the whole file when any feature is invalid, naming the feature index and field', async () => {
      const doc = fc(
        feature({ code: 'G-BAD-01', name: '好网格', divisionCode: '430602005001' }),
        feature({ code: 'G-BAD-02', name: '无此区划', divisionCode: '430602999001' }),
        feature({ code: 'G-BAD-03', name: '坏边界', divisionCode: '430602005001' }, { type: 'Polygon', coordinates: [[[113.1, 29.3], [113.2, 29.3]]] }),
        feature({ code: 'G-BAD-04', divisionCode: '430602005001', households: -3 }),
        feature({ code: 'G-BAD-01', name: '重复', divisionCode: '430602005001' }),
      );
      const res = await admin.post('/api/grids/import', doc);
      expectProblem(res, 422);
      const fields = res.json.errors.map((e: any) => e.field);
      expect(fields).toEqual(expect.arrayContaining(['features.1.divisionCode', 'features.3.name', 'features.3.households', 'features.4.code']));
      expect(fields.some((f: string) => f.startsWith('features.2.geometry'))).toBe(true);
      expect(fields.some((f: string) => f.startsWith('features.0'))).toBe(false);
      expect(await count(`SELECT count(*)::int AS n FROM grids WHERE code LIKE 'G-BAD-%'`)).toBe(0);

      expectProblem(await admin.post('/api/grids/import', { type: 'Feature', properties: {}, geometry: null }), 400, 'type');
      expectProblem(await admin.post('/api/grids/import', fc()), 400, 'features');
      expectProblem(await admin.post('/api/grids/import', fc({ type: 'Point' })), 400, 'features.0.type');
      expectProblem(await admin.post('/api/grids/import?dryRun=yes', doc), 400, 'dryRun');
      expectProblem(await admin.post('/api/grids/import', fc(feature({ code: 'G-W', name: 'w', divisionCode: '430602005001', workerUsername: 'nobody' }))), 422, 'features.0.workerUsername');
      expectProblem(await op.post('/api/grids/import', fc(feature({ code: 'G-OP', name: 'x', divisionCode: '430602005001' }))), 403);
    });

    it('keeps a county admin’s import inside the county, naming each feature outside it', async () => {
      const doc = fc(
        feature({ code: 'G-B-01', name: '云溪网格', divisionCode: '430603001' }),
        feature({ code: 'G-B-02', name: '越界网格', divisionCode: '430602005001' }),
        feature({ code: 'G-430602005001-01', name: '抢别人的网格', divisionCode: '430603001' }),
      );
      const res = await adminB.post('/api/grids/import', doc);
      expectProblem(res, 403);
      expect(res.json.errors.map((e: any) => e.field).sort()).toEqual(['features.1.divisionCode', 'features.2.code']);
      expect(await count(`SELECT count(*)::int AS n FROM grids WHERE code LIKE 'G-B-%'`)).toBe(0);
      const ok = await adminB.post('/api/grids/import', fc(feature({ code: 'G-B-01', name: '云溪网格', divisionCode: '430603001' })));
      expect(ok.status, ok.body).toBe(200);
    });

    it('exports GeoJSON within the caller’s jurisdiction', async () => {
      const res = await admin.get('/api/grids/export');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/geo\+json/);
      expect(res.headers['content-disposition']).toMatch(/attachment; filename="grids-all\.geojson"/);
      expect(res.json.type).toBe('FeatureCollection');
      const f = res.json.features.find((x: any) => x.properties.code === 'G-430602005001-01');
      expect(f).toMatchObject({ type: 'Feature', properties: { name: '学坡社区第一网格', divisionCode: '430602005001', households: 420 }, geometry: { type: 'Polygon' } });
      // The export imports back unchanged.
      expect((await admin.post('/api/grids/import?dryRun=true', res.json)).status).toBe(200);
      const b = await adminB.get('/api/grids/export');
      expect(b.json.features.map((x: any) => x.properties.divisionCode).every((c: string) => c.startsWith('430603'))).toBe(true);
      expect(b.json.features.length).toBeGreaterThan(0);
      expect((await admin.get('/api/grids/export?divisionCode=430603')).json.features.length).toBe(b.json.features.length);
      expectProblem(await op.get('/api/grids/export'), 403);
      expectProblem(await admin.get('/api/grids/export?divisionCode=abc'), 400, 'divisionCode');
    });

    it('deletes a grid without cases; refuses one with cases (409) or outside the jurisdiction (404)', async () => {
      const g = await admin.post('/api/grids', { code: 'G-DEL', name: '待删网格', divisionCode: '430602005001', geometry: square(113.5, 29.5) });
      expect(g.status).toBe(201);
      expectProblem(await adminB.del(`/api/grids/${g.json.id}`), 404);
      expectProblem(await op.del(`/api/grids/${g.json.id}`), 403);
      expect((await admin.del(`/api/grids/${g.json.id}`)).status).toBe(204);
      expectProblem(await admin.get(`/api/grids/${g.json.id}`), 404);
      expectProblem(await admin.del(`/api/grids/${g.json.id}`), 404);
      expectProblem(await admin.del('/api/grids/G-DEL'), 400, 'id');

      // A case located in the seeded grid (set directly: the locator refreshes in the background).
      const c = await op.post('/api/cases', caseBody());
      expect(c.status, c.body).toBe(201);
      await t.server.ctx.db.query(`UPDATE cases SET grid_id = $1 WHERE id = $2`, [world.grid.id, c.json.id]);
      const refused = await admin.del(`/api/grids/${world.grid.id}`);
      expectProblem(refused, 409, 'id');
      expect(refused.json.detail).toMatch(/工单/);
    });
  });

  describe('create-only upserts (If-None-Match: *)', () => {
    it('refuses a taken username or code with 409 naming the field, and creates a new one', async () => {
      const only = { 'if-none-match': '*' };
      expectProblem(await admin.post('/api/users', { username: 'handler_a', displayName: '重名', password: PASSWORD, roles: ['handler'], unitCode: 'CG-430602' }, only), 409, 'username');
      expect((await t.server.ctx.db.query<{ display_name: string }>(`SELECT display_name FROM users WHERE username = 'handler_a'`))[0].display_name).toBe('handler_a');
      expect((await admin.post('/api/users', { username: 'brand_new', displayName: '新人', password: PASSWORD, roles: ['handler'], unitCode: 'CG-430602' }, only)).status).toBe(201);
      expectProblem(await admin.post('/api/units', { code: 'CG-430602', name: '重名单位', kind: 'department', divisionCodes: ['430602'] }, only), 409, 'code');
      expect((await admin.get(`/api/units/${world.units.cgA.id}`)).json.name).toBe('岳阳楼区城管局');
      expectProblem(await admin.post('/api/grids', { code: 'G-430602005001-01', name: '重名网格', divisionCode: '430602005001', geometry: square(113.6, 29.6) }, only), 409, 'code');
      expect((await admin.get(`/api/grids/${world.grid.id}`)).json.name).toBe('学坡社区第一网格');
      // Without the header the same calls update, as before.
      expect((await admin.post('/api/units', { code: 'CG-430602', name: '岳阳楼区城管局', kind: 'department', divisionCodes: ['430602'] })).status).toBe(201);
    });
  });

  describe('units spreadsheets', () => {
    it('exports units as xlsx with Chinese headers and imports an edited sheet back, all or nothing', async () => {
      const res = await t.server.app.inject({ method: 'GET', url: '/api/units/export', headers: { cookie: admin.cookie } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/spreadsheetml/);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(res.rawPayload as any);
      const ws = wb.worksheets[0];
      expect((ws.getRow(1).values as unknown[]).slice(1)).toEqual(['代码', '名称', '类型', '上级单位', '服务区划', '电话', '启用']);
      expect(ws.rowCount).toBeGreaterThanOrEqual(6);

      const bad = await xlsx([
        ['代码', '名称', '类型', '服务区划', '电话'],
        ['WS-430602', '岳阳楼区卫健局', '职能部门', '430602', '0730-8888888'],
        ['XX-430602', '', '银行', '430602', ''],
      ]);
      const refused = await admin.post('/api/units/import', ...spread(multipart({ data: bad, filename: '单位.xlsx', mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' })));
      expectProblem(refused, 422);
      expect(refused.json.errors.map((e: any) => e.field)).toEqual(expect.arrayContaining(['rows.3.name', 'rows.3.kind']));
      expect(await count(`SELECT count(*)::int AS n FROM units WHERE code = 'WS-430602'`)).toBe(0);

      const good = await xlsx([
        ['代码', '名称', '类型', '上级单位', '服务区划'],
        ['WS-430602', '岳阳楼区卫健局', '职能部门', '', '430602'],
        ['WS-430602-01', '学坡社区卫生服务站', '其他', 'WS-430602', '430602005001'],
      ]);
      const dry = await admin.post('/api/units/import?dryRun=true', ...spread(multipart({ data: good, filename: 'units.xlsx', mime: 'application/octet-stream' })));
      expect(dry.json).toMatchObject({ count: 2, dryRun: true });
      expect(await count(`SELECT count(*)::int AS n FROM units WHERE code LIKE 'WS-%'`)).toBe(0);
      const ok = await admin.post('/api/units/import', ...spread(multipart({ data: good, filename: 'units.xlsx', mime: 'application/octet-stream' })));
      expect(ok.status, ok.body).toBe(200);
      expect(ok.json.count).toBe(2);
      expect((await admin.get(`/api/units?q=${encodeURIComponent('卫生服务站')}`)).json[0]).toMatchObject({ parentCode: 'WS-430602', kind: 'other' });

      // A county admin may not import units serving another county.
      const outside = await adminB.post('/api/units/import', ...spread(multipart({ data: good, filename: 'units.xlsx', mime: 'application/octet-stream' })));
      expectProblem(outside, 403, 'rows.2.divisionCodes');
      expectProblem(await admin.post('/api/units/import', ...spread(multipart({ data: Buffer.from('a,b'), filename: 'units.csv', mime: 'text/csv' }))), 400, 'file');
      expectProblem(await admin.post('/api/units/import', ...spread(multipart({ data: Buffer.from('not a zip'), filename: 'units.xlsx', mime: 'application/octet-stream' }))), 400, 'file');
      expectProblem(await admin.post('/api/units/import', {}), 400, 'file');
      expectProblem(await op.post('/api/units/import', ...spread(multipart({ data: good, filename: 'units.xlsx', mime: 'application/octet-stream' }))), 403);
      // The export of a county admin holds only the county's units.
      const bExport = await t.server.app.inject({ method: 'GET', url: '/api/units/export', headers: { cookie: adminB.cookie } });
      const wbB = new ExcelJS.Workbook();
      await wbB.xlsx.load(bExport.rawPayload as any);
      const codes: unknown[] = [];
      wbB.worksheets[0].eachRow((r, i) => i > 1 && codes.push(r.getCell(1).value));
      expect(codes).toEqual(['CG-430603']);
    });
  });

  describe('users', () => {
    it('masks phones in the list; the admin detail shows the whole number and is audited', async () => {
      const u = await admin.post('/api/users', { username: 'phone_user', displayName: '电话用户', phone: '13912345678', password: PASSWORD, roles: ['handler'], unitCode: 'CG-430602' });
      expect(u.status, u.body).toBe(201);
      const listed = (await admin.get('/api/users?q=phone_user')).json[0];
      expect(listed.phone).toBe('139****5678');
      expect((await admin.get('/api/users')).body).not.toContain('13912345678');
      const detail = await admin.get(`/api/users/${u.json.id}`);
      expect(detail.json).toMatchObject({ username: 'phone_user', phone: '13912345678', unitCode: 'CG-430602' });
      expect(await count(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'read_personal_data' AND entity = 'user' AND entity_id = $1`, [u.json.id])).toBe(1);
      expectProblem(await adminB.get(`/api/users/${u.json.id}`), 404);
      expectProblem(await op.get(`/api/users/${u.json.id}`), 403);
      expectProblem(await admin.get('/api/users/01900000-0000-7000-8000-000000000000'), 404);
      expectProblem(await admin.get('/api/users/phone_user'), 400, 'id');
    });

    it('resets a password (generated and shown once, or typed) and signs the user out', async () => {
      const u = await admin.post('/api/users', { username: 'reset_me', displayName: '重置', password: PASSWORD, roles: ['operator'], scopeCodes: ['430602'] });
      const session = await t.login('reset_me');
      expect((await session.get('/api/auth/me')).status).toBe(200);
      const gen = await admin.post(`/api/users/${u.json.id}/password`, {});
      expect(gen.status, gen.body).toBe(200);
      expect(gen.json.password).toMatch(/^[A-Za-z2-9]{12}$/);
      expect((await session.get('/api/auth/me')).status).toBe(401);
      await expect(t.login('reset_me')).rejects.toThrow(/401/);
      expect((await (await t.login('reset_me', gen.json.password)).get('/api/auth/me')).status).toBe(200);
      const typed = await admin.post(`/api/users/${u.json.id}/password`, { password: 'Typed-pass-2026' });
      expect(typed.json).toEqual({ reset: true });
      await t.login('reset_me', 'Typed-pass-2026');
      expectProblem(await admin.post(`/api/users/${u.json.id}/password`, { password: 'short' }), 400, 'password');
      expectProblem(await admin.post(`/api/users/${u.json.id}/password`, { password: 'Long-enough-1', hint: 'x' }), 400, 'hint');
      expectProblem(await adminB.post(`/api/users/${u.json.id}/password`, {}), 404);
      expectProblem(await op.post(`/api/users/${u.json.id}/password`, {}), 403);
      const audited = await count(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'password_reset' AND entity_id = $1`, [u.json.id]);
      expect(audited).toBe(2);
    });

    it('deactivates a user (sessions end, sign-in refused) and activates again; never oneself', async () => {
      const u = await admin.post('/api/users', { username: 'leaver', displayName: '离职人员', password: PASSWORD, roles: ['handler'], unitCode: 'CG-430602' });
      const session = await t.login('leaver');
      const off = await admin.put(`/api/users/${u.json.id}/active`, { active: false });
      expect(off.status, off.body).toBe(200);
      expect(off.json).toMatchObject({ username: 'leaver', active: false });
      expect((await session.get('/api/auth/me')).status).toBe(401);
      await expect(t.login('leaver')).rejects.toThrow(/401/);
      expect((await admin.get('/api/users?q=leaver')).json[0].active).toBe(false);
      expect((await admin.put(`/api/users/${u.json.id}/active`, { active: true })).json.active).toBe(true);
      const again = await t.login('leaver');
      // Deactivating through the upsert signs out too.
      const upsertOff = await admin.post('/api/users', { username: 'leaver', displayName: '离职人员', roles: ['handler'], unitCode: 'CG-430602', active: false });
      expect(upsertOff.status).toBe(200);
      expect((await again.get('/api/auth/me')).status).toBe(401);

      expectProblem(await admin.put(`/api/users/${world.users.admin.id}/active`, { active: false }), 422, 'active');
      expectProblem(await admin.put(`/api/users/${u.json.id}/active`, { active: 'no' }), 400, 'active');
      expectProblem(await admin.put(`/api/users/${u.json.id}/active`, {}), 400, 'active');
      expectProblem(await adminB.put(`/api/users/${u.json.id}/active`, { active: false }), 404);
      expectProblem(await adminB.put(`/api/users/${world.users.admin.id}/active`, { active: false }), 404);
    });

    it('keeps a county admin inside the county: no global scope, no scopes, units or users outside it', async () => {
      const body = { username: 'yx_operator', displayName: '云溪接线员', password: PASSWORD, roles: ['operator'], scopeCodes: ['430603'] };
      expectProblem(await adminB.post('/api/users', { ...body, scopeCodes: ['*'] }), 403);
      expectProblem(await adminB.post('/api/users', { ...body, scopeCodes: ['4306'] }), 403);
      expectProblem(await adminB.post('/api/users', { ...body, scopeCodes: ['430603', '430602'] }), 403);
      expectProblem(await adminB.post('/api/users', { ...body, scopeCodes: [], unitCode: 'CG-430602' }), 403);
      expectProblem(await adminB.post('/api/users', { ...body, scopeCodes: [] }), 422, 'scopeCodes');
      expectProblem(await adminB.post('/api/users', { ...body, scopeCodes: [], unitCode: 'NO-SUCH' }), 422, 'unitCode');
      // Existing users outside the county: not editable, not listed, not reset.
      expectProblem(await adminB.post('/api/users', { username: 'handler_a', displayName: '抢人', roles: ['handler'], unitCode: 'CG-430603' }), 403);
      expectProblem(await adminB.post('/api/users', { username: 'admin', displayName: '抢管理员', roles: ['admin'], scopeCodes: ['430603'] }), 403);
      expect((await adminB.get('/api/users')).json.map((u: any) => u.username)).not.toContain('handler_a');
      expect(await count(`SELECT count(*)::int AS n FROM users WHERE username = 'yx_operator'`)).toBe(0);
      expect((await t.server.ctx.db.query<{ display_name: string }>(`SELECT display_name FROM users WHERE username = 'handler_a'`))[0].display_name).toBe('handler_a');

      const created = await adminB.post('/api/users', body);
      expect(created.status, created.body).toBe(201);
      const byUnit = await adminB.post('/api/users', { username: 'yx_handler', displayName: '云溪承办', password: PASSWORD, roles: ['handler'], unitCode: 'CG-430603' });
      expect(byUnit.status, byUnit.body).toBe(201);
      expect((await adminB.get('/api/users')).json.map((u: any) => u.username)).toEqual(expect.arrayContaining(['yx_operator', 'yx_handler']));
      expect((await adminB.get(`/api/users/${created.json.id}`)).status).toBe(200);
      expect((await adminB.post(`/api/users/${byUnit.json.id}/password`, {})).status).toBe(200);
      expect((await adminB.put(`/api/users/${created.json.id}/active`, { active: false })).status).toBe(200);
    });
  });
});

/** multipart() gives { body, headers }; the client takes them as two arguments. */
function spread(m: { body: Buffer; headers: Record<string, string> }): [Buffer, Record<string, string>] {
  return [m.body, m.headers];
}
