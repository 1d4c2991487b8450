/**
 * Shapes of the public case-tracking API (src/cases/public-routes.ts), shared
 * with the citizen portal. Types only, importing only types: the portal imports
 * them with `import type` (and reads them through Json<>, dates as strings),
 * so the two cannot drift.
 */
import type { Status } from './lifecycle.ts';
import type { CaseType } from './model.ts';

/** One step of the public timeline: what happened, when, and which unit; never who or why (internal). */
export interface PublicEvent {
  seq: number;
  at: string;
  action: string;
  status: Status;
  /** The step in plain Chinese, e.g. "已派单至 岳阳楼区城管局". */
  label: string;
  /** The unit that acted or was assigned (units are public; staff names are not). */
  unitName?: string;
  /** Further units named by the step (assisting units, summoned units). */
  unitNames?: string[];
  /** The reply text, for reply and direct-close steps. */
  text?: string;
  solved?: boolean;
  rating?: number;
}

/** The case as the public sees it (POST /api/public/track, /rate): what was asked, where it stands, who handles it (as a unit). */
export interface PublicCaseView {
  no: string;
  title: string;
  type: CaseType;
  typeLabel: string;
  categoryName: string | null;
  status: Status;
  /** The status in plain words for the citizen (PUBLIC_STATUS_LABELS). */
  statusLabel: string;
  createdAt: Date;
  /** When the current step is due (the running time limit), while the case is open. */
  dueAt: Date | null;
  closedAt: Date | null;
  /** The lead unit. */
  unitName: string | null;
  reply: string | null;
  solved: boolean | null;
  rating: number | null;
  ratingComment: string | null;
  ratedAt: Date | null;
  /** The citizen's own answer when rating: was the problem solved? */
  citizenSolved: boolean | null;
  /** The reporter's phone, masked. */
  phone: string | null;
  version: number;
  /** The case waits for the reporter's rating. */
  canRate: boolean;
  /** Rating online needs a mobile phone the reporter can receive a code on. */
  rateOnline: boolean;
  /** The caller is signed in (by one-time code) as the reporter, and so may rate. */
  viewerIsReporter: boolean;
  timeline: PublicEvent[];
}
