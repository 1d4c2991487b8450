/**
 * Shapes of the responsibility list's API (rules, and the proposal for a case), shared with the web console.
 * The zod schemas are the routes' response schemas (only what they name is sent); the console imports
 * the types with `import type` (and reads them through Json<>, dates as strings), so they cannot drift.
 */
import { z } from 'zod';
import { GeocodedSchema } from '../gazetteer/types.ts';

export const RuleRoleSchema = z.enum(['lead', 'assist']);
export type RuleRole = z.output<typeof RuleRoleSchema>;

/** One rule as the API answers it (GET /api/responsibilities, PUT): the rule and the names of what it points at. */
export const RuleRowSchema = z.object({
  id: z.string(),
  no: z.number(),
  categoryCode: z.string(),
  categoryName: z.string(),
  divisionCode: z.string().nullable(),
  divisionName: z.string().nullable(),
  divisionLevel: z.number().nullable(),
  unitId: z.string().nullable(),
  unitCode: z.string().nullable(),
  unitName: z.string().nullable(),
  unitKind: z.string().nullable(),
  unitKeyword: z.string().nullable(),
  role: RuleRoleSchema,
  note: z.string().nullable(),
  active: z.boolean(),
  /** A timestamptz column: a Date here, an ISO string in JSON. */
  updatedAt: z.date(),
});
export type RuleRow = z.output<typeof RuleRowSchema>;

/** GET /api/responsibilities */
export const RuleListSchema = z.object({ total: z.number(), items: z.array(RuleRowSchema) });

/** A rule in the export (and import) format: no ids, names beside codes. */
export const RuleExportRowSchema = RuleRowSchema.pick({
  no: true,
  categoryCode: true,
  categoryName: true,
  divisionCode: true,
  divisionName: true,
  divisionLevel: true,
  unitCode: true,
  unitName: true,
  unitKind: true,
  unitKeyword: true,
  role: true,
  note: true,
  active: true,
});

/** What the imports answer. */
export const RuleImportResultSchema = z.object({
  count: z.number(),
  created: z.number(),
  updated: z.number(),
  deactivated: z.number(),
  dryRun: z.boolean(),
  /** The xlsx import: columns it did not know and ignored. */
  ignoredColumns: z.array(z.string()).optional(),
});
export type RuleImportResult = z.output<typeof RuleImportResultSchema>;

export const ProposedUnitSchema = z.object({
  unitId: z.string(),
  unitCode: z.string().nullable(),
  unitName: z.string(),
  role: RuleRoleSchema,
  ruleId: z.string(),
  ruleNo: z.number(),
  reason: z.string(),
});
export type ProposedUnit = z.output<typeof ProposedUnitSchema>;

export const SkippedRuleSchema = z.object({
  ruleId: z.string(),
  ruleNo: z.number(),
  role: RuleRoleSchema,
  reason: z.string(),
});
export type SkippedRule = z.output<typeof SkippedRuleSchema>;

export const ProposalSchema = z.object({
  categoryCode: z.string(),
  /** 城乡建设/路灯照明 */
  categoryName: z.string(),
  divisionCode: z.string(),
  /** 岳阳楼区东茅岭街道 */
  divisionName: z.string(),
  lead: ProposedUnitSchema.nullable(),
  assists: z.array(ProposedUnitSchema),
  /** Equally specific lead rules naming different units: the list must be fixed, or a person chooses. */
  ties: z.array(ProposedUnitSchema),
  /** No lead rule resolved to a unit. */
  gap: z.boolean(),
  /** Matching rules that found no unit (reported so the list can be completed). */
  skipped: z.array(SkippedRuleSchema),
  explanation: z.string(),
});
export type Proposal = z.output<typeof ProposalSchema>;

/** Where a proposal was asked for: the grid a point lies in, the point, and the gazetteer entry an address matched. */
const PlaceSchema = z.object({
  grid: z.object({ id: z.string(), code: z.string(), name: z.string(), divisionCode: z.string() }).nullable(),
  point: z.object({ lng: z.number(), lat: z.number() }).nullable(),
  geocoded: GeocodedSchema.nullable(),
});

/** GET /api/dispatch/propose */
export const PlacedProposalSchema = ProposalSchema.extend(PlaceSchema.shape);

/** POST /api/dispatch/propose: the category used and how it was chosen, the other candidates, and the proposal. */
export const TextProposalSchema = PlacedProposalSchema.extend({
  category: z.object({ code: z.string(), name: z.string(), source: z.enum(['given', 'classifier', 'keywords']), note: z.string().optional() }),
  candidates: z.array(z.object({ code: z.string(), name: z.string(), probability: z.number().optional(), matched: z.array(z.string()).optional() })),
});
