/** The register kit: what every register (src/registers/<name>/) shares. */
export * from './events.ts';
export * from './links.ts';
export * from './persons.ts';
export * from './ledger.ts';
export * from './rates.ts';
export * from './routes.ts';
export * from './views.ts';
