/**
 * Idempotent creation for register entities: a retried POST with the same
 * Idempotency-Key (per user) answers with what the first one made, never a
 * second record. The key is claimed in the creating transaction (the
 * platform's idempotency_keys table, shared with the case intake), so two
 * concurrent twins cannot both create.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Queryable } from '../../platform/db.ts';
import { Problem } from '../../platform/errors.ts';

export const IDEMPOTENCY_HEADERS = z
  .object({ 'idempotency-key': z.string().min(1).max(200).optional().describe('a retried request with the same key returns what the first one made') })
  .passthrough();

export const requestHash = (body: unknown) => createHash('sha256').update(JSON.stringify(body)).digest('hex');

/** The id a key already made for this user (checked against the request), or null when the key is new. */
export async function priorResource(q: Queryable, userId: string, key: string | undefined, hash: string): Promise<string | null> {
  if (!key) return null;
  const row = (await q.query<{ request_hash: string; resource_id: string }>(`SELECT request_hash, resource_id FROM idempotency_keys WHERE user_id = $1 AND key = $2`, [userId, key]))[0];
  if (!row) return null;
  if (row.request_hash !== hash) throw new Problem(422, 'Unprocessable Content', 'Idempotency-Key was already used for a different request', [{ field: 'Idempotency-Key', message: 'reused with a different request body' }]);
  return row.resource_id;
}

/** Claims the key for the new resource inside its transaction; a twin that got there first makes this a 409 (and the transaction rolls back). */
export async function claimKey(q: Queryable, userId: string, key: string | undefined, hash: string, resourceId: string): Promise<void> {
  if (!key) return;
  const r = await q.query(`INSERT INTO idempotency_keys (user_id, key, request_hash, resource_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING key`, [userId, key, hash, resourceId]);
  if (!r.length) throw new Problem(409, 'Conflict', 'idempotent request is still in progress; retry');
}
