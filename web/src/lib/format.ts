import dayjs from 'dayjs';
import relativeTime from 'dayjs/plugin/relativeTime';
import { formatCountdown } from './countdown.ts';

dayjs.extend(relativeTime);

export const fmtTime = (v: string | null | undefined) => (v ? dayjs(v).format('YYYY-MM-DD HH:mm') : '');
export const fmtTimeSec = (v: string | null | undefined) => (v ? dayjs(v).format('YYYY-MM-DD HH:mm:ss') : '');
export const fromNow = (v: string | null | undefined) => (v ? dayjs(v).fromNow() : '');

/** "剩余 2天3小时" until (positive) or "超时 …" past a moment; `soon` within a day. See lib/countdown.ts. */
export function countdown(to: string, lang: 'zh' | 'en'): { text: string; overdue: boolean; soon: boolean } {
  const due = dayjs(to).valueOf();
  const now = Date.now();
  const c = formatCountdown(due, now, lang);
  return { text: c.text, overdue: c.overdue, soon: !c.overdue && due - now < 24 * 3_600_000 };
}

/** A title from the description when the operator leaves it empty: its first clause, at most 20 characters. */
export function titleFrom(description: string): string {
  const whole = description.trim().replace(/\s+/g, ' ');
  const sentence = whole.split(/[。！？!?；;]/)[0] ?? '';
  const clause = sentence.split(/[，,]/)[0] ?? '';
  const s = [...clause].length >= 4 ? clause : [...sentence].length >= 2 ? sentence : whole;
  return [...s].length > 20 ? `${[...s].slice(0, 20).join('')}…` : s;
}


/** "3d" as "3 个工作日" / "3 working days". */
export function durationText(d: string, lang: 'zh' | 'en'): string {
  const m = /^(\d+)(m|h|d)$/.exec(d);
  if (!m) return d;
  const unit = { m: ['分钟', 'min'], h: ['小时', 'h'], d: ['个工作日', 'working days'] }[m[2] as 'm' | 'h' | 'd'];
  return lang === 'zh' ? `${m[1]} ${unit[0]}` : `${m[1]} ${unit[1]}`;
}
