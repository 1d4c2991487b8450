/**
 * Labelled rows from a CSV (or TSV) or .xlsx file, streamed: text columns
 * (several are joined with a space), a label column and optionally a
 * division column, chosen by header name.
 */
import ExcelJS from 'exceljs';
import { readCsvFile } from './csv.ts';

export interface LabelledRow {
  text: string;
  label: string;
  division?: string;
}

export interface TableOptions {
  /** Header names of the text columns; joined with a space. */
  textColumns?: string[];
  labelColumn?: string;
  divisionColumn?: string;
}

export interface ReadStats {
  rows: number;
  skipped: number;
  headers: string[];
}

const TEXT_GUESSES = ['text', 'content', 'message', '文本', '内容', '留言详情', '诉求内容', '诉求', 'description'];
const LABEL_GUESSES = ['label', 'category', '标签', '类别', '分类', '一级分类', '一级标签'];

export class TableError extends Error {}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') {
    const o = v as Record<string, any>;
    if (Array.isArray(o.richText)) return o.richText.map((r: any) => r?.text ?? '').join('');
    if ('result' in o) return cellText(o.result);
    if (typeof o.text === 'string') return o.text;
    if (o.text && typeof o.text === 'object') return cellText(o.text);
    if ('error' in o) return '';
  }
  return String(v);
}

async function* xlsxRecords(path: string): AsyncGenerator<string[]> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(path, { worksheets: 'emit', sharedStrings: 'cache', hyperlinks: 'ignore', styles: 'ignore', entries: 'emit' });
  for await (const sheet of reader) {
    for await (const row of sheet) {
      const values = row.values as unknown[];
      const out: string[] = [];
      // row.values is 1-based and may be sparse
      for (let i = 1; i < values.length; i++) out.push(cellText(values[i]));
      yield out;
    }
    return; // the first worksheet only
  }
}

export function records(path: string): AsyncGenerator<string[]> {
  if (/\.xlsx$/i.test(path)) return xlsxRecords(path);
  if (/\.xls$/i.test(path)) throw new TableError(`${path}: old .xls workbooks are not supported; save it as .xlsx or CSV`);
  return readCsvFile(path);
}

function findColumn(headers: string[], name: string | undefined, guesses: string[], what: string, flag: string): number {
  const norm = headers.map((h) => h.trim().toLowerCase());
  if (name !== undefined) {
    const i = norm.indexOf(name.trim().toLowerCase());
    if (i < 0) throw new TableError(`${flag}: no column named "${name}"; the header has: ${headers.map((h) => JSON.stringify(h)).join(', ')}`);
    return i;
  }
  for (const g of guesses) {
    const i = norm.indexOf(g);
    if (i >= 0) return i;
  }
  throw new TableError(`name the ${what} column with ${flag}; the header has: ${headers.map((h) => JSON.stringify(h)).join(', ')}`);
}

/** Streams the labelled rows of a file; rows with no text or no label are counted in stats.skipped. */
export async function* readLabelled(path: string, opts: TableOptions = {}, stats: ReadStats = { rows: 0, skipped: 0, headers: [] }): AsyncGenerator<LabelledRow> {
  let textIdx: number[] | undefined;
  let labelIdx = -1;
  let divIdx = -1;
  for await (const rec of records(path)) {
    if (!textIdx) {
      if (rec.every((f) => f.trim() === '')) continue; // blank lines before the header
      stats.headers = rec.map((h) => h.replace(/^\uFEFF/, '').trim());
      const names = opts.textColumns?.length ? opts.textColumns : undefined;
      textIdx = names
        ? names.map((n) => findColumn(stats.headers, n, [], 'text', '--text-column'))
        : [findColumn(stats.headers, undefined, TEXT_GUESSES, 'text', '--text-column')];
      labelIdx = findColumn(stats.headers, opts.labelColumn, LABEL_GUESSES, 'label', '--label-column');
      if (opts.divisionColumn) divIdx = findColumn(stats.headers, opts.divisionColumn, [], 'division', '--division-column');
      continue;
    }
    if (rec.every((f) => f.trim() === '')) continue;
    const text = textIdx
      .map((i) => (rec[i] ?? '').trim())
      .filter(Boolean)
      .join(' ');
    const label = (rec[labelIdx] ?? '').trim();
    if (!text || !label) {
      stats.skipped++;
      continue;
    }
    stats.rows++;
    const row: LabelledRow = { text, label };
    if (divIdx >= 0 && rec[divIdx]?.trim()) row.division = rec[divIdx].trim();
    yield row;
  }
  if (!textIdx) throw new TableError(`${path}: the file is empty (no header row)`);
}
