/** The dispute lifecycle: every (state, action) pair, and what each action needs. */
import { describe, expect, it } from 'vitest';
import { ACTIONS, STATUSES, allowedActions, decide, isResolvedStatus, PASSING_INPUT, type Action, type Actor, type Facts, type Status } from './lifecycle.ts';

const admin: Actor = { roles: ['admin'], isMediator: false, inOrgUnit: false };
const facts = (status: Status, over: Partial<Facts> = {}): Facts => ({ status, mediatorCount: 0, hasOrgUnit: false, outcome: null, ...over });

// The whole table: the state each action leads to from each state, or '-' where it is refused.
const TABLE: Record<Status, Partial<Record<Action, Status>>> = {
  registered: { assign: 'assigned', refer: 'referred' },
  assigned: { assign: 'assigned', session: 'mediating', resolve: 'resolved', fail: 'failed' },
  mediating: { assign: 'assigned', session: 'mediating', resolve: 'resolved', fail: 'failed' },
  resolved: { follow_up: 'followed_up' },
  failed: { refer: 'referred' },
  referred: { follow_up: 'followed_up' },
  followed_up: { close: 'closed' },
  closed: {},
};

describe('dispute lifecycle', () => {
  it.each(STATUSES.flatMap((s) => ACTIONS.map((a) => [s, a] as const)))('%s + %s', (s, a) => {
    const d = decide(facts(s), a, admin, PASSING_INPUT);
    const want = TABLE[s][a];
    if (want) expect(d).toEqual({ ok: true, to: want });
    else expect(d).toMatchObject({ ok: false, reason: 'state' });
  });

  it('checks roles before state, and the assigned mediators\' relation', () => {
    expect(decide(facts('registered'), 'assign', { roles: ['grid_worker'], isMediator: false, inOrgUnit: false }, PASSING_INPUT)).toMatchObject({ ok: false, reason: 'role' });
    const other: Actor = { roles: ['mediator'], isMediator: false, inOrgUnit: false };
    expect(decide(facts('mediating', { mediatorCount: 1 }), 'resolve', other, PASSING_INPUT)).toMatchObject({ ok: false, reason: 'relation', message: expect.stringMatching(/^只有/) });
    expect(decide(facts('mediating', { mediatorCount: 1 }), 'resolve', { ...other, isMediator: true }, PASSING_INPUT)).toEqual({ ok: true, to: 'resolved' });
    expect(decide(facts('mediating', { hasOrgUnit: true }), 'session', { ...other, inOrgUnit: true }, PASSING_INPUT)).toEqual({ ok: true, to: 'mediating' });
    // Nobody assigned by name: any mediator in the jurisdiction may take it.
    expect(decide(facts('assigned'), 'session', other, PASSING_INPUT)).toEqual({ ok: true, to: 'mediating' });
  });

  it('names the missing field', () => {
    const f = (a: Action, input: object, s: Status = 'mediating', o: Partial<Facts> = {}) => decide(facts(s, o), a, admin, input);
    expect(f('assign', {}, 'registered')).toMatchObject({ reason: 'input', field: 'orgKind' });
    expect(f('assign', { orgKind: 'trade', orgName: ' ' }, 'registered')).toMatchObject({ field: 'orgName' });
    expect(f('session', {})).toMatchObject({ field: 'notes' });
    expect(f('resolve', {})).toMatchObject({ field: 'outcome' });
    expect(f('resolve', { outcome: 'agreement' })).toMatchObject({ field: 'terms' });
    expect(f('resolve', { outcome: 'otherwise' })).toMatchObject({ field: 'notes' });
    expect(f('fail', {})).toMatchObject({ field: 'reason' });
    expect(f('refer', {}, 'failed')).toMatchObject({ field: 'referTo' });
    expect(f('follow_up', {}, 'resolved', { outcome: 'agreement' })).toMatchObject({ field: 'performed' });
    expect(f('follow_up', {}, 'resolved', { outcome: 'otherwise' })).toEqual({ ok: true, to: 'followed_up' });
  });

  it('lists the actions a role may take now', () => {
    expect(allowedActions(facts('registered'), { roles: ['township'], isMediator: false, inOrgUnit: false })).toEqual(['assign', 'refer']);
    expect(allowedActions(facts('closed'), admin)).toEqual([]);
  });

  it('counts as resolved what reached resolved, also after the follow-up and closing', () => {
    expect(isResolvedStatus('resolved', 'agreement')).toBe(true);
    expect(isResolvedStatus('closed', 'otherwise')).toBe(true);
    expect(isResolvedStatus('closed', 'failed')).toBe(false);
    expect(isResolvedStatus('mediating', null)).toBe(false);
  });
});
