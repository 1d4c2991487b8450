/**
 * Property tests of the pure work-order lifecycle: random sequences of actions
 * by random actors with random (often invalid) input, applied from
 * 'registered' through decide(), against a simulated case and its event log.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  ACTIONS,
  FINAL_STATUSES,
  INITIAL_STATUS,
  STATUSES,
  availableActions,
  decide,
  replay,
  type Action,
  type ActionInput,
  type Actor,
  type CaseFacts,
  type Decision,
  type Status,
} from './lifecycle.ts';
import { ROLES, type Role } from '../org/roles.ts';

const UNITS = ['u1', 'u2', 'u3'] as const;
/** Statuses in which the case must have a lead unit. */
/** Actions that do not move a case along the loop. */
// Actions that do not move the case along the loop (or leave it): 'forward' steps skip them so runs reach deep states.
const SIDE_ACTIONS: readonly Action[] = [
  'note',
  'urge',
  'supervise',
  'cancel',
  'transfer_police',
  'arrive',
  'request_extension',
  'decide_extension',
  'summon',
  'report',
  'assist_reply',
  'merge',
  'unmerge',
];
const NEEDS_LEAD: readonly Status[] = ['dispatched', 'accepted', 'in_progress', 'replied', 'verified'];

// ---------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------

const rolesArb: fc.Arbitrary<Role[]> = fc.oneof(
  { weight: 2, arbitrary: fc.constant<Role[]>(['admin']) },
  { weight: 6, arbitrary: fc.subarray([...ROLES], { minLength: 1, maxLength: 3 }) },
  { weight: 1, arbitrary: fc.constant<Role[]>([]) },
);

const actorArb: fc.Arbitrary<Actor> = fc.record({
  roles: rolesArb,
  inLeadUnit: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  isReporter: fc.boolean(),
});

/** Mostly valid values, sometimes missing, blank or out of range. */
const textArb = fc.oneof({ weight: 5, arbitrary: fc.constant('说明') }, { weight: 1, arbitrary: fc.constantFrom(undefined, '', '  ') });
const inputArb: fc.Arbitrary<ActionInput> = fc.record(
  {
    comment: textArb,
    reply: textArb,
    leadUnitId: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...UNITS) }, { weight: 1, arbitrary: fc.constantFrom(undefined, '') }),
    assistUnitIds: fc.subarray([...UNITS], { maxLength: 2 }),
    solved: fc.oneof({ weight: 4, arbitrary: fc.boolean() }, { weight: 1, arbitrary: fc.constant(undefined) }),
    rating: fc.oneof(
      { weight: 5, arbitrary: fc.integer({ min: 1, max: 5 }) },
      { weight: 1, arbitrary: fc.constantFrom(undefined, 0, 6, -3, 2.5, Number.NaN) },
    ),
    duplicateOf: fc.constantFrom(undefined, 'case-9'),
    externalRef: fc.constantFrom(undefined, '110-1'),
  },
  { requiredKeys: [] },
);

interface Step {
  /**
   * 'any': the action named; 'offered': one of availableActions; 'forward': one
   * of availableActions that moves the case on (not a side or terminal action),
   * so that sequences reach the deep states of the loop.
   */
  mode: 'any' | 'offered' | 'forward';
  action: Action;
  pick: number;
  actor: Actor;
  input: ActionInput;
}

const stepArb: fc.Arbitrary<Step> = fc.record({
  mode: fc.constantFrom('any', 'offered', 'forward', 'forward'),
  action: fc.constantFrom(...ACTIONS),
  pick: fc.nat(),
  actor: actorArb,
  input: inputArb,
});

const sequenceArb = fc.array(stepArb, { minLength: 1, maxLength: 40 });

// ---------------------------------------------------------------------------
// Simulation
// ---------------------------------------------------------------------------

interface Sim {
  status: Status;
  leadUnitId: string | null;
  rating: number | null;
  version: number;
}
interface Event {
  action: Action;
  fromStatus: Status;
  toStatus: Status;
}

function deepFreeze<T>(x: T): T {
  if (x && typeof x === 'object') {
    for (const v of Object.values(x)) deepFreeze(v);
    Object.freeze(x);
  }
  return x;
}

/** Valid input for each action (what a careful client sends). */
function validInputs(action: Action, leadUnitId: string | null): ActionInput[] {
  switch (action) {
    case 'dispatch':
      return UNITS.map((u) => ({ leadUnitId: u, assistUnitIds: UNITS.filter((x) => x !== u).slice(0, 1) }));
    case 'return':
    case 'cancel':
    case 'transfer_police':
    case 'supervise':
    case 'note':
      return [{ comment: '理由' }];
    case 'reply':
    case 'close_directly':
      return [{ reply: '已处理' }];
    case 'verify':
      return [{ solved: true }, { solved: false, comment: '未解决' }];
    case 'rate':
      return [1, 2, 3, 4, 5].map((rating) => ({ rating }));
    case 'reopen':
      return leadUnitId ? [{ comment: '重办' }] : [{ comment: '重办' }, { comment: '重办', leadUnitId: 'u1' }];
    case 'merge':
      return [{ duplicateOf: 'main-case' }];
    case 'unmerge':
      return [{ comment: '并非同一事项' }];
    case 'request_extension':
      return [{ duration: '1d', comment: '需协调' }];
    case 'summon':
      return [{ unitIds: ['u9'], comment: '会商' }];
    case 'assist_reply':
      return [{ reply: '协办意见' }];
    case 'decide_extension':
      return [{ approve: true }, { approve: false }];
    default:
      return [{}];
  }
}
const FULL_INPUT: ActionInput = { comment: '理由', reply: '已处理', leadUnitId: 'u1', assistUnitIds: ['u2'], solved: true, rating: 1 };
const ADMIN: Actor = { roles: ['admin'], inLeadUnit: true, isReporter: true };

/** Statuses reached over all runs, to check the generator really explores. */
const reachedOverall = new Set<Status>();

/** Runs one sequence, checking the step-wise properties; returns the final simulation. */
function run(steps: Step[]): { sim: Sim; events: Event[] } {
  const sim: Sim = { status: INITIAL_STATUS, leadUnitId: null, rating: null, version: 1 };
  const events: Event[] = [];
  let terminalSeen = false;

  for (const step of steps) {
    const facts: CaseFacts = deepFreeze({ status: sim.status, leadUnitId: sim.leadUnitId, rating: sim.rating });
    const actor = deepFreeze(structuredClone(step.actor));
    const input = deepFreeze(structuredClone(step.input));
    let action = step.action;
    if (step.mode !== 'any') {
      let offered = availableActions(facts, actor);
      if (step.mode === 'forward') offered = offered.filter((a) => !SIDE_ACTIONS.includes(a));
      if (offered.length) action = offered[step.pick % offered.length];
    }
    const before = structuredClone(sim);
    // decide must not mutate its (frozen) arguments: a write would throw here.
    const d: Decision = decide(facts, action, actor, input);
    // ... and is deterministic
    expect(decide(facts, action, actor, input)).toEqual(d);

    if (d.ok) {
      // (a) no undefined state
      expect(STATUSES).toContain(d.to);
      // an allowed action is always among the offered buttons
      expect(availableActions(facts, actor)).toContain(action);
      // an actor with no roles can never act
      expect(actor.roles.length).toBeGreaterThan(0);
      events.push({ action, fromStatus: sim.status, toStatus: d.to });
      sim.status = d.to;
      if (d.patch.leadUnitId !== undefined) sim.leadUnitId = d.patch.leadUnitId;
      if (d.patch.rating !== undefined) sim.rating = d.patch.rating;
      sim.version += 1;
    } else {
      // (c) a refusal carries no target or patch and changes nothing
      expect(['role', 'state', 'relation', 'input']).toContain(d.reason);
      expect(d.message).toBeTruthy();
      expect(d).not.toHaveProperty('to');
      expect(d).not.toHaveProperty('patch');
      expect(sim).toEqual(before);
    }
    reachedOverall.add(sim.status);

    // (a) every reached status is a known one
    expect(STATUSES).toContain(sim.status);
    // (b) the timeline replays to the simulated status; one event per version bump
    expect(replay(events) ?? INITIAL_STATUS).toBe(sim.status);
    expect(replay([{ toStatus: INITIAL_STATUS }, ...events])).toBe(sim.status);
    expect(events.length).toBe(sim.version - 1);
    // structural invariants of the case row
    if (NEEDS_LEAD.includes(sim.status)) expect(sim.leadUnitId).toBeTruthy();
    if (sim.status === 'rated') expect([1, 2, 3, 4, 5]).toContain(sim.rating);
    else expect(sim.rating).toBeNull();
    // (d) a terminal status is never left, and admits nothing but notes
    if (terminalSeen) expect(FINAL_STATUSES).toContain(sim.status);
    if (FINAL_STATUSES.includes(sim.status) && !terminalSeen) {
      terminalSeen = true;
      checkTerminal({ status: sim.status, leadUnitId: sim.leadUnitId, rating: sim.rating });
    }
  }
  // (e) 'closed' is only reached through verify -> close or close_directly
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (e.toStatus !== 'closed' || e.fromStatus === 'closed') continue; // notes on a closed case stay closed
    if (e.action === 'close_directly') {
      expect(e.fromStatus).toBe('registered');
    } else {
      expect(e.action).toBe('close');
      expect(e.fromStatus).toBe('verified');
      // the event that entered 'verified' (skipping notes / urges that stayed there) was a solved verify
      const entered = events
        .slice(0, i)
        .reverse()
        .find((x) => x.fromStatus !== 'verified');
      expect(entered).toMatchObject({ action: 'verify', fromStatus: 'replied', toStatus: 'verified' });
    }
  }
  // 'rated' only by rating a closed case; 'verified' only by a successful verify
  for (const e of events) {
    if (e.toStatus === 'rated' && e.fromStatus !== 'rated') expect([e.action, e.fromStatus]).toEqual(['rate', 'closed']);
    if (e.toStatus === 'verified' && e.fromStatus !== 'verified') expect([e.action, e.fromStatus]).toEqual(['verify', 'replied']);
  }
  return { sim, events };
}

/** (d) In a terminal status only 'note' is allowed, whoever asks and whatever the input. */
function checkTerminal(facts: CaseFacts) {
  for (const a of ACTIONS) {
    for (const input of [FULL_INPUT, ...validInputs(a, facts.leadUnitId)]) {
      const d = decide(facts, a, ADMIN, input);
      if (a === 'note') expect(d).toEqual({ ok: true, to: facts.status, patch: {} });
      else expect(d).toMatchObject({ ok: false, reason: 'state' });
    }
  }
  expect(availableActions(facts, ADMIN)).toEqual(['note']);
}

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

describe('lifecycle properties', () => {
  it('random action sequences keep the case and its timeline consistent (a, b, c, d, e)', () => {
    fc.assert(
      fc.property(sequenceArb, (steps) => {
        run(steps);
      }),
      { numRuns: 1000 },
    );
    // the generator must actually explore the whole machine
    expect([...reachedOverall].sort()).toEqual([...STATUSES].sort());
  });

  it('(d) from every reachable state, once terminal only notes are allowed', () => {
    fc.assert(
      fc.property(sequenceArb, fc.constantFrom(...FINAL_STATUSES), (steps, terminal) => {
        const { sim } = run(steps);
        // drive the case to a terminal status if its current status allows it
        const into: Action = terminal === 'transferred' ? 'transfer_police' : 'cancel';
        const d = decide({ status: sim.status, leadUnitId: sim.leadUnitId, rating: sim.rating }, into, ADMIN, { comment: '理由' });
        if (d.ok) {
          expect(d.to).toBe(terminal);
          checkTerminal({ status: d.to, leadUnitId: sim.leadUnitId, rating: sim.rating });
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a refused decision leaves the facts exactly as they were and is stable on retry', () => {
    fc.assert(
      fc.property(fc.constantFrom(...STATUSES), fc.constantFrom(...ACTIONS), actorArb, inputArb, fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }), (status, action, actor, input, rating) => {
        const facts: CaseFacts = { status, leadUnitId: status === 'registered' ? null : 'u1', rating: status === 'rated' ? rating : null };
        const snapshot = structuredClone({ facts, actor, input });
        const d = decide(facts, action, actor, input);
        expect({ facts, actor, input }).toEqual(snapshot);
        if (!d.ok) expect(decide(facts, action, actor, input)).toEqual(d);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('reachability (f)', () => {
  /** BFS over (status, lead unit, rating) with the given actor choice and valid inputs. */
  function bfs(actorFor: (action: Action) => Actor): Map<Status, Action[]> {
    const start: CaseFacts = { status: INITIAL_STATUS, leadUnitId: null, rating: null };
    const key = (f: CaseFacts) => `${f.status}|${f.leadUnitId}|${f.rating}`;
    const seen = new Set([key(start)]);
    const pathTo = new Map<Status, Action[]>([[start.status, []]]);
    const queue: { f: CaseFacts; path: Action[] }[] = [{ f: start, path: [] }];
    while (queue.length) {
      const { f, path } = queue.shift()!;
      for (const a of ACTIONS) {
        for (const input of validInputs(a, f.leadUnitId)) {
          const d = decide(f, a, actorFor(a), input);
          if (!d.ok) continue;
          const next: CaseFacts = {
            status: d.to,
            leadUnitId: d.patch.leadUnitId === undefined ? f.leadUnitId : d.patch.leadUnitId,
            rating: d.patch.rating === undefined ? f.rating : d.patch.rating,
          };
          if (seen.has(key(next))) continue;
          seen.add(key(next));
          if (!pathTo.has(next.status)) pathTo.set(next.status, [...path, a]);
          queue.push({ f: next, path: [...path, a] });
        }
      }
    }
    return pathTo;
  }

  it('every status is reachable from registered by an admin', () => {
    const reached = bfs(() => ADMIN);
    expect([...reached.keys()].sort()).toEqual([...STATUSES].sort());
    // shortest routes are the expected ones
    expect(reached.get('closed')).toEqual(['close_directly']);
    expect(reached.get('rated')).toEqual(['close_directly', 'rate']);
    expect(reached.get('verified')).toEqual(['dispatch', 'accept', 'reply', 'verify']);
    expect(reached.get('returned')).toEqual(['dispatch', 'return']);
  });

  it('every status is reachable by ordinary users in their own roles (no admin)', () => {
    const who: Record<Action, Role> = {
      dispatch: 'dispatcher',
      accept: 'handler',
      return: 'handler',
      start: 'handler',
      reply: 'handler',
      verify: 'operator',
      close: 'operator',
      close_directly: 'grid_worker',
      rate: 'citizen',
      reopen: 'leader',
      cancel: 'supervisor',
      transfer_police: 'operator',
      urge: 'leader',
      supervise: 'supervisor',
      note: 'mediator',
      arrive: 'police',
      request_extension: 'handler',
      decide_extension: 'supervisor',
      summon: 'township',
      report: 'handler',
      assist_reply: 'handler',
      merge: 'dispatcher',
      unmerge: 'supervisor',
    };
    const reached = bfs((a) => ({ roles: [who[a]], inLeadUnit: true, isReporter: true }));
    expect([...reached.keys()].sort()).toEqual([...STATUSES].sort());
  });
});
