import { mulberry32 } from '../src/platform/rng.ts';
/**
 * Grid lookup benchmark: a tessellation of 50,000 small irregular polygons
 * (octagons on a jittered lattice, shared edges, one in ten with a hole that
 * is filled by an island grid, so 55,000 grids in all), random points over
 * the box, GridIndex lookups per second, and the ratio against a naive loop
 * over @turf/boolean-point-in-polygon across every polygon, measured in the
 * same run on fewer points (per second). The two must agree on the answers.
 *
 *   npx tsx bench/grid.ts
 */
import { pathToFileURL } from 'node:url';
import { booleanPointInPolygon } from '@turf/boolean-point-in-polygon';
import { GridIndex, type GridShape } from '../src/dispatch/grid-index.ts';
import type { Geometry } from '../src/org/store.ts';

export interface GridBench {
  /** GridIndex (src/dispatch/grid-index.ts) on uniformly random points. */
  lookupsPerS: number;
  /** lookupsPerS over the naive turf loop's lookups per second. */
  ratioVsNaive: number;
  polygons: number;
  /** GridIndex with its raster off (the exact R-tree path alone) on the same points. */
  exactLookupsPerS: number;
  /** GridIndex construction time, raster included. */
  buildMs: number;
}

interface Options {
  cols?: number;
  rows?: number;
  lookups?: number;
  naiveMs?: number;
  log?: (msg: string) => void;
}

const rng = mulberry32;

const BOX = [112.5, 28.6, 113.75, 29.6] as const; // about 120 km x 110 km round 岳阳

/** The tessellation: cols x rows octagonal cells sharing every edge, every tenth with a hole and an island in it. */
export function tessellation(cols = 250, rows = 200, seed = 12345): GridShape[] {
  const r = rng(seed);
  const [x0, y0, x1, y1] = BOX;
  const dx = (x1 - x0) / cols;
  const dy = (y1 - y0) / rows;
  const j = (v: number) => (r() - 0.5) * 2 * v;
  const round = (v: number) => Math.round(v * 1e7) / 1e7;
  // Corners, jittered inside the box (the outer border stays straight).
  const V: [number, number][][] = [];
  for (let i = 0; i <= cols; i++) {
    V.push([]);
    for (let k = 0; k <= rows; k++) {
      const x = i === 0 || i === cols ? x0 + i * dx : x0 + (i + j(0.25)) * dx;
      const y = k === 0 || k === rows ? y0 + k * dy : y0 + (k + j(0.25)) * dy;
      V[i].push([round(x), round(y)]);
    }
  }
  // Midpoints of edges, pushed sideways (inner edges only), shared by both cells.
  const H: [number, number][][] = []; // between V[i][k] and V[i+1][k]
  const Vm: [number, number][][] = []; // between V[i][k] and V[i][k+1]
  for (let i = 0; i <= cols; i++) {
    H.push([]);
    Vm.push([]);
    for (let k = 0; k <= rows; k++) {
      if (i < cols) {
        const [ax, ay] = V[i][k], [bx, by] = V[i + 1][k];
        H[i].push([round((ax + bx) / 2), round((ay + by) / 2 + (k === 0 || k === rows ? 0 : j(0.12) * dy))]);
      }
      if (k < rows) {
        const [ax, ay] = V[i][k], [bx, by] = V[i][k + 1];
        Vm[i].push([round((ax + bx) / 2 + (i === 0 || i === cols ? 0 : j(0.12) * dx)), round((ay + by) / 2)]);
      }
    }
  }
  const shapes: GridShape[] = [];
  let n = 0;
  for (let i = 0; i < cols; i++) {
    for (let k = 0; k < rows; k++) {
      const ring = [V[i][k], H[i][k], V[i + 1][k], Vm[i + 1][k], V[i + 1][k + 1], H[i][k + 1], V[i][k + 1], Vm[i][k], V[i][k]];
      const code = `G${String(n).padStart(6, '0')}`;
      const division = `430602${String(100 + (n % 20)).padStart(3, '0')}001`;
      if (n % 10 === 7) {
        // A hole round the cell's centre, and an island grid filling it.
        const cx = (V[i][k][0] + V[i + 1][k][0] + V[i + 1][k + 1][0] + V[i][k + 1][0]) / 4;
        const cy = (V[i][k][1] + V[i + 1][k][1] + V[i + 1][k + 1][1] + V[i][k + 1][1]) / 4;
        const hx = dx * 0.15, hy = dy * 0.15;
        const hole: [number, number][] = [
          [round(cx), round(cy - hy)],
          [round(cx - hx), round(cy)],
          [round(cx), round(cy + hy)],
          [round(cx + hx), round(cy)],
          [round(cx), round(cy - hy)],
        ];
        shapes.push({ id: code, code, divisionCode: division, geometry: { type: 'Polygon', coordinates: [ring, hole] } as Geometry });
        shapes.push({ id: `${code}-I`, code: `${code}-I`, divisionCode: division, geometry: { type: 'Polygon', coordinates: [[...hole].reverse()] } as Geometry });
      } else {
        shapes.push({ id: code, code, divisionCode: division, geometry: { type: 'Polygon', coordinates: [ring] } as Geometry });
      }
      n++;
    }
  }
  return shapes;
}

function points(n: number, seed: number): Float64Array {
  const r = rng(seed);
  const [x0, y0, x1, y1] = BOX;
  const out = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    out[2 * i] = x0 + r() * (x1 - x0);
    out[2 * i + 1] = y0 + r() * (y1 - y0);
  }
  return out;
}

export async function benchGrid(opts: Options = {}): Promise<GridBench> {
  const log = opts.log ?? ((m: string) => console.error(m));
  const cells = (opts.cols ?? 250) * (opts.rows ?? 200);
  const t0 = performance.now();
  const shapes = tessellation(opts.cols, opts.rows);
  const t1 = performance.now();
  const index = new GridIndex(shapes);
  const t2 = performance.now();
  const buildMs = t2 - t1;
  const st = index.rasterStats;
  const nCells = st.cols * st.rows;
  log(`grid: ${cells} cells (${shapes.length} polygons, ${shapes.length - cells} islands in holes); generated in ${(t1 - t0).toFixed(0)} ms, indexed in ${buildMs.toFixed(0)} ms`);
  log(`grid: raster ${st.cols} x ${st.rows} = ${nCells} cells: ${((100 * st.filled) / nCells).toFixed(1)}% in one grid, ${((100 * st.empty) / nCells).toFixed(1)}% empty, ${((100 * st.mixed) / nCells).toFixed(1)}% mixed (ray tests on the grids with an edge in the cell)`);

  // Warm up, then the best of three passes over the same uniformly random points.
  const n = opts.lookups ?? 1_000_000;
  const pts = points(n, 777);
  const measure = (idx: { lookup(x: number, y: number): GridShape | null }) => {
    let found = 0;
    for (let i = 0; i < Math.min(n, 200_000); i++) if (idx.lookup(pts[2 * i], pts[2 * i + 1])) found++;
    let best = Infinity;
    for (let pass = 0; pass < 3; pass++) {
      found = 0;
      const s = performance.now();
      for (let i = 0; i < n; i++) if (idx.lookup(pts[2 * i], pts[2 * i + 1]) !== null) found++;
      best = Math.min(best, performance.now() - s);
    }
    return { perS: n / (best / 1000), ms: best, found };
  };
  const g = measure(index);
  const lookupsPerS = g.perS;
  log(`grid: GridIndex ${n} lookups in ${g.ms.toFixed(0)} ms = ${Math.round(lookupsPerS).toLocaleString('en')} lookups/s (${g.found} inside a grid)`);
  const exact = new GridIndex(shapes, { cellsPerGrid: 0 });
  let differ = 0;
  for (let i = 0; i < Math.min(n, 200_000); i++) if (exact.lookup(pts[2 * i], pts[2 * i + 1]) !== index.lookup(pts[2 * i], pts[2 * i + 1])) differ++;
  if (differ) throw new Error(`GridIndex with and without its raster disagree on ${differ} points`);
  const ex = measure(exact);
  log(`grid: GridIndex without raster (exact path) ${Math.round(ex.perS).toLocaleString('en')} lookups/s, same answers on 200,000 points`);

  // Naive: every polygon through turf until one contains the point, for a time budget.
  const geoms = shapes.map((s) => s.geometry as any);
  const budget = opts.naiveMs ?? 3000;
  const npts = points(100_000, 999);
  let done = 0;
  let mismatches = 0;
  const s = performance.now();
  while (performance.now() - s < budget && done < 100_000) {
    const x = npts[2 * done], y = npts[2 * done + 1];
    let hit: string | null = null;
    for (let g = 0; g < geoms.length; g++) {
      if (booleanPointInPolygon([x, y], geoms[g])) {
        hit = shapes[g].id;
        break;
      }
    }
    if (hit !== (index.lookup(x, y)?.id ?? null)) mismatches++;
    done++;
  }
  const naiveMs = performance.now() - s;
  const naivePerS = done / (naiveMs / 1000);
  const ratioVsNaive = lookupsPerS / naivePerS;
  log(`grid: naive turf loop ${done} lookups in ${naiveMs.toFixed(0)} ms = ${naivePerS.toFixed(1)} lookups/s; answers differing from GridIndex: ${mismatches}`);
  log(`grid: GridIndex is ${Math.round(ratioVsNaive).toLocaleString('en')}x the naive loop`);
  if (mismatches) throw new Error(`GridIndex and turf disagree on ${mismatches} of ${done} points`);
  return { lookupsPerS, ratioVsNaive, polygons: shapes.length, exactLookupsPerS: ex.perS, buildMs };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await benchGrid();
  console.log(`grid: polygons=${r.polygons} grid_lookups_per_s=${Math.round(r.lookupsPerS)} grid_ratio_vs_naive=${Math.round(r.ratioVsNaive)} exact_lookups_per_s=${Math.round(r.exactLookupsPerS)} build_ms=${Math.round(r.buildMs)}`);
}
