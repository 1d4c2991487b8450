/**
 * Gazetteer (地名地址库): known roads, communities, estates, landmarks and
 * buildings of a division, each with a point. An address typed by an operator
 * without a point is matched against it (geocode); no match leaves the point
 * empty rather than guessing.
 */
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import type { Db, Queryable } from '../../platform/db.ts';
import { Problem, notFound, type FieldError } from '../../platform/errors.ts';
import type { Principal } from '../../org/auth.ts';
import { inScope, seesEverything } from '../../org/scope.ts';
import { DIVISION_CODE, DIVISION_LEVEL_BY_LENGTH } from '../../org/store.ts';

export const GAZETTEER_KINDS = ['road', 'community', 'estate', 'landmark', 'building', 'poi', 'other'] as const;
export type GazetteerKind = (typeof GAZETTEER_KINDS)[number];

const PLACE_NAME = z.string().trim().min(2, '地名至少 2 个字 (at least 2 characters)').max(100);

const GAZETTEER_FIELDS = {
  id: z.uuid().optional(),
  name: PLACE_NAME,
  aliases: z.array(PLACE_NAME).max(50).default([]),
  divisionCode: DIVISION_CODE,
  lng: z.number().min(-180).max(180),
  lat: z.number().min(-90).max(90),
  kind: z.enum(GAZETTEER_KINDS).default('landmark'),
};
export const GAZETTEER_INPUT = z.strictObject(GAZETTEER_FIELDS);
export type GazetteerInput = z.input<typeof GAZETTEER_INPUT>;
/** A row of an import file: the export format (divisionName is read-only and ignored). */
export const GAZETTEER_IMPORT_ROW = z.strictObject({ ...GAZETTEER_FIELDS, divisionName: z.string().nullish() });

export interface GazetteerEntry {
  id: string;
  name: string;
  aliases: string[];
  divisionCode: string;
  lng: number;
  lat: number;
  kind: GazetteerKind;
}

const SELECT = `SELECT g.id, g.name, g.aliases, g.division_code AS "divisionCode", d.name AS "divisionName", g.lng, g.lat, g.kind, g.updated_at AS "updatedAt"
  FROM gazetteer g LEFT JOIN divisions d ON d.code = g.division_code`;

export async function listGazetteer(
  q: Queryable,
  f: { q?: string; divisionCode?: string; kind?: GazetteerKind; limit?: number; offset?: number } = {},
): Promise<{ total: number; items: (GazetteerEntry & { divisionName: string | null; updatedAt: string })[] }> {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (f.q) {
    const s = p(f.q);
    where.push(`(strpos(g.name, ${s}) > 0 OR EXISTS (SELECT 1 FROM unnest(g.aliases) a WHERE strpos(a, ${s}) > 0))`);
  }
  if (f.divisionCode) {
    const d = p(f.divisionCode);
    where.push(`left(g.division_code, length(${d})) = ${d}`);
  }
  if (f.kind) where.push(`g.kind = ${p(f.kind)}`);
  const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const total = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM gazetteer g ${w}`, params);
  const items = await q.query<any>(`${SELECT} ${w} ORDER BY g.division_code, g.kind, g.name LIMIT ${p(f.limit ?? 500)} OFFSET ${p(f.offset ?? 0)}`, params);
  return { total: total[0].n, items };
}

export function mayWriteDivision(p: Principal | null | undefined, code: string): boolean {
  return !p || seesEverything(p) || inScope(p, code);
}

const outside = (code: string) => `${code} 不在您的管辖范围内 (outside your jurisdiction)`;

/** Inserts or updates one entry: by id if it exists, else by (division, name). */
export async function upsertGazetteer(q: Queryable, input: GazetteerInput, principal?: Principal | null): Promise<{ id: string; created: boolean }> {
  const g = GAZETTEER_INPUT.parse(input);
  if (!mayWriteDivision(principal, g.divisionCode)) throw new Problem(403, 'Forbidden', `divisionCode: ${outside(g.divisionCode)}`, [{ field: 'divisionCode', message: outside(g.divisionCode) }]);
  const aliases = [...new Set(g.aliases.filter((a) => a !== g.name))];
  if (g.id) {
    const cur = await q.query<{ division_code: string }>(`SELECT division_code FROM gazetteer WHERE id = $1`, [g.id]);
    if (cur[0]) {
      if (!mayWriteDivision(principal, cur[0].division_code))
        throw new Problem(403, 'Forbidden', `divisionCode: ${outside(cur[0].division_code)}`, [{ field: 'divisionCode', message: outside(cur[0].division_code) }]);
      await q.query(`UPDATE gazetteer SET name = $2, aliases = $3, division_code = $4, lng = $5, lat = $6, kind = $7, updated_at = now() WHERE id = $1`, [
        g.id, g.name, aliases, g.divisionCode, g.lng, g.lat, g.kind,
      ]);
      return { id: g.id, created: false };
    }
  }
  const rows = await q.query<{ id: string; created: boolean }>(
    `INSERT INTO gazetteer (id, name, aliases, division_code, lng, lat, kind) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (division_code, name) DO UPDATE SET aliases = EXCLUDED.aliases, lng = EXCLUDED.lng, lat = EXCLUDED.lat, kind = EXCLUDED.kind, updated_at = now()
     RETURNING id, (xmax = 0) AS created`,
    [g.id ?? uuidv7(), g.name, aliases, g.divisionCode, g.lng, g.lat, g.kind],
  );
  return rows[0];
}

export async function deleteGazetteer(q: Queryable, id: string, principal?: Principal | null): Promise<void> {
  const cur = await q.query<{ division_code: string }>(`SELECT division_code FROM gazetteer WHERE id = $1`, [id]);
  if (!cur[0]) throw notFound('gazetteer entry');
  if (!mayWriteDivision(principal, cur[0].division_code)) throw new Problem(403, 'Forbidden', `divisionCode: ${outside(cur[0].division_code)}`, [{ field: 'divisionCode', message: outside(cur[0].division_code) }]);
  await q.query(`DELETE FROM gazetteer WHERE id = $1`, [id]);
}

export interface GazetteerRowError {
  index: number;
  field?: string;
  message: string;
  forbidden?: boolean;
}

export class GazetteerImportError extends Error {
  constructor(readonly errors: GazetteerRowError[]) {
    super(`${errors.length} invalid row${errors.length === 1 ? '' : 's'}; nothing was imported`);
    this.name = 'GazetteerImportError';
  }
  toProblem(): Problem {
    const errors: FieldError[] = this.errors.map((e) => ({ field: `${e.index}${e.field ? `.${e.field}` : ''}`, message: e.message }));
    const status = this.errors.every((e) => e.forbidden) ? 403 : 422;
    return new Problem(status, status === 403 ? 'Forbidden' : 'Unprocessable Content', `${this.message}: ${errors.slice(0, 5).map((e) => `${e.field}: ${e.message}`).join('; ')}`, errors);
  }
}

/** Imports entries all-or-nothing (upsert by id, else by division and name). */
export async function importGazetteer(
  db: Db,
  rows: unknown[],
  opts: { principal?: Principal | null; dryRun?: boolean } = {},
): Promise<{ count: number; created: number; updated: number; dryRun: boolean }> {
  const errors: GazetteerRowError[] = [];
  const ok: { r: z.output<typeof GAZETTEER_IMPORT_ROW>; index: number }[] = [];
  rows.forEach((row, index) => {
    const r = GAZETTEER_IMPORT_ROW.safeParse(row);
    if (r.success) ok.push({ r: r.data, index });
    else for (const i of r.error.issues) errors.push({ index, field: i.path.length ? i.path.join('.') : undefined, message: i.message });
  });
  const valid = ok.map((o) => o.r);
  const codes = [...new Set(valid.map((r) => r.divisionCode))];
  const known = new Set((await db.query<{ code: string }>(`SELECT code FROM divisions WHERE code = ANY($1::text[])`, [codes])).map((r) => r.code));
  const seen = new Map<string, number>();
  ok.forEach(({ r, index }) => {
    if (!known.has(r.divisionCode)) errors.push({ index, field: 'divisionCode', message: `no division ${r.divisionCode}` });
    if (!mayWriteDivision(opts.principal, r.divisionCode)) errors.push({ index, field: 'divisionCode', message: outside(r.divisionCode), forbidden: true });
    const key = `${r.divisionCode}\u0000${r.name}`;
    if (seen.has(key)) errors.push({ index, field: 'name', message: `${r.name} appears twice in ${r.divisionCode} (also at ${seen.get(key)})` });
    else seen.set(key, index);
  });
  if (errors.length) throw new GazetteerImportError(errors.sort((a, b) => a.index - b.index));
  const result = { count: valid.length, created: 0, updated: 0, dryRun: !!opts.dryRun };
  const rollback = new Error('dry run');
  try {
    await db.tx(async (q) => {
      for (const { divisionName: _d, ...r } of valid) {
        const res = await upsertGazetteer(q, r, opts.principal);
        if (res.created) result.created++;
        else result.updated++;
      }
      if (opts.dryRun) throw rollback;
    });
  } catch (err) {
    if (err !== rollback) throw err;
  }
  return result;
}

export async function exportGazetteer(q: Queryable, f: { divisionCode?: string } = {}): Promise<Record<string, unknown>[]> {
  const { items } = await listGazetteer(q, { divisionCode: f.divisionCode, limit: 10_000_000 });
  return items.map((g) => ({ name: g.name, aliases: g.aliases, divisionCode: g.divisionCode, divisionName: g.divisionName, lng: g.lng, lat: g.lat, kind: g.kind }));
}

// ---------------------------------------------------------------------------
// Geocoding

export interface GeocodeResult {
  lng: number;
  lat: number;
  divisionCode: string;
  /** The gazetteer entry's name. */
  matched: string;
  /** The text found in the address (the name or one of its aliases). */
  matchedText: string;
  kind: GazetteerKind;
  entryId: string;
  /** Whether the entry lies in (or contains) the division given or named in the address. */
  inDivision: boolean;
}

/** Full-width to half-width, no spaces: the form addresses and names are compared in. */
export const normaliseAddress = (s: string) => s.normalize('NFKC').replace(/\s+/g, '');

/** More precise kinds first when two names are equally long. */
const KIND_PRECISION: Record<string, number> = { building: 6, estate: 5, poi: 4, landmark: 4, community: 3, road: 2, other: 1 };

const related = (a: string, b: string) => a.startsWith(b) || b.startsWith(a);

function compareRanks(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/**
 * The best entry for an address (pure): names or aliases contained in the
 * address; entries in (or containing) the preferred divisions first, then the
 * longest name, then the more precise kind, then the later position (Chinese
 * addresses run from large to small).
 */
export function bestMatch(entries: GazetteerEntry[], address: string, prefer: string[] = []): { entry: GazetteerEntry; text: string; inDivision: boolean } | null {
  let best: { entry: GazetteerEntry; text: string; inDivision: boolean; rank: number[] } | null = null;
  for (const e of entries) {
    for (const text of [e.name, ...e.aliases]) {
      const t = normaliseAddress(text);
      const at = t.length >= 2 ? address.lastIndexOf(t) : -1;
      if (at < 0) continue;
      const pref = prefer.map((d) => (related(e.divisionCode, d) ? 1 : 0));
      const rank = [...pref, t.length, KIND_PRECISION[e.kind] ?? 0, at];
      const c = best ? compareRanks(rank, best.rank) : 1;
      const better = c > 0 || (c === 0 && !!best && (e.name < best.entry.name || (e.name === best.entry.name && e.divisionCode < best.entry.divisionCode)));
      if (better) best = { entry: e, text, inDivision: pref.some(Boolean), rank };
    }
  }
  return best && { entry: best.entry, text: best.text, inDivision: best.inDivision };
}

/**
 * Divisions named in the address (岳阳楼区, 东茅岭街道, 学坡社区 ...). Counties,
 * townships and villages are looked up inside the given division's city (or
 * everywhere for counties and townships when none is given).
 */
async function divisionsNamed(q: Queryable, address: string, divisionCode?: string): Promise<{ code: string; name: string; level: number }[]> {
  const city = divisionCode && divisionCode.length >= 4 ? divisionCode.slice(0, 4) : null;
  const upper = await q.query<{ code: string; name: string; level: number }>(
    `SELECT code, name, level FROM divisions WHERE level BETWEEN 1 AND 4 AND length(name) >= 2 AND strpos($1, name) > 0 ${city ? `AND (left(code, 4) = $2 OR level <= 2)` : ''}`,
    city ? [address, city] : [address],
  );
  // Villages only under a township or county already known (there are 600k of them nationally).
  const anchors = [...upper.filter((d) => d.level >= 3).map((d) => d.code), ...(divisionCode && divisionCode.length >= 6 ? [divisionCode.slice(0, Math.min(9, divisionCode.length))] : [])];
  if (!anchors.length) return upper;
  const villages = await q.query<{ code: string; name: string; level: number }>(
    `SELECT code, name, level FROM divisions WHERE level = 5 AND length(name) >= 2 AND strpos($1, name) > 0 AND left(code, 6) = ANY($2::text[])`,
    [address, [...new Set(anchors.map((a) => a.slice(0, 6)))]],
  );
  return [...upper, ...villages];
}

/**
 * Places a typed address: the gazetteer entry whose name (or alias) the
 * address contains, preferring entries inside the given division and inside
 * the deepest division the address itself names; null when nothing matches.
 * Names of cities, counties and townships in the address are not taken for
 * places (岳阳楼区 does not match the landmark 岳阳楼).
 */
export async function geocode(q: Queryable, input: { address: string; divisionCode?: string | null }): Promise<GeocodeResult | null> {
  const address = normaliseAddress(input.address ?? '');
  if (address.length < 2) return null;
  const given = input.divisionCode ?? undefined;
  const named = await divisionsNamed(q, address, given);
  // The deepest named division consistent with the given one (and unambiguous at its level).
  const consistent = named.filter((d) => !given || related(d.code, given));
  let implied: string | undefined;
  const deepest = Math.max(0, ...consistent.map((d) => d.level));
  if (deepest) {
    const atDeepest = consistent.filter((d) => d.level === deepest);
    const supported = atDeepest.filter((d) => consistent.some((o) => o.level < d.level && d.code.startsWith(o.code)));
    if (atDeepest.length === 1) implied = atDeepest[0].code;
    else if (supported.length === 1) implied = supported[0].code;
  }
  // Blank out the names of upper divisions, so their text is not read as a place.
  let masked = address;
  for (const d of named.filter((x) => x.level <= 4).sort((a, b) => b.name.length - a.name.length)) masked = masked.split(d.name).join('\u3000'.repeat(d.name.length));
  const entries = await q.query<GazetteerEntry>(
    `SELECT id, name, aliases, division_code AS "divisionCode", lng, lat, kind FROM gazetteer g
      WHERE strpos($1, g.name) > 0 OR EXISTS (SELECT 1 FROM unnest(g.aliases) a WHERE strpos($1, a) > 0)`,
    [masked],
  );
  const prefer = [implied, given].filter((x): x is string => !!x && DIVISION_LEVEL_BY_LENGTH[x.length] !== undefined);
  const m = bestMatch(entries, masked, [...new Set(prefer)]);
  if (!m) return null;
  return {
    lng: m.entry.lng,
    lat: m.entry.lat,
    divisionCode: m.entry.divisionCode,
    matched: m.entry.name,
    matchedText: m.text,
    kind: m.entry.kind,
    entryId: m.entry.id,
    inDivision: m.inDivision,
  };
}
