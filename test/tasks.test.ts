/**
 * Target tasks (目标任务清单) over HTTP on both databases: a ledger that
 * reproduces the Xuancheng seed (153 tasks: 31 done, 108 done and continuing,
 * 14 on schedule) imported idempotently and summarised; row errors; export
 * and template; tasks, milestones, progress and status by who may; the
 * sweeper marking a task behind and counting a missed review; jurisdiction.
 */
import { describe, expect, it } from 'vitest';
import { TEST_DATABASES, multipart, type Client, type TestServer, type World } from './helpers.ts';
import { ledgerXlsx, useRegisterServer, xlsxRows } from './registers-helpers.ts';
import { TASK_TEMPLATE_HEADERS } from '../src/registers/tasks/index.ts';

const LIST = '市域社会治理现代化试点 2026';
const DAY = 86_400_000;

/** The seed's list: 31 已完成, 108 已完成并持续推进, 14 按时推进, over three lead units, deadlines in the ledgers' forms. */
function seedLedger(): unknown[][] {
  const units = ['岳阳楼区城管局', '岳阳楼区住建局', '东茅岭街道办事处'];
  const forms = ['2027-06-30', '2027/12/31', '2027年9月30日', '2027年12月底', '长期', new Date('2027-03-31T00:00:00Z')];
  const status = (i: number) => (i < 31 ? '已完成' : i < 139 ? '已完成并持续推进' : '按时推进');
  return Array.from({ length: 153 }, (_v, i) => [
    i + 1,
    `市域社会治理现代化试点任务第${i + 1}项：健全矛盾纠纷多元化解机制`,
    units[i % 3],
    i % 4 === 0 ? `${units[(i + 1) % 3]}、${units[(i + 2) % 3]}` : i % 4 === 1 ? `${units[(i + 1) % 3]}，${units[(i + 2) % 3]}` : i % 4 === 2 ? units[(i + 1) % 3] : '',
    forms[i % forms.length],
    status(i),
  ]);
}

for (const tdb of TEST_DATABASES) {
  describe(`target tasks on ${tdb.name}`, () => {
    let t: TestServer;
    let world: World;
    let leader: Client;
    let leaderB: Client;
    let township: Client;
    let handler: Client;
    let handler2: Client;
    let handlerB: Client;
    useRegisterServer(tdb, async (s) => {
      t = s.t;
      world = s.world;
      await s.addUser('leader_a', ['leader'], null, ['430602']);
      await s.addUser('leader_b', ['leader'], null, ['430603']);
      leader = await t.login('leader_a');
      leaderB = await t.login('leader_b');
      township = await t.login('township_a');
      handler = await t.login('handler_a');
      handler2 = await t.login('handler_a2');
      handlerB = await t.login('handler_b');
    });

    const at = (iso: string | null) => {
      t.server.ctx.now = iso ? () => Date.parse(iso) : undefined;
    };
    const upload = async (c: Client, url: string, data: Buffer) => {
      const m = multipart({ data, filename: 'tasks.xlsx', mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
      return t.request('POST', url, { body: m.body, headers: m.headers, cookie: c.cookie });
    };
    const q = encodeURIComponent(LIST);

    it('imports a ledger reproducing the seed (153: 31 done, 108 done and continuing, 14 on schedule), idempotently', async () => {
      at('2026-12-07T02:00:00Z');
      const file = await ledgerXlsx(TASK_TEMPLATE_HEADERS, seedLedger());
      const r = await upload(leader, `/api/tasks/import?list=${q}&division=430602`, file);
      expect(r.status, r.body).toBe(200);
      expect(r.json).toMatchObject({ list: { name: LIST, divisionCode: '430602', created: true }, rows: 153, created: 153, updated: 0, unchanged: 0 });
      const again = await upload(leader, `/api/tasks/import?list=${q}`, file);
      expect(again.status, again.body).toBe(200);
      expect(again.json).toMatchObject({ list: { created: false }, created: 0, updated: 0, unchanged: 153 });
      const s = await leader.get(`/api/tasks/stats?list=${q}`);
      expect(s.status, s.body).toBe(200);
      expect(s.json.total).toBe(153);
      expect(s.json.byStatus).toEqual({ done: 31, done_continuing: 108, on_schedule: 14, behind: 0, not_started: 0 });
      expect(s.json.completed).toBe(139);
      expect(s.json.byUnit).toHaveLength(3);
      expect(s.json.byUnit.reduce((a: number, x: any) => a + x.total, 0)).toBe(153);
      for (const x of s.json.byUnit) expect(Object.keys(x.byStatus).sort()).toEqual(['behind', 'done', 'done_continuing', 'not_started', 'on_schedule']);
      const lists = await leader.get('/api/task-lists');
      expect(lists.json.items).toEqual([expect.objectContaining({ name: LIST, total: 153, manage: true, reviewMonths: 2 })]);
      // Co-units from 、 and ，; 长期 has no deadline; an Excel date is read as a date.
      const page = await leader.get(`/api/tasks?list=${q}&limit=6`);
      expect(page.json.total).toBe(153);
      expect(page.json.items.map((x: any) => x.seq)).toEqual(['1', '2', '3', '4', '5', '6']);
      expect(page.json.items[0].coUnits.map((x: any) => x.name)).toEqual(['岳阳楼区住建局', '东茅岭街道办事处']);
      expect(page.json.items[1].coUnits.map((x: any) => x.name)).toEqual(['东茅岭街道办事处', '岳阳楼区城管局']);
      expect(page.json.items.map((x: any) => x.deadline)).toEqual(['2027-06-30', '2027-12-31', '2027-09-30', '2027-12-31', null, '2027-03-31']);
      expect(page.json.items[4].deadlineText).toBe('长期');
      const onSchedule = await leader.get(`/api/tasks?list=${q}&status=on_schedule&limit=100`);
      expect(onSchedule.json.total).toBe(14);
      expect(onSchedule.json.items[0].clocks.map((c: any) => c.clock).sort()).toEqual(expect.arrayContaining(['review']));
      expect(onSchedule.json.items[0].nextReviewAt).toBe('2027-02-07T02:00:00.000Z');
    });

    it('refuses a ledger with an unknown unit or a bad date, naming row and column, and writes nothing', async () => {
      const rows = seedLedger().slice(0, 5);
      rows[1][2] = '不存在的局';
      rows[3][3] = '岳阳楼区住建局、没有这个单位';
      rows[4][4] = '明年上半年';
      const r = await upload(leader, `/api/tasks/import?list=${encodeURIComponent('错误清单')}&division=430602`, await ledgerXlsx(TASK_TEMPLATE_HEADERS, rows));
      expect(r.status, r.body).toBe(422);
      expect(r.headers['content-type']).toMatch(/problem\+json/);
      expect(r.json.errors.map((e: any) => e.field)).toEqual(['rows.3.牵头单位', 'rows.5.责任单位', 'rows.6.完成时限']);
      expect(r.json.errors[0].message).toContain('不存在的局');
      // Nothing written: not even the new list.
      expect((await leader.get('/api/task-lists')).json.items.map((x: any) => x.name)).toEqual([LIST]);
      const missing = await upload(leader, `/api/tasks/import?list=${q}`, await ledgerXlsx(['序号', '任务名称', '牵头单位'], [[1, 'x', '岳阳楼区城管局']]));
      expect(missing.status).toBe(422);
      expect(missing.json.errors.map((e: any) => e.field)).toEqual(['columns.责任单位', 'columns.完成时限', 'columns.状态']);
      const dup = await upload(leader, `/api/tasks/import?list=${q}`, await ledgerXlsx([...TASK_TEMPLATE_HEADERS, '备注'], [[1, 'a', '岳阳楼区城管局', '', '长期', '未启动', 'x'], [1, 'b', '岳阳楼区城管局', '', '长期', '未启动']]));
      expect(dup.json.errors).toEqual([{ field: 'rows.3.序号', message: expect.stringContaining('第 2 行') }]);
      // A unit of another county is no unit for this caller.
      const other = await upload(leader, `/api/tasks/import?list=${q}`, await ledgerXlsx(TASK_TEMPLATE_HEADERS, [[900, 'x', '云溪区城管局', '', '长期', '未启动']]));
      expect(other.json.errors.map((e: any) => e.field)).toEqual(['rows.2.牵头单位']);
      expect((await leader.get(`/api/tasks/stats?list=${q}`)).json.total).toBe(153);
    });

    it('exports the list with the template headers, re-imports it unchanged, and serves the template', async () => {
      const r = await t.app.inject({ method: 'GET', url: `/api/tasks/export?list=${q}`, headers: { cookie: handler.cookie } });
      expect(r.statusCode, r.body).toBe(200);
      expect(r.headers['content-type']).toContain('spreadsheetml');
      const rows = await xlsxRows(r.rawPayload);
      expect(rows[0].slice(0, 6)).toEqual([...TASK_TEMPLATE_HEADERS]);
      // The handler of 城管局 sees the list (in their unit's county) whole.
      expect(rows).toHaveLength(154);
      expect(rows[1].slice(0, 6)).toEqual(['1', '市域社会治理现代化试点任务第1项：健全矛盾纠纷多元化解机制', '岳阳楼区城管局', '岳阳楼区住建局、东茅岭街道办事处', '2027-06-30', '已完成']);
      const back = await upload(leader, `/api/tasks/import?list=${q}`, r.rawPayload);
      expect(back.json).toMatchObject({ created: 0, updated: 0, unchanged: 153 });
      const tpl = await t.app.inject({ method: 'GET', url: '/api/tasks/template', headers: { cookie: handler.cookie } });
      expect(await xlsxRows(tpl.rawPayload)).toEqual([[...TASK_TEMPLATE_HEADERS]]);
    });

    it('keeps lists to their county', async () => {
      expect((await leaderB.get('/api/task-lists')).json.items).toEqual([]);
      expect((await leaderB.get(`/api/tasks/stats?list=${q}`)).status).toBe(404);
      expect((await leaderB.get(`/api/tasks?list=${q}`)).status).toBe(404);
      expect((await leaderB.get('/api/tasks')).json.total).toBe(0);
      expect((await handlerB.get(`/api/tasks/export?list=${q}`)).status).toBe(404);
      const one = (await leader.get(`/api/tasks?list=${q}&limit=1`)).json.items[0];
      expect((await leaderB.get(`/api/tasks/${one.id}`)).status).toBe(404);
      expect((await handlerB.post(`/api/tasks/${one.id}/progress`, { note: 'x' })).status).toBe(404);
      // County B may have a list of the same name, its own.
      const b = await upload(leaderB, `/api/tasks/import?list=${q}`, await ledgerXlsx(TASK_TEMPLATE_HEADERS, [[1, '云溪区任务', '云溪区城管局', '', '长期', '按时推进']]));
      expect(b.json).toMatchObject({ list: { divisionCode: '430603', created: true }, created: 1 });
      expect((await leaderB.get(`/api/tasks/stats?list=${q}`)).json.total).toBe(1);
      expect((await leader.get(`/api/tasks/stats?list=${q}`)).json.total).toBe(153);
      // The township manages its street's lists, not the county's.
      expect((await upload(township, `/api/tasks/import?list=${q}`, await ledgerXlsx(TASK_TEMPLATE_HEADERS, [[1, 'x', '东茅岭街道办事处', '', '长期', '']]))).json.detail).toMatch(/^只有/);
    });

    it('creates lists and tasks idempotently, and runs a task through milestones, progress and status by who may', async () => {
      at('2026-12-07T02:00:00Z');
      const key = { 'idempotency-key': 'tasks-test-list-1' };
      const l1 = await township.post('/api/task-lists', { name: '东茅岭街道平安建设 2027', divisionCode: '430602005', reviewMonths: 1 }, key);
      expect(l1.status, l1.body).toBe(201);
      const l2 = await township.post('/api/task-lists', { name: '东茅岭街道平安建设 2027', divisionCode: '430602005', reviewMonths: 1 }, key);
      expect(l2.status).toBe(200);
      expect(l2.json.id).toBe(l1.json.id);
      expect((await township.post('/api/task-lists', { name: '别的', divisionCode: '430602005' }, key)).status).toBe(422);
      expect((await township.post('/api/task-lists', { name: '区里的', divisionCode: '430602' })).json.errors[0].field).toBe('divisionCode');

      const body = {
        list: l1.json.id,
        name: '建成街道综治中心并实体化运行',
        leadUnitId: world.units.cgA.id,
        coUnitIds: [world.units.streetA.id],
        deadline: '2027-06-30',
        milestones: [{ name: '完成选址和改造方案', dueDate: '2027-01-31' }, { name: '挂牌运行', dueDate: '2027-05-31' }],
      };
      const tk = { 'idempotency-key': 'tasks-test-task-1' };
      const c1 = await township.post('/api/tasks', body, tk);
      expect(c1.status, c1.body).toBe(201);
      const c2 = await township.post('/api/tasks', body, tk);
      expect(c2.status).toBe(200);
      expect(c2.json.id).toBe(c1.json.id);
      expect((await township.get(`/api/tasks?list=${l1.json.id}`)).json.total).toBe(1);
      const id = c1.json.id;
      expect(c1.json).toMatchObject({ seq: '1', status: 'not_started', deadline: '2027-06-30', canManage: true, canReport: true, nextReviewAt: '2027-01-07T02:00:00.000Z' });
      expect(c1.json.clocks.map((c: any) => c.clock).sort()).toEqual(['deadline', `ms:${c1.json.milestones[0].id}`, `ms:${c1.json.milestones[1].id}`, 'review'].sort());
      expect((await township.post('/api/tasks', { ...body, leadUnitId: world.units.cgB.id })).json.errors[0].field).toBe('leadUnitId');
      expect((await handler.post('/api/tasks', body)).status).toBe(403);

      // The lead unit (城管局) moves it forward; a unit with no part in it may not report; the co-unit reports.
      const lead = await handler.get(`/api/tasks/${id}`);
      expect(lead.json).toMatchObject({ canReport: true, canManage: false, statuses: ['on_schedule', 'done', 'done_continuing'] });
      expect((await handler.post(`/api/tasks/${id}/status`, { to: 'on_schedule' })).json.status).toBe('on_schedule');
      const outsider = await handler2.post(`/api/tasks/${id}/progress`, { note: '住建局不是责任单位' });
      // 住建局 serves the county, so it sees the street's list, but it has no part in this task.
      expect(outsider.status).toBe(403);
      expect(outsider.json.detail).toMatch(/^只有/);
      const p1 = { note: '完成选址，改造方案已报区委政法委', evidenceUrl: 'https://example.org/plan.pdf' };
      const pk = { 'idempotency-key': 'tasks-test-progress-1' };
      at('2026-12-20T02:00:00Z');
      const r1 = await township.post(`/api/tasks/${id}/progress`, p1, pk);
      expect(r1.status, r1.body).toBe(200);
      expect((await township.post(`/api/tasks/${id}/progress`, p1, pk)).json.progress).toHaveLength(1);
      expect(r1.json.progress[0]).toMatchObject({ note: p1.note, evidenceUrl: p1.evidenceUrl, onTime: true });
      expect(r1.json).toMatchObject({ reviewsOnTime: 1, nextReviewAt: '2027-01-20T02:00:00.000Z' });
      expect((await township.post(`/api/tasks/${id}/progress`, { note: 'x', evidenceUrl: 'javascript:alert(1)' })).json.errors[0].field).toBe('evidenceUrl');

      // Milestones: the lead unit marks done, only managers move dates.
      const ms = r1.json.milestones;
      const clean = (m: any, over: Record<string, unknown> = {}) => ({ id: m.id, name: m.name, dueDate: m.dueDate, done: m.done, ...over });
      const moved = await handler.put(`/api/tasks/${id}/milestones`, { milestones: [clean(ms[0], { dueDate: '2027-03-31' }), clean(ms[1])] });
      expect(moved.status).toBe(403);
      expect(moved.json.detail).toMatch(/^只有/);
      const done = await handler.put(`/api/tasks/${id}/milestones`, { milestones: [{ id: ms[0].id, name: ms[0].name, dueDate: ms[0].dueDate, done: true }, { id: ms[1].id, name: ms[1].name, dueDate: ms[1].dueDate, done: false }] });
      expect(done.status, done.body).toBe(200);
      expect(done.json.milestones.map((m: any) => m.done)).toEqual([true, false]);
      expect(done.json.clocks.map((c: any) => c.clock)).not.toContain(`ms:${ms[0].id}`);

      // done needs evidence; managers only reopen.
      const noEv = await handler.post(`/api/tasks/${id}/status`, { to: 'done' });
      expect(noEv.status).toBe(422);
      expect(noEv.json.errors[0].field).toBe('evidence');
      const fin = await handler.post(`/api/tasks/${id}/status`, { to: 'done_continuing', evidence: '综治中心已挂牌运行，建立常态化运行机制', evidenceUrl: 'https://example.org/photo.jpg' });
      expect(fin.status, fin.body).toBe(200);
      expect(fin.json).toMatchObject({ status: 'done_continuing', statusLabel: '已完成并持续推进' });
      expect(fin.json.clocks.map((c: any) => c.clock)).toEqual(['review']);
      expect(fin.json.progress[0].note).toContain('综治中心已挂牌运行');
      const reopen = await handler.post(`/api/tasks/${id}/status`, { to: 'on_schedule' });
      expect(reopen.status).toBe(403);
      expect(reopen.json.detail).toMatch(/^只有/);
      expect((await township.post(`/api/tasks/${id}/status`, { to: 'not_started' })).status).toBe(409);
      const detail = await township.get(`/api/tasks/${id}`);
      expect(detail.json.timeline.map((e: any) => e.action)).toEqual(['create', 'status', 'progress', 'milestones', 'status']);
      at(null);
    });

    it('the sweeper marks a task behind when its deadline or a milestone passes, tells the lead unit, and counts a missed review', async () => {
      at('2026-12-07T02:00:00Z');
      const list = (await township.post('/api/task-lists', { name: '东茅岭街道专项整治', divisionCode: '430602005' })).json;
      const mk = (name: string, deadline: string | null, milestones: unknown[] = []) =>
        township.post('/api/tasks', { list: list.id, name, leadUnitId: world.units.zjA.id, deadline, milestones }).then((r) => r.json.id as string);
      const late = await mk('老旧小区消防通道整治', '2026-12-31');
      const msLate = await mk('电动车充电桩建设', null, [{ name: '完成摸排', dueDate: '2027-01-15' }]);
      const fine = await mk('平安宣传进社区', '2027-12-31');
      expect((await township.post(`/api/tasks/${fine}/status`, { to: 'on_schedule' })).status).toBe(200);
      const sweeper = t.server.ctx.services.sweeper;
      const db = t.server.ctx.db;
      await sweeper.sweep(Date.parse('2027-01-01T00:30:00+08:00'));
      at('2027-01-01T00:30:00+08:00');
      expect((await township.get(`/api/tasks/${late}`)).json).toMatchObject({ status: 'behind', overdue: true });
      expect((await township.get(`/api/tasks/${msLate}`)).json.status).toBe('not_started');
      await sweeper.sweep(Date.parse('2027-01-16T00:30:00+08:00'));
      const m = (await township.get(`/api/tasks/${msLate}`)).json;
      expect(m.status).toBe('behind');
      expect(m.timeline.find((e: any) => e.action === 'behind')).toMatchObject({ fromStatus: 'not_started', toStatus: 'behind', comment: expect.stringContaining('节点逾期') });
      const notes = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM notifications WHERE recipient_unit_id = $1 AND kind = 'warning_red' AND data->>'entityType' = 'task'`, [world.units.zjA.id]);
      expect(notes[0].n).toBeGreaterThanOrEqual(2);
      // Behind cannot go back on schedule until the deadline is moved; then it can.
      at('2027-01-16T02:00:00Z');
      expect((await township.post(`/api/tasks/${late}/status`, { to: 'on_schedule' })).status).toBe(409);
      const patched = await t.request('PATCH', `/api/tasks/${late}`, { body: { deadline: '2027-03-31', comment: '经研究延期' }, cookie: township.cookie });
      expect(patched.status, patched.body).toBe(200);
      expect(patched.json.deadline).toBe('2027-03-31');
      expect((await township.post(`/api/tasks/${late}/status`, { to: 'on_schedule' })).json.status).toBe('on_schedule');
      // A new lead unit is the one warned from now on.
      const lead = await t.request('PATCH', `/api/tasks/${late}`, { body: { leadUnitId: world.units.cgA.id }, cookie: township.cookie });
      expect(lead.json.leadUnit.name).toBe('岳阳楼区城管局');
      const units = await db.query<{ unit_id: string }>(`SELECT DISTINCT unit_id FROM entity_clocks WHERE entity_type = 'task' AND entity_id = $1`, [late]);
      expect(units).toEqual([{ unit_id: world.units.cgA.id }]);
      await t.request('PATCH', `/api/tasks/${late}`, { body: { leadUnitId: world.units.zjA.id }, cookie: township.cookie });
      // No report within two months: a missed review, counted in the rate; the late report does not count again.
      await sweeper.sweep(Date.parse('2027-02-08T00:00:00+08:00'));
      const s = (await township.get(`/api/tasks/stats?list=${list.id}`)).json;
      expect(s.reviewsMissed).toBe(3);
      expect(s.onTimeReviewRate).toBe(0);
      expect(s.byStatus).toEqual({ not_started: 0, on_schedule: 2, behind: 1, done: 0, done_continuing: 0 });
      expect((await township.get(`/api/tasks?list=${list.id}&overdue=true`)).json.items.map((x: any) => x.id)).toEqual([msLate]);
      expect((await township.get(`/api/tasks?list=${list.id}&unit=${world.units.zjA.id}&status=on_schedule`)).json.total).toBe(2);
      at('2027-02-09T02:00:00Z');
      const rep = await handler2.post(`/api/tasks/${fine}/progress`, { note: '开展宣传 12 场' });
      expect(rep.json.progress[0].onTime).toBe(false);
      expect((await township.get(`/api/tasks/stats?list=${list.id}`)).json).toMatchObject({ reviewsMissed: 3, reviewsOnTime: 0 });
      at(null);
    });
  });
}
