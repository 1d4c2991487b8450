/**
 * Leaflet drawing GeoJSON grids and case points. No internet needed: a base
 * tile layer is added only when VITE_TILE_URL is configured at build time;
 * otherwise the grids and points sit on a plain background.
 */
import { useEffect, useRef, useState } from 'react';
import L from 'leaflet';
import 'leaflet/dist/leaflet.css';
import 'leaflet.markercluster/dist/MarkerCluster.css';
import 'leaflet.markercluster/dist/MarkerCluster.Default.css';
import type { Grid, Status } from '../api/types.ts';
import { STATUS_COLOR } from '../i18n.tsx';

export interface MapPoint {
  id: string;
  lng: number;
  lat: number;
  status?: Status;
  color?: string;
  /** HTML-free text shown on hover. */
  label?: string;
}

export interface MapCanvasProps {
  grids?: Grid[];
  points?: MapPoint[];
  cluster?: boolean;
  /** A picked location (the intake form's map pick). */
  picked?: { lng: number; lat: number } | null;
  onPick?(p: { lng: number; lat: number }): void;
  onPointClick?(id: string): void;
  height?: number | string;
  /** Fit the view to the data whenever this key changes. */
  fitKey?: string;
  ariaLabel?: string;
}

const TILE_URL: string | undefined = import.meta.env.VITE_TILE_URL;
const TILE_ATTRIBUTION: string = import.meta.env.VITE_TILE_ATTRIBUTION ?? '';
/** Where the map opens when there is nothing to show (Changsha, Hunan). */
const FALLBACK_CENTER: L.LatLngTuple = [28.228, 112.939];

let clusterReady: Promise<void> | undefined;
/** leaflet.markercluster is a UMD plugin that extends the global L. */
function loadCluster(): Promise<void> {
  (window as unknown as { L: typeof L }).L = L;
  clusterReady ??= import('leaflet.markercluster').then(() => undefined);
  return clusterReady;
}

function dotIcon(color: string, size = 14) {
  return L.divIcon({
    className: 'map-dot',
    html: `<span style="background:${color};width:${size}px;height:${size}px"></span>`,
    iconSize: [size, size],
    iconAnchor: [size / 2, size / 2],
  });
}

export function MapCanvas({ grids, points, cluster, picked, onPick, onPointClick, height = 400, fitKey, ariaLabel }: MapCanvasProps) {
  const el = useRef<HTMLDivElement>(null);
  const mapRef = useRef<L.Map | null>(null);
  const [ready, setReady] = useState(false);
  const gridLayer = useRef<L.GeoJSON | null>(null);
  const pointLayer = useRef<L.LayerGroup | null>(null);
  const pickLayer = useRef<L.Marker | null>(null);
  const handlers = useRef({ onPick, onPointClick });
  handlers.current = { onPick, onPointClick };
  const fitted = useRef<string | undefined>(undefined);

  // Create the map once.
  useEffect(() => {
    if (!el.current) return;
    const map = L.map(el.current, { center: FALLBACK_CENTER, zoom: 12, minZoom: 3, maxZoom: 19, zoomControl: true, attributionControl: !!TILE_URL, keyboard: true });
    // Grid names sit under the case dots (overlays 400 < names 450 < markers 600).
    const labels = map.createPane('gridLabels');
    labels.style.zIndex = '450';
    labels.style.pointerEvents = 'none';
    if (TILE_URL) L.tileLayer(TILE_URL, { attribution: TILE_ATTRIBUTION, maxZoom: 19 }).addTo(map);
    map.on('click', (e: L.LeafletMouseEvent) => handlers.current.onPick?.({ lng: round(e.latlng.lng), lat: round(e.latlng.lat) }));
    mapRef.current = map;
    setReady(true);
    // The container may get its size after layout (tabs, modals).
    const ro = new ResizeObserver(() => map.invalidateSize());
    ro.observe(el.current);
    return () => {
      ro.disconnect();
      map.remove();
      mapRef.current = null;
    };
  }, []);

  // Grids as polygons with their names.
  useEffect(() => {
    const map = mapRef.current;
    if (!map || !ready) return;
    gridLayer.current?.remove();
    const features = (grids ?? [])
      .filter((g) => g.geometry)
      .map((g) => ({ type: 'Feature' as const, properties: { name: g.name, code: g.code, worker: g.workerName }, geometry: g.geometry as GeoJSON.Geometry }));
    if (!features.length) {
      gridLayer.current = null;
      return;
    }
    // A few grids are named on the map itself, so a map without base tiles still reads.
    const labelled = features.length <= 60;
    const layer = L.geoJSON({ type: 'FeatureCollection', features } as GeoJSON.FeatureCollection, {
      style: () => ({ color: '#1d5bd8', weight: 1.5, fillColor: '#1d5bd8', fillOpacity: 0.06 }),
      onEachFeature: (f, l) => {
        const p = f.properties as { name: string; code: string; worker?: string };
        const text = `${escapeHtml(p.name)}${p.worker ? ` · ${escapeHtml(p.worker)}` : ''}`;
        if (labelled) l.bindTooltip(text, { permanent: true, direction: 'center', className: 'grid-label', interactive: false, pane: 'gridLabels' });
        else l.bindTooltip(text, { sticky: true });
      },
      // Clicks on a grid still pick a point in it.
      bubblingMouseEvents: true,
    });
    layer.addTo(map);
    layer.bringToBack();
    gridLayer.current = layer;
    if (!labelled) return;
    // A grid is named only when it is drawn wide enough for its name.
    const updateLabels = () =>
      layer.eachLayer((l) => {
        const poly = l as L.Polygon;
        const b = poly.getBounds();
        const w = map.latLngToContainerPoint(b.getNorthEast()).x - map.latLngToContainerPoint(b.getSouthWest()).x;
        const tip = poly.getTooltip();
        const text = String(tip?.getContent() ?? '');
        const need = Math.min(260, text.length * 13);
        if (w >= need) poly.openTooltip();
        else poly.closeTooltip();
      });
    map.on('zoomend', updateLabels);
    updateLabels();
    return () => {
      map.off('zoomend', updateLabels);
    };
  }, [grids, ready]);

  // Case points, clustered when asked.
  useEffect(() => {
    const map = mapRef.current;
    if (!map || !ready) return;
    let cancelled = false;
    (async () => {
      if (cluster) await loadCluster();
      if (cancelled) return;
      pointLayer.current?.remove();
      const markers = (points ?? []).map((p) => {
        const m = L.marker([p.lat, p.lng], {
          icon: dotIcon(p.color ?? (p.status ? STATUS_COLOR[p.status] : '#1677ff')),
          keyboard: true,
          title: p.label,
          alt: p.label,
        });
        if (p.label) m.bindTooltip(escapeHtml(p.label), { direction: 'top', offset: [0, -6] });
        m.on('click', () => handlers.current.onPointClick?.(p.id));
        return m;
      });
      const group: L.LayerGroup = cluster
        ? (L as unknown as { markerClusterGroup(o: object): L.LayerGroup }).markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 50, chunkedLoading: true })
        : L.layerGroup();
      for (const m of markers) group.addLayer(m);
      group.addTo(map);
      pointLayer.current = group;
      fit();
    })();
    return () => {
      cancelled = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [points, cluster, ready]);

  // The picked point.
  useEffect(() => {
    const map = mapRef.current;
    if (!map || !ready) return;
    pickLayer.current?.remove();
    pickLayer.current = null;
    if (picked) {
      pickLayer.current = L.marker([picked.lat, picked.lng], { icon: dotIcon('#cf1322', 18), title: `${picked.lng}, ${picked.lat}` }).addTo(map);
    }
  }, [picked, ready]);

  useEffect(() => {
    if (ready) fit();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [fitKey, ready, grids]);

  function fit() {
    const map = mapRef.current;
    if (!map) return;
    const key = fitKey ?? 'once';
    if (fitted.current === key) return;
    const bounds = L.latLngBounds([]);
    if (gridLayer.current) bounds.extend(gridLayer.current.getBounds());
    for (const p of points ?? []) bounds.extend([p.lat, p.lng]);
    if (picked) bounds.extend([picked.lat, picked.lng]);
    if (bounds.isValid()) {
      map.fitBounds(bounds.pad(0.1), { maxZoom: 16 });
      fitted.current = key;
    }
  }

  return (
    <div
      ref={el}
      className={`map-canvas${TILE_URL ? '' : ' map-blank'}${onPick ? ' map-pick' : ''}`}
      style={{ height }}
      role="region"
      aria-label={ariaLabel ?? '地图 Map'}
    />
  );
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export default MapCanvas;
