/** Where a new case lies: its grid and division, from a grid, a point, a division, an address, or who the caller is. */
import type { Ctx } from '../platform/context.ts';
import { invalid } from '../platform/errors.ts';
import type { Principal } from '../org/auth.ts';
import type { CreateCaseInput } from './model.ts';

export interface Place {
  gridId: string | null;
  divisionCode: string | null;
  /** A point found for an address given without one. */
  lng?: number;
  lat?: number;
}

/**
 * Where a case with no place belongs (a citizen who gave no address): the
 * configured ZHILI_DEFAULT_DIVISION, else the deployment's home, found by
 * walking down from the root while a division has a single child (a city
 * deployment loads its province and city: the city is home).
 */
async function homeDivision(ctx: Ctx): Promise<string | null> {
  if (ctx.config.defaultDivision) return ctx.config.defaultDivision;
  const rows = await ctx.db.query<{ code: string }>(
    `WITH RECURSIVE walk AS (
       (SELECT code, 1 AS depth FROM divisions WHERE parent_code IS NULL ORDER BY code LIMIT 1)
       UNION ALL
       SELECT c.code, w.depth + 1 FROM walk w JOIN divisions c ON c.parent_code = w.code
        WHERE (SELECT count(*) FROM divisions x WHERE x.parent_code = w.code) = 1
     )
     SELECT code FROM walk ORDER BY depth DESC LIMIT 1`,
  );
  return rows[0]?.code ?? null;
}

/** Where a new case lies: its grid and division, from what the caller gave and who the caller is. */
export async function placeOf(ctx: Ctx, p: Principal, input: CreateCaseInput): Promise<Place> {
  const loc = input.location;
  if (loc?.gridId) {
    const g = await ctx.db.query<{ division_code: string }>(`SELECT division_code FROM grids WHERE id = $1`, [loc.gridId]);
    if (!g[0]) throw invalid('location.gridId', '网格不存在 (no such grid)');
    if (loc.divisionCode && !g[0].division_code.startsWith(loc.divisionCode)) throw invalid('location.divisionCode', 'does not contain the grid');
    return { gridId: loc.gridId, divisionCode: g[0].division_code };
  }
  if (loc?.lng != null && loc.lat != null) {
    const hit = ctx.services.locator.locate(loc.lng, loc.lat);
    if (hit) return hit;
  }
  if (loc?.divisionCode) {
    // Existence is checked by the foreign key on insert (see createFieldError): one round trip less per intake.
    return { gridId: null, divisionCode: loc.divisionCode };
  }
  if (loc?.address && loc.lng == null) {
    // Only an address: place it from the gazetteer of known roads and landmarks (dispatch, through the port), if it names one.
    const hit = await ctx.services.geocoder.geocode(ctx.db, loc.address);
    if (hit) {
      const inGrid = ctx.services.locator.locate(hit.lng, hit.lat);
      return { gridId: inGrid?.gridId ?? null, divisionCode: inGrid?.divisionCode ?? hit.divisionCode, lng: hit.lng, lat: hit.lat };
    }
  }
  // No place given: the caller's own unit or jurisdiction, else the deployment's home division.
  const rows = await ctx.db.query<{ code: string | null }>(
    `SELECT COALESCE((SELECT division_codes[1] FROM units WHERE id = $1), $2::text) AS code`,
    [p.unitId, p.scopeCodes.find((c) => c !== '*') ?? null],
  );
  return { gridId: null, divisionCode: rows[0]?.code ?? (await homeDivision(ctx)) };
}
