/**
 * Point -> grid lookup: simple polygons, holes, multipolygons, points outside
 * every grid, shared borders resolved the same way whatever the load order,
 * and agreement with @turf/boolean-point-in-polygon on random shapes.
 */
import fc from 'fast-check';
import { booleanPointInPolygon } from '@turf/boolean-point-in-polygon';
import { describe, expect, it } from 'vitest';
import type { Geometry } from '../org/store.ts';
import { GridIndex, polygonContains, type GridShape } from './grid-index.ts';
import { GridLocator } from './locator.ts';
import type { Db } from '../platform/db.ts';
import { tessellation as benchTessellation } from '../../bench/grid.ts';

type Ring = [number, number][];
const rect = (x0: number, y0: number, x1: number, y1: number): Ring => [
  [x0, y0],
  [x1, y0],
  [x1, y1],
  [x0, y1],
  [x0, y0],
];
const shape = (code: string, geometry: Geometry, divisionCode = '430602005001'): GridShape => ({ id: `id-${code}`, code, divisionCode, geometry });
const poly = (...rings: Ring[]): Geometry => ({ type: 'Polygon', coordinates: rings });
const multi = (...polys: Ring[][]): Geometry => ({ type: 'MultiPolygon', coordinates: polys });
interface Index {
  readonly size: number;
  lookup(lng: number, lat: number): GridShape | null;
}
const codeAt = (idx: Index, x: number, y: number) => idx.lookup(x, y)?.code ?? null;

/** GridIndex as built by default, with its raster off (the exact path alone), and with a very fine raster (most lookups answered by cells). */
const IMPLEMENTATIONS: { name: string; make: (shapes: GridShape[]) => Index }[] = [
  { name: 'GridIndex', make: (shapes) => new GridIndex(shapes) },
  { name: 'GridIndex, exact path only', make: (shapes) => new GridIndex(shapes, { cellsPerGrid: 0 }) },
  { name: 'GridIndex, fine raster', make: (shapes) => new GridIndex(shapes, { cellsPerGrid: 4096 }) },
];

describe.each(IMPLEMENTATIONS)('$name', ({ make }) => {
  it('finds the grid of a point in a simple polygon, and null outside every grid', () => {
    const idx = make([shape('A', poly(rect(0, 0, 10, 10))), shape('B', poly(rect(20, 0, 30, 10)))]);
    expect(idx.size).toBe(2);
    expect(codeAt(idx, 5, 5)).toBe('A');
    expect(codeAt(idx, 25, 1)).toBe('B');
    expect(codeAt(idx, 15, 5)).toBeNull(); // between the two
    expect(codeAt(idx, -1, 5)).toBeNull();
    expect(codeAt(idx, 5, 10.000001)).toBeNull();
    expect(codeAt(idx, 1000, 1000)).toBeNull();
    expect(idx.lookup(5, 5)).toEqual(shape('A', poly(rect(0, 0, 10, 10))));
    expect(make([]).lookup(5, 5)).toBeNull();
  });

  it('handles a concave polygon whose bounding box covers points outside it', () => {
    // An L shape: its box covers (8, 8), which lies outside the polygon.
    const L: Ring = [[0, 0], [10, 0], [10, 4], [4, 4], [4, 10], [0, 10], [0, 0]];
    const idx = make([shape('L', poly(L)), shape('C', poly(rect(6, 6, 9, 9)))]);
    expect(codeAt(idx, 2, 8)).toBe('L');
    expect(codeAt(idx, 8, 2)).toBe('L');
    expect(codeAt(idx, 7, 7)).toBe('C');
    expect(codeAt(idx, 5, 5)).toBeNull();
  });

  it('leaves holes out of a polygon; a grid in the hole owns its inside', () => {
    const donut = shape('D', poly(rect(0, 0, 10, 10), rect(3, 3, 7, 7), rect(8, 8, 9, 9)));
    const alone = make([donut]);
    expect(codeAt(alone, 1, 1)).toBe('D');
    expect(codeAt(alone, 5, 5)).toBeNull();
    expect(codeAt(alone, 8.5, 8.5)).toBeNull();
    expect(codeAt(alone, 7.5, 7.5)).toBe('D');
    // The hole's edge is the polygon's boundary: it still belongs to the grid.
    expect(codeAt(alone, 3, 5)).toBe('D');
    expect(polygonContains([rect(0, 0, 10, 10), rect(3, 3, 7, 7)], 3, 5)).toBe(-1);
    expect(polygonContains([rect(0, 0, 10, 10), rect(3, 3, 7, 7)], 5, 5)).toBe(0);
    expect(polygonContains([rect(0, 0, 10, 10), rect(3, 3, 7, 7)], 1, 5)).toBe(1);
    const island = shape('I', poly(rect(3, 3, 7, 7)));
    const both = make([island, donut]);
    expect(codeAt(both, 5, 5)).toBe('I');
    expect(codeAt(both, 1, 1)).toBe('D');
    // On the hole's edge both contain the point (as boundary): the smaller code wins.
    expect(codeAt(both, 3, 5)).toBe('D');
  });

  it('finds every part of a multipolygon, and nothing between the parts', () => {
    const m = shape('M', multi([rect(0, 0, 2, 2)], [rect(10, 10, 12, 12), rect(10.5, 10.5, 11.5, 11.5)]));
    const idx = make([m, shape('N', poly(rect(4, 4, 6, 6)))]);
    expect(codeAt(idx, 1, 1)).toBe('M');
    expect(codeAt(idx, 10.2, 11.8)).toBe('M');
    expect(codeAt(idx, 11, 11)).toBeNull(); // the hole of the second part
    expect(codeAt(idx, 5, 5)).toBe('N'); // inside the multipolygon's box, outside its parts
    expect(codeAt(idx, 7, 7)).toBeNull();
  });

  it('resolves a shared border to the grid with the smallest code', () => {
    const left = shape('G-02', poly(rect(0, 0, 1, 1)));
    const right = shape('G-01', poly(rect(1, 0, 2, 1)));
    for (const shapes of [[left, right], [right, left]]) {
      const idx = make(shapes);
      expect(codeAt(idx, 1, 0.5)).toBe('G-01');
      expect(codeAt(idx, 0.5, 0.5)).toBe('G-02');
      expect(codeAt(idx, 1, 0)).toBe('G-01'); // a shared corner
      expect(codeAt(idx, 0, 0.5)).toBe('G-02'); // an outer border belongs to its only grid
    }
  });

  describe('shared borders of a random tessellation resolve the same whatever the load order', () => {
    /**
     * Columns between zig-zag separators with integer vertices at every integer
     * y, each column cut into cells by horizontal lines: neighbours share edges
     * exactly. Coordinates are multiples of 1/4, so all arithmetic is exact.
     */
    const tessellation = fc
      .record({
        cols: fc.integer({ min: 2, max: 5 }),
        height: fc.integer({ min: 2, max: 7 }),
        wobble: fc.array(fc.integer({ min: -1, max: 1 }), { minLength: 64, maxLength: 64 }),
        cuts: fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }),
        codes: fc.uniqueArray(fc.integer({ min: 0, max: 9999 }), { minLength: 64, maxLength: 64 }),
      })
      .map(({ cols, height, wobble, cuts, codes }) => {
        const W = cols * 4;
        const sep = (k: number, j: number) => (k === 0 ? 0 : k === cols ? W : 4 * k + wobble[(k * 8 + j) % 64]);
        const sepAt = (k: number, y: number) => {
          const j = Math.min(Math.floor(y), height - 1);
          return sep(k, j) + (sep(k, j + 1) - sep(k, j)) * (y - j);
        };
        const cells: { code: string; k: number; y0: number; y1: number; ring: Ring }[] = [];
        let c = 0;
        for (let k = 0; k < cols; k++) {
          const ys = [0, ...Array.from({ length: height - 1 }, (_, i) => i + 1).filter((y) => cuts[(k * 8 + y) % 64]), height];
          for (let i = 0; i + 1 < ys.length; i++) {
            const [y0, y1] = [ys[i], ys[i + 1]];
            const ring: Ring = [];
            for (let j = y0; j <= y1; j++) ring.push([sep(k + 1, j), j]); // right side, up
            for (let j = y1; j >= y0; j--) ring.push([sep(k, j), j]); // left side, down
            ring.push(ring[0]);
            cells.push({ code: `G${codes[c++ % 64]}`, k, y0, y1, ring });
          }
        }
        return { W, H: height, cells, sepAt };
      });

    const quarter = (min: number, max: number) => fc.integer({ min: min * 4, max: max * 4 }).map((v) => v / 4);

    it('matches the tessellation’s own geometry, in any order', () => {
      fc.assert(
        fc.property(tessellation, fc.array(fc.tuple(quarter(-1, 21), quarter(-1, 8)), { minLength: 30, maxLength: 60 }), fc.integer(), ({ W, H, cells, sepAt }, pts, seed) => {
          const shapes = cells.map((c) => shape(c.code, poly(c.ring)));
          const shuffled = [...shapes];
          let s = seed >>> 0;
          for (let i = shuffled.length - 1; i > 0; i--) {
            s = (Math.imul(s, 1103515245) + 12345) >>> 0;
            const j = s % (i + 1);
            [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
          }
          const a = make(shapes);
          const b = make(shuffled);
          const c = make([...shapes].reverse());
          // Points on edges and corners of the cells, besides the random ones.
          const onEdges: [number, number][] = cells.flatMap((cell) => {
            const y = cell.y0 + (cell.y1 - cell.y0) / 2;
            return [
              [sepAt(cell.k, y), y],
              [sepAt(cell.k + 1, y), y],
              [(sepAt(cell.k, cell.y0) + sepAt(cell.k + 1, cell.y0)) / 2, cell.y0],
              [sepAt(cell.k, cell.y1), cell.y1],
              [sepAt(cell.k, cell.y0 + 0.25), cell.y0 + 0.25],
            ];
          });
          for (const [x, y] of [...pts.filter(([x]) => x <= W + 1), ...onEdges]) {
            // The oracle, from the construction: strictly inside, else on the closure.
            const inside = cells.filter((cl) => y > cl.y0 && y < cl.y1 && x > sepAt(cl.k, y) && x < sepAt(cl.k + 1, y)).map((cl) => cl.code);
            const closure = cells.filter((cl) => y >= cl.y0 && y <= cl.y1 && x >= sepAt(cl.k, y) && x <= sepAt(cl.k + 1, y)).map((cl) => cl.code);
            expect(inside.length).toBeLessThanOrEqual(1);
            const expected = inside[0] ?? closure.sort()[0] ?? null;
            if (y < 0 || y > H || x < 0 || x > W) expect(expected).toBeNull();
            expect(codeAt(a, x, y), `${x},${y}`).toBe(expected);
            expect(codeAt(b, x, y)).toBe(expected);
            expect(codeAt(c, x, y)).toBe(expected);
          }
        }),
        { numRuns: 150 },
      );
    });
  });

  describe('agrees with @turf/boolean-point-in-polygon', () => {
    /** A star-shaped ring around (cx, cy): simple by construction. */
    const star = (cx: number, cy: number, radii: number[], jitter: number[], scale: number): Ring => {
      const n = radii.length;
      const ring: Ring = radii.map((r, i) => {
        const a = ((i + jitter[i] * 0.3) / n) * 2 * Math.PI;
        return [cx + Math.cos(a) * r * scale, cy + Math.sin(a) * r * scale];
      });
      ring.push(ring[0]);
      return ring;
    };
    const starPoly = fc
      .record({
        radii: fc.array(fc.double({ min: 0.5, max: 1, noNaN: true }), { minLength: 5, maxLength: 14 }),
        jitter: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 14, maxLength: 14 }),
        hole: fc.option(fc.array(fc.double({ min: 0.2, max: 1, noNaN: true }), { minLength: 5, maxLength: 8 }), { nil: null }),
      })
      .map(({ radii, jitter, hole }) => (cx: number, cy: number): Ring[] => {
        const outer = star(cx, cy, radii, jitter, 4.5);
        // The outer ring holds the disc of radius 0.5 * 4.5 * cos(gap/2) >= 1.2; the hole stays within 0.45 * 2.25.
        return hole ? [outer, star(cx, cy, hole, jitter, 0.45 * 2.25 * 0.95)] : [outer];
      });
    // Shapes sit in their own cells of a 10x10 lattice, so they never overlap; some are two-part multipolygons.
    const world = fc.array(fc.tuple(starPoly, fc.option(starPoly, { nil: null })), { minLength: 1, maxLength: 8 }).map((defs) => {
      const shapes: { code: string; geometry: Geometry }[] = [];
      let cell = 0;
      const centre = () => {
        const c = cell++;
        return [(c % 5) * 10 + 5, Math.floor(c / 5) * 10 + 5] as const;
      };
      defs.forEach(([p, q], i) => {
        const [x1, y1] = centre();
        const first = p(x1, y1);
        if (q) {
          const [x2, y2] = centre();
          shapes.push({ code: `S${i}`, geometry: multi(first, q(x2, y2)) });
        } else shapes.push({ code: `S${i}`, geometry: poly(...first) });
      });
      return shapes;
    });

    const distToSegment = (px: number, py: number, [ax, ay]: number[], [bx, by]: number[]) => {
      const dx = bx - ax, dy = by - ay;
      const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy || 1)));
      return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
    };
    const nearBorder = (geometry: Geometry, x: number, y: number) => {
      const polys = (geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates) as number[][][][];
      return polys.some((p) => p.some((ring) => ring.some((a, i) => i > 0 && distToSegment(x, y, ring[i - 1], a) < 1e-9)));
    };

    it('on random polygons, holes and multipolygons (points off the borders)', () => {
      fc.assert(
        fc.property(world, fc.array(fc.tuple(fc.double({ min: -2, max: 52, noNaN: true }), fc.double({ min: -2, max: 42, noNaN: true })), { minLength: 50, maxLength: 150 }), (shapes, pts) => {
          const idx = make(shapes.map((s) => shape(s.code, s.geometry)));
          for (const [x, y] of pts) {
            if (shapes.some((s) => nearBorder(s.geometry, x, y))) continue;
            const turf = shapes.filter((s) => booleanPointInPolygon([x, y], s.geometry as any)).map((s) => s.code);
            expect(turf.length).toBeLessThanOrEqual(1);
            expect(codeAt(idx, x, y), `${x},${y}`).toBe(turf[0] ?? null);
          }
        }),
        { numRuns: 200 },
      );
    });

    it('on points near the centres, where holes are', () => {
      fc.assert(
        fc.property(world, fc.array(fc.tuple(fc.integer({ min: 0, max: 15 }), fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: -3, max: 3, noNaN: true })), { minLength: 50, maxLength: 100 }), (shapes, offs) => {
          const idx = make(shapes.map((s) => shape(s.code, s.geometry)));
          for (const [c, dx, dy] of offs) {
            const [x, y] = [(c % 5) * 10 + 5 + dx, Math.floor(c / 5) * 10 + 5 + dy];
            if (shapes.some((s) => nearBorder(s.geometry, x, y))) continue;
            const turf = shapes.filter((s) => booleanPointInPolygon([x, y], s.geometry as any)).map((s) => s.code);
            expect(codeAt(idx, x, y)).toBe(turf[0] ?? null);
          }
        }),
        { numRuns: 200 },
      );
    });
  });
});

describe('GridIndex raster', () => {
  /** Random points, every vertex, points on and next to every edge, and points on the raster's cell lines. */
  const probes = (shapes: GridShape[], rnd: () => number, cols: number, rows: number): [number, number][] => {
    const out: [number, number][] = [];
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (const s of shapes) {
      const polys = (s.geometry.type === 'Polygon' ? [s.geometry.coordinates] : s.geometry.coordinates) as number[][][][];
      for (const p of polys)
        for (const ring of p)
          for (let i = 0; i < ring.length; i++) {
            const [ax, ay] = ring[i], [bx, by] = ring[(i + 1) % ring.length];
            minX = Math.min(minX, ax), minY = Math.min(minY, ay), maxX = Math.max(maxX, ax), maxY = Math.max(maxY, ay);
            out.push([ax, ay], [(ax + bx) / 2, (ay + by) / 2]);
            const t = rnd();
            const [px, py] = [ax + (bx - ax) * t, ay + (by - ay) * t];
            out.push([px, py], [px + 1e-12, py], [px, py - 1e-12], [px + (rnd() - 0.5) * 1e-6, py + (rnd() - 0.5) * 1e-6]);
          }
    }
    const w = maxX - minX, h = maxY - minY;
    for (let i = 0; i < 3000; i++) out.push([minX - 0.05 * w + rnd() * 1.1 * w, minY - 0.05 * h + rnd() * 1.1 * h]);
    for (let c = 0; c <= cols; c++) out.push([minX + (c * w) / cols, minY + rnd() * h]);
    for (let r = 0; r <= rows; r++) out.push([minX + rnd() * w, minY + (r * h) / rows]);
    return out;
  };
  const mulberry = (seed: number) => () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const agree = (shapes: GridShape[], cellsPerGrid: number, seed: number) => {
    const exact = new GridIndex(shapes, { cellsPerGrid: 0 });
    const fast = new GridIndex(shapes, { cellsPerGrid });
    const { cols, rows, filled, empty } = fast.rasterStats;
    const rnd = mulberry(seed);
    let checked = 0;
    for (const [x, y] of probes(shapes, rnd, cols, rows)) {
      expect(codeAt(fast, x, y), `${x},${y}`).toBe(codeAt(exact, x, y));
      checked++;
    }
    return { checked, filled, empty };
  };

  it('answers exactly as the exact path on the benchmark tessellation (holes, islands, shared edges), on and off the edges', () => {
    const shapes = benchTessellation(30, 20, 4242);
    for (const cellsPerGrid of [4, 48, 400]) {
      const { checked, filled } = agree(shapes, cellsPerGrid, cellsPerGrid);
      expect(checked).toBeGreaterThan(10_000);
      if (cellsPerGrid >= 48) expect(filled).toBeGreaterThan(0);
    }
  });

  it('answers exactly as the exact path on overlapping polygons, multipolygons and holes', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            x: fc.integer({ min: 0, max: 40 }),
            y: fc.integer({ min: 0, max: 40 }),
            w: fc.integer({ min: 1, max: 30 }),
            h: fc.integer({ min: 1, max: 30 }),
            tilt: fc.integer({ min: -3, max: 3 }),
            hole: fc.boolean(),
            part: fc.option(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 60 })), { nil: null }),
          }),
          { minLength: 1, maxLength: 12 },
        ),
        fc.integer({ min: 1, max: 2000 }),
        fc.integer(),
        (defs, cellsPerGrid, seed) => {
          const shapes = defs.map(({ x, y, w, h, tilt, hole, part }, i) => {
            // A quadrilateral with a slanted top edge, perhaps with a hole, perhaps with a second part.
            const outer: Ring = [[x, y], [x + w, y], [x + w, y + h + tilt], [x, y + h], [x, y]];
            const rings: Ring[] = hole && w > 2 && h > 4 ? [outer, rect(x + 1, y + 1, x + w - 1, y + 2)] : [outer];
            return shape(`P${String(i).padStart(2, '0')}`, part ? multi(rings, [rect(part[0], part[1], part[0] + 3, part[1] + 2)]) : poly(...rings));
          });
          agree(shapes, cellsPerGrid, seed);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('answers most random lookups on the benchmark tessellation from cells alone', () => {
    const st = new GridIndex(benchTessellation(60, 40, 7)).rasterStats;
    expect(st.cols * st.rows).toBeGreaterThan(60 * 40 * 4);
    expect(st.filled / (st.cols * st.rows)).toBeGreaterThan(0.5);
    expect(new GridIndex([], { cellsPerGrid: 48 }).rasterStats.cols).toBe(0);
  });
});

describe('GridLocator', () => {
  it('answers from the grids it last loaded, and sees changes on refresh', async () => {
    const rows: GridShape[] = [shape('A', poly(rect(0, 0, 1, 1)), '430602005001')];
    const db = { query: async () => rows } as unknown as Db;
    const loc = new GridLocator(db);
    expect(loc.locate(0.5, 0.5)).toBeNull();
    await loc.refresh();
    expect(loc.locate(0.5, 0.5)).toEqual({ gridId: 'id-A', divisionCode: '430602005001' });
    rows.push(shape('B', poly(rect(1, 0, 2, 1)), '430602005002'));
    expect(loc.locate(1.5, 0.5)).toBeNull();
    await loc.refresh();
    expect(loc.locate(1.5, 0.5)).toEqual({ gridId: 'id-B', divisionCode: '430602005002' });
    expect(loc.locate(5, 5)).toBeNull();
  });
});
