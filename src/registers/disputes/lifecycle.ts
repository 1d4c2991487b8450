/**
 * The dispute lifecycle, pure: who may do what from which state, and what it
 * needs. No I/O; the routes load the facts, ask `decide`, and write its answer
 * with the version check and one event (kit/events.ts transition).
 *
 *   registered -assign-> assigned -session-> mediating
 *   assigned|mediating -resolve-> resolved (agreement: terms + performance deadline, or otherwise)
 *   assigned|mediating -fail-> failed
 *   registered|failed -refer-> referred (litigation, arbitration, petition, administrative)
 *   resolved|referred -follow_up-> followed_up (回访: was the agreement performed?)
 *   followed_up -close-> closed
 *   assigned|mediating -assign-> assigned (another organisation)
 */
export const STATUSES = ['registered', 'assigned', 'mediating', 'resolved', 'failed', 'referred', 'followed_up', 'closed'] as const;
export type Status = (typeof STATUSES)[number];
export const STATUS_LABELS: Record<Status, string> = {
  registered: '已登记',
  assigned: '已分流',
  mediating: '调解中',
  resolved: '已化解',
  failed: '调解不成',
  referred: '已移交',
  followed_up: '已回访',
  closed: '已办结',
};

export const ACTIONS = ['assign', 'session', 'resolve', 'fail', 'refer', 'follow_up', 'close'] as const;
export type Action = (typeof ACTIONS)[number];

export const ORG_KINDS = ['people_committee', 'court_prelitigation', 'police_joint', 'trade', 'other'] as const;
export type OrgKind = (typeof ORG_KINDS)[number];
export const ORG_KIND_LABELS: Record<OrgKind, string> = {
  people_committee: '人民调解委员会',
  court_prelitigation: '诉前调解(诉源治理工作站)',
  police_joint: '公调对接',
  trade: '行业性专业性调解',
  other: '其他调解组织',
};
export const REFER_TO = ['litigation', 'arbitration', 'petition', 'administrative'] as const;
export const KINDS = ['dispute', 'hazard'] as const;
export const SOURCES = ['screening', 'case12345', 'police110', 'court', 'walk_in', 'petition', 'ledger'] as const;
export const RISKS = ['high', 'medium', 'low'] as const;
export const COMPLEXITIES = ['simple', 'general', 'complex'] as const;

/** Who acts: roles, and relations to this entry. */
export interface Actor {
  roles: readonly string[];
  /** One of the entry's assigned mediators. */
  isMediator: boolean;
  /** A member of the organisation's unit the entry was assigned to. */
  inOrgUnit: boolean;
}

export interface Facts {
  status: Status;
  mediatorCount: number;
  hasOrgUnit: boolean;
  outcome: 'agreement' | 'otherwise' | 'failed' | null;
}

export interface Input {
  orgKind?: OrgKind;
  orgName?: string;
  mediatorIds?: string[];
  outcome?: 'agreement' | 'otherwise';
  terms?: string;
  performanceDeadline?: string;
  reason?: string;
  referTo?: (typeof REFER_TO)[number];
  performed?: boolean;
  notes?: string;
}

export type Decision =
  | { ok: true; to: Status }
  | { ok: false; reason: 'state' | 'role' | 'relation' | 'input'; message: string; field?: string };

/** Roles allowed each action (an admin holds every role). */
export const ACTION_ROLES: Record<Action, readonly string[]> = {
  assign: ['township', 'dispatcher', 'supervisor'],
  session: ['mediator'],
  resolve: ['mediator', 'township'],
  fail: ['mediator', 'township'],
  refer: ['mediator', 'township'],
  follow_up: ['mediator', 'township', 'grid_worker'],
  close: ['mediator', 'township'],
};

const FROM: Record<Action, readonly Status[]> = {
  assign: ['registered', 'assigned', 'mediating'],
  session: ['assigned', 'mediating'],
  resolve: ['assigned', 'mediating'],
  fail: ['assigned', 'mediating'],
  refer: ['registered', 'failed'],
  follow_up: ['resolved', 'referred'],
  close: ['followed_up'],
};

const TO: Record<Action, Status> = {
  assign: 'assigned',
  session: 'mediating',
  resolve: 'resolved',
  fail: 'failed',
  refer: 'referred',
  follow_up: 'followed_up',
  close: 'closed',
};

const has = (a: Actor, roles: readonly string[]) => a.roles.includes('admin') || roles.some((r) => a.roles.includes(r));

/** Actions where only the assigned mediators (or the organisation's unit, or township staff) may act. */
const MEDIATION_ACTS: readonly Action[] = ['session', 'resolve', 'fail'];

export function decide(f: Facts, action: Action, a: Actor, input: Input): Decision {
  if (!has(a, ACTION_ROLES[action])) return { ok: false, reason: 'role', message: `需要以下角色之一 (requires one of): ${ACTION_ROLES[action].join(', ')}` };
  if (!FROM[action].includes(f.status)) {
    return { ok: false, reason: 'state', message: `当前状态「${STATUS_LABELS[f.status]}」不能执行此操作 (${action} is not allowed from ${f.status})` };
  }
  if (MEDIATION_ACTS.includes(action) && !a.roles.includes('admin') && !a.roles.includes('township') && (f.mediatorCount > 0 || f.hasOrgUnit) && !a.isMediator && !a.inOrgUnit) {
    return { ok: false, reason: 'relation', message: '只有承办的调解员或调解组织可以办理 (only the assigned mediators or organisation may act)' };
  }
  switch (action) {
    case 'assign':
      if (!input.orgKind) return { ok: false, reason: 'input', field: 'orgKind', message: '请选择调解组织类型 (required)' };
      if (!input.orgName?.trim()) return { ok: false, reason: 'input', field: 'orgName', message: '请填写调解组织 (required)' };
      break;
    case 'session':
      if (!input.notes?.trim()) return { ok: false, reason: 'input', field: 'notes', message: '请填写调解记录 (required)' };
      break;
    case 'resolve':
      if (!input.outcome) return { ok: false, reason: 'input', field: 'outcome', message: '请选择化解方式 (agreement or otherwise)' };
      if (input.outcome === 'agreement' && !input.terms?.trim()) return { ok: false, reason: 'input', field: 'terms', message: '调解协议须写明协议内容 (the agreement needs its terms)' };
      if (input.outcome === 'otherwise' && !input.notes?.trim()) return { ok: false, reason: 'input', field: 'notes', message: '请说明化解情况 (say how it was resolved)' };
      break;
    case 'fail':
      if (!input.reason?.trim()) return { ok: false, reason: 'input', field: 'reason', message: '请填写调解不成的原因 (required)' };
      break;
    case 'refer':
      if (!input.referTo) return { ok: false, reason: 'input', field: 'referTo', message: '请选择移交去向 (litigation, arbitration, petition or administrative)' };
      break;
    case 'follow_up':
      if (f.outcome === 'agreement' && input.performed === undefined) return { ok: false, reason: 'input', field: 'performed', message: '请填写协议是否履行 (was the agreement performed?)' };
      break;
    case 'close':
      break;
  }
  return { ok: true, to: TO[action] };
}

/** The actions an actor may take now (for the console's buttons). */
export function allowedActions(f: Facts, a: Actor): Action[] {
  return ACTIONS.filter((act) => {
    const d = decide(f, act, a, PASSING_INPUT);
    return d.ok;
  });
}

/** An input that passes every input check, to ask only about state, role and relation. */
export const PASSING_INPUT: Input = {
  orgKind: 'people_committee',
  orgName: 'x',
  outcome: 'agreement',
  terms: 'x',
  notes: 'x',
  reason: 'x',
  referTo: 'litigation',
  performed: true,
};

/** Is the entry resolved (化解) in the sense of the stats: it reached `resolved`, whatever came after. */
export const isResolvedStatus = (s: Status, outcome: Facts['outcome']) => s === 'resolved' || ((s === 'followed_up' || s === 'closed') && (outcome === 'agreement' || outcome === 'otherwise'));
