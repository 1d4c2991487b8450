import { z } from 'zod';
import ExcelJS from 'exceljs';
import type { App, Ctx } from '../platform/http.ts';
import { requireUser, isStaff, type Principal, requireStaff } from '../org/auth.ts';
import { caseVisibility } from '../org/scope.ts';
import { DEFAULT_RATE_SETTINGS, RATE_COLUMNS, rates, type RateRow } from './rates.ts';

const PERIOD = {
  from: z.iso.datetime({ offset: true }).describe('start of the period (cases registered from)'),
  to: z.iso.datetime({ offset: true }).describe('end of the period (exclusive)'),
  divisionCode: z.string().regex(/^\d{2,12}$/).optional(),
  format: z.enum(['json', 'xlsx']).default('json'),
};


function scoped(p: Principal, q: { from: string; to: string; divisionCode?: string }) {
  const params: unknown[] = [q.from, q.to];
  const where = [`c.created_at >= $1`, `c.created_at < $2`, caseVisibility(p, 'c', params)];
  if (q.divisionCode) where.push(`c.division_code LIKE $${params.push(`${q.divisionCode}%`)}`);
  return { params, where: where.join(' AND ') };
}

async function xlsx(reply: any, name: string, columns: { header: string; key: string; width?: number }[], rows: Record<string, unknown>[]) {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet(name);
  ws.columns = columns.map((c) => ({ width: 16, ...c }));
  ws.addRows(rows);
  ws.getRow(1).font = { bold: true };
  const buf = Buffer.from(await wb.xlsx.writeBuffer());
  reply.header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  reply.header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(name)}.xlsx`);
  return reply.send(buf);
}

const RATE_HEADERS = [
  { header: '登记量 registered', key: 'registered' },
  { header: '派单量 dispatched', key: 'dispatched' },
  { header: '办结量 closed', key: 'closed' },
  { header: '响应率 response', key: 'responseRate' },
  { header: '解决率 resolution', key: 'resolutionRate' },
  { header: '满意率 satisfaction', key: 'satisfactionRate' },
  { header: '按期率 on time', key: 'onTimeRate' },
  { header: '超期 overdue', key: 'overdue' },
];

export function registerStatsRoutes(app: App, ctx: Ctx) {
  const db = ctx.db;
  const tags = ['stats'];
  const settings = { ...DEFAULT_RATE_SETTINGS, threeStarsHalf: process.env.ZHILI_STATS_THREE_STARS_HALF === 'true' };

  app.get(
    '/api/stats/rates',
    {
      schema: {
        tags,
        summary: '响应率、解决率、满意率、按期率 Rates for a period, overall or ranked by unit or division',
        querystring: z.strictObject({ ...PERIOD, groupBy: z.enum(['none', 'unit', 'division']).default('none'), level: z.coerce.number().int().min(1).max(5).default(3) }),
      },
    },
    async (req, reply) => {
      const p = requireStaff(req);
      const { params, where } = scoped(p, req.query);
      let rows: (RateRow & { key: string | null; name: string | null })[];
      if (req.query.groupBy === 'unit') {
        rows = await db.query(
          `SELECT c.lead_unit_id::text AS key, u.name, ${RATE_COLUMNS(settings)} FROM cases c LEFT JOIN units u ON u.id = c.lead_unit_id
            WHERE ${where} AND c.lead_unit_id IS NOT NULL GROUP BY c.lead_unit_id, u.name`,
          params,
        );
      } else if (req.query.groupBy === 'division') {
        const len = { 1: 2, 2: 4, 3: 6, 4: 9, 5: 12 }[req.query.level]!;
        rows = await db.query(
          `SELECT g.key, d.name, g.* FROM (
             SELECT left(c.division_code, ${len}) AS key, ${RATE_COLUMNS(settings)} FROM cases c WHERE ${where} AND length(c.division_code) >= ${len} GROUP BY 1
           ) g LEFT JOIN divisions d ON d.code = g.key`,
          params,
        );
      } else {
        rows = await db.query(`SELECT NULL AS key, NULL AS name, ${RATE_COLUMNS(settings)} FROM cases c WHERE ${where}`, params);
      }
      const items = rows
        .map((r) => ({ key: r.key, name: r.name, ...rates(r) }))
        // Rankings: best satisfaction, then resolution, then volume.
        .sort((a, b) => (b.satisfactionRate ?? -1) - (a.satisfactionRate ?? -1) || (b.resolutionRate ?? -1) - (a.resolutionRate ?? -1) || b.registered - a.registered)
        .map((r, i) => ({ rank: i + 1, ...r }));
      if (req.query.format === 'xlsx') {
        return xlsx(reply, `rates-${req.query.groupBy}`, [{ header: '名次 rank', key: 'rank' }, { header: '名称 name', key: 'name', width: 30 }, ...RATE_HEADERS], items);
      }
      return { from: req.query.from, to: req.query.to, groupBy: req.query.groupBy, settings, items };
    },
  );

  app.get(
    '/api/stats/volumes',
    {
      schema: {
        tags,
        summary: '受理量 Volumes by day, channel, type, category (first level) or status',
        querystring: z.strictObject({ ...PERIOD, by: z.enum(['day', 'channel', 'type', 'category', 'status', 'urgency']).default('day') }),
      },
    },
    async (req, reply) => {
      const p = requireStaff(req);
      const { params, where } = scoped(p, req.query);
      const key = {
        day: `to_char(c.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')`,
        channel: 'c.channel',
        type: 'c.type',
        category: `left(c.category_code, 2)`,
        status: 'c.status',
        urgency: 'c.urgency',
      }[req.query.by];
      const rows = await db.query<{ key: string | null; count: number; name: string | null }>(
        `SELECT v.key, v.count, cat.name FROM (SELECT ${key} AS key, count(*)::int AS count FROM cases c WHERE ${where} GROUP BY 1) v
           LEFT JOIN categories cat ON cat.code = v.key AND ${req.query.by === 'category' ? 'TRUE' : 'FALSE'}
          ORDER BY ${req.query.by === 'day' ? 'v.key' : 'v.count DESC'}`,
        params,
      );
      if (req.query.format === 'xlsx') {
        return xlsx(reply, `volumes-${req.query.by}`, [{ header: req.query.by, key: 'key' }, { header: '名称 name', key: 'name', width: 24 }, { header: '数量 count', key: 'count' }], rows);
      }
      return { from: req.query.from, to: req.query.to, by: req.query.by, items: rows };
    },
  );

  app.get(
    '/api/stats/overdue',
    {
      schema: {
        tags,
        summary: '超期工单 Open cases past their deadline, most overdue first',
        querystring: z.strictObject({ divisionCode: z.string().regex(/^\d{2,12}$/).optional(), limit: z.coerce.number().int().min(1).max(500).default(100), format: z.enum(['json', 'xlsx']).default('json') }),
      },
    },
    async (req, reply) => {
      const p = requireStaff(req);
      const params: unknown[] = [];
      const where = [`c.warning = 'red'`, `c.status IN ('registered','dispatched','accepted','in_progress','replied','verified','returned')`, caseVisibility(p, 'c', params)];
      if (req.query.divisionCode) where.push(`c.division_code LIKE $${params.push(`${req.query.divisionCode}%`)}`);
      const rows = await db.query(
        `SELECT c.id, c.no, c.title, c.status, c.clock, c.due_at AS "dueAt", c.escalated, u.name AS "leadUnitName", d.name AS "divisionName"
           FROM cases c LEFT JOIN units u ON u.id = c.lead_unit_id LEFT JOIN divisions d ON d.code = c.division_code
          WHERE ${where.join(' AND ')} ORDER BY c.due_at LIMIT ${req.query.limit}`,
        params,
      );
      if (req.query.format === 'xlsx') {
        return xlsx(
          reply,
          'overdue',
          [
            { header: '工单号 no', key: 'no', width: 18 },
            { header: '标题 title', key: 'title', width: 40 },
            { header: '主办单位 lead unit', key: 'leadUnitName', width: 24 },
            { header: '时限 due', key: 'dueAt', width: 24 },
          ],
          rows,
        );
      }
      return rows;
    },
  );
}
