/**
 * Where a training runs. By default in a child process of its own (forked
 * from train-boot.mjs, at below-normal CPU priority): its features, designs
 * and solver never touch the server's event loop or heap, and its memory goes
 * back to the system when it exits. The server only reads the training cases
 * page by page and passes each page on (one page in flight), then stores the
 * model it gets back. If the process cannot start, training falls back to the
 * server's thread, in slices that yield to requests (the former behaviour).
 *
 * ZHILI_CLASSIFIER_TRAIN_IN=inline forces the fallback.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism, constants as osConstants, setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { makeTick } from './linear.ts';
import { TextClassifierModel } from './model.ts';
import { RowSink, type TrainOptions, type TrainOutcome, type TrainingRow } from './trainer.ts';

export type TrainIn = 'process' | 'inline';

export interface TrainerHandle {
  readonly where: TrainIn;
  /** Hands a page of rows over; resolves when it is taken in (so the caller can drop it). */
  add(rows: TrainingRow[]): Promise<void>;
  train(): Promise<TrainOutcome & { peakRssMb?: number }>;
  /** Ends the training (kills the process); safe to call twice. */
  close(): void;
}

const BOOT = fileURLToPath(new URL('./train-boot.mjs', import.meta.url));

export async function startTrainer(where: TrainIn, options: TrainOptions, log?: (m: string) => void): Promise<TrainerHandle> {
  if (where === 'process') {
    try {
      return await startProcess(options, log);
    } catch (err) {
      log?.(`training process unavailable, training in the server's thread: ${(err as Error).message}`);
    }
  }
  return inline(options, log);
}

function inline(options: TrainOptions, log?: (m: string) => void): TrainerHandle {
  const sink = new RowSink(options.kind);
  const tick = makeTick();
  return {
    where: 'inline',
    async add(rows) {
      // featurising is the costly part of reading: a slice at a time
      for (let i = 0; i < rows.length; i += 64) {
        sink.add(rows.slice(i, i + 64));
        const w = tick();
        if (w) await w;
      }
    },
    train: () => sink.train(options, { tick: makeTick(), log }),
    close() {},
  };
}

async function startProcess(options: TrainOptions, log?: (m: string) => void): Promise<TrainerHandle> {
  const child: ChildProcess = fork(BOOT, [], {
    serialization: 'advanced',
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: {
      ...process.env,
      // leave a core to the server: the training process trains in its own thread unless told otherwise
      ZHILI_CLASSIFIER_WORKERS: process.env.ZHILI_CLASSIFIER_WORKERS ?? String(Math.max(1, availableParallelism() - 1)),
    },
  });
  let waiter: { resolve: (m: any) => void; reject: (e: Error) => void } | undefined;
  let ended: Error | undefined;
  const fail = (e: Error) => {
    ended ??= e;
    const w = waiter;
    waiter = undefined;
    w?.reject(ended);
  };
  child.on('message', (m: any) => {
    if (m?.type === 'log') return log?.(m.msg);
    const w = waiter;
    waiter = undefined;
    if (m?.type === 'error') w?.reject(new Error(`training process: ${m.error}`));
    else w?.resolve(m);
  });
  child.on('error', fail);
  child.on('exit', (code, signal) => fail(new Error(`training process exited (${signal ?? code})`)));
  const request = (msg: unknown) =>
    new Promise<any>((resolve, reject) => {
      if (ended) return reject(ended);
      waiter = { resolve, reject };
      child.send(msg as any, (err) => err && fail(err));
    });
  try {
    // a background job: the server's requests come first when the cores are busy
    setPriority(child.pid!, osConstants.priority.PRIORITY_BELOW_NORMAL);
  } catch {
    /* not permitted here: it runs at normal priority */
  }
  const close = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  try {
    await request({ type: 'start', options });
  } catch (err) {
    close();
    throw err;
  }
  return {
    where: 'process',
    async add(rows) {
      await request({ type: 'rows', rows });
    },
    async train() {
      const m = await request({ type: 'train' });
      return { ...m.outcome, model: m.model ? TextClassifierModel.fromBuffer(m.model) : undefined, peakRssMb: m.peakRssMb };
    },
    close,
  };
}
