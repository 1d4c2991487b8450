export * from './calendar.ts';
export * from './holidays.ts';
export * from './rules.ts';
export * from './service.ts';
export * from './store.ts';
export * from './sweeper.ts';
export * from './entity-clocks.ts';
