/**
 * Property tests of the dispute lifecycle: random sequences of actions by
 * random actors with random input, applied from 'registered'.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ACTIONS, ACTION_ROLES, STATUSES, decide, PASSING_INPUT, type Actor, type Facts, type Input, type Status } from './lifecycle.ts';
import { ROLES } from '../../org/roles.ts';

const actor = fc.record({
  roles: fc.subarray([...ROLES] as string[], { minLength: 1, maxLength: 3 }),
  isMediator: fc.boolean(),
  inOrgUnit: fc.boolean(),
});
const input: fc.Arbitrary<Input> = fc.oneof(
  fc.constant(PASSING_INPUT),
  fc.record({ orgKind: fc.constantFrom('people_committee', 'trade'), orgName: fc.string(), notes: fc.string(), terms: fc.string(), outcome: fc.constantFrom('agreement', 'otherwise'), reason: fc.string(), performed: fc.boolean() }, { requiredKeys: [] }) as fc.Arbitrary<Input>,
);
const step = fc.record({ action: fc.constantFrom(...ACTIONS), actor, input });

describe('dispute lifecycle properties', () => {
  it('every run stays in known states, closed is final, refusals change nothing, and only permitted roles move an entry', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const f: Facts = { status: 'registered', mediatorCount: 0, hasOrgUnit: false, outcome: null };
        const seen: Status[] = [f.status];
        for (const s of steps) {
          const before = f.status;
          const d = decide(f, s.action, s.actor as Actor, s.input);
          if (!d.ok) {
            expect(['state', 'role', 'relation', 'input']).toContain(d.reason);
            expect(d.message.length).toBeGreaterThan(0);
            continue;
          }
          expect(before).not.toBe('closed');
          expect(STATUSES).toContain(d.to);
          expect(s.actor.roles.includes('admin') || ACTION_ROLES[s.action].some((r) => s.actor.roles.includes(r))).toBe(true);
          // Simulate the row: assignment names mediators, a resolution records its outcome.
          if (s.action === 'assign') f.mediatorCount = 1;
          if (s.action === 'resolve') f.outcome = s.input.outcome!;
          if (s.action === 'fail') f.outcome = 'failed';
          f.status = d.to;
          seen.push(d.to);
        }
        // Resolved and failed never both happen in one run: after either, mediation is over.
        expect(seen.includes('resolved') && seen.includes('failed')).toBe(false);
        // A closed entry went through the follow-up visit.
        if (seen.includes('closed')) expect(seen).toContain('followed_up');
      }),
      { numRuns: 500 },
    );
  });

  it('from every state some role can move the entry on, except closed', () => {
    const admin: Actor = { roles: ['admin'], isMediator: false, inOrgUnit: false };
    for (const s of STATUSES) {
      const moves = ACTIONS.filter((a) => decide({ status: s, mediatorCount: 0, hasOrgUnit: false, outcome: 'agreement' }, a, admin, PASSING_INPUT).ok);
      expect(moves.length > 0, s).toBe(s !== 'closed');
    }
  });
});
