/**
 * Import and export of the organisation's master data: divisions, units, grids
 * and users, as JSON, Excel (.xlsx) or, for divisions and grids, GeoJSON.
 *
 * The flow of an import: read the file into plain rows (readTable), map the
 * column names (English, snake_case or Chinese) and coerce spreadsheet values,
 * validate every row with the same zod schemas the API uses, check references
 * against the file and the database, and only then write everything in one
 * transaction. A file with any invalid row writes nothing.
 */
import { createReadStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import ExcelJS from 'exceljs';
import { z } from 'zod';
import type { Db, Queryable } from '../platform/db.ts';
import { Problem, problemFromPg } from '../platform/errors.ts';
import { ROLES, ROLE_LABELS } from './roles.ts';
import {
  DIVISION_CODE,
  GEOMETRY,
  GRID_INPUT,
  UNIT_INPUT,
  UNIT_KINDS,
  USER_INPUT,
  parentCode as divisionParent,
  upsertDivisions,
  upsertGrid,
  upsertUnit,
  upsertUser,
  type DivisionInput,
} from './store.ts';

/** In the order they must be imported: each refers only to kinds before it. */
export const KINDS = ['divisions', 'units', 'users', 'grids'] as const;
export type Kind = (typeof KINDS)[number];
export const FORMATS = ['json', 'xlsx', 'geojson'] as const;
export type Format = (typeof FORMATS)[number];

export const DIVISION_INPUT = z.strictObject({
  code: DIVISION_CODE,
  name: z.string().min(1).max(200),
  /** The outline, validated as a grid's; a row without one keeps the stored outline. */
  geometry: GEOMETRY.nullish(),
});

type FieldType = 'str' | 'secret' | 'int' | 'bool' | 'list' | 'json' | 'unitKind' | 'roles';

interface FieldSpec {
  type: FieldType;
  /** Header for a Chinese export; the first alias is also accepted on import. */
  zh: string;
  aliases?: string[];
  /** Accepted on import, never exported. */
  importOnly?: boolean;
}

/** Fields of each kind, in column order, with their Chinese header aliases. */
export const FIELDS: Record<Kind, Record<string, FieldSpec>> = {
  divisions: {
    code: { type: 'str', zh: '代码', aliases: ['编码', '区划代码', '行政区划代码', '统计用区划代码', '区划编码'] },
    name: { type: 'str', zh: '名称', aliases: ['区划名称', '名字'] },
    geometry: { type: 'json', zh: '边界', aliases: ['范围', '几何', '边界范围', '坐标'] },
  },
  units: {
    code: { type: 'str', zh: '代码', aliases: ['编码', '单位代码', '单位编码', '编号'] },
    name: { type: 'str', zh: '名称', aliases: ['单位名称'] },
    kind: { type: 'unitKind', zh: '类型', aliases: ['单位类型'] },
    parentCode: { type: 'str', zh: '上级单位', aliases: ['上级单位代码', '上级代码', '上级'] },
    divisionCodes: { type: 'list', zh: '服务区划', aliases: ['服务区划代码', '区划', '区划代码', '辖区'] },
    phone: { type: 'str', zh: '电话', aliases: ['联系电话', '值班电话'] },
    active: { type: 'bool', zh: '启用', aliases: ['是否启用', '状态', '有效'] },
  },
  users: {
    username: { type: 'str', zh: '用户名', aliases: ['账号', '帐号', '登录名'] },
    displayName: { type: 'str', zh: '姓名', aliases: ['名字', '显示名'] },
    phone: { type: 'str', zh: '电话', aliases: ['手机', '手机号', '手机号码', '联系电话'] },
    roles: { type: 'roles', zh: '角色' },
    unitCode: { type: 'str', zh: '所属单位', aliases: ['单位', '单位代码', '所属单位代码'] },
    scopeCodes: { type: 'list', zh: '管辖区划', aliases: ['管辖范围', '管辖区划代码'] },
    active: { type: 'bool', zh: '启用', aliases: ['是否启用', '状态', '有效'] },
    password: { type: 'secret', zh: '密码', aliases: ['初始密码'], importOnly: true },
  },
  grids: {
    code: { type: 'str', zh: '代码', aliases: ['编码', '网格编码', '网格代码', '网格编号', '编号'] },
    name: { type: 'str', zh: '名称', aliases: ['网格名称'] },
    divisionCode: { type: 'str', zh: '所属区划', aliases: ['区划', '区划代码', '所属区划代码', '社区'] },
    geometry: { type: 'json', zh: '边界', aliases: ['范围', '几何', '边界范围', '坐标'] },
    workerUsername: { type: 'str', zh: '网格员', aliases: ['网格员账号', '网格员用户名'] },
    households: { type: 'int', zh: '户数', aliases: ['住户', '住户数'] },
    population: { type: 'int', zh: '人口', aliases: ['人口数', '人数'] },
  },
};

/** Which schema validates a row of each kind. */
const SCHEMAS: Record<Kind, z.ZodType> = {
  divisions: DIVISION_INPUT,
  units: UNIT_INPUT,
  users: USER_INPUT,
  grids: GRID_INPUT,
};

const UNIT_KIND_LABELS: Record<(typeof UNIT_KINDS)[number], string[]> = {
  hotline_centre: ['12345热线中心', '热线中心', '热线'],
  command_centre: ['指挥中心', '综治中心', '社会治理中心'],
  department: ['职能部门', '部门'],
  township_office: ['乡镇', '街道', '乡镇(街道)', '乡镇街道', '乡镇（街道）'],
  village_committee: ['村(社区)', '村社区', '村（社区）', '村', '社区', '村委会', '居委会'],
  police_station: ['派出所'],
  police_command: ['110指挥中心', '公安110指挥中心', '公安指挥中心'],
  court: ['法院'],
  mediation_committee: ['人民调解委员会', '调解委员会'],
  enterprise_service: ['企业服务'],
  other: ['其他'],
};

/** Header normal form: case, spaces, _ - * and a trailing (note) do not matter. */
const normKey = (k: string) =>
  k
    .trim()
    .replace(/[（(][^）)]*[）)]\s*$/, '')
    .toLowerCase()
    .replace(/[\s_\-*:：]/g, '');

const ALIASES: Record<Kind, Map<string, string>> = Object.fromEntries(
  KINDS.map((kind) => {
    const m = new Map<string, string>();
    for (const [field, spec] of Object.entries(FIELDS[kind])) {
      for (const a of [field, spec.zh, ...(spec.aliases ?? [])]) if (!m.has(normKey(a))) m.set(normKey(a), field);
    }
    return [kind, m];
  }),
) as Record<Kind, Map<string, string>>;

const UNIT_KIND_BY_LABEL = new Map<string, string>();
for (const k of UNIT_KINDS) UNIT_KIND_BY_LABEL.set(normKey(k), k);
for (const [k, labels] of Object.entries(UNIT_KIND_LABELS)) for (const l of labels) UNIT_KIND_BY_LABEL.set(normKey(l), k);
const ROLE_BY_LABEL = new Map<string, string>();
for (const r of ROLES) ROLE_BY_LABEL.set(normKey(r), r);
for (const [r, label] of Object.entries(ROLE_LABELS)) ROLE_BY_LABEL.set(normKey(label), r);

/** The canonical field a column header names, for a kind. */
export function fieldFor(kind: Kind, header: string): string | undefined {
  return ALIASES[kind].get(normKey(header));
}

// ---------------------------------------------------------------------------
// Errors

export interface RowError {
  /** 1-based: the spreadsheet row (header is row 1), or the position in a JSON array. */
  row: number;
  field?: string;
  message: string;
}

export const formatRowError = (e: RowError) => `row ${e.row}${e.field ? `, field ${e.field}` : ''}: ${e.message}`;

export class ImportError extends Error {
  constructor(
    readonly kind: Kind,
    readonly errors: RowError[],
  ) {
    super(
      `${errors.length} invalid row${errors.length === 1 ? '' : 's'} in ${kind}; nothing was imported\n` +
        errors.slice(0, 20).map(formatRowError).join('\n') +
        (errors.length > 20 ? `\n... and ${errors.length - 20} more` : ''),
    );
    this.name = 'ImportError';
  }
}

// ---------------------------------------------------------------------------
// Reading and normalising rows

/** A coerced cell value that the schema will reject, kept as it was. */
function coerce(type: FieldType, v: unknown): { value?: unknown; error?: string } {
  if (v === null || v === undefined) return {};
  if (typeof v === 'string' && type !== 'secret') {
    v = v.trim();
    if (v === '') return {};
  }
  switch (type) {
    case 'secret':
      return { value: v === '' ? undefined : typeof v === 'number' ? String(v) : v };
    case 'str':
      return { value: typeof v === 'number' ? numberText(v) : v };
    case 'int':
      if (typeof v === 'string' && /^[+-]?\d+(\.0*)?$/.test(v as string)) return { value: Number(v) };
      return { value: v };
    case 'bool': {
      if (typeof v === 'number') return { value: v === 1 ? true : v === 0 ? false : v };
      if (typeof v !== 'string') return { value: v };
      const s = normKey(v);
      if (['true', '1', 'yes', 'y', 't', '是', '启用', '正常', '有效', '在用', '在职'].includes(s)) return { value: true };
      if (['false', '0', 'no', 'n', 'f', '否', '停用', '禁用', '无效', '注销', '离职'].includes(s)) return { value: false };
      return { value: v };
    }
    case 'list':
    case 'roles': {
      let items: unknown[];
      if (typeof v === 'string') items = v.split(/[,，、;；\s]+/);
      else if (typeof v === 'number') items = [v];
      else if (Array.isArray(v)) items = v;
      else return { value: v };
      const out = items
        .map((x) => (typeof x === 'number' ? numberText(x) : typeof x === 'string' ? x.trim() : x))
        .filter((x) => x !== '' && x !== null && x !== undefined);
      return { value: type === 'roles' ? out.map((x) => (typeof x === 'string' ? (ROLE_BY_LABEL.get(normKey(x)) ?? x) : x)) : out };
    }
    case 'unitKind':
      return { value: typeof v === 'string' ? (UNIT_KIND_BY_LABEL.get(normKey(v)) ?? v) : v };
    case 'json': {
      let g = v;
      if (typeof g === 'string') {
        try {
          g = JSON.parse(g);
        } catch (err) {
          return { error: `not valid JSON (${(err as Error).message})` };
        }
      }
      // A GeoJSON Feature pasted where a geometry belongs: take its geometry.
      if (g && typeof g === 'object' && (g as any).type === 'Feature') g = (g as any).geometry;
      return { value: g };
    }
  }
}

/** Integers as digits (no exponent): codes and phone numbers typed into Excel arrive as numbers. */
const numberText = (n: number) => (Number.isInteger(n) ? BigInt(n).toString() : String(n));

interface Normalised {
  data: Record<string, unknown>;
  errors: RowError[];
  unknown: string[];
  /** canonical field -> the column header it came from */
  source: Record<string, string>;
}

export function normaliseRow(kind: Kind, raw: Record<string, unknown>, row: number): Normalised {
  const data: Record<string, unknown> = {};
  const errors: RowError[] = [];
  const unknown: string[] = [];
  const source: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    const field = fieldFor(kind, key);
    if (!field) {
      if (value !== undefined && value !== null && value !== '') unknown.push(key);
      continue;
    }
    if (data[field] !== undefined) continue; // two columns for one field: the first filled one wins
    const spec = FIELDS[kind][field];
    const c = coerce(spec.type, value);
    source[field] = key;
    if (c.error) errors.push({ row, field: label(field, key), message: c.error });
    else if (c.value !== undefined) data[field] = c.value;
  }
  return { data, errors, unknown, source };
}

/** A field as the operator knows it: with the column header it came from, when that differs. */
const label = (field: string, header?: string) => {
  const base = field.replace(/[[.].*$/, '');
  return header && normKey(header) !== normKey(base) ? `${field} (${header})` : field;
};

function issueField(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

function zodErrors(err: z.ZodError, row: number, source: Record<string, string>): RowError[] {
  return err.issues.map((i) => {
    if (i.code === 'unrecognized_keys') {
      const keys = (i as { keys?: string[] }).keys ?? [];
      return { row, field: keys.join(', '), message: `unknown field${keys.length > 1 ? 's' : ''}` };
    }
    const field = issueField(i.path);
    const base = typeof i.path[0] === 'string' ? i.path[0] : undefined;
    const message = /received undefined$/.test(i.message) ? '必填 (required)' : i.message;
    return { row, field: base ? label(field, source[base]) : field || undefined, message };
  });
}

export interface ImportOptions {
  /** Row numbers to report for rows[i] (readTable gives them); default i + 1. */
  rowNumbers?: number[];
  /** Drop columns that name no field (spreadsheets, GeoJSON properties) instead of rejecting them. */
  ignoreUnknown?: boolean;
  onProgress?: (done: number, total: number) => void;
  /** Validate and write, then roll back. */
  dryRun?: boolean;
}

export interface ImportResult {
  kind: Kind;
  count: number;
  warnings: string[];
  dryRun: boolean;
}

type Parsed<T> = { row: number; value: T; source: Record<string, string> };

/** Normalises and validates rows of a kind; no database access. */
export function validateRows<T = Record<string, unknown>>(
  kind: Kind,
  rows: Record<string, unknown>[],
  opts: Pick<ImportOptions, 'rowNumbers' | 'ignoreUnknown'> = {},
): { valid: Parsed<T>[]; errors: RowError[]; warnings: string[] } {
  const schema = SCHEMAS[kind];
  const valid: Parsed<T>[] = [];
  const errors: RowError[] = [];
  const ignored = new Set<string>();
  rows.forEach((raw, i) => {
    const row = opts.rowNumbers?.[i] ?? i + 1;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      errors.push({ row, message: 'expected an object' });
      return;
    }
    const n = normaliseRow(kind, raw, row);
    errors.push(...n.errors);
    if (n.unknown.length) {
      if (opts.ignoreUnknown) n.unknown.forEach((k) => ignored.add(k));
      else errors.push({ row, field: n.unknown.join(', '), message: `unknown field (expected ${Object.keys(FIELDS[kind]).join(', ')})` });
    }
    if (n.errors.length) return;
    const r = schema.safeParse(n.data);
    if (r.success) valid.push({ row, value: r.data as T, source: n.source });
    else errors.push(...zodErrors(r.error, row, n.source));
  });
  const warnings = ignored.size ? [`ignored column${ignored.size > 1 ? 's' : ''}: ${[...ignored].join(', ')}`] : [];
  return { valid, errors, warnings };
}

function duplicates<T>(rows: Parsed<T>[], key: (v: T) => string, field: string, errors: RowError[]): Map<string, Parsed<T>> {
  const seen = new Map<string, Parsed<T>>();
  for (const r of rows) {
    const k = key(r.value);
    const first = seen.get(k);
    if (first) errors.push({ row: r.row, field: label(field, r.source[field]), message: `duplicate ${k} (also in row ${first.row})` });
    else seen.set(k, r);
  }
  return seen;
}

async function existing(db: Queryable, table: string, column: string, values: Iterable<string>): Promise<Set<string>> {
  const list = [...new Set(values)];
  const out = new Set<string>();
  for (let i = 0; i < list.length; i += 10_000) {
    const part = list.slice(i, i + 10_000);
    const rows = await db.query<{ v: string }>(`SELECT ${column} AS v FROM ${table} WHERE ${column} = ANY($1::text[])`, [part]);
    for (const r of rows) out.add(r.v);
  }
  return out;
}

type UnitValue = z.output<typeof UNIT_INPUT>;
type UserValue = z.output<typeof USER_INPUT>;
type GridValue = z.output<typeof GRID_INPUT>;
type DivisionValue = z.output<typeof DIVISION_INPUT>;

/** Units ordered so that a parent in the same file comes before its children. */
export function orderUnits(rows: Parsed<UnitValue>[], errors: RowError[]): Parsed<UnitValue>[] {
  const byCode = new Map(rows.map((r) => [r.value.code, r]));
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (r: Parsed<UnitValue>): number => {
    const code = r.value.code;
    const known = depth.get(code);
    if (known !== undefined) return known;
    if (visiting.has(code)) return -1;
    visiting.add(code);
    const parent = r.value.parentCode ? byCode.get(r.value.parentCode) : undefined;
    let d = 0;
    if (parent) {
      const pd = depthOf(parent);
      d = pd < 0 ? -1 : pd + 1;
    }
    visiting.delete(code);
    depth.set(code, d);
    return d;
  };
  for (const r of rows) {
    if (r.value.parentCode === r.value.code) {
      errors.push({ row: r.row, field: label('parentCode', r.source.parentCode), message: 'a unit cannot be its own parent' });
      depth.set(r.value.code, -1);
    }
  }
  for (const r of rows) {
    if (depthOf(r) < 0 && r.value.parentCode !== r.value.code)
      errors.push({ row: r.row, field: label('parentCode', r.source.parentCode), message: `parent chain loops back to ${r.value.code}` });
  }
  return rows
    .map((r, i) => ({ r, i, d: depth.get(r.value.code) ?? 0 }))
    .sort((a, b) => a.d - b.d || a.i - b.i)
    .map((x) => x.r);
}

/**
 * Validates rows of one kind and, if all are valid, writes them in one
 * transaction (insert or update by code / username). Throws ImportError
 * naming every bad row and field; then nothing is written.
 */
export async function importRows(db: Db, kind: Kind, rows: Record<string, unknown>[], opts: ImportOptions = {}): Promise<ImportResult> {
  const { valid, errors, warnings } = validateRows(kind, rows, opts);
  let plan: { total: number; write: (q: Queryable, progress: (n: number) => void) => Promise<void> };
  switch (kind) {
    case 'divisions':
      plan = await planDivisions(db, valid as Parsed<DivisionValue>[], errors);
      break;
    case 'units':
      plan = await planUnits(db, valid as Parsed<UnitValue>[], errors, warnings);
      break;
    case 'users':
      plan = await planUsers(db, valid as Parsed<UserValue>[], errors, warnings);
      break;
    case 'grids':
      plan = await planGrids(db, valid as Parsed<GridValue>[], errors);
      break;
  }
  if (errors.length) throw new ImportError(kind, errors.sort((a, b) => a.row - b.row));

  const rollback = Symbol('dry run');
  try {
    await db.tx(async (q) => {
      let done = 0;
      opts.onProgress?.(0, plan.total);
      await plan.write(q, (n) => {
        done += n;
        opts.onProgress?.(done, plan.total);
      });
      if (opts.dryRun) throw rollback;
    });
  } catch (err) {
    if (err !== rollback) throw err;
  }
  return { kind, count: plan.total, warnings, dryRun: !!opts.dryRun };
}

/** Runs one row's write, naming the row (and field, when known) if it fails. */
async function atRow<T>(kind: Kind, row: number, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const p = err instanceof Problem ? err : problemFromPg(err);
    if (p) throw new ImportError(kind, p.errors.length ? p.errors.map((e) => ({ row, field: e.field, message: e.message })) : [{ row, message: p.detail ?? p.title }]);
    throw new ImportError(kind, [{ row, message: (err as Error).message }]);
  }
}

async function planDivisions(db: Db, rows: Parsed<DivisionValue>[], errors: RowError[]) {
  const byCode = duplicates(rows, (v) => v.code, 'code', errors);
  const missing = new Map<string, Parsed<DivisionValue>[]>();
  for (const r of byCode.values()) {
    const p = divisionParent(r.value.code);
    if (p && !byCode.has(p)) missing.set(p, [...(missing.get(p) ?? []), r]);
  }
  if (missing.size) {
    const found = await existing(db, 'divisions', 'code', missing.keys());
    for (const [p, children] of missing) {
      if (found.has(p)) continue;
      for (const r of children)
        errors.push({ row: r.row, field: label('code', r.source.code), message: `parent division ${p} is neither in this file nor in the database` });
    }
  }
  const list: DivisionInput[] = [...byCode.values()]
    .map((r) => r.value)
    .sort((a, b) => a.code.length - b.code.length || (a.code < b.code ? -1 : 1));
  return {
    total: list.length,
    async write(q: Queryable, progress: (n: number) => void) {
      const chunk = 5000;
      for (let i = 0; i < list.length; i += chunk) {
        const part = list.slice(i, i + chunk);
        await upsertDivisions(q, part);
        progress(part.length);
      }
    },
  };
}

async function planUnits(db: Db, rows: Parsed<UnitValue>[], errors: RowError[], warnings: string[]) {
  const byCode = duplicates(rows, (v) => v.code, 'code', errors);
  const unique = [...byCode.values()];
  const outside = unique.filter((r) => r.value.parentCode && !byCode.has(r.value.parentCode));
  if (outside.length) {
    const found = await existing(db, 'units', 'code', outside.map((r) => r.value.parentCode!));
    for (const r of outside)
      if (!found.has(r.value.parentCode!))
        errors.push({ row: r.row, field: label('parentCode', r.source.parentCode), message: `no unit with code ${r.value.parentCode} in this file or the database` });
  }
  await warnUnknownDivisions(db, unique.flatMap((r) => r.value.divisionCodes), 'units.divisionCodes', warnings);
  const ordered = orderUnits(unique, errors);
  return {
    total: ordered.length,
    async write(q: Queryable, progress: (n: number) => void) {
      for (const r of ordered) {
        await atRow('units', r.row, () => upsertUnit(q, r.value));
        progress(1);
      }
    },
  };
}

async function planUsers(db: Db, rows: Parsed<UserValue>[], errors: RowError[], warnings: string[]) {
  const byName = duplicates(rows, (v) => v.username, 'username', errors);
  const unique = [...byName.values()];
  const withUnit = unique.filter((r) => r.value.unitCode);
  if (withUnit.length) {
    const found = await existing(db, 'units', 'code', withUnit.map((r) => r.value.unitCode!));
    for (const r of withUnit)
      if (!found.has(r.value.unitCode!))
        errors.push({ row: r.row, field: label('unitCode', r.source.unitCode), message: `no unit with code ${r.value.unitCode} (import units first)` });
  }
  await warnUnknownDivisions(db, unique.flatMap((r) => r.value.scopeCodes.filter((c) => c !== '*')), 'users.scopeCodes', warnings);
  return {
    total: unique.length,
    async write(q: Queryable, progress: (n: number) => void) {
      for (const r of unique) {
        await atRow('users', r.row, () => upsertUser(q, r.value));
        progress(1);
      }
    },
  };
}

async function planGrids(db: Db, rows: Parsed<GridValue>[], errors: RowError[]) {
  const byCode = duplicates(rows, (v) => v.code, 'code', errors);
  const unique = [...byCode.values()];
  const divisions = await existing(db, 'divisions', 'code', unique.map((r) => r.value.divisionCode));
  const workers = await existing(db, 'users', 'username', unique.flatMap((r) => (r.value.workerUsername ? [r.value.workerUsername] : [])));
  for (const r of unique) {
    if (!divisions.has(r.value.divisionCode))
      errors.push({ row: r.row, field: label('divisionCode', r.source.divisionCode), message: `no division ${r.value.divisionCode} (import divisions first)` });
    if (r.value.workerUsername && !workers.has(r.value.workerUsername))
      errors.push({ row: r.row, field: label('workerUsername', r.source.workerUsername), message: `no user ${r.value.workerUsername} (import users first)` });
  }
  return {
    total: unique.length,
    async write(q: Queryable, progress: (n: number) => void) {
      for (const r of unique) {
        await atRow('grids', r.row, () => upsertGrid(q, r.value));
        progress(1);
      }
    },
  };
}

async function warnUnknownDivisions(db: Db, codes: string[], what: string, warnings: string[]) {
  if (!codes.length) return;
  const found = await existing(db, 'divisions', 'code', codes);
  const missing = [...new Set(codes)].filter((c) => !found.has(c));
  if (missing.length)
    warnings.push(`${what} name division${missing.length > 1 ? 's' : ''} not in the database: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ` (+${missing.length - 10} more)` : ''}`);
}

// ---------------------------------------------------------------------------
// Export

/** All rows of a kind, in the import format (no ids, no password hashes). */
export async function exportRows(db: Queryable, kind: Kind): Promise<Record<string, unknown>[]> {
  switch (kind) {
    case 'divisions':
      return db.query(`SELECT code, name, geometry FROM divisions ORDER BY code`);
    case 'units':
      return db.query(
        `SELECT u.code, u.name, u.kind, p.code AS "parentCode", u.division_codes AS "divisionCodes", u.phone, u.active
           FROM units u LEFT JOIN units p ON p.id = u.parent_id ORDER BY u.code`,
      );
    case 'users':
      return db.query(
        `SELECT u.username, u.display_name AS "displayName", u.phone, u.roles, un.code AS "unitCode", u.scope_codes AS "scopeCodes", u.active
           FROM users u LEFT JOIN units un ON un.id = u.unit_id ORDER BY u.username`,
      );
    case 'grids':
      return db.query(
        `SELECT g.code, g.name, g.division_code AS "divisionCode", g.geometry, w.username AS "workerUsername", g.households, g.population
           FROM grids g LEFT JOIN users w ON w.id = g.worker_user_id ORDER BY g.code`,
      );
  }
}

// ---------------------------------------------------------------------------
// Files

/** The format named by --format, or told by the file's extension. */
export function formatOf(file: string, explicit?: string): Format {
  if (explicit) {
    if (!(FORMATS as readonly string[]).includes(explicit)) throw new Error(`unknown format ${explicit} (json, xlsx or geojson)`);
    return explicit as Format;
  }
  if (file === '-') return 'json';
  const ext = extname(file).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.xlsx') return 'xlsx';
  if (ext === '.geojson') return 'geojson';
  if (ext === '.xls' || ext === '.et' || ext === '.csv')
    throw new Error(`${file}: ${ext} files are not read; save it as .xlsx (Excel 工作簿) 请另存为 .xlsx`);
  throw new Error(`cannot tell the format of ${file} from its extension; use --format json|xlsx|geojson`);
}

export interface Table {
  rows: Record<string, unknown>[];
  /** The row number to report for each row. */
  rowNumbers: number[];
  /** What was actually found: a .json file holding a FeatureCollection is 'geojson'. */
  format: Format;
}

/**
 * Reads rows from a file: a JSON array (or { "<kind>": [...] } / { "rows": [...] }),
 * a GeoJSON FeatureCollection (properties + geometry), or the first sheet of an
 * xlsx workbook (or the sheet named after the kind) with a header row.
 */
export async function readTable(file: string, opts: { format?: Format; kind?: Kind; stdin?: NodeJS.ReadableStream } = {}): Promise<Table> {
  const format = opts.format ?? formatOf(file);
  if (format === 'xlsx') return readXlsx(file, opts.kind);
  const text = file === '-' ? await readAll(opts.stdin ?? process.stdin) : await readFile(file, 'utf8');
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
  return tableFromJson(doc, file, opts.kind);
}

export function tableFromJson(doc: unknown, file = 'input', kind?: Kind): Table {
  const features = geoFeatures(doc);
  if (features) {
    const rows = features.map((f: any) => {
      const props = f && typeof f.properties === 'object' && f.properties ? { ...f.properties } : {};
      if (f?.id !== undefined && !Object.keys(props).some((k) => kind && fieldFor(kind, k) === 'code')) props.code = f.id;
      return { ...props, geometry: f?.geometry };
    });
    return { rows, rowNumbers: rows.map((_r, i) => i + 1), format: 'geojson' };
  }
  let rows: unknown = doc;
  if (doc && typeof doc === 'object' && !Array.isArray(doc)) {
    const o = doc as Record<string, unknown>;
    rows = (kind && Array.isArray(o[kind]) ? o[kind] : undefined) ?? (Array.isArray(o.rows) ? o.rows : undefined) ?? (Array.isArray(o.data) ? o.data : undefined);
  }
  if (!Array.isArray(rows)) throw new Error(`${file}: expected a JSON array of rows${kind ? `, an object with a "${kind}" array` : ''} or a GeoJSON FeatureCollection`);
  return { rows: rows as Record<string, unknown>[], rowNumbers: rows.map((_r, i) => i + 1), format: 'json' };
}

function geoFeatures(doc: any): unknown[] | undefined {
  if (doc && doc.type === 'FeatureCollection' && Array.isArray(doc.features)) return doc.features;
  if (doc && doc.type === 'Feature') return [doc];
  if (Array.isArray(doc) && doc.length && doc.every((f) => f && f.type === 'Feature')) return doc;
  return undefined;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** A cell's value as a primitive: rich text, hyperlinks and formulas give their text or result. */
function cellValue(v: unknown): unknown {
  if (v === null || v === undefined) return undefined;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') {
    const o = v as Record<string, any>;
    if (Array.isArray(o.richText)) return o.richText.map((t: { text: string }) => t.text).join('');
    if ('result' in o) return cellValue(o.result);
    if ('formula' in o || 'sharedFormula' in o) return undefined;
    if ('text' in o) return cellValue(o.text);
    if ('error' in o) return String(o.error);
    return undefined;
  }
  return v;
}

const isBlank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

async function readXlsx(file: string, kind?: Kind): Promise<Table> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(file === '-' ? process.stdin : createReadStream(file), {
    worksheets: 'emit',
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'ignore',
    entries: 'ignore',
  });
  const sheetNames = kind ? new Set([kind, kind.replace(/s$/, ''), { divisions: '区划', units: '单位', users: '用户', grids: '网格' }[kind]].map(normKey)) : new Set<string>();
  let chosen: Table | undefined;
  let chosenByName = false;
  try {
    for await (const sheet of reader) {
      const name = (sheet as unknown as { name?: string }).name ?? '';
      const byName = sheetNames.has(normKey(name));
      const wanted = !chosenByName && (byName || !chosen);
      let headers: string[] | undefined;
      const rows: Record<string, unknown>[] = [];
      const rowNumbers: number[] = [];
      for await (const row of sheet) {
        if (!wanted) continue; // drain sheets we do not read
        const values = (row.values as unknown[]).map(cellValue);
        if (!headers) {
          if (values.every(isBlank)) continue;
          headers = values.map((v) => (isBlank(v) ? '' : String(v).trim()));
          continue;
        }
        if (values.every(isBlank)) continue;
        const o: Record<string, unknown> = {};
        headers.forEach((h, i) => {
          if (h && !isBlank(values[i])) o[h] = values[i];
        });
        rows.push(o);
        rowNumbers.push(row.number);
      }
      if (wanted) {
        chosen = { rows, rowNumbers, format: 'xlsx' };
        chosenByName = byName;
      }
    }
  } catch (err) {
    throw new Error(`${file}: cannot read as an Excel workbook (${(err as Error).message})`);
  }
  if (!chosen) throw new Error(`${file}: the workbook has no worksheet`);
  return chosen;
}

/** The largest text an Excel cell holds. */
export const XLSX_CELL_LIMIT = 32_767;

/**
 * Writes rows of a kind: JSON (an array, one row a line), xlsx (one sheet named
 * after the kind, a header row, lists comma-separated, geometry as JSON text) or,
 * for grids, a GeoJSON FeatureCollection. file '-' writes JSON to stdout.
 */
export async function writeTable(
  file: string,
  kind: Kind,
  rows: Record<string, unknown>[],
  opts: { format?: Format; headers?: 'en' | 'zh'; stdout?: NodeJS.WritableStream } = {},
): Promise<void> {
  const format = opts.format ?? formatOf(file);
  const fields = Object.entries(FIELDS[kind]).filter(([, s]) => !s.importOnly);
  const clean = rows.map((r) => Object.fromEntries(fields.map(([f]) => [f, r[f] ?? null])));
  if (format === 'xlsx') {
    if (file === '-') throw new Error('xlsx cannot be written to stdout; name a file');
    return writeXlsx(file, kind, clean, fields, opts.headers ?? 'en');
  }
  let text: string;
  if (format === 'geojson') {
    if (kind !== 'grids' && kind !== 'divisions') throw new Error('GeoJSON is for divisions and grids only; use json or xlsx');
    // Divisions: those with an outline (most have none); the others are left as they are on import.
    const shaped = kind === 'divisions' ? clean.filter((r) => r.geometry) : clean;
    const features = shaped.map(({ geometry, ...properties }) => JSON.stringify({ type: 'Feature', properties, geometry }));
    text = `{"type":"FeatureCollection","features":[\n${features.join(',\n')}\n]}\n`;
  } else {
    text = clean.length ? `[\n${clean.map((r) => JSON.stringify(r)).join(',\n')}\n]\n` : '[]\n';
  }
  if (file === '-') {
    const out = opts.stdout ?? process.stdout;
    await new Promise<void>((res, rej) => out.write(text, (err) => (err ? rej(err) : res())));
  } else {
    await writeFile(file, text, 'utf8');
  }
}

async function writeXlsx(file: string, kind: Kind, rows: Record<string, unknown>[], fields: [string, FieldSpec][], headers: 'en' | 'zh') {
  const toCell = (spec: FieldSpec, v: unknown): unknown => {
    if (v === null || v === undefined) return null;
    if (spec.type === 'list' || spec.type === 'roles') return (v as unknown[]).join(',');
    if (spec.type === 'json') return JSON.stringify(v);
    return v;
  };
  // Check before writing, so a failed export leaves no half-written file.
  const cells = rows.map((r, i) =>
    fields.map(([f, spec]) => {
      const c = toCell(spec, r[f]);
      if (typeof c === 'string' && c.length > XLSX_CELL_LIMIT)
        throw new Error(
          `${kind} ${String(r.code ?? r.username ?? i + 1)}: ${f} is ${c.length} characters, more than an Excel cell holds (${XLSX_CELL_LIMIT}); export to .json${kind === 'grids' || kind === 'divisions' ? ' or .geojson' : ''} instead`,
        );
      return c;
    }),
  );
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: false, useStyles: true });
  const ws = wb.addWorksheet(kind, { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = fields.map(([f, spec]) => ({
    header: headers === 'zh' ? spec.zh : f,
    key: f,
    width: spec.type === 'json' ? 60 : f === 'name' || f === 'displayName' ? 28 : 16,
  }));
  ws.getRow(1).font = { bold: true };
  ws.getRow(1).commit();
  for (const c of cells) ws.addRow(c).commit();
  ws.commit();
  await wb.commit();
}
