/**
 * Text -> hashed sparse features. A document becomes a sorted list of
 * (bucket, term count) pairs packed into one 32-bit word each:
 *
 *  - character 1-, 2- and 3-grams of the text with punctuation and spaces
 *    removed (NFKC-normalised, lower-cased, every digit folded to 0 so phone
 *    numbers and dates do not flood the space with one-off grams);
 *  - whole words from jieba with the governance dictionary (`words()`);
 *  - optional extra tokens (e.g. `div:430602`) in a separate block of buckets,
 *    so the model can weight them as a block of their own.
 *
 * Hashing (MurmurHash3 mixing into 2^22 buckets) needs no vocabulary pass and
 * keeps memory flat at any corpus size; the learner later keeps only buckets
 * seen in enough documents.
 */
import { words } from '../../text/index.ts';

export const HASH_BITS = 22;
export const HASH_SIZE = 1 << HASH_BITS;
/**
 * Each kind of feature has its own range of buckets, so kinds never collide
 * and each kind can carry its own weight: character unigrams, bigrams,
 * trigrams (and 4-grams), words, and extra tokens in the top 2^16.
 */
export const GROUPS = ['unigram', 'bigram', 'trigram', 'word', 'extra'] as const;
export type Group = (typeof GROUPS)[number];
const Q = 1 << 18;
export const GROUP_START = [0, Q, 5 * Q, 9 * Q, HASH_SIZE - (1 << 16), HASH_SIZE];
export const EXTRA_BASE = GROUP_START[4];
const put = (g: number, h: number) => GROUP_START[g] + (h % (GROUP_START[g + 1] - GROUP_START[g]));
export function groupOf(bucket: number): number {
  let g = 0;
  while (bucket >= GROUP_START[g + 1]) g++;
  return g;
}
export const TF_BITS = 10;
export const TF_MAX = (1 << TF_BITS) - 1;

export interface FeatureOptions {
  /** Shortest and longest character n-gram (1..4); 1 and 3 by default. */
  minNgram?: number;
  maxNgram: number;
  /** Add jieba words. */
  words: boolean;
}

export const DEFAULT_FEATURES: FeatureOptions = { maxNgram: 3, words: true };

const SEED_NGRAM = [0, 0x9747b28c, 0x5bd1e995, 0x1b873593, 0x2545f491];
const SEED_WORD = 0x68e31da4;
const SEED_EXTRA = 0x7f4a7c15;

function mix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

export function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hashString(s: string, seed: number): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) h = mix(h, s.charCodeAt(i));
  return fmix(h ^ s.length);
}

const NOT_WORDLIKE = /[^\p{L}\p{N}]+/gu;
const DIGIT = /\p{Nd}/gu;

/** NFKC, lower case, digits folded to 0: the form every feature is taken from. */
export function normalise(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(DIGIT, '0');
}

/** Division code prefixes as extra tokens: 430602005 -> div:43, div:4306, div:430602, div:430602005. */
export function divisionTokens(code: string | null | undefined): string[] {
  if (!code) return [];
  const c = code.trim();
  if (!/^[0-9]{2,12}$/.test(c)) return [];
  const out: string[] = [];
  for (const len of [2, 4, 6, 9, 12]) if (c.length >= len) out.push(`div:${c.slice(0, len)}`);
  return out;
}

/**
 * Reusable extractor: `extract()` writes the packed (bucket << TF_BITS | tf)
 * entries of one document into `out` (sorted by bucket) and returns them.
 */
export class Featurizer {
  private buf = new Uint32Array(4096);
  private n = 0;
  private outBuf = new Uint32Array(4096);
  private cps = new Int32Array(1024);

  constructor(readonly opts: FeatureOptions = DEFAULT_FEATURES) {}

  private push(b: number) {
    if (this.n === this.buf.length) {
      const nb = new Uint32Array(this.buf.length * 2);
      nb.set(this.buf);
      this.buf = nb;
    }
    this.buf[this.n++] = b;
  }

  /** The entries of one document; the returned view is valid until the next call. */
  extract(text: string, extras: readonly string[] = []): Uint32Array {
    this.n = 0;
    const norm = normalise(text);
    const compact = norm.replace(NOT_WORDLIKE, '');
    // code points of the compacted text
    let m = 0;
    if (this.cps.length < compact.length) this.cps = new Int32Array(compact.length * 2);
    for (let i = 0; i < compact.length; i++) {
      let c = compact.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < compact.length) {
        c = compact.codePointAt(i)!;
        i++;
      }
      this.cps[m++] = c;
    }
    const maxN = this.opts.maxNgram;
    const uni = (this.opts.minNgram ?? 1) <= 1;
    const cps = this.cps;
    for (let i = 0; i < m; i++) {
      if (uni) this.push(put(0, fmix(mix(SEED_NGRAM[1], cps[i]))));
      if (maxN >= 2 && i + 1 < m) {
        let h = mix(SEED_NGRAM[2], cps[i]);
        h = mix(h, cps[i + 1]);
        this.push(put(1, fmix(h)));
        if (maxN >= 3 && i + 2 < m) {
          h = mix(SEED_NGRAM[3], cps[i]);
          h = mix(h, cps[i + 1]);
          h = mix(h, cps[i + 2]);
          this.push(put(2, fmix(h)));
          if (maxN >= 4 && i + 3 < m) {
            h = mix(SEED_NGRAM[4], cps[i]);
            h = mix(mix(mix(h, cps[i + 1]), cps[i + 2]), cps[i + 3]);
            this.push(put(2, fmix(h)));
          }
        }
      }
    }
    if (this.opts.words && m > 0) {
      for (const w of words(norm)) {
        // single characters are already unigrams; only words add information
        if (w.length > 1) this.push(put(3, hashString(w, SEED_WORD)));
      }
    }
    for (const x of extras) this.push(put(4, hashString(x, SEED_EXTRA)));
    return this.pack();
  }

  private pack(): Uint32Array {
    const n = this.n;
    const b = this.buf.subarray(0, n);
    b.sort();
    if (this.outBuf.length < n) this.outBuf = new Uint32Array(this.buf.length);
    let k = 0;
    let i = 0;
    while (i < n) {
      const v = b[i];
      let j = i + 1;
      while (j < n && b[j] === v) j++;
      const tf = Math.min(j - i, TF_MAX);
      this.outBuf[k++] = ((v << TF_BITS) | tf) >>> 0;
      i = j;
    }
    return this.outBuf.subarray(0, k);
  }
}

export const bucketOf = (e: number) => e >>> TF_BITS;
export const tfOf = (e: number) => e & TF_MAX;

/** 1 + ln(tf) for every representable count: sublinear term frequency. */
export const SUBLINEAR_TF: Float64Array = (() => {
  const t = new Float64Array(TF_MAX + 1);
  for (let i = 1; i <= TF_MAX; i++) t[i] = 1 + Math.log(i);
  return t;
})();
