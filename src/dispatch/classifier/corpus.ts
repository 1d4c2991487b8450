/**
 * A labelled corpus held as hashed sparse rows: one 32-bit word per distinct
 * feature of a document (bucket and count packed), not the texts. A million
 * messages of ~100 characters take ~1 GB here, the texts themselves are not
 * kept, and nothing is ever dense.
 */
import { Featurizer, DEFAULT_FEATURES, type FeatureOptions } from './features.ts';
import { shared } from './pool.ts';

export class Corpus {
  constructor(
    readonly n: number,
    /** Row i is data[ptr[i] .. ptr[i+1]). */
    readonly ptr: Float64Array,
    readonly data: Uint32Array,
    /** Label index of each row into `labels`. */
    readonly y: Int32Array,
    readonly labels: string[],
    readonly features: FeatureOptions,
  ) {}

  /** Number of rows of each label. */
  counts(rows?: ArrayLike<number>): Int32Array {
    const c = new Int32Array(this.labels.length);
    if (rows) for (let i = 0; i < rows.length; i++) c[this.y[rows[i]]]++;
    else for (let i = 0; i < this.n; i++) c[this.y[i]]++;
    return c;
  }
}

function copyShared(a: Uint32Array): Uint32Array {
  const out = shared(Uint32Array, a.length);
  out.set(a);
  return out;
}

export class CorpusBuilder {
  private ptr = new Float64Array(1024);
  // shared memory, so a design built in place can go to worker threads as is
  private data = shared(Uint32Array, 1 << 16);
  private y = new Int32Array(1024);
  private nnz = 0;
  private n = 0;
  private readonly labelIndex = new Map<string, number>();
  readonly labels: string[] = [];
  readonly featurizer: Featurizer;

  constructor(readonly features: FeatureOptions = DEFAULT_FEATURES) {
    this.featurizer = new Featurizer(features);
  }

  get size(): number {
    return this.n;
  }

  add(text: string, label: string, extras?: readonly string[]): void {
    let li = this.labelIndex.get(label);
    if (li === undefined) {
      li = this.labels.length;
      this.labels.push(label);
      this.labelIndex.set(label, li);
    }
    const row = this.featurizer.extract(text, extras);
    if (this.n + 2 > this.ptr.length) {
      const p = new Float64Array(this.ptr.length * 2);
      p.set(this.ptr);
      this.ptr = p;
      const y = new Int32Array(this.y.length * 2);
      y.set(this.y);
      this.y = y;
    }
    if (this.nnz + row.length > this.data.length) {
      // grow by half: at a million rows a doubling would briefly need 3x the memory
      let size = this.data.length;
      while (this.nnz + row.length > size) size = Math.ceil(size * 1.5);
      const d = shared(Uint32Array, size);
      d.set(this.data.subarray(0, this.nnz));
      this.data = d;
    }
    this.data.set(row, this.nnz);
    this.nnz += row.length;
    this.y[this.n] = li;
    this.n++;
    this.ptr[this.n] = this.nnz;
  }

  build(): Corpus {
    return new Corpus(
      this.n,
      this.ptr.slice(0, this.n + 1),
      // no copy when little is wasted: at a million rows a copy would double the peak
      this.nnz > this.data.length * 0.75 ? this.data.subarray(0, this.nnz) : copyShared(this.data.subarray(0, this.nnz)),
      this.y.slice(0, this.n),
      [...this.labels],
      this.features,
    );
  }
}

/** The same rows under new labels (e.g. rare leaf categories folded into their parent). */
export function relabel(corpus: Corpus, map: (label: string, count: number) => string): Corpus {
  const counts = corpus.counts();
  const labels: string[] = [];
  const index = new Map<string, number>();
  const to = corpus.labels.map((l, i) => {
    const m = map(l, counts[i]);
    let j = index.get(m);
    if (j === undefined) {
      j = labels.length;
      labels.push(m);
      index.set(m, j);
    }
    return j;
  });
  const y = new Int32Array(corpus.n);
  for (let i = 0; i < corpus.n; i++) y[i] = to[corpus.y[i]];
  return new Corpus(corpus.n, corpus.ptr, corpus.data, y, labels, corpus.features);
}
