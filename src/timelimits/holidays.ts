/**
 * The shipped holiday data (data/holidays-cn.json) and the default calendar
 * built from it. The JSON is the import format too: an admin can load next
 * year's State Council schedule with `holidayDataToSets`.
 */
import cnData from './data/holidays-cn.json' with { type: 'json' };
import { createCalendar, parseDay, type Calendar, type CalendarOptions } from './calendar.ts';

/** One year of the schedule: days off (incl. weekend days inside a break) and weekend make-up working days. */
export interface HolidayYear {
  holidays: string[];
  workdays: string[];
}

export interface HolidayData {
  name: string;
  description?: string;
  years: Record<string, HolidayYear>;
}

/** Mainland China, 2020 through 2026 (verified day by day against the `chinese-days` package in the tests). */
export const CN_HOLIDAYS: HolidayData = cnData as HolidayData;

/**
 * Validates holiday data (shape and dates) and flattens it into the sets a
 * calendar takes. Throws RangeError naming the bad entry.
 */
export function holidayDataToSets(data: HolidayData): { holidays: Set<string>; workdays: Set<string> } {
  if (data === null || typeof data !== 'object' || data.years === null || typeof data.years !== 'object') {
    throw new RangeError('holiday data: expected an object with "years"');
  }
  const holidays = new Set<string>();
  const workdays = new Set<string>();
  for (const [year, entry] of Object.entries(data.years)) {
    if (!/^\d{4}$/.test(year)) throw new RangeError(`holiday data: year key ${year} is not YYYY`);
    for (const key of ['holidays', 'workdays'] as const) {
      const list = entry?.[key];
      if (!Array.isArray(list)) throw new RangeError(`holiday data: years.${year}.${key} must be an array of YYYY-MM-DD`);
      for (const s of list) {
        try {
          parseDay(s);
        } catch (e) {
          throw new RangeError(`holiday data: years.${year}.${key}: ${(e as Error).message}`);
        }
        (key === 'holidays' ? holidays : workdays).add(s);
      }
    }
  }
  return { holidays, workdays };
}

let cached: Calendar | undefined;

/**
 * The default working calendar: mainland China holidays and make-up days from
 * the shipped data, 08:30-12:00 and 14:00-17:30 Asia/Shanghai. Calendars are
 * immutable, so one shared instance is returned.
 */
export function defaultCalendar(): Calendar {
  cached ??= createCalendar({ name: 'default', ...holidayDataToSets(CN_HOLIDAYS) });
  return cached;
}

/** A working calendar from the shipped holidays with other options (e.g. other working hours). */
export function cnCalendar(opts: Omit<CalendarOptions, 'holidays' | 'workdays' | 'mode'> = {}): Calendar {
  return createCalendar({ ...opts, ...holidayDataToSets(CN_HOLIDAYS), mode: 'working' });
}
