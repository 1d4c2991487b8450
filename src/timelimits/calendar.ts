/**
 * Working calendar: working-time arithmetic over the Chinese calendar of
 * statutory holidays and make-up working days (调休).
 *
 * Everything here is pure: no I/O, no clock. Instants are UTC `Date`s (or epoch
 * milliseconds in the `*Ms` variants used by hot paths); the calendar's wall
 * clock is its time zone (Asia/Shanghai).
 *
 * Model. A calendar defines, for every instant t, the working time elapsed
 * since a fixed origin, F(t) (milliseconds). F grows at 1 ms per ms inside
 * working periods of working days and is flat elsewhere. Every operation is
 * arithmetic on F:
 *
 *   workingMinutesBetween(a, b) = (F(b) - F(a)) / 1 min
 *   addWorkingMinutes(t, n > 0)  = the EARLIEST instant u with F(u) = F(t) + n
 *                                  (so a deadline may fall exactly at 12:00 or
 *                                  17:30, never in the lunch break or at night)
 *   addWorkingMinutes(t, n < 0)  = the LATEST instant u with F(u) = F(t) + n
 *   addWorkingMinutes(t, 0)      = t
 *   nextWorkingInstant(t)        = the LATEST instant u with F(u) = F(t)
 *                                  (t itself when t is inside a working period)
 *
 * F is computed in O(1): a precomputed table holds, per day of the data range,
 * a working-day flag and the cumulative number of working days before it;
 * days outside the table follow the plain weekday rule (Mon-Fri work) and are
 * counted in closed form, so any date works and only the listed years need data.
 *
 * In 'natural' mode (24x7: police, emergencies, anti-fraud) every minute of
 * every day counts, so the arithmetic is plain instant arithmetic.
 */

export type CalendarMode = 'working' | 'natural';

/** Only fixed-offset zones are supported; see `utcOffsetMs`. */
export type CalendarTimeZone = 'Asia/Shanghai';

/** A daily working period in wall-clock time, 'HH:MM' (end may be '24:00'). */
export interface WorkingPeriod {
  readonly start: string;
  readonly end: string;
}

export interface CalendarOptions {
  name?: string;
  timezone?: CalendarTimeZone;
  /** Default 08:30-12:00 and 14:00-17:30. Ignored (00:00-24:00) in natural mode. */
  workingHours?: readonly WorkingPeriod[];
  /** 'YYYY-MM-DD' dates that are off (statutory holidays). Ignored in natural mode. */
  holidays?: Iterable<string>;
  /** 'YYYY-MM-DD' dates that are working days although on a weekend (调休). Ignored in natural mode. */
  workdays?: Iterable<string>;
  mode?: CalendarMode;
}

/** Precomputed lookup tables. Internal: derived from the public fields. */
export interface CalendarTables {
  /** local wall-clock ms = UTC epoch ms + offsetMs */
  readonly offsetMs: number;
  /** the table covers local day numbers [lo, hi) (days since 1970-01-01) */
  readonly lo: number;
  readonly hi: number;
  /** 1 = working day, indexed by day - lo */
  readonly flags: Uint8Array;
  /** cum[i] = number of working days in [lo, lo + i), i = 0..hi-lo */
  readonly cum: Int32Array;
  /** day numbers of the working days in [lo, hi), in order */
  readonly workList: Int32Array;
  /** number of working days in the table (cum[hi - lo]) */
  readonly cumN: number;
  readonly baseLo: number;
  readonly baseHi: number;
  /** working ms in one working day */
  readonly dayWorkMs: number;
  /** period starts / ends in ms since local midnight; acc = working ms before each period */
  readonly pStart: readonly number[];
  readonly pEnd: readonly number[];
  readonly pAcc: readonly number[];
}

/**
 * A working calendar. Immutable: the tables are derived from the sets at
 * creation, so to edit holidays build a new calendar with `createCalendar`.
 */
export interface Calendar {
  readonly name: string;
  readonly timezone: CalendarTimeZone;
  readonly workingHours: readonly WorkingPeriod[];
  readonly holidays: ReadonlySet<string>;
  readonly workdays: ReadonlySet<string>;
  readonly mode: CalendarMode;
  /** @internal */
  readonly tables: CalendarTables;
}

export const DEFAULT_WORKING_HOURS: readonly WorkingPeriod[] = Object.freeze([
  Object.freeze({ start: '08:30', end: '12:00' }),
  Object.freeze({ start: '14:00', end: '17:30' }),
]);

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------
// Time zone: the one place that knows the wall clock's offset from UTC.
// Asia/Shanghai has been UTC+8 without daylight saving since 1992 (it kept DST
// in 1986-1991; instants before 1992 are treated as UTC+8 too).
// ---------------------------------------------------------------------------

const FIXED_OFFSETS_MS: Readonly<Record<CalendarTimeZone, number>> = {
  'Asia/Shanghai': 8 * 3_600_000,
};

/** Offset (ms) to add to a UTC epoch to get the zone's wall-clock epoch. */
export function utcOffsetMs(timezone: string): number {
  const off = (FIXED_OFFSETS_MS as Record<string, number | undefined>)[timezone];
  if (off === undefined) throw new RangeError(`unsupported calendar time zone: ${timezone} (supported: Asia/Shanghai)`);
  return off;
}

// ---------------------------------------------------------------------------
// Day numbers ('YYYY-MM-DD' <-> days since 1970-01-01)
// ---------------------------------------------------------------------------

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** 'YYYY-MM-DD' -> days since 1970-01-01. Throws RangeError on a malformed or impossible date. */
export function parseDay(s: string): number {
  const m = typeof s === 'string' ? DAY_RE.exec(s) : null;
  if (m === null) throw new RangeError(`not a date (YYYY-MM-DD): ${String(s)}`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d); // setUTCFullYear: no 2-digit-year remapping
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) {
    throw new RangeError(`not a valid calendar date: ${s}`);
  }
  return Math.round(date.getTime() / DAY_MS);
}

/** days since 1970-01-01 -> 'YYYY-MM-DD' */
export function formatDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** The calendar's local day number of an instant. */
export function localDayOf(cal: Calendar, instant: Date): number {
  return Math.floor((instant.getTime() + cal.tables.offsetMs) / DAY_MS);
}

// Weekday arithmetic. base(d) = number of Mon-Fri days in [-3, d), day -3
// being Monday 1969-12-29; only differences of base() are ever used.
function base(d: number): number {
  const e = d + 3;
  const q = Math.floor(e / 7);
  const r = e - 7 * q;
  return 5 * q + (r < 5 ? r : 5);
}

/** The Mon-Fri day d with base(d) = b. */
function weekdayFromBase(b: number): number {
  const w = Math.floor(b / 5);
  return 7 * w + (b - 5 * w) - 3;
}

function isWeekday(d: number): boolean {
  const e = d + 3;
  return e - 7 * Math.floor(e / 7) < 5;
}

// ---------------------------------------------------------------------------
// Construction
// ---------------------------------------------------------------------------

const HM_RE = /^([01]\d|2[0-4]):([0-5]\d)$/;

function parseClock(s: string): number {
  const m = typeof s === 'string' ? HM_RE.exec(s) : null;
  if (m === null) throw new RangeError(`not a wall-clock time (HH:MM): ${String(s)}`);
  const ms = (Number(m[1]) * 60 + Number(m[2])) * MINUTE_MS;
  if (ms > DAY_MS) throw new RangeError(`wall-clock time after 24:00: ${s}`);
  return ms;
}

function toDaySet(dates: Iterable<string> | undefined, what: string): Set<string> {
  const out = new Set<string>();
  if (dates === undefined) return out;
  for (const s of dates) {
    try {
      parseDay(s);
    } catch (e) {
      throw new RangeError(`${what}: ${(e as Error).message}`);
    }
    out.add(s);
  }
  return out;
}

const NATURAL_HOURS: readonly WorkingPeriod[] = Object.freeze([Object.freeze({ start: '00:00', end: '24:00' })]);

/**
 * Builds a calendar and its lookup tables. Throws RangeError on malformed
 * dates or hours, overlapping or unordered working periods, no working time,
 * or a date listed both as holiday and as make-up working day.
 */
export function createCalendar(opts: CalendarOptions = {}): Calendar {
  const mode: CalendarMode = opts.mode ?? 'working';
  if (mode !== 'working' && mode !== 'natural') throw new RangeError(`unknown calendar mode: ${String(mode)}`);
  const timezone: CalendarTimeZone = opts.timezone ?? 'Asia/Shanghai';
  const offsetMs = utcOffsetMs(timezone);
  const name = opts.name ?? (mode === 'natural' ? 'natural' : 'default');

  const hours = mode === 'natural' ? NATURAL_HOURS : (opts.workingHours ?? DEFAULT_WORKING_HOURS);
  if (hours.length === 0) throw new RangeError('a working calendar needs at least one working period');
  const pStart: number[] = [];
  const pEnd: number[] = [];
  const pAcc: number[] = [];
  let acc = 0;
  let prevEnd = 0;
  for (const p of hours) {
    const s = parseClock(p.start);
    const e = parseClock(p.end);
    if (e <= s) throw new RangeError(`working period ends before it starts: ${p.start}-${p.end}`);
    if (s < prevEnd) throw new RangeError(`working periods overlap or are out of order at ${p.start}`);
    pStart.push(s);
    pEnd.push(e);
    pAcc.push(acc);
    acc += e - s;
    prevEnd = e;
  }
  const dayWorkMs = acc;

  const holidays = mode === 'natural' ? new Set<string>() : toDaySet(opts.holidays, 'holidays');
  const workdays = mode === 'natural' ? new Set<string>() : toDaySet(opts.workdays, 'workdays');
  for (const d of workdays) {
    if (holidays.has(d)) throw new RangeError(`${d} is listed both as holiday and as make-up working day`);
  }

  // Table range: whole years covering every listed date.
  let minDay = Infinity;
  let maxDay = -Infinity;
  for (const set of [holidays, workdays]) {
    for (const s of set) {
      const d = parseDay(s);
      if (d < minDay) minDay = d;
      if (d > maxDay) maxDay = d;
    }
  }
  let lo = 0;
  let hi = 0;
  if (minDay <= maxDay) {
    lo = parseDay(`${formatDay(minDay).slice(0, 4)}-01-01`);
    hi = parseDay(`${formatDay(maxDay).slice(0, 4)}-12-31`) + 1;
  }
  const n = hi - lo;
  const flags = new Uint8Array(n);
  const cum = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) flags[i] = isWeekday(lo + i) ? 1 : 0;
  for (const s of holidays) flags[parseDay(s) - lo] = 0;
  for (const s of workdays) flags[parseDay(s) - lo] = 1;
  let count = 0;
  for (let i = 0; i < n; i++) {
    cum[i] = count;
    count += flags[i];
  }
  cum[n] = count;
  const workList = new Int32Array(count);
  for (let i = 0, j = 0; i < n; i++) if (flags[i] === 1) workList[j++] = lo + i;

  const tables: CalendarTables = Object.freeze({
    offsetMs,
    lo,
    hi,
    flags,
    cum,
    workList,
    cumN: count,
    baseLo: base(lo),
    baseHi: base(hi),
    dayWorkMs,
    pStart: Object.freeze(pStart),
    pEnd: Object.freeze(pEnd),
    pAcc: Object.freeze(pAcc),
  });
  return Object.freeze({
    name,
    timezone,
    workingHours: Object.freeze(hours.map((p) => Object.freeze({ start: p.start, end: p.end }))),
    holidays,
    workdays,
    mode,
    tables,
  });
}

/** The 24x7 calendar: every minute of every day counts (police, emergencies, anti-fraud). */
export function naturalCalendar(name = 'natural'): Calendar {
  return createCalendar({ name, mode: 'natural' });
}

// ---------------------------------------------------------------------------
// Core: F(t) and its inverses, on epoch milliseconds
// ---------------------------------------------------------------------------

function isWorkDayNum(tb: CalendarTables, d: number): boolean {
  if (d >= tb.lo && d < tb.hi) return tb.flags[d - tb.lo] === 1;
  return isWeekday(d);
}

/** Number of working days before local day d (relative to the table start). */
function cumDays(tb: CalendarTables, d: number): number {
  if (d < tb.lo) return base(d) - tb.baseLo;
  if (d > tb.hi) return tb.cumN + base(d) - tb.baseHi;
  return tb.cum[d - tb.lo];
}

/** The working day d with cumDays(d) = j. */
function nthWorkDay(tb: CalendarTables, j: number): number {
  if (j < 0) return weekdayFromBase(j + tb.baseLo);
  if (j >= tb.cumN) return weekdayFromBase(j - tb.cumN + tb.baseHi);
  return tb.workList[j];
}

/** Working ms in [00:00, x) of a working day. */
function withinDay(tb: CalendarTables, x: number): number {
  const ps = tb.pStart;
  const pe = tb.pEnd;
  for (let i = 0; i < ps.length; i++) {
    if (x <= ps[i]) return tb.pAcc[i];
    if (x < pe[i]) return tb.pAcc[i] + (x - ps[i]);
  }
  return tb.dayWorkMs;
}

/** F(t): working ms elapsed from the calendar's origin to instant t (epoch ms). */
export function workingMsAt(cal: Calendar, t: number): number {
  if (cal.mode === 'natural') return t;
  const tb = cal.tables;
  const local = t + tb.offsetMs;
  const d = Math.floor(local / DAY_MS);
  const c = cumDays(tb, d) * tb.dayWorkMs;
  return isWorkDayNum(tb, d) ? c + withinDay(tb, local - d * DAY_MS) : c;
}

/** Earliest instant u (epoch ms) with F(u) = w. */
function earliestAt(cal: Calendar, w: number): number {
  const tb = cal.tables;
  const W = tb.dayWorkMs;
  const j = Math.ceil(w / W) - 1;
  const r = w - j * W; // in (0, W]
  const d = nthWorkDay(tb, j);
  const ps = tb.pStart;
  let x = tb.pEnd[ps.length - 1];
  for (let i = 0; i < ps.length; i++) {
    const upto = tb.pAcc[i] + (tb.pEnd[i] - ps[i]);
    if (r <= upto) {
      x = ps[i] + (r - tb.pAcc[i]);
      break;
    }
  }
  return d * DAY_MS + x - tb.offsetMs;
}

/** Latest instant u (epoch ms) with F(u) = w. */
function latestAt(cal: Calendar, w: number): number {
  const tb = cal.tables;
  const W = tb.dayWorkMs;
  const j = Math.floor(w / W);
  const r = w - j * W; // in [0, W)
  const d = nthWorkDay(tb, j);
  const ps = tb.pStart;
  let x = ps[0];
  for (let i = 0; i < ps.length; i++) {
    const upto = tb.pAcc[i] + (tb.pEnd[i] - ps[i]);
    if (r < upto) {
      x = ps[i] + (r - tb.pAcc[i]);
      break;
    }
  }
  return d * DAY_MS + x - tb.offsetMs;
}

function checkInstant(t: number): void {
  if (!Number.isFinite(t)) throw new RangeError('invalid instant');
}

/**
 * Epoch-ms variant of addWorkingMinutes, for hot paths (no Date allocation).
 * `ms` is working time in milliseconds; see the module comment for n > 0, n < 0, n = 0.
 */
export function addWorkingMs(cal: Calendar, t: number, ms: number): number {
  if (cal.mode === 'natural') return t + ms;
  if (ms > 0) return earliestAt(cal, workingMsAt(cal, t) + ms);
  if (ms < 0) return latestAt(cal, workingMsAt(cal, t) + ms);
  return t;
}

/** Epoch-ms variant of workingMinutesBetween, in ms: F(b) - F(a). */
export function workingMsBetween(cal: Calendar, a: number, b: number): number {
  if (cal.mode === 'natural') return b - a;
  return workingMsAt(cal, b) - workingMsAt(cal, a);
}

/** Epoch-ms variant of nextWorkingInstant. */
export function nextWorkingMs(cal: Calendar, t: number): number {
  if (cal.mode === 'natural') return t;
  return latestAt(cal, workingMsAt(cal, t));
}

// ---------------------------------------------------------------------------
// Public API on Dates
// ---------------------------------------------------------------------------

/**
 * Is the day a working day? `day` is 'YYYY-MM-DD' (a date on the calendar's
 * wall clock) or an instant (its local date in the calendar's time zone).
 * Every day is a working day in natural mode.
 */
export function isWorkingDay(cal: Calendar, day: string | Date): boolean {
  if (cal.mode === 'natural') return true;
  let d: number;
  if (typeof day === 'string') d = parseDay(day);
  else {
    checkInstant(day.getTime());
    d = localDayOf(cal, day);
  }
  return isWorkDayNum(cal.tables, d);
}

/**
 * Is the instant inside a working period of a working day? Periods are
 * half-open, [start, end): 12:00 and 17:30 are outside, 08:30 and 14:00 inside.
 */
export function isWorkingInstant(cal: Calendar, instant: Date): boolean {
  if (cal.mode === 'natural') return true;
  const t = instant.getTime();
  checkInstant(t);
  return nextWorkingMs(cal, t) === t;
}

/**
 * The instant `minutes` working minutes after `instant` (before it when
 * negative). For minutes > 0 the result is the earliest instant by which that
 * much working time has elapsed: never in a break, at night or on an off day,
 * though it may be exactly at a period end (12:00, 17:30). Minutes may be
 * fractional; they are rounded to the millisecond.
 */
export function addWorkingMinutes(cal: Calendar, instant: Date, minutes: number): Date {
  const t = instant.getTime();
  checkInstant(t);
  if (!Number.isFinite(minutes)) throw new RangeError(`invalid number of minutes: ${minutes}`);
  return new Date(addWorkingMs(cal, t, Math.round(minutes * MINUTE_MS)));
}

/** addWorkingMinutes(cal, instant, hours * 60). */
export function addWorkingHours(cal: Calendar, instant: Date, hours: number): Date {
  return addWorkingMinutes(cal, instant, hours * 60);
}

/**
 * The deadline for a limit of `n` working days from `instant`:
 *
 * - n >= 1: the end of the last working period (17:30 by default) of the n-th
 *   working day AFTER the local day of `instant`. The day of registration is
 *   not counted, whatever the hour (as 民法典 art. 201: 开始的当日不计入), and
 *   the period ends when business stops on its last day (art. 203). So a case
 *   registered Fri 2026-02-13 16:00 with 5 working days is due Fri 2026-02-27
 *   17:30 (Sat 02-14 is a make-up working day; 02-15..02-23 are off).
 * - n = 0 ("same day", 当日): the end of the working day on which working time
 *   next runs: today's 17:30 if registered before it on a working day,
 *   otherwise the end of the next working day.
 *
 * In natural mode a day ends at 24:00, so n days means 24:00 of the n-th
 * calendar day after (n = 0: 24:00 today). n must be a non-negative integer.
 */
export function addWorkingDays(cal: Calendar, instant: Date, n: number): Date {
  const t = instant.getTime();
  checkInstant(t);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`working days must be a non-negative integer: ${n}`);
  const tb = cal.tables;
  const lastEnd = tb.pEnd[tb.pEnd.length - 1];
  const today = Math.floor((t + tb.offsetMs) / DAY_MS);
  let day: number;
  if (cal.mode === 'natural') day = today + n;
  else if (n === 0) day = Math.floor((nextWorkingMs(cal, t) + tb.offsetMs) / DAY_MS);
  else day = nthWorkDay(tb, cumDays(tb, today + 1) + n - 1);
  return new Date(day * DAY_MS + lastEnd - tb.offsetMs);
}

/**
 * Working minutes elapsed from a to b (negative when b < a). Fractional when
 * the instants are not on whole minutes.
 */
export function workingMinutesBetween(cal: Calendar, a: Date, b: Date): number {
  const ta = a.getTime();
  const tbm = b.getTime();
  checkInstant(ta);
  checkInstant(tbm);
  return workingMsBetween(cal, ta, tbm) / MINUTE_MS;
}

/**
 * The instant itself when it is inside a working period of a working day,
 * else the start of the next working period (e.g. 12:00 -> 14:00; Friday
 * 17:30 -> next working day 08:30).
 */
export function nextWorkingInstant(cal: Calendar, instant: Date): Date {
  const t = instant.getTime();
  checkInstant(t);
  return new Date(nextWorkingMs(cal, t));
}

/**
 * One line per day from `from` to `to` inclusive: 'YYYY-MM-DD work' or
 * 'YYYY-MM-DD off' (for `zhili calendar days`). Throws RangeError on a
 * malformed date or when to < from.
 */
export function formatCalendarDays(cal: Calendar, from: string, to: string): string[] {
  const a = parseDay(from);
  const b = parseDay(to);
  if (b < a) throw new RangeError(`--to ${to} is before --from ${from}`);
  const out: string[] = [];
  for (let d = a; d <= b; d++) {
    const work = cal.mode === 'natural' || isWorkDayNum(cal.tables, d);
    out.push(`${formatDay(d)} ${work ? 'work' : 'off'}`);
  }
  return out;
}
