/**
 * The map's filters and view options, kept in the URL so a view can be shared
 * (a leader forwards "overdue road cases in this grid, last 30 days").
 */
import dayjs, { type Dayjs } from 'dayjs';
import { CHANNELS, STATUSES, WARNINGS, type Channel, type Status, type Warning } from '../../api/types.ts';
import type { Query } from '../../api/client.ts';

export { WARNINGS, type Warning };

/** Warning colours of dots and legend swatches: on time, near the limit, overdue (each dot has a dark ring for contrast). */
export const WARNING_COLOR: Record<Warning, string> = { none: '#389e0d', yellow: '#d48806', red: '#cf1322' };
/** The same as tags with white text, dark enough to read at 4.5:1 or more. */
export const WARNING_TAG_COLOR: Record<Warning, string> = { none: '#2b7a0b', yellow: '#995c00', red: '#cf1322' };
export const WARNING_TEXT: Record<Warning, [string, string]> = {
  none: ['未预警', 'On time'],
  yellow: ['临期黄牌', 'Near the limit'],
  red: ['超时红牌', 'Overdue'],
};

export const OPEN_STATUSES: Status[] = ['registered', 'dispatched', 'accepted', 'in_progress', 'replied', 'verified', 'returned'];

export const TIME_PRESETS = ['all', 'today', '7d', '30d', '90d', 'year', 'custom'] as const;
export type TimePreset = (typeof TIME_PRESETS)[number];
export const TIME_TEXT: Record<TimePreset, [string, string]> = {
  all: ['全部时间', 'Any time'],
  today: ['今天', 'Today'],
  '7d': ['近 7 天', 'Last 7 days'],
  '30d': ['近 30 天', 'Last 30 days'],
  '90d': ['近 90 天', 'Last 90 days'],
  year: ['今年', 'This year'],
  custom: ['自定义', 'Custom'],
};

export type ColorBy = 'status' | 'warning';
export type Mode = 'points' | 'heat' | 'both';

export interface MapFilters {
  status: Status[];
  warning: Warning[];
  channel: Channel[];
  /** Category code (a whole branch). */
  category?: string;
  gridId?: string;
  time: TimePreset;
  /** YYYY-MM-DD, both inclusive, for time = custom. */
  from?: string;
  to?: string;
}

export interface MapView {
  colorBy: ColorBy;
  mode: Mode;
  cluster: boolean;
  /** The division boundary layer (区划边界); on unless `div=0`. */
  divisions: boolean;
}

const list = <T extends string>(raw: string | null, allowed: readonly T[]): T[] =>
  (raw ?? '')
    .split(',')
    .filter((x): x is T => (allowed as readonly string[]).includes(x));

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Reads filters from the URL; a missing `status` means the open ones, `status=` (empty) means all. */
export function readFilters(sp: URLSearchParams): MapFilters {
  const time = (TIME_PRESETS as readonly string[]).includes(sp.get('time') ?? '') ? (sp.get('time') as TimePreset) : 'all';
  const from = sp.get('from') ?? undefined;
  const to = sp.get('to') ?? undefined;
  return {
    status: sp.has('status') ? list(sp.get('status'), STATUSES) : OPEN_STATUSES,
    warning: list(sp.get('warning'), WARNINGS),
    channel: list(sp.get('channel'), CHANNELS),
    category: /^\d{2,20}$/.test(sp.get('category') ?? '') ? sp.get('category')! : undefined,
    gridId: /^[0-9a-f-]{36}$/i.test(sp.get('grid') ?? '') ? sp.get('grid')! : undefined,
    time: time === 'custom' && !(from && DATE.test(from)) && !(to && DATE.test(to)) ? 'all' : time,
    from: from && DATE.test(from) ? from : undefined,
    to: to && DATE.test(to) ? to : undefined,
  };
}

export function readView(sp: URLSearchParams): MapView {
  const mode = sp.get('mode');
  return {
    colorBy: sp.get('color') === 'warning' ? 'warning' : 'status',
    mode: mode === 'heat' || mode === 'both' ? mode : 'points',
    cluster: sp.get('cluster') !== '0',
    divisions: sp.get('div') !== '0',
  };
}

/** Writes filters and view into URL parameters, leaving defaults out so links stay short. */
export function writeParams(f: MapFilters, v: MapView): URLSearchParams {
  const sp = new URLSearchParams();
  const sameAsOpen = f.status.length === OPEN_STATUSES.length && OPEN_STATUSES.every((s) => f.status.includes(s));
  if (!sameAsOpen) sp.set('status', f.status.join(','));
  if (f.warning.length) sp.set('warning', f.warning.join(','));
  if (f.channel.length) sp.set('channel', f.channel.join(','));
  if (f.category) sp.set('category', f.category);
  if (f.gridId) sp.set('grid', f.gridId);
  if (f.time !== 'all') sp.set('time', f.time);
  if (f.time === 'custom') {
    if (f.from) sp.set('from', f.from);
    if (f.to) sp.set('to', f.to);
  }
  if (v.colorBy !== 'status') sp.set('color', v.colorBy);
  if (v.mode !== 'points') sp.set('mode', v.mode);
  if (!v.cluster) sp.set('cluster', '0');
  if (!v.divisions) sp.set('div', '0');
  return sp;
}

/** The [from, to) instants of a time filter, in the browser's time zone. */
export function timeRange(f: MapFilters, now: Dayjs = dayjs()): { createdFrom?: string; createdTo?: string } {
  const day = now.startOf('day');
  switch (f.time) {
    case 'today':
      return { createdFrom: day.toISOString() };
    case '7d':
      return { createdFrom: day.subtract(6, 'day').toISOString() };
    case '30d':
      return { createdFrom: day.subtract(29, 'day').toISOString() };
    case '90d':
      return { createdFrom: day.subtract(89, 'day').toISOString() };
    case 'year':
      return { createdFrom: now.startOf('year').toISOString() };
    case 'custom':
      return {
        createdFrom: f.from ? dayjs(f.from).startOf('day').toISOString() : undefined,
        createdTo: f.to ? dayjs(f.to).add(1, 'day').startOf('day').toISOString() : undefined,
      };
    default:
      return {};
  }
}

/** The API query of the map endpoints for these filters. */
export function apiQuery(f: MapFilters, now?: Dayjs): Query {
  return {
    // No status ticked means every status: send nothing rather than an empty list.
    status: f.status.length ? f.status : undefined,
    warning: f.warning,
    channel: f.channel,
    categoryCode: f.category,
    gridId: f.gridId,
    ...timeRange(f, now),
  };
}

/** The cascader path of a category code (每级两位). */
export function categoryPath(code: string | undefined): string[] | undefined {
  if (!code) return undefined;
  const out: string[] = [];
  for (let i = 2; i <= code.length; i += 2) out.push(code.slice(0, i));
  return out;
}
