/** Organisation and reference data over HTTP: divisions, units, users, grids, categories, meta. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { TEST_DATABASES, PASSWORD, seedWorld, startTestServer, type Client, type TestServer, type World } from './helpers.ts';

type Res = Awaited<ReturnType<TestServer['request']>>;

/** `field` names the field exactly; `field.*` accepts it or any path inside it (geometry.coordinates.0). */
function expectProblem(res: Res, status: number, field?: string) {
  expect(res.status, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  if (!field) return;
  const fields: string[] = res.json.errors?.map((e: any) => e.field) ?? [];
  if (field.endsWith('.*')) expect(fields.some((f) => f === field.slice(0, -2) || f.startsWith(field.slice(0, -1))), res.body).toBe(true);
  else expect(fields, res.body).toContain(field);
}

const square = (x: number, y: number, d = 0.01) => ({ type: 'Polygon', coordinates: [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]] });

describe.each(TEST_DATABASES)('organisation API on $name', (tdb) => {
  let t: TestServer;
  let world: World;
  let admin: Client;
  let op: Client;

  beforeAll(async () => {
    const db = await tdb.open();
    world = await seedWorld(db);
    t = await startTestServer(db);
    admin = await t.login('admin');
    op = await t.login('operator');
  });
  afterAll(async () => {
    await t?.close();
    await t?.server.ctx.db.close();
  });

  describe('divisions', () => {
    it('lists the roots of the caller’s jurisdiction, children of a parent, and searches by name', async () => {
      expect((await op.get('/api/divisions')).json).toEqual([{ code: '4306', name: '岳阳市', level: 2, parentCode: '43', hasChildren: true }]);
      expect((await admin.get('/api/divisions')).json.map((d: any) => d.code)).toEqual(['43']);
      const children = await op.get('/api/divisions?parent=4306');
      expect(children.json.map((d: any) => [d.code, d.name])).toEqual([
        ['430602', '岳阳楼区'],
        ['430603', '云溪区'],
      ]);
      expect((await op.get('/api/divisions?parent=430602005')).json).toEqual([{ code: '430602005001', name: '学坡社区', level: 5, parentCode: '430602005', hasChildren: false }]);
      expect((await op.get('/api/divisions?parent=430603001')).json).toEqual([]);
      const search = await op.get(`/api/divisions?q=${encodeURIComponent('东茅岭')}`);
      expect(search.json.map((d: any) => d.code)).toEqual(['430602005']);
      expect((await op.get(`/api/divisions?q=${encodeURIComponent('岳阳')}&limit=1`)).json.map((d: any) => d.code)).toEqual(['4306']);
    });

    it('gives a division with its chain up to the province', async () => {
      const res = await op.get('/api/divisions/430602005001');
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ code: '430602005001', name: '学坡社区', level: 5, childCount: 0 });
      expect(res.json.chain.map((d: any) => d.name)).toEqual(['湖南省', '岳阳市', '岳阳楼区', '东茅岭街道', '学坡社区']);
      expect((await op.get('/api/divisions/430602')).json.childCount).toBe(1);
      expectProblem(await op.get('/api/divisions/430699'), 404);
      expectProblem(await op.get('/api/divisions/4306021'), 400, 'code');
      expectProblem(await op.get('/api/divisions?parent=abc'), 400, 'parent');
      expectProblem(await op.get('/api/divisions?limit=0'), 400, 'limit');
      expectProblem(await t.request('GET', '/api/divisions'), 401);
    });

    it('upserts divisions as admin only', async () => {
      const res = await admin.put('/api/divisions', [
        { code: '430602007', name: '洞庭街道' },
        { code: '430602007001', name: '洞庭社区' },
      ]);
      expect(res.status, res.body).toBe(200);
      expect(res.json).toEqual({ upserted: 2 });
      expect((await op.get('/api/divisions?parent=430602')).json.map((d: any) => d.code)).toEqual(['430602005', '430602007']);
      expectProblem(await op.put('/api/divisions', [{ code: '430602008', name: 'x' }]), 403);
      expectProblem(await admin.put('/api/divisions', []), 400);
      expectProblem(await admin.put('/api/divisions', [{ code: '43060', name: '五位数' }]), 400, '0.code');
      expectProblem(await admin.put('/api/divisions', [{ code: '430602009', name: 'x', level: 4 }]), 400, '0.level');
    });

    const outlineOf = async (code: string) => (await t.server.ctx.db.query<{ geometry: unknown }>(`SELECT geometry FROM divisions WHERE code = $1`, [code]))[0]?.geometry ?? null;
    const outlined = async (c: Client, query = '') => (await c.get(`/api/divisions?outlined=true&geometry=true${query}`)).json.map((d: any) => d.code);

    it('stores division outlines, returns them only with geometry=true, keeps them when a row has none', async () => {
      const community = square(113.1, 29.36, 0.02);
      const put = await admin.put('/api/divisions', [{ code: '430602005001', name: '学坡社区', geometry: community }]);
      expect(put.status, put.body).toBe(200);
      expect(await outlineOf('430602005001')).toEqual(community);
      // Lists stay small by default.
      const plain = await op.get('/api/divisions?parent=430602005');
      expect(plain.json[0]).not.toHaveProperty('geometry');
      expect((await op.get('/api/divisions?codes=430602005001')).json[0]).not.toHaveProperty('geometry');
      expect((await op.get('/api/divisions?parent=430602005&geometry=true')).json).toEqual([
        { code: '430602005001', name: '学坡社区', level: 5, parentCode: '430602005', hasChildren: false, geometry: community },
      ]);
      expect((await op.get('/api/divisions?codes=430602005001,430602005&geometry=true')).json.map((d: any) => [d.code, d.geometry?.type ?? null])).toEqual([
        ['430602005', null],
        ['430602005001', 'Polygon'],
      ]);
      // A rename without geometry keeps the outline.
      expect((await admin.put('/api/divisions', [{ code: '430602005001', name: '学坡社区居委会' }])).status).toBe(200);
      expect(await outlineOf('430602005001')).toEqual(community);
      await admin.put('/api/divisions', [{ code: '430602005001', name: '学坡社区' }]);

      // One division through POST, with a MultiPolygon.
      const street = { type: 'MultiPolygon', coordinates: [square(113.1, 29.36, 0.03).coordinates, square(113.2, 29.36).coordinates] };
      const one = await admin.post('/api/divisions', { code: '430602005', name: '东茅岭街道', geometry: street });
      expect(one.status, one.body).toBe(200);
      expect(one.json).toMatchObject({ code: '430602005', geometry: street });
      expect((await admin.post('/api/divisions', { code: '430602005', name: '东茅岭街道' })).json).not.toHaveProperty('geometry');
      expect(await outlineOf('430602005')).toEqual(street);

      // The map's layer: outlined divisions within the caller's jurisdiction (scope, or the unit's divisions without one).
      expect(await outlined(op)).toEqual(['430602005', '430602005001']);
      expect(await outlined(op, '&parent=430602005001')).toEqual(['430602005001']);
      expect(await outlined(await t.login('township_a'))).toEqual(['430602005', '430602005001']);
      expect(await outlined(await t.login('handler_a'))).toEqual(['430602005', '430602005001']);
      expect(await outlined(await t.login('operator_b'))).toEqual([]);
      expect((await op.get('/api/divisions?outlined=true')).json[0]).not.toHaveProperty('geometry');

      // null clears an outline.
      await admin.put('/api/divisions', [{ code: '430602005', name: '东茅岭街道', geometry: null }]);
      expect(await outlineOf('430602005')).toBeNull();
      expect(await outlined(op)).toEqual(['430602005001']);
    });

    it('refuses a bad outline with 400 naming the geometry field, and writes nothing', async () => {
      const before = await outlineOf('430602005001');
      expectProblem(await admin.put('/api/divisions', [{ code: '430602005001', name: '学坡社区', geometry: { type: 'Point', coordinates: [113.1, 29.3] } }]), 400, '0.geometry.*');
      expectProblem(
        await admin.put('/api/divisions', [
          { code: '430602005001', name: '学坡社区', geometry: square(113, 29) },
          { code: '430602005', name: '东茅岭街道', geometry: { type: 'Polygon', coordinates: [[[113.1, 29.3], [113.2, 29.3]]] } },
        ]),
        400,
        '1.geometry.*',
      );
      expectProblem(await admin.post('/api/divisions', { code: '430602005', name: '东茅岭街道', geometry: '{"type":"Polygon"}' }), 400, 'geometry.*');
      expectProblem(await admin.post('/api/divisions', { code: '430602005', name: '东茅岭街道', geometry: { type: 'Polygon', coordinates: 'POLYGON((1 2, 3 4))' } }), 400, 'geometry.*');
      expectProblem(await op.get('/api/divisions?geometry=maybe'), 400, 'geometry');
      expectProblem(await op.get('/api/divisions?outlined=yes'), 400, 'outlined');
      expect(await outlineOf('430602005001')).toEqual(before);
      expect(await outlineOf('430602005')).toBeNull();
    });

    it('confines outline writes to the admin’s county, and non-admins write none', async () => {
      const adminB = await t.login('admin_b'); // 云溪区 430603 only
      const before = await outlineOf('430602005001');
      expectProblem(await adminB.put('/api/divisions', [{ code: '430602005001', name: '学坡社区', geometry: square(113.5, 29.5) }]), 403);
      expectProblem(await adminB.post('/api/divisions', { code: '430602005001', name: '学坡社区', geometry: square(113.5, 29.5) }), 403);
      expectProblem(await op.put('/api/divisions', [{ code: '430602005001', name: '学坡社区', geometry: square(113.5, 29.5) }]), 403);
      expectProblem(await op.post('/api/divisions', { code: '430602005001', name: '学坡社区', geometry: square(113.5, 29.5) }), 403);
      expect(await outlineOf('430602005001')).toEqual(before);
      // Within the county it may.
      const own = await adminB.put('/api/divisions', [{ code: '430603001', name: '云溪街道', geometry: square(113.3, 29.5) }]);
      expect(own.status, own.body).toBe(200);
      expect(await outlined(await t.login('operator_b'))).toEqual(['430603001']);
      expect(await outlined(await t.login('operator_a'))).not.toContain('430603001');
      expect(await outlined(admin)).toEqual(expect.arrayContaining(['430602005001', '430603001']));
    });
  });

  describe('units', () => {
    it('lists units with filters (kind, division incl. ancestors, name)', async () => {
      const all = await op.get('/api/units');
      expect(all.status).toBe(200);
      expect(all.json.map((u: any) => u.code)).toEqual(['CG-430602', 'CG-430603', 'HL-4306', 'JD-430602005', 'ZJ-430602']);
      expect(all.json[0]).toMatchObject({ id: world.units.cgA.id, name: '岳阳楼区城管局', kind: 'department', divisionCodes: ['430602'], active: true, parentId: null });
      expect((await op.get('/api/units?kind=township_office')).json.map((u: any) => u.code)).toEqual(['JD-430602005']);
      // Units serving a community: those of the community, its street, its county and its city.
      expect((await op.get('/api/units?divisionCode=430602005001')).json.map((u: any) => u.code)).toEqual(['CG-430602', 'HL-4306', 'JD-430602005', 'ZJ-430602']);
      expect((await op.get('/api/units?divisionCode=430603')).json.map((u: any) => u.code)).toEqual(['CG-430603', 'HL-4306']);
      expect((await op.get(`/api/units?q=${encodeURIComponent('城管')}`)).json.map((u: any) => u.code)).toEqual(['CG-430602', 'CG-430603']);
      expect((await op.get('/api/units?limit=2')).json).toHaveLength(2);
      expectProblem(await op.get('/api/units?kind=bank'), 400, 'kind');
      expectProblem(await op.get('/api/units?sort=name'), 400, 'sort');
    });

    it('gets one unit by id; 404 for an unknown id, 400 for a malformed one', async () => {
      expect((await op.get(`/api/units/${world.units.streetA.id}`)).json).toMatchObject({ code: 'JD-430602005', name: '东茅岭街道办事处' });
      expectProblem(await op.get('/api/units/01900000-0000-7000-8000-000000000000'), 404);
      expectProblem(await op.get('/api/units/CG-430602'), 400, 'id');
    });

    it('creates and updates a unit by code as admin; 403 for a non-admin; unknown fields 400', async () => {
      const body = { code: 'GA-430602-DMLPS', name: '东茅岭派出所', kind: 'police_station', divisionCodes: ['430602005'], parentCode: 'CG-430602', phone: '0730-8222110' };
      const created = await admin.post('/api/units', body);
      expect(created.status, created.body).toBe(201);
      expect(created.json).toMatchObject({ code: body.code, kind: 'police_station', parentCode: 'CG-430602', parentId: world.units.cgA.id, phone: '0730-8222110', active: true });
      const updated = await admin.post('/api/units', { ...body, name: '岳阳楼区东茅岭派出所', parentCode: null, active: false });
      expect(updated.json).toMatchObject({ id: created.json.id, name: '岳阳楼区东茅岭派出所', parentId: null, active: false });
      expect((await t.server.ctx.db.query(`SELECT count(*)::int AS n FROM units WHERE code = $1`, [body.code]))[0].n).toBe(1);
      // An inactive unit cannot be dispatched to.
      const c = await op.post('/api/cases', { type: 'help', title: '求助', description: '求助内容' });
      expectProblem(await op.post(`/api/cases/${c.json.id}/dispatch`, { leadUnitId: created.json.id }), 422, 'leadUnitId');

      expectProblem(await op.post('/api/units', body), 403);
      expectProblem(await (await t.login('handler_a')).post('/api/units', body), 403);
      expectProblem(await admin.post('/api/units', { ...body, colour: 'blue' }), 400, 'colour');
      expectProblem(await admin.post('/api/units', { ...body, kind: 'bank' }), 400, 'kind');
      expectProblem(await admin.post('/api/units', { ...body, name: '' }), 400, 'name');
      expectProblem(await admin.post('/api/units', { ...body, divisionCodes: ['4306x'] }), 400, 'divisionCodes.0');
      expectProblem(await admin.post('/api/units', { ...body, parentCode: 'NO-SUCH' }), 422, 'parentCode');
    });
  });

  describe('users', () => {
    it('lists users for admins within their jurisdiction, with filters; never citizens or password hashes', async () => {
      const res = await admin.get('/api/users');
      expect(res.status).toBe(200);
      const names = res.json.map((u: any) => u.username);
      expect(names).toEqual([...names].sort());
      expect(names).toEqual(expect.arrayContaining(['admin', 'operator', 'handler_a', 'handler_b', 'admin_b']));
      expect(res.body).not.toMatch(/password|argon2/i);
      expect(res.json.find((u: any) => u.username === 'handler_a')).toMatchObject({ roles: ['handler'], unitCode: 'CG-430602', unitName: '岳阳楼区城管局', active: true });
      expect((await admin.get('/api/users?role=handler')).json.map((u: any) => u.username)).toEqual(['handler_a', 'handler_a2', 'handler_b']);
      expect((await admin.get(`/api/users?unitId=${world.units.cgA.id}`)).json.map((u: any) => u.username)).toEqual(['handler_a']);
      expect((await admin.get('/api/users?q=operator_')).json.map((u: any) => u.username)).toEqual(['operator_a', 'operator_b']);
      // The supervisor (岳阳市) may list; the county-scoped admin sees the county.
      const sup = await (await t.login('supervisor')).get('/api/users');
      expect(sup.status).toBe(200);
      expect(sup.json.map((u: any) => u.username)).not.toContain('admin');
      expectProblem(await op.get('/api/users'), 403);
      expectProblem(await admin.get('/api/users?role=wizard'), 400, 'role');
    });

    it('creates a user (201), updates by username (200), keeps the password when none is given', async () => {
      const body = { username: 'grid_a1', displayName: '王网格', phone: '13811112222', password: 'Grid-pass-123', roles: ['grid_worker'], unitCode: 'JD-430602005', scopeCodes: ['430602005001'] };
      const created = await admin.post('/api/users', body);
      expect(created.status, created.body).toBe(201);
      expect(created.json).toMatchObject({ username: 'grid_a1', displayName: '王网格', roles: ['grid_worker'], unitCode: 'JD-430602005', scopeCodes: ['430602005001'] });
      expect(created.body).not.toContain('Grid-pass-123');
      const { password: _pw, ...noPassword } = body;
      const updated = await admin.post('/api/users', { ...noPassword, displayName: '王小网', roles: ['grid_worker', 'mediator'] });
      expect(updated.status, updated.body).toBe(200);
      expect(updated.json).toMatchObject({ id: created.json.id, displayName: '王小网', roles: ['grid_worker', 'mediator'] });
      const me = await (await t.login('grid_a1', 'Grid-pass-123')).get('/api/auth/me');
      expect(me.json).toMatchObject({ displayName: '王小网', roles: ['grid_worker', 'mediator'] });
    });

    it('refuses citizens, non-admins, bad fields', async () => {
      const body = { username: 'new_user', displayName: '新用户', password: PASSWORD, roles: ['operator'] };
      expectProblem(await admin.post('/api/users', { ...body, roles: ['citizen'] }), 422, 'roles');
      expectProblem(await op.post('/api/users', body), 403);
      expectProblem(await (await t.login('supervisor')).post('/api/users', body), 403);
      expectProblem(await admin.post('/api/users', { ...body, roles: [] }), 400, 'roles');
      expectProblem(await admin.post('/api/users', { ...body, roles: ['wizard'] }), 400, 'roles.0');
      expectProblem(await admin.post('/api/users', { ...body, username: 'bad name!' }), 400, 'username');
      expectProblem(await admin.post('/api/users', { ...body, password: 'short' }), 400, 'password');
      expectProblem(await admin.post('/api/users', { ...body, phone: '12' }), 400, 'phone');
      expectProblem(await admin.post('/api/users', { ...body, isSuperuser: true }), 400, 'isSuperuser');
      expectProblem(await admin.post('/api/users', { ...body, unitCode: 'NO-SUCH' }), 422, 'unitCode');
      expectProblem(await admin.post('/api/users', { ...body, scopeCodes: ['4306', 'x'] }), 400, 'scopeCodes.1');
    });
  });

  describe('grids', () => {
    it('lists grids with and without geometry, filtered by division; staff only', async () => {
      const withGeo = await op.get('/api/grids');
      expect(withGeo.status).toBe(200);
      expect(withGeo.json).toHaveLength(1);
      expect(withGeo.json[0]).toMatchObject({ id: world.grid.id, code: 'G-430602005001-01', divisionCode: '430602005001', households: 420, population: 1260 });
      expect(withGeo.json[0].geometry.type).toBe('Polygon');
      const noGeo = await op.get('/api/grids?geometry=false');
      expect(noGeo.json[0]).not.toHaveProperty('geometry');
      expect(noGeo.json[0].code).toBe('G-430602005001-01');
      expect((await op.get('/api/grids?divisionCode=430602')).json).toHaveLength(1);
      expect((await op.get('/api/grids?divisionCode=430603')).json).toEqual([]);
      expectProblem(await op.get('/api/grids?geometry=maybe'), 400, 'geometry');
      const one = await op.get(`/api/grids/${world.grid.id}`);
      expect(one.json).toMatchObject({ name: '学坡社区第一网格', geometry: { type: 'Polygon' } });
      expectProblem(await op.get('/api/grids/01900000-0000-7000-8000-000000000000'), 404);
    });

    it('creates and updates a grid as admin; the locator uses it at once', async () => {
      const worker = await admin.post('/api/users', { username: 'grid_b1', displayName: '赵网格', password: PASSWORD, roles: ['grid_worker'], scopeCodes: ['430602007001'] });
      expect(worker.status).toBe(201);
      const body = { code: 'G-430602005001-02', name: '学坡社区第二网格', divisionCode: '430602005001', geometry: square(113.12, 29.36), workerUsername: 'grid_b1', households: 300, population: 900 };
      const created = await admin.post('/api/grids', body);
      expect(created.status, created.body).toBe(201);
      expect(created.json).toMatchObject({ code: body.code, workerUsername: 'grid_b1', workerName: '赵网格', households: 300 });
      const moved = await admin.post('/api/grids', { ...body, geometry: square(113.14, 29.36), households: 310 });
      expect(moved.json).toMatchObject({ id: created.json.id, households: 310 });
      // The grid index refreshes in the background after a change.
      let located: any;
      for (let i = 0; i < 50; i++) {
        located = (await op.post('/api/cases', { type: 'help', title: '网格定位', description: '定位测试', location: { lng: 113.145, lat: 29.365 } })).json;
        if (located.location.gridId) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(located.location).toMatchObject({ gridId: created.json.id, divisionCode: '430602005001' });
      const multi = await admin.post('/api/grids', {
        code: 'G-MULTI',
        name: '两块的网格',
        divisionCode: '430602005001',
        geometry: { type: 'MultiPolygon', coordinates: [square(113.2, 29.4).coordinates, square(113.3, 29.4).coordinates] },
      });
      expect(multi.status, multi.body).toBe(201);
    });

    it('refuses invalid GeoJSON with 400 naming the geometry field; non-admins with 403', async () => {
      const body = { code: 'G-BAD', name: '坏网格', divisionCode: '430602005001' };
      expectProblem(await admin.post('/api/grids', { ...body, geometry: { type: 'Point', coordinates: [113.1, 29.3] } }), 400, 'geometry.*');
      expectProblem(await admin.post('/api/grids', { ...body, geometry: { type: 'Polygon', coordinates: [[[113.1, 29.3], [113.2, 29.3]]] } }), 400, 'geometry.*');
      expectProblem(await admin.post('/api/grids', { ...body, geometry: { type: 'Polygon', coordinates: 'POLYGON((1 2, 3 4))' } }), 400, 'geometry.*');
      expectProblem(await admin.post('/api/grids', { ...body, geometry: '{"type":"Polygon"}' }), 400, 'geometry.*');
      expectProblem(await admin.post('/api/grids', body), 400, 'geometry.*');
      expectProblem(await admin.post('/api/grids', { ...body, geometry: square(113, 29), households: -1 }), 400, 'households');
      expectProblem(await admin.post('/api/grids', { ...body, geometry: square(113, 29), divisionCode: '430602999001' }), 422, 'divisionCode');
      expectProblem(await admin.post('/api/grids', { ...body, geometry: square(113, 29), workerUsername: 'nobody' }), 422, 'workerUsername');
      expectProblem(await op.post('/api/grids', { ...body, geometry: square(113, 29) }), 403);
      expect((await t.server.ctx.db.query(`SELECT count(*)::int AS n FROM grids WHERE code = 'G-BAD'`))[0].n).toBe(0);
    });
  });

  describe('categories and meta', () => {
    it('serves the category tree and lets an admin extend it', async () => {
      const cats = await op.get('/api/categories');
      expect(cats.status).toBe(200);
      expect(cats.json.find((c: any) => c.code === '0101')).toMatchObject({ name: '路灯照明', parentCode: '01', level: 2, active: true });
      const put = await admin.put('/api/categories', [
        { code: '99', name: '其他事项' },
        { code: '9901', name: '其他-测试', sort: 1 },
      ]);
      expect(put.status, put.body).toBe(200);
      expect(put.json).toEqual({ upserted: 2 });
      expect((await op.get('/api/categories')).json.find((c: any) => c.code === '9901')).toMatchObject({ parentCode: '99', level: 2 });
      expectProblem(await op.put('/api/categories', [{ code: '98', name: 'x' }]), 403);
      expectProblem(await admin.put('/api/categories', [{ code: '9', name: 'x' }]), 400, '0.code');
    });

    it('lists enumerations with their Chinese labels', async () => {
      const meta = await op.get('/api/meta');
      expect(meta.status).toBe(200);
      expect(meta.json.statuses).toContainEqual({ value: 'registered', label: '已受理' });
      expect(meta.json.actions).toContainEqual({ value: 'close_directly', label: '直接办结' });
      expect(meta.json.types.map((x: any) => x.label)).toEqual(['咨询', '求助', '投诉', '举报', '建议', '表扬']);
      expect(meta.json.channels).toHaveLength(7);
      expect(meta.json.urgencies).toEqual([
        { value: 'normal', label: '一般' },
        { value: 'urgent', label: '紧急' },
      ]);
    });
  });
});
