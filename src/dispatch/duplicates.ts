/**
 * The duplicate finder (并单): open cases that are likely the same matter as a
 * new report. Candidates come from the index (same ~200 m cells, same grid or
 * same address, within a time window, in the caller's jurisdiction); each is
 * then scored on segmented-text similarity, distance and category.
 */
import type { Queryable } from '../platform/db.ts';
import type { Principal } from '../org/auth.ts';
import { caseVisibility } from '../org/scope.ts';
import { OPEN_STATUSES } from '../cases/lifecycle.ts';
import { words } from '../text/index.ts';

export interface DuplicateQuery {
  caseId?: string;
  title: string;
  description: string;
  categoryCode?: string | null;
  lng?: number | null;
  lat?: number | null;
  gridId?: string | null;
  address?: string | null;
  /** Reference time (the new case's creation); defaults to now. */
  at?: Date;
}

export interface DuplicateOptions {
  radiusM: number;
  windowDays: number;
  limit: number;
  minScore: number;
}

export const DUPLICATE_DEFAULTS: DuplicateOptions = { radiusM: 200, windowDays: 7, limit: 10, minScore: 0.3 };

export interface DuplicateCandidate {
  id: string;
  no: string;
  title: string;
  status: string;
  categoryCode: string | null;
  createdAt: Date;
  mergedCount: number;
  score: number;
  textSimilarity: number;
  distanceM: number | null;
  sameGrid: boolean;
  sameAddress: boolean;
}

const CELL = 500; // cells of 1/500 degree

export function cellOf(lng: number, lat: number): number {
  return Math.floor(lng * CELL) * 1_000_000 + Math.floor(lat * CELL);
}

/** The cells within `radiusM` of a point (3x3 at 200 m; more for larger radii). */
export function cellsAround(lng: number, lat: number, radiusM: number): number[] {
  const latStep = 111_320 / CELL;
  const lngStep = (111_320 * Math.cos((lat * Math.PI) / 180)) / CELL;
  const ry = Math.ceil(radiusM / latStep);
  const rx = Math.ceil(radiusM / lngStep);
  const cx = Math.floor(lng * CELL);
  const cy = Math.floor(lat * CELL);
  const out: number[] = [];
  for (let dx = -rx; dx <= rx; dx++) for (let dy = -ry; dy <= ry; dy++) out.push((cx + dx) * 1_000_000 + (cy + dy));
  return out;
}

export function distanceM(lng1: number, lat1: number, lng2: number, lat2: number): number {
  const R = 6_371_000;
  const toRad = Math.PI / 180;
  const dLat = (lat2 - lat1) * toRad;
  const dLng = (lng2 - lng1) * toRad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * toRad) * Math.cos(lat2 * toRad) * Math.sin(dLng / 2) ** 2;
  return 2 * R * Math.asin(Math.sqrt(a));
}

/** Cosine similarity of two bags of words. */
export function textSimilarity(a: string[], b: string[]): number {
  if (!a.length || !b.length) return 0;
  const ca = new Map<string, number>();
  const cb = new Map<string, number>();
  for (const w of a) ca.set(w, (ca.get(w) ?? 0) + 1);
  for (const w of b) cb.set(w, (cb.get(w) ?? 0) + 1);
  let dot = 0;
  for (const [w, n] of ca) dot += n * (cb.get(w) ?? 0);
  const norm = (m: Map<string, number>) => Math.sqrt([...m.values()].reduce((s, n) => s + n * n, 0));
  return dot / (norm(ca) * norm(cb));
}

/** 1 same category, 0.6 same first-level branch, 0.3 one unknown, 0 different. */
export function categoryAffinity(a: string | null | undefined, b: string | null | undefined): number {
  if (!a || !b) return 0.3;
  if (a === b) return 1;
  return a.slice(0, 2) === b.slice(0, 2) ? 0.6 : 0;
}

/** The score of one candidate: mostly what is said, then where, then the kind of matter. */
export function duplicateScore(text: number, proximity: number, category: number): number {
  return 0.6 * text + 0.25 * proximity + 0.15 * category;
}

interface Row {
  id: string;
  no: string;
  title: string;
  description: string;
  status: string;
  category_code: string | null;
  lng: number | null;
  lat: number | null;
  grid_id: string | null;
  address: string | null;
  created_at: Date;
  merged_count: number;
}

export async function findDuplicates(q: Queryable, p: Principal, d: DuplicateQuery, options: Partial<DuplicateOptions> = {}): Promise<DuplicateCandidate[]> {
  const o = { ...DUPLICATE_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as DuplicateOptions;
  const at = d.at ?? new Date();
  const hasPoint = d.lng != null && d.lat != null;
  const address = d.address?.trim() || null;
  if (!hasPoint && !d.gridId && !address) return [];
  const params: unknown[] = [[...OPEN_STATUSES], new Date(at.getTime() - o.windowDays * 86_400_000), d.caseId ?? null];
  const near: string[] = [];
  if (hasPoint) near.push(`c.geo_cell = ANY ($${params.push(cellsAround(d.lng!, d.lat!, o.radiusM))}::bigint[])`);
  if (d.gridId) near.push(`c.grid_id = $${params.push(d.gridId)}::uuid`);
  if (address) near.push(`c.address = $${params.push(address)}`);
  const rows = await q.query<Row>(
    `SELECT c.id, c.no, c.title, c.description, c.status, c.category_code, c.lng, c.lat, c.grid_id, c.address, c.created_at, c.merged_count
       FROM cases c
      WHERE c.status = ANY ($1::text[]) AND c.created_at >= $2 AND ($3::uuid IS NULL OR c.id <> $3)
        AND (${near.join(' OR ')}) AND ${caseVisibility(p, 'c', params)}
      ORDER BY c.created_at DESC LIMIT 500`,
    params,
  );
  const mine = words(`${d.title} ${d.description}`);
  const out: DuplicateCandidate[] = [];
  for (const r of rows) {
    const dist = hasPoint && r.lng != null && r.lat != null ? distanceM(d.lng!, d.lat!, r.lng, r.lat) : null;
    const sameGrid = !!d.gridId && r.grid_id === d.gridId;
    const sameAddress = !!address && r.address === address;
    if (dist !== null && dist > o.radiusM && !sameGrid && !sameAddress) continue;
    const proximity = dist !== null ? 1 - dist / o.radiusM : sameAddress ? 1 : sameGrid ? 0.5 : 0;
    const text = textSimilarity(mine, words(`${r.title} ${r.description}`));
    const score = duplicateScore(text, Math.max(0, proximity), categoryAffinity(d.categoryCode, r.category_code));
    if (score < o.minScore || text < 0.15) continue;
    out.push({
      id: r.id,
      no: r.no,
      title: r.title,
      status: r.status,
      categoryCode: r.category_code,
      createdAt: r.created_at,
      mergedCount: r.merged_count,
      score: Math.round(score * 1000) / 1000,
      textSimilarity: Math.round(text * 1000) / 1000,
      distanceM: dist === null ? null : Math.round(dist),
      sameGrid,
      sameAddress,
    });
  }
  return out.sort((a, b) => b.score - a.score).slice(0, o.limit);
}
