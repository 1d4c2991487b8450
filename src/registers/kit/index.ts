/** The register kit: what every register (src/registers/<name>/) shares. */
export * from './events.ts';
export * from './links.ts';
export * from './persons.ts';
export * from './ledger.ts';
export * from './rates.ts';
export * from './routes.ts';
export * from './views.ts';
export * from './watchers.ts';
// Idempotent writes are the platform's (one table, one rule for every feature); re-exported for the registers.
export { IDEMPOTENCY_HEADER, claimWrite, createOnce, priorWrite } from '../../platform/idempotency.ts';
