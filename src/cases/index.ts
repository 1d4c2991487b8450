/**
 * The case engine's public surface for the features above it (registers):
 * read a case the caller may see, add a note to its timeline through the
 * engine's own versioned transition, and hear of new cases. Nothing above
 * cases imports its other files.
 */
import type { Queryable } from '../platform/db.ts';
import type { Principal } from '../org/auth.ts';
import { loadVisible } from './read.ts';
import { applyTransition, type CaseRow } from './store.ts';

export { CaseHooks, type CaseCreated, type CaseCreatedListener } from './hooks.ts';

/** A case as the features above the engine read it. */
export interface VisibleCase {
  id: string;
  no: string;
  title: string;
  status: string;
  divisionCode: string | null;
  reporterPhone: string | null;
  createdAt: Date;
}

const visibleCase = (r: CaseRow): VisibleCase => ({
  id: r.id, no: r.no, title: r.title, status: r.status, divisionCode: r.division_code, reporterPhone: r.reporter_phone, createdAt: r.created_at,
});

/** A case the caller may see, by id or number; a 404 problem otherwise (never saying whether it exists). */
export async function readVisibleCase(q: Queryable, p: Principal, ref: string): Promise<VisibleCase> {
  return visibleCase(await loadVisible(q, p, ref));
}

/**
 * Appends a note to a case's timeline through the engine's versioned
 * transition (the case's version and event sequence stay whole). Call inside
 * the caller's transaction; false when there is no such case.
 */
export async function appendCaseNote(
  q: Queryable,
  caseId: string,
  note: { actorUserId: string; actorUnitId: string | null; comment: string; data?: Record<string, unknown> },
): Promise<boolean> {
  const c = (await q.query<{ status: any; version: number }>(`SELECT status, version FROM cases WHERE id = $1 FOR UPDATE`, [caseId]))[0];
  if (!c) return false;
  await applyTransition(q, {
    caseId, expectedVersion: c.version, action: 'note', from: c.status, to: c.status, patch: {},
    actorUserId: note.actorUserId, actorUnitId: note.actorUnitId, comment: note.comment, data: note.data ?? {}, attachmentIds: [],
  });
  return true;
}
