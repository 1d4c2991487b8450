/** Responsibility list (权责清单 / 派单目录): rules as data, resolution, API, CLI. */
export { registerResponsibilityRoutes } from './routes.ts';
export { registerResponsibilityCommands } from './cli.ts';
export {
  CATEGORY_CODE,
  RULE_IMPORT_ROW,
  RULE_INPUT,
  RuleImportError,
  deactivateRule,
  defaultRules,
  ensureDefaultResponsibilities,
  exportRules,
  importRules,
  listRules,
  proposeUnits,
  upsertRule,
  type RuleImportRow,
  type RuleInput,
  type RuleRow,
} from './store.ts';
export { resolveResponsibility, type Rule, type ResolveInput } from './resolve.ts';
export type { Proposal, ProposedUnit } from './types.ts';
