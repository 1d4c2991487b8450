import type { App, Ctx } from '../platform/http.ts';

/** Public case tracking (by number + phone, no sign-in): being built (issue 5). */
export function registerPublicCaseRoutes(_app: App, _ctx: Ctx) {}
