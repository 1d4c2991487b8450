/** Quick periods of the dashboards, in the browser's (Shanghai) calendar days; `to` is exclusive. */
import dayjs, { type Dayjs } from 'dayjs';

export type PeriodKey = 'today' | '7d' | '30d' | 'month' | 'lastMonth' | 'quarter' | 'year' | 'custom';

export const PERIODS: { key: Exclude<PeriodKey, 'custom'>; zh: string; en: string }[] = [
  { key: 'today', zh: '今日', en: 'Today' },
  { key: '7d', zh: '近7天', en: '7 days' },
  { key: '30d', zh: '近30天', en: '30 days' },
  { key: 'month', zh: '本月', en: 'This month' },
  { key: 'lastMonth', zh: '上月', en: 'Last month' },
  { key: 'quarter', zh: '本季度', en: 'This quarter' },
  { key: 'year', zh: '本年', en: 'This year' },
];

export interface Range {
  start: Dayjs;
  /** Exclusive: the first day not included. */
  end: Dayjs;
}

export function periodRange(key: PeriodKey, custom?: { from?: string | null; to?: string | null }, now = dayjs()): Range {
  const today = now.startOf('day');
  const tomorrow = today.add(1, 'day');
  switch (key) {
    case 'today':
      return { start: today, end: tomorrow };
    case '7d':
      return { start: today.subtract(6, 'day'), end: tomorrow };
    case '30d':
      return { start: today.subtract(29, 'day'), end: tomorrow };
    case 'lastMonth':
      return { start: today.startOf('month').subtract(1, 'month'), end: today.startOf('month') };
    case 'quarter':
      return { start: today.startOf('month').subtract(today.month() % 3, 'month'), end: tomorrow };
    case 'year':
      return { start: today.startOf('year'), end: tomorrow };
    case 'custom': {
      const f = custom?.from ? dayjs(custom.from, 'YYYY-MM-DD') : null;
      const t = custom?.to ? dayjs(custom.to, 'YYYY-MM-DD') : null;
      if (f?.isValid() && t?.isValid() && !t.isBefore(f)) return { start: f.startOf('day'), end: t.add(1, 'day').startOf('day') };
      return periodRange('month', undefined, now);
    }
    case 'month':
    default:
      return { start: today.startOf('month'), end: tomorrow };
  }
}

export const rangeText = (r: Range) => `${r.start.format('YYYY-MM-DD')} ~ ${r.end.subtract(1, 'day').format('YYYY-MM-DD')}`;

/** Division level (1 province ... 5 village) from a GB/T 2260 code's length. */
export function levelOf(code: string | null | undefined): number {
  if (!code) return 0;
  return ({ 2: 1, 4: 2, 6: 3, 9: 4, 12: 5 } as Record<number, number>)[code.length] ?? 0;
}

export const LEVELS: { level: number; zh: string; en: string }[] = [
  { level: 2, zh: '市', en: 'City' },
  { level: 3, zh: '县(区)', en: 'County' },
  { level: 4, zh: '乡镇(街道)', en: 'Township' },
  { level: 5, zh: '村(社区)', en: 'Village' },
];

/** The area of a jurisdiction: the common prefix of its codes, or '' for everything. */
export function scopeRoot(scopeCodes: string[]): string {
  if (!scopeCodes.length || scopeCodes.includes('*')) return '';
  let p = scopeCodes[0];
  for (const c of scopeCodes) while (!c.startsWith(p)) p = p.slice(0, -1);
  return levelOf(p) ? p : '';
}
