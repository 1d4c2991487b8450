/** Properties of the target task lifecycle over random runs of actors, targets and facts. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DONE, STATUSES, addMonths, decide, type Actor, type Status } from './lifecycle.ts';

const actor = fc.record({ manager: fc.boolean(), lead: fc.boolean(), system: fc.boolean() }) as fc.Arbitrary<Actor>;
const step = fc.record({ to: fc.constantFrom(...STATUSES), actor, evidence: fc.option(fc.string({ maxLength: 5 }), { nil: undefined }), deadlinePassed: fc.boolean(), overdueMilestones: fc.nat(3) });

describe('target task lifecycle (properties)', () => {
  it('random runs: states stay known, and every accepted change obeys who, evidence and overdue rules', () => {
    fc.assert(
      fc.property(fc.constantFrom(...STATUSES), fc.array(step, { maxLength: 60 }), (start, steps) => {
        let status: Status = start;
        for (const s of steps) {
          const facts = { status, deadlinePassed: s.deadlinePassed, overdueMilestones: s.overdueMilestones };
          const d = decide(facts, s.to, s.actor, { evidence: s.evidence });
          if (!d.ok) {
            expect(['state', 'role', 'input', 'overdue']).toContain(d.reason);
            if (d.reason === 'role') expect(d.message).toMatch(/^只有/);
            continue;
          }
          expect(d.to).toBe(s.to);
          expect(d.to).not.toBe(status);
          if (s.actor.system) {
            // The sweeper only ever marks an open, overdue task behind.
            expect(d.to).toBe('behind');
            expect(['not_started', 'on_schedule']).toContain(status);
            expect(s.deadlinePassed || s.overdueMilestones > 0).toBe(true);
          } else {
            expect(s.actor.manager || s.actor.lead).toBe(true);
            if (d.to === 'behind' || d.to === 'not_started' || (DONE.includes(status) && !DONE.includes(d.to))) expect(s.actor.manager).toBe(true);
            if (DONE.includes(d.to)) expect((s.evidence ?? '').trim().length).toBeGreaterThan(0);
            if (d.to === 'on_schedule') expect(s.deadlinePassed || s.overdueMilestones > 0).toBe(false);
          }
          if (status === 'done' || status === 'done_continuing') expect(d.to).not.toBe('not_started');
          status = d.to;
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('a review cycle of n months always lands n months on (or on the month end), never before', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.parse('2020-01-01T00:00:00Z'), max: Date.parse('2035-01-01T00:00:00Z') }), fc.integer({ min: 1, max: 12 }), (t, n) => {
        const next = addMonths(t, n);
        expect(next).toBeGreaterThan(t + (n * 28 - 1) * 86_400_000);
        expect(next).toBeLessThanOrEqual(t + n * 31 * 86_400_000);
      }),
      { numRuns: 500 },
    );
  });
});
