/**
 * Outlines of the divisions in the signed-in user's jurisdiction that have one
 * (GET /api/divisions?outlined=true&geometry=true): the map's 区划边界 layer, so
 * a map without base tiles still shows streets and communities.
 */
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client.ts';
import type { Json } from '../../../../src/platform/json.ts';
import type { DivisionListItem } from '../../../../src/org/types.ts';

/** A division with its outline, as GET /api/divisions?geometry=true lists it (the server's response schema). */
export type DivisionOutline = Omit<Json<DivisionListItem>, 'geometry'> & { geometry: NonNullable<Json<DivisionListItem>['geometry']> | null };

export function useDivisionOutlines(enabled = true) {
  return useQuery<DivisionOutline[]>({
    queryKey: ['divisions', 'outlines'],
    queryFn: ({ signal }) => api('/api/divisions?outlined=true&geometry=true&limit=1000', { signal }),
    staleTime: 10 * 60_000,
    enabled,
  });
}
