/**
 * `npm run bench [-- part ...]`: runs the benchmarks (all, or the named parts)
 * and prints each part's summary line last. Not a test: it reports figures and
 * ratios against baselines measured in the same run.
 */
import { benchIntake } from './intake.ts';
import { benchTimelimits } from './timelimits.ts';
import { benchDispatch } from './dispatch.ts';
import { benchStats } from './stats.ts';
import { benchEmbedded } from './embedded.ts';
import { benchRegisters } from './registers.ts';

const PARTS: Record<string, () => Promise<string>> = {
  intake: () => benchIntake(),
  timelimits: () => benchTimelimits(),
  dispatch: () => benchDispatch(),
  stats: () => benchStats(),
  embedded: () => benchEmbedded(),
  registers: () => benchRegisters(),
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((w) => !PARTS[w]);
if (unknown.length) {
  console.error(`unknown benchmark part(s): ${unknown.join(', ')}; parts: ${Object.keys(PARTS).join(', ')}`);
  process.exit(2);
}
const lines: string[] = [];
for (const name of wanted.length ? wanted : Object.keys(PARTS)) {
  lines.push(await PARTS[name]());
}
for (const l of lines) console.log(l);
process.exit(0);
