/**
 * Shapes of the public case-tracking API (src/cases/public-routes.ts), shared
 * with the citizen portal. The zod schemas are the routes' response schemas
 * (only what they name is sent); the portal imports the types with
 * `import type` (and reads them through Json<>, dates as strings), so the two
 * cannot drift.
 */
import { z } from 'zod';
import { STATUSES, CASE_TYPES } from './vocabulary.ts';

/** One step of the public timeline: what happened, when, and which unit; never who or why (internal). */
export const PublicEventSchema = z.object({
  seq: z.number(),
  at: z.string(),
  action: z.string(),
  status: z.enum(STATUSES),
  /** The step in plain Chinese, e.g. "已派单至 岳阳楼区城管局". */
  label: z.string(),
  /** The unit that acted or was assigned (units are public; staff names are not). */
  unitName: z.string().optional(),
  /** Further units named by the step (assisting units, summoned units). */
  unitNames: z.array(z.string()).optional(),
  /** The reply text, for reply and direct-close steps. */
  text: z.string().optional(),
  solved: z.boolean().optional(),
  rating: z.number().optional(),
});
export type PublicEvent = z.output<typeof PublicEventSchema>;

/** The case as the public sees it (POST /api/public/track, /rate): what was asked, where it stands, who handles it (as a unit). */
export const PublicCaseViewSchema = z.object({
  no: z.string(),
  title: z.string(),
  type: z.enum(CASE_TYPES),
  typeLabel: z.string(),
  categoryName: z.string().nullable(),
  status: z.enum(STATUSES),
  /** The status in plain words for the citizen (PUBLIC_STATUS_LABELS). */
  statusLabel: z.string(),
  createdAt: z.date(),
  /** When the current step is due (the running time limit), while the case is open. */
  dueAt: z.date().nullable(),
  closedAt: z.date().nullable(),
  /** The lead unit. */
  unitName: z.string().nullable(),
  reply: z.string().nullable(),
  solved: z.boolean().nullable(),
  rating: z.number().nullable(),
  ratingComment: z.string().nullable(),
  ratedAt: z.date().nullable(),
  /** The citizen's own answer when rating: was the problem solved? */
  citizenSolved: z.boolean().nullable(),
  /** The reporter's phone, masked. */
  phone: z.string().nullable(),
  version: z.number(),
  /** The case waits for the reporter's rating. */
  canRate: z.boolean(),
  /** Rating online needs a mobile phone the reporter can receive a code on. */
  rateOnline: z.boolean(),
  /** The caller is signed in (by one-time code) as the reporter, and so may rate. */
  viewerIsReporter: z.boolean(),
  timeline: z.array(PublicEventSchema),
});
export type PublicCaseView = z.output<typeof PublicCaseViewSchema>;
