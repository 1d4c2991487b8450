/**
 * The phone page's queries. Lists keep their last answer in localStorage so
 * that, without signal, the worker still sees what was there (marked with
 * its time) instead of an error page.
 */
import { useEffect } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api, withQuery, type Query } from '../api/client.ts';
import type { CaseList, Grid, Me, Status } from '../api/types.ts';
import { readCache, writeCache } from './cache.ts';

/** Statuses in which a case is still being worked on. */
export const OPEN_STATUSES: Status[] = ['registered', 'dispatched', 'accepted', 'in_progress', 'replied', 'verified', 'returned'];
/** Statuses in which the lead unit has to act (accept, start, reply). */
export const TASK_STATUSES: Status[] = ['dispatched', 'accepted', 'in_progress'];

function usePersisted<T>(name: string, key: unknown[], fn: (signal: AbortSignal) => Promise<T>, enabled = true) {
  const cacheKey = `${name}:${JSON.stringify(key)}`;
  const cached = readCache<T>(cacheKey);
  const q = useQuery<T>({
    queryKey: ['m', name, ...key],
    queryFn: ({ signal }) => fn(signal),
    enabled,
    initialData: cached?.data,
    // The copy is shown at once but counts as old, so it is fetched again when possible.
    initialDataUpdatedAt: cached ? 1 : undefined,
    staleTime: 20_000,
    refetchOnWindowFocus: true,
    refetchOnReconnect: true,
  });
  useEffect(() => {
    if (q.data !== undefined && q.dataUpdatedAt > 1) writeCache(cacheKey, q.data);
  }, [q.data, q.dataUpdatedAt, cacheKey]);
  return { ...q, savedAt: q.dataUpdatedAt > 1 ? q.dataUpdatedAt : (cached?.at ?? null), fromCache: q.dataUpdatedAt <= 1 };
}

/** The grids this user works (the grid's worker is this user). */
export function useMyGrids(me: Me) {
  const scope = me.scopeCodes.length === 1 && me.scopeCodes[0] !== '*' ? me.scopeCodes[0] : undefined;
  return usePersisted<Grid[]>('grids', [me.id], async (signal) => {
    const all = await api<Grid[]>(withQuery('/api/grids', { geometry: 'false', divisionCode: scope, limit: 10000 }), { signal });
    return all.filter((g) => g.workerUserId === me.id);
  });
}

export function useCaseList(name: string, query: Query, enabled = true) {
  return usePersisted<CaseList>(name, [query], (signal) => api<CaseList>(withQuery('/api/cases', query), { signal }), enabled);
}

export function taskQuery(me: Me): Query {
  return me.unitId
    ? { unitId: me.unitId, status: TASK_STATUSES, sort: 'due_asc', limit: 100 }
    : { mine: 'true', status: TASK_STATUSES, sort: 'due_asc', limit: 100 };
}

export function useTasks(me: Me) {
  return useCaseList('tasks', taskQuery(me));
}

export function useTaskCount(me: Me): number {
  return useTasks(me).data?.items.length ?? 0;
}
