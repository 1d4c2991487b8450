import { z } from 'zod';
import { CalendarDaySchema, CalendarSchema, DeadlineAnswerSchema, PolicyMatchSchema, PolicySchema, SweepResultSchema } from './types.ts';
import { NoContent } from '../platform/schemas.ts';
import type { App, Ctx } from '../platform/http.ts';
import { allow } from '../platform/access.ts';
import { invalid, notFound } from '../platform/errors.ts';
import { audit } from '../platform/audit.ts';
import { requireRole, requireUser } from '../org/auth.ts';
import { holidayDataToSets } from './holidays.ts';
import { addLimit, choosePolicy, specificity, LIMIT_RE } from './rules.ts';
import { CALENDAR_INPUT, DAY_INPUT, POLICY_INPUT, loadCalendar, setCalendarDays, upsertCalendar, upsertPolicy, loadPolicies } from './store.ts';
import type { TimeLimits } from './service.ts';
import type { Sweeper } from './sweeper.ts';

const NAME = z.strictObject({ name: z.string().regex(/^[\w-]{1,50}$/) });

export function registerTimeLimitRoutes(app: App, ctx: Ctx) {
  const db = ctx.db;
  const tags = ['time limits'];
  const tl = () => ctx.services.timeLimits;

  app.get('/api/calendars', { config: { access: allow.signedIn('none') }, schema: { tags, summary: '工作日历 Calendars', response: { 200: z.array(CalendarSchema) } } }, async (req) => {
    requireUser(req);
    return db.query(
      `SELECT c.name, c.mode, c.working_hours AS "workingHours", c.description, c.updated_at AS "updatedAt",
              (SELECT count(*)::int FROM calendar_days d WHERE d.calendar = c.name AND d.kind = 'off') AS "offDays",
              (SELECT count(*)::int FROM calendar_days d WHERE d.calendar = c.name AND d.kind = 'work') AS "workDays"
         FROM calendars c ORDER BY c.name`,
    );
  });

  app.put('/api/calendars', { config: { access: allow.roles(['admin'], 'none') }, schema: { tags, summary: '新建/修改日历 Create or change a calendar (admin)', body: CALENDAR_INPUT, response: { 200: z.object({ name: z.string() }) } } }, async (req) => {
    const p = requireRole(req, 'admin');
    try {
      await upsertCalendar(db, req.body);
    } catch (e) {
      if (e instanceof RangeError) throw invalid('workingHours', e.message);
      throw e;
    }
    await audit(db, { userId: p.id, action: 'calendar_upsert', entity: 'calendar', entityId: req.body.name, ip: req.ip });
    await tl().reload();
    return { name: req.body.name };
  });

  app.get(
    '/api/calendars/:name/days',
    { config: { access: allow.signedIn('none') },
      schema: {
        tags,
        summary: '节假日与调休 Holidays and make-up working days, or every day of a range with its kind',
        params: NAME,
        querystring: z.strictObject({ year: z.coerce.number().int().min(2000).max(2100).optional(), all: z.enum(['true', 'false']).default('false') }),
        response: { 200: z.array(CalendarDaySchema) },
      },
    },
    async (req) => {
      requireUser(req);
      const year = req.query.year ?? new Date().getFullYear();
      if (req.query.all === 'true') {
        const cal = await loadCalendar(db, req.params.name);
        if (!cal) throw notFound('calendar');
        const { formatCalendarDays } = await import('./calendar.ts');
        return formatCalendarDays(cal, `${year}-01-01`, `${year}-12-31`).map((l) => {
          const [day, kind] = l.split(' ');
          return { day, kind };
        });
      }
      return db.query(
        `SELECT to_char(day, 'YYYY-MM-DD') AS day, kind, note FROM calendar_days WHERE calendar = $1 AND day >= $2::date AND day < $3::date ORDER BY day`,
        [req.params.name, `${year}-01-01`, `${year + 1}-01-01`],
      );
    },
  );

  app.put(
    '/api/calendars/:name/days',
    { config: { access: allow.roles(['admin'], 'none') },
      schema: {
        tags,
        summary: '设置节假日 Set holidays and make-up days (admin); replaceYears clears those years first',
        params: NAME,
        body: z.strictObject({ days: z.array(DAY_INPUT).max(2000), replaceYears: z.array(z.number().int().min(2000).max(2100)).max(10).default([]) }),
        response: { 200: z.object({ updated: z.number() }) },
      },
    },
    async (req) => {
      const p = requireRole(req, 'admin');
      const exists = await db.query(`SELECT 1 FROM calendars WHERE name = $1`, [req.params.name]);
      if (!exists.length) throw notFound('calendar');
      const n = await db.tx((q) => setCalendarDays(q, req.params.name, req.body.days, req.body.replaceYears));
      await audit(db, { userId: p.id, action: 'calendar_days', entity: 'calendar', entityId: req.params.name, detail: { count: n }, ip: req.ip });
      await tl().reload();
      return { updated: n };
    },
  );

  app.delete(
    '/api/calendars/:name/days/:day',
    { config: { access: allow.roles(['admin'], 'none') },
      schema: {
        tags,
        summary: '恢复为普通日 Remove a holiday or make-up day, so the day follows the weekday rule again (admin)',
        params: z.strictObject({ name: NAME.shape.name, day: z.iso.date('日期格式为 YYYY-MM-DD (a date as YYYY-MM-DD)') }),
        response: { 204: NoContent },
      },
    },
    async (req, reply) => {
      const p = requireRole(req, 'admin');
      const exists = await db.query(`SELECT 1 FROM calendars WHERE name = $1`, [req.params.name]);
      if (!exists.length) throw notFound('calendar');
      const gone = await db.tx(async (q) => {
        const rows = await q.query(`DELETE FROM calendar_days WHERE calendar = $1 AND day = $2::date RETURNING kind`, [req.params.name, req.params.day]);
        if (rows.length) await q.query(`UPDATE calendars SET updated_at = now() WHERE name = $1`, [req.params.name]);
        return rows.length;
      });
      if (!gone) throw notFound('calendar day');
      await audit(db, { userId: p.id, action: 'calendar_day_remove', entity: 'calendar', entityId: req.params.name, detail: { day: req.params.day }, ip: req.ip });
      await tl().reload();
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/calendars/:name/import',
    { config: { access: allow.roles(['admin'], 'none') },
      schema: {
        tags,
        summary: '导入国务院节假日安排 Import a holiday schedule ({ years: { "2027": { holidays: [...], workdays: [...] } } }), replacing those years (admin)',
        params: NAME,
        body: z.object({
          name: z.string().optional(),
          description: z.string().optional(),
          source: z.string().trim().max(200, '来源最多 200 字 (at most 200 characters)').optional().describe('where the schedule comes from (e.g. 国务院办公厅关于2027年部分节假日安排的通知); kept as the note of each day'),
          years: z.record(z.string(), z.object({ holidays: z.array(z.string()), workdays: z.array(z.string()) })),
        }),
        response: { 200: z.object({ updated: z.number(), years: z.array(z.number()) }) },
      },
    },
    async (req) => {
      const p = requireRole(req, 'admin');
      const exists = await db.query(`SELECT 1 FROM calendars WHERE name = $1`, [req.params.name]);
      if (!exists.length) throw notFound('calendar');
      if (!Object.keys(req.body.years).length) throw invalid('years', '至少导入一年 (at least one year)');
      let sets;
      try {
        sets = holidayDataToSets({ name: req.params.name, years: req.body.years });
      } catch (e) {
        throw invalid('years', (e as Error).message);
      }
      const years = Object.keys(req.body.years).map(Number);
      // A day listed under the wrong year would survive the replacement of its own year: refuse it.
      for (const d of [...sets.holidays, ...sets.workdays]) {
        if (!years.includes(Number(d.slice(0, 4)))) throw invalid(`years.${d.slice(0, 4)}`, `${d} 不属于导入的年份 (is not in a year being imported)`);
      }
      const both = [...sets.holidays].find((d) => sets.workdays.has(d));
      if (both) throw invalid('years', `${both} 同时列为假日和调休工作日 (listed both as a holiday and a working day)`);
      const note = req.body.source || null;
      const days = [...[...sets.holidays].map((day) => ({ day, kind: 'off' as const, note })), ...[...sets.workdays].map((day) => ({ day, kind: 'work' as const, note }))];
      const n = await db.tx((q) => setCalendarDays(q, req.params.name, days, years));
      await audit(db, { userId: p.id, action: 'calendar_import', entity: 'calendar', entityId: req.params.name, detail: { years }, ip: req.ip });
      await tl().reload();
      return { updated: n, years };
    },
  );

  app.get(
    '/api/calendars/:name/deadline',
    { config: { access: allow.signedIn('none') },
      schema: {
        tags,
        summary: '计算期限 The deadline a limit gives from an instant on this calendar',
        params: NAME,
        querystring: z.strictObject({ from: z.iso.datetime({ offset: true }), limit: z.string().regex(LIMIT_RE, 'e.g. 30m, 2h, 5d') }),
        response: { 200: DeadlineAnswerSchema },
      },
    },
    async (req) => {
      requireUser(req);
      const cal = await loadCalendar(db, req.params.name);
      if (!cal) throw notFound('calendar');
      return { from: req.query.from, limit: req.query.limit, dueAt: new Date(addLimit(cal, Date.parse(req.query.from), req.query.limit)).toISOString() };
    },
  );

  app.get('/api/time-limit-policies', { config: { access: allow.signedIn('none') }, schema: { tags, summary: '时限策略 Time-limit policies', response: { 200: z.array(PolicySchema) } } }, async (req) => {
    requireUser(req);
    return loadPolicies(db);
  });

  app.get(
    '/api/time-limit-policies/match',
    { config: { access: allow.signedIn('none') },
      schema: {
        tags,
        summary: '适用策略 The policy a case with these keys gets, and every policy that matches (most specific first)',
        querystring: z.strictObject({
          type: POLICY_INPUT.shape.caseType.unwrap().unwrap(),
          categoryCode: POLICY_INPUT.shape.categoryCode.unwrap().unwrap().optional(),
          urgency: POLICY_INPUT.shape.urgency.unwrap().unwrap().default('normal'),
          channel: POLICY_INPUT.shape.channel.unwrap().unwrap().default('hotline'),
        }),
        response: { 200: PolicyMatchSchema },
      },
    },
    async (req) => {
      requireUser(req);
      const keys = { type: req.query.type, categoryCode: req.query.categoryCode ?? null, urgency: req.query.urgency, channel: req.query.channel };
      const policies = await loadPolicies(db);
      const matches = policies
        .map((p) => ({ name: p.name, score: specificity(p, keys) }))
        .filter((m) => m.score >= 0)
        .sort((a, b) => b.score - a.score || (a.name < b.name ? -1 : 1));
      return { policy: choosePolicy(policies, keys) ?? null, matches };
    },
  );

  app.put('/api/time-limit-policies', { config: { access: allow.roles(['admin'], 'none') }, schema: { tags, summary: '新建/修改时限策略 Create or change a policy by name (admin)', body: POLICY_INPUT, response: { 200: z.object({ id: z.string(), name: z.string() }) } } }, async (req) => {
    const p = requireRole(req, 'admin');
    const cal = await db.query(`SELECT 1 FROM calendars WHERE name = $1`, [req.body.calendar]);
    if (!cal.length) throw invalid('calendar', '日历不存在 (no such calendar)');
    if (req.body.categoryCode) {
      const cat = await db.query(`SELECT 1 FROM categories WHERE code = $1`, [req.body.categoryCode]);
      if (!cat.length) throw invalid('categoryCode', `分类 ${req.body.categoryCode} 不存在 (no such category)`);
    }
    const id = await upsertPolicy(db, req.body);
    await audit(db, { userId: p.id, action: 'policy_upsert', entity: 'time_limit_policy', entityId: id, ip: req.ip });
    await tl().reload();
    return { id, name: req.body.name };
  });

  app.post('/api/time-limits/sweep', { config: { access: allow.roles(['admin', 'supervisor'], 'none') }, schema: { tags, summary: '立即巡检 Run the time-limit sweep now (admin, supervisor)', response: { 200: SweepResultSchema } } }, async (req) => {
    requireRole(req, 'admin', 'supervisor');
    return ctx.services.sweeper.sweep();
  });
}
