/**
 * Risk assessment over HTTP: the indicator framework (versioned), periods,
 * indicator values (computed from records, entered, imported from xlsx),
 * scoring, the ranking and the county report; and projects'
 * social-stability risk assessments with their lifecycle.
 */
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import type { App, Ctx } from '../../platform/http.ts';
import { allow } from '../../platform/access.ts';
import { audit } from '../../platform/audit.ts';
import { conflict, forbidden, invalid, notFound, Problem } from '../../platform/errors.ts';
import { requireUser, type Principal } from '../../org/auth.ts';
import { IDEMPOTENCY_HEADER, appendEvent, RowErrors, TIMELINE_ENTRY, claimWrite, priorWrite, readLedger, seesPersons, sendLedger, timeline, transition, uploadedXlsx, type Cell, type LedgerColumn } from '../kit/index.ts';
import { FRAMEWORK_SPEC, SOURCE_LABELS, counts, flatten, type FrameworkSpec } from './framework.ts';
import {
  ASSESSMENT_ENTITY, TREND_POINT, callerPrefixes, computeValues, covers, createFramework, listPeriods, loadFramework, loadVisiblePeriod, periodCounties, periodScores,
  periodValues, scorePeriod, trendOf, upsertValues, type FrameworkRow, type PeriodRow, type ScoreRow,
} from './store.ts';
import {
  ASSESSMENT_SELECT, ASSESSMENT_VIEW, DIMENSIONS_INPUT, PANEL, SURVEY, assessmentColumns, assessmentView, assessmentVisibility, factsOf, loadVisibleAssessment, type AssessmentRow,
} from './assessments.ts';
import { ACTION_ROLES, DECISIONS, RISK_LEVELS, STATUSES, WRITER_ROLES, checkDecision, decide, type Action } from './lifecycle.ts';

/** Who reads county risk: leaders, the political-legal supervisors, police (the Hunan assessment is the police's). */
export const RISK_READERS = ['leader', 'supervisor', 'police'] as const;
/** Who keeps periods and values and runs the scoring. */
export const RISK_WRITERS = ['supervisor'] as const;
export const ASSESSMENT_READERS = ['leader', 'supervisor', 'township', 'petition_officer'] as const;

const ID = z.strictObject({ id: z.string().min(1).max(64) });
const DIVISION = z.string().regex(/^\d{2,12}$/, '区划代码为 2–12 位数字 (2-12 digits)');
const DATE = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '日期格式 YYYY-MM-DD (a date)');
const VERSION = z.number().int().positive().optional();

const FRAMEWORK_SUMMARY = z.object({ id: z.uuid(), code: z.string(), version: z.number().int(), name: z.string(), frozen: z.boolean(), categories: z.number().int(), dimensions: z.number().int(), indicators: z.number().int(), updatedAt: z.string() });
const FRAMEWORK_VIEW = FRAMEWORK_SUMMARY.extend({ spec: z.any().describe('the framework (categories -> dimensions -> indicators, tiers, missing)'), sources: z.record(z.string(), z.string()) });
const FRAMEWORK_INPUT = z.strictObject({ code: z.string().trim().regex(/^[A-Za-z0-9_-]{1,40}$/), name: z.string().trim().min(1).max(100), spec: FRAMEWORK_SPEC });
const PERIOD_VIEW = z.object({
  id: z.uuid(), code: z.string(), name: z.string(), scopeCode: z.string(), scopeName: z.string().nullable(), startsOn: z.string(), endsOn: z.string(),
  frameworkId: z.string(), scoredAt: z.string().nullable(),
});
const CATEGORY_SCORE = z.object({ code: z.string(), name: z.string(), score: z.number().nullable() });
const RANK_ITEM = z.object({ divisionCode: z.string(), divisionName: z.string().nullable(), total: z.number().nullable(), rank: z.number().int().nullable(), tier: z.number().int().nullable(), categories: z.array(CATEGORY_SCORE), missing: z.number().int() });
const RANKING = z.object({ period: PERIOD_VIEW, of: z.number().int().describe('counties ranked in the period'), tierCounts: z.object({ 1: z.number().int(), 2: z.number().int(), 3: z.number().int() }), items: z.array(RANK_ITEM) });
const INDICATOR_REPORT = z.object({ code: z.string(), name: z.string(), unit: z.string().nullable(), direction: z.string(), source: z.string(), weight: z.number(), value: z.number().nullable(), score: z.number().nullable(), contribution: z.number(), missing: z.boolean() });
const REPORT = z.object({
  period: PERIOD_VIEW,
  framework: z.object({ id: z.string(), code: z.string(), version: z.number().int(), name: z.string(), tiers: z.any() }),
  divisionCode: z.string(),
  divisionName: z.string().nullable(),
  total: z.number().nullable(),
  rank: z.number().int().nullable(),
  of: z.number().int(),
  tier: z.number().int().nullable(),
  categories: z.array(z.object({ code: z.string(), name: z.string(), weight: z.number(), score: z.number().nullable(), dimensions: z.array(z.object({ code: z.string(), name: z.string(), weight: z.number(), score: z.number().nullable(), indicators: z.array(INDICATOR_REPORT) })) })),
  drivers: z.array(z.object({ indicatorCode: z.string(), name: z.string(), category: z.string(), dimension: z.string(), value: z.number().nullable(), score: z.number().nullable(), contribution: z.number() })),
  missing: z.array(z.object({ code: z.string(), name: z.string() })),
  trend: z.array(TREND_POINT),
});
const VALUES_VIEW = z.object({
  period: PERIOD_VIEW,
  indicators: z.array(z.object({ code: z.string(), name: z.string(), category: z.string(), dimension: z.string(), source: z.string(), unit: z.string().nullable() })),
  items: z.array(z.object({ divisionCode: z.string(), divisionName: z.string(), values: z.record(z.string(), z.object({ value: z.number().nullable(), source: z.string() })) })),
});
const SCORE_RUN = z.object({ scored: z.number().int(), unscored: z.array(z.string()), tierCounts: z.object({ 1: z.number().int(), 2: z.number().int(), 3: z.number().int() }), missingValues: z.number().int(), ms: z.number() });
const ASSESSMENT_DETAIL = ASSESSMENT_VIEW.extend({ timeline: z.array(TIMELINE_ENTRY) });

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
const periodView = (r: PeriodRow) => ({ id: r.id, code: r.code, name: r.name, scopeCode: r.scope_code, scopeName: r.scope_name, startsOn: r.starts_on, endsOn: r.ends_on, frameworkId: r.framework_id, scoredAt: iso(r.scored_at) });
const frameworkSummary = (r: FrameworkRow) => ({ id: r.id, code: r.code, version: r.version, name: r.name, frozen: r.frozen, ...counts(r.spec), updatedAt: new Date(r.updated_at).toISOString() });
const TIER_ZH: Record<number, string> = { 1: '一类', 2: '二类', 3: '三类' };

export function registerRiskRoutes(app: App, ctx: Ctx) {
  const { db } = ctx;
  const tags = ['risk'];

  // ---------------------------------------------------------------- frameworks
  app.get(
    '/api/risk/frameworks',
    { config: { access: allow.roles([...RISK_READERS, ...RISK_WRITERS], 'none') }, schema: { tags, summary: '风险评估指标体系 Indicator frameworks, every version, newest first', response: { 200: z.object({ items: z.array(FRAMEWORK_SUMMARY) }) } } },
    async () => {
      const rows = await db.query<FrameworkRow>(`SELECT * FROM risk_frameworks ORDER BY code, version DESC`);
      return { items: rows.map((r) => frameworkSummary({ ...r, spec: FRAMEWORK_SPEC.parse(r.spec) })) };
    },
  );

  app.get(
    '/api/risk/frameworks/export',
    { config: { access: allow.roles([...RISK_READERS, ...RISK_WRITERS], 'none') }, schema: { tags, summary: '导出指标体系列表 The frameworks list (every version) as xlsx', response: { 200: z.any().describe('an .xlsx file') } } },
    async (_req, reply) => {
      const rows = (await db.query<FrameworkRow>(`SELECT * FROM risk_frameworks ORDER BY code, version DESC`)).map((r) => frameworkSummary({ ...r, spec: FRAMEWORK_SPEC.parse(r.spec) }));
      type Row = (typeof rows)[number];
      const columns: LedgerColumn<Row>[] = [
        { header: '代码', value: (r) => r.code }, { header: '版本', value: (r) => r.version, width: 8 }, { header: '名称', value: (r) => r.name, width: 36 },
        { header: '类别数', value: (r) => r.categories, width: 8 }, { header: '维度数', value: (r) => r.dimensions, width: 8 }, { header: '指标数', value: (r) => r.indicators, width: 8 },
        { header: '已用于评分', value: (r) => (r.frozen ? '是' : '否'), width: 10 },
      ];
      return sendLedger(reply, '风险评估指标体系', '指标体系', columns, rows);
    },
  );

  app.get(
    '/api/risk/frameworks/:id',
    { config: { access: allow.roles([...RISK_READERS, ...RISK_WRITERS], 'none') }, schema: { tags, summary: '指标体系详情 One framework version with its categories, dimensions, indicators and tier rule', params: ID, response: { 200: FRAMEWORK_VIEW } } },
    async (req) => {
      const fw = await loadFramework(db, uuidOr404(req.params.id, 'risk framework'));
      return { ...frameworkSummary(fw), spec: fw.spec, sources: SOURCE_LABELS };
    },
  );

  app.get(
    '/api/risk/frameworks/:id/export',
    {
      config: { access: allow.roles([...RISK_READERS, ...RISK_WRITERS], 'none') },
      schema: { tags, summary: '导出指标体系 The framework\'s indicators as xlsx (category, dimension, indicator, weights, direction, normalisation, source)', params: ID, response: { 200: z.any().describe('an .xlsx file') } },
    },
    async (req, reply) => {
      const fw = await loadFramework(db, uuidOr404(req.params.id, 'risk framework'));
      type Row = { c: FrameworkSpec['categories'][number]; d: FrameworkSpec['categories'][number]['dimensions'][number]; i: FrameworkSpec['categories'][number]['dimensions'][number]['indicators'][number]; w: number };
      const flat = flatten(fw.spec);
      const rows: Row[] = [];
      for (const c of fw.spec.categories) for (const d of c.dimensions) for (const i of d.indicators) rows.push({ c, d, i, w: flat.find((f) => f.indicator.code === i.code)!.effectiveWeight });
      const columns: LedgerColumn<Row>[] = [
        { header: '类别代码', value: (r) => r.c.code }, { header: '类别', value: (r) => r.c.name }, { header: '类别权重', value: (r) => r.c.weight },
        { header: '维度代码', value: (r) => r.d.code }, { header: '维度', value: (r) => r.d.name }, { header: '维度权重', value: (r) => r.d.weight },
        { header: '指标代码', value: (r) => r.i.code }, { header: '指标', value: (r) => r.i.name, width: 28 }, { header: '指标权重', value: (r) => r.i.weight },
        { header: '综合权重', value: (r) => r.w, numFmt: '0.00%' },
        { header: '方向', value: (r) => (r.i.direction === 'risk' ? '越高越危险' : '越高越安全') },
        { header: '标准化', value: (r) => (r.i.normalise.method === 'minmax' ? '极差标准化' : `固定区间 ${r.i.normalise.min}–${r.i.normalise.max}`) },
        { header: '数据来源', value: (r) => SOURCE_LABELS[r.i.source] },
      ];
      return sendLedger(reply, `${fw.name}-v${fw.version}`, '指标体系', columns, rows);
    },
  );

  app.post(
    '/api/risk/frameworks',
    {
      config: { access: allow.roles(['admin'], 'none') },
      schema: { tags, summary: '新建指标体系 Create a framework (version 1); Idempotency-Key makes retries safe', headers: IDEMPOTENCY_HEADER, body: FRAMEWORK_INPUT, response: { 200: FRAMEWORK_VIEW, 201: FRAMEWORK_VIEW } },
    },
    async (req, reply) => {
      const p = requireUser(req);
      const key = req.headers['idempotency-key'] as string | undefined;
      const idem = req.body;
      const prior = await priorWrite(db, p.id, 'risk', key, idem);
      if (prior) return reply.code(200).send(await frameworkOut(prior));
      const exists = await db.query(`SELECT 1 FROM risk_frameworks WHERE code = $1`, [req.body.code]);
      if (exists.length) throw invalid('code', '该代码已有指标体系，请编辑它以生成新版本 (a framework with this code exists; edit it to make a new version)');
      const id = await db.tx(async (q) => {
        const id = await createFramework(q, req.body, p.id);
        await claimWrite(q, p.id, 'risk', key, idem, id);
        return id;
      });
      await audit(db, { userId: p.id, action: 'risk_framework_create', entity: 'risk_framework', entityId: id, ip: req.ip });
      return reply.code(201).send(await frameworkOut(id));
    },
  );

  app.put(
    '/api/risk/frameworks/:id',
    {
      config: { access: allow.roles(['admin'], 'none') },
      schema: {
        tags,
        summary: '编辑指标体系 Edit weights, thresholds, indicators or the tier rule: in place while no period is scored with it (200), else as the next version (201)',
        params: ID,
        body: z.strictObject({ name: z.string().trim().min(1).max(100).optional(), spec: FRAMEWORK_SPEC }),
        response: { 200: FRAMEWORK_VIEW, 201: FRAMEWORK_VIEW },
      },
    },
    async (req, reply) => {
      const p = requireUser(req);
      const fw = await loadFramework(db, uuidOr404(req.params.id, 'risk framework'));
      const name = req.body.name ?? fw.name;
      if (!fw.frozen) {
        await db.query(`UPDATE risk_frameworks SET spec = $2::jsonb, name = $3, updated_at = now() WHERE id = $1`, [fw.id, JSON.stringify(req.body.spec), name]);
        await audit(db, { userId: p.id, action: 'risk_framework_edit', entity: 'risk_framework', entityId: fw.id, ip: req.ip });
        return reply.code(200).send(await frameworkOut(fw.id));
      }
      const id = await db.tx(async (q) => {
        const next = (await q.query<{ v: number }>(`SELECT max(version)::int + 1 AS v FROM risk_frameworks WHERE code = $1`, [fw.code]))[0].v;
        return createFramework(q, { code: fw.code, name, spec: req.body.spec }, p.id, next);
      });
      await audit(db, { userId: p.id, action: 'risk_framework_version', entity: 'risk_framework', entityId: id, detail: { from: fw.id }, ip: req.ip });
      return reply.code(201).send(await frameworkOut(id));
    },
  );

  async function frameworkOut(id: string) {
    const fw = await loadFramework(db, id);
    return { ...frameworkSummary(fw), spec: fw.spec, sources: SOURCE_LABELS };
  }

  // ---------------------------------------------------------------- periods
  app.get(
    '/api/risk/periods',
    { config: { access: allow.roles([...RISK_READERS, ...RISK_WRITERS], 'jurisdiction') }, schema: { tags, summary: '评估期 Periods whose area overlaps the caller\'s jurisdiction, newest first', response: { 200: z.object({ items: z.array(PERIOD_VIEW) }) } } },
    async (req) => {
      const p = requireUser(req);
      return { items: (await listPeriods(db, await callerPrefixes(db, p))).map(periodView) };
    },
  );

  app.get(
    '/api/risk/periods/export',
    { config: { access: allow.roles([...RISK_READERS, ...RISK_WRITERS], 'jurisdiction') }, schema: { tags, summary: '导出评估期 The periods list as xlsx', response: { 200: z.any().describe('an .xlsx file') } } },
    async (req, reply) => {
      const p = requireUser(req);
      const rows = await listPeriods(db, await callerPrefixes(db, p));
      const columns: LedgerColumn<PeriodRow>[] = [
        { header: '评估期', value: (r) => r.code }, { header: '名称', value: (r) => r.name, width: 24 }, { header: '评估范围', value: (r) => r.scope_name ?? r.scope_code },
        { header: '开始日期', value: (r) => r.starts_on }, { header: '结束日期', value: (r) => r.ends_on }, { header: '评分时间', value: (r) => (r.scored_at ? new Date(r.scored_at) : null), numFmt: 'yyyy-mm-dd hh:mm' },
      ];
      return sendLedger(reply, '风险评估期', '评估期', columns, rows);
    },
  );

  app.post(
    '/api/risk/periods',
    {
      config: { access: allow.roles(RISK_WRITERS, 'jurisdiction') },
      schema: {
        tags,
        summary: '新建评估期 A period scoring the counties under one area (a city, a province) on a framework version; Idempotency-Key makes retries safe',
        headers: IDEMPOTENCY_HEADER,
        body: z.strictObject({ code: z.string().trim().regex(/^[A-Za-z0-9_-]{2,20}$/, '如 2026-Q3 或 2026-09 (e.g. 2026-Q3)'), name: z.string().trim().min(1).max(100), scopeCode: DIVISION, startsOn: DATE, endsOn: DATE, frameworkId: z.uuid() }),
        response: { 200: PERIOD_VIEW, 201: PERIOD_VIEW },
      },
    },
    async (req, reply) => {
      const p = requireUser(req);
      const b = req.body;
      const prefixes = await callerPrefixes(db, p);
      if (!covers(prefixes, b.scopeCode)) throw forbidden(`scopeCode: ${b.scopeCode} 不在您的管辖范围内 (outside your jurisdiction)`);
      if (b.endsOn < b.startsOn) throw invalid('endsOn', '结束日期不能早于开始日期 (ends before it starts)');
      const key = req.headers['idempotency-key'] as string | undefined;
      const idem = b;
      const prior = await priorWrite(db, p.id, 'risk', key, idem);
      if (prior) return reply.code(200).send(periodView(await loadVisiblePeriod(db, prefixes, prior)));
      if (!(await db.query(`SELECT 1 FROM divisions WHERE code = $1`, [b.scopeCode])).length) throw invalid('scopeCode', '没有这个区划 (no such division)');
      if (!(await db.query(`SELECT 1 FROM risk_frameworks WHERE id = $1`, [b.frameworkId])).length) throw invalid('frameworkId', '没有这个指标体系 (no such framework)');
      if ((await db.query(`SELECT 1 FROM risk_periods WHERE scope_code = $1 AND code = $2`, [b.scopeCode, b.code])).length) throw invalid('code', '该范围已有同名评估期 (this area already has a period with this code)');
      const id = uuidv7();
      await db.tx(async (q) => {
        await q.query(`INSERT INTO risk_periods (id, code, name, scope_code, starts_on, ends_on, framework_id, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [id, b.code, b.name, b.scopeCode, b.startsOn, b.endsOn, b.frameworkId, p.id]);
        await claimWrite(q, p.id, 'risk', key, idem, id);
      });
      return reply.code(201).send(periodView(await loadVisiblePeriod(db, prefixes, id)));
    },
  );

  app.get(
    '/api/risk/periods/:id',
    { config: { access: allow.roles([...RISK_READERS, ...RISK_WRITERS], 'jurisdiction') }, schema: { tags, summary: '评估期详情 One period', params: ID, response: { 200: PERIOD_VIEW } } },
    async (req) => periodView(await loadVisiblePeriod(db, await callerPrefixes(db, requireUser(req)), req.params.id)),
  );

  app.post(
    '/api/risk/periods/:id/compute',
    {
      config: { access: allow.roles(RISK_WRITERS, 'jurisdiction') },
      schema: {
        tags,
        summary: '从业务数据生成指标值 Fill the period\'s computed indicators from the platform\'s records (12345 orders, complaints, overdue orders, disputes, petitions) for every county of the period',
        params: ID,
        response: { 200: z.object({ indicators: z.number().int(), values: z.number().int() }) },
      },
    },
    async (req) => {
      const p = requireUser(req);
      const period = await loadVisiblePeriod(db, await callerPrefixes(db, p), req.params.id);
      await assertCoversPeriod(p, period);
      const fw = await loadFramework(db, period.framework_id);
      return db.tx((q) => computeValues(q, period, fw.spec, p.id));
    },
  );

  /** Writes that touch every county of a period need a caller whose jurisdiction covers its whole area. */
  async function assertCoversPeriod(p: Principal, period: PeriodRow) {
    if (!covers(await callerPrefixes(db, p), period.scope_code)) throw forbidden(`该评估期的范围 ${period.scope_code} 超出您的管辖范围 (the period covers more than your jurisdiction)`);
  }

  app.post(
    '/api/risk/periods/:id/score',
    {
      config: { access: allow.roles(RISK_WRITERS, 'jurisdiction') },
      schema: { tags, summary: '评分定级 Score every county of the period (in memory, written in one batch), rank them and set tiers by the framework\'s rule; freezes the framework version', params: ID, response: { 200: SCORE_RUN } },
    },
    async (req) => {
      const p = requireUser(req);
      const period = await loadVisiblePeriod(db, await callerPrefixes(db, p), req.params.id);
      await assertCoversPeriod(p, period);
      const r = await db.tx((q) => scorePeriod(q, period, p.id));
      await audit(db, { userId: p.id, action: 'risk_score', entity: 'risk_period', entityId: period.id, detail: { scored: r.scored, tierCounts: r.tierCounts }, ip: req.ip });
      return r;
    },
  );

  // ---------------------------------------------------------------- values
  const VALUES_QUERY = z.strictObject({ division: DIVISION.optional() });

  async function valuesOf(p: Principal, id: string, division?: string) {
    const prefixes = await callerPrefixes(db, p);
    const period = await loadVisiblePeriod(db, prefixes, id);
    const fw = await loadFramework(db, period.framework_id);
    const counties = (await periodCounties(db, period.scope_code)).filter((c) => covers(prefixes, c.code) && (!division || c.code.startsWith(division)));
    const values = await periodValues(db, period.id);
    const byCounty = new Map<string, Record<string, { value: number | null; source: string }>>();
    for (const v of values) {
      const m = byCounty.get(v.divisionCode) ?? {};
      m[v.indicatorCode] = { value: v.value, source: v.source };
      byCounty.set(v.divisionCode, m);
    }
    const indicators = flatten(fw.spec).map((f) => ({ code: f.indicator.code, name: f.indicator.name, category: f.category, dimension: f.dimension, source: f.indicator.source, unit: f.indicator.unit ?? null }));
    return { period, fw, indicators, items: counties.map((c) => ({ divisionCode: c.code, divisionName: c.name, values: byCounty.get(c.code) ?? {} })) };
  }

  app.get(
    '/api/risk/periods/:id/values',
    { config: { access: allow.roles([...RISK_READERS, ...RISK_WRITERS], 'jurisdiction') }, schema: { tags, summary: '指标值 The period\'s indicator values of the counties in the caller\'s jurisdiction', params: ID, querystring: VALUES_QUERY, response: { 200: VALUES_VIEW } } },
    async (req) => {
      const v = await valuesOf(requireUser(req), req.params.id, req.query.division);
      return { period: periodView(v.period), indicators: v.indicators, items: v.items };
    },
  );

  app.get(
    '/api/risk/periods/:id/values/export',
    {
      config: { access: allow.roles([...RISK_READERS, ...RISK_WRITERS], 'jurisdiction') },
      schema: {
        tags,
        summary: '导出指标值 The values as xlsx: one row per county, one column per indicator code (the import template when template=true: entered indicators only)',
        params: ID,
        querystring: VALUES_QUERY.extend({ template: z.enum(['true', 'false']).default('false') }),
        response: { 200: z.any().describe('an .xlsx file') },
      },
    },
    async (req, reply) => {
      const v = await valuesOf(requireUser(req), req.params.id, req.query.division);
      const inds = req.query.template === 'true' ? v.indicators.filter((i) => i.source === 'entered') : v.indicators;
      type Row = (typeof v.items)[number];
      const columns: LedgerColumn<Row>[] = [
        { header: '区划代码', value: (r) => r.divisionCode, width: 12 },
        { header: '县市区', value: (r) => r.divisionName, width: 14 },
        // The template carries the values entered so far, so a county's sheet can be corrected and sent back.
        ...inds.map((i) => ({ header: i.code, value: (r: Row): Cell => r.values[i.code]?.value ?? null, width: 10 })),
      ];
      return sendLedger(reply, `${v.period.name}-指标值${req.query.template === 'true' ? '模板' : ''}`, '指标值', columns, v.items);
    },
  );

  app.put(
    '/api/risk/periods/:id/values',
    {
      config: { access: allow.roles(RISK_WRITERS, 'jurisdiction') },
      schema: {
        tags,
        summary: '录入指标值 Enter values of entered indicators for counties in the caller\'s jurisdiction (null clears a value)',
        params: ID,
        body: z.strictObject({ values: z.array(z.strictObject({ divisionCode: DIVISION, indicatorCode: z.string().min(1).max(32), value: z.number().finite().nullable() })).min(1).max(20_000) }),
        response: { 200: z.object({ saved: z.number().int() }) },
      },
    },
    async (req) => {
      const p = requireUser(req);
      const prefixes = await callerPrefixes(db, p);
      const period = await loadVisiblePeriod(db, prefixes, req.params.id);
      const fw = await loadFramework(db, period.framework_id);
      const sources = new Map(flatten(fw.spec).map((f) => [f.indicator.code, f.indicator.source]));
      const counties = new Set((await periodCounties(db, period.scope_code)).map((c) => c.code));
      const errors = req.body.values.flatMap((x, i) => {
        const e: { field: string; message: string }[] = [];
        if (!counties.has(x.divisionCode)) e.push({ field: `values.${i}.divisionCode`, message: '不是本评估期的县市区 (not a county of this period)' });
        else if (!covers(prefixes, x.divisionCode)) e.push({ field: `values.${i}.divisionCode`, message: '不在您的管辖范围内 (outside your jurisdiction)' });
        const s = sources.get(x.indicatorCode);
        if (!s) e.push({ field: `values.${i}.indicatorCode`, message: '指标体系中没有这个指标 (no such indicator in the framework)' });
        else if (s !== 'entered') e.push({ field: `values.${i}.indicatorCode`, message: `该指标由业务数据生成 (${SOURCE_LABELS[s]}), 不能手工录入 (computed from records)` });
        return e;
      });
      if (errors.length) throw new Problem(422, 'Unprocessable Content', `${errors[0].field}: ${errors[0].message}`, errors);
      await upsertValues(db, period.id, req.body.values.map((x) => ({ d: x.divisionCode, i: x.indicatorCode, v: x.value })), 'entered', p.id);
      return { saved: req.body.values.length };
    },
  );

  app.post(
    '/api/risk/periods/:id/values/import',
    {
      config: { access: allow.roles(RISK_WRITERS, 'jurisdiction') },
      schema: {
        tags,
        summary: '导入指标值 Import values from xlsx (multipart field "file"): columns 区划代码, 县市区 (optional) and one column per entered indicator code; all or nothing',
        description: 'Errors: 422 with one entry per bad cell, field rows.<row>.<header>; nothing is imported.',
        params: ID,
        consumes: ['multipart/form-data'],
        response: { 200: z.object({ imported: z.number().int(), counties: z.number().int() }) },
      },
    },
    async (req) => {
      const p = requireUser(req);
      const prefixes = await callerPrefixes(db, p);
      const period = await loadVisiblePeriod(db, prefixes, req.params.id);
      const fw = await loadFramework(db, period.framework_id);
      const rows = await readLedger(await uploadedXlsx(req), ['区划代码']);
      if (!rows.length) throw invalid('file', '表格没有数据行 (the sheet has no rows)');
      const sources = new Map(flatten(fw.spec).map((f) => [f.indicator.code, f.indicator.source]));
      const counties = new Map((await periodCounties(db, period.scope_code)).map((c) => [c.code, c.name]));
      const errs = new RowErrors();
      const out: { d: string; i: string; v: number | null }[] = [];
      const seen = new Set<string>();
      const headers = new Set(rows.flatMap((r) => Object.keys(r.cells)));
      const indicatorHeaders = [...headers].filter((h) => sources.has(h));
      if (!indicatorHeaders.length) throw new Problem(422, 'Unprocessable Content', '台账中没有指标列 (no column is an indicator code of the framework)', [{ field: 'columns', message: 'no indicator columns' }]);
      for (const h of indicatorHeaders) if (sources.get(h) !== 'entered') errs.add(1, h, `该指标由业务数据生成，不能导入 (computed from records: ${SOURCE_LABELS[sources.get(h)!]})`);
      for (const r of rows) {
        const code = r.cells['区划代码'] === null || r.cells['区划代码'] === undefined ? '' : String(r.cells['区划代码']).trim();
        if (!counties.has(code)) {
          errs.add(r.row, '区划代码', code ? '不是本评估期的县市区 (not a county of this period)' : '必填 (required)');
          continue;
        }
        if (!covers(prefixes, code)) {
          errs.add(r.row, '区划代码', '不在您的管辖范围内 (outside your jurisdiction)');
          continue;
        }
        if (seen.has(code)) errs.add(r.row, '区划代码', '重复的县市区 (county listed twice)');
        seen.add(code);
        const name = r.cells['县市区'];
        if (name !== null && name !== undefined && String(name).trim() !== counties.get(code)) errs.add(r.row, '县市区', `与区划代码不符，应为 ${counties.get(code)} (does not match the code)`);
        for (const h of indicatorHeaders) {
          if (sources.get(h) !== 'entered') continue;
          const c = r.cells[h];
          if (c === null || c === undefined) continue;
          const v = typeof c === 'number' ? c : typeof c === 'string' && /^-?\d+(\.\d+)?$/.test(c.replace(/,/g, '')) ? Number(c.replace(/,/g, '')) : NaN;
          if (!Number.isFinite(v)) errs.add(r.row, h, '须为数字 (a number)');
          else out.push({ d: code, i: h, v });
        }
      }
      errs.throwIfAny();
      await db.tx((q) => upsertValues(q, period.id, out, 'imported', p.id));
      await audit(db, { userId: p.id, action: 'risk_values_import', entity: 'risk_period', entityId: period.id, detail: { values: out.length, counties: seen.size }, ip: req.ip });
      return { imported: out.length, counties: seen.size };
    },
  );

  // ---------------------------------------------------------------- ranking and report
  const RANK_QUERY = z.strictObject({ division: DIVISION.optional().describe('drill into a city or county (code prefix)') });

  async function ranking(p: Principal, id: string, division?: string) {
    const prefixes = await callerPrefixes(db, p);
    const period = await loadVisiblePeriod(db, prefixes, id);
    const fw = await loadFramework(db, period.framework_id);
    const rows = await periodScores(db, period.id, prefixes, division);
    const agg = (await db.query<{ of: number; t1: number; t2: number; t3: number }>(
      `SELECT count(rank)::int AS of, count(*) FILTER (WHERE tier = 1)::int AS t1, count(*) FILTER (WHERE tier = 2)::int AS t2, count(*) FILTER (WHERE tier = 3)::int AS t3 FROM risk_scores WHERE period_id = $1`,
      [period.id],
    ))[0];
    return { period, fw, rows, of: agg.of, tierCounts: { 1: agg.t1, 2: agg.t2, 3: agg.t3 } };
  }
  const rankItem = (fw: FrameworkRow, r: ScoreRow) => ({
    divisionCode: r.division_code, divisionName: r.division_name, total: r.total === null ? null : Number(r.total), rank: r.rank, tier: r.tier,
    categories: fw.spec.categories.map((c) => ({ code: c.code, name: c.name, score: r.detail.categories[c.code] ?? null })), missing: r.detail.missing.length,
  });

  app.get(
    '/api/risk/periods/:id/ranking',
    {
      config: { access: allow.roles([...RISK_READERS, ...RISK_WRITERS], 'jurisdiction') },
      schema: { tags, summary: '风险排名 The counties in the caller\'s jurisdiction with total, rank (among all the period\'s counties), tier and category scores', params: ID, querystring: RANK_QUERY, response: { 200: RANKING } },
    },
    async (req) => {
      const r = await ranking(requireUser(req), req.params.id, req.query.division);
      return { period: periodView(r.period), of: r.of, tierCounts: r.tierCounts, items: r.rows.map((x) => rankItem(r.fw, x)) };
    },
  );

  app.get(
    '/api/risk/periods/:id/ranking/export',
    { config: { access: allow.roles([...RISK_READERS, ...RISK_WRITERS], 'jurisdiction') }, schema: { tags, summary: '导出风险排名 The ranking as xlsx', params: ID, querystring: RANK_QUERY, response: { 200: z.any().describe('an .xlsx file') } } },
    async (req, reply) => {
      const r = await ranking(requireUser(req), req.params.id, req.query.division);
      const columns: LedgerColumn<ScoreRow>[] = [
        { header: '排名', value: (x) => x.rank, width: 8 },
        { header: '区划代码', value: (x) => x.division_code, width: 12 },
        { header: '县市区', value: (x) => x.division_name, width: 14 },
        { header: '综合得分', value: (x) => (x.total === null ? null : Number(x.total)), numFmt: '0.00', width: 10 },
        { header: '风险等级', value: (x) => (x.tier ? TIER_ZH[x.tier] : '未评分'), width: 10 },
        ...r.fw.spec.categories.map((c) => ({ header: c.name, value: (x: ScoreRow) => x.detail.categories[c.code] ?? null, numFmt: '0.00', width: 12 })),
        { header: '缺失指标数', value: (x) => x.detail.missing.length, width: 10 },
      ];
      return sendLedger(reply, `${r.period.name}-风险排名`, '风险排名', columns, r.rows);
    },
  );

  app.get(
    '/api/risk/periods/:id/counties/:county',
    {
      config: { access: allow.roles([...RISK_READERS, ...RISK_WRITERS], 'jurisdiction') },
      schema: {
        tags,
        summary: '县域风险评估报告 One county\'s report: scores by category and dimension, the drivers of its tier, missing values, and the trend over earlier periods of the same area',
        params: z.strictObject({ id: z.string().min(1).max(64), county: z.string().regex(/^\d{6}$/, '县级区划代码为 6 位 (6 digits)') }),
        response: { 200: REPORT },
      },
    },
    async (req) => {
      const p = requireUser(req);
      const prefixes = await callerPrefixes(db, p);
      const period = await loadVisiblePeriod(db, prefixes, req.params.id);
      if (!covers(prefixes, req.params.county)) throw notFound('county report');
      const [row] = await periodScores(db, period.id, prefixes, req.params.county);
      if (!row || row.division_code !== req.params.county) throw notFound('county report');
      const fw = await loadFramework(db, (await db.query<{ f: string }>(`SELECT framework_id AS f FROM risk_scores WHERE period_id = $1 AND division_code = $2`, [period.id, row.division_code]))[0].f);
      const of = (await db.query<{ n: number }>(`SELECT count(rank)::int AS n FROM risk_scores WHERE period_id = $1`, [period.id]))[0].n;
      const d = row.detail;
      const flat = new Map(flatten(fw.spec).map((f) => [f.indicator.code, f]));
      await audit(db, { userId: p.id, action: 'risk_report_read', entity: 'risk_period', entityId: period.id, detail: { county: row.division_code }, ip: req.ip });
      return {
        period: periodView(period),
        framework: { id: fw.id, code: fw.code, version: fw.version, name: fw.name, tiers: fw.spec.tiers },
        divisionCode: row.division_code,
        divisionName: row.division_name,
        total: row.total === null ? null : Number(row.total),
        rank: row.rank,
        of,
        tier: row.tier,
        categories: fw.spec.categories.map((c) => ({
          code: c.code, name: c.name, weight: c.weight, score: d.categories[c.code] ?? null,
          dimensions: c.dimensions.map((dm) => ({
            code: dm.code, name: dm.name, weight: dm.weight, score: d.dimensions[dm.code] ?? null,
            indicators: dm.indicators.map((i) => {
              const s = d.indicators[i.code];
              return { code: i.code, name: i.name, unit: i.unit ?? null, direction: i.direction, source: i.source, weight: i.weight, value: s?.value ?? null, score: s?.score ?? null, contribution: s?.contribution ?? 0, missing: s?.missing ?? true };
            }),
          })),
        })),
        drivers: d.drivers.map((x) => {
          const f = flat.get(x.indicatorCode);
          const s = d.indicators[x.indicatorCode];
          const cat = fw.spec.categories.find((c) => c.code === f?.category);
          const dim = cat?.dimensions.find((dm) => dm.code === f?.dimension);
          return { indicatorCode: x.indicatorCode, name: f?.indicator.name ?? x.indicatorCode, category: cat?.name ?? '', dimension: dim?.name ?? '', value: s?.value ?? null, score: s?.score ?? null, contribution: x.contribution };
        }),
        missing: d.missing.map((code) => ({ code, name: flat.get(code)?.indicator.name ?? code })),
        trend: await trendOf(db, period, row.division_code),
      };
    },
  );

  // ---------------------------------------------------------------- project assessments
  const LIST = z.strictObject({
    status: z.enum(STATUSES).optional(),
    outcome: z.enum(RISK_LEVELS).optional(),
    division: DIVISION.optional(),
    q: z.string().max(50).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    offset: z.coerce.number().int().min(0).max(100_000).default(0),
  });
  function filterSql(p: Principal, prefixes: string[] | null, f: Omit<z.infer<typeof LIST>, 'limit' | 'offset'>, params: unknown[]) {
    const w = [assessmentVisibility(p, prefixes, 'a', params)];
    if (f.status) w.push(`a.status = $${params.push(f.status)}`);
    if (f.outcome) w.push(`a.outcome = $${params.push(f.outcome)}`);
    if (f.division) w.push(`a.division_code LIKE $${params.push(`${f.division}%`)}`);
    if (f.q) w.push(`a.project LIKE $${params.push(`%${f.q.replace(/[%_\\]/g, (m) => `\\${m}`)}%`)}`);
    return w.join(' AND ');
  }
  async function auditExperts(p: Principal, rows: AssessmentRow[], ip: string) {
    if (seesPersons(p) && rows.some((r) => r.experts.some((e) => e.phone)))
      await audit(db, { userId: p.id, action: 'read_personal_data', entity: ASSESSMENT_ENTITY, detail: { via: 'risk_assessments', ids: rows.map((r) => r.id).slice(0, 500) }, ip });
  }
  async function assessmentDetail(p: Principal, prefixes: string[] | null, ref: string, ip: string) {
    const row = await loadVisibleAssessment(db, p, prefixes, ref);
    await auditExperts(p, [row], ip);
    return { ...assessmentView(row, p), timeline: await timeline(db, ASSESSMENT_ENTITY, row.id) };
  }

  app.get(
    '/api/risk/assessments',
    { config: { access: allow.roles(ASSESSMENT_READERS, 'jurisdiction') }, schema: { tags, summary: '社会稳定风险评估 Projects\' social-stability risk assessments in the caller\'s jurisdiction, newest first', querystring: LIST, response: { 200: z.object({ items: z.array(ASSESSMENT_VIEW), total: z.number().int() }) } } },
    async (req) => {
      const p = requireUser(req);
      const prefixes = await callerPrefixes(db, p);
      const { limit, offset, ...f } = req.query;
      const params: unknown[] = [];
      const w = filterSql(p, prefixes, f, params);
      const total = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM risk_assessments a WHERE ${w}`, params))[0].n;
      const rows = await db.query<AssessmentRow>(`${ASSESSMENT_SELECT} WHERE ${w} ORDER BY a.created_at DESC, a.id DESC LIMIT $${params.push(limit)} OFFSET $${params.push(offset)}`, params);
      await auditExperts(p, rows, req.ip);
      return { items: rows.map((r) => assessmentView(r, p)), total };
    },
  );

  app.get(
    '/api/risk/assessments/export',
    {
      config: { access: allow.roles(ASSESSMENT_READERS, 'jurisdiction') },
      schema: { tags, summary: '导出社会稳定风险评估台账 The filtered assessments as xlsx (experts masked for the caller\'s role)', querystring: LIST.omit({ limit: true, offset: true }), response: { 200: z.any().describe('an .xlsx file') } },
    },
    async (req, reply) => {
      const p = requireUser(req);
      const params: unknown[] = [];
      const rows = await db.query<AssessmentRow>(`${ASSESSMENT_SELECT} WHERE ${filterSql(p, await callerPrefixes(db, p), req.query, params)} ORDER BY a.created_at DESC LIMIT 50000`, params);
      await audit(db, { userId: p.id, action: seesPersons(p) ? 'export_personal_data' : 'export', entity: ASSESSMENT_ENTITY, detail: { count: rows.length, filters: req.query }, ip: req.ip });
      return sendLedger(reply, '社会稳定风险评估台账', '台账', assessmentColumns(p), rows);
    },
  );

  const CREATE = z.strictObject({
    project: z.string().trim().min(1).max(200),
    summary: z.string().trim().max(8000).optional(),
    divisionCode: DIVISION,
    responsibleUnit: z.string().trim().min(1).max(100),
    assessingBody: z.string().trim().min(1).max(100).optional(),
    thirdParty: z.boolean().default(false),
    experts: PANEL.default([]),
  });

  app.post(
    '/api/risk/assessments',
    {
      config: { access: allow.roles(WRITER_ROLES, 'jurisdiction') },
      schema: { tags, summary: '登记评估项目 Register a project for social-stability risk assessment (draft); Idempotency-Key makes retries safe', headers: IDEMPOTENCY_HEADER, body: CREATE, response: { 200: ASSESSMENT_DETAIL, 201: ASSESSMENT_DETAIL } },
    },
    async (req, reply) => {
      const p = requireUser(req);
      const b = req.body;
      const prefixes = await callerPrefixes(db, p);
      if (!covers(prefixes, b.divisionCode)) throw forbidden(`divisionCode: ${b.divisionCode} 不在您的管辖范围内 (outside your jurisdiction)`);
      const key = req.headers['idempotency-key'] as string | undefined;
      const idem = b;
      const prior = await priorWrite(db, p.id, 'risk', key, idem);
      if (prior) return reply.code(200).send(await assessmentDetail(p, prefixes, prior, req.ip));
      if (!(await db.query(`SELECT 1 FROM divisions WHERE code = $1`, [b.divisionCode])).length) throw invalid('divisionCode', '没有这个区划 (no such division)');
      const id = uuidv7();
      await db.tx(async (q) => {
        const seq = (await q.query<{ n: number }>(`SELECT nextval('risk_assessment_no_seq')::int AS n`))[0].n;
        const no = `WP${new Date(Date.now() + 8 * 3_600_000).getUTCFullYear()}${String(seq).padStart(5, '0')}`;
        await q.query(
          `INSERT INTO risk_assessments (id, no, project, summary, division_code, responsible_unit, assessing_body, third_party, experts, status, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, 'draft', $10)`,
          [id, no, b.project, b.summary ?? null, b.divisionCode, b.responsibleUnit, b.assessingBody ?? null, b.thirdParty, JSON.stringify(b.experts), p.id],
        );
        await claimWrite(q, p.id, 'risk', key, idem, id);
        await appendEvent(q, { entityType: ASSESSMENT_ENTITY, entityId: id, version: 1, action: 'register', from: null, to: 'draft', actorUserId: p.id, actorUnitId: p.unitId });
      });
      return reply.code(201).send(await assessmentDetail(p, prefixes, id, req.ip));
    },
  );

  app.get(
    '/api/risk/assessments/:id',
    { config: { access: allow.roles(ASSESSMENT_READERS, 'jurisdiction') }, schema: { tags, summary: '评估详情 One assessment with its timeline (follow-up entries included)', params: ID, response: { 200: ASSESSMENT_DETAIL } } },
    async (req) => {
      const p = requireUser(req);
      return assessmentDetail(p, await callerPrefixes(db, p), req.params.id, req.ip);
    },
  );

  app.put(
    '/api/risk/assessments/:id',
    {
      config: { access: allow.roles(WRITER_ROLES, 'jurisdiction') },
      schema: {
        tags,
        summary: '修改评估项目 Edit the project, units, assessing body and expert panel (draft or assessing only)',
        params: ID,
        body: CREATE.omit({ divisionCode: true }).partial().extend({ version: VERSION }),
        response: { 200: ASSESSMENT_DETAIL },
      },
    },
    async (req) => {
      const p = requireUser(req);
      const prefixes = await callerPrefixes(db, p);
      const row = await loadVisibleAssessment(db, p, prefixes, req.params.id);
      if (row.status !== 'draft' && row.status !== 'assessing') throw conflict('评估结论作出后不能修改项目信息 (only a draft or an assessment in progress can be edited)', [{ field: 'status', message: row.status }]);
      const b = req.body;
      if (row.status === 'assessing' && b.experts && b.experts.length === 0) throw invalid('experts', '评估中须保留专家组 (an assessment in progress keeps its panel)');
      await db.tx((q) =>
        transition(q, {
          table: 'risk_assessments', entityType: ASSESSMENT_ENTITY, id: row.id, expectedVersion: b.version ?? row.version, from: row.status, to: row.status, action: 'edit',
          patch: { project: b.project, summary: b.summary, responsible_unit: b.responsibleUnit, assessing_body: b.assessingBody, third_party: b.thirdParty, experts: b.experts ? JSON.stringify(b.experts) : undefined },
          actorUserId: p.id, actorUnitId: p.unitId, data: { fields: Object.keys(b).filter((k) => k !== 'version') },
        }),
      );
      return assessmentDetail(p, prefixes, row.id, req.ip);
    },
  );

  const BODIES: Record<Action, z.ZodType> = {
    start: z.strictObject({ version: VERSION, assessingBody: z.string().trim().min(1).max(100).optional(), thirdParty: z.boolean().optional(), experts: PANEL.optional() }),
    assess: z.strictObject({ version: VERSION, dimensions: DIMENSIONS_INPUT, survey: SURVEY, outcome: z.enum(RISK_LEVELS), comment: z.string().max(4000).optional() }),
    decide: z.strictObject({ version: VERSION, decision: z.enum(DECISIONS), conditions: z.string().trim().max(4000).optional() }),
    follow_up: z.strictObject({ version: VERSION, note: z.string().trim().min(1).max(4000) }),
    close: z.strictObject({ version: VERSION, comment: z.string().max(2000).optional() }),
  };
  const SUMMARY: Record<Action, string> = {
    start: '启动评估 Start: the assessing body (may be a third party) and a panel of 3 or 5 experts',
    assess: '评估结论 Findings on legality, reasonableness, feasibility and controllability, the public opinion survey, and the risk level',
    decide: '作出决策 Proceed / postpone / do not proceed, with conditions (a high risk does not simply proceed; a medium risk proceeds on conditions)',
    follow_up: '跟踪记录 A follow-up entry on how the decision and its conditions are carried out',
    close: '办结 Close the assessment',
  };
  for (const action of Object.keys(BODIES) as Action[]) {
    app.post(
      `/api/risk/assessments/:id/${action.replace(/_/g, '-')}`,
      {
        config: { access: allow.roles(ACTION_ROLES[action], 'jurisdiction') },
        schema: { tags, summary: SUMMARY[action], description: 'Send `version` (the record must still be at it) or an `Idempotency-Key` (a retry answers without writing again) to make retries safe.', params: ID, headers: IDEMPOTENCY_HEADER, body: BODIES[action], response: { 200: ASSESSMENT_DETAIL } },
      },
      async (req) => act(requireUser(req), req.params.id, action, req.body as Record<string, any>, req.ip, req.headers['idempotency-key'] as string | undefined),
    );
  }

  async function act(p: Principal, ref: string, action: Action, b: Record<string, any>, ip: string, key?: string) {
    const prefixes = await callerPrefixes(db, p);
    const row = await loadVisibleAssessment(db, p, prefixes, ref);
    const idem = { action, id: row.id, b };
    if (await priorWrite(db, p.id, 'risk', key, idem)) return assessmentDetail(p, prefixes, row.id, ip);
    const d = decide(factsOf(row), action, p.roles, {
      assessingBody: b.assessingBody, expertCount: b.experts?.length, dimensionsComplete: !!b.dimensions, surveySample: b.survey?.sampleSize, surveySupport: b.survey?.supporters,
      outcome: b.outcome, decision: b.decision, conditions: b.conditions, note: b.note,
    });
    if (!d.ok) {
      if (d.reason === 'role') throw forbidden(d.message);
      if (d.reason === 'state') throw conflict(d.message, [{ field: 'status', message: d.message }], { assessmentStatus: row.status });
      throw invalid(d.field ?? 'body', d.message);
    }
    if (action === 'decide') {
      const bad = checkDecision(row.outcome, b.decision, b.conditions);
      if (bad) throw invalid(bad.field, bad.message);
    }
    const now = new Date();
    const patch: Record<string, unknown> = {};
    const data: Record<string, unknown> = {};
    if (action === 'start') Object.assign(patch, { assessing_body: b.assessingBody, third_party: b.thirdParty, experts: b.experts ? JSON.stringify(b.experts) : undefined });
    if (action === 'assess') {
      Object.assign(patch, { dimensions: JSON.stringify(b.dimensions), survey_sample: b.survey.sampleSize, survey_supporters: b.survey.supporters, survey_method: b.survey.method ?? null, outcome: b.outcome, assessed_at: now });
      Object.assign(data, { outcome: b.outcome, survey: b.survey });
    }
    if (action === 'decide') {
      Object.assign(patch, { decision: b.decision, conditions: b.conditions ?? null, decided_at: now });
      if (d.to === 'closed') patch.closed_at = now;
      Object.assign(data, { decision: b.decision });
    }
    if (action === 'close') patch.closed_at = now;
    await db.tx(async (q) => {
      await transition(q, {
        table: 'risk_assessments', entityType: ASSESSMENT_ENTITY, id: row.id, expectedVersion: b.version ?? row.version, from: row.status, to: d.to, action,
        patch, actorUserId: p.id, actorUnitId: p.unitId, comment: b.note ?? b.conditions ?? b.comment ?? null, data,
      });
      await claimWrite(q, p.id, 'risk', key, idem, row.id);
    });
    return assessmentDetail(p, prefixes, row.id, ip);
  }
}

function uuidOr404(id: string, what: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) throw notFound(what);
  return id;
}

