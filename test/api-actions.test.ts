/**
 * Every lifecycle action endpoint over HTTP (built from ACTIONS, so a new action
 * without a spec here fails to compile): success, wrong state 409, wrong role
 * 403, wrong unit 403, missing field; optimistic concurrency; the timeline.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { TEST_DATABASES, seedWorld, startTestServer, loginCitizen, caseBody, bodyFromSchema, type Client, type TestServer, type World } from './helpers.ts';
import { ACTIONS, RULES, STATUSES, replay, type Action, type Status } from '../src/cases/lifecycle.ts';
import { ACTION_BODIES } from '../src/cases/model.ts';
import type { Role } from '../src/org/roles.ts';

type Res = Awaited<ReturnType<TestServer['request']>>;

function expectProblem(res: Res, status: number, field?: string) {
  expect(res.status, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  if (field) expect(res.json.errors?.map((e: any) => e.field), res.body).toContain(field);
}

const path = (ref: string, a: Action) => `/api/cases/${ref}/${a.replace(/_/g, '-')}`;

/** Users are named by seed username; 'citizen' is the citizen who reported the case. */
type Who = 'operator' | 'dispatcher' | 'supervisor' | 'handler_a' | 'township_a' | 'citizen' | 'admin';
const ROLE_OF: Record<Who, Role> = {
  operator: 'operator',
  dispatcher: 'dispatcher',
  supervisor: 'supervisor',
  handler_a: 'handler',
  township_a: 'township',
  citizen: 'citizen',
  admin: 'admin',
};

/** The success path of an action: what the generic checks cannot know. */
interface Spec {
  /** A state the action is allowed from. */
  state: Status;
  actor: Who;
  body: Record<string, unknown> | ((world: World) => Record<string, unknown>);
  to: Status;
}

/** Success paths by action. Actions without one still get every generic check (and a todo). */
const SPECS: Partial<Record<Action, Spec>> = {
  dispatch: { state: 'registered', actor: 'operator', body: (w) => ({ leadUnitId: w.units.cgA.id }), to: 'dispatched' },
  accept: { state: 'dispatched', actor: 'handler_a', body: {}, to: 'accepted' },
  return: { state: 'dispatched', actor: 'handler_a', body: { comment: '不属于本单位职责范围' }, to: 'returned' },
  start: { state: 'accepted', actor: 'handler_a', body: {}, to: 'in_progress' },
  reply: { state: 'in_progress', actor: 'handler_a', body: { reply: '已更换灯泡，路灯恢复正常。' }, to: 'replied' },
  verify: { state: 'replied', actor: 'operator', body: { solved: true }, to: 'verified' },
  close: { state: 'verified', actor: 'operator', body: {}, to: 'closed' },
  close_directly: { state: 'registered', actor: 'operator', body: { reply: '已电话解答政策问题' }, to: 'closed' },
  rate: { state: 'closed', actor: 'citizen', body: { rating: 4, comment: '处理及时' }, to: 'rated' },
  reopen: { state: 'rated', actor: 'dispatcher', body: { comment: '群众不满意，重新办理' }, to: 'dispatched' },
  cancel: { state: 'registered', actor: 'operator', body: { comment: '重复来电，作废' }, to: 'cancelled' },
  transfer_police: { state: 'registered', actor: 'operator', body: { comment: '涉及打架斗殴，属公安管辖', externalRef: '110-0001' }, to: 'transferred' },
  urge: { state: 'dispatched', actor: 'supervisor', body: { comment: '请尽快办理' }, to: 'dispatched' },
  supervise: { state: 'dispatched', actor: 'supervisor', body: { comment: '限三个工作日内办结' }, to: 'dispatched' },
  note: { state: 'registered', actor: 'operator', body: { comment: '来电人补充：晚上八点后最明显' }, to: 'registered' },
  arrive: { state: 'accepted', actor: 'handler_a', body: { comment: '已到现场' }, to: 'accepted' },
  request_extension: { state: 'in_progress', actor: 'handler_a', body: { duration: '1d', comment: '需协调供电公司更换线路' }, to: 'in_progress' },
  summon: { state: 'accepted', actor: 'supervisor', body: (w) => ({ unitIds: [w.units.zjA.id], comment: '请住建局到现场会商' }), to: 'accepted' },
  unmerge: { state: 'merged', actor: 'operator', body: { comment: '并非同一事项' }, to: 'registered' },
  // merge needs a main case's id; decide_extension, report and assist_reply need a pending request or a summons first: see test/timelimits.test.ts.
};

/** A valid body for any action, from its schema (new actions need only a value for a new field name). */
function validBody(world: World, action: Action) {
  const values = {
    leadUnitId: world.units.cgA.id,
    unitIds: [world.units.zjA.id],
    comment: '请处理此事项',
    reply: '已处理完毕',
    solved: true,
    rating: 2,
    approve: true,
    duration: '3d',
    // A uuid no case has: enough for the generic refusals, which never reach the reference check.
    duplicateOf: '00000000-0000-7000-8000-000000000000',
  };
  return bodyFromSchema(ACTION_BODIES[action], values, `POST /api/cases/:ref/${action}`);
}

/** States caseIn() can produce, in the order tried when an allowed or a refused state is wanted. */
const REACHABLE: Status[] = ['registered', 'dispatched', 'accepted', 'in_progress', 'replied', 'verified', 'closed', 'rated', 'returned', 'transferred', 'cancelled', 'merged'];

describe.each(TEST_DATABASES)('case actions API on $name', (tdb) => {
  let t: TestServer;
  let world: World;
  const users = {} as Record<Who, Client>;

  beforeAll(async () => {
    const db = await tdb.open();
    world = await seedWorld(db);
    t = await startTestServer(db);
    for (const u of ['operator', 'dispatcher', 'supervisor', 'handler_a', 'township_a', 'admin'] as const) users[u] = await t.login(u);
    users.citizen = await loginCitizen(t, '13700000001');
  });
  afterAll(async () => {
    await t?.close();
    await t?.server.ctx.db.close();
  });

  const act = (who: Who, ref: string, a: Action, body: Record<string, unknown> = {}, headers?: Record<string, string>) =>
    users[who].post(path(ref, a), body, headers);
  const ok = async (who: Who, ref: string, a: Action, body: Record<string, unknown> = {}) => {
    const r = await act(who, ref, a, body);
    expect(r.status, `${a} by ${who}: ${r.body}`).toBe(200);
    return r.json;
  };

  /** A case reported by the citizen, led by 岳阳楼区城管局 once dispatched, driven to `state`. */
  async function caseIn(state: Status): Promise<{ id: string; no: string }> {
    const created = await users.citizen.post('/api/cases', caseBody({ reporter: undefined }));
    expect(created.status, created.body).toBe(201);
    const { id, no } = created.json;
    const d = () => ok('operator', id, 'dispatch', { leadUnitId: world.units.cgA.id });
    const steps: Record<Status, () => Promise<unknown>> = {
      registered: async () => {},
      dispatched: d,
      accepted: async () => (await d(), ok('handler_a', id, 'accept')),
      in_progress: async () => (await steps.accepted(), ok('handler_a', id, 'start')),
      replied: async () => (await steps.in_progress(), ok('handler_a', id, 'reply', { reply: '已处理' })),
      verified: async () => (await steps.replied(), ok('operator', id, 'verify', { solved: true })),
      closed: async () => (await steps.verified(), ok('operator', id, 'close')),
      rated: async () => (await steps.closed(), ok('citizen', id, 'rate', { rating: 1, comment: '没有解决' })),
      returned: async () => (await d(), ok('handler_a', id, 'return', { comment: '不属于本单位' })),
      transferred: () => ok('operator', id, 'transfer_police', { comment: '属公安管辖' }),
      cancelled: () => ok('operator', id, 'cancel', { comment: '重复工单' }),
      merged: async () => {
        const main = await users.operator.post('/api/cases', caseBody());
        return ok('operator', id, 'merge', { duplicateOf: main.json.id });
      },
    };
    await steps[state]();
    const row = await t.server.ctx.db.query<{ status: Status }>(`SELECT status FROM cases WHERE id = $1`, [id]);
    expect(row[0].status).toBe(state);
    return { id, no };
  }

  /** One case per state for the refusal checks: a refusal changes nothing, so they may share it. */
  const shared = new Map<Status, Promise<{ id: string; no: string }>>();
  const sharedCaseIn = (state: Status) => {
    if (!shared.has(state)) shared.set(state, caseIn(state));
    return shared.get(state)!;
  };

  const snapshot = async (id: string) => {
    const r = await t.server.ctx.db.query<{ status: string; version: number; n: number }>(
      `SELECT status, version, (SELECT count(*)::int FROM case_events WHERE case_id = c.id) AS n FROM cases c WHERE id = $1`,
      [id],
    );
    return r[0];
  };

  it('the success specs fit the rules', () => {
    for (const [a, spec] of Object.entries(SPECS) as [Action, Spec][]) {
      expect(RULES[a].from, a).toContain(spec.state);
      if (spec.actor !== 'admin') expect(RULES[a].roles, a).toContain(ROLE_OF[spec.actor]);
    }
  });

  describe.each([...ACTIONS])('POST /api/cases/:ref/%s', (action) => {
    const rule = RULES[action];

    it('refuses missing fields (400 naming each), unknown fields, and a role that may not act (403)', async () => {
      const c = await sharedCaseIn('dispatched');
      const before = await snapshot(c.id);
      const body = validBody(world, action);
      for (const field of Object.keys(body)) {
        const { [field]: _omitted, ...without } = body;
        expectProblem(await act('admin', c.id, action, without), 400, field);
      }
      expectProblem(await act('admin', c.id, action, { ...body, priority: 'high' }), 400, 'priority');
      // The role is checked before the state, so any case the user can see will do.
      const wrongRole = (['township_a', 'supervisor', 'dispatcher', 'operator', 'handler_a', 'citizen'] as const).find((u) => !rule.roles.includes(ROLE_OF[u]))!;
      expectProblem(await act(wrongRole, c.id, action, body), 403);
      expect(await snapshot(c.id)).toEqual(before);
    });

    it('refuses a wrong state with 409', async () => {
      const wrong = (['closed', 'cancelled', 'in_progress', 'registered'] as const).find((s) => !rule.from.includes(s));
      if (!wrong) {
        // Only notes may follow any state.
        expect(rule.from).toEqual(STATUSES);
        return;
      }
      const c = await sharedCaseIn(wrong);
      const before = await snapshot(c.id);
      // The admin passes every role and relation check, so only the state refuses.
      const res = await act('admin', c.id, action, validBody(world, action));
      expectProblem(res, 409, 'status');
      // `status` is the HTTP status (RFC 9457); the case's state has its own member.
      expect(res.json).toMatchObject({ status: 409, caseStatus: wrong });
      expect(await snapshot(c.id)).toEqual(before);
    });

    if (rule.relation && rule.relation !== 'reporterOrStaff' && rule.roles.includes('township')) {
      it('refuses a handler outside the unit the action needs (403)', async () => {
        // The township office sees the case by jurisdiction but is not its lead, summoned or assisting unit.
        const state = REACHABLE.find((s) => rule.from.includes(s))!;
        const c = await sharedCaseIn(state);
        const before = await snapshot(c.id);
        expectProblem(await act('township_a', c.id, action, validBody(world, action)), 403);
        expect(await snapshot(c.id)).toEqual(before);
      });
    }

    const spec = SPECS[action];
    if (!spec) {
      it.todo(`succeeds (add a success spec for ${action} to SPECS in test/api-actions.test.ts)`);
      return;
    }
    it('succeeds from an allowed state, by case number too, with exactly one new event', async () => {
      const body = typeof spec.body === 'function' ? spec.body(world) : spec.body;
      const c = await caseIn(spec.state);
      const before = await snapshot(c.id);
      const res = await act(spec.actor, c.no, action, body);
      expect(res.status, res.body).toBe(200);
      expect(res.json.status).toBe(spec.to);
      expect(res.json.version).toBe(before.version + 1);
      const last = res.json.timeline[res.json.timeline.length - 1];
      expect(last).toMatchObject({ seq: before.version + 1, action, fromStatus: spec.state, toStatus: spec.to });
      if (spec.actor !== 'citizen') expect(last.actor).toEqual({ id: expect.any(String), name: spec.actor });
      if (typeof body.comment === 'string') expect(last.comment).toBe(body.comment);
      expect(await snapshot(c.id)).toEqual({ status: spec.to, version: before.version + 1, n: before.n + 1 });
    });
  });

  describe('action rules that depend on input and facts', () => {
    it('only the lead unit handles: an assisting unit sees the case but may not accept it; another unit does not see it', async () => {
      const c = await caseIn('registered');
      await ok('operator', c.id, 'dispatch', { leadUnitId: world.units.cgA.id, assistUnitIds: [world.units.zjA.id] });
      const assisting = await t.login('handler_a2');
      expect((await assisting.get(`/api/cases/${c.id}`)).status).toBe(200);
      expectProblem(await assisting.post(path(c.id, 'accept')), 403);
      const other = await t.login('handler_b');
      expectProblem(await other.post(path(c.id, 'accept')), 404);
      expect((await ok('handler_a', c.id, 'accept')).status).toBe('accepted');
    });

    it('dispatch checks the units it names', async () => {
      const c = await caseIn('registered');
      expectProblem(await act('operator', c.id, 'dispatch', { leadUnitId: world.units.cgA.id, assistUnitIds: [world.units.cgA.id] }), 422, 'assistUnitIds');
      expectProblem(await act('operator', c.id, 'dispatch', { leadUnitId: '01900000-0000-7000-8000-000000000000' }), 422, 'leadUnitId');
      expectProblem(await act('operator', c.id, 'dispatch', { leadUnitId: world.units.cgA.id, assistUnitIds: [world.units.zjA.id, '01900000-0000-7000-8000-000000000000'] }), 422, 'assistUnitIds.1');
      expectProblem(await act('operator', c.id, 'dispatch', { leadUnitId: 'CG-430602' }), 400, 'leadUnitId');
      // Re-dispatch to another unit is allowed while dispatched.
      await ok('operator', c.id, 'dispatch', { leadUnitId: world.units.cgA.id });
      const again = await ok('dispatcher', c.id, 'dispatch', { leadUnitId: world.units.zjA.id, comment: '改派住建局' });
      expect(again.leadUnitId).toBe(world.units.zjA.id);
    });

    it('verify: not solved needs a reason and sends the case back to the lead unit', async () => {
      const c = await caseIn('replied');
      expectProblem(await act('operator', c.id, 'verify', { solved: false }), 422, 'comment');
      expectProblem(await act('operator', c.id, 'verify', { solved: 'yes' }), 400, 'solved');
      const back = await ok('operator', c.id, 'verify', { solved: false, comment: '回访群众称仍未修好' });
      expect(back).toMatchObject({ status: 'in_progress', solved: false });
    });

    it('verify: a case that cannot be solved closes as unsolved when the operator says so, and counts against the resolution rate', async () => {
      const c = await caseIn('replied');
      expectProblem(await act('operator', c.id, 'verify', { solved: true, closeUnsolved: true }), 422, 'closeUnsolved');
      expectProblem(await act('operator', c.id, 'verify', { solved: false, closeUnsolved: true }), 422, 'comment');
      const verified = await ok('operator', c.id, 'verify', { solved: false, closeUnsolved: true, comment: '规划原因暂无法增设，已向群众解释' });
      expect(verified).toMatchObject({ status: 'verified', solved: false });
      const closed = await ok('operator', c.id, 'close', {});
      expect(closed).toMatchObject({ status: 'closed', solved: false });
      const detail = await t.login('operator').then((op) => op.get(`/api/cases/${c.id}`));
      expect(detail.json.timeline.find((e: any) => e.action === 'verify').data).toMatchObject({ solved: false, closeUnsolved: true });
      const row = await t.server.ctx.db.query<{ created_at: Date }>(`SELECT created_at FROM cases WHERE id = $1`, [c.id]);
      const from = new Date(row[0].created_at.getTime() - 1000).toISOString();
      const to = new Date(row[0].created_at.getTime() + 1000).toISOString();
      const stats = await t.login('admin').then((a) => a.get(`/api/stats/rates?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`));
      expect(stats.status, stats.body).toBe(200);
      expect(stats.json.items[0].resolutionRate).toBeLessThan(1);
    });

    it('rate: 1 to 5 stars, only the reporter among citizens; a bad rating may be reopened, a good one not', async () => {
      const c = await caseIn('closed');
      expectProblem(await act('citizen', c.id, 'rate', { rating: 6 }), 400, 'rating');
      expectProblem(await act('citizen', c.id, 'rate', { rating: 2.5 }), 400, 'rating');
      const stranger = await loginCitizen(t, '13700000002');
      expectProblem(await stranger.post(path(c.id, 'rate'), { rating: 1 }), 404);
      expect(await ok('citizen', c.id, 'rate', { rating: 5 })).toMatchObject({ status: 'rated', rating: 5, ratingComment: null });
      const r = await act('supervisor', c.id, 'reopen', { comment: '领导要求重办' });
      expectProblem(r, 409);
      expect(r.json.detail).toMatch(/1-2/);
      const bad = await caseIn('rated');
      const reopened = await ok('supervisor', bad.id, 'reopen', { comment: '群众不满意' });
      expect(reopened).toMatchObject({ status: 'dispatched', leadUnitId: world.units.cgA.id, rating: null, reply: null, solved: null, closedAt: null });
    });

    it('cancel as a duplicate names a visible original; a case cannot duplicate itself', async () => {
      const original = await caseIn('registered');
      const dup = await caseIn('registered');
      expectProblem(await act('operator', dup.id, 'cancel', { comment: '重复', duplicateOf: dup.id }), 422, 'duplicateOf');
      expectProblem(await act('operator', dup.id, 'cancel', { comment: '重复', duplicateOf: '01900000-0000-7000-8000-000000000000' }), 422, 'duplicateOf');
      const cancelled = await ok('operator', dup.id, 'cancel', { comment: '与原工单重复', duplicateOf: original.id });
      expect(cancelled).toMatchObject({ status: 'cancelled', duplicateOf: original.id });
      // Cancelled is final: only notes follow.
      expectProblem(await act('operator', dup.id, 'dispatch', { leadUnitId: world.units.cgA.id }), 409, 'status');
      expect((await ok('operator', dup.id, 'note', { comment: '已告知来电人' })).status).toBe('cancelled');
    });

    it('transfer to police records the 110 reference', async () => {
      const c = await caseIn('registered');
      expect(await ok('dispatcher', c.id, 'transfer_police', { comment: '涉嫌诈骗', externalRef: '110-20261123-0042' })).toMatchObject({
        status: 'transferred',
        externalRef: '110-20261123-0042',
      });
    });

    it('unknown actions and unknown cases are 404', async () => {
      const c = await caseIn('registered');
      expectProblem(await users.operator.post(`/api/cases/${c.id}/approve`, {}), 404);
      expectProblem(await users.operator.post(path('01900000-0000-7000-8000-000000000000', 'note'), { comment: 'x' }), 404);
      expectProblem(await users.operator.post(path('20990101999999', 'note'), { comment: 'x' }), 404);
      expectProblem(await t.request('POST', path(c.id, 'note'), { body: { comment: 'x' } }), 401);
    });
  });

  describe('optimistic concurrency', () => {
    it('a stale version in the body or in If-Match is refused with 409; the current one passes', async () => {
      const c = await caseIn('dispatched'); // version 2
      const before = await snapshot(c.id);
      const stale = await act('handler_a', c.id, 'accept', { version: 1 });
      expectProblem(stale, 409);
      expect(stale.json.currentVersion).toBe(2);
      expectProblem(await act('handler_a', c.id, 'accept', {}, { 'if-match': '"1"' }), 409);
      expectProblem(await act('handler_a', c.id, 'accept', {}, { 'if-match': 'W/"7"' }), 409);
      expectProblem(await act('handler_a', c.id, 'accept', {}, { 'if-match': 'banana' }), 422, 'If-Match');
      expectProblem(await act('handler_a', c.id, 'accept', { version: 0 }), 400, 'version');
      expect(await snapshot(c.id)).toEqual(before);

      expect((await act('handler_a', c.id, 'accept', {}, { 'if-match': '"2"' })).json.version).toBe(3);
      expect((await act('handler_a', c.id, 'start', { version: 3 })).json.version).toBe(4);
      // The body's version wins over the header.
      expect((await act('handler_a', c.id, 'note', { comment: '现场查看', version: 4 }, { 'if-match': '"1"' })).status).toBe(200);
    });

    it('a note racing an action never makes the action fail: the action is decided again on the fresh row', async () => {
      const cases = await Promise.all(Array.from({ length: 10 }, () => caseIn('dispatched')));
      const results = await Promise.all(
        cases.flatMap((c) => [
          act('handler_a', c.id, 'accept', { version: 2 }),
          act('operator', c.id, 'note', { comment: '来电人再次来电催问' }),
          act('operator', c.id, 'note', { comment: '来电人补充联系方式' }),
        ]),
      );
      for (const r of results) expect(r.status, r.body).toBe(200);
      for (const c of cases) {
        const detail = await users.operator.get(`/api/cases/${c.id}`);
        expect(detail.json.status).toBe('accepted');
        expect(detail.json.version).toBe(5);
      }
    });

    it('a form loaded before a remark (note, urge) is not stale: only changes that move the case conflict', async () => {
      const c = await caseIn('dispatched'); // version 2
      expect((await act('operator', c.id, 'note', { comment: '来电人补充：晚上8点后在家' })).status).toBe(200); // version 3
      expect((await act('supervisor', c.id, 'urge', { comment: '请尽快签收' })).status).toBe(200); // version 4
      const accepted = await ok('handler_a', c.id, 'accept', { version: 2 });
      expect(accepted).toMatchObject({ status: 'accepted', version: 5 });
      // The accept moved the case: a form from before it is stale.
      expectProblem(await act('handler_a', c.id, 'start', { version: 4 }), 409);
      expectProblem(await act('handler_a', c.id, 'start', { version: 9 }), 409);
    });

    it('concurrent changes of one version: exactly one wins, the others get 409', async () => {
      const c = await caseIn('dispatched');
      const before = await snapshot(c.id);
      const results = await Promise.all(
        // A change that moves the case (remarks such as urges do not make each other stale).
        Array.from({ length: 6 }, (_, i) => act('handler_a', c.id, 'accept', { comment: `第${i + 1}次签收`, version: before.version })),
      );
      expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409, 409]);
      expect(await snapshot(c.id)).toMatchObject({ version: before.version + 1, n: before.n + 1 });
    });

    it('concurrent changes without a version: every success is one event, every loss a 409, never a lost update', async () => {
      const c = await caseIn('dispatched');
      const before = await snapshot(c.id);
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => act('operator', c.id, 'note', { comment: `备注${i}` })));
      const wins = results.filter((r) => r.status === 200).length;
      expect(results.every((r) => r.status === 200 || r.status === 409), results.map((r) => r.body).join('\n')).toBe(true);
      expect(wins).toBeGreaterThanOrEqual(1);
      expect(await snapshot(c.id)).toEqual({ status: 'dispatched', version: before.version + wins, n: before.n + wins });
    });
  });

  describe('timeline', () => {
    it('lists one event per change, in order, with actor names and units, replaying to the row', async () => {
      const c = await caseIn('registered');
      await ok('operator', c.id, 'note', { comment: '补充地址' });
      await ok('operator', c.id, 'dispatch', { leadUnitId: world.units.cgA.id, assistUnitIds: [world.units.zjA.id] });
      await ok('handler_a', c.id, 'return', { comment: '应由住建局主办' });
      await ok('dispatcher', c.id, 'dispatch', { leadUnitId: world.units.zjA.id });
      await ok('supervisor', c.id, 'supervise', { comment: '请住建局限期办结' });
      const handler2 = await t.login('handler_a2');
      expect((await handler2.post(path(c.id, 'accept'))).status).toBe(200);
      expect((await handler2.post(path(c.id, 'reply'), { reply: '已督促物业修复' })).status).toBe(200);
      await ok('operator', c.id, 'verify', { solved: true });
      const closed = await ok('operator', c.id, 'close');

      const tl = closed.timeline as any[];
      expect(tl.map((e) => e.seq)).toEqual(tl.map((_, i) => i + 1));
      expect(tl.map((e) => [e.action, e.actor?.name])).toEqual([
        ['create', '群众0001'],
        ['note', 'operator'],
        ['dispatch', 'operator'],
        ['return', 'handler_a'],
        ['dispatch', 'dispatcher'],
        ['supervise', 'supervisor'],
        ['accept', 'handler_a2'],
        ['reply', 'handler_a2'],
        ['verify', 'operator'],
        ['close', 'operator'],
      ]);
      // Each event starts where the previous one ended.
      for (let i = 1; i < tl.length; i++) expect(tl[i].fromStatus, `event ${i + 1}`).toBe(tl[i - 1].toStatus);
      expect(tl.map((e) => e.at)).toEqual([...tl.map((e) => e.at)].sort());
      expect(replay(tl)).toBe(closed.status);
      expect(tl[2]).toMatchObject({ actionLabel: '派单', data: { leadUnitId: world.units.cgA.id, assistUnitIds: [world.units.zjA.id] }, actorUnit: { name: '岳阳市12345热线中心' } });
      expect(tl[3]).toMatchObject({ comment: '应由住建局主办', actorUnit: { name: '岳阳楼区城管局' } });
      expect(tl[7].data).toEqual({ reply: '已督促物业修复' });
      expect(closed.version).toBe(tl.length);
    });

    it('events are append-only: UPDATE and DELETE on case_events fail', async () => {
      const c = await caseIn('dispatched');
      const db = t.server.ctx.db;
      await expect(db.query(`UPDATE case_events SET comment = 'rewritten' WHERE case_id = $1`, [c.id])).rejects.toThrow(/append-only/);
      await expect(db.query(`DELETE FROM case_events WHERE case_id = $1`, [c.id])).rejects.toThrow(/append-only/);
      await expect(db.tx((q) => q.query(`DELETE FROM case_events WHERE case_id = $1 AND seq = 2`, [c.id]))).rejects.toThrow(/append-only/);
      expect((await snapshot(c.id)).n).toBe(2);
    });
  });
});
