/**
 * A list's summary over the tasks the caller sees: counts by status (all five
 * codes always present), by lead unit, overdue tasks, and the on-time review
 * rate = reviews reported by their due time / (those + reviews missed), a
 * fraction of two counts (kit/rates.ts), null when no review has fallen due.
 */
import { z } from 'zod';
import type { Queryable } from '../../platform/db.ts';
import type { Principal } from '../../org/auth.ts';
import { rate } from '../kit/index.ts';
import { localDate, STATUSES, type Status } from './lifecycle.ts';
import { taskVisibility, type ListRow } from './store.ts';

const BY_STATUS = z.object(Object.fromEntries(STATUSES.map((s) => [s, z.number().int()])) as Record<Status, z.ZodNumber>);

export const TASK_STATS = z.object({
  list: z.object({ id: z.string(), name: z.string(), divisionCode: z.string() }),
  total: z.number().int(),
  byStatus: BY_STATUS.describe('tasks by status code; every code is present'),
  completed: z.number().int().describe('done + done_continuing'),
  completionRate: z.number().nullable(),
  overdue: z.number().int().describe('not done and the deadline or a milestone has passed'),
  reviewsOnTime: z.number().int(),
  reviewsMissed: z.number().int(),
  onTimeReviewRate: z.number().nullable(),
  byUnit: z.array(z.object({ unitId: z.string(), unitName: z.string().nullable(), total: z.number().int(), byStatus: BY_STATUS, overdue: z.number().int() })),
});
export type TaskStats = z.infer<typeof TASK_STATS>;

const zero = () => Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;

export async function taskStats(q: Queryable, p: Principal, list: ListRow, now: number): Promise<TaskStats> {
  const params: unknown[] = [list.id, localDate(now)];
  const rows = await q.query<{ lead_unit_id: string; unit_name: string | null; status: Status; n: number; overdue: number; on_time: number; missed: number }>(
    `SELECT t.lead_unit_id, u.name AS unit_name, t.status, count(*)::int AS n,
            count(*) FILTER (WHERE t.status NOT IN ('done', 'done_continuing') AND (t.deadline < $2::date
              OR EXISTS (SELECT 1 FROM task_milestones m WHERE m.task_id = t.id AND m.done_at IS NULL AND m.due_date < $2::date)))::int AS overdue,
            coalesce(sum(t.reviews_on_time), 0)::int AS on_time, coalesce(sum(t.reviews_missed), 0)::int AS missed
       FROM tasks t JOIN task_lists l ON l.id = t.list_id LEFT JOIN units u ON u.id = t.lead_unit_id
      WHERE t.list_id = $1 AND ${taskVisibility(p, 't', 'l', params)}
      GROUP BY t.lead_unit_id, u.name, t.status`,
    params,
  );
  const byStatus = zero();
  const units = new Map<string, TaskStats['byUnit'][number]>();
  let overdue = 0;
  let onTime = 0;
  let missed = 0;
  for (const r of rows) {
    byStatus[r.status] += r.n;
    overdue += r.overdue;
    onTime += r.on_time;
    missed += r.missed;
    const u = units.get(r.lead_unit_id) ?? { unitId: r.lead_unit_id, unitName: r.unit_name, total: 0, byStatus: zero(), overdue: 0 };
    u.total += r.n;
    u.byStatus[r.status] += r.n;
    u.overdue += r.overdue;
    units.set(r.lead_unit_id, u);
  }
  const total = STATUSES.reduce((a, s) => a + byStatus[s], 0);
  const completed = byStatus.done + byStatus.done_continuing;
  return {
    list: { id: list.id, name: list.name, divisionCode: list.division_code },
    total,
    byStatus,
    completed,
    completionRate: rate(completed, total),
    overdue,
    reviewsOnTime: onTime,
    reviewsMissed: missed,
    onTimeReviewRate: rate(onTime, onTime + missed),
    byUnit: [...units.values()].sort((a, b) => b.total - a.total || (a.unitName ?? '').localeCompare(b.unitName ?? '', 'zh')),
  };
}
