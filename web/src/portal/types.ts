import type { CaseType, Status } from '../api/types.ts';

/** One step of the public timeline (POST /api/public/track): what happened and which unit, never who. */
export interface PublicEvent {
  seq: number;
  at: string;
  action: string;
  status: Status;
  label: string;
  unitName?: string;
  unitNames?: string[];
  text?: string;
  solved?: boolean;
  rating?: number;
}

/** A case as the public sees it (src/cases/public-routes.ts publicView). */
export interface PublicCase {
  no: string;
  title: string;
  type: CaseType;
  typeLabel: string;
  categoryName: string | null;
  status: Status;
  statusLabel: string;
  createdAt: string;
  dueAt: string | null;
  closedAt: string | null;
  unitName: string | null;
  reply: string | null;
  solved: boolean | null;
  rating: number | null;
  ratingComment: string | null;
  ratedAt: string | null;
  citizenSolved: boolean | null;
  phone: string | null;
  version: number;
  canRate: boolean;
  rateOnline: boolean;
  viewerIsReporter: boolean;
  timeline: PublicEvent[];
}

/** Grid outlines for the map pick (GET /api/public/grids). */
export interface PublicGrid {
  id: string;
  code: string;
  name: string;
  geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: unknown };
}
