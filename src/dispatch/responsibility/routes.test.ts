/** The responsibility list and dispatch proposals over HTTP, on both databases. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASES, seedWorld, type World } from '../../../test/helpers.ts';
import { upsertUnit } from '../../org/store.ts';
import type { Db } from '../../platform/db.ts';
import { defaultRules, ensureDefaultResponsibilities, proposeUnits } from './store.ts';
import { dispatchApp, type DispatchApp, type DispatchClient } from './testing.ts';

type Res = Awaited<ReturnType<DispatchApp['request']>>;

function expectProblem(res: Res, status: number, field?: string) {
  expect(res.status, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  if (field) expect(res.json.errors?.map((e: any) => e.field), res.body).toContain(field);
}

const q = (o: Record<string, string | number>) => new URLSearchParams(Object.entries(o).map(([k, v]) => [k, String(v)] as [string, string])).toString();

describe.each(TEST_DATABASES)('responsibility list API on $name', (tdb) => {
  let db: Db;
  let t: DispatchApp;
  let world: World;
  let admin: DispatchClient;
  let adminB: DispatchClient;
  let op: DispatchClient;
  let handler: DispatchClient;
  let defaults = 0;
  /** The fixture community's name (430602005001), whatever seedWorld calls it. */
  const communityName = async () => (await db.query<{ name: string }>(`SELECT name FROM divisions WHERE code = '430602005001'`))[0].name;

  beforeAll(async () => {
    db = await tdb.open();
    world = await seedWorld(db);
    t = await dispatchApp(db);
    defaults = await db.tx((tx) => ensureDefaultResponsibilities(tx));
    admin = await t.login('admin');
    adminB = await t.login('admin_b');
    op = await t.login('operator');
    handler = await t.login('handler_a');
  });
  afterAll(async () => {
    await t?.close();
    await db?.close();
  });

  it('loads the default list once, and it proposes units of this world (and reports gaps)', async () => {
    expect(defaults).toBe(defaultRules().length);
    expect(await db.tx((tx) => ensureDefaultResponsibilities(tx))).toBe(0);
    const lamp = await op.get(`/api/dispatch/propose?${q({ categoryCode: '0101', divisionCode: '430602005' })}`);
    expect(lamp.status, lamp.body).toBe(200);
    expect(lamp.json.lead).toMatchObject({ unitId: world.units.cgA.id, unitName: '岳阳楼区城管局' });
    expect(lamp.json.explanation).toMatch(/^category 城乡建设\/路灯照明 in 岳阳楼区东茅岭街道 -> 岳阳楼区城管局, lead, rule #\d+$/);
    // 城乡建设 in general is 住建; 云溪区's own 城管 for its lamps.
    expect((await op.get(`/api/dispatch/propose?${q({ categoryCode: '0102', divisionCode: '430602005' })}`)).json.lead.unitName).toBe('岳阳楼区住建局');
    expect((await op.get(`/api/dispatch/propose?${q({ categoryCode: '0101', divisionCode: '430603001' })}`)).json.lead.unitName).toBe('云溪区城管局');
    // Neighbours' quarrel: no mediation committee here, so the street office (the branch rule).
    const dispute = (await op.get(`/api/dispatch/propose?${q({ categoryCode: '1201', divisionCode: '430602005001' })}`)).json;
    expect(dispute.lead.unitName).toBe('东茅岭街道办事处');
    expect(dispute.explanation).toContain('skipped rule #');
    // No environment department anywhere in this world: a gap, said so.
    const noise = (await op.get(`/api/dispatch/propose?${q({ categoryCode: '0201', divisionCode: '430602005' })}`)).json;
    expect(noise).toMatchObject({ gap: true, lead: null, ties: [] });
    expect(noise.explanation).toContain('gap in the responsibility list');
  });

  it('proposes from a point through its grid, or says the point lies outside every grid', async () => {
    const r = await op.get(`/api/dispatch/propose?${q({ categoryCode: '0101', lng: 113.105, lat: 29.365 })}`);
    expect(r.status, r.body).toBe(200);
    expect(r.json).toMatchObject({ divisionCode: '430602005001', grid: { id: world.grid.id, code: 'G-430602005001-01' }, point: { lng: 113.105, lat: 29.365 } });
    expect(r.json.lead.unitName).toBe('岳阳楼区城管局');
    expect(r.json.divisionName).toBe(`岳阳楼区东茅岭街道${await communityName()}`);
    expectProblem(await op.get(`/api/dispatch/propose?${q({ categoryCode: '0101', lng: 100, lat: 20 })}`), 422, 'lng');
    // Outside every grid but with a division: the division decides.
    expect((await op.get(`/api/dispatch/propose?${q({ categoryCode: '0101', lng: 100, lat: 20, divisionCode: '430603001' })}`)).json.lead.unitName).toBe('云溪区城管局');
    expectProblem(await op.get(`/api/dispatch/propose?${q({ categoryCode: '0101', lng: 113.1 })}`), 400, 'lat');
    expectProblem(await op.get(`/api/dispatch/propose?${q({ categoryCode: '0101' })}`), 400, 'divisionCode');
    expectProblem(await op.get(`/api/dispatch/propose?${q({ categoryCode: '0101', divisionCode: '4306021' })}`), 400, 'divisionCode');
    expectProblem(await op.get(`/api/dispatch/propose?${q({ categoryCode: '9901', divisionCode: '430602' })}`), 422, 'categoryCode');
    expectProblem(await op.get(`/api/dispatch/propose?${q({ categoryCode: '0101', divisionCode: '430699' })}`), 422, 'divisionCode');
    expectProblem(await t.request('GET', `/api/dispatch/propose?${q({ categoryCode: '0101', divisionCode: '430602' })}`), 401);
  });

  it('proposes from a typed address through the gazetteer', async () => {
    const put = await admin.put('/api/gazetteer', { name: '东茅岭路', kind: 'road', divisionCode: '430602005', lng: 113.106, lat: 29.366 });
    expect(put.status, put.body).toBe(201);
    const r = await op.get(`/api/dispatch/propose?${q({ categoryCode: '0101', address: '岳阳楼区东茅岭路88号' })}`);
    expect(r.status, r.body).toBe(200);
    expect(r.json).toMatchObject({ divisionCode: '430602005001', geocoded: { matched: '东茅岭路', divisionCode: '430602005' }, grid: { id: world.grid.id } });
    expect(r.json.lead.unitName).toBe('岳阳楼区城管局');
    expectProblem(await op.get(`/api/dispatch/propose?${q({ categoryCode: '0101', address: '不存在的路1号' })}`), 422, 'address');
    const withDivision = await op.get(`/api/dispatch/propose?${q({ categoryCode: '0101', address: '不存在的路1号', divisionCode: '430603001' })}`);
    expect(withDivision.json).toMatchObject({ geocoded: null, point: null, divisionCode: '430603001' });
  });

  it('admins create, change and deactivate rules; the proposal follows', async () => {
    const created = await admin.put('/api/responsibilities', { categoryCode: '0101', divisionCode: '430602005', unitCode: 'JD-430602005', note: '路灯由街道统管' });
    expect(created.status, created.body).toBe(201);
    expect(created.json).toMatchObject({ categoryCode: '0101', categoryName: '城乡建设/路灯照明', divisionName: '东茅岭街道', unitName: '东茅岭街道办事处', role: 'lead', active: true });
    const no = created.json.no;
    expect(no).toBeGreaterThan(defaults);
    let p = (await op.get(`/api/dispatch/propose?${q({ categoryCode: '0101', divisionCode: '430602005001' })}`)).json;
    expect(p.lead).toMatchObject({ unitName: '东茅岭街道办事处', ruleNo: no });
    // Change it by id into an assisting rule.
    const changed = await admin.put('/api/responsibilities', { id: created.json.id, categoryCode: '0101', divisionCode: '430602005', unitId: world.units.streetA.id, role: 'assist' });
    expect(changed.status, changed.body).toBe(200);
    expect(changed.json.no).toBe(no);
    p = (await op.get(`/api/dispatch/propose?${q({ categoryCode: '0101', divisionCode: '430602005001' })}`)).json;
    expect(p.lead.unitName).toBe('岳阳楼区城管局');
    expect(p.assists.map((a: any) => [a.unitName, a.ruleNo])).toEqual([['东茅岭街道办事处', no]]);
    expect(p.explanation).toContain(`; 东茅岭街道办事处, assist, rule #${no}`);
    // Soft delete.
    expect((await admin.del(`/api/responsibilities/${created.json.id}`)).status).toBe(204);
    expect((await op.get(`/api/responsibilities/${created.json.id}`)).json.active).toBe(false);
    p = (await op.get(`/api/dispatch/propose?${q({ categoryCode: '0101', divisionCode: '430602005001' })}`)).json;
    expect(p.assists).toEqual([]);
    expectProblem(await admin.del('/api/responsibilities/00000000-0000-7000-8000-000000000000'), 404);
    const audits = await db.query<{ action: string }>(`SELECT action FROM audit_log WHERE entity = 'responsibility_rule' AND entity_id = $1 ORDER BY id`, [created.json.id]);
    expect(audits.map((a) => a.action)).toEqual(['responsibility_create', 'responsibility_update', 'responsibility_deactivate']);
  });

  it('lists rules with filters', async () => {
    const all = await op.get('/api/responsibilities?limit=5000');
    expect(all.status).toBe(200);
    expect(all.json.total).toBe(all.json.items.length);
    const lamps = (await op.get('/api/responsibilities?categoryCode=0101&active=true')).json.items;
    expect(lamps.length).toBeGreaterThan(0);
    expect(lamps.every((r: any) => '0101'.startsWith(r.categoryCode) || r.categoryCode.startsWith('0101'))).toBe(true);
    expect(lamps.map((r: any) => r.categoryCode)).toContain('01');
    const inactive = (await op.get('/api/responsibilities?active=false')).json.items;
    expect(inactive.length).toBe(1);
    const assists = (await op.get('/api/responsibilities?role=assist')).json.items;
    expect(assists.every((r: any) => r.role === 'assist')).toBe(true);
    const local = (await op.get('/api/responsibilities?divisionCode=430602005')).json.items;
    expect(local.every((r: any) => r.divisionCode === null || '430602005'.startsWith(r.divisionCode) || r.divisionCode.startsWith('430602005'))).toBe(true);
    const byUnit = (await op.get(`/api/responsibilities?unitId=${world.units.streetA.id}`)).json.items;
    expect(byUnit.length).toBe(1);
    expect((await op.get('/api/responsibilities?limit=2&offset=1')).json.items.length).toBe(2);
    expectProblem(await op.get('/api/responsibilities?role=boss'), 400, 'role');
    expectProblem(await t.request('GET', '/api/responsibilities'), 401);
  });

  it('validates rules, naming the field', async () => {
    const put = (body: unknown) => admin.put('/api/responsibilities', body);
    expectProblem(await put({ categoryCode: '0101' }), 400, 'unitKind');
    expectProblem(await put({ categoryCode: '0101', unitCode: 'CG-430602', unitKind: 'department' }), 400, 'unitKind');
    expectProblem(await put({ categoryCode: '0101', unitCode: 'CG-430602', divisionLevel: 3 }), 400, 'divisionLevel');
    expectProblem(await put({ categoryCode: '0101', unitId: world.units.cgA.id, unitCode: 'CG-430602' }), 400, 'unitCode');
    expectProblem(await put({ categoryCode: '101', unitCode: 'CG-430602' }), 400, 'categoryCode');
    expectProblem(await put({ categoryCode: '0101', unitKind: 'ministry' }), 400, 'unitKind');
    expectProblem(await put({ categoryCode: '0101', unitKind: 'department', divisionLevel: 6 }), 400, 'divisionLevel');
    expectProblem(await put({ categoryCode: '0101', unitKind: 'department', role: 'boss' }), 400, 'role');
    expectProblem(await put({ categoryCode: '0101', unitKind: 'department', colour: 'red' }), 400, 'colour');
    expectProblem(await put({ categoryCode: '9901', unitCode: 'CG-430602' }), 422, 'categoryCode');
    expectProblem(await put({ categoryCode: '0101', unitCode: 'NOPE' }), 422, 'unitCode');
    expectProblem(await put({ categoryCode: '0101', unitId: '00000000-0000-7000-8000-000000000000' }), 422, 'unitId');
    expectProblem(await put({ categoryCode: '0101', divisionCode: '430699', unitCode: 'CG-430602' }), 422, 'divisionCode');
    const first = (await op.get('/api/responsibilities?limit=1')).json.items[0];
    expectProblem(await put({ categoryCode: '0101', unitCode: 'CG-430602', no: first.no, id: '00000000-0000-7000-8000-000000000001' }), 409, 'no');
  });

  it('confines a county admin to rules of their jurisdiction; others may not write at all', async () => {
    const mine = await adminB.put('/api/responsibilities', { categoryCode: '0101', divisionCode: '430603', unitCode: 'CG-430603' });
    expect(mine.status, mine.body).toBe(201);
    expectProblem(await adminB.put('/api/responsibilities', { categoryCode: '0101', divisionCode: '430602', unitCode: 'CG-430603' }), 403, 'divisionCode');
    expectProblem(await adminB.put('/api/responsibilities', { categoryCode: '0101', unitCode: 'CG-430603' }), 403, 'divisionCode');
    const theirs = (await op.get('/api/responsibilities?categoryCode=0101&limit=1')).json.items[0];
    expect(theirs.divisionCode).toBeNull();
    expectProblem(await adminB.put('/api/responsibilities', { id: theirs.id, categoryCode: '0101', divisionCode: '430603', unitCode: 'CG-430603' }), 403, 'divisionCode');
    expectProblem(await adminB.del(`/api/responsibilities/${theirs.id}`), 403);
    expect((await adminB.del(`/api/responsibilities/${mine.json.id}`)).status).toBe(204);
    expectProblem(await op.put('/api/responsibilities', { categoryCode: '0101', divisionCode: '430602', unitCode: 'CG-430602' }), 403);
    expect((await handler.get('/api/dispatch/propose?categoryCode=0101&divisionCode=430602')).status).toBe(200);
  });

  it('reports ties over the API', async () => {
    const a = await admin.put('/api/responsibilities', { categoryCode: '0805', divisionCode: '430602', unitCode: 'CG-430602' });
    const b = await admin.put('/api/responsibilities', { categoryCode: '0805', divisionCode: '430602', unitCode: 'ZJ-430602' });
    const p = (await op.get(`/api/dispatch/propose?${q({ categoryCode: '0805', divisionCode: '430602005' })}`)).json;
    expect(p).toMatchObject({ lead: null, gap: false });
    expect(p.ties.map((x: any) => x.ruleNo).sort()).toEqual([a.json.no, b.json.no].sort());
    expect(p.explanation).toContain('tie between');
    await admin.del(`/api/responsibilities/${a.json.id}`);
    await admin.del(`/api/responsibilities/${b.json.id}`);
  });

  it('exports and imports the list: round trip, all or nothing, dry run, replace within jurisdiction', async () => {
    const exported = await op.get('/api/responsibilities/export');
    expect(exported.status).toBe(200);
    const rows = exported.json as any[];
    expect(rows.length).toBe((await op.get('/api/responsibilities?limit=5000')).json.total);
    expect(rows[0]).toMatchObject({ no: expect.any(Number), categoryCode: expect.any(String), categoryName: expect.any(String), role: expect.any(String) });
    expect(rows[0]).not.toHaveProperty('id');
    const back = await admin.post('/api/responsibilities/import', rows);
    expect(back.status, back.body).toBe(200);
    expect(back.json).toMatchObject({ count: rows.length, created: 0, updated: rows.length, deactivated: 0, dryRun: false });
    expect((await op.get('/api/responsibilities/export')).json).toEqual(rows);

    // One bad row: nothing is written, every problem is named by row and field.
    const before = (await op.get('/api/responsibilities?limit=5000')).json.total;
    const bad = await admin.post('/api/responsibilities/import', [
      { categoryCode: '0805', unitCode: 'CG-430602', note: 'fine' },
      { categoryCode: '9901', unitCode: 'NOPE' },
      { categoryCode: '0805', unitKind: 'department', no: 1 },
      { categoryCode: '0805', unitKind: 'department', no: 1 },
    ]);
    expectProblem(bad, 422, '1.categoryCode');
    expect(bad.json.errors.map((e: any) => e.field)).toEqual(['1.categoryCode', '1.unitCode', '3.no']);
    expectProblem(await admin.post('/api/responsibilities/import', [{ categoryCode: '0805' }]), 400, '0.unitKind');
    expect((await op.get('/api/responsibilities?limit=5000')).json.total).toBe(before);

    // Dry run: checked, counted, not kept.
    const dry = await admin.post('/api/responsibilities/import?dryRun=true', [{ categoryCode: '0805', unitCode: 'CG-430602' }]);
    expect(dry.json).toMatchObject({ created: 1, dryRun: true });
    expect((await op.get('/api/responsibilities?limit=5000')).json.total).toBe(before);

    // A county admin's import: only rows for their county; replace deactivates only their county's rules.
    const yx = await adminB.post('/api/responsibilities/import', [
      { categoryCode: '0805', divisionCode: '430603', unitCode: 'CG-430603' },
      { categoryCode: '0804', divisionCode: '430603', unitCode: 'CG-430603' },
    ]);
    expect(yx.json).toMatchObject({ created: 2 });
    expectProblem(await adminB.post('/api/responsibilities/import', [{ categoryCode: '0805', unitCode: 'CG-430603' }]), 403, '0.divisionCode');
    expectProblem(await adminB.post('/api/responsibilities/import', [{ no: 1, categoryCode: '0805', divisionCode: '430603', unitCode: 'CG-430603' }]), 403, '0.divisionCode');
    const replaced = await adminB.post('/api/responsibilities/import?replace=true', [{ categoryCode: '0805', divisionCode: '430603', unitCode: 'CG-430603' }]);
    expect(replaced.json).toMatchObject({ created: 1, deactivated: 2 });
    const active = (await op.get('/api/responsibilities?active=true&limit=5000')).json.items;
    expect(active.filter((r: any) => r.divisionCode === '430603').length).toBe(1);
    expect(active.length).toBe(rows.filter((r) => r.active).length + 1);
    expectProblem(await op.post('/api/responsibilities/import', []), 403);
  });

  it('exports xlsx', async () => {
    const res = await op.get('/api/responsibilities/export?format=xlsx&headers=zh');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/spreadsheetml/);
    expect(res.raw.subarray(0, 2).toString()).toBe('PK');
  });

  it('resolves without HTTP too (proposeUnits), also for a division with units added later', async () => {
    await upsertUnit(db, { code: 'HB-430602', name: '岳阳楼区生态环境分局', kind: 'department', divisionCodes: ['430602'] });
    const p = await proposeUnits(db, { categoryCode: '0201', divisionCode: '430602005001' });
    expect(p.lead?.unitName).toBe('岳阳楼区生态环境分局');
    expect(p.explanation).toMatch(new RegExp(`^category 生态环境/噪声污染 in 岳阳楼区东茅岭街道${await communityName()} -> 岳阳楼区生态环境分局, lead, rule #\\d+$`));
  });

  it('documents every dispatch endpoint, and none answers a caller without a session', async () => {
    const doc = (await t.request('GET', '/docs/json')).json;
    const ours = Object.entries(doc.paths as Record<string, Record<string, any>>).filter(([p]) => /^\/api\/(responsibilities|gazetteer|dispatch)/.test(p));
    expect(ours.flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`)).sort()).toEqual(
      [
        'delete /api/gazetteer/{id}',
        'delete /api/responsibilities/{id}',
        'get /api/dispatch/propose',
        'post /api/dispatch/propose',
        'get /api/gazetteer',
        'get /api/gazetteer/export',
        'get /api/gazetteer/geocode',
        'get /api/responsibilities',
        'get /api/responsibilities/export',
        'get /api/responsibilities/{id}',
        'post /api/gazetteer/import',
        'post /api/responsibilities/import',
        'post /api/responsibilities/import.xlsx',
        'put /api/gazetteer',
        'put /api/responsibilities',
      ].sort(),
    );
    for (const [p, ops] of ours) {
      for (const [m, op] of Object.entries(ops)) {
        expect(op.summary, `${m} ${p}`).toBeTruthy();
        expect(op.tags?.length, `${m} ${p}`).toBeGreaterThan(0);
        const res = await t.app.inject({ method: m.toUpperCase() as any, url: p.replace('{id}', '01900000-0000-7000-8000-000000000000'), ...(['post', 'put'].includes(m) ? { payload: {} } : {}) });
        expect([400, 401], `${m} ${p}: ${res.statusCode} ${res.body}`).toContain(res.statusCode);
      }
    }
  });
});
