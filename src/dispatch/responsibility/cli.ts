/** `zhili responsibility import|export|propose|defaults`: the responsibility list from the command line. */
import { Option, type Command } from 'commander';
import { formatOf, readTable } from '../../org/io.ts';
import { DIVISION_CODE } from '../../org/store.ts';
import { RULE_COLUMNS } from './columns.ts';
import { normaliseRows, withDb, writeRowsFile } from './files.ts';
import { CATEGORY_CODE, RuleImportError, ensureDefaultResponsibilities, exportRules, importRules, proposeUnits } from './store.ts';

const COLUMN_HELP = RULE_COLUMNS.map((c) => `${c.field}/${c.zh}`).join(', ');

/** Reads a .json or .xlsx file of rows and maps its columns; unknown JSON keys are errors, unknown Excel columns are ignored. */
export async function readRows(file: string, columns: typeof RULE_COLUMNS, format?: string) {
  const f = formatOf(file, format);
  if (f === 'geojson') throw new Error(`${file}: GeoJSON is for grids; use .json or .xlsx`);
  const table = await readTable(file, { format: f });
  const { rows, unknown } = normaliseRows(columns, table.rows);
  if (unknown.length && table.format === 'json') throw new Error(`${file}: unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: ${columns.map((c) => c.field).join(', ')})`);
  if (unknown.length) console.error(`warning: ignoring column${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`);
  return { rows, rowNumbers: table.rowNumbers };
}

export function formatImportErrors(errors: { index: number; field?: string; message: string }[], rowNumbers: number[]): string {
  const lines = errors.slice(0, 100).map((e) => `  row ${rowNumbers[e.index] ?? e.index + 1}${e.field ? `, field ${e.field}` : ''}: ${e.message}`);
  if (errors.length > 100) lines.push(`  ... and ${errors.length - 100} more`);
  return `${errors.length} invalid row${errors.length > 1 ? 's' : ''}; nothing was imported\n${lines.join('\n')}`;
}

export function registerResponsibilityCommands(program: Command): Command {
  const cmd = program.command('responsibility').description('responsibility list 权责清单 (派单目录): which unit leads or assists on which matter where');
  const formatOpt = () => new Option('--format <format>', 'file format, if the extension does not tell').choices(['json', 'xlsx']);

  cmd
    .command('import')
    .description('import rules from JSON or Excel (.xlsx) 导入权责清单; all or nothing')
    .argument('<file>', 'a .json or .xlsx file (- for JSON on stdin)')
    .addOption(formatOpt())
    .option('--replace', 'deactivate the active rules the file does not name 以文件为准，停用文件中没有的规则')
    .option('--dry-run', 'check and write, then roll back 仅校验')
    .addHelpText(
      'after',
      `
Rows are matched by id, else by rule number (no), else created. A rule names a
category code prefix, optionally an area (divisionCode: that division and all
under it) and the level where the unit sits (divisionLevel 1-5 or 省/市/县/乡镇/村),
and either a unit (unitCode) or a unit kind and/or name keyword (several
separated by |), resolved along the case's division chain; role is lead/主办
or assist/协办.

Columns (English or Chinese headers; extra Excel columns are ignored):
  ${COLUMN_HELP}

Examples:
  zhili responsibility export list.xlsx --headers zh
  zhili responsibility import list.xlsx --dry-run`,
    )
    .action(async (file: string, o: { format?: string; replace?: boolean; dryRun?: boolean }) => {
      const { rows, rowNumbers } = await readRows(file, RULE_COLUMNS, o.format);
      if (!rows.length) throw new Error(`${file}: no rows to import`);
      const r = await withDb(async (db) => {
        try {
          return await importRules(db, rows, { replace: o.replace, dryRun: o.dryRun });
        } catch (err) {
          if (err instanceof RuleImportError) throw new Error(formatImportErrors(err.errors, rowNumbers));
          throw err;
        }
      });
      console.log(
        `${r.dryRun ? 'checked' : 'imported'} ${r.count} rules: ${r.created} new, ${r.updated} changed${o.replace ? `, ${r.deactivated} deactivated` : ''}${r.dryRun ? ' (dry run, nothing kept)' : ''}`,
      );
    });

  cmd
    .command('export')
    .description('export the rules to JSON or Excel (.xlsx) 导出权责清单')
    .argument('<file>', 'a .json or .xlsx file, or - for JSON on stdout')
    .addOption(formatOpt())
    .addOption(new Option('--headers <lang>', 'Excel header row: field names (en) or Chinese (zh)').choices(['en', 'zh']).default('en'))
    .option('--active-only', 'leave out deactivated rules')
    .action(async (file: string, o: { format?: string; headers: 'en' | 'zh'; activeOnly?: boolean }) => {
      const f = file === '-' ? 'json' : formatOf(file, o.format);
      if (f === 'geojson') throw new Error('use .json or .xlsx');
      const rows = await withDb((db) => exportRules(db, { active: o.activeOnly ? true : undefined }));
      await writeRowsFile(file, 'responsibilities', RULE_COLUMNS, rows, { format: f, headers: o.headers });
      (file === '-' ? console.error : console.log)(`exported ${rows.length} rules${file === '-' ? '' : ` to ${file}`}`);
    });

  cmd
    .command('propose')
    .description('which unit leads and assists for a category in a division, and why 派单建议')
    .requiredOption('--category <code>', 'category code, e.g. 0101')
    .requiredOption('--division <code>', 'division code, e.g. 430602005')
    .option('--json', 'print the whole proposal as JSON')
    .action(async (o: { category: string; division: string; json?: boolean }) => {
      if (!CATEGORY_CODE.safeParse(o.category).success) throw new Error(`--category: ${o.category} is not a category code (2 digits per level)`);
      if (!DIVISION_CODE.safeParse(o.division).success) throw new Error(`--division: ${o.division} is not a division code (2, 4, 6, 9 or 12 digits)`);
      const p = await withDb((db) => proposeUnits(db, { categoryCode: o.category, divisionCode: o.division }));
      console.log(o.json ? JSON.stringify(p, null, 2) : p.explanation);
      if (!p.lead) process.exitCode = 3;
    });

  cmd
    .command('defaults')
    .description('load the default list (by unit kind, name keyword and level) into an empty rule table')
    .action(async () => {
      const n = await withDb((db) => db.tx((q) => ensureDefaultResponsibilities(q)));
      console.log(n ? `loaded ${n} default rules` : 'the rule table is not empty; nothing loaded');
    });

  return cmd;
}
