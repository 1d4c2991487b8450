/**
 * Time limits as data, and the pure rules over them: which policy governs a
 * case, which clock runs in which state, when a clock turns yellow, red and
 * escalates. No I/O, no Date.now(): `now` is always passed in.
 */
import { addWorkingDays, addWorkingMs, workingMsBetween, type Calendar } from './calendar.ts';
import type { Warning } from './vocabulary.ts';

/**
 * A limit: a number and a unit. `m` minutes, `h` hours (working time on a
 * working calendar), `d` days (by the end of the N-th working day after the
 * start; `0d` is "same day"). On a natural (24x7) calendar every minute counts.
 */
export type Limit = string;
export const LIMIT_RE = /^(\d{1,5})(m|h|d)$/;

export function parseLimit(limit: Limit): { n: number; unit: 'm' | 'h' | 'd' } {
  const m = LIMIT_RE.exec(limit);
  if (!m) throw new RangeError(`limit ${JSON.stringify(limit)}: expected a number and m, h or d (e.g. 30m, 2h, 5d)`);
  return { n: Number(m[1]), unit: m[2] as 'm' | 'h' | 'd' };
}

/** The deadline `limit` after `start` on the calendar (epoch ms). */
export function addLimit(cal: Calendar, start: number, limit: Limit): number {
  const { n, unit } = parseLimit(limit);
  if (unit === 'd') return addWorkingDays(cal, new Date(start), n).getTime();
  return addWorkingMs(cal, start, n * (unit === 'h' ? 3_600_000 : 60_000));
}

/** The clocks a case can run against. */
export const CLOCKS = ['dispatch', 'accept', 'arrive', 'reply', 'verify'] as const;
export type Clock = (typeof CLOCKS)[number];
export const CLOCK_LABELS: Record<Clock, string> = {
  dispatch: '派单时限',
  accept: '签收时限',
  arrive: '到场时限',
  reply: '办理时限',
  verify: '回访时限',
};

export interface Policy {
  id: string;
  name: string;
  /** Match fields: null matches anything. categoryCode matches the whole branch below it. */
  caseType: string | null;
  categoryCode: string | null;
  urgency: string | null;
  channel: string | null;
  calendar: string;
  dispatchLimit: Limit | null;
  acceptLimit: Limit | null;
  arriveLimit: Limit | null;
  replyLimit: Limit;
  verifyLimit: Limit | null;
  returnLimit: Limit | null;
  summonLimit: Limit | null;
  /** Share of a limit used before the yellow warning, e.g. 0.8. */
  yellowRatio: number;
  /** Overdue span after which the case is escalated to the supervising unit (督办). */
  escalateAfter: Limit | null;
  maxExtensions: number;
  /** Longest single extension. */
  maxExtension: Limit | null;
  active: boolean;
}

export interface CaseKeys {
  type: string;
  categoryCode: string | null;
  urgency: string;
  channel: string;
}

/** How specific a policy is for a case, or -1 if it does not match. Category depth outweighs the other keys. */
export function specificity(p: Policy, c: CaseKeys): number {
  if (!p.active) return -1;
  let score = 0;
  if (p.categoryCode !== null) {
    if (!c.categoryCode || !c.categoryCode.startsWith(p.categoryCode)) return -1;
    score += 100 * p.categoryCode.length;
  }
  if (p.caseType !== null) {
    if (p.caseType !== c.type) return -1;
    score += 8;
  }
  if (p.urgency !== null) {
    if (p.urgency !== c.urgency) return -1;
    score += 4;
  }
  if (p.channel !== null) {
    if (p.channel !== c.channel) return -1;
    score += 2;
  }
  return score;
}

/** The most specific matching policy; among equals, the first by name (so the choice never depends on load order). */
export function choosePolicy(policies: readonly Policy[], c: CaseKeys): Policy | undefined {
  let best: Policy | undefined;
  let bestScore = -1;
  for (const p of policies) {
    const s = specificity(p, c);
    if (s > bestScore || (s === bestScore && s >= 0 && best && p.name < best.name)) {
      best = p;
      bestScore = s;
    }
  }
  return bestScore >= 0 ? best : undefined;
}

/** What the case row remembers of its clocks (epoch ms or null). */
export interface ClockState {
  status: string;
  /** When the current lead unit got the order (last dispatch). */
  dispatchedAt: number | null;
  /** When the running clock started. */
  clockStartedAt: number | null;
  replyDueAt: number | null;
  arrivedAt: number | null;
}

export interface PlannedClock {
  clock: Clock | null;
  clockStartedAt: number | null;
  dueAt: number | null;
  warnAt: number | null;
  escalateAt: number | null;
}

const NONE: PlannedClock = { clock: null, clockStartedAt: null, dueAt: null, warnAt: null, escalateAt: null };

/** The yellow line: `ratio` of the limit's working time used. */
export function warnLine(cal: Calendar, start: number, due: number, ratio: number): number {
  const span = workingMsBetween(cal, start, due);
  return addWorkingMs(cal, start, Math.floor(span * ratio));
}

function plan(cal: Calendar, policy: Policy, clock: Clock, start: number, due: number): PlannedClock {
  return {
    clock,
    clockStartedAt: start,
    dueAt: due,
    warnAt: warnLine(cal, start, due, policy.yellowRatio),
    escalateAt: policy.escalateAfter ? addLimit(cal, due, policy.escalateAfter) : null,
  };
}

/**
 * The clock that runs after a case enters `status` at `now`. The reply clock
 * starts at dispatch and keeps running through acceptance; an extension
 * moves it (replyDueAt). Minute-level policies add an arrival clock (on site
 * within N minutes) that runs after acceptance until the handler reports arrival.
 */
export function planClock(cal: Calendar, policy: Policy, s: ClockState, now: number): PlannedClock {
  switch (s.status) {
    case 'registered':
    case 'returned':
      return policy.dispatchLimit ? plan(cal, policy, 'dispatch', now, addLimit(cal, now, policy.dispatchLimit)) : NONE;
    case 'dispatched':
      if (policy.acceptLimit) return plan(cal, policy, 'accept', now, addLimit(cal, now, policy.acceptLimit));
      return replyClock(cal, policy, s, now);
    case 'accepted':
    case 'in_progress':
      if (policy.arriveLimit && s.arrivedAt === null && s.dispatchedAt !== null) {
        return plan(cal, policy, 'arrive', s.dispatchedAt, addLimit(cal, s.dispatchedAt, policy.arriveLimit));
      }
      return replyClock(cal, policy, s, now);
    case 'replied':
      return policy.verifyLimit ? plan(cal, policy, 'verify', now, addLimit(cal, now, policy.verifyLimit)) : NONE;
    default:
      return NONE;
  }
}

function replyClock(cal: Calendar, policy: Policy, s: ClockState, now: number): PlannedClock {
  const start = s.dispatchedAt ?? now;
  const due = s.replyDueAt ?? addLimit(cal, start, policy.replyLimit);
  return plan(cal, policy, 'reply', start, due);
}

export type { Warning };

export interface Watch {
  warning: Warning;
  escalated: boolean;
  warnAt: number | null;
  dueAt: number | null;
  escalateAt: number | null;
}

export type Step = { kind: 'yellow' } | { kind: 'red' } | { kind: 'escalate' };

/**
 * What the sweeper must do now: the warnings passed since the last look (in
 * order, so a case found long overdue still gets its yellow, red and
 * escalation exactly once each), and when to look next.
 */
export function assess(w: Watch, now: number): { steps: Step[]; warning: Warning; escalated: boolean; nextCheckAt: number | null } {
  const steps: Step[] = [];
  let warning = w.warning;
  let escalated = w.escalated;
  if (w.dueAt === null) return { steps, warning, escalated, nextCheckAt: null };
  if (warning === 'none' && w.warnAt !== null && now >= w.warnAt && now < w.dueAt) {
    steps.push({ kind: 'yellow' });
    warning = 'yellow';
  }
  if (warning !== 'red' && now >= w.dueAt) {
    steps.push({ kind: 'red' });
    warning = 'red';
  }
  if (warning === 'red' && !escalated && w.escalateAt !== null && now >= w.escalateAt) {
    steps.push({ kind: 'escalate' });
    escalated = true;
  }
  return { steps, warning, escalated, nextCheckAt: nextCheck({ ...w, warning, escalated }) };
}

/** When the next warning falls due, or null if nothing more can happen on this clock. */
export function nextCheck(w: Watch): number | null {
  if (w.dueAt === null) return null;
  if (w.warning === 'none') return w.warnAt !== null && w.warnAt < w.dueAt ? w.warnAt : w.dueAt;
  if (w.warning === 'yellow') return w.dueAt;
  if (!w.escalated && w.escalateAt !== null) return w.escalateAt;
  return null;
}
