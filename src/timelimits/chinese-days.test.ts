// Cross-check of the shipped holiday data against the `chinese-days` package
// (a dev dependency used only here), for every day 2020-01-01..2026-12-31.
import chineseDays from 'chinese-days';
import { describe, expect, it } from 'vitest';
import { formatDay, isWorkingDay, parseDay } from './calendar.ts';
import { defaultCalendar } from './holidays.ts';

const cal = defaultCalendar();
const FIRST = parseDay('2020-01-01');
const LAST = parseDay('2026-12-31');

describe('default calendar vs chinese-days', () => {
  it('agrees on isWorkingDay for every day 2020-01-01..2026-12-31', () => {
    const disagreements: string[] = [];
    let days = 0;
    for (let d = FIRST; d <= LAST; d++) {
      const s = formatDay(d);
      const theirs = chineseDays.isWorkday(s);
      // by date string, and by an instant at noon Shanghai time on that date
      const mine = isWorkingDay(cal, s);
      const mineAt = isWorkingDay(cal, new Date(`${s}T12:00:00+08:00`));
      if (mine !== theirs || mineAt !== theirs) disagreements.push(`${s}: zhili ${mine}/${mineAt}, chinese-days ${theirs}`);
      days++;
    }
    expect(days).toBe(2557);
    expect(disagreements).toEqual([]);
  });

  it('agrees on the make-up working days (调休) in the range', () => {
    const theirs: string[] = [];
    for (let d = FIRST; d <= LAST; d++) {
      const s = formatDay(d);
      const dow = new Date(`${s}T00:00:00Z`).getUTCDay();
      if ((dow === 0 || dow === 6) && chineseDays.isWorkday(s)) theirs.push(s);
    }
    const mine = [...cal.workdays].filter((s) => s >= '2020-01-01' && s <= '2026-12-31').sort();
    expect(mine).toEqual(theirs);
  });
});
