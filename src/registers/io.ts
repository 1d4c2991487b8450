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
import { EntityClocks, TimeLimits } from '../timelimits/index.ts';
import { openLedgerExport, readLedger, writeLedger, type LedgerColumn, type LedgerSource } from './kit/index.ts';
import { DISPUTE_TEMPLATE_HEADERS, disputeLedgerColumns, disputeLedgerSource, ensureDisputeCategories, importDisputeLedger } from './disputes/index.ts';
import { importPetitionLedger, PETITION_TEMPLATE_HEADERS, petitionLedgerColumns, petitionLedgerSource } from './petitions/index.ts';
import { ensureTaskDefaults, importTaskLedger, insertTaskList, TASK_LIST_SELECT, TASK_TEMPLATE_HEADERS, taskLedgerColumns, taskLedgerSelect, type TaskLedgerEntry } from './tasks/index.ts';

export interface ExportOptions {
  template?: boolean;
  unmasked?: boolean;
  from?: string;
  to?: string;
  division?: string;
  /** Target tasks: the list to export. */
  list?: string;
}

export interface ImportOptions {
  /** Target tasks: the list to fill (created in `division` when there is none of that name). */
  list?: string;
  division?: string;
}

export interface RegisterIo {
  label: string;
  importFile(db: Db, file: string, o?: ImportOptions): Promise<{ imported: number }>;
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

/** The target task list a command names, by name (and division where two share it). */
async function taskList(db: Db, name: string | undefined, division: string | undefined): Promise<{ id: string; name: string; division_code: string; review_months: number } | undefined> {
  if (!name) throw new Error('--list: name the target task list (目标任务清单)');
  const params: unknown[] = [name];
  const rows = await db.query<{ id: string; name: string; division_code: string; review_months: number }>(
    `${TASK_LIST_SELECT} WHERE l.name = $1${division ? ` AND l.division_code = $${params.push(division)}` : ''} ORDER BY l.division_code LIMIT 2`,
    params,
  );
  if (rows.length > 1) throw new Error(`--division: several lists are named ${name}; say which division`);
  return rows[0];
}

REGISTER_IO.tasks = {
  label: '目标任务清单 (target tasks ledger)',
  async importFile(db, file, o = {}) {
    const rows = await readLedger(await readFile(file), TASK_TEMPLATE_HEADERS, 20_000);
    if (!rows.length) throw new Error(`${file}: no rows to import`);
    const timeLimits = new TimeLimits(db);
    await timeLimits.init();
    const clocks = new EntityClocks(timeLimits);
    await db.tx((q) => ensureTaskDefaults(q, clocks));
    const found = await taskList(db, o.list, o.division);
    if (!found && !o.division) throw new Error(`--division: there is no list named ${o.list}; give the division (code) of the new list`);
    const r = await db.tx(async (q) => {
      const list = found ?? { id: await insertTaskList(q, { name: o.list!, divisionCode: o.division!, reviewMonths: 2, createdBy: null }), name: o.list!, division_code: o.division!, review_months: 2 };
      return importTaskLedger(q, clocks, { ...CLI_ACTOR, roles: ['admin'] }, { ...list, created: !found } as unknown as Parameters<typeof importTaskLedger>[3], rows, Date.now());
    });
    await audit(db, { userId: null, action: 'task_ledger_import', entity: 'task_list', entityId: r.list.id, detail: { ...r, via: 'cli' } });
    return { imported: r.created + r.updated };
  },
  async exportFile(db, file, o) {
    const columns = taskLedgerColumns();
    if (o.template) return writeFileLedger(file, columns.filter((c) => (TASK_TEMPLATE_HEADERS as readonly string[]).includes(c.header)), []);
    const list = await taskList(db, o.list, o.division);
    if (!list) throw new Error(`--list: there is no list named ${o.list}`);
    const rows = await db.query<TaskLedgerEntry>(
      `${taskLedgerSelect('$2')} WHERE t.list_id = $1 ORDER BY t.sort_key, t.seq`,
      [list.id, new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10)],
    );
    await audit(db, { userId: null, action: 'export', entity: 'task', detail: { count: rows.length, via: 'cli', list: list.name } });
    return writeFileLedger(file, columns, rows);
  },
};

export const REGISTERS = Object.keys(REGISTER_IO);
