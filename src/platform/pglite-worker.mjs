// The embedded database's own thread. PGlite runs PostgreSQL compiled to
// WebAssembly synchronously on the thread that owns it, so on the server's
// thread every statement (a dashboard's scan, a training page) froze HTTP,
// /healthz included. Here it runs beside the event loop; src/platform/db.ts
// talks to it by messages. Plain JavaScript: nothing to load through tsx.
import fs from 'node:fs';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { isFresh, readTemplate, saveTemplate } from './pglite-template.mjs';

/**
 * Acknowledged means durable. PGlite runs PostgreSQL with fsync off and its
 * file system's fsync is a no-op, so a commit's WAL reached only the OS's
 * cache: a power cut could lose acknowledged work. Its file system writes
 * through node:fs, so here every file it writes is noted, and before an
 * operation that wrote is answered, those files are flushed with fdatasync
 * (as PostgreSQL flushes its WAL at commit). Reads write nothing and cost
 * nothing; a batch of creates in one transaction costs one flush.
 */
const durable = Boolean(workerData.dataDir) && workerData.durable !== false;
const paths = new Map();
const dirty = new Set();
let flushes = 0;
if (durable) {
  const { openSync, writeSync, closeSync } = fs;
  fs.openSync = function (path, ...rest) {
    const fd = openSync.call(fs, path, ...rest);
    paths.set(fd, path);
    return fd;
  };
  fs.writeSync = function (fd, ...rest) {
    const n = writeSync.call(fs, fd, ...rest);
    if (paths.has(fd)) dirty.add(fd);
    return n;
  };
  fs.closeSync = function (fd) {
    if (dirty.delete(fd)) {
      fs.fdatasyncSync(fd);
      flushes++;
    }
    paths.delete(fd);
    return closeSync.call(fs, fd);
  };
}
function flush() {
  for (const fd of dirty) {
    fs.fdatasyncSync(fd);
    flushes++;
  }
  dirty.clear();
}

const gzip = promisify(zlib.gzip);
const parsers = { 20: (v) => Number(v), 1700: (v) => Number(v) };
const fresh = isFresh(workerData.dataDir);
// `zhili restore`: a fresh directory starts from the backup instead of the initdb template
const restoring = fresh && workerData.restoreFrom;
const template = restoring
  ? new Blob([fs.readFileSync(workerData.restoreFrom)], { type: 'application/x-gzip' })
  : fresh
    ? readTemplate()
    : undefined;
const db = await PGlite.create(workerData.dataDir, { parsers, ...(template ? { loadDataDir: template } : {}) });
// the first new database of this installation leaves the template for the next ones
if (fresh && !template && !restoring) await saveTemplate(db).catch(() => {});

/** Open transactions by id: the callback of PGlite's transaction() waits on `done` until the main thread commits or rolls back. */
const txs = new Map();

/** Errors cross as plain objects: structured clone keeps only an Error's message, and errors.ts reads code, column, detail and constraint. */
function plain(err) {
  const out = { message: String(err?.message ?? err), name: err?.name ?? 'Error' };
  if (err && typeof err === 'object') {
    for (const [k, v] of Object.entries(err)) if (typeof v === 'string' || typeof v === 'number') out[k] = v;
  }
  return out;
}

async function handle(m) {
  switch (m.op) {
    case 'query': {
      const t = m.tx ? txs.get(m.tx)?.t : db;
      if (!t) throw new Error('transaction is closed');
      const rows = (await t.query(m.sql, m.params)).rows;
      if (!m.tx) flush();
      return rows;
    }
    case 'exec': {
      const t = m.tx ? txs.get(m.tx)?.t : db;
      if (!t) throw new Error('transaction is closed');
      await t.exec(m.sql);
      if (!m.tx) flush();
      return null;
    }
    case 'begin': {
      let opened;
      const ready = new Promise((resolve) => (opened = resolve));
      const entry = {};
      entry.finished = db
        .transaction(async (t) => {
          entry.t = t;
          const outcome = await new Promise((resolve) => {
            entry.end = resolve;
            opened();
          });
          if (outcome === 'rollback') await t.rollback();
        })
        .finally(() => txs.delete(m.tx));
      txs.set(m.tx, entry);
      // begin fails when BEGIN itself fails; otherwise when the callback runs
      await Promise.race([ready, entry.finished]);
      return null;
    }
    case 'commit':
    case 'rollback': {
      const entry = txs.get(m.tx);
      if (!entry) throw new Error('transaction is closed');
      entry.end(m.op);
      await entry.finished;
      flush();
      return null;
    }
    case 'close':
      if (!db.closed) await db.close();
      flush();
      return null;
    case 'dump': {
      // A backup of the running database (POST /api/admin/backup): a checkpoint
      // first, so the archive needs little recovery, then PGlite's own tar of
      // the data directory, taken between statements (it holds the one
      // connection for as long as the tar takes). Committed work is in it;
      // an open transaction's is not (it is rolled back on restore).
      if (!txs.size) await db.exec('CHECKPOINT').catch(() => {});
      // the tar only while the connection is held; compressing it (off the
      // thread, in libuv's pool) happens after other statements may run again
      const t0 = performance.now();
      const blob = await db.dumpDataDir('none');
      const heldMs = Math.round(performance.now() - t0);
      const gz = await gzip(Buffer.from(await blob.arrayBuffer()));
      const archive = gz.buffer.slice(gz.byteOffset, gz.byteOffset + gz.byteLength);
      return { archive, heldMs };
    }
    case 'flushes':
      // how many flushes so far (tests prove acknowledged writes were flushed)
      return flushes;
    default:
      throw new Error(`unknown operation ${m.op}`);
  }
}

parentPort.on('message', (m) => {
  handle(m).then(
    (rows) => parentPort.postMessage({ id: m.id, rows }, rows?.archive instanceof ArrayBuffer ? [rows.archive] : []),
    (err) => parentPort.postMessage({ id: m.id, error: plain(err) }),
  );
});
parentPort.postMessage({ ready: true });
