/**
 * Shapes of the responsibility list's API, shared with the web console.
 * Types only, importing nothing: the console imports them with `import type`
 * (and reads them through Json<>, dates as strings), so they cannot drift.
 */

export type RuleRole = 'lead' | 'assist';

/** One rule as the API answers it (GET /api/responsibilities, PUT): the rule and the names of what it points at. */
export interface RuleRow {
  id: string;
  no: number;
  categoryCode: string;
  categoryName: string;
  divisionCode: string | null;
  divisionName: string | null;
  divisionLevel: number | null;
  unitId: string | null;
  unitCode: string | null;
  unitName: string | null;
  unitKind: string | null;
  unitKeyword: string | null;
  role: RuleRole;
  note: string | null;
  active: boolean;
  /** A timestamptz column: a Date here, an ISO string in JSON. */
  updatedAt: Date;
}
