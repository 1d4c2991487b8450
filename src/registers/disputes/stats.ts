/**
 * Disputes' figures, each a count of records or a fraction of two (kit/rates.ts):
 *
 * - screened (排查数): entries registered in [from, to);
 * - resolved (化解数): of those, the entries resolved by now (resolved_at set:
 *   an agreement or resolved otherwise, whatever followed);
 * - resolutionRate (化解率) = resolved / screened;
 * - mediated (调解数): of those, the entries whose mediation ended, in an
 *   agreement or in failure; successful (调解成功数): those with an agreement;
 * - mediationSuccessRate (调解成功率) = successful / mediated;
 * - agreementsFollowedUp, agreementsPerformed: agreements whose follow-up
 *   visit was made, and of those the ones performed; performanceRate = performed / followed up.
 */
import { z } from 'zod';
import type { Queryable } from '../../platform/db.ts';
import type { Principal } from '../../org/auth.ts';
import { rate } from '../kit/index.ts';
import { disputeVisibility } from './store.ts';

export const GROUP_BY = ['category', 'division', 'risk', 'orgKind', 'kind'] as const;

export const FIGURES = z.object({
  screened: z.number().int(),
  resolved: z.number().int(),
  resolutionRate: z.number().nullable(),
  mediated: z.number().int(),
  successful: z.number().int(),
  mediationSuccessRate: z.number().nullable(),
  agreementsFollowedUp: z.number().int(),
  agreementsPerformed: z.number().int(),
  performanceRate: z.number().nullable(),
});
export const STATS_RESPONSE = FIGURES.extend({
  from: z.string(),
  to: z.string(),
  groups: z.array(FIGURES.extend({ key: z.string().nullable(), name: z.string().nullable() })).optional(),
});
export type StatsResponse = z.infer<typeof STATS_RESPONSE>;

export interface StatsQuery {
  from: string;
  to: string;
  division?: string;
  kind?: 'dispute' | 'hazard';
  groupBy?: (typeof GROUP_BY)[number];
}

type Counts = { screened: number; resolved: number; mediated: number; successful: number; followed: number; performed: number };

const COUNTS = `count(*)::int AS screened,
  count(*) FILTER (WHERE d.resolved_at IS NOT NULL)::int AS resolved,
  count(*) FILTER (WHERE d.outcome IN ('agreement', 'failed'))::int AS mediated,
  count(*) FILTER (WHERE d.outcome = 'agreement')::int AS successful,
  count(*) FILTER (WHERE d.outcome = 'agreement' AND d.follow_up IS NOT NULL)::int AS followed,
  count(*) FILTER (WHERE d.outcome = 'agreement' AND (d.follow_up->>'performed')::boolean)::int AS performed`;

const figures = (c: Counts) => ({
  screened: c.screened,
  resolved: c.resolved,
  resolutionRate: rate(c.resolved, c.screened),
  mediated: c.mediated,
  successful: c.successful,
  mediationSuccessRate: rate(c.successful, c.mediated),
  agreementsFollowedUp: c.followed,
  agreementsPerformed: c.performed,
  performanceRate: rate(c.performed, c.followed),
});

/** The division level below `division` (county 6 -> township 9 -> village 12), by code length. */
const childLength = (division?: string) => ({ 2: 4, 4: 6, 6: 9, 9: 12 })[division?.length ?? 4] ?? 12;

export async function disputeStats(q: Queryable, p: Principal, s: StatsQuery): Promise<StatsResponse> {
  const params: unknown[] = [new Date(s.from), new Date(s.to)];
  const where = [`d.registered_at >= $1`, `d.registered_at < $2`];
  if (s.division) where.push(`d.division_code LIKE $${params.push(`${s.division}%`)}`);
  if (s.kind) where.push(`d.kind = $${params.push(s.kind)}`);
  where.push(disputeVisibility(p, 'd', params));
  const total = (await q.query<Counts>(`SELECT ${COUNTS} FROM disputes d WHERE ${where.join(' AND ')}`, params))[0];
  const out: StatsResponse = { from: new Date(s.from).toISOString(), to: new Date(s.to).toISOString(), ...figures(total) };
  if (s.groupBy) {
    const len = childLength(s.division);
    const [key, name, join] = {
      category: ['d.category_code', 'c.name', 'JOIN dispute_categories c ON c.code = d.category_code'],
      division: [`left(d.division_code, ${len})`, 'dv.name', `LEFT JOIN divisions dv ON dv.code = left(d.division_code, ${len})`],
      risk: ['d.risk', 'NULL::text', ''],
      orgKind: ['d.org_kind', 'NULL::text', ''],
      kind: ['d.kind', 'NULL::text', ''],
    }[s.groupBy];
    const rows = await q.query<Counts & { key: string | null; name: string | null }>(
      `SELECT ${key} AS key, ${name} AS name, ${COUNTS} FROM disputes d ${join} WHERE ${where.join(' AND ')} GROUP BY 1, 2 ORDER BY 1`,
      params,
    );
    out.groups = rows.map((r) => ({ key: r.key, name: r.name, ...figures(r) }));
  }
  return out;
}
