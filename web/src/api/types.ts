import type { Attachment } from './client.ts';

export type Role =
  | 'admin'
  | 'operator'
  | 'dispatcher'
  | 'handler'
  | 'township'
  | 'grid_worker'
  | 'police'
  | 'mediator'
  | 'supervisor'
  | 'leader'
  | 'citizen';

export interface Me {
  id: string;
  username: string;
  displayName: string;
  roles: Role[];
  roleLabels: string[];
  unitId: string | null;
  unit: { code: string; name: string } | null;
  scopeCodes: string[];
}

export const STATUSES = [
  'registered',
  'dispatched',
  'accepted',
  'in_progress',
  'replied',
  'verified',
  'closed',
  'rated',
  'returned',
  'transferred',
  'cancelled',
] as const;
export type Status = (typeof STATUSES)[number];

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
  // Time limits and co-handling (shown when the API offers them).
  'arrive',
  'request_extension',
  'decide_extension',
  'summon',
  'report',
  'assist_reply',
] as const;
export type Action = (typeof ACTIONS)[number];

export const CASE_TYPES = ['consultation', 'help', 'complaint', 'report', 'suggestion', 'praise'] as const;
export type CaseType = (typeof CASE_TYPES)[number];
export const CHANNELS = ['hotline', 'grid', 'web', 'wechat', 'police110', 'enterprise', 'api'] as const;
export type Channel = (typeof CHANNELS)[number];
export const URGENCIES = ['normal', 'urgent'] as const;
export type Urgency = (typeof URGENCIES)[number];

export interface CaseView {
  id: string;
  no: string;
  channel: Channel;
  channelLabel?: string;
  type: CaseType;
  typeLabel?: string;
  categoryCode: string | null;
  categoryName?: string;
  urgency: Urgency;
  urgencyLabel?: string;
  title: string;
  description: string;
  reporter: { name: string | null; phone: string | null; confidential: boolean; masked: boolean };
  location: {
    address: string | null;
    lng: number | null;
    lat: number | null;
    gridId: string | null;
    gridName?: string;
    divisionCode: string | null;
    divisionName?: string;
  };
  status: Status;
  statusLabel?: string;
  leadUnitId: string | null;
  leadUnitName?: string;
  assistUnitIds: string[];
  handlerUserId: string | null;
  reply: string | null;
  solved: boolean | null;
  rating: number | null;
  ratingComment: string | null;
  duplicateOf: string | null;
  externalRef: string | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  version: number;
  /** Fields the time-limits feature will add; shown when present. */
  [extra: string]: unknown;
}

export interface TimelineEvent {
  seq: number;
  at: string;
  action: string;
  actionLabel: string;
  fromStatus: Status | null;
  toStatus: Status;
  comment: string | null;
  data: Record<string, unknown> | null;
  attachmentIds: string[] | null;
  actor: { id: string | null; name: string | null } | null;
  actorUnit: { id: string | null; name: string | null } | null;
}

export interface CaseDetail extends CaseView {
  assistUnits: { id: string; name: string }[];
  attachments: Attachment[];
  /** Actions this user may take now; may include ones this console does not know yet. */
  availableActions: string[];
  timeline: TimelineEvent[];
}

export interface CaseList {
  items: CaseView[];
  nextCursor: string | null;
}

export interface Category {
  code: string;
  name: string;
  parentCode: string | null;
  level: number;
  sort: number;
  active: boolean;
}

export interface Unit {
  id: string;
  code: string;
  name: string;
  kind: string;
  parentId: string | null;
  parentCode: string | null;
  divisionCodes: string[];
  phone: string | null;
  active: boolean;
}

export interface Grid {
  id: string;
  code: string;
  name: string;
  divisionCode: string;
  geometry?: { type: 'Polygon' | 'MultiPolygon'; coordinates: unknown };
  workerUserId: string | null;
  workerUsername: string | null;
  workerName: string | null;
  households: number;
  population: number;
}

export interface Division {
  code: string;
  name: string;
  level: number;
  chain?: { code: string; name: string; level: number }[];
}

/**
 * What GET /api/dispatch/suggest is expected to answer (the dispatch feature
 * is not there yet; every part is optional and the panel shows what it gets).
 */
export interface Suggestions {
  categories?: { code: string; name?: string; confidence?: number }[];
  units?: { id: string; name?: string; confidence?: number; reason?: string }[];
  duplicates?: { id: string; no?: string; title?: string; status?: Status; score?: number; createdAt?: string }[];
  articles?: { id: string; title: string; answer?: string; score?: number }[];
}
