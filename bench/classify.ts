/**
 * Classifier benchmark: mean latency of one classification (features +
 * scores + probabilities, the work done per intake) and the time to train on
 * 100k synthetic labelled messages (the shipped evaluation set mixed with
 * noise words, clause shuffles and drops, so rows are not copies).
 *
 * `npx tsx bench/classify.ts` prints `classify: classify_ms=N train_s_100k=N` as its last line.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CorpusBuilder } from '../src/dispatch/classifier/corpus.ts';
import { fit } from '../src/dispatch/classifier/learner.ts';
import { parseCsv } from '../src/dispatch/classifier/csv.ts';
import { rng } from '../src/dispatch/classifier/rng.ts';

const EVAL_SET = fileURLToPath(new URL('../src/dispatch/classifier/data/eval-messages.csv', import.meta.url));

export async function loadEvalSet(): Promise<{ text: string; label: string }[]> {
  const out: { text: string; label: string }[] = [];
  let header = true;
  for await (const rec of parseCsv([readFileSync(EVAL_SET, 'utf8')])) {
    if (header) {
      header = false;
      continue;
    }
    if (rec.length >= 2 && rec[0] && rec[1]) out.push({ text: rec[0], label: rec[1] });
  }
  return out;
}

const NOISE = [
  '您好', '麻烦', '请问', '急', '万分感谢', '已经反映多次', '到现在', '今天上午', '昨天晚上', '上周',
  '岳阳楼区', '云溪区', '君山区', '华容县', '平江县', '汨罗市', '临湘市', '湘阴县', '经开区', '南湖新区',
  '东茅岭街道', '五里牌街道', '城陵矶', '枫桥湖', '洞庭南路', '巴陵中路', '青年中路', '建湘路', '金鹗中路', '学院路',
  '某小区', '某某村', '三组', '二单元', '5栋', '电话联系不上', '希望给个答复', '谢谢领导', '盼复', '不要再推诿了',
];

/** n synthetic rows derived from the evaluation set (deterministic for a seed). */
export function synthesise(base: { text: string; label: string }[], n: number, seed = 42): { text: string; label: string }[] {
  const rand = rng(seed);
  const pick = <T>(a: T[]) => a[Math.floor(rand() * a.length)];
  const out: { text: string; label: string }[] = [];
  for (let i = 0; i < n; i++) {
    const src = base[i % base.length];
    let clauses = src.text.split(/(?<=[，。！？；,!?;])/).filter(Boolean);
    // drop a clause now and then, shuffle neighbours, sprinkle noise
    if (clauses.length > 2 && rand() < 0.4) clauses.splice(Math.floor(rand() * clauses.length), 1);
    if (clauses.length > 2 && rand() < 0.3) {
      const j = Math.floor(rand() * (clauses.length - 1));
      [clauses[j], clauses[j + 1]] = [clauses[j + 1], clauses[j]];
    }
    const noise = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => pick(NOISE));
    clauses = [noise[0] + '，', ...clauses, ...noise.slice(1).map((w) => w + '。')];
    out.push({ text: `${clauses.join('')}${Math.floor(rand() * 1000)}`, label: src.label });
  }
  return out;
}

export async function benchClassify(opts: { rows?: number; log?: (m: string) => void } = {}): Promise<{ classifyMs: number; trainSeconds100k: number }> {
  const log = opts.log ?? ((m: string) => console.error(m));
  const nRows = opts.rows ?? 100_000;
  const base = await loadEvalSet();
  const rows = synthesise(base, nRows);

  const t0 = performance.now();
  const cb = new CorpusBuilder();
  for (const r of rows) cb.add(r.text, r.label);
  const corpus = cb.build();
  const tFeat = performance.now();
  const { model } = await fit(corpus, undefined, {}, { log }, { inPlace: true });
  const trainSeconds = (performance.now() - t0) / 1000;
  log(`trained on ${nRows} rows in ${trainSeconds.toFixed(1)} s (features ${((tFeat - t0) / 1000).toFixed(1)} s), ${model.header.nFeat} features, ${model.K} classes`);

  // latency: classify held-out style texts (fresh variants, not the training rows)
  const probe = synthesise(base, 2000, 7).map((r) => r.text);
  for (let i = 0; i < 200; i++) model.predict(probe[i]); // warm up
  const t1 = performance.now();
  for (const text of probe) model.predict(text);
  const classifyMs = (performance.now() - t1) / probe.length;
  return { classifyMs, trainSeconds100k: (trainSeconds * 100_000) / nRows };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows = Number(process.env.BENCH_CLASSIFY_ROWS ?? 100_000);
  const r = await benchClassify({ rows });
  console.log(`classify: classify_ms=${r.classifyMs.toFixed(3)} train_s_100k=${r.trainSeconds100k.toFixed(1)}`);
}
