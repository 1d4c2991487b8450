import { useMemo } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { MetaOut } from '../../../src/cases/model.ts';
import { api, ApiError } from './client.ts';
import type { CaseDetail, Category, Division, Grid, Me, Role, SuggestInput, Suggestions, Unit } from './types.ts';

/** The signed-in user, or null when nobody is signed in. */
export function useMe() {
  return useQuery<Me | null>({
    queryKey: ['me'],
    queryFn: async () => {
      try {
        return await api<Me>('/api/auth/me', { quiet401: true });
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) return null;
        throw err;
      }
    },
    staleTime: 5 * 60_000,
    retry: (n, err) => !(err instanceof ApiError && err.status < 500) && n < 2,
  });
}

export function useSetMe() {
  const qc = useQueryClient();
  return (me: Me | null) => {
    if (!me) qc.clear();
    qc.setQueryData(['me'], me);
  };
}

export const hasRole = (me: Me | null | undefined, ...roles: Role[]) => !!me && (me.roles.includes('admin') || roles.some((r) => me.roles.includes(r)));
export const isStaff = (me: Me | null | undefined) => !!me && me.roles.some((r) => r !== 'citizen');

/** Roles that may register a case (src/cases/lifecycle.ts CREATE_ROLES). */
export const CREATE_ROLES: Role[] = ['operator', 'dispatcher', 'grid_worker', 'police', 'township'];
/** Roles that may dispatch (RULES.dispatch.roles). */
export const DISPATCH_ROLES: Role[] = ['operator', 'dispatcher', 'township', 'supervisor'];

export function useCategories() {
  return useQuery<Category[]>({ queryKey: ['categories'], queryFn: () => api('/api/categories'), staleTime: 30 * 60_000 });
}

export interface CategoryOption {
  value: string;
  label: string;
  children?: CategoryOption[];
}

/** The flat category list as a cascader tree (by parentCode), active ones only. */
export function useCategoryTree() {
  const q = useCategories();
  const tree = useMemo(() => {
    const rows = (q.data ?? []).filter((c) => c.active);
    const byParent = new Map<string | null, Category[]>();
    const codes = new Set(rows.map((r) => r.code));
    for (const c of rows) {
      const parent = c.parentCode && codes.has(c.parentCode) ? c.parentCode : null;
      const list = byParent.get(parent) ?? [];
      list.push(c);
      byParent.set(parent, list);
    }
    const build = (parent: string | null): CategoryOption[] =>
      (byParent.get(parent) ?? [])
        .sort((a, b) => a.sort - b.sort || a.code.localeCompare(b.code))
        .map((c) => {
          const children = build(c.code);
          return { value: c.code, label: c.name, ...(children.length ? { children } : {}) };
        });
    return build(null);
  }, [q.data]);
  const names = useMemo(() => new Map((q.data ?? []).map((c) => [c.code, c.name])), [q.data]);
  return { ...q, tree, names };
}

/** The cascader path of a category code: every ancestor code, then the code. */
export function categoryPath(code: string | null | undefined): string[] {
  if (!code) return [];
  const out: string[] = [];
  for (let i = 2; i <= code.length; i += 2) out.push(code.slice(0, i));
  return out;
}

export function useUnits(enabled = true) {
  return useQuery<Unit[]>({ queryKey: ['units'], queryFn: () => api('/api/units', {}), staleTime: 10 * 60_000, enabled });
}

export function useGrids(enabled = true) {
  return useQuery<Grid[]>({ queryKey: ['grids'], queryFn: () => api('/api/grids'), staleTime: 10 * 60_000, enabled });
}

export function useDivision(code: string | undefined) {
  return useQuery<Division>({
    queryKey: ['division', code],
    queryFn: () => api(`/api/divisions/${code}`),
    enabled: !!code && code !== '*',
    staleTime: 60 * 60_000,
    retry: false,
  });
}

export function useCase(ref: string | undefined) {
  return useQuery<CaseDetail>({
    queryKey: ['case', ref],
    queryFn: () => api(`/api/cases/${encodeURIComponent(ref!)}`),
    enabled: !!ref,
    retry: (n, err) => !(err instanceof ApiError && err.status < 500) && n < 2,
  });
}

/** Has the input enough for the dispatch feature to say anything (text to classify, or a place)? */
export function suggestReady(input: SuggestInput | null): boolean {
  if (!input) return false;
  const text = `${input.title ?? ''} ${input.description}`.trim();
  return text.length >= 4;
}

/**
 * Suggestions for a call being registered or a case being dispatched:
 * category and unit with confidence and reasons, duplicates, knowledge
 * articles (POST /api/dispatch/suggest). The caller debounces the input; the
 * last answer stays on screen while the next one loads.
 */
export function useSuggestions(input: SuggestInput | null, enabled = true) {
  return useQuery<Suggestions>({
    queryKey: ['suggest', input],
    queryFn: ({ signal }) => api<Suggestions>('/api/dispatch/suggest', { method: 'POST', body: input, signal }),
    enabled: enabled && suggestReady(input),
    staleTime: 60_000,
    retry: false,
    placeholderData: (prev) => prev,
  });
}

/** Roles that may merge a duplicate and close directly (src/cases/lifecycle.ts RULES.merge / close_directly). */
export const MERGE_ROLES: Role[] = ['operator', 'dispatcher', 'supervisor'];
export const CLOSE_DIRECTLY_ROLES: Role[] = ['operator', 'grid_worker'];

/** GET /api/meta (the server's response schema). */
export type Meta = MetaOut;

/** Enumerations with their Chinese labels, for values this console does not know yet. */
export function useMeta() {
  return useQuery<Meta>({ queryKey: ['meta'], queryFn: () => api('/api/meta'), staleTime: 60 * 60_000 });
}
