import { describe, expect, it } from 'vitest';
import {
  addWorkingDays,
  addWorkingHours,
  addWorkingMinutes,
  createCalendar,
  formatCalendarDays,
  isWorkingDay,
  isWorkingInstant,
  naturalCalendar,
  nextWorkingInstant,
  parseDay,
  formatDay,
  workingMinutesBetween,
} from './calendar.ts';
import { CN_HOLIDAYS, cnCalendar, defaultCalendar, holidayDataToSets } from './holidays.ts';

const cal = defaultCalendar();
const nat = naturalCalendar();

/** 'YYYY-MM-DD HH:MM' on the Shanghai wall clock -> instant */
function at(s: string): Date {
  return new Date(`${s.replace(' ', 'T')}:00+08:00`);
}
/** instant -> 'YYYY-MM-DD HH:MM' on the Shanghai wall clock (seconds shown when not zero) */
function sh(d: Date): string {
  const iso = new Date(d.getTime() + 8 * 3_600_000).toISOString();
  const s = `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
  return iso.slice(16, 23) === ':00.000' ? s : `${s}${iso.slice(16, 23)}`;
}

describe('shipped holiday data', () => {
  it('covers 2020 through 2026', () => {
    expect(Object.keys(CN_HOLIDAYS.years)).toEqual(['2020', '2021', '2022', '2023', '2024', '2025', '2026']);
  });

  it('lists make-up working days only on weekends, and never a date both off and working', () => {
    const { holidays, workdays } = holidayDataToSets(CN_HOLIDAYS);
    for (const d of workdays) {
      const dow = new Date(`${d}T00:00:00Z`).getUTCDay();
      expect([0, 6], d).toContain(dow);
      expect(holidays.has(d), d).toBe(false);
    }
  });

  it('files each date under its schedule year (the 2023 New Year break starts 2022-12-31)', () => {
    for (const [year, entry] of Object.entries(CN_HOLIDAYS.years)) {
      for (const d of [...entry.holidays, ...entry.workdays]) {
        expect(d.startsWith(year) || d === '2022-12-31', `${year}: ${d}`).toBe(true);
      }
    }
  });

  it('has Spring Festival 2026 as 02-15..02-23 off with 02-14 and 02-28 working', () => {
    const lines = formatCalendarDays(cal, '2026-02-13', '2026-03-01');
    expect(lines).toEqual([
      '2026-02-13 work',
      '2026-02-14 work', // Saturday, 调休
      '2026-02-15 off',
      '2026-02-16 off',
      '2026-02-17 off',
      '2026-02-18 off',
      '2026-02-19 off',
      '2026-02-20 off',
      '2026-02-21 off',
      '2026-02-22 off',
      '2026-02-23 off',
      '2026-02-24 work',
      '2026-02-25 work',
      '2026-02-26 work',
      '2026-02-27 work',
      '2026-02-28 work', // Saturday, 调休
      '2026-03-01 off',
    ]);
  });

  it('has National Day 2026 as 10-01..10-07 off with 09-20 and 10-10 working', () => {
    expect(isWorkingDay(cal, '2026-09-20')).toBe(true); // Sunday
    for (let d = 1; d <= 7; d++) expect(isWorkingDay(cal, `2026-10-0${d}`)).toBe(false);
    expect(isWorkingDay(cal, '2026-10-08')).toBe(true);
    expect(isWorkingDay(cal, '2026-10-10')).toBe(true); // Saturday
    expect(isWorkingDay(cal, '2026-10-11')).toBe(false);
  });

  it('rejects malformed import data, naming the entry', () => {
    expect(() => holidayDataToSets({ name: 'x', years: { '2027': { holidays: ['2027-02-30'], workdays: [] } } })).toThrow(
      /years\.2027\.holidays/,
    );
    expect(() => holidayDataToSets({ name: 'x', years: { '2027': { holidays: [] } as never } })).toThrow(/workdays/);
  });
});

describe('isWorkingDay', () => {
  it('takes a date string or an instant (its Shanghai date)', () => {
    expect(isWorkingDay(cal, '2026-02-13')).toBe(true);
    expect(isWorkingDay(cal, '2026-02-15')).toBe(false);
    // 2026-02-14T20:00Z is 2026-02-15 04:00 in Shanghai: off, although the UTC date is a make-up working day
    expect(isWorkingDay(cal, new Date('2026-02-14T20:00:00Z'))).toBe(false);
    expect(isWorkingDay(cal, new Date('2026-02-14T15:59:59Z'))).toBe(true);
  });

  it('falls back to Monday-Friday outside the data', () => {
    expect(isWorkingDay(cal, '2019-12-31')).toBe(true); // Tuesday
    expect(isWorkingDay(cal, '2019-12-29')).toBe(false); // Sunday
    expect(isWorkingDay(cal, '2027-01-04')).toBe(true); // Monday
    expect(isWorkingDay(cal, '2027-01-09')).toBe(false); // Saturday
    expect(isWorkingDay(cal, '1900-01-01')).toBe(true); // Monday
  });

  it('is always true on the natural calendar', () => {
    expect(isWorkingDay(nat, '2026-02-17')).toBe(true);
    expect(isWorkingDay(nat, '2026-03-01')).toBe(true);
  });

  it('rejects impossible dates', () => {
    expect(() => isWorkingDay(cal, '2026-02-29')).toThrow(RangeError);
    expect(() => isWorkingDay(cal, '2026-2-3')).toThrow(RangeError);
    expect(() => isWorkingDay(cal, new Date(Number.NaN))).toThrow(RangeError);
  });
});

describe('addWorkingMinutes / addWorkingHours', () => {
  it('2 working hours from 17:00 lands next working morning at 10:00', () => {
    expect(sh(addWorkingHours(cal, at('2026-03-10 17:00'), 2))).toBe('2026-03-11 10:00');
    // Friday evening -> Monday morning
    expect(sh(addWorkingHours(cal, at('2026-03-13 17:00'), 2))).toBe('2026-03-16 10:00');
  });

  it('skips the lunch break', () => {
    expect(sh(addWorkingHours(cal, at('2026-03-10 11:00'), 2))).toBe('2026-03-10 15:00');
    expect(sh(addWorkingMinutes(cal, at('2026-03-10 12:30'), 1))).toBe('2026-03-10 14:01');
  });

  it('may end exactly at a period end, never after it', () => {
    expect(sh(addWorkingMinutes(cal, at('2026-03-10 11:00'), 60))).toBe('2026-03-10 12:00');
    expect(sh(addWorkingMinutes(cal, at('2026-03-10 17:00'), 30))).toBe('2026-03-10 17:30');
    expect(sh(addWorkingMinutes(cal, at('2026-03-10 17:00'), 31))).toBe('2026-03-11 08:31');
  });

  it('starts counting at the next working period when registered off hours', () => {
    expect(sh(addWorkingHours(cal, at('2026-03-10 06:00'), 2))).toBe('2026-03-10 10:30');
    expect(sh(addWorkingHours(cal, at('2026-03-10 22:00'), 2))).toBe('2026-03-11 10:30');
    expect(sh(addWorkingHours(cal, at('2026-03-14 10:00'), 2))).toBe('2026-03-16 10:30'); // Saturday
  });

  it('crosses Spring Festival 2026 through the make-up Saturday', () => {
    // Friday 17:00 + 2h: 30 min Friday, 90 min on make-up Saturday 02-14
    expect(sh(addWorkingHours(cal, at('2026-02-13 17:00'), 2))).toBe('2026-02-14 10:00');
    // Saturday 02-14 16:00 + 2h: 90 min Saturday, then nine days off, then Tuesday 02-24
    expect(sh(addWorkingHours(cal, at('2026-02-14 16:00'), 2))).toBe('2026-02-24 09:00');
    // registered during the break: the clock starts Tuesday 08:30
    expect(sh(addWorkingHours(cal, at('2026-02-18 09:00'), 2))).toBe('2026-02-24 10:30');
    // 7 working hours = one full working day
    expect(sh(addWorkingHours(cal, at('2026-02-14 08:30'), 7))).toBe('2026-02-14 17:30');
    expect(sh(addWorkingHours(cal, at('2026-02-14 08:30'), 7.5))).toBe('2026-02-24 09:00');
  });

  it('crosses National Day 2026', () => {
    expect(sh(addWorkingHours(cal, at('2026-09-30 17:00'), 2))).toBe('2026-10-08 10:00');
    // Saturday 2026-09-19 is off, Sunday 09-20 is a make-up working day
    expect(sh(addWorkingHours(cal, at('2026-09-19 09:00'), 1))).toBe('2026-09-20 09:30');
  });

  it('crosses National Day 2025 (eight days off, 10-01..10-08)', () => {
    expect(sh(addWorkingHours(cal, at('2025-09-30 17:00'), 2))).toBe('2025-10-09 10:00');
  });

  it('keeps seconds and fractions of a minute', () => {
    expect(sh(addWorkingMinutes(cal, at('2026-03-10 11:59'), 1.5))).toBe('2026-03-10 14:00:30.000');
  });

  it('counts backwards for negative minutes (latest start that still leaves that much time)', () => {
    expect(sh(addWorkingHours(cal, at('2026-03-11 10:00'), -2))).toBe('2026-03-10 17:00');
    expect(sh(addWorkingMinutes(cal, at('2026-03-10 15:00'), -60))).toBe('2026-03-10 14:00');
    expect(sh(addWorkingMinutes(cal, at('2026-03-10 15:00'), -61))).toBe('2026-03-10 11:59');
    expect(sh(addWorkingHours(cal, at('2026-02-24 09:00'), -1))).toBe('2026-02-14 17:00');
  });

  it('returns the instant itself for zero minutes', () => {
    expect(sh(addWorkingMinutes(cal, at('2026-03-10 22:00'), 0))).toBe('2026-03-10 22:00');
  });

  it('works outside the data range by weekday rules, across the table edges', () => {
    expect(sh(addWorkingHours(cal, at('2026-12-31 17:00'), 2))).toBe('2027-01-01 10:00'); // no 2027 data yet
    expect(sh(addWorkingHours(cal, at('2019-12-31 17:00'), 2))).toBe('2020-01-02 10:00'); // 2020-01-01 off
    expect(sh(addWorkingHours(cal, at('2031-05-09 17:00'), 2))).toBe('2031-05-12 10:00'); // Fri -> Mon
    expect(sh(addWorkingHours(cal, at('2010-05-07 17:00'), 2))).toBe('2010-05-10 10:00'); // Fri -> Mon
    expect(workingMinutesBetween(cal, at('2019-12-30 08:30'), at('2020-01-02 08:30'))).toBe(2 * 420);
  });

  it('counts every minute on the natural calendar (anti-fraud: 1 and 5 minutes)', () => {
    const t = at('2026-02-17 03:00'); // night, Spring Festival
    expect(sh(addWorkingMinutes(nat, t, 1))).toBe('2026-02-17 03:01');
    expect(sh(addWorkingMinutes(nat, t, 5))).toBe('2026-02-17 03:05');
    expect(workingMinutesBetween(nat, t, at('2026-02-18 03:00'))).toBe(1440);
  });
});

describe('addWorkingDays (end of the n-th working day after the day of registration)', () => {
  it('a case registered Fri 2026-02-13 16:00 with 5 working days is due Fri 02-27 17:30', () => {
    // 1: Sat 02-14 (调休); 02-15..02-23 off; 2: 02-24, 3: 02-25, 4: 02-26, 5: 02-27
    expect(sh(addWorkingDays(cal, at('2026-02-13 16:00'), 5))).toBe('2026-02-27 17:30');
    expect(sh(addWorkingDays(cal, at('2026-02-13 16:00'), 1))).toBe('2026-02-14 17:30');
    expect(sh(addWorkingDays(cal, at('2026-02-13 16:00'), 2))).toBe('2026-02-24 17:30');
    expect(sh(addWorkingDays(cal, at('2026-02-13 16:00'), 6))).toBe('2026-02-28 17:30'); // Saturday 调休
    expect(sh(addWorkingDays(cal, at('2026-02-13 16:00'), 7))).toBe('2026-03-02 17:30');
  });

  it('does not count the day of registration, at whatever hour', () => {
    expect(sh(addWorkingDays(cal, at('2026-03-10 00:05'), 1))).toBe('2026-03-11 17:30');
    expect(sh(addWorkingDays(cal, at('2026-03-10 23:50'), 1))).toBe('2026-03-11 17:30');
    expect(sh(addWorkingDays(cal, at('2026-03-14 10:00'), 1))).toBe('2026-03-16 17:30'); // Saturday -> Monday
  });

  it('crosses National Day 2026', () => {
    // after Wed 09-30: 10-01..10-07 off; 1: Thu 10-08, 2: Fri 10-09, 3: Sat 10-10 (调休), 4: Mon 10-12
    expect(sh(addWorkingDays(cal, at('2026-09-30 16:00'), 3))).toBe('2026-10-10 17:30');
    expect(sh(addWorkingDays(cal, at('2026-09-30 16:00'), 4))).toBe('2026-10-12 17:30');
    // 13 working days (complaints) from Fri 2026-09-18
    expect(sh(addWorkingDays(cal, at('2026-09-18 10:00'), 13))).toBe('2026-10-13 17:30');
  });

  it('n = 0 (same day) is the end of the working day on which the clock runs', () => {
    expect(sh(addWorkingDays(cal, at('2026-03-10 10:00'), 0))).toBe('2026-03-10 17:30');
    expect(sh(addWorkingDays(cal, at('2026-03-10 07:00'), 0))).toBe('2026-03-10 17:30');
    expect(sh(addWorkingDays(cal, at('2026-03-10 17:30'), 0))).toBe('2026-03-11 17:30');
    expect(sh(addWorkingDays(cal, at('2026-02-15 10:00'), 0))).toBe('2026-02-24 17:30');
  });

  it('uses the last period end of custom working hours', () => {
    const c = cnCalendar({ workingHours: [{ start: '09:00', end: '12:00' }, { start: '13:30', end: '18:00' }] });
    expect(sh(addWorkingDays(c, at('2026-02-13 16:00'), 5))).toBe('2026-02-27 18:00');
  });

  it('on the natural calendar, n days end at 24:00 of the n-th calendar day after', () => {
    expect(sh(addWorkingDays(nat, at('2026-02-13 16:00'), 5))).toBe('2026-02-19 00:00');
    expect(sh(addWorkingDays(nat, at('2026-02-13 16:00'), 0))).toBe('2026-02-14 00:00');
  });

  it('rejects negative or fractional days', () => {
    expect(() => addWorkingDays(cal, at('2026-03-10 10:00'), -1)).toThrow(RangeError);
    expect(() => addWorkingDays(cal, at('2026-03-10 10:00'), 1.5)).toThrow(RangeError);
  });
});

describe('workingMinutesBetween', () => {
  it('measures elapsed working time, skipping breaks, nights and holidays', () => {
    expect(workingMinutesBetween(cal, at('2026-03-10 08:30'), at('2026-03-10 17:30'))).toBe(420);
    expect(workingMinutesBetween(cal, at('2026-03-10 11:00'), at('2026-03-10 15:00'))).toBe(120);
    expect(workingMinutesBetween(cal, at('2026-02-13 08:30'), at('2026-02-24 08:30'))).toBe(840); // 02-13 and 02-14
    expect(workingMinutesBetween(cal, at('2026-02-15 00:00'), at('2026-02-23 23:59'))).toBe(0);
  });

  it('is negative when b is before a', () => {
    expect(workingMinutesBetween(cal, at('2026-03-10 15:00'), at('2026-03-10 11:00'))).toBe(-120);
  });
});

describe('nextWorkingInstant', () => {
  it('is the instant itself inside working hours, else the next period start', () => {
    expect(sh(nextWorkingInstant(cal, at('2026-03-10 09:15')))).toBe('2026-03-10 09:15');
    expect(sh(nextWorkingInstant(cal, at('2026-03-10 08:30')))).toBe('2026-03-10 08:30');
    expect(sh(nextWorkingInstant(cal, at('2026-03-10 07:00')))).toBe('2026-03-10 08:30');
    expect(sh(nextWorkingInstant(cal, at('2026-03-10 12:00')))).toBe('2026-03-10 14:00');
    expect(sh(nextWorkingInstant(cal, at('2026-03-10 17:30')))).toBe('2026-03-11 08:30');
    expect(sh(nextWorkingInstant(cal, at('2026-02-14 17:30')))).toBe('2026-02-24 08:30');
    expect(sh(nextWorkingInstant(nat, at('2026-02-17 03:00')))).toBe('2026-02-17 03:00');
  });

  it('agrees with isWorkingInstant', () => {
    expect(isWorkingInstant(cal, at('2026-03-10 11:59'))).toBe(true);
    expect(isWorkingInstant(cal, at('2026-03-10 12:00'))).toBe(false);
    expect(isWorkingInstant(cal, at('2026-02-16 10:00'))).toBe(false);
  });
});

describe('createCalendar', () => {
  it('defaults to the 12345 working hours in Asia/Shanghai', () => {
    const c = createCalendar({});
    expect(c.timezone).toBe('Asia/Shanghai');
    expect(c.mode).toBe('working');
    expect(c.workingHours).toEqual([
      { start: '08:30', end: '12:00' },
      { start: '14:00', end: '17:30' },
    ]);
    expect(cal.holidays.has('2026-02-17')).toBe(true);
    expect(cal.workdays.has('2026-02-14')).toBe(true);
  });

  it('takes custom holidays, make-up days and hours', () => {
    const c = createCalendar({
      name: 'test',
      holidays: ['2030-03-12'],
      workdays: ['2030-03-16'],
      workingHours: [{ start: '09:00', end: '17:00' }],
    });
    expect(formatCalendarDays(c, '2030-03-11', '2030-03-17')).toEqual([
      '2030-03-11 work',
      '2030-03-12 off',
      '2030-03-13 work',
      '2030-03-14 work',
      '2030-03-15 work',
      '2030-03-16 work',
      '2030-03-17 off',
    ]);
    expect(sh(addWorkingHours(c, at('2030-03-11 16:00'), 2))).toBe('2030-03-13 10:00');
  });

  it('allows a 24-hour working day on a calendar that still keeps holidays', () => {
    const c = createCalendar({ holidays: ['2030-03-12'], workingHours: [{ start: '00:00', end: '24:00' }] });
    expect(sh(addWorkingHours(c, at('2030-03-11 23:00'), 2))).toBe('2030-03-13 01:00');
    expect(sh(addWorkingDays(c, at('2030-03-11 23:00'), 1))).toBe('2030-03-14 00:00');
  });

  it('rejects bad hours, bad dates and contradictions', () => {
    expect(() => createCalendar({ workingHours: [] })).toThrow(RangeError);
    expect(() => createCalendar({ workingHours: [{ start: '12:00', end: '08:00' }] })).toThrow(RangeError);
    expect(() => createCalendar({ workingHours: [{ start: '8:30', end: '12:00' }] })).toThrow(RangeError);
    expect(() => createCalendar({ workingHours: [{ start: '08:00', end: '24:30' }] })).toThrow(RangeError);
    expect(() =>
      createCalendar({
        workingHours: [
          { start: '14:00', end: '17:00' },
          { start: '08:00', end: '12:00' },
        ],
      }),
    ).toThrow(/overlap or are out of order/);
    expect(() => createCalendar({ holidays: ['2030-13-01'] })).toThrow(/holidays/);
    expect(() => createCalendar({ holidays: ['2030-03-16'], workdays: ['2030-03-16'] })).toThrow(/both/);
    expect(() => createCalendar({ timezone: 'Europe/Paris' as never })).toThrow(/time zone/);
  });

  it('the natural calendar is 24x7 with no holidays', () => {
    expect(nat.mode).toBe('natural');
    expect(nat.workingHours).toEqual([{ start: '00:00', end: '24:00' }]);
    expect(nat.holidays.size).toBe(0);
  });
});

describe('formatCalendarDays', () => {
  it('prints one line per day, both ends included', () => {
    expect(formatCalendarDays(cal, '2026-01-01', '2026-01-05')).toEqual([
      '2026-01-01 off',
      '2026-01-02 off',
      '2026-01-03 off',
      '2026-01-04 work', // Sunday, 调休
      '2026-01-05 work',
    ]);
    expect(formatCalendarDays(cal, '2026-01-01', '2026-12-31')).toHaveLength(365);
    expect(formatCalendarDays(cal, '2024-01-01', '2024-12-31')).toHaveLength(366);
    expect(formatCalendarDays(nat, '2026-02-15', '2026-02-16')).toEqual(['2026-02-15 work', '2026-02-16 work']);
  });

  it('counts 2026 working days: 261 weekdays - 19 weekday holidays + 6 make-up days = 248', () => {
    const lines = formatCalendarDays(cal, '2026-01-01', '2026-12-31');
    expect(lines.filter((l) => l.endsWith(' work'))).toHaveLength(248);
  });

  it('rejects a reversed or malformed range', () => {
    expect(() => formatCalendarDays(cal, '2026-02-01', '2026-01-01')).toThrow(RangeError);
    expect(() => formatCalendarDays(cal, '2026-02-01', 'tomorrow')).toThrow(RangeError);
  });
});

describe('day numbers', () => {
  it('round-trips', () => {
    for (const s of ['1970-01-01', '2000-02-29', '2026-02-14', '0999-12-31', '9999-12-31']) {
      expect(formatDay(parseDay(s))).toBe(s);
    }
    expect(parseDay('1970-01-02')).toBe(1);
  });
});
