export * from './calendar.ts';
export * from './holidays.ts';
