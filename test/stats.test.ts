/** The stats API: rates by their documented definitions, volumes, rankings, overdue, xlsx, locality settings; scoped like every read. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import ExcelJS from 'exceljs';
import { TEST_DATABASES, seedWorld, startTestServer, caseBody, loginCitizen, type TestServer, type World, type Client } from './helpers.ts';
import { rates, RATE_COLUMNS, DEFAULT_RATE_SETTINGS } from '../src/stats/rates.ts';
import { areaOf, merge } from '../src/stats/settings.ts';
import { previousPeriod, shanghaiDays } from '../src/stats/queries.ts';

const zero = { registered: 0, dispatched: 0, accepted_on_time: 0, closed: 0, solved: 0, rated: 0, satisfied: 0, replied: 0, replied_on_time: 0, overdue: 0 };

describe('rate definitions', () => {
  it('divides by the right denominators and reports no data as null', () => {
    const r = rates({ registered: 10, dispatched: 8, accepted_on_time: 6, closed: 5, solved: 4, rated: 4, satisfied: 3, replied: 6, replied_on_time: 3, overdue: 1 });
    expect(r).toMatchObject({ responseRate: 0.75, resolutionRate: 0.8, satisfactionRate: 0.75, onTimeRate: 0.5, acceptedOnTime: 6, onTimeBase: 6 });
    expect(rates(zero)).toMatchObject({ responseRate: null, resolutionRate: null, satisfactionRate: null, onTimeRate: null });
  });

  it('counts open cases past their reply limit as late only when the locality says so', () => {
    expect(rates({ ...zero, replied: 3, replied_on_time: 3, open_late: 1 }).onTimeRate).toBe(0.75);
    expect(rates({ ...zero, replied: 0, replied_on_time: 0, open_late: 2 }).onTimeRate).toBe(0);
    expect(RATE_COLUMNS(DEFAULT_RATE_SETTINGS)).toContain('0 AS open_late');
    expect(RATE_COLUMNS({ ...DEFAULT_RATE_SETTINGS, onTimeCountsOpenOverdue: true })).toContain('c.reply_due_at < now()');
  });

  it('merges settings from the general to the specific and finds the area of a request', () => {
    expect(merge(DEFAULT_RATE_SETTINGS, [{ settings: { satisfiedMinStars: 5 } }, { settings: { threeStarsHalf: true } }])).toEqual({ satisfiedMinStars: 5, threeStarsHalf: true, onTimeCountsOpenOverdue: false });
    // A row with an unknown key or a wrong type is ignored rather than trusted.
    expect(merge(DEFAULT_RATE_SETTINGS, [{ settings: { satisfiedMinStars: 'x' } as any }])).toEqual(DEFAULT_RATE_SETTINGS);
    expect(areaOf(['*'])).toBe('*');
    expect(areaOf(['430602'], '430602005')).toBe('430602005');
    expect(areaOf(['430602005', '430602007'])).toBe('430602');
    expect(areaOf(['430602', '440301'])).toBe('*');
  });

  it('fills the Shanghai days of a period and finds the previous one', () => {
    expect(shanghaiDays('2026-02-27T16:00:00Z', '2026-03-02T16:00:00Z')).toEqual(['2026-02-28', '2026-03-01', '2026-03-02']);
    expect(previousPeriod('2026-03-01T00:00:00Z', '2026-03-11T00:00:00Z')).toEqual({ from: '2026-02-19T00:00:00.000Z', to: '2026-03-01T00:00:00.000Z' });
  });
});

describe.each(TEST_DATABASES)('stats API on $name', (tdb) => {
  let t: TestServer;
  let world: World;
  let leftId: string;
  let leftNo: string;
  // One clock reading: two could differ by a millisecond, and the period would not be exactly two hours.
  const now = Date.now();
  const from = new Date(now - 3600_000).toISOString();
  const to = new Date(now + 3600_000).toISOString();
  const period = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
  const sql = (q: string, p: unknown[] = []) => t.server.ctx.db.query(q, p);

  async function xlsxOf(c: Client, url: string) {
    const res = await t.app.inject({ method: 'GET', url, headers: { cookie: c.cookie } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toContain('spreadsheetml');
    expect(String(res.headers['content-disposition'])).toMatch(/attachment; filename=".+\.xlsx"/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as any);
    return wb.worksheets[0];
  }

  beforeAll(async () => {
    const db = await tdb.open();
    world = await seedWorld(db);
    t = await startTestServer(db);
    const op = await t.login('operator');
    const h = await t.login('handler_a');
    // Three cases handled end to end (ratings 5, 2 and 3), one dispatched and left, one in 云溪区.
    for (const rating of [5, 2, 3]) {
      const c = await op.post('/api/cases', caseBody({ channel: 'hotline' }));
      await op.post(`/api/cases/${c.json.id}/dispatch`, { leadUnitId: world.units.cgA.id });
      await h.post(`/api/cases/${c.json.id}/accept`);
      await h.post(`/api/cases/${c.json.id}/reply`, { reply: '已处理' });
      await op.post(`/api/cases/${c.json.id}/verify`, { solved: true });
      await op.post(`/api/cases/${c.json.id}/close`);
      const r = await op.post(`/api/cases/${c.json.id}/rate`, { rating });
      expect(r.status, r.body).toBe(200);
    }
    const left = await op.post('/api/cases', caseBody({ channel: 'wechat', categoryCode: '0201' }));
    leftId = left.json.id;
    leftNo = left.json.no;
    await op.post(`/api/cases/${leftId}/dispatch`, { leadUnitId: world.units.cgA.id });
    const b = await op.post('/api/cases', caseBody({ location: { divisionCode: '430603001' } }));
    expect(b.status, b.body).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
    await t?.server.ctx.db.close();
  });

  it('overall rates follow the definitions, with numerators and denominators', async () => {
    const op = await t.login('operator');
    const r = await op.get(`/api/stats/rates?${period}`);
    expect(r.status, r.body).toBe(200);
    // Four dispatched, three accepted in time (the fourth not yet accepted): 3/4. Ratings 5, 2, 3: one of three at 4+.
    expect(r.json.items[0]).toMatchObject({
      registered: 5,
      dispatched: 4,
      acceptedOnTime: 3,
      closed: 3,
      solved: 3,
      rated: 3,
      satisfied: 1,
      replied: 3,
      repliedOnTime: 3,
      responseRate: 0.75,
      resolutionRate: 1,
      satisfactionRate: 0.3333,
      onTimeRate: 1,
      overdue: 0,
    });
    expect(r.json.settings).toEqual(DEFAULT_RATE_SETTINGS);
  });

  it('ranks units and divisions at a chosen level, and a county sees only its own', async () => {
    const op = await t.login('operator');
    const byUnit = await op.get(`/api/stats/rates?${period}&groupBy=unit`);
    expect(byUnit.json.items).toEqual([expect.objectContaining({ rank: 1, key: world.units.cgA.id, name: '岳阳楼区城管局', dispatched: 4 })]);
    const byDiv = await op.get(`/api/stats/rates?${period}&groupBy=division&level=3`);
    expect(byDiv.json.items.map((i: any) => [i.key, i.name, i.registered])).toEqual(
      expect.arrayContaining([
        ['430602', '岳阳楼区', 4],
        ['430603', '云溪区', 1],
      ]),
    );
    const towns = await op.get(`/api/stats/rates?${period}&groupBy=division&level=4&divisionCode=430602`);
    expect(towns.json.items.map((i: any) => [i.key, i.name, i.registered])).toEqual([['430602005', '东茅岭街道', 4]]);

    const b = await t.login('operator_b');
    const mine = await b.get(`/api/stats/rates?${period}&groupBy=division&level=3`);
    expect(mine.json.items.map((i: any) => i.key)).toEqual(['430603']);
    const mineAll = await b.get(`/api/stats/rates?${period}`);
    expect(mineAll.json.items[0]).toMatchObject({ registered: 1, dispatched: 0, responseRate: null });
    const mineUnits = await b.get(`/api/stats/rates?${period}&groupBy=unit`);
    expect(mineUnits.json.items).toEqual([]);
    // A handler without a jurisdiction counts only its unit's cases.
    const hb = await t.login('handler_b');
    expect((await hb.get(`/api/stats/rates?${period}`)).json.items[0].registered).toBe(0);
    const ha = await t.login('handler_a');
    expect((await ha.get(`/api/stats/rates?${period}`)).json.items[0].registered).toBe(4);
  });

  it('compares with the previous period of the same length', async () => {
    const op = await t.login('operator');
    const r = await op.get(`/api/stats/rates?${period}&compare=true`);
    expect(r.json.previous).toEqual({ from: new Date(Date.parse(from) - 7200_000).toISOString(), to: new Date(Date.parse(from)).toISOString() });
    expect(r.json.items[0].previous).toMatchObject({ registered: 0, responseRate: null });
    const units = await op.get(`/api/stats/rates?${period}&groupBy=unit&compare=true`);
    expect(units.json.items[0].previous).toBeNull();
  });

  it('volumes by channel, by category with names, by unit, and by day split by channel with empty days filled', async () => {
    const op = await t.login('operator');
    const v = await op.get(`/api/stats/volumes?${period}&by=channel`);
    expect(v.json.total).toBe(5);
    expect(v.json.items).toEqual([
      { key: 'hotline', name: null, count: 4 },
      { key: 'wechat', name: null, count: 1 },
    ]);
    const cat = await op.get(`/api/stats/volumes?${period}&by=category`);
    expect(cat.json.items.map((i: any) => [i.key, i.count])).toEqual([
      ['01', 4],
      ['02', 1],
    ]);
    expect(cat.json.items[0].name).toBeTruthy();
    const unit = await op.get(`/api/stats/volumes?${period}&by=unit`);
    expect(unit.json.items).toEqual(expect.arrayContaining([{ key: world.units.cgA.id, name: '岳阳楼区城管局', count: 4 }]));
    const wide = `from=${encodeURIComponent(new Date(Date.now() - 3 * 86_400_000).toISOString())}&to=${encodeURIComponent(to)}`;
    const days = await op.get(`/api/stats/volumes?${wide}&by=day&split=channel`);
    expect(days.status, days.body).toBe(200);
    expect(days.json.items.length).toBeGreaterThanOrEqual(4);
    expect(days.json.items.reduce((n: number, i: any) => n + i.count, 0)).toBe(5);
    const busy = days.json.items.filter((i: any) => i.count > 0);
    const parts = busy.reduce((acc: Record<string, number>, i: any) => {
      for (const [k, n] of Object.entries(i.parts)) acc[k] = (acc[k] ?? 0) + (n as number);
      return acc;
    }, {});
    expect(parts).toEqual({ hotline: 4, wechat: 1 });
    expect(days.json.items[0]).toMatchObject({ count: 0, parts: {} });
  });

  it('serves each figure as xlsx: rates with rate formats, volumes with split columns', async () => {
    const op = await t.login('operator');
    const ws = await xlsxOf(op, `/api/stats/rates?${period}&groupBy=unit&format=xlsx`);
    const header = (ws.getRow(1).values as unknown[]).slice(1);
    expect(header).toEqual(expect.arrayContaining(['名次 rank', '单位 unit', '响应率 response rate', '满意率 satisfaction rate']));
    const col = (h: string) => header.indexOf(h) + 1;
    expect(ws.getRow(2).getCell(col('单位 unit')).value).toBe('岳阳楼区城管局');
    expect(ws.getRow(2).getCell(col('响应率 response rate')).value).toBe(0.75);
    expect(ws.getRow(2).getCell(col('响应率 response rate')).numFmt).toBe('0.0%');
    expect(ws.rowCount).toBe(2);

    const days = await xlsxOf(op, `/api/stats/volumes?${period}&by=day&split=channel&format=xlsx`);
    const dh = (days.getRow(1).values as unknown[]).slice(1);
    expect(dh).toEqual(['day', '名称 name', '数量 count', 'hotline', 'wechat']);
    let total = 0;
    let hotline = 0;
    for (let i = 2; i <= days.rowCount; i++) {
      total += Number(days.getRow(i).getCell(3).value);
      hotline += Number(days.getRow(i).getCell(4).value);
    }
    expect([total, hotline]).toEqual([5, 4]);

    // A county's file holds only the county.
    const b = await t.login('operator_b');
    const bws = await xlsxOf(b, `/api/stats/volumes?${period}&by=channel&format=xlsx`);
    expect(bws.getRow(2).getCell(3).value).toBe(1);
    expect(bws.rowCount).toBe(2);
  });

  it('lists open overdue cases most overdue first, with the total, scoped, and as xlsx', async () => {
    await sql(`UPDATE cases SET warning = 'red', due_at = now() - interval '2 hours', reply_due_at = now() - interval '2 hours' WHERE id = $1`, [leftId]);
    const op = await t.login('operator');
    const r = await op.get(`/api/stats/overdue`);
    expect(r.status, r.body).toBe(200);
    expect(r.json.total).toBe(1);
    expect(r.json.items[0]).toMatchObject({ no: leftNo, leadUnitName: '岳阳楼区城管局', status: 'dispatched' });
    expect(r.json.items[0].overdueMinutes).toBeGreaterThanOrEqual(119);
    expect(r.json.items[0].overdueMinutes).toBeLessThanOrEqual(125);
    const rates = await op.get(`/api/stats/rates?${period}`);
    expect(rates.json.items[0].overdue).toBe(1);
    expect((await op.get(`/api/stats/overdue?unitId=${world.units.zjA.id}`)).json.total).toBe(0);
    const b = await t.login('operator_b');
    expect((await b.get(`/api/stats/overdue`)).json).toMatchObject({ total: 0, items: [] });
    const ws = await xlsxOf(op, `/api/stats/overdue?format=xlsx`);
    expect(ws.getRow(2).getCell(1).value).toBe(leftNo);
  });

  it('locality settings: 3 stars half, the satisfied threshold, open overdue as late; most specific scope wins', async () => {
    const admin = await t.login('admin');
    const op = await t.login('operator');
    const b = await t.login('operator_b');
    const sat = async (c: Client, extra = '') => (await c.get(`/api/stats/rates?${period}${extra}`)).json.items[0];

    let put = await admin.put('/api/stats/settings', { scope: '*', settings: { threeStarsHalf: true } });
    expect(put.status, put.body).toBe(200);
    expect(put.json.settings).toEqual({ satisfiedMinStars: 4, threeStarsHalf: true, onTimeCountsOpenOverdue: false });
    // Ratings 5, 2, 3: (1 + 0.5) / 3.
    expect(await sat(op)).toMatchObject({ satisfied: 1.5, satisfactionRate: 0.5 });

    // 岳阳楼区 counts only 5 stars (and so no half 3 stars); the city-wide caller still sees the '*' rule.
    put = await admin.put('/api/stats/settings', { scope: '430602', settings: { satisfiedMinStars: 5, threeStarsHalf: false } });
    expect(put.status, put.body).toBe(200);
    const county = await op.get(`/api/stats/rates?${period}&divisionCode=430602`);
    expect(county.json).toMatchObject({ settings: { satisfiedMinStars: 5, threeStarsHalf: false }, settingsScope: '430602' });
    expect(county.json.items[0]).toMatchObject({ satisfied: 1, satisfactionRate: 0.3333 });
    expect((await op.get(`/api/stats/rates?${period}`)).json).toMatchObject({ settingsScope: '*', settings: { threeStarsHalf: true } });
    const townScope = await op.get(`/api/stats/settings?divisionCode=430602005`);
    expect(townScope.json).toMatchObject({ area: '430602005', settingsScope: '430602', settings: { satisfiedMinStars: 5 } });

    // Open cases past their reply limit count as late: 3 replied in time / (3 replied + 1 open late).
    put = await admin.put('/api/stats/settings', { scope: '*', settings: { threeStarsHalf: true, onTimeCountsOpenOverdue: true } });
    expect(put.status, put.body).toBe(200);
    expect(await sat(op)).toMatchObject({ onTimeBase: 4, onTimeRate: 0.75 });

    // Validation: names the field; the combination is checked against what it inherits.
    const bad = await admin.put('/api/stats/settings', { scope: '430602', settings: { satisfiedMinStars: 5, threeStarsHalf: true } });
    expect(bad.status).toBe(400);
    expect(bad.json.errors[0].field).toBe('settings.threeStarsHalf');
    const unknown = await admin.put('/api/stats/settings', { scope: '*', settings: { fourStarsHalf: true } });
    expect(unknown.status).toBe(400);
    expect(unknown.json.errors[0].field).toContain('fourStarsHalf');
    const range = await admin.put('/api/stats/settings', { scope: '*', settings: { satisfiedMinStars: 6 } });
    expect(range.status).toBe(400);
    expect(range.json.errors[0].field).toBe('settings.satisfiedMinStars');
    const noDiv = await admin.put('/api/stats/settings', { scope: '430699', settings: {} });
    expect(noDiv.status).toBe(400);
    expect(noDiv.json.errors[0].field).toBe('scope');

    // Who may: a county administrator for its county only; not the whole deployment; not an operator.
    const adminB = await t.login('admin_b');
    // 3 stars satisfied, while '*' says 3 stars count half: the combination is refused until the row says otherwise.
    const clash = await adminB.put('/api/stats/settings', { scope: '430603', settings: { satisfiedMinStars: 3 } });
    expect(clash.status).toBe(400);
    expect(clash.json.errors[0].field).toBe('settings.threeStarsHalf');
    expect((await adminB.put('/api/stats/settings', { scope: '430603', settings: { satisfiedMinStars: 3, threeStarsHalf: false } })).status).toBe(200);
    expect((await adminB.put('/api/stats/settings', { scope: '*', settings: { satisfiedMinStars: 3 } })).status).toBe(403);
    expect((await adminB.put('/api/stats/settings', { scope: '430602', settings: { satisfiedMinStars: 3 } })).status).toBe(403);
    expect((await op.put('/api/stats/settings', { scope: '430602', settings: { satisfiedMinStars: 3 } })).status).toBe(403);
    // operator_b's jurisdiction is 云溪区, so its rule applies there without asking for a division.
    expect((await b.get(`/api/stats/rates?${period}`)).json).toMatchObject({ settingsScope: '430603', settings: { satisfiedMinStars: 3, threeStarsHalf: false, onTimeCountsOpenOverdue: true } });
    const seen = await adminB.get('/api/stats/settings');
    expect(seen.json.rows.map((r: any) => r.scope).sort()).toEqual(['*', '430603']);

    const audit = await sql(`SELECT action, entity_id FROM audit_log WHERE action LIKE 'stats.settings.%' ORDER BY id`);
    expect(audit.map((a: any) => a.entity_id)).toEqual(['*', '430602', '*', '430603']);

    // Removing rows restores the defaults.
    expect((await adminB.del('/api/stats/settings/430603')).status).toBe(204);
    expect((await admin.del('/api/stats/settings/430602')).status).toBe(204);
    expect((await admin.del('/api/stats/settings/*')).status).toBe(204);
    expect((await admin.del('/api/stats/settings/*')).status).toBe(404);
    expect(await sat(op)).toMatchObject({ satisfied: 1, satisfactionRate: 0.3333, onTimeRate: 1 });
  });

  it('bad input is 400 naming the field; citizens may not read stats', async () => {
    const op = await t.login('operator');
    const bad = await op.get(`/api/stats/rates?from=yesterday&to=${encodeURIComponent(to)}`);
    expect(bad.status).toBe(400);
    expect(bad.json.errors[0].field).toBe('from');
    const backwards = await op.get(`/api/stats/rates?from=${encodeURIComponent(to)}&to=${encodeURIComponent(from)}`);
    expect(backwards.status).toBe(400);
    expect(backwards.json.errors[0].field).toBe('to');
    const long = await op.get(`/api/stats/volumes?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z`);
    expect(long.status).toBe(400);
    expect(long.json.errors[0].field).toBe('to');
    const same = await op.get(`/api/stats/volumes?${period}&by=channel&split=channel`);
    expect(same.status).toBe(400);
    expect(same.json.errors[0].field).toBe('split');
    const level = await op.get(`/api/stats/rates?${period}&groupBy=division&level=9`);
    expect(level.status).toBe(400);
    expect(level.json.errors[0].field).toBe('level');
    const div = await op.get(`/api/stats/overdue?divisionCode=43x`);
    expect(div.status).toBe(400);
    expect(div.json.errors[0].field).toBe('divisionCode');
    const anon = await t.request('GET', `/api/stats/rates?${period}`);
    expect(anon.status).toBe(401);
    const citizen = await loginCitizen(t, '13900000001');
    expect((await citizen.get(`/api/stats/rates?${period}`)).status).toBe(403);
    expect((await citizen.get(`/api/stats/settings`)).status).toBe(403);
  });
});
