import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { mkdirSync } from 'node:fs';
import { createHash } from 'node:crypto';

/**
 * One small interface over both drivers, so every feature writes plain
 * PostgreSQL once and it runs on the embedded PGlite and on a server alike.
 */
export interface QueryOptions {
  /**
   * Keep the statement prepared on each server connection: a hot statement
   * with a large plan (the intake batch) is then parsed and planned once per
   * connection instead of on every call. The embedded database ignores it.
   */
  prepare?: boolean;
}

export interface Queryable {
  query<T = Record<string, any>>(sql: string, params?: unknown[], opts?: QueryOptions): Promise<T[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs fn in one transaction; rolls back if it throws. */
  tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export async function one<T>(q: Queryable, sql: string, params?: unknown[]): Promise<T> {
  const rows = await q.query<T>(sql, params);
  if (rows.length !== 1) throw new Error(`expected one row, got ${rows.length}`);
  return rows[0];
}

export async function maybeOne<T>(q: Queryable, sql: string, params?: unknown[]): Promise<T | undefined> {
  const rows = await q.query<T>(sql, params);
  return rows[0];
}

// int8 and numeric come back as strings from node-postgres; counts and ids we
// keep inside the safe-integer range are cast in SQL (::int) where they matter.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

const statementNames = new Map<string, string>();

/** A node-postgres query config; prepared ones are named after their text, so one name never means two statements. */
function pgQuery(sql: string, params: unknown[] | undefined, opts: QueryOptions | undefined, prepare: boolean): pg.QueryConfig {
  if (!opts?.prepare || !prepare) return { text: sql, values: params as any[] };
  let name = statementNames.get(sql);
  if (!name) {
    name = `z_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
    statementNames.set(sql, name);
  }
  return { name, text: sql, values: params as any[] };
}

class PostgresDb implements Db {
  readonly kind = 'postgres' as const;
  constructor(
    readonly pool: pg.Pool,
    private readonly prepare: boolean,
  ) {}
  async query<T>(sql: string, params?: unknown[], opts?: QueryOptions): Promise<T[]> {
    const r = await this.pool.query(pgQuery(sql, params, opts, this.prepare));
    return r.rows as T[];
  }
  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }
  async tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const q: Queryable = {
        query: async <R>(sql: string, params?: unknown[], opts?: QueryOptions) => (await client.query(pgQuery(sql, params, opts, this.prepare))).rows as R[],
        exec: async (sql: string) => {
          await client.query(sql);
        },
      };
      const result = await fn(q);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }
  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** A database error as the embedded database's thread sent it, with its fields (code, column, detail, constraint, ...) back on an Error. */
function revive(e: Record<string, unknown>): Error {
  const err = new Error(String(e.message));
  Object.assign(err, e);
  return err;
}

/**
 * The embedded database, run on a thread of its own (pglite-worker.mjs) so
 * that a long statement never stops the event loop. Queries are messages;
 * PGlite there serialises them and holds its one connection for a
 * transaction, exactly as it did on this thread.
 */
export class PgliteDb implements Db {
  readonly kind = 'pglite' as const;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (rows: any) => void; reject: (e: Error) => void }>();
  private failure: Error | undefined;
  private closed = false;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: { id: number; rows?: unknown; error?: Record<string, unknown> }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (!this.pending.size) worker.unref();
      if (m.error) p.reject(revive(m.error));
      else p.resolve(m.rows);
    });
    const fail = (err: Error) => {
      this.failure ??= err;
      for (const p of this.pending.values()) p.reject(this.failure);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the embedded database's thread exited (${code})`)));
    worker.unref();
  }

  static async open(dataDir: string | undefined, durable: boolean): Promise<PgliteDb> {
    const worker = new Worker(new URL('./pglite-worker.mjs', import.meta.url), { workerData: { dataDir, durable } });
    await new Promise<void>((resolve, reject) => {
      const onMessage = (m: { ready?: boolean }) => {
        if (!m.ready) return;
        cleanup();
        resolve();
      };
      const onError = (err: Error) => {
        cleanup();
        reject(err);
      };
      const onExit = (code: number) => onError(new Error(`the embedded database's thread exited (${code})`));
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    });
    return new PgliteDb(worker);
  }

  /** One request to the database's thread; the thread keeps the process alive only while a request is out. */
  private call<T>(m: { op: string; sql?: string; params?: unknown[]; tx?: number }): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the embedded database is closed'));
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      if (!this.pending.size) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...m, id });
    });
  }

  query<T>(sql: string, params?: unknown[]): Promise<T[]> {
    return this.call<T[]>({ op: 'query', sql, params });
  }
  async exec(sql: string): Promise<void> {
    await this.call({ op: 'exec', sql });
  }
  async tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    const tx = this.nextId++;
    await this.call({ op: 'begin', tx });
    let result: T;
    try {
      result = await fn({
        query: <R>(sql: string, params?: unknown[]) => this.call<R[]>({ op: 'query', sql, params, tx }),
        exec: async (sql: string) => {
          await this.call({ op: 'exec', sql, tx });
        },
      });
    } catch (err) {
      await this.call({ op: 'rollback', tx }).catch(() => {});
      throw err;
    }
    await this.call({ op: 'commit', tx });
    return result;
  }
  /** How many times the database's files were flushed so far (tests: acknowledged writes were flushed). */
  flushes(): Promise<number> {
    return this.call<number>({ op: 'flushes' });
  }
  async close(): Promise<void> {
    if (this.closed) return;
    if (!this.failure) await this.call({ op: 'close' }).catch(() => {});
    this.closed = true;
    await this.worker.terminate();
  }
}

export interface OpenOptions {
  poolSize?: number;
  /** false: never keep statements prepared, whatever a query asks (Config.pgPrepare). */
  prepare?: boolean;
  /** Embedded database: flush written files before acknowledging a write (Config.embeddedFsync; default true). */
  durable?: boolean;
}

/**
 * url: postgres://... for a server; otherwise a PGlite data directory
 * (a path, or "memory://" for a throwaway database).
 */
export async function openDb(url: string, opts: OpenOptions = {}): Promise<Db> {
  if (/^postgres(ql)?:\/\//.test(url)) {
    // JIT compiling costs more than it saves on these short OLTP queries (100+ ms on a search plan).
    const pool = new pg.Pool({ connectionString: url, max: opts.poolSize ?? 20, options: '-c jit=off' });
    pool.on('error', () => {}); // idle client errors surface on the next query
    await pool.query('select 1');
    return new PostgresDb(pool, opts.prepare ?? true);
  }
  if (url !== 'memory://') mkdirSync(url, { recursive: true });
  return PgliteDb.open(url === 'memory://' ? undefined : url, opts.durable ?? true);
}

/**
 * Creates a throwaway database on the server at baseUrl (tests and benchmarks),
 * returning its URL and a drop function.
 */
export async function createScratchDatabase(baseUrl: string, prefix = 'zhili_t'): Promise<{ url: string; drop(): Promise<void> }> {
  const { randomBytes } = await import('node:crypto');
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
