/** Key persons' SQL: reference data, visibility, rows and views. */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Queryable } from '../../platform/db.ts';
import { notFound } from '../../platform/errors.ts';
import { maskName } from '../../platform/masking.ts';
import type { Principal } from '../../org/auth.ts';
import { inCallerDivisions, seesEverything } from '../../org/scope.ts';
import type { EntityClocks, EntityClockView } from '../../timelimits/index.ts';
import { JURISDICTION_ROLES, visitLimitKey } from './rules.ts';

export const ENTITY = 'keyperson';
export const VISIT_CLOCK = 'visit';

export interface CategoryDef { code: string; name: string; sort: number; active: boolean }
export interface TierDef { code: string; name: string; rank: number; visitDays: number; color: string; active: boolean }
export interface TeamRoleDef { code: string; name: string; sort: number; active: boolean }
export interface KeypersonConfig { categories: CategoryDef[]; tiers: TierDef[]; teamRoles: TeamRoleDef[] }

export const CATEGORY_DEF = z.strictObject({ code: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/), name: z.string().trim().min(1).max(50), sort: z.number().int().default(0), active: z.boolean().default(true) });
export const TIER_DEF = z.strictObject({
  code: z.string().regex(/^[a-z][a-z0-9_]{0,29}$/),
  name: z.string().trim().min(1).max(50),
  rank: z.number().int().min(0).max(100),
  visitDays: z.number().int().min(1).max(366).describe('走访频次: at least one visit or in-person check every N days'),
  color: z.string().max(20).default('default'),
  active: z.boolean().default(true),
});
export const TEAM_ROLE_DEF = z.strictObject({ code: z.string().regex(/^[a-z][a-z0-9_]{0,29}$/), name: z.string().trim().min(1).max(50), sort: z.number().int().default(0), active: z.boolean().default(true) });

const DEFAULTS = JSON.parse(readFileSync(new URL('./data/defaults.json', import.meta.url), 'utf8')) as {
  categories: z.input<typeof CATEGORY_DEF>[]; tiers: z.input<typeof TIER_DEF>[]; teamRoles: z.input<typeof TEAM_ROLE_DEF>[];
};

/** The visit limit of a tier, as the entity clocks read it (natural days; a missed visit escalates after 3 more days). */
export const tierLimit = (t: { code: string; name: string; visitDays: number }) => ({
  key: visitLimitKey(t.code), name: `走访 ${t.name} (every ${t.visitDays} days)`, calendar: '24x7', limit: `${t.visitDays}d`, escalateAfter: '3d',
});

export async function putCategories(q: Queryable, list: readonly z.output<typeof CATEGORY_DEF>[], keep = false) {
  for (const c of list) {
    await q.query(
      `INSERT INTO keyperson_categories (code, name, sort, active) VALUES ($1, $2, $3, $4)
       ON CONFLICT (code) DO ${keep ? 'NOTHING' : 'UPDATE SET name = EXCLUDED.name, sort = EXCLUDED.sort, active = EXCLUDED.active'}`,
      [c.code, c.name, c.sort, c.active],
    );
  }
}
export async function putTeamRoles(q: Queryable, list: readonly z.output<typeof TEAM_ROLE_DEF>[], keep = false) {
  for (const c of list) {
    await q.query(
      `INSERT INTO keyperson_team_roles (code, name, sort, active) VALUES ($1, $2, $3, $4)
       ON CONFLICT (code) DO ${keep ? 'NOTHING' : 'UPDATE SET name = EXCLUDED.name, sort = EXCLUDED.sort, active = EXCLUDED.active'}`,
      [c.code, c.name, c.sort, c.active],
    );
  }
}
/** Tiers and their visit limits (one entity time limit per tier, kept in step). */
export async function putTiers(q: Queryable, clocks: EntityClocks, list: readonly z.output<typeof TIER_DEF>[], keep = false) {
  for (const t of list) {
    const r = await q.query(
      `INSERT INTO keyperson_tiers (code, name, rank, visit_days, color, active) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (code) DO ${keep ? 'NOTHING' : 'UPDATE SET name = EXCLUDED.name, rank = EXCLUDED.rank, visit_days = EXCLUDED.visit_days, color = EXCLUDED.color, active = EXCLUDED.active'} RETURNING code`,
      [t.code, t.name, t.rank, t.visitDays, t.color, t.active],
    );
    if (keep) await clocks.ensureLimits(q, ENTITY, [tierLimit(t)]);
    else if (r.length) await clocks.putLimit(q, ENTITY, tierLimit(t));
  }
}

/** First start: the default categories, tiers (with their visit limits) and team roles; an admin's edits are kept. */
export async function ensureKeypersonDefaults(q: Queryable, clocks: EntityClocks): Promise<void> {
  await putCategories(q, DEFAULTS.categories.map((c) => CATEGORY_DEF.parse(c)), true);
  await putTiers(q, clocks, DEFAULTS.tiers.map((t) => TIER_DEF.parse(t)), true);
  await putTeamRoles(q, DEFAULTS.teamRoles.map((t) => TEAM_ROLE_DEF.parse(t)), true);
}

export async function loadConfig(q: Queryable): Promise<KeypersonConfig> {
  const [categories, tiers, teamRoles] = await Promise.all([
    q.query<CategoryDef>(`SELECT code, name, sort, active FROM keyperson_categories ORDER BY sort, code`),
    q.query<TierDef>(`SELECT code, name, rank, visit_days AS "visitDays", color, active FROM keyperson_tiers ORDER BY rank DESC, code`),
    q.query<TeamRoleDef>(`SELECT code, name, sort, active FROM keyperson_team_roles ORDER BY sort, code`),
  ]);
  return { categories, tiers, teamRoles };
}

/**
 * SQL predicate over a keypersons row aliased `a`: files the caller may see
 * (rules.ts explains who). Parameters are appended to `params`.
 */
export function keypersonVisibility(p: Principal, a: string, params: unknown[]): string {
  if (seesEverything(p)) return 'TRUE';
  const me = params.push(p.id);
  const parts = [`EXISTS (SELECT 1 FROM keyperson_team tm WHERE tm.keyperson_id = ${a}.id AND tm.user_id = $${me}::uuid)`];
  if (p.roles.some((r) => JURISDICTION_ROLES.includes(r))) parts.push(inCallerDivisions(p, a, params, p.scopeCodes.length ? 0 : params.push(p.unitId)));
  return `(${parts.join(' OR ')})`;
}

export interface KeypersonRow {
  id: string;
  no: string;
  person_id: string;
  category_codes: string[];
  tier_code: string;
  division_code: string;
  division_name: string | null;
  grid_id: string | null;
  grid_name: string | null;
  address: string | null;
  unit_id: string | null;
  unit_name: string | null;
  status: 'active' | 'closed';
  version: number;
  last_visit_at: Date | null;
  visit_due_at: Date | null;
  registered_at: Date;
  name: string;
  id_masked: string | null;
  phone: string | null;
  gender: string | null;
  person_address: string | null;
  warning: 'none' | 'yellow' | 'red' | null;
}

export const KEYPERSON_SELECT = `SELECT k.*, pe.name, pe.id_masked, pe.phone, pe.gender, pe.address AS person_address, dv.name AS division_name, g.name AS grid_name,
    un.name AS unit_name, ck.warning
  FROM keypersons k JOIN persons pe ON pe.id = k.person_id LEFT JOIN divisions dv ON dv.code = k.division_code LEFT JOIN grids g ON g.id = k.grid_id
  LEFT JOIN units un ON un.id = k.unit_id LEFT JOIN entity_clocks ck ON ck.entity_type = '${ENTITY}' AND ck.entity_id = k.id AND ck.clock = '${VISIT_CLOCK}'`;

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A file the caller may see, by id or number; 404 otherwise (never saying whether it exists). */
export async function loadVisibleKeyperson(q: Queryable, p: Principal, ref: string): Promise<KeypersonRow> {
  const params: unknown[] = [ref];
  const key = UUID_RE.test(ref) ? 'k.id = $1::uuid' : 'k.no = $1';
  const rows = await q.query<KeypersonRow>(`${KEYPERSON_SELECT} WHERE ${key} AND ${keypersonVisibility(p, 'k', params)}`, params);
  if (!rows[0]) throw notFound('keyperson');
  return rows[0];
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/** The minimum a list shows: masked name, no ID number, phone or address. */
export const KEYPERSON_ITEM = z.object({
  id: z.uuid(),
  no: z.string(),
  name: z.string().describe('masked (张**)'),
  categories: z.array(z.string()),
  tier: z.string(),
  divisionCode: z.string(),
  divisionName: z.string().nullable(),
  gridName: z.string().nullable(),
  status: z.string(),
  lastVisitAt: z.string().nullable(),
  visitDueAt: z.string().nullable().describe('the next visit or in-person check is due by then'),
  warning: z.enum(['none', 'yellow', 'red']).nullable(),
});
export type KeypersonItem = z.infer<typeof KEYPERSON_ITEM>;

export function itemView(r: KeypersonRow): KeypersonItem {
  return {
    id: r.id, no: r.no, name: maskName(r.name), categories: r.category_codes, tier: r.tier_code, divisionCode: r.division_code, divisionName: r.division_name,
    gridName: r.grid_name, status: r.status, lastVisitAt: iso(r.last_visit_at), visitDueAt: iso(r.visit_due_at), warning: r.warning,
  };
}

export const TEAM_MEMBER = z.object({ role: z.string(), name: z.string(), phone: z.string().nullable(), userId: z.string().nullable() });
export interface TeamRow { keyperson_id: string; role_code: string; name: string; phone: string | null; user_id: string | null }

export async function teamsOf(q: Queryable, ids: readonly string[]): Promise<Map<string, TeamRow[]>> {
  const out = new Map<string, TeamRow[]>();
  if (!ids.length) return out;
  const rows = await q.query<TeamRow>(
    `SELECT t.keyperson_id, t.role_code, t.name, t.phone, t.user_id FROM keyperson_team t LEFT JOIN keyperson_team_roles r ON r.code = t.role_code
      WHERE t.keyperson_id = ANY ($1::uuid[]) ORDER BY t.keyperson_id, r.sort, t.role_code`,
    [ids],
  );
  for (const r of rows) out.set(r.keyperson_id, [...(out.get(r.keyperson_id) ?? []), r]);
  return out;
}

export const LINKED = z.object({ type: z.enum(['case', 'dispute', 'petition']), id: z.string(), no: z.string(), title: z.string(), status: z.string(), at: z.string() });
export type Linked = z.infer<typeof LINKED>;

/** 一人一档: the person's 12345 cases (matched by phone), disputes (as a party) and petitions (as a petitioner), newest first. */
export async function linkedOf(q: Queryable, keypersonId: string, personId: string): Promise<Linked[]> {
  const rows = await q.query<{ type: Linked['type']; id: string; no: string; title: string; status: string; at: Date }>(
    `SELECT 'case' AS type, c.id, c.no, c.title, c.status, c.created_at AS at FROM keyperson_cases kc JOIN cases c ON c.id = kc.case_id WHERE kc.keyperson_id = $1
     UNION ALL
     SELECT 'dispute', d.id, d.no, left(d.summary, 120), d.status, d.registered_at FROM dispute_parties dp JOIN disputes d ON d.id = dp.dispute_id WHERE dp.person_id = $2
     UNION ALL
     SELECT 'petition', t.id, t.no, left(t.matter, 120), t.status, t.registered_at FROM petition_petitioners pp JOIN petitions t ON t.id = pp.petition_id WHERE pp.person_id = $2
     ORDER BY at DESC LIMIT 500`,
    [keypersonId, personId],
  );
  return rows.map((r) => ({ ...r, at: new Date(r.at).toISOString() }));
}

export const TIER_CHANGE = z.object({
  id: z.string(),
  fromTier: z.string(),
  toTier: z.string(),
  reason: z.string(),
  status: z.enum(['pending', 'approved', 'rejected']),
  requestedBy: z.object({ userId: z.string(), name: z.string().nullable() }),
  requestedAt: z.string(),
  decidedBy: z.object({ userId: z.string(), name: z.string().nullable() }).nullable(),
  decidedAt: z.string().nullable(),
  comment: z.string().nullable(),
});

export async function tierChangesOf(q: Queryable, keypersonId: string): Promise<z.infer<typeof TIER_CHANGE>[]> {
  const rows = await q.query<any>(
    `SELECT c.*, ru.display_name AS requester, du.display_name AS decider FROM keyperson_tier_changes c JOIN users ru ON ru.id = c.requested_by LEFT JOIN users du ON du.id = c.decided_by
      WHERE c.keyperson_id = $1 ORDER BY c.requested_at DESC`,
    [keypersonId],
  );
  return rows.map((r) => ({
    id: r.id, fromTier: r.from_tier, toTier: r.to_tier, reason: r.reason, status: r.status,
    requestedBy: { userId: r.requested_by, name: r.requester }, requestedAt: iso(r.requested_at)!,
    decidedBy: r.decided_by ? { userId: r.decided_by, name: r.decider } : null, decidedAt: iso(r.decided_at), comment: r.decision_comment,
  }));
}

export const FILE_VIEW = z.object({
  id: z.uuid(),
  no: z.string(),
  person: z.object({
    id: z.string(),
    name: z.string(),
    idNumber: z.string().nullable().describe('always masked (430602********123X)'),
    phone: z.string().nullable(),
    gender: z.string().nullable(),
  }),
  categories: z.array(z.string()),
  tier: z.string(),
  divisionCode: z.string(),
  divisionName: z.string().nullable(),
  gridId: z.string().nullable(),
  gridName: z.string().nullable(),
  address: z.string().nullable(),
  unit: z.object({ id: z.string(), name: z.string().nullable() }).nullable(),
  status: z.string(),
  version: z.number().int(),
  registeredAt: z.string(),
  lastVisitAt: z.string().nullable(),
  visitDueAt: z.string().nullable(),
  clock: z.object({ clock: z.string(), limitKey: z.string(), startedAt: z.string(), dueAt: z.string(), warnAt: z.string().nullable(), warning: z.enum(['none', 'yellow', 'red']), escalated: z.boolean() }).nullable(),
  team: z.array(TEAM_MEMBER),
});
export type FileView = z.infer<typeof FILE_VIEW>;

export function fileView(r: KeypersonRow, team: TeamRow[], clock: EntityClockView | null): FileView {
  return {
    id: r.id,
    no: r.no,
    person: { id: r.person_id, name: r.name, idNumber: r.id_masked, phone: r.phone, gender: r.gender },
    categories: r.category_codes,
    tier: r.tier_code,
    divisionCode: r.division_code,
    divisionName: r.division_name,
    gridId: r.grid_id,
    gridName: r.grid_name,
    address: r.address ?? r.person_address,
    unit: r.unit_id ? { id: r.unit_id, name: r.unit_name } : null,
    status: r.status,
    version: r.version,
    registeredAt: iso(r.registered_at)!,
    lastVisitAt: iso(r.last_visit_at),
    visitDueAt: iso(r.visit_due_at),
    clock,
    team: team.map((m) => ({ role: m.role_code, name: m.name, phone: m.phone, userId: m.user_id })),
  };
}

