/**
 * Knowledge base and Chinese search on both databases: segmentation-based case
 * search, ranking, jurisdiction, articles over HTTP (CRUD, validity dates,
 * search, permissions) and odd input.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_DATABASES, seedWorld, silentLogger, caseBody, PASSWORD, type World } from '../../test/helpers.ts';
import type { Db } from '../platform/db.ts';
import { loadConfig } from '../platform/config.ts';
import { createMetrics } from '../platform/metrics.ts';
import { LocalDiskStorage } from '../platform/storage.ts';
import { createHttp, type App, type Ctx, type Kernel } from '../platform/http.ts';
import { createServices } from '../services.ts';
import { LogOtpSender, type Principal } from '../org/auth.ts';
import { httpAuth, registerOrgRoutes } from '../org/routes.ts';
import { registerCaseRoutes } from '../cases/routes.ts';
import { defaultCategories, upsertCategories } from '../cases/categories.ts';
import { registerKbRoutes, ensureDefaultArticles, getArticleForCitation, defaultArticles } from './index.ts';
import { searchCases, caseTextSearch, rankedCaseIds, backfillCaseSearch } from '../cases/search.ts';
import { caseVisibility } from '../org/scope.ts';

async function buildApp(db: Db): Promise<{ app: App; ctx: Ctx }> {
  const dir = mkdtempSync(join(tmpdir(), 'zhili-kb-'));
  const kernel: Kernel = {
    db,
    config: loadConfig({}, { demo: false, filesDir: dir, webDir: '/nonexistent', sweepSeconds: 0 }),
    log: silentLogger(),
    metrics: createMetrics(),
    storage: new LocalDiskStorage(dir),
  };
  const ctx: Ctx = { ...kernel, services: await createServices(kernel) };
  const app = await createHttp(ctx, httpAuth(ctx));
  registerOrgRoutes(app, ctx, new LogOtpSender(() => {}));
  registerCaseRoutes(app, ctx);
  registerKbRoutes(app, ctx);
  await app.ready();
  return { app, ctx };
}

type Res = { status: number; json: any; body: string; headers: Record<string, any> };

function expectProblem(res: Res, status: number | number[], field?: string) {
  const statuses = Array.isArray(status) ? status : [status];
  expect(statuses, `${res.status} ${res.body}`).toContain(res.status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  if (field) expect(res.json.errors?.map((e: any) => e.field), res.body).toContain(field);
}

const shanghaiDay = (offsetDays = 0) => new Date(Date.now() + 8 * 3600_000 + offsetDays * 86400_000).toISOString().slice(0, 10);

describe.each(TEST_DATABASES)('knowledge base and search on $name', (tdb) => {
  let db: Db;
  let app: App;
  let world: World;

  async function request(method: string, url: string, opts: { body?: unknown; cookie?: string; raw?: string; headers?: Record<string, string> } = {}): Promise<Res> {
    const res = await app.inject({
      method: method as any,
      url,
      payload: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
      headers: {
        ...(opts.body !== undefined || opts.raw !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(opts.cookie ? { cookie: opts.cookie } : {}),
        ...opts.headers,
      },
    });
    let json: any;
    try {
      json = res.json();
    } catch {
      json = undefined;
    }
    return { status: res.statusCode, json, body: res.body, headers: res.headers };
  }

  async function login(username: string) {
    const res = await request('POST', '/api/auth/login', { body: { username, password: PASSWORD } });
    if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${res.body}`);
    const sc = res.headers['set-cookie'];
    const cookie = (Array.isArray(sc) ? sc[0] : sc).split(';')[0];
    return {
      get: (url: string) => request('GET', url, { cookie }),
      post: (url: string, body?: unknown) => request('POST', url, { cookie, body: body ?? {} }),
      put: (url: string, body?: unknown, headers?: Record<string, string>) => request('PUT', url, { cookie, body, headers }),
      del: (url: string) => request('DELETE', url, { cookie }),
      raw: (method: string, url: string, raw: string) => request(method, url, { cookie, raw }),
    };
  }
  type Client = Awaited<ReturnType<typeof login>>;
  let op: Client;
  let opB: Client;
  let admin: Client;

  /** The principal of a seeded user, as the auth hook would build it. */
  async function principal(username: string): Promise<Principal> {
    const r = await db.query<any>(`SELECT id, username, display_name, phone, roles, unit_id, scope_codes FROM users WHERE username = $1`, [username]);
    const u = r[0];
    return { id: u.id, username: u.username, displayName: u.display_name, phone: u.phone, roles: u.roles, unitId: u.unit_id, scopeCodes: u.scope_codes, via: 'session' };
  }

  const cases: Record<string, { id: string; no: string }> = {};

  beforeAll(async () => {
    db = await tdb.open();
    world = await seedWorld(db);
    await db.tx((q) => upsertCategories(q, defaultCategories()));
    ({ app } = await buildApp(db));
    op = await login('operator');
    opB = await login('operator_b');
    admin = await login('admin');

    const create = async (c: Client, key: string, over: Record<string, unknown>) => {
      const res = await c.post('/api/cases', caseBody(over));
      if (res.status !== 201) throw new Error(`create ${key}: ${res.status} ${res.body}`);
      cases[key] = { id: res.json.id, no: res.json.no };
    };
    // 岳阳楼区 (430602)
    await create(op, 'lampTitle', { title: '东茅岭路路灯不亮', description: '东茅岭路与建湘路交叉口往北约100米，连续三个晚上路灯不亮，行人夜间出行不便。' });
    await create(op, 'lampBody', {
      categoryCode: '0102',
      title: '建湘路井盖缺失',
      description: '建湘路口人行道上一个井盖缺失，旁边的路灯也坏了，晚上看不清很危险。',
    });
    await create(op, 'noise', { categoryCode: '0201', title: '楼上装修噪音扰民', description: '楼上每天早上七点前就开始电钻装修，噪音很大，影响休息。' });
    await create(op, 'wage', { type: 'help', categoryCode: '0401', title: '工地拖欠农民工工资', description: '在某小区工地干了三个月，包工头拖欠工资两万元至今未付。' });
    // 云溪区 (430603), registered by the other county's operator
    await create(opB, 'lampB', {
      title: '云溪街道路灯不亮',
      description: '云溪街道长岭路一段路灯晚上不亮，已经一周了。',
      location: { address: '云溪区长岭路', divisionCode: '430603001' },
    });
    // Whatever the insert path does with search_text today, the backfill makes every case searchable.
    await db.query(`UPDATE cases SET search_text = NULL`);
    expect(await backfillCaseSearch(db, 2)).toBe(5);
    expect(await backfillCaseSearch(db, 2)).toBe(0);
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  describe('case search', () => {
    it('finds 路灯 cases by "灯不亮" through segmentation', async () => {
      const p = await principal('operator');
      const { items, terms } = await searchCases(db, p, '灯不亮');
      expect(terms).toEqual(['灯不亮']);
      const ids = items.map((i) => i.id);
      expect(ids).toEqual(expect.arrayContaining([cases.lampTitle.id, cases.lampB.id]));
      expect(ids).not.toContain(cases.noise.id);
      expect(ids).not.toContain(cases.wage.id);
    });

    it('ranks a match in the title above a passing mention in the description', async () => {
      const p = await principal('operator_a');
      const { items } = await searchCases(db, p, '路灯');
      expect(items.map((i) => i.id).slice(0, 2)).toEqual([cases.lampTitle.id, cases.lampBody.id]);
      expect(items[0].rank).toBeGreaterThan(items[1].rank);
    });

    it('wants every word, and falls back to any word when none has them all', async () => {
      const p = await principal('operator');
      const all = await searchCases(db, p, '拖欠 工资');
      expect(all.items.map((i) => i.id)).toEqual([cases.wage.id]);
      const any = await searchCases(db, p, '路灯 火星');
      expect(any.items.map((i) => i.id)).toEqual(expect.arrayContaining([cases.lampTitle.id, cases.lampBody.id, cases.lampB.id]));
      // With every word present, the one-word matches are not mixed in.
      const precise = await searchCases(db, p, '装修噪音');
      expect(precise.items.map((i) => i.id)).toEqual([cases.noise.id]);
    });

    it('matches a case number exactly', async () => {
      const p = await principal('operator');
      const { items } = await searchCases(db, p, cases.noise.no);
      expect(items.map((i) => i.id)).toEqual([cases.noise.id]);
    });

    it("never returns another county's case, not even through the any-word fallback", async () => {
      const b = await principal('operator_b');
      const lamp = await searchCases(db, b, '路灯不亮');
      expect(lamp.items.map((i) => i.id)).toEqual([cases.lampB.id]);
      // All words match only in 岳阳楼区: the fallback is decided within 云溪区, and still stays there.
      const onlyA = await searchCases(db, b, '东茅岭 路灯');
      expect(onlyA.items.map((i) => i.id)).toEqual([cases.lampB.id]);
      expect((await searchCases(db, b, '拖欠工资')).items).toEqual([]);
      expect((await searchCases(db, b, cases.wage.no)).items).toEqual([]);
      // A unit handler sees only what their unit handles.
      expect((await searchCases(db, await principal('handler_b'), '路灯')).items).toEqual([]);
    });

    it('ranks the recent part alone when it has enough matches, else older cases too', async () => {
      const p = await principal('operator');
      const ordered = await db.query<{ id: string; created_at: Date }>(`SELECT id, created_at FROM cases ORDER BY created_at DESC`);
      const lamps = [cases.lampB.id, cases.lampBody.id, cases.lampTitle.id];
      const run = async (since: Date | null, window?: number) => {
        const params: unknown[] = [];
        const visible = caseVisibility(p, 'c', params);
        const search = caseTextSearch(p, '路灯', params);
        const top = await rankedCaseIds(db, { filters: [visible], params, search, plan: { mode: 'all', since }, limit: 10, window });
        return top.map((t) => t.id);
      };
      const all = await run(null);
      expect([...all].sort()).toEqual([...lamps].sort());
      // The recent part (from the 2nd newest case on) holds one 路灯 case: too few, so older ones are searched too.
      expect(await run(ordered[1].created_at)).toEqual(all);
      // A window of one: the newest match alone.
      expect(await run(ordered[1].created_at, 1)).toEqual([cases.lampB.id]);
      expect(await run(null, 1)).toEqual([cases.lampB.id]);
      // Nothing recent at all.
      expect(await run(new Date(Date.now() + 86400_000))).toEqual(all);
    });

    it('composes with other list filters and the caller\'s visibility (as CaseService.list uses it)', async () => {
      const p = await principal('operator');
      const params: unknown[] = [];
      const where = [caseVisibility(p, 'c', params)];
      where.push(`c.category_code LIKE $${params.push('01%')}`);
      const s = caseTextSearch(p, '路灯', params);
      where.push(s.where);
      const rows = await db.query<{ id: string }>(`SELECT c.id FROM cases c WHERE ${where.join(' AND ')} ORDER BY ${s.rank} DESC, c.created_at DESC`, params);
      // Every 路灯 case the city operator sees; the passing mention ranks last.
      expect(rows.map((r) => r.id).sort()).toEqual([cases.lampTitle.id, cases.lampB.id, cases.lampBody.id].sort());
      expect(rows.at(-1)!.id).toBe(cases.lampBody.id);
    });

    it('treats odd input as no match, never as an error', async () => {
      const p = await principal('operator');
      for (const q of ["'", '&|!', '路灯\':* | !(', '\ud800', "'; DROP TABLE cases; --", ':*', '<->', '路灯\\']) {
        await expect(searchCases(db, p, q)).resolves.toBeDefined();
      }
      expect((await db.query(`SELECT count(*)::int AS n FROM cases`))[0].n).toBe(5);
    });
  });

  describe('articles', () => {
    it('ships default articles, loaded once, that answer common consultations', async () => {
      const n = await db.tx((q) => ensureDefaultArticles(q));
      expect(n).toBe(defaultArticles().length);
      expect(n).toBeGreaterThanOrEqual(20);
      expect(await db.tx((q) => ensureDefaultArticles(q))).toBe(0);
      const expectFirst = async (q: string, question: RegExp) => {
        const res = await op.get(`/api/kb/articles?q=${encodeURIComponent(q)}`);
        expect(res.status, res.body).toBe(200);
        expect(res.json.items[0]?.question, `${q}: ${res.json.items.map((i: any) => i.question).join(' / ')}`).toMatch(question);
      };
      await expectFirst('公积金怎么提取', /公积金提取/);
      await expectFirst('居住证办理要什么材料', /居住证/);
      await expectFirst('家里停水了', /停水/);
      await expectFirst('孩子上小学怎么报名', /入学/);
      await expectFirst('社保缴费记录查询', /社保缴费/);
      await expectFirst('12345不受理什么', /12345/);
      await expectFirst('老板欠薪', /拖欠工资/);
      // No article has every word: any word will do, on every page.
      const q = encodeURIComponent('孩子上小学怎么报名');
      const first = (await op.get(`/api/kb/articles?q=${q}&limit=1`)).json;
      const second = (await op.get(`/api/kb/articles?q=${q}&limit=1&offset=1`)).json;
      expect([first.mode, second.mode]).toEqual(['any', 'any']);
      expect(second.items.length).toBe(1);
      expect(second.items[0].id).not.toBe(first.items[0].id);
      const byCategory = await op.get('/api/kb/articles?categoryCode=0602');
      expect(byCategory.json.items.length).toBeGreaterThanOrEqual(2);
      for (const a of byCategory.json.items) expect(a.categoryCodes).toContain('0602');
    });

    it('creates, reads, updates with a version check and withdraws an article, audited', async () => {
      const created = await op.post('/api/kb/articles', {
        question: '东茅岭街道老旧小区改造什么时候开工？',
        answer: '东茅岭街道2026年老旧小区改造项目计划于三月开工，具体以街道公示为准。',
        categoryCodes: ['0107'],
        keywords: ['旧改', '老旧小区'],
        source: '岳阳楼区住建局',
      });
      expect(created.status, created.body).toBe(201);
      const a = created.json;
      expect(created.headers.location).toBe(`/api/kb/articles/${a.id}`);
      expect(a).toMatchObject({ divisionCodes: ['4306'], validFrom: shanghaiDay(), validTo: null, active: true, valid: true, version: 1, keywords: ['旧改', '老旧小区'] });

      expect((await op.get(`/api/kb/articles/${a.id}`)).json.question).toBe(a.question);
      const found = await op.get(`/api/kb/articles?q=${encodeURIComponent('旧改开工')}`);
      expect(found.json.items[0].id).toBe(a.id);

      const updated = await op.put(`/api/kb/articles/${a.id}`, { answer: '项目已于2026年3月10日开工，预计年底完工。', version: 1 });
      expect(updated.status, updated.body).toBe(200);
      expect(updated.json).toMatchObject({ version: 2, question: a.question, answer: '项目已于2026年3月10日开工，预计年底完工。' });
      expect((await op.get(`/api/kb/articles?q=${encodeURIComponent('年底完工')}`)).json.items.map((i: any) => i.id)).toContain(a.id);
      const stale = await op.put(`/api/kb/articles/${a.id}`, { answer: '旧版本上的修改' }, { 'if-match': '1' });
      expectProblem(stale, 409, 'version');
      expect(stale.json.currentVersion).toBe(2);

      const gone = await op.del(`/api/kb/articles/${a.id}`);
      expect(gone.status, gone.body).toBe(200);
      expect(gone.json).toMatchObject({ active: false, valid: false, version: 3 });
      expect((await op.get(`/api/kb/articles?q=${encodeURIComponent('旧改')}`)).json.items.map((i: any) => i.id)).not.toContain(a.id);
      expect((await op.get(`/api/kb/articles?include=all&q=${encodeURIComponent('旧改')}`)).json.items.map((i: any) => i.id)).toContain(a.id);
      expect(await getArticleForCitation(db, a.id)).toBeUndefined();
      // Restored by an update.
      expect((await op.put(`/api/kb/articles/${a.id}`, { active: true })).json).toMatchObject({ active: true, valid: true });

      const audits = await db.query<{ action: string }>(`SELECT action FROM audit_log WHERE entity = 'kb_article' AND entity_id = $1 ORDER BY id`, [a.id]);
      expect(audits.map((r) => r.action)).toEqual(['kb_article_create', 'kb_article_update', 'kb_article_delete', 'kb_article_update']);
    });

    it('honours validity dates in search and citation', async () => {
      const mk = async (question: string, validFrom: string, validTo: string | null) => {
        const res = await admin.post('/api/kb/articles', { question, answer: `${question}的答复内容。`, validFrom, validTo, keywords: ['有效期测试'] });
        expect(res.status, res.body).toBe(201);
        return res.json;
      };
      const expired = await mk('去年的冬季供暖补贴政策', shanghaiDay(-400), shanghaiDay(-1));
      const future = await mk('明年的冬季供暖补贴政策', shanghaiDay(1), null);
      const current = await mk('今年的冬季供暖补贴政策', shanghaiDay(-10), shanghaiDay(0));
      expect([expired.valid, future.valid, current.valid]).toEqual([false, false, true]);
      expect(current.divisionCodes).toEqual([]);

      const valid = await op.get(`/api/kb/articles?q=${encodeURIComponent('供暖补贴')}`);
      expect(valid.json.items.map((i: any) => i.id)).toEqual([current.id]);
      const all = await op.get(`/api/kb/articles?include=all&q=${encodeURIComponent('供暖补贴')}`);
      expect(all.json.items.map((i: any) => i.id).sort()).toEqual([expired.id, future.id, current.id].sort());

      expect(await getArticleForCitation(db, expired.id)).toBeUndefined();
      expect(await getArticleForCitation(db, future.id)).toBeUndefined();
      expect(await getArticleForCitation(db, current.id)).toEqual({ id: current.id, question: current.question, answer: current.answer });
      expect(await getArticleForCitation(db, 'not-a-uuid')).toBeUndefined();
      expect(await getArticleForCitation(db, '01900000-0000-7000-8000-000000000000')).toBeUndefined();

      // An expired article can be extended.
      const extended = await admin.put(`/api/kb/articles/${expired.id}`, { validTo: null });
      expect(extended.json.valid).toBe(true);
      // Dates out of order are refused, naming the field, on create and on update.
      expectProblem(await admin.post('/api/kb/articles', { question: '日期颠倒', answer: '日期颠倒的知识', validFrom: '2026-05-01', validTo: '2026-04-30' }), [400, 422], 'validTo');
      expectProblem(await admin.put(`/api/kb/articles/${current.id}`, { validFrom: shanghaiDay(5) }), 422, 'validTo');
    });

    it('keeps writers within their jurisdiction and readers on the staff', async () => {
      // operator_b (云溪区) writes for 云溪区 by default, not for 岳阳楼区 or everywhere.
      const own = await opB.post('/api/kb/articles', { question: '云溪区垃圾清运时间', answer: '云溪区生活垃圾每日早晚各清运一次。' });
      expect(own.status, own.body).toBe(201);
      expect(own.json.divisionCodes).toEqual(['430603']);
      expectProblem(await opB.post('/api/kb/articles', { question: '岳阳楼区垃圾清运时间', answer: '每日两次。', divisionCodes: ['430602'] }), 403);
      expectProblem(await opB.post('/api/kb/articles', { question: '全市垃圾清运时间', answer: '每日两次。', divisionCodes: [] }), 403);
      const cityArticle = (await op.post('/api/kb/articles', { question: '全市垃圾分类投放时间', answer: '早七点至九点，晚六点至八点。' })).json;
      expectProblem(await opB.put(`/api/kb/articles/${cityArticle.id}`, { answer: '改掉' }), 403);
      expectProblem(await opB.del(`/api/kb/articles/${cityArticle.id}`), 403);
      // The city operator sees both; 岳阳楼区's operator does not see 云溪区's article by default.
      const q = `/api/kb/articles?q=${encodeURIComponent('垃圾清运')}`;
      expect((await op.get(q)).json.items.map((i: any) => i.id)).toContain(own.json.id);
      const opA = await login('operator_a');
      expect((await opA.get(q)).json.items.map((i: any) => i.id)).not.toContain(own.json.id);
      expect((await opA.get(`${q}&divisionCode=430603`)).json.items.map((i: any) => i.id)).toContain(own.json.id);
      expect(await getArticleForCitation(db, own.json.id, { divisionCode: '430603001' })).toBeDefined();
      expect(await getArticleForCitation(db, own.json.id, { divisionCode: '430602005001' })).toBeUndefined();

      // Handlers read but do not write; citizens and strangers do not read.
      const handler = await login('handler_a');
      expect((await handler.get('/api/kb/articles')).status).toBe(200);
      expectProblem(await handler.post('/api/kb/articles', { question: '处理人写的知识', answer: '不允许' }), 403);
      const sup = await login('supervisor');
      expect((await sup.post('/api/kb/articles', { question: '督办员写的知识', answer: '允许写入。' })).status).toBe(201);
      expectProblem(await request('GET', '/api/kb/articles'), 401);
      const citizen = await db.query<{ id: string }>(
        `INSERT INTO users (id, username, display_name, phone, roles, password_hash) SELECT '01900000-0000-7000-8000-0000000000c1', 'citizen_kb', '群众', '13900000001', '{citizen}', password_hash FROM users WHERE username = 'admin' RETURNING id`,
      );
      expect(citizen.length).toBe(1);
      expectProblem(await (await login('citizen_kb')).get('/api/kb/articles'), 403);
    });

    it('answers odd or invalid input with a 4xx naming the field, never a 500', async () => {
      expectProblem(await op.get('/api/kb/articles?q=%00'), 400, 'q');
      expectProblem(await op.get(`/api/kb/articles?q=${'路'.repeat(201)}`), 400, 'q');
      expectProblem(await op.get(`/api/kb/articles?categoryCode=${encodeURIComponent("01'--")}`), 400, 'categoryCode');
      expectProblem(await op.get('/api/kb/articles?limit=0'), 400, 'limit');
      expectProblem(await op.get('/api/kb/articles?include=everything'), 400, 'include');
      expectProblem(await op.get('/api/kb/articles?sort=rank'), 400, 'sort');
      expectProblem(await op.get('/api/kb/articles/abc'), 400, 'id');
      expectProblem(await op.get('/api/kb/articles/01900000-0000-7000-8000-000000000000'), 404);
      for (const q of ["'", '&|!():*', '<->', '的了吗', '\\', '%ED%A0%80', '%F0%9F%98%80']) {
        const res = await op.get(`/api/kb/articles?q=${q.startsWith('%') ? q : encodeURIComponent(q)}`);
        expect(res.status, `${q}: ${res.body}`).toBe(200);
        expect(res.json.items).toEqual([]);
      }
      expectProblem(await admin.post('/api/kb/articles', { question: 'x\u0000y', answer: '有 NUL 的问题' }), 400, 'question');
      expectProblem(await admin.post('/api/kb/articles', { question: '问题', answer: '答复', priority: 1 }), 400, 'priority');
      expectProblem(await admin.post('/api/kb/articles', { question: '问题', answer: '答复', categoryCodes: ['9999'] }), 422, 'categoryCodes.0');
      expectProblem(await admin.post('/api/kb/articles', { question: '问题', answer: '答复', divisionCodes: ['430699'] }), 422, 'divisionCodes.0');
      expectProblem(await admin.post('/api/kb/articles', { question: '问题', answer: '答复', validFrom: '2026-02-30' }), [400, 422], 'validFrom');
      expectProblem(await admin.post('/api/kb/articles', { question: '问', answer: '答复' }), 400, 'question');
      expectProblem(await admin.raw('POST', '/api/kb/articles', '{"question": "未闭合'), 400);
      expectProblem(await admin.put('/api/kb/articles/01900000-0000-7000-8000-000000000000', { answer: '不存在的知识' }), 404);
      expectProblem(await admin.put('/api/kb/articles/01900000-0000-7000-8000-000000000000', { answer: '答复' }, { 'if-match': 'abc' }), [404, 422]);
      const odd = await admin.post('/api/kb/articles', { question: "路灯' & !(不亮) | x:* \ud800", answer: "'; DROP TABLE kb_articles; --" });
      expect(odd.status, odd.body).toBe(201);
      expect((await admin.get(`/api/kb/articles?q=${encodeURIComponent('DROP TABLE')}`)).json.items.map((i: any) => i.id)).toContain(odd.json.id);
    });

    it('documents its routes in the OpenAPI description', async () => {
      const res = await request('GET', '/docs/json');
      expect(res.status).toBe(200);
      expect(Object.keys(res.json.paths)).toEqual(expect.arrayContaining(['/api/kb/articles', '/api/kb/articles/{id}']));
    });
  });
});
