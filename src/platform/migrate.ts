import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.ts';

const SRC = fileURLToPath(new URL('..', import.meta.url));

export interface Migration {
  name: string;
  sql: string;
}

/** Folders whose sub-folders are features of their own, each with its migrations (src/registers/<name>/migrations). */
export const NESTED_FEATURES = ['registers'];

/** The folders that may hold migrations, relative to src/ ('cases', 'registers/disputes', ...). */
export function migrationFolders(srcDir = SRC): string[] {
  const out: string[] = [];
  for (const feature of readdirSync(srcDir, { withFileTypes: true })) {
    if (!feature.isDirectory()) continue;
    out.push(feature.name);
    if (NESTED_FEATURES.includes(feature.name)) {
      for (const sub of readdirSync(join(srcDir, feature.name), { withFileTypes: true })) if (sub.isDirectory()) out.push(`${feature.name}/${sub.name}`);
    }
  }
  return out;
}

/**
 * Migrations live beside the feature that owns them, in src/<feature>/migrations/*.sql
 * (src/registers/<name>/migrations/*.sql for a register). File names start with a
 * timestamp, so one global order holds across features; a name used twice stops the start.
 */
export function listMigrations(srcDir = SRC): Migration[] {
  const out: Migration[] = [];
  const seen = new Map<string, string>();
  for (const folder of migrationFolders(srcDir)) {
    const dir = join(srcDir, folder, 'migrations');
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) {
      if (!f.endsWith('.sql')) continue;
      const name = basename(f, '.sql');
      const prior = seen.get(name);
      if (prior) throw new Error(`migration ${name} exists in src/${prior}/migrations and src/${folder}/migrations: names must be unique`);
      seen.set(name, folder);
      out.push({ name, sql: readFileSync(join(dir, f), 'utf8') });
    }
  }
  out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return out;
}

/** Applies pending migrations, each in its own transaction, under an advisory lock so several instances may start at once. */
export async function migrate(db: Db, log: (msg: string) => void = () => {}): Promise<string[]> {
  await db.tx(async (q) => {
    await q.query(`SELECT pg_advisory_xact_lock(74205)`);
    await q.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
  });
  const applied: string[] = [];
  for (const m of listMigrations()) {
    const done = await db.tx(async (q) => {
      await q.query(`SELECT pg_advisory_xact_lock(74205)`);
      const seen = await q.query(`SELECT 1 FROM schema_migrations WHERE name = $1`, [m.name]);
      if (seen.length) return false;
      await q.exec(m.sql);
      await q.query(`INSERT INTO schema_migrations (name) VALUES ($1)`, [m.name]);
      return true;
    });
    if (done) {
      applied.push(m.name);
      log(`migration applied: ${m.name}`);
    }
  }
  return applied;
}
