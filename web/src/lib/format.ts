import dayjs from 'dayjs';
import relativeTime from 'dayjs/plugin/relativeTime';

dayjs.extend(relativeTime);

export const fmtTime = (v: string | null | undefined) => (v ? dayjs(v).format('YYYY-MM-DD HH:mm') : '');
export const fmtTimeSec = (v: string | null | undefined) => (v ? dayjs(v).format('YYYY-MM-DD HH:mm:ss') : '');
export const fromNow = (v: string | null | undefined) => (v ? dayjs(v).fromNow() : '');

/** Keys of a case that look like deadlines (the time-limits feature will add them). */
export function deadlineKeys(row: Record<string, unknown>): string[] {
  return Object.keys(row).filter((k) => /deadline|dueAt|due_at|limitAt/i.test(k) && (typeof row[k] === 'string' || row[k] === null));
}

/** "2 天 3 小时" until (positive) or past (negative) a moment. */
export function countdown(to: string, lang: 'zh' | 'en'): { text: string; overdue: boolean; soon: boolean } {
  const ms = dayjs(to).diff(dayjs());
  const abs = Math.abs(ms);
  const d = Math.floor(abs / 86_400_000);
  const h = Math.floor((abs % 86_400_000) / 3_600_000);
  const m = Math.floor((abs % 3_600_000) / 60_000);
  const parts = lang === 'zh' ? [d && `${d}天`, h && `${h}小时`, !d && `${m}分`] : [d && `${d}d`, h && `${h}h`, !d && `${m}m`];
  const body = parts.filter(Boolean).join(lang === 'zh' ? '' : ' ') || (lang === 'zh' ? '0分' : '0m');
  const overdue = ms < 0;
  return { text: overdue ? (lang === 'zh' ? `超时 ${body}` : `${body} overdue`) : lang === 'zh' ? `剩 ${body}` : `${body} left`, overdue, soon: !overdue && ms < 24 * 3_600_000 };
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
