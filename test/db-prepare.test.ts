/**
 * Prepared statements: a query marked `prepare` is kept prepared on its server
 * connection under a name derived from its text, answers like the unprepared
 * one, and works inside transactions; the embedded database accepts and
 * ignores the option.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASES } from './helpers.ts';
import { openDb, type Db } from '../src/platform/db.ts';
import { loadConfig } from '../src/platform/config.ts';

describe.each(TEST_DATABASES)('prepared queries on $name', (tdb) => {
  let db: Db;
  beforeAll(async () => {
    db = await tdb.open();
    await db.exec(`CREATE TABLE prep_t (id int PRIMARY KEY, label text NOT NULL)`);
  });
  afterAll(async () => {
    await db?.close();
  });

  const INSERT = `INSERT INTO prep_t (id, label) SELECT * FROM unnest($1::int[], $2::text[]) RETURNING id, label`;

  it('answers a prepared query exactly as an unprepared one, call after call', async () => {
    const a = await db.query(INSERT, [[1, 2], ['甲', '乙']], { prepare: true });
    const b = await db.query(INSERT, [[3], ['丙']], { prepare: true });
    const c = await db.query(INSERT, [[4], ['丁']]);
    expect([...a, ...b, ...c]).toEqual([
      { id: 1, label: '甲' },
      { id: 2, label: '乙' },
      { id: 3, label: '丙' },
      { id: 4, label: '丁' },
    ]);
    // Errors still surface as errors (a duplicate key), and the statement keeps working after them.
    await expect(db.query(INSERT, [[1], ['重复']], { prepare: true })).rejects.toThrow(/duplicate key/);
    expect(await db.query(INSERT, [[5], ['戊']], { prepare: true })).toEqual([{ id: 5, label: '戊' }]);
  });

  it('works inside a transaction, and rolls back with it', async () => {
    await expect(
      db.tx(async (q) => {
        await q.query(INSERT, [[6], ['己']], { prepare: true });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    const rows = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM prep_t WHERE id = 6`);
    expect(rows[0].n).toBe(0);
    await db.tx((q) => q.query(INSERT, [[7], ['庚']], { prepare: true }));
    expect((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM prep_t WHERE id = 7`))[0].n).toBe(1);
  });

  it.runIf(tdb.name === 'postgres')('keeps the statement prepared on the connection under one name per text', async () => {
    // A transaction pins one connection, so its prepared statements are visible to it.
    const names = await db.tx(async (q) => {
      await q.query(INSERT, [[8], ['辛']], { prepare: true });
      await q.query(INSERT, [[9], ['壬']], { prepare: true });
      await q.query(`SELECT id FROM prep_t WHERE id = $1`, [8]);
      return q.query<{ name: string; statement: string }>(`SELECT name, statement FROM pg_prepared_statements WHERE name LIKE 'z\\_%'`);
    });
    expect(names).toHaveLength(1);
    expect(names[0].statement).toBe(INSERT);
  });

  it.runIf(tdb.name === 'postgres')('prepares nothing when prepared statements are turned off (a pooler in transaction mode)', async () => {
    const url = (db as Db & { url?: string }).url!;
    const plain = await openDb(url, { poolSize: 1, prepare: false });
    try {
      const names = await plain.tx(async (q) => {
        await q.query(INSERT, [[10], ['癸']], { prepare: true });
        return q.query(`SELECT name FROM pg_prepared_statements`);
      });
      expect(names).toEqual([]);
      expect(await plain.query(`SELECT label FROM prep_t WHERE id = 10`, [], { prepare: true })).toEqual([{ label: '癸' }]);
    } finally {
      await plain.close();
    }
  });
});

describe('ZHILI_PG_PREPARE', () => {
  it('is on unless turned off', () => {
    expect(loadConfig({}).pgPrepare).toBe(true);
    expect(loadConfig({ ZHILI_PG_PREPARE: 'false' }).pgPrepare).toBe(false);
    expect(loadConfig({ ZHILI_PG_PREPARE: '0' }).pgPrepare).toBe(false);
    expect(loadConfig({ ZHILI_PG_PREPARE: 'on' }).pgPrepare).toBe(true);
  });
});
