import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { openDb, createScratchDatabase, type Db } from '../src/platform/db.ts';

export interface BenchDb {
  name: 'pglite' | 'postgres';
  db: Db;
  /** postgres://... or the PGlite data directory. */
  url: string;
  /** Environment that points a zhili server process at this database. */
  serverEnv: Record<string, string>;
  dispose(): Promise<void>;
}

/** A fresh database: PGlite on disk in a temp dir (as users run it), or a scratch database on BENCH_DATABASE_URL. */
export async function openBenchDb(kind: 'pglite' | 'postgres', poolSize = 40): Promise<BenchDb | undefined> {
  if (kind === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'zhili-bench-'));
    const url = join(dir, 'pglite');
    const db = await openDb(url);
    return { name: 'pglite', db, url, serverEnv: { ZHILI_DATA_DIR: dir, DATABASE_URL: '' }, dispose: () => db.close() };
  }
  const base = process.env.BENCH_DATABASE_URL;
  if (!base) return undefined;
  const scratch = await createScratchDatabase(base, 'zhili_bench');
  const db = await openDb(scratch.url, { poolSize });
  return {
    name: 'postgres',
    db,
    url: scratch.url,
    serverEnv: { DATABASE_URL: scratch.url },
    async dispose() {
      await db.close();
      await scratch.drop();
    },
  };
}

export const quietLogger = () => pino({ level: 'silent' });

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : 'NaN');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

const BIN = fileURLToPath(new URL('../bin/zhili.js', import.meta.url));

/** Starts `zhili serve` in its own process, as in production, and waits until it is ready. */
export async function spawnServer(env: Record<string, string>, nodeArgs: string[] = []): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, BIN, 'serve', '--no-demo'], {
    // A PostgreSQL start without demo data is a production start, which needs the persons' key (src/registers/kit/persons.ts): a throwaway one here.
    env: { ZHILI_PERSON_KEY: 'b'.repeat(64), ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ZHILI_WEB_DIR: '/nonexistent' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
