/**
 * 一张图: the map's data. Cases go out as compact tuples (no personal data, no
 * text) so a county's tens of thousands of open cases load in one request; the
 * density grid lets the heat layer cover every matching case even when the
 * points are capped. GET /api/client-config (public) tells the web console
 * which base tiles to draw, if any, and where the map opens.
 */
import { z } from 'zod';
import { ClientConfigSchema, MapCasesSchema, MapDensitySchema, MapPointSchema } from './model.ts';
import type { App, Ctx } from '../platform/http.ts';
import { allow } from '../platform/access.ts';
import { Problem, notFound } from '../platform/errors.ts';
import { requireStaff, type Principal } from '../org/auth.ts';
import { caseVisibility } from '../org/scope.ts';
import { STATUS_LABELS } from './lifecycle.ts';
import { CASE_FILTERS, WARNINGS, csv } from './model.ts';
import { caseFilterWhere } from './list.ts';

export { WARNINGS };
/** The most points one answer carries: a county's open cases, a few MB of JSON. */
export const MAX_POINTS = 50_000;
/** The most density cells one answer carries; a finer cell over a wider area is refused. */
export const MAX_CELLS = 40_000;

/** "minLng,minLat,maxLng,maxLat" (the order of GeoJSON and Leaflet's toBBoxString). */
const BBOX = z
  .string()
  .max(120)
  .transform((v, c) => {
    const n = v.split(',').map((x) => (x.trim() === '' ? NaN : Number(x)));
    const fail = (message: string) => {
      c.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    if (n.length !== 4 || n.some((x) => !Number.isFinite(x))) return fail('四个数：最小经度,最小纬度,最大经度,最大纬度 (four numbers: minLng,minLat,maxLng,maxLat)');
    const [w, s, e, nn] = n;
    if (w < -180 || e > 180 || s < -90 || nn > 90) return fail('经纬度超出范围 (outside -180..180 / -90..90)');
    if (w > e || s > nn) return fail('最小值大于最大值 (a minimum is above its maximum)');
    return [w, s, e, nn] as [number, number, number, number];
  })
  .optional()
  .describe('only cases inside minLng,minLat,maxLng,maxLat');

const FILTERS = {
  ...CASE_FILTERS,
  warning: csv(WARNINGS).describe('time-limit warning: none, yellow (near the limit), red (overdue)'),
  divisionCode: z.string().regex(/^\d{2,12}$/, '行政区划代码为 2–12 位数字 (2–12 digits)').optional().describe('division code prefix'),
  categoryCode: z.string().regex(/^\d{1,20}$/, '分类代码为数字 (digits)').optional().describe('category code prefix (a whole branch)'),
  bbox: BBOX,
};

const MAP_CASES = z.strictObject({
  ...FILTERS,
  limit: z.coerce.number().int().min(1).max(MAX_POINTS).default(MAX_POINTS).describe('most points returned, newest first'),
});
const DENSITY = z.strictObject({
  ...FILTERS,
  cell: z.coerce.number().min(0.0005).max(1).default(0.005).describe('cell size in degrees (0.005° ≈ 500 m)'),
});
type Filters = z.infer<z.ZodObject<typeof FILTERS>>;

/** WHERE clauses (scope first, shared with the case list) and their positional parameters for a cases row `c`. */
function where(p: Principal, f: Filters): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  return { sql: caseFilterWhere(p, f, params).join(' AND '), params };
}

function bboxSql(f: Filters, params: unknown[]): string {
  if (!f.bbox) return 'c.lng IS NOT NULL AND c.lat IS NOT NULL';
  const [w, s, e, n] = f.bbox.map((x) => params.push(x));
  return `c.lng BETWEEN $${w} AND $${e} AND c.lat BETWEEN $${s} AND $${n}`;
}

/** The [west, south, east, north] extent of GeoJSON coordinates (any nesting). */
function extend(box: number[], coords: unknown): void {
  if (!Array.isArray(coords)) return;
  if (typeof coords[0] === 'number' && typeof coords[1] === 'number') {
    const [x, y] = coords as number[];
    box[0] = Math.min(box[0], x);
    box[1] = Math.min(box[1], y);
    box[2] = Math.max(box[2], x);
    box[3] = Math.max(box[3], y);
    return;
  }
  for (const c of coords) extend(box, c);
}

/** Where the map opens: configured, else the middle of the default division's grids (or of all grids). */
async function mapCenter(ctx: Ctx): Promise<{ center: [number, number] | null; zoom: number | null }> {
  if (ctx.config.mapCenter) return { center: ctx.config.mapCenter, zoom: ctx.config.mapZoom };
  const prefix = ctx.config.defaultDivision ? `${ctx.config.defaultDivision}%` : '%';
  const rows = await ctx.db.query<{ geometry: { coordinates?: unknown } }>(`SELECT geometry FROM grids WHERE division_code LIKE $1 LIMIT 5000`, [prefix]);
  const box = [Infinity, Infinity, -Infinity, -Infinity];
  for (const r of rows) extend(box, r.geometry?.coordinates);
  const [w, s, e, n] = box;
  if (!Number.isFinite(w) || !Number.isFinite(s)) return { center: null, zoom: ctx.config.mapZoom };
  const round = (x: number) => Math.round(x * 1e6) / 1e6;
  const span = Math.max(e - w, n - s);
  // Roughly the zoom at which the extent fills a 1000 px wide map (360° spans 256 px at zoom 0).
  const zoom = ctx.config.mapZoom ?? (span > 0 ? Math.max(3, Math.min(16, Math.floor(Math.log2((360 * 1000) / 256 / span)))) : 13);
  return { center: [round((w + e) / 2), round((s + n) / 2)], zoom };
}

export function registerMapRoutes(app: App, ctx: Ctx) {
  const db = ctx.db;
  const tags = ['map'];
  let centerCache: { at: number; value: Awaited<ReturnType<typeof mapCenter>> } | undefined;

  app.get(
    '/api/map/cases',
    { config: { access: allow.staff('jurisdiction') },
      schema: {
        tags,
        summary: '一张图工单点位 Case points for the map (compact, newest first)',
        description:
          'Every case the caller may see that matches the filters and has a location, as `points: [[id, no, lng, lat, status, warning, categoryCode], ...]`, newest first, ' +
          `at most \`limit\` (≤ ${MAX_POINTS}). \`total\` counts every matching case, \`located\` those with a location (before bbox and limit); \`truncated\` says points were cut at the limit. ` +
          'No personal data and no text: open a point with GET /api/map/cases/{ref}.',
        querystring: MAP_CASES,
        response: { 200: MapCasesSchema.describe('written as JSON text by the database (sent as it is)') },
      },
    },
    async (req, reply) => {
      const p = requireStaff(req);
      const q = req.query;
      const { sql, params } = where(p, q);
      const cp = [...params];
      const inBox = q.bbox ? bboxSql(q, cp) : 'c.lng IS NOT NULL AND c.lat IS NOT NULL';
      const counts = await db.query<{ total: number; located: number; candidates: number }>(
        `SELECT count(*)::int AS total, count(*) FILTER (WHERE c.lng IS NOT NULL AND c.lat IS NOT NULL)::int AS located,
                count(*) FILTER (WHERE ${inBox})::int AS candidates FROM cases c WHERE ${sql}`,
        cp,
      );
      const pp = [...params];
      const box = bboxSql(q, pp);
      const lim = pp.push(q.limit);
      // The database writes the JSON array itself: 50k rows never become 50k JS objects.
      const rows = await db.query<{ points: string; n: number }>(
        `SELECT coalesce(json_agg(json_build_array(x.id, x.no, round(x.lng::numeric, 6), round(x.lat::numeric, 6), x.status, x.warning, x.category_code) ORDER BY x.created_at DESC, x.id DESC), '[]'::json)::text AS points,
                count(*)::int AS n
           FROM (SELECT c.id, c.no, c.lng, c.lat, c.status, c.warning, c.category_code, c.created_at FROM cases c
                  WHERE ${sql} AND ${box} ORDER BY c.created_at DESC, c.id DESC LIMIT $${lim}) x`,
        pp,
      );
      const { points, n } = rows[0];
      const truncated = counts[0].candidates > n;
      const { total, located } = counts[0];
      reply.type('application/json; charset=utf-8');
      return reply.send(`{"total":${total},"located":${located},"shown":${n},"truncated":${truncated},"limit":${q.limit},"points":${points}}`);
    },
  );

  app.get(
    '/api/map/density',
    { config: { access: allow.staff('jurisdiction') },
      schema: {
        tags,
        summary: '一张图热力网格 Case counts per grid cell (for the heat layer at any number of cases)',
        description: `Counts of matching located cases per square cell of \`cell\` degrees, as \`cells: [[lng, lat, count], ...]\` (cell centres). At most ${MAX_CELLS} cells; 422 on \`cell\` when finer than that.`,
        querystring: DENSITY,
        response: { 200: MapDensitySchema },
      },
    },
    async (req) => {
      const p = requireStaff(req);
      const q = req.query;
      const { sql, params } = where(p, q);
      const box = bboxSql(q, params);
      const cell = params.push(q.cell);
      const rows = await db.query<{ gx: number; gy: number; n: number }>(
        `SELECT floor(c.lng / $${cell})::int AS gx, floor(c.lat / $${cell})::int AS gy, count(*)::int AS n
           FROM cases c WHERE ${sql} AND ${box} GROUP BY 1, 2 LIMIT ${MAX_CELLS + 1}`,
        params,
      );
      if (rows.length > MAX_CELLS) {
        throw new Problem(422, 'Unprocessable Content', `cell: more than ${MAX_CELLS} cells; use a larger cell or a smaller bbox`, [
          { field: 'cell', message: `网格过细 (more than ${MAX_CELLS} cells): use a larger cell or a smaller bbox` },
        ]);
      }
      const round = (x: number) => Math.round(x * 1e6) / 1e6;
      let max = 0;
      let total = 0;
      const cells = rows.map((r) => {
        max = Math.max(max, r.n);
        total += r.n;
        return [round((r.gx + 0.5) * q.cell), round((r.gy + 0.5) * q.cell), r.n];
      });
      return { cell: q.cell, total, max, cells };
    },
  );

  app.get(
    '/api/map/cases/:ref',
    { config: { access: allow.staff('jurisdiction') },
      schema: {
        tags,
        summary: '一张图点位详情 A map point\'s popup: number, title, status, deadline (no personal data)',
        params: z.strictObject({ ref: z.string().min(1).max(64).describe('case id (uuid) or case number') }),
        response: { 200: MapPointSchema },
      },
    },
    async (req) => {
      const p = requireStaff(req);
      const ref = req.params.ref;
      const params: unknown[] = [ref];
      const key = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref) ? 'c.id = $1::uuid' : 'c.no = $1';
      const rows = await db.query<Record<string, any>>(
        `SELECT c.id, c.no, c.title, c.status, c.warning, c.due_at AS "dueAt", c.category_code AS "categoryCode", cat.name AS "categoryName",
                c.address, c.created_at AS "createdAt", g.name AS "gridName", lu.name AS "leadUnitName", c.urgency
           FROM cases c LEFT JOIN categories cat ON cat.code = c.category_code LEFT JOIN grids g ON g.id = c.grid_id LEFT JOIN units lu ON lu.id = c.lead_unit_id
          WHERE ${key} AND ${caseVisibility(p, 'c', params)}`,
        params,
      );
      const r = rows[0];
      if (!r) throw notFound('case');
      return { ...r, statusLabel: STATUS_LABELS[r.status as keyof typeof STATUS_LABELS] };
    },
  );

  app.get(
    '/api/client-config',
    { config: { access: allow.public() },
      schema: {
        tags: ['meta'],
        summary: '前端运行配置 Runtime settings for the web console (public): base tiles and where the map opens',
        description: '`map.tileUrl` is null when no base tiles are configured (ZHILI_MAP_TILE_URL): the map then draws grids and cases on a plain background. `center` is [lng, lat].',
        response: { 200: ClientConfigSchema },
      },
    },
    async (_req, reply) => {
      // The grids' extent is read at most once a few minutes (every console page load asks).
      if (!centerCache || Date.now() - centerCache.at > 5 * 60_000) centerCache = { at: Date.now(), value: await mapCenter(ctx) };
      const { center, zoom } = centerCache.value;
      // Settings change only with a restart; a short cache spares the database on every page load.
      reply.header('cache-control', 'public, max-age=300');
      return { map: { tileUrl: ctx.config.mapTileUrl, attribution: ctx.config.mapTileAttribution, center, zoom } };
    },
  );
}
