/**
 * Shapes of the responsibility list's API (rules, and the proposal for a case), shared with the web console.
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

export interface ProposedUnit {
  unitId: string;
  unitCode: string | null;
  unitName: string;
  role: RuleRole;
  ruleId: string;
  ruleNo: number;
  reason: string;
}

export interface SkippedRule {
  ruleId: string;
  ruleNo: number;
  role: RuleRole;
  reason: string;
}

export interface Proposal {
  categoryCode: string;
  /** 城乡建设/路灯照明 */
  categoryName: string;
  divisionCode: string;
  /** 岳阳楼区东茅岭街道 */
  divisionName: string;
  lead: ProposedUnit | null;
  assists: ProposedUnit[];
  /** Equally specific lead rules naming different units: the list must be fixed, or a person chooses. */
  ties: ProposedUnit[];
  /** No lead rule resolved to a unit. */
  gap: boolean;
  /** Matching rules that found no unit (reported so the list can be completed). */
  skipped: SkippedRule[];
  explanation: string;
}
