/**
 * HTTP: proposals at intake, retraining on demand, and what the models are
 * worth (measured at training and live from operators' choices).
 */
import { z } from 'zod';
import { ClassifierStatusSchema, ClassifySchema, TrainReportSchema } from '../types.ts';
import type { App, Ctx } from '../../platform/http.ts';
import { allow } from '../../platform/access.ts';
import type { Queryable } from '../../platform/db.ts';
import { isStaff, requireRole, requireUser, requireStaff } from '../../org/auth.ts';
import type { FastifyRequest } from 'fastify';
import { ClassifierService, type PredictResult } from './service.ts';
import { KINDS, type ClassifierKind } from './store.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const CLASSIFY_BODY = z.strictObject({
  text: z.string().trim().min(1).max(20_000).describe('title and description of the matter, as the citizen or operator wrote it'),
  divisionCode: z
    .string()
    .regex(/^[0-9]{2,12}$/, 'a division code of 2 to 12 digits')
    .optional()
    .describe('division (GB/T 2260 and below) where the matter is; improves the unit proposal'),
});

const TRAIN_BODY = z
  .strictObject({ kind: z.enum(KINDS).optional().describe('which model to retrain; both when omitted') })
  .optional();


/** Label -> display name lookups, cached briefly (names change rarely). */
class Names {
  private cache = new Map<string, { name: string; until: number }>();
  constructor(private readonly db: Queryable) {}

  async resolve(kind: ClassifierKind, labels: string[]): Promise<Map<string, string>> {
    const now = Date.now();
    const out = new Map<string, string>();
    const missing: string[] = [];
    for (const l of labels) {
      const hit = this.cache.get(`${kind}:${l}`);
      if (hit && hit.until > now) out.set(l, hit.name);
      else missing.push(l);
    }
    if (missing.length) {
      const rows =
        kind === 'category'
          ? await this.db.query<{ key: string; name: string }>(`SELECT code AS key, name FROM categories WHERE code = ANY($1::text[])`, [missing])
          : await this.db.query<{ key: string; name: string }>(`SELECT id::text AS key, name FROM units WHERE id = ANY($1::uuid[])`, [missing.filter((m) => UUID.test(m))]);
      if (this.cache.size > 5000) this.cache.clear();
      for (const r of rows) {
        out.set(r.key, r.name);
        this.cache.set(`${kind}:${r.key}`, { name: r.name, until: now + 60_000 });
      }
    }
    return out;
  }
}

/** What the intake suggestion asks of the classifier: top categories and units, with display names. */
export type ClassifierSuggest = (
  text: string,
  divisionCode?: string,
) => Promise<{
  categories: { top: { code: string; name: string; probability: number }[]; abstained: boolean; threshold: number; modelId: string | null; reason?: string };
  units: { top: { id: string; name: string; probability: number }[]; abstained: boolean; threshold: number; modelId: string | null; reason?: string };
}>;

/** Presents predictions with names (cached briefly), as the classify endpoint and the intake suggestion both show them. */
export function classifierPresenter(db: Queryable, service: ClassifierService) {
  const names = new Names(db);
  async function present(kind: ClassifierKind, r: PredictResult) {
    const map = await names.resolve(kind, r.top.map((t) => t.label));
    const top = r.top.map((t) => {
      const name = map.get(t.label) ?? t.label;
      const probability = Math.round(t.probability * 10000) / 10000;
      return kind === 'category' ? { code: t.label, name, probability } : { id: t.label, name, probability };
    });
    return { top, abstained: r.abstained, threshold: r.threshold, modelId: r.modelId, ...(r.reason ? { reason: r.reason } : {}) };
  }
  const suggest = (async (text: string, divisionCode?: string) => {
    const [c, u] = await Promise.all([service.predict('category', text), service.predict('unit', text, divisionCode)]);
    return { categories: await present('category', c), units: await present('unit', u) };
  }) as ClassifierSuggest;
  return { present, suggest };
}

declare module '../../platform/context.ts' {
  interface Services {
    /** Learned proposals of category and lead unit; retrains on its schedule. */
    classifier: ClassifierService;
    /** The classifier's proposals with display names, for intake and rule checks. */
    classifierSuggest: ClassifierSuggest;
  }
}

/**
 * Registers the routes of the service built in src/services.ts.
 * The server starts the retraining schedule with `service.start()` and stops it with `service.stop()`.
 */
export function registerClassifierRoutes(app: App, ctx: Ctx): ClassifierService {
  const service = ctx.services.classifier;
  const { present } = classifierPresenter(ctx.db, service);
  const tags = ['dispatch'];

  app.post(
    '/api/dispatch/classify',
    { config: { access: allow.staff('none') },
      schema: {
        tags,
        summary: '智能分类 Propose categories and lead units for a message',
        description:
          'The top 3 categories and lead units with probabilities, from models learned from past handled cases. ' +
          '`abstained` is true when the best probability is below the threshold: show the proposals as hints only. ' +
          'Record the final choice so live accuracy is measured.',
        body: CLASSIFY_BODY,
        response: { 200: ClassifySchema },
      },
    },
    async (req) => {
      requireStaff(req);
      const { text, divisionCode } = req.body;
      const [c, u] = await Promise.all([service.predict('category', text), service.predict('unit', text, divisionCode)]);
      return { categories: await present('category', c), units: await present('unit', u) };
    },
  );

  app.post(
    '/api/dispatch/classifier/train',
    { config: { access: allow.roles(['dispatcher'], 'none') },
      schema: {
        tags,
        summary: '重新训练 Retrain the classifier now (admin, dispatcher)',
        description: 'Learns from answered cases, measures accuracy on cases it did not see, stores the model and makes it active. May take a while on a large history.',
        body: TRAIN_BODY,
        response: { 200: z.object({ reports: z.array(TrainReportSchema) }) },
      },
    },
    async (req) => {
      requireRole(req, 'dispatcher');
      const kinds = req.body?.kind ? [req.body.kind] : [...KINDS];
      const reports = [];
      for (const kind of kinds) reports.push(await service.trainFromCases(kind));
      return { reports };
    },
  );

  app.get(
    '/api/dispatch/classifier',
    { config: { access: allow.staff('none') },
      schema: {
        tags,
        summary: '分类模型 Models: training date, samples, measured and live accuracy',
        querystring: z.strictObject({ since: z.iso.datetime({ offset: true }).optional().describe('live accuracy from this time (default: all feedback)') }),
        response: { 200: ClassifierStatusSchema },
      },
    },
    async (req) => {
      requireStaff(req);
      const since = req.query.since ?? null;
      const models = await service.describe();
      const live = Object.fromEntries(await Promise.all(KINDS.map(async (k) => [k, await service.accuracy(k, since)] as const)));
      return {
        threshold: service.threshold,
        retrainHours: service.retrainHours,
        models: models.map((m) => ({
          id: m.id,
          kind: m.kind,
          active: m.active,
          trainedAt: m.trainedAt,
          nSamples: m.nSamples,
          nLabels: m.labels.length,
          sizeBytes: m.sizeBytes,
          metrics: m.metrics,
          params: m.params,
          live: m.live,
        })),
        live,
      };
    },
  );

  return service;
}
