/** The social-stability risk assessment lifecycle: the path, refusals, decisions fitting the risk, and properties over random runs. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ROLES } from '../../org/roles.ts';
import { ACTIONS, ACTION_ROLES, STATUSES, allowedActions, checkDecision, decide, supportRate, validPanel, type Facts, type Input } from './lifecycle.ts';

const FULL: Input = { assessingBody: '湖南某社会稳定风险评估中心', expertCount: 5, dimensionsComplete: true, surveySample: 1200, surveySupport: 1048, outcome: 'medium', decision: 'proceed', conditions: '先行公示补偿方案', note: '已公示' };
const start: Facts = { status: 'draft', assessingBody: null, expertCount: 0, decision: null };

describe('assessment lifecycle', () => {
  it('walks draft -> assessing -> assessed -> decided -> following_up -> closed', () => {
    const path: [keyof typeof ACTION_ROLES, string][] = [['start', 'assessing'], ['assess', 'assessed'], ['decide', 'decided'], ['follow_up', 'following_up'], ['follow_up', 'following_up'], ['close', 'closed']];
    let f = { ...start };
    for (const [a, to] of path) {
      const d = decide(f, a, ['supervisor'], FULL);
      expect(d, a).toEqual({ ok: true, to });
      if (d.ok) f = { ...f, status: d.to, expertCount: 5, assessingBody: 'x' };
    }
  });

  it('a project decided "do not proceed" closes at once', () => {
    expect(decide({ ...start, status: 'assessed' }, 'decide', ['leader'], { decision: 'reject' })).toEqual({ ok: true, to: 'closed' });
  });

  it('the panel has 3 or 5 experts and an assessing body', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map(validPanel)).toEqual([false, false, false, true, false, true, false]);
    expect(decide(start, 'start', ['supervisor'], { assessingBody: 'x', expertCount: 4 })).toMatchObject({ ok: false, field: 'experts' });
    expect(decide(start, 'start', ['supervisor'], { expertCount: 3 })).toMatchObject({ ok: false, field: 'assessingBody' });
    expect(decide({ ...start, assessingBody: 'x', expertCount: 3 }, 'start', ['township'], {})).toEqual({ ok: true, to: 'assessing' });
  });

  it('an assessment needs all four dimensions, a survey whose supporters fit the sample, and a risk level', () => {
    const f: Facts = { ...start, status: 'assessing' };
    expect(decide(f, 'assess', ['supervisor'], { ...FULL, dimensionsComplete: false })).toMatchObject({ ok: false, field: 'dimensions' });
    expect(decide(f, 'assess', ['supervisor'], { ...FULL, surveySample: 0 })).toMatchObject({ ok: false, field: 'survey.sampleSize' });
    expect(decide(f, 'assess', ['supervisor'], { ...FULL, surveySupport: 1201 })).toMatchObject({ ok: false, field: 'survey.supporters' });
    expect(decide(f, 'assess', ['supervisor'], { ...FULL, outcome: undefined })).toMatchObject({ ok: false, field: 'outcome' });
  });

  it('the decision fits the risk: high risk never simply proceeds, medium proceeds on conditions, postponing says why', () => {
    expect(checkDecision('high', 'proceed', '条件')).toMatchObject({ field: 'decision' });
    expect(checkDecision('high', 'postpone', '化解后再议')).toBeNull();
    expect(checkDecision('medium', 'proceed', undefined)).toMatchObject({ field: 'conditions' });
    expect(checkDecision('medium', 'proceed', '先公示')).toBeNull();
    expect(checkDecision('low', 'proceed', undefined)).toBeNull();
    expect(checkDecision('low', 'postpone', ' ')).toMatchObject({ field: 'conditions' });
    expect(checkDecision('high', 'reject', undefined)).toBeNull();
  });

  it('refuses by role and by state', () => {
    expect(decide({ ...start, status: 'assessed' }, 'decide', ['township'], FULL)).toMatchObject({ ok: false, reason: 'role' });
    expect(decide({ ...start, status: 'assessed' }, 'decide', ['admin'], FULL)).toEqual({ ok: true, to: 'decided' });
    expect(decide(start, 'assess', ['supervisor'], FULL)).toMatchObject({ ok: false, reason: 'state' });
    expect(decide({ ...start, status: 'closed' }, 'follow_up', ['supervisor'], FULL)).toMatchObject({ ok: false, reason: 'state' });
    expect(allowedActions({ ...start, status: 'decided' }, ['supervisor'])).toEqual(['follow_up', 'close']);
    expect(allowedActions({ ...start, status: 'decided' }, ['township'])).toEqual(['follow_up']);
  });

  it('support is an exact rate of two counts', () => {
    expect(supportRate(1200, 1048)).toBe(0.8733);
    expect(supportRate(3, 1)).toBe(0.3333);
    expect(supportRate(null, 1)).toBeNull();
  });

  it('properties: random runs stay in known states, closed is final, refusals say why, only permitted roles move', () => {
    const step = fc.record({
      action: fc.constantFrom(...ACTIONS),
      roles: fc.subarray([...ROLES] as string[], { minLength: 1, maxLength: 3 }),
      input: fc.oneof(fc.constant(FULL), fc.record({ assessingBody: fc.string(), expertCount: fc.integer({ min: 0, max: 7 }), dimensionsComplete: fc.boolean(), surveySample: fc.integer({ min: 0, max: 50 }), surveySupport: fc.integer({ min: -1, max: 60 }), outcome: fc.constantFrom('high', 'medium', 'low'), decision: fc.constantFrom('proceed', 'postpone', 'reject'), note: fc.string() }, { requiredKeys: [] }) as fc.Arbitrary<Input>),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        const f: Facts = { ...start };
        for (const s of steps) {
          const d = decide(f, s.action, s.roles, s.input);
          if (!d.ok) {
            expect(d.message.length).toBeGreaterThan(0);
            continue;
          }
          expect(f.status).not.toBe('closed');
          expect(STATUSES).toContain(d.to);
          expect(s.roles.includes('admin') || ACTION_ROLES[s.action].some((r) => s.roles.includes(r))).toBe(true);
          if (s.action === 'start') {
            f.expertCount = s.input.expertCount ?? f.expertCount;
            expect(validPanel(f.expertCount)).toBe(true);
          }
          // The order of the path is kept: a state is only reached from the one before it (or itself, for follow-ups).
          const at = STATUSES.indexOf(f.status);
          const to = STATUSES.indexOf(d.to);
          expect(to === at + 1 || (d.to === 'following_up' && f.status === 'following_up') || d.to === 'closed').toBe(true);
          f.status = d.to;
        }
      }),
    );
  });
});
