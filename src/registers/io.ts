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
import { readLedger, writeLedger } from './kit/index.ts';
import { DISPUTE_TEMPLATE_HEADERS, disputeLedgerColumns, ensureDisputeCategories, importDisputeLedger } from './disputes/index.ts';
import { ledgerEntries } from './disputes/ledger.ts';
import { importPetitionLedger, PETITION_TEMPLATE_HEADERS, petitionLedgerColumns, petitionLedgerEntries } from './petitions/index.ts';

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

async function writeFileLedger<R>(file: string, columns: Parameters<typeof writeLedger<R>>[2], rows: R[]): Promise<number> {
  const out = createWriteStream(file);
  const done = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    out.on('error', reject);
  });
  const n = await writeLedger(out, '台账', columns, rows);
  await done;
  return n;
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
    async exportFile(db, file, o) {
      const columns = disputeLedgerColumns({ roles: o.unmasked ? ['admin'] : [] });
      if (o.template) return writeFileLedger(file, columns.filter((c) => (DISPUTE_TEMPLATE_HEADERS as readonly string[]).includes(c.header)), []);
      const params: unknown[] = [];
      const where = ['TRUE'];
      if (o.from) where.push(`d.registered_at >= $${params.push(new Date(o.from))}`);
      if (o.to) where.push(`d.registered_at < $${params.push(new Date(o.to))}`);
      if (o.division) where.push(`d.division_code LIKE $${params.push(`${o.division}%`)}`);
      const rows = await ledgerEntries(db, where.join(' AND '), params, 10_000_000);
      await audit(db, { userId: null, action: o.unmasked ? 'export_personal_data' : 'export', entity: 'dispute', detail: { count: rows.length, via: 'cli', ...o } });
      return writeFileLedger(file, columns, rows);
    },
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
    async exportFile(db, file, o) {
      const columns = petitionLedgerColumns({ roles: o.unmasked ? ['admin'] : [] });
      if (o.template) return writeFileLedger(file, columns.filter((c) => (PETITION_TEMPLATE_HEADERS as readonly string[]).includes(c.header)), []);
      const params: unknown[] = [];
      const where = ['TRUE'];
      if (o.from) where.push(`t.registered_at >= $${params.push(new Date(o.from))}`);
      if (o.to) where.push(`t.registered_at < $${params.push(new Date(o.to))}`);
      if (o.division) where.push(`t.division_code LIKE $${params.push(`${o.division}%`)}`);
      const rows = await petitionLedgerEntries(db, where.join(' AND '), params, 10_000_000);
      await audit(db, { userId: null, action: o.unmasked ? 'export_personal_data' : 'export', entity: 'petition', detail: { count: rows.length, via: 'cli', ...o } });
      return writeFileLedger(file, columns, rows);
    },
  },
};

export const REGISTERS = Object.keys(REGISTER_IO);
