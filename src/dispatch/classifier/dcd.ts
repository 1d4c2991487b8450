/**
 * Dual coordinate descent for one binary L2-regularised linear SVM
 * (Hsieh et al. 2008; LIBLINEAR -s 1 for the squared hinge, -s 3 for the
 * hinge), with shrinking. It runs in slices of coordinate steps so a long
 * training can yield to the event loop, and depends on nothing but the
 * design arrays, so worker threads run the very same code.
 */
import { rng } from './rng.ts';

/** The arrays of a design matrix a solver needs (see linear.ts). */
export interface DesignArrays {
  n: number;
  nFeat: number;
  ptr: Int32Array;
  cols: Int32Array;
  vals: Float32Array;
  y: Int32Array;
}

export interface SvmOptions {
  C: number;
  /** Value of the constant feature that carries the bias (LIBLINEAR's -B). */
  bias: number;
  /** Weight per class multiplying C for that class' rows (null: all 1). */
  classWeight?: Float64Array | null;
  maxIter: number;
  eps: number;
  seed: number;
  /** 'l2': squared hinge (LIBLINEAR -s 1, the default); 'l1': hinge (-s 3). */
  loss?: 'l1' | 'l2';
  tick?: () => Promise<void> | undefined;
}

/** One binary problem: rows of class k against the rest. */
export class BinaryDcd {
  readonly w: Float64Array;
  wb = 0;
  private readonly alpha: Float64Array;
  private readonly index: Int32Array;
  private readonly yk: Int8Array;
  private readonly diag: Float64Array;
  private readonly upper: Float64Array;
  private readonly rand: () => number;
  private iter = 0;
  private s = 0;
  private activeSize: number;
  private PGmaxOld = Infinity;
  private PGminOld = -Infinity;
  private PGmaxNew = -Infinity;
  private PGminNew = Infinity;
  done = false;

  get iterations(): number {
    return this.iter;
  }

  constructor(
    private readonly d: DesignArrays,
    private readonly xx: Float64Array,
    k: number,
    private readonly o: SvmOptions,
    w: Float64Array,
  ) {
    const n = d.n;
    this.w = w;
    w.fill(0);
    this.alpha = new Float64Array(n);
    this.index = new Int32Array(n);
    this.yk = new Int8Array(n);
    this.diag = new Float64Array(n);
    this.upper = new Float64Array(n);
    const l1 = o.loss === 'l1';
    for (let i = 0; i < n; i++) {
      this.yk[i] = d.y[i] === k ? 1 : -1;
      const Ci = o.C * (o.classWeight && d.y[i] >= 0 ? o.classWeight[d.y[i]] : 1);
      this.diag[i] = l1 ? 0 : 0.5 / Ci;
      this.upper[i] = l1 ? Ci : Infinity;
      this.index[i] = i;
    }
    this.rand = rng((o.seed + Math.imul(0x9e3779b1, k + 1)) >>> 0);
    this.activeSize = n;
    this.shuffle();
  }

  private shuffle() {
    const { index, rand } = this;
    const a = this.activeSize;
    for (let i = 0; i < a; i++) {
      const j = i + Math.floor(rand() * (a - i));
      const t = index[i];
      index[i] = index[j];
      index[j] = t;
    }
  }

  /** Runs up to `budget` coordinate steps; returns true when converged (or out of iterations). */
  run(budget: number): boolean {
    const { ptr, cols, vals } = this.d;
    const { w, alpha, index, yk, diag, upper, xx } = this;
    const n = this.d.n;
    const bias = this.o.bias;
    const eps = this.o.eps;
    let { wb, s, activeSize, PGmaxOld, PGminOld, PGmaxNew, PGminNew } = this;
    while (!this.done && budget > 0) {
      if (s >= activeSize) {
        // end of an epoch
        this.iter++;
        if (PGmaxNew - PGminNew <= eps) {
          if (activeSize === n) {
            this.done = true;
            break;
          }
          activeSize = n;
          PGmaxOld = Infinity;
          PGminOld = -Infinity;
        } else {
          PGmaxOld = PGmaxNew <= 0 ? Infinity : PGmaxNew;
          PGminOld = PGminNew >= 0 ? -Infinity : PGminNew;
        }
        if (this.iter >= this.o.maxIter) {
          this.done = true;
          break;
        }
        PGmaxNew = -Infinity;
        PGminNew = Infinity;
        s = 0;
        this.activeSize = activeSize;
        this.shuffle();
        continue;
      }
      budget--;
      const i = index[s];
      const yi = yk[i];
      const p0 = ptr[i];
      const p1 = ptr[i + 1];
      let dot = wb * bias;
      for (let p = p0; p < p1; p++) dot += w[cols[p]] * vals[p];
      const ai = alpha[i];
      const G = yi * dot - 1 + ai * diag[i];
      let PG = 0;
      if (ai === 0) {
        if (G > PGmaxOld) {
          activeSize--;
          index[s] = index[activeSize];
          index[activeSize] = i;
          continue;
        } else if (G < 0) PG = G;
      } else if (ai === upper[i]) {
        if (G < PGminOld) {
          activeSize--;
          index[s] = index[activeSize];
          index[activeSize] = i;
          continue;
        } else if (G > 0) PG = G;
      } else PG = G;
      if (PG > PGmaxNew) PGmaxNew = PG;
      if (PG < PGminNew) PGminNew = PG;
      if (Math.abs(PG) > 1e-12) {
        const an = Math.min(Math.max(ai - G / (xx[i] + diag[i]), 0), upper[i]);
        alpha[i] = an;
        const delta = (an - ai) * yi;
        if (delta !== 0) {
          for (let p = p0; p < p1; p++) w[cols[p]] += delta * vals[p];
          wb += delta * bias;
        }
      }
      s++;
    }
    Object.assign(this, { wb, s, activeSize, PGmaxOld, PGminOld, PGmaxNew, PGminNew });
    return this.done;
  }
}

