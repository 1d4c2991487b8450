/**
 * 一张图 API: compact case points and density cells, always within the
 * caller's jurisdiction, with the list's filters; a point's popup; and the
 * public runtime client configuration (base tiles, where the map opens).
 */
import { describe, it, expect } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_DATABASES, useTestServer, caseBody, loginCitizen, silentLogger, type Client, type TestServer, type World } from './helpers.ts';
import { buildServer } from '../src/server.ts';
import { loadConfig } from '../src/platform/config.ts';

type Res = Awaited<ReturnType<TestServer['request']>>;
type Point = [string, string, number, number, string, string, string | null];

function expectProblem(res: Res, status: number, field?: string) {
  expect(res.status, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  if (field) expect(res.json.errors?.map((e: any) => e.field), res.body).toContain(field);
}

const nos = (res: Res) => (res.json.points as Point[]).map((p) => p[1]).sort();

describe.each(TEST_DATABASES)('map API on $name', (tdb) => {
  let t: TestServer;
  let world: World;
  let opA: Client;
  let opB: Client;
  // 岳阳楼区: a street lamp in the grid, a dispatched road case, an urban case without a point; 云溪区: one case.
  const A: Record<'lamp' | 'road' | 'nowhere', any> = {} as any;
  let B: any;

  useTestServer(tdb, async (s) => {
    t = s.t;
    world = s.world;
    opA = await t.login('operator_a');
    opB = await t.login('operator_b');
    const make = async (c: Client, body: Record<string, unknown>) => {
      const r = await c.post('/api/cases', caseBody(body));
      expect(r.status, r.body).toBe(201);
      return r.json;
    };
    A.lamp = await make(opA, { title: '学坡社区路灯不亮', categoryCode: '0101', channel: 'hotline', location: { address: '学坡路', lng: 113.105, lat: 29.365 } });
    A.road = await make(opA, { title: '东茅岭路面坑洼', categoryCode: '0102', channel: 'web', location: { address: '东茅岭路', lng: 113.2, lat: 29.4, divisionCode: '430602005001' } });
    A.nowhere = await make(opA, { title: '社区噪音扰民', categoryCode: '0201', location: { address: '不详', divisionCode: '430602005001' } });
    const d = await opA.post(`/api/cases/${A.road.id}/dispatch`, { leadUnitId: world.units.cgA.id });
    expect(d.status, d.body).toBe(200);
    // 云溪区's case sits near 岳阳楼区's (inside a bbox around them), outside every grid.
    B = await make(opB, { title: '云溪区的工单', categoryCode: '0101', location: { address: '云溪路', lng: 113.3, lat: 29.45, divisionCode: '430603001' } });
    // The lamp case is overdue (the sweeper would set this when its clock runs out).
    await t.server.ctx.db.query(`UPDATE cases SET warning = 'red' WHERE id = $1`, [A.lamp.id]);
  });

  it('returns compact points of the caller\'s jurisdiction only, with counts', async () => {
    const a = await opA.get('/api/map/cases');
    expect(a.status, a.body).toBe(200);
    expect(a.headers['content-type']).toMatch(/^application\/json/);
    expect(nos(a)).toEqual([A.lamp.no, A.road.no].sort());
    expect(a.json).toMatchObject({ total: 3, located: 2, shown: 2, truncated: false });
    const lamp = (a.json.points as Point[]).find((p) => p[1] === A.lamp.no)!;
    expect(lamp).toEqual([A.lamp.id, A.lamp.no, 113.105, 29.365, 'registered', 'red', '0101']);
    // Never personal data: no reporter name or phone, not even the title.
    expect(a.body).not.toContain('13812345678');
    expect(a.body).not.toContain('张三');
    expect(a.body).not.toContain('路灯不亮');

    const b = await opB.get('/api/map/cases');
    expect(nos(b)).toEqual([B.no]);
    expect(b.json.total).toBe(1);
    // A county admin of 云溪区 and a handler of 岳阳楼区's city management see only their own.
    expect(nos(await (await t.login('admin_b')).get('/api/map/cases'))).toEqual([B.no]);
    expect(nos(await (await t.login('handler_a')).get('/api/map/cases'))).toEqual([A.road.no]);
    // The city-wide operator and the superuser see both counties.
    expect(nos(await (await t.login('operator')).get('/api/map/cases'))).toEqual([A.lamp.no, A.road.no, B.no].sort());
    expect(nos(await (await t.login('admin')).get('/api/map/cases'))).toEqual([A.lamp.no, A.road.no, B.no].sort());
  });

  it('no filter, bbox or division reaches another county\'s case', async () => {
    for (const q of ['divisionCode=430603', 'divisionCode=43', 'bbox=113,29,114,30', `categoryCode=0101`, 'status=registered', 'warning=none']) {
      const r = await opA.get(`/api/map/cases?${q}`);
      expect(r.status, r.body).toBe(200);
      expect(nos(r), q).not.toContain(B.no);
    }
    expect((await opA.get('/api/map/cases?divisionCode=430603')).json.total).toBe(0);
    expect((await opA.get(`/api/map/cases/${B.no}`)).status).toBe(404);
    expect((await opA.get(`/api/map/cases/${B.id}`)).status).toBe(404);
    const d = await opA.get('/api/map/density?cell=1');
    expect(d.json.total).toBe(2);
  });

  it('applies the list\'s filters', async () => {
    const q = async (query: string) => nos(await opA.get(`/api/map/cases?${query}`));
    expect(await q('status=dispatched')).toEqual([A.road.no]);
    expect(await q('status=registered,dispatched')).toEqual([A.lamp.no, A.road.no].sort());
    expect(await q('status=closed')).toEqual([]);
    expect(await q('warning=red')).toEqual([A.lamp.no]);
    expect(await q('warning=none,yellow')).toEqual([A.road.no]);
    expect(await q('categoryCode=01')).toEqual([A.lamp.no, A.road.no].sort());
    expect(await q('categoryCode=0102')).toEqual([A.road.no]);
    expect(await q('channel=web')).toEqual([A.road.no]);
    expect(await q('type=complaint')).toEqual([A.lamp.no, A.road.no].sort());
    expect(await q('type=praise')).toEqual([]);
    expect(await q(`gridId=${world.grid.id}`)).toEqual([A.lamp.no]);
    expect(await q('divisionCode=430602005')).toEqual([A.lamp.no, A.road.no].sort());
    const future = encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString());
    const past = encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString());
    expect(await q(`createdFrom=${future}`)).toEqual([]);
    expect(await q(`createdFrom=${past}&createdTo=${future}`)).toEqual([A.lamp.no, A.road.no].sort());
    // bbox: only the lamp's corner; counts still describe every match.
    const box = await opA.get('/api/map/cases?bbox=113.1,29.36,113.11,29.37');
    expect(nos(box)).toEqual([A.lamp.no]);
    expect(box.json).toMatchObject({ total: 3, located: 2, shown: 1 });
    // The newest point first when cut at the limit.
    const one = await opA.get('/api/map/cases?limit=1');
    expect(one.json).toMatchObject({ shown: 1, truncated: true, limit: 1 });
    expect(nos(one)).toEqual([A.road.no]);
  });

  it('counts located cases per cell for the heat layer', async () => {
    const r = await opA.get('/api/map/density?cell=0.01');
    expect(r.status, r.body).toBe(200);
    expect(r.json.total).toBe(2);
    expect(r.json.cells).toHaveLength(2);
    const lampCell = r.json.cells.find((c: number[]) => Math.abs(c[0] - 113.105) <= 0.005 && Math.abs(c[1] - 29.365) <= 0.005);
    expect(lampCell?.[2]).toBe(1);
    // A coarse cell holds both; filters apply as for points.
    expect((await opA.get('/api/map/density?cell=1')).json.cells).toEqual([[113.5, 29.5, 2]]);
    expect((await opA.get('/api/map/density?cell=1&status=dispatched')).json.total).toBe(1);
    expect((await opB.get('/api/map/density?cell=1')).json.cells).toEqual([[113.5, 29.5, 1]]);
  });

  it('opens a point: number, title, status, no personal data; 404 outside the jurisdiction', async () => {
    const r = await opA.get(`/api/map/cases/${A.lamp.no}`);
    expect(r.status, r.body).toBe(200);
    expect(r.json).toMatchObject({ id: A.lamp.id, no: A.lamp.no, title: '学坡社区路灯不亮', status: 'registered', statusLabel: '已受理', warning: 'red', categoryCode: '0101' });
    expect(r.body).not.toContain('13812345678');
    expect(r.body).not.toContain('张三');
    expect((await opA.get(`/api/map/cases/${A.lamp.id}`)).json.no).toBe(A.lamp.no);
    expectProblem(await opB.get(`/api/map/cases/${A.lamp.no}`), 404);
  });

  it('refuses bad input with 4xx naming the field', async () => {
    expectProblem(await opA.get('/api/map/cases?status=bogus'), 400, 'status');
    expectProblem(await opA.get('/api/map/cases?warning=orange'), 400, 'warning');
    expectProblem(await opA.get('/api/map/cases?channel=fax'), 400, 'channel');
    expectProblem(await opA.get('/api/map/cases?bbox=1,2,3'), 400, 'bbox');
    expectProblem(await opA.get('/api/map/cases?bbox=114,29,113,30'), 400, 'bbox');
    expectProblem(await opA.get('/api/map/cases?bbox=a,b,c,d'), 400, 'bbox');
    expectProblem(await opA.get('/api/map/cases?bbox=0,0,200,10'), 400, 'bbox');
    expectProblem(await opA.get('/api/map/cases?limit=0'), 400, 'limit');
    expectProblem(await opA.get('/api/map/cases?limit=50001'), 400, 'limit');
    expectProblem(await opA.get('/api/map/cases?gridId=abc'), 400, 'gridId');
    expectProblem(await opA.get('/api/map/cases?divisionCode=43x'), 400, 'divisionCode');
    expectProblem(await opA.get('/api/map/cases?categoryCode=01%27'), 400, 'categoryCode');
    expectProblem(await opA.get('/api/map/cases?createdFrom=yesterday'), 400, 'createdFrom');
    expectProblem(await opA.get('/api/map/cases?colour=red'), 400, 'colour');
    expectProblem(await opA.get('/api/map/density?cell=0'), 400, 'cell');
    expectProblem(await opA.get('/api/map/density?cell=abc'), 400, 'cell');
    expectProblem(await opA.get('/api/map/cases/' + 'x'.repeat(65)), 400, 'ref');
  });

  it('is for staff: 401 signed out, 403 for citizens', async () => {
    expectProblem(await t.request('GET', '/api/map/cases'), 401);
    expectProblem(await t.request('GET', '/api/map/density'), 401);
    const citizen = await loginCitizen(t, '13900001111');
    expectProblem(await citizen.get('/api/map/cases'), 403);
    expectProblem(await citizen.get(`/api/map/cases/${A.lamp.no}`), 403);
  });

  it('serves the public client configuration: no tiles by default, centred on the grids', async () => {
    const r = await t.request('GET', '/api/client-config');
    expect(r.status, r.body).toBe(200);
    expect(r.json.map.tileUrl).toBeNull();
    // The single test grid spans 113.10–113.11, 29.36–29.37.
    expect(r.json.map.center[0]).toBeCloseTo(113.105, 5);
    expect(r.json.map.center[1]).toBeCloseTo(29.365, 5);
    expect(r.json.map.zoom).toBeGreaterThanOrEqual(12);
  });

  it('passes configured base tiles and centre through to the console', async () => {
    const s = await buildServer({
      db: t.server.ctx.db,
      logger: silentLogger(),
      config: {
        ...loadConfig({ ZHILI_MAP_TILE_URL: 'https://tiles.example.org/{z}/{x}/{y}.png', ZHILI_MAP_TILE_ATTRIBUTION: '© 测绘', ZHILI_MAP_CENTER: '113.1,29.37', ZHILI_MAP_ZOOM: '11' }),
        demo: false,
        databaseUrl: 'unused',
        filesDir: mkdtempSync(join(tmpdir(), 'zhili-files-')),
        webDir: '/nonexistent',
        classifierSchedule: false,
        sweepSeconds: 0,
      },
    });
    try {
      const r = await s.app.inject({ method: 'GET', url: '/api/client-config' });
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json()).toEqual({ map: { tileUrl: 'https://tiles.example.org/{z}/{x}/{y}.png', attribution: '© 测绘', center: [113.1, 29.37], zoom: 11 } });
    } finally {
      await s.close();
    }
  });
});

describe('map settings from the environment', () => {
  it('reads tile URL, attribution, centre and zoom; a malformed value stops the start naming the variable', () => {
    expect(loadConfig({})).toMatchObject({ mapTileUrl: null, mapTileAttribution: '', mapCenter: null, mapZoom: null });
    expect(loadConfig({ ZHILI_MAP_TILE_URL: ' https://t/{z}/{x}/{y}.png ', ZHILI_MAP_CENTER: '113.13, 29.37', ZHILI_MAP_ZOOM: '12' })).toMatchObject({
      mapTileUrl: 'https://t/{z}/{x}/{y}.png',
      mapCenter: [113.13, 29.37],
      mapZoom: 12,
    });
    expect(() => loadConfig({ ZHILI_MAP_CENTER: '200,29' })).toThrow(/ZHILI_MAP_CENTER: expected/);
    expect(() => loadConfig({ ZHILI_MAP_ZOOM: 'x' })).toThrow(/ZHILI_MAP_ZOOM: expected an integer 1-19/);
    expect(() => loadConfig({ ZHILI_MAP_CENTER: '113,29,1' })).toThrow(/ZHILI_MAP_CENTER/);
  });
});
