/**
 * The tamper-evident logs: case events, register events and the audit log are
 * hash chains; the verify walks them and names the first broken row of each
 * chain when a row's content is edited, a row deleted or rows reordered
 * directly in SQL. Each tampering runs in a transaction that is rolled back.
 */
import { describe, it, expect } from 'vitest';
import { TEST_DATABASES, useTestServer, caseBody, runZhili, type TestServer, type World } from './helpers.ts';
import { verifyChains, type VerifyReport } from '../src/platform/chains.ts';
import { appendEvent } from '../src/registers/kit/events.ts';
import { audit } from '../src/platform/audit.ts';
import type { Queryable } from '../src/platform/db.ts';

class Rollback extends Error {}

for (const tdb of TEST_DATABASES) {
  describe(`hash chains (${tdb.name})`, () => {
    let t: TestServer;
    let world: World;
    let caseId: string;
    const entityId = '0190a000-0000-7000-8000-00000000e001';
    useTestServer(tdb, async (s) => {
      t = s.t;
      world = s.world;
      const op = await t.login('operator');
      // Concurrent creates and actions: chains of different cases never wait for each other, and each stays whole.
      const created = await Promise.all(Array.from({ length: 8 }, () => op.post('/api/cases', caseBody())));
      for (const c of created) expect(c.status, c.body).toBe(201);
      caseId = created[0]!.json.id;
      await Promise.all(created.map((c) => op.post(`/api/cases/${c.json.id}/dispatch`, { leadUnitId: world.units.cgA.id, version: c.json.version })));
      const v = (await op.get(`/api/cases/${caseId}`)).json.version;
      expect((await op.post(`/api/cases/${caseId}/note`, { comment: '补充说明', version: v })).status).toBe(200);
      const db = t.server.ctx.db;
      for (let i = 1; i <= 3; i++) {
        await appendEvent(db, { entityType: 'dispute', entityId, version: i, action: `step${i}`, from: null, to: 's', actorUserId: null, actorUnitId: null });
      }
      // The same user's audit rows written concurrently still form one chain.
      await Promise.all(Array.from({ length: 10 }, (_, i) => audit(db, { userId: world.users.operator.id, action: 'read', entity: 'case', entityId: String(i) })));
      await audit(db, { userId: null, action: 'system', entity: 'x' });
    });

    const db = () => t.server.ctx.db;

    async function tampered(sql: (q: Queryable) => Promise<void>): Promise<VerifyReport> {
      let report: VerifyReport | undefined;
      await db()
        .tx(async (q) => {
          await q.exec(`ALTER TABLE case_events DISABLE TRIGGER case_events_no_update; ALTER TABLE entity_events DISABLE TRIGGER entity_events_no_update`);
          await sql(q);
          report = await verifyChains(q);
          throw new Rollback();
        })
        .catch((e) => {
          if (!(e instanceof Rollback)) throw e;
        });
      return report!;
    }

    const eventId = async (seq: number) =>
      (await db().query<{ id: string }>(`SELECT id::text AS id FROM case_events WHERE case_id = $1 AND seq = $2`, [caseId, seq]))[0]!.id;

    it('a clean database verifies, every row chained', async () => {
      const r = await verifyChains(db());
      expect(r.breaks).toEqual([]);
      expect(r.ok).toBe(true);
      const rows = Object.fromEntries(r.tables.map((x) => [x.table, x]));
      expect(rows.case_events!.chains).toBe(8);
      expect(rows.case_events!.rows).toBe(8 * 2 + 1);
      expect(rows.entity_events!.rows).toBe(3);
      expect(rows.audit_log!.rows).toBeGreaterThanOrEqual(11);
      const unchained = await db().query(
        `SELECT 1 FROM case_events WHERE hash IS NULL UNION ALL SELECT 1 FROM audit_log WHERE hash IS NULL UNION ALL SELECT 1 FROM entity_events WHERE hash IS NULL`,
      );
      expect(unchained).toEqual([]);
    });

    it('an edited case event: content changed, naming the row', async () => {
      const id = await eventId(2);
      const r = await tampered((q) => q.query(`UPDATE case_events SET comment = 'nothing happened' WHERE id = $1`, [id]).then(() => {}));
      expect(r.ok).toBe(false);
      expect(r.breaks).toEqual([expect.objectContaining({ table: 'case_events', chainKey: caseId, id, seq: 2, problem: 'content_changed' })]);
    });

    it('an edited timestamp is a changed content too', async () => {
      const id = await eventId(1);
      const r = await tampered((q) => q.query(`UPDATE case_events SET at = at - interval '1 microsecond' WHERE id = $1`, [id]).then(() => {}));
      expect(r.breaks).toEqual([expect.objectContaining({ table: 'case_events', id, problem: 'content_changed' })]);
    });

    it('a deleted case event: row missing, naming the row after the gap', async () => {
      const id2 = await eventId(2);
      const id3 = await eventId(3);
      const r = await tampered((q) => q.query(`DELETE FROM case_events WHERE id = $1`, [id2]).then(() => {}));
      expect(r.breaks).toEqual([expect.objectContaining({ table: 'case_events', chainKey: caseId, id: id3, problem: 'row_missing' })]);
    });

    it('a deleted first case event: row missing', async () => {
      const id1 = await eventId(1);
      const id2 = await eventId(2);
      const r = await tampered((q) => q.query(`DELETE FROM case_events WHERE id = $1`, [id1]).then(() => {}));
      expect(r.breaks).toEqual([expect.objectContaining({ table: 'case_events', id: id2, problem: 'row_missing' })]);
    });

    it("a deleted newest case event: row missing, the case's version names the gap", async () => {
      const [{ v }] = await db().query<{ v: number }>(`SELECT version AS v FROM cases WHERE id = $1`, [caseId]);
      const last = await eventId(v);
      const r = await tampered((q) => q.query(`DELETE FROM case_events WHERE id = $1`, [last]).then(() => {}));
      expect(r.breaks).toEqual([expect.objectContaining({ table: 'case_events', chainKey: caseId, seq: v, problem: 'row_missing' })]);
    });

    it('reordered case events (ids swapped): reordered', async () => {
      const id2 = await eventId(2);
      const id3 = await eventId(3);
      const r = await tampered(async (q) => {
        await q.query(`UPDATE case_events SET id = -1 WHERE id = $1`, [id2]);
        await q.query(`UPDATE case_events SET id = $1 WHERE id = $2`, [id2, id3]);
        await q.query(`UPDATE case_events SET id = $1 WHERE id = -1`, [id3]);
      });
      expect(r.breaks).toEqual([expect.objectContaining({ table: 'case_events', chainKey: caseId, id: id2, seq: 3, problem: 'reordered' })]);
    });

    it('a recomputed hash without its successor: the next row names the break', async () => {
      const id2 = await eventId(2);
      const id3 = await eventId(3);
      const r = await tampered(async (q) => {
        await q.query(`UPDATE case_events SET comment = 'forged' WHERE id = $1`, [id2]);
        await q.query(`UPDATE case_events x SET hash = chain_hash(x.prev_hash, case_event_content(x)) WHERE id = $1`, [id2]);
      });
      expect(r.breaks).toEqual([expect.objectContaining({ table: 'case_events', id: id3, problem: 'row_missing' })]);
    });

    it('register events: edit, delete and reorder each caught', async () => {
      const ids = (await db().query<{ id: string }>(`SELECT x.id::text AS id FROM entity_events x WHERE x.entity_id = $1 ORDER BY x.id`, [entityId])).map((r) => r.id);
      const key = `dispute:${entityId}`;
      let r = await tampered((q) => q.query(`UPDATE entity_events SET action = 'other' WHERE id = $1`, [ids[0]]).then(() => {}));
      expect(r.breaks).toEqual([expect.objectContaining({ table: 'entity_events', chainKey: key, id: ids[0], problem: 'content_changed' })]);
      r = await tampered((q) => q.query(`DELETE FROM entity_events WHERE id = $1`, [ids[1]]).then(() => {}));
      expect(r.breaks).toEqual([expect.objectContaining({ table: 'entity_events', chainKey: key, id: ids[2], problem: 'row_missing' })]);
      r = await tampered(async (q) => {
        await q.query(`UPDATE entity_events SET id = -1 WHERE id = $1`, [ids[0]]);
        await q.query(`UPDATE entity_events SET id = $1 WHERE id = $2`, [ids[0], ids[1]]);
        await q.query(`UPDATE entity_events SET id = $1 WHERE id = -1`, [ids[1]]);
      });
      expect(r.breaks).toEqual([expect.objectContaining({ table: 'entity_events', chainKey: key, id: ids[0], problem: 'reordered' })]);
    });

    it('the audit log: edit, delete and reorder each caught', async () => {
      const ids = (
        await db().query<{ id: string }>(`SELECT x.id::text AS id FROM audit_log x WHERE x.user_id = $1 ORDER BY x.id`, [world.users.operator.id])
      ).map((r) => r.id);
      expect(ids.length).toBeGreaterThanOrEqual(10);
      const key = world.users.operator.id;
      let r = await tampered((q) => q.query(`UPDATE audit_log SET detail = '{"hidden":true}' WHERE id = $1`, [ids[3]]).then(() => {}));
      expect(r.breaks).toEqual([expect.objectContaining({ table: 'audit_log', chainKey: key, id: ids[3], problem: 'content_changed' })]);
      r = await tampered((q) => q.query(`DELETE FROM audit_log WHERE id = $1`, [ids[4]]).then(() => {}));
      expect(r.breaks).toEqual([expect.objectContaining({ table: 'audit_log', chainKey: key, id: ids[5], problem: 'row_missing' })]);
      r = await tampered(async (q) => {
        await q.query(`UPDATE audit_log SET id = -1 WHERE id = $1`, [ids[6]]);
        await q.query(`UPDATE audit_log SET id = $1 WHERE id = $2`, [ids[6], ids[7]]);
        await q.query(`UPDATE audit_log SET id = $1 WHERE id = -1`, [ids[7]]);
      });
      expect(r.breaks).toEqual([expect.objectContaining({ table: 'audit_log', chainKey: key, id: ids[6], problem: 'reordered' })]);
    });

    it('the audit log: deleting the newest rows of a chain is caught by its head', async () => {
      const [last] = await db().query<{ id: string }>(`SELECT max(id)::text AS id FROM audit_log WHERE user_id = $1`, [world.users.operator.id]);
      const r = await tampered((q) => q.query(`DELETE FROM audit_log WHERE id = $1`, [last!.id]).then(() => {}));
      expect(r.breaks).toEqual([expect.objectContaining({ table: 'audit_log', chainKey: world.users.operator.id, id: last!.id, problem: 'row_missing' })]);
    });

    it('breaks in several chains are each named', async () => {
      const r = await tampered(async (q) => {
        await q.query(`UPDATE case_events SET comment = 'x' WHERE case_id = $1 AND seq = 1`, [caseId]);
        await q.query(`UPDATE audit_log SET action = 'x' WHERE user_id IS NULL`);
      });
      expect(r.breaks.map((b) => b.table).sort()).toEqual(['audit_log', 'case_events']);
    });

    it.runIf(tdb.name === 'postgres')('the sweeper skips an entity whose chain a transition holds (no deadlock) and warns it next time', async () => {
      const id = '0190a000-0000-7000-8000-00000000e002';
      const now = Date.now();
      await db().query(
        `INSERT INTO entity_clocks (entity_type, entity_id, clock, limit_key, ref, title, started_at, due_at, warn_at, next_check_at)
         VALUES ('dispute', $1, 'resolve', 'general', 'T-1', 'chain lock', $2, $3, $2, $2)`,
        [id, new Date(now - 60_000), new Date(now + 3600_000)],
      );
      const remarks = async () => (await db().query(`SELECT 1 FROM entity_events WHERE entity_id = $1`, [id])).length;
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let locked!: () => void;
      const isLocked = new Promise<void>((r) => (locked = r));
      const holder = db().tx(async (q) => {
        await q.query(`SELECT pg_advisory_xact_lock(74211, hashtext($1))`, [`dispute:${id}`]);
        locked();
        await held;
      });
      await isLocked;
      await t.server.ctx.services.sweeper.sweep(now);
      expect(await remarks()).toBe(0);
      release();
      await holder;
      await t.server.ctx.services.sweeper.sweep(now);
      expect(await remarks()).toBe(1);
      expect((await verifyChains(db())).breaks).toEqual([]);
    });

    it.runIf(tdb.name === 'postgres')('zhili audit verify: exit 0 when clean, 2 naming the broken row', async () => {
      const url = (db() as { url?: string }).url!;
      const ok = await runZhili(['audit', 'verify'], { DATABASE_URL: url });
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toContain('audit verify: ok');
      const id = await eventId(2);
      await db().exec(`ALTER TABLE case_events DISABLE TRIGGER case_events_no_update`);
      await db().query(`UPDATE case_events SET comment = 'x' WHERE id = $1`, [id]);
      const bad = await runZhili(['audit', 'verify'], { DATABASE_URL: url });
      await db().exec(`ALTER TABLE case_events ENABLE TRIGGER case_events_no_update`);
      expect(bad.code).toBe(2);
      expect(bad.stdout).toContain(`BROKEN content_changed: case_events chain ${caseId}, row id ${id} (seq 2)`);
    });
  });
}
