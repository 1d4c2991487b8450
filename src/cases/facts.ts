/** What the lifecycle rules (lifecycle.ts) read of a case and of the caller, at the application's clock. */
import type { Kernel } from '../platform/context.ts';
import type { Principal } from '../org/auth.ts';
import type { Actor, CaseFacts } from './lifecycle.ts';
import type { CaseDetailRow, SummonRow } from './read.ts';
import type { CaseRow } from './store.ts';

/** The application's clock (replaceable, so demo data can be replayed at planned times). */
export const nowOf = (k: Kernel): number => (k.now ? k.now() : Date.now());

/** The caller's relation to the case: the lifecycle's actor. */
export function actorOf(p: Principal, row: CaseRow, summons: SummonRow[] = []): Actor {
  const mine = p.unitId ? summons.find((s) => s.unit_id === p.unitId) : undefined;
  return {
    roles: p.roles,
    inLeadUnit: !!p.unitId && p.unitId === row.lead_unit_id,
    isReporter: !!row.reporter_user_id && row.reporter_user_id === p.id,
    isSummoned: !!mine && !mine.reported_at,
    isAssisting: !!mine && !mine.answered_at,
  };
}

/** The facts the lifecycle rules read: state, and what time limits and summons add. */
export function factsOf(row: CaseDetailRow, summons: SummonRow[], now: number): CaseFacts {
  return {
    status: row.status,
    leadUnitId: row.lead_unit_id,
    rating: row.rating,
    pendingExtension: row.pending_extension ?? null,
    // Assisting units whose part is still due hold the lead's reply back; a passed limit releases it.
    openAssists: summons.filter((s) => !s.answered_at && (!s.due_at || new Date(s.due_at).getTime() > now)).length,
  };
}
