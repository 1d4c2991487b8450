import { z } from 'zod';
import type { App, Ctx } from '../platform/http.ts';
import { invalid, notFound } from '../platform/errors.ts';
import { audit } from '../platform/audit.ts';
import { requireRole, requireUser } from '../org/auth.ts';
import { holidayDataToSets } from './holidays.ts';
import { addLimit, LIMIT_RE } from './rules.ts';
import { CALENDAR_INPUT, DAY_INPUT, POLICY_INPUT, loadCalendar, setCalendarDays, upsertCalendar, upsertPolicy, loadPolicies } from './store.ts';
import type { TimeLimits } from './service.ts';
import type { Sweeper } from './sweeper.ts';

const NAME = z.strictObject({ name: z.string().regex(/^[\w-]{1,50}$/) });

export function registerTimeLimitRoutes(app: App, ctx: Ctx) {
  const db = ctx.db;
  const tags = ['time limits'];
  const tl = () => ctx.services.timeLimits as TimeLimits;

  app.get('/api/calendars', { schema: { tags, summary: '工作日历 Calendars' } }, async (req) => {
    requireUser(req);
    return db.query(
      `SELECT c.name, c.mode, c.working_hours AS "workingHours", c.description, c.updated_at AS "updatedAt",
              (SELECT count(*)::int FROM calendar_days d WHERE d.calendar = c.name AND d.kind = 'off') AS "offDays",
              (SELECT count(*)::int FROM calendar_days d WHERE d.calendar = c.name AND d.kind = 'work') AS "workDays"
         FROM calendars c ORDER BY c.name`,
    );
  });

  app.put('/api/calendars', { schema: { tags, summary: '新建/修改日历 Create or change a calendar (admin)', body: CALENDAR_INPUT } }, async (req) => {
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
    {
      schema: {
        tags,
        summary: '节假日与调休 Holidays and make-up working days, or every day of a range with its kind',
        params: NAME,
        querystring: z.strictObject({ year: z.coerce.number().int().min(2000).max(2100).optional(), all: z.enum(['true', 'false']).default('false') }),
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
    {
      schema: {
        tags,
        summary: '设置节假日 Set holidays and make-up days (admin); replaceYears clears those years first',
        params: NAME,
        body: z.strictObject({ days: z.array(DAY_INPUT).max(2000), replaceYears: z.array(z.number().int().min(2000).max(2100)).max(10).default([]) }),
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

  app.post(
    '/api/calendars/:name/import',
    {
      schema: {
        tags,
        summary: '导入国务院节假日安排 Import a holiday schedule ({ years: { "2027": { holidays: [...], workdays: [...] } } }), replacing those years (admin)',
        params: NAME,
        body: z.object({ name: z.string().optional(), description: z.string().optional(), years: z.record(z.string(), z.object({ holidays: z.array(z.string()), workdays: z.array(z.string()) })) }),
      },
    },
    async (req) => {
      const p = requireRole(req, 'admin');
      let sets;
      try {
        sets = holidayDataToSets({ name: req.params.name, years: req.body.years });
      } catch (e) {
        throw invalid('years', (e as Error).message);
      }
      const days = [...[...sets.holidays].map((day) => ({ day, kind: 'off' as const })), ...[...sets.workdays].map((day) => ({ day, kind: 'work' as const }))];
      const years = Object.keys(req.body.years).map(Number);
      const n = await db.tx((q) => setCalendarDays(q, req.params.name, days, years));
      await audit(db, { userId: p.id, action: 'calendar_import', entity: 'calendar', entityId: req.params.name, detail: { years }, ip: req.ip });
      await tl().reload();
      return { updated: n, years };
    },
  );

  app.get(
    '/api/calendars/:name/deadline',
    {
      schema: {
        tags,
        summary: '计算期限 The deadline a limit gives from an instant on this calendar',
        params: NAME,
        querystring: z.strictObject({ from: z.iso.datetime({ offset: true }), limit: z.string().regex(LIMIT_RE, 'e.g. 30m, 2h, 5d') }),
      },
    },
    async (req) => {
      requireUser(req);
      const cal = await loadCalendar(db, req.params.name);
      if (!cal) throw notFound('calendar');
      return { from: req.query.from, limit: req.query.limit, dueAt: new Date(addLimit(cal, Date.parse(req.query.from), req.query.limit)).toISOString() };
    },
  );

  app.get('/api/time-limit-policies', { schema: { tags, summary: '时限策略 Time-limit policies' } }, async (req) => {
    requireUser(req);
    return loadPolicies(db);
  });

  app.put('/api/time-limit-policies', { schema: { tags, summary: '新建/修改时限策略 Create or change a policy by name (admin)', body: POLICY_INPUT } }, async (req) => {
    const p = requireRole(req, 'admin');
    const cal = await db.query(`SELECT 1 FROM calendars WHERE name = $1`, [req.body.calendar]);
    if (!cal.length) throw invalid('calendar', 'no such calendar');
    const id = await upsertPolicy(db, req.body);
    await audit(db, { userId: p.id, action: 'policy_upsert', entity: 'time_limit_policy', entityId: id, ip: req.ip });
    await tl().reload();
    return { id, name: req.body.name };
  });

  app.post('/api/time-limits/sweep', { schema: { tags, summary: '立即巡检 Run the time-limit sweep now (admin, supervisor)' } }, async (req) => {
    requireRole(req, 'admin', 'supervisor');
    return (ctx.services.sweeper as Sweeper).sweep();
  });
}
