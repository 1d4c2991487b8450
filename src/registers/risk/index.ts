/** Risk assessment (风险评估): the register's public face. */
export { registerRiskRoutes, RISK_READERS, RISK_WRITERS, ASSESSMENT_READERS } from './routes.ts';
export { FRAMEWORK_SPEC, SOURCES, SOURCE_LABELS, defaultFramework, flatten, type FrameworkSpec } from './framework.ts';
export { score, type ScoringResult, type CountyScore } from './scoring.ts';
export { createFramework, scorePeriod, upsertValues, computeValues, periodCounties, type PeriodRow } from './store.ts';
export { ASSESSMENT_ENTITY } from './store.ts';
