/**
 * The admin console's organisation endpoints beyond plain upserts: one
 * division with its parent checked, grid import/export/deletion, unit
 * spreadsheets, and user detail, password reset and deactivation.
 * Every write is confined to the caller's jurisdiction (scopeCodes).
 */
import { randomInt } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { App, Ctx } from '../platform/http.ts';
import { allow } from '../platform/access.ts';
import type { Db } from '../platform/db.ts';
import { Problem, badRequest, conflict, forbidden, invalid, notFound, type FieldError } from '../platform/errors.ts';
import { audit } from '../platform/audit.ts';
import { hashPassword, requireRole, type Principal } from './auth.ts';
import { inScope, seesEverything } from './scope.ts';
import { DIVISION_CODE, DIVISION_LEVEL_BY_LENGTH, GEOMETRY, USER_SELECT, parentCode as divisionParent } from './store.ts';
import { DivisionSavedSchema, ImportResultSchema, PasswordResetSchema, UserSchema } from './types.ts';
import { Binary, NoContent } from '../platform/schemas.ts';
import { ImportError, exportRows, importRows, readTable, validateRows, writeTable, type RowError } from './io.ts';
// 138****5678: the users list never carries whole phone numbers; the detail (audited) does.
import { maskPhone } from '../platform/masking.ts';

const ID = z.strictObject({ id: z.uuid() });


/**
 * A non-global admin acts only on users inside their jurisdiction: the user's
 * scope and unit must lie in it and be non-empty; global users and citizens
 * (who may report anywhere) are out of reach.
 */
export async function userInJurisdiction(db: Db, p: Principal, userId: string): Promise<boolean> {
  if (seesEverything(p)) return true;
  const r = await db.query<{ scope_codes: string[]; roles: string[]; division_codes: string[] | null }>(
    `SELECT u.scope_codes, u.roles, un.division_codes FROM users u LEFT JOIN units un ON un.id = u.unit_id WHERE u.id = $1`,
    [userId],
  );
  const u = r[0];
  if (!u) return false;
  if (u.scope_codes.includes('*') || u.roles.includes('citizen')) return false;
  const codes = [...u.scope_codes, ...(u.division_codes ?? [])];
  // A user with neither scope nor a placed unit belongs to no county: only a global admin may touch them.
  return codes.length > 0 && codes.every((c) => inScope(p, c));
}

/** A password an admin can read out over the phone: no 0/O, 1/l/I; letters and digits. */
export function generatePassword(length = 12): string {
  const letters = 'ABCDEFGHJKMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz';
  const digits = '23456789';
  const all = letters + digits;
  for (;;) {
    let s = '';
    for (let i = 0; i < length; i++) s += all[randomInt(all.length)];
    if (/\d/.test(s) && /[A-Z]/.test(s) && /[a-z]/.test(s)) return s;
  }
}

/** Import errors as problem fields: `features.3.divisionCode` (GeoJSON) or `rows.5.kind` (spreadsheet row). */
/** Grids changed: this instance's grid index is rebuilt now (others notice within their periodic check). */
export function gridsChanged(ctx: Ctx): void {
  void ctx.services.locator.refresh().catch((err) => ctx.log.error({ err }, 'grid index refresh failed'));
}

function importProblem(err: ImportError, prefix: 'features' | 'rows', toIndex: (row: number) => number): Problem {
  const errors: FieldError[] = err.errors.map((e: RowError) => {
    const field = (e.field ?? '').replace(/ \(.*\)$/, '').replace(/\[(\d+)\]/g, '.$1');
    return { field: `${prefix}.${toIndex(e.row)}${field ? `.${field}` : ''}`, message: e.message };
  });
  return new Problem(422, 'Unprocessable Content', `${err.errors.length} 处错误，未导入任何数据 (${err.errors.length} invalid, nothing was imported)`, errors);
}

const FEATURE = z.looseObject({
  type: z.literal('Feature'),
  id: z.union([z.string(), z.number()]).optional(),
  properties: z.record(z.string(), z.unknown()).nullable().optional(),
  geometry: z.unknown(),
});
const FEATURE_COLLECTION = z.looseObject({
  type: z.literal('FeatureCollection'),
  features: z.array(FEATURE).min(1, '至少一个网格 (at least one feature)').max(20_000),
});

export function registerOrgAdminRoutes(app: App, ctx: Ctx) {
  const db = ctx.db;
  const forgetSessions = () => ctx.services.principals.clear();

  // --- divisions ---
  app.post(
    '/api/divisions',
    { config: { access: allow.roles(['admin'], 'none') },
      schema: {
        tags: ['divisions'],
        summary: '新建/修改一个区划 Create or rename one division (admin; its parent must exist)',
        description: '`geometry` (optional): the outline as a GeoJSON Polygon or MultiPolygon in WGS84; null clears it, absent keeps it.',
        body: z.strictObject({ code: DIVISION_CODE, name: z.string().trim().min(1).max(100), parentCode: DIVISION_CODE.nullish(), geometry: GEOMETRY.nullish() }),
        response: { 200: DivisionSavedSchema, 201: DivisionSavedSchema },
      },
    },
    async (req, reply) => {
      const p = requireRole(req, 'admin');
      const { code, name } = req.body;
      const parent = divisionParent(code);
      if (req.body.parentCode !== undefined && (req.body.parentCode ?? null) !== parent) {
        const want = req.body.parentCode ? ({ 2: 4, 4: 6, 6: 9, 9: 12 } as Record<number, number>)[req.body.parentCode.length] : 2;
        if (!want) throw invalid('parentCode', '村(社区)级区划没有下级 (a village has no lower level)');
        throw invalid('code', `代码须以上级代码 ${req.body.parentCode ?? ''} 开头、共 ${want} 位 (the code must extend the parent's code by one level)`);
      }
      if (!inScope(p, code)) throw forbidden(`code: ${code} 不在您的管辖范围内 (outside your jurisdiction)`);
      if (parent) {
        const r = await db.query(`SELECT 1 FROM divisions WHERE code = $1`, [parent]);
        if (!r.length) throw invalid(req.body.parentCode ? 'parentCode' : 'code', `上级区划 ${parent} 不存在 (parent division ${parent} does not exist)`);
      }
      const { geometry } = req.body;
      const rows = await db.query<{ created: boolean }>(
        `INSERT INTO divisions (code, name, level, parent_code, geometry) VALUES ($1, $2, $3, $4, $6::jsonb)
         ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, geometry = CASE WHEN $5::boolean THEN EXCLUDED.geometry ELSE divisions.geometry END
         RETURNING (xmax = 0) AS created`,
        [code, name, DIVISION_LEVEL_BY_LENGTH[code.length], parent, geometry !== undefined, geometry ? JSON.stringify(geometry) : null],
      );
      await audit(db, { userId: p.id, action: 'division_upsert', entity: 'division', entityId: code, detail: { name, ...(geometry !== undefined ? { geometry: geometry?.type ?? null } : {}) }, ip: req.ip });
      const out = await db.query(`SELECT code, name, level, parent_code AS "parentCode"${geometry !== undefined ? ', geometry' : ''} FROM divisions WHERE code = $1`, [code]);
      return reply.status(rows[0].created ? 201 : 200).send(out[0]);
    },
  );

  // --- grids ---
  const gtags = ['grids'];
  app.post(
    '/api/grids/import',
    { config: { access: allow.roles(['admin'], 'jurisdiction') },
      bodyLimit: 32 * 1024 * 1024,
      schema: {
        tags: gtags,
        summary: '导入网格 GeoJSON Import grids from a GeoJSON FeatureCollection (admin; all or nothing)',
        description:
          'Each feature: properties code (or the feature id), name, divisionCode, optional workerUsername, households, population (English or Chinese names); geometry a Polygon or MultiPolygon. Any invalid feature fails the whole import with 422 naming `features.<index>.<field>`. `dryRun=true` validates without writing.',
        querystring: z.strictObject({ dryRun: z.enum(['true', 'false']).default('false') }),
        body: FEATURE_COLLECTION,
        response: { 200: ImportResultSchema },
      },
    },
    async (req) => {
      const p = requireRole(req, 'admin');
      const dryRun = req.query.dryRun === 'true';
      const rows = req.body.features.map((f) => {
        const props: Record<string, unknown> = f.properties ? { ...f.properties } : {};
        if (f.id !== undefined && props.code === undefined && props['编码'] === undefined && props['网格编码'] === undefined) props.code = String(f.id);
        return { ...props, geometry: f.geometry };
      });
      // The jurisdiction first, from the rows that validate; the import reports the rest.
      const { valid } = validateRows<{ code: string; divisionCode: string }>('grids', rows, { ignoreUnknown: true });
      const scopeErrors: FieldError[] = [];
      if (!seesEverything(p)) {
        const existing = await db.query<{ code: string; division_code: string }>(`SELECT code, division_code FROM grids WHERE code = ANY($1::text[])`, [
          valid.map((v) => v.value.code),
        ]);
        const existingDivision = new Map(existing.map((e) => [e.code, e.division_code]));
        for (const v of valid) {
          if (!inScope(p, v.value.divisionCode))
            scopeErrors.push({ field: `features.${v.row - 1}.divisionCode`, message: `${v.value.divisionCode} 不在您的管辖范围内 (outside your jurisdiction)` });
          const d = existingDivision.get(v.value.code);
          if (d && !inScope(p, d)) scopeErrors.push({ field: `features.${v.row - 1}.code`, message: `网格 ${v.value.code} 属于您管辖范围外的 ${d} (a grid outside your jurisdiction)` });
        }
      }
      if (scopeErrors.length) throw new Problem(403, 'Forbidden', `${scopeErrors.length} 个网格不在您的管辖范围内，未导入 (outside your jurisdiction; nothing was imported)`, scopeErrors);
      try {
        const r = await importRows(db, 'grids', rows, { ignoreUnknown: true, dryRun });
        if (!dryRun) {
          await audit(db, { userId: p.id, action: 'grids_import', entity: 'grid', detail: { count: r.count }, ip: req.ip });
          gridsChanged(ctx);
        }
        const existing = await db.query<{ code: string }>(`SELECT code FROM grids WHERE code = ANY($1::text[])`, [valid.map((v) => v.value.code)]);
        return { count: r.count, dryRun: r.dryRun, warnings: r.warnings, existing: dryRun ? existing.map((e) => e.code) : undefined };
      } catch (err) {
        if (err instanceof ImportError) throw importProblem(err, 'features', (row) => row - 1);
        throw err;
      }
    },
  );

  app.get(
    '/api/grids/export',
    { config: { access: allow.roles(['admin'], 'jurisdiction') },
      schema: {
        tags: gtags,
        summary: '导出网格 GeoJSON Export grids as a GeoJSON FeatureCollection (admin; within jurisdiction)',
        querystring: z.strictObject({ divisionCode: DIVISION_CODE.optional() }),
        response: { 200: Binary('a GeoJSON FeatureCollection (application/geo+json), as a download') },
      },
    },
    async (req, reply) => {
      const p = requireRole(req, 'admin');
      const params: unknown[] = [];
      const where = ['TRUE'];
      if (req.query.divisionCode) where.push(`g.division_code LIKE $${params.push(`${req.query.divisionCode}%`)}`);
      if (!seesEverything(p)) where.push(`g.division_code LIKE ANY ($${params.push(p.scopeCodes.map((c) => `${c}%`))}::text[])`);
      const rows = await db.query<Record<string, unknown>>(
        `SELECT g.code, g.name, g.division_code AS "divisionCode", g.geometry, w.username AS "workerUsername", g.households, g.population
           FROM grids g LEFT JOIN users w ON w.id = g.worker_user_id WHERE ${where.join(' AND ')} ORDER BY g.code`,
        params,
      );
      const features = rows.map(({ geometry, ...properties }) => ({ type: 'Feature', properties, geometry }));
      const name = `grids-${req.query.divisionCode ?? (seesEverything(p) ? 'all' : p.scopeCodes.join('_'))}.geojson`;
      return reply
        .type('application/geo+json; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name}"`)
        .send(JSON.stringify({ type: 'FeatureCollection', features }));
    },
  );

  app.delete('/api/grids/:id', { config: { access: allow.roles(['admin'], 'jurisdiction') }, schema: { tags: gtags, summary: '删除网格 Delete a grid with no cases (admin)', params: ID, response: { 204: NoContent } } }, async (req, reply) => {
    const p = requireRole(req, 'admin');
    const g = await db.query<{ code: string; division_code: string }>(`SELECT code, division_code FROM grids WHERE id = $1`, [req.params.id]);
    if (!g[0] || !inScope(p, g[0].division_code)) throw notFound('grid');
    const used = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM cases WHERE grid_id = $1`, [req.params.id]);
    if (used[0].n > 0)
      throw conflict(`网格 ${g[0].code} 已有 ${used[0].n} 件工单，不能删除；可修改其边界 (the grid has ${used[0].n} cases and cannot be deleted; edit its boundary instead)`, [
        { field: 'id', message: `${used[0].n} cases refer to this grid` },
      ]);
    await db.query(`DELETE FROM grids WHERE id = $1`, [req.params.id]);
    await audit(db, { userId: p.id, action: 'grid_delete', entity: 'grid', entityId: req.params.id, detail: { code: g[0].code }, ip: req.ip });
    gridsChanged(ctx);
    return reply.status(204).send();
  });

  // --- units: spreadsheets ---
  const utags = ['units'];
  app.get(
    '/api/units/export',
    { config: { access: allow.roles(['admin'], 'jurisdiction') }, schema: { tags: utags, summary: '导出单位 Excel Export units as xlsx (admin; within jurisdiction)', response: { 200: Binary('the units as an .xlsx workbook') } } },
    async (req, reply) => {
      const p = requireRole(req, 'admin');
      const all = await exportRows(db, 'units');
      const rows = seesEverything(p) ? all : all.filter((u) => (u.divisionCodes as string[]).length > 0 && (u.divisionCodes as string[]).every((c) => inScope(p, c)));
      const dir = await mkdtemp(join(tmpdir(), 'zhili-units-'));
      try {
        const file = join(dir, 'units.xlsx');
        await writeTable(file, 'units', rows, { format: 'xlsx', headers: 'zh' });
        const buf = await readFile(file);
        return reply
          .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
          .header('content-disposition', `attachment; filename="units.xlsx"`)
          .send(buf);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  app.post(
    '/api/units/import',
    { config: { access: allow.roles(['admin'], 'jurisdiction') },
      schema: {
        tags: utags,
        summary: '导入单位 Excel Import units from an xlsx upload, multipart field "file" (admin; all or nothing)',
        description: 'Header row with 代码, 名称, 类型, 上级单位, 服务区划, 电话, 启用 (or the English field names). Errors: 422 naming `rows.<spreadsheet row>.<field>`.',
        querystring: z.strictObject({ dryRun: z.enum(['true', 'false']).default('false') }),
        consumes: ['multipart/form-data'],
        response: { 200: ImportResultSchema },
      },
    },
    async (req) => {
      const p = requireRole(req, 'admin');
      if (!req.isMultipart()) throw badRequest('file: 请上传 .xlsx 文件 (upload an .xlsx file as multipart field "file")', [{ field: 'file', message: 'required' }]);
      const part = await req.file();
      if (!part || part.fieldname !== 'file') throw badRequest('file: 请上传 .xlsx 文件 (upload an .xlsx file)', [{ field: 'file', message: 'required' }]);
      if (!/\.xlsx$/i.test(part.filename)) throw badRequest('file: 只接受 .xlsx 文件 (only .xlsx files)', [{ field: 'file', message: `${part.filename}: save it as .xlsx (Excel 工作簿)` }]);
      const buf = await part.toBuffer();
      const dir = await mkdtemp(join(tmpdir(), 'zhili-units-'));
      try {
        const file = join(dir, 'units.xlsx');
        await writeFile(file, buf);
        let table;
        try {
          table = await readTable(file, { format: 'xlsx', kind: 'units' });
        } catch (err) {
          throw badRequest(`file: ${(err as Error).message.replace(file, part.filename)}`, [{ field: 'file', message: 'not a readable .xlsx workbook' }]);
        }
        if (!table.rows.length) throw invalid('file', '表格没有数据行 (the sheet has no rows)');
        const { valid } = validateRows<{ code: string; divisionCodes: string[] }>('units', table.rows, { rowNumbers: table.rowNumbers, ignoreUnknown: true });
        if (!seesEverything(p)) {
          const scopeErrors: FieldError[] = [];
          const existing = await db.query<{ code: string; division_codes: string[] }>(`SELECT code, division_codes FROM units WHERE code = ANY($1::text[])`, [
            valid.map((v) => v.value.code),
          ]);
          const byCode = new Map(existing.map((e) => [e.code, e.division_codes]));
          for (const v of valid) {
            const bad = v.value.divisionCodes.filter((c) => !inScope(p, c));
            if (bad.length || !v.value.divisionCodes.length)
              scopeErrors.push({ field: `rows.${v.row}.divisionCodes`, message: bad.length ? `${bad.join(', ')} 不在您的管辖范围内 (outside your jurisdiction)` : '须填写您辖区内的服务区划 (give divisions within your jurisdiction)' });
            const old = byCode.get(v.value.code);
            if (old && !old.every((c) => inScope(p, c))) scopeErrors.push({ field: `rows.${v.row}.code`, message: `单位 ${v.value.code} 不在您的管辖范围内 (a unit outside your jurisdiction)` });
          }
          if (scopeErrors.length) throw new Problem(403, 'Forbidden', `${scopeErrors.length} 行不在您的管辖范围内，未导入 (outside your jurisdiction; nothing was imported)`, scopeErrors);
        }
        try {
          const r = await importRows(db, 'units', table.rows, { rowNumbers: table.rowNumbers, ignoreUnknown: true, dryRun: req.query.dryRun === 'true' });
          if (!r.dryRun) await audit(db, { userId: p.id, action: 'units_import', entity: 'unit', detail: { count: r.count }, ip: req.ip });
          return { count: r.count, dryRun: r.dryRun, warnings: r.warnings };
        } catch (err) {
          if (err instanceof ImportError) throw importProblem(err, 'rows', (row) => row);
          throw err;
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  // --- users ---
  const ustags = ['users'];
  async function userOr404(p: Principal, id: string) {
    if (!(await userInJurisdiction(db, p, id))) throw notFound('user');
  }

  app.get('/api/users/:id', { config: { access: allow.roles(['admin'], 'jurisdiction') }, schema: { tags: ustags, summary: '用户详情（含完整电话，留痕）A user with the full phone (admin; audited)', params: ID, response: { 200: UserSchema } } }, async (req) => {
    const p = requireRole(req, 'admin');
    await userOr404(p, req.params.id);
    const r = await db.query<{ phone: string | null }>(`${USER_SELECT} WHERE u.id = $1 AND NOT ('citizen' = ANY (u.roles))`, [req.params.id]);
    if (!r[0]) throw notFound('user');
    if (r[0].phone) await audit(db, { userId: p.id, action: 'read_personal_data', entity: 'user', entityId: req.params.id, ip: req.ip });
    return r[0];
  });

  app.post(
    '/api/users/:id/password',
    { config: { access: allow.roles(['admin'], 'jurisdiction') },
      schema: {
        tags: ustags,
        summary: '重置密码 Reset a user’s password (admin); without a password one is generated and shown once. Signs the user out everywhere.',
        params: ID,
        body: z.strictObject({ password: z.string().min(8, '密码至少 8 位 (at least 8 characters)').max(200).optional() }),
        response: { 200: PasswordResetSchema },
      },
    },
    async (req) => {
      const p = requireRole(req, 'admin');
      await userOr404(p, req.params.id);
      const password = req.body.password ?? generatePassword();
      const hash = await hashPassword(password);
      const r = await db.tx(async (q) => {
        const u = await q.query(`UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1 AND NOT ('citizen' = ANY (roles)) RETURNING id`, [req.params.id, hash]);
        if (u.length) await q.query(`DELETE FROM sessions WHERE user_id = $1`, [req.params.id]);
        return u;
      });
      if (!r.length) throw notFound('user');
      forgetSessions();
      await audit(db, { userId: p.id, action: 'password_reset', entity: 'user', entityId: req.params.id, detail: { generated: !req.body.password }, ip: req.ip });
      return req.body.password ? { reset: true } : { reset: true, password };
    },
  );

  app.put(
    '/api/users/:id/active',
    { config: { access: allow.roles(['admin'], 'jurisdiction') },
      schema: {
        tags: ustags,
        summary: '启用/停用用户 Activate or deactivate a user (admin); deactivating ends their sessions',
        params: ID,
        body: z.strictObject({ active: z.boolean() }),
        response: { 200: UserSchema },
      },
    },
    async (req) => {
      const p = requireRole(req, 'admin');
      if (!req.body.active && req.params.id === p.id) throw invalid('active', '不能停用自己的账号 (you cannot deactivate yourself)');
      await userOr404(p, req.params.id);
      const r = await db.tx(async (q) => {
        const u = await q.query(`UPDATE users SET active = $2, updated_at = now() WHERE id = $1 AND NOT ('citizen' = ANY (roles)) RETURNING id`, [req.params.id, req.body.active]);
        if (u.length && !req.body.active) await q.query(`DELETE FROM sessions WHERE user_id = $1`, [req.params.id]);
        return u;
      });
      if (!r.length) throw notFound('user');
      forgetSessions();
      await audit(db, { userId: p.id, action: req.body.active ? 'user_activate' : 'user_deactivate', entity: 'user', entityId: req.params.id, ip: req.ip });
      const out = await db.query<{ phone: string | null }>(`${USER_SELECT} WHERE u.id = $1`, [req.params.id]);
      return { ...out[0], phone: maskPhone(out[0].phone) };
    },
  );
}

