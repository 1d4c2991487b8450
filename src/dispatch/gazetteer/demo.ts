/**
 * A small demo gazetteer for 岳阳楼区: the roads the demo work orders are
 * addressed on, and hospitals, schools, markets and landmarks, each placed in
 * the part of the demo grid box (lng 113.08-113.20, lat 29.30-29.42) that the
 * demo seed gives its street; plus one entry per community that has grids,
 * at a point inside its first grid. Demo data: the points are plausible, not
 * surveyed.
 */
import type { Queryable } from '../../platform/db.ts';
import type { Geometry } from '../../org/store.ts';
import { polygonContains } from '../grid-index.ts';
import { upsertGazetteer, type GazetteerKind } from './store.ts';

/** The demo seed's street regions (src/demo/seed.ts STREET_REGION): [lng0, lat0, lng1, lat1]. */
const REGION: Record<string, [number, number, number, number]> = {
  '430602001': [113.08, 29.3, 113.11, 29.42], // 岳阳楼街道, by the lake
  '430602005': [113.11, 29.36, 113.15, 29.42], // 东茅岭街道
  '430602006': [113.15, 29.36, 113.2, 29.42], // 五里牌街道
  '430602013': [113.11, 29.3, 113.2, 29.36], // 南湖街道
};

type Place = [name: string, kind: GazetteerKind, aliases?: string[]];

const PLACES: Record<string, Place[]> = {
  '430602001': [
    ['洞庭南路', 'road'], ['洞庭北路', 'road'], ['汴河街', 'road'], ['庙前街', 'road'], ['竹荫街', 'road'], ['先锋路', 'road'],
    ['解放西路', 'road'], ['茶巷子', 'road'], ['巴陵西路', 'road'],
    ['岳阳楼', 'landmark', ['岳阳楼景区', '岳阳楼公园']],
    ['岳阳市二人民医院', 'poi', ['岳阳市第二人民医院', '市二医院']],
    ['岳阳楼区洞庭小学', 'poi', ['洞庭小学']],
    ['岳阳楼农贸市场', 'poi'],
  ],
  '430602005': [
    ['东茅岭路', 'road'], ['巴陵中路', 'road'], ['建湘路', 'road'], ['青年中路', 'road'], ['学坡路', 'road'], ['东茅岭北路', 'road'],
    ['炮台山路', 'road'], ['琵琶王路', 'road'],
    ['巴陵广场', 'landmark'],
    ['岳阳市一人民医院', 'poi', ['岳阳市第一人民医院', '市一医院']],
    ['岳阳市妇幼保健院', 'poi', ['市妇幼保健院']],
    ['岳阳市第十中学', 'poi', ['岳阳十中']],
    ['岳阳楼区东方红小学', 'poi', ['东方红小学']],
    ['东茅岭农贸市场', 'poi'],
  ],
  '430602006': [
    ['五里牌路', 'road'], ['花板桥路', 'road'], ['岳阳大道', 'road'], ['巴陵东路', 'road'], ['金鹗东路', 'road'], ['青年东路', 'road'],
    ['杨树塘路', 'road'], ['站前路', 'road'], ['东环路', 'road'], ['白石岭路', 'road'],
    ['岳阳站', 'landmark', ['岳阳火车站']],
    ['岳阳市中心医院', 'poi', ['市中心医院']],
    ['岳阳楼区朝阳小学', 'poi', ['朝阳小学']],
    ['五里牌农贸市场', 'poi'],
  ],
  '430602013': [
    ['南湖大道', 'road'], ['学院路', 'road'], ['龙舟路', 'road'], ['金鹗中路', 'road'], ['刘山庙路', 'road'], ['长檀路', 'road'],
    ['湖滨路', 'road'], ['金鹗西路', 'road'], ['求索路', 'road'], ['梅溪路', 'road'], ['冷水铺路', 'road'],
    ['南湖广场', 'landmark'],
    ['南湖风景区', 'landmark', ['南湖公园']],
    ['金鹗山公园', 'landmark', ['金鹗公园']],
    ['湖南理工学院', 'landmark', ['理工学院']],
    ['岳阳市中医医院', 'poi', ['市中医院']],
    ['岳阳楼区金鹗小学', 'poi', ['金鹗小学']],
    ['南湖农贸市场', 'poi'],
  ],
};

const round = (v: number) => Math.round(v * 1e6) / 1e6;

/** Deterministic points spread over a street's region, away from its edges. */
function spread(region: [number, number, number, number], n: number): [number, number][] {
  const [x0, y0, x1, y1] = region;
  const cols = Math.ceil(Math.sqrt((n * (x1 - x0)) / (y1 - y0)));
  const rows = Math.ceil(n / cols);
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const c = i % cols;
    const r = Math.floor(i / cols);
    // A fixed wobble (golden-ratio steps) keeps the points off a visible lattice.
    const jx = ((i * 0.618034) % 1) - 0.5;
    const jy = ((i * 0.381966 + 0.5) % 1) - 0.5;
    out.push([round(x0 + ((x1 - x0) * (c + 0.5 + jx * 0.5)) / cols), round(y0 + ((y1 - y0) * (r + 0.5 + jy * 0.5)) / rows)]);
  }
  return out;
}

export interface DemoPlace {
  name: string;
  kind: GazetteerKind;
  aliases: string[];
  divisionCode: string;
  lng: number;
  lat: number;
}

/** The demo's fixed places with their points. */
export function demoPlaces(): DemoPlace[] {
  const out: DemoPlace[] = [];
  for (const [street, places] of Object.entries(PLACES)) {
    const pts = spread(REGION[street], places.length);
    places.forEach(([name, kind, aliases], i) => out.push({ name, kind, aliases: aliases ?? [], divisionCode: street, lng: pts[i][0], lat: pts[i][1] }));
  }
  return out;
}

/** A point inside a grid: its bounding-box centre if inside, else the centroid of its outer ring if inside. */
function pointInside(g: Geometry): [number, number] | null {
  const poly = (g.type === 'Polygon' ? g.coordinates : g.coordinates[0]) as number[][][];
  const ring = poly[0];
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity, sx = 0, sy = 0;
  for (const [x, y] of ring) {
    minX = Math.min(minX, x);
    minY = Math.min(minY, y);
    maxX = Math.max(maxX, x);
    maxY = Math.max(maxY, y);
    sx += x;
    sy += y;
  }
  for (const [x, y] of [
    [(minX + maxX) / 2, (minY + maxY) / 2],
    [sx / ring.length, sy / ring.length],
  ]) {
    const p: [number, number] = [round(x), round(y)];
    if (polygonContains(poly, p[0], p[1]) === 1) return p;
  }
  return null;
}

/**
 * Loads the demo gazetteer into an empty table: the fixed places whose street
 * exists, and a 'community' entry for every village/community that has grids.
 * A table with any entry is left alone. Returns the number of entries made.
 */
export async function ensureDefaultGazetteer(q: Queryable): Promise<number> {
  if ((await q.query(`SELECT 1 FROM gazetteer LIMIT 1`)).length) return 0;
  const places = demoPlaces();
  const known = new Set(
    (await q.query<{ code: string }>(`SELECT code FROM divisions WHERE code = ANY($1::text[])`, [[...new Set(places.map((p) => p.divisionCode))]])).map((r) => r.code),
  );
  let n = 0;
  for (const p of places) {
    if (!known.has(p.divisionCode)) continue;
    await upsertGazetteer(q, p);
    n++;
  }
  const grids = await q.query<{ divisionCode: string; name: string; geometry: Geometry }>(
    `SELECT DISTINCT ON (g.division_code) g.division_code AS "divisionCode", d.name, g.geometry
       FROM grids g JOIN divisions d ON d.code = g.division_code
      WHERE d.level = 5 AND length(d.name) >= 2 ORDER BY g.division_code, g.code`,
  );
  for (const g of grids) {
    const pt = pointInside(g.geometry);
    if (!pt) continue;
    await upsertGazetteer(q, { name: g.name, kind: 'community', aliases: [], divisionCode: g.divisionCode, lng: pt[0], lat: pt[1] });
    n++;
  }
  return n;
}
