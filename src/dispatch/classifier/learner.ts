/**
 * Training with honest tuning, and cross-validation.
 *
 * fit(): the setting (regularisation C, the weights of the feature kinds and,
 * for the unit model, of the division block) is chosen by an inner
 * stratified 3-fold CV - or one stratified hold-out split on a sample of at
 * most `maxTuneRows` for large sets, searching one axis at a time - and a
 * candidate replaces the default only when it wins clearly on the held-out
 * rows. The softmax temperature is fitted on the same held-out decision
 * values by minimising the log loss. The final model is trained on every row
 * with the chosen setting. Everything is seeded: the same data and seed give
 * the same model, bit for bit.
 *
 * crossValidate(): stratified k-fold CV in which every fold runs the whole
 * fit() (tuning included) on its training part only, so the reported numbers
 * are what a fresh model does on messages it has never seen.
 */
import type { Corpus } from './corpus.ts';
import { buildDesign, buildVocab, medianTextNorm, scoreDesign, trainOvR, type Design, type Tick } from './linear.ts';
import { TextClassifierModel, topK } from './model.ts';
import { EXTRA_BASE, TF_BITS } from './features.ts';
import { rng, shuffle } from './rng.ts';

export interface TrainParams {
  /** Candidate values of C, tuned by inner CV. */
  Cs: number[];
  /**
   * Candidate weights of the feature kinds (unigram, bigram, trigram, word,
   * extra), tuned with C; the first is the default. With little data single
   * characters generalise best and deserve more weight; the inner CV moves
   * on when the data says so.
   */
  groupWeights: number[][];
  /** Candidate norms of the extra-token block (division codes) relative to the text; tuned only when rows carry extra tokens. */
  extraWeights: number[];
  /** Minimum document frequency of a feature; by default 1 below 2,000 rows, 2 below 50,000, else 3. */
  minDf?: number;
  /** Cap on kept features; by default about 2^23 weights / classes, within [2^16, 2^20]. */
  maxFeatures?: number;
  bias: number;
  /**
   * Texts whose TF-IDF norm is below this share of the median training text
   * are not scaled up to unit length (little evidence -> scores near the
   * priors -> abstention).
   */
  minNormRatio: number;
  seed: number;
  innerFolds: number;
  /** Tuning runs on at most this many rows. */
  maxTuneRows: number;
  /** Temperature used when there is too little data to fit one. */
  defaultTemperature: number;
  maxIter: number;
  eps: number;
  /** Weight classes inversely to their frequency (helps macro-F1 on skewed sets). */
  balanced: boolean;
}

export const DEFAULT_PARAMS: TrainParams = {
  Cs: [1, 0.3, 3],
  groupWeights: [
    [2, 1.5, 1, 1, 1],
    [1, 1, 1, 1, 1],
  ],
  extraWeights: [0.5, 1, 2],
  bias: 1,
  minNormRatio: 0.5,
  seed: 20261124,
  innerFolds: 3,
  maxTuneRows: 15_000,
  defaultTemperature: 0.25,
  maxIter: 100,
  eps: 0.1,
  balanced: false,
};

export interface Hooks {
  tick?: Tick;
  log?: (msg: string) => void;
}

export interface Setting {
  C: number;
  groupWeights: number[];
  extraWeight: number;
}

export interface FitResult {
  model: TextClassifierModel;
  setting: Setting;
  temperature: number;
  /** Inner-CV top-1 accuracy per candidate setting (empty when not tuned). */
  tuning: (Setting & { top1: number })[];
}

/** Stratified k-fold assignment of `rows`: fold index per position, classes spread evenly. */
export function stratifiedFolds(corpus: Corpus, rows: ArrayLike<number>, k: number, seed: number): Int32Array {
  const rand = rng(seed);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < rows.length; i++) {
    const c = corpus.y[rows[i]];
    let a = byClass.get(c);
    if (!a) byClass.set(c, (a = []));
    a.push(i);
  }
  const fold = new Int32Array(rows.length);
  let offset = 0;
  for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
    const a = shuffle(byClass.get(c)!, rand);
    for (let j = 0; j < a.length; j++) fold[a[j]] = (offset + j) % k;
    offset = (offset + a.length) % k;
  }
  return fold;
}

function split(rows: ArrayLike<number>, fold: Int32Array, f: number): [Int32Array, Int32Array] {
  let nTest = 0;
  for (let i = 0; i < fold.length; i++) if (fold[i] === f) nTest++;
  const train = new Int32Array(rows.length - nTest);
  const test = new Int32Array(nTest);
  let a = 0;
  let b = 0;
  for (let i = 0; i < rows.length; i++) {
    if (fold[i] === f) test[b++] = rows[i];
    else train[a++] = rows[i];
  }
  return [train, test];
}

/** Stratified sample of at most `max` of `rows`, in their original order. */
function sample(corpus: Corpus, rows: Int32Array, max: number, seed: number): Int32Array {
  if (rows.length <= max) return rows;
  const k = Math.ceil(rows.length / max);
  const fold = stratifiedFolds(corpus, rows, k, seed);
  return split(rows, fold, 0)[1];
}

/** A stratified sample of about `fraction` of the rows (at least one row of each class), in their order. */
export function subsample(corpus: Corpus, rows: Int32Array, fraction: number, seed: number): Int32Array {
  const rand = rng(seed);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < rows.length; i++) {
    const c = corpus.y[rows[i]];
    let a = byClass.get(c);
    if (!a) byClass.set(c, (a = []));
    a.push(i);
  }
  const keep = new Uint8Array(rows.length);
  for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
    const a = shuffle(byClass.get(c)!, rand);
    const m = Math.max(1, Math.round(a.length * fraction));
    for (let j = 0; j < m; j++) keep[a[j]] = 1;
  }
  return rows.filter((_, i) => keep[i] === 1);
}

const allRows = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

function autoMinDf(n: number): number {
  return n < 2000 ? 1 : n < 50_000 ? 2 : 3;
}

function autoMaxFeatures(K: number): number {
  return Math.min(1 << 20, Math.max(1 << 16, Math.floor((1 << 23) / Math.max(K, 1))));
}

/** Mean negative log-likelihood of softmax(s/T). */
function nll(S: Float32Array, y: Int32Array, K: number, T: number): number {
  let total = 0;
  let n = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] < 0) continue;
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, S[i * K + k] / T);
    let z = 0;
    for (let k = 0; k < K; k++) z += Math.exp(S[i * K + k] / T - max);
    total += Math.log(z) + max - S[i * K + y[i]] / T;
    n++;
  }
  return n ? total / n : 0;
}

/** Temperature minimising the held-out log loss (golden-section search on log T). */
export function fitTemperature(S: Float32Array, y: Int32Array, K: number): number {
  let a = Math.log(0.01);
  let b = Math.log(5);
  const g = (Math.sqrt(5) - 1) / 2;
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = nll(S, y, K, Math.exp(c));
  let fd = nll(S, y, K, Math.exp(d));
  for (let i = 0; i < 60; i++) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = nll(S, y, K, Math.exp(c));
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = nll(S, y, K, Math.exp(d));
    }
  }
  return Math.exp((a + b) / 2);
}

/** 1 where the top-scored class is the true one. */
function correctOf(S: Float32Array, y: Int32Array, K: number): Uint8Array {
  const out = new Uint8Array(y.length);
  for (let i = 0; i < y.length; i++) {
    if (y[i] < 0) continue;
    let best = 0;
    for (let k = 1; k < K; k++) if (S[i * K + k] > S[i * K + best]) best = k;
    if (best === y[i]) out[i] = 1;
  }
  return out;
}

/** Trains a model on `rows` of the corpus (all rows by default). */
export async function fit(
  corpus: Corpus,
  rows?: Int32Array,
  params: Partial<TrainParams> = {},
  hooks: Hooks = {},
  /** inPlace: the final design overwrites the corpus (saves a copy of the data; the corpus is unusable afterwards). */
  opts: { inPlace?: boolean } = {},
): Promise<FitResult> {
  const p: TrainParams = { ...DEFAULT_PARAMS, ...params };
  const inPlaceOk = !rows;
  rows ??= allRows(corpus.n);
  const n = rows.length;
  if (n === 0) throw new Error('no rows to train on');
  // classes present in the training rows, in label order
  const counts = corpus.counts(rows);
  const present: number[] = [];
  for (let c = 0; c < counts.length; c++) if (counts[c] > 0) present.push(c);
  const K = present.length;
  const yMap = new Int32Array(corpus.labels.length).fill(-1);
  present.forEach((c, i) => (yMap[c] = i));
  const classWeight = p.balanced ? Float64Array.from(present, (c) => n / (K * counts[c])) : null;
  const minDf = p.minDf ?? autoMinDf(n);
  const maxFeatures = p.maxFeatures ?? autoMaxFeatures(K);
  const svm = (C: number) => ({ C, bias: p.bias, classWeight, maxIter: p.maxIter, eps: p.eps, seed: p.seed, tick: hooks.tick });
  const hasExtras = hasExtraTokens(corpus, rows);
  const extraWeights = hasExtras ? p.extraWeights : [1];

  let setting: Setting = { C: p.Cs.includes(1) ? 1 : p.Cs[0], groupWeights: p.groupWeights[0], extraWeight: extraWeights.includes(1) ? 1 : extraWeights[0] };
  let temperature = p.defaultTemperature;
  const tuning: (Setting & { top1: number })[] = [];
  // tune when every inner split can see most classes
  if (K >= 2 && n >= Math.max(30, 2 * K)) {
    const t0 = performance.now();
    const tuneRows = sample(corpus, rows, p.maxTuneRows, p.seed ^ 0x5a5a);
    const small = tuneRows.length <= 5000;
    const nf = small ? p.innerFolds : 5;
    const fold = stratifiedFolds(corpus, tuneRows, nf, p.seed ^ 0x1234);
    // small sets use every inner fold; on large ones a single hold-out fold is plenty
    const used = small ? nf : 1;
    const splits = Array.from({ length: used }, (_, f) => split(tuneRows, fold, f));
    const designs = new Map<string, { tr: Design; va: Design }[]>();
    const getDesigns = (gw: number[], ew: number) => {
      const key = `${gw.join(',')}|${ew}`;
      let d = designs.get(key);
      if (!d) {
        d = splits.map(([tr, va]) => {
          const vocab = buildVocab(corpus, tr, minDf, maxFeatures, gw);
          const minNorm = p.minNormRatio * medianTextNorm(corpus, tr, vocab);
          return { tr: buildDesign(corpus, tr, vocab, yMap, ew, false, minNorm), va: buildDesign(corpus, va, vocab, yMap, ew, false, minNorm) };
        });
        designs.set(key, d);
      }
      return d;
    };
    const results = new Map<string, { S: Float32Array; y: Int32Array; top1: number; correct: Uint8Array }>();
    const evaluate = async (c: Setting) => {
      const key = `${c.C}|${c.groupWeights.join(',')}|${c.extraWeight}`;
      let r = results.get(key);
      if (!r) {
        const parts: Float32Array[] = [];
        const ys: Int32Array[] = [];
        for (const d of getDesigns(c.groupWeights, c.extraWeight)) {
          parts.push(scoreDesign(d.va, await trainOvR(d.tr, K, svm(c.C)), K));
          ys.push(d.va.y);
        }
        const S = concat(parts, Float32Array);
        const y = concat(ys, Int32Array);
        const correct = correctOf(S, y, K);
        const top1 = correct.reduce((a, b) => a + b, 0) / Math.max(1, y.length);
        r = { S, y, top1, correct };
        results.set(key, r);
        tuning.push({ ...c, top1 });
      }
      return r;
    };
    // A setting replaces the current one only when it wins clearly on the same
    // held-out rows (more rows right than wrong by over one standard error of
    // the difference): choosing among near-equal settings by noise costs more
    // than it gains.
    const better = async (c: Setting, than: Setting) => {
      const a = (await evaluate(c)).correct;
      const b = (await evaluate(than)).correct;
      let wins = 0;
      let losses = 0;
      for (let i = 0; i < a.length; i++) {
        if (a[i] > b[i]) wins++;
        else if (a[i] < b[i]) losses++;
      }
      return wins - losses > Math.max(1, Math.sqrt(wins + losses));
    };
    await evaluate(setting);
    if (small) {
      // the whole grid
      for (const groupWeights of p.groupWeights)
        for (const extraWeight of extraWeights)
          for (const C of p.Cs) {
            const c = { C, groupWeights, extraWeight };
            if (await better(c, setting)) setting = c;
          }
    } else {
      // large sets: one axis at a time (feature kinds, then the extra block, then C) - a third of the trainings
      for (const groupWeights of p.groupWeights) {
        const c = { ...setting, groupWeights };
        if (await better(c, setting)) setting = c;
      }
      for (const extraWeight of extraWeights) {
        const c = { ...setting, extraWeight };
        if (await better(c, setting)) setting = c;
      }
      for (const C of p.Cs) {
        const c = { ...setting, C };
        if (await better(c, setting)) setting = c;
      }
    }
    const best = await evaluate(setting);
    temperature = fitTemperature(best.S, best.y, K);
    hooks.log?.(
      `tuned on ${tuneRows.length} rows (${used} split${used > 1 ? 's' : ''}, ${results.size} settings, ${((performance.now() - t0) / 1000).toFixed(1)} s): ` +
        `C=${setting.C} kinds=${setting.groupWeights.join('/')}${hasExtras ? ` extra=${setting.extraWeight}` : ''} top1=${best.top1.toFixed(3)} T=${temperature.toFixed(3)}`,
    );
  }

  const vocab = buildVocab(corpus, rows, minDf, maxFeatures, setting.groupWeights);
  const minNorm = p.minNormRatio * medianTextNorm(corpus, rows, vocab);
  const design = buildDesign(corpus, rows, vocab, yMap, setting.extraWeight, inPlaceOk && opts.inPlace === true, minNorm);
  const t1 = performance.now();
  const lw = await trainOvR(design, K, svm(setting.C));
  hooks.log?.(`trained ${K} classes on ${n} rows, ${vocab.buckets.length} features, in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
  const model = new TextClassifierModel(
    {
      format: 'zhili-text-classifier',
      version: 1,
      labels: present.map((c) => corpus.labels[c]),
      nFeat: vocab.buckets.length,
      nText: vocab.nText,
      features: corpus.features,
      groupWeights: setting.groupWeights,
      extraWeight: setting.extraWeight,
      minNorm,
      bias: p.bias,
      temperature,
      C: setting.C,
      nSamples: n,
      trainedAt: new Date().toISOString(),
      seed: p.seed,
    },
    vocab.buckets.slice(),
    vocab.idf.slice(),
    lw.W,
    lw.b,
  );
  return { model, setting, temperature, tuning };
}

function concat<T extends Int32Array | Float32Array>(parts: T[], Ctor: { new (n: number): T }): T {
  const out = new Ctor(parts.reduce((s, a) => s + a.length, 0));
  let o = 0;
  for (const a of parts) {
    out.set(a, o);
    o += a.length;
  }
  return out;
}

function hasExtraTokens(corpus: Corpus, rows: Int32Array): boolean {
  const { ptr, data } = corpus;
  // extra tokens sort last in a row; a sample of rows is enough to know
  for (let i = 0; i < rows.length; i += Math.max(1, Math.floor(rows.length / 1000))) {
    const r = rows[i];
    if (ptr[r + 1] > ptr[r] && data[ptr[r + 1] - 1] >>> TF_BITS >= EXTRA_BASE) return true;
  }
  return false;
}

export interface Metrics {
  n: number;
  top1: number;
  top3: number;
  macroF1: number;
}

/** top1, top3 and macro-F1 (over every label that is true or predicted somewhere). */
export function computeMetrics(truth: ArrayLike<number>, ranked: ArrayLike<number>[], nLabels: number): Metrics {
  const n = truth.length;
  let t1 = 0;
  let t3 = 0;
  const tp = new Float64Array(nLabels);
  const fp = new Float64Array(nLabels);
  const fn = new Float64Array(nLabels);
  for (let i = 0; i < n; i++) {
    const r = ranked[i];
    const y = truth[i];
    const pred = r.length ? r[0] : -1;
    if (pred === y) {
      t1++;
      tp[y]++;
    } else {
      fn[y]++;
      if (pred >= 0) fp[pred]++;
    }
    for (let j = 0; j < Math.min(3, r.length); j++) if (r[j] === y) t3++;
  }
  let f1 = 0;
  let labels = 0;
  for (let c = 0; c < nLabels; c++) {
    if (tp[c] + fp[c] + fn[c] === 0) continue;
    labels++;
    const prec = tp[c] + fp[c] > 0 ? tp[c] / (tp[c] + fp[c]) : 0;
    const rec = tp[c] + fn[c] > 0 ? tp[c] / (tp[c] + fn[c]) : 0;
    f1 += prec + rec > 0 ? (2 * prec * rec) / (prec + rec) : 0;
  }
  return { n, top1: n ? t1 / n : 0, top3: n ? t3 / n : 0, macroF1: labels ? f1 / labels : 0 };
}

/** Ranked label indices (into corpus.labels) of corpus row r by a model trained on the same corpus' labels. */
export function rankRow(model: TextClassifierModel, corpus: Corpus, r: number, labelIndex: Map<string, number>, k = 3): number[] {
  const s = model.scoreEntries(corpus.data, corpus.ptr[r], corpus.ptr[r + 1]);
  return topK(s, k).map((i) => labelIndex.get(model.labels[i])!);
}

export interface CvResult extends Metrics {
  folds: (Metrics & Setting)[];
}

/**
 * Stratified k-fold cross-validation. With trainFraction < 1 each fold trains
 * on a stratified sample of that share of its training part (the test parts
 * stay the same), which gives a learning curve.
 */
export async function crossValidate(
  corpus: Corpus,
  k = 5,
  params: Partial<TrainParams> = {},
  hooks: Hooks = {},
  rows?: Int32Array,
  trainFraction = 1,
): Promise<CvResult> {
  const p = { ...DEFAULT_PARAMS, ...params };
  rows ??= allRows(corpus.n);
  const fold = stratifiedFolds(corpus, rows, k, p.seed);
  const labelIndex = new Map(corpus.labels.map((l, i) => [l, i]));
  const truth: number[] = [];
  const ranked: number[][] = [];
  const folds: (Metrics & Setting)[] = [];
  for (let f = 0; f < k; f++) {
    let [tr, te] = split(rows, fold, f);
    if (trainFraction < 1) tr = subsample(corpus, tr, trainFraction, p.seed ^ (f + 1));
    if (!te.length || !tr.length) continue;
    const { model, setting } = await fit(corpus, tr, params, hooks);
    const ft: number[] = [];
    const fr: number[][] = [];
    for (const r of te) {
      ft.push(corpus.y[r]);
      fr.push(rankRow(model, corpus, r, labelIndex));
      if (hooks.tick) {
        const w = hooks.tick();
        if (w) await w;
      }
    }
    const m = computeMetrics(ft, fr, corpus.labels.length);
    folds.push({ ...m, ...setting });
    hooks.log?.(`fold ${f + 1}/${k}: n=${m.n} top1=${m.top1.toFixed(3)} top3=${m.top3.toFixed(3)} macroF1=${m.macroF1.toFixed(3)}`);
    truth.push(...ft);
    ranked.push(...fr);
  }
  return { ...computeMetrics(truth, ranked, corpus.labels.length), folds };
}

export interface Quality extends Metrics {
  /** "5-fold CV" or "10% hold-out". */
  method: string;
}

/**
 * What a model trained on these rows can be expected to do on new messages:
 * k-fold CV on sets up to `maxCvRows` rows, else a stratified 10% hold-out
 * (at most 20,000 rows) with a model trained on the other 90%. Undefined when
 * there is too little to measure.
 */
export async function measureQuality(corpus: Corpus, params: Partial<TrainParams> = {}, hooks: Hooks = {}, opts: { folds?: number; maxCvRows?: number } = {}): Promise<Quality | undefined> {
  const n = corpus.n;
  const counts = corpus.counts();
  const classes = counts.filter((c) => c > 0).length;
  if (classes < 2 || n < 10) return undefined;
  const folds = Math.min(opts.folds ?? 5, Math.max(2, Math.floor(n / 5)));
  if (n <= (opts.maxCvRows ?? 5000)) {
    const r = await crossValidate(corpus, folds, params, hooks);
    return { n: r.n, top1: r.top1, top3: r.top3, macroF1: r.macroF1, method: `${folds}-fold CV` };
  }
  const p = { ...DEFAULT_PARAMS, ...params };
  const rows = allRows(n);
  const k = Math.max(10, Math.ceil(n / 20_000));
  const fold = stratifiedFolds(corpus, rows, k, p.seed ^ 0x77);
  const [tr, te] = split(rows, fold, 0);
  const { model } = await fit(corpus, tr, params, hooks);
  const labelIndex = new Map(corpus.labels.map((l, i) => [l, i]));
  const truth: number[] = [];
  const ranked: number[][] = [];
  for (const r of te) {
    truth.push(corpus.y[r]);
    ranked.push(rankRow(model, corpus, r, labelIndex));
    if (hooks.tick && (truth.length & 255) === 0) {
      const w = hooks.tick();
      if (w) await w;
    }
  }
  return { ...computeMetrics(truth, ranked, corpus.labels.length), method: `${Math.round(100 / k)}% hold-out` };
}
