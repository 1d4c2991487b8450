/**
 * Retention and anonymisation policies: reporters' details on finished cases
 * removed, attachments of cancelled cases deleted, old audit rows deleted with
 * each chain resuming at a checkpoint. The statistics are the same before and
 * after, and every hash chain still verifies. The admin API edits the policies.
 */
import { describe, it, expect } from 'vitest';
import { TEST_DATABASES, useTestServer, caseBody, multipart, tinyPng, type Client, type TestServer, type World } from './helpers.ts';
import { applyRetention } from '../src/cases/retention.ts';
import { verifyChains } from '../src/platform/chains.ts';
import { audit } from '../src/platform/audit.ts';

const DAY = 86_400_000;

for (const tdb of TEST_DATABASES) {
  describe(`retention (${tdb.name})`, () => {
    let t: TestServer;
    let world: World;
    let op: Client;
    let admin: Client;
    const ids: Record<'open' | 'closed' | 'cancelled', string> = { open: '', closed: '', cancelled: '' };
    let attachmentKey = '';
    useTestServer(tdb, async (s) => {
      t = s.t;
      world = s.world;
      op = await t.login('operator');
      admin = await t.login('admin');
      const m = multipart({ data: tinyPng(), filename: '现场照片.png', mime: 'image/png' });
      const up = await op.post('/api/attachments', m.body, m.headers);
      expect(up.status, up.body).toBe(201);
      for (const k of ['open', 'closed', 'cancelled'] as const) {
        const c = await op.post('/api/cases', caseBody(k === 'cancelled' ? { attachmentIds: [up.json.id] } : {}));
        expect(c.status, c.body).toBe(201);
        ids[k] = c.json.id;
      }
      expect((await op.post(`/api/cases/${ids.closed}/close-directly`, { reply: '已电话解答', version: 1 })).status).toBe(200);
      expect((await op.post(`/api/cases/${ids.cancelled}/cancel`, { comment: '重复来电', version: 1 })).status).toBe(200);
      attachmentKey = (await t.server.ctx.db.query<{ storage_key: string }>(`SELECT storage_key FROM attachments WHERE id = $1`, [up.json.id]))[0]!.storage_key;
    });

    const db = () => t.server.ctx.db;
    const reporter = async (id: string) =>
      (await db().query<{ reporter_name: string | null; reporter_phone: string | null }>(`SELECT reporter_name, reporter_phone FROM cases WHERE id = $1`, [id]))[0]!;
    const now = Date.now();
    const period = `from=${encodeURIComponent(new Date(now - DAY).toISOString())}&to=${encodeURIComponent(new Date(now + DAY).toISOString())}`;
    const stats = async () => {
      const out: unknown[] = [];
      for (const url of [`/api/stats/volumes?${period}&by=channel`, `/api/stats/volumes?${period}&by=category`, `/api/stats/rates?${period}`]) {
        const r = await admin.get(url);
        expect(r.status, r.body).toBe(200);
        out.push(r.json);
      }
      return out;
    };

    it('policies: admin of everything reads and edits them; others may not', async () => {
      const list = await admin.get('/api/retention/policies');
      expect(list.status, list.body).toBe(200);
      expect(list.json.items.map((p: any) => p.key)).toEqual(['audit_log', 'cancelled_attachments', 'case_reporter']);
      expect((await op.get('/api/retention/policies')).status).toBe(403);
      const adminB = await t.login('admin_b');
      expect((await adminB.put('/api/retention/policies/audit_log', { afterDays: 10 })).status).toBe(403);
      const bad = await admin.put('/api/retention/policies/audit_log', { afterDays: 0 });
      expect(bad.status).toBe(400);
      expect(bad.json.errors.map((e: any) => e.field)).toContain('afterDays');
      const ok = await admin.put('/api/retention/policies/audit_log', { afterDays: 400 });
      expect(ok.status, ok.body).toBe(200);
      expect(ok.json).toMatchObject({ key: 'audit_log', afterDays: 400, enabled: true, updatedBy: world.users.admin.id });
    });

    it('a dry run counts and changes nothing; nothing is due yet today', async () => {
      const later = new Date(Date.now() + 6 * 366 * DAY);
      const dry = await applyRetention(t.server.ctx, { dryRun: true, now: later });
      expect(dry).toMatchObject({ dryRun: true, skipped: false, anonymisedCases: 2, deletedAttachments: 1 });
      expect(dry.deletedAuditRows).toBeGreaterThan(0);
      expect((await reporter(ids.closed)).reporter_phone).toBe('13812345678');
      const today = await applyRetention(t.server.ctx);
      expect(today).toMatchObject({ anonymisedCases: 0, deletedAttachments: 0, deletedAuditRows: 0 });
    });

    it('anonymises finished cases, deletes cancelled attachments; stats unchanged, chains verify', async () => {
      const before = await stats();
      const later = new Date(Date.now() + 6 * 366 * DAY);
      const r = await applyRetention(t.server.ctx, { now: later });
      expect(r).toMatchObject({ anonymisedCases: 2, deletedAttachments: 1 });
      expect(await reporter(ids.closed)).toEqual({ reporter_name: null, reporter_phone: null });
      expect(await reporter(ids.cancelled)).toEqual({ reporter_name: null, reporter_phone: null });
      expect(await reporter(ids.open)).toEqual({ reporter_name: '张三', reporter_phone: '13812345678' });
      await expect(t.server.ctx.storage.get(attachmentKey)).rejects.toThrow();
      expect(await stats()).toEqual(before);
      const v = await verifyChains(db());
      expect(v.breaks).toEqual([]);
      // Detail of an anonymised case still reads (no reporter shown).
      const d = await admin.get(`/api/cases/${ids.closed}`);
      expect(d.status, d.body).toBe(200);
    });

    it('old audit rows go; each chain resumes at its checkpoint and still verifies; tampering after it is caught', async () => {
      const user = world.users.supervisor.id;
      for (let i = 0; i < 3; i++) await audit(db(), { userId: user, action: 'old', entity: 'case', entityId: String(i) });
      await new Promise((r) => setTimeout(r, 20));
      const cut = new Date();
      await new Promise((r) => setTimeout(r, 20));
      for (let i = 0; i < 3; i++) await audit(db(), { userId: user, action: 'new', entity: 'case', entityId: String(i) });
      const policy = (await admin.get('/api/retention/policies')).json.items.find((p: any) => p.key === 'audit_log');
      const r = await applyRetention(t.server.ctx, { now: new Date(cut.getTime() + policy.afterDays * DAY) });
      expect(r.deletedAuditRows).toBeGreaterThanOrEqual(3);
      const left = await db().query<{ action: string }>(`SELECT action FROM audit_log WHERE user_id = $1 ORDER BY id`, [user]);
      expect(left.map((x) => x.action)).toEqual(['new', 'new', 'new']);
      const [ck] = await db().query<{ deleted: string }>(`SELECT deleted::text FROM chain_checkpoints WHERE tbl = 'audit_log' AND chain_key = $1`, [user]);
      expect(Number(ck!.deleted)).toBe(3);
      expect((await verifyChains(db())).breaks).toEqual([]);
      // A chain emptied entirely continues from its checkpoint.
      await applyRetention(t.server.ctx, { now: new Date(Date.now() + (policy.afterDays + 1) * DAY) });
      await audit(db(), { userId: user, action: 'after', entity: 'case' });
      expect((await verifyChains(db())).breaks).toEqual([]);
      // Deleting the first kept row is still caught.
      await audit(db(), { userId: user, action: 'after2', entity: 'case' });
      await db().query(`DELETE FROM audit_log WHERE user_id = $1 AND action = 'after'`, [user]);
      const broken = await verifyChains(db());
      expect(broken.breaks).toEqual([expect.objectContaining({ table: 'audit_log', chainKey: user, problem: 'row_missing' })]);
    });
  });
}
