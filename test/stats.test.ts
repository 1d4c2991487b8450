/** The stats API: rates by their documented definitions, volumes, rankings, overdue, xlsx; scoped like every read. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import ExcelJS from 'exceljs';
import { TEST_DATABASES, seedWorld, startTestServer, caseBody, type TestServer, type World } from './helpers.ts';
import { rates } from '../src/stats/rates.ts';

describe('rate definitions', () => {
  it('divides by the right denominators and reports no data as null', () => {
    const r = rates({ registered: 10, dispatched: 8, accepted_on_time: 6, closed: 5, solved: 4, rated: 4, satisfied: 3, replied: 6, replied_on_time: 3, overdue: 1 });
    expect(r).toMatchObject({ responseRate: 0.75, resolutionRate: 0.8, satisfactionRate: 0.75, onTimeRate: 0.5 });
    expect(rates({ registered: 0, dispatched: 0, accepted_on_time: 0, closed: 0, solved: 0, rated: 0, satisfied: 0, replied: 0, replied_on_time: 0, overdue: 0 }).responseRate).toBeNull();
  });
});

describe.each(TEST_DATABASES)('stats API on $name', (tdb) => {
  let t: TestServer;
  let world: World;
  const from = new Date(Date.now() - 3600_000).toISOString();
  const to = new Date(Date.now() + 3600_000).toISOString();
  beforeAll(async () => {
    const db = await tdb.open();
    world = await seedWorld(db);
    t = await startTestServer(db);
    const op = await t.login('operator');
    const h = await t.login('handler_a');
    // Two cases handled end to end (ratings 5 and 2), one dispatched and left, one in 云溪区.
    for (const rating of [5, 2]) {
      const c = await op.post('/api/cases', caseBody({ channel: 'hotline' }));
      await op.post(`/api/cases/${c.json.id}/dispatch`, { leadUnitId: world.units.cgA.id });
      await h.post(`/api/cases/${c.json.id}/accept`);
      await h.post(`/api/cases/${c.json.id}/reply`, { reply: '已处理' });
      await op.post(`/api/cases/${c.json.id}/verify`, { solved: true });
      await op.post(`/api/cases/${c.json.id}/close`);
      await op.post(`/api/cases/${c.json.id}/rate`, { rating });
    }
    const left = await op.post('/api/cases', caseBody({ channel: 'wechat' }));
    await op.post(`/api/cases/${left.json.id}/dispatch`, { leadUnitId: world.units.cgA.id });
    await op.post('/api/cases', caseBody({ location: { divisionCode: '430603001' } }));
  });
  afterAll(async () => {
    await t?.close();
    await t?.server.ctx.db.close();
  });

  it('overall rates follow the definitions', async () => {
    const op = await t.login('operator');
    const r = await op.get(`/api/stats/rates?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
    expect(r.status, r.body).toBe(200);
    // Three dispatched, two accepted in time (the third not yet accepted): 2/3.
    expect(r.json.items[0]).toMatchObject({ registered: 4, dispatched: 3, closed: 2, rated: 2, responseRate: 0.6667, resolutionRate: 1, satisfactionRate: 0.5, onTimeRate: 1 });
  });

  it('ranks units and divisions, and a county sees only its own', async () => {
    const op = await t.login('operator');
    const byUnit = await op.get(`/api/stats/rates?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&groupBy=unit`);
    expect(byUnit.json.items).toEqual([expect.objectContaining({ rank: 1, name: '岳阳楼区城管局', dispatched: 3 })]);
    const byDiv = await op.get(`/api/stats/rates?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&groupBy=division&level=3`);
    expect(byDiv.json.items.map((i: any) => i.key).sort()).toEqual(['430602', '430603']);
    const b = await t.login('operator_b');
    const mine = await b.get(`/api/stats/rates?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&groupBy=division&level=3`);
    expect(mine.json.items.map((i: any) => i.key)).toEqual(['430603']);
  });

  it('volumes by channel and by day, and an xlsx of the same', async () => {
    const op = await t.login('operator');
    const v = await op.get(`/api/stats/volumes?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&by=channel`);
    expect(v.json.items).toEqual(expect.arrayContaining([{ key: 'hotline', count: 3, name: null }, { key: 'wechat', count: 1, name: null }]));
    const res = await t.app.inject({ method: 'GET', url: `/api/stats/volumes?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&by=day&format=xlsx`, headers: { cookie: op.cookie } });
    expect(res.headers['content-type']).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as any);
    expect(wb.worksheets[0].getRow(2).getCell(3).value).toBe(4);
  });

  it('bad periods are 400 naming the field; citizens may not read stats', async () => {
    const op = await t.login('operator');
    const bad = await op.get(`/api/stats/rates?from=yesterday&to=${encodeURIComponent(to)}`);
    expect(bad.status).toBe(400);
    expect(bad.json.errors[0].field).toBe('from');
  });
});
