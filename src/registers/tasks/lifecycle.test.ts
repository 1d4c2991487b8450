/** The target task lifecycle: every (status, target, actor) triple, evidence, overdue facts, and the sweeper's own rule. */
import { describe, expect, it } from 'vitest';
import { addMonths, allowedStatuses, decide, endOfDay, localDate, STATUSES, type Actor, type Facts, type Status } from './lifecycle.ts';

const MANAGER: Actor = { manager: true, lead: false };
const LEAD: Actor = { manager: false, lead: true };
const OTHER: Actor = { manager: false, lead: false };
const SYSTEM: Actor = { manager: false, lead: false, system: true };
const f = (status: Status, over: Partial<Facts> = {}): Facts => ({ status, deadlinePassed: false, overdueMilestones: 0, ...over });
const ev = { evidence: '已出台实施方案并印发' };

/** Who may set `to` from `from` when nothing is overdue: M manager only, L lead unit or manager, - nobody. */
const TABLE: Record<Status, Record<Status, '-' | 'M' | 'L'>> = {
  not_started: { not_started: '-', on_schedule: 'L', behind: 'M', done: 'L', done_continuing: 'L' },
  on_schedule: { not_started: 'M', on_schedule: '-', behind: 'M', done: 'L', done_continuing: 'L' },
  behind: { not_started: 'M', on_schedule: 'L', behind: '-', done: 'L', done_continuing: 'L' },
  done: { not_started: '-', on_schedule: 'M', behind: 'M', done: '-', done_continuing: 'L' },
  done_continuing: { not_started: '-', on_schedule: 'M', behind: 'M', done: 'L', done_continuing: '-' },
};

describe('target task lifecycle', () => {
  it.each(STATUSES.flatMap((from) => STATUSES.map((to) => [from, to] as const)))('%s -> %s', (from, to) => {
    const want = TABLE[from][to];
    const m = decide(f(from), to, MANAGER, ev);
    const l = decide(f(from), to, LEAD, ev);
    const o = decide(f(from), to, OTHER, ev);
    if (want === '-') {
      for (const d of [m, l, o]) expect(d).toMatchObject({ ok: false, reason: 'state' });
      return;
    }
    expect(m).toEqual({ ok: true, to });
    expect(l).toEqual(want === 'L' ? { ok: true, to } : expect.objectContaining({ ok: false, reason: 'role' }));
    expect(o).toMatchObject({ ok: false, reason: 'role' });
    // Role refusals start with 只有 (the authorisation matrix counts them as refusals by the task's facts).
    if (!o.ok) expect(o.message).toMatch(/^只有/);
  });

  it('done and done_continuing need evidence, from anyone', () => {
    for (const to of ['done', 'done_continuing'] as const) {
      for (const a of [MANAGER, LEAD]) {
        expect(decide(f('on_schedule'), to, a, {})).toMatchObject({ ok: false, reason: 'input', field: 'evidence' });
        expect(decide(f('on_schedule'), to, a, { evidence: '   ' })).toMatchObject({ ok: false, reason: 'input', field: 'evidence' });
      }
    }
  });

  it('a behind task goes back on schedule only when nothing is overdue', () => {
    expect(decide(f('behind', { deadlinePassed: true }), 'on_schedule', MANAGER)).toMatchObject({ ok: false, reason: 'overdue' });
    expect(decide(f('behind', { overdueMilestones: 1 }), 'on_schedule', LEAD)).toMatchObject({ ok: false, reason: 'overdue' });
    expect(decide(f('behind'), 'on_schedule', LEAD)).toEqual({ ok: true, to: 'on_schedule' });
    // An overdue task may still be finished, with evidence.
    expect(decide(f('behind', { deadlinePassed: true }), 'done', LEAD, ev)).toEqual({ ok: true, to: 'done' });
  });

  it('the sweeper marks behind only open tasks past their deadline or a milestone', () => {
    expect(decide(f('on_schedule', { deadlinePassed: true }), 'behind', SYSTEM)).toEqual({ ok: true, to: 'behind' });
    expect(decide(f('not_started', { overdueMilestones: 2 }), 'behind', SYSTEM)).toEqual({ ok: true, to: 'behind' });
    expect(decide(f('on_schedule'), 'behind', SYSTEM)).toMatchObject({ ok: false, reason: 'role' });
    expect(decide(f('done', { deadlinePassed: true }), 'behind', SYSTEM)).toMatchObject({ ok: false });
    expect(decide(f('behind', { deadlinePassed: true }), 'behind', SYSTEM)).toMatchObject({ ok: false, reason: 'state' });
    expect(decide(f('on_schedule', { deadlinePassed: true }), 'done', SYSTEM, ev)).toMatchObject({ ok: false, reason: 'role' });
  });

  it('lists what an actor may set', () => {
    expect(allowedStatuses(f('not_started'), LEAD)).toEqual(['on_schedule', 'done', 'done_continuing']);
    expect(allowedStatuses(f('done'), LEAD)).toEqual(['done_continuing']);
    expect(allowedStatuses(f('on_schedule'), OTHER)).toEqual([]);
    expect(allowedStatuses(f('behind', { deadlinePassed: true }), MANAGER)).toEqual(['not_started', 'done', 'done_continuing']);
  });

  it('counts review cycles in calendar months (Asia/Shanghai), clamped to the month end', () => {
    expect(new Date(addMonths(Date.parse('2026-01-15T02:00:00Z'), 2)).toISOString()).toBe('2026-03-15T02:00:00.000Z');
    expect(localDate(addMonths(Date.parse('2026-12-31T01:00:00+08:00'), 2))).toBe('2027-02-28');
    expect(localDate(addMonths(Date.parse('2026-08-31T23:30:00+08:00'), 1))).toBe('2026-09-30');
    expect(new Date(endOfDay('2026-12-31')).toISOString()).toBe('2026-12-31T15:59:59.999Z');
    expect(localDate(Date.parse('2026-12-31T16:30:00Z'))).toBe('2027-01-01');
  });
});
