import { createContext, useContext } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api, withQuery, type Query } from '../../api/client.ts';

export interface DashState {
  from: string;
  to: string;
  divisionCode?: string;
  /** Wall-screen mode: large type, dark, charts only, refreshed every minute. */
  wall: boolean;
  /** Level of the divisions to rank (2 city ... 5 village). */
  rankLevel: number;
}

export const DashCtx = createContext<DashState>({ from: '', to: '', wall: false, rankLevel: 3 });
export const useDash = () => useContext(DashCtx);

export const WALL_REFRESH_MS = 60_000;

/** A stats call over the dashboard's period and division; refreshed on the wall screen. */
export function useStat<T>(path: string, extra: Query = {}) {
  const d = useDash();
  const query: Query = { from: d.from, to: d.to, divisionCode: d.divisionCode, ...extra };
  return useQuery<T>({
    queryKey: ['stats', path, query],
    queryFn: ({ signal }) => api<T>(withQuery(path, query), { signal }),
    refetchInterval: d.wall ? WALL_REFRESH_MS : false,
    placeholderData: (prev) => prev,
  });
}

/** The same call as an xlsx download path. */
export function useXlsxPath(path: string, extra: Query = {}) {
  const d = useDash();
  return withQuery(path, { from: d.from, to: d.to, divisionCode: d.divisionCode, ...extra, format: 'xlsx' });
}

/** Chart colours: on white in the console, on the dark wall screen large and light. */
export function chartTheme(wall: boolean) {
  return wall
    ? { text: '#e8eefb', muted: '#a9b8d6', line: '#2c4470', font: 18, small: 16 }
    : { text: '#1f2937', muted: '#4b5563', line: '#e5e7eb', font: 12, small: 12 };
}

export const PALETTE = ['#1d5bd8', '#13a8a8', '#d48806', '#cf1322', '#722ed1', '#389e0d', '#eb2f96', '#8c8c8c'];
export const WALL_PALETTE = ['#4d8dff', '#36cfc9', '#ffc53d', '#ff7875', '#b37feb', '#95de64', '#ff85c0', '#bfbfbf'];
