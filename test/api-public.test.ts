/**
 * Public tracking by number + phone (no sign-in) and rating by the reporter:
 * the phone must match (in any spelling), a wrong phone looks exactly like an
 * unknown number, anonymous cases cannot be tracked, attempts are limited, the
 * timeline shows no internal notes, staff names or phones, and only the
 * reporter, proven by a one-time code, may rate a closed case.
 */
import { describe, it, expect } from 'vitest';
import { TEST_DATABASES, useTestServer, caseBody, loginCitizen, type Client, type TestServer, type World } from './helpers.ts';
import { TRACK_LIMITS } from '../src/cases/public.ts';

type Res = Awaited<ReturnType<TestServer['request']>>;

function expectProblem(res: Res, status: number, field?: string) {
  expect(res.status, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  if (field) expect(res.json.errors?.map((e: any) => e.field), res.body).toContain(field);
}

const PHONE = '13812345678';
let ipSeq = 0;
/** Each test tracks from its own address, so the per-IP limit of one test does not leak into the next. */
const freshIp = () => `10.0.${Math.floor(++ipSeq / 250)}.${ipSeq % 250}`;

for (const tdb of TEST_DATABASES) {
  describe(`public tracking and rating [${tdb.name}]`, () => {
    let t: TestServer;
    let world: World;
    let operator: Client;
    let handler: Client;

    useTestServer(tdb, async (s) => {
      t = s.t;
      world = s.world;
      operator = await t.login('operator');
      handler = await t.login('handler_a');
    });

    const track = (body: unknown, ip = freshIp(), cookie?: string) => t.request('POST', '/api/public/track', { body, cookie, remoteAddress: ip });

    async function newCase(over: Record<string, unknown> = {}) {
      const r = await operator.post('/api/cases', caseBody(over));
      expect(r.status, r.body).toBe(201);
      return r.json as { id: string; no: string };
    }

    /** Walks a case through dispatch (after a return), accept, notes, reply, verify and close as staff. */
    async function closedCase(over: Record<string, unknown> = {}) {
      const c = await newCase(over);
      const ok = (r: Res) => expect(r.status, r.body).toBe(200);
      ok(await operator.post(`/api/cases/${c.id}/dispatch`, { leadUnitId: world.units.zjA.id, comment: '派单意见：请住建局王科长联系 13900009999' }));
      const zj = await t.login('handler_a2');
      ok(await zj.post(`/api/cases/${c.id}/return`, { comment: '不属于本单位，建议转城管局赵某处理' }));
      ok(await operator.post(`/api/cases/${c.id}/dispatch`, { leadUnitId: world.units.cgA.id }));
      ok(await handler.post(`/api/cases/${c.id}/accept`, {}));
      ok(await operator.post(`/api/cases/${c.id}/note`, { comment: '内部备注：反映人情绪激动，家住3栋502' }));
      ok(await operator.post(`/api/cases/${c.id}/urge`, { comment: '内部催办' }));
      ok(await handler.post(`/api/cases/${c.id}/reply`, { reply: '已更换灯泡，路灯恢复正常。', comment: '承办人赵某现场处理' }));
      ok(await operator.post(`/api/cases/${c.id}/verify`, { solved: true, comment: '回访：张三确认已解决' }));
      ok(await operator.post(`/api/cases/${c.id}/close`, {}));
      return c;
    }

    it('answers the public view with the right phone, in any spelling', async () => {
      const c = await newCase();
      for (const phone of [PHONE, '+86 138-1234-5678', '0086 138 1234 5678']) {
        const r = await track({ no: c.no, phone });
        expect(r.status, r.body).toBe(200);
        expect(r.headers['cache-control']).toBe('no-store');
        expect(r.json).toMatchObject({ no: c.no, status: 'registered', statusLabel: '已受理', type: 'complaint', typeLabel: '投诉', phone: '138****5678', canRate: false, viewerIsReporter: false });
        expect(r.json.categoryName).toBeTruthy();
        expect(r.json.timeline.map((e: any) => e.action)).toEqual(['create']);
      }
      // Spaces in the number are forgiven too (read out from an SMS).
      expect((await track({ no: ` ${c.no.slice(0, 8)} ${c.no.slice(8)} `, phone: PHONE })).status).toBe(200);
    });

    it('answers a wrong phone and an unknown number with the same 404', async () => {
      const c = await newCase();
      const wrong = await track({ no: c.no, phone: '13812345679' });
      const unknown = await track({ no: '20990101999999', phone: PHONE });
      expectProblem(wrong, 404, 'phone');
      expectProblem(unknown, 404, 'phone');
      expect(wrong.json).toEqual(unknown.json);
      // Both attempts are audited, without the phone that was tried.
      const audits = await t.server.ctx.db.query<{ action: string; detail: any; entity_id: string | null; ip: string }>(
        `SELECT action, detail, entity_id, ip FROM audit_log WHERE action LIKE 'public_track%' AND detail->>'no' = ANY ($1)`,
        [[c.no, '20990101999999']],
      );
      expect(audits.map((a) => a.detail.reason).sort()).toEqual(['phone', 'unknown']);
      expect(JSON.stringify(audits)).not.toContain('13812345679');
    });

    it('audits every successful read', async () => {
      const c = await newCase();
      const ip = freshIp();
      expect((await track({ no: c.no, phone: PHONE }, ip)).status).toBe(200);
      const rows = await t.server.ctx.db.query<{ entity_id: string; ip: string }>(`SELECT entity_id, ip FROM audit_log WHERE action = 'public_track' AND entity_id = $1`, [c.id]);
      expect(rows).toEqual([{ entity_id: c.id, ip }]);
    });

    it('refuses anonymous cases and cases with only a short number', async () => {
      const anon = await newCase({ reporter: undefined });
      expectProblem(await track({ no: anon.no, phone: PHONE }), 404);
      const short = await newCase({ reporter: { name: '李四', phone: '12345' } });
      // A short service number is no secret: it is refused as a phone, so such a case is never found.
      expectProblem(await track({ no: short.no, phone: '12345' }), 400, 'phone');
      expectProblem(await track({ no: short.no, phone: '0000012345' }), 404);
    });

    it('names the field of bad input', async () => {
      expectProblem(await track({ no: 'abc', phone: PHONE }), 400, 'no');
      expectProblem(await track({ no: '20261124000001', phone: '12' }), 400, 'phone');
      expectProblem(await track({ no: '20261124000001' }), 400, 'phone');
      expectProblem(await track({ no: '20261124000001', phone: PHONE, extra: 1 }), 400);
    });

    it('shows a timeline without internal notes, comments, staff names or phones', async () => {
      const c = await closedCase();
      const r = await track({ no: c.no, phone: PHONE });
      expect(r.status, r.body).toBe(200);
      const v = r.json;
      expect(v.timeline.map((e: any) => e.action)).toEqual(['create', 'dispatch', 'return', 'dispatch', 'accept', 'reply', 'verify', 'close']);
      expect(v).toMatchObject({ status: 'closed', unitName: '岳阳楼区城管局', reply: '已更换灯泡，路灯恢复正常。', solved: true, canRate: true, rateOnline: true });
      expect(v.timeline[1].label).toBe('已派单至 岳阳楼区住建局');
      expect(v.timeline[5]).toMatchObject({ text: '已更换灯泡，路灯恢复正常。', unitName: '岳阳楼区城管局' });
      expect(v.closedAt).toBeTruthy();
      const text = JSON.stringify(v);
      for (const secret of ['内部备注', '3栋502', '内部催办', '王科长', '13900009999', '赵某', '张三', 'handler_a', 'operator', PHONE, '不属于本单位', 'description', 'reporter']) {
        expect(text, secret).not.toContain(secret);
      }
    });

    it('slows a number after repeated wrong phones from rotating addresses, instead of locking the reporter out', async () => {
      const c = await newCase();
      const { limit, delaySeconds } = TRACK_LIMITS.perNumber;
      for (let i = 0; i < limit; i++) expectProblem(await track({ no: c.no, phone: `1390000000${i}` }), 404);
      // Past the limit each attempt on the number takes the one slot of a short window:
      // strangers keep guessing at one try per delay, and get 429 in between.
      let held: Awaited<ReturnType<typeof track>> | undefined;
      for (let i = 0; i < 4 && !held; i++) {
        const r = await track({ no: c.no, phone: `1370000000${i}` });
        if (r.status === 429) held = r;
        else expectProblem(r, 404);
      }
      expect(held, 'a second attempt within the delay is held').toBeDefined();
      expectProblem(held!, 429, 'no');
      const wait = Number(held!.headers['retry-after']);
      expect(wait).toBeGreaterThan(0);
      // a short delay, not the rest of an hour's window
      expect(wait).toBeLessThanOrEqual(delaySeconds);
      // The reporter by number and phone is held at most that delay; signed in by one-time code, never.
      const plain = await track({ no: c.no, phone: PHONE });
      expect([200, 429]).toContain(plain.status);
      if (plain.status === 429) expect(Number(plain.headers['retry-after'])).toBeLessThanOrEqual(delaySeconds);
      const reporter = await loginCitizen(t, PHONE);
      for (let i = 0; i < 3; i++) expect((await track({ no: c.no, phone: PHONE }, freshIp(), reporter.cookie)).status).toBe(200);
      // Other numbers are not affected.
      const other = await newCase();
      expect((await track({ no: other.no, phone: PHONE })).status).toBe(200);
    });

    it('limits attempts per address', async () => {
      const c = await newCase();
      const ip = freshIp();
      for (let i = 0; i < TRACK_LIMITS.perIp.limit; i++) expect((await track({ no: c.no, phone: PHONE }, ip)).status).toBe(200);
      const r = await track({ no: c.no, phone: PHONE }, ip);
      expectProblem(r, 429);
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
      expect((await track({ no: c.no, phone: PHONE }, freshIp())).status).toBe(200);
    });

    describe('rating', () => {
      const rate = (client: Client | null, body: unknown) =>
        client ? client.post('/api/public/rate', body) : t.request('POST', '/api/public/rate', { body });

      it('needs the one-time-code sign-in of the reporter phone', async () => {
        const c = await closedCase();
        expectProblem(await rate(null, { no: c.no, rating: 5 }), 401);
        expectProblem(await rate(operator, { no: c.no, rating: 5 }), 403);
        const stranger = await loginCitizen(t, '13700001111');
        expectProblem(await rate(stranger, { no: c.no, rating: 5 }), 404);
        const still = await operator.get(`/api/cases/${c.id}`);
        expect(still.json.status).toBe('closed');
      });

      it('lets the reporter rate a closed hotline case once, links it to them, and refuses the wrong state', async () => {
        const reporter = await loginCitizen(t, PHONE);
        const open = await newCase();
        expectProblem(await rate(reporter, { no: open.no, rating: 5 }), 409, 'status');

        const c = await closedCase();
        // Tracking while signed in as the reporter says so (the page then offers the rating form).
        const seen = await track({ no: c.no, phone: PHONE }, freshIp(), reporter.cookie);
        expect(seen.json).toMatchObject({ canRate: true, viewerIsReporter: true });

        expectProblem(await rate(reporter, { no: c.no, rating: 0 }), 400, 'rating');
        expectProblem(await rate(reporter, { no: c.no, rating: 2 }), 422, 'comment');
        expectProblem(await rate(reporter, { no: c.no, rating: 4, version: 1 }), 409);

        const r = await rate(reporter, { no: c.no, rating: 4, comment: '处理及时，谢谢', solved: true });
        expect(r.status, r.body).toBe(200);
        expect(r.json).toMatchObject({ status: 'rated', rating: 4, ratingComment: '处理及时，谢谢', citizenSolved: true, canRate: false });
        expect(r.json.timeline.at(-1)).toMatchObject({ action: 'rate', rating: 4 });

        expectProblem(await rate(reporter, { no: c.no, rating: 5 }), 409, 'status');

        const staff = await operator.get(`/api/cases/${c.id}`);
        expect(staff.json).toMatchObject({ status: 'rated', rating: 4, ratingComment: '处理及时，谢谢' });
        expect(staff.json.timeline.at(-1)).toMatchObject({ action: 'rate', data: { rating: 4, citizenSolved: true, via: 'public' } });
        // The hotline case is now the citizen's own: it shows in their list.
        const mine = await reporter.get('/api/cases?mine=true');
        expect(mine.json.items.map((x: any) => x.no)).toContain(c.no);
      });

      it("a signed-in reporter's own case view shows the same public steps: no staff comments, names or internal events", async () => {
        const reporter = await loginCitizen(t, PHONE);
        const c = await closedCase();
        expect((await rate(reporter, { no: c.no, rating: 5, comment: '很满意' })).status).toBe(200);
        const own = await reporter.get(`/api/cases/${c.id}`);
        expect(own.status, own.body).toBe(200);
        const text = JSON.stringify(own.json.timeline);
        for (const secret of ['王科长', '13900009999', '赵某', '3栋502', '内部', '张三确认']) expect(text).not.toContain(secret);
        expect(own.json.timeline.map((e: any) => e.action)).not.toContain('note');
        expect(own.json.timeline.map((e: any) => e.action)).not.toContain('urge');
        expect(own.json.timeline.every((e: any) => e.actor === null)).toBe(true);
        // The reply written for the public and the citizen's own rating comment stay.
        expect(own.json.timeline.find((e: any) => e.action === 'reply').data.reply).toBe('已更换灯泡，路灯恢复正常。');
        expect(own.json.timeline.find((e: any) => e.action === 'rate').comment).toBe('很满意');
      });

      it('refuses a citizen whose phone is not the reporter of a portal case', async () => {
        const owner = await loginCitizen(t, '13600002222');
        const created = await owner.post('/api/cases', { type: 'help', title: '楼道灯坏了', description: '3栋楼道灯坏了一周', location: { divisionCode: '430602005001' } });
        expect(created.status, created.body).toBe(201);
        const other = await loginCitizen(t, '13600003333');
        expectProblem(await rate(other, { no: created.json.no, rating: 5 }), 404);
        // The owner tracks it with their sign-in phone.
        expect((await track({ no: created.json.no, phone: '136 0000 2222' })).status).toBe(200);
      });
    });
  });
}
