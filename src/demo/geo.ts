/**
 * Demo grid geometry. No real grid polygons are available offline, so the
 * demo tiles a box over 岳阳楼区 with rectangles: the box is cut into one
 * region per street, each region into one block per community, each block
 * into that community's grids (guillotine cuts). Every cut line is computed
 * once and shared by the rectangles on both sides, so the tiles cover the box
 * exactly: no overlaps, no gaps. Where a neighbour's corner lies on an edge
 * (a T-junction) that corner is inserted into the edge as well, so the grids
 * also share vertices, as a topological editor expects.
 */
import { union } from 'polyclip-ts';
import type { Geometry } from '../org/store.ts';
import { mulberry32 as seededRandom } from '../platform/rng.ts';

export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export type Rng = () => number;

/** The demo's PRNG: the same seed, so the demo looks the same on every start. */
export const mulberry32: (seed: number) => Rng = seededRandom;

const round = (v: number) => Math.round(v * 1e6) / 1e6;

/** Cut points between a and b, proportional to weights; both ends exact. */
function cuts(a: number, b: number, weights: number[]): number[] {
  const total = weights.reduce((s, w) => s + w, 0);
  const out = [a];
  let acc = 0;
  for (let i = 0; i < weights.length - 1; i++) {
    acc += weights[i];
    out.push(round(a + ((b - a) * acc) / total));
  }
  out.push(b);
  return out;
}

// Kilometres per degree at this latitude, to keep tiles roughly square on the ground.
const KX = Math.cos((29.36 * Math.PI) / 180);

/** Splits a rectangle into n pieces in rows of near-square cells, with some jitter. */
export function splitRect(r: Rect, n: number, rng: Rng, jitter = 0.35): Rect[] {
  if (n <= 1) return [r];
  const w = (r.x1 - r.x0) * KX;
  const h = r.y1 - r.y0;
  const rows = Math.max(1, Math.min(n, Math.round(Math.sqrt((n * h) / w))));
  const perRow: number[] = [];
  for (let i = 0; i < rows; i++) perRow.push(Math.floor(n / rows) + (i < n % rows ? 1 : 0));
  const ys = cuts(r.y0, r.y1, perRow.map((k) => k * (1 - jitter / 2 + rng() * jitter)));
  const out: Rect[] = [];
  for (let i = 0; i < rows; i++) {
    const xs = cuts(r.x0, r.x1, Array.from({ length: perRow[i] }, () => 1 - jitter / 2 + rng() * jitter));
    for (let j = 0; j < perRow[i]; j++) out.push({ x0: xs[j], y0: ys[i], x1: xs[j + 1], y1: ys[i + 1] });
  }
  return out;
}

/** Splits along the longer side into n strips (grids inside a community block). */
export function stripRect(r: Rect, n: number, rng: Rng, jitter = 0.4): Rect[] {
  if (n <= 1) return [r];
  const weights = Array.from({ length: n }, () => 1 - jitter / 2 + rng() * jitter);
  if ((r.x1 - r.x0) * KX >= r.y1 - r.y0) {
    const xs = cuts(r.x0, r.x1, weights);
    return weights.map((_, i) => ({ x0: xs[i], y0: r.y0, x1: xs[i + 1], y1: r.y1 }));
  }
  const ys = cuts(r.y0, r.y1, weights);
  return weights.map((_, i) => ({ x0: r.x0, y0: ys[i], x1: r.x1, y1: ys[i + 1] }));
}

/**
 * The closed, counter-clockwise ring of a rectangle (RFC 7946 right-hand rule),
 * with every corner of the other tiles that lies on one of its edges inserted.
 */
export function ringOf(r: Rect, corners: readonly [number, number][]): [number, number][] {
  const on = (pred: (x: number, y: number) => boolean, key: (p: [number, number]) => number, desc: boolean) =>
    corners
      .filter(([x, y]) => pred(x, y))
      .sort((a, b) => (desc ? key(b) - key(a) : key(a) - key(b)))
      .filter((p, i, arr) => i === 0 || key(arr[i - 1]) !== key(p));
  const bottom = on((x, y) => y === r.y0 && x > r.x0 && x < r.x1, (p) => p[0], false);
  const right = on((x, y) => x === r.x1 && y > r.y0 && y < r.y1, (p) => p[1], false);
  const top = on((x, y) => y === r.y1 && x > r.x0 && x < r.x1, (p) => p[0], true);
  const left = on((x, y) => x === r.x0 && y > r.y0 && y < r.y1, (p) => p[1], true);
  return [[r.x0, r.y0], ...bottom, [r.x1, r.y0], ...right, [r.x1, r.y1], ...top, [r.x0, r.y1], ...left, [r.x0, r.y0]];
}

export function cornersOf(rects: readonly Rect[]): [number, number][] {
  const seen = new Map<string, [number, number]>();
  for (const r of rects)
    for (const p of [
      [r.x0, r.y0],
      [r.x1, r.y0],
      [r.x1, r.y1],
      [r.x0, r.y1],
    ] as [number, number][])
      seen.set(`${p[0]},${p[1]}`, p);
  return [...seen.values()];
}

/** A point well inside a rectangle (not within `margin` of its edges, as a fraction). */
export function pointIn(r: Rect, rng: Rng, margin = 0.08): [number, number] {
  const fx = margin + rng() * (1 - 2 * margin);
  const fy = margin + rng() * (1 - 2 * margin);
  return [round(r.x0 + (r.x1 - r.x0) * fx), round(r.y0 + (r.y1 - r.y0) * fy)];
}

/**
 * The outline of a division as the union of its grids' polygons: a Polygon
 * when they form one piece, a MultiPolygon otherwise. Rings come out closed
 * and counter-clockwise (holes clockwise), as RFC 7946 asks.
 */
export function outlineOf(polygons: Geometry[]): Geometry | null {
  const geoms = polygons.map((g) => (g.type === 'Polygon' ? [g.coordinates] : g.coordinates) as [number, number][][][]);
  if (!geoms.length) return null;
  const [first, ...rest] = geoms;
  const merged = union(first, ...rest).map((poly) => poly.map((ring) => ring.map(([x, y]) => [round(x), round(y)] as [number, number])));
  if (!merged.length) return null;
  return merged.length === 1 ? { type: 'Polygon', coordinates: merged[0] } : { type: 'MultiPolygon', coordinates: merged };
}
