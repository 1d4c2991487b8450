import type { Db } from '../platform/db.ts';

export interface DemoAccount {
  username: string;
  password: string;
  role: string;
  displayName: string;
  unit?: string;
}

/** Loads the demo county (placeholder until the full demo lands). */
export async function seedDemo(_db: Db, _opts: { log?: (m: string) => void } = {}): Promise<DemoAccount[]> {
  return [];
}
