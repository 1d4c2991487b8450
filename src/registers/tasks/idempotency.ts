/**
 * Idempotent POSTs of the register: a retried request with the same
 * Idempotency-Key answers with what the first one made, never a second
 * record. The key is claimed (idempotency_keys, per user) in the write's
 * transaction; a key reused with another body is a 422 naming the header.
 * (Generic; could move to the kit when a second register wants it.)
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Db, Queryable } from '../../platform/db.ts';
import { Problem } from '../../platform/errors.ts';

export const IDEMPOTENCY_HEADERS = z.object({
  'idempotency-key': z.string().min(1).max(200).optional().describe('a retried request with the same key answers with the first result, never a second record'),
});

class Replay extends Error {
  constructor(readonly resourceId: string) {
    super('replay');
  }
}

/**
 * Runs `write` (which returns the id of what it made) in one transaction that
 * also claims the key; with a key used before by the same request, returns
 * the first id and writes nothing. `scope` keeps the keys of different routes apart.
 */
export async function idempotent(db: Db, userId: string, scope: string, key: string | undefined, body: unknown, write: (q: Queryable) => Promise<string>): Promise<{ id: string; replayed: boolean }> {
  if (!key) return { id: await db.tx(write), replayed: false };
  const k = `${scope}:${key}`;
  const hash = createHash('sha256').update(JSON.stringify(body ?? null)).digest('hex');
  const prior = async () => {
    const r = (await db.query<{ request_hash: string; resource_id: string }>(`SELECT request_hash, resource_id FROM idempotency_keys WHERE user_id = $1 AND key = $2`, [userId, k]))[0];
    if (r && r.request_hash !== hash) throw new Problem(422, 'Unprocessable Content', 'Idempotency-Key was already used for a different request', [{ field: 'Idempotency-Key', message: 'reused with a different request body' }]);
    return r?.resource_id;
  };
  const first = await prior();
  if (first) return { id: first, replayed: true };
  try {
    const id = await db.tx(async (q) => {
      const id = await write(q);
      const claimed = await q.query(`INSERT INTO idempotency_keys (user_id, key, request_hash, resource_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1`, [userId, k, hash, id]);
      if (!claimed.length) throw new Replay(id);
      return id;
    });
    return { id, replayed: false };
  } catch (err) {
    if (!(err instanceof Replay)) throw err;
    // A concurrent twin committed first: answer with its result.
    const twin = await prior();
    if (!twin) throw new Problem(409, 'Conflict', 'idempotent request is still in progress; retry');
    return { id: twin, replayed: true };
  }
}
