/** Duplicates (并单): candidates at intake and for a case, merge and unmerge, reporters told when the main case closes. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { TEST_DATABASES, seedWorld, startTestServer, caseBody, type TestServer, type World, type Client, useTestServer } from './helpers.ts';
import { cellsAround, cellOf, textSimilarity, categoryAffinity, duplicateScore } from '../src/dispatch/duplicates.ts';
import { words } from '../src/text/index.ts';

describe('duplicate scoring (pure)', () => {
  it('the 3x3 cells around a point include its own and reach 200 m', () => {
    const cells = cellsAround(113.105, 29.365, 200);
    expect(cells).toContain(cellOf(113.105, 29.365));
    expect(cells).toContain(cellOf(113.105 + 0.0019, 29.365 + 0.0017)); // ~185 m NE
    expect(cells.length).toBeGreaterThanOrEqual(9);
    expect(cells.length).toBeLessThanOrEqual(25);
  });
  it('text similarity sees the same matter in other words, and not a different one', () => {
    const a = words('东茅岭路路灯不亮，晚上一片漆黑');
    const b = words('东茅岭路的路灯坏了好几天不亮');
    const c = words('小区楼下餐馆油烟扰民');
    expect(textSimilarity(a, b)).toBeGreaterThan(0.3);
    expect(textSimilarity(a, c)).toBeLessThan(0.1);
    expect(textSimilarity(a, a)).toBeCloseTo(1);
  });
  it('category affinity and score weights', () => {
    expect(categoryAffinity('0101', '0101')).toBe(1);
    expect(categoryAffinity('0101', '0102')).toBe(0.6);
    expect(categoryAffinity('0101', '0201')).toBe(0);
    expect(duplicateScore(1, 1, 1)).toBeCloseTo(1);
  });
});

describe.each(TEST_DATABASES)('duplicates and merging on $name', (tdb) => {
  let t: TestServer;
  let world: World;
  let op: Client;
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

  const here = { address: '东茅岭路88号', lng: 113.105, lat: 29.365 };

  it('finds the same matter nearby, not a different one or a far one', async () => {
    const main = await op.post('/api/cases', caseBody({ title: '东茅岭路路灯不亮', description: '东茅岭路88号门口路灯连续三晚不亮，晚上一片漆黑', location: here }));
    await op.post('/api/cases', caseBody({ title: '餐馆油烟扰民', categoryCode: '0205', description: '楼下餐馆油烟很大，窗户都不敢开', location: here }));
    await op.post('/api/cases', caseBody({ title: '路灯不亮', description: '路灯坏了好几天不亮', location: { address: '远处', lng: 113.15, lat: 29.39 } }));
    const r = await op.post('/api/dispatch/duplicates', {
      title: '路灯坏了',
      description: '东茅岭路88号附近的路灯坏了好几天，晚上不亮',
      categoryCode: '0101',
      location: { address: '东茅岭路90号', lng: 113.1052, lat: 29.3651 },
    });
    expect(r.status, r.body).toBe(200);
    expect(r.json.map((c: any) => c.id)).toEqual([main.json.id]);
    expect(r.json[0].distanceM).toBeLessThan(50);
    expect(r.json[0].score).toBeGreaterThan(0.5);
    const forCase = await op.get(`/api/cases/${main.json.id}/duplicates`);
    expect(forCase.status).toBe(200);
    expect(forCase.json.find((c: any) => c.id === main.json.id)).toBeUndefined();
  });

  it('another county never sees candidates from this one', async () => {
    const b = await t.login('operator_b');
    const r = await b.post('/api/dispatch/duplicates', { title: '路灯', description: '东茅岭路88号路灯不亮', location: here });
    expect(r.json).toEqual([]);
  });

  it('merge keeps every reporter, counts the report, tells them at close; unmerge restores it', async () => {
    const phone = '13900001111';
    await t.request('POST', '/api/auth/otp/request', { body: { phone } });
    const code = t.otp.last(phone)!;
    const v = await t.request('POST', '/api/auth/otp/verify', { body: { phone, code } });
    const citizenCookie = (v.headers['set-cookie'] as any as string[] | string).toString().split(';')[0];
    const mine = await t.request('POST', '/api/cases', { cookie: citizenCookie, body: caseBody({ reporter: undefined, description: '东茅岭路88号路灯坏了', location: here }) });
    expect(mine.status, mine.body).toBe(201);
    const main = await op.post('/api/cases', caseBody({ location: here }));

    const merged = await op.post(`/api/cases/${mine.json.id}/merge`, { duplicateOf: main.json.id, comment: '同一路灯' });
    expect(merged.status, merged.body).toBe(200);
    expect(merged.json.status).toBe('merged');
    expect((await op.get(`/api/cases/${main.json.id}`)).json.mergedCount).toBe(1);
    expect((await op.post(`/api/cases/${main.json.id}/merge`, { duplicateOf: mine.json.id })).status).toBe(422); // not into a merged case

    // Close the main case: the merged report's citizen is told.
    const id = main.json.id;
    await op.post(`/api/cases/${id}/dispatch`, { leadUnitId: world.units.cgA.id });
    const h = await t.login('handler_a');
    await h.post(`/api/cases/${id}/accept`);
    await h.post(`/api/cases/${id}/reply`, { reply: '已更换灯具' });
    await op.post(`/api/cases/${id}/verify`, { solved: true });
    expect((await op.post(`/api/cases/${id}/close`)).status).toBe(200);
    const inbox = await t.request('GET', '/api/notifications', { cookie: citizenCookie });
    expect(inbox.json.items.map((n: any) => n.kind)).toContain('merged_closed');

    const back = await op.post(`/api/cases/${mine.json.id}/unmerge`, { comment: '并非同一路灯' });
    expect(back.status, back.body).toBe(200);
    expect(back.json.status).toBe('registered');
    expect(back.json.duplicateOf).toBeNull();
    expect((await op.get(`/api/cases/${id}`)).json.mergedCount).toBe(0);
    expect(back.json.timeline.map((e: any) => e.action)).toEqual(['create', 'merge', 'unmerge']);
  });
});

describe.each(TEST_DATABASES)('intake suggestions on $name', (tdb) => {
  let t: TestServer;
  useTestServer(tdb, (s) => ({ t } = s));

  it('proposes the responsible unit with its reason, duplicates and knowledge in one call', async () => {
    const op = await t.login('operator');
    const main = await op.post('/api/cases', caseBody({ location: { address: '东茅岭路88号', lng: 113.105, lat: 29.365 } }));
    expect(main.status).toBe(201);
    const r = await op.post('/api/dispatch/suggest', {
      title: '路灯不亮',
      description: '东茅岭路88号附近路灯坏了好几天，晚上不亮',
      categoryCode: '0101',
      location: { lng: 113.1051, lat: 29.3651 },
    });
    expect(r.status, r.body).toBe(200);
    expect(r.json.place.divisionCode).toBe('430602005001'); // from the grid the point falls in
    expect(r.json.proposal.lead).toMatchObject({ unitName: '岳阳楼区城管局', role: 'lead' });
    expect(r.json.proposal.explanation).toContain('岳阳楼区城管局');
    expect(r.json.duplicates.map((d: any) => d.id)).toContain(main.json.id);
    expect(Array.isArray(r.json.articles)).toBe(true);
    const bad = await op.post('/api/dispatch/suggest', { description: 'x', categoryCode: 'abc' });
    expect(bad.status).toBe(400);
    expect(bad.json.errors[0].field).toBe('categoryCode');
  });
});
