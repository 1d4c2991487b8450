/**
 * Point -> grid lookup over GeoJSON polygons (holes and multipolygons allowed):
 * a flatbush R-tree of bounding boxes narrows the candidates, an exact
 * even-odd ray test decides. A point on a shared border resolves to the grid
 * with the smallest code, so the answer never depends on load order.
 */
import Flatbush from 'flatbush';
import type { Geometry } from '../org/store.ts';

export interface GridShape {
  id: string;
  code: string;
  divisionCode: string;
  geometry: Geometry;
}

type Ring = number[][];
type Polygon = Ring[];

function polygonsOf(g: Geometry): Polygon[] {
  return g.type === 'Polygon' ? [g.coordinates as Polygon] : (g.coordinates as Polygon[]);
}

/** 1 inside, 0 outside, -1 on the boundary. */
function ringContains(ring: Ring, x: number, y: number): number {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
    // On the segment?
    const cross = (x - xi) * (yj - yi) - (y - yi) * (xj - xi);
    if (cross === 0 && x >= Math.min(xi, xj) && x <= Math.max(xi, xj) && y >= Math.min(yi, yj) && y <= Math.max(yi, yj)) return -1;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside ? 1 : 0;
}

/** 1 inside, 0 outside, -1 on a boundary (outer ring or hole edge). */
export function polygonContains(poly: Polygon, x: number, y: number): number {
  const outer = ringContains(poly[0], x, y);
  if (outer !== 1) return outer;
  for (let h = 1; h < poly.length; h++) {
    const inHole = ringContains(poly[h], x, y);
    if (inHole === -1) return -1;
    if (inHole === 1) return 0;
  }
  return 1;
}

export class GridIndex {
  private readonly index: Flatbush | null;
  private readonly items: { shape: GridShape; polys: Polygon[] }[];

  constructor(shapes: GridShape[]) {
    this.items = [...shapes].sort((a, b) => (a.code < b.code ? -1 : 1)).map((shape) => ({ shape, polys: polygonsOf(shape.geometry) }));
    if (!this.items.length) {
      this.index = null;
      return;
    }
    this.index = new Flatbush(this.items.length);
    for (const { polys } of this.items) {
      let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
      for (const poly of polys)
        for (const [x, y] of poly[0]) {
          if (x < minX) minX = x;
          if (y < minY) minY = y;
          if (x > maxX) maxX = x;
          if (y > maxY) maxY = y;
        }
      this.index.add(minX, minY, maxX, maxY);
    }
    this.index.finish();
  }

  get size(): number {
    return this.items.length;
  }

  /** The grid containing the point, or null when it lies outside every grid. */
  lookup(lng: number, lat: number): GridShape | null {
    if (!this.index) return null;
    // Candidates come back in index order = code order; the first hit wins,
    // a boundary hit only if no candidate contains the point strictly.
    let border: number | undefined;
    let best: number | undefined;
    this.index.search(lng, lat, lng, lat, (i) => {
      if (best !== undefined && i > best) return false;
      for (const poly of this.items[i].polys) {
        const r = polygonContains(poly, lng, lat);
        if (r === 1) {
          if (best === undefined || i < best) best = i;
          return true;
        }
        if (r === -1 && (border === undefined || i < border)) border = i;
      }
      return false;
    });
    const hit = best ?? border;
    return hit === undefined ? null : this.items[hit].shape;
  }
}
