/**
 * Idempotent register writes: a POST retried with the same Idempotency-Key
 * answers with what the first one made and writes nothing again. The key is
 * claimed in the write's transaction (the platform's idempotency_keys table,
 * namespaced by the register's route), so two concurrent twins cannot both
 * write: the second one's claim conflicts and it is told to retry.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Queryable } from '../../platform/db.ts';
import { Problem } from '../../platform/errors.ts';

export const IDEMPOTENCY_HEADER = z
  .object({ 'idempotency-key': z.string().min(1).max(200).optional().describe('a retried request with the same key answers as the first did and writes nothing again') })
  .passthrough();

const hashOf = (body: unknown) => createHash('sha256').update(JSON.stringify(body ?? null)).digest('hex');
const keyOf = (scope: string, key: string) => `${scope}:${key}`;

/** The resource a key already made (its id), or null when the key is new; 422 naming the header when the key came with another body. */
export async function priorWrite(q: Queryable, userId: string, scope: string, key: string | undefined, body: unknown): Promise<string | null> {
  if (!key) return null;
  const row = (await q.query<{ request_hash: string; resource_id: string }>(`SELECT request_hash, resource_id FROM idempotency_keys WHERE user_id = $1 AND key = $2`, [userId, keyOf(scope, key)]))[0];
  if (!row) return null;
  if (row.request_hash !== hashOf(body)) {
    throw new Problem(422, 'Unprocessable Content', 'Idempotency-Key was already used for a different request', [{ field: 'Idempotency-Key', message: 'reused with a different request body' }]);
  }
  return row.resource_id;
}

/** Claims the key for `resourceId` inside the write's transaction; a twin that claimed it first makes this a 409 (retry to get its answer). */
export async function claimWrite(q: Queryable, userId: string, scope: string, key: string | undefined, body: unknown, resourceId: string): Promise<void> {
  if (!key) return;
  const got = await q.query(
    `INSERT INTO idempotency_keys (user_id, key, request_hash, resource_id) VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, key) DO NOTHING RETURNING key`,
    [userId, keyOf(scope, key), hashOf(body), resourceId],
  );
  if (!got.length) throw new Problem(409, 'Conflict', 'idempotent request is already in progress; retry', [{ field: 'Idempotency-Key', message: 'in progress' }]);
}
