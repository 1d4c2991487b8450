/** HTTP API of the responsibility list and of dispatch proposals. */
import { z } from 'zod';
import { PlacedProposalSchema, RuleExportRowSchema, RuleImportResultSchema, RuleListSchema, RuleRowSchema, TextProposalSchema } from './types.ts';
import { NoContent } from '../../platform/schemas.ts';
import type { App, Ctx } from '../../platform/http.ts';
import { allow } from '../../platform/access.ts';
import { Problem, badRequest, invalid, notFound } from '../../platform/errors.ts';
import { audit } from '../../platform/audit.ts';
import { requireRole, requireStaff } from '../../org/auth.ts';
import { DIVISION_CODE } from '../../org/store.ts';
import { geocode } from '../gazetteer/store.ts';
import {
  CATEGORY_CODE,
  RULE_IMPORT_ROW,
  RULE_INPUT,
  RULE_ROLES,
  RuleImportError,
  deactivateRule,
  exportRules,
  getRule,
  importRules,
  listRules,
  proposeUnits,
  upsertRule,
} from './store.ts';
import { RULE_COLUMNS } from './columns.ts';
import { normaliseRows, readXlsxBuffer, rowsToXlsx } from './files.ts';
import { matchCategoriesByText } from './text.ts';

const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The place of a proposal: a division, a point located in its grid, or an address found in the gazetteer. */
interface PlaceInput {
  divisionCode?: string;
  lng?: number;
  lat?: number;
  address?: string;
}

const ID = z.strictObject({ id: z.uuid() });
const BOOL = z.enum(['true', 'false']);


export function registerResponsibilityRoutes(app: App, ctx: Ctx) {
  const db = ctx.db;
  const tags = ['responsibility list'];

  app.get(
    '/api/responsibilities',
    { config: { access: allow.staff('none') },
      schema: {
        tags,
        summary: '权责清单 The responsibility list: rules, filtered by category, division, unit, role, active',
        querystring: z.strictObject({
          categoryCode: CATEGORY_CODE.optional(),
          divisionCode: DIVISION_CODE.optional(),
          unitId: z.uuid().optional(),
          role: z.enum(RULE_ROLES).optional(),
          active: BOOL.optional(),
          q: z.string().trim().min(1).max(100).optional().describe('a matter (category name, also of a parent or of a category the rule covers), unit, unit keyword, area, note (legal basis) or rule number'),
          limit: z.coerce.number().int().min(1).max(5000).default(500),
          offset: z.coerce.number().int().min(0).default(0),
        }),
        response: { 200: RuleListSchema },
      },
    },
    async (req) => {
      requireStaff(req);
      const { active, ...f } = req.query;
      return listRules(db, { ...f, active: active === undefined ? undefined : active === 'true' });
    },
  );

  app.get(
    '/api/responsibilities/export',
    { config: { access: allow.staff('none') },
      schema: {
        tags,
        summary: '导出权责清单 Export the list as JSON (the import format) or xlsx',
        querystring: z.strictObject({ format: z.enum(['json', 'xlsx']).default('json'), headers: z.enum(['en', 'zh']).default('en'), active: BOOL.optional() }),
        response: { 200: z.array(RuleExportRowSchema).describe('format=json: the rules in the import format; format=xlsx: an .xlsx workbook (sent as it is)') },
      },
    },
    async (req, reply) => {
      requireStaff(req);
      const rows = await exportRules(db, { active: req.query.active === undefined ? undefined : req.query.active === 'true' });
      if (req.query.format === 'xlsx') {
        const buf = await rowsToXlsx('responsibilities', RULE_COLUMNS, rows, req.query.headers);
        return reply
          .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
          .header('content-disposition', 'attachment; filename="responsibilities.xlsx"')
          .send(buf);
      }
      return rows;
    },
  );

  app.get('/api/responsibilities/:id', { config: { access: allow.staff('none') }, schema: { tags, summary: '一条规则 One rule', params: ID, response: { 200: RuleRowSchema } } }, async (req) => {
    requireStaff(req);
    const r = await getRule(db, req.params.id);
    if (!r) throw notFound('responsibility rule');
    return r;
  });

  app.put(
    '/api/responsibilities',
    { config: { access: allow.roles(['admin'], 'jurisdiction') },
      schema: {
        tags,
        summary: '新建/修改规则 Create a rule, or change one by id (or rule number) (admin, within jurisdiction)',
        description:
          'A rule names a category prefix, optionally an area (divisionCode) and the level where the unit sits (divisionLevel), and either an explicit unit (unitId/unitCode) or a unit kind and/or name keyword (several separated by |) resolved along the case’s division chain.',
        body: RULE_INPUT,
        response: { 200: RuleRowSchema, 201: RuleRowSchema },
      },
    },
    async (req, reply) => {
      const p = requireRole(req, 'admin');
      const r = await db.tx(async (q) => {
        const res = await upsertRule(q, req.body, { principal: p });
        await audit(q, { userId: p.id, action: res.created ? 'responsibility_create' : 'responsibility_update', entity: 'responsibility_rule', entityId: res.id, detail: { no: res.no }, ip: req.ip });
        return res;
      });
      return reply.status(r.created ? 201 : 200).send(await getRule(db, r.id));
    },
  );

  app.delete('/api/responsibilities/:id', { config: { access: allow.roles(['admin'], 'jurisdiction') }, schema: { tags, summary: '停用规则 Deactivate a rule (soft delete; admin)', params: ID, response: { 204: NoContent } } }, async (req, reply) => {
    const p = requireRole(req, 'admin');
    await db.tx(async (q) => {
      await deactivateRule(q, req.params.id, p);
      await audit(q, { userId: p.id, action: 'responsibility_deactivate', entity: 'responsibility_rule', entityId: req.params.id, ip: req.ip });
    });
    return reply.status(204).send();
  });

  app.post(
    '/api/responsibilities/import',
    { config: { access: allow.roles(['admin'], 'jurisdiction') },
      bodyLimit: 16 * 1024 * 1024,
      schema: {
        tags,
        summary: '导入权责清单 Import rules (JSON array in the export format; all or nothing; admin)',
        description: 'Rows are matched by id, else by rule number (no), else created. replace=true deactivates the active rules within your jurisdiction that the file does not name. For xlsx use the CLI: zhili responsibility import FILE.',
        querystring: z.strictObject({ replace: BOOL.default('false'), dryRun: BOOL.default('false') }),
        body: z.array(RULE_IMPORT_ROW).max(50_000),
        response: { 200: RuleImportResultSchema },
      },
    },
    async (req) => {
      const p = requireRole(req, 'admin');
      try {
        const result = await importRules(db, req.body, { principal: p, replace: req.query.replace === 'true', dryRun: req.query.dryRun === 'true' });
        if (!result.dryRun)
          await audit(db, { userId: p.id, action: 'responsibility_import', entity: 'responsibility_rule', detail: { ...result }, ip: req.ip });
        return result;
      } catch (err) {
        if (err instanceof RuleImportError) throw err.toProblem();
        throw err;
      }
    },
  );

  app.get(
    '/api/dispatch/propose',
    { config: { access: allow.staff('none') },
      schema: {
        tags: ['dispatch'],
        summary: '派单建议 Propose the lead and assisting units for a category at a place, with the rule that says so',
        description:
          'The place is divisionCode, or a point (lng, lat) located in its grid, or an address matched against the gazetteer. Ties (equally specific rules naming different units) and gaps (no rule) are reported, not guessed.',
        querystring: z.strictObject({
          categoryCode: CATEGORY_CODE,
          divisionCode: DIVISION_CODE.optional(),
          lng: z.coerce.number().min(-180).max(180).optional(),
          lat: z.coerce.number().min(-90).max(90).optional(),
          address: z.string().trim().min(1).max(500).optional(),
        }),
        response: { 200: PlacedProposalSchema },
      },
    },
    async (req) => {
      requireStaff(req);
      const cat = await db.query(`SELECT 1 FROM categories WHERE code = $1`, [req.query.categoryCode]);
      if (!cat.length) throw invalid('categoryCode', `no category ${req.query.categoryCode}`);
      const place = await resolvePlace(req.query);
      const proposal = await proposeUnits(db, { categoryCode: req.query.categoryCode, divisionCode: place.divisionCode });
      return { ...proposal, grid: place.grid, point: place.point, geocoded: place.geocoded };
    },
  );

  /** Where a proposal is asked for, as a division code (with the grid and point that fixed it); 4xx naming the field otherwise. */
  async function resolvePlace(input: PlaceInput) {
    const { lng, lat, address } = input;
    let divisionCode = input.divisionCode;
    if ((lng === undefined) !== (lat === undefined)) {
      const missing = lng === undefined ? 'lng' : 'lat';
      throw badRequest(`${missing}: a point needs both lng and lat`, [{ field: missing, message: 'a point needs both lng and lat' }]);
    }
    let point: { lng: number; lat: number } | null = lng !== undefined && lat !== undefined ? { lng, lat } : null;
    let geocoded: Awaited<ReturnType<typeof geocode>> = null;
    if (!point && address) {
      geocoded = await geocode(db, { address, divisionCode });
      if (geocoded) point = { lng: geocoded.lng, lat: geocoded.lat };
    }
    let grid: { id: string; code: string; name: string; divisionCode: string } | null = null;
    if (point) {
      const loc = ctx.services.locator.locate(point.lng, point.lat);
      if (loc) {
        const g = await db.query<{ id: string; code: string; name: string; divisionCode: string }>(
          `SELECT id, code, name, division_code AS "divisionCode" FROM grids WHERE id = $1`,
          [loc.gridId],
        );
        grid = g[0] ?? { id: loc.gridId, code: '', name: '', divisionCode: loc.divisionCode };
        divisionCode = loc.divisionCode;
      } else if (geocoded) divisionCode = geocoded.divisionCode;
    }
    if (!divisionCode) {
      if (lng !== undefined) throw invalid('lng', '该位置不在任何网格内 (the point lies outside every grid); give divisionCode as well');
      if (address) throw invalid('address', '地址未能匹配到已知地名 (no known road or place in the address); give divisionCode as well');
      throw badRequest('divisionCode: give divisionCode, a point (lng and lat) or an address', [
        { field: 'divisionCode', message: '请选择区划、坐标或地址 (give divisionCode, a point (lng and lat) or an address)' },
      ]);
    }
    const div = await db.query(`SELECT 1 FROM divisions WHERE code = $1`, [divisionCode]);
    if (!div.length) throw invalid('divisionCode', `no division ${divisionCode}`);
    return { divisionCode, grid, point, geocoded };
  }

  app.post(
    '/api/dispatch/propose',
    { config: { access: allow.staff('none') },
      schema: {
        tags: ['dispatch'],
        summary: '按描述试派 Which unit a described matter would go to, and why',
        description:
          'The category is the one given, else the learned classifier\'s (when it does not abstain), else the categories whose name\'s words occur in the text. ' +
          'The place is divisionCode, a point, or an address (see GET). Answers the category used and how it was chosen, the other candidates, and the proposal.',
        body: z.strictObject({
          text: z.string().trim().min(2, '请输入至少 2 个字的描述 (at least 2 characters)').max(10_000),
          categoryCode: CATEGORY_CODE.optional(),
          divisionCode: DIVISION_CODE.optional(),
          lng: z.number().min(-180).max(180).optional(),
          lat: z.number().min(-90).max(90).optional(),
          address: z.string().trim().min(1).max(500).optional(),
        }),
        response: { 200: TextProposalSchema },
      },
    },
    async (req) => {
      requireStaff(req);
      const { text, categoryCode: given } = req.body;
      const cats = await db.query<{ code: string; name: string; active: boolean }>(`SELECT code, name, active FROM categories`);
      const byCode = new Map(cats.map((c) => [c.code, c]));
      if (given && !byCode.has(given)) throw invalid('categoryCode', `no category ${given}`);
      const place = await resolvePlace({ ...req.body, address: req.body.address ?? undefined });

      type Candidate = { code: string; name: string; probability?: number; matched?: string[] };
      let source: 'given' | 'classifier' | 'keywords' | null = null;
      let candidates: Candidate[] = [];
      let classifierNote: string | null = null;
      {
        const r = await ctx.services.classifierSuggest(text, place.divisionCode);
        const top = r.categories.top.filter((c) => byCode.get(c.code)?.active);
        if (!given && !r.categories.abstained && top.length) {
          source = 'classifier';
          candidates = top.map((c) => ({ code: c.code, name: c.name, probability: c.probability }));
        } else if (r.categories.abstained) classifierNote = '智能分类无把握，改用分类名称匹配 (the classifier abstained; matched category names instead)';
      }
      if (!given && !source) {
        const m = matchCategoriesByText(text, cats.filter((c) => c.active));
        if (m.length) {
          source = 'keywords';
          candidates = m.map((c) => ({ code: c.code, name: c.name, matched: c.matched }));
        }
      }
      if (given) source = 'given';
      const categoryCode = given ?? candidates[0]?.code;
      if (!categoryCode || !source)
        throw invalid('text', '未能从描述判断事项分类，请选择分类 (no category could be told from the text; choose one)');
      const proposal = await proposeUnits(db, { categoryCode, divisionCode: place.divisionCode });
      return {
        category: { code: categoryCode, name: proposal.categoryName, source, ...(classifierNote && source !== 'given' ? { note: classifierNote } : {}) },
        candidates,
        ...proposal,
        grid: place.grid,
        point: place.point,
        geocoded: place.geocoded,
      };
    },
  );

  // An uploaded workbook arrives as raw bytes; the JSON import above is unchanged.
  if (!app.hasContentTypeParser(XLSX_MIME)) app.addContentTypeParser(XLSX_MIME, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.post(
    '/api/responsibilities/import.xlsx',
    { config: { access: allow.roles(['admin'], 'jurisdiction') },
      bodyLimit: 16 * 1024 * 1024,
      schema: {
        tags,
        summary: '导入权责清单 (Excel) Import rules from an xlsx workbook (the export format, English or Chinese headers; all or nothing; admin)',
        description: `Send the workbook as the body with Content-Type ${XLSX_MIME}. Unknown columns are ignored and reported in \`ignoredColumns\`; row errors name \`<row number>.<field>\` as the sheet numbers rows.`,
        querystring: z.strictObject({ replace: BOOL.default('false'), dryRun: BOOL.default('false') }),
        response: { 200: RuleImportResultSchema },
      },
    },
    async (req) => {
      const p = requireRole(req, 'admin');
      if (!Buffer.isBuffer(req.body) || !req.body.length) throw new Problem(415, 'Unsupported Media Type', `send the workbook with Content-Type ${XLSX_MIME}`, [{ field: 'content-type', message: `${XLSX_MIME} expected` }]);
      let table;
      try {
        table = await readXlsxBuffer(req.body);
      } catch (e) {
        throw invalid('file', `无法读取 Excel 文件 (${(e as Error).message.replace(/^.*?: /, '')})`);
      }
      if (!table.rows.length) throw invalid('file', '工作表中没有数据行 (the sheet has no rows under its header)');
      const { rows, unknown } = normaliseRows(RULE_COLUMNS, table.rows);
      try {
        const result = await importRules(db, rows, { principal: p, replace: req.query.replace === 'true', dryRun: req.query.dryRun === 'true' });
        if (!result.dryRun)
          await audit(db, { userId: p.id, action: 'responsibility_import', entity: 'responsibility_rule', detail: { ...result, format: 'xlsx' }, ip: req.ip });
        return { ...result, ignoredColumns: unknown };
      } catch (err) {
        if (err instanceof RuleImportError) {
          // Name rows as the spreadsheet does (row 2 is the first under the header).
          throw new RuleImportError(err.errors.map((e) => ({ ...e, index: table.rowNumbers[e.index] ?? e.index + 2 }))).toProblem();
        }
        throw err;
      }
    },
  );
}
