/**
 * Petitions (信访) over HTTP on both databases: registration with collective
 * and repeat flags, the statutory steps and windows, a final matter not
 * accepted again, the leader in charge, stock cases, stats, jurisdiction.
 */
import { describe, expect, it } from 'vitest';
import { TEST_DATABASES, PASSWORD, multipart, type Client, type TestServer, type World } from './helpers.ts';
import { ledgerXlsx, useRegisterServer, xlsxRows } from './registers-helpers.ts';
import { upsertUser } from '../src/org/store.ts';
import { withCheckDigit } from '../src/registers/kit/index.ts';
import { PETITION_TEMPLATE_HEADERS } from '../src/registers/petitions/index.ts';

const DAY = 86_400_000;
const ID_A = withCheckDigit('43060219600101003');

for (const tdb of TEST_DATABASES) {
  describe(`petitions on ${tdb.name}`, () => {
    let t: TestServer;
    let world: World;
    let officer: Client;
    let officerB: Client;
    let leader: Client;
    let handler: Client;
    let leaderId: string;
    useRegisterServer(tdb, async (s) => {
      t = s.t;
      world = s.world;
      await s.addUser('xf_a', ['petition_officer'], 'JD-430602005', ['430602']);
      await s.addUser('xf_b', ['petition_officer'], 'CG-430603', ['430603']);
      leaderId = await s.addUser('leader_a', ['leader'], null, ['430602']);
      officer = await t.login('xf_a');
      officerB = await t.login('xf_b');
      leader = await t.login('leader_a');
      handler = await t.login('handler_a');
    });

    const at = (iso: string | null) => {
      t.server.ctx.now = iso ? () => Date.parse(iso) : undefined;
    };
    const body = (over: Record<string, unknown> = {}) => ({
      channel: 'visit',
      matterType: '征地拆迁',
      matter: '反映东茅岭片区征收补偿标准过低，要求重新评估',
      divisionCode: '430602005',
      unitId: world.units.zjA.id,
      petitioners: [{ name: '周大', idNumber: ID_A, phone: '13900003333' }],
      ...over,
    });

    it('goes through acceptance, one extension, reply, review and re-review; the final matter is not accepted again', async () => {
      at('2026-03-02T01:00:00Z');
      const c = await officer.post('/api/petitions', body({ petitioners: Array.from({ length: 6 }, (_v, i) => (i === 0 ? { name: '周大', idNumber: ID_A } : { name: `村民${i}` })) }));
      expect(c.status, c.body).toBe(201);
      expect(c.json).toMatchObject({ status: 'registered', collective: true, petitionerCount: 6, repeatOf: null, finalMatter: false, actions: ['accept', 'not_accept'] });
      expect(c.json.no).toMatch(/^XF2026\d{7}$/);
      expect(Date.parse(c.json.acceptDueAt) - Date.parse('2026-03-02T01:00:00Z')).toBeGreaterThanOrEqual(15 * DAY - 2 * DAY);
      const id = c.json.id;
      expect((await officer.post(`/api/petitions/${id}/accept`, {})).json.errors).toEqual([{ field: 'notice', message: expect.any(String) }]);
      const a = await officer.post(`/api/petitions/${id}/accept`, { notice: '您反映的问题已受理，转区住建局办理。' });
      expect(a.status, a.body).toBe(200);
      expect(a.json.clocks).toMatchObject([{ clock: 'reply', limitKey: 'reply' }]);
      const due = Date.parse(a.json.replyDueAt);
      const e = await officer.post(`/api/petitions/${id}/extend`, { days: 10, notice: '情况复杂，延期 10 日答复' });
      expect(Date.parse(e.json.replyDueAt) - due).toBe(10 * DAY);
      expect((await officer.post(`/api/petitions/${id}/extend`, { days: 5, notice: 'x' })).status).toBe(409);
      expect((await officer.post(`/api/petitions/${id}/extend`, { days: 31, notice: 'x' })).status).toBe(409);
      const r = await handler.post(`/api/petitions/${id}/reply`, { opinion: '经核查，补偿标准符合规定。' });
      expect(r.status, r.body).toBe(200);
      expect(r.json.clocks).toEqual([]);
      // 49 days after the reply: too late to ask for a review; 18 days: in time.
      at('2026-04-20T01:00:00Z');
      expect((await officer.post(`/api/petitions/${id}/request-review`, {})).status).toBe(409);
      at('2026-03-20T01:00:00Z');
      expect((await officer.post(`/api/petitions/${id}/request-review`, {})).json.status).toBe('review');
      expect((await officer.post(`/api/petitions/${id}/decide-review`, { opinion: '维持原答复意见。' })).json.status).toBe('reviewed');
      // More than 30 days after the review: the re-review window has passed.
      at('2026-04-25T01:00:00Z');
      expect((await officer.post(`/api/petitions/${id}/request-re-review`, {})).status).toBe(409);
      at('2026-04-10T01:00:00Z');
      expect((await officer.post(`/api/petitions/${id}/request-re-review`, {})).json.status).toBe('re_review');
      const fin = await officer.post(`/api/petitions/${id}/decide-re-review`, { opinion: '复核维持，不再受理。' });
      expect(fin.json).toMatchObject({ status: 'final', clocks: [], actions: [] });
      expect(fin.json.timeline.map((x: any) => x.action)).toEqual(['register', 'accept', 'extend', 'reply', 'request_review', 'decide_review', 'request_re_review', 'decide_re_review']);
      // The same petitioner on the same matter again: a repeat petition on a final matter.
      at('2026-06-01T01:00:00Z');
      const again = await officer.post('/api/petitions', body({ channel: 'letter', petitioners: [{ name: '周大', idNumber: ID_A.toLowerCase() }] }));
      expect(again.json).toMatchObject({ repeatOf: { id, no: c.json.no }, finalMatter: true, collective: false, actions: ['not_accept'] });
      expect((await officer.post(`/api/petitions/${again.json.id}/accept`, { notice: 'x' })).status).toBe(409);
      const na = await officer.post(`/api/petitions/${again.json.id}/not-accept`, { notice: '不予受理告知书', reason: '该事项已复核终结' });
      expect(na.json.status).toBe('not_accepted');
      at(null);
    });

    it('a leader takes charge with a plan, records progress, and the stats count it', async () => {
      at('2025-07-01T01:00:00Z');
      const old1 = await officer.post('/api/petitions', body({ matterType: '劳动社保', petitioners: [{ name: '吴二' }] }));
      await officer.post('/api/petitions', body({ matterType: '劳动社保', petitioners: [{ name: '郑三' }] }));
      at('2026-07-01T01:00:00Z');
      const p = await officer.post('/api/petitions', body({ matterType: '物业管理', petitioners: [{ name: '王四', phone: '13900004444' }] }));
      expect((await officer.post(`/api/petitions/${p.json.id}/progress`, { note: 'x' })).status).toBe(409);
      const l = await leader.post(`/api/petitions/${p.json.id}/leader`, { plan: '一案一策：约谈物业公司，限期整改' });
      expect(l.status, l.body).toBe(200);
      expect(l.json.leader).toMatchObject({ userId: leaderId, plan: '一案一策：约谈物业公司，限期整改' });
      // The leader reports progress on a schedule (leader_progress, 15 natural days to the end of the day, Beijing time), from taking charge and from each entry.
      const progressClock = (v: any) => v.clocks.find((c: any) => c.clock === 'progress');
      expect(progressClock(l.json)).toMatchObject({ limitKey: 'leader_progress', dueAt: '2026-07-16T16:00:00.000Z' });
      at('2026-07-10T01:00:00Z');
      const pr = await leader.post(`/api/petitions/${p.json.id}/progress`, { note: '已约谈物业公司' });
      expect(pr.status, pr.body).toBe(200);
      expect(progressClock(pr.json)).toMatchObject({ dueAt: '2026-07-25T16:00:00.000Z', warning: 'none' });
      await officer.post(`/api/petitions/${p.json.id}/accept`, { notice: '已受理' });
      await handler.post(`/api/petitions/${p.json.id}/reply`, { opinion: '已整改' });
      expect((await officer.post(`/api/petitions/${p.json.id}/close`, {})).json.errors[0].field).toBe('resolved');
      const closed = await officer.post(`/api/petitions/${p.json.id}/close`, { resolved: true, satisfaction: 'satisfied' });
      expect(closed.json.timeline.map((x: any) => x.action)).toEqual(['register', 'leader', 'progress', 'accept', 'reply', 'close']);
      expect(closed.json.clocks).toEqual([]);
      at(null);
      const s = (await officer.get(`/api/petitions/stats?from=2026-01-01T00:00:00%2B08:00&to=2027-01-01T00:00:00%2B08:00`)).json;
      expect(s).toMatchObject({ total: 3, previousTotal: 2, yoyChange: 0.5, collective: 1, repeat: 1, repeatRate: 0.3333, leaderClosed: 1, leaderResolved: 1, leaderResolutionRate: 1, satisfactionRate: 1 });
      expect(s.timelyAcceptanceRate).toBe(1);
      expect(s.onTimeReplyRate).toBe(1);
      // The 2025 petitions are still open after more than 90 days: stock cases (积案).
      const stock = (await officer.get('/api/petitions/stock')).json;
      expect(stock.items.map((x: any) => x.id)).toContain(old1.json.id);
      expect((await officer.get('/api/petitions?leader=true')).json.total).toBe(1);
    });

    it('keeps each county to its own petitions, masks petitioners by role and links a referred dispute', async () => {
      const c = await officer.post('/api/petitions', body({ matterType: '邻里', petitioners: [{ name: '冯五', phone: '13900005555' }] }));
      expect((await officerB.get(`/api/petitions/${c.json.id}`)).status).toBe(404);
      expect((await officerB.get('/api/petitions')).json.total).toBe(0);
      expect((await officerB.post('/api/petitions', body())).status).toBe(403);
      expect((await officer.get(`/api/petitions/${c.json.id}`)).json.petitioners[0]).toMatchObject({ name: '冯五', phone: '13900005555', masked: false });
      expect((await leader.get(`/api/petitions/${c.json.id}`)).json.petitioners[0]).toMatchObject({ name: '冯*', phone: '139****5555', masked: true });
      const mediator = await upsertUser(t.server.ctx.db, { username: 'med_p', displayName: 'med_p', password: PASSWORD, roles: ['mediator'], unitCode: 'JD-430602005', scopeCodes: ['430602'] });
      expect(mediator.id).toBeTruthy();
      const m = await t.login('med_p');
      const d = await m.post('/api/disputes', { kind: 'dispute', categoryCode: '邻里纠纷', divisionCode: '430602005', summary: '调解不成转信访', parties: [{ name: '冯五' }] });
      const pt = await officer.post('/api/petitions', body({ matterType: '邻里纠纷', disputeRef: d.json.no, petitioners: [{ name: '冯五', phone: '13900005555' }] }));
      expect(pt.json.links).toMatchObject([{ direction: 'from', type: 'dispute', id: d.json.id, kind: 'referred' }]);
      expect((await m.get(`/api/disputes/${d.json.id}`)).json.links).toMatchObject([{ direction: 'to', type: 'petition', id: pt.json.id }]);
      expect((await officer.post('/api/petitions', body({ disputeRef: 'JF-NONE' }))).status).toBe(422);
    });

    it('ledger: the template, an all-or-nothing import with every bad cell named, an export masked for the caller', async () => {
      const raw = async (cookie: string, q: string) => (await t.app.inject({ method: 'GET', url: `/api/petitions/export?${q}`, headers: { cookie } })).rawPayload;
      expect(await xlsxRows(await raw(officer.cookie, 'template=true'))).toEqual([[...PETITION_TEMPLATE_HEADERS]]);
      const file = async (rows: unknown[][]) => multipart({ data: await ledgerXlsx(PETITION_TEMPLATE_HEADERS, rows), filename: '信访台账.xlsx', mime: 'application/octet-stream' });
      const good = ['XF-H-1', '走访', '2024-05-06', '430602005', '征地拆迁', '褚六、卫七', '要求提高补偿', 6, '否', '已办结', '2024-06-20', '是'];
      const bad = await file([good, ['XF-H-2', '托梦', '2024-05-06', '430603', '劳动社保', '', '欠薪', 0, '也许', '办完了', null, null]]);
      const r = await t.request('POST', '/api/petitions/import', { body: bad.body, headers: bad.headers, cookie: officer.cookie });
      expect(r.status, r.body).toBe(422);
      expect(r.json.errors.map((e: any) => e.field)).toEqual(['rows.3.信访形式', 'rows.3.区划代码', 'rows.3.信访人', 'rows.3.人数', 'rows.3.是否越级', 'rows.3.状态']);
      expect((await officer.get('/api/petitions?from=2024-01-01T00:00:00Z&to=2025-01-01T00:00:00Z')).json.total).toBe(0);
      const ok = await file([good]);
      const r2 = await t.request('POST', '/api/petitions/import', { body: ok.body, headers: ok.headers, cookie: officer.cookie });
      expect(r2.json).toEqual({ imported: 1 });
      const mine = await xlsxRows(await raw(officer.cookie, 'from=2024-01-01T00:00:00Z&to=2025-01-01T00:00:00Z'));
      expect(mine[1].slice(0, 12)).toEqual(['XF-H-1', '走访', '2024-05-06', '430602005', '征地拆迁', '褚六、卫七', '要求提高补偿', '6', '否', '已办结', '2024-06-20', '是']);
      expect(mine[1][12]).toBe('是'); // six petitioners: a collective petition
      expect((await xlsxRows(await raw(leader.cookie, 'from=2024-01-01T00:00:00Z&to=2025-01-01T00:00:00Z')))[1][5]).toBe('褚*、卫*');
      expect((await xlsxRows(await raw(officerB.cookie, 'from=2024-01-01T00:00:00Z&to=2025-01-01T00:00:00Z'))).length).toBe(1);
    });

    it('a retried registration with the same Idempotency-Key returns the first petition', async () => {
      const b = body({ matter: '幂等登记：网络重试不重复登记信访件', petitioners: [{ name: '吴重试', phone: '13900007777' }] });
      const key = { 'idempotency-key': `petition-retry-${tdb.name}` };
      const [x, y] = await Promise.all([officer.post('/api/petitions', b, key), officer.post('/api/petitions', b, key)]);
      expect([x.status, y.status].sort()).toEqual([200, 201]);
      expect(x.json.id).toBe(y.json.id);
      const rows = await t.server.ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM petitions WHERE matter = $1`, [b.matter]);
      expect(rows[0].n).toBe(1);
    });
  });
}
