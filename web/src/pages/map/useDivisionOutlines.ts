/**
 * Outlines of the divisions in the signed-in user's jurisdiction that have one
 * (GET /api/divisions?outlined=true&geometry=true): the map's 区划边界 layer, so
 * a map without base tiles still shows streets and communities.
 */
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client.ts';

export interface DivisionOutline {
  code: string;
  name: string;
  /** 1 province … 4 township/street, 5 village/community. */
  level: number;
  geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: unknown } | null;
}

export function useDivisionOutlines(enabled = true) {
  return useQuery<DivisionOutline[]>({
    queryKey: ['divisions', 'outlines'],
    queryFn: ({ signal }) => api('/api/divisions?outlined=true&geometry=true&limit=1000', { signal }),
    staleTime: 10 * 60_000,
    enabled,
  });
}
