/**
 * The registers' ledgers on the command line: `zhili import <register> FILE`
 * and `zhili export <register> [--template] FILE` (src/cli.ts). The command
 * line acts for no user and sees every division; exports are masked unless
 * --unmasked is given (then the export is audited as a read of personal data).
 */
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Db } from '../platform/db.ts';
import { audit } from '../platform/audit.ts';
import type { Principal } from '../org/auth.ts';
import { openLedgerExport, readLedger, writeLedger, type LedgerColumn, type LedgerSource } from './kit/index.ts';
import { DISPUTE_TEMPLATE_HEADERS, disputeLedgerColumns, disputeLedgerSource, ensureDisputeCategories, importDisputeLedger } from './disputes/index.ts';
import { importPetitionLedger, PETITION_TEMPLATE_HEADERS, petitionLedgerColumns, petitionLedgerSource } from './petitions/index.ts';

export interface ExportOptions {
  template?: boolean;
  unmasked?: boolean;
  from?: string;
  to?: string;
  division?: string;
}

export interface RegisterIo {
  label: string;
  importFile(db: Db, file: string): Promise<{ imported: number }>;
  exportFile(db: Db, file: string, o: ExportOptions): Promise<number>;
}

const CLI_ACTOR = { id: null, unitId: null, scopeCodes: ['*'] };

async function writeFileLedger<R>(file: string, columns: readonly LedgerColumn<R>[], rows: AsyncIterable<R> | Iterable<R>): Promise<number> {
  const out = createWriteStream(file);
  const done = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    out.on('error', reject);
  });
  const n = await writeLedger(out, '台账', columns, rows);
  await done;
  return n;
}

/**
 * One register's `zhili export`: the template alone, or every entry matching
 * the options (registered in [from, to), in a division) read a page at a time,
 * audited with its count first.
 */
async function exportFile<R>(
  db: Db,
  file: string,
  o: ExportOptions,
  r: { entity: string; alias: string; columns: (p: Pick<Principal, 'roles'>) => LedgerColumn<R>[]; templateHeaders: readonly string[]; source: (where: string, params: unknown[], max: number) => LedgerSource },
): Promise<number> {
  const columns = r.columns({ roles: o.unmasked ? ['admin'] : [] });
  if (o.template) return writeFileLedger(file, columns.filter((c) => r.templateHeaders.includes(c.header)), []);
  const params: unknown[] = [];
  const where = ['TRUE'];
  if (o.from) where.push(`${r.alias}.registered_at >= $${params.push(new Date(o.from))}`);
  if (o.to) where.push(`${r.alias}.registered_at < $${params.push(new Date(o.to))}`);
  if (o.division) where.push(`${r.alias}.division_code LIKE $${params.push(`${o.division}%`)}`);
  const { count, rows } = await openLedgerExport<R>(db, r.source(where.join(' AND '), params, 10_000_000));
  await audit(db, { userId: null, action: o.unmasked ? 'export_personal_data' : 'export', entity: r.entity, detail: { count, via: 'cli', ...o } });
  return writeFileLedger(file, columns, rows);
}

export const REGISTER_IO: Record<string, RegisterIo> = {
  disputes: {
    label: '矛盾纠纷排查化解台账 (disputes ledger)',
    async importFile(db, file) {
      const rows = await readLedger(await readFile(file), DISPUTE_TEMPLATE_HEADERS);
      if (!rows.length) throw new Error(`${file}: no rows to import`);
      const r = await db.tx(async (q) => {
        await ensureDisputeCategories(q);
        return importDisputeLedger(q, CLI_ACTOR, rows);
      });
      await audit(db, { userId: null, action: 'dispute_ledger_import', entity: 'dispute', detail: { ...r, via: 'cli' } });
      return r;
    },
    exportFile: (db, file, o) =>
      exportFile(db, file, o, { entity: 'dispute', alias: 'd', columns: disputeLedgerColumns, templateHeaders: DISPUTE_TEMPLATE_HEADERS, source: disputeLedgerSource }),
  },
  petitions: {
    label: '信访台账 (petitions ledger)',
    async importFile(db, file) {
      const rows = await readLedger(await readFile(file), PETITION_TEMPLATE_HEADERS);
      if (!rows.length) throw new Error(`${file}: no rows to import`);
      const r = await db.tx((q) => importPetitionLedger(q, CLI_ACTOR, rows));
      await audit(db, { userId: null, action: 'petition_ledger_import', entity: 'petition', detail: { ...r, via: 'cli' } });
      return r;
    },
    exportFile: (db, file, o) =>
      exportFile(db, file, o, { entity: 'petition', alias: 't', columns: petitionLedgerColumns, templateHeaders: PETITION_TEMPLATE_HEADERS, source: petitionLedgerSource }),
  },
};

export const REGISTERS = Object.keys(REGISTER_IO);
