/**
 * Shapes of the dispatch API (duplicates, intake suggestions, the classifier,
 * locating a point): the routes' response schemas (only what they name is
 * sent) and the types the web console imports (`import type`, through Json<>).
 */
import { z } from 'zod';
import { JsonObject, Timestamp } from '../platform/schemas.ts';
import { ArticleSchema } from '../kb/types.ts';
import { ProposalSchema } from './responsibility/types.ts';
import { STATUSES } from '../cases/vocabulary.ts';

/** An open case likely the same matter (findDuplicates in duplicates.ts). */
export const DuplicateCandidateSchema = z.object({
  id: z.string(),
  no: z.string(),
  title: z.string(),
  status: z.enum(STATUSES),
  categoryCode: z.string().nullable(),
  createdAt: Timestamp,
  mergedCount: z.number(),
  score: z.number(),
  textSimilarity: z.number(),
  distanceM: z.number().nullable(),
  sameGrid: z.boolean(),
  sameAddress: z.boolean(),
});
export type DuplicateCandidate = z.output<typeof DuplicateCandidateSchema>;

/** A ranked guess of the classifier; `abstained` when it is not sure enough to propose anything. */
const ranked = <T extends z.ZodRawShape>(shape: T) =>
  z.object({
    top: z.array(z.object({ ...shape, name: z.string(), probability: z.number() })),
    abstained: z.boolean(),
    threshold: z.number(),
    modelId: z.string().nullable(),
    reason: z.string().optional(),
  });
export const RankedCategoriesSchema = ranked({ code: z.string() });
export const RankedUnitsSchema = ranked({ id: z.string() });

/** POST /api/dispatch/classify */
export const ClassifySchema = z.object({ categories: RankedCategoriesSchema, units: RankedUnitsSchema });

/** POST /api/dispatch/suggest: everything the intake screen shows beside the form. */
export const SuggestionsSchema = z.object({
  place: z.object({ point: z.object({ lng: z.number(), lat: z.number() }).nullable(), gridId: z.string().nullable(), divisionCode: z.string().nullable() }),
  categories: RankedCategoriesSchema.nullable(),
  units: RankedUnitsSchema.nullable(),
  proposal: ProposalSchema.nullable(),
  duplicates: z.array(DuplicateCandidateSchema),
  articles: z.array(ArticleSchema),
});
export type Suggestions = z.output<typeof SuggestionsSchema>;

/** GET /api/dispatch/locate: the grid of a point and its division chain. */
export const LocateSchema = z.object({
  grid: z.object({ id: z.string(), code: z.string(), name: z.string(), divisionCode: z.string() }).nullable(),
  divisions: z.array(z.object({ code: z.string(), name: z.string(), level: z.number() })),
  inside: z.boolean(),
});

/** What one training did (TrainReport in classifier/service.ts). */
export const TrainReportSchema = z.object({
  kind: z.string(),
  modelId: z.string().optional(),
  trainedAt: z.string().optional(),
  nSamples: z.number(),
  nLabels: z.number().optional(),
  /** Measured quality: free-form by method. */
  metrics: JsonObject.optional(),
  seconds: z.number().optional(),
  skipped: z.string().optional(),
  labelScheme: z.object({ fullCodes: z.number(), firstLevel: z.number(), minPerLeaf: z.number() }).optional(),
});

const LiveAccuracySchema = z.object({
  kind: z.string(),
  since: z.string().nullable(),
  n: z.number(),
  top1: z.number().nullable(),
  top3: z.number().nullable(),
  abstainRate: z.number().nullable(),
  top1Confident: z.number().nullable(),
});

/** GET /api/dispatch/classifier: stored models with measured and live accuracy. */
export const ClassifierStatusSchema = z.object({
  threshold: z.number(),
  retrainHours: z.number().nullable(),
  models: z.array(
    z.object({
      id: z.string(),
      kind: z.string(),
      active: z.boolean(),
      trainedAt: Timestamp,
      nSamples: z.number(),
      nLabels: z.number(),
      sizeBytes: z.number(),
      metrics: JsonObject,
      params: JsonObject,
      live: LiveAccuracySchema,
    }),
  ),
  live: z.record(z.string(), LiveAccuracySchema),
});
