import { createHash } from 'node:crypto';
import { z } from 'zod';
import { v7 as uuidv7 } from 'uuid';
import type { App, Ctx } from '../platform/http.ts';
import { allow } from '../platform/access.ts';
import { Problem, invalid, notFound } from '../platform/errors.ts';
import { ALLOWED_TYPES, RISKY_NAME, isInlineType, looksLikeMarkup } from '../platform/storage.ts';
import { isStaff, requireUser, requireRole } from '../org/auth.ts';
import { caseVisibility } from '../org/scope.ts';
import { ACTIONS, ACTION_LABELS, CREATE_ROLES, RULES, STATUSES, STATUS_LABELS, type Action } from './lifecycle.ts';
import { ACTION_BODIES, CASE_TYPES, CASE_TYPE_LABELS, CHANNELS, CHANNEL_LABELS, CREATE_CASE, LIST_CASES, URGENCIES, URGENCY_LABELS } from './model.ts';
import { CaseDetailSchema, CaseListSchema, CaseViewSchema, CategorySchema, MetaSchema, UploadedAttachmentSchema } from './model.ts';
import { Binary, Upserted } from '../platform/schemas.ts';
import { CaseService } from './service.ts';
import { upsertCategories, CATEGORY_INPUT } from './categories.ts';
import { checkUploadQuota } from './uploads.ts';

const REF = z.strictObject({ ref: z.string().min(1).max(64).describe('case id (uuid) or case number') });
const IDEMPOTENCY = z
  .object({ 'idempotency-key': z.string().min(1).max(200).optional().describe('a retried request with the same key returns the first case') })
  .passthrough();

export function registerCaseRoutes(app: App, ctx: Ctx): CaseService {
  const cases = new CaseService(ctx);
  const db = ctx.db;
  const tags = ['cases'];

  app.post(
    '/api/cases',
    { config: { access: allow.roles(CREATE_ROLES, 'jurisdiction') },
      schema: {
        tags,
        summary: '登记工单 Register a case',
        description: 'Send an `Idempotency-Key` header to make retries safe: the same key returns the first case (200) instead of a second one (201).',
        headers: IDEMPOTENCY,
        body: CREATE_CASE,
        response: { 200: CaseViewSchema, 201: CaseViewSchema },
      },
    },
    async (req, reply) => {
      const p = requireUser(req);
      const key = req.headers['idempotency-key'] as string | undefined;
      // The view carries the names the intake screen shows at once: the insert reads them (NEW_CASE_SELECT), a replay reads the case with them.
      const { view, created } = await cases.create(p, req.body, key);
      reply.header('location', `/api/cases/${view.id}`);
      return reply.status(created ? 201 : 200).send(view);
    },
  );

  app.get('/api/cases', { config: { access: allow.signedIn('jurisdiction') }, schema: { tags, summary: '工单列表 List cases (cursor pagination; sort, optional total)', querystring: LIST_CASES, response: { 200: CaseListSchema } } }, async (req) => {
    return cases.list(requireUser(req), req.query);
  });

  app.get('/api/cases/:ref', { config: { access: allow.signedIn('jurisdiction') }, schema: { tags, summary: '工单详情与时间线 A case with its timeline', params: REF, response: { 200: CaseDetailSchema } } }, async (req) => {
    return cases.get(requireUser(req), req.params.ref, req.ip);
  });

  for (const action of ACTIONS) {
    const path = `/api/cases/:ref/${action.replace(/_/g, '-')}`;
    app.post(
      path,
      // Who may act is the lifecycle's rule for the action; the case's state and the actor's relation to it are checked there.
      { config: { access: allow.roles(RULES[action as Action].roles, 'jurisdiction') },
        schema: {
          tags,
          summary: `${ACTION_LABELS[action]} (${action})`,
          params: REF,
          body: ACTION_BODIES[action],
          headers: z.object({ 'if-match': z.string().optional() }).passthrough(),
          response: { 200: CaseDetailSchema },
        },
      },
      async (req) => {
        const p = requireUser(req);
        const body = { ...(req.body as Record<string, any>) };
        const ifMatch = req.headers['if-match'];
        if (body.version === undefined && typeof ifMatch === 'string') {
          const v = Number(ifMatch.replace(/^W\//, '').replace(/"/g, ''));
          if (!Number.isInteger(v) || v < 1) throw invalid('If-Match', 'must be the case version number');
          body.version = v;
        }
        return cases.act(p, req.params.ref, action as Action, body);
      },
    );
  }

  // --- attachments ---
  app.post(
    '/api/attachments',
    { config: { access: allow.signedIn('jurisdiction') },
      schema: {
        tags,
        summary: '上传附件 Upload one attachment (multipart field "file"); reference its id when creating or acting on a case',
        consumes: ['multipart/form-data'],
        response: { 201: UploadedAttachmentSchema },
      },
    },
    async (req, reply) => {
      const p = requireUser(req);
      if (!req.isMultipart()) throw new Problem(415, 'Unsupported Media Type', 'send multipart/form-data with a field "file"', [{ field: 'file', message: 'multipart/form-data expected' }]);
      let file;
      try {
        file = await req.file();
      } catch (err: any) {
        throw new Problem(400, 'Bad Request', err.message, [{ field: 'file', message: err.message }]);
      }
      if (!file) throw invalid('file', '请选择文件 (no file sent)');
      let data: Buffer;
      try {
        data = await file.toBuffer();
      } catch (err: any) {
        if (err.code === 'FST_REQ_FILE_TOO_LARGE') {
          throw new Problem(413, 'Content Too Large', `file exceeds ${ctx.config.maxUploadBytes} bytes`, [{ field: 'file', message: `larger than ${ctx.config.maxUploadBytes} bytes` }]);
        }
        throw err;
      }
      const check = ALLOWED_TYPES[file.mimetype];
      if (!check) throw new Problem(415, 'Unsupported Media Type', `type ${file.mimetype} not accepted`, [{ field: 'file', message: `accepted: ${Object.keys(ALLOWED_TYPES).join(', ')}` }]);
      if (!data.length || !check(data)) throw invalid('file', `内容与类型 ${file.mimetype} 不符 (content does not match the declared type)`);
      // An image is shown in place: markup behind an image header (an SVG or HTML polyglot) is refused, as is a name that would open as a page.
      if (isInlineType(file.mimetype) && looksLikeMarkup(data)) throw invalid('file', '图片中含有网页或 SVG 内容 (the image holds HTML or SVG markup)');
      const filename = (file.filename || 'file').slice(0, 200);
      if (RISKY_NAME.test(filename)) throw invalid('file', `不接受此文件名后缀 (file name extension not accepted): ${filename}`);
      const id = uuidv7();
      const key = `${new Date().toISOString().slice(0, 10)}/${id}`;
      const sha = createHash('sha256').update(data).digest('hex');
      await ctx.storage.put(key, data);
      try {
        await db.tx(async (q) => {
          await checkUploadQuota(q, p.id, data.length, ctx.config.uploadQuotaBytes);
          await q.query(`INSERT INTO attachments (id, filename, mime, size, sha256, storage_key, uploaded_by) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
            id,
            filename,
            file.mimetype,
            data.length,
            sha,
            key,
            p.id,
          ]);
        });
      } catch (err) {
        await ctx.storage.delete(key).catch(() => {});
        throw err;
      }
      return reply.status(201).send({ id, filename, mime: file.mimetype, size: data.length, sha256: sha });
    },
  );

  app.get('/api/attachments/:id', { config: { access: allow.signedIn('jurisdiction') }, schema: { tags, summary: '下载附件 Download an attachment', params: z.strictObject({ id: z.uuid() }), response: { 200: Binary('the file, in its own content type') } } }, async (req, reply) => {
    const p = requireUser(req);
    const params: unknown[] = [req.params.id, p.id];
    const rows = await db.query<{ filename: string; mime: string; storage_key: string; size: number }>(
      `SELECT a.filename, a.mime, a.storage_key, a.size FROM attachments a LEFT JOIN cases c ON c.id = a.case_id
        WHERE a.id = $1 AND (a.uploaded_by = $2 OR (c.id IS NOT NULL AND ${
          // Citizens get their own files only: staff photos from the site may show other people.
          isStaff(p) ? caseVisibility(p, 'c', params) : 'FALSE'
        }))`,
      params,
    );
    const a = rows[0];
    if (!a) throw notFound('attachment');
    reply.header('content-type', a.mime);
    reply.header('content-length', a.size);
    // Photos open in place; anything else is a download, and even opened it runs nothing (sandbox: no script, no same-origin access).
    reply.header('content-disposition', `${isInlineType(a.mime) ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(a.filename)}`);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('content-security-policy', 'sandbox');
    return reply.send(ctx.storage.stream(a.storage_key));
  });

  // --- reference data ---
  app.get('/api/categories', { config: { access: allow.public() }, schema: { tags: ['categories'], summary: '事项分类树 The category tree (flat, with parent codes)', response: { 200: z.array(CategorySchema) } } }, async () => {
    return db.query(`SELECT code, name, parent_code AS "parentCode", level, sort, active FROM categories ORDER BY code`);
  });
  app.put(
    '/api/categories',
    { config: { access: allow.roles(['admin'], 'none') }, schema: { tags: ['categories'], summary: '导入/更新分类 Upsert categories (admin)', body: z.array(CATEGORY_INPUT).min(1).max(10000), response: { 200: Upserted } } },
    async (req) => {
      requireRole(req, 'admin');
      return { upserted: await db.tx((q) => upsertCategories(q, req.body)) };
    },
  );
  app.get('/api/meta', { config: { access: allow.public() }, schema: { tags: ['meta'], summary: '枚举与标签 Enumerations with their Chinese labels', response: { 200: MetaSchema } } }, async () => ({
    statuses: STATUSES.map((s) => ({ value: s, label: STATUS_LABELS[s] })),
    actions: ACTIONS.map((a) => ({ value: a, label: ACTION_LABELS[a] })),
    channels: CHANNELS.map((c) => ({ value: c, label: CHANNEL_LABELS[c] })),
    types: CASE_TYPES.map((t) => ({ value: t, label: CASE_TYPE_LABELS[t] })),
    urgencies: URGENCIES.map((u) => ({ value: u, label: URGENCY_LABELS[u] })),
  }));

  return cases;
}
