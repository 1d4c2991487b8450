/**
 * `zhili classify train|eval`: learn from or evaluate on any labelled file of
 * Chinese messages (CSV or .xlsx), a few hundred to a million rows.
 */
import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { loadConfig } from '../../platform/config.ts';
import { openDb } from '../../platform/db.ts';
import { migrate } from '../../platform/migrate.ts';
import { CorpusBuilder, type Corpus } from './corpus.ts';
import { divisionTokens } from './features.ts';
import { crossValidate, fit, measureQuality, type TrainParams } from './learner.ts';
import { saveModel, KINDS, type ClassifierKind } from './store.ts';
import { readLabelled, type ReadStats, type TableOptions } from './table.ts';

interface FileOptions {
  input: string;
  textColumn?: string;
  labelColumn?: string;
  divisionColumn?: string;
  seed?: string;
}

const say = (msg: string) => process.stderr.write(`${msg}\n`);

async function readCorpus(o: FileOptions): Promise<Corpus> {
  const opts: TableOptions = {
    textColumns: o.textColumn
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    labelColumn: o.labelColumn,
    divisionColumn: o.divisionColumn,
  };
  const stats: ReadStats = { rows: 0, skipped: 0, headers: [] };
  const cb = new CorpusBuilder();
  const t0 = performance.now();
  let nextReport = 100_000;
  for await (const row of readLabelled(o.input, opts, stats)) {
    cb.add(row.text, row.label, row.division ? divisionTokens(row.division) : undefined);
    if (cb.size >= nextReport) {
      say(`read ${cb.size} rows …`);
      nextReport += 100_000;
    }
  }
  const corpus = cb.build();
  say(
    `read ${corpus.n} rows, ${corpus.labels.length} labels from ${o.input} in ${((performance.now() - t0) / 1000).toFixed(1)} s` +
      (stats.skipped ? ` (skipped ${stats.skipped} rows with no text or no label)` : ''),
  );
  if (corpus.n === 0) throw new Error(`${o.input}: no labelled rows`);
  return corpus;
}

function params(o: FileOptions): Partial<TrainParams> {
  if (o.seed === undefined) return {};
  const seed = Number(o.seed);
  if (!Number.isInteger(seed)) throw new Error('--seed: must be an integer');
  return { seed };
}

const fileOptions = (cmd: Command) =>
  cmd
    .requiredOption('--input <file>', 'a CSV (UTF-8, with a header row) or .xlsx file (first sheet)')
    .option('--text-column <names>', 'the text column; several, comma-separated, are joined with a space (default: text, content, 内容 ...)')
    .option('--label-column <name>', 'the label column (default: label, category, 标签, 类别 ...)')
    .option('--division-column <name>', 'optional division code column: adds the code prefixes as features (as the unit model does)')
    .option('--seed <n>', 'random seed (folds, shuffles); the same seed gives the same result');

/** Adds `classify train` and `classify eval` to the zhili program. */
export function registerClassifyCommands(program: Command): Command {
  const classify = program.command('classify').description('learned classifier: train on or evaluate with labelled messages 智能分类');

  fileOptions(classify.command('train'))
    .description('train a model on a labelled file; stores it in the database (active) or writes it to --output')
    .option('--output <file>', 'write the model to this JSON file instead of the database')
    .addOption(new Option('--kind <kind>', 'the model it becomes in the database').choices([...KINDS]).default('category'))
    .option('--no-measure', 'skip measuring accuracy (cross-validation) before storing')
    .addHelpText(
      'after',
      `
Examples:
  zhili classify train --input cases.csv --text-column title,description --label-column category_code
  zhili classify train --input messages.xlsx --text-column 留言详情 --label-column 一级分类 --output model.json`,
    )
    .action(async (o: FileOptions & { output?: string; kind: ClassifierKind; measure: boolean }) => {
      const corpus = await readCorpus(o);
      const p = params(o);
      const hooks = { log: say };
      const metrics = o.measure ? await measureQuality(corpus, p, hooks) : undefined;
      if (metrics) say(`${metrics.method}: top1=${metrics.top1.toFixed(3)} top3=${metrics.top3.toFixed(3)} macroF1=${metrics.macroF1.toFixed(3)}`);
      const t0 = performance.now();
      const { model, setting } = await fit(corpus, undefined, p, hooks, { inPlace: true });
      if (metrics) model.header.metrics = { top1: metrics.top1, top3: metrics.top3, macroF1: metrics.macroF1 };
      say(`trained on ${corpus.n} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${model.K} labels, ${model.header.nFeat} features`);
      if (o.output) {
        writeFileSync(o.output, JSON.stringify(model.toJSON()));
        console.log(`wrote ${o.output}`);
        return;
      }
      const config = loadConfig();
      const db = await openDb(config.databaseUrl);
      try {
        await migrate(db);
        const id = await db.tx((q) => saveModel(q, o.kind, model, metrics ?? {}, { ...setting, temperature: model.header.temperature, source: o.input }));
        console.log(`stored ${o.kind} model ${id} (active)`);
      } finally {
        await db.close();
      }
    });

  fileOptions(classify.command('eval'))
    .description('stratified k-fold cross-validation; the last line is "top1=… top3=… macroF1=…"')
    .option('--folds <k>', 'number of folds', '5')
    .option('--curve <fractions>', 'also print a learning curve: CV with these shares of each training part, e.g. 0.25,0.5')
    .addHelpText(
      'after',
      `
Every fold trains a fresh model (tuning included) on the other folds only, so
the figures are what the learner does on messages it has not seen.

Example:
  zhili classify eval --input messages.csv --folds 5 --text-column 留言主题,留言详情 --label-column 一级分类`,
    )
    .action(async (o: FileOptions & { folds: string; curve?: string }) => {
      const folds = Number(o.folds);
      if (!Number.isInteger(folds) || folds < 2) throw new Error('--folds: must be an integer of at least 2');
      const corpus = await readCorpus(o);
      if (corpus.labels.length < 2) throw new Error(`${o.input}: need at least two labels to evaluate (found ${corpus.labels.length})`);
      if (corpus.n < folds) throw new Error(`--folds: ${folds} folds need at least ${folds} rows (have ${corpus.n})`);
      const fractions = (o.curve ?? '')
        .split(',')
        .filter((f) => f.trim())
        .map(Number);
      if (fractions.some((f) => !(f > 0 && f <= 1))) throw new Error('--curve: fractions between 0 and 1, comma-separated');
      for (const f of fractions) {
        const c = await crossValidate(corpus, folds, params(o), {}, undefined, f);
        console.log(`curve fraction=${f} top1=${c.top1.toFixed(3)} top3=${c.top3.toFixed(3)} macroF1=${c.macroF1.toFixed(3)}`);
      }
      const t0 = performance.now();
      const r = await crossValidate(corpus, folds, params(o), { log: say });
      console.log(`rows=${r.n} labels=${corpus.labels.length} folds=${folds} seconds=${((performance.now() - t0) / 1000).toFixed(1)}`);
      console.log(`top1=${r.top1.toFixed(3)} top3=${r.top3.toFixed(3)} macroF1=${r.macroF1.toFixed(3)}`);
    });

  return classify;
}
