/**
 * Ledgers (台账): a register's filtered list as xlsx with Chinese headers
 * (streamed, so a county's whole register never sits in memory), and a
 * historic ledger read from xlsx, checked whole before anything is written:
 * every bad cell is one error `rows.<row>.<header>`, and one bad row means
 * nothing is imported.
 *
 * A register's import is `checkLedgerRows` (the loop, the shared checks of
 * 编号 and 区划代码, all errors at once) with its own row mapper, then its own
 * INSERTs of the rows it returns:
 *
 *   const good = await checkLedgerRows(q, actor, rows, { table: 'disputes' }, (r) => {
 *     const no = r.no({ maxLength: 40 });            // required, new, not repeated in the file
 *     const reg = r.date('登记日期', '须为日期 (a date)');
 *     const div = r.division();                       // required, known, in the actor's jurisdiction
 *     const summary = r.text('纠纷概况');
 *     if (!summary) r.bad('纠纷概况', '必填 (required)');
 *     if (!no || !reg || !div || !summary) return undefined;   // a bad row: errors already added
 *     return { no, reg, div, summary };
 *   });
 *
 * Exports: `openLedgerExport(q, source)` counts the rows (for the audit row)
 * and reads them a page at a time by keyset into `writeLedger` / `sendLedger`,
 * so memory stays bounded however long the ledger is. A register's source is
 * usually `registerLedgerSource(...)` (its select plus its persons' names);
 * a names column is `ledgerNames(p, names)` (masked for the caller's role):
 *
 *   const { count, rows } = await openLedgerExport<LedgerEntry>(db, ledgerSource(where, params));
 *   await audit(db, { ..., detail: { count, filters } });
 *   return sendLedger(reply, '台账名', '台账', ledgerColumns(p), rows);
 */
import { PassThrough, Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { badRequest, Problem, type FieldError } from '../../platform/errors.ts';
import type { Queryable } from '../../platform/db.ts';
import type { Principal } from '../../org/auth.ts';
import { inScope } from '../../org/scope.ts';
import { maskName } from '../../platform/masking.ts';
import { seesPersons } from './persons.ts';

export type Cell = string | number | Date | null;

export interface LedgerColumn<R> {
  header: string;
  value: (r: R) => Cell;
  width?: number;
  /** Excel number format, e.g. 'yyyy-mm-dd' or '0.00%'. */
  numFmt?: string;
}

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Writes the rows to `out` as one sheet; resolves when the file is complete. */
export async function writeLedger<R>(out: NodeJS.WritableStream, sheet: string, columns: readonly LedgerColumn<R>[], rows: AsyncIterable<R> | Iterable<R>): Promise<number> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out as any, useSharedStrings: false, useStyles: true });
  wb.creator = 'zhili';
  const ws = wb.addWorksheet(sheet.slice(0, 31), { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = columns.map((c) => ({ header: c.header, key: c.header, width: c.width ?? 16, style: c.numFmt ? { numFmt: c.numFmt } : {} }));
  ws.getRow(1).font = { bold: true };
  ws.getRow(1).commit();
  let n = 0;
  for await (const r of rows as AsyncIterable<R>) {
    ws.addRow(columns.map((c) => c.value(r) ?? '')).commit();
    n++;
  }
  ws.commit();
  await wb.commit();
  return n;
}

/** Sends a ledger as an xlsx download, streamed. */
export function sendLedger<R>(reply: FastifyReply, name: string, sheet: string, columns: readonly LedgerColumn<R>[], rows: AsyncIterable<R> | Iterable<R>) {
  const pass = new PassThrough();
  reply.header('content-type', XLSX_TYPE);
  reply.header('content-disposition', `attachment; filename="ledger.xlsx"; filename*=UTF-8''${encodeURIComponent(name)}.xlsx`);
  writeLedger(pass, sheet, columns, rows).catch((err) => pass.destroy(err));
  return reply.send(pass);
}

export interface LedgerRow {
  /** The spreadsheet's row number (the header is row 1). */
  row: number;
  cells: Record<string, Cell>;
}

const text = (v: unknown): Cell => {
  if (v === null || v === undefined) return null;
  if (v instanceof Date || typeof v === 'number') return v;
  if (typeof v === 'object') {
    const o = v as Record<string, any>;
    if (Array.isArray(o.richText)) return o.richText.map((t: { text: string }) => t.text).join('');
    if ('result' in o) return text(o.result);
    if ('text' in o) return String(o.text);
    return null;
  }
  const s = String(v).trim();
  return s === '' ? null : s;
};

/**
 * Reads the first sheet: row 1 holds the headers, which must include every
 * one of `required` (more columns are allowed and ignored). Blank rows are skipped.
 */
export async function readLedger(data: Buffer, required: readonly string[], maxRows = 200_000): Promise<LedgerRow[]> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from(data), { worksheets: 'emit', sharedStrings: 'cache', hyperlinks: 'ignore', styles: 'cache', entries: 'emit' });
  const out: LedgerRow[] = [];
  let headers: (string | null)[] | null = null;
  try {
    for await (const ws of reader) {
      for await (const row of ws as AsyncIterable<ExcelJS.Row>) {
        const values = (row.values as unknown[]).slice(1);
        if (!headers) {
          headers = values.map((v) => {
            const t = text(v);
            return t === null ? null : String(t).replace(/\s+/g, '');
          });
          const missing = required.filter((h) => !headers!.includes(h));
          if (missing.length) {
            throw new Problem(422, 'Unprocessable Content', `台账缺少列 (missing columns): ${missing.join(', ')}`, missing.map((h) => ({ field: `columns.${h}`, message: '缺少此列 (column missing)' })));
          }
          continue;
        }
        const cells: Record<string, Cell> = {};
        let any = false;
        headers.forEach((h, i) => {
          if (!h) return;
          const v = text(values[i]);
          cells[h] = v;
          if (v !== null) any = true;
        });
        if (!any) continue;
        if (out.length >= maxRows) throw badRequest(`file: 一次最多导入 ${maxRows} 行 (at most ${maxRows} rows)`, [{ field: 'file', message: 'too many rows' }]);
        out.push({ row: row.number, cells });
      }
      break; // the first sheet only
    }
  } catch (err) {
    if (err instanceof Problem) throw err;
    throw badRequest('file: 不是可读取的 .xlsx 文件 (not a readable .xlsx workbook)', [{ field: 'file', message: (err as Error).message }]);
  }
  if (!headers) throw new Problem(422, 'Unprocessable Content', '台账是空的 (the sheet is empty)', [{ field: 'file', message: 'no header row' }]);
  return out;
}

/** Collects row errors; `throwIfAny` answers them all at once as one problem (nothing imported). */
export class RowErrors {
  readonly list: FieldError[] = [];
  add(row: number, column: string, message: string) {
    this.list.push({ field: `rows.${row}.${column}`, message });
  }
  throwIfAny() {
    if (!this.list.length) return;
    throw new Problem(422, 'Unprocessable Content', `${new Set(this.list.map((e) => e.field.split('.')[1])).size} 行有错误，未导入任何数据 (rows with errors; nothing was imported)`, this.list);
  }
}

/** The uploaded .xlsx of a multipart request (field `file`), or a 4xx naming `file`. */
export async function uploadedXlsx(req: FastifyRequest): Promise<Buffer> {
  if (!req.isMultipart()) throw new Problem(415, 'Unsupported Media Type', 'file: 请以 multipart/form-data 上传 .xlsx 文件 (upload an .xlsx file as multipart field "file")', [{ field: 'file', message: 'multipart/form-data expected' }]);
  const part = await req.file();
  if (!part || part.fieldname !== 'file') throw badRequest('file: 请上传 .xlsx 文件 (upload an .xlsx file as field "file")', [{ field: 'file', message: 'required' }]);
  if (!/\.xlsx$/i.test(part.filename)) throw badRequest('file: 只接受 .xlsx 文件 (only .xlsx files)', [{ field: 'file', message: `${part.filename}: save it as .xlsx (Excel 工作簿)` }]);
  return part.toBuffer();
}

/** A cell as a date (Excel date, 2026-03-01, 2026/3/1, 2026年3月1日), or undefined when it is not one. */
export function cellDate(v: Cell): Date | undefined {
  if (v === null) return undefined;
  if (v instanceof Date) return isNaN(v.getTime()) ? undefined : v;
  if (typeof v === 'number') return new Date(Math.round((v - 25569) * 86_400_000));
  const m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(v.trim());
  if (!m) return undefined;
  const d = new Date(`${m[1]}-${m[2].padStart(2, '0')}-${m[3].padStart(2, '0')}T00:00:00+08:00`);
  return isNaN(d.getTime()) ? undefined : d;
}

/** A date as the ledger shows it: YYYY-MM-DD in Asia/Shanghai. */
export function ledgerDate(d: Date | string | null): string | null {
  if (!d) return null;
  return new Date(new Date(d).getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
}

/** A cell as trimmed text (a date cell as YYYY-MM-DD), or null when empty. */
export const cellText = (v: Cell): string | null => (v === null ? null : v instanceof Date ? ledgerDate(v) : String(v).trim());

/** Who imports: a signed-in user, or the command line (no user, scope ['*']: every division). */
export type LedgerActor = { id: string | null; unitId: string | null; scopeCodes: string[] };

/** One row of an import as a register's row mapper sees it; every check reports into the import's errors. */
export interface LedgerRowCheck {
  /** The spreadsheet's row number. */
  row: number;
  cells: Record<string, Cell>;
  /** Reports a bad cell: error `rows.<row>.<header>`. */
  bad(header: string, message: string): void;
  /** The cell as trimmed text, or null (see cellText). */
  text(header: string): string | null;
  /** The cell as a date, or undefined (reporting `message` when it is not one; an empty optional cell is null, unreported). */
  date(header: string, message: string, optional?: false): Date | undefined;
  date(header: string, message: string, optional: true): Date | null | undefined;
  /** Names separated by 、 , ， ; ； or spaces. */
  names(header: string): string[];
  /** The number (编号): required, at most `maxLength` characters, not already in the register's table, not repeated in the file. */
  no(o?: { header?: string; maxLength?: number }): string | null;
  /** The division code (区划代码): required, a known division, inside the actor's jurisdiction. */
  division(header?: string): string | null;
}

/**
 * The import loop: hands every row to `mapRow` (which returns the parsed row,
 * or undefined for a bad one after reporting its cells), then answers every
 * error at once as one 422 problem (nothing is imported); otherwise returns
 * the parsed rows in file order. `table` is the register's table (column
 * `no`), for numbers already taken.
 */
export async function checkLedgerRows<T>(
  q: Queryable,
  actor: LedgerActor,
  rows: readonly LedgerRow[],
  o: { table: string; noHeader?: string; divisionHeader?: string },
  mapRow: (r: LedgerRowCheck) => T | undefined,
): Promise<T[]> {
  const noHeader = o.noHeader ?? '编号';
  const divisionHeader = o.divisionHeader ?? '区划代码';
  const errors = new RowErrors();
  const nos = rows.map((r) => cellText(r.cells[noHeader])).filter((x): x is string => !!x);
  const taken = new Set((await q.query<{ no: string }>(`SELECT no FROM ${o.table} WHERE no = ANY ($1::text[])`, [nos])).map((r) => r.no));
  const codes = [...new Set(rows.map((r) => cellText(r.cells[divisionHeader])).filter((x): x is string => !!x))];
  const known = new Set((await q.query<{ code: string }>(`SELECT code FROM divisions WHERE code = ANY ($1::text[])`, [codes])).map((r) => r.code));
  const seen = new Map<string, number>();
  const out: T[] = [];
  for (const { row, cells } of rows) {
    const bad = (h: string, m: string) => errors.add(row, h, m);
    const text = (h: string) => cellText(cells[h] ?? null);
    const check: LedgerRowCheck = {
      row,
      cells,
      bad,
      text,
      date: ((h: string, message: string, optional?: boolean) => {
        const v = cells[h];
        if (optional && (v === null || v === undefined)) return null;
        const d = cellDate(v ?? null);
        if (!d) bad(h, message);
        return d;
      }) as LedgerRowCheck['date'],
      names: (h) => (text(h) ?? '').split(/[、,，;；\s]+/).map((s) => s.trim()).filter(Boolean),
      no: ({ header = noHeader, maxLength } = {}) => {
        const no = text(header);
        if (!no) bad(header, '必填 (required)');
        else if (maxLength && no.length > maxLength) bad(header, `最长 ${maxLength} 个字符 (at most ${maxLength} characters)`);
        else if (taken.has(no)) bad(header, `编号 ${no} 已存在 (already in the register)`);
        else if (seen.has(no)) bad(header, `与第 ${seen.get(no)} 行重复 (repeats row ${seen.get(no)})`);
        else seen.set(no, row);
        return no;
      },
      division: (header = divisionHeader) => {
        const div = text(header);
        if (!div) bad(header, '必填 (required)');
        else if (!known.has(div)) bad(header, `没有区划 ${div} (unknown division code)`);
        else if (!inScope(actor as Principal, div)) bad(header, `${div} 不在您的管辖范围内 (outside your jurisdiction)`);
        return div;
      },
    };
    const parsed = mapRow(check);
    if (parsed !== undefined) out.push(parsed);
  }
  errors.throwIfAny();
  return out;
}

/**
 * Where a ledger export's rows come from: `SELECT <columns> <from> WHERE
 * <where> ORDER BY <order>`, read by keyset a page at a time (see
 * openLedgerExport). `order` must be unique together (e.g. registered_at and
 * the unique number), each expression with its SQL type for the keyset
 * parameter.
 */
export interface LedgerSource {
  /** The select list, e.g. `d.*, c.name AS category_name`. */
  columns: string;
  /** `FROM … JOIN …`, without WHERE. */
  from: string;
  /** The filter (the caller's visibility included), with its parameters. */
  where: string;
  params: readonly unknown[];
  /** The export's order, e.g. [['d.registered_at', 'timestamptz'], ['d.no', 'text']]. */
  order: readonly (readonly [expr: string, type: string])[];
  /** At most this many rows (default 200,000). */
  max?: number;
  /** Rows read per query (default 2,000). */
  pageSize?: number;
}

/**
 * A ledger export: how many rows it holds (at most `max`, counted first so
 * the audit row can name it before anything leaves), and the rows themselves
 * as an async iterable for writeLedger / sendLedger, read a page at a time by
 * keyset (`(order…) > (last row's keys)`), so memory stays bounded whatever
 * the ledger's length. Rows come in the same order as one
 * `ORDER BY … LIMIT max` query would give them.
 */
export async function openLedgerExport<R>(q: Queryable, src: LedgerSource): Promise<{ count: number; rows: AsyncIterable<R> }> {
  const max = Math.floor(src.max ?? 200_000);
  const pageSize = Math.max(1, Math.floor(src.pageSize ?? 2_000));
  const count = (await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM (SELECT 1 ${src.from} WHERE ${src.where} LIMIT ${max}) x`, [...src.params]))[0].n;
  const exprs = src.order.map(([e]) => e).join(', ');
  // The keys travel as text: a timestamptz's microseconds survive the round trip (a JS Date's would not).
  const keys = src.order.map(([e], i) => `(${e})::text AS "__key${i}"`).join(', ');
  async function* rows(): AsyncGenerator<R> {
    let after: string[] | null = null;
    let left = max;
    while (left > 0) {
      const params = [...src.params];
      const from: string = after ? ` AND (${exprs}) > (${after.map((v, i) => `$${params.push(v)}::${src.order[i][1]}`).join(', ')})` : '';
      const limit = Math.min(pageSize, left);
      const page: Record<string, unknown>[] = await q.query<Record<string, unknown>>(`SELECT ${src.columns}, ${keys} ${src.from} WHERE (${src.where})${from} ORDER BY ${exprs} LIMIT ${limit}`, params);
      if (!page.length) return;
      const last: Record<string, unknown> = page[page.length - 1];
      after = src.order.map((_o, i) => last[`__key${i}`] as string);
      for (const r of page) {
        for (let i = 0; i < src.order.length; i++) delete r[`__key${i}`];
        yield r as R;
      }
      left -= page.length;
      if (page.length < limit) return;
    }
  }
  return { count, rows: rows() };
}

/**
 * The usual export source of a register: `columns` and `from` (the register's
 * select, its table aliased `alias`), plus `persons.as`, the names of each
 * entry's persons through the link table in `ord` order, oldest entry first
 * by (registered_at, no).
 */
export function registerLedgerSource(
  o: { alias: string; columns: string; from: string; persons: { table: string; key: string; as: string } },
  where: string,
  params: readonly unknown[],
  max = 200_000,
): LedgerSource {
  const { alias: a, persons: l } = o;
  return {
    columns: `${o.columns}, coalesce((SELECT array_agg(pe.name ORDER BY lx.ord) FROM ${l.table} lx JOIN persons pe ON pe.id = lx.person_id WHERE lx.${l.key} = ${a}.id), '{}') AS ${l.as}`,
    from: o.from,
    where,
    params,
    order: [[`${a}.registered_at`, 'timestamptz'], [`${a}.no`, 'text']],
    max,
  };
}

/** Persons' names for a ledger cell, joined with 、, masked unless the caller may see personal data. */
export function ledgerNames(p: Pick<Principal, 'roles'>, names: readonly string[]): string {
  return (seesPersons(p as Principal) ? names : names.map((n) => maskName(n))).join('、');
}
