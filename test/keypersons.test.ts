/**
 * Key persons (重点人员) over HTTP on both databases: filing with the team
 * (五包一), idempotent writes, measures and the visit clock (restarted by
 * visits, swept when missed), tier changes with approval, the file's links
 * (12345 cases by phone, disputes, petitions) and the team told of new
 * activity, the ledger (export needs a reason; import names row and
 * column), stats, and need-to-know through every route of the register.
 */
import { describe, expect, it } from 'vitest';
import { TEST_DATABASES, PASSWORD, caseBody, loginCitizen, multipart, type Client, type TestServer, type World } from './helpers.ts';
import { ledgerXlsx, useRegisterServer, xlsxRows } from './registers-helpers.ts';
import { upsertGrid, upsertUser } from '../src/org/store.ts';
import { withCheckDigit } from '../src/registers/kit/index.ts';

const DAY = 86_400_000;
const ID_A = withCheckDigit('43060219700101005');
const NAME_A = '欧阳重点甲';
const PHONE_A = '13911112222';
const ADDRESS_A = '东茅岭街道学坡社区某栋某号KP';

for (const tdb of TEST_DATABASES) {
  describe(`key persons on ${tdb.name}`, () => {
    let t: TestServer;
    let world: World;
    let police: Client;
    let supervisor: Client;
    let member: Client;
    let otherGrid: Client;
    let handler: Client;
    let policeB: Client;
    let township: Client;
    let memberId: string;
    let policeId: string;
    let fileId: string;
    let fileNo: string;
    useRegisterServer(tdb, async (s) => {
      t = s.t;
      world = s.world;
      const db = t.server.ctx.db;
      const u = s.addUser;
      policeId = await u('kp_police', ['police'], 'JD-430602005', ['430602005']);
      await u('kp_police_b', ['police'], 'CG-430603', ['430603']);
      memberId = await u('kp_grid', ['grid_worker'], 'JD-430602005', ['430602005001']);
      await u('kp_grid_other', ['grid_worker'], 'JD-430602005', ['430602005001']);
      await upsertGrid(db, {
        code: 'G-430602005001-02', name: '学坡社区第二网格', divisionCode: '430602005001', workerUsername: 'kp_grid_other',
        geometry: { type: 'Polygon', coordinates: [[[113.11, 29.36], [113.12, 29.36], [113.12, 29.37], [113.11, 29.37], [113.11, 29.36]]] },
      });
      police = await t.login('kp_police');
      policeB = await t.login('kp_police_b');
      supervisor = await t.login('supervisor');
      member = await t.login('kp_grid');
      otherGrid = await t.login('kp_grid_other');
      handler = await t.login('handler_a');
      township = await t.login('township_a');
    });
    /** Natural days on the 24x7 calendar end at midnight (Asia/Shanghai) of the last day. */
    const within = (due: string, from: string, days: number) => {
      const d = Date.parse(due) - Date.parse(from);
      expect(d, `${due} is ${days} days after ${from}`).toBeGreaterThanOrEqual(days * DAY);
      expect(d, `${due} is ${days} days after ${from}`).toBeLessThan((days + 1) * DAY);
    };
    const patch = (c: Client, url: string, body: unknown) => t.request('PATCH', url, { body, cookie: c.cookie });
    const at = (iso: string | null) => {
      t.server.ctx.now = iso ? () => Date.parse(iso) : undefined;
    };
    const fileBody = (over: Record<string, unknown> = {}) => ({
      person: { name: NAME_A, idNumber: ID_A, phone: PHONE_A, gender: 'male' },
      categories: ['petitioner', '社区矫正对象'],
      tier: 'red',
      divisionCode: '430602005001',
      gridId: world.grid.id,
      address: ADDRESS_A,
      team: [
        { role: 'leader', name: '包保领导甲' },
        { role: 'cadre', name: '社区干部乙' },
        { role: 'grid_worker', name: 'kp_grid', userId: memberId },
        { role: 'police', name: '民警丙', userId: policeId },
        { role: 'family', name: '亲属丁', phone: '13900009999' },
      ],
      ...over,
    });

    it('files a person with the team; a retry with the same Idempotency-Key makes nothing new', async () => {
      at('2026-12-01T09:00:00+08:00');
      const key = { 'idempotency-key': 'kp-file-1' };
      const a = await police.post('/api/keypersons', fileBody(), key);
      expect(a.status, a.body).toBe(201);
      const b = await police.post('/api/keypersons', fileBody(), key);
      expect(b.status, b.body).toBe(200);
      expect(b.json.id).toBe(a.json.id);
      fileId = a.json.id;
      fileNo = a.json.no;
      expect(a.json).toMatchObject({ tier: 'red', categories: ['petitioner', 'corrections'], status: 'active', address: ADDRESS_A });
      expect(a.json.person).toMatchObject({ name: NAME_A, phone: PHONE_A, idNumber: `${ID_A.slice(0, 6)}********${ID_A.slice(-4)}` });
      expect(a.json.team.map((m: any) => m.role)).toEqual(['leader', 'cadre', 'grid_worker', 'police', 'family']);
      // Red: a visit every 7 days, the first due a week after filing.
      within(a.json.visitDueAt, '2026-12-01T09:00:00+08:00', 7);
      expect(a.json.timeline.map((e: any) => e.action)).toEqual(['file']);
      const again = await police.post('/api/keypersons', fileBody(), { 'idempotency-key': 'kp-file-1-other' });
      expect(again.status).toBe(409);
      const reused = await police.post('/api/keypersons', fileBody({ tier: 'orange' }), key);
      expect(reused.status).toBe(422);
      expect(reused.json.errors[0].field).toBe('Idempotency-Key');
      const n = await t.server.ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM keypersons`);
      expect(n[0].n).toBe(1);
    });

    it('refuses bad input naming the field', async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ categories: ['nope'] }, 'categories.0'],
        [{ tier: 'purple' }, 'tier'],
        [{ divisionCode: '430603001' }, 'divisionCode'],
        [{ team: [{ role: 'boss', name: 'x' }] }, 'team.0.role'],
        [{ team: [{ role: 'leader', name: 'x', userId: world.users.handlerA.id }] }, 'team.0.userId'],
        [{ person: { name: '某', idNumber: '430602197001010000' } }, 'person.idNumber'],
      ];
      for (const [over, field] of cases) {
        const r = await police.post('/api/keypersons', fileBody({ person: { name: `新人${field}` }, ...over }));
        expect(r.status, `${field}: ${r.body}`).toBe(422);
        expect(r.json.errors.map((e: any) => e.field), r.body).toContain(field);
      }
      const missing = await police.post('/api/keypersons', { person: { name: 'x' } });
      expect(missing.status).toBe(400);
    });

    it('lists the minimum: masked name, no ID number, phone or address', async () => {
      const r = await member.get('/api/keypersons');
      expect(r.status).toBe(200);
      expect(r.json.total).toBe(1);
      expect(r.json.items[0]).toMatchObject({ id: fileId, name: '欧****', tier: 'red' });
      expect(r.body).not.toContain(NAME_A);
      expect(r.body).not.toContain(PHONE_A);
      expect(r.body).not.toContain(ID_A.slice(-4) + '"');
      expect(r.body).not.toContain(ADDRESS_A);
      expect((await police.get('/api/keypersons?tier=orange')).json.total).toBe(0);
      expect((await police.get('/api/keypersons?category=corrections')).json.total).toBe(1);
      expect((await member.get('/api/keypersons?mine=true')).json.total).toBe(1);
    });

    it('audits every opening of a file with who and why', async () => {
      const r = await member.get(`/api/keypersons/${fileId}?reason=${encodeURIComponent('走访前查阅')}`);
      expect(r.status, r.body).toBe(200);
      expect(r.json.person.name).toBe(NAME_A);
      const byNo = await police.get(`/api/keypersons/${fileNo}`);
      expect(byNo.status).toBe(200);
      const rows = await t.server.ctx.db.query<{ user_id: string; detail: any }>(`SELECT user_id, detail FROM audit_log WHERE action = 'open_keyperson_file' AND entity_id = $1 ORDER BY id`, [fileId]);
      expect(rows.map((x) => x.user_id)).toEqual([memberId, policeId]);
      expect(rows[0].detail.reason).toBe('走访前查阅');
    });

    it('a visit restarts the countdown; a missed visit is warned by the sweeper; notes do not move the clock', async () => {
      at('2026-12-03T10:00:00+08:00');
      const v = await member.post(`/api/keypersons/${fileId}/measures`, { kind: 'visit', note: '入户走访，情绪稳定' }, { 'idempotency-key': 'kp-visit-1' });
      expect(v.status, v.body).toBe(200);
      within(v.json.visitDueAt, '2026-12-03T10:00:00+08:00', 7);
      expect(v.json.lastVisitAt).toBe(new Date('2026-12-03T10:00:00+08:00').toISOString());
      const retry = await member.post(`/api/keypersons/${fileId}/measures`, { kind: 'visit', note: '入户走访，情绪稳定' }, { 'idempotency-key': 'kp-visit-1' });
      expect(retry.json.timeline.filter((e: any) => e.action === 'measure_visit')).toHaveLength(1);
      for (const kind of ['ledger', 'supervision', 'opinion', 'help']) {
        const r = await police.post(`/api/keypersons/${fileId}/measures`, { kind, note: `${kind} 记录` });
        expect(r.status, r.body).toBe(200);
        expect(r.json.visitDueAt).toBe(v.json.visitDueAt);
      }
      const future = await member.post(`/api/keypersons/${fileId}/measures`, { kind: 'check', note: 'x', at: '2027-12-01T00:00:00Z' });
      expect(future.status).toBe(422);
      expect(future.json.errors[0].field).toBe('at');
      // Nobody visits: the sweeper turns the clock red and tells the responsible unit.
      at('2026-12-11T10:00:00+08:00');
      await t.server.ctx.services.sweeper.sweep(Date.parse('2026-12-11T10:00:00+08:00'));
      const late = await police.get(`/api/keypersons/${fileId}`);
      expect(late.json.clock.warning).toBe('red');
      expect(late.json.timeline.some((e: any) => e.action === 'urge' && e.data.auto)).toBe(true);
      expect((await police.get('/api/keypersons?overdue=true')).json.total).toBe(1);
      // An in-person check: on the timeline as late, the countdown starts again.
      const c = await member.post(`/api/keypersons/${fileId}/measures`, { kind: 'check', note: '见面核查，本人在家' });
      expect(c.json.clock.warning).toBe('none');
      within(c.json.visitDueAt, '2026-12-11T10:00:00+08:00', 7);
      const ev = c.json.timeline.filter((e: any) => e.action === 'measure_check');
      expect(ev[0].data.onTime).toBe(false);
      const stats = await police.get('/api/keypersons/stats?from=2026-11-01T00:00:00Z&to=2026-12-31T00:00:00Z');
      expect(stats.status, stats.body).toBe(200);
      expect(stats.json).toMatchObject({ total: 1, byTier: { red: 1 }, byCategory: { petitioner: 1, corrections: 1 }, overdue: 0, visits: { total: 2, onTime: 1, onTimeRate: 0.5 } });
    });

    it('a tier change needs a reason and another, higher role; it stays in the timeline and the clock follows the new tier', async () => {
      const noReason = await police.post(`/api/keypersons/${fileId}/tier-change`, { tier: 'yellow' });
      expect(noReason.status).toBe(400);
      const req = await police.post(`/api/keypersons/${fileId}/tier-change`, { tier: 'yellow', reason: '近三月情绪稳定，无异常' });
      expect(req.status, req.body).toBe(200);
      expect(req.json.tierChanges[0]).toMatchObject({ status: 'pending', fromTier: 'red', toTier: 'yellow' });
      expect((await police.post(`/api/keypersons/${fileId}/tier-change`, { tier: 'orange', reason: '再申请' })).status).toBe(409);
      // The police officer may not decide (role); the grid worker neither.
      expect((await police.post(`/api/keypersons/${fileId}/tier-change/decision`, { approve: true })).status).toBe(403);
      expect((await member.post(`/api/keypersons/${fileId}/tier-change/decision`, { approve: true })).status).toBe(403);
      const ok = await supervisor.post(`/api/keypersons/${fileId}/tier-change/decision`, { approve: true, comment: '同意降级' });
      expect(ok.status, ok.body).toBe(200);
      expect(ok.json.tier).toBe('yellow');
      expect(ok.json.tierChanges[0]).toMatchObject({ status: 'approved', decidedBy: { userId: world.users.supervisor.id } });
      // Yellow: every 30 days from the last visit.
      within(ok.json.visitDueAt, ok.json.lastVisitAt, 30);
      expect(ok.json.timeline.map((e: any) => e.action)).toEqual(expect.arrayContaining(['tier_change_requested', 'tier_changed']));
      const nothing = await supervisor.post(`/api/keypersons/${fileId}/tier-change/decision`, { approve: false });
      expect(nothing.status).toBe(409);
      // A supervisor's own request goes to a higher role (the supervisor may not approve it).
      await supervisor.post(`/api/keypersons/${fileId}/tier-change`, { tier: 'orange', reason: '近期多次越级上访' });
      const self = await supervisor.post(`/api/keypersons/${fileId}/tier-change/decision`, { approve: true });
      expect(self.status).toBe(403);
      const admin = await t.login('admin');
      const rej = await admin.post(`/api/keypersons/${fileId}/tier-change/decision`, { approve: false, comment: '证据不足' });
      expect(rej.json.tier).toBe('yellow');
      expect(rej.json.timeline.at(-1).action).toBe('tier_change_rejected');
    });

    it('一人一档: cases by phone, disputes and petitions show in the file, and the team is told of new ones', async () => {
      at(null);
      const before = (await member.get('/api/notifications')).json.items.length;
      const c = await t.request('POST', '/api/cases', { cookie: (await t.login('operator_a')).cookie, body: caseBody({ title: '重点人员来电反映补偿问题', reporter: { name: NAME_A, phone: PHONE_A } }) });
      expect(c.status, c.body).toBe(201);
      const mediator = await upsertUser(t.server.ctx.db, { username: 'kp_med', displayName: 'kp_med', password: PASSWORD, roles: ['mediator'], unitCode: 'JD-430602005', scopeCodes: ['430602'] });
      void mediator;
      const med = await t.login('kp_med');
      const d = await med.post('/api/disputes', { kind: 'dispute', categoryCode: '邻里纠纷', divisionCode: '430602005001', summary: '重点人员与邻居纠纷', parties: [{ name: NAME_A, idNumber: ID_A }] });
      expect(d.status, d.body).toBe(201);
      await upsertUser(t.server.ctx.db, { username: 'kp_xf', displayName: 'kp_xf', password: PASSWORD, roles: ['petition_officer'], unitCode: 'JD-430602005', scopeCodes: ['430602'] });
      const xf = await t.login('kp_xf');
      const pe = await xf.post('/api/petitions', { channel: 'visit', matterType: '征地拆迁', matter: '重点人员来访', divisionCode: '430602005', petitioners: [{ name: NAME_A, idNumber: ID_A }] });
      expect(pe.status, pe.body).toBe(201);
      const file = await member.get(`/api/keypersons/${fileId}`);
      const linked = file.json.linked.map((l: any) => `${l.type}:${l.no}`);
      expect(linked).toEqual(expect.arrayContaining([`case:${c.json.no}`, `dispute:${d.json.no}`, `petition:${pe.json.no}`]));
      expect(file.json.timeline.filter((e: any) => e.action === 'activity')).toHaveLength(3);
      const inbox = (await member.get('/api/notifications')).json.items.filter((n: any) => n.kind === 'keyperson_activity');
      expect(inbox.length - 0).toBeGreaterThanOrEqual(3);
      expect(inbox.length + before).toBeGreaterThanOrEqual(3);
      expect(JSON.stringify(inbox)).not.toContain(NAME_A);
      expect((await police.get('/api/notifications')).json.items.filter((n: any) => n.kind === 'keyperson_activity')).toHaveLength(3);
      // A case from another phone links nothing.
      const other = await t.request('POST', '/api/cases', { cookie: (await t.login('operator_a')).cookie, body: caseBody({ reporter: { name: '别人', phone: '13000000000' } }) });
      expect(other.status).toBe(201);
      expect((await member.get(`/api/keypersons/${fileId}`)).json.linked.filter((l: any) => l.type === 'case')).toHaveLength(1);
    });

    it('exports the ledger only with a reason (422 naming reason), masked, audited; imports name row and column', async () => {
      const no = await police.get('/api/keypersons/export');
      expect(no.status).toBe(422);
      expect(no.json.errors[0].field).toBe('reason');
      const res = await t.app.inject({ method: 'GET', url: `/api/keypersons/export?reason=${encodeURIComponent('季度台账报送')}`, headers: { cookie: police.cookie } });
      expect(res.statusCode).toBe(200);
      const rows = await xlsxRows(res.rawPayload);
      expect(rows[0]).toContain('档案编号');
      expect(rows).toHaveLength(2);
      expect(rows[1]).toContain('欧****');
      expect(rows.flat().join('|')).not.toContain(NAME_A);
      expect(rows.flat().join('|')).not.toContain(ID_A.slice(-4));
      const audited = await t.server.ctx.db.query<{ detail: any }>(`SELECT detail FROM audit_log WHERE action = 'export_keyperson_ledger' AND user_id = $1`, [policeId]);
      expect(audited[0].detail).toMatchObject({ reason: '季度台账报送', count: 1 });

      const headers = ['姓名', '身份证号', '联系电话', '人员类别', '风险等级', '所属区划代码', '现住址', '网格员'];
      const bad = await ledgerXlsx(headers, [['导入甲', withCheckDigit('43060219800101001'), '13900001111', '吸毒人员', '红色（高风险）', '430602005001', '某处', '网格员A'], ['导入乙', '123', '', '不存在类别', 'red', '430602005001', '', ''], ['', '', '', '', '', '', '', '']]);
      const up = multipart({ data: bad, filename: 'kp.xlsx', mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
      const r1 = await t.request('POST', '/api/keypersons/import', { body: up.body, headers: up.headers, cookie: police.cookie });
      expect(r1.status, r1.body).toBe(422);
      expect(r1.json.errors.map((e: any) => e.field)).toEqual(expect.arrayContaining(['rows.3.身份证号']));
      const good = await ledgerXlsx(headers, [['导入甲', withCheckDigit('43060219800101001'), '13900001111', '吸毒人员', '红色（高风险）', '430602005001', '某处', '网格员A'], ['导入乙', '', '', '不存在类别', 'red', '430602005001', '', '']]);
      const up2 = multipart({ data: good, filename: 'kp.xlsx', mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
      const r2 = await t.request('POST', '/api/keypersons/import', { body: up2.body, headers: up2.headers, cookie: police.cookie });
      expect(r2.status, r2.body).toBe(422);
      expect(r2.json.errors.map((e: any) => e.field)).toEqual(['rows.3.人员类别']);
      expect((await police.get('/api/keypersons')).json.total).toBe(1);
      const ok = await ledgerXlsx(headers, [['导入甲', withCheckDigit('43060219800101001'), '13900001111', '吸毒人员', '红色（高风险）', '430602005001', '某处', '网格员A']]);
      const up3 = multipart({ data: ok, filename: 'kp.xlsx', mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
      const r3 = await t.request('POST', '/api/keypersons/import', { body: up3.body, headers: up3.headers, cookie: police.cookie });
      expect(r3.status, r3.body).toBe(200);
      expect(r3.json.imported).toBe(1);
    });

    it('need-to-know: a grid worker of another grid, a handler, a citizen and another county\'s police see nothing, through every route and export', async () => {
      const citizen = await loginCitizen(t, '13900007777');
      const outsiders: [string, Client][] = [['grid worker of another grid', otherGrid], ['handler', handler], ['citizen', citizen], ['police of county B', policeB], ['township officer not on the team', township]];
      const routes = t.app.routeTable.filter((r) => r.method !== 'HEAD' && /^\/api\/keypersons?(\/|$|-)/.test(r.url));
      expect(routes.length).toBeGreaterThanOrEqual(12);
      const file = await police.get(`/api/keypersons/${fileId}`);
      const markers = [NAME_A, PHONE_A, ADDRESS_A, fileNo, fileId, ID_A.slice(-4), '包保领导甲', '亲属丁'];
      const bodies: Record<string, unknown> = {
        'POST /api/keypersons': fileBody({ person: { name: '外人建档' } }),
        'PATCH /api/keypersons/:id': { version: file.json.version, address: '改' },
        'POST /api/keypersons/:id/measures': { kind: 'visit', note: 'x' },
        'POST /api/keypersons/:id/tier-change': { tier: 'red', reason: '外人申请' },
        'POST /api/keypersons/:id/tier-change/decision': { approve: true },
        'PUT /api/keyperson-config': { categories: [] },
      };
      const queries: Record<string, string> = { '/api/keypersons/export': `reason=${encodeURIComponent('越权测试')}` };
      let calls = 0;
      for (const r of routes) {
        const url = r.url.replace(':id', fileId) + (queries[r.url] ? `?${queries[r.url]}` : '');
        const body = bodies[`${r.method} ${r.url}`];
        for (const [who, c] of outsiders) {
          calls++;
          const res = await t.app.inject({
            method: r.method as any, url, payload: body === undefined ? undefined : JSON.stringify(body),
            headers: { cookie: c.cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          });
          // A problem's `instance` echoes the request's own URL (naming the id the caller already gave).
          const text = /spreadsheetml/.test(String(res.headers['content-type'])) ? (await xlsxRows(res.rawPayload)).flat().join('|') : res.body.split(url).join('');
          const label = `${r.method} ${r.url} as ${who} -> ${res.statusCode}`;
          expect(res.statusCode, label).toBeLessThan(500);
          if (r.url.includes(':id') || r.method !== 'GET') expect([400, 403, 404, 409, 415, 422], label).toContain(res.statusCode);
          for (const m of markers) expect(text.includes(m), `${label}: shows ${m}`).toBe(false);
          if (res.statusCode === 200 && r.url === '/api/keypersons') expect(res.json().total, label).toBe(0);
          if (res.statusCode === 200 && r.url === '/api/keypersons/stats') expect(res.json().total, label).toBe(0);
          if (res.statusCode === 200 && r.url === '/api/keypersons/export') expect(text.split('|').length, label).toBeLessThanOrEqual(10);
        }
      }
      expect(calls).toBe(routes.length * outsiders.length);
      // Nothing the outsiders did changed the file.
      const after = await police.get(`/api/keypersons/${fileId}`);
      expect(after.json.version).toBe(file.json.version);
      expect(after.json.timeline.length).toBe(file.json.timeline.length);
    });

    it('updates the file: a team member edits the address, only the filing roles change the team or close the file, with a reason; closing stops the clock', async () => {
      const f = await police.get(`/api/keypersons/${fileId}`);
      const addr = await patch(member, `/api/keypersons/${fileId}`, { version: f.json.version, address: '学坡社区新址' });
      expect(addr.status, addr.body).toBe(200);
      expect(addr.json.address).toBe('学坡社区新址');
      expect((await patch(member, `/api/keypersons/${fileId}`, { version: addr.json.version, status: 'closed', reason: '已迁出' })).status).toBe(403);
      expect((await patch(member, `/api/keypersons/${fileId}`, { version: addr.json.version, team: [] })).status).toBe(403);
      const stale = await patch(police, `/api/keypersons/${fileId}`, { version: f.json.version, address: 'x' });
      expect(stale.status).toBe(409);
      const noReason = await patch(police, `/api/keypersons/${fileId}`, { version: addr.json.version, status: 'closed' });
      expect(noReason.status).toBe(422);
      expect(noReason.json.errors[0].field).toBe('reason');
      const closed = await patch(police, `/api/keypersons/${fileId}`, { version: addr.json.version, status: 'closed', reason: '已迁出本辖区，移交迁入地' });
      expect(closed.status, closed.body).toBe(200);
      expect(closed.json).toMatchObject({ status: 'closed', clock: null });
      expect(closed.json.timeline.at(-1)).toMatchObject({ action: 'close', comment: '已迁出本辖区，移交迁入地' });
      expect((await member.post(`/api/keypersons/${fileId}/measures`, { kind: 'visit', note: 'x' })).status).toBe(409);
    });
  });
}
