/** Disputes' SQL: visibility, rows, views, defaults. */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Queryable } from '../../platform/db.ts';
import type { Principal } from '../../org/auth.ts';
import { seesEverything, inCallerDivisions } from '../../org/scope.ts';
import type { EntityClocks, EntityClockView, EntityLimitInput } from '../../timelimits/index.ts';
import { ENTITY_CLOCK_VIEW, isoOrNull, loadVisibleRow, PERSON_VIEW, personsOf, personView, type PersonRow, type PersonVault } from '../kit/index.ts';
import { allowedActions, STATUS_LABELS, type Actor, type Facts, type Status } from './lifecycle.ts';

export const ENTITY = 'dispute';

const DEFAULTS = JSON.parse(readFileSync(new URL('./data/defaults.json', import.meta.url), 'utf8')) as {
  categories: { code: string; name: string }[];
  timeLimits: EntityLimitInput[];
};

/** First start: the default categories and time limits (never overwriting edits). */
export async function ensureDisputeDefaults(q: Queryable, clocks: EntityClocks): Promise<void> {
  await ensureDisputeCategories(q);
  await clocks.ensureLimits(q, ENTITY, DEFAULTS.timeLimits);
}

/** The default category list, on an empty table. */
export async function ensureDisputeCategories(q: Queryable): Promise<void> {
  const have = await q.query(`SELECT 1 FROM dispute_categories LIMIT 1`);
  if (!have.length) {
    await q.query(`INSERT INTO dispute_categories (code, name, sort) SELECT c, n, s FROM unnest($1::text[], $2::text[], $3::int[]) AS x(c, n, s)`, [
      DEFAULTS.categories.map((c) => c.code),
      DEFAULTS.categories.map((c) => c.name),
      DEFAULTS.categories.map((_c, i) => i),
    ]);
  }
}

/**
 * SQL predicate over a disputes row aliased `a`: entries in the caller's
 * divisions (their scope, or their unit's divisions when they have none),
 * assigned to their unit or to them, or registered by them.
 */
export function disputeVisibility(p: Principal, a: string, params: unknown[]): string {
  if (seesEverything(p)) return 'TRUE';
  const u = params.push(p.unitId);
  const me = params.push(p.id);
  const inDivisions = inCallerDivisions(p, a, params, u);
  return `(${inDivisions} OR ${a}.org_unit_id = $${u}::uuid OR $${me}::uuid = ANY (${a}.mediator_ids) OR ${a}.created_by = $${me}::uuid)`;
}

export interface DisputeRow {
  id: string;
  no: string;
  kind: 'dispute' | 'hazard';
  source: string;
  category_code: string;
  category_name: string;
  division_code: string;
  division_name: string | null;
  grid_id: string | null;
  place: string | null;
  summary: string;
  amount: number | null;
  people: number | null;
  risk: 'high' | 'medium' | 'low';
  complexity: 'simple' | 'general' | 'complex';
  status: Status;
  version: number;
  org_kind: string | null;
  org_name: string | null;
  org_unit_id: string | null;
  mediator_ids: string[];
  outcome: Facts['outcome'];
  agreement: { terms: string; performanceDeadline: string | null; signedAt: string } | null;
  referral: { to: string; note: string | null; at: string } | null;
  follow_up: { performed: boolean | null; notes: string | null; at: string } | null;
  registered_at: Date;
  resolved_at: Date | null;
  closed_at: Date | null;
  unit_id: string | null;
  created_by: string | null;
}

export const DISPUTE_COLUMNS = `d.*, c.name AS category_name, dv.name AS division_name`;
export const DISPUTE_FROM = `FROM disputes d JOIN dispute_categories c ON c.code = d.category_code LEFT JOIN divisions dv ON dv.code = d.division_code`;
export const DISPUTE_SELECT = `SELECT ${DISPUTE_COLUMNS}
  ${DISPUTE_FROM}`;

export function loadVisibleDispute(q: Queryable, p: Principal, ref: string): Promise<DisputeRow> {
  return loadVisibleRow<DisputeRow>(q, p, ref, { select: DISPUTE_SELECT, alias: 'd', visibility: disputeVisibility, entity: 'dispute' });
}

/** Each entry's parties, in order. */
export const partiesOf = (q: Queryable, ids: readonly string[]) => personsOf(q, { table: 'dispute_parties', key: 'dispute_id' }, ids);

const iso = isoOrNull;
export const DISPUTE_VIEW = z.object({
  id: z.uuid(),
  no: z.string(),
  kind: z.enum(['dispute', 'hazard']),
  source: z.string(),
  category: z.object({ code: z.string(), name: z.string() }),
  divisionCode: z.string(),
  divisionName: z.string().nullable(),
  gridId: z.string().nullable(),
  place: z.string().nullable(),
  summary: z.string(),
  amount: z.number().nullable(),
  people: z.number().int().nullable(),
  risk: z.enum(['high', 'medium', 'low']),
  complexity: z.enum(['simple', 'general', 'complex']),
  status: z.string(),
  statusLabel: z.string(),
  version: z.number().int(),
  org: z.object({ kind: z.string(), name: z.string().nullable(), unitId: z.string().nullable() }).nullable(),
  mediatorIds: z.array(z.string()),
  outcome: z.enum(['agreement', 'otherwise', 'failed']).nullable(),
  agreement: z.object({ terms: z.string(), performanceDeadline: z.string().nullable(), signedAt: z.string() }).nullable(),
  referral: z.object({ to: z.string(), note: z.string().nullable(), at: z.string() }).nullable(),
  followUp: z.object({ performed: z.boolean().nullable(), notes: z.string().nullable(), at: z.string() }).nullable(),
  registeredAt: z.string(),
  resolvedAt: z.string().nullable(),
  closedAt: z.string().nullable(),
  parties: z.array(PERSON_VIEW),
  clocks: z.array(ENTITY_CLOCK_VIEW),
  actions: z.array(z.string()).describe('what the caller may do now'),
});
export type DisputeView = z.infer<typeof DISPUTE_VIEW>;

export function actorFor(p: Principal, r: DisputeRow): Actor {
  return { roles: p.roles, isMediator: r.mediator_ids.includes(p.id), inOrgUnit: !!p.unitId && r.org_unit_id === p.unitId };
}

export function factsOf(r: DisputeRow): Facts {
  return { status: r.status, mediatorCount: r.mediator_ids.length, hasOrgUnit: !!r.org_unit_id, outcome: r.outcome };
}

export function disputeView(r: DisputeRow, p: Principal, vault: PersonVault, parties: PersonRow[], clocks: EntityClockView[]): DisputeView {
  return {
    id: r.id,
    no: r.no,
    kind: r.kind,
    source: r.source,
    category: { code: r.category_code, name: r.category_name },
    divisionCode: r.division_code,
    divisionName: r.division_name,
    gridId: r.grid_id,
    place: r.place,
    summary: r.summary,
    amount: r.amount === null ? null : Number(r.amount),
    people: r.people,
    risk: r.risk,
    complexity: r.complexity,
    status: r.status,
    statusLabel: STATUS_LABELS[r.status],
    version: r.version,
    org: r.org_kind ? { kind: r.org_kind, name: r.org_name, unitId: r.org_unit_id } : null,
    mediatorIds: r.mediator_ids,
    outcome: r.outcome,
    agreement: r.agreement,
    referral: r.referral,
    followUp: r.follow_up,
    registeredAt: iso(r.registered_at)!,
    resolvedAt: iso(r.resolved_at),
    closedAt: iso(r.closed_at),
    parties: parties.map((x) => personView(x, p, vault)),
    clocks,
    actions: allowedActions(factsOf(r), actorFor(p, r)),
  };
}
