/**
 * What the registers' integration tests share (test/disputes.test.ts,
 * test/petitions.test.ts, and every new register's test copies this):
 *
 * - `useRegisterServer(tdb, ready)`: one server per test file on the
 *   two-county world (test/helpers.ts useTestServer), with `addUser` to add
 *   the register's own users (returns the user's id).
 * - `xlsxRows(buf)`: an exported ledger's first sheet as rows of strings
 *   (dates as YYYY-MM-DD, empty cells as '').
 * - `ledgerXlsx(headers, rows)`: an .xlsx ledger to import, header row first.
 */
import ExcelJS from 'exceljs';
import { PASSWORD, useTestServer, type TestDb, type TestServer, type World } from './helpers.ts';
import { upsertUser } from '../src/org/store.ts';

/** Adds (or updates) a user of the test world: roles, unit code and jurisdiction; resolves to the user's id. */
export type AddUser = (username: string, roles: string[], unitCode: string | null, scope: string[]) => Promise<string>;

/** useTestServer, plus `addUser` for the register's own users. */
export function useRegisterServer(tdb: TestDb, ready: (s: { t: TestServer; world: World; addUser: AddUser }) => unknown) {
  useTestServer(tdb, async ({ t, world }) => {
    const db = t.server.ctx.db;
    const addUser: AddUser = async (username, roles, unitCode, scope) =>
      (await upsertUser(db, { username, displayName: username, password: PASSWORD, roles: roles as any, unitCode, scopeCodes: scope })).id;
    await ready({ t, world, addUser });
  });
}

/** The first sheet of an .xlsx as rows of strings (Date cells as YYYY-MM-DD). */
export async function xlsxRows(raw: Buffer): Promise<string[][]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(raw as any);
  const out: string[][] = [];
  wb.worksheets[0].eachRow((row) => out.push(Array.from((row.values as unknown[]).slice(1), (v) => (v instanceof Date ? v.toISOString().slice(0, 10) : String(v ?? '')))));
  return out;
}

/** A ledger to import: one sheet 台账, the headers, then the rows. */
export async function ledgerXlsx(headers: readonly string[], rows: readonly (readonly unknown[])[]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('台账');
  ws.addRow([...headers]);
  for (const r of rows) ws.addRow(r as unknown[]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}
