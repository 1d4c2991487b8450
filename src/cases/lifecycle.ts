/**
 * The work-order lifecycle as a pure state machine: no I/O, no clock.
 * The service asks `decide` whether an actor may perform an action on a case
 * in its current state, and applies the returned target status and field patch
 * together with one appended event.
 */
import type { Role } from '../org/roles.ts';
import { ACTIONS, OPEN_STATUSES, STATUSES, type Action, type Status } from './vocabulary.ts';

// The statuses and actions live in vocabulary.ts (shared with the web console); re-exported here.
export { ACTIONS, OPEN_STATUSES, STATUSES, type Action, type Status };

export const STATUS_LABELS: Record<Status, string> = {
  registered: '已受理',
  dispatched: '已派单',
  accepted: '已签收',
  in_progress: '办理中',
  replied: '已答复',
  verified: '已核查',
  closed: '已办结',
  rated: '已评价',
  returned: '已退单',
  transferred: '已转110',
  cancelled: '已作废',
  merged: '已合并',
};

/** States from which nothing but notes can follow (rated may still reopen, merged unmerge). */
export const FINAL_STATUSES: readonly Status[] = ['transferred', 'cancelled'];

export const ACTION_LABELS: Record<Action, string> = {
  dispatch: '派单',
  accept: '签收',
  return: '退单',
  start: '开始办理',
  reply: '答复',
  verify: '核查回访',
  close: '办结',
  close_directly: '直接办结',
  rate: '评价',
  reopen: '重办',
  cancel: '作废',
  transfer_police: '转110',
  urge: '催办',
  supervise: '督办',
  note: '备注',
  arrive: '到场',
  request_extension: '申请延期',
  decide_extension: '审批延期',
  summon: '吹哨',
  report: '报到',
  assist_reply: '协办答复',
  merge: '合并',
  unmerge: '取消合并',
};

/** Who the actor is relative to this case; computed by the service. */
export interface Actor {
  roles: readonly Role[];
  /** Member of the case's lead unit (主办单位). */
  inLeadUnit: boolean;
  /** The citizen who reported the case. */
  isReporter: boolean;
  /** Member of a unit summoned to this case that has not yet reported (报到). */
  isSummoned?: boolean;
  /** Member of an assisting unit (协办单位) that has not yet given its part. */
  isAssisting?: boolean;
}

/** The facts about a case that rules depend on. */
export interface CaseFacts {
  status: Status;
  leadUnitId: string | null;
  rating: number | null;
  /** An extension request awaiting a decision, with the time asked for. */
  pendingExtension?: { duration: string } | null;
  /** Summoned or assisting units whose part is still due (the lead may not reply before). */
  openAssists?: number;
}

export interface ActionInput {
  comment?: string;
  leadUnitId?: string;
  assistUnitIds?: string[];
  reply?: string;
  solved?: boolean;
  /** With solved=false: the unit has done what can be done (e.g. explained why it cannot be); close as unsolved instead of sending it back. */
  closeUnsolved?: boolean;
  rating?: number;
  duplicateOf?: string;
  externalRef?: string;
  /** Extension asked for, e.g. '3d'. */
  duration?: string;
  approve?: boolean;
  unitIds?: string[];
  /** Knowledge article cited by a direct close. */
  articleId?: string;
}

/** Fields of the case row an action changes (camelCase; undefined = unchanged, null = cleared). */
export interface CasePatch {
  leadUnitId?: string | null;
  assistUnitIds?: string[];
  handlerIsActor?: boolean;
  handlerCleared?: boolean;
  reply?: string | null;
  solved?: boolean | null;
  rating?: number | null;
  ratingComment?: string | null;
  duplicateOf?: string | null;
  externalRef?: string | null;
  closed?: boolean;
  reopened?: boolean;
  pendingExtension?: { duration: string; reason: string } | null;
  /** Approved extension: move the reply deadline by this limit. */
  extendBy?: string;
  summonUnitIds?: string[];
}

export type Decision =
  | { ok: true; to: Status; patch: CasePatch }
  | { ok: false; reason: 'role' | 'state' | 'relation' | 'input'; field?: string; message: string };

interface Rule {
  from: readonly Status[];
  roles: readonly Role[];
  /** Extra relation the actor must have, unless admin. */
  relation?: 'leadUnit' | 'reporterOrStaff' | 'summoned' | 'assisting';
  /** A refusal by the case's facts beyond its status (checked with the status, before relation and input). */
  stateGuard?: (facts: CaseFacts) => string | null;
  /** Validates input and facts; returns the target and patch or a refusal. */
  apply(facts: CaseFacts, input: ActionInput): Decision;
}

const HANDLERS: readonly Role[] = ['handler', 'township', 'police', 'mediator', 'grid_worker'];
const ACTIVE: readonly Status[] = ['registered', 'dispatched', 'accepted', 'in_progress', 'replied', 'verified', 'returned'];

function need(field: keyof ActionInput, value: unknown, message: string): Decision | null {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
    return { ok: false, reason: 'input', field, message };
  }
  return null;
}

const stay = (facts: CaseFacts): Decision => ({ ok: true, to: facts.status, patch: {} });

export const RULES: Record<Action, Rule> = {
  dispatch: {
    from: ['registered', 'returned', 'dispatched'],
    roles: ['operator', 'dispatcher', 'township', 'supervisor'],
    apply: (_f, i) =>
      need('leadUnitId', i.leadUnitId, '派单必须指定主办单位 (lead unit is required)') ??
      (i.assistUnitIds?.includes(i.leadUnitId!)
        ? { ok: false, reason: 'input', field: 'assistUnitIds', message: '协办单位不能与主办单位相同 (assisting units must differ from the lead unit)' }
        : { ok: true, to: 'dispatched', patch: { leadUnitId: i.leadUnitId!, assistUnitIds: i.assistUnitIds ?? [], handlerCleared: true } }),
  },
  accept: {
    from: ['dispatched'],
    roles: HANDLERS,
    relation: 'leadUnit',
    apply: () => ({ ok: true, to: 'accepted', patch: { handlerIsActor: true } }),
  },
  return: {
    from: ['dispatched', 'accepted'],
    roles: HANDLERS,
    relation: 'leadUnit',
    apply: (_f, i) =>
      need('comment', i.comment, '退单必须说明理由 (a return needs a reason)') ?? {
        ok: true,
        to: 'returned',
        patch: { handlerCleared: true },
      },
  },
  start: {
    from: ['accepted'],
    roles: HANDLERS,
    relation: 'leadUnit',
    apply: () => ({ ok: true, to: 'in_progress', patch: { handlerIsActor: true } }),
  },
  reply: {
    from: ['accepted', 'in_progress'],
    roles: HANDLERS,
    relation: 'leadUnit',
    stateGuard: (f) => (f.openAssists ? `还有 ${f.openAssists} 个协办单位未答复且未超时 (assisting units have not answered yet)` : null),
    apply: (_f, i) =>
      need('reply', i.reply, '答复内容不能为空 (reply text is required)') ?? {
        ok: true,
        to: 'replied',
        patch: { reply: i.reply!, handlerIsActor: true },
      },
  },
  verify: {
    from: ['replied'],
    roles: ['operator', 'dispatcher', 'supervisor'],
    apply: (_f, i) => {
      if (typeof i.solved !== 'boolean') return { ok: false, reason: 'input', field: 'solved', message: '核查必须给出是否解决 (solved must be true or false)' };
      if (!i.solved) {
        // Not solved: the order goes back to the lead unit to be handled again, unless
        // nothing more can be done (it then closes as unsolved and counts against the resolution rate).
        return (
          need('comment', i.comment, '核查未解决必须说明理由 (say why it is not solved)') ??
          (i.closeUnsolved ? { ok: true, to: 'verified', patch: { solved: false } } : { ok: true, to: 'in_progress', patch: { solved: false } })
        );
      }
      if (i.closeUnsolved) return { ok: false, reason: 'input', field: 'closeUnsolved', message: '已解决的工单不能按未解决办结 (closeUnsolved needs solved=false)' };
      return { ok: true, to: 'verified', patch: { solved: true } };
    },
  },
  close: {
    from: ['verified'],
    roles: ['operator', 'dispatcher', 'supervisor'],
    apply: () => ({ ok: true, to: 'closed', patch: { closed: true } }),
  },
  close_directly: {
    from: ['registered'],
    roles: ['operator', 'grid_worker'],
    apply: (_f, i) =>
      need('reply', i.reply, '直接办结必须填写答复内容 (reply text is required)') ?? {
        ok: true,
        to: 'closed',
        patch: { reply: i.reply!, solved: true, closed: true, handlerIsActor: true },
      },
  },
  rate: {
    from: ['closed'],
    roles: ['citizen', 'operator'],
    relation: 'reporterOrStaff',
    apply: (_f, i) =>
      Number.isInteger(i.rating) && i.rating! >= 1 && i.rating! <= 5
        ? { ok: true, to: 'rated', patch: { rating: i.rating!, ratingComment: i.comment ?? null } }
        : { ok: false, reason: 'input', field: 'rating', message: '评价必须是 1 到 5 星 (rating must be an integer from 1 to 5)' },
  },
  reopen: {
    from: ['closed', 'rated'],
    roles: ['operator', 'dispatcher', 'supervisor', 'leader'],
    // A good rating is no reason to reopen, whatever the comment.
    stateGuard: (f) => (f.status === 'rated' && (f.rating ?? 5) > 2 ? '只有不满意(1-2 星)的评价可以重办 (only a bad rating of 1-2 stars reopens a rated case)' : null),
    apply: (f, i) => {
      const missing = need('comment', i.comment, '重办必须说明理由 (a reopen needs a reason)');
      if (missing) return missing;
      if (i.leadUnitId !== undefined && i.leadUnitId.trim() === '') {
        return { ok: false, reason: 'input', field: 'leadUnitId', message: '主办单位不能为空 (lead unit must not be blank)' };
      }
      const base: CasePatch = { reply: null, solved: null, rating: null, ratingComment: null, reopened: true, handlerCleared: true };
      // A new lead unit starts with no assisting units, so it can never be its own co-handler.
      if (i.leadUnitId) return { ok: true, to: 'dispatched', patch: { ...base, leadUnitId: i.leadUnitId, assistUnitIds: [] } };
      return f.leadUnitId ? { ok: true, to: 'dispatched', patch: { ...base, leadUnitId: f.leadUnitId } } : { ok: true, to: 'registered', patch: base };
    },
  },
  cancel: {
    from: ['registered', 'dispatched', 'returned'],
    roles: ['operator', 'dispatcher', 'supervisor'],
    apply: (_f, i) =>
      need('comment', i.comment, '作废必须说明理由 (a cancellation needs a reason)') ?? {
        ok: true,
        to: 'cancelled',
        patch: { duplicateOf: i.duplicateOf ?? null, handlerCleared: true },
      },
  },
  transfer_police: {
    from: ['registered', 'returned'],
    roles: ['operator', 'dispatcher'],
    apply: (_f, i) =>
      need('comment', i.comment, '转110必须说明理由 (say why this is a police matter)') ?? {
        ok: true,
        to: 'transferred',
        patch: { externalRef: i.externalRef ?? null },
      },
  },
  urge: {
    from: ['dispatched', 'accepted', 'in_progress', 'returned', 'replied'],
    roles: ['operator', 'dispatcher', 'supervisor', 'leader'],
    apply: stay,
  },
  supervise: {
    from: ACTIVE,
    roles: ['supervisor', 'leader'],
    apply: (f, i) => need('comment', i.comment, '督办必须填写督办意见 (supervision needs instructions)') ?? stay(f),
  },
  arrive: {
    from: ['accepted', 'in_progress'],
    roles: HANDLERS,
    relation: 'leadUnit',
    apply: stay,
  },
  request_extension: {
    from: ['accepted', 'in_progress'],
    roles: HANDLERS,
    relation: 'leadUnit',
    stateGuard: (f) => (f.pendingExtension ? '已有待审批的延期申请 (an extension request is already pending)' : null),
    apply: (f, i) =>
      need('duration', i.duration, '请填写延期时长，如 3d (how long, e.g. 3d)') ??
      need('comment', i.comment, '请填写延期理由 (give the reason)') ?? {
        ok: true,
        to: f.status,
        patch: { pendingExtension: { duration: i.duration!, reason: i.comment! } },
      },
  },
  decide_extension: {
    from: ['accepted', 'in_progress'],
    roles: ['dispatcher', 'supervisor', 'leader'],
    stateGuard: (f) => (f.pendingExtension ? null : '没有待审批的延期申请 (no extension request is pending)'),
    apply: (f, i) => {
      if (!f.pendingExtension) return { ok: false, reason: 'state', message: '没有待审批的延期申请 (no extension request is pending)' };
      if (typeof i.approve !== 'boolean') return { ok: false, reason: 'input', field: 'approve', message: '请选择同意或不同意 (approve must be true or false)' };
      return { ok: true, to: f.status, patch: { pendingExtension: null, ...(i.approve ? { extendBy: f.pendingExtension.duration } : {}) } };
    },
  },
  summon: {
    from: ['dispatched', 'accepted', 'in_progress'],
    roles: ['township', 'dispatcher', 'supervisor', 'leader'],
    apply: (f, i) => {
      if (!i.unitIds?.length) return { ok: false, reason: 'input', field: 'unitIds', message: '请选择被吹哨的单位 (name the units to summon)' };
      if (f.leadUnitId && i.unitIds.includes(f.leadUnitId)) return { ok: false, reason: 'input', field: 'unitIds', message: '主办单位无需吹哨 (the lead unit is already on the case)' };
      return need('comment', i.comment, '请说明吹哨事由 (say what is needed)') ?? { ok: true, to: f.status, patch: { summonUnitIds: i.unitIds } };
    },
  },
  report: {
    from: ['dispatched', 'accepted', 'in_progress'],
    roles: HANDLERS,
    relation: 'summoned',
    apply: stay,
  },
  assist_reply: {
    from: ['dispatched', 'accepted', 'in_progress'],
    roles: HANDLERS,
    relation: 'assisting',
    apply: (f, i) => need('reply', i.reply, '协办意见不能为空 (the assisting reply is required)') ?? stay(f),
  },
  merge: {
    from: ['registered', 'dispatched', 'returned'],
    roles: ['operator', 'dispatcher', 'supervisor'],
    apply: (_f, i) =>
      need('duplicateOf', i.duplicateOf, '请指定合并到的主工单 (name the main case)') ?? {
        ok: true,
        to: 'merged',
        patch: { duplicateOf: i.duplicateOf!, handlerCleared: true },
      },
  },
  unmerge: {
    from: ['merged'],
    roles: ['operator', 'dispatcher', 'supervisor'],
    apply: (_f, i) =>
      // Back to the dispatch queue, on its own again.
      need('comment', i.comment, '请说明取消合并的理由 (say why)') ?? { ok: true, to: 'registered', patch: { duplicateOf: null } },
  },
  note: {
    from: STATUSES,
    roles: ['operator', 'dispatcher', 'handler', 'township', 'grid_worker', 'police', 'mediator', 'supervisor', 'leader'],
    apply: (f, i) => need('comment', i.comment, '备注不能为空 (a note needs text)') ?? stay(f),
  },
};

/** Roles allowed to register a new case, and the status a new case starts in. */
export const CREATE_ROLES: readonly Role[] = ['operator', 'dispatcher', 'grid_worker', 'police', 'township', 'citizen'];
export const INITIAL_STATUS: Status = 'registered';

/** May this actor perform this action on a case with these facts? */
export function decide(facts: CaseFacts, action: Action, actor: Actor, input: ActionInput = {}): Decision {
  const rule = RULES[action];
  const admin = actor.roles.includes('admin');
  if (!admin && !rule.roles.some((r) => actor.roles.includes(r))) {
    return { ok: false, reason: 'role', message: `角色无权执行${ACTION_LABELS[action]} (your role may not ${action})` };
  }
  if (!rule.from.includes(facts.status)) {
    return {
      ok: false,
      reason: 'state',
      message: `工单${STATUS_LABELS[facts.status]}，不能${ACTION_LABELS[action]} (cannot ${action} a case that is ${facts.status})`,
    };
  }
  const refusal = rule.stateGuard?.(facts);
  if (refusal) return { ok: false, reason: 'state', message: refusal };
  if (!admin && rule.relation === 'leadUnit' && !actor.inLeadUnit) {
    return { ok: false, reason: 'relation', message: `只有主办单位可以${ACTION_LABELS[action]} (only the lead unit may ${action})` };
  }
  if (!admin && rule.relation === 'summoned' && !actor.isSummoned) {
    return { ok: false, reason: 'relation', message: `只有被吹哨且尚未报到的单位可以${ACTION_LABELS[action]} (only a summoned unit may report)` };
  }
  if (!admin && rule.relation === 'assisting' && !actor.isAssisting) {
    return { ok: false, reason: 'relation', message: `只有协办单位可以${ACTION_LABELS[action]} (only an assisting unit may give its part)` };
  }
  if (!admin && rule.relation === 'reporterOrStaff') {
    const staff = actor.roles.some((r) => r !== 'citizen' && rule.roles.includes(r));
    if (!staff && !actor.isReporter) {
      return { ok: false, reason: 'relation', message: `只有反映人可以${ACTION_LABELS[action]} (only the reporter may ${action})` };
    }
  }
  return rule.apply(facts, input);
}

/** Actions the actor may try in this state (the UI shows these buttons). */
export function availableActions(facts: CaseFacts, actor: Actor): Action[] {
  return ACTIONS.filter((a) => {
    const d = decide(facts, a, actor, {});
    return d.ok || d.reason === 'input';
  });
}

/** The status a timeline leads to: the last event's target. */
export function replay(events: readonly { toStatus: Status }[]): Status | undefined {
  return events.length ? events[events.length - 1].toStatus : undefined;
}
