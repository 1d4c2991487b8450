import { z } from 'zod';
import { ArticleSchema, ArticleSearchResultSchema } from './types.ts';
import type { FastifyRequest } from 'fastify';
import type { App, Ctx } from '../platform/http.ts';
import { allow } from '../platform/access.ts';
import { invalid } from '../platform/errors.ts';
import { requireRole, requireStaff } from '../org/auth.ts';
import {
  ARTICLE_CREATE,
  ARTICLE_SEARCH,
  ARTICLE_UPDATE,
  KB_WRITE_ROLES,
  createArticle,
  deactivateArticle,
  getArticle,
  searchArticles,
  updateArticle,
} from './store.ts';

const ID = z.strictObject({ id: z.uuid() });


const requireWriter = (req: FastifyRequest) => requireRole(req, ...KB_WRITE_ROLES);

/** Knowledge base: staff read and search; admins, supervisors and operators write (within their jurisdiction). */
export function registerKbRoutes(app: App, ctx: Ctx): void {
  const db = ctx.db;
  const tags = ['knowledge base'];

  app.get(
    '/api/kb/articles',
    { config: { access: allow.staff('none') },
      schema: {
        tags,
        summary: '知识库检索 Search knowledge articles (ranked; valid and active ones by default)',
        description:
          'With `q`, the text is segmented into Chinese words; articles having every word are ranked by ts_rank_cd (question and keywords weigh more than the answer). When none has every word, articles having any of them are returned (`mode: "any"`). Without `q`, the newest first. By default only articles that apply in the caller\'s jurisdiction.',
        querystring: ARTICLE_SEARCH,
        response: { 200: ArticleSearchResultSchema },
      },
    },
    async (req) => searchArticles(db, requireStaff(req), req.query),
  );

  app.get('/api/kb/articles/:id', { config: { access: allow.staff('none') }, schema: { tags, summary: '知识详情 One article (also expired or withdrawn ones)', params: ID, response: { 200: ArticleSchema } } }, async (req) => {
    requireStaff(req);
    return getArticle(db, req.params.id);
  });

  app.post(
    '/api/kb/articles',
    { config: { access: allow.roles(KB_WRITE_ROLES, 'jurisdiction') },
      schema: {
        tags,
        summary: '新增知识 Create an article (admin, supervisor, operator)',
        description: 'Divisions default to the writer\'s jurisdiction; an article for everywhere (no divisions) needs a global writer.',
        body: ARTICLE_CREATE,
        response: { 201: ArticleSchema },
      },
    },
    async (req, reply) => {
      const p = requireWriter(req);
      const view = await db.tx((q) => createArticle(q, p, req.body, req.ip));
      reply.header('location', `/api/kb/articles/${view.id}`);
      return reply.status(201).send(view);
    },
  );

  app.put(
    '/api/kb/articles/:id',
    { config: { access: allow.roles(KB_WRITE_ROLES, 'jurisdiction') },
      schema: {
        tags,
        summary: '修改知识 Update an article (the fields given; admin, supervisor, operator)',
        description: 'Send `version` (or `If-Match`) to refuse the change with 409 when someone else changed the article first.',
        params: ID,
        body: ARTICLE_UPDATE,
        response: { 200: ArticleSchema },
        headers: z.object({ 'if-match': z.string().max(40).optional() }).passthrough(),
      },
    },
    async (req) => {
      const p = requireWriter(req);
      const body = { ...req.body };
      const ifMatch = req.headers['if-match'];
      if (body.version === undefined && typeof ifMatch === 'string') {
        const v = Number(ifMatch.replace(/^W\//, '').replace(/"/g, ''));
        if (!Number.isInteger(v) || v < 1) throw invalid('If-Match', 'must be the article version number');
        body.version = v;
      }
      return db.tx((q) => updateArticle(q, p, req.params.id, body, req.ip));
    },
  );

  app.delete('/api/kb/articles/:id', { config: { access: allow.roles(KB_WRITE_ROLES, 'jurisdiction') }, schema: { tags, summary: '停用知识 Withdraw an article (soft: active=false)', params: ID, response: { 200: ArticleSchema } } }, async (req) => {
    const p = requireWriter(req);
    return db.tx((q) => deactivateArticle(q, p, req.params.id, req.ip));
  });
}
