/**
 * The case vocabularies the server and the web console share: statuses,
 * actions, case types, channels, urgencies, time-limit warnings and list
 * sorts, in their canonical order.
 *
 * Constants only: the console imports this file directly
 * (web/src/api/types.ts), so its bundle gets these arrays and nothing else of
 * the server. Keep it that way (its one import is the time-limit vocabulary,
 * constants only too); labels and rules live in lifecycle.ts and model.ts,
 * which re-export these.
 */

export const STATUSES = [
  'registered', // 受理
  'dispatched', // 派单
  'accepted', // 签收
  'in_progress', // 办理中
  'replied', // 已答复
  'verified', // 已核查
  'closed', // 办结
  'rated', // 已评价
  'returned', // 退单
  'transferred', // 转110
  'cancelled', // 作废
  'merged', // 已并入另一工单 (并单)
] as const;
export type Status = (typeof STATUSES)[number];

/** States in which a case is still being worked on (clock running). */
export const OPEN_STATUSES: readonly Status[] = ['registered', 'dispatched', 'accepted', 'in_progress', 'replied', 'verified', 'returned'];

export const ACTIONS = [
  'dispatch',
  'accept',
  'return',
  'start',
  'reply',
  'verify',
  'close',
  'close_directly',
  'rate',
  'reopen',
  'cancel',
  'transfer_police',
  'urge',
  'supervise',
  'note',
  // Time limits and co-handling.
  'arrive',
  'request_extension',
  'decide_extension',
  'summon',
  'report',
  'assist_reply',
  // Duplicates (并单).
  'merge',
  'unmerge',
] as const;
export type Action = (typeof ACTIONS)[number];

export const CHANNELS = ['hotline', 'grid', 'web', 'wechat', 'police110', 'enterprise', 'api'] as const;
export type Channel = (typeof CHANNELS)[number];

export const CASE_TYPES = ['consultation', 'help', 'complaint', 'report', 'suggestion', 'praise'] as const;
export type CaseType = (typeof CASE_TYPES)[number];

export const URGENCIES = ['normal', 'urgent'] as const;
export type Urgency = (typeof URGENCIES)[number];

/** A running clock's warning (yellow near the limit, red past it): time limits own the word. */
export { WARNINGS, type Warning } from '../timelimits/vocabulary.ts';

/** Orders a case list may be sorted in (GET /api/cases?sort=). */
export const LIST_SORTS = ['created_desc', 'created_asc', 'updated_desc', 'due_asc', 'urgency'] as const;
export type ListSort = (typeof LIST_SORTS)[number];
