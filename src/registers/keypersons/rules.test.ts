import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { mayDecide, rankOf, visitOnTime, isVisit, MEASURE_KINDS } from './rules.ts';

const ROLES = ['admin', 'leader', 'supervisor', 'police', 'township', 'grid_worker', 'handler', 'citizen'];

describe('key persons: tier-change approval', () => {
  test('the table of cases', () => {
    const req = (roles: string[]) => ({ requestedBy: 'u1', requesterRoles: roles, status: 'pending' as const });
    expect(mayDecide(req(['police']), { id: 'u2', roles: ['supervisor'] })).toEqual({ ok: true });
    expect(mayDecide(req(['police']), { id: 'u2', roles: ['leader'] })).toEqual({ ok: true });
    expect(mayDecide(req(['supervisor']), { id: 'u2', roles: ['leader'] })).toEqual({ ok: true });
    expect(mayDecide(req(['leader']), { id: 'u2', roles: ['admin'] })).toEqual({ ok: true });
    expect(mayDecide(req(['supervisor']), { id: 'u2', roles: ['supervisor'] })).toMatchObject({ ok: false, reason: 'role' });
    expect(mayDecide(req(['grid_worker']), { id: 'u2', roles: ['police'] })).toMatchObject({ ok: false, reason: 'role' });
    expect(mayDecide(req(['police']), { id: 'u1', roles: ['admin'] })).toMatchObject({ ok: false, reason: 'self' });
    expect(mayDecide({ ...req(['police']), status: 'approved' }, { id: 'u2', roles: ['admin'] })).toMatchObject({ ok: false, reason: 'state' });
  });

  test('property: an approval is never by the requester, never of a decided request, and always by a deciding role of a higher rank', () => {
    fc.assert(
      fc.property(
        fc.subarray(ROLES, { minLength: 1 }),
        fc.subarray(ROLES, { minLength: 1 }),
        fc.boolean(),
        fc.constantFrom('pending', 'approved', 'rejected'),
        (requester, decider, same, status) => {
          const v = mayDecide({ requestedBy: 'a', requesterRoles: requester, status: status as any }, { id: same ? 'a' : 'b', roles: decider });
          if (v.ok) {
            expect(same).toBe(false);
            expect(status).toBe('pending');
            expect(rankOf(decider)).toBeGreaterThan(rankOf(requester));
            expect(decider.some((r) => ['admin', 'leader', 'supervisor'].includes(r))).toBe(true);
          } else {
            expect(same || status !== 'pending' || rankOf(decider) <= rankOf(requester) || !decider.some((r) => ['admin', 'leader', 'supervisor'].includes(r))).toBe(true);
          }
        },
      ),
    );
  });
});

describe('key persons: visits', () => {
  test('on time up to and including the deadline; the first visit always', () => {
    expect(visitOnTime(10, null)).toBe(true);
    expect(visitOnTime(10, 10)).toBe(true);
    expect(visitOnTime(11, 10)).toBe(false);
    fc.assert(fc.property(fc.integer(), fc.integer(), (at, due) => {
      expect(visitOnTime(at, due)).toBe(at <= due);
    }));
  });
  test('visits and in-person checks restart the clock; notes do not', () => {
    expect(MEASURE_KINDS.filter(isVisit)).toEqual(['visit', 'check']);
  });
});
