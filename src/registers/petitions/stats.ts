/**
 * Petitions' figures over petitions registered in [from, to) that the caller
 * may see, each a count or a fraction of two (kit/rates.ts):
 *
 * - total, and previousTotal over the same period one year earlier;
 *   yoyChange = (total - previousTotal) / previousTotal (-0.68: down 68%);
 * - timelyAcceptanceRate (及时受理率) = decided (accepted or not) by the accept deadline / decided;
 * - onTimeReplyRate (按期答复率) = replied by the (possibly extended) reply deadline / replied;
 * - resolutionRate (化解率) = closed as resolved / closed;
 * - leaderResolutionRate (包案化解率) = the same over petitions a leader took charge of;
 * - repeatRate (重复信访率) = repeat petitions / total;
 * - satisfactionRate (满意率) = satisfied or basically satisfied / rated.
 */
import { z } from 'zod';
import type { Queryable } from '../../platform/db.ts';
import type { Principal } from '../../org/auth.ts';
import { rate } from '../kit/index.ts';
import { petitionVisibility } from './store.ts';

export const PETITION_STATS = z.object({
  from: z.string(),
  to: z.string(),
  total: z.number().int(),
  previousTotal: z.number().int(),
  yoyChange: z.number().nullable(),
  decided: z.number().int(),
  decidedInTime: z.number().int(),
  timelyAcceptanceRate: z.number().nullable(),
  replied: z.number().int(),
  repliedOnTime: z.number().int(),
  onTimeReplyRate: z.number().nullable(),
  closed: z.number().int(),
  resolved: z.number().int(),
  resolutionRate: z.number().nullable(),
  leaderClosed: z.number().int(),
  leaderResolved: z.number().int(),
  leaderResolutionRate: z.number().nullable(),
  repeat: z.number().int(),
  repeatRate: z.number().nullable(),
  collective: z.number().int(),
  rated: z.number().int(),
  satisfied: z.number().int(),
  satisfactionRate: z.number().nullable(),
});
export type PetitionStats = z.infer<typeof PETITION_STATS>;

const YEAR_MS = (d: Date) => {
  const x = new Date(d);
  x.setUTCFullYear(x.getUTCFullYear() - 1);
  return x;
};

export async function petitionStats(q: Queryable, p: Principal, s: { from: string; to: string; division?: string }): Promise<PetitionStats> {
  const from = new Date(s.from);
  const to = new Date(s.to);
  const params: unknown[] = [from, to, YEAR_MS(from), YEAR_MS(to)];
  const where: string[] = [];
  if (s.division) where.push(`t.division_code LIKE $${params.push(`${s.division}%`)}`);
  where.push(petitionVisibility(p, 't', params));
  const cur = `t.registered_at >= $1 AND t.registered_at < $2`;
  const r = (
    await q.query<Record<string, number>>(
      `SELECT count(*) FILTER (WHERE ${cur})::int AS total,
              count(*) FILTER (WHERE t.registered_at >= $3 AND t.registered_at < $4)::int AS previous_total,
              count(*) FILTER (WHERE ${cur} AND t.decided_at IS NOT NULL)::int AS decided,
              count(*) FILTER (WHERE ${cur} AND t.decided_at <= t.accept_due_at)::int AS decided_in_time,
              count(*) FILTER (WHERE ${cur} AND t.replied_at IS NOT NULL)::int AS replied,
              count(*) FILTER (WHERE ${cur} AND t.replied_at <= t.reply_due_at)::int AS replied_on_time,
              count(*) FILTER (WHERE ${cur} AND t.closed_at IS NOT NULL)::int AS closed,
              count(*) FILTER (WHERE ${cur} AND t.closed_at IS NOT NULL AND t.resolved)::int AS resolved,
              count(*) FILTER (WHERE ${cur} AND t.closed_at IS NOT NULL AND t.leader_user_id IS NOT NULL)::int AS leader_closed,
              count(*) FILTER (WHERE ${cur} AND t.closed_at IS NOT NULL AND t.leader_user_id IS NOT NULL AND t.resolved)::int AS leader_resolved,
              count(*) FILTER (WHERE ${cur} AND t.repeat_of IS NOT NULL)::int AS repeat,
              count(*) FILTER (WHERE ${cur} AND t.collective)::int AS collective,
              count(*) FILTER (WHERE ${cur} AND t.satisfaction IS NOT NULL)::int AS rated,
              count(*) FILTER (WHERE ${cur} AND t.satisfaction IN ('satisfied', 'basically'))::int AS satisfied
         FROM petitions t WHERE t.registered_at >= $3 AND t.registered_at < $2 AND ${where.join(' AND ')}`,
      params,
    )
  )[0];
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    total: r.total,
    previousTotal: r.previous_total,
    yoyChange: r.previous_total ? rate(r.total - r.previous_total, r.previous_total) : null,
    decided: r.decided,
    decidedInTime: r.decided_in_time,
    timelyAcceptanceRate: rate(r.decided_in_time, r.decided),
    replied: r.replied,
    repliedOnTime: r.replied_on_time,
    onTimeReplyRate: rate(r.replied_on_time, r.replied),
    closed: r.closed,
    resolved: r.resolved,
    resolutionRate: rate(r.resolved, r.closed),
    leaderClosed: r.leader_closed,
    leaderResolved: r.leader_resolved,
    leaderResolutionRate: rate(r.leader_resolved, r.leader_closed),
    repeat: r.repeat,
    repeatRate: rate(r.repeat, r.total),
    collective: r.collective,
    rated: r.rated,
    satisfied: r.satisfied,
    satisfactionRate: rate(r.satisfied, r.rated),
  };
}
