/**
 * The petition lifecycle under the 信访工作条例 (2022), pure: who may do what
 * from which state, and the statutory windows (limits are data; the windows a
 * petitioner has are checked here with the times passed in).
 *
 *   registered -accept-> accepted | -not_accept-> not_accepted   (written notice within 15 days)
 *   accepted -extend (once, <= 30 days, with notice)-> accepted
 *   accepted -reply (答复意见书, within 60 days)-> replied
 *   replied -request_review (within 30 days of the reply)-> review -decide_review (30 days)-> reviewed
 *   reviewed -request_re_review (within 30 days)-> re_review -decide_re_review (30 days)-> final (不再受理)
 *   replied|reviewed|not_accepted -close (办结, resolved or not, satisfaction)-> closed
 */
export const STATUSES = ['registered', 'accepted', 'not_accepted', 'replied', 'review', 'reviewed', 're_review', 'final', 'closed'] as const;
export type Status = (typeof STATUSES)[number];
export const STATUS_LABELS: Record<Status, string> = {
  registered: '已登记',
  accepted: '已受理',
  not_accepted: '不予受理',
  replied: '已答复',
  review: '复查中',
  reviewed: '已复查',
  re_review: '复核中',
  final: '复核终结',
  closed: '已办结',
};

export const ACTIONS = ['accept', 'not_accept', 'extend', 'reply', 'request_review', 'decide_review', 'request_re_review', 'decide_re_review', 'close'] as const;
export type Action = (typeof ACTIONS)[number];

export const CHANNELS = ['visit', 'letter', 'online', 'phone'] as const;
export const CHANNEL_LABELS = { visit: '走访', letter: '来信', online: '网上', phone: '电话' } as const;
/** Five or more petitioners on one matter make a collective petition (集体访). */
export const COLLECTIVE_MIN = 5;

const FROM: Record<Action, readonly Status[]> = {
  accept: ['registered'],
  not_accept: ['registered'],
  extend: ['accepted'],
  reply: ['accepted'],
  request_review: ['replied'],
  decide_review: ['review'],
  request_re_review: ['reviewed'],
  decide_re_review: ['re_review'],
  close: ['replied', 'reviewed', 'not_accepted'],
};
const TO: Record<Action, Status> = {
  accept: 'accepted',
  not_accept: 'not_accepted',
  extend: 'accepted',
  reply: 'replied',
  request_review: 'review',
  decide_review: 'reviewed',
  request_re_review: 're_review',
  decide_re_review: 'final',
  close: 'closed',
};

/** Roles allowed each action (an admin holds every role). */
export const ACTION_ROLES: Record<Action, readonly string[]> = {
  accept: ['petition_officer'],
  not_accept: ['petition_officer'],
  extend: ['petition_officer'],
  reply: ['petition_officer', 'handler', 'township'],
  request_review: ['petition_officer'],
  decide_review: ['petition_officer', 'supervisor'],
  request_re_review: ['petition_officer'],
  decide_re_review: ['petition_officer', 'supervisor'],
  close: ['petition_officer'],
};

export interface Facts {
  status: Status;
  extensionCount: number;
  /** The matter was already decided on re-review (不再受理): a new petition on it is not accepted. */
  finalMatter: boolean;
  /** When the reply / review decision was given (epoch ms), for the petitioner's 30-day windows. */
  repliedAt: number | null;
  reviewedAt: number | null;
}

export interface Input {
  notice?: string;
  reason?: string;
  days?: number;
  opinion?: string;
  resolved?: boolean;
  satisfaction?: 'satisfied' | 'basically' | 'unsatisfied';
}

export type Decision = { ok: true; to: Status } | { ok: false; reason: 'state' | 'role' | 'input' | 'window'; message: string; field?: string };

const DAY = 86_400_000;
/** The petitioner's window to ask for a review or re-review: 30 days (natural) from the decision. */
export const REQUEST_WINDOW_DAYS = 30;
/** The longest single extension of the reply limit. */
export const MAX_EXTENSION_DAYS = 30;

export function decide(f: Facts, action: Action, roles: readonly string[], input: Input, now: number): Decision {
  if (!roles.includes('admin') && !ACTION_ROLES[action].some((r) => roles.includes(r))) return { ok: false, reason: 'role', message: `需要以下角色之一 (requires one of): ${ACTION_ROLES[action].join(', ')}` };
  if (!FROM[action].includes(f.status)) return { ok: false, reason: 'state', message: `当前状态「${STATUS_LABELS[f.status]}」不能执行此操作 (${action} is not allowed from ${f.status})` };
  const need = (field: keyof Input, message: string): Decision | null => (typeof input[field] === 'string' ? !(input[field] as string).trim() : input[field] === undefined) ? { ok: false, reason: 'input', field, message } : null;
  switch (action) {
    case 'accept':
      if (f.finalMatter) return { ok: false, reason: 'state', message: '该事项已复核终结，不再受理 (the matter was finally decided on re-review; it is not accepted again)' };
      return need('notice', '请填写受理告知书 (the written notice of acceptance)') ?? { ok: true, to: TO[action] };
    case 'not_accept':
      return need('notice', '请填写不予受理告知书 (the written notice)') ?? need('reason', '请填写不予受理的理由 (the reason)') ?? { ok: true, to: TO[action] };
    case 'extend':
      if (f.extensionCount >= 1) return { ok: false, reason: 'state', message: '办理期限只能延长一次 (the limit may be extended once)' };
      if (!input.days || input.days < 1 || input.days > MAX_EXTENSION_DAYS) return { ok: false, reason: 'input', field: 'days', message: `延长不超过 ${MAX_EXTENSION_DAYS} 日 (1 to ${MAX_EXTENSION_DAYS} days)` };
      return need('notice', '延期须告知信访人 (the petitioner must be told)') ?? { ok: true, to: TO[action] };
    case 'reply':
    case 'decide_review':
    case 'decide_re_review':
      return need('opinion', '请填写答复 / 复查 / 复核意见书 (the written opinion)') ?? { ok: true, to: TO[action] };
    case 'request_review':
    case 'request_re_review': {
      const since = action === 'request_review' ? f.repliedAt : f.reviewedAt;
      if (since !== null && now - since > REQUEST_WINDOW_DAYS * DAY) {
        return { ok: false, reason: 'window', message: `已超过 ${REQUEST_WINDOW_DAYS} 日的申请期限 (the ${REQUEST_WINDOW_DAYS}-day window to ask has passed)` };
      }
      return { ok: true, to: TO[action] };
    }
    case 'close':
      if (input.resolved === undefined) return { ok: false, reason: 'input', field: 'resolved', message: '请填写是否化解 (was it resolved?)' };
      return { ok: true, to: TO[action] };
  }
}

export function allowedActions(f: Facts, roles: readonly string[], now: number): Action[] {
  const pass: Input = { notice: 'x', reason: 'x', days: 1, opinion: 'x', resolved: true };
  return ACTIONS.filter((a) => decide(f, a, roles, pass, now).ok);
}
