/**
 * Runtime settings the server hands the console (GET /api/client-config, no
 * sign-in): which base tiles the map draws, if any, and where it opens. Read
 * once per page load; a deployment changes tiles by env and restart, with no
 * rebuild of the web bundle.
 */
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client.ts';
import type { ClientConfigOut } from '../../../../src/cases/model.ts';

/** GET /api/client-config (the server's response schema). */
export type ClientConfig = ClientConfigOut;

/** Build-time fallback (VITE_TILE_URL), for a console served by a server without the setting. */
const BUILD_TILE_URL: string | undefined = import.meta.env.VITE_TILE_URL;
const BUILD_ATTRIBUTION: string = import.meta.env.VITE_TILE_ATTRIBUTION ?? '';

export function useClientConfig() {
  return useQuery<ClientConfig>({
    queryKey: ['client-config'],
    queryFn: async ({ signal }) => {
      const c = await api<ClientConfig>('/api/client-config', { signal, quiet401: true });
      if (!c.map.tileUrl && BUILD_TILE_URL) return { map: { ...c.map, tileUrl: BUILD_TILE_URL, attribution: c.map.attribution || BUILD_ATTRIBUTION } };
      return c;
    },
    staleTime: Infinity,
    gcTime: Infinity,
    // The map works without it (plain background); never block on a failing config call.
    retry: 1,
  });
}

/** The map settings, or none while loading or when the call failed (then: no tiles, default view). */
export function useMapSettings(): ClientConfig['map'] | undefined {
  const q = useClientConfig();
  if (q.data) return q.data.map;
  if (q.isError && BUILD_TILE_URL) return { tileUrl: BUILD_TILE_URL, attribution: BUILD_ATTRIBUTION, center: null, zoom: null };
  return undefined;
}
