/**
 * The time-limit vocabulary other folders and the web console share.
 * Constants only, no imports (cases/vocabulary.ts re-exports it for the console).
 */

/** A running clock's warning: yellow near the limit, red past it. */
export const WARNINGS = ['none', 'yellow', 'red'] as const;
export type Warning = (typeof WARNINGS)[number];
