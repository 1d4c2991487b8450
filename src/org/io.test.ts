import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { TEST_DATABASES } from '../../test/helpers.ts';
import type { Db } from '../platform/db.ts';
import { migrate } from '../platform/migrate.ts';
import { authenticate } from './auth.ts';
import { ImportError, KINDS, exportRows, importRows, readTable, writeTable, type Kind } from './io.ts';

const square = (x: number, y: number, d = 0.01) => ({
  type: 'Polygon' as const,
  coordinates: [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]],
});

/** A small organisation, as import rows (JSON shape). */
const WORLD: Record<Kind, Record<string, unknown>[]> = {
  divisions: [
    { code: '430602005001', name: '学坡社区' },
    { code: '43', name: '湖南省' },
    { code: '4306', name: '岳阳市' },
    { code: '430602', name: '岳阳楼区' },
    { code: '430602005', name: '东茅岭街道' },
    { code: '430603', name: '云溪区' },
  ],
  // Children before their parents on purpose.
  units: [
    { code: 'SQ-430602005001', name: '学坡社区居委会', kind: 'village_committee', parentCode: 'JD-430602005', divisionCodes: ['430602005001'] },
    { code: 'JD-430602005', name: '东茅岭街道办事处', kind: 'township_office', parentCode: 'ZZ-4306', divisionCodes: ['430602005'], phone: '0730-8888888' },
    { code: 'ZZ-4306', name: '岳阳市社会治理中心', kind: 'command_centre', divisionCodes: ['4306'] },
    { code: 'HL-4306', name: '岳阳市12345热线中心', kind: 'hotline_centre', divisionCodes: ['4306', '430602'], phone: '12345', active: false },
  ],
  users: [
    { username: 'admin', displayName: '系统管理员', roles: ['admin'], scopeCodes: ['*'], password: 'Admin-pass-1' },
    { username: 'op01', displayName: '张三', phone: '13800000001', roles: ['operator', 'supervisor'], unitCode: 'HL-4306', scopeCodes: ['4306', '430603'] },
    { username: 'gw01', displayName: '李四', roles: ['grid_worker'], unitCode: 'SQ-430602005001', active: false },
  ],
  grids: [
    { code: 'G-01', name: '学坡社区第一网格', divisionCode: '430602005001', geometry: square(113.1, 29.36), workerUsername: 'gw01', households: 420, population: 1260 },
    {
      code: 'G-02',
      name: '学坡社区第二网格',
      divisionCode: '430602005001',
      geometry: { type: 'MultiPolygon', coordinates: [square(113.11, 29.36).coordinates, square(113.13, 29.36, 0.005).coordinates] },
    },
  ],
};

async function loadWorld(db: Db) {
  for (const kind of KINDS) await importRows(db, kind, WORLD[kind]);
}

async function exportAll(db: Db) {
  return Object.fromEntries(await Promise.all(KINDS.map(async (k) => [k, await exportRows(db, k)])));
}

async function expectImportError(p: Promise<unknown>): Promise<ImportError> {
  const err = await p.then(
    () => undefined,
    (e) => e,
  );
  expect(err).toBeInstanceOf(ImportError);
  return err as ImportError;
}

const count = async (db: Db, table: string) => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0].n;

describe.each(TEST_DATABASES)('org import/export on $name', (tdb) => {
  let db: Db;
  const dir = mkdtempSync(join(tmpdir(), 'zhili-io-'));
  beforeAll(async () => {
    db = await tdb.open();
    await migrate(db);
    await loadWorld(db);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('imports units parents-first whatever the order in the file', async () => {
    const units = await exportRows(db, 'units');
    expect(units.map((u) => [u.code, u.parentCode])).toEqual([
      ['HL-4306', null],
      ['JD-430602005', 'ZZ-4306'],
      ['SQ-430602005001', 'JD-430602005'],
      ['ZZ-4306', null],
    ]);
    expect(units.find((u) => u.code === 'HL-4306')).toMatchObject({ divisionCodes: ['4306', '430602'], phone: '12345', active: false });
  });

  it('exports users without passwords, and imported passwords work', async () => {
    const users = await exportRows(db, 'users');
    expect(users.map((u) => Object.keys(u))).toEqual(users.map(() => ['username', 'displayName', 'phone', 'roles', 'unitCode', 'scopeCodes', 'active']));
    expect(JSON.stringify(users)).not.toMatch(/password|argon2/i);
    expect(await authenticate(db, 'admin', 'Admin-pass-1')).toMatchObject({ username: 'admin', scopeCodes: ['*'] });
    // Re-importing without a password keeps the one set.
    await importRows(db, 'users', users);
    expect(await authenticate(db, 'admin', 'Admin-pass-1')).toBeTruthy();
  });

  it('rejects a file with invalid rows, naming row and field, and writes nothing', async () => {
    const before = await exportAll(db);
    const err = await expectImportError(
      importRows(db, 'units', [
        { code: 'NEW-1', name: '新单位', kind: 'department' },
        { code: 'NEW-2', name: '缺类型' },
        { code: 'NEW-3', name: '坏区划', kind: 'department', divisionCodes: ['43x'] },
        { code: 'NEW-4', name: '无上级', kind: 'department', parentCode: 'NOPE' },
        { code: 'NEW-1', name: '重复', kind: 'department', colour: 'red' },
      ]),
    );
    const lines = err.errors.map((e) => `row ${e.row}, field ${e.field}`);
    expect(lines).toEqual(['row 2, field kind', 'row 3, field divisionCodes[0]', 'row 4, field parentCode', 'row 5, field colour', 'row 5, field code']);
    expect(err.message).toContain('row 4, field parentCode: no unit with code NOPE');
    // Duplicate codes are caught too once the row is otherwise valid.
    const dup = await expectImportError(importRows(db, 'grids', [WORLD.grids[0], { ...WORLD.grids[0], name: 'again' }]));
    expect(dup.errors).toEqual([{ row: 2, field: 'code', message: 'duplicate G-01 (also in row 1)' }]);
    expect(await exportAll(db)).toEqual(before);
  });

  it('rolls back every row when the database refuses one while writing', async () => {
    const before = await count(db, 'users');
    // Two citizens with one phone: only the unique index can tell.
    const err = await expectImportError(
      importRows(db, 'users', [
        { username: 'c1', displayName: '群众甲', phone: '13900000009', roles: ['citizen'] },
        { username: 'c2', displayName: '群众乙', phone: '13900000009', roles: ['citizen'] },
      ]),
    );
    expect(err.errors[0].row).toBe(2);
    expect(await count(db, 'users')).toBe(before);
  });

  it('refuses parent loops and divisions whose parent is missing', async () => {
    const loop = await expectImportError(
      importRows(db, 'units', [
        { code: 'A', name: 'A', kind: 'other', parentCode: 'B' },
        { code: 'B', name: 'B', kind: 'other', parentCode: 'A' },
        { code: 'C', name: 'C', kind: 'other', parentCode: 'C' },
      ]),
    );
    expect(loop.errors.map((e) => [e.row, e.field])).toEqual([
      [1, 'parentCode'],
      [2, 'parentCode'],
      [3, 'parentCode'],
    ]);
    const orphan = await expectImportError(importRows(db, 'divisions', [{ code: '440305', name: '南山区' }]));
    expect(orphan.errors[0]).toMatchObject({ row: 1, field: 'code', message: expect.stringContaining('4403') });
  });

  it('imports many divisions in batches, with progress', async () => {
    const rows = [{ code: '44', name: '广东省' }];
    for (let c = 1; c <= 4; c++)
      for (let k = 1; k <= 10; k++)
        for (let t = 1; t <= 10; t++)
          for (let v = 1; v <= 30; v++) {
            const city = `44${String(c).padStart(2, '0')}`;
            const county = `${city}${String(k).padStart(2, '0')}`;
            const town = `${county}${String(t).padStart(3, '0')}`;
            if (k === 1 && t === 1 && v === 1) rows.push({ code: city, name: `市${c}` });
            if (t === 1 && v === 1) rows.push({ code: county, name: `县${k}` });
            if (v === 1) rows.push({ code: town, name: `镇${t}` });
            rows.push({ code: `${town}${String(v).padStart(3, '0')}`, name: `村${v}` });
          }
    rows.reverse();
    const seen: number[] = [];
    const r = await importRows(db, 'divisions', rows, { onProgress: (done) => seen.push(done) });
    expect(r.count).toBe(rows.length);
    expect(seen.at(-1)).toBe(rows.length);
    expect(seen.length).toBeGreaterThan(2);
    const n = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM divisions WHERE code LIKE '44%' AND level = 5`);
    expect(n[0].n).toBe(12_000);
    await db.query(`DELETE FROM divisions WHERE code LIKE '44%' AND level = 5`);
    await db.query(`DELETE FROM divisions WHERE code LIKE '44%' AND level = 4`);
    await db.query(`DELETE FROM divisions WHERE code LIKE '44%' AND level = 3`);
    await db.query(`DELETE FROM divisions WHERE code LIKE '44%'  AND level = 2`);
    await db.query(`DELETE FROM divisions WHERE code = '44'`);
  });

  it.each(['json', 'xlsx'] as const)('round-trips all four kinds through %s files', async (ext) => {
    const before = await exportAll(db);
    const copy = await tdb.open();
    try {
      await migrate(copy);
      for (const kind of KINDS) {
        const file = join(dir, `${kind}.${ext}`);
        await writeTable(file, kind, before[kind]);
        const table = await readTable(file, { kind });
        expect(table.rows.length).toBe(before[kind].length);
        await importRows(copy, kind, table.rows, { rowNumbers: table.rowNumbers });
      }
      expect(await exportAll(copy)).toEqual(before);
    } finally {
      await copy.close();
    }
  });

  it('round-trips an xlsx with Chinese headers, and reads one typed by hand', async () => {
    const units = await exportRows(db, 'units');
    const file = join(dir, 'units-zh.xlsx');
    await writeTable(file, 'units', units, { headers: 'zh' });
    const t = await readTable(file);
    expect(t.rows.find((r) => r.代码 === 'JD-430602005')).toMatchObject({ 上级单位: 'ZZ-4306', 服务区划: '430602005', 启用: true });
    await importRows(db, 'units', t.rows, { rowNumbers: t.rowNumbers });
    expect(await exportRows(db, 'units')).toEqual(units);

    // As a clerk would type it: Chinese headers and labels, numbers for codes, a serial column.
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('单位');
    ws.addRow(['序号', '单位代码', '名称', '类型', '上级单位', '服务区划', '电话', '启用']);
    ws.addRow([1, 'CG-430602', '岳阳楼区城管局', '职能部门', 'ZZ-4306', '430602，430602005', 7308220000, '是']);
    ws.addRow([2, 'PCS-01', '东茅岭派出所', '派出所', { richText: [{ text: 'CG-' }, { text: '430602' }] }, 430602005, null, '否']);
    ws.addRow([3, 'BAD', '坏行', '不存在的类型', null, null, null, '也许']);
    const hand = join(dir, 'hand.xlsx');
    await wb.xlsx.writeFile(hand);
    const h = await readTable(hand);
    const err = await expectImportError(importRows(db, 'units', h.rows, { rowNumbers: h.rowNumbers, ignoreUnknown: true }));
    expect(err.errors.map((e) => `row ${e.row}, field ${e.field}`)).toEqual(['row 4, field kind (类型)', 'row 4, field active (启用)']);
    const ok = await importRows(db, 'units', h.rows.slice(0, 2), { rowNumbers: h.rowNumbers, ignoreUnknown: true });
    expect(ok.warnings).toEqual(['ignored column: 序号']);
    const got = (await exportRows(db, 'units')).filter((u) => ['CG-430602', 'PCS-01'].includes(u.code as string));
    expect(got).toEqual([
      { code: 'CG-430602', name: '岳阳楼区城管局', kind: 'department', parentCode: 'ZZ-4306', divisionCodes: ['430602', '430602005'], phone: '7308220000', active: true },
      { code: 'PCS-01', name: '东茅岭派出所', kind: 'police_station', parentCode: 'CG-430602', divisionCodes: ['430602005'], phone: null, active: false },
    ]);
  });

  it('imports grids from a GeoJSON FeatureCollection', async () => {
    const fc = {
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', properties: { 网格编码: 'G-03', 网格名称: '第三网格', 所属区划: 430602005001, 户数: '88', fill: '#ff0000' }, geometry: square(113.2, 29.4) },
        { type: 'Feature', id: 'G-04', properties: { name: '第四网格', divisionCode: '430602005001', workerUsername: 'gw01' }, geometry: square(113.3, 29.4) },
      ],
    };
    for (const name of ['grids.geojson', 'grids-fc.json']) writeFileSync(join(dir, name), JSON.stringify(fc));
    const t = await readTable(join(dir, 'grids-fc.json'), { kind: 'grids' });
    expect(t.format).toBe('geojson');
    const r = await importRows(db, 'grids', t.rows, { rowNumbers: t.rowNumbers, ignoreUnknown: true });
    expect(r).toMatchObject({ count: 2, warnings: ['ignored column: fill'] });
    const grids = (await exportRows(db, 'grids')).filter((g) => ['G-03', 'G-04'].includes(g.code as string));
    expect(grids).toEqual([
      { code: 'G-03', name: '第三网格', divisionCode: '430602005001', geometry: square(113.2, 29.4), workerUsername: null, households: 88, population: 0 },
      { code: 'G-04', name: '第四网格', divisionCode: '430602005001', geometry: square(113.3, 29.4), workerUsername: 'gw01', households: 0, population: 0 },
    ]);
    // And back out as GeoJSON.
    await writeTable(join(dir, 'out.geojson'), 'grids', grids);
    const back = await readTable(join(dir, 'out.geojson'), { kind: 'grids' });
    expect(back.rows).toEqual(grids);
    // A broken geometry names its row.
    const bad = await expectImportError(
      importRows(db, 'grids', [{ code: 'G-05', name: 'x', divisionCode: '430602005001', geometry: '{"type":"Polygon"' }]),
    );
    expect(bad.errors[0]).toMatchObject({ row: 1, field: 'geometry', message: expect.stringContaining('not valid JSON') });
    await db.query(`DELETE FROM grids WHERE code IN ('G-03', 'G-04')`);
  });

  it('imports and exports division outlines as GeoJSON; a row without geometry keeps the outline', async () => {
    const fc = {
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', properties: { 区划代码: '430602005', 名称: '东茅岭街道', level: 4 }, geometry: square(113.1, 29.36, 0.03) },
        { type: 'Feature', id: '430602005001', properties: { name: '学坡社区' }, geometry: square(113.1, 29.36) },
      ],
    };
    writeFileSync(join(dir, 'divisions.geojson'), JSON.stringify(fc));
    const t = await readTable(join(dir, 'divisions.geojson'), { kind: 'divisions' });
    expect(t.format).toBe('geojson');
    expect(await importRows(db, 'divisions', t.rows, { rowNumbers: t.rowNumbers, ignoreUnknown: true })).toMatchObject({ count: 2, warnings: ['ignored column: level'] });
    await importRows(db, 'divisions', [{ code: '430602005001', name: '学坡社区' }]);
    const shaped = (await exportRows(db, 'divisions')).filter((d) => d.geometry);
    expect(shaped).toEqual([
      { code: '430602005', name: '东茅岭街道', geometry: square(113.1, 29.36, 0.03) },
      { code: '430602005001', name: '学坡社区', geometry: square(113.1, 29.36) },
    ]);
    // Out as GeoJSON: only the divisions with an outline; back in unchanged.
    await writeTable(join(dir, 'out-divisions.geojson'), 'divisions', await exportRows(db, 'divisions'));
    const back = await readTable(join(dir, 'out-divisions.geojson'), { kind: 'divisions' });
    expect(back.rows).toEqual(shaped);
    // A bad outline names its row and field; nothing is written.
    const bad = await expectImportError(importRows(db, 'divisions', [{ code: '430602005', name: '东茅岭街道', geometry: { type: 'Point', coordinates: [113, 29] } }]));
    expect(bad.errors[0]).toMatchObject({ row: 1, field: expect.stringMatching(/^geometry/) });
    await db.query(`UPDATE divisions SET geometry = NULL`);
  });
});
