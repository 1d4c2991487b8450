/**
 * The register kit on both databases: entity clocks swept by the one sweeper,
 * the append-only event log with the version check, links shown on both
 * timelines (a case's too), persons matched by keyed hash, ledgers.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { TEST_DATABASES, caseBody, useTestServer, type TestServer, type World } from './helpers.ts';
import { appendEvent, link, linksOf, loadPersonKey, maskIdNumber, normaliseIdNumber, openLedgerExport, PersonVault, rate, readLedger, RowErrors, timeline, transition, upsertPerson, withCheckDigit, writeLedger } from '../src/registers/kit/index.ts';
import { ConfigError } from '../src/platform/config.ts';
import { Problem } from '../src/platform/errors.ts';

const HOUR = 3_600_000;

describe('persons key and ID numbers', () => {
  it('validates ZHILI_PERSON_KEY at start and refuses a production start without it', () => {
    const prod = { databaseUrl: 'postgres://x/y', demo: false };
    expect(() => loadPersonKey({}, prod)).toThrow(ConfigError);
    expect(() => loadPersonKey({ ZHILI_PERSON_KEY: 'short' }, prod)).toThrow(/ZHILI_PERSON_KEY/);
    expect(loadPersonKey({ ZHILI_PERSON_KEY: 'ab'.repeat(32) }, prod).key).toHaveLength(32);
    expect(loadPersonKey({}, { databaseUrl: './data', demo: true }).development).toBe(true);
  });
  it('checks the GB 11643 check digit and masks the middle', () => {
    const id = withCheckDigit('43060219800101123');
    expect(normaliseIdNumber(id.toLowerCase())).toEqual({ ok: true, value: id });
    expect(normaliseIdNumber('430602198001011230').ok).toBe(id === '430602198001011230');
    expect(maskIdNumber(id)).toBe(`430602********${id.slice(-4)}`);
  });
  it('hashes with the key (another key, another hash) and round-trips the cipher', () => {
    const a = new PersonVault(Buffer.alloc(32, 1));
    const b = new PersonVault(Buffer.alloc(32, 2));
    expect(a.hash('id', 'x')).not.toBe(b.hash('id', 'x'));
    const c = a.encrypt('430602198001011234');
    expect(c).not.toContain('430602');
    expect(a.decrypt(c)).toBe('430602198001011234');
    expect(() => b.decrypt(c)).toThrow();
  });
  it('rates are fractions of record counts, 4 decimals', () => {
    expect(rate(30, 33)).toBe(0.9091);
    expect(rate(421, 424)).toBe(0.9929);
    expect(rate(1, 0)).toBeNull();
  });
});

describe('ledgers', () => {
  it('writes a streamed xlsx and reads it back; a missing column and bad rows are problems naming them', async () => {
    const pass = new PassThrough();
    const chunks: Buffer[] = [];
    pass.on('data', (c) => chunks.push(c));
    const done = new Promise((r) => pass.on('end', r));
    const rows = [{ no: 'A1', n: 3 }, { no: 'A2', n: 4 }];
    await writeLedger(pass, '台账', [{ header: '编号', value: (r: (typeof rows)[0]) => r.no }, { header: '人数', value: (r) => r.n }], rows);
    await done;
    const buf = Buffer.concat(chunks);
    const read = await readLedger(buf, ['编号', '人数']);
    expect(read).toEqual([{ row: 2, cells: { 编号: 'A1', 人数: 3 } }, { row: 3, cells: { 编号: 'A2', 人数: 4 } }]);
    const missing = await readLedger(buf, ['编号', '类型']).catch((e) => e);
    expect(missing).toBeInstanceOf(Problem);
    expect(missing.errors).toEqual([{ field: 'columns.类型', message: expect.any(String) }]);
    const errs = new RowErrors();
    errs.add(3, '人数', 'bad');
    expect(() => errs.throwIfAny()).toThrow(/nothing was imported/);
  });
});

for (const tdb of TEST_DATABASES) {
  describe(`register kit on ${tdb.name}`, () => {
    let t: TestServer;
    let world: World;
    useTestServer(tdb, (s) => {
      t = s.t;
      world = s.world;
    });

    it('an entity clock turns yellow, red and escalated once each, on the one sweeper, with timeline remarks and notices', async () => {
      const { db, services } = t.server.ctx;
      const id = uuidv7();
      await services.entityClocks.ensureLimits(db, 'kit_test', [{ key: 'short', name: '测试 test', calendar: '24x7', limit: '10m', escalateAfter: '5m' }]);
      const now = Date.parse('2026-12-07T02:00:00Z');
      const due = await db.tx((q) => services.entityClocks.start(q, { entityType: 'kit_test', entityId: id, clock: 'handle', limitKey: 'short', ref: 'KT-1', title: '测试实体', unitId: world.units.cgA.id, now }));
      expect(due!.getTime()).toBe(now + 10 * 60_000);
      await services.sweeper.sweep(now + 9 * 60_000);
      await services.sweeper.sweep(now + 9 * 60_000 + 1000);
      await services.sweeper.sweep(now + 11 * 60_000);
      await services.sweeper.sweep(now + 16 * 60_000);
      await services.sweeper.sweep(now + 60 * 60_000);
      const tl = await timeline(db, 'kit_test', id);
      expect(tl.map((e) => [e.action, e.data.level])).toEqual([['urge', 'warning_yellow'], ['urge', 'warning_red'], ['supervise', 'escalated']]);
      const notes = await db.query<{ kind: string; recipient_unit_id: string }>(`SELECT kind, recipient_unit_id FROM notifications WHERE data->>'entityId' = $1 ORDER BY created_at`, [id]);
      expect(notes.map((n) => n.kind)).toEqual(['warning_yellow', 'warning_red', 'escalated']);
      const clocks = await services.entityClocks.clocksOf(db, 'kit_test', [id]);
      expect(clocks.get(id)![0]).toMatchObject({ warning: 'red', escalated: true });
      await db.tx((q) => services.entityClocks.stop(q, 'kit_test', id));
      expect((await services.entityClocks.clocksOf(db, 'kit_test', [id])).size).toBe(0);
    });

    it('a working-day limit counts on the statutory calendar', async () => {
      const { db, services } = t.server.ctx;
      await services.entityClocks.ensureLimits(db, 'kit_test', [{ key: 'week', name: '7 个工作日', limit: '7d' }]);
      // Friday 2026-12-04 10:00 Shanghai: 7 working days later is the end of Tuesday 2026-12-15.
      const d = await services.entityClocks.deadline(db, 'kit_test', 'week', Date.parse('2026-12-04T02:00:00Z'));
      expect(new Date(d!.dueAt).toISOString().slice(0, 10)).toBe('2026-12-15');
    });

    it('the event log is append-only; a stale version moves nothing', async () => {
      const { db } = t.server.ctx;
      const id = uuidv7();
      await appendEvent(db, { entityType: 'kit_test', entityId: id, version: null, action: 'note', from: null, to: null, actorUserId: null, actorUnitId: null });
      await expect(db.query(`UPDATE entity_events SET comment = 'x' WHERE entity_id = $1`, [id])).rejects.toThrow(/append-only/);
      await expect(db.query(`DELETE FROM entity_events WHERE entity_id = $1`, [id])).rejects.toThrow(/append-only/);
      // transition() against a register table: disputes (created by its own migration).
      const stale = await db
        .tx((q) => transition(q, { table: 'disputes', entityType: 'dispute', id, expectedVersion: 1, from: 'registered', to: 'assigned', action: 'assign', patch: {}, actorUserId: world.users.admin.id, actorUnitId: null }))
        .catch((e) => e);
      expect(stale).toBeInstanceOf(Problem);
      expect(stale.status).toBe(409);
    });

    it('a link shows on both timelines, the case\'s included', async () => {
      const { db } = t.server.ctx;
      const op = await t.login('operator');
      const c = await op.post('/api/cases', caseBody());
      expect(c.status, c.body).toBe(201);
      const other = uuidv7();
      const actor = { userId: world.users.admin.id, unitId: null };
      expect(await db.tx((q) => link(q, { type: 'case', id: c.json.id, label: c.json.no }, { type: 'kit_test', id: other, label: 'KT-9' }, 'became', actor))).toBe(true);
      expect(await db.tx((q) => link(q, { type: 'case', id: c.json.id, label: c.json.no }, { type: 'kit_test', id: other, label: 'KT-9' }, 'became', actor))).toBe(false);
      expect((await timeline(db, 'kit_test', other)).map((e) => e.comment)).toEqual([`由 ${c.json.no} 转为`]);
      const ev = await op.get(`/api/cases/${c.json.id}`);
      expect(JSON.stringify(ev.json)).toContain('转为 KT-9');
      expect(await linksOf(db, 'case', c.json.id)).toMatchObject([{ direction: 'to', type: 'kit_test', id: other, kind: 'became' }]);
    });

    it('one person across registers: matched by ID number, then by phone and name', async () => {
      const { db, services } = t.server.ctx;
      const id = withCheckDigit('43060219850315201');
      const a = await upsertPerson(db, services.persons, { name: '李四', idNumber: id, phone: '13800001111' });
      const b = await upsertPerson(db, services.persons, { name: '李四', idNumber: id.toLowerCase() });
      const c = await upsertPerson(db, services.persons, { name: '李四', phone: '138 0000 1111' });
      expect(b).toBe(a);
      expect(c).toBe(a);
      const row = (await db.query<Record<string, string>>(`SELECT * FROM persons WHERE id = $1`, [a]))[0];
      expect(JSON.stringify(row)).not.toContain(id.slice(6, 14));
      expect(row.id_masked).toBe(maskIdNumber(id));
      await expect(upsertPerson(db, services.persons, { name: '王五', idNumber: '430602198503152011' === id ? '430602198503152012' : '430602198503152011' })).rejects.toThrow(/idNumber/);
    });

    it('a ledger export reads by keyset a page at a time: the same rows in the same order as one query, ties and microseconds included, capped at max', async () => {
      const { db } = t.server.ctx;
      await db.query(`CREATE TABLE kit_keyset (no text PRIMARY KEY, at timestamptz NOT NULL, div text NOT NULL)`);
      // Ties on the time (ordered by number), and times with microseconds a JS Date would round away.
      await db.query(`INSERT INTO kit_keyset (no, at, div) SELECT 'K' || lpad(i::text, 3, '0'), timestamptz '2026-01-01 00:00:00.000001+00' + ((i / 3) * interval '1.000007 second'), CASE WHEN i % 4 = 0 THEN 'b' ELSE 'a' END FROM generate_series(1, 23) i`);
      const src = (pageSize: number, max?: number) => ({ columns: 'k.no, k.at', from: 'FROM kit_keyset k', where: 'k.div = $1', params: ['a'], order: [['k.at', 'timestamptz'], ['k.no', 'text']] as const, pageSize, max });
      const all = (await db.query<{ no: string }>(`SELECT k.no FROM kit_keyset k WHERE k.div = 'a' ORDER BY k.at, k.no`)).map((r) => r.no);
      expect(all).toHaveLength(18);
      for (const pageSize of [1, 2, 5, 18, 2000]) {
        const { count, rows } = await openLedgerExport<{ no: string }>(db, src(pageSize));
        const got: string[] = [];
        for await (const r of rows) got.push(r.no);
        expect(count).toBe(18);
        expect(got).toEqual(all);
      }
      const capped = await openLedgerExport<{ no: string; at: Date }>(db, src(4, 7));
      const got: Record<string, unknown>[] = [];
      for await (const r of capped.rows) got.push(r);
      expect(capped.count).toBe(7);
      expect(got.map((r) => r.no)).toEqual(all.slice(0, 7));
      expect(Object.keys(got[0]).sort()).toEqual(['at', 'no']);
      await db.query(`DROP TABLE kit_keyset`);
    });
  });
}
