/**
 * Shapes of the statistics API (src/stats/routes.ts), shared with the web
 * console's dashboards. The zod schemas are the routes' response schemas (only
 * what they name is sent); the console imports the types with `import type`
 * (and reads them through Json<>, dates as strings), so the two cannot drift.
 */
import { z } from 'zod';
import { Timestamp } from '../platform/schemas.ts';

/** Settings of the definitions (统计口径); RATE_SETTINGS in rates.ts is their input schema. */
export const RateSettingsSchema = z.object({
  satisfiedMinStars: z.number(),
  threeStarsHalf: z.boolean(),
  onTimeCountsOpenOverdue: z.boolean(),
});
export type RateSettings = z.output<typeof RateSettingsSchema>;

/**
 * A group's counts and the rates made of them (rates() in rates.ts); a rate
 * whose denominator is 0 is null. A type, not an interface, so that rows of it
 * pass where a Record<string, unknown> is taken (the xlsx export).
 */
export const RatesSchema = z.object({
  registered: z.number(),
  dispatched: z.number(),
  acceptedOnTime: z.number(),
  closed: z.number(),
  solved: z.number(),
  rated: z.number(),
  satisfied: z.number(),
  replied: z.number(),
  repliedOnTime: z.number(),
  onTimeBase: z.number(),
  overdue: z.number(),
  responseRate: z.number().nullable(),
  resolutionRate: z.number().nullable(),
  satisfactionRate: z.number().nullable(),
  onTimeRate: z.number().nullable(),
});
export type Rates = z.output<typeof RatesSchema>;

/** One group (the whole period, a lead unit or a division) and its rank. */
export const RateItemSchema = RatesSchema.extend({ key: z.string().nullable(), name: z.string().nullable(), rank: z.number() });
export type RateItem = z.output<typeof RateItemSchema>;

/** A group as GET /api/stats/rates answers it: with compare=true, also its figures in the previous period (null if it had none there). */
export const ComparedRateItemSchema = RateItemSchema.extend({ previous: RateItemSchema.nullable().optional() });
export type ComparedRateItem = RateItem & { previous?: RateItem | null };

/** GET /api/stats/rates */
export const RatesResponseSchema = z.object({
  from: z.string(),
  to: z.string(),
  groupBy: z.enum(['none', 'unit', 'division']),
  level: z.number(),
  settings: RateSettingsSchema,
  /** The jurisdiction whose settings row applies ('*' or a division code); null: the defaults. */
  settingsScope: z.string().nullable(),
  items: z.array(ComparedRateItemSchema),
  /** With compare=true: the previous period of the same length. */
  previous: z.object({ from: z.string(), to: z.string() }).optional(),
});
export type RatesResponse = z.output<typeof RatesResponseSchema>;

export const VolumeItemSchema = z.object({
  key: z.string().nullable(),
  name: z.string().nullable(),
  count: z.number(),
  /** Counts by the split dimension, when one was asked for. */
  parts: z.record(z.string(), z.number()).optional(),
});
export type VolumeItem = z.output<typeof VolumeItemSchema>;

/** GET /api/stats/volumes */
export const VolumesResponseSchema = z.object({
  from: z.string(),
  to: z.string(),
  by: z.string(),
  split: z.string().nullable(),
  total: z.number(),
  items: z.array(VolumeItemSchema),
});
export type VolumesResponse = z.output<typeof VolumesResponseSchema>;

export const OverdueItemSchema = z.object({
  id: z.string(),
  no: z.string(),
  title: z.string(),
  type: z.string(),
  urgency: z.string(),
  status: z.string(),
  clock: z.string().nullable(),
  /** A timestamptz column: a Date here, an ISO string in JSON. */
  dueAt: z.date(),
  escalated: z.boolean(),
  categoryName: z.string().nullable(),
  leadUnitName: z.string().nullable(),
  divisionName: z.string().nullable(),
  overdueMinutes: z.number(),
});
export type OverdueItem = z.output<typeof OverdueItemSchema>;

/** GET /api/stats/overdue */
export const OverdueResponseSchema = z.object({ at: z.string(), total: z.number(), items: z.array(OverdueItemSchema) });
export type OverdueResponse = z.output<typeof OverdueResponseSchema>;

/** The settings that apply to an area, and where they come from (PUT answers these three). */
export const EffectiveSettingsSchema = z.object({ area: z.string(), settings: RateSettingsSchema, settingsScope: z.string().nullable() });

/** GET /api/stats/settings: also the defaults and the rows the caller may see. */
export const SettingsOverviewSchema = EffectiveSettingsSchema.extend({
  defaults: RateSettingsSchema,
  rows: z.array(z.object({ scope: z.string(), settings: RateSettingsSchema.partial(), updatedAt: Timestamp, updatedBy: z.string().nullable() })),
});
