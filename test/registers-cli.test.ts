/**
 * The registers' ledgers on the command line, run as operators run it:
 * `zhili export disputes --template`, `zhili import disputes` (all or nothing,
 * every bad cell named), `zhili export disputes` (masked unless --unmasked).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { runZhili } from './helpers.ts';
import { DISPUTE_TEMPLATE_HEADERS } from '../src/registers/disputes/index.ts';
import { PETITION_TEMPLATE_HEADERS } from '../src/registers/petitions/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'zhili-reg-cli-'));

const zhili = (args: string[]) => runZhili(args, { ZHILI_DATA_DIR: join(dir, 'data') });

async function rowsOf(file: string): Promise<string[][]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(readFileSync(file) as any);
  const out: string[][] = [];
  wb.worksheets[0].eachRow((row) => out.push(Array.from((row.values as unknown[]).slice(1), (v) => String(v ?? ''))));
  return out;
}

describe('zhili import/export disputes', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the template, refuses a bad ledger naming every bad cell, imports a good one and exports it masked', async () => {
    const tpl = join(dir, 'tpl.xlsx');
    const t = await zhili(['export', 'disputes', '--template', tpl]);
    expect(t.code, t.stderr).toBe(0);
    expect(await rowsOf(tpl)).toEqual([[...DISPUTE_TEMPLATE_HEADERS]]);

    writeFileSync(join(dir, 'div.json'), JSON.stringify([{ code: '43', name: '湖南省' }, { code: '4304', name: '衡阳市' }, { code: '430423', name: '衡山县' }]));
    expect((await zhili(['import', 'divisions', join(dir, 'div.json')])).code).toBe(0);

    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('台账');
    ws.addRow([...DISPUTE_TEMPLATE_HEADERS, '备注']);
    ws.addRow(['HS-1', '纠纷', '2021-05-06', '430423', '土地山林宅基地纠纷', '赵一、钱二', '宅基地边界争议', '开云镇人民调解委员会', '已化解', '2021-05-20', '多出的列']);
    ws.addRow(['HS-2', '风险隐患', '2021-06-01', '430423', '03', '孙三', '山林权属争议可能引发群体事件', null, '化解中', null, null]);
    const good = join(dir, 'good.xlsx');
    await wb.xlsx.writeFile(good);
    ws.addRow(['HS-3', '其他', '2021-06-01', '430423', '03', '李四', '坏行', null, '已化解', null, null]);
    const bad = join(dir, 'bad.xlsx');
    await wb.xlsx.writeFile(bad);

    const b = await zhili(['import', 'disputes', bad]);
    expect(b.code).toBe(1);
    expect(b.stderr).toContain('rows.4.类型');
    expect(b.stderr).toContain('rows.4.化解日期');
    const g = await zhili(['import', 'disputes', good]);
    expect(g.code, g.stderr).toBe(0);
    expect(g.stdout).toContain('imported 2 entries');

    const out = join(dir, 'out.xlsx');
    expect((await zhili(['export', 'disputes', out])).code).toBe(0);
    const rows = await rowsOf(out);
    expect(rows.map((r) => r.slice(0, 10))).toEqual([
      [...DISPUTE_TEMPLATE_HEADERS],
      ['HS-1', '纠纷', '2021-05-06', '430423', '土地山林宅基地纠纷', '赵*、钱*', '宅基地边界争议', '开云镇人民调解委员会', '已化解', '2021-05-20'],
      ['HS-2', '风险隐患', '2021-06-01', '430423', '土地山林宅基地纠纷', '孙*', '山林权属争议可能引发群体事件', '', '化解中', ''],
    ]);
    const un = join(dir, 'un.xlsx');
    expect((await zhili(['export', 'disputes', '--unmasked', un])).code).toBe(0);
    expect((await rowsOf(un))[1][5]).toBe('赵一、钱二');
  }, 240_000);

  it('writes the petitions ledger template', async () => {
    const tpl = join(dir, 'xf.xlsx');
    const r = await zhili(['export', 'petitions', '--template', tpl]);
    expect(r.code, r.stderr).toBe(0);
    expect(await rowsOf(tpl)).toEqual([[...PETITION_TEMPLATE_HEADERS]]);
  }, 120_000);
});
