/**
 * Jurisdiction, the key security property: a user of 云溪区 (430603) cannot
 * read or change a case of 岳阳楼区 (430602) through any endpoint — always 404,
 * never 403, so existence is not revealed — and a county admin cannot write
 * units, users or grids outside the county. Citizens see only their own cases
 * and the public timeline.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import {
  TEST_DATABASES,
  PASSWORD,
  seedWorld,
  startTestServer,
  loginCitizen,
  caseBody,
  tinyPng,
  multipart,
  bodyFromSchema,
  type Client,
  type TestServer,
  type World,
} from './helpers.ts';
import { ACTIONS, RULES, type Action } from '../src/cases/lifecycle.ts';
import { ACTION_BODIES } from '../src/cases/model.ts';

type Res = Awaited<ReturnType<TestServer['request']>>;

function expectProblem(res: Res, status: number, field?: string) {
  expect(res.status, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  if (field) expect(res.json.errors?.map((e: any) => e.field), res.body).toContain(field);
}

const path = (ref: string, a: Action) => `/api/cases/${ref}/${a.replace(/_/g, '-')}`;

/**
 * A body every action endpoint accepts as valid input (built from its schema,
 * so new actions are covered), so that only visibility can refuse the request.
 */
function validBody(world: World, action: Action): Record<string, unknown> {
  const values = {
    leadUnitId: world.units.cgB.id,
    unitIds: [world.units.cgB.id],
    comment: '请处理此事项',
    reply: '已处理完毕',
    solved: true,
    rating: 5,
    approve: true,
    duration: '3d',
    duplicateOf: '00000000-0000-7000-8000-000000000000',
  };
  return bodyFromSchema(ACTION_BODIES[action], values, `POST /api/cases/:ref/${action}`);
}

describe.each(TEST_DATABASES)('jurisdiction on $name', (tdb) => {
  let t: TestServer;
  let world: World;
  // A case of 岳阳楼区 with an attachment, and one of 云溪区.
  let caseA: any;
  let caseB: any;
  let attachmentA: string;
  let outsiders: Record<'operator_b' | 'handler_b' | 'admin_b', Client>;

  const snapshot = async (id: string) =>
    (
      await t.server.ctx.db.query(
        `SELECT status, version, lead_unit_id, handler_user_id, (SELECT count(*)::int FROM case_events WHERE case_id = c.id) AS events FROM cases c WHERE id = $1`,
        [id],
      )
    )[0];

  beforeAll(async () => {
    const db = await tdb.open();
    world = await seedWorld(db);
    t = await startTestServer(db);
    const opA = await t.login('operator_a');
    const up = multipart({ data: tinyPng(), filename: '现场照片.png', mime: 'image/png' });
    const uploaded = await opA.post('/api/attachments', up.body, up.headers);
    expect(uploaded.status, uploaded.body).toBe(201);
    attachmentA = uploaded.json.id;
    const a = await opA.post('/api/cases', caseBody({ title: '岳阳楼区的工单', location: { gridId: world.grid.id }, attachmentIds: [attachmentA] }));
    expect(a.status, a.body).toBe(201);
    const d = await opA.post(`/api/cases/${a.json.id}/dispatch`, { leadUnitId: world.units.cgA.id });
    expect(d.status, d.body).toBe(200);
    caseA = d.json;
    const opB = await t.login('operator_b');
    const b = await opB.post('/api/cases', caseBody({ title: '云溪区的工单', location: { divisionCode: '430603001' } }));
    expect(b.status, b.body).toBe(201);
    caseB = b.json;
    await opB.post(`/api/cases/${caseB.id}/dispatch`, { leadUnitId: world.units.cgB.id });
    outsiders = { operator_b: opB, handler_b: await t.login('handler_b'), admin_b: await t.login('admin_b') };
  });
  afterAll(async () => {
    await t?.close();
    await t?.server.ctx.db.close();
  });

  it('insiders do see the 岳阳楼区 case (the control)', async () => {
    for (const u of ['operator_a', 'operator', 'handler_a', 'township_a', 'admin']) {
      const c = await t.login(u);
      expect((await c.get(`/api/cases/${caseA.id}`)).status, u).toBe(200);
      expect((await c.get(`/api/attachments/${attachmentA}`)).status, u).toBe(200);
    }
    // And outsiders see their own county's case.
    for (const [name, c] of Object.entries(outsiders)) expect((await c.get(`/api/cases/${caseB.id}`)).status, name).toBe(200);
  });

  describe.each(['operator_b', 'handler_b', 'admin_b'] as const)('%s (云溪区)', (who) => {
    it('gets 404 reading the case by id and by number, and never finds it in a list', async () => {
      const c = outsiders[who];
      expectProblem(await c.get(`/api/cases/${caseA.id}`), 404);
      expectProblem(await c.get(`/api/cases/${caseA.no}`), 404);
      const filters = [
        '',
        'limit=200',
        `q=${caseA.no}`,
        `q=${encodeURIComponent('岳阳楼区')}`,
        `unitId=${world.units.cgA.id}`,
        'divisionCode=430602',
        'divisionCode=43',
        `gridId=${world.grid.id}`,
        'status=dispatched',
        'categoryCode=01',
        'channel=hotline',
        'type=complaint',
        'urgency=normal',
        'mine=true',
        `createdFrom=${encodeURIComponent(new Date(Date.now() - 3600_000).toISOString())}`,
        `updatedFrom=${encodeURIComponent(new Date(Date.now() - 3600_000).toISOString())}`,
      ];
      for (const qs of filters) {
        const res = await c.get(`/api/cases?${qs}`);
        expect(res.status, `${qs}: ${res.body}`).toBe(200);
        expect(res.json.items.map((i: any) => i.id), qs).not.toContain(caseA.id);
        expect(res.json.items.every((i: any) => i.location.divisionCode?.startsWith('430603')), qs).toBe(true);
      }
    });

    it('gets 404 from every action endpoint, with or without a version, and the case does not change', async () => {
      const c = outsiders[who];
      const before = await snapshot(caseA.id);
      const roles = { operator_b: ['operator'], handler_b: ['handler'], admin_b: ['admin'] }[who];
      for (const action of ACTIONS) {
        const body = validBody(world, action);
        // An action the role may not take at all is refused by its route's declaration (403), before and whatever the case.
        const status = roles.includes('admin') || RULES[action].roles.some((r) => roles.includes(r)) ? 404 : 403;
        for (const ref of [caseA.id, caseA.no]) {
          expectProblem(await c.post(path(ref, action), body), status);
        }
        expectProblem(await c.post(path(caseA.id, action), { ...body, version: caseA.version }), status);
        expectProblem(await c.post(path(caseA.id, action), body, { 'if-match': `"${caseA.version}"` }), status);
        if (status === 403) expectProblem(await c.post(path('01900000-0000-7000-8000-000000000000', action), body), 403);
      }
      expect(await snapshot(caseA.id)).toEqual(before);
    });

    it('gets 404 downloading the case’s attachment and cannot attach it elsewhere', async () => {
      const c = outsiders[who];
      expectProblem(await c.get(`/api/attachments/${attachmentA}`), 404);
      if (who === 'handler_b') return; // handlers do not register cases
      expectProblem(await c.post('/api/cases', caseBody({ location: { divisionCode: '430603' }, attachmentIds: [attachmentA] })), 422, 'attachmentIds.0');
    });
  });

  it('naming the hidden case as the original of a duplicate does not reveal it', async () => {
    const opB = outsiders.operator_b;
    const own = await opB.post('/api/cases', caseBody({ location: { divisionCode: '430603' } }));
    const res = await opB.post(path(own.json.id, 'cancel'), { comment: '重复', duplicateOf: caseA.id });
    expectProblem(res, 422, 'duplicateOf');
    // The same answer as for a case that does not exist at all.
    const none = await opB.post(path(own.json.id, 'cancel'), { comment: '重复', duplicateOf: '01900000-0000-7000-8000-000000000000' });
    expect(res.json.detail).toBe(none.json.detail);
  });

  it('a handler of another unit in the same county does not see the case either', async () => {
    const other = await t.login('handler_a2');
    expectProblem(await other.get(`/api/cases/${caseA.id}`), 404);
    expectProblem(await other.post(path(caseA.id, 'accept')), 404);
    expect((await other.get('/api/cases?limit=200')).json.items.map((i: any) => i.id)).not.toContain(caseA.id);
    expectProblem(await other.get(`/api/attachments/${attachmentA}`), 404);
  });

  describe('a county admin writes only inside the county', () => {
    let adminB: Client;
    beforeAll(async () => {
      adminB = outsiders.admin_b;
    });

    it('units: 403 for divisions outside, or for taking over another county’s unit by its code', async () => {
      expectProblem(await adminB.post('/api/units', { code: 'X-430602', name: '越权单位', kind: 'department', divisionCodes: ['430602'] }), 403);
      expectProblem(await adminB.post('/api/units', { code: 'X-4306', name: '越权单位', kind: 'department', divisionCodes: ['4306'] }), 403);
      expectProblem(await adminB.post('/api/units', { code: 'CG-430602', name: '被篡改', kind: 'department', divisionCodes: ['430603'] }), 403);
      const unit = await t.server.ctx.db.query(`SELECT name, division_codes FROM units WHERE code = 'CG-430602'`);
      expect(unit[0]).toEqual({ name: '岳阳楼区城管局', division_codes: ['430602'] });
      const ok = await adminB.post('/api/units', { code: 'SJ-430603', name: '云溪区市场监管局', kind: 'department', divisionCodes: ['430603'] });
      expect(ok.status, ok.body).toBe(201);
    });

    it('users: 403 for scope outside, global scope, another county’s unit, or an existing user of another county', async () => {
      const user = (over: Record<string, unknown>) => ({ username: 'yx_new', displayName: '云溪新用户', password: PASSWORD, roles: ['handler'], scopeCodes: ['430603'], ...over });
      expectProblem(await adminB.post('/api/users', user({ scopeCodes: ['430602'] })), 403);
      expectProblem(await adminB.post('/api/users', user({ scopeCodes: ['*'] })), 403);
      expectProblem(await adminB.post('/api/users', user({ scopeCodes: [], unitCode: 'CG-430602' })), 403);
      // Taking over 岳阳楼区's handler (and so their access) by username.
      expectProblem(await adminB.post('/api/users', user({ username: 'handler_a', password: 'Hijacked-123', unitCode: 'CG-430603' })), 403);
      expectProblem(await adminB.post('/api/users', user({ username: 'admin', password: 'Hijacked-123' })), 403);
      await t.login('handler_a'); // the password still works
      await expect(t.login('handler_a', 'Hijacked-123')).rejects.toThrow(/401/);
      expect((await adminB.post('/api/users', user({ unitCode: 'CG-430603' }))).status).toBe(201);
      const listed = await adminB.get('/api/users?limit=1000');
      expect(listed.status).toBe(200);
      const names = listed.json.map((u: any) => u.username);
      expect(names).toEqual(expect.arrayContaining(['operator_b', 'handler_b', 'admin_b', 'yx_new']));
      for (const n of ['handler_a', 'operator_a', 'township_a', 'admin', 'operator']) expect(names).not.toContain(n);
    });

    it('grids and divisions: 403 outside the county, including moving another county’s grid by its code', async () => {
      const square = (x: number, y: number) => ({ type: 'Polygon', coordinates: [[[x, y], [x + 0.01, y], [x + 0.01, y + 0.01], [x, y + 0.01], [x, y]]] });
      expectProblem(await adminB.post('/api/grids', { code: 'G-X', name: '越权网格', divisionCode: '430602005001', geometry: square(113.2, 29.4) }), 403);
      expectProblem(await adminB.post('/api/grids', { code: 'G-430602005001-01', name: '被挪走', divisionCode: '430603001', geometry: square(113.4, 29.5) }), 403);
      expect((await t.server.ctx.db.query(`SELECT division_code FROM grids WHERE id = $1`, [world.grid.id]))[0].division_code).toBe('430602005001');
      expect((await adminB.post('/api/grids', { code: 'G-430603001-01', name: '云溪街道第一网格', divisionCode: '430603001', geometry: square(113.4, 29.5) })).status).toBe(201);
      expectProblem(await adminB.put('/api/divisions', [{ code: '430602888', name: '越权街道' }]), 403);
      expect((await adminB.put('/api/divisions', [{ code: '430603002', name: '陆城镇' }])).status).toBe(200);
      // Their division tree starts at their county.
      expect((await adminB.get('/api/divisions')).json.map((d: any) => d.code)).toEqual(['430603']);
    });

    it('non-admins of either county cannot write organisation data at all', async () => {
      for (const c of [outsiders.operator_b, outsiders.handler_b]) {
        expectProblem(await c.post('/api/units', { code: 'N-1', name: '某单位', kind: 'other', divisionCodes: ['430603'] }), 403);
        expectProblem(await c.post('/api/users', { username: 'n1', displayName: 'n', roles: ['handler'] }), 403);
        expectProblem(await c.put('/api/divisions', [{ code: '430603003', name: '某镇' }]), 403);
        expectProblem(await c.put('/api/categories', [{ code: '99', name: '其他' }]), 403);
      }
    });
  });

  describe('citizens', () => {
    it('see only their own cases and the public timeline', async () => {
      const alice = await loginCitizen(t, '13600000001');
      const bob = await loginCitizen(t, '13600000002');
      const mine = await alice.post('/api/cases', caseBody({ title: '小区门口垃圾堆积', reporter: undefined, channel: 'wechat' }));
      expect(mine.status, mine.body).toBe(201);
      expect(mine.json).toMatchObject({ channel: 'wechat', reporter: { phone: '13600000001', masked: false } });
      expectProblem(await alice.post('/api/cases', caseBody({ channel: 'hotline' })), 422, 'channel');
      const id = mine.json.id;

      // Staff work on it, with internal notes, urging and supervision.
      const op = await t.login('operator');
      await op.post(path(id, 'note'), { comment: '内部备注：来电人情绪激动' });
      await op.post(path(id, 'dispatch'), { leadUnitId: world.units.cgA.id });
      await (await t.login('supervisor')).post(path(id, 'supervise'), { comment: '内部督办意见' });
      await op.post(path(id, 'urge'), { comment: '内部催办' });
      const handler = await t.login('handler_a');
      await handler.post(path(id, 'accept'));

      const seen = await alice.get(`/api/cases/${id}`);
      expect(seen.status, seen.body).toBe(200);
      const tl = seen.json.timeline as any[];
      expect(tl.map((e) => e.action)).toEqual(['create', 'dispatch', 'accept']);
      expect(tl.every((e) => e.actor === null)).toBe(true);
      expect(seen.body).not.toMatch(/内部|handler_a|"operator"|supervisor/);
      // Staff see everything.
      expect((await op.get(`/api/cases/${id}`)).json.timeline.map((e: any) => e.action)).toEqual(['create', 'note', 'dispatch', 'supervise', 'urge', 'accept']);

      // Bob sees none of it.
      expectProblem(await bob.get(`/api/cases/${id}`), 404);
      expectProblem(await bob.get(`/api/cases/${mine.json.no}`), 404);
      expectProblem(await bob.post(path(id, 'rate'), { rating: 1 }), 404);
      for (const qs of ['', `q=${mine.json.no}`, `unitId=${world.units.cgA.id}`, 'divisionCode=43']) {
        expect((await bob.get(`/api/cases?${qs}`)).json.items, qs).toEqual([]);
      }
      // Alice's list holds only her own, never the staff-registered cases.
      const list = await alice.get('/api/cases?limit=200');
      expect(list.json.items.map((i: any) => i.id)).toEqual([id]);
      expectProblem(await alice.get(`/api/cases/${caseA.id}`), 404);
      expectProblem(await alice.get(`/api/attachments/${attachmentA}`), 404);
      // Citizens may not take staff actions on their own case.
      expectProblem(await alice.post(path(id, 'note'), { comment: '我想补充' }), 403);
      expectProblem(await alice.post(path(id, 'urge'), {}), 403);
    });
  });
});
