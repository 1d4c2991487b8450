/**
 * A trained text classifier: the kept hashed features with their IDF, the
 * linear weights, and the softmax temperature fitted on held-out scores so
 * the probabilities mean what they say. Serialises to a compact binary form
 * (stored as bytea) and to JSON (for `classify train --output model.json`).
 */
import { Featurizer, fmix, TF_BITS, TF_MAX, SUBLINEAR_TF, type FeatureOptions } from './features.ts';
import { rowScales } from './linear.ts';

export interface Prediction {
  label: string;
  probability: number;
}

export interface ModelHeader {
  format: 'zhili-text-classifier';
  version: 1;
  labels: string[];
  nFeat: number;
  nText: number;
  features: FeatureOptions;
  /** Weights of the feature kinds (already folded into idf; kept for the record). */
  groupWeights: number[];
  /** Norm of the extra-token block (division codes) relative to the text block. */
  extraWeight: number;
  /** Text vectors shorter than this are not scaled up to unit length (see rowScales). */
  minNorm?: number;
  bias: number;
  temperature: number;
  C: number;
  nSamples: number;
  trainedAt: string;
  seed: number;
  /** Cross-validated or held-out quality measured when it was trained, if any. */
  metrics?: Record<string, number>;
  /** Anything the trainer wants to remember (e.g. how category labels were chosen). */
  notes?: Record<string, unknown>;
}

const MAGIC = 0x4c43485a; // "ZHCL" little-endian

export class TextClassifierModel {
  readonly K: number;
  private readonly keys: Uint32Array;
  private readonly vals: Int32Array;
  private readonly mask: number;
  private featurizer?: Featurizer;

  constructor(
    readonly header: ModelHeader,
    readonly buckets: Uint32Array,
    readonly idf: Float32Array,
    readonly W: Float32Array,
    readonly b: Float32Array,
  ) {
    this.K = header.labels.length;
    if (buckets.length !== header.nFeat || idf.length !== header.nFeat || W.length !== header.nFeat * this.K || b.length !== this.K)
      throw new Error('classifier model: array sizes do not match its header');
    // open addressing: bucket -> column
    let size = 16;
    while (size < buckets.length * 2) size <<= 1;
    this.mask = size - 1;
    this.keys = new Uint32Array(size).fill(0xffffffff);
    this.vals = new Int32Array(size);
    for (let j = 0; j < buckets.length; j++) {
      let h = fmix(buckets[j]) & this.mask;
      while (this.keys[h] !== 0xffffffff) h = (h + 1) & this.mask;
      this.keys[h] = buckets[j];
      this.vals[h] = j;
    }
  }

  get labels(): string[] {
    return this.header.labels;
  }

  colOf(bucket: number): number {
    let h = fmix(bucket) & this.mask;
    for (;;) {
      const k = this.keys[h];
      if (k === bucket) return this.vals[h];
      if (k === 0xffffffff) return -1;
      h = (h + 1) & this.mask;
    }
  }

  /** Decision values for one document given as packed (bucket, count) entries. */
  scoreEntries(entries: ArrayLike<number>, start = 0, end = entries.length, out = new Float64Array(this.K)): Float64Array {
    const K = this.K;
    const { idf, W, b } = this;
    const nText = this.header.nText;
    const cols: number[] = [];
    const xs: number[] = [];
    let st = 0;
    let sx = 0;
    for (let p = start; p < end; p++) {
      const e = entries[p];
      const c = this.colOf(e >>> TF_BITS);
      if (c < 0) continue;
      const v = SUBLINEAR_TF[e & TF_MAX] * idf[c];
      if (c < nText) st += v * v;
      else sx += v * v;
      cols.push(c);
      xs.push(v);
    }
    const [ft, fx] = rowScales(st, sx, this.header.extraWeight, this.header.minNorm ?? 0);
    for (let k = 0; k < K; k++) out[k] = b[k];
    for (let i = 0; i < cols.length; i++) {
      const c = cols[i];
      const x = xs[i] * (c < nText ? ft : fx);
      const base = c * K;
      for (let k = 0; k < K; k++) out[k] += x * W[base + k];
    }
    return out;
  }

  scores(text: string, extras: readonly string[] = []): Float64Array {
    this.featurizer ??= new Featurizer(this.header.features);
    return this.scoreEntries(this.featurizer.extract(text, extras));
  }

  /** Softmax of the decision values at the fitted temperature. */
  probabilities(scores: ArrayLike<number>): Float64Array {
    const K = this.K;
    const T = this.header.temperature;
    const p = new Float64Array(K);
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, scores[k] / T);
    let z = 0;
    for (let k = 0; k < K; k++) z += p[k] = Math.exp(scores[k] / T - max);
    for (let k = 0; k < K; k++) p[k] /= z;
    return p;
  }

  /** The k most likely labels with their probabilities, best first. */
  predict(text: string, extras: readonly string[] = [], k = 3): Prediction[] {
    const p = this.probabilities(this.scores(text, extras));
    return topK(p, k).map((i) => ({ label: this.labels[i], probability: p[i] }));
  }

  toBuffer(): Buffer {
    const head = Buffer.from(JSON.stringify(this.header), 'utf8');
    const headLen = (head.length + 3) & ~3;
    const parts = [this.buckets, this.idf, this.W, this.b];
    const size = 12 + headLen + parts.reduce((s, a) => s + a.byteLength, 0);
    const out = Buffer.alloc(size);
    out.writeUInt32LE(MAGIC, 0);
    out.writeUInt32LE(1, 4);
    out.writeUInt32LE(head.length, 8);
    head.copy(out, 12);
    let off = 12 + headLen;
    for (const a of parts) {
      Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(out, off);
      off += a.byteLength;
    }
    return out;
  }

  static fromBuffer(buf: Uint8Array): TextClassifierModel {
    const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    if (b.length < 12 || b.readUInt32LE(0) !== MAGIC) throw new Error('not a zhili classifier model');
    if (b.readUInt32LE(4) !== 1) throw new Error(`unsupported classifier model version ${b.readUInt32LE(4)}`);
    const headLen = b.readUInt32LE(8);
    const header = JSON.parse(b.subarray(12, 12 + headLen).toString('utf8')) as ModelHeader;
    let off = 12 + ((headLen + 3) & ~3);
    const take = (bytes: number) => {
      // copy into a fresh, aligned buffer
      const ab = new ArrayBuffer(bytes);
      new Uint8Array(ab).set(b.subarray(off, off + bytes));
      off += bytes;
      return ab;
    };
    const nf = header.nFeat;
    const K = header.labels.length;
    const buckets = new Uint32Array(take(nf * 4));
    const idf = new Float32Array(take(nf * 4));
    const W = new Float32Array(take(nf * K * 4));
    const bias = new Float32Array(take(K * 4));
    if (off !== b.length) throw new Error('classifier model: unexpected length');
    return new TextClassifierModel(header, buckets, idf, W, bias);
  }

  /** A self-contained JSON document (arrays base64-encoded, little-endian). */
  toJSON(): Record<string, unknown> {
    const b64 = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
    return { ...this.header, arrays: { buckets: b64(this.buckets), idf: b64(this.idf), W: b64(this.W), b: b64(this.b) } };
  }

  static fromJSON(o: any): TextClassifierModel {
    if (o?.format !== 'zhili-text-classifier') throw new Error('not a zhili classifier model');
    const { arrays, ...header } = o;
    const ab = (s: string) => {
      const raw = Buffer.from(s, 'base64');
      const out = new ArrayBuffer(raw.length);
      new Uint8Array(out).set(raw);
      return out;
    };
    return new TextClassifierModel(header as ModelHeader, new Uint32Array(ab(arrays.buckets)), new Float32Array(ab(arrays.idf)), new Float32Array(ab(arrays.W)), new Float32Array(ab(arrays.b)));
  }
}

/** Indices of the k largest values, largest first (ties: lower index first). */
export function topK(v: ArrayLike<number>, k: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < v.length; i++) {
    if (out.length < k) {
      out.push(i);
      for (let j = out.length - 1; j > 0 && v[out[j]] > v[out[j - 1]]; j--) [out[j], out[j - 1]] = [out[j - 1], out[j]];
    } else if (v[i] > v[out[k - 1]]) {
      out[k - 1] = i;
      for (let j = k - 1; j > 0 && v[out[j]] > v[out[j - 1]]; j--) [out[j], out[j - 1]] = [out[j - 1], out[j]];
    }
  }
  return out;
}
