import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
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
  /** Whether the database answers; tells its listeners once when it stops and once when it is back. */
  readonly availability: Availability;
  /** Runs fn in one transaction; rolls back if it throws. */
  tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * The database could not do the work for reasons that pass (it is down,
 * frozen, restarting, or the server is overloaded): a 503 with Retry-After
 * for the client, not a 500 with a stack trace.
 */
export class DbUnavailable extends Error {
  constructor(
    message: string,
    /** Seconds a client should wait before retrying. */
    readonly retryAfter = 5,
    readonly code = 'db_unavailable',
  ) {
    super(message);
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN']);
// SQLSTATE: 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now, 53300 too many connections,
// 57014 statement timeout / cancel, 25P03 idle-in-transaction timeout; class 08: connection exceptions.
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300', '57014', '25P03']);
const UNAVAILABLE_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|connection timeout/i;

/** Is err the database being unreachable, frozen or overloaded (rather than a fault in the request or in our code)? */
export function isUnavailable(err: unknown): boolean {
  if (err instanceof DbUnavailable) return true;
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (typeof e.code === 'string' && (NETWORK_CODES.has(e.code) || UNAVAILABLE_STATES.has(e.code) || e.code.startsWith('08'))) return true;
  return typeof e.message === 'string' && UNAVAILABLE_MESSAGES.test(e.message);
}

type AvailabilityListener = (event: { down: true; error: unknown } | { down: false; downForMs: number }) => void;

/** Down on the first unavailable error, up on the next success: one event each way, however many requests fail between. */
export class Availability {
  private downSince: number | undefined;
  private readonly listeners: AvailabilityListener[] = [];
  get down(): boolean {
    return this.downSince !== undefined;
  }
  onChange(l: AvailabilityListener): void {
    this.listeners.push(l);
  }
  failed(error: unknown): void {
    if (this.downSince !== undefined || !isUnavailable(error) || error instanceof DbOverloaded) return;
    this.downSince = Date.now();
    for (const l of this.listeners) l({ down: true, error });
  }
  succeeded(): void {
    if (this.downSince === undefined) return;
    const downForMs = Date.now() - this.downSince;
    this.downSince = undefined;
    for (const l of this.listeners) l({ down: false, downForMs });
  }
  /** Runs work against the database, noting whether it could reach it. */
  async track<T>(work: Promise<T>): Promise<T> {
    try {
      const r = await work;
      this.succeeded();
      return r;
    } catch (err) {
      this.failed(err);
      throw err;
    }
  }
}

/** More requests wait for the database than it can serve soon: refuse new ones at once instead of queueing without bound. */
export class DbOverloaded extends DbUnavailable {
  constructor(waiting: number) {
    super(`the database is busy (${waiting} requests waiting); retry shortly`, 1, 'db_overloaded');
  }
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
  readonly availability = new Availability();
  constructor(
    readonly pool: pg.Pool,
    private readonly prepare: boolean,
    private readonly maxWaiting: number,
  ) {}
  private admit(): void {
    if (this.pool.waitingCount >= this.maxWaiting) throw new DbOverloaded(this.pool.waitingCount);
  }
  async query<T>(sql: string, params?: unknown[], opts?: QueryOptions): Promise<T[]> {
    this.admit();
    const r = await this.availability.track(this.pool.query(pgQuery(sql, params, opts, this.prepare)));
    return r.rows as T[];
  }
  async exec(sql: string): Promise<void> {
    this.admit();
    await this.availability.track(this.pool.query(sql));
  }
  async tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    this.admit();
    const client = await this.availability.track(this.pool.connect());
    let broken: unknown;
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
      this.availability.failed(err);
      // a connection that timed out or broke is not given back to the pool
      if (isUnavailable(err)) broken = err;
      else await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release(broken ? true : undefined);
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

/** The data directory is held by another live process: PGlite allows one process per directory. */
export class DataDirInUse extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `the embedded database in ${dataDir} is in use by process ${pid} (a running zhili server?): stop it first` +
        ` (for a backup of a running server: POST /api/admin/backup) 数据目录正被进程 ${pid} 使用，请先停止服务`,
    );
  }
}

/** The lock file beside a data directory (not in it: PGlite's backups would carry it, and an empty directory must stay empty). */
export const lockFileOf = (dataDir: string) => `${resolve(dataDir)}.lock`;

const held = new Map<string, number>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the data directory's lock file (it holds the owner's pid) or throws
 * DataDirInUse naming the live process that holds it. A lock left by a
 * process that died (kill -9, power cut) is taken over. Opening the same
 * directory again in one process shares the lock.
 */
export function lockDataDir(dataDir: string): () => void {
  const path = lockFileOf(dataDir);
  const release = () => {
    const n = (held.get(path) ?? 1) - 1;
    if (n > 0) return void held.set(path, n);
    held.delete(path);
    try {
      if (Number(readFileSync(path, 'utf8')) === process.pid) unlinkSync(path);
    } catch {
      /* already gone */
    }
  };
  if (held.has(path)) {
    held.set(path, held.get(path)! + 1);
    return release;
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      held.set(path, 1);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let pid = NaN;
      try {
        pid = Number(readFileSync(path, 'utf8').trim());
      } catch {
        continue; // removed meanwhile: try again
      }
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) throw new DataDirInUse(resolve(dataDir), pid);
      try {
        unlinkSync(path); // stale: its process is gone
      } catch {
        /* another process took it over first */
      }
    }
  }
  throw new Error(`could not take the lock ${path}`);
}

/**
 * The embedded database, run on a thread of its own (pglite-worker.mjs) so
 * that a long statement never stops the event loop. Queries are messages;
 * PGlite there serialises them and holds its one connection for a
 * transaction, exactly as it did on this thread.
 */
export class PgliteDb implements Db {
  readonly kind = 'pglite' as const;
  readonly availability = new Availability();
  private nextId = 1;
  /** Requests waiting for the database's thread beyond which new work is refused (OpenOptions.maxWaiting). */
  maxWaiting = Infinity;
  private readonly pending = new Map<number, { resolve: (rows: any) => void; reject: (e: Error) => void }>();
  private failure: Error | undefined;
  private closed = false;
  /** Gives the data directory's lock back on close. */
  release: () => void = () => {};

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
      if (this.closed) return;
      this.failure ??= err;
      this.availability.failed(new DbUnavailable(`the embedded database stopped: ${err.message}`));
      for (const p of this.pending.values()) p.reject(this.failure);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the embedded database's thread exited (${code})`)));
    worker.unref();
  }

  static async open(dataDir: string | undefined, durable: boolean, restoreFrom?: string): Promise<PgliteDb> {
    const worker = new Worker(new URL('./pglite-worker.mjs', import.meta.url), { workerData: { dataDir, durable, restoreFrom } });
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
    if (this.failure) return Promise.reject(new DbUnavailable(`the embedded database stopped: ${this.failure.message}`));
    // new work only: a transaction under way must be able to finish
    if (!m.tx && this.pending.size >= this.maxWaiting) return Promise.reject(new DbOverloaded(this.pending.size));
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
  /**
   * A gzipped tar of the data directory, made on the database's thread between
   * statements (other requests wait while it is made: heldMs says how long).
   */
  dump(): Promise<{ archive: ArrayBuffer; heldMs: number }> {
    return this.call({ op: 'dump' });
  }
  async close(): Promise<void> {
    if (this.closed) return;
    if (!this.failure) await this.call({ op: 'close' }).catch(() => {});
    this.closed = true;
    await this.worker.terminate();
    this.release();
  }
}

export interface OpenOptions {
  poolSize?: number;
  /** false: never keep statements prepared, whatever a query asks (Config.pgPrepare). */
  prepare?: boolean;
  /** Embedded database: flush written files before acknowledging a write (Config.embeddedFsync; default true). */
  durable?: boolean;
  /**
   * Requests that may wait for the database before new ones are refused with
   * DbOverloaded (a fast 503) instead of queueing without bound. Default: no bound.
   */
  maxWaiting?: number;
  /**
   * PostgreSQL: give up connecting after connectMs, cancel a statement after
   * statementMs (server side, and on the client statementMs + 5 s later, for a
   * server too frozen to cancel it), end a session idle in a transaction after
   * idleInTxMs. Unset: no limits (the command line's long imports and rebuilds).
   */
  timeouts?: { connectMs: number; statementMs: number; idleInTxMs: number };
  /** Embedded database: an empty data directory starts from this backup archive (`zhili restore`). */
  restoreFrom?: string;
}

/**
 * url: postgres://... for a server; otherwise a PGlite data directory
 * (a path, or "memory://" for a throwaway database).
 */
export async function openDb(url: string, opts: OpenOptions = {}): Promise<Db> {
  if (/^postgres(ql)?:\/\//.test(url)) {
    // JIT compiling costs more than it saves on these short OLTP queries (100+ ms on a search plan).
    const t = opts.timeouts;
    const pool = new pg.Pool({
      connectionString: url,
      max: opts.poolSize ?? 20,
      options: '-c jit=off',
      keepAlive: true,
      ...(t
        ? {
            connectionTimeoutMillis: t.connectMs,
            statement_timeout: t.statementMs,
            idle_in_transaction_session_timeout: t.idleInTxMs,
            query_timeout: t.statementMs + 5000,
          }
        : {}),
    });
    pool.on('error', () => {}); // idle client errors surface on the next query
    await pool.query('select 1');
    return new PostgresDb(pool, opts.prepare ?? true, opts.maxWaiting ?? Infinity);
  }
  if (url === 'memory://') {
    const db = await PgliteDb.open(undefined, opts.durable ?? true);
    db.maxWaiting = opts.maxWaiting ?? Infinity;
    return db;
  }
  mkdirSync(url, { recursive: true });
  const release = lockDataDir(url);
  try {
    const db = await PgliteDb.open(url, opts.durable ?? true, opts.restoreFrom);
    db.maxWaiting = opts.maxWaiting ?? Infinity;
    db.release = release;
    return db;
  } catch (err) {
    release();
    throw err;
  }
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
