/**
 * Leaflet drawing GeoJSON grids, case points and a heat layer. No internet
 * needed: base tiles are drawn only when the server is configured with a tile
 * URL (GET /api/client-config); otherwise grids and points sit on a plain
 * background. Points and grids share one canvas renderer, so tens of
 * thousands of cases stay smooth; the heat layer's canvas lies beneath them.
 * Division outlines (streets, communities), when given, are thin dashed lines
 * beneath everything, named by zoom level.
 */
import { useEffect, useRef, useState } from 'react';
import L from 'leaflet';
import 'leaflet/dist/leaflet.css';
import 'leaflet.markercluster/dist/MarkerCluster.css';
import heatUrl from 'leaflet.heat/dist/leaflet-heat.js?url';
import '../pages/map/map.css';
import type { Grid, Status } from '../api/types.ts';
import { STATUS_COLOR } from '../i18n.tsx';
import { useMapSettings } from '../pages/map/useClientConfig.ts';

export interface MapPoint {
  id: string;
  lng: number;
  lat: number;
  status?: Status;
  color?: string;
  /** How urgent the point is (clusters take the colour of their most urgent point when any is > 0). */
  rank?: number;
  /** HTML-free text shown on hover (few points only). */
  label?: string;
}

/** A division's outline (GET /api/divisions?geometry=true). */
export interface MapDivision {
  code: string;
  name: string;
  /** 1 province … 4 township/street, 5 village/community. */
  level: number;
  geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: unknown } | null;
}

/** A heat sample: a case, or a cell of `weight` cases. */
export type HeatPoint = [lat: number, lng: number, weight: number];

export interface MapCanvasProps {
  grids?: Grid[];
  /** Division outlines drawn beneath the grids (区划边界); none when absent. */
  divisions?: MapDivision[];
  points?: MapPoint[];
  /** Draw the points (default true); false leaves only the heat layer. */
  showPoints?: boolean;
  heat?: HeatPoint[] | null;
  cluster?: boolean;
  /** A picked location (the intake form's map pick). */
  picked?: { lng: number; lat: number } | null;
  onPick?(p: { lng: number; lat: number }): void;
  onPointClick?(id: string): void;
  /** Content of the popup opened on a point (a DOM node the caller may render into). */
  renderPopup?(p: MapPoint): HTMLElement | null;
  onGridClick?(grid: Grid): void;
  /** Highlighted grid; the view fits it when it changes. */
  selectedGridId?: string;
  /** Draw grids and many points on one canvas (for thousands of cases); fixed when the map is created. */
  canvas?: boolean;
  height?: number | string;
  /** Fit the view to the data whenever this key changes. */
  fitKey?: string;
  ariaLabel?: string;
}

/** Where the map opens when there is nothing to show and no configured centre (Changsha, Hunan). */
const FALLBACK_CENTER: L.LatLngTuple = [28.228, 112.939];
/**
 * Up to this many points are DOM markers: each one reachable by keyboard (Tab,
 * Enter) and labelled for screen readers. More are drawn as circles on the
 * map's renderer (a canvas when `canvas` is set), which stays smooth at 50k.
 */
const DOM_POINT_LIMIT = 300;

let clusterReady: Promise<void> | undefined;
let heatReady: Promise<void> | undefined;
/** leaflet.markercluster and leaflet.heat are UMD plugins that extend the global L. */
function exposeL() {
  (window as unknown as { L: typeof L }).L = L;
}
function loadCluster(): Promise<void> {
  exposeL();
  clusterReady ??= import('leaflet.markercluster').then(() => undefined);
  return clusterReady;
}
/**
 * leaflet.heat is a bare script that reads the global L as it runs; bundled, it
 * would run with the Leaflet chunk before L is global. So it is shipped as a
 * file of its own and loaded by a script tag once L is in place.
 */
function loadHeat(): Promise<void> {
  exposeL();
  heatReady ??= new Promise<void>((resolve, reject) => {
    const s = document.createElement('script');
    s.src = heatUrl;
    s.async = true;
    s.onload = () => {
      guardHeatRedraw();
      resolve();
    };
    s.onerror = () => {
      heatReady = undefined;
      reject(new Error('leaflet.heat failed to load'));
    };
    document.head.appendChild(s);
  });
  return heatReady;
}

/**
 * leaflet.heat draws by reading its canvas back (getImageData), which throws
 * on a canvas of width or height 0: a map laid out at zero size for a moment
 * (a page still settling, a hidden tab) would raise a page error on every
 * redraw. Skip those redraws; the layer resizes its canvas and redraws when
 * the map moves or gets its size (moveend).
 */
function guardHeatRedraw() {
  const proto = (L as unknown as { HeatLayer?: { prototype: { _redraw(this: HeatInternals): void } } }).HeatLayer?.prototype;
  if (!proto) return;
  const redraw = proto._redraw;
  proto._redraw = function (this: HeatInternals) {
    const size = this._map?.getSize();
    if (!size?.x || !size?.y || !this._heat?._width || !this._heat?._height) {
      this._frame = null;
      return;
    }
    redraw.call(this);
  };
}
interface HeatInternals {
  _map?: L.Map;
  _frame: number | null;
  /** simpleheat's canvas size, set from the map's when the layer resets. */
  _heat?: { _width: number; _height: number };
}

function dotIcon(color: string, size = 14) {
  return L.divIcon({
    className: 'map-dot',
    html: `<span style="background:${color};width:${size}px;height:${size}px"></span>`,
    iconSize: [size, size],
    iconAnchor: [size / 2, size / 2],
  });
}

const pointColor = (p: MapPoint) => p.color ?? (p.status ? STATUS_COLOR[p.status] : '#1677ff');

type PointMarker = (L.CircleMarker | L.Marker) & { zhiliPoint: MapPoint };

/** A cluster bubble: its count, coloured by its most urgent point (or the brand colour when points carry no rank). */
function clusterIcon(ranked: { on: boolean; max: number }) {
  return (cluster: { getChildCount(): number; getAllChildMarkers(): L.Layer[] }) => {
    const n = cluster.getChildCount();
    let top: MapPoint | undefined;
    if (ranked.on) {
      for (const m of cluster.getAllChildMarkers()) {
        const p = (m as PointMarker).zhiliPoint;
        if (p && (!top || (p.rank ?? 0) > (top.rank ?? 0))) top = p;
        // The most urgent rank there is: no need to look further.
        if ((top?.rank ?? 0) >= ranked.max) break;
      }
    }
    const color = top ? pointColor(top) : '#1d5bd8';
    const size = n < 10 ? 30 : n < 100 ? 36 : n < 1000 ? 42 : 50;
    const text = n >= 10000 ? `${Math.round(n / 1000)}k` : String(n);
    return L.divIcon({
      className: 'map-cluster',
      html: `<span style="--c:${color};width:${size}px;height:${size}px;line-height:${size}px">${text}</span>`,
      iconSize: [size, size],
    });
  };
}

export function MapCanvas({
  grids,
  divisions,
  points,
  showPoints = true,
  heat,
  cluster,
  picked,
  onPick,
  onPointClick,
  renderPopup,
  onGridClick,
  selectedGridId,
  canvas = false,
  height = 400,
  fitKey,
  ariaLabel,
}: MapCanvasProps) {
  const el = useRef<HTMLDivElement>(null);
  const mapRef = useRef<L.Map | null>(null);
  const [ready, setReady] = useState(false);
  const settings = useMapSettings();
  const tileUrl = settings?.tileUrl ?? null;
  const gridLayer = useRef<L.GeoJSON | null>(null);
  const divisionLayer = useRef<L.LayerGroup | null>(null);
  const pointLayer = useRef<L.Layer | null>(null);
  const heatLayer = useRef<L.Layer | null>(null);
  const pickLayer = useRef<L.Marker | null>(null);
  const handlers = useRef({ onPick, onPointClick, renderPopup, onGridClick });
  handlers.current = { onPick, onPointClick, renderPopup, onGridClick };
  const fitted = useRef<string | undefined>(undefined);

  // Create the map once.
  useEffect(() => {
    if (!el.current) return;
    const map = L.map(el.current, {
      center: FALLBACK_CENTER,
      zoom: 12,
      // Province level at the widest: each level further out is one more level of clusters to build.
      minZoom: 5,
      maxZoom: 19,
      zoomControl: true,
      attributionControl: false,
      keyboard: true,
      // One canvas for grids and points: SVG or DOM elements per case would stall at thousands.
      preferCanvas: canvas,
    });
    // Grid names sit under the case dots (overlays 400 < names 450 < clusters 600).
    const labels = map.createPane('gridLabels');
    labels.style.zIndex = '450';
    labels.style.pointerEvents = 'none';
    // Division outlines beneath the grids (overlays 400), and their names beneath the grid names.
    const bounds = map.createPane('divisions');
    bounds.style.zIndex = '350';
    bounds.style.pointerEvents = 'none';
    const divisionLabels = map.createPane('divisionLabels');
    divisionLabels.style.zIndex = '440';
    divisionLabels.style.pointerEvents = 'none';
    map.on('click', (e: L.LeafletMouseEvent) => handlers.current.onPick?.({ lng: round(e.latlng.lng), lat: round(e.latlng.lat) }));
    mapRef.current = map;
    // Tests and the browser console reach the map through its container.
    (el.current as HTMLDivElement & { leafletMap?: L.Map }).leafletMap = map;
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

  // Base tiles from the runtime configuration, when there are any.
  useEffect(() => {
    const map = mapRef.current;
    if (!map || !ready || !tileUrl) return;
    const attribution = L.control.attribution({ prefix: false }).addTo(map);
    const layer = L.tileLayer(tileUrl, { attribution: settings?.attribution ?? '', maxZoom: 19 }).addTo(map);
    return () => {
      layer.remove();
      attribution.remove();
    };
  }, [tileUrl, settings?.attribution, ready]);

  // Grids as polygons with their names.
  useEffect(() => {
    const map = mapRef.current;
    if (!map || !ready) return;
    gridLayer.current?.remove();
    const byId = new Map((grids ?? []).map((g) => [g.id, g]));
    const features = (grids ?? [])
      .filter((g) => g.geometry)
      .map((g) => ({ type: 'Feature' as const, properties: { id: g.id, name: g.name, code: g.code, worker: g.workerName }, geometry: g.geometry as GeoJSON.Geometry }));
    if (!features.length) {
      gridLayer.current = null;
      return;
    }
    // A few grids are named on the map itself, so a map without base tiles still reads.
    const labelled = features.length <= 60;
    const layer = L.geoJSON({ type: 'FeatureCollection', features } as GeoJSON.FeatureCollection, {
      style: (f) => {
        const selected = !!selectedGridId && (f?.properties as { id: string }).id === selectedGridId;
        return selected
          ? { color: '#d4380d', weight: 3, fillColor: '#fa8c16', fillOpacity: 0.1 }
          : { color: '#1d5bd8', weight: 1.5, fillColor: '#1d5bd8', fillOpacity: 0.06 };
      },
      onEachFeature: (f, l) => {
        const p = f.properties as { id: string; name: string; code: string; worker?: string };
        const text = `${escapeHtml(p.name)}${p.worker ? ` · ${escapeHtml(p.worker)}` : ''}`;
        if (labelled) l.bindTooltip(text, { permanent: true, direction: 'center', className: 'grid-label', interactive: false, pane: 'gridLabels' });
        else l.bindTooltip(text, { sticky: true, className: 'grid-hover' });
        // Names on hover even when labelled permanently (a label can be hidden when the grid is drawn small).
        if (labelled) {
          l.on('mouseover', () => (l as L.Path).setStyle({ weight: 3 }));
          l.on('mouseout', () => layer.resetStyle(l as L.Path));
        }
        l.on('click', () => {
          const g = byId.get(p.id);
          if (g) handlers.current.onGridClick?.(g);
        });
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
  }, [grids, ready, selectedGridId]);

  // Division outlines: thin dashed lines on an SVG of their own (a few dozen paths), beneath the grids.
  useEffect(() => {
    const map = mapRef.current;
    if (!map || !ready) return;
    divisionLayer.current?.remove();
    divisionLayer.current = null;
    const shaped = (divisions ?? []).filter((d) => d.geometry);
    if (!shaped.length) return;
    const renderer = L.svg({ pane: 'divisions' });
    const group = L.layerGroup();
    // Each name hangs just inside the top of its outline, so it does not sit on the grid names at the centres.
    const named: { level: number; poly: L.GeoJSON; tip: L.Tooltip; text: string }[] = [];
    for (const d of shaped) {
      const street = d.level <= 4;
      const style: L.PathOptions = {
        color: street ? '#5b4a8a' : '#7a6aa8',
        weight: street ? 2 : 1.2,
        opacity: 0.9,
        dashArray: street ? '8 5' : '4 4',
        fill: false,
      };
      // Renderer, class and interactivity are read when each path is made, so they go with the layer's options.
      const poly = L.geoJSON({ type: 'Feature', properties: { code: d.code, name: d.name }, geometry: d.geometry } as GeoJSON.Feature, {
        ...style,
        renderer,
        interactive: false,
        className: `division-boundary division-level-${d.level}`,
        style,
      } as L.GeoJSONOptions);
      const b = poly.getBounds();
      const tip = L.tooltip({ permanent: true, direction: 'bottom', offset: [0, 2], className: `division-label division-label-${d.level}`, interactive: false, pane: 'divisionLabels' })
        .setLatLng([b.getNorth(), b.getCenter().lng])
        .setContent(escapeHtml(d.name));
      group.addLayer(poly);
      named.push({ level: d.level, poly, tip, text: d.name });
    }
    group.addTo(map);
    divisionLayer.current = group;
    // Streets are named when zoomed out (≤ 14), communities when zoomed in (≥ 15), each only when drawn wide enough.
    const updateLabels = () => {
      const z = map.getZoom();
      for (const n of named) {
        const b = n.poly.getBounds();
        const w = map.latLngToContainerPoint(b.getNorthEast()).x - map.latLngToContainerPoint(b.getSouthWest()).x;
        const atZoom = n.level <= 4 ? z <= 14 : z >= 15;
        const show = atZoom && w >= Math.min(220, n.text.length * 14 + 16);
        if (show && !map.hasLayer(n.tip)) n.tip.addTo(map);
        else if (!show && map.hasLayer(n.tip)) n.tip.remove();
      }
    };
    map.on('zoomend', updateLabels);
    updateLabels();
    return () => {
      map.off('zoomend', updateLabels);
      for (const n of named) n.tip.remove();
      group.remove();
      renderer.remove();
      if (divisionLayer.current === group) divisionLayer.current = null;
    };
  }, [divisions, ready]);

  // The view fits a grid when one is picked.
  useEffect(() => {
    const map = mapRef.current;
    if (!map || !ready || !selectedGridId || !gridLayer.current) return;
    gridLayer.current.eachLayer((l) => {
      const f = (l as L.Polygon & { feature?: GeoJSON.Feature }).feature;
      if ((f?.properties as { id?: string } | undefined)?.id === selectedGridId) map.fitBounds((l as L.Polygon).getBounds().pad(0.2), { maxZoom: 17 });
    });
    // Only when the selection changes, not on every redraw.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [selectedGridId, ready, !!gridLayer.current]);

  // Case points on the canvas, clustered when asked.
  useEffect(() => {
    const map = mapRef.current;
    if (!map || !ready) return;
    let cancelled = false;
    (async () => {
      if (cluster && showPoints) await loadCluster();
      if (cancelled) return;
      pointLayer.current?.remove();
      pointLayer.current = null;
      if (!showPoints) return;
      const list = points ?? [];
      const dom = list.length <= DOM_POINT_LIMIT;
      const radius = list.length > 5000 ? 5 : 6;
      const markers = list.map((p) => {
        const m = (
          dom
            ? L.marker([p.lat, p.lng], { icon: dotIcon(pointColor(p)), keyboard: true, title: p.label, alt: p.label, bubblingMouseEvents: false })
            : L.circleMarker([p.lat, p.lng], { radius, color: '#fff', weight: 1.5, fillColor: pointColor(p), fillOpacity: 0.95, bubblingMouseEvents: false })
        ) as PointMarker;
        m.zhiliPoint = p;
        if (dom && p.label) m.bindTooltip(escapeHtml(p.label), { direction: 'top', offset: [0, -6] });
        return m;
      });
      let maxRank = 0;
      for (const p of list) if ((p.rank ?? 0) > maxRank) maxRank = p.rank!;
      const group: L.FeatureGroup = cluster
        ? (L as unknown as { markerClusterGroup(o: object): L.FeatureGroup }).markerClusterGroup({
            showCoverageOnHover: false,
            maxClusterRadius: 50,
            chunkedLoading: true,
            // Past neighbourhood level every case is drawn on its own (and fewer levels are clustered up front).
            disableClusteringAtZoom: 17,
            iconCreateFunction: clusterIcon({ on: maxRank > 0, max: maxRank }),
          })
        : L.featureGroup();
      group.on('click', (e: L.LeafletEvent) => {
        const p = ((e as L.LeafletEvent & { layer: PointMarker }).layer ?? e.propagatedFrom)?.zhiliPoint as MapPoint | undefined;
        if (!p) return;
        handlers.current.onPointClick?.(p.id);
        const content = handlers.current.renderPopup?.(p);
        if (content) openPopup(map, [p.lat, p.lng], content);
      });
      if (cluster) (group as L.FeatureGroup & { addLayers(l: L.Layer[]): void }).addLayers(markers);
      else for (const m of markers) group.addLayer(m);
      group.addTo(map);
      pointLayer.current = group;
      fit();
    })();
    return () => {
      cancelled = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [points, cluster, ready, showPoints]);

  // The heat layer, beneath grids and points.
  useEffect(() => {
    const map = mapRef.current;
    if (!map || !ready) return;
    let cancelled = false;
    (async () => {
      if (heat) await loadHeat();
      if (cancelled) return;
      heatLayer.current?.remove();
      heatLayer.current = null;
      if (!heat) return;
      const layer = (L as unknown as { heatLayer(p: HeatPoint[], o: object): L.Layer & { _canvas?: HTMLCanvasElement } }).heatLayer(heat, {
        radius: 22,
        blur: 18,
        // A case counts 1/2^(18 − zoom): 8 cases close together saturate at street level (15), 128 at county level (11).
        maxZoom: 18,
        minOpacity: 0.25,
        gradient: { 0.3: '#2f54eb', 0.5: '#13c2c2', 0.7: '#a0d911', 0.85: '#fadb14', 1: '#f5222d' },
      });
      layer.addTo(map);
      // The plugin appends its canvas to the overlay pane; under the points' canvas, and never catching clicks.
      const c = layer._canvas;
      if (c?.parentNode) c.parentNode.insertBefore(c, c.parentNode.firstChild);
      heatLayer.current = layer;
      if (!showPoints) fit();
    })();
    return () => {
      cancelled = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [heat, ready]);

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
  }, [fitKey, ready, grids, settings?.center]);

  function fit() {
    const map = mapRef.current;
    if (!map) return;
    const key = fitKey ?? 'once';
    if (fitted.current === key) return;
    const bounds = L.latLngBounds([]);
    if (gridLayer.current) bounds.extend(gridLayer.current.getBounds());
    else if (divisionLayer.current) for (const l of divisionLayer.current.getLayers()) bounds.extend((l as L.GeoJSON).getBounds());
    for (const p of points ?? []) bounds.extend([p.lat, p.lng]);
    if (!showPoints) for (const h of heat ?? []) bounds.extend([h[0], h[1]]);
    if (picked) bounds.extend([picked.lat, picked.lng]);
    if (bounds.isValid()) {
      map.fitBounds(bounds.pad(0.1), { maxZoom: 16 });
      fitted.current = key;
    } else if (settings?.center) {
      // Nothing to fit yet: open where the deployment says its county is.
      map.setView([settings.center[1], settings.center[0]], settings.zoom ?? 12);
    }
  }

  return (
    <div
      ref={el}
      className={`map-canvas${tileUrl ? '' : ' map-blank'}${onPick ? ' map-pick' : ''}`}
      style={{ height }}
      role="region"
      aria-label={ariaLabel ?? '地图 Map'}
    />
  );
}

/** One popup per map, reused; it re-measures itself when its content (rendered later) changes size. */
function openPopup(map: L.Map, at: L.LatLngTuple, content: HTMLElement) {
  const m = map as L.Map & { zhiliPopup?: L.Popup; zhiliPopupObserver?: ResizeObserver };
  m.zhiliPopup ??= L.popup({ maxWidth: 320, minWidth: 220, autoPanPadding: [24, 24], className: 'map-case-popup' });
  m.zhiliPopupObserver?.disconnect();
  m.zhiliPopup.setLatLng(at).setContent(content).openOn(map);
  const popup = m.zhiliPopup;
  m.zhiliPopupObserver = new ResizeObserver(() => popup.isOpen() && popup.update());
  m.zhiliPopupObserver.observe(content);
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export default MapCanvas;
