/** What the responsibility-list admin page relies on: search, "test a text", xlsx import through the server. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { TEST_DATABASES, seedWorld, type World } from '../../../test/helpers.ts';
import type { Db } from '../../platform/db.ts';
import { ensureDefaultResponsibilities } from './store.ts';
import { dispatchApp, type DispatchApp, type DispatchClient } from './testing.ts';
import { matchCategoriesByText } from './text.ts';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

describe('category from text by name words', () => {
  const cats = [
    { code: '01', name: '城乡建设' },
    { code: '0101', name: '路灯照明' },
    { code: '0303', name: '道路交通' },
    { code: '0401', name: '拖欠工资' },
  ];
  it('matches words, not pieces across words', () => {
    const m = matchCategoriesByText('东茅岭路与建湘路交叉口路灯不亮', cats);
    expect(m.map((c) => c.code)).toEqual(['0101']); // not 道路交通 through 路|交叉口
    expect(m[0].matched).toContain('路灯');
    expect(matchCategoriesByText('老板拖欠工资三个月', cats)[0]).toMatchObject({ code: '0401', score: 4 });
    expect(matchCategoriesByText('今天天气不错', cats)).toEqual([]);
  });
});

describe.each(TEST_DATABASES)('responsibility admin API on $name', (tdb) => {
  let db: Db;
  let t: DispatchApp;
  let world: World;
  let op: DispatchClient;
  let adminCookie = '';

  beforeAll(async () => {
    db = await tdb.open();
    world = await seedWorld(db);
    t = await dispatchApp(db);
    await db.tx((tx) => ensureDefaultResponsibilities(tx));
    op = await t.login('operator');
    const res = await t.request('POST', '/api/auth/login', { body: { username: 'admin', password: 'Test-pass-123' } });
    const sc = res.headers['set-cookie'];
    adminCookie = (Array.isArray(sc) ? sc[0] : sc)!.split(';')[0];
  });
  afterAll(async () => {
    await t?.close();
    await db?.close();
  });

  const upload = (buf: Buffer, query = '', cookie = adminCookie, type = XLSX) =>
    t.app.inject({ method: 'POST', url: `/api/responsibilities/import.xlsx${query}`, payload: buf, headers: { 'content-type': type, cookie } });

  it('searches rules by matter (also a branch rule covering it), unit, keyword and number', async () => {
    const lamp = await op.get('/api/responsibilities?q=路灯');
    expect(lamp.status, lamp.body).toBe(200);
    expect(lamp.json.items.length).toBeGreaterThan(0);
    // Every hit bears on 路灯照明: its own rules (0101) or its branch's (01).
    for (const r of lamp.json.items) expect(['01', '0101']).toContain(r.categoryCode);
    expect(lamp.json.items.some((r: any) => r.categoryCode === '0101')).toBe(true);
    const kw = await op.get(`/api/responsibilities?q=${encodeURIComponent('城管')}`);
    expect(kw.json.items.length).toBeGreaterThan(0);
    for (const r of kw.json.items) expect(`${r.unitKeyword ?? ''}${r.unitName ?? ''}${r.note ?? ''}${r.categoryName}`).toMatch(/城管/);
    const first = kw.json.items[0];
    const byNo = await op.get(`/api/responsibilities?q=${encodeURIComponent(`#${first.no}`)}`);
    expect(byNo.json.items.map((r: any) => r.no)).toContain(first.no);
    expect((await op.get('/api/responsibilities?q=%25')).json.total).toBe(0); // % is a character, not a wildcard
    expect((await op.get(`/api/responsibilities?q=${'x'.repeat(101)}`)).status).toBe(400);
  });

  it('tests a text: the category from its words, the unit from the list, and why', async () => {
    const r = await op.post('/api/dispatch/propose', { text: '东茅岭路与建湘路交叉口路灯不亮三个晚上了', divisionCode: '430602005' });
    expect(r.status, r.body).toBe(200);
    expect(r.json.category).toMatchObject({ code: '0101', source: 'keywords' });
    expect(r.json.candidates[0].matched).toContain('路灯');
    expect(r.json.lead).toMatchObject({ unitId: world.units.cgA.id, unitName: '岳阳楼区城管局' });
    expect(r.json.explanation).toMatch(/路灯照明 in 岳阳楼区东茅岭街道 -> 岳阳楼区城管局, lead, rule #\d+/);
    // The same text in 云溪区 goes to that county's 城管.
    const b = await op.post('/api/dispatch/propose', { text: '路灯不亮', divisionCode: '430603001' });
    expect(b.json.lead.unitName).toBe('云溪区城管局');
    // A point in the fixture grid places it.
    const pt = await op.post('/api/dispatch/propose', { text: '路灯不亮', lng: 113.105, lat: 29.365 });
    expect(pt.json.grid.id).toBe(world.grid.id);
    expect(pt.json.divisionCode).toBe('430602005001');
    // A given category wins over the text.
    const given = await op.post('/api/dispatch/propose', { text: '路灯不亮', categoryCode: '0102', divisionCode: '430602005' });
    expect(given.json.category).toMatchObject({ code: '0102', source: 'given' });
    expect(given.json.lead.unitName).toBe('岳阳楼区住建局');
  });

  it('tests a text: what cannot be told is refused naming the field', async () => {
    const vague = await op.post('/api/dispatch/propose', { text: '你好我想问一下', divisionCode: '430602005' });
    expect(vague.status).toBe(422);
    expect(vague.json.errors[0].field).toBe('text');
    const noPlace = await op.post('/api/dispatch/propose', { text: '路灯不亮' });
    expect(noPlace.status).toBe(400);
    expect(noPlace.json.errors[0].field).toBe('divisionCode');
    const half = await op.post('/api/dispatch/propose', { text: '路灯不亮', lng: 113.1 });
    expect(half.json.errors[0].field).toBe('lat');
    const short = await op.post('/api/dispatch/propose', { text: '灯', divisionCode: '430602005' });
    expect(short.status).toBe(400);
    expect(short.json.errors[0].field).toBe('text');
    const badCat = await op.post('/api/dispatch/propose', { text: '路灯不亮', categoryCode: '9999', divisionCode: '430602005' });
    expect(badCat.json.errors[0].field).toBe('categoryCode');
    expect((await t.request('POST', '/api/dispatch/propose', { body: { text: '路灯不亮', divisionCode: '430602005' } })).status).toBe(401);
  });

  it('imports an Excel workbook through the server: the export, edited, goes back; errors name sheet rows', async () => {
    const exp = await t.app.inject({ method: 'GET', url: '/api/responsibilities/export?format=xlsx&headers=zh', headers: { cookie: adminCookie } });
    expect(exp.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(exp.rawPayload as any);
    const ws = wb.worksheets[0];
    const header = (ws.getRow(1).values as unknown[]).map((v) => String(v ?? ''));
    const col = (name: string) => header.indexOf(name);
    expect(col('备注')).toBeGreaterThan(0);
    const rowCount = ws.actualRowCount;
    ws.getRow(2).getCell(col('备注')).value = '依据：《城市道路照明设施管理规定》';
    ws.getRow(2).getCell(col('备注') + 5).value = 'ignored';
    const edited = Buffer.from(await wb.xlsx.writeBuffer());

    const dry = await upload(edited, '?dryRun=true');
    expect(dry.statusCode, dry.body).toBe(200);
    expect(dry.json()).toMatchObject({ dryRun: true, count: rowCount - 1, created: 0 });
    const ok = await upload(edited);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ dryRun: false, count: rowCount - 1, created: 0, updated: rowCount - 1 });
    const no = Number(ws.getRow(2).getCell(col('编号')).value);
    const after = (await op.get(`/api/responsibilities?q=${encodeURIComponent('城市道路照明设施管理规定')}`)).json.items;
    expect(after.map((r: any) => r.no)).toEqual([no]);

    // A bad category on sheet row 3: nothing is written, the error names row 3.
    ws.getRow(3).getCell(col('分类代码')).value = '9999';
    ws.getRow(2).getCell(col('备注')).value = 'should not be written';
    const bad = await upload(Buffer.from(await wb.xlsx.writeBuffer()));
    expect(bad.statusCode, bad.body).toBe(422);
    expect(bad.json().errors[0].field).toBe('3.categoryCode');
    expect((await op.get(`/api/responsibilities?q=${encodeURIComponent('should not be written')}`)).json.total).toBe(0);

    const junk = await upload(Buffer.from('not a workbook'));
    expect(junk.statusCode).toBe(422);
    expect(junk.json().errors[0].field).toBe('file');
    const wrongType = await upload(Buffer.from('{}'), '', adminCookie, 'text/plain');
    expect(wrongType.statusCode).toBe(415);
    // Operators do not write the list; a county admin cannot import rules for everywhere.
    const opLogin = await t.request('POST', '/api/auth/login', { body: { username: 'operator', password: 'Test-pass-123' } });
    const opCookie = String(opLogin.headers['set-cookie']).split(';')[0];
    expect((await upload(edited, '', opCookie)).statusCode).toBe(403);
    const bLogin = await t.request('POST', '/api/auth/login', { body: { username: 'admin_b', password: 'Test-pass-123' } });
    const bCookie = String(bLogin.headers['set-cookie']).split(';')[0];
    expect((await upload(edited, '', bCookie)).statusCode).toBe(403);
  });
});
