import { z } from 'zod';
import ExcelJS from 'exceljs';
import type { App, Ctx } from '../platform/http.ts';
import { allow } from '../platform/access.ts';
import { requireRole, requireStaff, type Principal } from '../org/auth.ts';
import { assertInScope, seesEverything } from '../org/scope.ts';
import { audit } from '../platform/audit.ts';
import { badRequest, forbidden, notFound } from '../platform/errors.ts';
import { RATE_SETTINGS, type RateSettings } from './rates.ts';
import { previousPeriod, queryOverdue, queryRates, queryVolumes, SPLITS, VOLUME_KEYS } from './queries.ts';
import type { ComparedRateItem, OverdueResponse, RateItem, RatesResponse, VolumesResponse } from './types.ts';
import { EffectiveSettingsSchema, OverdueResponseSchema, RatesResponseSchema, SettingsOverviewSchema, VolumesResponseSchema } from './types.ts';
import { NoContent } from '../platform/schemas.ts';
import { PARTIAL_SETTINGS, areaOf, deleteSettings, effectiveSettings, envSettings, listSettings, merge, putSettings } from './settings.ts';

const DIVISION = z.string().regex(/^\d{2,12}$/, '区划代码为 2–12 位数字 (2-12 digits)');
const MAX_SPAN_MS = 3 * 366 * 86_400_000;

const PERIOD = {
  from: z.iso.datetime({ offset: true }).describe('start of the period (cases registered from, inclusive)'),
  to: z.iso.datetime({ offset: true }).describe('end of the period (exclusive)'),
  divisionCode: DIVISION.optional().describe('only cases in this division and below'),
  format: z.enum(['json', 'xlsx']).default('json'),
};

function checkPeriod(q: { from: string; to: string }) {
  const f = Date.parse(q.from);
  const t = Date.parse(q.to);
  if (!(t > f)) throw badRequest('to: 结束时间须晚于开始时间 (must be after from)', [{ field: 'to', message: '结束时间须晚于开始时间 (must be after from)' }]);
  if (t - f > MAX_SPAN_MS) throw badRequest('to: 统计区间最长 3 年 (at most 3 years)', [{ field: 'to', message: '统计区间最长 3 年 (at most 3 years)' }]);
}

interface Col {
  header: string;
  key: string;
  width?: number;
  /** Excel number format, e.g. '0.0%' for rates. */
  numFmt?: string;
}

async function xlsx(reply: any, name: string, columns: Col[], rows: Record<string, unknown>[], title?: string) {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'zhili';
  const ws = wb.addWorksheet(name.slice(0, 31));
  ws.columns = columns.map((c) => ({ header: c.header, key: c.key, width: c.width ?? 14, style: c.numFmt ? { numFmt: c.numFmt } : undefined }));
  ws.addRows(rows);
  ws.getRow(1).font = { bold: true };
  ws.views = [{ state: 'frozen', ySplit: 1 }];
  if (title) {
    // The period and scope travel with the file (a sheet is often forwarded without its request).
    const info = wb.addWorksheet('说明 about');
    info.addRow([title]);
  }
  const buf = Buffer.from(await wb.xlsx.writeBuffer());
  reply.header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  reply.header('content-disposition', `attachment; filename="${name}.xlsx"; filename*=UTF-8''${encodeURIComponent(name)}.xlsx`);
  return reply.send(buf);
}

const RATE_COLS: Col[] = [
  { header: '登记量 registered', key: 'registered' },
  { header: '派单量 dispatched', key: 'dispatched' },
  { header: '按时签收 accepted on time', key: 'acceptedOnTime' },
  { header: '响应率 response rate', key: 'responseRate', numFmt: '0.0%' },
  { header: '办结量 closed', key: 'closed' },
  { header: '解决量 solved', key: 'solved' },
  { header: '解决率 resolution rate', key: 'resolutionRate', numFmt: '0.0%' },
  { header: '评价量 rated', key: 'rated' },
  { header: '满意量 satisfied', key: 'satisfied' },
  { header: '满意率 satisfaction rate', key: 'satisfactionRate', numFmt: '0.0%' },
  { header: '按期答复 replied on time', key: 'repliedOnTime' },
  { header: '按期率分母 on-time base', key: 'onTimeBase' },
  { header: '按期率 on-time rate', key: 'onTimeRate', numFmt: '0.0%' },
  { header: '超期未办结 overdue', key: 'overdue' },
];

const periodTitle = (q: { from: string; to: string; divisionCode?: string }, p: Principal, s?: RateSettings) =>
  `zhili 统计 ${q.from} – ${q.to}${q.divisionCode ? ` 区划 ${q.divisionCode}` : ''}; 导出人 ${p.username}${s ? `; 口径 settings ${JSON.stringify(s)}` : ''}`;

export function registerStatsRoutes(app: App, ctx: Ctx) {
  const db = ctx.db;
  const tags = ['stats'];
  const now = () => new Date(ctx.now?.() ?? Date.now());
  const settingsFor = (p: Principal, divisionCode?: string) => effectiveSettings(db, areaOf(p.scopeCodes, divisionCode));

  app.get(
    '/api/stats/rates',
    { config: { access: allow.staff('jurisdiction') },
      schema: {
        tags,
        summary: '响应率、解决率、满意率、按期率 Rates for a period, overall or ranked by lead unit or division',
        description:
          'Over the cases registered in [from, to) that the caller may see. response = accepted within the accept limit / dispatched; ' +
          'resolution = verified as solved / closed; satisfaction = ratings >= satisfiedMinStars (3 stars half if set) / rated; ' +
          'on-time = replied within the reply limit / replied (+ open cases past the reply limit if set). A rate with no data is null. ' +
          'compare=true adds each group\'s figures for the previous period of the same length.',
        querystring: z.strictObject({
          ...PERIOD,
          groupBy: z.enum(['none', 'unit', 'division']).default('none'),
          level: z.coerce.number().int().min(1).max(5).default(3).describe('division level for groupBy=division: 1 province, 2 city, 3 county, 4 township, 5 village'),
          compare: z.enum(['true', 'false']).default('false').describe('also compute the previous period of the same length'),
        }),
        response: { 200: RatesResponseSchema.describe('format=json; format=xlsx answers an .xlsx workbook (sent as it is)') },
      },
    },
    async (req, reply) => {
      const p = requireStaff(req);
      const q = req.query;
      checkPeriod(q);
      const { settings, from: settingsScope } = await settingsFor(p, q.divisionCode);
      const at = now();
      const items: ComparedRateItem[] = await queryRates(db, p, q, settings, at);
      let previous: { from: string; to: string; items: RateItem[] } | undefined;
      if (q.compare === 'true') {
        const prev = previousPeriod(q.from, q.to);
        previous = { ...prev, items: await queryRates(db, p, { ...q, ...prev }, settings, at) };
        const byKey = new Map(previous.items.map((i) => [i.key, i]));
        for (const it of items) it.previous = byKey.get(it.key) ?? null;
      }
      if (q.format === 'xlsx') {
        const first: Col[] = q.groupBy === 'none' ? [] : [{ header: '名次 rank', key: 'rank', width: 8 }, { header: q.groupBy === 'unit' ? '单位 unit' : '区划 division', key: 'name', width: 28 }];
        return xlsx(reply, `rates-${q.groupBy}`, [...first, ...RATE_COLS], items, periodTitle(q, p, settings));
      }
      return { from: q.from, to: q.to, groupBy: q.groupBy, level: q.level, settings, settingsScope, items, ...(previous ? { previous: { from: previous.from, to: previous.to } } : {}) } satisfies RatesResponse;
    },
  );

  app.get(
    '/api/stats/volumes',
    { config: { access: allow.staff('jurisdiction') },
      schema: {
        tags,
        summary: '受理量 Volumes by day, channel, type, category (first level), status, urgency or lead unit; optionally split by a second dimension',
        querystring: z.strictObject({
          ...PERIOD,
          by: z.enum(Object.keys(VOLUME_KEYS) as [keyof typeof VOLUME_KEYS, ...(keyof typeof VOLUME_KEYS)[]]).default('day'),
          split: z.enum(SPLITS).optional().describe('a second dimension: each item gets parts {value: count} (e.g. by=day&split=channel for a stacked chart)'),
        }),
        response: { 200: VolumesResponseSchema.describe('format=json; format=xlsx answers an .xlsx workbook (sent as it is)') },
      },
    },
    async (req, reply) => {
      const p = requireStaff(req);
      const q = req.query;
      checkPeriod(q);
      if (q.split && q.split === (q.by as string)) throw badRequest('split: 与 by 相同 (same as by)', [{ field: 'split', message: '与 by 相同 (same as by)' }]);
      const items = await queryVolumes(db, p, q);
      if (q.format === 'xlsx') {
        const parts = [...new Set(items.flatMap((i) => Object.keys(i.parts ?? {})))].sort();
        return xlsx(
          reply,
          `volumes-${q.by}${q.split ? `-${q.split}` : ''}`,
          [{ header: q.by, key: 'key', width: 14 }, { header: '名称 name', key: 'name', width: 24 }, { header: '数量 count', key: 'count' }, ...parts.map((k) => ({ header: k || '—', key: `part:${k}` }))],
          items.map((i) => ({ ...i, ...Object.fromEntries(parts.map((k) => [`part:${k}`, i.parts?.[k] ?? 0])) })),
          periodTitle(q, p),
        );
      }
      return { from: q.from, to: q.to, by: q.by, split: q.split ?? null, total: items.reduce((n, i) => n + i.count, 0), items } satisfies VolumesResponse;
    },
  );

  app.get(
    '/api/stats/overdue',
    { config: { access: allow.staff('jurisdiction') },
      schema: {
        tags,
        summary: '超期工单 Open cases past their deadline, most overdue first, with the total',
        querystring: z.strictObject({
          divisionCode: DIVISION.optional(),
          unitId: z.uuid().optional().describe('only this lead unit'),
          limit: z.coerce.number().int().min(1).max(500).default(100),
          format: z.enum(['json', 'xlsx']).default('json'),
        }),
        response: { 200: OverdueResponseSchema.describe('format=json; format=xlsx answers an .xlsx workbook (sent as it is)') },
      },
    },
    async (req, reply) => {
      const p = requireStaff(req);
      const at = now();
      const r = await queryOverdue(db, p, req.query, at);
      if (req.query.format === 'xlsx') {
        return xlsx(
          reply,
          'overdue',
          [
            { header: '工单号 no', key: 'no', width: 18 },
            { header: '标题 title', key: 'title', width: 40 },
            { header: '分类 category', key: 'categoryName', width: 16 },
            { header: '主办单位 lead unit', key: 'leadUnitName', width: 24 },
            { header: '区划 division', key: 'divisionName', width: 18 },
            { header: '状态 status', key: 'status', width: 12 },
            { header: '时限 due', key: 'dueAt', width: 24 },
            { header: '超期小时 hours overdue', key: 'hours', numFmt: '0.0' },
            { header: '已督办 escalated', key: 'escalated', width: 10 },
          ],
          r.items.map((i) => ({ ...i, dueAt: new Date(i.dueAt), hours: i.overdueMinutes / 60, escalated: i.escalated ? '是 yes' : '否 no' })),
          `zhili 超期工单 overdue at ${at.toISOString()}; total ${r.total}; 导出人 ${p.username}`,
        );
      }
      return { at: at.toISOString(), total: r.total, items: r.items } satisfies OverdueResponse;
    },
  );

  // --- locality settings of the definitions ---

  app.get(
    '/api/stats/settings',
    { config: { access: allow.staff('jurisdiction') },
      schema: {
        tags,
        summary: '统计口径 The definitions\' settings that apply to an area, and the rows they come from',
        querystring: z.strictObject({ divisionCode: DIVISION.optional() }),
        response: { 200: SettingsOverviewSchema },
      },
    },
    async (req) => {
      const p = requireStaff(req);
      const area = areaOf(p.scopeCodes, req.query.divisionCode);
      const eff = await effectiveSettings(db, area);
      // Rows shown: those that apply here, and (to admins) those inside their jurisdiction.
      const rows = (await listSettings(db)).filter(
        (r) => r.scope === '*' || area.startsWith(r.scope) || (p.roles.includes('admin') && (seesEverything(p) || p.scopeCodes.some((c) => r.scope.startsWith(c)))),
      );
      return { area, settings: eff.settings, settingsScope: eff.from, defaults: envSettings(), rows };
    },
  );

  app.put(
    '/api/stats/settings',
    { config: { access: allow.roles(['admin'], 'jurisdiction') },
      schema: {
        tags,
        summary: '设置统计口径 Sets the definitions\' settings for everywhere (*) or for a division and below (admin)',
        body: z.strictObject({ scope: z.union([z.literal('*'), DIVISION]).describe("'*' or a division code"), settings: PARTIAL_SETTINGS }),
        response: { 200: EffectiveSettingsSchema },
      },
    },
    async (req) => {
      const p = requireRole(req, 'admin');
      const { scope, settings } = req.body;
      if (scope === '*' ? !seesEverything(p) : false) throw forbidden('scope: 仅全辖区管理员可设置全局口径 (only an administrator of everything may set *)');
      if (scope !== '*') assertInScope(p, [scope], 'scope');
      if (scope !== '*') {
        const d = await db.query(`SELECT 1 FROM divisions WHERE code = $1`, [scope]);
        if (!d.length) throw badRequest('scope: 区划不存在 (no such division)', [{ field: 'scope', message: '区划不存在 (no such division)' }]);
      }
      // Check the combination that would apply in this area, not only the row.
      const inherited = await effectiveSettings(db, scope === '*' ? '*' : scope.slice(0, -1) || '*');
      const result = merge(scope === '*' ? envSettings() : inherited.settings, [{ settings }]);
      const full = RATE_SETTINGS.parse(result);
      if (full.threeStarsHalf && full.satisfiedMinStars !== 4)
        throw badRequest('settings.threeStarsHalf: 仅当 4 星及以上算满意时可将 3 星计半 (3 stars can count half only when 4+ stars count as satisfied)', [
          { field: 'settings.threeStarsHalf', message: '仅当 4 星及以上算满意时可将 3 星计半 (3 stars can count half only when 4+ stars count as satisfied)' },
        ]);
      await db.tx(async (tx) => {
        await putSettings(tx, scope, settings, p.id);
        await audit(tx, { userId: p.id, action: 'stats.settings.put', entity: 'stats_settings', entityId: scope, detail: { settings }, ip: req.ip });
      });
      const eff = await effectiveSettings(db, scope);
      return { area: scope, settings: eff.settings, settingsScope: eff.from };
    },
  );

  app.delete(
    '/api/stats/settings/:scope',
    { config: { access: allow.roles(['admin'], 'jurisdiction') },
      schema: {
        tags,
        summary: '删除统计口径 Removes a division\'s (or the global) settings row, so the general one applies again (admin)',
        params: z.strictObject({ scope: z.union([z.literal('*'), DIVISION]) }),
        response: { 204: NoContent },
      },
    },
    async (req, reply) => {
      const p = requireRole(req, 'admin');
      const { scope } = req.params;
      if (scope === '*' ? !seesEverything(p) : false) throw forbidden('scope: 仅全辖区管理员可设置全局口径 (only an administrator of everything may set *)');
      if (scope !== '*') assertInScope(p, [scope], 'scope');
      const gone = await db.tx(async (tx) => {
        const ok = await deleteSettings(tx, scope);
        if (ok) await audit(tx, { userId: p.id, action: 'stats.settings.delete', entity: 'stats_settings', entityId: scope, ip: req.ip });
        return ok;
      });
      if (!gone) throw notFound(`stats settings for ${scope}`);
      return reply.status(204).send();
    },
  );
}
