/**
 * Shapes of the statistics API (src/stats/routes.ts), shared with the web
 * console's dashboards. Types only, importing nothing: the console imports
 * them with `import type` (and reads them through Json<>, dates as strings),
 * so the two cannot drift.
 */

/** Settings of the definitions (统计口径); RATE_SETTINGS in rates.ts is their schema. */
export interface RateSettings {
  satisfiedMinStars: number;
  threeStarsHalf: boolean;
  onTimeCountsOpenOverdue: boolean;
}

/**
 * A group's counts and the rates made of them (rates() in rates.ts); a rate
 * whose denominator is 0 is null. A type, not an interface, so that rows of it
 * pass where a Record<string, unknown> is taken (the xlsx export).
 */
export type Rates = {
  registered: number;
  dispatched: number;
  acceptedOnTime: number;
  closed: number;
  solved: number;
  rated: number;
  satisfied: number;
  replied: number;
  repliedOnTime: number;
  onTimeBase: number;
  overdue: number;
  responseRate: number | null;
  resolutionRate: number | null;
  satisfactionRate: number | null;
  onTimeRate: number | null;
};

/** One group (the whole period, a lead unit or a division) and its rank. */
export type RateItem = Rates & { key: string | null; name: string | null; rank: number };

/** A group as GET /api/stats/rates answers it: with compare=true, also its figures in the previous period (null if it had none there). */
export type ComparedRateItem = RateItem & { previous?: RateItem | null };

/** GET /api/stats/rates */
export interface RatesResponse {
  from: string;
  to: string;
  groupBy: 'none' | 'unit' | 'division';
  level: number;
  settings: RateSettings;
  /** The jurisdiction whose settings row applies ('*' or a division code); null: the defaults. */
  settingsScope: string | null;
  items: ComparedRateItem[];
  /** With compare=true: the previous period of the same length. */
  previous?: { from: string; to: string };
}

export interface VolumeItem {
  key: string | null;
  name: string | null;
  count: number;
  /** Counts by the split dimension, when one was asked for. */
  parts?: Record<string, number>;
}

/** GET /api/stats/volumes */
export interface VolumesResponse {
  from: string;
  to: string;
  by: string;
  split: string | null;
  total: number;
  items: VolumeItem[];
}

export interface OverdueItem {
  id: string;
  no: string;
  title: string;
  type: string;
  urgency: string;
  status: string;
  clock: string | null;
  /** A timestamptz column: a Date here, an ISO string in JSON. */
  dueAt: Date;
  escalated: boolean;
  categoryName: string | null;
  leadUnitName: string | null;
  divisionName: string | null;
  overdueMinutes: number;
}

/** GET /api/stats/overdue */
export interface OverdueResponse {
  at: string;
  total: number;
  items: OverdueItem[];
}
