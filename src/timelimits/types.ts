/** Shapes of the time-limit API (calendars, policies, the sweep): the routes' response schemas (only what they name is sent). */
import { z } from 'zod';
import { Timestamp } from '../platform/schemas.ts';

/** GET /api/calendars */
export const CalendarSchema = z.object({
  name: z.string(),
  mode: z.enum(['working', 'natural']),
  /** The working periods of a working day. */
  workingHours: z.array(z.object({ start: z.string(), end: z.string() })),
  description: z.string().nullable(),
  updatedAt: Timestamp,
  offDays: z.number(),
  workDays: z.number(),
});

/** GET /api/calendars/:name/days: the special days (with their note), or with all=true every day with its kind. */
export const CalendarDaySchema = z.object({ day: z.string(), kind: z.string(), note: z.string().nullable().optional() });

const Limit = z.string().describe('e.g. 30m, 2h, 5d');
/** A time-limit policy (Policy in rules.ts). */
export const PolicySchema = z.object({
  id: z.string(),
  name: z.string(),
  caseType: z.string().nullable(),
  categoryCode: z.string().nullable(),
  urgency: z.string().nullable(),
  channel: z.string().nullable(),
  calendar: z.string(),
  dispatchLimit: Limit.nullable(),
  acceptLimit: Limit.nullable(),
  arriveLimit: Limit.nullable(),
  replyLimit: Limit,
  verifyLimit: Limit.nullable(),
  returnLimit: Limit.nullable(),
  summonLimit: Limit.nullable(),
  yellowRatio: z.number(),
  escalateAfter: Limit.nullable(),
  maxExtensions: z.number(),
  maxExtension: Limit.nullable(),
  active: z.boolean(),
});

/** GET /api/time-limit-policies/match */
export const PolicyMatchSchema = z.object({ policy: PolicySchema.nullable(), matches: z.array(z.object({ name: z.string(), score: z.number() })) });

/** GET /api/calendars/:name/deadline */
export const DeadlineAnswerSchema = z.object({ from: z.string(), limit: z.string(), dueAt: z.string() });

/** POST /api/time-limits/sweep */
export const SweepResultSchema = z.object({ processed: z.number(), yellow: z.number(), red: z.number(), escalated: z.number() });

export type Calendar = z.output<typeof CalendarSchema>;
export type Policy = z.output<typeof PolicySchema>;
