/**
 * The classifier inside the platform: models stored in and loaded from the
 * database, training from the platform's own handled cases, abstention,
 * feedback and live accuracy, the HTTP routes, and the CLI.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { v7 as uuidv7 } from 'uuid';
import pino from 'pino';
import { Command } from 'commander';
import { openDb, type Db } from '../../platform/db.ts';
import { createHttp, type App, type Ctx, type Kernel } from '../../platform/http.ts';
import { createServices } from '../../services.ts';
import { loadConfig } from '../../platform/config.ts';
import { createMetrics } from '../../platform/metrics.ts';
import { LocalDiskStorage } from '../../platform/storage.ts';
import { createSession, SESSION_COOKIE } from '../../org/auth.ts';
import { httpAuth } from '../../org/routes.ts';
import { upsertUser } from '../../org/store.ts';
import { defaultCategories, upsertCategories } from '../../cases/categories.ts';
import { seedWorld, type World } from '../../../test/helpers.ts';
import { CorpusBuilder } from './corpus.ts';
import { fit } from './learner.ts';
import { TextClassifierModel } from './model.ts';
import { ClassifierService } from './service.ts';
import { feedbackAccuracy, listModels, loadActiveModel, saveModel } from './store.ts';
import { registerClassifierRoutes } from './routes.ts';
import { registerClassifyCommands } from './cli.ts';
import { readLabelled } from './table.ts';
import { stopWorkers } from './pool.ts';

const EVAL_SET = fileURLToPath(new URL('./data/eval-messages.csv', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

async function byLabel(): Promise<Map<string, string[]>> {
  const m = new Map<string, string[]>();
  for await (const r of readLabelled(EVAL_SET)) {
    if (!m.has(r.label)) m.set(r.label, []);
    m.get(r.label)!.push(r.text);
  }
  return m;
}

let db: Db;
let world: World;
let messages: Map<string, string[]>;

beforeAll(async () => {
  db = await openDb('memory://');
  world = await seedWorld(db);
  await db.tx((q) => upsertCategories(q, defaultCategories()));
  messages = await byLabel();
});

afterAll(async () => {
  await db?.close();
  await stopWorkers();
});

let caseSeq = 0;
async function addCase(c: { title: string; description: string; category: string; unitId: string; division: string; status: string }) {
  const id = uuidv7();
  await db.query(
    `INSERT INTO cases (id, no, channel, type, category_code, urgency, title, description, division_code, status, lead_unit_id, created_at)
     VALUES ($1, $2, 'hotline', 'complaint', $3, 'normal', $4, $5, $6, $7, $8, now() - ($9 || ' minutes')::interval)`,
    [id, `T${String(++caseSeq).padStart(8, '0')}`, c.category, c.title, c.description, c.division, c.status, c.unitId, String(caseSeq)],
  );
  return id;
}

/** Splits a message into a short title and the rest, the way cases hold them. */
const asCase = (text: string) => ({ title: text.slice(0, 12), description: text });

describe('model storage', () => {
  it('saves a model with its metrics, loads it back identical, keeps one active per kind', async () => {
    const cb = new CorpusBuilder();
    for (const label of ['城乡建设', '生态环境', '交通运输']) for (const t of messages.get(label)!.slice(0, 40)) cb.add(t, label);
    const { model } = await fit(cb.build(), undefined, { Cs: [1] });
    const first = await saveModel(db, 'category', model, { top1: 0.9, top3: 1, macroF1: 0.88, method: '5-fold CV', n: 120 }, { C: 1 });
    const second = await saveModel(db, 'category', model, { top1: 0.91 });
    const loaded = await loadActiveModel(db, 'category');
    expect(loaded?.id).toBe(second);
    const text = '楼下烧烤店油烟太大，窗户都不敢开';
    expect(loaded!.model.predict(text)).toEqual(model.predict(text));
    expect(Buffer.compare(loaded!.model.toBuffer(), model.toBuffer())).toBe(0);
    const listed = await listModels(db, 'category');
    expect(listed.map((m) => [m.id, m.active])).toEqual([
      [second, true],
      [first, false],
    ]);
    expect(listed[1]).toMatchObject({ nSamples: 120, labels: ['城乡建设', '生态环境', '交通运输'], metrics: { top1: 0.9, method: '5-fold CV' }, params: { C: 1 } });
    expect(listed[0].sizeBytes).toBe(model.toBuffer().length);
    // old inactive models are pruned to the newest few
    for (let i = 0; i < 6; i++) await saveModel(db, 'category', model, {});
    expect((await listModels(db, 'category')).length).toBe(5);
    await db.query(`DELETE FROM classifier_models`);
  });
});

describe('training from the platform’s own cases', () => {
  let service: ClassifierService;
  const heldOut = new Map<string, string[]>();

  beforeAll(async () => {
    const { units } = world;
    const take = (label: string, from: number, n: number) => messages.get(label)!.slice(from, from + n);
    const statuses = ['closed', 'rated', 'replied', 'verified'];
    let i = 0;
    const status = () => statuses[i++ % statuses.length];
    // full codes with plenty of history, and a rare one that folds into its parent
    for (const t of take('城乡建设', 0, 40)) await addCase({ ...asCase(t), category: '0107', unitId: units.zjA.id, division: '430602005', status: status() });
    for (const t of take('城市管理', 0, 30)) await addCase({ ...asCase(t), category: '0801', unitId: units.cgA.id, division: '430602005', status: status() });
    for (const t of take('城市管理', 30, 30)) await addCase({ ...asCase(t), category: '0801', unitId: units.cgB.id, division: '430603001', status: status() });
    for (const t of take('劳动和社会保障', 0, 40)) await addCase({ ...asCase(t), category: '0401', unitId: units.streetA.id, division: '430602005', status: status() });
    for (const t of take('交通运输', 0, 8)) await addCase({ ...asCase(t), category: '0303', unitId: units.cgA.id, division: '430602005', status: status() });
    // open cases are not learned from
    for (const t of take('生态环境', 0, 25)) await addCase({ ...asCase(t), category: '0201', unitId: units.cgA.id, division: '430602005', status: 'registered' });
    heldOut.set('城乡建设', take('城乡建设', 60, 10));
    heldOut.set('城市管理', take('城市管理', 70, 10));
    heldOut.set('劳动和社会保障', take('劳动和社会保障', 60, 10));
    service = new ClassifierService({ db }, { threshold: 0.35, retrainHours: 0 });
  }, 120_000);

  it('learns categories: full codes where history allows, first-level codes for rare ones, with measured accuracy', async () => {
    const r = await service.trainFromCases('category');
    expect(r.skipped).toBeUndefined();
    expect(r.nSamples).toBe(40 + 60 + 40 + 8);
    expect(r.labelScheme).toEqual({ fullCodes: 3, firstLevel: 1, minPerLeaf: 20 });
    expect(r.metrics?.method).toBe('5-fold CV');
    console.log(`category model from ${r.nSamples} cases: ${r.metrics!.method} top1=${r.metrics!.top1.toFixed(3)} top3=${r.metrics!.top3.toFixed(3)} macroF1=${r.metrics!.macroF1.toFixed(3)}`);
    const [stored] = await listModels(db, 'category');
    expect(stored).toMatchObject({ id: r.modelId, active: true, nSamples: 148 });
    expect([...stored.labels].sort()).toEqual(['0107', '03', '0401', '0801']);
    expect(stored.metrics.top1).toBeGreaterThan(0.7);

    let hits = 0;
    let total = 0;
    for (const [label, texts] of heldOut) {
      const code = { 城乡建设: '0107', 城市管理: '0801', 劳动和社会保障: '0401' }[label];
      for (const t of texts) {
        const p = await service.predict('category', t);
        expect(p.top).toHaveLength(3);
        expect(p.modelId).toBe(r.modelId);
        total++;
        if (p.top[0].label === code) hits++;
      }
    }
    expect(hits / total).toBeGreaterThanOrEqual(0.8);
  }, 300_000);

  it('learns lead units from text and division: the same matter goes to the unit of its county', async () => {
    // (small pages: every case is read once across page boundaries)
    const paged = new ClassifierService({ db }, { retrainHours: 0, pageSize: 16, measure: false });
    const r = await paged.trainFromCases('unit');
    expect(r.skipped).toBeUndefined();
    expect(r.nSamples).toBe(148);
    expect(r.nLabels).toBe(4);
    const { units } = world;
    let right = 0;
    for (const t of heldOut.get('城市管理')!) {
      const a = await service.predict('unit', t, '430602005001');
      const b = await service.predict('unit', t, '430603001');
      if (a.top[0].label === units.cgA.id) right++;
      if (b.top[0].label === units.cgB.id) right++;
    }
    expect(right).toBeGreaterThanOrEqual(17);
  }, 300_000);

  it('abstains below the confidence threshold and says so', async () => {
    // a model of all 14 first-level categories, made active for this test
    const previous = (await loadActiveModel(db, 'category'))!.id;
    const cb = new CorpusBuilder();
    for (const [label, texts] of messages) for (const t of texts) cb.add(t, label);
    const wide = await saveModel(db, 'category', (await fit(cb.build())).model, {});
    const s = new ClassifierService({ db }, { threshold: 0.35, retrainHours: 0 });
    const sure = await s.predict('category', '东茅岭路拖欠农民工工资三个月，包工头跑路了');
    expect(sure).toMatchObject({ abstained: false, threshold: 0.35, modelId: wide });
    expect(sure.top[0]).toMatchObject({ label: '劳动和社会保障' });
    expect(sure.top[0].probability).toBeGreaterThan(0.9);
    // greetings and noise carry no evidence: probabilities stay near the priors
    for (const text of ['你好', '谢谢', '在吗']) {
      const vague = await s.predict('category', text);
      expect(vague.top).toHaveLength(3);
      expect(vague.top[0].probability).toBeLessThan(0.35);
      expect(vague.abstained).toBe(true);
    }
    // a stricter threshold abstains on the same proposal
    const strict = new ClassifierService({ db }, { threshold: 0.999, retrainHours: 0 });
    expect((await strict.predict('category', '东茅岭路拖欠农民工工资三个月，包工头跑路了')).abstained).toBe(true);
    // no model of a kind yet: an explicit abstention
    await db.query(`UPDATE classifier_models SET active = false WHERE kind = 'unit'`);
    const none = await new ClassifierService({ db }, { retrainHours: 0 }).predict('unit', '路灯不亮');
    expect(none).toMatchObject({ top: [], abstained: true, modelId: null, reason: 'no trained model yet' });
    await db.query(`UPDATE classifier_models SET active = true WHERE id = (SELECT id FROM classifier_models WHERE kind = 'unit' ORDER BY trained_at DESC LIMIT 1)`);
    await db.tx(async (q) => {
      await q.query(`UPDATE classifier_models SET active = false WHERE kind = 'category'`);
      await q.query(`UPDATE classifier_models SET active = true WHERE id = $1`, [previous]);
    });
  }, 120_000);

  it('records final choices and measures live accuracy from them', async () => {
    const [c1, c2, c3] = (await db.query<{ id: string }>(`SELECT id FROM cases ORDER BY no LIMIT 3`)).map((r) => r.id);
    const p = await service.predict('category', '小区物业不作为，电梯坏了一个月');
    await service.recordFeedback(db, c1, 'category', p, p.top[0].label);
    await service.recordFeedback(db, c2, 'category', p, p.top[2].label);
    await service.recordFeedback(db, c3, 'category', p, '9999');
    let acc = await service.accuracy('category');
    expect(acc).toMatchObject({ n: 3 });
    expect(acc.top1).toBeCloseTo(1 / 3);
    expect(acc.top3).toBeCloseTo(2 / 3);
    // a later correction replaces the earlier choice
    await service.recordFeedback(db, c3, 'category', p, p.top[0].label);
    acc = await service.accuracy('category');
    expect(acc.n).toBe(3);
    expect(acc.top1).toBeCloseTo(2 / 3);
    // a first-level proposal is a hit for any leaf under it
    await service.recordFeedback(db, c1, 'category', [{ label: '03', probability: 0.6 }], '0303');
    const rows = await db.query<{ top1: boolean }>(`SELECT top1 FROM classifier_feedback WHERE case_id = $1`, [c1]);
    expect(rows[0].top1).toBe(true);
    expect((await feedbackAccuracy(db, 'category', new Date(Date.now() + 60_000))).n).toBe(0);
  });

  it('reloads when another instance activates a newer model', async () => {
    const other = new ClassifierService({ db }, { retrainHours: 0, reloadCheckSeconds: 0 });
    const before = await other.predict('category', '噪音扰民');
    const previous = before.modelId!;
    const cb = new CorpusBuilder();
    for (const t of messages.get('生态环境')!.slice(0, 30)) cb.add(t, '0201');
    for (const t of messages.get('交通运输')!.slice(0, 30)) cb.add(t, '0301');
    const newer = await saveModel(db, 'category', (await fit(cb.build(), undefined, { Cs: [1] })).model, {});
    await other.predict('category', '噪音扰民'); // notices in the background
    await new Promise((r) => setTimeout(r, 200));
    const after = await other.predict('category', '噪音扰民');
    expect(before.modelId).not.toBe(newer);
    expect(after.modelId).toBe(newer);
    expect(after.top.map((t) => t.label).sort()).toEqual(['0201', '0301']);
    await db.tx(async (q) => {
      await q.query(`UPDATE classifier_models SET active = false WHERE kind = 'category'`);
      await q.query(`UPDATE classifier_models SET active = true WHERE id = $1`, [previous]);
    });
  });

  it('skips training with too little history, and retrains on schedule only when due', async () => {
    const empty = await openDb('memory://');
    try {
      await seedWorld(empty);
      const s = new ClassifierService({ db: empty }, { retrainHours: 24 });
      expect(await s.trainFromCases('category')).toMatchObject({ nSamples: 0, skipped: expect.stringContaining('need at least 30 cases') });
      const due = await s.retrainDue();
      expect(due.map((r) => r.kind)).toEqual(['category', 'unit']);
      s.start();
      s.start(); // idempotent
      await s.stop();
    } finally {
      await empty.close();
    }
    // models trained moments ago are not due
    const s = new ClassifierService({ db }, { retrainHours: 24 });
    expect(await s.retrainDue()).toEqual([]);
  });
});

describe('HTTP', () => {
  let app: App;
  let service: ClassifierService;
  const cookies: Record<string, string> = {};

  beforeAll(async () => {
    const config = loadConfig(process.env, { demo: false, filesDir: mkdtempSync(join(tmpdir(), 'zhili-files-')) });
    const kernel: Kernel = { db, config, log: pino({ level: 'silent' }), metrics: createMetrics(), storage: new LocalDiskStorage(config.filesDir) };
    const ctx: Ctx = { ...kernel, services: await createServices(kernel) };
    app = await createHttp(ctx, httpAuth(ctx));
    service = registerClassifierRoutes(app, ctx);
    expect(ctx.services.classifier).toBe(service);
    await app.ready();
    const citizen = await upsertUser(db, { username: 'citizen_c', displayName: '群众', password: 'Test-pass-123', roles: ['citizen'] as any, unitCode: null, scopeCodes: [] });
    const ids: Record<string, string> = { operator: world.users.operator.id, dispatcher: world.users.dispatcher.id, handler: world.users.handlerA.id, citizen: (citizen as any).id ?? (citizen as any).user?.id };
    if (!ids.citizen) ids.citizen = (await db.query<{ id: string }>(`SELECT id FROM users WHERE username = 'citizen_c'`))[0].id;
    for (const [k, id] of Object.entries(ids)) cookies[k] = `${SESSION_COOKIE}=${(await createSession(db, id, 1)).token}`;
  });

  afterAll(async () => {
    await app?.close();
  });

  const call = (method: 'GET' | 'POST', url: string, who: string, body?: unknown) =>
    app.inject({ method, url, headers: { cookie: cookies[who], ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, payload: body === undefined ? undefined : JSON.stringify(body) });

  it('proposes categories (code, name) and units (id, name) with probabilities to staff', async () => {
    await service.load();
    const res = await call('POST', '/api/dispatch/classify', 'operator', { text: '东茅岭街道菜市场门口流动摊贩占道卖菜，车根本过不去', divisionCode: '430602005' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.categories.top).toHaveLength(3);
    expect(body.categories.top[0]).toEqual({ code: expect.any(String), name: expect.any(String), probability: expect.any(Number) });
    const names = Object.fromEntries(defaultCategories().map((c) => [c.code, c.name]));
    for (const t of body.categories.top) expect(t.name).toBe(names[t.code]);
    expect(body.units.top[0]).toEqual({ id: world.units.cgA.id, name: '岳阳楼区城管局', probability: expect.any(Number) });
    expect(typeof body.units.abstained).toBe('boolean');
    expect(body.categories.threshold).toBe(service.threshold);
  });

  it('refuses citizens and anonymous callers, and names invalid fields', async () => {
    expect((await call('POST', '/api/dispatch/classify', 'citizen', { text: '路灯不亮' })).statusCode).toBe(403);
    expect((await app.inject({ method: 'POST', url: '/api/dispatch/classify', payload: { text: '路灯不亮' } })).statusCode).toBe(401);
    const bad = await call('POST', '/api/dispatch/classify', 'operator', { text: '', divisionCode: 'x' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors.map((e: any) => e.field).sort()).toEqual(['divisionCode', 'text']);
  });

  it('retrains on demand for dispatchers only, and lists models with measured and live accuracy', async () => {
    expect((await call('POST', '/api/dispatch/classifier/train', 'handler', { kind: 'unit' })).statusCode).toBe(403);
    const res = await call('POST', '/api/dispatch/classifier/train', 'dispatcher', { kind: 'unit' });
    expect(res.statusCode).toBe(200);
    const [report] = res.json().reports;
    expect(report).toMatchObject({ kind: 'unit', nSamples: 148, nLabels: 4, metrics: { method: '5-fold CV' } });
    const list = await call('GET', '/api/dispatch/classifier', 'handler');
    expect(list.statusCode).toBe(200);
    const body = list.json();
    const active = body.models.filter((m: any) => m.active);
    expect(active.map((m: any) => m.kind).sort()).toEqual(['category', 'unit']);
    const unit = active.find((m: any) => m.kind === 'unit');
    expect(unit).toMatchObject({ id: report.modelId, nSamples: 148, nLabels: 4, metrics: { top1: expect.any(Number), top3: expect.any(Number), macroF1: expect.any(Number) } });
    expect(Date.parse(unit.trainedAt)).toBeGreaterThan(Date.now() - 600_000);
    expect(body.live.category.n).toBe(3);
    expect((await call('GET', '/api/dispatch/classifier', 'citizen')).statusCode).toBe(403);
  }, 300_000);
});

describe('CLI', () => {
  const wired = readFileSync(join(ROOT, 'src/cli.ts'), 'utf8').includes('registerClassifyCommands');

  async function runCommand(args: string[]): Promise<string[]> {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const program = new Command().name('zhili').exitOverride();
      registerClassifyCommands(program);
      await program.parseAsync(args, { from: 'user' });
    } finally {
      spy.mockRestore();
      err.mockRestore();
    }
    return lines;
  }

  it('classify eval prints top1/top3/macroF1 as its last line', async () => {
    const args = ['classify', 'eval', '--input', EVAL_SET, '--folds', '3', '--text-column', 'text', '--label-column', 'label'];
    let lines: string[];
    if (wired) {
      const r = spawnSync(process.execPath, ['bin/zhili.js', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
      expect(r.status, r.stderr).toBe(0);
      lines = r.stdout.trim().split('\n');
    } else {
      lines = await runCommand(args);
    }
    const last = lines[lines.length - 1];
    expect(last).toMatch(/^top1=\d\.\d{3} top3=\d\.\d{3} macroF1=\d\.\d{3}$/);
    const [, top1, top3] = /^top1=([\d.]+) top3=([\d.]+)/.exec(last)!.map(Number);
    expect(top1).toBeGreaterThan(0.75);
    expect(top3).toBeGreaterThan(0.93);
  }, 300_000);

  it('classify train --output writes a model that loads and predicts', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'zhili-model-')), 'model.json');
    const lines = await runCommand(['classify', 'train', '--input', EVAL_SET, '--output', out, '--no-measure']);
    expect(lines.at(-1)).toBe(`wrote ${out}`);
    expect(existsSync(out)).toBe(true);
    const model = TextClassifierModel.fromJSON(JSON.parse(readFileSync(out, 'utf8')));
    expect(model.labels).toHaveLength(14);
    expect(model.predict('楼下饭店油烟直排，熏得窗户都不敢开')[0].label).toBe('生态环境');
  }, 300_000);

  it('classify train without --output stores the model in the configured database, active', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zhili-data-'));
    const saved = { url: process.env.DATABASE_URL, dir: process.env.ZHILI_DATA_DIR };
    process.env.DATABASE_URL = '';
    process.env.ZHILI_DATA_DIR = dir;
    try {
      const lines = await runCommand(['classify', 'train', '--input', EVAL_SET, '--kind', 'category', '--no-measure']);
      expect(lines.at(-1)).toMatch(/^stored category model [0-9a-f-]{36} \(active\)$/);
      const stored = await openDb(join(dir, 'pglite'));
      try {
        const [m] = await listModels(stored, 'category');
        expect(m).toMatchObject({ active: true, nSamples: 1400 });
        expect(m.labels).toHaveLength(14);
      } finally {
        await stored.close();
      }
    } finally {
      if (saved.url === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved.url;
      if (saved.dir === undefined) delete process.env.ZHILI_DATA_DIR;
      else process.env.ZHILI_DATA_DIR = saved.dir;
    }
  }, 300_000);

  it('names a missing column', async () => {
    await expect(runCommand(['classify', 'eval', '--input', EVAL_SET, '--text-column', '内容'])).rejects.toThrow(/--text-column: no column named "内容"/);
  });
});
