import { useQueries } from '@tanstack/react-query';
import { api, withQuery } from '../api/client.ts';
import type { CaseList, Me, Role, Status } from '../api/types.ts';

export interface QueueDef {
  key: string;
  zh: string;
  en: string;
  statuses: Status[];
  /** Roles for which this queue is shown; empty = everyone. */
  roles: Role[];
}

const DISPATCHERS: Role[] = ['operator', 'dispatcher', 'township', 'supervisor', 'leader'];
const HANDLERS: Role[] = ['handler', 'township', 'police', 'mediator', 'grid_worker'];
const VERIFIERS: Role[] = ['operator', 'dispatcher', 'supervisor', 'leader'];

/** The work queues: statuses per tab (deadline-based queues come with the time-limits feature). */
export const QUEUES: QueueDef[] = [
  { key: 'todispatch', zh: '待派单', en: 'To dispatch', statuses: ['registered', 'returned'], roles: DISPATCHERS },
  { key: 'toaccept', zh: '待签收', en: 'To accept', statuses: ['dispatched'], roles: [] },
  { key: 'handling', zh: '办理中', en: 'In hand', statuses: ['accepted', 'in_progress'], roles: [] },
  { key: 'toverify', zh: '待回访', en: 'To verify', statuses: ['replied'], roles: [...VERIFIERS, ...HANDLERS] },
  { key: 'toclose', zh: '待办结', en: 'To close', statuses: ['verified'], roles: VERIFIERS },
  { key: 'closed', zh: '已办结', en: 'Closed', statuses: ['closed', 'rated'], roles: [] },
  { key: 'all', zh: '全部', en: 'All', statuses: [], roles: [] },
];

export function queuesFor(me: Me | null | undefined): QueueDef[] {
  if (!me) return [];
  if (me.roles.includes('admin')) return QUEUES;
  return QUEUES.filter((q) => !q.roles.length || q.roles.some((r) => me.roles.includes(r)));
}

/** The queue a role starts in: dispatchers at 待派单, handlers at 待签收. */
export function defaultQueue(me: Me | null | undefined): string {
  const qs = queuesFor(me);
  return qs[0]?.key ?? 'all';
}

export const COUNT_CAP = 100;

/**
 * Counts per queue. The API has no count endpoint yet, so each count is one
 * list call of up to COUNT_CAP rows ("200+" beyond). Shared by the menu and the tabs.
 */
export function useQueueCounts(me: Me | null | undefined, keys?: string[]) {
  const defs = queuesFor(me).filter((q) => q.key !== 'all' && (!keys || keys.includes(q.key)));
  const results = useQueries({
    queries: defs.map((q) => ({
      queryKey: ['queue-count', q.key],
      queryFn: async () => {
        const r = await api<CaseList>(withQuery('/api/cases', { status: q.statuses, limit: COUNT_CAP }));
        return { n: r.items.length, more: !!r.nextCursor };
      },
      staleTime: 30_000,
      refetchInterval: 120_000,
      enabled: !!me,
    })),
  });
  const counts: Record<string, { n: number; more: boolean } | undefined> = {};
  defs.forEach((q, i) => (counts[q.key] = results[i].data));
  return counts;
}
