/** Target tasks' SQL: visibility, rows, views, clocks and the sweeper's hook. */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Queryable } from '../../platform/db.ts';
import { v7 as uuidv7 } from 'uuid';
import { badRequest, conflict, invalid, notFound } from '../../platform/errors.ts';
import type { Principal } from '../../org/auth.ts';
import { inCallerDivisions, inScope, seesEverything } from '../../org/scope.ts';
import type { EntityClocks, EntityClockView, EntityLimitInput, EntitySweepStep, StartClock } from '../../timelimits/index.ts';
import { transition } from '../kit/index.ts';
import { addMonths, allowedStatuses, decide, endOfDay, isDone, localDate, MANAGER_ROLES, STATUSES, STATUS_LABELS, type Actor, type Facts, type Status } from './lifecycle.ts';

export const ENTITY = 'task';
const LIMITS = JSON.parse(readFileSync(new URL('./data/time-limits.json', import.meta.url), 'utf8')) as EntityLimitInput[];

export async function ensureTaskDefaults(q: Queryable, clocks: EntityClocks): Promise<void> {
  await clocks.ensureLimits(q, ENTITY, LIMITS);
  // The sweeper marks a task behind when its deadline or a milestone passes, and counts a missed review.
  clocks.onSteps(ENTITY, (tx, steps) => onClockSteps(tx, steps));
}

/** Lists in the caller's divisions, or with a task their unit leads or shares. */
export function listVisibility(p: Principal, l: string, params: unknown[]): string {
  if (seesEverything(p)) return 'TRUE';
  const u = params.push(p.unitId);
  return `(${inCallerDivisions(p, l, params, u)} OR EXISTS (SELECT 1 FROM tasks x WHERE x.list_id = ${l}.id AND (x.lead_unit_id = $${u}::uuid OR $${u}::uuid = ANY (x.co_unit_ids))))`;
}

/** Tasks of lists in the caller's divisions, or led or shared by their unit (task alias `t`, its list `l`). */
export function taskVisibility(p: Principal, t: string, l: string, params: unknown[]): string {
  if (seesEverything(p)) return 'TRUE';
  const u = params.push(p.unitId);
  return `(${inCallerDivisions(p, l, params, u)} OR ${t}.lead_unit_id = $${u}::uuid OR $${u}::uuid = ANY (${t}.co_unit_ids))`;
}

/** A manager of the list: a managing role and the list's division in the caller's jurisdiction. */
export function managesList(p: Principal, divisionCode: string): boolean {
  const role = p.roles.includes('admin') || MANAGER_ROLES.some((r) => p.roles.includes(r));
  return role && inScope(p, divisionCode);
}

export interface ListRow {
  id: string;
  name: string;
  division_code: string;
  division_name: string | null;
  owner_unit_id: string | null;
  owner_unit_name: string | null;
  description: string | null;
  review_months: number;
  created_at: Date;
  total?: number;
}

export const LIST_SELECT = `SELECT l.*, dv.name AS division_name, ou.name AS owner_unit_name FROM task_lists l
  LEFT JOIN divisions dv ON dv.code = l.division_code LEFT JOIN units ou ON ou.id = l.owner_unit_id`;

export const LIST_VIEW = z.object({
  id: z.uuid(),
  name: z.string(),
  divisionCode: z.string(),
  divisionName: z.string().nullable(),
  ownerUnit: z.object({ id: z.string(), name: z.string().nullable() }).nullable(),
  description: z.string().nullable(),
  reviewMonths: z.number().int().describe('progress is reported every N months (default 2)'),
  createdAt: z.string(),
  total: z.number().int().describe('tasks the caller sees in the list'),
  manage: z.boolean().describe('the caller manages this list'),
});
export type ListView = z.infer<typeof LIST_VIEW>;

export const listView = (r: ListRow, p: Principal): ListView => ({
  id: r.id,
  name: r.name,
  divisionCode: r.division_code,
  divisionName: r.division_name,
  ownerUnit: r.owner_unit_id ? { id: r.owner_unit_id, name: r.owner_unit_name } : null,
  description: r.description,
  reviewMonths: r.review_months,
  createdAt: new Date(r.created_at).toISOString(),
  total: r.total ?? 0,
  manage: managesList(p, r.division_code),
});

/**
 * The list a query names, by id or by name, among the lists the caller sees;
 * `division` tells apart lists of the same name in two divisions.
 */
export async function resolveList(q: Queryable, p: Principal, ref: string, division?: string, field = 'list'): Promise<ListRow> {
  const params: unknown[] = [ref];
  const key = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref) ? 'l.id = $1::uuid' : 'l.name = $1';
  let where = `${key} AND ${listVisibility(p, 'l', params)}`;
  if (division) where += ` AND l.division_code = $${params.push(division)}`;
  const rows = await q.query<ListRow>(`${LIST_SELECT} WHERE ${where} ORDER BY l.division_code LIMIT 2`, params);
  if (!rows[0]) throw notFound('task list');
  if (rows.length > 1) throw badRequest(`${field}: 有多个同名清单，请用 division 指定区划 (several lists have this name; give division)`, [{ field: 'division', message: 'ambiguous list name' }]);
  return rows[0];
}

/** A new list (the division checked by the caller); a name taken in the division is a 409 naming `name`. */
export async function insertList(q: Queryable, b: { name: string; divisionCode: string; ownerUnitId?: string | null; description?: string | null; reviewMonths: number; createdBy: string | null }): Promise<string> {
  const div = await q.query(`SELECT 1 FROM divisions WHERE code = $1`, [b.divisionCode]);
  if (!div.length) throw invalid('divisionCode', `没有区划 ${b.divisionCode} (unknown division)`);
  const dup = await q.query(`SELECT 1 FROM task_lists WHERE division_code = $1 AND name = $2`, [b.divisionCode, b.name]);
  if (dup.length) throw conflict(`该区划已有名为「${b.name}」的清单 (a list of this name exists)`, [{ field: 'name', message: 'exists' }]);
  const id = uuidv7();
  await q.query(`INSERT INTO task_lists (id, name, division_code, owner_unit_id, description, review_months, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
    id, b.name, b.divisionCode, b.ownerUnitId ?? null, b.description ?? null, b.reviewMonths, b.createdBy,
  ]);
  return id;
}

export interface TaskRow {
  id: string;
  list_id: string;
  list_name: string;
  list_division: string;
  review_months: number;
  seq: string;
  name: string;
  lead_unit_id: string;
  lead_unit_name: string | null;
  co_unit_ids: string[];
  co_unit_names: string[] | null;
  deadline: string | null;
  deadline_text: string | null;
  status: Status;
  version: number;
  last_review_at: Date | null;
  next_review_at: Date | null;
  reviews_on_time: number;
  reviews_missed: number;
  done_at: Date | null;
  created_at: Date;
  overdue_milestones: number;
}

/** `$today` is the parameter holding today's date (Asia/Shanghai). */
export const taskSelect = (today: string) => `SELECT t.*, t.deadline::text AS deadline, l.name AS list_name, l.division_code AS list_division, l.review_months,
    lu.name AS lead_unit_name,
    (SELECT array_agg(cu.name ORDER BY k.o) FROM unnest(t.co_unit_ids) WITH ORDINALITY AS k(id, o) JOIN units cu ON cu.id = k.id) AS co_unit_names,
    (SELECT count(*)::int FROM task_milestones m WHERE m.task_id = t.id AND m.done_at IS NULL AND m.due_date < ${today}::date) AS overdue_milestones
  FROM tasks t JOIN task_lists l ON l.id = t.list_id LEFT JOIN units lu ON lu.id = t.lead_unit_id`;

export async function loadVisibleTask(q: Queryable, p: Principal, id: string, now: number, lock = false): Promise<TaskRow> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound('task');
  const params: unknown[] = [id, localDate(now)];
  const rows = await q.query<TaskRow>(`${taskSelect('$2')} WHERE t.id = $1::uuid AND ${taskVisibility(p, 't', 'l', params)}${lock ? ' FOR UPDATE OF t' : ''}`, params);
  if (!rows[0]) throw notFound('task');
  return rows[0];
}

export const factsOf = (r: Pick<TaskRow, 'status' | 'deadline' | 'overdue_milestones'>, now: number): Facts => ({
  status: r.status,
  deadlinePassed: r.deadline !== null && endOfDay(r.deadline) < now,
  overdueMilestones: r.overdue_milestones,
});

export const actorOf = (p: Principal, r: Pick<TaskRow, 'list_division' | 'lead_unit_id'>): Actor => ({
  manager: managesList(p, r.list_division),
  lead: !!p.unitId && p.unitId === r.lead_unit_id && !p.roles.includes('citizen'),
});

/** May the caller report progress: list managers and staff of the lead unit and co-units. */
export const reports = (p: Principal, r: Pick<TaskRow, 'list_division' | 'lead_unit_id' | 'co_unit_ids'>) =>
  managesList(p, r.list_division) || (!!p.unitId && !p.roles.includes('citizen') && (p.unitId === r.lead_unit_id || r.co_unit_ids.includes(p.unitId)));

export interface MilestoneRow {
  id: string;
  task_id: string;
  ord: number;
  name: string;
  due_date: string;
  done_at: Date | null;
}

export async function milestonesOf(q: Queryable, ids: readonly string[]): Promise<Map<string, MilestoneRow[]>> {
  const out = new Map<string, MilestoneRow[]>();
  if (!ids.length) return out;
  const rows = await q.query<MilestoneRow>(`SELECT id, task_id, ord, name, due_date::text AS due_date, done_at FROM task_milestones WHERE task_id = ANY ($1::uuid[]) ORDER BY task_id, ord`, [ids]);
  for (const r of rows) out.set(r.task_id, [...(out.get(r.task_id) ?? []), r]);
  return out;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export const MILESTONE_VIEW = z.object({ id: z.uuid(), name: z.string(), dueDate: z.string(), done: z.boolean(), doneAt: z.string().nullable(), overdue: z.boolean() });
const CLOCK_VIEW = z.object({ clock: z.string(), limitKey: z.string(), startedAt: z.string(), dueAt: z.string(), warnAt: z.string().nullable(), warning: z.enum(['none', 'yellow', 'red']), escalated: z.boolean() });

export const TASK_VIEW = z.object({
  id: z.uuid(),
  list: z.object({ id: z.string(), name: z.string(), divisionCode: z.string() }),
  seq: z.string().describe('序号 within the list'),
  name: z.string(),
  leadUnit: z.object({ id: z.string(), name: z.string().nullable() }),
  coUnits: z.array(z.object({ id: z.string(), name: z.string().nullable() })),
  deadline: z.string().nullable().describe('YYYY-MM-DD (Asia/Shanghai); null is 长期 (no deadline)'),
  deadlineText: z.string().nullable(),
  status: z.enum(STATUSES),
  statusLabel: z.string(),
  version: z.number().int(),
  overdue: z.boolean().describe('not done and the deadline or a milestone has passed'),
  lastReviewAt: z.string().nullable(),
  nextReviewAt: z.string().nullable().describe('when the next progress report is due'),
  reviewsOnTime: z.number().int(),
  reviewsMissed: z.number().int(),
  doneAt: z.string().nullable(),
  milestones: z.array(MILESTONE_VIEW),
  clocks: z.array(CLOCK_VIEW),
  statuses: z.array(z.enum(STATUSES)).describe('statuses the caller may set now'),
  canReport: z.boolean().describe('the caller may add a progress entry'),
  canManage: z.boolean(),
});
export type TaskView = z.infer<typeof TASK_VIEW>;

export function taskView(r: TaskRow, p: Principal, ms: MilestoneRow[], clocks: EntityClockView[], now: number): TaskView {
  const f = factsOf(r, now);
  const today = localDate(now);
  return {
    id: r.id,
    list: { id: r.list_id, name: r.list_name, divisionCode: r.list_division },
    seq: r.seq,
    name: r.name,
    leadUnit: { id: r.lead_unit_id, name: r.lead_unit_name },
    coUnits: r.co_unit_ids.map((id, i) => ({ id, name: r.co_unit_names?.[i] ?? null })),
    deadline: r.deadline,
    deadlineText: r.deadline_text,
    status: r.status,
    statusLabel: STATUS_LABELS[r.status],
    version: r.version,
    overdue: !isDone(r.status) && (f.deadlinePassed || f.overdueMilestones > 0),
    lastReviewAt: iso(r.last_review_at),
    nextReviewAt: r.status === 'done' ? null : iso(r.next_review_at),
    reviewsOnTime: r.reviews_on_time,
    reviewsMissed: r.reviews_missed,
    doneAt: iso(r.done_at),
    milestones: ms.map((m) => ({ id: m.id, name: m.name, dueDate: m.due_date, done: !!m.done_at, doneAt: iso(m.done_at), overdue: !m.done_at && m.due_date < today })),
    clocks,
    statuses: allowedStatuses(f, actorOf(p, r)),
    canReport: reports(p, r),
    canManage: managesList(p, r.list_division),
  };
}

/** What a task's clocks should be now: the deadline, each open milestone, the review cycle; none when done (done_continuing keeps reporting). */
export function clockPlan(t: { id: string; seq: string; name: string; list_name: string; lead_unit_id: string; status: Status; deadline: string | null; next_review_at: Date | null }, ms: Pick<MilestoneRow, 'id' | 'due_date' | 'done_at'>[], now: number): { start: Omit<StartClock, 'entityType'>[]; keep: string[] } {
  const base = { entityId: t.id, ref: `${t.list_name} #${t.seq}`, title: t.name.slice(0, 60), unitId: t.lead_unit_id, now };
  const start: Omit<StartClock, 'entityType'>[] = [];
  if (t.status !== 'done' && t.next_review_at) start.push({ ...base, clock: 'review', limitKey: 'review', dueAt: new Date(t.next_review_at).getTime() });
  if (!isDone(t.status)) {
    if (t.deadline) start.push({ ...base, clock: 'deadline', limitKey: 'deadline', dueAt: endOfDay(t.deadline) });
    for (const m of ms) if (!m.done_at) start.push({ ...base, clock: `ms:${m.id}`, limitKey: 'milestone', dueAt: endOfDay(m.due_date) });
  }
  return { start, keep: start.map((s) => s.clock) };
}

/** Restarts a task's clocks to the plan (in the change's transaction); clocks not in the plan stop. */
export async function syncClocks(q: Queryable, clocks: EntityClocks, t: Parameters<typeof clockPlan>[0], now: number): Promise<void> {
  const ms = (await milestonesOf(q, [t.id])).get(t.id) ?? [];
  const plan = clockPlan(t, ms, now);
  await q.query(`DELETE FROM entity_clocks WHERE entity_type = $1 AND entity_id = $2 AND NOT (clock = ANY ($3::text[]))`, [ENTITY, t.id, plan.keep]);
  // A clock already running to the same deadline keeps its warnings (no second urge for the same lapse).
  const running = (await clocks.clocksOf(q, ENTITY, [t.id])).get(t.id) ?? [];
  const fresh = plan.start.filter((s) => !running.some((c) => c.clock === s.clock && Date.parse(c.dueAt) === s.dueAt));
  await clocks.startMany(q, ENTITY, fresh);
}

/** The next review due from `from` on the list's cycle. */
export const nextReview = (from: number, months: number) => new Date(addMonths(from, months));

/**
 * The sweeper's steps on tasks' clocks: a red deadline or milestone marks a
 * task not done behind (one transition with its event; the lead unit was told
 * by the sweeper); a red review clock counts a missed review.
 */
export async function onClockSteps(q: Queryable, steps: EntitySweepStep[]): Promise<void> {
  const red = steps.filter((s) => s.kind === 'warning_red');
  const missed = [...new Set(red.filter((s) => s.clock === 'review').map((s) => s.entityId))];
  if (missed.length) await q.query(`UPDATE tasks SET reviews_missed = reviews_missed + 1 WHERE id = ANY ($1::uuid[])`, [missed]);
  const late = [...new Set(red.filter((s) => s.clock === 'deadline' || s.clock.startsWith('ms:')).map((s) => s.entityId))];
  if (!late.length) return;
  const now = Math.max(...steps.map((s) => new Date(s.dueAt).getTime())) + 1;
  const rows = await q.query<Pick<TaskRow, 'id' | 'status' | 'version' | 'deadline' | 'overdue_milestones'>>(
    `SELECT t.id, t.status, t.version, t.deadline::text AS deadline,
            (SELECT count(*)::int FROM task_milestones m WHERE m.task_id = t.id AND m.done_at IS NULL AND (m.due_date::text || 'T23:59:59.999+08:00')::timestamptz < $2) AS overdue_milestones
       FROM tasks t WHERE t.id = ANY ($1::uuid[]) FOR UPDATE`,
    [late, new Date(now)],
  );
  for (const r of rows) {
    const d = decide(factsOf(r, now), 'behind', { manager: false, lead: false, system: true });
    if (!d.ok) continue;
    const why = red.filter((s) => s.entityId === r.id).map((s) => (s.clock === 'deadline' ? '完成时限已过' : '节点逾期未完成'));
    await transition(q, {
      table: 'tasks', entityType: ENTITY, id: r.id, expectedVersion: r.version, from: r.status, to: 'behind', action: 'behind',
      patch: {}, actorUserId: null as unknown as string, actorUnitId: null, comment: `${[...new Set(why)].join('、')}，系统自动标记滞后 (marked behind by the sweeper)`, data: { auto: true },
    });
  }
}
