/**
 * Deadlines as operators read them: "剩余 2小时15分" before the limit,
 * "超时 3小时" after it. Pure (the caller passes `now`), so a table of fifty
 * rows ticks from one clock and the wording is testable.
 */
import type { Warning } from '../api/types.ts';

export type Lang = 'zh' | 'en';
export type CountdownLevel = 'ok' | 'yellow' | 'red';

export interface CountdownText {
  /** "剩余 2小时15分" / "2h 15m left", "超时 3小时" / "3h overdue". */
  text: string;
  /** Only the amount: "2小时15分". */
  amount: string;
  overdue: boolean;
  /** Colour: red past the limit (or when the server says red), yellow when the server warned, else ok. */
  level: CountdownLevel;
  /** Whole minutes to (positive) or past (negative) the deadline, rounded toward zero. */
  minutes: number;
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/**
 * The amount of time in the largest two units that matter: days and hours
 * beyond a day, hours and minutes below it, minutes below an hour.
 * Zero parts are left out ("3小时", not "3小时0分"); under a minute reads "不足1分".
 */
export function formatAmount(ms: number, lang: Lang): string {
  const abs = Math.abs(ms);
  const d = Math.floor(abs / DAY);
  const h = Math.floor((abs % DAY) / HOUR);
  const m = Math.floor((abs % HOUR) / MIN);
  const zh = lang === 'zh';
  if (d > 0) return zh ? `${d}天${h ? `${h}小时` : ''}` : `${d}d${h ? ` ${h}h` : ''}`;
  if (h > 0) return zh ? `${h}小时${m ? `${m}分` : ''}` : `${h}h${m ? ` ${m}m` : ''}`;
  if (m > 0) return zh ? `${m}分` : `${m}m`;
  return zh ? '不足1分' : '<1m';
}

/** The countdown to `due` at `now` (both epoch ms); `warning` is the server's verdict (the sweeper's yellow/red). */
export function formatCountdown(due: number, now: number, lang: Lang, warning: Warning = 'none'): CountdownText {
  const ms = due - now;
  const overdue = ms < 0;
  const amount = formatAmount(ms, lang);
  const text = overdue ? (lang === 'zh' ? `超时 ${amount}` : `${amount} overdue`) : lang === 'zh' ? `剩余 ${amount}` : `${amount} left`;
  // The server's warning is authoritative, but the page keeps ticking between sweeps: a passed deadline is red at once.
  const level: CountdownLevel = overdue || warning === 'red' ? 'red' : warning === 'yellow' ? 'yellow' : 'ok';
  return { text, amount, overdue, level, minutes: Math.trunc(ms / MIN) };
}

/** Reads an amount written by formatAmount back into [min, max) minutes; for tests and sorting by text. */
export function parseAmount(s: string): { min: number; max: number } | null {
  if (s === '不足1分' || s === '<1m') return { min: 0, max: 1 };
  const zh = /^(?:(\d+)天)?(?:(\d+)小时)?(?:(\d+)分)?$/.exec(s);
  const en = /^(?:(\d+)d)? ?(?:(\d+)h)? ?(?:(\d+)m)?$/.exec(s);
  const m = zh && s ? zh : en && s ? en : null;
  if (!m || (!m[1] && !m[2] && !m[3])) return null;
  const d = Number(m[1] ?? 0);
  const h = Number(m[2] ?? 0);
  const mins = Number(m[3] ?? 0);
  const base = d * 1440 + h * 60 + mins;
  // Days drop the minutes; hours alone drop nothing below an hour only when minutes were zero.
  const span = d > 0 ? 60 : 1;
  return { min: base, max: base + span };
}

export const CLOCK_TEXT: Record<string, [string, string]> = {
  dispatch: ['派单时限', 'Dispatch by'],
  accept: ['签收时限', 'Accept by'],
  arrive: ['到场时限', 'On site by'],
  reply: ['办理时限', 'Reply by'],
  verify: ['回访时限', 'Verify by'],
};
