/**
 * Exhaustive unit tests of the pure work-order lifecycle.
 *
 * The expectations come from an independently written specification table
 * (SPEC below), derived from ../shared/DOMAIN.md ("The closed loop") and the
 * intent stated in lifecycle.ts comments. It deliberately does NOT import
 * RULES: building expectations from the code under test could never fail.
 */
import { describe, it, expect } from 'vitest';
import {
  ACTIONS,
  FINAL_STATUSES,
  INITIAL_STATUS,
  OPEN_STATUSES,
  STATUSES,
  availableActions,
  decide,
  replay,
  type Action,
  type ActionInput,
  type Actor,
  type CaseFacts,
  type CasePatch,
  type Status,
} from './lifecycle.ts';
import { ROLES, type Role } from '../org/roles.ts';

// ---------------------------------------------------------------------------
// The specification
// ---------------------------------------------------------------------------

/** Units used in the fixtures. */
const LEAD = 'unit-lead';
const OTHER = 'unit-other';
const ASSIST = 'unit-assist';

/** Roles that sign for, handle, return and reply to orders for their unit. */
const HANDLING: Role[] = ['handler', 'township', 'police', 'mediator', 'grid_worker'];
/** Command-centre staff who route, verify and close. */
const CENTRE: Role[] = ['operator', 'dispatcher', 'supervisor'];
/** Everyone who works on orders (all roles but citizen; admin bypasses anyway). */
const STAFF: Role[] = ['operator', 'dispatcher', 'handler', 'township', 'grid_worker', 'police', 'mediator', 'supervisor', 'leader'];
/** Statuses in which a case is still being worked on. */
const ACTIVE: Status[] = ['registered', 'dispatched', 'accepted', 'in_progress', 'replied', 'verified', 'returned'];
const ALL: Status[] = [...ACTIVE, 'closed', 'rated', 'transferred', 'cancelled', 'merged'];

type Relation = 'leadUnit' | 'reporterOrStaff' | 'summoned' | 'assisting';

interface ActionSpec {
  /** States the action may be taken from. */
  from: Status[];
  /** Target state for the valid input below; 'same' = status unchanged. */
  to: Status | 'same';
  /** Roles allowed (admin is always allowed, see below). */
  roles: Role[];
  /** Relation required of a non-admin actor. */
  relation?: Relation;
  /** A minimal valid input. */
  valid: ActionInput;
  /** The field reported when the input is empty, or null when no input is required. */
  requires: keyof ActionInput | null;
  /** Expected patch for `valid`, given the case facts. */
  patch: (f: CaseFacts) => CasePatch;
}

/**
 * The readable matrix. Admin bypasses the role and relation checks of every
 * action (but not the state or input checks).
 *
 * | action          | from                                                  | to           | roles                                   | relation          | required input |
 * |-----------------|-------------------------------------------------------|--------------|-----------------------------------------|-------------------|----------------|
 * | dispatch        | registered, returned, dispatched (re-dispatch)        | dispatched   | operator, dispatcher, township, supervisor | -              | leadUnitId     |
 * | accept          | dispatched                                            | accepted     | handling roles                          | lead unit         | -              |
 * | return          | dispatched, accepted                                  | returned     | handling roles                          | lead unit         | comment        |
 * | start           | accepted                                              | in_progress  | handling roles                          | lead unit         | -              |
 * | reply           | accepted, in_progress                                 | replied      | handling roles                          | lead unit         | reply          |
 * | verify          | replied                                               | verified / in_progress (not solved) | operator, dispatcher, supervisor | -           | solved (+comment if not solved) |
 * | close           | verified                                              | closed       | operator, dispatcher, supervisor        | -                 | -              |
 * | close_directly  | registered                                            | closed       | operator, grid_worker                   | -                 | reply          |
 * | rate            | closed                                                | rated        | citizen, operator                       | reporter or staff | rating 1..5    |
 * | reopen          | closed, rated (only rating <= 2)                      | dispatched (lead known) / registered | operator, dispatcher, supervisor, leader | - | comment |
 * | cancel          | registered, dispatched, returned                      | cancelled    | operator, dispatcher, supervisor        | -                 | comment        |
 * | transfer_police | registered, returned                                  | transferred  | operator, dispatcher                    | -                 | comment        |
 * | urge            | dispatched, accepted, in_progress, returned, replied  | same         | operator, dispatcher, supervisor, leader | -                | -              |
 * | supervise       | every active status                                   | same         | supervisor, leader                      | -                 | comment        |
 * | note            | every status                                          | same         | every role but citizen                  | -                 | comment        |
 * | arrive          | accepted, in_progress                                 | same         | handling roles                          | lead unit         | -              |
 * | request_extension | accepted, in_progress (none pending)                | same         | handling roles                          | lead unit         | duration, comment |
 * | decide_extension  | accepted, in_progress (one pending)                 | same         | dispatcher, supervisor, leader          | -                 | approve        |
 * | summon          | dispatched, accepted, in_progress                     | same         | township, dispatcher, supervisor, leader | -                | unitIds, comment |
 * | report          | dispatched, accepted, in_progress                     | same         | handling roles                          | summoned unit     | -              |
 * | assist_reply    | dispatched, accepted, in_progress                     | same         | handling roles                          | assisting unit    | reply          |
 * | merge           | registered, dispatched, returned                      | merged       | operator, dispatcher, supervisor        | -                 | duplicateOf    |
 * | unmerge         | merged                                                | registered   | operator, dispatcher, supervisor        | -                 | comment        |
 */
const SPEC: Record<Action, ActionSpec> = {
  dispatch: {
    from: ['registered', 'returned', 'dispatched'],
    to: 'dispatched',
    roles: ['operator', 'dispatcher', 'township', 'supervisor'],
    valid: { leadUnitId: OTHER, assistUnitIds: [ASSIST] },
    requires: 'leadUnitId',
    patch: () => ({ leadUnitId: OTHER, assistUnitIds: [ASSIST], handlerCleared: true }),
  },
  accept: {
    from: ['dispatched'],
    to: 'accepted',
    roles: HANDLING,
    relation: 'leadUnit',
    valid: {},
    requires: null,
    patch: () => ({ handlerIsActor: true }),
  },
  return: {
    from: ['dispatched', 'accepted'],
    to: 'returned',
    roles: HANDLING,
    relation: 'leadUnit',
    valid: { comment: '不属于本单位职责' },
    requires: 'comment',
    patch: () => ({ handlerCleared: true }),
  },
  start: {
    from: ['accepted'],
    to: 'in_progress',
    roles: HANDLING,
    relation: 'leadUnit',
    valid: {},
    requires: null,
    patch: () => ({ handlerIsActor: true }),
  },
  reply: {
    from: ['accepted', 'in_progress'],
    to: 'replied',
    roles: HANDLING,
    relation: 'leadUnit',
    valid: { reply: '已更换灯泡，路灯恢复正常。' },
    requires: 'reply',
    patch: () => ({ reply: '已更换灯泡，路灯恢复正常。', handlerIsActor: true }),
  },
  verify: {
    from: ['replied'],
    to: 'verified',
    roles: CENTRE,
    valid: { solved: true },
    requires: 'solved',
    patch: () => ({ solved: true }),
  },
  close: {
    from: ['verified'],
    to: 'closed',
    roles: CENTRE,
    valid: {},
    requires: null,
    patch: () => ({ closed: true }),
  },
  close_directly: {
    from: ['registered'],
    to: 'closed',
    roles: ['operator', 'grid_worker'],
    valid: { reply: '已根据知识库解答。' },
    requires: 'reply',
    patch: () => ({ reply: '已根据知识库解答。', solved: true, closed: true, handlerIsActor: true }),
  },
  rate: {
    from: ['closed'],
    to: 'rated',
    roles: ['citizen', 'operator'],
    relation: 'reporterOrStaff',
    valid: { rating: 4, comment: '处理及时' },
    requires: 'rating',
    patch: () => ({ rating: 4, ratingComment: '处理及时' }),
  },
  reopen: {
    from: ['closed', 'rated'],
    to: 'dispatched', // every fixture below has a lead unit in closed/rated
    roles: ['operator', 'dispatcher', 'supervisor', 'leader'],
    valid: { comment: '群众不满意，重办' },
    requires: 'comment',
    patch: (f) => ({
      leadUnitId: f.leadUnitId,
      reply: null,
      solved: null,
      rating: null,
      ratingComment: null,
      reopened: true,
      handlerCleared: true,
    }),
  },
  cancel: {
    from: ['registered', 'dispatched', 'returned'],
    to: 'cancelled',
    roles: CENTRE,
    valid: { comment: '重复工单', duplicateOf: 'case-1' },
    requires: 'comment',
    patch: () => ({ duplicateOf: 'case-1', handlerCleared: true }),
  },
  transfer_police: {
    from: ['registered', 'returned'],
    to: 'transferred',
    roles: ['operator', 'dispatcher'],
    valid: { comment: '涉及治安，转110', externalRef: '110-20240501-0001' },
    requires: 'comment',
    patch: () => ({ externalRef: '110-20240501-0001' }),
  },
  urge: {
    from: ['dispatched', 'accepted', 'in_progress', 'returned', 'replied'],
    to: 'same',
    roles: ['operator', 'dispatcher', 'supervisor', 'leader'],
    valid: {},
    requires: null,
    patch: () => ({}),
  },
  supervise: {
    from: ACTIVE,
    to: 'same',
    roles: ['supervisor', 'leader'],
    valid: { comment: '请三日内办结' },
    requires: 'comment',
    patch: () => ({}),
  },
  note: {
    from: ALL,
    to: 'same',
    roles: STAFF,
    valid: { comment: '已电话联系群众' },
    requires: 'comment',
    patch: () => ({}),
  },
  arrive: {
    from: ['accepted', 'in_progress'],
    to: 'same',
    roles: HANDLING,
    relation: 'leadUnit',
    valid: {},
    requires: null,
    patch: () => ({}),
  },
  request_extension: {
    from: ['accepted', 'in_progress'],
    to: 'same',
    roles: HANDLING,
    relation: 'leadUnit',
    valid: { duration: '3d', comment: '需协调供电公司更换线路' },
    requires: 'duration',
    patch: () => ({ pendingExtension: { duration: '3d', reason: '需协调供电公司更换线路' } }),
  },
  decide_extension: {
    from: ['accepted', 'in_progress'],
    to: 'same',
    roles: ['dispatcher', 'supervisor', 'leader'],
    valid: { approve: true },
    requires: 'approve',
    patch: () => ({ pendingExtension: null, extendBy: '3d' }),
  },
  summon: {
    from: ['dispatched', 'accepted', 'in_progress'],
    to: 'same',
    roles: ['township', 'dispatcher', 'supervisor', 'leader'],
    valid: { unitIds: [ASSIST], comment: '请住建、城管到现场会商' },
    requires: 'unitIds',
    patch: () => ({ summonUnitIds: [ASSIST] }),
  },
  report: {
    from: ['dispatched', 'accepted', 'in_progress'],
    to: 'same',
    roles: HANDLING,
    relation: 'summoned',
    valid: {},
    requires: null,
    patch: () => ({}),
  },
  assist_reply: {
    from: ['dispatched', 'accepted', 'in_progress'],
    to: 'same',
    roles: HANDLING,
    relation: 'assisting',
    valid: { reply: '已派员现场勘查，协助主办单位处理' },
    requires: 'reply',
    patch: () => ({}),
  },
  merge: {
    from: ['registered', 'dispatched', 'returned'],
    to: 'merged',
    roles: ['operator', 'dispatcher', 'supervisor'],
    valid: { duplicateOf: 'main-case' },
    requires: 'duplicateOf',
    patch: () => ({ duplicateOf: 'main-case', handlerCleared: true }),
  },
  unmerge: {
    from: ['merged'],
    to: 'registered',
    roles: ['operator', 'dispatcher', 'supervisor'],
    valid: { comment: '并非同一事项' },
    requires: 'comment',
    patch: () => ({ duplicateOf: null }),
  },
};

/** Case facts used for each status in the matrix. */
function factsFor(status: Status, rating: number | null = status === 'rated' ? 1 : null): CaseFacts {
  // An extension request is pending in the matrix, so decide_extension can be judged; request_extension is tested apart.
  return { status, leadUnitId: status === 'registered' ? null : LEAD, rating, pendingExtension: { duration: '3d' } };
}

function actor(roles: Role[], related: boolean): Actor {
  return { roles, inLeadUnit: related, isReporter: related, isSummoned: related, isAssisting: related };
}

function relationHolds(spec: ActionSpec, a: Actor): boolean {
  if (spec.relation === 'leadUnit') return a.inLeadUnit;
  if (spec.relation === 'summoned') return !!a.isSummoned;
  if (spec.relation === 'assisting') return !!a.isAssisting;
  if (spec.relation === 'reporterOrStaff') return a.isReporter || a.roles.includes('operator');
  return true;
}

type Expected = { ok: true } | { ok: false; reason: 'role' | 'state' | 'relation' | 'input'; field?: string };

/** What the specification says, checking role, then state, then relation, then input. */
function expected(action: Action, facts: CaseFacts, a: Actor, inputKind: 'valid' | 'empty'): Expected {
  const spec = SPEC[action];
  const admin = a.roles.includes('admin');
  if (!admin && !spec.roles.some((r) => a.roles.includes(r))) return { ok: false, reason: 'role' };
  if (!spec.from.includes(facts.status)) return { ok: false, reason: 'state' };
  if (action === 'reopen' && facts.status === 'rated' && !(facts.rating !== null && facts.rating <= 2)) return { ok: false, reason: 'state' };
  if (action === 'request_extension' && facts.pendingExtension) return { ok: false, reason: 'state' };
  if (action === 'decide_extension' && !facts.pendingExtension) return { ok: false, reason: 'state' };
  if (!admin && !relationHolds(spec, a)) return { ok: false, reason: 'relation' };
  if (inputKind === 'empty' && spec.requires) return { ok: false, reason: 'input', field: spec.requires };
  return { ok: true };
}

/** Actions the specification says the actor may try (input ignored). */
function expectedAvailable(facts: CaseFacts, a: Actor): Action[] {
  return ACTIONS.filter((act) => {
    const e = expected(act, facts, a, 'empty');
    return e.ok || e.reason === 'input';
  });
}

// ---------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------

describe('vocabulary', () => {
  it('has the 12 statuses, 23 actions and 12 roles the matrix covers', () => {
    expect([...STATUSES].sort()).toEqual([...ALL].sort());
    expect(STATUSES).toHaveLength(12);
    expect([...ACTIONS].sort()).toEqual(Object.keys(SPEC).sort());
    expect(ACTIONS).toHaveLength(23);
    expect(ROLES).toHaveLength(12);
    expect(INITIAL_STATUS).toBe('registered');
  });

  it('final and open statuses match the domain', () => {
    expect([...FINAL_STATUSES].sort()).toEqual(['cancelled', 'transferred']);
    expect([...OPEN_STATUSES].sort()).toEqual([...ACTIVE].sort());
  });
});

// ---------------------------------------------------------------------------
// The full matrix: 11 statuses x 15 actions x 11 roles
// ---------------------------------------------------------------------------

describe('decide: every (status, action, role)', () => {
  for (const action of ACTIONS) {
    describe(action, () => {
      const spec = SPEC[action];
      const cases = STATUSES.flatMap((status) => ROLES.map((role) => ({ status, role })));
      it.each(cases)('$status x $role', ({ status, role }) => {
        const facts = factsFor(status);
        for (const related of [true, false]) {
          const a = actor([role], related);
          for (const kind of ['valid', 'empty'] as const) {
            const input = kind === 'valid' ? spec.valid : {};
            const got = decide(facts, action, a, input);
            const want = expected(action, facts, a, kind);
            const label = `${action} on ${status} by ${role} (related=${related}, input=${kind})`;
            if (want.ok) {
              expect(got.ok, label).toBe(true);
              if (got.ok && kind === 'valid') {
                expect(got.to, label).toBe(spec.to === 'same' ? status : spec.to);
                expect(got.patch, label).toEqual(spec.patch(facts));
              }
            } else {
              expect(got.ok, label).toBe(false);
              if (!got.ok) {
                expect(got.reason, label).toBe(want.reason);
                if (want.field) expect(got.field, label).toBe(want.field);
                expect(got.message.length, label).toBeGreaterThan(0);
              }
            }
          }
        }
      });
    });
  }
});

describe('decide: spot checks written out by hand', () => {
  const handlerOfLead: Actor = { roles: ['handler'], inLeadUnit: true, isReporter: false };
  const handlerElsewhere: Actor = { roles: ['handler'], inLeadUnit: false, isReporter: false };
  const operator: Actor = { roles: ['operator'], inLeadUnit: false, isReporter: false };
  const citizen: Actor = { roles: ['citizen'], inLeadUnit: false, isReporter: true };
  const admin: Actor = { roles: ['admin'], inLeadUnit: false, isReporter: false };

  it('runs the whole closed loop with the right people', () => {
    let f: CaseFacts = { status: 'registered', leadUnitId: null, rating: null };
    const step = (action: Action, a: Actor, input: ActionInput, to: Status) => {
      const d = decide(f, action, a, input);
      expect(d, `${action} from ${f.status}`).toMatchObject({ ok: true, to });
      if (d.ok) f = { status: d.to, leadUnitId: d.patch.leadUnitId === undefined ? f.leadUnitId : d.patch.leadUnitId, rating: d.patch.rating === undefined ? f.rating : d.patch.rating };
    };
    step('dispatch', operator, { leadUnitId: LEAD }, 'dispatched');
    step('accept', handlerOfLead, {}, 'accepted');
    step('start', handlerOfLead, {}, 'in_progress');
    step('reply', handlerOfLead, { reply: '已处理' }, 'replied');
    step('verify', operator, { solved: true }, 'verified');
    step('close', operator, {}, 'closed');
    step('rate', citizen, { rating: 2 }, 'rated');
    step('reopen', { roles: ['leader'], inLeadUnit: false, isReporter: false }, { comment: '不满意' }, 'dispatched');
    expect(f.leadUnitId).toBe(LEAD);
    expect(f.rating).toBeNull();
  });

  it('a handler of another unit may neither accept nor reply', () => {
    expect(decide(factsFor('dispatched'), 'accept', handlerElsewhere)).toMatchObject({ ok: false, reason: 'relation' });
    expect(decide(factsFor('in_progress'), 'reply', handlerElsewhere, { reply: 'x' })).toMatchObject({ ok: false, reason: 'relation' });
  });

  it('a citizen who did not report the case may not rate it; an operator may', () => {
    const stranger: Actor = { roles: ['citizen'], inLeadUnit: false, isReporter: false };
    expect(decide(factsFor('closed'), 'rate', stranger, { rating: 5 })).toMatchObject({ ok: false, reason: 'relation' });
    expect(decide(factsFor('closed'), 'rate', operator, { rating: 5 })).toMatchObject({ ok: true, to: 'rated' });
    expect(decide(factsFor('closed'), 'rate', citizen, { rating: 5 })).toMatchObject({ ok: true, to: 'rated' });
  });

  it('a citizen holding a non-rating staff role is still not staff for rating', () => {
    const a: Actor = { roles: ['citizen', 'handler'], inLeadUnit: true, isReporter: false };
    expect(decide(factsFor('closed'), 'rate', a, { rating: 5 })).toMatchObject({ ok: false, reason: 'relation' });
  });

  it('admin bypasses role and relation but not state or input', () => {
    expect(decide(factsFor('dispatched'), 'accept', admin)).toMatchObject({ ok: true, to: 'accepted' });
    expect(decide(factsFor('closed'), 'rate', admin, { rating: 3 })).toMatchObject({ ok: true, to: 'rated' });
    expect(decide(factsFor('closed'), 'accept', admin)).toMatchObject({ ok: false, reason: 'state' });
    expect(decide(factsFor('dispatched'), 'return', admin, {})).toMatchObject({ ok: false, reason: 'input', field: 'comment' });
  });

  it('an actor without roles can do nothing', () => {
    const nobody: Actor = { roles: [], inLeadUnit: true, isReporter: true };
    for (const s of STATUSES) for (const a of ACTIONS) expect(decide(factsFor(s), a, nobody, SPEC[a].valid)).toMatchObject({ ok: false, reason: 'role' });
  });

  it('permissions of several roles are the union', () => {
    const a: Actor = { roles: ['citizen', 'handler'], inLeadUnit: true, isReporter: true };
    expect(decide(factsFor('dispatched'), 'accept', a)).toMatchObject({ ok: true });
    expect(decide(factsFor('closed'), 'rate', a, { rating: 5 })).toMatchObject({ ok: true });
    expect(decide(factsFor('registered'), 'dispatch', a, { leadUnitId: LEAD })).toMatchObject({ ok: false, reason: 'role' });
  });

  it('input defaults to empty', () => {
    expect(decide(factsFor('verified'), 'close', operator)).toMatchObject({ ok: true, to: 'closed' });
    expect(decide(factsFor('registered'), 'dispatch', operator)).toMatchObject({ ok: false, reason: 'input', field: 'leadUnitId' });
  });
});

describe('decide: refusal reasons come in the order role, state, relation, input', () => {
  it('role before state', () => {
    // citizen may not dispatch, and a closed case cannot be dispatched either
    expect(decide(factsFor('closed'), 'dispatch', actor(['citizen'], true), {})).toMatchObject({ ok: false, reason: 'role' });
  });
  it('state before relation', () => {
    expect(decide(factsFor('registered'), 'accept', actor(['handler'], false))).toMatchObject({ ok: false, reason: 'state' });
    expect(decide(factsFor('rated'), 'rate', actor(['citizen'], false), {})).toMatchObject({ ok: false, reason: 'state' });
  });
  it('relation before input', () => {
    expect(decide(factsFor('dispatched'), 'return', actor(['handler'], false), {})).toMatchObject({ ok: false, reason: 'relation' });
    expect(decide(factsFor('closed'), 'rate', actor(['citizen'], false), {})).toMatchObject({ ok: false, reason: 'relation' });
  });
  it('state before input for a rated case whose rating forbids reopening', () => {
    for (const rating of [3, 4, 5]) {
      expect(decide(factsFor('rated', rating), 'reopen', actor(['operator'], false), { comment: '不满意' })).toMatchObject({ ok: false, reason: 'state' });
    }
  });
  // Reopen checks the rating rule before asking for a comment.
  it('state before input for reopen without comment on a well-rated case', () => {
    expect(decide(factsFor('rated', 4), 'reopen', actor(['operator'], false), {})).toMatchObject({ ok: false, reason: 'state' });
  });
});

// ---------------------------------------------------------------------------
// Input validation, action by action
// ---------------------------------------------------------------------------

describe('decide: input validation', () => {
  const op = actor(['operator'], false);
  const handler = actor(['handler'], true);
  const sup = actor(['supervisor'], false);
  const refused = (field: string) => ({ ok: false, reason: 'input', field });

  describe('dispatch', () => {
    const f = factsFor('registered');
    it('needs a lead unit', () => {
      expect(decide(f, 'dispatch', op, {})).toMatchObject(refused('leadUnitId'));
      expect(decide(f, 'dispatch', op, { leadUnitId: '' })).toMatchObject(refused('leadUnitId'));
      expect(decide(f, 'dispatch', op, { leadUnitId: '   ' })).toMatchObject(refused('leadUnitId'));
      expect(decide(f, 'dispatch', op, { assistUnitIds: [ASSIST] })).toMatchObject(refused('leadUnitId'));
    });
    it('refuses an assisting unit equal to the lead unit', () => {
      expect(decide(f, 'dispatch', op, { leadUnitId: LEAD, assistUnitIds: [LEAD] })).toMatchObject(refused('assistUnitIds'));
      expect(decide(f, 'dispatch', op, { leadUnitId: LEAD, assistUnitIds: [ASSIST, LEAD] })).toMatchObject(refused('assistUnitIds'));
    });
    it('defaults assisting units to none and clears the handler', () => {
      expect(decide(f, 'dispatch', op, { leadUnitId: LEAD })).toEqual({
        ok: true,
        to: 'dispatched',
        patch: { leadUnitId: LEAD, assistUnitIds: [], handlerCleared: true },
      });
    });
    it('re-dispatches a returned or dispatched case to another unit', () => {
      for (const s of ['returned', 'dispatched'] as const) {
        expect(decide(factsFor(s), 'dispatch', actor(['township'], false), { leadUnitId: OTHER, assistUnitIds: [LEAD] })).toMatchObject({
          ok: true,
          to: 'dispatched',
          patch: { leadUnitId: OTHER, assistUnitIds: [LEAD] },
        });
      }
    });
  });

  it('return needs a reason', () => {
    for (const s of ['dispatched', 'accepted'] as const) {
      expect(decide(factsFor(s), 'return', handler, {})).toMatchObject(refused('comment'));
      expect(decide(factsFor(s), 'return', handler, { comment: ' ' })).toMatchObject(refused('comment'));
      expect(decide(factsFor(s), 'return', handler, { comment: '非本单位职责' })).toMatchObject({ ok: true, to: 'returned' });
    }
  });

  it('reply needs text', () => {
    for (const s of ['accepted', 'in_progress'] as const) {
      expect(decide(factsFor(s), 'reply', handler, {})).toMatchObject(refused('reply'));
      expect(decide(factsFor(s), 'reply', handler, { reply: '' })).toMatchObject(refused('reply'));
      expect(decide(factsFor(s), 'reply', handler, { reply: '\n\t' })).toMatchObject(refused('reply'));
      expect(decide(factsFor(s), 'reply', handler, { comment: 'not the reply' })).toMatchObject(refused('reply'));
    }
  });

  describe('verify', () => {
    const f = factsFor('replied');
    it('needs solved to be a boolean', () => {
      expect(decide(f, 'verify', op, {})).toMatchObject(refused('solved'));
      expect(decide(f, 'verify', op, { solved: 'yes' as unknown as boolean })).toMatchObject(refused('solved'));
      expect(decide(f, 'verify', op, { solved: null as unknown as boolean, comment: 'x' })).toMatchObject(refused('solved'));
    });
    it('solved=true goes to verified', () => {
      expect(decide(f, 'verify', op, { solved: true })).toEqual({ ok: true, to: 'verified', patch: { solved: true } });
    });
    it('solved=false needs a comment and goes back to in_progress', () => {
      expect(decide(f, 'verify', op, { solved: false })).toMatchObject(refused('comment'));
      expect(decide(f, 'verify', op, { solved: false, comment: '  ' })).toMatchObject(refused('comment'));
      expect(decide(f, 'verify', op, { solved: false, comment: '路灯仍不亮' })).toEqual({ ok: true, to: 'in_progress', patch: { solved: false } });
    });
  });

  it('close_directly needs reply text and records the case as solved', () => {
    const f = factsFor('registered');
    const gw = actor(['grid_worker'], false);
    expect(decide(f, 'close_directly', gw, {})).toMatchObject(refused('reply'));
    expect(decide(f, 'close_directly', gw, { reply: ' ' })).toMatchObject(refused('reply'));
    expect(decide(f, 'close_directly', gw, { reply: '现场已处理' })).toEqual({
      ok: true,
      to: 'closed',
      patch: { reply: '现场已处理', solved: true, closed: true, handlerIsActor: true },
    });
  });

  describe('rate', () => {
    const f = factsFor('closed');
    const reporter = actor(['citizen'], true);
    it.each([undefined, 0, -1, 6, 10, 2.5, 4.999, Number.NaN, Number.POSITIVE_INFINITY, '3' as unknown as number])('refuses rating %s', (rating) => {
      expect(decide(f, 'rate', reporter, rating === undefined ? {} : { rating })).toMatchObject(refused('rating'));
    });
    it.each([1, 2, 3, 4, 5])('accepts rating %i, comment optional', (rating) => {
      expect(decide(f, 'rate', reporter, { rating })).toEqual({ ok: true, to: 'rated', patch: { rating, ratingComment: null } });
      expect(decide(f, 'rate', reporter, { rating, comment: '好' })).toEqual({ ok: true, to: 'rated', patch: { rating, ratingComment: '好' } });
    });
  });

  describe('reopen', () => {
    const leader = actor(['leader'], false);
    it('needs a reason', () => {
      expect(decide(factsFor('closed'), 'reopen', leader, {})).toMatchObject(refused('comment'));
      expect(decide(factsFor('rated', 1), 'reopen', leader, { comment: '' })).toMatchObject(refused('comment'));
    });
    it.each([1, 2])('reopens a case rated %i (unsatisfied)', (rating) => {
      expect(decide(factsFor('rated', rating), 'reopen', leader, { comment: '不满意' })).toMatchObject({
        ok: true,
        to: 'dispatched',
        patch: { leadUnitId: LEAD, rating: null, ratingComment: null, reopened: true },
      });
    });
    it.each([3, 4, 5, null])('refuses a case rated %s', (rating) => {
      expect(decide(factsFor('rated', rating), 'reopen', leader, { comment: '不满意' })).toMatchObject({ ok: false, reason: 'state' });
      expect(decide(factsFor('rated', rating), 'reopen', actor(['admin'], false), { comment: '不满意' })).toMatchObject({ ok: false, reason: 'state' });
    });
    it('a closed, unrated case may be reopened', () => {
      expect(decide(factsFor('closed'), 'reopen', sup, { comment: '回访发现未解决' })).toMatchObject({ ok: true, to: 'dispatched' });
    });
    it('goes back to registered when there is no lead unit (closed directly)', () => {
      const f: CaseFacts = { status: 'closed', leadUnitId: null, rating: null };
      const d = decide(f, 'reopen', op, { comment: '重新受理' });
      expect(d).toEqual({
        ok: true,
        to: 'registered',
        patch: { reply: null, solved: null, rating: null, ratingComment: null, reopened: true, handlerCleared: true },
      });
    });
    it('may name a new lead unit', () => {
      expect(decide(factsFor('closed'), 'reopen', op, { comment: '换单位', leadUnitId: OTHER })).toMatchObject({
        ok: true,
        to: 'dispatched',
        patch: { leadUnitId: OTHER },
      });
      const noLead: CaseFacts = { status: 'closed', leadUnitId: null, rating: null };
      expect(decide(noLead, 'reopen', op, { comment: '派单', leadUnitId: OTHER })).toMatchObject({ ok: true, to: 'dispatched', patch: { leadUnitId: OTHER } });
    });
  });

  it.each(['cancel', 'transfer_police', 'supervise', 'note'] as const)('%s needs a comment', (action) => {
    const f = factsFor('registered');
    const a = actor(['admin'], false);
    expect(decide(f, action, a, {})).toMatchObject(refused('comment'));
    expect(decide(f, action, a, { comment: '   ' })).toMatchObject(refused('comment'));
    expect(decide(f, action, a, { comment: '理由' })).toMatchObject({ ok: true });
  });

  it('cancel and transfer default their optional references to null', () => {
    const f = factsFor('registered');
    expect(decide(f, 'cancel', op, { comment: '无效来电' })).toEqual({ ok: true, to: 'cancelled', patch: { duplicateOf: null, handlerCleared: true } });
    expect(decide(f, 'transfer_police', op, { comment: '警情' })).toEqual({ ok: true, to: 'transferred', patch: { externalRef: null } });
  });

  it('actions without input ignore what they are given', () => {
    expect(decide(factsFor('dispatched'), 'accept', handler, { comment: 'x', rating: 99 })).toMatchObject({ ok: true, to: 'accepted' });
    expect(decide(factsFor('replied'), 'urge', op, { comment: '' })).toEqual({ ok: true, to: 'replied', patch: {} });
  });
});

describe('terminal statuses', () => {
  it.each(['transferred', 'cancelled'] as const)('%s allows only a note, even for admin', (status) => {
    const admin = actor(['admin'], true);
    for (const a of ACTIONS) {
      const d = decide(factsFor(status), a, admin, SPEC[a].valid);
      if (a === 'note') expect(d).toEqual({ ok: true, to: status, patch: {} });
      else expect(d, a).toMatchObject({ ok: false, reason: 'state' });
    }
  });
});

// ---------------------------------------------------------------------------
// availableActions
// ---------------------------------------------------------------------------

describe('availableActions', () => {
  const cases = STATUSES.flatMap((status) => ROLES.flatMap((role) => [true, false].map((related) => ({ status, role, related }))));
  it.each(cases)('$status x $role (related=$related)', ({ status, role, related }) => {
    const facts = factsFor(status);
    const a = actor([role], related);
    expect(availableActions(facts, a)).toEqual(expectedAvailable(facts, a));
  });

  it('lists the buttons of a few typical screens, in ACTIONS order', () => {
    expect(availableActions(factsFor('registered'), actor(['operator'], false))).toEqual(['dispatch', 'close_directly', 'cancel', 'transfer_police', 'note', 'merge']);
    const leadHandler: Actor = { ...actor(['handler'], true), isSummoned: false, isAssisting: false };
    expect(availableActions(factsFor('dispatched'), leadHandler)).toEqual(['accept', 'return', 'note']);
    expect(availableActions(factsFor('dispatched'), actor(['handler'], false))).toEqual(['note']);
    expect(availableActions({ ...factsFor('accepted'), pendingExtension: null }, leadHandler)).toEqual(['return', 'start', 'reply', 'note', 'arrive', 'request_extension']);
    expect(availableActions(factsFor('replied'), actor(['supervisor'], false))).toEqual(['verify', 'urge', 'supervise', 'note']);
    expect(availableActions(factsFor('closed'), actor(['citizen'], true))).toEqual(['rate']);
    expect(availableActions(factsFor('closed'), actor(['citizen'], false))).toEqual([]);
    expect(availableActions(factsFor('rated', 1), actor(['citizen'], true))).toEqual([]);
    expect(availableActions(factsFor('cancelled'), actor(['admin'], true))).toEqual(['note']);
  });

  it('unions the roles of a multi-role actor', () => {
    const a = actor(['handler', 'supervisor'], true);
    const facts = factsFor('in_progress');
    expect(availableActions(facts, a)).toEqual(expectedAvailable(facts, a));
    expect(availableActions(facts, a)).toEqual(['reply', 'urge', 'supervise', 'note', 'arrive', 'decide_extension', 'summon', 'report', 'assist_reply']);
  });

  it('every listed action is allowed with a valid input; every other one is refused for it', () => {
    for (const status of STATUSES) {
      for (const role of ROLES) {
        const facts = factsFor(status);
        const a = actor([role], true);
        const listed = availableActions(facts, a);
        for (const act of ACTIONS) expect(decide(facts, act, a, SPEC[act].valid).ok, `${act} on ${status} by ${role}`).toBe(listed.includes(act));
      }
    }
  });

  it('offers reopen on a rated case only to the right roles when the rating is 1-2', () => {
    for (const rating of [1, 2]) expect(availableActions(factsFor('rated', rating), actor(['operator'], false))).toContain('reopen');
  });

  // With an empty input the rating refusal comes first, so no futile button is shown.
  it.each([3, 4, 5])('does not offer reopen on a case rated %i', (rating) => {
    const facts = factsFor('rated', rating);
    expect(availableActions(facts, actor(['operator'], false))).not.toContain('reopen');
  });
});

// ---------------------------------------------------------------------------
// replay
// ---------------------------------------------------------------------------

describe('replay', () => {
  it('has no status for an empty timeline', () => {
    expect(replay([])).toBeUndefined();
  });
  it('is the target of the last event', () => {
    expect(replay([{ toStatus: 'registered' }])).toBe('registered');
    const timeline: { toStatus: Status }[] = [
      { toStatus: 'registered' },
      { toStatus: 'dispatched' },
      { toStatus: 'accepted' },
      { toStatus: 'accepted' }, // a note
      { toStatus: 'replied' },
      { toStatus: 'verified' },
      { toStatus: 'closed' },
    ];
    expect(replay(timeline)).toBe('closed');
    expect(replay(timeline.slice(0, 4))).toBe('accepted');
  });
  it('ignores extra fields and does not modify the timeline', () => {
    const timeline = Object.freeze([Object.freeze({ toStatus: 'registered' as Status, action: 'create' }), Object.freeze({ toStatus: 'cancelled' as Status, action: 'cancel' })]);
    expect(replay(timeline)).toBe('cancelled');
    expect(timeline).toHaveLength(2);
  });
  it('agrees with a timeline built by decide', () => {
    let f: CaseFacts = { status: INITIAL_STATUS, leadUnitId: null, rating: null };
    const events: { toStatus: Status }[] = [{ toStatus: INITIAL_STATUS }];
    const admin = actor(['admin'], false);
    const steps: [Action, ActionInput][] = [
      ['dispatch', { leadUnitId: LEAD }],
      ['return', { comment: '非本单位' }],
      ['dispatch', { leadUnitId: OTHER }],
      ['accept', {}],
      ['reply', { reply: '已处理' }],
      ['verify', { solved: false, comment: '未解决' }],
      ['reply', { reply: '再次处理' }],
      ['verify', { solved: true }],
      ['close', {}],
    ];
    for (const [a, input] of steps) {
      const d = decide(f, a, admin, input);
      expect(d.ok, a).toBe(true);
      if (!d.ok) return;
      f = { ...f, status: d.to, leadUnitId: d.patch.leadUnitId === undefined ? f.leadUnitId : d.patch.leadUnitId };
      events.push({ toStatus: d.to });
      expect(replay(events)).toBe(f.status);
    }
    expect(f).toEqual({ status: 'closed', leadUnitId: OTHER, rating: null });
  });
});

describe('reopen with a lead unit', () => {
  it('refuses a blank lead unit', () => {
    expect(decide(factsFor('closed'), 'reopen', actor(['operator'], false), { comment: '群众反映未解决', leadUnitId: '  ' })).toMatchObject({ ok: false, reason: 'input', field: 'leadUnitId' });
  });
  it('a new lead unit starts without assisting units', () => {
    const d = decide(factsFor('closed'), 'reopen', actor(['operator'], false), { comment: '群众反映未解决', leadUnitId: 'u9' });
    expect(d).toMatchObject({ ok: true, to: 'dispatched', patch: { leadUnitId: 'u9', assistUnitIds: [] } });
  });
});
