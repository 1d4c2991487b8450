/**
 * A small pool of worker threads for training: the classes of a one-vs-rest
 * model are independent problems, so each worker takes the next class until
 * none is left. The design sits in shared memory (no copies); the main
 * thread only waits, so a server retraining in the background stays
 * responsive. Results are identical to training in one thread (every class
 * has its own seed).
 *
 * Workers run TypeScript through tsx (a dependency); if they cannot start,
 * training falls back to the calling thread. ZHILI_CLASSIFIER_WORKERS sets
 * the number of workers (0 or 1: none).
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { DesignArrays, SvmOptions } from './dcd.ts';

/** Designs with at least this many non-zeros are allocated in shared memory. */
export const PARALLEL_MIN_NNZ = 1 << 20;
/** Problems smaller than this (non-zeros x classes) are not worth a worker's start-up. */
export const PARALLEL_MIN_WORK = 1 << 24;

type Ctor<T> = { new (buf: ArrayBufferLike | number): T; BYTES_PER_ELEMENT: number };

export function shared<T>(C: Ctor<T>, n: number, share = true): T {
  return share ? new C(new SharedArrayBuffer(Math.max(1, n) * C.BYTES_PER_ELEMENT)) : new C(n);
}

export function isShared(a: ArrayBufferView): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && a.buffer instanceof SharedArrayBuffer;
}

export function workerCount(): number {
  const env = process.env.ZHILI_CLASSIFIER_WORKERS;
  if (env !== undefined && env !== '') return Math.max(0, Math.floor(Number(env)) || 0);
  return Math.min(4, availableParallelism());
}

interface Job {
  k: number;
  resolve: (r: ClassResult) => void;
  reject: (e: Error) => void;
}

export interface ClassResult {
  k: number;
  w: Float32Array;
  wb: number;
}

let pool: Worker[] | undefined;
let broken = false;
/** One model trains in the pool at a time (the workers' listeners are per run). */
let queue: Promise<unknown> = Promise.resolve();

function startPool(size: number): Worker[] {
  const workers: Worker[] = [];
  for (let i = 0; i < size; i++) {
    const w = new Worker(new URL('./dcd-boot.mjs', import.meta.url));
    w.unref();
    workers.push(w);
  }
  return workers;
}

/** Trains classes 0..problems-1 in the pool; undefined if the pool is unavailable (the caller trains in-thread). */
export function trainInWorkers(d: DesignArrays, xx: Float64Array, problems: number, o: Omit<SvmOptions, 'tick'>): Promise<ClassResult[] | undefined> {
  const run = queue.then(() => runInPool(d, xx, problems, o));
  queue = run.catch(() => undefined);
  return run;
}

async function runInPool(d: DesignArrays, xx: Float64Array, problems: number, o: Omit<SvmOptions, 'tick'>): Promise<ClassResult[] | undefined> {
  if (broken) return undefined;
  try {
    pool ??= startPool(workerCount());
  } catch {
    broken = true;
    return undefined;
  }
  const design = { n: d.n, nFeat: d.nFeat, ptr: d.ptr, cols: d.cols, vals: d.vals, y: d.y };
  const results: ClassResult[] = [];
  let next = 0;
  let failed: Error | undefined;
  const runOn = (w: Worker) =>
    new Promise<void>((resolve) => {
      const onMessage = (m: any) => {
        if (m.error) {
          failed ??= new Error(m.error);
          cleanup();
          return resolve();
        }
        results.push({ k: m.k, w: m.w, wb: m.wb });
        step();
      };
      const onError = (e: Error) => {
        failed ??= e;
        cleanup();
        resolve();
      };
      const cleanup = () => {
        w.off('message', onMessage);
        w.off('error', onError);
        w.unref();
      };
      const step = () => {
        if (failed || next >= problems) {
          cleanup();
          return resolve();
        }
        w.postMessage({ design, xx, k: next++, o });
      };
      w.ref();
      w.on('message', onMessage);
      w.on('error', onError);
      step();
    });
  await Promise.all(pool.map(runOn));
  if (failed) {
    // a pool that cannot run (e.g. tsx missing) is not tried again; training continues in this thread
    broken = true;
    for (const w of pool) void w.terminate();
    pool = undefined;
    process.emitWarning(`classifier workers unavailable, training in one thread: ${failed.message}`);
    return undefined;
  }
  return results;
}

/** Stops the workers (tests, shutdown). */
export async function stopWorkers(): Promise<void> {
  const p = pool;
  pool = undefined;
  if (p) await Promise.all(p.map((w) => w.terminate()));
}
