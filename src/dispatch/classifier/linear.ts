/**
 * The linear learner's numeric core: vocabulary selection over hashed
 * buckets, the sparse design matrix (sublinear TF x IDF, L2-normalised per
 * block), and a one-vs-rest L2-regularised squared-hinge SVM trained by dual
 * coordinate descent with shrinking (Hsieh et al. 2008, the LIBLINEAR
 * default solver). Everything is sparse: the design costs 8 bytes per
 * non-zero, the weights 4 bytes per kept feature and class.
 */
import { HASH_SIZE, EXTRA_BASE, TF_BITS, TF_MAX, SUBLINEAR_TF, groupOf } from './features.ts';
import type { Corpus } from './corpus.ts';
import { BinaryDcd, type SvmOptions } from './dcd.ts';
import { PARALLEL_MIN_NNZ, PARALLEL_MIN_WORK, isShared, shared, trainInWorkers, workerCount } from './pool.ts';

export interface Vocab {
  /** Kept buckets, most frequent first (extra tokens last): column j is bucket buckets[j]. */
  buckets: Uint32Array;
  /** IDF times the weight of the feature's kind (unigram, bigram, ...). */
  idf: Float32Array;
  /** Columns below nText are text features; the rest are extra tokens. */
  nText: number;
}

/** Feature weights: weights of column c for the K classes are W[c*K .. c*K+K). */
export interface LinearWeights {
  W: Float32Array;
  b: Float32Array;
}

/** Cooperative multitasking: long loops call tick() now and then and await it when it returns a promise. */
export type Tick = () => Promise<void> | undefined;

export function makeTick(sliceMs = 25): Tick {
  let last = performance.now();
  return () => {
    const now = performance.now();
    if (now - last < sliceMs) return undefined;
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        last = performance.now();
        resolve();
      }),
    );
  };
}

// Scratch tables over the whole hash space, shared by the synchronous
// builders below and always left zeroed (df) or at -1 (colOf) again.
let dfScratch: Int32Array | undefined;
let colScratch: Int32Array | undefined;

/**
 * Buckets seen in at least minDf of the rows; if more than maxFeatures
 * qualify, the most frequent (ties: lowest bucket, so the choice is
 * deterministic). IDF is the smoothed ln((1+n)/(1+df)) + 1.
 */
export function buildVocab(corpus: Corpus, rows: ArrayLike<number>, minDf: number, maxFeatures: number, groupWeights?: ArrayLike<number>): Vocab {
  const df = (dfScratch ??= new Int32Array(HASH_SIZE));
  const { ptr, data } = corpus;
  let touched = new Uint32Array(1 << 16);
  let nTouched = 0;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    for (let p = ptr[r], e = ptr[r + 1]; p < e; p++) {
      const b = data[p] >>> TF_BITS;
      if (df[b]++ === 0) {
        if (nTouched === touched.length) {
          const t = new Uint32Array(touched.length * 2);
          t.set(touched);
          touched = t;
        }
        touched[nTouched++] = b;
      }
    }
  }
  const threshold = Math.max(1, minDf);
  let kept = new Uint32Array(nTouched);
  let nKept = 0;
  for (let i = 0; i < nTouched; i++) if (df[touched[i]] >= threshold) kept[nKept++] = touched[i];
  kept = kept.subarray(0, nKept);
  // Columns in order of document frequency (text first, extra tokens last):
  // the weights of frequent features sit together and stay in cache while
  // training, which makes the solver several times faster on large sets.
  const order = Array.from(kept).sort((a, b) => (a >= EXTRA_BASE ? 1 : 0) - (b >= EXTRA_BASE ? 1 : 0) || df[b] - df[a] || a - b);
  if (nKept > maxFeatures) {
    // the most frequent, ties to the lower bucket (extra tokens are few and all kept)
    const text = order.filter((b) => b < EXTRA_BASE);
    const extra = order.filter((b) => b >= EXTRA_BASE);
    kept = Uint32Array.from([...text.slice(0, Math.max(0, maxFeatures - extra.length)), ...extra]);
  } else kept = Uint32Array.from(order);
  const n = rows.length;
  const idf = new Float32Array(kept.length);
  let nText = 0;
  for (let j = 0; j < kept.length; j++) {
    const b = kept[j];
    idf[j] = (Math.log((1 + n) / (1 + df[b])) + 1) * (groupWeights ? groupWeights[groupOf(b)] : 1);
    if (b < EXTRA_BASE) nText++;
  }
  for (let i = 0; i < nTouched; i++) df[touched[i]] = 0;
  return { buckets: kept.slice(), idf, nText };
}

export interface Design {
  n: number;
  nFeat: number;
  /** Row i is entries ptr[i] .. ptr[i+1] of cols/vals. */
  ptr: Int32Array;
  cols: Int32Array;
  /** Final values: sublinear TF x IDF (x kind weight), each block L2-normalised. */
  vals: Float32Array;
  /** Local class index of each row (-1: a label the model does not know). */
  y: Int32Array;
}

/**
 * Per-row block scale factors: the text block is L2-normalised, except that
 * its norm is taken as at least `minNorm` - a text with very little known
 * content ("你好", "谢谢") keeps a short vector, so its scores stay near the
 * class priors and the proposal abstains instead of trusting two characters.
 * The extra block (division codes) gets norm `extraWeight`; the two together
 * are scaled to norm at most 1.
 */
export function rowScales(sumText: number, sumExtra: number, extraWeight: number, minNorm = 0): [number, number] {
  const normText = Math.sqrt(sumText);
  // the text block's norm after scaling: 1, or less for a text with little known content
  const textPart = normText > 0 ? Math.min(1, normText / Math.max(minNorm, 1e-12)) : 0;
  const z = sumExtra > 0 ? 1 / Math.sqrt(1 + extraWeight * extraWeight) : 1;
  return [normText > 0 ? (z * textPart) / normText : 0, sumExtra > 0 ? (z * extraWeight) / Math.sqrt(sumExtra) : 0];
}

/** Median norm of the text block (TF x IDF) over a sample of rows: the scale of a typical message. */
export function medianTextNorm(corpus: Corpus, rows: ArrayLike<number>, vocab: Vocab): number {
  const colOf = (colScratch ??= new Int32Array(HASH_SIZE).fill(-1));
  for (let j = 0; j < vocab.buckets.length; j++) colOf[vocab.buckets[j]] = j;
  try {
    const step = Math.max(1, Math.floor(rows.length / 5000));
    const norms: number[] = [];
    for (let i = 0; i < rows.length; i += step) {
      const r = rows[i];
      let st = 0;
      for (let p = corpus.ptr[r], e = corpus.ptr[r + 1]; p < e; p++) {
        const c = colOf[corpus.data[p] >>> TF_BITS];
        if (c < 0 || c >= vocab.nText) continue;
        const v = SUBLINEAR_TF[corpus.data[p] & TF_MAX] * vocab.idf[c];
        st += v * v;
      }
      norms.push(Math.sqrt(st));
    }
    norms.sort((a, b) => a - b);
    return norms.length ? norms[norms.length >> 1] : 0;
  } finally {
    for (let j = 0; j < vocab.buckets.length; j++) colOf[vocab.buckets[j]] = -1;
  }
}

/**
 * The design matrix of `rows` over `vocab` (8 bytes per kept non-zero). With
 * inPlace (rows must be 0..n-1 in order) the column indices overwrite the
 * corpus' own buffer, so a full training run adds only the values.
 */
export function buildDesign(
  corpus: Corpus,
  rows: ArrayLike<number>,
  vocab: Vocab,
  yMap: Int32Array,
  extraWeight: number,
  inPlace = false,
  minNorm = 0,
): Design {
  const colOf = (colScratch ??= new Int32Array(HASH_SIZE).fill(-1));
  for (let j = 0; j < vocab.buckets.length; j++) colOf[vocab.buckets[j]] = j;
  try {
    return fillDesign(corpus, rows, vocab, yMap, extraWeight, inPlace, colOf, minNorm);
  } finally {
    for (let j = 0; j < vocab.buckets.length; j++) colOf[vocab.buckets[j]] = -1;
  }
}

function fillDesign(corpus: Corpus, rows: ArrayLike<number>, vocab: Vocab, yMap: Int32Array, extraWeight: number, inPlace: boolean, colOf: Int32Array, minNorm: number): Design {
  const { ptr: cptr, data: cdata } = corpus;
  const n = rows.length;
  let nnz = 0;
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    if (inPlace && r !== i) throw new Error('an in-place design needs rows 0..n-1 in order');
    for (let p = cptr[r], e = cptr[r + 1]; p < e; p++) if (colOf[cdata[p] >>> TF_BITS] >= 0) nnz++;
  }
  if (nnz > 0x7fffffff) throw new Error('training set too large for one design (more than 2^31 non-zeros)');
  // large designs live in shared memory, so worker threads can train on them without a copy
  const share = nnz >= PARALLEL_MIN_NNZ;
  const cols = inPlace && (!share || isShared(cdata)) ? new Int32Array(cdata.buffer, cdata.byteOffset, nnz) : shared(Int32Array, nnz, share);
  const vals = shared(Float32Array, nnz, share);
  const ptr = shared(Int32Array, n + 1, share);
  const y = shared(Int32Array, n, share);
  const idf = vocab.idf;
  const nText = vocab.nText;
  let q = 0;
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    const start = cptr[r];
    const end = cptr[r + 1];
    let st = 0;
    let sx = 0;
    for (let p = start; p < end; p++) {
      const e = cdata[p];
      const c = colOf[e >>> TF_BITS];
      if (c < 0) continue;
      const v = SUBLINEAR_TF[e & TF_MAX] * idf[c];
      if (c < nText) st += v * v;
      else sx += v * v;
    }
    const [ft, fx] = rowScales(st, sx, extraWeight, minNorm);
    // (in place, q never passes p: only entries already read are overwritten)
    for (let p = start; p < end; p++) {
      const e = cdata[p];
      const c = colOf[e >>> TF_BITS];
      if (c < 0) continue;
      vals[q] = SUBLINEAR_TF[e & TF_MAX] * idf[c] * (c < nText ? ft : fx);
      cols[q++] = c;
    }
    ptr[i + 1] = q;
    y[i] = yMap[corpus.y[r]];
  }
  return { n, nFeat: vocab.buckets.length, ptr, cols, vals, y };
}

export type { SvmOptions } from './dcd.ts';

/** Steps per slice between checks of the event loop. */
const SLICE = 4096;

/**
 * One-vs-rest L2-regularised linear SVM. Deterministic for a seed. Returns
 * weights laid out feature-major. Large problems are split by class over a
 * pool of worker threads (see pool.ts); small ones run here, yielding to the
 * event loop between slices when given a tick.
 */
export async function trainOvR(d: Design, K: number, o: SvmOptions): Promise<LinearWeights> {
  const { n, nFeat, ptr, vals } = d;
  const W = new Float32Array(nFeat * K);
  const b = new Float32Array(K);
  if (K < 2 || n === 0) return { W, b };
  const xx = shared(Float64Array, n, isShared(d.vals));
  for (let i = 0; i < n; i++) {
    let s = o.bias * o.bias;
    for (let p = ptr[i], e = ptr[i + 1]; p < e; p++) s += vals[p] * vals[p];
    xx[i] = s;
  }
  // a binary problem needs one classifier: the second is its negation
  const problems = K === 2 ? 1 : K;
  const store = (k: number, w: ArrayLike<number>, wb: number) => {
    for (let c = 0; c < nFeat; c++) W[c * K + k] = w[c];
    b[k] = wb * o.bias;
    if (problems === 1) {
      for (let c = 0; c < nFeat; c++) W[c * K + 1] = -w[c];
      b[1] = -b[0];
    }
  };
  const work = vals.length * problems;
  if (isShared(d.vals) && work >= PARALLEL_MIN_WORK && workerCount() > 1) {
    const { tick: _tick, ...plain } = o;
    const done = await trainInWorkers(d, xx, problems, plain);
    if (done) {
      for (const r of done) store(r.k, r.w, r.wb);
      return { W, b };
    }
  }
  const w = new Float64Array(nFeat);
  for (let k = 0; k < problems; k++) {
    const dcd = new BinaryDcd(d, xx, k, o, w);
    if (o.tick) {
      while (!dcd.run(SLICE)) {
        const pending = o.tick();
        if (pending) await pending;
      }
    } else dcd.run(Infinity);
    store(k, w, dcd.wb);
  }
  return { W, b };
}

/** Decision values of every row of a design: out[i*K + k]. */
export function scoreDesign(d: Design, lw: LinearWeights, K: number): Float32Array {
  const out = new Float32Array(d.n * K);
  const { W, b } = lw;
  const { ptr, cols, vals } = d;
  const acc = new Float64Array(K);
  for (let i = 0; i < d.n; i++) {
    for (let k = 0; k < K; k++) acc[k] = b[k];
    for (let p = ptr[i], e = ptr[i + 1]; p < e; p++) {
      const x = vals[p];
      const base = cols[p] * K;
      for (let k = 0; k < K; k++) acc[k] += x * W[base + k];
    }
    for (let k = 0; k < K; k++) out[i * K + k] = acc[k];
  }
  return out;
}
