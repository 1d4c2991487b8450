/**
 * Risk assessment over HTTP on both databases: the framework (versioned,
 * frozen once scored), periods, values computed from records, entered and
 * imported (row + column errors, all or nothing), scoring, ranking, the
 * county report with drivers and trend, jurisdiction; and project
 * social-stability risk assessments through their lifecycle, with masked
 * export and idempotent creation.
 */
import { describe, expect, it } from 'vitest';
import { TEST_DATABASES, caseBody, multipart, type Client, type TestServer } from './helpers.ts';
import { ledgerXlsx, useRegisterServer, xlsxRows } from './registers-helpers.ts';
import { defaultFramework } from '../src/registers/risk/index.ts';

/** A small framework: two categories, three dimensions; 12345 volume and disputes from records, the rest entered. */
const SPEC = {
  tiers: { method: 'quota', unit: 'count', tier1: 1, tier2: 0 },
  categories: [
    {
      code: 'C1', name: '社会稳定', weight: 2,
      dimensions: [
        { code: 'D1', name: '群众诉求', weight: 1, indicators: [{ code: 'cases', name: '12345工单量', weight: 1, direction: 'risk', normalise: { method: 'minmax' }, source: 'cases' }] },
        { code: 'D2', name: '矛盾纠纷', weight: 1, indicators: [{ code: 'disp', name: '矛盾纠纷数', weight: 1, direction: 'risk', normalise: { method: 'minmax' }, source: 'disputes' }] },
      ],
    },
    {
      code: 'C2', name: '治安', weight: 1,
      dimensions: [
        {
          code: 'D3', name: '安全感', weight: 1,
          indicators: [
            { code: 'safe', name: '群众安全感', weight: 2, direction: 'safety', normalise: { method: 'fixed', min: 0.9, max: 1 } },
            { code: 'fraud', name: '电诈发案数', weight: 1, direction: 'risk', normalise: { method: 'minmax' } },
          ],
        },
      ],
    },
  ],
};

for (const tdb of TEST_DATABASES) {
  describe(`risk assessment on ${tdb.name}`, () => {
    let t: TestServer;
    let admin: Client;
    let supervisor: Client; // city scope 4306
    let leaderA: Client; // county 430602
    let leaderB: Client; // county 430603
    let township: Client; // street 430602005
    let xfB: Client; // petition officer of county B
    let handler: Client;
    const raw = async (c: Client, url: string) => (await t.app.inject({ method: 'GET', url, headers: { cookie: c.cookie } })).rawPayload;
    useRegisterServer(tdb, async (s) => {
      t = s.t;
      const db = t.server.ctx.db;
      await s.addUser('leader_a', ['leader'], null, ['430602']);
      await s.addUser('leader_b', ['leader'], null, ['430603']);
      await s.addUser('xf_b', ['petition_officer'], 'CG-430603', ['430603']);
      admin = await t.login('admin');
      supervisor = await t.login('supervisor');
      leaderA = await t.login('leader_a');
      leaderB = await t.login('leader_b');
      township = await t.login('township_a');
      xfB = await t.login('xf_b');
      handler = await t.login('handler_a');
      // Records the computed indicators read: two 12345 orders and one dispute in county A.
      const operator = await t.login('operator');
      for (let i = 0; i < 2; i++) expect((await operator.post('/api/cases', caseBody())).status).toBe(201);
    });

    let fwId: string;
    let q1: string;
    let q2: string;

    it('creates a framework once per Idempotency-Key, refusing a bad one field by field', async () => {
      const bad = await admin.post('/api/risk/frameworks', { code: 'x', name: 'x', spec: { ...SPEC, tiers: { method: 'score', tier1Min: 10, tier2Min: 50 } } });
      expect(bad.status).toBe(400);
      expect(bad.headers['content-type']).toMatch(/problem\+json/);
      expect(JSON.stringify(bad.json)).toContain('spec.tiers.tier1Min');
      const key = { 'idempotency-key': 'fw-1' };
      const a = await admin.post('/api/risk/frameworks', { code: 'test-fw', name: '测试指标体系', spec: SPEC }, key);
      expect(a.status, a.body).toBe(201);
      const b = await admin.post('/api/risk/frameworks', { code: 'test-fw', name: '测试指标体系', spec: SPEC }, key);
      expect(b.status).toBe(200);
      expect(b.json.id).toBe(a.json.id);
      expect((await admin.get('/api/risk/frameworks')).json.items.filter((f: any) => f.code === 'test-fw')).toHaveLength(1);
      expect(a.json).toMatchObject({ version: 1, frozen: false, categories: 2, dimensions: 3, indicators: 4 });
      fwId = a.json.id;
      // The shipped framework: Hunan's 8 categories and 21 dimensions.
      const d = defaultFramework();
      expect(d.spec.categories).toHaveLength(8);
      expect(d.spec.categories.flatMap((c) => c.dimensions)).toHaveLength(21);
      // Only admins edit frameworks.
      expect((await supervisor.post('/api/risk/frameworks', { code: 'y', name: 'y', spec: SPEC })).status).toBe(403);
    });

    it('periods: a city supervisor makes them for the city; a county leader cannot', async () => {
      const body = { code: '2026-Q3', name: '2026年第三季度', scopeCode: '4306', startsOn: '2026-07-01', endsOn: '2030-09-30', frameworkId: fwId };
      expect((await leaderA.post('/api/risk/periods', body)).status).toBe(403);
      const p = await supervisor.post('/api/risk/periods', body, { 'idempotency-key': 'p-1' });
      expect(p.status, p.body).toBe(201);
      expect((await supervisor.post('/api/risk/periods', body, { 'idempotency-key': 'p-1' })).json.id).toBe(p.json.id);
      expect((await supervisor.post('/api/risk/periods', body)).status).toBe(422);
      q2 = p.json.id;
      const earlier = await supervisor.post('/api/risk/periods', { ...body, code: '2026-Q2', name: '2026年第二季度', startsOn: '2026-04-01', endsOn: '2026-06-30' });
      expect(earlier.status).toBe(201);
      q1 = earlier.json.id;
      // A county leader sees the city's periods (their county is in them).
      expect((await leaderA.get('/api/risk/periods')).json.items.map((x: any) => x.code).sort()).toEqual(['2026-Q2', '2026-Q3']);
    });

    it('values: computed from records, entered, imported all-or-nothing with row and column errors', async () => {
      const c = await supervisor.post(`/api/risk/periods/${q2}/compute`);
      expect(c.status, c.body).toBe(200);
      expect(c.json).toEqual({ indicators: 2, values: 4 });
      let v = await supervisor.get(`/api/risk/periods/${q2}/values`);
      const byCounty = Object.fromEntries(v.json.items.map((x: any) => [x.divisionCode, x.values]));
      expect(byCounty['430602'].cases).toEqual({ value: 2, source: 'computed' });
      expect(byCounty['430603'].cases).toEqual({ value: 0, source: 'computed' });
      // Computed indicators cannot be typed over; unknown counties and indicators are named.
      const bad = await supervisor.put(`/api/risk/periods/${q2}/values`, { values: [{ divisionCode: '430602', indicatorCode: 'cases', value: 5 }, { divisionCode: '110101', indicatorCode: 'nope', value: 1 }] });
      expect(bad.status).toBe(422);
      expect(bad.json.errors.map((e: any) => e.field)).toEqual(['values.0.indicatorCode', 'values.1.divisionCode', 'values.1.indicatorCode']);
      // A county leader cannot write values.
      expect((await leaderA.put(`/api/risk/periods/${q2}/values`, { values: [{ divisionCode: '430602', indicatorCode: 'safe', value: 0.95 }] })).status).toBe(403);
      const ok = await supervisor.put(`/api/risk/periods/${q2}/values`, { values: [{ divisionCode: '430602', indicatorCode: 'safe', value: 0.93 }, { divisionCode: '430603', indicatorCode: 'safe', value: 0.99 }] });
      expect(ok.json).toEqual({ saved: 2 });

      // Import: a bad file names every bad cell and imports nothing.
      const badFile = multipart({ data: await ledgerXlsx(['区划代码', '县市区', 'fraud', 'cases'], [['430602', '云溪区', 'x', 3], ['999999', '', 4, null]]), filename: 'v.xlsx', mime: 'application/octet-stream' });
      const r = await t.request('POST', `/api/risk/periods/${q2}/values/import`, { body: badFile.body, headers: badFile.headers, cookie: supervisor.cookie });
      expect(r.status).toBe(422);
      expect(r.json.errors.map((e: any) => e.field).sort()).toEqual(['rows.1.cases', 'rows.2.fraud', 'rows.2.县市区', 'rows.3.区划代码'].sort());
      v = await supervisor.get(`/api/risk/periods/${q2}/values`);
      expect(v.json.items.every((x: any) => !x.values.fraud)).toBe(true);
      const goodFile = multipart({ data: await ledgerXlsx(['区划代码', '县市区', 'fraud'], [['430602', '岳阳楼区', 12], ['430603', '云溪区', 3]]), filename: 'v.xlsx', mime: 'application/octet-stream' });
      const g = await t.request('POST', `/api/risk/periods/${q2}/values/import`, { body: goodFile.body, headers: goodFile.headers, cookie: supervisor.cookie });
      expect(g.status, g.body).toBe(200);
      expect(g.json).toEqual({ imported: 2, counties: 2 });
      // The template lists the entered indicators for the counties.
      const rows = await xlsxRows(await raw(supervisor, `/api/risk/periods/${q2}/values/export?template=true`));
      expect(rows[0]).toEqual(['区划代码', '县市区', 'safe', 'fraud']);
    });

    it('scores the period in one run, freezes the framework, and an edit makes version 2', async () => {
      // Q2 first (an earlier period, for the trend): only entered values.
      await supervisor.put(`/api/risk/periods/${q1}/values`, { values: [{ divisionCode: '430602', indicatorCode: 'fraud', value: 1 }, { divisionCode: '430603', indicatorCode: 'fraud', value: 5 }] });
      expect((await supervisor.post(`/api/risk/periods/${q1}/score`)).status).toBe(200);
      const s = await supervisor.post(`/api/risk/periods/${q2}/score`);
      expect(s.status, s.body).toBe(200);
      expect(s.json).toMatchObject({ scored: 2, unscored: [], tierCounts: { 1: 1, 2: 0, 3: 1 }, missingValues: 0 });
      expect((await leaderA.post(`/api/risk/periods/${q2}/score`)).status).toBe(403);
      const fw = await admin.get(`/api/risk/frameworks/${fwId}`);
      expect(fw.json.frozen).toBe(true);
      const spec = structuredClone(fw.json.spec);
      spec.categories[0].weight = 5;
      const edit = await admin.put(`/api/risk/frameworks/${fwId}`, { spec });
      expect(edit.status).toBe(201);
      expect(edit.json).toMatchObject({ code: 'test-fw', version: 2, frozen: false });
      expect((await admin.get(`/api/risk/frameworks/${fwId}`)).json.spec.categories[0].weight).toBe(2);
    });

    it('ranking: the city sees all its counties, a county only itself (with its rank among all)', async () => {
      const city = await supervisor.get(`/api/risk/periods/${q2}/ranking`);
      expect(city.status).toBe(200);
      expect(city.json.of).toBe(2);
      expect(city.json.items.map((x: any) => [x.divisionCode, x.rank, x.tier])).toEqual([['430602', 1, 1], ['430603', 2, 3]]);
      expect(city.json.items[0].categories.map((c: any) => c.name)).toEqual(['社会稳定', '治安']);
      const drill = await supervisor.get(`/api/risk/periods/${q2}/ranking?division=430603`);
      expect(drill.json.items.map((x: any) => x.divisionCode)).toEqual(['430603']);
      const b = await leaderB.get(`/api/risk/periods/${q2}/ranking`);
      expect(b.json.items.map((x: any) => [x.divisionCode, x.rank])).toEqual([['430603', 2]]);
      expect(b.json.of).toBe(2);
      const rows = await xlsxRows(await raw(leaderB, `/api/risk/periods/${q2}/ranking/export`));
      expect(rows).toHaveLength(2);
      expect(rows[1]).toContain('云溪区');
      expect(rows.flat().join()).not.toContain('岳阳楼区');
      expect((await handler.get(`/api/risk/periods/${q2}/ranking`)).status).toBe(403);
    });

    it('the county report: categories and dimensions, drivers, missing values, trend; another county\'s is not found', async () => {
      const r = await leaderA.get(`/api/risk/periods/${q2}/counties/430602`);
      expect(r.status, r.body).toBe(200);
      expect(r.json).toMatchObject({ divisionCode: '430602', divisionName: '岳阳楼区', rank: 1, of: 2, tier: 1 });
      expect(r.json.categories.map((c: any) => c.dimensions.length)).toEqual([2, 1]);
      // 430602 has more orders, more fraud and a lower sense of safety: every indicator drives it.
      expect(r.json.drivers[0]).toMatchObject({ indicatorCode: expect.any(String), contribution: expect.any(Number) });
      const sum = r.json.categories.flatMap((c: any) => c.dimensions.flatMap((d: any) => d.indicators)).reduce((a: number, i: any) => a + i.contribution, 0);
      expect(Math.abs(sum - r.json.total)).toBeLessThan(0.01);
      expect(r.json.trend.map((x: any) => x.code)).toEqual(['2026-Q2', '2026-Q3']);
      // Q2 had only the fraud value: the others are missing and said so.
      const q1r = await leaderA.get(`/api/risk/periods/${q1}/counties/430602`);
      expect(q1r.json.missing.map((m: any) => m.code).sort()).toEqual(['cases', 'disp', 'safe']);
      expect((await leaderA.get(`/api/risk/periods/${q2}/counties/430603`)).status).toBe(404);
      expect((await leaderB.get(`/api/risk/periods/${q2}/counties/430602`)).status).toBe(404);
    });

    let aid: string;
    const experts = [
      { name: '王法律', field: '法律', affiliation: '岳阳市律师协会', phone: '13911112222' },
      { name: '李工程', field: '工程' },
      { name: '赵社会', field: '社会学' },
    ];
    it('a project assessment: draft, panel of 3 or 5, the four dimensions and the survey, a decision fitting the risk, follow-up, close', async () => {
      const body = { project: '东茅岭片区棚户区改造项目', divisionCode: '430602005', responsibleUnit: '岳阳楼区住建局', assessingBody: '湖南某社会稳定风险评估中心', thirdParty: true };
      const four = await township.post('/api/risk/assessments', { ...body, experts: [...experts, { name: '钱财务', field: '财务' }] });
      expect(four.status).toBe(400);
      expect(JSON.stringify(four.json)).toContain('experts');
      expect((await township.post('/api/risk/assessments', { ...body, divisionCode: '430603001' })).status).toBe(403);
      const key = { 'idempotency-key': 'wp-1' };
      const a = await township.post('/api/risk/assessments', body, key);
      expect(a.status, a.body).toBe(201);
      expect((await township.post('/api/risk/assessments', body, key)).json.id).toBe(a.json.id);
      aid = a.json.id;
      expect(a.json.status).toBe('draft');
      // No panel yet: starting is refused naming the field.
      const noPanel = await township.post(`/api/risk/assessments/${aid}/start`, {});
      expect(noPanel.status).toBe(422);
      expect(noPanel.json.errors[0].field).toBe('experts');
      const started = await township.post(`/api/risk/assessments/${aid}/start`, { experts });
      expect(started.status, started.body).toBe(200);
      expect(started.json.status).toBe('assessing');
      // The township officer is not a person-data role: the panel's names and phones are masked.
      expect(started.json.experts[0]).toMatchObject({ name: '王**', phone: '139****2222' });
      const finding = (score: number) => ({ score, findings: '符合规划，补偿方案经公示' });
      const badSurvey = await township.post(`/api/risk/assessments/${aid}/assess`, { dimensions: { legality: finding(10), reasonableness: finding(30), feasibility: finding(20), controllability: finding(60) }, survey: { sampleSize: 100, supporters: 101 }, outcome: 'high' });
      expect(badSurvey.status).toBe(400);
      expect(JSON.stringify(badSurvey.json)).toContain('survey.supporters');
      const assessed = await township.post(`/api/risk/assessments/${aid}/assess`, {
        dimensions: { legality: finding(10), reasonableness: finding(30), feasibility: finding(20), controllability: finding(60) },
        survey: { sampleSize: 1200, supporters: 1048, method: '入户问卷' },
        outcome: 'high',
      });
      expect(assessed.status, assessed.body).toBe(200);
      expect(assessed.json.survey).toEqual({ sampleSize: 1200, supporters: 1048, supportRate: 0.8733, method: '入户问卷' });
      expect(assessed.json.dimensions.controllability).toEqual({ label: '可控性', score: 60, findings: '符合规划，补偿方案经公示' });
      // The township cannot decide; a high risk cannot simply proceed.
      expect((await township.post(`/api/risk/assessments/${aid}/decide`, { decision: 'postpone', conditions: 'x' })).status).toBe(403);
      const proceed = await leaderA.post(`/api/risk/assessments/${aid}/decide`, { decision: 'proceed', conditions: '加强宣传' });
      expect(proceed.status).toBe(422);
      expect(proceed.json.errors[0].field).toBe('decision');
      const decided = await leaderA.post(`/api/risk/assessments/${aid}/decide`, { decision: 'postpone', conditions: '补偿方案重新听证后再报' });
      expect(decided.status, decided.body).toBe(200);
      expect(decided.json.status).toBe('decided');
      const f1 = await township.post(`/api/risk/assessments/${aid}/follow-up`, { note: '已组织听证会一次，群众意见主要集中在安置面积' });
      expect(f1.json.status).toBe('following_up');
      const f2 = await township.post(`/api/risk/assessments/${aid}/follow-up`, { note: '修订方案已公示', version: 1 });
      expect(f2.status).toBe(409);
      // A retried follow-up with the same Idempotency-Key is written once.
      const once = { 'idempotency-key': 'fu-1' };
      const f3 = await township.post(`/api/risk/assessments/${aid}/follow-up`, { note: '修订方案已公示' }, once);
      const f4 = await township.post(`/api/risk/assessments/${aid}/follow-up`, { note: '修订方案已公示' }, once);
      expect([f3.status, f4.status]).toEqual([200, 200]);
      expect(f4.json.version).toBe(f3.json.version);
      const closed = await leaderA.post(`/api/risk/assessments/${aid}/close`, { comment: '条件落实' });
      expect(closed.json.status).toBe('closed');
      expect(closed.json.timeline.map((e: any) => e.action)).toEqual(['register', 'start', 'assess', 'decide', 'follow_up', 'follow_up', 'close']);
      expect((await township.post(`/api/risk/assessments/${aid}/follow-up`, { note: 'x' })).status).toBe(409);
    });

    it('assessments stay in their county: list, detail and export', async () => {
      const list = await leaderA.get('/api/risk/assessments');
      expect(list.json.total).toBe(1);
      expect((await leaderB.get('/api/risk/assessments')).json.total).toBe(0);
      const fws = await xlsxRows(await raw(leaderB, '/api/risk/frameworks/export'));
      expect(fws[0]).toEqual(['代码', '版本', '名称', '类别数', '维度数', '指标数', '已用于评分']);
      expect(fws.length).toBe(3);
      expect((await xfB.get(`/api/risk/assessments/${aid}`)).status).toBe(404);
      expect((await xlsxRows(await raw(xfB, '/api/risk/assessments/export'))).flat().join()).not.toContain('棚户区');
      // The supervisor sees people's data: names unmasked on screen (audited); the export masks phones and keeps names.
      const s = await supervisor.get(`/api/risk/assessments/${aid}`);
      expect(s.json.experts[0]).toMatchObject({ name: '王法律', phone: '13911112222' });
      const audited = await t.server.ctx.db.query(`SELECT 1 FROM audit_log WHERE action = 'read_personal_data' AND entity = 'risk_assessment'`);
      expect(audited.length).toBeGreaterThan(0);
      const rows = await xlsxRows(await raw(leaderA, '/api/risk/assessments/export'));
      expect(rows[0]).toEqual(expect.arrayContaining(['项目名称', '合法性', '合理性', '可行性', '可控性', '调查样本量', '支持人数', '支持率', '风险等级', '决策']));
      expect(rows[1].join()).toContain('王**(法律)');
      expect(rows[1]).toEqual(expect.arrayContaining(['1200', '1048', '高风险', '暂缓实施']));
    });
  });
}
