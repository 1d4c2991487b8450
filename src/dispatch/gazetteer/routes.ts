/** HTTP API of the gazetteer: list, edit, import/export, geocode an address. */
import { z } from 'zod';
import { GazetteerEntrySchema, GazetteerExportRowSchema, GazetteerImportResultSchema, GazetteerListSchema, GeocodeAnswerSchema } from './types.ts';
import { NoContent } from '../../platform/schemas.ts';
import type { App, Ctx } from '../../platform/http.ts';
import { allow } from '../../platform/access.ts';
import { audit } from '../../platform/audit.ts';
import { isStaff, requireRole, requireUser, requireStaff } from '../../org/auth.ts';
import { DIVISION_CODE } from '../../org/store.ts';
import { rowsToXlsx } from '../responsibility/files.ts';
import { GAZETTEER_COLUMNS } from './columns.ts';
import {
  GAZETTEER_IMPORT_ROW,
  GAZETTEER_INPUT,
  GAZETTEER_KINDS,
  GazetteerImportError,
  deleteGazetteer,
  exportGazetteer,
  geocode,
  importGazetteer,
  listGazetteer,
  upsertGazetteer,
} from './store.ts';

const ID = z.strictObject({ id: z.uuid() });


export function registerGazetteerRoutes(app: App, ctx: Ctx) {
  const db = ctx.db;
  const tags = ['gazetteer'];

  app.get(
    '/api/gazetteer',
    { config: { access: allow.staff('none') },
      schema: {
        tags,
        summary: '地名地址库 Gazetteer entries: search by name, filter by division and kind',
        querystring: z.strictObject({
          q: z.string().trim().min(1).max(100).optional(),
          divisionCode: DIVISION_CODE.optional(),
          kind: z.enum(GAZETTEER_KINDS).optional(),
          limit: z.coerce.number().int().min(1).max(5000).default(500),
          offset: z.coerce.number().int().min(0).default(0),
        }),
        response: { 200: GazetteerListSchema },
      },
    },
    async (req) => {
      requireStaff(req);
      return listGazetteer(db, req.query);
    },
  );

  app.get(
    '/api/gazetteer/geocode',
    { config: { access: allow.staff('none') },
      schema: {
        tags,
        summary: '地址匹配 Place a typed address: the known road/landmark it names, preferring the given division; match is null when nothing is known',
        querystring: z.strictObject({ address: z.string().trim().min(1).max(500), divisionCode: DIVISION_CODE.optional() }),
        response: { 200: GeocodeAnswerSchema },
      },
    },
    async (req) => {
      requireStaff(req);
      const match = await geocode(db, req.query);
      const loc = match ? ctx.services.locator.locate(match.lng, match.lat) : null;
      return { match, grid: loc ?? null };
    },
  );

  app.get(
    '/api/gazetteer/export',
    { config: { access: allow.staff('none') },
      schema: {
        tags,
        summary: '导出地名 Export the gazetteer as JSON (the import format) or xlsx',
        querystring: z.strictObject({ format: z.enum(['json', 'xlsx']).default('json'), headers: z.enum(['en', 'zh']).default('en'), divisionCode: DIVISION_CODE.optional() }),
        response: { 200: z.array(GazetteerExportRowSchema).describe('format=json: the entries in the import format; format=xlsx: an .xlsx workbook (sent as it is)') },
      },
    },
    async (req, reply) => {
      requireStaff(req);
      const rows = await exportGazetteer(db, { divisionCode: req.query.divisionCode });
      if (req.query.format === 'xlsx') {
        return reply
          .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
          .header('content-disposition', 'attachment; filename="gazetteer.xlsx"')
          .send(await rowsToXlsx('gazetteer', GAZETTEER_COLUMNS, rows, req.query.headers));
      }
      return rows;
    },
  );

  app.put('/api/gazetteer', { config: { access: allow.roles(['admin'], 'jurisdiction') }, schema: { tags, summary: '新建/修改地名 Create or change an entry (by id, else by division and name; admin)', body: GAZETTEER_INPUT, response: { 200: GazetteerEntrySchema, 201: GazetteerEntrySchema } } }, async (req, reply) => {
    const p = requireRole(req, 'admin');
    const r = await db.tx(async (q) => {
      const res = await upsertGazetteer(q, req.body, p);
      await audit(q, { userId: p.id, action: res.created ? 'gazetteer_create' : 'gazetteer_update', entity: 'gazetteer', entityId: res.id, ip: req.ip });
      return res;
    });
    const row = await db.query(`SELECT id, name, aliases, division_code AS "divisionCode", lng, lat, kind FROM gazetteer WHERE id = $1`, [r.id]);
    return reply.status(r.created ? 201 : 200).send(row[0]);
  });

  app.delete('/api/gazetteer/:id', { config: { access: allow.roles(['admin'], 'jurisdiction') }, schema: { tags, summary: '删除地名 Delete an entry (admin)', params: ID, response: { 204: NoContent } } }, async (req, reply) => {
    const p = requireRole(req, 'admin');
    await db.tx(async (q) => {
      await deleteGazetteer(q, req.params.id, p);
      await audit(q, { userId: p.id, action: 'gazetteer_delete', entity: 'gazetteer', entityId: req.params.id, ip: req.ip });
    });
    return reply.status(204).send();
  });

  app.post(
    '/api/gazetteer/import',
    { config: { access: allow.roles(['admin'], 'jurisdiction') },
      bodyLimit: 32 * 1024 * 1024,
      schema: {
        tags,
        summary: '导入地名 Import entries (JSON array in the export format; all or nothing; admin)',
        querystring: z.strictObject({ dryRun: z.enum(['true', 'false']).default('false') }),
        body: z.array(GAZETTEER_IMPORT_ROW).max(200_000),
        response: { 200: GazetteerImportResultSchema },
      },
    },
    async (req) => {
      const p = requireRole(req, 'admin');
      try {
        const result = await importGazetteer(db, req.body, { principal: p, dryRun: req.query.dryRun === 'true' });
        if (!result.dryRun) await audit(db, { userId: p.id, action: 'gazetteer_import', entity: 'gazetteer', detail: { ...result }, ip: req.ip });
        return result;
      } catch (err) {
        if (err instanceof GazetteerImportError) throw err.toProblem();
        throw err;
      }
    },
  );
}
