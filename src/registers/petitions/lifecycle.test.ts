/** The petition lifecycle: every (state, action) pair, the statutory windows, and what each action needs. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ACTIONS, ACTION_ROLES, STATUSES, allowedActions, decide, type Action, type Facts, type Input, type Status } from './lifecycle.ts';
import { ROLES } from '../../org/roles.ts';

const DAY = 86_400_000;
const NOW = Date.parse('2026-12-07T02:00:00Z');
const ok: Input = { notice: '告知书', reason: '不属于信访事项', days: 30, opinion: '意见书', resolved: true };
const facts = (status: Status, over: Partial<Facts> = {}): Facts => ({ status, extensionCount: 0, finalMatter: false, repliedAt: NOW - DAY, reviewedAt: NOW - DAY, ...over });

const TABLE: Record<Status, Partial<Record<Action, Status>>> = {
  registered: { accept: 'accepted', not_accept: 'not_accepted' },
  accepted: { extend: 'accepted', reply: 'replied' },
  not_accepted: { close: 'closed' },
  replied: { request_review: 'review', close: 'closed' },
  review: { decide_review: 'reviewed' },
  reviewed: { request_re_review: 're_review', close: 'closed' },
  re_review: { decide_re_review: 'final' },
  final: {},
  closed: {},
};

describe('petition lifecycle', () => {
  it.each(STATUSES.flatMap((s) => ACTIONS.map((a) => [s, a] as const)))('%s + %s', (s, a) => {
    const d = decide(facts(s), a, ['admin'], ok, NOW);
    const want = TABLE[s][a];
    if (want) expect(d).toEqual({ ok: true, to: want });
    else expect(d).toMatchObject({ ok: false, reason: 'state' });
  });

  it('extends once by at most 30 days, with notice', () => {
    expect(decide(facts('accepted'), 'extend', ['petition_officer'], { ...ok, days: 31 }, NOW)).toMatchObject({ field: 'days' });
    expect(decide(facts('accepted'), 'extend', ['petition_officer'], { days: 10 }, NOW)).toMatchObject({ field: 'notice' });
    expect(decide(facts('accepted', { extensionCount: 1 }), 'extend', ['petition_officer'], ok, NOW)).toMatchObject({ reason: 'state' });
  });

  it('asks for review and re-review only within 30 days of the decision', () => {
    expect(decide(facts('replied', { repliedAt: NOW - 30 * DAY }), 'request_review', ['petition_officer'], {}, NOW)).toEqual({ ok: true, to: 'review' });
    expect(decide(facts('replied', { repliedAt: NOW - 31 * DAY }), 'request_review', ['petition_officer'], {}, NOW)).toMatchObject({ reason: 'window' });
    expect(decide(facts('reviewed', { reviewedAt: NOW - 31 * DAY }), 'request_re_review', ['petition_officer'], {}, NOW)).toMatchObject({ reason: 'window' });
  });

  it('does not accept a matter finally decided on re-review, but may give notice of not accepting it', () => {
    expect(decide(facts('registered', { finalMatter: true }), 'accept', ['petition_officer'], ok, NOW)).toMatchObject({ ok: false, reason: 'state' });
    expect(decide(facts('registered', { finalMatter: true }), 'not_accept', ['petition_officer'], ok, NOW)).toEqual({ ok: true, to: 'not_accepted' });
  });

  it('names missing input and refuses roles not admitted', () => {
    expect(decide(facts('registered'), 'accept', ['petition_officer'], {}, NOW)).toMatchObject({ field: 'notice' });
    expect(decide(facts('registered'), 'not_accept', ['petition_officer'], { notice: 'x' }, NOW)).toMatchObject({ field: 'reason' });
    expect(decide(facts('accepted'), 'reply', ['handler'], {}, NOW)).toMatchObject({ field: 'opinion' });
    expect(decide(facts('replied'), 'close', ['petition_officer'], {}, NOW)).toMatchObject({ field: 'resolved' });
    expect(decide(facts('registered'), 'accept', ['mediator'], ok, NOW)).toMatchObject({ reason: 'role' });
    expect(allowedActions(facts('registered'), ['petition_officer'], NOW)).toEqual(['accept', 'not_accept']);
  });

  it('property: random runs stay in known states, final and closed are terminal, only admitted roles move a petition', () => {
    const step = fc.record({ action: fc.constantFrom(...ACTIONS), roles: fc.subarray([...ROLES] as string[], { minLength: 1, maxLength: 2 }), input: fc.constantFrom<Input>(ok, {}, { days: 40 }), age: fc.integer({ min: 0, max: 60 }) });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const f = facts('registered');
        for (const s of steps) {
          const d = decide({ ...f, repliedAt: NOW - s.age * DAY, reviewedAt: NOW - s.age * DAY }, s.action, s.roles, s.input, NOW);
          if (!d.ok) continue;
          expect(['final', 'closed']).not.toContain(f.status);
          expect(s.roles.includes('admin') || ACTION_ROLES[s.action].some((r) => s.roles.includes(r))).toBe(true);
          if (s.action === 'extend') f.extensionCount++;
          expect(f.extensionCount).toBeLessThanOrEqual(1);
          f.status = d.to;
        }
      }),
      { numRuns: 500 },
    );
  });
});
