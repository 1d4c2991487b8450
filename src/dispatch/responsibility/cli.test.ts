/** `zhili responsibility ...` and `zhili gazetteer ...` against a real database (PGlite on disk; PostgreSQL when TEST_DATABASE_URL is set). */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import ExcelJS from 'exceljs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createPgDatabase, seedWorld } from '../../../test/helpers.ts';
import { defaultCategories, upsertCategories } from '../../cases/categories.ts';
import { openDb } from '../../platform/db.ts';
import { registerGazetteerCommands } from '../gazetteer/cli.ts';
import { defaultRules } from './store.ts';
import { registerResponsibilityCommands } from './cli.ts';

interface Target {
  name: string;
  env(): Promise<{ env: Record<string, string>; url: string; drop(): Promise<void> }>;
}

const TARGETS: Target[] = [
  {
    name: 'pglite',
    async env() {
      const dir = mkdtempSync(join(tmpdir(), 'zhili-cli-'));
      return { env: { ZHILI_DATA_DIR: dir, DATABASE_URL: '' }, url: join(dir, 'pglite'), drop: async () => {} };
    },
  },
  ...(process.env.TEST_DATABASE_URL
    ? [
        {
          name: 'postgres',
          async env() {
            const created = await createPgDatabase(process.env.TEST_DATABASE_URL!);
            return { env: { DATABASE_URL: created.url }, url: created.url, drop: created.drop };
          },
        },
      ]
    : []),
];

describe.each(TARGETS)('dispatch CLI on $name', (target) => {
  const saved = { ...process.env };
  let dir: string;
  let drop: () => Promise<void>;
  let out: string[] = [];

  async function run(...args: string[]): Promise<string> {
    out = [];
    const program = new Command().exitOverride();
    registerResponsibilityCommands(program);
    registerGazetteerCommands(program);
    await program.parseAsync(['node', 'zhili', ...args]);
    return out.join('\n');
  }

  beforeAll(async () => {
    const t = await target.env();
    drop = t.drop;
    Object.assign(process.env, t.env);
    dir = mkdtempSync(join(tmpdir(), 'zhili-cli-files-'));
    const db = await openDb(t.url);
    await seedWorld(db);
    await db.tx((q) => upsertCategories(q, defaultCategories()));
    await db.close();
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
    vi.spyOn(console, 'error').mockImplementation(() => {});
  });
  afterEach(() => {
    process.exitCode = undefined;
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    process.env = saved;
    await drop?.();
  });

  it('loads the default list, exports it to Excel with Chinese headers and imports it back unchanged', async () => {
    expect(await run('responsibility', 'defaults')).toBe(`loaded ${defaultRules().length} default rules`);
    expect(await run('responsibility', 'defaults')).toMatch(/not empty/);
    const file = join(dir, 'list.xlsx');
    expect(await run('responsibility', 'export', file, '--headers', 'zh')).toBe(`exported ${defaultRules().length} rules to ${file}`);
    expect(existsSync(file)).toBe(true);
    expect(await run('responsibility', 'import', file, '--replace')).toBe(`imported ${defaultRules().length} rules: 0 new, ${defaultRules().length} changed, 0 deactivated`);
    const json = join(dir, 'list.json');
    await run('responsibility', 'export', json);
    expect(await run('responsibility', 'import', json, '--dry-run')).toMatch(/^checked \d+ rules: 0 new, \d+ changed \(dry run, nothing kept\)$/);
  });

  it('reads a hand-made workbook: Chinese headers, Excel numbers, level and role words; errors name the row', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('清单');
    ws.addRow(['分类代码', '区划代码', '层级', '单位类型', '单位关键词', '主协办', '备注', '多余的列']);
    ws.addRow([805, 430602, '乡镇', '乡镇(街道)', null, '主办', '流浪犬只由街道牵头', 'x']);
    const file = join(dir, 'hand.xlsx');
    await wb.xlsx.writeFile(file);
    expect(await run('responsibility', 'import', file)).toBe('imported 1 rules: 1 new, 0 changed');
    expect(await run('responsibility', 'propose', '--category', '0805', '--division', '430602005001')).toMatch(
      /^category 城市管理\/流浪犬只 in 岳阳楼区东茅岭街道\S+ -> 东茅岭街道办事处, lead, rule #\d+$/,
    );
    const badWb = new ExcelJS.Workbook();
    const bad = badWb.addWorksheet('清单');
    bad.addRow(['分类代码', '单位代码', '主协办']);
    bad.addRow(['0805', 'CG-430602', '主办']);
    bad.addRow(['0805', 'NOPE', '协办']);
    bad.addRow(['0805', 'CG-430602', '随便']);
    const badFile = join(dir, 'bad.xlsx');
    await badWb.xlsx.writeFile(badFile);
    await expect(run('responsibility', 'import', badFile)).rejects.toThrow(/2 invalid rows; nothing was imported\n {2}row 3, field unitCode: no unit with code NOPE\n {2}row 4, field role: /);
    await expect(run('responsibility', 'import', join(dir, 'missing.json'))).rejects.toThrow(/ENOENT|no such file/);
    await run('responsibility', 'propose', '--category', '0201', '--division', '430602005');
    expect(process.exitCode).toBe(3);
  });

  it('loads, exports, imports and geocodes the gazetteer', async () => {
    expect(await run('gazetteer', 'defaults')).toMatch(/^loaded \d+ places$/);
    const file = join(dir, 'places.xlsx');
    const n = Number(/exported (\d+) places/.exec(await run('gazetteer', 'export', file, '--headers', 'zh'))![1]);
    expect(n).toBeGreaterThan(10);
    expect(await run('gazetteer', 'import', file)).toBe(`imported ${n} places: 0 new, ${n} changed`);
    expect(await run('gazetteer', 'geocode', '东茅岭路88号')).toMatch(/^113\.\d+,29\.\d+ 430602005 东茅岭路 \(road\)$/);
    expect(await run('gazetteer', 'geocode', '火星基地')).toBe('no known place in the address');
  });
});
