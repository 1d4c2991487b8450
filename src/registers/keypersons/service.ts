/**
 * Key persons' writes, shared by the routes, the ledger import and the demo:
 * opening a file, the team, measures and the visit clock, links to the
 * person's cases, and telling the team of new activity.
 */
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import type { Queryable } from '../../platform/db.ts';
import { conflict, invalid } from '../../platform/errors.ts';
import { maskName } from '../../platform/masking.ts';
import type { Principal } from '../../org/auth.ts';
import { inScope } from '../../org/scope.ts';
import type { EntityClocks } from '../../timelimits/index.ts';
import type { Notifier } from '../../notify/index.ts';
import { appendEvent, normalisePhone, PERSON_INPUT, upsertPerson, type PersonVault } from '../kit/index.ts';
import { isVisit, MEASURE_LABELS, visitLimitKey, visitOnTime, KEYPERSON_READERS, type MeasureKind } from './rules.ts';
import { ENTITY, VISIT_CLOCK, type KeypersonRow } from './store.ts';

export interface Deps {
  clocks: EntityClocks;
  vault: PersonVault;
  notifier: Notifier;
}

export const TEAM_INPUT = z
  .array(
    z.strictObject({
      role: z.string().min(1).max(30).describe('a team role code (GET /api/keyperson-config: teamRoles)'),
      name: z.string().trim().min(1).max(50),
      phone: z.string().trim().regex(/^[0-9+\-\s]{5,20}$/, '电话号码格式不正确 (a phone number)').optional(),
      userId: z.uuid().optional().describe('the member as a user of the system: they see the file and are told of new activity'),
    }),
  )
  .max(10);

export const FILE_INPUT = z.strictObject({
  person: PERSON_INPUT,
  categories: z.array(z.string().min(1).max(50)).min(1).max(10).describe('category codes or names'),
  tier: z.string().min(1).max(50).describe('tier code or name (red / orange / yellow)'),
  divisionCode: z.string().regex(/^\d{6,12}$/, '区划代码为 6–12 位数字 (6-12 digits)'),
  gridId: z.uuid().optional(),
  address: z.string().trim().max(200).optional(),
  unitId: z.uuid().optional().describe('the responsible unit (told of missed visits); default the caller\'s unit'),
  team: TEAM_INPUT.default([]),
});
export type FileInput = z.input<typeof FILE_INPUT>;

/** Category codes from codes or names; 422 naming the field when one is unknown or inactive. */
export async function categoryCodes(q: Queryable, given: readonly string[], field: string): Promise<string[]> {
  const rows = await q.query<{ code: string; name: string }>(`SELECT code, name FROM keyperson_categories WHERE active`);
  return [...new Set(given.map((g, i) => {
    const hit = rows.find((r) => r.code === g || r.name === g);
    if (!hit) throw invalid(`${field}.${i}`, `没有类别「${g}」(unknown category; see /api/keyperson-config)`);
    return hit.code;
  }))];
}

export async function tierOf(q: Queryable, given: string, field: string): Promise<{ code: string; name: string; visit_days: number; rank: number }> {
  const hit = (await q.query<{ code: string; name: string; visit_days: number; rank: number }>(`SELECT code, name, visit_days, rank FROM keyperson_tiers WHERE active AND (code = $1 OR name = $1)`, [given]))[0];
  if (!hit) throw invalid(field, `没有风险等级「${given}」(unknown tier; see /api/keyperson-config)`);
  return hit;
}

/** Checks the team: known roles, each once, and members named as users must be active staff who may read the register. */
export async function checkTeam(q: Queryable, team: z.output<typeof TEAM_INPUT>, field = 'team'): Promise<void> {
  const roles = new Set((await q.query<{ code: string }>(`SELECT code FROM keyperson_team_roles WHERE active`)).map((r) => r.code));
  const seen = new Set<string>();
  for (const [i, m] of team.entries()) {
    if (!roles.has(m.role)) throw invalid(`${field}.${i}.role`, `没有角色「${m.role}」(unknown team role; see /api/keyperson-config)`);
    if (seen.has(m.role)) throw invalid(`${field}.${i}.role`, `角色「${m.role}」重复 (each role once)`);
    seen.add(m.role);
    if (m.userId) {
      const u = await q.query(`SELECT 1 FROM users WHERE id = $1 AND active AND (roles && $2::text[] OR 'admin' = ANY (roles))`, [m.userId, [...KEYPERSON_READERS]]);
      if (!u.length) throw invalid(`${field}.${i}.userId`, `须为在岗的${KEYPERSON_READERS.join('/')}用户 (an active user holding one of: ${KEYPERSON_READERS.join(', ')})`);
    }
  }
}

export async function writeTeam(q: Queryable, keypersonId: string, team: z.output<typeof TEAM_INPUT>): Promise<void> {
  await q.query(`DELETE FROM keyperson_team WHERE keyperson_id = $1`, [keypersonId]);
  if (!team.length) return;
  await q.query(
    `INSERT INTO keyperson_team (keyperson_id, role_code, name, phone, user_id) SELECT $1, x.r, x.n, x.p, x.u FROM unnest($2::text[], $3::text[], $4::text[], $5::uuid[]) AS x(r, n, p, u)`,
    [keypersonId, team.map((m) => m.role), team.map((m) => m.name), team.map((m) => m.phone ?? null), team.map((m) => m.userId ?? null)],
  );
}

/** Starts (or restarts) the person's visit clock from `from` on the tier's frequency; returns the deadline. */
export async function startVisitClock(q: Queryable, clocks: EntityClocks, k: { id: string; no: string; name: string; tier: string; unitId: string | null }, from: number): Promise<Date | null> {
  const due = await clocks.start(q, { entityType: ENTITY, entityId: k.id, clock: VISIT_CLOCK, limitKey: visitLimitKey(k.tier), ref: k.no, title: `重点人员 ${maskName(k.name)} 走访`, unitId: k.unitId, now: from });
  await q.query(`UPDATE keypersons SET visit_due_at = $2 WHERE id = $1`, [k.id, due]);
  return due;
}

/** Links the cases whose reporter phone is the person's (at filing and when the phone changes). */
export async function backfillCases(q: Queryable, keypersonId: string, phone: string | null): Promise<number> {
  if (!phone) return 0;
  const r = await q.query(
    `INSERT INTO keyperson_cases (keyperson_id, case_id) SELECT $1, c.id FROM cases c
      WHERE c.reporter_phone IS NOT NULL AND (c.reporter_phone = $2 OR regexp_replace(c.reporter_phone, '[\\s-]', '', 'g') = $2)
     ON CONFLICT DO NOTHING RETURNING case_id`,
    [keypersonId, phone],
  );
  return r.length;
}

/** Opens a file (the person is matched or created); returns its id and number. 409 when the person already has one. */
export async function openFile(q: Queryable, d: Pick<Deps, 'clocks' | 'vault'>, p: Principal | null, input: z.output<typeof FILE_INPUT>, t: number, field = ''): Promise<{ id: string; no: string }> {
  const f = (x: string) => `${field}${x}`;
  if (p && !inScope(p, input.divisionCode) && !p.roles.includes('admin')) throw invalid(f('divisionCode'), `${input.divisionCode} 不在您的管辖范围内 (outside your jurisdiction)`);
  const div = await q.query(`SELECT 1 FROM divisions WHERE code = $1`, [input.divisionCode]);
  if (!div.length) throw invalid(f('divisionCode'), '行政区划不存在 (no such division)');
  if (input.gridId) {
    const g = await q.query(`SELECT 1 FROM grids WHERE id = $1 AND (division_code LIKE $2 || '%' OR $2 LIKE division_code || '%')`, [input.gridId, input.divisionCode]);
    if (!g.length) throw invalid(f('gridId'), '网格不存在或不在该区划内 (no such grid in the division)');
  }
  const cats = await categoryCodes(q, input.categories, f('categories'));
  const tier = await tierOf(q, input.tier, f('tier'));
  await checkTeam(q, input.team, f('team'));
  const personId = await upsertPerson(q, d.vault, input.person, f('person'));
  const existing = (await q.query<{ no: string }>(`SELECT no FROM keypersons WHERE person_id = $1`, [personId]))[0];
  if (existing) throw conflict(`此人已有重点人员档案 ${existing.no} (the person already has a file)`, [{ field: f('person'), message: `already filed as ${existing.no}` }]);
  const id = uuidv7();
  const seq = (await q.query<{ n: number }>(`SELECT nextval('keyperson_no_seq')::int AS n`))[0].n;
  const no = `ZD${new Date(t + 8 * 3_600_000).getUTCFullYear()}${String(seq).padStart(6, '0')}`;
  const unitId = input.unitId ?? p?.unitId ?? null;
  await q.query(
    `INSERT INTO keypersons (id, no, person_id, category_codes, tier_code, division_code, grid_id, address, unit_id, registered_at, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [id, no, personId, cats, tier.code, input.divisionCode, input.gridId ?? null, input.address ?? input.person.address ?? null, unitId, new Date(t), p?.id ?? null],
  );
  await writeTeam(q, id, input.team);
  await appendEvent(q, {
    at: new Date(t), entityType: ENTITY, entityId: id, version: 1, action: 'file', from: null, to: 'active', actorUserId: p?.id ?? null, actorUnitId: p?.unitId ?? null,
    data: { categories: cats, tier: tier.code, team: input.team.map((m) => m.role) },
  });
  // The first visit is due one period after filing.
  await startVisitClock(q, d.clocks, { id, no, name: input.person.name, tier: tier.code, unitId }, t);
  const phone = (await q.query<{ phone: string | null }>(`SELECT phone FROM persons WHERE id = $1`, [personId]))[0]?.phone ?? null;
  await backfillCases(q, id, phone);
  return { id, no };
}

/** Records a measure as an event of the timeline; a visit or in-person check restarts the visit clock from when it was made. */
export async function recordMeasure(
  q: Queryable,
  d: Pick<Deps, 'clocks'>,
  p: { id: string | null; unitId: string | null },
  row: Pick<KeypersonRow, 'id' | 'no' | 'name' | 'tier_code' | 'unit_id' | 'visit_due_at' | 'last_visit_at'>,
  m: { kind: MeasureKind; note: string; at: number; place?: string | null; attachmentIds?: string[]; /** Demo and back-entry of old ledgers: the event's own time ('same' = at); default now. */ recordedAt?: number | 'same'; /** false: a visit of a series whose last one restarts the clock (demo); default true. */ restartClock?: boolean },
): Promise<void> {
  const visit = isVisit(m.kind);
  const data: Record<string, unknown> = { kind: m.kind, label: MEASURE_LABELS[m.kind] };
  if (m.place) data.place = m.place;
  if (visit) {
    const due = row.visit_due_at ? new Date(row.visit_due_at).getTime() : null;
    data.onTime = visitOnTime(m.at, due);
    data.dueAt = row.visit_due_at ? new Date(row.visit_due_at).toISOString() : null;
  }
  data.at = new Date(m.at).toISOString();
  await appendEvent(q, { at: m.recordedAt === undefined ? undefined : new Date(m.recordedAt === 'same' ? m.at : m.recordedAt), entityType: ENTITY, entityId: row.id, version: null, action: `measure_${m.kind}`, from: null, to: null, actorUserId: p.id, actorUnitId: p.unitId, comment: m.note, data, attachmentIds: m.attachmentIds });
  if (visit && m.restartClock !== false) {
    const last = row.last_visit_at ? new Date(row.last_visit_at).getTime() : 0;
    // A visit entered late (made before the latest one) is kept on the timeline but moves nothing.
    if (m.at >= last) {
      await q.query(`UPDATE keypersons SET last_visit_at = $2, updated_at = now() WHERE id = $1`, [row.id, new Date(m.at)]);
      await startVisitClock(q, d.clocks, { id: row.id, no: row.no, name: row.name, tier: row.tier_code, unitId: row.unit_id }, m.at);
    }
  }
}

const TYPE_LABEL: Record<string, string> = { case: '12345 工单', dispute: '矛盾纠纷', petition: '信访' };

/**
 * New activity of filed persons (a 12345 call, a dispute, a petition): a
 * remark on each file's timeline and a notice to each team member who is a
 * user (to the responsible unit when none is). In the caller's transaction.
 */
export async function tellTeams(q: Queryable, d: Deps, keypersonIds: readonly string[], what: { type: 'case' | 'dispute' | 'petition'; id: string; label: string }, actor: { userId: string | null; unitId: string | null }): Promise<void> {
  if (!keypersonIds.length) return;
  const files = await q.query<{ id: string; no: string; name: string; unit_id: string | null; users: string[] | null }>(
    `SELECT k.id, k.no, pe.name, k.unit_id, (SELECT array_agg(t.user_id) FROM keyperson_team t WHERE t.keyperson_id = k.id AND t.user_id IS NOT NULL) AS users
       FROM keypersons k JOIN persons pe ON pe.id = k.person_id WHERE k.id = ANY ($1::uuid[]) AND k.status = 'active'`,
    [keypersonIds],
  );
  const notices = [];
  for (const f of files) {
    await appendEvent(q, {
      entityType: ENTITY, entityId: f.id, version: null, action: 'activity', from: null, to: null, actorUserId: actor.userId, actorUnitId: actor.unitId,
      comment: `新${TYPE_LABEL[what.type]} ${what.label}`, data: { link: { type: what.type, id: what.id, label: what.label } },
    });
    const title = `重点人员 ${maskName(f.name)}（${f.no}）有新${TYPE_LABEL[what.type]} ${what.label}`;
    const data = { entityType: ENTITY, entityId: f.id, type: what.type, id: what.id };
    const users = [...new Set(f.users ?? [])];
    if (users.length) for (const u of users) notices.push({ userId: u, kind: 'keyperson_activity', title, data });
    else if (f.unit_id) notices.push({ unitId: f.unit_id, kind: 'keyperson_activity', title, data });
  }
  await d.notifier.notifyMany(q, notices);
}

/** The files of persons with this phone (the keyed hash of persons.phone_hash). */
export async function filesByPhone(q: Queryable, vault: PersonVault, phone: string): Promise<string[]> {
  const hash = vault.hash('phone', normalisePhone(phone));
  const rows = await q.query<{ id: string }>(`SELECT k.id FROM persons pe JOIN keypersons k ON k.person_id = pe.id WHERE pe.phone_hash = $1 AND k.status = 'active'`, [hash]);
  return rows.map((r) => r.id);
}

export async function filesOfPersons(q: Queryable, personIds: readonly string[]): Promise<string[]> {
  const rows = await q.query<{ id: string }>(`SELECT id FROM keypersons WHERE person_id = ANY ($1::uuid[]) AND status = 'active'`, [personIds]);
  return rows.map((r) => r.id);
}
