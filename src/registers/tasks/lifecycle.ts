/**
 * The status of a target task (目标任务), pure: who may set which status from
 * which, and what each change needs.
 *
 *   not_started (未启动) -> on_schedule (按时推进) -> done (已完成) | done_continuing (已完成并持续推进)
 *   not_started | on_schedule -> behind (滞后): set by the sweeper when the deadline or a
 *     milestone passes while the task is not done (a manager may also set it)
 *   behind -> on_schedule: only once nothing is overdue any more (deadline or milestone moved, milestone done)
 *   done <-> done_continuing; done | done_continuing -> on_schedule | behind: reopened by a manager
 *
 * Who: a manager of the list (township, leader, supervisor, admin, within the
 * list's division) sets any status; the lead unit's staff move their own task
 * forward (on_schedule, done, done_continuing); co-units only report progress.
 * done and done_continuing need evidence (a text; a link optional).
 */
export const STATUSES = ['not_started', 'on_schedule', 'behind', 'done', 'done_continuing'] as const;
export type Status = (typeof STATUSES)[number];

export const STATUS_LABELS: Record<Status, string> = {
  not_started: '未启动',
  on_schedule: '按时推进',
  behind: '滞后',
  done: '已完成',
  done_continuing: '已完成并持续推进',
};

export const DONE: readonly Status[] = ['done', 'done_continuing'];
export const isDone = (s: Status) => DONE.includes(s);

/** Roles that manage task lists (create lists and tasks, import, set any status) within their jurisdiction; admins hold every role. */
export const MANAGER_ROLES = ['township', 'leader', 'supervisor'] as const;

export interface Facts {
  status: Status;
  /** The deadline has passed (end of the deadline day, Asia/Shanghai); false for 长期 (no deadline). */
  deadlinePassed: boolean;
  /** Milestones past their due date and not done. */
  overdueMilestones: number;
}

export interface Actor {
  /** A manager of the list (manager role and the list's division in their jurisdiction). */
  manager: boolean;
  /** Staff of the task's lead unit. */
  lead: boolean;
  /** The sweeper (deadline or milestone passed). */
  system?: boolean;
}

export interface Input {
  evidence?: string | null;
}

export type Decision = { ok: true; to: Status } | { ok: false; reason: 'state' | 'role' | 'input' | 'overdue'; field?: string; message: string };

const overdue = (f: Facts) => f.deadlinePassed || f.overdueMilestones > 0;

/** Which statuses may follow `from` at all (before asking who). */
const NEXT: Record<Status, readonly Status[]> = {
  not_started: ['on_schedule', 'behind', 'done', 'done_continuing'],
  on_schedule: ['not_started', 'behind', 'done', 'done_continuing'],
  behind: ['not_started', 'on_schedule', 'done', 'done_continuing'],
  done: ['done_continuing', 'on_schedule', 'behind'],
  done_continuing: ['done', 'on_schedule', 'behind'],
};

/** May `actor` move a task with these facts to `to`? */
export function decide(f: Facts, to: Status, actor: Actor, input: Input = {}): Decision {
  if (!NEXT[f.status].includes(to)) return { ok: false, reason: 'state', message: `任务已是「${STATUS_LABELS[f.status]}」，不能改为「${STATUS_LABELS[to]}」 (cannot go from ${f.status} to ${to})` };
  if (actor.system) {
    if (to === 'behind' && (f.status === 'not_started' || f.status === 'on_schedule') && overdue(f)) return { ok: true, to };
    return { ok: false, reason: 'role', message: '只有期限或节点逾期时系统才自动标记滞后 (the sweeper only marks overdue tasks behind)' };
  }
  const reopen = isDone(f.status) && !isDone(to);
  const managerOnly = to === 'behind' || to === 'not_started' || reopen;
  if (managerOnly ? !actor.manager : !(actor.manager || actor.lead)) {
    return { ok: false, reason: 'role', message: managerOnly ? '只有清单管理人员（乡镇、领导、督办、管理员）可以设置此状态 (only list managers)' : '只有牵头单位或清单管理人员可以更改任务状态 (only the lead unit or list managers)' };
  }
  if (isDone(to) && !input.evidence?.trim()) return { ok: false, reason: 'input', field: 'evidence', message: '标记完成须附佐证材料说明 (evidence is required to mark a task done)' };
  if (to === 'on_schedule' && overdue(f)) {
    return { ok: false, reason: 'overdue', message: f.deadlinePassed ? '完成时限已过，请先调整时限 (the deadline has passed; move it first)' : '有逾期未完成的节点，请先完成或调整节点 (a milestone is overdue)' };
  }
  return { ok: true, to };
}

/** The statuses the actor may set now (for the console's buttons; evidence assumed given). */
export function allowedStatuses(f: Facts, actor: Actor): Status[] {
  return STATUSES.filter((s) => decide(f, s, actor, { evidence: 'x' }).ok);
}

/** The review cycle's next due time: `months` calendar months after `from` (Asia/Shanghai), clamped to the month's last day. */
export function addMonths(from: number, months: number): number {
  const local = new Date(from + 8 * 3_600_000);
  const day = local.getUTCDate();
  const target = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + months, 1, local.getUTCHours(), local.getUTCMinutes(), local.getUTCSeconds(), local.getUTCMilliseconds()));
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, last));
  return target.getTime() - 8 * 3_600_000;
}

/** The end of a date (YYYY-MM-DD) in Asia/Shanghai, as epoch ms: a deadline is met on its whole day. */
export const endOfDay = (date: string) => Date.parse(`${date}T23:59:59.999+08:00`);

/** Today's date in Asia/Shanghai. */
export const localDate = (now: number) => new Date(now + 8 * 3_600_000).toISOString().slice(0, 10);
