import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { parseCsv, readCsvFile } from './csv.ts';
import { readLabelled, TableError } from './table.ts';

async function all(chunks: string[]): Promise<string[][]> {
  const out: string[][] = [];
  for await (const r of parseCsv(chunks)) out.push(r);
  return out;
}

/** Every way of cutting the text into chunks of `size` characters must parse the same. */
async function inChunks(text: string, size: number): Promise<string[][]> {
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
  return all(chunks);
}

describe('CSV reader (RFC 4180)', () => {
  const tricky =
    '\uFEFFtext,label\r\n' +
    '"路灯不亮，晚上很黑",城乡建设\r\n' +
    '"他说""马上修""，结果一周都没来",城乡建设\r\n' +
    '"第一行\n第二行\r\n第三行",生态环境\r\n' +
    'plain text with "inner" quote,交通运输\r\n' +
    ',\r\n' +
    '"","空"\r\n' +
    '"末行没有换行",市场监管';

  const expected = [
    ['text', 'label'],
    ['路灯不亮，晚上很黑', '城乡建设'],
    ['他说"马上修"，结果一周都没来', '城乡建设'],
    ['第一行\n第二行\r\n第三行', '生态环境'],
    ['plain text with "inner" quote', '交通运输'],
    ['', ''],
    ['', '空'],
    ['末行没有换行', '市场监管'],
  ];

  it('handles the BOM, quotes, doubled quotes, line breaks inside fields, CRLF and a last line without a break', async () => {
    expect(await all([tricky])).toEqual(expected);
  });

  it('gives the same records however the input is split into chunks', async () => {
    for (const size of [1, 2, 3, 5, 7, 64]) expect(await inChunks(tricky, size)).toEqual(expected);
  });

  it('accepts LF-only files, a trailing newline, and files without a BOM', async () => {
    expect(await all(['a,b\n1,2\n'])).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
    expect(await all(['a,b\r\n\r\n1,2'])).toEqual([['a', 'b'], [''], ['1', '2']]);
  });

  it('reads a file in streaming fashion, with tab separators for .tsv', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zhili-csv-'));
    writeFileSync(join(dir, 'a.tsv'), 'text\tlabel\n"有\t制表符"\t甲\n');
    const out: string[][] = [];
    for await (const r of readCsvFile(join(dir, 'a.tsv'))) out.push(r);
    expect(out).toEqual([
      ['text', 'label'],
      ['有\t制表符', '甲'],
    ]);
  });
});

describe('labelled tables', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zhili-table-'));

  it('joins several text columns with a space, skips rows without text or label, and finds columns by name', async () => {
    const f = join(dir, 'm.csv');
    writeFileSync(f, '\uFEFF编号,标题,内容,类别\n1,路灯坏了,"东茅岭路路灯不亮",城乡建设\n2,,,生态环境\n3,噪音,"夜里施工",\n4,噪音扰民,"广场舞太吵",生态环境\n');
    const stats = { rows: 0, skipped: 0, headers: [] as string[] };
    const rows = [];
    for await (const r of readLabelled(f, { textColumns: ['标题', '内容'], labelColumn: '类别' }, stats)) rows.push(r);
    expect(rows).toEqual([
      { text: '路灯坏了 东茅岭路路灯不亮', label: '城乡建设' },
      { text: '噪音扰民 广场舞太吵', label: '生态环境' },
    ]);
    expect(stats).toMatchObject({ rows: 2, skipped: 2, headers: ['编号', '标题', '内容', '类别'] });
  });

  it('names the missing column and lists the header', async () => {
    const f = join(dir, 'n.csv');
    writeFileSync(f, 'a,b\n1,2\n');
    await expect(async () => {
      for await (const _ of readLabelled(f, { textColumns: ['text'], labelColumn: 'b' }));
    }).rejects.toThrow(/--text-column: no column named "text"; the header has: "a", "b"/);
    await expect(async () => {
      for await (const _ of readLabelled(f, {}));
    }).rejects.toBeInstanceOf(TableError);
  });

  it('streams .xlsx workbooks (rich text, numbers, formulas)', async () => {
    const f = join(dir, 'm.xlsx');
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('留言');
    ws.addRow(['留言主题', '留言详情', '一级分类']);
    ws.addRow(['拖欠工资', { richText: [{ text: '老板拖欠' }, { text: '三个月工资' }] }, '劳动和社会保障']);
    ws.addRow(['学校收费', '补课费', { formula: '"教育"&"文体"', result: '教育文体' }]);
    ws.addRow([12345, '热线打不通', '营商环境']);
    await wb.xlsx.writeFile(f);
    const rows = [];
    for await (const r of readLabelled(f, { textColumns: ['留言主题', '留言详情'], labelColumn: '一级分类' })) rows.push(r);
    expect(rows).toEqual([
      { text: '拖欠工资 老板拖欠三个月工资', label: '劳动和社会保障' },
      { text: '学校收费 补课费', label: '教育文体' },
      { text: '12345 热线打不通', label: '营商环境' },
    ]);
  });
});
