/**
 * The headline figures (响应率、解决率、满意率、按期率), defined once, as SQL
 * aggregates over the cases REGISTERED in a period [from, to), grouped by lead
 * unit, division or nothing. A case counts in the period it was registered
 * in, whatever happened to it later, so a month's figures settle as its cases
 * are handled and never double-count a case across periods.
 *
 * - response rate     (响应率)  = cases accepted (签收) by the lead unit no later than
 *                                 their accept deadline / cases dispatched.
 *                                 A dispatched case not yet accepted counts against.
 * - resolution rate   (解决率)  = cases verified as solved (核查: solved = true) / cases closed.
 * - satisfaction rate (满意率)  = ratings of `satisfiedMinStars` stars or more / rated cases;
 *                                 with `threeStarsHalf` a 3-star rating counts as half
 *                                 (only meaningful when satisfiedMinStars = 4).
 * - on-time rate      (按期率)  = cases replied (答复) no later than their reply deadline
 *                                 / cases replied; with `onTimeCountsOpenOverdue` the
 *                                 denominator also holds the open cases whose reply
 *                                 deadline has passed without a reply (they are late
 *                                 already, whatever happens next).
 * - overdue                    = cases still open and past their current deadline (red).
 *
 * A rate whose denominator is 0 is null ("no data"), never 0 %.
 * A case without a deadline (no policy applied) counts as in time.
 */
import { z } from 'zod';
import type { RateSettings, Rates } from './types.ts';
import { OPEN_STATUSES } from '../cases/vocabulary.ts';

export type { RateSettings, Rates };

export const RATE_SETTINGS = z.strictObject({
  satisfiedMinStars: z.number().int().min(3).max(5).describe('stars from which a rating counts as satisfied (default 4)'),
  threeStarsHalf: z.boolean().describe('count a 3-star rating as half satisfied (only with satisfiedMinStars = 4)'),
  onTimeCountsOpenOverdue: z.boolean().describe('on-time rate: count open cases past their reply deadline as late'),
}) satisfies z.ZodType<RateSettings>;

export const DEFAULT_RATE_SETTINGS: RateSettings = { satisfiedMinStars: 4, threeStarsHalf: false, onTimeCountsOpenOverdue: false };

// Statuses in which a case is still being worked on: the cases folder's list, re-exported for the queries.
export { OPEN_STATUSES };
const OPEN = OPEN_STATUSES.map((s) => `'${s}'`).join(',');

/**
 * The aggregate columns over `cases c`. `now` is a SQL expression for the
 * instant "open overdue" is judged at (a parameter, so tests and benchmarks are repeatable).
 */
export const RATE_COLUMNS = (s: RateSettings, now = 'now()') => {
  const half = s.threeStarsHalf && s.satisfiedMinStars === 4;
  return `
  count(*)::int AS registered,
  count(*) FILTER (WHERE c.dispatched_at IS NOT NULL)::int AS dispatched,
  count(*) FILTER (WHERE c.dispatched_at IS NOT NULL AND c.accepted_at IS NOT NULL AND (c.accept_due_at IS NULL OR c.accepted_at <= c.accept_due_at))::int AS accepted_on_time,
  count(*) FILTER (WHERE c.closed_at IS NOT NULL)::int AS closed,
  count(*) FILTER (WHERE c.closed_at IS NOT NULL AND c.solved)::int AS solved,
  count(*) FILTER (WHERE c.rating IS NOT NULL)::int AS rated,
  (count(*) FILTER (WHERE c.rating >= ${s.satisfiedMinStars})${half ? ' + 0.5 * count(*) FILTER (WHERE c.rating = 3)' : ''})::float8 AS satisfied,
  count(*) FILTER (WHERE c.replied_at IS NOT NULL)::int AS replied,
  count(*) FILTER (WHERE c.replied_at IS NOT NULL AND (c.reply_due_at IS NULL OR c.replied_at <= c.reply_due_at))::int AS replied_on_time,
  ${s.onTimeCountsOpenOverdue ? `count(*) FILTER (WHERE c.replied_at IS NULL AND c.reply_due_at < ${now} AND c.status IN (${OPEN}))::int` : '0'} AS open_late,
  count(*) FILTER (WHERE c.warning = 'red' AND c.status IN (${OPEN}))::int AS overdue`;
};

export interface RateRow {
  registered: number;
  dispatched: number;
  accepted_on_time: number;
  closed: number;
  solved: number;
  rated: number;
  satisfied: number;
  replied: number;
  replied_on_time: number;
  /** Open cases past their reply deadline (only counted with onTimeCountsOpenOverdue). */
  open_late?: number;
  overdue: number;
}

const ratio = (n: number, d: number) => (d > 0 ? Math.round((n / d) * 10_000) / 10_000 : null);

/** Rates from the counts, with each numerator and denominator (the console shows them in tooltips). */
export function rates(r: RateRow): Rates {
  const onTimeDen = r.replied + (r.open_late ?? 0);
  return {
    registered: r.registered,
    dispatched: r.dispatched,
    acceptedOnTime: r.accepted_on_time,
    closed: r.closed,
    solved: r.solved,
    rated: r.rated,
    satisfied: r.satisfied,
    replied: r.replied,
    repliedOnTime: r.replied_on_time,
    onTimeBase: onTimeDen,
    overdue: r.overdue,
    responseRate: ratio(r.accepted_on_time, r.dispatched),
    resolutionRate: ratio(r.solved, r.closed),
    satisfactionRate: ratio(r.satisfied, r.rated),
    onTimeRate: ratio(r.replied_on_time, onTimeDen),
  };
}

/** Sums count rows (for totals over groups). */
export function addRows(rows: RateRow[]): RateRow {
  const out: RateRow = { registered: 0, dispatched: 0, accepted_on_time: 0, closed: 0, solved: 0, rated: 0, satisfied: 0, replied: 0, replied_on_time: 0, open_late: 0, overdue: 0 };
  for (const r of rows) for (const k of Object.keys(out) as (keyof RateRow)[]) out[k] = (out[k] ?? 0) + Number(r[k] ?? 0);
  return out;
}
