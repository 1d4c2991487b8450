import type { Role } from '../../../src/org/roles.ts';
import type { Status, Channel, CaseType, Urgency } from '../../../src/cases/vocabulary.ts';
import type { Json } from '../../../src/platform/json.ts';
import type {
  CaseAttachmentOut,
  CaseDetailOut,
  CaseListOut,
  CaseViewOut,
  CategoryOut,
  DeadlineOut,
  TimelineEventOut,
} from '../../../src/cases/model.ts';
import type { Me as ServerMe, Unit as ServerUnit, Grid as ServerGrid, Division as ServerDivision } from '../../../src/org/types.ts';
import type { Article } from '../../../src/kb/types.ts';
import type { DuplicateCandidate as ServerDuplicateCandidate, Suggestions as ServerSuggestions } from '../../../src/dispatch/types.ts';
import type { Proposal, ProposedUnit } from '../../../src/dispatch/responsibility/types.ts';

/**
 * The server's vocabularies, not copies: vocabulary.ts holds constants only, so
 * the bundle gets these arrays and no other server code; roles come as a type.
 */
export { STATUSES, ACTIONS, CASE_TYPES, CHANNELS, URGENCIES, WARNINGS, LIST_SORTS } from '../../../src/cases/vocabulary.ts';
export type { Status, Action, CaseType, Channel, Urgency, Warning, ListSort } from '../../../src/cases/vocabulary.ts';
export type { Role };

/*
 * The API's answers are the server's response schemas (zod, src/<feature>/types.ts
 * or model.ts), read through Json<> (dates as ISO strings): no hand copies here,
 * so a field the server stops sending is a type error in the console.
 */

export type Me = Json<ServerMe>;

/** The case vocabularies travel as strings; the console reads them as the server's vocabularies (vocabulary.ts). */
type Vocabularies = { channel: Channel; type: CaseType; urgency: Urgency };

export type CaseView = Omit<Json<CaseViewOut>, keyof Vocabularies> & Vocabularies;

export type Clock = 'dispatch' | 'accept' | 'arrive' | 'reply' | 'verify';

/** The running clock (时限) and its warning. */
export type Deadline = Json<DeadlineOut>;

export type TimelineEvent = Json<TimelineEventOut>;

export type CaseAttachment = Json<CaseAttachmentOut>;

export type CaseDetail = Omit<Json<CaseDetailOut>, keyof Vocabularies> & Vocabularies;

export type CaseList = Omit<Json<CaseListOut>, 'items'> & { items: CaseView[] };

export type Category = Json<CategoryOut>;

export type Unit = Json<ServerUnit>;

export type Grid = Json<ServerGrid>;

export type Division = Json<ServerDivision>;

/** The responsibility list's answer (权责清单) for a category in a division: the server's type (no dates, so JSON carries it as it is). */
export type { Proposal, ProposedUnit };

export type DuplicateCandidate = Json<ServerDuplicateCandidate>;

export type KbArticle = Json<Article>;

/** What POST /api/dispatch/suggest answers (src/dispatch/routes.ts). */
export type Suggestions = Json<ServerSuggestions>;

/** What the intake screen sends for suggestions, as the call is typed. */
export interface SuggestInput {
  title?: string;
  description: string;
  categoryCode?: string | null;
  location?: { address?: string | null; lng?: number | null; lat?: number | null; divisionCode?: string | null };
}
