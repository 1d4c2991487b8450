/**
 * The register kit as the registers' demo seeds use it: the person vault on
 * the demo's key, and entity clocks on the loaded calendars and policies,
 * whose refresh timer is stopped when the seed is done.
 */
import type { Db } from '../platform/db.ts';
import { EntityClocks, TimeLimits } from '../timelimits/index.ts';
import { loadPersonKey, PersonVault } from '../registers/kit/index.ts';

export async function withRegisterKit<T>(db: Db, fn: (kit: { vault: PersonVault; clocks: EntityClocks }) => Promise<T>): Promise<T> {
  const vault = new PersonVault(loadPersonKey(process.env, { databaseUrl: process.env.DATABASE_URL ?? '', demo: true }).key);
  const timeLimits = new TimeLimits(db);
  await timeLimits.init(3_600_000);
  try {
    return await fn({ vault, clocks: new EntityClocks(timeLimits) });
  } finally {
    timeLimits.stop();
  }
}
