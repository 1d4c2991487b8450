/**
 * Jurisdiction: a user sees what lies in their divisions (by code prefix),
 * what is assigned to their unit, and what they reported themselves.
 * Every case query goes through `caseVisibility`, so no endpoint can forget it.
 */
import type { Principal } from './auth.ts';
import { forbidden } from '../platform/errors.ts';

export function seesEverything(p: Principal): boolean {
  return p.scopeCodes.includes('*');
}

/** Is a division code inside the caller's jurisdiction? */
export function inScope(p: Principal, code: string | null | undefined): boolean {
  if (seesEverything(p)) return true;
  if (!code) return false;
  return p.scopeCodes.some((prefix) => code.startsWith(prefix));
}

/** Throws unless every code lies in the caller's jurisdiction (for admin writes). */
export function assertInScope(p: Principal, codes: readonly string[], field: string): void {
  for (const c of codes) {
    if (!inScope(p, c)) throw forbidden(`${field}: ${c} 不在您的管辖范围内 (outside your jurisdiction)`);
  }
}

/**
 * SQL predicate over a cases row aliased `alias`, appending its parameters to
 * `params`. Parameters are positional, so the caller passes its own array.
 */
export function caseVisibility(p: Principal, alias: string, params: unknown[]): string {
  if (seesEverything(p)) return 'TRUE';
  const parts: string[] = [];
  const staff = p.roles.some((r) => r !== 'citizen');
  if (staff && p.scopeCodes.length) {
    params.push(p.scopeCodes.map((c) => `${c}%`));
    parts.push(`${alias}.division_code LIKE ANY ($${params.length}::text[])`);
  }
  if (staff && p.unitId) {
    params.push(p.unitId);
    const n = params.length;
    parts.push(`${alias}.lead_unit_id = $${n}`, `$${n}::uuid = ANY (${alias}.assist_unit_ids)`);
  }
  params.push(p.id);
  const n = params.length;
  parts.push(`${alias}.reporter_user_id = $${n}`);
  if (staff) parts.push(`${alias}.created_by = $${n}`);
  return `(${parts.join(' OR ')})`;
}

/**
 * The caller's jurisdiction as an SQL text[] of division-code prefixes,
 * appending its parameters to `params`: their scope codes or, with none (a
 * department handler), the divisions their unit serves. Callers handle
 * `seesEverything` themselves.
 */
function jurisdictionArray(p: Principal, params: unknown[]): string {
  const n = params.push(p.scopeCodes);
  const u = params.push(p.unitId);
  return `(CASE WHEN cardinality($${n}::text[]) > 0 THEN $${n}::text[] ELSE coalesce((SELECT un.division_codes FROM units un WHERE un.id = $${u}::uuid), '{}') END)`;
}

/** SQL predicate over a grids row aliased `alias`: grids inside the caller's jurisdiction, and the grids they work. */
export function gridVisibility(p: Principal, alias: string, params: unknown[]): string {
  if (seesEverything(p)) return 'TRUE';
  const j = jurisdictionArray(p, params);
  const me = params.push(p.id);
  return `(EXISTS (SELECT 1 FROM unnest(${j}) s WHERE ${alias}.division_code LIKE s || '%') OR ${alias}.worker_user_id = $${me}::uuid)`;
}

/**
 * SQL predicate over a units row aliased `alias`: the caller's own unit, units
 * serving a division inside the caller's jurisdiction, and units above it (a
 * city department serves every county); units tied to no division are shared.
 */
export function unitVisibility(p: Principal, alias: string, params: unknown[]): string {
  if (seesEverything(p)) return 'TRUE';
  const j = jurisdictionArray(p, params);
  const u = params.push(p.unitId);
  return `(${alias}.id = $${u}::uuid OR cardinality(${alias}.division_codes) = 0
    OR EXISTS (SELECT 1 FROM unnest(${alias}.division_codes) d, unnest(${j}) s WHERE d LIKE s || '%' OR s LIKE d || '%'))`;
}

/**
 * SQL predicate: the row (alias `a`, column division_code) lies in the
 * caller's divisions. Scope codes are LIKE patterns (cheap per row); a caller
 * with none has the divisions their unit serves, the unit id being parameter
 * `$unitParam` already in `params`.
 */
export function inCallerDivisions(p: Principal, a: string, params: unknown[], unitParam: number): string {
  return p.scopeCodes.length
    ? `${a}.division_code LIKE ANY ($${params.push(p.scopeCodes.map((c) => `${c}%`))}::text[])`
    : `EXISTS (SELECT 1 FROM unnest(coalesce((SELECT un.division_codes FROM units un WHERE un.id = $${unitParam}::uuid), '{}')) s WHERE ${a}.division_code LIKE s || '%')`;
}
