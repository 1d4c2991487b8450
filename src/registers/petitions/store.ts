/** Petitions' SQL: visibility, rows and views. */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Queryable } from '../../platform/db.ts';
import type { Principal } from '../../org/auth.ts';
import { seesEverything, inCallerDivisions } from '../../org/scope.ts';
import type { EntityClocks, EntityClockView, EntityLimitInput } from '../../timelimits/index.ts';
import { ENTITY_CLOCK_VIEW, isoOrNull, loadVisibleRow, PERSON_VIEW, personsOf, personView, type PersonRow, type PersonVault } from '../kit/index.ts';
import { allowedActions, STATUS_LABELS, type Facts, type Status } from './lifecycle.ts';

export const ENTITY = 'petition';
const LIMITS = JSON.parse(readFileSync(new URL('./data/time-limits.json', import.meta.url), 'utf8')) as EntityLimitInput[];

export async function ensurePetitionDefaults(q: Queryable, clocks: EntityClocks): Promise<void> {
  await clocks.ensureLimits(q, ENTITY, LIMITS);
}

/** Petitions in the caller's divisions, sent to their unit, in their charge as leader, or registered by them. */
export function petitionVisibility(p: Principal, a: string, params: unknown[]): string {
  if (seesEverything(p)) return 'TRUE';
  const u = params.push(p.unitId);
  const me = params.push(p.id);
  const inDivisions = inCallerDivisions(p, a, params, u);
  return `(${inDivisions} OR ${a}.unit_id = $${u}::uuid OR ${a}.leader_user_id = $${me}::uuid OR ${a}.created_by = $${me}::uuid)`;
}

export interface PetitionRow {
  id: string;
  no: string;
  channel: string;
  matter_type: string;
  matter: string;
  division_code: string;
  division_name: string | null;
  unit_petitioned: string | null;
  unit_id: string | null;
  petitioner_count: number;
  collective: boolean;
  skip_level: boolean;
  repeat_of: string | null;
  repeat_of_no: string | null;
  final_matter: boolean;
  status: Status;
  version: number;
  extension_count: number;
  registered_at: Date;
  accept_due_at: Date | null;
  decided_at: Date | null;
  reply_due_at: Date | null;
  replied_at: Date | null;
  review_due_at: Date | null;
  reviewed_at: Date | null;
  re_review_due_at: Date | null;
  re_reviewed_at: Date | null;
  resolved: boolean | null;
  satisfaction: string | null;
  closed_at: Date | null;
  leader_user_id: string | null;
  leader_name: string | null;
  leader_plan: string | null;
  leader_taken_at: Date | null;
  created_by: string | null;
}

export const PETITION_COLUMNS = `t.*, dv.name AS division_name, r.no AS repeat_of_no, lu.display_name AS leader_name`;
export const PETITION_FROM = `FROM petitions t LEFT JOIN divisions dv ON dv.code = t.division_code LEFT JOIN petitions r ON r.id = t.repeat_of LEFT JOIN users lu ON lu.id = t.leader_user_id`;
export const PETITION_SELECT = `SELECT ${PETITION_COLUMNS}
  ${PETITION_FROM}`;

export function loadVisiblePetition(q: Queryable, p: Principal, ref: string): Promise<PetitionRow> {
  return loadVisibleRow<PetitionRow>(q, p, ref, { select: PETITION_SELECT, alias: 't', visibility: petitionVisibility, entity: 'petition' });
}

/** Each petition's petitioners, in order. */
export const petitionersOf = (q: Queryable, ids: readonly string[]) => personsOf(q, { table: 'petition_petitioners', key: 'petition_id' }, ids);

const iso = isoOrNull;
const ms = (d: Date | null) => (d ? new Date(d).getTime() : null);

export const PETITION_VIEW = z.object({
  id: z.uuid(),
  no: z.string(),
  channel: z.string(),
  matterType: z.string(),
  matter: z.string(),
  divisionCode: z.string(),
  divisionName: z.string().nullable(),
  unitPetitioned: z.string().nullable(),
  unitId: z.string().nullable(),
  petitionerCount: z.number().int(),
  collective: z.boolean().describe('集体访: five or more petitioners'),
  skipLevel: z.boolean().describe('越级访'),
  repeatOf: z.object({ id: z.string(), no: z.string().nullable() }).nullable().describe('重复信访: the earlier petition of a petitioner on the same matter'),
  finalMatter: z.boolean().describe('the matter was finally decided on re-review before (不再受理)'),
  status: z.string(),
  statusLabel: z.string(),
  version: z.number().int(),
  extensionCount: z.number().int(),
  registeredAt: z.string(),
  acceptDueAt: z.string().nullable(),
  decidedAt: z.string().nullable(),
  replyDueAt: z.string().nullable(),
  repliedAt: z.string().nullable(),
  reviewDueAt: z.string().nullable(),
  reviewedAt: z.string().nullable(),
  reReviewDueAt: z.string().nullable(),
  reReviewedAt: z.string().nullable(),
  resolved: z.boolean().nullable(),
  satisfaction: z.string().nullable(),
  closedAt: z.string().nullable(),
  leader: z.object({ userId: z.string(), name: z.string().nullable(), plan: z.string().nullable(), takenAt: z.string().nullable() }).nullable(),
  petitioners: z.array(PERSON_VIEW),
  clocks: z.array(ENTITY_CLOCK_VIEW),
  actions: z.array(z.string()),
});
export type PetitionView = z.infer<typeof PETITION_VIEW>;

export function factsOf(r: PetitionRow): Facts {
  return { status: r.status, extensionCount: r.extension_count, finalMatter: r.final_matter, repliedAt: ms(r.replied_at), reviewedAt: ms(r.reviewed_at) };
}

export function petitionView(r: PetitionRow, p: Principal, vault: PersonVault, people: PersonRow[], clocks: EntityClockView[], now: number): PetitionView {
  return {
    id: r.id,
    no: r.no,
    channel: r.channel,
    matterType: r.matter_type,
    matter: r.matter,
    divisionCode: r.division_code,
    divisionName: r.division_name,
    unitPetitioned: r.unit_petitioned,
    unitId: r.unit_id,
    petitionerCount: r.petitioner_count,
    collective: r.collective,
    skipLevel: r.skip_level,
    repeatOf: r.repeat_of ? { id: r.repeat_of, no: r.repeat_of_no } : null,
    finalMatter: r.final_matter,
    status: r.status,
    statusLabel: STATUS_LABELS[r.status],
    version: r.version,
    extensionCount: r.extension_count,
    registeredAt: iso(r.registered_at)!,
    acceptDueAt: iso(r.accept_due_at),
    decidedAt: iso(r.decided_at),
    replyDueAt: iso(r.reply_due_at),
    repliedAt: iso(r.replied_at),
    reviewDueAt: iso(r.review_due_at),
    reviewedAt: iso(r.reviewed_at),
    reReviewDueAt: iso(r.re_review_due_at),
    reReviewedAt: iso(r.re_reviewed_at),
    resolved: r.resolved,
    satisfaction: r.satisfaction,
    closedAt: iso(r.closed_at),
    leader: r.leader_user_id ? { userId: r.leader_user_id, name: r.leader_name, plan: r.leader_plan, takenAt: iso(r.leader_taken_at) } : null,
    petitioners: people.map((x) => personView(x, p, vault)),
    clocks,
    actions: allowedActions(factsOf(r), p.roles, now),
  };
}
