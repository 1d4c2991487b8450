/**
 * Point -> grid lookup over GeoJSON polygons (holes and multipolygons allowed).
 *
 * Exact path: a flatbush R-tree of bounding boxes narrows the candidates, an
 * even-odd ray test decides. The coordinates of all grids are packed into one
 * Float64Array in the tree's Hilbert leaf order, and the tree walk runs over
 * flatbush's arrays without allocating, so a lookup touches a few contiguous
 * blocks instead of thousands of small arrays scattered over the heap.
 *
 * Raster: a uniform grid of cells over the extent. Every polygon edge (outer
 * rings and holes) is rasterised, with a small safety margin, into the cells
 * it touches, which are marked mixed; every other cell lies in no polygon's
 * border, so its answer is the same at every point of it and is computed once
 * at build time by the exact path (at the centre of the cell). A lookup in such
 * a cell is one array read; in a mixed cell only the grids with an edge there
 * are ray-tested (with the smallest grid holding the whole cell, found at build).
 *
 * A point strictly inside a grid belongs to it (the smallest code first if
 * grids overlap); a point on a border resolves to the grid with the smallest
 * code touching it, so the answer never depends on load order.
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

export interface GridIndexOptions {
  /**
   * Raster cells per grid (default 48); 0 turns the raster off, leaving only
   * the exact path. The cell count is capped at MAX_CELLS whatever this says.
   */
  cellsPerGrid?: number;
}

/** Raster cell values: a grid (its index in code order, >= 0), or one of these. */
const EMPTY = -1;
const MIXED = -2;
/** At most 4M cells (16 MB of Int32Array). */
const MAX_CELLS = 1 << 22;
const DEFAULT_CELLS_PER_GRID = 48;

export interface RasterStats {
  cols: number;
  rows: number;
  /** Cells some border crosses: ray tests on the grids with an edge there (the R-tree path if their lists did not fit). */
  mixed: number;
  /** Cells outside every grid. */
  empty: number;
  /** Cells wholly inside a grid. */
  filled: number;
}

export class GridIndex {
  private readonly shapes: GridShape[];
  private readonly tree: Flatbush | null;
  /** Per item, in tree leaf order: item, polygons, then per polygon its ring count and per ring its vertex count and x, y pairs. */
  private readonly data: Float64Array;
  private readonly leafOffset: Uint32Array;
  private stack = new Uint32Array(128);
  /** The raster (empty when off): cell (c, r) at r * cols + c, c = floor((x - rx0) * rsx), r = floor((y - ry0) * rsy). */
  private readonly cells: Int32Array;
  private readonly cols: number = 0;
  private readonly rows: number = 0;
  private readonly rx0: number = 0;
  private readonly ry0: number = 0;
  private readonly rsx: number = 0;
  private readonly rsy: number = 0;
  /** Candidates of the mixed cells (see the constructor); empty when they would not fit. */
  private readonly cand: Int32Array = new Int32Array(0);

  constructor(shapes: GridShape[], options: GridIndexOptions = {}) {
    this.shapes = [...shapes].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
    this.cells = new Int32Array(0);
    const n = this.shapes.length;
    const polys = this.shapes.map((s) => polygonsOf(s.geometry));
    if (!n) {
      this.tree = null;
      this.data = new Float64Array(0);
      this.leafOffset = new Uint32Array(0);
      return;
    }
    const tree = new Flatbush(n, 8);
    let size = 0;
    for (const ps of polys) {
      let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
      size += 2;
      for (const p of ps) {
        size += 1;
        for (const r of p) size += 1 + 2 * r.length;
        for (const [x, y] of p[0]) {
          if (x < minX) minX = x;
          if (y < minY) minY = y;
          if (x > maxX) maxX = x;
          if (y > maxY) maxY = y;
        }
      }
      tree.add(minX, minY, maxX, maxY);
    }
    tree.finish();
    this.tree = tree;
    this.data = new Float64Array(size);
    this.leafOffset = new Uint32Array(n);
    let o = 0;
    for (let leaf = 0; leaf < n; leaf++) {
      const item = tree._indices[leaf];
      this.leafOffset[leaf] = o;
      this.data[o++] = item;
      this.data[o++] = polys[item].length;
      for (const p of polys[item]) {
        this.data[o++] = p.length;
        for (const r of p) {
          this.data[o++] = r.length;
          for (const [x, y] of r) {
            this.data[o++] = x;
            this.data[o++] = y;
          }
        }
      }
    }

    // The raster, over the tree's extent (the union of the outer rings' boxes: outside it no grid matches).
    const perGrid = options.cellsPerGrid ?? DEFAULT_CELLS_PER_GRID;
    const { minX: x0, minY: y0, maxX: x1, maxY: y1 } = tree;
    const w = x1 - x0, h = y1 - y0;
    if (!(perGrid > 0) || !(w > 0) || !(h > 0) || !Number.isFinite(w) || !Number.isFinite(h)) return;
    const target = Math.min(MAX_CELLS, Math.max(64, Math.ceil(n * perGrid)));
    const cols = Math.max(1, Math.min(target, Math.round(Math.sqrt((target * w) / h))));
    const rows = Math.max(1, Math.min(Math.floor(MAX_CELLS / cols), Math.round(target / cols)));
    const sx = cols / w, sy = rows / h;
    const cw = w / cols, ch = h / rows;
    // The margin round every edge: far above floating-point error in the cell
    // mapping and the ray test, far below a cell.
    const ex = cw * 1e-6 + (Math.abs(x0) + Math.abs(x1)) * 1e-13;
    const ey = ch * 1e-6 + (Math.abs(y0) + Math.abs(y1)) * 1e-13;
    const nCells = cols * rows;
    const cells = new Int32Array(nCells).fill(EMPTY);
    const d = this.data;
    /** Calls visit(cell, leaf) for every cell within the margin of an edge of the leaf's grid (closing edges included: the ray test pairs the first vertex with the last). */
    const rasterise = (visit: (at: number, leaf: number) => void) => {
      for (let leaf = 0; leaf < n; leaf++) {
        let p = this.leafOffset[leaf] + 1;
        const nPolys = d[p++];
        for (let k = 0; k < nPolys; k++) {
          const nRings = d[p++];
          for (let r = 0; r < nRings; r++) {
            const nV = d[p++];
            const s = p;
            p += 2 * nV;
            for (let i = s, j = p - 2; i < p; j = i, i += 2) {
              const ax = d[j], ay = d[j + 1], bx = d[i], by = d[i + 1];
              const xlo = ax < bx ? ax : bx, xhi = ax < bx ? bx : ax;
              let c0 = Math.floor((xlo - ex - x0) * sx), c1 = Math.floor((xhi + ex - x0) * sx);
              if (!(c1 >= 0 && c0 < cols)) continue; // outside the raster (or NaN)
              if (c0 < 0) c0 = 0;
              if (c1 >= cols) c1 = cols - 1;
              for (let c = c0; c <= c1; c++) {
                let ylo: number, yhi: number;
                if (ax === bx) {
                  ylo = ay < by ? ay : by;
                  yhi = ay < by ? by : ay;
                } else {
                  // The part of the edge over column c (widened by the margin).
                  const l = Math.max(xlo, x0 + c * cw - ex), u = Math.min(xhi, x0 + (c + 1) * cw + ex);
                  const ya = ay + ((by - ay) * (l - ax)) / (bx - ax);
                  const yb = ay + ((by - ay) * (u - ax)) / (bx - ax);
                  ylo = Math.min(ya, yb, l <= xlo ? (ax < bx ? ay : by) : Infinity);
                  yhi = Math.max(ya, yb, u >= xhi ? (ax < bx ? by : ay) : -Infinity);
                }
                let r0 = Math.floor((ylo - ey - y0) * sy), r1 = Math.floor((yhi + ey - y0) * sy);
                if (!(r1 >= 0 && r0 < rows)) continue;
                if (r0 < 0) r0 = 0;
                if (r1 >= rows) r1 = rows - 1;
                for (let row = r0; row <= r1; row++) visit(row * cols + c, leaf);
              }
            }
          }
        }
      }
    };
    // Mixed cells, and how many grids have an edge in each (leaves come in order, so a repeat is the last one seen).
    const count = new Int32Array(nCells);
    const last = new Int32Array(nCells).fill(-1);
    let pairs = 0;
    rasterise((at, leaf) => {
      if (last[at] === leaf) return;
      last[at] = leaf;
      count[at]++;
      pairs++;
    });
    for (let at = 0; at < nCells; at++) if (count[at]) cells[at] = MIXED;
    // Cells that no edge touches: two such cells side by side form one region no
    // border crosses, so they share their answer; compute it once per region
    // start, at a cell centre (half a cell from any edge), by the exact path.
    for (let row = 0; row < rows; row++) {
      for (let c = 0; c < cols; c++) {
        const at = row * cols + c;
        if (cells[at] === MIXED) continue;
        if (c > 0 && cells[at - 1] !== MIXED) cells[at] = cells[at - 1];
        else if (row > 0 && cells[at - cols] !== MIXED) cells[at] = cells[at - cols];
        else cells[at] = this.exact(x0 + (c + 0.5) * cw, y0 + (row + 0.5) * ch);
      }
    }
    // Mixed cells get their candidates, when they fit in the memory bound: the
    // grids with an edge in the cell, in code order, and the smallest grid that
    // holds the whole cell strictly inside (no edge of it in the cell), or -1.
    // Laid out per cell as [whole, n, n data offsets]; the cell holds -3 - start.
    const mixedCells = nCells - cells.reduce((k, v) => (v === MIXED ? k : k + 1), 0);
    const candLen = pairs + 2 * mixedCells;
    if (candLen <= MAX_CELLS * 2) {
      const cand = new Int32Array(candLen);
      const fill = count; // reused: where each cell's next candidate goes
      let o = 0;
      for (let at = 0; at < nCells; at++) {
        if (cells[at] !== MIXED) continue;
        const m = count[at];
        cells[at] = -3 - o;
        cand[o] = -1;
        cand[o + 1] = m;
        fill[at] = o + 2;
        o += 2 + m;
      }
      last.fill(-1);
      const leafOf = new Int32Array(n);
      for (let leaf = 0; leaf < n; leaf++) leafOf[tree._indices[leaf]] = leaf;
      rasterise((at, leaf) => {
        if (last[at] === leaf) return;
        last[at] = leaf;
        cand[fill[at]++] = this.leafOffset[leaf];
      });
      for (let row = 0; row < rows; row++) {
        for (let c = 0; c < cols; c++) {
          const v = cells[row * cols + c];
          if (v > MIXED) continue;
          const s = -3 - v, m = cand[s + 1];
          const list = Array.from(cand.subarray(s + 2, s + 2 + m)).sort((a, b) => d[a] - d[b]);
          cand.set(list, s + 2);
          cand[s] = this.wholeCell(x0 + c * cw, y0 + row * ch, x0 + (c + 1) * cw, y0 + (row + 1) * ch, list, leafOf);
        }
      }
      this.cand = cand;
    }
    this.cells = cells;
    this.cols = cols;
    this.rows = rows;
    this.rx0 = x0;
    this.ry0 = y0;
    this.rsx = sx;
    this.rsy = sy;
  }

  get size(): number {
    return this.shapes.length;
  }

  /** The raster's dimensions and how its cells split (all zero when it is off). */
  get rasterStats(): RasterStats {
    let mixed = 0, empty = 0;
    for (const v of this.cells) {
      if (v <= MIXED) mixed++;
      else if (v === EMPTY) empty++;
    }
    return { cols: this.cols, rows: this.rows, mixed, empty, filled: this.cells.length - mixed - empty };
  }

  /** The grid containing the point (the smallest code wins on a shared border), or null. */
  lookup(x: number, y: number): GridShape | null {
    const fx = (x - this.rx0) * this.rsx, fy = (y - this.ry0) * this.rsy;
    if (fx >= 0 && fy >= 0 && fx < this.cols && fy < this.rows) {
      const v = this.cells[Math.floor(fy) * this.cols + Math.floor(fx)];
      if (v >= 0) return this.shapes[v];
      if (v === EMPTY) return null;
      if (v !== MIXED) {
        // A mixed cell with its candidates: the smallest code strictly containing the point, else the smallest on whose border it lies.
        const cand = this.cand, d = this.data;
        const s = -3 - v, end = s + 2 + cand[s + 1];
        let best = cand[s];
        let border = -1;
        for (let k = s + 2; k < end; k++) {
          const off = cand[k];
          const item = d[off];
          if (best !== -1 && item > best) break;
          const r = this.test(off, x, y);
          if (r === 1) {
            best = item;
            break;
          }
          if (r === -1 && border === -1) border = item;
        }
        const hit = best !== -1 ? best : border;
        return hit === -1 ? null : this.shapes[hit];
      }
    }
    const hit = this.exact(x, y);
    return hit < 0 ? null : this.shapes[hit];
  }

  /**
   * The smallest grid, not in `touching` (data offsets), that holds the cell
   * [cx0, cx1] x [cy0, cy1] strictly inside, or -1: no edge of such a grid
   * meets the cell, so testing the centre decides for the whole cell.
   */
  private wholeCell(cx0: number, cy0: number, cx1: number, cy1: number, touching: number[], leafOf: Int32Array): number {
    const tree = this.tree!;
    const boxes = tree._boxes;
    const x = (cx0 + cx1) / 2, y = (cy0 + cy1) / 2;
    const hits = tree.search(cx0, cy0, cx1, cy1).sort((a, b) => a - b);
    for (const item of hits) {
      const leaf = leafOf[item];
      const b = leaf * 4;
      if (!(boxes[b] <= cx0 && boxes[b + 1] <= cy0 && boxes[b + 2] >= cx1 && boxes[b + 3] >= cy1)) continue;
      const off = this.leafOffset[leaf];
      if (touching.includes(off)) continue;
      if (this.test(off, x, y) === 1) return item;
    }
    return -1;
  }

  /** The exact path, bypassing the raster: the grid's index in code order, or EMPTY. */
  private exact(x: number, y: number): number {
    const tree = this.tree;
    if (!tree) return EMPTY;
    const boxes = tree._boxes, indices = tree._indices, bounds = tree._levelBounds, nodeSize = tree.nodeSize;
    const leaves4 = tree.numItems * 4;
    let stack = this.stack;
    let sp = 0;
    let best = -1;
    let border = -1;
    let node = boxes.length - 4;
    let level = bounds.length - 1;
    for (;;) {
      const end = Math.min(node + nodeSize * 4, bounds[level]);
      for (let pos = node; pos < end; pos += 4) {
        if (x < boxes[pos] || y < boxes[pos + 1] || x > boxes[pos + 2] || y > boxes[pos + 3]) continue;
        if (pos >= leaves4) {
          if (sp + 2 > stack.length) {
            const grown = new Uint32Array(stack.length * 2);
            grown.set(stack);
            this.stack = stack = grown;
          }
          stack[sp++] = indices[pos >> 2];
          stack[sp++] = level - 1;
        } else {
          const item = indices[pos >> 2];
          if (best !== -1 && item > best) continue;
          const r = this.test(this.leafOffset[pos >> 2], x, y);
          if (r === 1) best = item;
          else if (r === -1 && (border === -1 || item < border)) border = item;
        }
      }
      if (!sp) break;
      level = stack[--sp];
      node = stack[--sp];
    }
    return best !== -1 ? best : border !== -1 ? border : EMPTY;
  }

  /** The item whose block starts at o: 1 inside, 0 outside, -1 on a boundary (outer ring or hole edge). */
  private test(o: number, x: number, y: number): number {
    const d = this.data;
    const nPolys = d[o + 1];
    let p = o + 2;
    let border = 0;
    for (let k = 0; k < nPolys; k++) {
      const nRings = d[p++];
      let res = 0;
      for (let r = 0; r < nRings; r++) {
        const nV = d[p++];
        const s = p;
        p += 2 * nV;
        if (r > 0 && res !== 1) continue; // decided by an earlier ring
        let inside = false;
        let on = false;
        for (let i = s, j = p - 2; i < p; j = i, i += 2) {
          const xi = d[i], yi = d[i + 1], xj = d[j], yj = d[j + 1];
          const cross = (x - xi) * (yj - yi) - (y - yi) * (xj - xi);
          if (cross === 0 && x >= (xi < xj ? xi : xj) && x <= (xi > xj ? xi : xj) && y >= (yi < yj ? yi : yj) && y <= (yi > yj ? yi : yj)) {
            on = true;
            break;
          }
          if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
        }
        if (r === 0) res = on ? -1 : inside ? 1 : 0;
        else if (on) res = -1;
        else if (inside) res = 0;
      }
      if (res === 1) return 1;
      if (res === -1) border = -1;
    }
    return border;
  }
}
