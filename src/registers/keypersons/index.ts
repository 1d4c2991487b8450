/** Key persons (重点人员分级分类管控): the register's public face. */
export { registerKeypersonRoutes } from './routes.ts';
export { ensureKeypersonDefaults, keypersonVisibility, ENTITY as KEYPERSON_ENTITY } from './store.ts';
export { openFile as openKeypersonFile, recordMeasure as recordKeypersonMeasure, backfillCases as backfillKeypersonCases, FILE_INPUT as KEYPERSON_FILE_INPUT, type Deps as KeypersonDeps } from './service.ts';
export { KEYPERSON_READERS, FILING_ROLES as KEYPERSON_FILING_ROLES, MEASURE_KINDS as KEYPERSON_MEASURE_KINDS } from './rules.ts';
