import type { Json } from '../../../src/platform/json.ts';
import type { PublicCaseView, PublicEvent } from '../../../src/cases/types.ts';
import type { PublicGridOut } from '../../../src/cases/model.ts';

/** One step of the public timeline (POST /api/public/track): what happened and which unit, never who. */
export type { PublicEvent };

/** A case as the public sees it (src/cases/public-routes.ts publicView), dates as strings. */
export type PublicCase = Json<PublicCaseView>;

/** Grid outlines for the map pick (GET /api/public/grids). */
export type PublicGrid = Json<PublicGridOut>;
