/** Case intake, reading and listing over HTTP: numbers, idempotency, masking, location, filters, cursor pagination. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { TEST_DATABASES, seedWorld, startTestServer, caseBody, type Client, type TestServer, type World } from './helpers.ts';
import { encodeCursor } from '../src/cases/cursors.ts';

type Res = Awaited<ReturnType<TestServer['request']>>;

function expectProblem(res: Res, status: number | number[], field?: string) {
  const statuses = Array.isArray(status) ? status : [status];
  expect(statuses, `${res.status} ${res.body}`).toContain(res.status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  if (field) expect(res.json.errors?.map((e: any) => e.field), res.body).toContain(field);
}

const shanghaiDate = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10).replace(/-/g, '');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(TEST_DATABASES)('cases API on $name', (tdb) => {
  let t: TestServer;
  let world: World;
  let op: Client;
  const count = async (sql = 'SELECT count(*)::int AS n FROM cases', params: unknown[] = []) =>
    (await t.server.ctx.db.query<{ n: number }>(sql, params))[0].n;

  beforeAll(async () => {
    const db = await tdb.open();
    world = await seedWorld(db);
    t = await startTestServer(db);
    op = await t.login('operator');
  });
  afterAll(async () => {
    await t?.close();
    await t?.server.ctx.db.close();
  });

  describe('create', () => {
    it('answers 201 with a readable number, a Location header and the full reporter for the operator', async () => {
      const res = await op.post('/api/cases', caseBody());
      expect(res.status, res.body).toBe(201);
      expect(res.headers.location).toBe(`/api/cases/${res.json.id}`);
      expect(res.json.no).toMatch(/^\d{14}$/);
      expect(res.json.no.slice(0, 8)).toBe(shanghaiDate());
      expect(res.json).toMatchObject({
        status: 'registered',
        statusLabel: '已受理',
        channel: 'hotline',
        type: 'complaint',
        typeLabel: '投诉',
        urgency: 'normal',
        categoryCode: '0101',
        version: 1,
        reporter: { name: '张三', phone: '13812345678', masked: false, confidential: false },
        location: { divisionCode: '430602005001', address: '岳阳楼区东茅岭路' },
        createdBy: world.users.operator.id,
      });
      // Numbers are unique and increasing.
      const second = await op.post('/api/cases', caseBody());
      expect(second.json.no > res.json.no).toBe(true);
      const events = await t.server.ctx.db.query(`SELECT action, to_status FROM case_events WHERE case_id = $1`, [res.json.id]);
      expect(events).toEqual([{ action: 'create', to_status: 'registered' }]);
    });

    it('answers with the names the intake screen shows: category and division', async () => {
      const res = await op.post('/api/cases', caseBody());
      expect(res.status, res.body).toBe(201);
      const read = await op.get(`/api/cases/${res.json.id}`);
      expect(res.json.categoryName).toBeTruthy();
      expect(res.json.categoryName).toBe(read.json.categoryName);
      expect(res.json.location.divisionName).toBeTruthy();
      expect(res.json.location.divisionName).toBe(read.json.location.divisionName);
    });

    it('refuses roles that may not register cases, and unauthenticated callers', async () => {
      const handler = await t.login('handler_a');
      expectProblem(await handler.post('/api/cases', caseBody()), 403);
      expectProblem(await t.request('POST', '/api/cases', { body: caseBody() }), 401);
    });

    it('names the field of an invalid or unknown reference', async () => {
      expectProblem(await op.post('/api/cases', caseBody({ categoryCode: '9999' })), 422, 'categoryCode');
      expectProblem(await op.post('/api/cases', caseBody({ location: { divisionCode: '430602999' } })), 422, 'location.divisionCode');
      expectProblem(await op.post('/api/cases', caseBody({ location: { gridId: '01900000-0000-7000-8000-000000000000' } })), 422, 'location.gridId');
      expectProblem(await op.post('/api/cases', caseBody({ type: 'rumour' })), 400, 'type');
      expectProblem(await op.post('/api/cases', caseBody({ title: 'x' })), 400, 'title');
      expectProblem(await op.post('/api/cases', caseBody({ reporter: { phone: 'call me' } })), 400, 'reporter.phone');
      expectProblem(await op.post('/api/cases', caseBody({ location: { lng: 113.1 } })), 400, 'location.lat');
      expectProblem(await op.post('/api/cases', caseBody({ priority: 'high' })), 400, 'priority');
    });
  });

  describe('personal data', () => {
    it('masks the reporter for a role that may not see it, shows it to the operator and audits unmasked reads', async () => {
      const c = (await op.post('/api/cases', caseBody({ title: '噪声扰民', categoryCode: '0201' }))).json;
      const audits = () => count(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'read_personal_data' AND entity = 'case' AND entity_id = $1`, [c.id]);
      expect(await audits()).toBe(0);

      // A township officer sees the case (it lies in their street) but not who reported it.
      const township = await t.login('township_a');
      const masked = await township.get(`/api/cases/${c.id}`);
      expect(masked.status, masked.body).toBe(200);
      expect(masked.json.reporter).toEqual({ name: '张*', phone: '138****5678', confidential: false, masked: true });
      expect(masked.body).not.toContain('13812345678');
      expect(await audits()).toBe(0);

      const full = await op.get(`/api/cases/${c.id}`);
      expect(full.json.reporter).toMatchObject({ name: '张三', phone: '13812345678', masked: false });
      const rows = await t.server.ctx.db.query(`SELECT user_id, entity_id FROM audit_log WHERE action = 'read_personal_data' AND entity_id = $1`, [c.id]);
      expect(rows).toEqual([{ user_id: world.users.operator.id, entity_id: c.id }]);

      // The lead unit's handler calls the citizen back, so sees the phone...
      await op.post(`/api/cases/${c.id}/dispatch`, { leadUnitId: world.units.cgA.id });
      const handler = await t.login('handler_a');
      expect((await handler.get(`/api/cases/${c.id}`)).json.reporter).toMatchObject({ phone: '13812345678', masked: false });
      // ...unless the reporter asked for confidentiality.
      const secret = (await op.post('/api/cases', caseBody({ reporter: { name: '李四', phone: '13987654321', confidential: true } }))).json;
      await op.post(`/api/cases/${secret.id}/dispatch`, { leadUnitId: world.units.cgA.id });
      const h = await handler.get(`/api/cases/${secret.id}`);
      expect(h.json.reporter).toEqual({ name: '李*', phone: '139****4321', confidential: true, masked: true });
      expect((await op.get(`/api/cases/${secret.id}`)).json.reporter.phone).toBe('13987654321');
    });
  });

  describe('Idempotency-Key', () => {
    it('a retry returns the same case with 200 and never a second row', async () => {
      const body = caseBody({ title: '幂等重试的工单' });
      const before = await count();
      const first = await op.post('/api/cases', body, { 'idempotency-key': 'retry-1' });
      expect(first.status, first.body).toBe(201);
      for (let i = 0; i < 3; i++) {
        const again = await op.post('/api/cases', body, { 'idempotency-key': 'retry-1' });
        expect(again.status, again.body).toBe(200);
        expect(again.json.id).toBe(first.json.id);
        expect(again.json.no).toBe(first.json.no);
        expect(again.headers.location).toBe(first.headers.location);
      }
      expect(await count()).toBe(before + 1);
      expect(await count(`SELECT count(*)::int AS n FROM case_events WHERE case_id = $1`, [first.json.id])).toBe(1);
    });

    it('the same key with a different body is refused with 422 naming Idempotency-Key', async () => {
      await op.post('/api/cases', caseBody({ title: '第一次提交' }), { 'idempotency-key': 'retry-2' });
      const before = await count();
      const res = await op.post('/api/cases', caseBody({ title: '换了内容的提交' }), { 'idempotency-key': 'retry-2' });
      expectProblem(res, 422, 'Idempotency-Key');
      expect(await count()).toBe(before);
    });

    it('keys belong to the caller: another user with the same key gets their own case', async () => {
      const body = caseBody({ title: '各自的幂等键' });
      const a = await op.post('/api/cases', body, { 'idempotency-key': 'shared-key' });
      const other = await t.login('dispatcher');
      const b = await other.post('/api/cases', body, { 'idempotency-key': 'shared-key' });
      expect([a.status, b.status]).toEqual([201, 201]);
      expect(b.json.id).not.toBe(a.json.id);
    });

    it('ten concurrent retries with one key make exactly one case', async () => {
      const body = caseBody({ title: '并发重试的工单' });
      const results = await Promise.all(Array.from({ length: 10 }, () => op.post('/api/cases', body, { 'idempotency-key': 'burst-1' })));
      const statuses = results.map((r) => r.status).sort();
      expect(statuses, results.map((r) => r.body).join('\n')).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
      expect(new Set(results.map((r) => r.json.id)).size).toBe(1);
      expect(await count(`SELECT count(*)::int AS n FROM cases WHERE title = $1`, [body.title])).toBe(1);
      expect(await count(`SELECT count(*)::int AS n FROM idempotency_keys WHERE key = 'burst-1'`)).toBe(1);
    });

    it('validates the header', async () => {
      expectProblem(await op.post('/api/cases', caseBody(), { 'idempotency-key': 'k'.repeat(201) }), 400, 'idempotency-key');
    });
  });

  describe('read', () => {
    it('gets a case by id and by number with its timeline and the caller’s actions', async () => {
      const c = (await op.post('/api/cases', caseBody({ title: '按编号查询' }))).json;
      const byId = await op.get(`/api/cases/${c.id}`);
      const byNo = await op.get(`/api/cases/${c.no}`);
      expect(byId.status).toBe(200);
      expect(byNo.status).toBe(200);
      expect(byNo.json.id).toBe(c.id);
      expect(byId.json).toMatchObject({ no: c.no, categoryName: '路灯照明', location: { divisionName: '学坡社区' }, attachments: [], assistUnits: [] });
      expect(byId.json.timeline).toEqual([
        expect.objectContaining({ seq: 1, action: 'create', actionLabel: '登记', fromStatus: null, toStatus: 'registered', actor: { id: world.users.operator.id, name: 'operator' } }),
      ]);
      expect(byId.json.availableActions).toEqual(expect.arrayContaining(['dispatch', 'close_directly', 'cancel', 'transfer_police', 'note']));
      expect(byId.json.availableActions).not.toContain('accept');
    });

    it('404 problem+json for an unknown id or number', async () => {
      expectProblem(await op.get('/api/cases/01900000-0000-7000-8000-000000000000'), 404);
      expectProblem(await op.get('/api/cases/20990101000001'), 404);
      expectProblem(await op.get(`/api/cases/${'9'.repeat(65)}`), 400, 'ref');
    });
  });

  describe('location', () => {
    it('resolves by grid id: the grid fixes the division', async () => {
      const res = await op.post('/api/cases', caseBody({ location: { gridId: world.grid.id, address: '网格内' } }));
      expect(res.status, res.body).toBe(201);
      expect(res.json.location).toMatchObject({ gridId: world.grid.id, divisionCode: '430602005001' });
      expectProblem(await op.post('/api/cases', caseBody({ location: { gridId: world.grid.id, divisionCode: '430603' } })), 422, 'location.divisionCode');
    });

    it('resolves by a point inside the seeded grid', async () => {
      const res = await op.post('/api/cases', caseBody({ location: { lng: 113.105, lat: 29.365 } }));
      expect(res.status, res.body).toBe(201);
      expect(res.json.location).toMatchObject({ lng: 113.105, lat: 29.365, gridId: world.grid.id, divisionCode: '430602005001' });
      const got = await op.get(`/api/cases/${res.json.id}`);
      expect(got.json.location.gridName).toBe('学坡社区第一网格');
    });

    it('resolves by division code; a point outside every grid falls back to it', async () => {
      const byDivision = await op.post('/api/cases', caseBody({ location: { divisionCode: '430603001' } }));
      expect(byDivision.json.location).toMatchObject({ gridId: null, divisionCode: '430603001' });
      const outside = await op.post('/api/cases', caseBody({ location: { lng: 113.3, lat: 29.5, divisionCode: '430603' } }));
      expect(outside.json.location).toMatchObject({ gridId: null, divisionCode: '430603', lng: 113.3 });
      // Nothing given: the caller's unit area.
      const none = await op.post('/api/cases', caseBody({ location: undefined }));
      expect(none.json.location).toMatchObject({ gridId: null, divisionCode: '4306' });
    });
  });

  describe('list', () => {
    // A fixture of cases that differ in one attribute each.
    let fx: Record<'c1' | 'c2' | 'c3' | 'c4' | 'c5', any>;
    let all: any[];
    const list = async (client: Client, qs: string) => {
      const res = await client.get(`/api/cases?${qs}`);
      expect(res.status, res.body).toBe(200);
      return res.json.items as any[];
    };
    const ids = (items: any[]) => items.map((i) => i.id);

    beforeAll(async () => {
      const mk = async (over: Record<string, unknown>) => {
        await sleep(3);
        const r = await op.post('/api/cases', caseBody(over));
        expect(r.status, r.body).toBe(201);
        return r.json;
      };
      const c1 = await mk({ title: '网格内井盖缺失', categoryCode: '0103', location: { gridId: world.grid.id, address: '洞庭北路 12 号' } });
      const c2 = await mk({ channel: 'wechat', type: 'help', urgency: 'urgent', categoryCode: '0201', title: '云溪夜间施工噪声', location: { divisionCode: '430603001' } });
      const c3 = await mk({ channel: 'grid', type: 'suggestion', categoryCode: '0301', title: '建议增开公交夜班车', location: { divisionCode: '430602005' } });
      const c4 = await mk({ title: '小区积水严重' });
      const c5 = await mk({ title: '路面坑洼需修补', categoryCode: '0102' });
      await sleep(3);
      const d4 = await op.post(`/api/cases/${c4.id}/dispatch`, { leadUnitId: world.units.cgA.id, assistUnitIds: [world.units.zjA.id] });
      expect(d4.status, d4.body).toBe(200);
      await op.post(`/api/cases/${c5.id}/dispatch`, { leadUnitId: world.units.cgA.id });
      const handler = await t.login('handler_a');
      expect((await handler.post(`/api/cases/${c5.id}/accept`)).status).toBe(200);
      fx = { c1, c2, c3, c4: d4.json, c5 };
      all = await list(op, 'limit=200');
    });

    it('filters by status, channel, type and urgency (comma lists too)', async () => {
      const dispatched = await list(op, 'status=dispatched');
      expect(dispatched.every((c) => c.status === 'dispatched')).toBe(true);
      expect(ids(dispatched)).toContain(fx.c4.id);
      expect(ids(dispatched)).not.toContain(fx.c1.id);
      const two = await list(op, 'status=dispatched,accepted&limit=200');
      expect(ids(two)).toEqual(expect.arrayContaining([fx.c4.id, fx.c5.id]));
      expect(two.every((c) => ['dispatched', 'accepted'].includes(c.status))).toBe(true);

      const wechat = await list(op, 'channel=wechat');
      expect(ids(wechat)).toEqual([fx.c2.id]);
      const grid = await list(op, 'channel=grid,wechat');
      expect(ids(grid).sort()).toEqual([fx.c2.id, fx.c3.id].sort());
      expect(ids(await list(op, 'type=help'))).toEqual([fx.c2.id]);
      expect(ids(await list(op, 'type=suggestion'))).toEqual([fx.c3.id]);
      expect(ids(await list(op, 'urgency=urgent'))).toEqual([fx.c2.id]);
      const normal = await list(op, 'urgency=normal&limit=200');
      expect(normal.length).toBe(all.length - 1);
    });

    it('filters by unit (lead or assisting), division prefix, grid and category branch', async () => {
      expect(ids(await list(op, `unitId=${world.units.zjA.id}`))).toEqual([fx.c4.id]);
      const cgA = await list(op, `unitId=${world.units.cgA.id}&limit=200`);
      expect(ids(cgA)).toEqual(expect.arrayContaining([fx.c4.id, fx.c5.id]));
      expect(cgA.every((c) => c.leadUnitId === world.units.cgA.id || c.assistUnitIds.includes(world.units.cgA.id))).toBe(true);

      const yunxi = await list(op, 'divisionCode=430603&limit=200');
      expect(ids(yunxi)).toContain(fx.c2.id);
      expect(yunxi.every((c) => c.location.divisionCode.startsWith('430603'))).toBe(true);
      const street = await list(op, 'divisionCode=430602005&limit=200');
      expect(ids(street)).toEqual(expect.arrayContaining([fx.c1.id, fx.c3.id, fx.c4.id]));
      expect(ids(street)).not.toContain(fx.c2.id);

      const inGrid = await list(op, `gridId=${world.grid.id}&limit=200`);
      expect(ids(inGrid)).toContain(fx.c1.id);
      expect(inGrid.every((c) => c.location.gridId === world.grid.id)).toBe(true);

      const env = await list(op, 'categoryCode=02&limit=200');
      expect(ids(env)).toContain(fx.c2.id);
      expect(env.every((c) => c.categoryCode.startsWith('02'))).toBe(true);
      expect(ids(env)).not.toContain(fx.c1.id);
      const urban = await list(op, 'categoryCode=01&limit=200');
      expect(ids(urban)).toEqual(expect.arrayContaining([fx.c1.id, fx.c4.id, fx.c5.id]));
      expect(urban.every((c) => c.categoryCode.startsWith('01'))).toBe(true);
      expect(ids(await list(op, 'categoryCode=0103'))).toEqual([fx.c1.id]);
    });

    it('filters by created and updated ranges', async () => {
      const created = await list(op, `createdFrom=${encodeURIComponent(fx.c2.createdAt)}&createdTo=${encodeURIComponent(fx.c4.createdAt)}&limit=200`);
      expect(ids(created).sort()).toEqual([fx.c2.id, fx.c3.id].sort());
      const fromC4 = await list(op, `createdFrom=${encodeURIComponent(fx.c4.createdAt)}&limit=200`);
      expect(ids(fromC4).sort()).toEqual([fx.c4.id, fx.c5.id].sort());
      const before = await list(op, `createdTo=${encodeURIComponent(fx.c1.createdAt)}&limit=200`);
      expect(ids(before)).not.toContain(fx.c1.id);
      expect(before.every((c) => c.createdAt < fx.c1.createdAt)).toBe(true);

      // c4 and c5 were changed after c5 was created; the others were not.
      const updated = await list(op, `updatedFrom=${encodeURIComponent(fx.c4.updatedAt)}&limit=200`);
      expect(ids(updated)).toEqual(expect.arrayContaining([fx.c4.id, fx.c5.id]));
      expect(ids(updated)).not.toContain(fx.c1.id);
      const notUpdated = await list(op, `updatedTo=${encodeURIComponent(fx.c4.updatedAt)}&limit=200`);
      expect(ids(notUpdated)).toContain(fx.c1.id);
      expect(ids(notUpdated)).not.toContain(fx.c4.id);
    });

    it('searches number, title, description and address; wildcards are literal', async () => {
      expect(ids(await list(op, `q=${fx.c3.no}`))).toEqual([fx.c3.id]);
      expect(ids(await list(op, `q=${encodeURIComponent('井盖')}`))).toEqual([fx.c1.id]);
      expect(ids(await list(op, `q=${encodeURIComponent('洞庭北路')}`))).toEqual([fx.c1.id]);
      expect(ids(await list(op, `q=${encodeURIComponent('建湘路交叉口')}&limit=200`)).length).toBeGreaterThanOrEqual(5);
      expect(await list(op, 'q=%25')).toEqual([]);
      expect(await list(op, 'q=_')).toEqual([]);
    });

    it('mine: cases I handle, reported or registered', async () => {
      const handler = await t.login('handler_a');
      expect(ids(await list(handler, 'mine=true'))).toEqual([fx.c5.id]);
      const visible = await list(handler, 'limit=200');
      expect(ids(visible)).toEqual(expect.arrayContaining([fx.c4.id, fx.c5.id]));
      expect(ids(await list(handler, 'mine=false&limit=200')).sort()).toEqual(ids(visible).sort());
      const dispatcher = await t.login('dispatcher');
      expect(ids(await list(dispatcher, 'mine=true&limit=200'))).not.toContain(fx.c1.id);
      expect((await list(op, 'mine=true&limit=200')).every((c) => c.createdBy === world.users.operator.id)).toBe(true);
    });

    it('refuses bad filter values with 400 naming the parameter', async () => {
      for (const [qs, field] of [
        ['status=bogus', 'status'],
        ['channel=fax', 'channel'],
        ['urgency=now', 'urgency'],
        ['unitId=not-a-uuid', 'unitId'],
        ['gridId=1', 'gridId'],
        ['divisionCode=43x', 'divisionCode'],
        ['createdFrom=yesterday', 'createdFrom'],
        ['updatedTo=2026-13-45', 'updatedTo'],
        ['mine=maybe', 'mine'],
        ['limit=0', 'limit'],
        ['limit=201', 'limit'],
        ['limit=ten', 'limit'],
        ['colour=red', 'colour'],
      ]) {
        expectProblem(await op.get(`/api/cases?${qs}`), 400, field);
      }
    });

    it('walks every page by cursor with no duplicates and no gaps', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: Res = await op.get(`/api/cases?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status, res.body).toBe(200);
        expect(res.json.items.length).toBeLessThanOrEqual(3);
        seen.push(...ids(res.json.items));
        cursor = res.json.nextCursor;
        pages++;
      } while (cursor && pages < 100);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(ids(all));
      // Filters and the cursor combine.
      const first = await op.get('/api/cases?limit=1&status=dispatched,accepted');
      const second = await op.get(`/api/cases?limit=1&status=dispatched,accepted&cursor=${first.json.nextCursor}`);
      expect([...ids(first.json.items), ...ids(second.json.items)]).toEqual(ids(all.filter((c) => ['dispatched', 'accepted'].includes(c.status))).slice(0, 2));
    });

    it('pages correctly through cases created within the same millisecond', async () => {
      const tag = '同一时刻批量登记';
      await Promise.all(Array.from({ length: 12 }, (_, i) => op.post('/api/cases', caseBody({ title: `${tag}${i}` }))));
      const full = ids(await list(op, `q=${encodeURIComponent(tag)}&limit=200`));
      expect(full.length).toBe(12);
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let i = 0; i < 20; i++) {
        const res: Res = await op.get(`/api/cases?q=${encodeURIComponent(tag)}&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...ids(res.json.items));
        cursor = res.json.nextCursor;
        if (!cursor) break;
      }
      expect(seen).toEqual(full);
    });

    it('refuses a cursor it did not issue, naming cursor', async () => {
      expectProblem(await op.get('/api/cases?cursor=garbage'), [400, 422], 'cursor');
      expectProblem(await op.get(`/api/cases?cursor=${Buffer.from('{"a":1}').toString('base64url')}`), [400, 422], 'cursor');
      expectProblem(await op.get(`/api/cases?cursor=${encodeCursor('1', fx.c1.id)}`), [400, 422], 'cursor');
      expectProblem(await op.get(`/api/cases?cursor=${encodeCursor('not a date', fx.c1.id)}`), [400, 422], 'cursor');
      expectProblem(await op.get(`/api/cases?cursor=${encodeCursor(new Date().toISOString(), 'x')}`), [400, 422], 'cursor');
      expectProblem(await op.get(`/api/cases?cursor=${'a'.repeat(201)}`), 400, 'cursor');
    });

    /** Every page of a query, following nextCursor. */
    const walk = async (client: Client, qs: string, pageSize = 2) => {
      const seen: any[] = [];
      let cursor: string | null = null;
      for (let i = 0; i < 200; i++) {
        const res: Res = await client.get(`/api/cases?${qs}&limit=${pageSize}${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status, res.body).toBe(200);
        seen.push(...res.json.items);
        cursor = res.json.nextCursor;
        if (!cursor) break;
      }
      return seen;
    };

    it('sorts by creation either way, by last change and by urgency, and pages each sort by cursor without gaps', async () => {
      const full = await list(op, 'limit=200');
      const asc = await walk(op, 'sort=created_asc');
      expect(ids(asc)).toEqual(ids(full).reverse());
      const updated = await walk(op, 'sort=updated_desc', 3);
      expect(new Set(ids(updated)).size).toBe(full.length);
      for (let i = 1; i < updated.length; i++) expect(updated[i - 1].updatedAt >= updated[i].updatedAt).toBe(true);
      // c5 was accepted after c4 was dispatched, and both changed after c1 was registered.
      const at = (id: string) => ids(updated).indexOf(id);
      expect(at(fx.c5.id)).toBeLessThan(at(fx.c4.id));
      expect(at(fx.c4.id)).toBeLessThan(at(fx.c1.id));
      const urgent = await walk(op, 'sort=urgency');
      expect(ids(urgent)).toEqual([fx.c2.id, ...ids(full).filter((id) => id !== fx.c2.id)]);
      // The default sort is the newest first, the same as before.
      expect(ids(await walk(op, 'sort=created_desc', 4))).toEqual(ids(full));
    });

    it('sorts by deadline, nearest first and cases without a clock last, and filters by warning', async () => {
      const db = t.server.ctx.db;
      const hour = 3600_000;
      await db.query(`UPDATE cases SET due_at = $2, warning = 'red' WHERE id = $1`, [fx.c3.id, new Date(Date.now() - 2 * hour)]);
      await db.query(`UPDATE cases SET due_at = $2, warning = 'yellow' WHERE id = $1`, [fx.c1.id, new Date(Date.now() + hour)]);
      await db.query(`UPDATE cases SET due_at = $2, warning = 'none' WHERE id = $1`, [fx.c2.id, new Date(Date.now() + 50 * hour)]);
      const byDue = await walk(op, 'sort=due_asc');
      const full = await list(op, 'limit=200');
      expect(new Set(ids(byDue))).toEqual(new Set(ids(full)));
      const due = byDue.map((c) => c.deadline.dueAt as string | null);
      const firstNull = due.indexOf(null);
      const timed = firstNull < 0 ? due : due.slice(0, firstNull);
      expect(timed.every((d, i) => i === 0 || Date.parse(timed[i - 1]!) <= Date.parse(d!))).toBe(true);
      if (firstNull >= 0) expect(due.slice(firstNull).every((d) => d === null)).toBe(true);
      expect(ids(byDue).indexOf(fx.c3.id)).toBeLessThan(ids(byDue).indexOf(fx.c1.id));
      expect(ids(byDue).indexOf(fx.c1.id)).toBeLessThan(ids(byDue).indexOf(fx.c2.id));

      const red = await list(op, 'warning=red&limit=200');
      expect(ids(red)).toEqual([fx.c3.id]);
      expect(red[0].deadline).toMatchObject({ warning: 'red' });
      expect(ids(await list(op, 'warning=yellow'))).toEqual([fx.c1.id]);
      expect(ids(await list(op, 'warning=yellow,red&sort=due_asc'))).toEqual([fx.c3.id, fx.c1.id]);
      expectProblem(await op.get('/api/cases?warning=orange'), 400, 'warning');
      await db.query(`UPDATE cases SET due_at = NULL, warning = 'none' WHERE id = ANY ($1)`, [[fx.c1.id, fx.c2.id, fx.c3.id]]);
    });

    it('refuses an unknown sort, and a cursor issued for another sort, naming the parameter', async () => {
      expectProblem(await op.get('/api/cases?sort=random'), 400, 'sort');
      const page = await op.get('/api/cases?limit=1&sort=created_asc');
      expect(page.json.nextCursor).toBeTruthy();
      expectProblem(await op.get(`/api/cases?limit=1&sort=updated_desc&cursor=${page.json.nextCursor}`), [400, 422], 'cursor');
      expectProblem(await op.get(`/api/cases?limit=1&cursor=${page.json.nextCursor}`), [400, 422], 'cursor');
      const fake = Buffer.from(JSON.stringify({ s: 'due_asc', k: "2026-01-01'; DROP TABLE cases;--", id: fx.c1.id })).toString('base64url');
      expectProblem(await op.get(`/api/cases?sort=due_asc&cursor=${fake}`), [400, 422], 'cursor');
    });

    it('counts the matches with withTotal, for every page and with filters, text search and the caller’s scope', async () => {
      const full = await list(op, 'limit=200');
      const first = await op.get('/api/cases?limit=2&withTotal=true');
      expect(first.json).toMatchObject({ total: full.length, totalCapped: false });
      const second = await op.get(`/api/cases?limit=2&withTotal=true&cursor=${first.json.nextCursor}`);
      expect(second.json.total).toBe(full.length);
      const dispatched = await op.get('/api/cases?status=dispatched&withTotal=true');
      expect(dispatched.json.total).toBe(full.filter((c) => c.status === 'dispatched').length);
      const text = await op.get(`/api/cases?q=${encodeURIComponent('井盖')}&withTotal=true`);
      expect(text.json.total).toBe(1);
      // Without the flag no count is made or sent.
      expect((await op.get('/api/cases?limit=1')).json).not.toHaveProperty('total');
      // A handler counts only what the handler may see.
      const handler = await t.login('handler_a');
      const visible = await list(handler, 'limit=200');
      expect((await handler.get('/api/cases?limit=1&withTotal=true')).json.total).toBe(visible.length);
      expectProblem(await op.get('/api/cases?withTotal=yes'), 400, 'withTotal');
    });
  });
});
