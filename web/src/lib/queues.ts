import { useQueries } from '@tanstack/react-query';
import { api, withQuery } from '../api/client.ts';
import type { CaseList, ListSort, Me, Role, Status, Warning } from '../api/types.ts';

export interface QueueDef {
  key: string;
  zh: string;
  en: string;
  statuses: Status[];
  /** Time-limit warning the queue is made of (即将超时 yellow, 已超时 red). */
  warning?: Warning[];
  /** The queue's natural order: deadline queues nearest deadline first. */
  sort: ListSort;
  /** Roles for which this queue is shown; empty = everyone. */
  roles: Role[];
}

const DISPATCHERS: Role[] = ['operator', 'dispatcher', 'township', 'supervisor', 'leader'];
const HANDLERS: Role[] = ['handler', 'township', 'police', 'mediator', 'grid_worker'];
const VERIFIERS: Role[] = ['operator', 'dispatcher', 'supervisor', 'leader'];
/** Cases whose clock may run (src/cases/lifecycle.ts, everything not final). */
export const OPEN_STATUSES: Status[] = ['registered', 'dispatched', 'accepted', 'in_progress', 'replied', 'verified', 'returned'];

/** The work queues: a stage of the loop each, and the two deadline queues across stages. */
export const QUEUES: QueueDef[] = [
  { key: 'todispatch', zh: '待派单', en: 'To dispatch', statuses: ['registered', 'returned'], sort: 'due_asc', roles: DISPATCHERS },
  { key: 'toaccept', zh: '待签收', en: 'To accept', statuses: ['dispatched'], sort: 'due_asc', roles: [] },
  { key: 'handling', zh: '办理中', en: 'In hand', statuses: ['accepted', 'in_progress'], sort: 'due_asc', roles: [] },
  { key: 'soon', zh: '即将超时', en: 'Due soon', statuses: OPEN_STATUSES, warning: ['yellow'], sort: 'due_asc', roles: [] },
  { key: 'overdue', zh: '已超时', en: 'Overdue', statuses: OPEN_STATUSES, warning: ['red'], sort: 'due_asc', roles: [] },
  { key: 'toverify', zh: '待回访', en: 'To verify', statuses: ['replied'], sort: 'due_asc', roles: [...VERIFIERS, ...HANDLERS] },
  { key: 'toclose', zh: '待办结', en: 'To close', statuses: ['verified'], sort: 'due_asc', roles: VERIFIERS },
  { key: 'closed', zh: '已办结', en: 'Closed', statuses: ['closed', 'rated'], sort: 'updated_desc', roles: [] },
  { key: 'all', zh: '全部', en: 'All', statuses: [], sort: 'created_desc', roles: [] },
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

/** The list query of a queue (the filters the page adds come on top). */
export function queueQuery(q: QueueDef): { status: Status[]; warning?: Warning[] } {
  return { status: q.statuses, ...(q.warning ? { warning: q.warning } : {}) };
}

export interface QueueCount {
  n: number;
  /** The server stopped counting (n is its cap). */
  more: boolean;
}

/** "10000+" when the server stopped counting. */
export const countText = (c: QueueCount) => (c.more ? `${c.n}+` : String(c.n));

/**
 * Counts per queue: one list call each with withTotal=true and limit=1 (the
 * server counts, capped). Shared by the menu and the tabs through the query cache.
 */
export function useQueueCounts(me: Me | null | undefined, keys?: string[]) {
  const defs = queuesFor(me).filter((q) => q.key !== 'all' && (!keys || keys.includes(q.key)));
  const results = useQueries({
    queries: defs.map((q) => ({
      queryKey: ['queue-count', q.key],
      queryFn: async ({ signal }: { signal: AbortSignal }): Promise<QueueCount> => {
        const r = await api<CaseList>(withQuery('/api/cases', { ...queueQuery(q), limit: 1, withTotal: true }), { signal });
        // An older server without withTotal: at least say whether there is anything.
        return r.total !== undefined ? { n: r.total, more: !!r.totalCapped } : { n: r.items.length, more: !!r.nextCursor };
      },
      staleTime: 30_000,
      refetchInterval: 60_000,
      enabled: !!me,
    })),
  });
  const counts: Record<string, QueueCount | undefined> = {};
  defs.forEach((q, i) => (counts[q.key] = results[i].data));
  return counts;
}
