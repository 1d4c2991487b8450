import type { Attachment } from './client.ts';
import type { Proposal, ProposedUnit } from '../../../src/dispatch/responsibility/types.ts';
import type { Role } from '../../../src/org/roles.ts';
import type { Status, Channel, CaseType, Urgency, Warning } from '../../../src/cases/vocabulary.ts';

/**
 * The server's vocabularies, not copies: vocabulary.ts holds constants only, so
 * the bundle gets these arrays and no other server code; roles come as a type.
 */
export { STATUSES, ACTIONS, CASE_TYPES, CHANNELS, URGENCIES, WARNINGS, LIST_SORTS } from '../../../src/cases/vocabulary.ts';
export type { Status, Action, CaseType, Channel, Urgency, Warning, ListSort } from '../../../src/cases/vocabulary.ts';
export type { Role };

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
  /** The running clock (时限) and its warning; absent on servers without time limits. */
  deadline?: Deadline;
  returnCount?: number;
  mergedCount?: number;
  needsArbitration?: boolean;
  /** Fields a newer server may add; shown when present. */
  [extra: string]: unknown;
}

export type Clock = 'dispatch' | 'accept' | 'arrive' | 'reply' | 'verify';

export interface Deadline {
  clock: Clock | string | null;
  dueAt: string | null;
  warnAt: string | null;
  warning: Warning;
  escalated: boolean;
  acceptDueAt: string | null;
  replyDueAt: string | null;
  returnDueAt: string | null;
  extensionCount: number;
  pendingExtension: { duration: string; reason?: string; requestedAt?: string } | null;
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
  /** With withTotal=true: the number of matches, exact up to a cap (then totalCapped). */
  total?: number;
  totalCapped?: boolean;
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

/** A ranked guess of the classifier; `abstained` when it is not sure enough to propose anything. */
export interface Ranked<T> {
  top: (T & { probability: number })[];
  abstained: boolean;
}

/** The responsibility list's answer (权责清单) for a category in a division: the server's type (no dates, so JSON carries it as it is). */
export type { Proposal, ProposedUnit };

export interface DuplicateCandidate {
  id: string;
  no: string;
  title: string;
  status: Status;
  categoryCode: string | null;
  createdAt: string;
  mergedCount: number;
  score: number;
  textSimilarity: number;
  distanceM: number | null;
  sameGrid: boolean;
  sameAddress: boolean;
}

export interface KbArticle {
  id: string;
  question: string;
  answer: string;
  categoryCodes: string[];
  source: string | null;
  validTo: string | null;
  valid: boolean;
  /** Text-search rank when found by a query (higher is better). */
  rank?: number;
}

/** What POST /api/dispatch/suggest answers (src/dispatch/routes.ts). */
export interface Suggestions {
  place: { point: { lng: number; lat: number } | null; gridId: string | null; divisionCode: string | null };
  categories: Ranked<{ code: string; name: string }> | null;
  units: Ranked<{ id: string; name: string }> | null;
  proposal: Proposal | null;
  duplicates: DuplicateCandidate[];
  articles: KbArticle[];
}

/** What the intake screen sends for suggestions, as the call is typed. */
export interface SuggestInput {
  title?: string;
  description: string;
  categoryCode?: string | null;
  location?: { address?: string | null; lng?: number | null; lat?: number | null; divisionCode?: string | null };
}
