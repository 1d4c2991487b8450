/**
 * Disputes and mediation over HTTP on both databases: the whole lifecycle,
 * jurisdiction, masking and audit, clocks on the sweeper, links with a case,
 * the ledger (template, export, all-or-nothing import) and the stats, with
 * the figures of DOMAIN.md as oracles.
 */
import { describe, expect, it } from 'vitest';
import { TEST_DATABASES, caseBody, multipart, type Client, type TestServer } from './helpers.ts';
import { ledgerXlsx, useRegisterServer, xlsxRows } from './registers-helpers.ts';
import { withCheckDigit } from '../src/registers/kit/index.ts';
import { DISPUTE_TEMPLATE_HEADERS } from '../src/registers/disputes/index.ts';

const ID_NO = withCheckDigit('43060219750808002');

const ledgerFile = (rows: (string | number | null)[][], headers: readonly string[] = DISPUTE_TEMPLATE_HEADERS) => ledgerXlsx(headers, rows);

/** Ledger rows reproducing a source's figures: `n` entries of which `ok` resolved (the rest unresolved), in one year. */
function figureRows(prefix: string, year: number, kind: '纠纷' | '风险隐患', n: number, ok: number, category = '邻里纠纷', org: string | null = '学坡社区人民调解委员会') {
  return Array.from({ length: n }, (_v, i) => [
    `${prefix}-${String(i + 1).padStart(5, '0')}`,
    kind,
    `${year}-03-${String((i % 28) + 1).padStart(2, '0')}`,
    '430602005001',
    category,
    `当事人${i}甲、当事人${i}乙`,
    `${category}第${i + 1}起`,
    org,
    i < ok ? '已化解' : '未化解',
    i < ok ? `${year}-04-01` : null,
  ]);
}

for (const tdb of TEST_DATABASES) {
  describe(`disputes on ${tdb.name}`, () => {
    let t: TestServer;
    let mediator: Client;
    let township: Client;
    let mediatorB: Client;
    let leaderId: string;
    let mediatorId: string;
    useRegisterServer(tdb, async (s) => {
      t = s.t;
      mediatorId = await s.addUser('mediator_a', ['mediator'], 'JD-430602005', ['430602']);
      await s.addUser('mediator_b', ['mediator'], 'CG-430603', ['430603']);
      leaderId = await s.addUser('leader_a', ['leader'], null, ['430602']);
      mediator = await t.login('mediator_a');
      township = await t.login('township_a');
      mediatorB = await t.login('mediator_b');
    });

    const body = (over: Record<string, unknown> = {}) => ({
      kind: 'dispute',
      categoryCode: '邻里纠纷',
      divisionCode: '430602005001',
      place: '学坡社区 3 栋',
      summary: '楼上住户装修噪音扰民，双方多次争吵',
      people: 2,
      risk: 'low',
      parties: [{ name: '张三', idNumber: ID_NO, phone: '13800002222' }, { name: '李四' }],
      ...over,
    });

    it('a retried or concurrent registration with the same Idempotency-Key makes one entry; the key reused for another body is refused', async () => {
      const b = body({ summary: '幂等登记：同一键重试只登记一次' });
      const key = { 'idempotency-key': `dispute-retry-${tdb.name}` };
      const answers = await Promise.all(Array.from({ length: 5 }, () => mediator.post('/api/disputes', b, key)));
      const ids = new Set(answers.map((a) => a.json.id));
      expect(ids.size, JSON.stringify(answers.map((a) => a.status))).toBe(1);
      expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
      expect(answers.filter((a) => a.status === 200)).toHaveLength(4);
      const again = await mediator.post('/api/disputes', b, key);
      expect(again.status).toBe(200);
      expect(again.json.id).toBe([...ids][0]);
      const rows = await t.server.ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM disputes WHERE summary = $1`, [b.summary]);
      expect(rows[0].n).toBe(1);
      const other = await mediator.post('/api/disputes', body({ summary: '另一件事' }), key);
      expect(other.status).toBe(422);
      expect(other.json.errors).toEqual([{ field: 'Idempotency-Key', message: expect.any(String) }]);
      // without a key every registration is a new entry
      const a1 = await mediator.post('/api/disputes', b);
      const a2 = await mediator.post('/api/disputes', b);
      expect(a1.json.id).not.toBe(a2.json.id);
    });

    it('walks the lifecycle with the version check, one event per step, and a printable agreement', async () => {
      const c = await mediator.post('/api/disputes', body());
      expect(c.status, c.body).toBe(201);
      expect(c.json).toMatchObject({ status: 'registered', version: 1, category: { code: '02', name: '邻里纠纷' }, actions: ['refer'] });
      expect(c.json.no).toMatch(/^JF\d{4}\d{7}$/);
      expect(c.json.clocks).toMatchObject([{ clock: 'resolve', limitKey: 'general' }]);
      const id = c.json.id;
      const a = await township.post(`/api/disputes/${id}/assign`, { version: 1, orgKind: 'people_committee', orgName: '学坡社区人民调解委员会', mediatorIds: [mediatorId] });
      expect(a.status, a.body).toBe(200);
      expect(a.json.clocks).toMatchObject([{ clock: 'resolve', limitKey: 'people' }]);
      // A form loaded at version 1 is stale now.
      const stale = await township.post(`/api/disputes/${id}/assign`, { version: 1, orgKind: 'trade', orgName: 'x' });
      expect(stale.status).toBe(409);
      const s = await mediator.post(`/api/disputes/${id}/session`, { heldAt: '2026-12-07T02:00:00Z', place: '社区调解室', participants: '张三、李四、调解员', notes: '双方同意晚8点后停止施工' });
      expect(s.status, s.body).toBe(200);
      expect(s.json.status).toBe('mediating');
      expect(s.json.sessions).toHaveLength(1);
      const bad = await mediator.post(`/api/disputes/${id}/resolve`, { outcome: 'agreement' });
      expect(bad.status).toBe(422);
      expect(bad.json.errors).toEqual([{ field: 'terms', message: expect.any(String) }]);
      const r = await mediator.post(`/api/disputes/${id}/resolve`, { outcome: 'agreement', terms: '一、晚8点后不施工；\n二、赔偿李四 500 元。', performanceDeadline: '2026-12-31' });
      expect(r.status, r.body).toBe(200);
      expect(r.json.clocks).toMatchObject([{ clock: 'perform' }]);
      const print = await mediator.get(`/api/disputes/${id}/agreement`);
      expect(print.status).toBe(200);
      expect(print.body).toContain('人民调解协议书');
      expect(print.body).toContain('赔偿李四 500 元');
      const noPerf = await mediator.post(`/api/disputes/${id}/follow-up`, {});
      expect(noPerf.json.errors).toEqual([{ field: 'performed', message: expect.any(String) }]);
      expect((await mediator.post(`/api/disputes/${id}/follow-up`, { performed: true, notes: '已履行' })).json.clocks).toEqual([]);
      const closed = await township.post(`/api/disputes/${id}/close`, {});
      expect(closed.json).toMatchObject({ status: 'closed', version: 6 });
      expect(closed.json.timeline.map((e: any) => [e.action, e.version])).toEqual([['register', 1], ['assign', 2], ['session', 3], ['resolve', 4], ['follow_up', 5], ['close', 6]]);
      expect((await township.post(`/api/disputes/${id}/close`, {})).status).toBe(409);
    });

    it('only the assigned mediator works an entry; other counties do not see it', async () => {
      const c = await township.post('/api/disputes', body());
      expect(c.status, c.body).toBe(201);
      await township.post(`/api/disputes/${c.json.id}/assign`, { orgKind: 'people_committee', orgName: '调委会', mediatorIds: [mediatorId] });
      const other = await t.login('admin_b');
      expect((await other.get(`/api/disputes/${c.json.id}`)).status).toBe(404);
      expect((await mediatorB.get(`/api/disputes/${c.json.id}`)).status).toBe(404);
      expect((await mediatorB.get('/api/disputes?limit=100')).json.items.map((x: any) => x.id)).not.toContain(c.json.id);
      expect((await mediatorB.post(`/api/disputes/${c.json.id}/session`, { notes: 'x' })).status).toBe(404);
      expect((await mediatorB.post('/api/disputes', body())).status).toBe(403);
    });

    it('masks parties for roles without personal-data rights; audits every unmasked read and the ID reveal', async () => {
      const c = await mediator.post('/api/disputes', body({ summary: '脱敏测试' }));
      const asTownship = (await township.get(`/api/disputes/${c.json.id}`)).json;
      expect(asTownship.parties[0]).toMatchObject({ name: '张*', phone: '138****2222', idNumber: `430602********${ID_NO.slice(-4)}`, masked: true });
      const asMediator = (await mediator.get(`/api/disputes/${c.json.id}`)).json;
      expect(asMediator.parties[0]).toMatchObject({ name: '张三', phone: '13800002222', idNumber: `430602********${ID_NO.slice(-4)}`, masked: false });
      const db = t.server.ctx.db;
      const audits = await db.query(`SELECT 1 FROM audit_log WHERE user_id = $1 AND action = 'read_personal_data'`, [mediatorId]);
      expect(audits.length).toBeGreaterThan(0);
      const personId = asMediator.parties[0].id;
      const reveal = await mediator.get(`/api/persons/${personId}?reveal=true`);
      expect(reveal.json.idNumber).toBe(ID_NO);
      expect(await db.query(`SELECT 1 FROM audit_log WHERE user_id = $1 AND action = 'reveal_id_number' AND entity_id = $2`, [mediatorId, personId])).toHaveLength(1);
      expect((await township.get(`/api/persons/${personId}`)).status).toBe(403);
      expect((await mediatorB.get(`/api/persons/${personId}`)).status).toBe(404);
      // The same person in a second entry is one record.
      const again = await mediator.post('/api/disputes', body({ summary: '同一当事人', parties: [{ name: '张三', idNumber: ID_NO.toLowerCase() }] }));
      expect(again.json.parties[0].id).toBe(personId);
    });

    it('a high-risk entry warns the responsible leaders; a 12345 case becomes a dispute, both timelines show it', async () => {
      const op = await t.login('operator');
      const kase = await op.post('/api/cases', caseBody({ title: '邻居噪音纠纷' }));
      const c = await mediator.post('/api/disputes', body({ risk: 'high', caseRef: kase.json.no, summary: '宅基地边界争执，双方扬言动手' }));
      expect(c.status, c.body).toBe(201);
      expect(c.json.source).toBe('case12345');
      expect(c.json.links).toMatchObject([{ direction: 'from', type: 'case', id: kase.json.id, kind: 'became' }]);
      expect(c.json.timeline.map((e: any) => e.action)).toEqual(['register', 'link']);
      const n = await t.server.ctx.db.query<{ title: string }>(`SELECT title FROM notifications WHERE recipient_user_id = $1 AND kind = 'dispute_high_risk'`, [leaderId]);
      expect(n.map((x) => x.title)).toEqual([`高风险矛盾纠纷 ${c.json.no}: 宅基地边界争执，双方扬言动手`]);
      const caseView = await op.get(`/api/cases/${kase.json.id}`);
      expect(JSON.stringify(caseView.json)).toContain(`转为 ${c.json.no}`);
      const unknownCase = await mediator.post('/api/disputes', body({ caseRef: 'NOPE-1' }));
      expect(unknownCase.status).toBe(422);
    });

    it('the one sweeper urges and escalates an overdue entry on its timeline', async () => {
      const c = await mediator.post('/api/disputes', body({ complexity: 'simple', summary: '简易纠纷超时' }));
      const due = Date.parse(c.json.clocks[0].dueAt);
      await t.server.ctx.services.sweeper.sweep(Date.parse(c.json.clocks[0].warnAt) + 1000);
      await t.server.ctx.services.sweeper.sweep(due + 1000);
      await t.server.ctx.services.sweeper.sweep(due + 10 * 86_400_000);
      const d = (await mediator.get(`/api/disputes/${c.json.id}`)).json;
      expect(d.clocks[0]).toMatchObject({ warning: 'red', escalated: true });
      expect(d.timeline.filter((e: any) => e.data.auto).map((e: any) => e.data.level)).toEqual(['warning_yellow', 'warning_red', 'escalated']);
      const red = await mediator.get('/api/disputes?warning=red&limit=100');
      expect(red.json.items.map((x: any) => x.id)).toContain(c.json.id);
    });

    it('bad input is a problem naming the field', async () => {
      expect((await mediator.post('/api/disputes', body({ categoryCode: '外星纠纷' }))).json.errors).toEqual([{ field: 'categoryCode', message: expect.any(String) }]);
      expect((await mediator.post('/api/disputes', body({ parties: [{ name: '王五', idNumber: '430602197508080021' === ID_NO ? '430602197508080022' : '430602197508080021' }] }))).json.errors[0].field).toBe('parties.0.idNumber');
      expect((await mediator.post('/api/disputes', body({ parties: [] }))).status).toBe(400);
      expect((await mediator.get('/api/disputes/stats?from=2026-01-01T00:00:00Z&to=2025-01-01T00:00:00Z')).status).toBe(400);
    });

    it('imports a ledger all or nothing: every bad cell named, nothing written', async () => {
      const before = (await mediator.get('/api/disputes?limit=1')).json.total;
      const file = await ledgerFile([
        ['BAD-1', '纠纷', '2020-01-05', '430602005001', '邻里纠纷', '甲、乙', '好的一行', null, '化解中', null],
        ['BAD-2', '案件', '2020-13-05', '430603001', '外星纠纷', '丙', null, null, '已化解', null],
        ['BAD-1', '纠纷', '2020-01-05', '999999', '01', '丁', '重复编号', null, '已化解', '2019-12-31'],
      ]);
      const up = multipart({ data: file, filename: '台账.xlsx', mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
      const r = await t.request('POST', '/api/disputes/import', { body: up.body, headers: up.headers, cookie: mediator.cookie });
      expect(r.status, r.body).toBe(422);
      expect(r.headers['content-type']).toContain('application/problem+json');
      expect(r.json.errors.map((e: any) => e.field)).toEqual([
        'rows.3.类型', 'rows.3.登记日期', 'rows.3.区划代码', 'rows.3.类别', 'rows.3.纠纷概况', 'rows.3.化解日期',
        'rows.4.编号', 'rows.4.区划代码', 'rows.4.化解日期',
      ]);
      expect((await mediator.get('/api/disputes?limit=1')).json.total).toBe(before);
      const noCol = multipart({ data: await ledgerFile([['X', '纠纷']], ['编号', '类型']), filename: 'x.xlsx', mime: 'application/octet-stream' });
      const r2 = await t.request('POST', '/api/disputes/import', { body: noCol.body, headers: noCol.headers, cookie: mediator.cookie });
      expect(r2.status).toBe(422);
      expect(r2.json.errors.map((e: any) => e.field)).toEqual(['columns.登记日期', 'columns.区划代码', 'columns.类别', 'columns.当事人', 'columns.纠纷概况', 'columns.调解组织', 'columns.状态', 'columns.化解日期']);
      const notXlsx = multipart({ data: Buffer.from('hello'), filename: 'x.xlsx', mime: 'application/octet-stream' });
      expect((await t.request('POST', '/api/disputes/import', { body: notXlsx.body, headers: notXlsx.headers, cookie: mediator.cookie })).status).toBe(400);
    });

    it('reports the figures the records give: DOMAIN.md oracles, and the articles\' inconsistent ones as the records give them', async () => {
      // 衡山县 (003): 878 disputes screened, 793 resolved; 33 hazards, 30 resolved. 荷塘区司法局 (002): 421 of 424 mediated successfully.
      // 岳阳县婚姻家庭调解服务中心 (004): 2,134 couples received, 1,001 reconciled.
      const rows = [
        ...figureRows('HS', 2021, '纠纷', 878, 793),
        ...figureRows('HSR', 2021, '风险隐患', 33, 30),
        ...figureRows('HT', 2022, '纠纷', 424, 421, '合同债务纠纷', '荷塘区司法局人民调解委员会'),
        ...figureRows('YY', 2023, '纠纷', 2134, 1001, '婚姻家庭纠纷', '岳阳县婚姻家庭矛盾纠纷调解服务中心'),
      ];
      const up = multipart({ data: await ledgerFile(rows), filename: '历史台账.xlsx', mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
      const r = await t.request('POST', '/api/disputes/import', { body: up.body, headers: up.headers, cookie: mediator.cookie });
      expect(r.status, r.body).toBe(200);
      expect(r.json).toEqual({ imported: rows.length });
      const stats = async (q: string) => (await mediator.get(`/api/disputes/stats?${q}`)).json;
      const y = (n: number) => `from=${n}-01-01T00:00:00%2B08:00&to=${n + 1}-01-01T00:00:00%2B08:00`;
      expect(await stats(`${y(2021)}&kind=hazard`)).toMatchObject({ screened: 33, resolved: 30, resolutionRate: 0.9091 });
      expect(await stats(`${y(2022)}&division=430602`)).toMatchObject({ mediated: 424, successful: 421, mediationSuccessRate: 0.9929 });
      // The article prints 94.66% for 793 of 878; the records give 90.32%, and that is what the product reports.
      const hs = await stats(`${y(2021)}&kind=dispute`);
      expect(hs).toMatchObject({ screened: 878, resolved: 793, resolutionRate: 0.9032 });
      expect(hs.resolutionRate).not.toBe(0.9466);
      // The article prints 42.3% for 1,001 of 2,134; the records give 46.91%.
      const yy = await stats(`${y(2023)}`);
      expect(yy).toMatchObject({ mediated: 2134, successful: 1001, mediationSuccessRate: 0.4691 });
      expect(yy.mediationSuccessRate).not.toBe(0.423);
      const byCat = await stats(`from=2021-01-01T00:00:00Z&to=2024-01-01T00:00:00Z&groupBy=category`);
      expect(byCat.groups.find((g: any) => g.name === '婚姻家庭纠纷')).toMatchObject({ key: '01', screened: 2134, resolved: 1001 });
      // Another county's caller counts none of them.
      expect(await (await mediatorB.get(`/api/disputes/stats?${y(2021)}`)).json).toMatchObject({ screened: 0, resolutionRate: null });
    }, 120_000);

    it('exports the filtered list with the template\'s headers, masked for the caller\'s role; the template is the headers alone', async () => {
      const tpl = await t.request('GET', '/api/disputes/export?template=true', { cookie: mediator.cookie });
      expect(tpl.headers['content-type']).toContain('spreadsheetml');
      const raw = async (cookie: string, q: string) => (await t.app.inject({ method: 'GET', url: `/api/disputes/export?${q}`, headers: { cookie } })).rawPayload;
      expect(await xlsxRows(await raw(mediator.cookie, 'template=true'))).toEqual([[...DISPUTE_TEMPLATE_HEADERS]]);
      const mine = await xlsxRows(await raw(mediator.cookie, 'q=HSR-00001'));
      expect(mine[0].slice(0, 10)).toEqual([...DISPUTE_TEMPLATE_HEADERS]);
      expect(mine[1].slice(0, 10)).toEqual(['HSR-00001', '风险隐患', '2021-03-01', '430602005001', '邻里纠纷', '当事人0甲、当事人0乙', '邻里纠纷第1起', '学坡社区人民调解委员会', '已化解', '2021-04-01']);
      const masked = await xlsxRows(await raw(township.cookie, 'q=HSR-00001'));
      expect(masked[1][5]).toBe('当****、当****');
      expect((await xlsxRows(await raw(mediatorB.cookie, 'kind=hazard'))).length).toBe(1);
      // An exported ledger imports back (after renumbering) with the same figures.
      const back = await xlsxRows(await raw(mediator.cookie, 'kind=hazard&from=2021-01-01T00:00:00Z&to=2022-01-01T00:00:00Z'));
      const renumbered = back.slice(1).map((r) => [`RE-${r[0]}`, ...r.slice(1, 10).map((v) => (v === '' ? null : v))]);
      const up = multipart({ data: await ledgerFile(renumbered), filename: 're.xlsx', mime: 'application/octet-stream' });
      expect((await t.request('POST', '/api/disputes/import', { body: up.body, headers: up.headers, cookie: mediator.cookie })).json).toEqual({ imported: 33 });
      expect((await mediator.get(`/api/disputes/stats?from=2021-01-01T00:00:00Z&to=2022-01-01T00:00:00Z&kind=hazard`)).json).toMatchObject({ screened: 66, resolved: 60, resolutionRate: 0.9091 });
    });
  });
}
