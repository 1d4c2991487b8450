/**
 * Housekeeping on a timer: each feature offers chores (drop expired sessions,
 * one-time codes and idempotency keys, uploads never attached), the server
 * runs them hourly, the first a minute after start. Every chore deletes in
 * single statements, so several instances running the same chore never
 * remove a thing twice. A failing chore is logged and tried again next time.
 */
import type { Kernel } from './context.ts';

export interface Chore {
  name: string;
  /** Does the work; returns how many things it removed (logged when not 0). */
  run(): Promise<number>;
}

export function startChores(k: Pick<Kernel, 'log'>, chores: Chore[], everyMs = 3_600_000, firstMs = 60_000): { stop(): Promise<void>; runNow(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const once = async () => {
    for (const c of chores) {
      if (stopped) return;
      try {
        const n = await c.run();
        if (n) k.log.info(`housekeeping: ${c.name}: ${n} removed`);
      } catch (err) {
        k.log.warn({ err }, `housekeeping: ${c.name} failed; next time`);
      }
    }
  };
  const run = () => {
    if (stopped) return;
    running = running.then(once);
  };
  const first = setTimeout(run, firstMs);
  const timer = setInterval(run, everyMs);
  first.unref();
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
    async runNow() {
      run();
      await running;
    },
  };
}
