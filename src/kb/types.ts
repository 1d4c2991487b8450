/**
 * Shapes of the knowledge base API: the routes' response schemas (only what
 * they name is sent) and the types the web console imports.
 */
import { z } from 'zod';
import { Timestamp } from '../platform/schemas.ts';

/** A knowledge article (articleView in store.ts). */
export const ArticleSchema = z.object({
  id: z.string(),
  question: z.string(),
  answer: z.string(),
  categoryCodes: z.array(z.string()),
  keywords: z.array(z.string()),
  divisionCodes: z.array(z.string()),
  source: z.string().nullable(),
  validFrom: z.string().describe('date (YYYY-MM-DD)'),
  validTo: z.string().nullable().describe('date (YYYY-MM-DD)'),
  active: z.boolean(),
  /** Active and within its dates today: may be cited. */
  valid: z.boolean(),
  createdBy: z.string().nullable(),
  updatedBy: z.string().nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  version: z.number(),
  /** Text-search rank when found by a query (higher is better). */
  rank: z.number().optional(),
});
export type Article = z.output<typeof ArticleSchema>;

/** GET /api/kb/articles */
export const ArticleSearchResultSchema = z.object({
  items: z.array(ArticleSchema),
  /** The words the query was segmented into. */
  terms: z.array(z.string()),
  /** all: every word matched; any: no article had them all; null: no query. */
  mode: z.enum(['all', 'any']).nullable(),
});
