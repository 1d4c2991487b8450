/**
 * The headline figures (响应率、解决率、满意率、按期办结率), defined once, as
 * SQL aggregates over the cases registered in a period, grouped by unit,
 * division or nothing. Definitions (configurable where localities differ):
 *
 * - response rate     = cases accepted within the accept limit / cases dispatched
 * - resolution rate   = cases verified as solved / cases closed
 * - satisfaction rate = ratings of 4-5 stars / rated cases (3 stars may count half)
 * - on-time rate      = cases replied within the reply limit / cases replied
 */
export interface RateSettings {
  /** Count a 3-star rating as half satisfied. */
  threeStarsHalf: boolean;
}

export const DEFAULT_RATE_SETTINGS: RateSettings = { threeStarsHalf: false };

export const RATE_COLUMNS = (s: RateSettings) => `
  count(*)::int AS registered,
  count(*) FILTER (WHERE c.dispatched_at IS NOT NULL)::int AS dispatched,
  count(*) FILTER (WHERE c.accepted_at IS NOT NULL AND (c.accept_due_at IS NULL OR c.accepted_at <= c.accept_due_at))::int AS accepted_on_time,
  count(*) FILTER (WHERE c.closed_at IS NOT NULL)::int AS closed,
  count(*) FILTER (WHERE c.closed_at IS NOT NULL AND c.solved)::int AS solved,
  count(*) FILTER (WHERE c.rating IS NOT NULL)::int AS rated,
  (count(*) FILTER (WHERE c.rating >= 4)${s.threeStarsHalf ? ' + 0.5 * count(*) FILTER (WHERE c.rating = 3)' : ''})::float8 AS satisfied,
  count(*) FILTER (WHERE c.replied_at IS NOT NULL)::int AS replied,
  count(*) FILTER (WHERE c.replied_at IS NOT NULL AND (c.reply_due_at IS NULL OR c.replied_at <= c.reply_due_at))::int AS replied_on_time,
  count(*) FILTER (WHERE c.warning = 'red' AND c.status IN ('registered','dispatched','accepted','in_progress','replied','verified','returned'))::int AS overdue`;

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
  overdue: number;
}

const ratio = (n: number, d: number) => (d > 0 ? Math.round((n / d) * 10_000) / 10_000 : null);

/** Rates from the counts; null where the denominator is zero (no data is not 0%). */
export function rates(r: RateRow) {
  return {
    registered: r.registered,
    dispatched: r.dispatched,
    closed: r.closed,
    rated: r.rated,
    replied: r.replied,
    overdue: r.overdue,
    responseRate: ratio(r.accepted_on_time, r.dispatched),
    resolutionRate: ratio(r.solved, r.closed),
    satisfactionRate: ratio(r.satisfied, r.rated),
    onTimeRate: ratio(r.replied_on_time, r.replied),
  };
}
export type Rates = ReturnType<typeof rates>;
