/**
 * The embedded database on its own thread (src/platform/pglite-worker.mjs):
 * the same answers, errors and transactions as before, and a long statement
 * no longer stops the server's event loop. New databases start from the
 * initdb template (pglite-template.mjs).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DbOverloaded, openDb, PgliteDb, type Db } from '../src/platform/db.ts';
import { problemFromPg } from '../src/platform/errors.ts';

describe('the embedded database on its own thread', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openDb('memory://');
    await db.exec(`CREATE TABLE emb_t (id int PRIMARY KEY, label text NOT NULL CHECK (label <> ''), at timestamptz, n bigint, amount numeric, raw bytea, doc jsonb)`);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('returns rows with the same types as on the server thread: dates, int8 and numeric as numbers, bytea, json', async () => {
    const at = new Date('2026-12-07T08:00:00.000Z');
    await db.query(`INSERT INTO emb_t VALUES ($1, $2, $3, $4, $5, $6, $7)`, [1, '甲', at, 9007199254740991, '12.50', new Uint8Array([1, 2, 255]), { a: [1, '二'] }]);
    const [r] = await db.query<any>(`SELECT * FROM emb_t WHERE id = 1`);
    expect(r.at).toBeInstanceOf(Date);
    expect(r.at.toISOString()).toBe(at.toISOString());
    expect(r.n).toBe(9007199254740991);
    expect(r.amount).toBe(12.5);
    expect(Array.from(r.raw as Uint8Array)).toEqual([1, 2, 255]);
    expect(r.doc).toEqual({ a: [1, '二'] });
  });

  it('passes database errors back with their fields, so they become problems naming the column', async () => {
    const dup = await db.query(`INSERT INTO emb_t (id, label) VALUES (1, '乙')`).catch((e) => e);
    expect(dup).toBeInstanceOf(Error);
    expect(dup.code).toBe('23505');
    expect(dup.constraint).toBe('emb_t_pkey');
    const check = await db.query(`INSERT INTO emb_t (id, label) VALUES (2, '')`).catch((e) => e);
    expect(check.code).toBe('23514');
    const p = problemFromPg(check);
    expect(p?.status).toBe(422);
    // the database goes on answering after an error
    expect(await db.query(`SELECT count(*)::int AS n FROM emb_t`)).toEqual([{ n: 1 }]);
  });

  it('commits a transaction whole, rolls it back whole when it throws, and holds the connection meanwhile', async () => {
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const tx = db.tx(async (q) => {
      await q.query(`INSERT INTO emb_t (id, label) VALUES (10, '丙')`);
      order.push('tx wrote');
      await gate;
      await q.query(`INSERT INTO emb_t (id, label) VALUES (11, '丁')`);
      order.push('tx done');
    });
    // a query from outside waits for the transaction, as on a single connection
    await new Promise((r) => setTimeout(r, 50));
    const outside = db.query<{ n: number }>(`SELECT count(*)::int AS n FROM emb_t WHERE id >= 10`).then((r) => {
      order.push(`outside saw ${r[0].n}`);
    });
    await new Promise((r) => setTimeout(r, 100));
    release();
    await Promise.all([tx, outside]);
    expect(order).toEqual(['tx wrote', 'tx done', 'outside saw 2']);

    await expect(
      db.tx(async (q) => {
        await q.query(`INSERT INTO emb_t (id, label) VALUES (20, '戊')`);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    await expect(db.tx((q) => q.query(`INSERT INTO emb_t (id, label) VALUES (21, '己'), (21, '庚')`))).rejects.toMatchObject({ code: '23505' });
    expect(await db.query(`SELECT id FROM emb_t WHERE id >= 20`)).toEqual([]);
  });

  it('keeps the event loop turning while a long statement runs', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const t0 = performance.now();
    await db.query(`SELECT count(*) FROM generate_series(1, 3000000) g WHERE md5(g::text) LIKE 'a%'`);
    const ms = performance.now() - t0;
    clearInterval(timer);
    // On the server's thread the timer could not fire once until the statement ended.
    expect(ms).toBeGreaterThan(50);
    expect(ticks).toBeGreaterThanOrEqual(3);
  });

  it('refuses queries once closed, and closing twice is harmless', async () => {
    const other = await openDb('memory://');
    await other.close();
    await other.close();
    await expect(other.query('SELECT 1')).rejects.toThrow(/closed/);
  });

  it('starts a new data directory from the template and keeps what it wrote across a reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zhili-emb-'));
    try {
      const a = await openDb(join(dir, 'pglite'));
      await a.exec(`CREATE TABLE kept (v text)`);
      await a.query(`INSERT INTO kept VALUES ('留')`);
      await a.close();
      const b = await openDb(join(dir, 'pglite'));
      expect(await b.query(`SELECT v FROM kept`)).toEqual([{ v: '留' }]);
      await b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('flushes the files a write touched before acknowledging it, and nothing for a read (ZHILI_EMBEDDED_FSYNC)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zhili-emb-'));
    try {
      const a = (await openDb(join(dir, 'durable'))) as PgliteDb;
      await a.exec(`CREATE TABLE acked (v int)`);
      let before = await a.flushes();
      await a.query(`INSERT INTO acked VALUES (1)`);
      let after = await a.flushes();
      expect(after).toBeGreaterThan(before);
      before = after;
      await a.tx(async (q) => {
        await q.query(`INSERT INTO acked VALUES (2)`);
        await q.query(`INSERT INTO acked VALUES (3)`);
      });
      after = await a.flushes();
      expect(after).toBeGreaterThan(before);
      before = after;
      expect(await a.query(`SELECT count(*)::int AS n FROM acked`)).toEqual([{ n: 3 }]);
      expect(await a.flushes()).toBe(before);
      await a.close();

      const b = (await openDb(join(dir, 'fast'), { durable: false })) as PgliteDb;
      await b.exec(`CREATE TABLE acked (v int)`);
      await b.query(`INSERT INTO acked VALUES (1)`);
      expect(await b.flushes()).toBe(0);
      await b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses new work past the bound of waiting requests (a fast 503), while a transaction under way still finishes', async () => {
    const b = await openDb('memory://', { maxWaiting: 3 });
    try {
      let finishTx!: () => void;
      const held = new Promise<void>((r) => (finishTx = r));
      const tx = b.tx(async (q) => {
        await held;
        return q.query<{ n: number }>(`SELECT 1 AS n`);
      });
      await new Promise((r) => setTimeout(r, 20));
      const waiting = Array.from({ length: 8 }, () => b.query(`SELECT 2 AS n`).then(() => 'done', (e) => e));
      finishTx();
      expect(await tx).toEqual([{ n: 1 }]);
      const outcomes = await Promise.all(waiting);
      expect(outcomes.filter((o) => o === 'done').length).toBeGreaterThan(0);
      const refused = outcomes.filter((o) => o instanceof DbOverloaded);
      expect(refused.length).toBeGreaterThan(0);
      expect(refused.length + outcomes.filter((o) => o === 'done').length).toBe(8);
      expect(await b.query(`SELECT 3 AS n`)).toEqual([{ n: 3 }]);
    } finally {
      await b.close();
    }
  });
});
