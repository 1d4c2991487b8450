/** The smart-dispatch benchmarks together; the last line is the summary the issue asks for. */
import { benchGrid } from './grid.ts';
import { benchDuplicates } from './duplicates.ts';
import { benchSearch } from './search.ts';
import { fmt } from './lib.ts';

type ClassifyBench = () => Promise<{ classifyMs: number; trainSeconds100k: number }>;

export async function benchDispatch(): Promise<string> {
  const grid = await benchGrid();
  console.log(`dispatch/grid: ${fmt(grid.lookupsPerS)} lookups/s over ${grid.polygons} polygons | naive turf loop ratio=${fmt(grid.ratioVsNaive)}`);
  let classifyMs = 'n/a';
  try {
    const mod = (await import('./classify.ts')) as { benchClassify?: ClassifyBench };
    if (mod.benchClassify) {
      const c = await mod.benchClassify();
      classifyMs = fmt(c.classifyMs, 3);
      console.log(`dispatch/classify: ${classifyMs} ms per case; training on 100k cases ${fmt(c.trainSeconds100k, 1)} s`);
    }
  } catch (err) {
    console.log(`dispatch/classify: not measured (${(err as Error).message})`);
  }
  const dup = await benchDuplicates();
  if (!dup) console.log('dispatch/duplicates: skipped (set BENCH_DATABASE_URL to measure at 1M open cases)');
  const search = await benchSearch();
  if (!search) console.log('dispatch/search: skipped (set BENCH_DATABASE_URL to measure at 1M cases)');
  else console.log(`dispatch/search: ${search.rows} cases: ${fmt(search.searchMs, 1)} ms mean, ${fmt(search.p95Ms, 1)} ms p95 (ranked top 20)`);
  return `dispatch: grid_lookups_per_s=${fmt(grid.lookupsPerS)} grid_ratio_vs_naive=${fmt(grid.ratioVsNaive)} classify_ms=${classifyMs} duplicate_ms=${dup ? fmt(dup.duplicateMs, 1) : 'skipped'} search_ms=${search ? fmt(search.searchMs, 1) : 'skipped'}`;
}
