/** Time limits and supervision over HTTP: clocks, the sweeper, extensions, returns, summons, calendars and policies. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { TEST_DATABASES, seedWorld, startTestServer, caseBody, type TestServer, type World, type Client, useTestServer } from './helpers.ts';
import type { Sweeper } from '../src/timelimits/index.ts';
import { defaultCalendar, addWorkingDays, naturalCalendar } from '../src/timelimits/index.ts';

const HOUR = 3_600_000;

describe.each(TEST_DATABASES)('time limits on $name', (tdb) => {
  let t: TestServer;
  let world: World;
  let op: Client;
  let handler: Client;
  let sweeper: Sweeper;

  beforeAll(async () => {
    const db = await tdb.open();
    world = await seedWorld(db);
    t = await startTestServer(db);
    sweeper = t.server.ctx.services.sweeper;
    op = await t.login('operator');
    handler = await t.login('handler_a');
  });
  afterAll(async () => {
    await t?.close();
    await t?.server.ctx.db.close();
  });

  async function dispatched(over: Record<string, unknown> = {}) {
    const c = await op.post('/api/cases', caseBody(over));
    expect(c.status, c.body).toBe(201);
    const d = await op.post(`/api/cases/${c.json.id}/dispatch`, { leadUnitId: world.units.cgA.id });
    expect(d.status, d.body).toBe(200);
    return d.json;
  }

  const events = async (id: string) => (await op.get(`/api/cases/${id}`)).json.timeline as any[];

  it('a new case runs the dispatch clock; dispatch starts accept and reply clocks from the policy', async () => {
    const c = await op.post('/api/cases', caseBody({ type: 'complaint' }));
    expect(c.json.deadline.clock).toBe('dispatch');
    expect(c.json.deadline.warning).toBe('none');
    const d = await op.post(`/api/cases/${c.json.id}/dispatch`, { leadUnitId: world.units.cgA.id });
    expect(d.json.deadline.clock).toBe('accept');
    // Complaints get 13 working days to reply, counted from dispatch on the statutory calendar.
    const row = (await t.server.ctx.db.query<{ dispatched_at: Date }>(`SELECT dispatched_at FROM cases WHERE id = $1`, [c.json.id]))[0];
    expect(new Date(d.json.deadline.replyDueAt).getTime()).toBe(addWorkingDays(defaultCalendar(), row.dispatched_at, 13).getTime());
    const a = await handler.post(`/api/cases/${c.json.id}/accept`);
    expect(a.json.deadline.clock).toBe('reply');
    expect(a.json.deadline.dueAt).toBe(d.json.deadline.replyDueAt);
    const r = await handler.post(`/api/cases/${c.json.id}/reply`, { reply: '已修复' });
    expect(r.json.deadline.clock).toBe('verify');
  });

  it('the sweeper warns yellow, then red, then escalates, each exactly once', async () => {
    const c = await dispatched();
    const due = new Date(c.deadline.dueAt).getTime();
    const warnAt = new Date(c.deadline.warnAt).getTime();
    expect(warnAt).toBeLessThan(due);

    await sweeper.sweep(warnAt + 1000);
    let tl = await events(c.id);
    expect(tl.filter((e) => e.action === 'urge' && e.data.auto)).toHaveLength(1);
    expect((await op.get(`/api/cases/${c.id}`)).json.deadline.warning).toBe('yellow');

    await sweeper.sweep(warnAt + 2000); // nothing new
    await sweeper.sweep(due + 1000);
    tl = await events(c.id);
    expect(tl.filter((e) => e.action === 'urge' && e.data.auto).map((e) => e.data.level)).toEqual(['yellow', 'red']);

    // Escalation after the policy's overdue span (default policy: 1 working day).
    await sweeper.sweep(due + 30 * 24 * HOUR);
    await sweeper.sweep(due + 31 * 24 * HOUR);
    tl = await events(c.id);
    expect(tl.filter((e) => e.action === 'supervise' && e.data.auto)).toHaveLength(1);
    const detail = (await op.get(`/api/cases/${c.id}`)).json;
    expect(detail.deadline.warning).toBe('red');
    expect(detail.deadline.escalated).toBe(true);
    // Sweeper events keep the timeline's sequence and the row's version in step.
    expect(tl.map((e) => e.seq)).toEqual(tl.map((_, i) => i + 1));
    expect(detail.version).toBe(tl.length);
  });

  it('a case found long overdue (say the servers were down) gets red and escalation in one pass, no stale yellow', async () => {
    const c = await dispatched();
    await sweeper.sweep(new Date(c.deadline.dueAt).getTime() + 60 * 24 * HOUR);
    const tl = await events(c.id);
    expect(tl.filter((e) => e.data?.auto).map((e) => e.data.level)).toEqual(['red', 'escalate']);
  });

  it('an action restarts the clock and clears the warning', async () => {
    const c = await dispatched();
    await sweeper.sweep(new Date(c.deadline.dueAt).getTime() + 1000);
    expect((await op.get(`/api/cases/${c.id}`)).json.deadline.warning).toBe('red');
    const a = await handler.post(`/api/cases/${c.id}/accept`);
    expect(a.json.deadline.clock).toBe('reply');
    expect(a.json.deadline.warning).toBe('none');
  });

  it('extensions: requested before the deadline, decided by a supervisor, limited in number', async () => {
    const c = await dispatched({ type: 'consultation' }); // consultations: 1 extension of at most 3d
    await handler.post(`/api/cases/${c.id}/accept`);
    const tooLong = await handler.post(`/api/cases/${c.id}/request-extension`, { duration: '5d', comment: '需要协调' });
    expect(tooLong.status).toBe(422);
    expect(tooLong.json.errors[0].field).toBe('duration');
    const req = await handler.post(`/api/cases/${c.id}/request-extension`, { duration: '2d', comment: '需协调供电公司' });
    expect(req.status, req.body).toBe(200);
    expect(req.json.deadline.pendingExtension.duration).toBe('2d');
    expect((await handler.post(`/api/cases/${c.id}/request-extension`, { duration: '1d', comment: '再延' })).status).toBe(409);
    expect((await handler.post(`/api/cases/${c.id}/decide-extension`, { approve: true })).status).toBe(403);
    const sup = await t.login('supervisor');
    const before = new Date(req.json.deadline.replyDueAt);
    const ok = await sup.post(`/api/cases/${c.id}/decide-extension`, { approve: true, comment: '同意' });
    expect(ok.status, ok.body).toBe(200);
    expect(new Date(ok.json.deadline.replyDueAt).getTime()).toBe(addWorkingDays(defaultCalendar(), before, 2).getTime());
    expect(ok.json.deadline.extensionCount).toBe(1);
    expect(ok.json.deadline.pendingExtension).toBeNull();
    const again = await handler.post(`/api/cases/${c.id}/request-extension`, { duration: '1d', comment: '还需时间' });
    expect(again.status).toBe(422);
  });

  it('returns: within the return limit only; repeated returns are flagged for arbitration', async () => {
    const c = await dispatched();
    const r1 = await handler.post(`/api/cases/${c.id}/return`, { comment: '不属于城管职责' });
    expect(r1.status, r1.body).toBe(200);
    expect(r1.json.needsArbitration).toBe(false);
    await op.post(`/api/cases/${c.id}/dispatch`, { leadUnitId: world.units.cgA.id });
    const r2 = await handler.post(`/api/cases/${c.id}/return`, { comment: '仍不属于城管职责' });
    expect(r2.json.returnCount).toBe(2);
    expect(r2.json.needsArbitration).toBe(true);

    const late = await dispatched();
    await t.server.ctx.db.query(`UPDATE cases SET return_due_at = now() - interval '1 minute' WHERE id = $1`, [late.id]);
    const refused = await handler.post(`/api/cases/${late.id}/return`, { comment: '超时退单' });
    expect(refused.status).toBe(409);
  });

  it('summons: units report, give their part, and the lead replies after them', async () => {
    const c = await dispatched();
    await handler.post(`/api/cases/${c.id}/accept`);
    const township = await t.login('township_a');
    const s = await township.post(`/api/cases/${c.id}/summon`, { unitIds: [world.units.zjA.id], comment: '请住建局到现场会商' });
    expect(s.status, s.body).toBe(200);
    expect(s.json.summons).toHaveLength(1);
    // The lead may not reply while the summoned unit's part is due.
    expect((await handler.post(`/api/cases/${c.id}/reply`, { reply: '已处理' })).status).toBe(409);
    const zj = await t.login('handler_a2');
    expect((await zj.get(`/api/cases/${c.id}`)).status).toBe(200); // a summoned unit can see the case
    expect((await zj.post(`/api/cases/${c.id}/report`, { comment: '已到场' })).status).toBe(200);
    expect((await zj.post(`/api/cases/${c.id}/report`, {})).status).toBe(403); // reported once
    const part = await zj.post(`/api/cases/${c.id}/assist-reply`, { reply: '住建局已核查，由城管牵头处理' });
    expect(part.status, part.body).toBe(200);
    const reply = await handler.post(`/api/cases/${c.id}/reply`, { reply: '会同住建局处理完毕' });
    expect(reply.status, reply.body).toBe(200);
    const tl = reply.json.timeline.map((e: any) => e.action);
    expect(tl).toEqual(expect.arrayContaining(['summon', 'report', 'assist_reply', 'reply']));
    expect(reply.json.summons[0].reportedAt).not.toBeNull();
    expect(reply.json.summons[0].answeredAt).not.toBeNull();
  });

  it('anti-fraud warnings run minute limits on the 24x7 calendar', async () => {
    const police = await t.login('operator');
    const c = await police.post('/api/cases', caseBody({ type: 'help', urgency: 'urgent', categoryCode: '0903', title: '反诈预警：居民正在接听诈骗电话' }));
    expect(c.json.deadline.clock).toBe('dispatch');
    const created = new Date(c.json.createdAt).getTime();
    expect(new Date(c.json.deadline.dueAt).getTime() - created).toBeLessThanOrEqual(61_000);
    const d = await op.post(`/api/cases/${c.json.id}/dispatch`, { leadUnitId: world.units.cgA.id });
    const a = await handler.post(`/api/cases/${c.json.id}/accept`);
    expect(a.json.deadline.clock).toBe('arrive');
    const dispatchedAt = new Date(d.json.updatedAt).getTime();
    expect(Math.abs(new Date(a.json.deadline.dueAt).getTime() - (dispatchedAt + 5 * 60_000))).toBeLessThan(2000);
    await sweeper.sweep(new Date(a.json.deadline.dueAt).getTime() + 1000);
    expect((await op.get(`/api/cases/${c.json.id}`)).json.deadline.warning).toBe('red');
    const arrive = await handler.post(`/api/cases/${c.json.id}/arrive`, { comment: '民警已上门劝阻' });
    expect(arrive.json.deadline.clock).toBe('reply');
    expect(naturalCalendar().mode).toBe('natural');
  });

  it('calendars and policies are data an admin edits over the API', async () => {
    const admin = await t.login('admin');
    const cals = await admin.get('/api/calendars');
    expect(cals.json.map((c: any) => c.name).sort()).toEqual(['24x7', 'default']);
    // Import next year's schedule as the State Council publishes it.
    const imp = await admin.post('/api/calendars/default/import', { years: { '2027': { holidays: ['2027-01-01'], workdays: ['2027-01-03'] } } });
    expect(imp.status, imp.body).toBe(200);
    const days = await admin.get('/api/calendars/default/days?year=2027');
    expect(days.json).toEqual([
      { day: '2027-01-01', kind: 'off', note: null },
      { day: '2027-01-03', kind: 'work', note: null },
    ]);
    const dl = await admin.get(`/api/calendars/default/deadline?from=${encodeURIComponent('2026-02-13T08:00:00Z')}&limit=5d`);
    expect(dl.json.dueAt).toBe('2026-02-27T09:30:00.000Z'); // Fri 13 Feb 16:00 + 5 working days across Spring Festival -> Fri 27 Feb 17:30
    const bad = await admin.put('/api/time-limit-policies', { name: 'x', calendar: 'default', replyLimit: '5 days' });
    expect(bad.status).toBe(400);
    expect(bad.json.errors[0].field).toBe('replyLimit');
    const pol = await admin.put('/api/time-limit-policies', { name: '表扬 praise', caseType: 'praise', calendar: 'default', replyLimit: '1d', dispatchLimit: '4h' });
    expect(pol.status, pol.body).toBe(200);
    const c = await op.post('/api/cases', caseBody({ type: 'praise', title: '表扬城管队员' }));
    const policy = (await t.server.ctx.db.query<{ name: string }>(`SELECT p.name FROM cases c JOIN time_limit_policies p ON p.id = c.policy_id WHERE c.id = $1`, [c.json.id]))[0];
    expect(policy.name).toBe('表扬 praise');
    expect((await op.put('/api/time-limit-policies', { name: 'y', calendar: 'default', replyLimit: '1d' })).status).toBe(403);
  });
});

describe.each(TEST_DATABASES)('supervision notices on $name', (tdb) => {
  let t: TestServer;
  let world: World;
  useTestServer(tdb, (s) => ({ t, world } = s));

  it('the lead unit hears of dispatch, warnings and overdue; the supervising unit of escalation', async () => {
    const op = await t.login('operator');
    const h = await t.login('handler_a');
    const c = await op.post('/api/cases', caseBody());
    const d = await op.post(`/api/cases/${c.json.id}/dispatch`, { leadUnitId: world.units.cgA.id });
    const sweeper = t.server.ctx.services.sweeper;
    await sweeper.sweep(new Date(d.json.deadline.dueAt).getTime() + 1000);
    const inbox = await h.get(`/api/notifications?caseId=${c.json.id}`);
    expect(inbox.status, inbox.body).toBe(200);
    expect(inbox.json.items.map((n: any) => n.kind).sort()).toEqual(['dispatched', 'warning_red']);
    const count = await h.get('/api/notifications/unread-count');
    expect(count.json.total).toBeGreaterThanOrEqual(2);
    // Another unit's handler hears nothing of it.
    const other = await t.login('handler_b');
    expect((await other.get(`/api/notifications?caseId=${c.json.id}`)).json.items).toHaveLength(0);
  });
});

/** What the admin pages for categories, policies and holidays rely on. */
describe.each(TEST_DATABASES)('admin rules: categories, policies, holidays on $name', (tdb) => {
  let t: TestServer;
  useTestServer(tdb, (s) => ({ t } = s));

  it('categories: a child needs its parent; deactivating a branch deactivates its children; names and order change', async () => {
    const admin = await t.login('admin');
    const orphan = await admin.put('/api/categories', [{ code: '9901', name: '孤儿分类' }]);
    expect(orphan.status, orphan.body).toBe(422);
    expect(orphan.headers['content-type']).toMatch(/problem\+json/);
    expect(orphan.json.errors[0].field).toBe('0.code');
    // Parent and child in one batch, in any order.
    const both = await admin.put('/api/categories', [
      { code: '9901', name: '试点事项', sort: 2 },
      { code: '99', name: '试点分类', sort: 99 },
      { code: '9902', name: '试点事项二', sort: 1 },
    ]);
    expect(both.status, both.body).toBe(200);
    expect(both.json.upserted).toBe(3);
    const blank = await admin.put('/api/categories', [{ code: '9903', name: '  ' }]);
    expect(blank.status).toBe(400);
    expect(blank.json.errors[0].field).toBe('0.name');
    // Rename and reorder.
    expect((await admin.put('/api/categories', [{ code: '9901', name: '试点事项（改）', sort: 0 }])).status).toBe(200);
    // Deactivate the branch: children follow, the codes stay for old cases.
    expect((await admin.put('/api/categories', [{ code: '99', name: '试点分类', sort: 99, active: false }])).status).toBe(200);
    const rows = ((await admin.get('/api/categories')).json as any[]).filter((c) => c.code.startsWith('99'));
    expect(rows.map((c) => [c.code, c.name, c.sort, c.active])).toEqual([
      ['99', '试点分类', 99, false],
      ['9901', '试点事项（改）', 0, false],
      ['9902', '试点事项二', 1, false],
    ]);
    expect((await (await t.login('operator')).put('/api/categories', [{ code: '9904', name: 'x' }])).status).toBe(403);
  });

  it('policies: unknown category refused naming the field; the matcher says which policy a case gets and why', async () => {
    const admin = await t.login('admin');
    const unknown = await admin.put('/api/time-limit-policies', { name: '无此分类', categoryCode: '9988', calendar: 'default', replyLimit: '3d' });
    expect(unknown.status, unknown.body).toBe(422);
    expect(unknown.json.errors[0].field).toBe('categoryCode');
    const ratio = await admin.put('/api/time-limit-policies', { name: 'r', calendar: 'default', replyLimit: '3d', yellowRatio: 1.2 });
    expect(ratio.status).toBe(400);
    expect(ratio.json.errors[0].field).toBe('yellowRatio');
    const noCal = await admin.put('/api/time-limit-policies', { name: 'c', calendar: 'nope', replyLimit: '3d' });
    expect(noCal.json.errors[0].field).toBe('calendar');

    const before = await admin.get('/api/time-limit-policies/match?type=complaint&categoryCode=0101');
    expect(before.status, before.body).toBe(200);
    expect(before.json.policy.name).toBe('投诉 complaint');
    expect(before.json.matches.map((m: any) => m.name)).toEqual(['投诉 complaint', '默认 default']);
    // A policy for the 路灯 branch outranks the case-type policy (category depth first).
    expect((await admin.put('/api/time-limit-policies', { name: '路灯 lamps', categoryCode: '0101', calendar: 'default', replyLimit: '2d' })).status).toBe(200);
    const after = await admin.get('/api/time-limit-policies/match?type=complaint&categoryCode=010101');
    expect(after.json.policy).toMatchObject({ name: '路灯 lamps', replyLimit: '2d' });
    expect(after.json.matches[0].score).toBeGreaterThan(after.json.matches[1].score);
    expect((await admin.get('/api/time-limit-policies/match?type=bogus')).status).toBe(400);
    // Urgent on the 24x7 calendar: the anti-fraud category has its own.
    const fraud = await admin.get('/api/time-limit-policies/match?type=report&categoryCode=0903&urgency=urgent');
    expect(fraud.json.policy.calendar).toBe('24x7');
  });

  it('holidays: a day toggled off and back, an import with its source, bad imports named', async () => {
    const admin = await t.login('admin');
    // 2026-03-02 is a Monday: mark it a holiday, and the 3-day limit from Friday moves by a day.
    const from = encodeURIComponent('2026-02-27T02:00:00Z'); // Fri 10:00 Shanghai
    const base = (await admin.get(`/api/calendars/default/deadline?from=${from}&limit=3d`)).json.dueAt;
    expect(base).toBe('2026-03-03T09:30:00.000Z'); // Sat 28 Feb is a make-up working day (调休): Sat, Mon, Tue 17:30
    const put = await admin.put('/api/calendars/default/days', { days: [{ day: '2026-03-02', kind: 'off', note: '地方假日' }] });
    expect(put.status, put.body).toBe(200);
    expect((await admin.get(`/api/calendars/default/deadline?from=${from}&limit=3d`)).json.dueAt).toBe('2026-03-04T09:30:00.000Z');
    const del = await admin.del('/api/calendars/default/days/2026-03-02');
    expect(del.status, del.body).toBe(204);
    expect((await admin.get(`/api/calendars/default/deadline?from=${from}&limit=3d`)).json.dueAt).toBe(base);
    expect((await admin.del('/api/calendars/default/days/2026-03-02')).status).toBe(404);
    const badDay = await admin.del('/api/calendars/default/days/2026-13-02');
    expect(badDay.status).toBe(400);
    expect(badDay.json.errors[0].field).toBe('day');
    expect((await (await t.login('operator')).del('/api/calendars/default/days/2026-01-01')).status).toBe(403);

    const source = '国务院办公厅关于2028年部分节假日安排的通知';
    const imp = await admin.post('/api/calendars/default/import', { source, years: { '2028': { holidays: ['2028-01-01', '2028-01-02'], workdays: ['2028-01-08'] } } });
    expect(imp.status, imp.body).toBe(200);
    const days = (await admin.get('/api/calendars/default/days?year=2028')).json;
    expect(days).toEqual([
      { day: '2028-01-01', kind: 'off', note: source },
      { day: '2028-01-02', kind: 'off', note: source },
      { day: '2028-01-08', kind: 'work', note: source },
    ]);
    const wrongYear = await admin.post('/api/calendars/default/import', { years: { '2029': { holidays: ['2030-01-01'], workdays: [] } } });
    expect(wrongYear.status).toBe(422);
    expect(wrongYear.json.errors[0].field).toBe('years.2030');
    const clash = await admin.post('/api/calendars/default/import', { years: { '2029': { holidays: ['2029-01-06'], workdays: ['2029-01-06'] } } });
    expect(clash.status).toBe(422);
    expect(clash.json.errors[0].field).toBe('years');
    const badDate = await admin.post('/api/calendars/default/import', { years: { '2029': { holidays: ['2029-02-30'], workdays: [] } } });
    expect(badDate.status).toBe(422);
    expect((await admin.post('/api/calendars/nope/import', { years: { '2029': { holidays: [], workdays: [] } } })).status).toBe(404);
    // The failed imports changed nothing.
    expect((await admin.get('/api/calendars/default/days?year=2029')).json).toEqual([]);
  });
});
