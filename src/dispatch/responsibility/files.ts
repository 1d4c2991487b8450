/**
 * Reading and writing the dispatch tables (responsibility rules, gazetteer) as
 * JSON or Excel. Files are read with the organisation importer's readTable;
 * here column headers (English or Chinese) are mapped to fields and
 * spreadsheet values coerced, so the rows can be validated by the same zod
 * schemas as the API.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { loadConfig } from '../../platform/config.ts';
import { openDb, type Db } from '../../platform/db.ts';
import { migrate } from '../../platform/migrate.ts';
import { UNIT_KINDS } from '../../org/store.ts';
import { readTable, type Table } from '../../org/io.ts';

export type ColumnType = 'str' | 'code' | 'category' | 'int' | 'num' | 'bool' | 'list' | 'level' | 'unitKind' | 'role' | 'placeKind';

export interface ColumnSpec {
  field: string;
  type: ColumnType;
  /** Chinese header, used by exports with --headers zh and accepted on import. */
  zh: string;
  aliases?: string[];
}

export const normKey = (k: string) =>
  k
    .trim()
    .replace(/[（(][^）)]*[）)]\s*$/, '')
    .toLowerCase()
    .replace(/[\s_\-*:：]/g, '');

const LEVELS: Record<string, number> = {
  province: 1, 省: 1, 省级: 1,
  city: 2, 市: 2, 市级: 2, 地市: 2, 地市级: 2, 州: 2,
  county: 3, 县: 3, 区: 3, 县级: 3, 县区: 3, 区县: 3, '县(区)': 3, '县（区）': 3, 县市区: 3,
  township: 4, 乡镇: 4, 街道: 4, 乡镇级: 4, '乡镇(街道)': 4, '乡镇（街道）': 4, 乡镇街道: 4,
  village: 5, 村: 5, 社区: 5, 村级: 5, '村(社区)': 5, '村（社区）': 5, 村社区: 5,
};

const KIND_LABELS: Record<string, string> = {
  热线中心: 'hotline_centre', '12345热线中心': 'hotline_centre',
  指挥中心: 'command_centre', 综治中心: 'command_centre',
  职能部门: 'department', 部门: 'department',
  乡镇: 'township_office', 街道: 'township_office', '乡镇(街道)': 'township_office', 乡镇街道: 'township_office',
  村委会: 'village_committee', 居委会: 'village_committee', '村(社区)': 'village_committee', 村社区: 'village_committee',
  派出所: 'police_station',
  '110指挥中心': 'police_command', 公安指挥中心: 'police_command',
  法院: 'court',
  人民调解委员会: 'mediation_committee', 调解委员会: 'mediation_committee',
  企业服务: 'enterprise_service',
  其他: 'other',
};

const ROLES: Record<string, string> = { lead: 'lead', assist: 'assist', 主办: 'lead', 牵头: 'lead', 主责: 'lead', 协办: 'assist', 配合: 'assist', 协助: 'assist' };

const PLACE_KINDS: Record<string, string> = {
  道路: 'road', 路: 'road', 街道路: 'road', 街巷: 'road',
  社区: 'community', 村: 'community', '村(社区)': 'community',
  小区: 'estate', 住宅小区: 'estate', 楼盘: 'estate',
  地标: 'landmark', 景点: 'landmark', 广场: 'landmark', 公园: 'landmark',
  建筑: 'building', 楼宇: 'building', 建筑物: 'building',
  兴趣点: 'poi', 单位: 'poi', 机构: 'poi', 学校: 'poi', 医院: 'poi', 市场: 'poi',
  其他: 'other',
};

const numberText = (n: number) => (Number.isInteger(n) ? BigInt(n).toString() : String(n));

function coerce(type: ColumnType, v: unknown): unknown {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') {
    v = v.trim();
    if (v === '') return undefined;
  }
  const s = typeof v === 'string' ? v : undefined;
  switch (type) {
    case 'str':
      return typeof v === 'number' ? numberText(v) : v;
    case 'code':
      return typeof v === 'number' ? numberText(v) : v;
    case 'category': {
      // Excel turns 0101 into 101: put the leading zero back.
      const c = typeof v === 'number' ? numberText(v) : v;
      return typeof c === 'string' && /^\d+$/.test(c) && c.length % 2 === 1 ? `0${c}` : c;
    }
    case 'int':
    case 'num':
      if (s !== undefined && /^[+-]?\d+(\.\d*)?$/.test(s)) return Number(s);
      return v;
    case 'bool': {
      if (typeof v === 'number') return v === 1 ? true : v === 0 ? false : v;
      if (s === undefined) return v;
      const k = normKey(s);
      if (['true', '1', 'yes', 'y', '是', '启用', '有效', '正常'].includes(k)) return true;
      if (['false', '0', 'no', 'n', '否', '停用', '禁用', '无效'].includes(k)) return false;
      return v;
    }
    case 'list':
      if (s !== undefined) return s.split(/[,，、;；]+/).map((x) => x.trim()).filter(Boolean);
      return v;
    case 'level':
      if (typeof v === 'number') return v;
      if (s !== undefined && /^\d$/.test(s)) return Number(s);
      return s !== undefined ? (LEVELS[s.replace(/\s/g, '').toLowerCase()] ?? LEVELS[s.replace(/级$/, '')] ?? v) : v;
    case 'unitKind':
      if (s === undefined) return v;
      return (UNIT_KINDS as readonly string[]).includes(s) ? s : (KIND_LABELS[s.replace(/[（]/g, '(').replace(/[）]/g, ')')] ?? v);
    case 'role':
      return s !== undefined ? (ROLES[s.toLowerCase()] ?? v) : v;
    case 'placeKind':
      return s !== undefined ? (PLACE_KINDS[s] ?? s.toLowerCase()) : v;
  }
}

/**
 * Maps headers to fields and coerces values. Unknown columns are reported;
 * the caller decides whether they are errors (JSON) or ignored (Excel).
 */
export function normaliseRows(specs: ColumnSpec[], rows: Record<string, unknown>[]): { rows: Record<string, unknown>[]; unknown: string[] } {
  const alias = new Map<string, ColumnSpec>();
  for (const s of specs) for (const a of [s.field, s.zh, ...(s.aliases ?? [])]) if (!alias.has(normKey(a))) alias.set(normKey(a), s);
  const unknown = new Set<string>();
  const out = rows.map((raw) => {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw ?? {})) {
      const spec = alias.get(normKey(k));
      if (!spec) {
        unknown.add(k);
        continue;
      }
      const c = coerce(spec.type, v);
      if (c !== undefined) o[spec.field] = c;
    }
    return o;
  });
  return { rows: out, unknown: [...unknown] };
}

/** An xlsx workbook of one sheet with a header row (English field names or Chinese headers). */
export async function rowsToXlsx(sheet: string, specs: ColumnSpec[], rows: Record<string, unknown>[], headers: 'en' | 'zh' = 'en'): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet(sheet, { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = specs.map((s) => ({ header: headers === 'zh' ? s.zh : s.field, key: s.field, width: s.field.endsWith('Name') || s.field === 'note' ? 28 : 14 }));
  ws.getRow(1).font = { bold: true };
  for (const r of rows) {
    ws.addRow(
      specs.map((s) => {
        const v = r[s.field];
        if (v === null || v === undefined) return null;
        if (Array.isArray(v)) return v.join(',');
        return v as ExcelJS.CellValue;
      }),
    );
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** Writes rows as JSON (one row a line) or xlsx; '-' is JSON on stdout. */
export async function writeRowsFile(file: string, sheet: string, specs: ColumnSpec[], rows: Record<string, unknown>[], opts: { format: 'json' | 'xlsx'; headers?: 'en' | 'zh' }) {
  if (opts.format === 'xlsx') {
    if (file === '-') throw new Error('xlsx cannot be written to stdout; name a file');
    await writeFile(file, await rowsToXlsx(sheet, specs, rows, opts.headers));
    return;
  }
  const text = rows.length ? `[\n${rows.map((r) => JSON.stringify(r)).join(',\n')}\n]\n` : '[]\n';
  if (file === '-') await new Promise<void>((res, rej) => process.stdout.write(text, (e) => (e ? rej(e) : res())));
  else await writeFile(file, text, 'utf8');
}

/** Opens the configured database, brings the schema up to date, runs fn, closes it. */
export async function withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await openDb(loadConfig().databaseUrl);
  try {
    await migrate(db);
    return await fn(db);
  } finally {
    await db.close();
  }
}

/**
 * Reads an uploaded workbook (the first sheet, or the one named `sheet`) the
 * way the CLI reads a file: the organisation importer's streaming reader wants
 * a path, so the bytes go to a private temporary file first.
 */
export async function readXlsxBuffer(buf: Buffer): Promise<Table> {
  const dir = await mkdtemp(join(tmpdir(), 'zhili-upload-'));
  try {
    const file = join(dir, 'upload.xlsx');
    await writeFile(file, buf, { mode: 0o600 });
    return await readTable(file, { format: 'xlsx' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
