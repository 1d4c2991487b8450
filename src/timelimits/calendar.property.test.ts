import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addWorkingDays,
  addWorkingMinutes,
  isWorkingDay,
  isWorkingInstant,
  naturalCalendar,
  nextWorkingInstant,
  workingMinutesBetween,
  type Calendar,
} from './calendar.ts';
import { cnCalendar, defaultCalendar, holidayDataToSets, CN_HOLIDAYS } from './holidays.ts';

const cal = defaultCalendar();
const nat = naturalCalendar();
const odd = cnCalendar({
  name: 'odd hours',
  workingHours: [
    { start: '00:00', end: '00:07' },
    { start: '09:13', end: '11:00' },
    { start: '11:00', end: '11:01' },
    { start: '23:59', end: '24:00' },
  ],
});

const MIN = 60_000;
const DAY = 86_400_000;
const OFFSET = 8 * 3_600_000;

// Instants from mid-2019 to mid-2027 so that both table edges are crossed.
const T0 = Date.UTC(2019, 5, 1);
const T1 = Date.UTC(2027, 5, 1);
const anyInstant = fc.integer({ min: T0, max: T1 }).map((t) => new Date(t));
const minuteInstant = fc.integer({ min: T0 / MIN, max: T1 / MIN }).map((m) => new Date(m * MIN));
const minutes = fc.integer({ min: 1, max: 30_000 }); // up to ~71 working days
const calendars = fc.constantFrom<Calendar>(cal, odd);

/** ms since Shanghai midnight */
function clockMs(d: Date): number {
  const l = d.getTime() + OFFSET;
  return l - Math.floor(l / DAY) * DAY;
}
function hm(s: string): number {
  const [h, m] = s.split(':').map(Number);
  return (h * 60 + m) * MIN;
}
function isPeriodEnd(c: Calendar, d: Date): boolean {
  const x = clockMs(d);
  return c.workingHours.some((p) => hm(p.end) % DAY === x);
}

const RUNS = { numRuns: 1000 };

describe('working-time arithmetic: properties', () => {
  it('adding N working minutes then measuring the elapsed working time returns N', () => {
    fc.assert(
      fc.property(calendars, anyInstant, minutes, (c, t, n) => {
        expect(workingMinutesBetween(c, t, addWorkingMinutes(c, t, n))).toBe(n);
      }),
      RUNS,
    );
  });

  it('subtracting N working minutes then measuring returns -N', () => {
    fc.assert(
      fc.property(calendars, anyInstant, minutes, (c, t, n) => {
        const back = addWorkingMinutes(c, t, -n);
        expect(back.getTime()).toBeLessThan(t.getTime());
        expect(workingMinutesBetween(c, t, back)).toBe(-n);
      }),
      RUNS,
    );
  });

  it('is monotonic in N', () => {
    fc.assert(
      fc.property(calendars, anyInstant, minutes, minutes, (c, t, a, b) => {
        const [n1, n2] = a <= b ? [a, b] : [b, a];
        expect(addWorkingMinutes(c, t, n1).getTime()).toBeLessThanOrEqual(addWorkingMinutes(c, t, n2).getTime());
        if (n1 < n2) expect(addWorkingMinutes(c, t, n1).getTime()).toBeLessThan(addWorkingMinutes(c, t, n2).getTime());
      }),
      RUNS,
    );
  });

  it('is monotonic in the start instant', () => {
    fc.assert(
      fc.property(calendars, anyInstant, anyInstant, minutes, (c, a, b, n) => {
        const [t1, t2] = a.getTime() <= b.getTime() ? [a, b] : [b, a];
        expect(addWorkingMinutes(c, t1, n).getTime()).toBeLessThanOrEqual(addWorkingMinutes(c, t2, n).getTime());
        expect(workingMinutesBetween(c, t1, t2)).toBeGreaterThanOrEqual(0);
      }),
      RUNS,
    );
  });

  it('a deadline never falls on an off day, nor outside working hours except exactly at a period end', () => {
    fc.assert(
      fc.property(calendars, anyInstant, minutes, (c, t, n) => {
        const d = addWorkingMinutes(c, t, n);
        if (isWorkingInstant(c, d)) return;
        expect(isPeriodEnd(c, d)).toBe(true);
        // a period end at 24:00 is 00:00 of the next (maybe off) day: judge the day by the instant just before
        expect(isWorkingDay(c, new Date(d.getTime() - 1))).toBe(true);
        expect(isWorkingInstant(c, new Date(d.getTime() - 1))).toBe(true);
      }),
      RUNS,
    );
  });

  it('adding is additive: (t + a) + b = t + (a + b)', () => {
    fc.assert(
      fc.property(calendars, anyInstant, minutes, minutes, (c, t, a, b) => {
        const once = addWorkingMinutes(c, t, a + b).getTime();
        const twice = addWorkingMinutes(c, addWorkingMinutes(c, t, a), b).getTime();
        expect(twice).toBe(once);
      }),
      RUNS,
    );
  });

  it('elapsed working time is additive and antisymmetric', () => {
    fc.assert(
      fc.property(calendars, anyInstant, anyInstant, anyInstant, (c, a, b, x) => {
        const ab = workingMinutesBetween(c, a, b);
        expect(workingMinutesBetween(c, b, a)).toBe(-ab || 0);
        expect(workingMinutesBetween(c, a, x) + workingMinutesBetween(c, x, b)).toBeCloseTo(ab, 9);
      }),
      RUNS,
    );
  });

  it('nextWorkingInstant is the first working instant at or after t, with no working time in between', () => {
    fc.assert(
      fc.property(calendars, anyInstant, (c, t) => {
        const nx = nextWorkingInstant(c, t);
        expect(nx.getTime()).toBeGreaterThanOrEqual(t.getTime());
        expect(isWorkingInstant(c, nx)).toBe(true);
        expect(workingMinutesBetween(c, t, nx)).toBe(0);
        if (isWorkingInstant(c, t)) expect(nx.getTime()).toBe(t.getTime());
        else expect(isWorkingInstant(c, new Date(nx.getTime() - 1))).toBe(false);
      }),
      RUNS,
    );
  });

  it('addWorkingDays ends at the last period end of a working day, n working days after the start day', () => {
    fc.assert(
      fc.property(anyInstant, fc.integer({ min: 1, max: 60 }), (t, n) => {
        const due = addWorkingDays(cal, t, n);
        expect(clockMs(due)).toBe(hm('17:30'));
        expect(isWorkingDay(cal, due)).toBe(true);
        // the working days strictly after the start day up to and including the due day: exactly n
        const startDay = Math.floor((t.getTime() + OFFSET) / DAY);
        const dueDay = Math.floor((due.getTime() + OFFSET) / DAY);
        let count = 0;
        for (let d = startDay + 1; d <= dueDay; d++) if (isWorkingDay(cal, new Date(d * DAY - OFFSET))) count++;
        expect(count).toBe(n);
        expect(addWorkingDays(cal, t, n + 1).getTime()).toBeGreaterThan(due.getTime());
      }),
      { numRuns: 300 },
    );
  });

  it('natural mode is plain arithmetic', () => {
    fc.assert(
      fc.property(anyInstant, fc.integer({ min: -1_000_000, max: 1_000_000 }), anyInstant, (t, n, u) => {
        expect(addWorkingMinutes(nat, t, n).getTime()).toBe(t.getTime() + n * MIN);
        expect(workingMinutesBetween(nat, t, u)).toBe((u.getTime() - t.getTime()) / MIN);
        expect(nextWorkingInstant(nat, t).getTime()).toBe(t.getTime());
        expect(isWorkingDay(nat, t)).toBe(true);
      }),
      RUNS,
    );
  });
});

describe('working-time arithmetic: against a minute-by-minute reference', () => {
  // Deliberately naive: walk minute by minute, judging each day from its date
  // string and the raw sets (cached per day only to keep the walk quick).
  const { holidays, workdays } = holidayDataToSets(CN_HOLIDAYS);
  const dayCache = new Map<number, boolean>();
  function refIsWorkingDay(localDay: number): boolean {
    let w = dayCache.get(localDay);
    if (w === undefined) {
      const date = new Date(localDay * DAY);
      const s = date.toISOString().slice(0, 10);
      const dow = date.getUTCDay();
      w = holidays.has(s) ? false : workdays.has(s) ? true : dow >= 1 && dow <= 5;
      dayCache.set(localDay, w);
    }
    return w;
  }
  function refIsWorkingMinute(t: number): boolean {
    const local = t + OFFSET;
    const day = Math.floor(local / DAY);
    if (!refIsWorkingDay(day)) return false;
    const m = (local - day * DAY) / MIN;
    return (m >= 510 && m < 720) || (m >= 840 && m < 1050); // 08:30-12:00, 14:00-17:30
  }
  function refAdd(t: number, n: number): number {
    let left = n;
    let u = t;
    while (left > 0) {
      if (refIsWorkingMinute(u)) left--;
      u += MIN;
    }
    return u;
  }

  it('agrees with the fast implementation on minute-aligned starts', () => {
    fc.assert(
      fc.property(minuteInstant, fc.integer({ min: 1, max: 1500 }), (t, n) => {
        expect(addWorkingMinutes(cal, t, n).getTime()).toBe(refAdd(t.getTime(), n));
      }),
      { numRuns: 200 },
    );
  });

  it('agrees across Spring Festival 2026 and National Day 2026, start by start', () => {
    for (const start of ['2026-02-13T00:00:00+08:00', '2026-09-29T00:00:00+08:00']) {
      const t0 = new Date(start).getTime();
      for (let k = 0; k < 3 * 24 * 4; k++) {
        const t = t0 + k * 15 * MIN; // every quarter hour over three days
        for (const n of [1, 29, 30, 31, 210, 420, 421, 600]) {
          expect(addWorkingMinutes(cal, new Date(t), n).getTime(), `${new Date(t).toISOString()} + ${n}`).toBe(refAdd(t, n));
        }
      }
    }
  });
});
