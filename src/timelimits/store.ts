/** Calendars and time-limit policies in the database, and the defaults shipped with zhili. */
import { readFileSync } from 'node:fs';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import type { Queryable } from '../platform/db.ts';
import { createCalendar, DEFAULT_WORKING_HOURS, naturalCalendar, type Calendar, type WorkingPeriod } from './calendar.ts';
import { CN_HOLIDAYS, holidayDataToSets } from './holidays.ts';
import { LIMIT_RE, type Policy } from './rules.ts';

const LIMIT = z.string().regex(LIMIT_RE, '时限格式如 30m、2h、5d (a number and m, h or d)');

export const POLICY_INPUT = z.strictObject({
  name: z.string().trim().min(1, '请填写策略名称 (a name is required)').max(100),
  caseType: z.enum(['consultation', 'help', 'complaint', 'report', 'suggestion', 'praise']).nullish(),
  categoryCode: z.string().regex(/^(\d{2})+$/, '分类代码为每级 2 位数字 (2 digits per level)').max(12).nullish(),
  urgency: z.enum(['normal', 'urgent']).nullish(),
  channel: z.enum(['hotline', 'grid', 'web', 'wechat', 'police110', 'enterprise', 'api']).nullish(),
  calendar: z.string().min(1, '请选择日历 (choose a calendar)').max(50),
  dispatchLimit: LIMIT.nullish(),
  acceptLimit: LIMIT.nullish(),
  arriveLimit: LIMIT.nullish(),
  replyLimit: LIMIT,
  verifyLimit: LIMIT.nullish(),
  returnLimit: LIMIT.nullish(),
  summonLimit: LIMIT.nullish(),
  yellowRatio: z.number().gt(0, '黄色预警比例须在 0 与 1 之间 (between 0 and 1)').lt(1, '黄色预警比例须在 0 与 1 之间 (between 0 and 1)').default(0.8),
  escalateAfter: LIMIT.nullish(),
  maxExtensions: z.number().int().min(0, '延期次数 0-10 (0 to 10)').max(10, '延期次数 0-10 (0 to 10)').default(2),
  maxExtension: LIMIT.nullish(),
  active: z.boolean().default(true),
});
export type PolicyInput = z.input<typeof POLICY_INPUT>;

const PERIOD = z.strictObject({ start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/), end: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/) });
export const CALENDAR_INPUT = z.strictObject({
  name: z.string().regex(/^[\w-]{1,50}$/, '日历名称只能包含字母、数字、_ 和 - (letters, digits, _ and -)'),
  mode: z.enum(['working', 'natural']),
  workingHours: z.array(PERIOD).min(1).max(6).default([...DEFAULT_WORKING_HOURS]),
  description: z.string().max(500).nullish(),
});
export const DAY_INPUT = z.strictObject({
  day: z.iso.date(),
  kind: z.enum(['off', 'work']),
  note: z.string().max(200, '备注最多 200 字 (at most 200 characters)').nullish(),
});

export async function upsertCalendar(q: Queryable, input: z.input<typeof CALENDAR_INPUT>): Promise<void> {
  const c = CALENDAR_INPUT.parse(input);
  // Validates the hours the same way the arithmetic will use them.
  createCalendar({ name: c.name, mode: c.mode, workingHours: c.workingHours });
  await q.query(
    `INSERT INTO calendars (name, mode, working_hours, description) VALUES ($1, $2, $3, $4)
     ON CONFLICT (name) DO UPDATE SET mode = EXCLUDED.mode, working_hours = EXCLUDED.working_hours, description = EXCLUDED.description, updated_at = now()`,
    [c.name, c.mode, JSON.stringify(c.workingHours), c.description ?? null],
  );
}

/** Sets days of a calendar (holidays and make-up working days); `replaceYear` clears that year first. */
export async function setCalendarDays(q: Queryable, calendar: string, days: z.input<typeof DAY_INPUT>[], replaceYears: number[] = []): Promise<number> {
  for (const y of replaceYears) {
    await q.query(`DELETE FROM calendar_days WHERE calendar = $1 AND day >= $2::date AND day < $3::date`, [calendar, `${y}-01-01`, `${y + 1}-01-01`]);
  }
  const parsed = days.map((d) => DAY_INPUT.parse(d));
  if (!parsed.length) return 0;
  await q.query(
    `INSERT INTO calendar_days (calendar, day, kind, note)
     SELECT $1, d.day, d.kind, d.note FROM unnest($2::date[], $3::text[], $4::text[]) AS d(day, kind, note)
     ON CONFLICT (calendar, day) DO UPDATE SET kind = EXCLUDED.kind, note = EXCLUDED.note`,
    [calendar, parsed.map((d) => d.day), parsed.map((d) => d.kind), parsed.map((d) => d.note ?? null)],
  );
  await q.query(`UPDATE calendars SET updated_at = now() WHERE name = $1`, [calendar]);
  return parsed.length;
}

export async function upsertPolicy(q: Queryable, input: PolicyInput): Promise<string> {
  const p = POLICY_INPUT.parse(input);
  const rows = await q.query<{ id: string }>(
    `INSERT INTO time_limit_policies (id, name, case_type, category_code, urgency, channel, calendar, dispatch_limit, accept_limit, arrive_limit,
       reply_limit, verify_limit, return_limit, summon_limit, yellow_ratio, escalate_after, max_extensions, max_extension, active)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
     ON CONFLICT (name) DO UPDATE SET case_type = EXCLUDED.case_type, category_code = EXCLUDED.category_code, urgency = EXCLUDED.urgency,
       channel = EXCLUDED.channel, calendar = EXCLUDED.calendar, dispatch_limit = EXCLUDED.dispatch_limit, accept_limit = EXCLUDED.accept_limit,
       arrive_limit = EXCLUDED.arrive_limit, reply_limit = EXCLUDED.reply_limit, verify_limit = EXCLUDED.verify_limit,
       return_limit = EXCLUDED.return_limit, summon_limit = EXCLUDED.summon_limit, yellow_ratio = EXCLUDED.yellow_ratio,
       escalate_after = EXCLUDED.escalate_after, max_extensions = EXCLUDED.max_extensions, max_extension = EXCLUDED.max_extension,
       active = EXCLUDED.active, updated_at = now()
     RETURNING id`,
    [
      uuidv7(),
      p.name,
      p.caseType ?? null,
      p.categoryCode ?? null,
      p.urgency ?? null,
      p.channel ?? null,
      p.calendar,
      p.dispatchLimit ?? null,
      p.acceptLimit ?? null,
      p.arriveLimit ?? null,
      p.replyLimit,
      p.verifyLimit ?? null,
      p.returnLimit ?? null,
      p.summonLimit ?? null,
      p.yellowRatio,
      p.escalateAfter ?? null,
      p.maxExtensions,
      p.maxExtension ?? null,
      p.active,
    ],
  );
  return rows[0].id;
}

export function defaultPolicies(): PolicyInput[] {
  return JSON.parse(readFileSync(new URL('./data/policies.json', import.meta.url), 'utf8'));
}

/** First start: the statutory calendar (from the shipped holiday data), a 24x7 one, and the default policies. */
export async function ensureTimeLimitDefaults(q: Queryable): Promise<void> {
  const have = await q.query(`SELECT 1 FROM calendars LIMIT 1`);
  if (have.length) return;
  await upsertCalendar(q, { name: 'default', mode: 'working', description: '法定工作日 08:30-12:00, 14:00-17:30 (Asia/Shanghai)' });
  await upsertCalendar(q, { name: '24x7', mode: 'natural', workingHours: [{ start: '00:00', end: '24:00' }], description: '全天候 (police, emergencies, anti-fraud)' });
  const { holidays, workdays } = holidayDataToSets(CN_HOLIDAYS);
  // The source travels with each day, so the holiday page can say where a day came from.
  const note = '国务院办公厅节假日安排通知（随系统附带）';
  await setCalendarDays(q, 'default', [
    ...[...holidays].map((day) => ({ day, kind: 'off' as const, note })),
    ...[...workdays].map((day) => ({ day, kind: 'work' as const, note })),
  ]);
  for (const p of defaultPolicies()) await upsertPolicy(q, p);
}

/** Builds the named calendar from its rows. */
export async function loadCalendar(q: Queryable, name: string): Promise<Calendar | undefined> {
  const cals = await loadCalendars(q, [name]);
  return cals.get(name);
}

export async function loadCalendars(q: Queryable, names?: string[]): Promise<Map<string, Calendar>> {
  const rows = await q.query<{ name: string; mode: 'working' | 'natural'; working_hours: WorkingPeriod[] }>(
    `SELECT name, mode, working_hours FROM calendars ${names ? 'WHERE name = ANY ($1)' : ''}`,
    names ? [names] : [],
  );
  const days = await q.query<{ calendar: string; day: string; kind: 'off' | 'work' }>(
    `SELECT calendar, to_char(day, 'YYYY-MM-DD') AS day, kind FROM calendar_days ${names ? 'WHERE calendar = ANY ($1)' : ''}`,
    names ? [names] : [],
  );
  const out = new Map<string, Calendar>();
  for (const r of rows) {
    if (r.mode === 'natural') {
      out.set(r.name, naturalCalendar(r.name));
      continue;
    }
    const mine = days.filter((d) => d.calendar === r.name);
    out.set(
      r.name,
      createCalendar({
        name: r.name,
        mode: 'working',
        workingHours: r.working_hours,
        holidays: mine.filter((d) => d.kind === 'off').map((d) => d.day),
        workdays: mine.filter((d) => d.kind === 'work').map((d) => d.day),
      }),
    );
  }
  return out;
}

interface PolicyRow {
  id: string;
  name: string;
  case_type: string | null;
  category_code: string | null;
  urgency: string | null;
  channel: string | null;
  calendar: string;
  dispatch_limit: string | null;
  accept_limit: string | null;
  arrive_limit: string | null;
  reply_limit: string;
  verify_limit: string | null;
  return_limit: string | null;
  summon_limit: string | null;
  yellow_ratio: number;
  escalate_after: string | null;
  max_extensions: number;
  max_extension: string | null;
  active: boolean;
}

export function policyFromRow(r: PolicyRow): Policy {
  return {
    id: r.id,
    name: r.name,
    caseType: r.case_type,
    categoryCode: r.category_code,
    urgency: r.urgency,
    channel: r.channel,
    calendar: r.calendar,
    dispatchLimit: r.dispatch_limit,
    acceptLimit: r.accept_limit,
    arriveLimit: r.arrive_limit,
    replyLimit: r.reply_limit,
    verifyLimit: r.verify_limit,
    returnLimit: r.return_limit,
    summonLimit: r.summon_limit,
    yellowRatio: Number(r.yellow_ratio),
    escalateAfter: r.escalate_after,
    maxExtensions: r.max_extensions,
    maxExtension: r.max_extension,
    active: r.active,
  };
}

export async function loadPolicies(q: Queryable): Promise<Policy[]> {
  const rows = await q.query<PolicyRow>(`SELECT * FROM time_limit_policies ORDER BY name`);
  return rows.map(policyFromRow);
}
