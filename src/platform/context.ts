import type { Config } from './config.ts';
import type { Db } from './db.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import type { Storage } from './storage.ts';

/** What every service and route is built from: one per server instance. */
export interface Kernel {
  db: Db;
  config: Config;
  log: Logger;
  metrics: Metrics;
  storage: Storage;
  /** The application's clock (epoch ms); replaceable so demo data can be replayed at planned times. */
  now?: () => number;
}

/** Finds the grid (and so the division chain) of a point; kept current as grids change. */
export interface Locator {
  locate(lng: number, lat: number): { gridId: string; divisionCode: string } | null;
  /** Rebuilds the index after grids changed (admin edits, imports). */
  refresh(): Promise<void>;
}

/**
 * The typed services of one server instance. Each feature adds the services it
 * offers by declaration merging (as Fastify decorators are typed), e.g.
 *
 *   declare module '../platform/context.ts' { interface Services { notifier: Notifier } }
 *
 * and src/services.ts builds all of them in one place: a service left out
 * there is a type error, and `assertWired` refuses to start without one.
 */
export interface Services {
  locator: Locator;
}

/** Everything a feature's routes need. */
export interface Ctx extends Kernel {
  readonly services: Services;
}

/** Start-up check that every service is present (a value cast or built as undefined is caught here, not at the first request). */
export function assertWired(services: Services): void {
  const missing = Object.entries(services).filter(([, v]) => v == null).map(([k]) => k);
  if (missing.length) throw new Error(`services not wired: ${missing.join(', ')}`);
}
