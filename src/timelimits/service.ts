/**
 * The case engine's clock keeper: picks each case's policy, computes the
 * deadlines a transition starts, and judges extension requests and returns.
 * Calendars and policies are cached and reloaded when an admin changes them
 * (on this instance at once, on others within the refresh interval).
 */
import type { Db, Queryable } from '../platform/db.ts';
import { naturalCalendar, type Calendar } from './calendar.ts';
import { addLimit, choosePolicy, nextCheck, parseLimit, planClock, type CaseKeys, type Policy, type Warning } from './rules.ts';
import { ensureTimeLimitDefaults, loadCalendars, loadPolicies } from './store.ts';

/** Clock columns of a cases row (epoch ms in, Date out). */
export interface ClockColumns {
  policy_id?: string | null;
  clock?: string | null;
  clock_started_at?: Date | null;
  due_at?: Date | null;
  warn_at?: Date | null;
  escalate_at?: Date | null;
  warning?: Warning;
  escalated?: boolean;
  next_check_at?: Date | null;
  dispatched_at?: Date | null;
  accept_due_at?: Date | null;
  accepted_at?: Date | null;
  reply_due_at?: Date | null;
  replied_at?: Date | null;
  return_due_at?: Date | null;
  arrived_at?: Date | null;
  extension_count?: number;
  pending_extension?: unknown;
  return_count?: number;
  needs_arbitration?: boolean;
}

export const CLOCK_COLUMN_TYPES: Record<keyof ClockColumns, string> = {
  policy_id: 'uuid',
  clock: 'text',
  clock_started_at: 'timestamptz',
  due_at: 'timestamptz',
  warn_at: 'timestamptz',
  escalate_at: 'timestamptz',
  warning: 'text',
  escalated: 'boolean',
  next_check_at: 'timestamptz',
  dispatched_at: 'timestamptz',
  accept_due_at: 'timestamptz',
  accepted_at: 'timestamptz',
  reply_due_at: 'timestamptz',
  replied_at: 'timestamptz',
  return_due_at: 'timestamptz',
  arrived_at: 'timestamptz',
  extension_count: 'integer',
  pending_extension: 'jsonb',
  return_count: 'integer',
  needs_arbitration: 'boolean',
};

/** What the clock keeper reads of a case row. */
export interface ClockRow {
  type: string;
  category_code: string | null;
  urgency: string;
  channel: string;
  status: string;
  policy_id: string | null;
  clock: string | null;
  due_at: Date | null;
  warning: Warning;
  escalated: boolean;
  dispatched_at: Date | null;
  reply_due_at: Date | null;
  return_due_at: Date | null;
  arrived_at: Date | null;
  extension_count: number;
  pending_extension: { duration: string; reason: string } | null;
  return_count: number;
}

const ms = (d: Date | null | undefined) => (d ? new Date(d).getTime() : null);
const date = (n: number | null) => (n === null ? null : new Date(n));

export class TimeLimits {
  private calendars = new Map<string, Calendar>();
  private policies: Policy[] = [];
  private stamp = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly db: Db) {}

  async init(refreshMs = 30_000): Promise<void> {
    await this.db.tx((q) => ensureTimeLimitDefaults(q));
    await this.reload();
    this.timer = setInterval(() => void this.reloadIfChanged().catch(() => {}), refreshMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async currentStamp(q: Queryable): Promise<string> {
    const r = await q.query<{ s: string }>(
      `SELECT coalesce((SELECT max(updated_at)::text || count(*) FROM calendars), '') || '/' ||
              coalesce((SELECT max(updated_at)::text || count(*) FROM time_limit_policies), '') AS s`,
    );
    return r[0].s;
  }

  async reload(): Promise<void> {
    this.stamp = await this.currentStamp(this.db);
    this.calendars = await loadCalendars(this.db);
    this.policies = await loadPolicies(this.db);
  }

  async reloadIfChanged(): Promise<void> {
    if ((await this.currentStamp(this.db)) !== this.stamp) await this.reload();
  }

  policyFor(keys: CaseKeys): Policy | undefined {
    return choosePolicy(this.policies, keys);
  }

  policyById(id: string | null): Policy | undefined {
    return id ? this.policies.find((p) => p.id === id) : undefined;
  }

  calendarOf(policy: Policy): Calendar {
    return this.calendars.get(policy.calendar) ?? naturalCalendar();
  }

  /** A calendar by name (natural time for a name not defined). */
  calendarNamed(name: string): Calendar {
    return this.calendars.get(name) ?? naturalCalendar();
  }

  /** The clock of a newly registered case. */
  forNewCase(keys: CaseKeys, now: number): ClockColumns {
    const policy = this.policyFor(keys);
    if (!policy) return {};
    return this.withPlan({ policy_id: policy.id }, policy, { status: 'registered', dispatchedAt: null, replyDueAt: null, arrivedAt: null }, now, null);
  }

  /**
   * Clock columns after a case moves from its row's state to `to` by `action`.
   * Actions that do not move the case (urge, note, ...) leave the clock alone.
   */
  forTransition(row: ClockRow, action: string, to: string, now: number, extra: { extendBy?: string } = {}): ClockColumns {
    const policy = this.policyById(row.policy_id) ?? this.policyFor(keysOf(row));
    if (!policy) return {};
    const cal = this.calendarOf(policy);
    const out: ClockColumns = { policy_id: policy.id };
    let dispatchedAt = ms(row.dispatched_at);
    let replyDueAt = ms(row.reply_due_at);
    let arrivedAt = ms(row.arrived_at);
    if (action === 'dispatch' || (action === 'reopen' && to === 'dispatched')) {
      dispatchedAt = now;
      replyDueAt = addLimit(cal, now, policy.replyLimit);
      arrivedAt = null;
      Object.assign(out, {
        dispatched_at: date(now),
        reply_due_at: date(replyDueAt),
        accept_due_at: policy.acceptLimit ? date(addLimit(cal, now, policy.acceptLimit)) : null,
        return_due_at: policy.returnLimit ? date(addLimit(cal, now, policy.returnLimit)) : null,
        accepted_at: null,
        replied_at: null,
        arrived_at: null,
      });
    }
    if (action === 'accept') out.accepted_at = date(now);
    if (action === 'reply') out.replied_at = date(now);
    if (action === 'arrive') {
      arrivedAt = now;
      out.arrived_at = date(now);
    }
    if (action === 'return') {
      out.return_count = row.return_count + 1;
      // Orders bounced twice need the command centre to arbitrate who owns them.
      if (row.return_count + 1 >= 2) out.needs_arbitration = true;
    }
    if (action === 'dispatch' && row.status === 'returned') out.needs_arbitration = row.return_count >= 2;
    if (extra.extendBy && replyDueAt !== null) {
      replyDueAt = addLimit(cal, replyDueAt, extra.extendBy);
      out.reply_due_at = date(replyDueAt);
      out.extension_count = row.extension_count + 1;
    }
    if (to === row.status && !['arrive', 'decide_extension'].includes(action)) return {};
    return this.withPlan(out, policy, { status: to, dispatchedAt, replyDueAt, arrivedAt }, now, row);
  }

  private withPlan(
    out: ClockColumns,
    policy: Policy,
    s: { status: string; dispatchedAt: number | null; replyDueAt: number | null; arrivedAt: number | null },
    now: number,
    prev: ClockRow | null,
  ): ClockColumns {
    const cal = this.calendarOf(policy);
    const plan = planClock(cal, policy, { ...s, clockStartedAt: null }, now);
    // The same clock with the same deadline keeps its warnings; a new or moved deadline starts clean.
    const same = prev && prev.clock === plan.clock && ms(prev.due_at) === plan.dueAt;
    const warning: Warning = same ? prev.warning : 'none';
    const escalated = same ? prev.escalated : false;
    const watch = { warning, escalated, warnAt: plan.warnAt, dueAt: plan.dueAt, escalateAt: plan.escalateAt };
    // A line already passed lies in the past, so the sweeper's next pass catches it up.
    const next = nextCheck(watch);
    return {
      ...out,
      clock: plan.clock,
      clock_started_at: date(plan.clockStartedAt),
      due_at: date(plan.dueAt),
      warn_at: date(plan.warnAt),
      escalate_at: date(plan.escalateAt),
      warning,
      escalated,
      next_check_at: date(next),
    };
  }

  /** Why an extension request is refused, or null if it may go to a supervisor. */
  checkExtension(row: ClockRow, duration: string, now: number): { field: string; message: string } | null {
    const policy = this.policyById(row.policy_id) ?? this.policyFor(keysOf(row));
    if (!policy) return { field: 'duration', message: '该工单没有时限，无需延期 (the case has no time limit)' };
    try {
      parseLimit(duration);
    } catch (e) {
      return { field: 'duration', message: (e as Error).message };
    }
    if (row.pending_extension) return { field: 'duration', message: '已有待审批的延期申请 (an extension request is already pending)' };
    if (row.extension_count >= policy.maxExtensions) return { field: 'duration', message: `延期次数已达上限 ${policy.maxExtensions} 次 (no more extensions allowed)` };
    const due = ms(row.reply_due_at);
    if (due !== null && now >= due) return { field: 'duration', message: '已超过办理时限，不能再申请延期 (extensions must be requested before the deadline)' };
    if (policy.maxExtension) {
      const cal = this.calendarOf(policy);
      const base = due ?? now;
      if (addLimit(cal, base, duration) > addLimit(cal, base, policy.maxExtension)) {
        return { field: 'duration', message: `单次延期不能超过 ${policy.maxExtension} (longer than the maximum ${policy.maxExtension})` };
      }
    }
    return null;
  }

  /** Whether the lead unit may still return the order (退单时限). */
  mayReturn(row: ClockRow, now: number): boolean {
    const due = ms(row.return_due_at);
    return due === null || now <= due;
  }

  /** The summons deadline from `now` for the case's policy. */
  summonDue(row: ClockRow, now: number): Date | null {
    const policy = this.policyById(row.policy_id) ?? this.policyFor(keysOf(row));
    if (!policy?.summonLimit) return null;
    return new Date(addLimit(this.calendarOf(policy), now, policy.summonLimit));
  }
}

function keysOf(row: ClockRow): CaseKeys {
  return { type: row.type, categoryCode: row.category_code, urgency: row.urgency, channel: row.channel };
}

declare module '../platform/context.ts' {
  interface Services {
    /** Working calendars and time-limit policies: deadlines for any clock. */
    timeLimits: TimeLimits;
  }
}
