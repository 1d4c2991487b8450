import { z } from 'zod';
import type { App, Ctx } from '../platform/http.ts';
import { allow } from '../platform/access.ts';
import { requireUser, requireStaff } from '../org/auth.ts';
import { loadVisible } from '../cases/read.ts';
import { LOCATION } from '../cases/model.ts';
import { divisionChain } from '../org/store.ts';
import { findDuplicates } from './duplicates.ts';
import { DuplicateCandidateSchema, LocateSchema, SuggestionsSchema } from './types.ts';
import { proposeUnits } from './responsibility/index.ts';
import { geocode } from './gazetteer/index.ts';
import { searchArticles } from '../kb/index.ts';


const OPTIONS = z.strictObject({
  radiusM: z.coerce.number().int().min(10).max(5000).optional(),
  windowDays: z.coerce.number().int().min(1).max(365).optional(),
  limit: z.coerce.number().int().min(1).max(50).optional(),
});

export function registerDispatchRoutes(app: App, ctx: Ctx) {
  const tags = ['dispatch'];
  const locator = ctx.services.locator;

  app.get(
    '/api/cases/:ref/duplicates',
    { config: { access: allow.staff('jurisdiction') }, schema: { tags, summary: '疑似重复工单 Open cases likely the same matter as this one', params: z.strictObject({ ref: z.string().min(1).max(64) }), querystring: OPTIONS, response: { 200: z.array(DuplicateCandidateSchema) } } },
    async (req) => {
      const p = requireStaff(req);
      const c = await loadVisible(ctx.db, p, req.params.ref);
      return findDuplicates(
        ctx.db,
        p,
        { caseId: c.id, title: c.title, description: c.description, categoryCode: c.category_code, lng: c.lng, lat: c.lat, gridId: c.grid_id, address: c.address, at: new Date(c.created_at) },
        req.query,
      );
    },
  );

  app.post(
    '/api/dispatch/duplicates',
    { config: { access: allow.staff('jurisdiction') },
      schema: {
        tags,
        summary: '登记前查重 Candidates for a report being registered',
        body: z.strictObject({
          title: z.string().max(200).default(''),
          description: z.string().max(10000),
          categoryCode: z.string().max(20).nullish(),
          location: LOCATION.optional(),
          ...OPTIONS.shape,
        }),
        response: { 200: z.array(DuplicateCandidateSchema) },
      },
    },
    async (req) => {
      const p = requireStaff(req);
      const { title, description, categoryCode, location, radiusM, windowDays, limit } = req.body;
      let gridId = location?.gridId ?? null;
      if (!gridId && location?.lng != null && location.lat != null) gridId = locator.locate(location.lng, location.lat)?.gridId ?? null;
      return findDuplicates(
        ctx.db,
        p,
        { title, description, categoryCode, lng: location?.lng, lat: location?.lat, gridId, address: location?.address },
        { radiusM, windowDays, limit },
      );
    },
  );

  /**
   * Everything the intake screen shows beside the form, from one call:
   * categories and units the classifier proposes (with probabilities, or an
   * abstention), the responsibility list's proposal with its reason, possible
   * duplicates to merge, and knowledge articles to answer and close with.
   */
  app.post(
    '/api/dispatch/suggest',
    { config: { access: allow.staff('jurisdiction') },
      schema: {
        tags,
        summary: '受理辅助 Suggestions while a call is registered: category, unit, duplicates, knowledge',
        body: z.strictObject({
          title: z.string().max(200).default(''),
          description: z.string().max(10000).default(''),
          categoryCode: z.string().regex(/^(\d{2})+$/).max(12).nullish(),
          location: LOCATION.optional(),
        }),
        response: { 200: SuggestionsSchema },
      },
    },
    async (req) => {
      const p = requireStaff(req);
      const { title, description, location } = req.body;
      const text = `${title} ${description}`.trim();
      let gridId = location?.gridId ?? null;
      let divisionCode = location?.divisionCode ?? null;
      let point = location?.lng != null && location.lat != null ? { lng: location.lng, lat: location.lat } : null;
      if (!point && location?.address) {
        const g = await geocode(ctx.db, { address: location.address, divisionCode });
        if (g) point = { lng: g.lng, lat: g.lat };
      }
      if (point && !gridId) {
        const hit = locator.locate(point.lng, point.lat);
        if (hit) {
          gridId = hit.gridId;
          divisionCode = hit.divisionCode;
        }
      }
      const classified = text.length >= 2 ? await ctx.services.classifierSuggest(text, divisionCode ?? undefined) : null;
      const categoryCode = req.body.categoryCode ?? (classified?.categories.abstained ? null : (classified?.categories.top[0]?.code ?? null));
      const [proposal, duplicates, articles] = await Promise.all([
        categoryCode && divisionCode ? proposeUnits(ctx.db, { categoryCode, divisionCode }) : Promise.resolve(null),
        text.length >= 2 ? findDuplicates(ctx.db, p, { title, description, categoryCode, lng: point?.lng, lat: point?.lat, gridId, address: location?.address }, { limit: 5 }) : Promise.resolve([]),
        text.length >= 2 ? searchArticles(ctx.db, p, { q: text.slice(0, 200), include: 'valid', limit: 5, offset: 0 }).then((r) => r.items) : Promise.resolve([]),
      ]);
      return {
        place: { point, gridId, divisionCode },
        categories: classified?.categories ?? null,
        units: classified?.units ?? null,
        proposal,
        duplicates,
        articles,
      };
    },
  );

  app.get(
    '/api/dispatch/locate',
    { config: { access: allow.signedIn('none') },
      schema: {
        tags,
        summary: '坐标定位网格 The grid and division chain of a point',
        querystring: z.strictObject({ lng: z.coerce.number().min(-180).max(180), lat: z.coerce.number().min(-90).max(90) }),
        response: { 200: LocateSchema },
      },
    },
    async (req) => {
      requireUser(req);
      const hit = locator.locate(req.query.lng, req.query.lat);
      if (!hit) return { grid: null, divisions: [], inside: false };
      const grid = await ctx.db.query(`SELECT id, code, name, division_code AS "divisionCode" FROM grids WHERE id = $1`, [hit.gridId]);
      const codes = divisionChain(hit.divisionCode);
      const divisions = await ctx.db.query(`SELECT code, name, level FROM divisions WHERE code = ANY ($1) ORDER BY length(code)`, [codes]);
      return { grid: grid[0] ?? null, divisions, inside: true };
    },
  );
}
