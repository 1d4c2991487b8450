/** `zhili gazetteer import|export|geocode|defaults`: the gazetteer from the command line. */
import { Option, type Command } from 'commander';
import { formatOf } from '../../org/io.ts';
import { formatImportErrors, readRows } from '../responsibility/cli.ts';
import { withDb, writeRowsFile } from '../responsibility/files.ts';
import { GAZETTEER_COLUMNS } from './columns.ts';
import { ensureDefaultGazetteer } from './demo.ts';
import { GazetteerImportError, exportGazetteer, geocode, importGazetteer } from './store.ts';

export function registerGazetteerCommands(program: Command): Command {
  const cmd = program.command('gazetteer').description('gazetteer 地名地址库: known roads and places, for placing typed addresses');
  const formatOpt = () => new Option('--format <format>', 'file format, if the extension does not tell').choices(['json', 'xlsx']);

  cmd
    .command('import')
    .description('import places from JSON or Excel (.xlsx); all or nothing; upsert by division and name')
    .argument('<file>', 'a .json or .xlsx file (- for JSON on stdin)')
    .addOption(formatOpt())
    .option('--dry-run', 'check and write, then roll back')
    .addHelpText('after', `\nColumns: ${GAZETTEER_COLUMNS.map((c) => `${c.field}/${c.zh}`).join(', ')}\nkind: road, community, estate, landmark, building, poi, other`)
    .action(async (file: string, o: { format?: string; dryRun?: boolean }) => {
      const { rows, rowNumbers } = await readRows(file, GAZETTEER_COLUMNS, o.format);
      if (!rows.length) throw new Error(`${file}: no rows to import`);
      const r = await withDb(async (db) => {
        try {
          return await importGazetteer(db, rows, { dryRun: o.dryRun });
        } catch (err) {
          if (err instanceof GazetteerImportError) throw new Error(formatImportErrors(err.errors, rowNumbers));
          throw err;
        }
      });
      console.log(`${r.dryRun ? 'checked' : 'imported'} ${r.count} places: ${r.created} new, ${r.updated} changed${r.dryRun ? ' (dry run, nothing kept)' : ''}`);
    });

  cmd
    .command('export')
    .description('export the gazetteer to JSON or Excel (.xlsx)')
    .argument('<file>', 'a .json or .xlsx file, or - for JSON on stdout')
    .addOption(formatOpt())
    .addOption(new Option('--headers <lang>', 'Excel header row: field names (en) or Chinese (zh)').choices(['en', 'zh']).default('en'))
    .action(async (file: string, o: { format?: string; headers: 'en' | 'zh' }) => {
      const f = file === '-' ? 'json' : formatOf(file, o.format);
      if (f === 'geojson') throw new Error('use .json or .xlsx');
      const rows = await withDb((db) => exportGazetteer(db));
      await writeRowsFile(file, 'gazetteer', GAZETTEER_COLUMNS, rows, { format: f, headers: o.headers });
      (file === '-' ? console.error : console.log)(`exported ${rows.length} places${file === '-' ? '' : ` to ${file}`}`);
    });

  cmd
    .command('geocode')
    .description('place an address: the known road or place it names')
    .argument('<address>', 'the address as typed, e.g. 东茅岭路88号')
    .option('--division <code>', 'the division the address is in, if known')
    .action(async (address: string, o: { division?: string }) => {
      const r = await withDb((db) => geocode(db, { address, divisionCode: o.division }));
      if (!r) {
        console.log('no known place in the address');
        process.exitCode = 3;
      } else console.log(`${r.lng},${r.lat} ${r.divisionCode} ${r.matched} (${r.kind})`);
    });

  cmd
    .command('defaults')
    .description('load the demo gazetteer (岳阳楼区) and one entry per community with grids into an empty table')
    .action(async () => {
      const n = await withDb((db) => db.tx((q) => ensureDefaultGazetteer(q)));
      console.log(n ? `loaded ${n} places` : 'the gazetteer is not empty; nothing loaded');
    });

  return cmd;
}
