/** The gazetteer: matching (pure), geocoding on both databases, the demo list and the HTTP API. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASES, seedWorld, type World } from '../../../test/helpers.ts';
import { upsertDivisions } from '../../org/store.ts';
import type { Db } from '../../platform/db.ts';
import { GridIndex } from '../grid-index.ts';
import { dispatchApp, type DispatchApp, type DispatchClient } from '../responsibility/testing.ts';
import { demoPlaces, ensureDefaultGazetteer } from './demo.ts';
import { bestMatch, geocode, normaliseAddress, upsertGazetteer, type GazetteerEntry } from './store.ts';

const entry = (name: string, divisionCode: string, kind: GazetteerEntry['kind'] = 'road', aliases: string[] = []): GazetteerEntry => ({
  id: `${divisionCode}-${name}`,
  name,
  aliases,
  divisionCode,
  lng: 113,
  lat: 29,
  kind,
});

describe('bestMatch (pure)', () => {
  const entries = [
    entry('东茅岭路', '430602005'),
    entry('东茅岭北路', '430602005'),
    entry('建设路', '430602005'),
    entry('建设路', '430603001'),
    entry('锦绣华庭', '430602013', 'estate'),
    entry('南湖广场', '430602013', 'landmark', ['南湖公园']),
    entry('巴陵路', '430602005'),
  ];
  const m = (address: string, prefer: string[] = []) => {
    const r = bestMatch(entries, normaliseAddress(address), prefer);
    return r && `${r.entry.name}@${r.entry.divisionCode}${r.text !== r.entry.name ? `~${r.text}` : ''}`;
  };

  it('takes the longest name contained in the address', () => {
    expect(m('东茅岭路88号')).toBe('东茅岭路@430602005');
    expect(m('东茅岭北路3号')).toBe('东茅岭北路@430602005');
    expect(m('巴陵中路')).toBeNull();
    expect(m('某某街1号')).toBeNull();
  });

  it('prefers entries inside (or containing) the preferred divisions, then length', () => {
    expect(m('建设路1号', ['430603'])).toBe('建设路@430603001');
    expect(m('建设路1号', ['430602005001'])).toBe('建设路@430602005');
    expect(m('建设路1号')).toBe('建设路@430602005'); // by division code, deterministically
    // Inside the division beats longer outside.
    expect(m('东茅岭路建设路口', ['430603'])).toBe('建设路@430603001');
    // The first preference outranks the second.
    expect(m('东茅岭路建设路口', ['430603', '430602'])).toBe('建设路@430603001');
  });

  it('matches aliases; equally long names go to the more precise kind', () => {
    expect(m('南湖公园门口')).toBe('南湖广场@430602013~南湖公园');
    expect(m('东茅岭路锦绣华庭')).toBe('锦绣华庭@430602013');
  });

  it('compares in the normal form: full-width digits and spaces do not matter', () => {
    expect(normaliseAddress(' 东茅岭路　８８号 ')).toBe('东茅岭路88号');
    expect(m('东 茅 岭 路８８号')).toBe('东茅岭路@430602005');
  });
});

describe('demo places', () => {
  it('lie inside the demo grid box, in their street’s part of it, with unique names per street', () => {
    const places = demoPlaces();
    expect(places.length).toBeGreaterThanOrEqual(40);
    const region: Record<string, number[]> = {
      '430602001': [113.08, 29.3, 113.11, 29.42],
      '430602005': [113.11, 29.36, 113.15, 29.42],
      '430602006': [113.15, 29.36, 113.2, 29.42],
      '430602013': [113.11, 29.3, 113.2, 29.36],
    };
    for (const p of places) {
      const [x0, y0, x1, y1] = region[p.divisionCode];
      expect(p.lng > x0 && p.lng < x1 && p.lat > y0 && p.lat < y1, `${p.name} ${p.lng},${p.lat}`).toBe(true);
    }
    expect(new Set(places.map((p) => `${p.divisionCode}/${p.name}`)).size).toBe(places.length);
  });
});

describe.each(TEST_DATABASES)('gazetteer on $name', (tdb) => {
  let db: Db;
  let t: DispatchApp;
  let world: World;
  let admin: DispatchClient;
  let adminB: DispatchClient;
  let op: DispatchClient;
  let loaded = 0;
  /** The fixture community (430602005001), whatever seedWorld calls it. */
  let community = '';

  beforeAll(async () => {
    db = await tdb.open();
    world = await seedWorld(db);
    community = (await db.query<{ name: string }>(`SELECT name FROM divisions WHERE code = '430602005001'`))[0].name;
    await upsertDivisions(db, [{ code: '430602001', name: '岳阳楼街道' }]);
    loaded = await db.tx((q) => ensureDefaultGazetteer(q));
    t = await dispatchApp(db);
    admin = await t.login('admin');
    adminB = await t.login('admin_b');
    op = await t.login('operator');
  });
  afterAll(async () => {
    await t?.close();
    await db?.close();
  });

  it('loads the demo places of the streets this database has, and a community per gridded community', async () => {
    const places = demoPlaces().filter((p) => p.divisionCode === '430602005' || p.divisionCode === '430602001');
    expect(loaded).toBe(places.length + 1);
    const entries = await db.query<{ name: string; lng: number; lat: number; division_code: string }>(`SELECT name, lng, lat, division_code FROM gazetteer WHERE kind = 'community'`);
    expect(entries).toEqual([expect.objectContaining({ name: community, division_code: '430602005001' })]);
    // The community's point lies in its grid.
    const grids = await db.query<any>(`SELECT id, code, division_code AS "divisionCode", geometry FROM grids`);
    expect(new GridIndex(grids).lookup(entries[0].lng, entries[0].lat)?.id).toBe(world.grid.id);
    expect(await db.tx((q) => ensureDefaultGazetteer(q))).toBe(0);
  });

  it('geocodes typed addresses', async () => {
    const g = (address: string, divisionCode?: string) => geocode(db, { address, divisionCode });
    expect(await g('东茅岭路88号')).toMatchObject({ matched: '东茅岭路', kind: 'road', divisionCode: '430602005', inDivision: false });
    expect(await g('东茅岭路88号', '430602005001')).toMatchObject({ matched: '东茅岭路', inDivision: true });
    expect(await g(`岳阳楼区东茅岭街道${community}东茅岭路12号`)).toMatchObject({ matched: community, kind: 'community', divisionCode: '430602005001' });
    expect(await g('市一医院住院部')).toMatchObject({ matched: '岳阳市一人民医院', matchedText: '市一医院', kind: 'poi' });
    // The names of upper divisions are not places: 岳阳楼区 is not the landmark 岳阳楼.
    expect(await g('岳阳楼区东茅岭街道')).toBeNull();
    expect(await g('岳阳楼景区售票处')).toMatchObject({ matched: '岳阳楼', kind: 'landmark', divisionCode: '430602001' });
    expect(await g('岳阳楼门口')).toMatchObject({ matched: '岳阳楼' });
    expect(await g('不知道什么地方')).toBeNull();
    expect(await g('路')).toBeNull();
    expect(await g('')).toBeNull();
  });

  it('prefers the given division, or the one the address names', async () => {
    await upsertGazetteer(db, { name: '建设路', kind: 'road', divisionCode: '430602005', lng: 113.12, lat: 29.38 });
    await upsertGazetteer(db, { name: '建设路', kind: 'road', divisionCode: '430603001', lng: 113.3, lat: 29.5 });
    expect(await geocode(db, { address: '建设路1号', divisionCode: '430603' })).toMatchObject({ divisionCode: '430603001', inDivision: true });
    expect(await geocode(db, { address: '建设路1号', divisionCode: '430602005001' })).toMatchObject({ divisionCode: '430602005' });
    expect(await geocode(db, { address: '云溪区建设路1号' })).toMatchObject({ divisionCode: '430603001', inDivision: true });
    expect(await geocode(db, { address: '云溪区云溪街道建设路1号' })).toMatchObject({ divisionCode: '430603001' });
    expect(await geocode(db, { address: '岳阳楼区建设路1号' })).toMatchObject({ divisionCode: '430602005' });
  });

  it('serves list, geocode, edit, import and export over HTTP', async () => {
    const list = await op.get(`/api/gazetteer?q=${encodeURIComponent('东茅岭')}`);
    expect(list.status).toBe(200);
    expect(list.json.items.map((i: any) => i.name).sort()).toEqual(['东茅岭农贸市场', '东茅岭北路', '东茅岭路', ...(community.includes('东茅岭') ? [community] : [])].sort());
    expect((await op.get('/api/gazetteer?kind=community')).json.total).toBe(1);
    expect((await op.get('/api/gazetteer?divisionCode=430603')).json.items.map((i: any) => i.name)).toEqual(['建设路']);

    const geo = await op.get(`/api/gazetteer/geocode?address=${encodeURIComponent('岳阳楼区东茅岭路88号')}`);
    expect(geo.json.match).toMatchObject({ matched: '东茅岭路', divisionCode: '430602005' });
    const nothing = await op.get(`/api/gazetteer/geocode?address=${encodeURIComponent('火星基地')}`);
    expect(nothing.json).toEqual({ match: null, grid: null });

    const created = await admin.put('/api/gazetteer', { name: '年丰巷', aliases: ['年丰街'], kind: 'road', divisionCode: '430602005', lng: 113.105, lat: 29.366 });
    expect(created.status, created.body).toBe(201);
    const located = await op.get(`/api/gazetteer/geocode?address=${encodeURIComponent('年丰街5号')}`);
    expect(located.json).toMatchObject({ match: { matched: '年丰巷', matchedText: '年丰街' }, grid: { gridId: world.grid.id, divisionCode: '430602005001' } });
    const moved = await admin.put('/api/gazetteer', { id: created.json.id, name: '年丰巷', kind: 'road', divisionCode: '430602005', lng: 113.106, lat: 29.367 });
    expect(moved.status).toBe(200);
    expect(moved.json).toMatchObject({ aliases: [], lng: 113.106 });

    const bad = (body: unknown) => admin.put('/api/gazetteer', body);
    const expectField = (res: any, status: number, field: string) => {
      expect(res.status, res.body).toBe(status);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
      expect(res.json.errors.map((e: any) => e.field)).toContain(field);
    };
    expectField(await bad({ name: '路', divisionCode: '430602005', lng: 113, lat: 29 }), 400, 'name');
    expectField(await bad({ name: '某路', divisionCode: '430602005', lng: 200, lat: 29 }), 400, 'lng');
    expectField(await bad({ name: '某路', divisionCode: '430602005', lng: 113, lat: 29, kind: 'river' }), 400, 'kind');
    expectField(await bad({ name: '某路', divisionCode: '430699001', lng: 113, lat: 29 }), 422, 'divisionCode');
    expectField(await adminB.put('/api/gazetteer', { name: '某路', divisionCode: '430602005', lng: 113, lat: 29 }), 403, 'divisionCode');
    expect((await op.put('/api/gazetteer', { name: '某路', divisionCode: '430602005', lng: 113, lat: 29 })).status).toBe(403);
    expect((await adminB.del(`/api/gazetteer/${created.json.id}`)).status).toBe(403);
    expect((await admin.del(`/api/gazetteer/${created.json.id}`)).status).toBe(204);
    expect((await admin.del(`/api/gazetteer/${created.json.id}`)).status).toBe(404);

    const exported = (await op.get('/api/gazetteer/export')).json as any[];
    expect(exported.length).toBe((await op.get('/api/gazetteer')).json.total);
    const back = await admin.post('/api/gazetteer/import', exported);
    expect(back.json).toMatchObject({ count: exported.length, created: 0, updated: exported.length });
    expect((await op.get('/api/gazetteer/export')).json).toEqual(exported);
    const badImport = await admin.post('/api/gazetteer/import', [
      { name: '新路', divisionCode: '430602005', lng: 113.1, lat: 29.4, kind: 'road' },
      { name: '新路', divisionCode: '430602005', lng: 113.1, lat: 29.4, kind: 'road' },
      { name: '远路', divisionCode: '430699001', lng: 113.1, lat: 29.4 },
    ]);
    expectField(badImport, 422, '1.name');
    expect(badImport.json.errors.map((e: any) => e.field)).toEqual(['1.name', '2.divisionCode']);
    expectField(await admin.post('/api/gazetteer/import', [{ name: '新路', divisionCode: '430602005', lat: 29.4 }]), 400, '0.lng');
    expectField(await adminB.post('/api/gazetteer/import', [{ name: '新路', divisionCode: '430602005', lng: 113.1, lat: 29.4 }]), 403, '0.divisionCode');
    const dry = await admin.post('/api/gazetteer/import?dryRun=true', [{ name: '新路', divisionCode: '430602005', lng: 113.1, lat: 29.4 }]);
    expect(dry.json).toMatchObject({ created: 1, dryRun: true });
    expect((await op.get(`/api/gazetteer?q=${encodeURIComponent('新路')}`)).json.total).toBe(0);
    const xlsx = await op.get('/api/gazetteer/export?format=xlsx&headers=zh');
    expect(xlsx.headers['content-type']).toMatch(/spreadsheetml/);
    expect(xlsx.raw.subarray(0, 2).toString()).toBe('PK');
    expect((await t.request('GET', '/api/gazetteer')).status).toBe(401);
  });
});
