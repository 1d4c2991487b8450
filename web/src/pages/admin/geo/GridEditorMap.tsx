/**
 * The grid editor's map: grids as polygons on a plain background (base tiles
 * only when the server configures a tile URL), one editable geometry (a grid
 * whose vertices are being moved, or a newly drawn one), polygon drawing, and
 * an import preview with invalid features in red. Drawing and vertex editing
 * are leaflet-geoman's; the buttons that start them live in the page.
 */
import { useEffect, useRef, useState } from 'react';
import L from 'leaflet';
import 'leaflet/dist/leaflet.css';
import '@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.css';
import type { Grid } from '../../../api/types.ts';
import { useMapSettings } from '../../map/useClientConfig.ts';

export type PolygonGeometry = { type: 'Polygon'; coordinates: number[][][] } | { type: 'MultiPolygon'; coordinates: number[][][][] };

export interface PreviewFeature {
  index: number;
  name: string;
  geometry: unknown;
  invalid: boolean;
}

export interface GridEditorMapProps {
  grids: Grid[];
  selectedId?: string | null;
  /** The geometry being edited; the layer is rebuilt only when editKey changes, so handles survive edits. */
  editGeometry?: PolygonGeometry | null;
  editKey?: string;
  onEditGeometry?(g: PolygonGeometry): void;
  /** Polygon drawing mode; the finished polygon comes back through onDrawn. */
  drawing?: boolean;
  onDrawn?(g: PolygonGeometry): void;
  onSelect?(id: string): void;
  preview?: PreviewFeature[];
  /** Fit the view to the data whenever this key changes. */
  fitKey?: string;
  height?: number | string;
  ariaLabel?: string;
}

/** Where the map opens when there is nothing to show (Yueyang, Hunan). */
const FALLBACK_CENTER: L.LatLngTuple = [29.36, 113.12];

let geomanReady: Promise<void> | undefined;
/** leaflet-geoman is a plugin that extends the global L. */
function loadGeoman(): Promise<void> {
  (window as unknown as { L: typeof L }).L = L;
  geomanReady ??= import('@geoman-io/leaflet-geoman-free').then(() => undefined);
  return geomanReady;
}

const round6 = (n: number) => Math.round(n * 1e6) / 1e6;
function roundCoords(c: unknown): unknown {
  return Array.isArray(c) ? (typeof c[0] === 'number' ? (c as number[]).slice(0, 2).map(round6) : c.map(roundCoords)) : c;
}
/** A layer's shape as GeoJSON with coordinates to ~0.1 m. */
export function layerGeometry(layer: L.Polygon): PolygonGeometry {
  const g = layer.toGeoJSON(6).geometry as PolygonGeometry;
  return { type: g.type, coordinates: roundCoords(g.coordinates) } as PolygonGeometry;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function GridEditorMap({
  grids,
  selectedId,
  editGeometry,
  editKey,
  onEditGeometry,
  drawing,
  onDrawn,
  onSelect,
  preview,
  fitKey,
  height = 560,
  ariaLabel,
}: GridEditorMapProps) {
  const el = useRef<HTMLDivElement>(null);
  const mapRef = useRef<L.Map | null>(null);
  const [ready, setReady] = useState(false);
  const settings = useMapSettings();
  const tileUrl = settings?.tileUrl ?? null;
  const handlers = useRef({ onEditGeometry, onDrawn, onSelect });
  handlers.current = { onEditGeometry, onDrawn, onSelect };
  const gridLayer = useRef<L.GeoJSON | null>(null);
  const editLayer = useRef<L.GeoJSON | null>(null);
  const previewLayer = useRef<L.GeoJSON | null>(null);
  const fitted = useRef<string | undefined>(undefined);

  useEffect(() => {
    const container = el.current;
    if (!container) return;
    let cancelled = false;
    let map: L.Map | undefined;
    const ro = new ResizeObserver(() => map?.invalidateSize());
    // geoman hooks into maps created after it loads, so the map waits for it.
    loadGeoman().then(() => {
      if (cancelled) return;
      map = L.map(container, { center: FALLBACK_CENTER, zoom: 13, minZoom: 3, maxZoom: 20, attributionControl: false, keyboard: true, doubleClickZoom: false });
      mapRef.current = map;
      // Tests and the browser console reach the map through its container.
      (container as HTMLDivElement & { leafletMap?: L.Map }).leafletMap = map;
      const labels = map.createPane('gridLabels');
      labels.style.zIndex = '450';
      labels.style.pointerEvents = 'none';
      // Only layers we opt in (the edited one) get geoman handles.
      L.PM.setOptIn(true);
      map.pm.setLang(document.documentElement.lang.startsWith('zh') ? 'zh' : 'en');
      map.pm.setGlobalOptions({ allowSelfIntersection: false, snappable: true, snapDistance: 12, templineStyle: { color: '#d4380d' }, hintlineStyle: { color: '#d4380d', dashArray: [5, 5] }, pathOptions: { color: '#d4380d' } });
      map.on('pm:create', (e: { layer: L.Layer }) => {
        const layer = e.layer as L.Polygon;
        const g = layerGeometry(layer);
        layer.remove();
        handlers.current.onDrawn?.(g);
      });
      ro.observe(container);
      setReady(true);
    });
    return () => {
      cancelled = true;
      ro.disconnect();
      map?.remove();
      mapRef.current = null;
    };
  }, []);

  useEffect(() => {
    const map = mapRef.current;
    if (!map || !ready || !tileUrl) return;
    const layer = L.tileLayer(tileUrl, { attribution: settings?.attribution ?? '', maxZoom: 20, pmIgnore: true } as L.TileLayerOptions).addTo(map);
    layer.bringToBack();
    return () => void layer.remove();
  }, [tileUrl, settings?.attribution, ready]);

  // The grids that are not being edited.
  useEffect(() => {
    const map = mapRef.current;
    if (!map || !ready) return;
    gridLayer.current?.remove();
    const features = grids
      .filter((g) => g.geometry && !(editGeometry && g.id === selectedId))
      .map((g) => ({ type: 'Feature' as const, properties: { id: g.id, name: g.name, worker: g.workerName }, geometry: g.geometry as GeoJSON.Geometry }));
    const labelled = features.length <= 80;
    const layer = L.geoJSON({ type: 'FeatureCollection', features } as GeoJSON.FeatureCollection, {
      pmIgnore: true,
      style: (f) =>
        (f?.properties as { id: string }).id === selectedId
          ? { color: '#d4380d', weight: 3, fillColor: '#fa8c16', fillOpacity: 0.15 }
          : { color: '#1d5bd8', weight: 1.5, fillColor: '#1d5bd8', fillOpacity: 0.08 },
      onEachFeature: (f, l) => {
        const p = f.properties as { id: string; name: string; worker?: string | null };
        const text = `${escapeHtml(p.name)}${p.worker ? ` · ${escapeHtml(p.worker)}` : ''}`;
        l.bindTooltip(text, labelled ? { permanent: true, direction: 'center', className: 'grid-label', interactive: false, pane: 'gridLabels' } : { sticky: true });
        l.on('click', () => handlers.current.onSelect?.(p.id));
      },
    } as L.GeoJSONOptions);
    layer.addTo(map);
    gridLayer.current = layer;
    return () => void layer.remove();
  }, [grids, selectedId, ready, !!editGeometry]);

  // The edited geometry, with vertex handles.
  useEffect(() => {
    const map = mapRef.current;
    editLayer.current?.remove();
    editLayer.current = null;
    if (!map || !ready || !editGeometry) return;
    const layer = L.geoJSON(editGeometry as GeoJSON.Geometry, {
      pmIgnore: false,
      style: () => ({ color: '#d4380d', weight: 3, fillColor: '#fa8c16', fillOpacity: 0.2 }),
    } as L.GeoJSONOptions);
    layer.addTo(map);
    layer.eachLayer((l) => {
      const poly = l as L.Polygon;
      L.PM.reInitLayer(poly);
      poly.pm.enable({ allowSelfIntersection: false, snappable: true });
      const report = () => handlers.current.onEditGeometry?.(layerGeometry(poly));
      poly.on('pm:edit', report);
      poly.on('pm:vertexremoved', report);
    });
    editLayer.current = layer;
    const b = layer.getBounds();
    if (b.isValid() && !map.getBounds().contains(b)) map.fitBounds(b, { padding: [40, 40], maxZoom: 17, animate: false });
    return () => {
      layer.eachLayer((l) => (l as L.Polygon).pm?.disable());
      layer.remove();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [editKey, ready]);

  // Drawing a new polygon.
  useEffect(() => {
    const map = mapRef.current;
    if (!map || !ready) return;
    if (drawing) {
      map.pm.enableDraw('Polygon', { allowSelfIntersection: false, snappable: true, finishOn: null });
      el.current?.classList.add('map-pick');
    }
    return () => {
      map.pm.disableDraw();
      el.current?.classList.remove('map-pick');
    };
  }, [drawing, ready]);

  // The import preview.
  useEffect(() => {
    const map = mapRef.current;
    previewLayer.current?.remove();
    previewLayer.current = null;
    if (!map || !ready || !preview?.length) return;
    const features = preview
      .filter((p) => p.geometry && typeof p.geometry === 'object')
      .map((p) => ({ type: 'Feature' as const, properties: { name: p.name, invalid: p.invalid, index: p.index }, geometry: p.geometry as GeoJSON.Geometry }));
    try {
      const layer = L.geoJSON({ type: 'FeatureCollection', features } as GeoJSON.FeatureCollection, {
        pmIgnore: true,
        style: (f) =>
          (f?.properties as { invalid: boolean }).invalid
            ? { color: '#cf1322', weight: 2.5, dashArray: '6 4', fillColor: '#ff4d4f', fillOpacity: 0.2 }
            : { color: '#237804', weight: 2, fillColor: '#52c41a', fillOpacity: 0.15 },
        onEachFeature: (f, l) => {
          const p = f.properties as { name: string; index: number };
          l.bindTooltip(`#${p.index + 1} ${escapeHtml(p.name)}`, { sticky: true });
        },
      } as L.GeoJSONOptions);
      layer.addTo(map);
      previewLayer.current = layer;
      const b = layer.getBounds();
      if (b.isValid()) map.fitBounds(b, { padding: [30, 30], maxZoom: 17, animate: false });
    } catch {
      // Geometry too broken to draw: the feature list names it.
    }
  }, [preview, ready]);

  // Fit to the grids when asked.
  useEffect(() => {
    const map = mapRef.current;
    if (!map || !ready || fitKey === undefined || fitted.current === fitKey) return;
    const b = gridLayer.current?.getBounds();
    if (b?.isValid()) {
      map.fitBounds(b, { padding: [24, 24], maxZoom: 16, animate: false });
      fitted.current = fitKey;
    }
  }, [fitKey, ready, grids]);

  // Bring the selected grid into view.
  useEffect(() => {
    const map = mapRef.current;
    if (!map || !ready || !selectedId || editGeometry) return;
    const g = grids.find((x) => x.id === selectedId);
    if (!g?.geometry) return;
    const b = L.geoJSON(g.geometry as GeoJSON.Geometry).getBounds();
    if (b.isValid() && !map.getBounds().contains(b)) map.fitBounds(b, { padding: [40, 40], maxZoom: 17, animate: false });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [selectedId, ready]);

  return (
    <div
      ref={el}
      className={`map-canvas${tileUrl ? '' : ' map-blank'}`}
      style={{ height }}
      role="application"
      aria-label={ariaLabel}
      data-testid="grid-editor-map"
      data-ready={ready ? 'true' : 'false'}
    />
  );
}
