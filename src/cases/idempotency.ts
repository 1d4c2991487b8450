/**
 * Idempotent intake: a retried submission with the same Idempotency-Key
 * answers with the case the first one made, never a second case. The key is
 * claimed in the insert's transaction (store.ts insertCaseIdempotent).
 */
import { createHash } from 'node:crypto';
import type { Queryable } from '../platform/db.ts';
import { Problem } from '../platform/errors.ts';
import type { Principal } from '../org/auth.ts';
import type { CreateCaseInput } from './model.ts';
import { loadVisible } from './read.ts';
import { findIdempotent } from './store.ts';
import { caseView, type CaseView } from './view.ts';

/** What a key is bound to: the request body, so a key reused for another request is refused. */
export const requestHashOf = (input: CreateCaseInput, idempotencyKey?: string) =>
  idempotencyKey ? createHash('sha256').update(JSON.stringify(input)).digest('hex') : '';

/** The case a key already made, as the caller sees it; null when the key is new. */
export async function priorCase(q: Queryable, p: Principal, idempotencyKey: string, requestHash: string): Promise<CaseView | null> {
  const prior = await findIdempotent(q, p.id, idempotencyKey);
  return prior ? replayIdempotent(q, p, prior, requestHash) : null;
}

/** The key was used before (a retry, or a concurrent twin that committed first): the first case, or 409 while that one is in flight. */
export async function replayAfterConflict(q: Queryable, p: Principal, idempotencyKey: string, requestHash: string): Promise<CaseView> {
  const prior = await findIdempotent(q, p.id, idempotencyKey);
  if (!prior) throw new Problem(409, 'Conflict', 'idempotent request is still in progress; retry');
  return replayIdempotent(q, p, prior, requestHash);
}

async function replayIdempotent(q: Queryable, p: Principal, prior: { request_hash: string; resource_id: string }, requestHash: string): Promise<CaseView> {
  if (prior.request_hash !== requestHash) {
    throw new Problem(422, 'Unprocessable Content', 'Idempotency-Key was already used for a different request', [
      { field: 'Idempotency-Key', message: 'reused with a different request body' },
    ]);
  }
  return caseView(await loadVisible(q, p, prior.resource_id), p);
}
