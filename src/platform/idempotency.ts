/**
 * Create at most once per Idempotency-Key, for any feature's POST that makes
 * a record (the registers' entries; cases have their own batched path in
 * cases/store.ts on the same table). The key is claimed in the creating
 * transaction: a retry, or a concurrent twin, gets the first record back; a
 * key reused for a different body is refused with 422 naming the header.
 * Keys are kept for ZHILI_IDEMPOTENCY_DAYS (purgeIdempotencyKeys).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Db, Queryable } from './db.ts';
import { Problem } from './errors.ts';

/** The optional request header, as routes declare it (`headers: IDEMPOTENCY_HEADER`). */
export const IDEMPOTENCY_HEADER = z.object({
  'idempotency-key': z.string().min(1).max(200).optional().describe('a retried request with the same key returns the first record, never a second'),
});

class KeyTaken extends Error {}

/** Canonical JSON (object keys sorted), so a retry that orders its fields differently is the same request. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

async function prior(q: Queryable, userId: string, key: string, hash: string): Promise<string | undefined> {
  const row = (await q.query<{ request_hash: string; resource_id: string }>(`SELECT request_hash, resource_id FROM idempotency_keys WHERE user_id = $1 AND key = $2`, [userId, key]))[0];
  if (!row) return undefined;
  if (row.request_hash !== hash) {
    throw new Problem(422, 'Unprocessable Content', 'Idempotency-Key was already used for a different request', [
      { field: 'Idempotency-Key', message: 'reused with a different request body' },
    ]);
  }
  return row.resource_id;
}

/**
 * Runs create (in one transaction, returning the new record's id) unless the
 * caller's key already made a record; returns the id and whether it was a replay.
 * scope keeps one feature's keys apart from another's (e.g. 'dispute').
 */
export async function createOnce(
  db: Db,
  req: { userId: string; key: string | undefined; scope: string; body: unknown },
  create: (q: Queryable) => Promise<string>,
): Promise<{ id: string; replayed: boolean }> {
  if (!req.key) return { id: await db.tx(create), replayed: false };
  const key = `${req.scope}:${req.key}`;
  const hash = createHash('sha256').update(canonical(req.body)).digest('hex');
  const seen = await prior(db, req.userId, key, hash);
  if (seen) return { id: seen, replayed: true };
  try {
    const id = await db.tx(async (q) => {
      const made = await create(q);
      const claimed = await q.query(
        `INSERT INTO idempotency_keys (user_id, key, request_hash, resource_id) VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, key) DO NOTHING RETURNING 1`,
        [req.userId, key, hash, made],
      );
      // a twin with the same key committed first: undo this one, answer with that one's
      if (!claimed.length) throw new KeyTaken();
      return made;
    });
    return { id, replayed: false };
  } catch (err) {
    if (!(err instanceof KeyTaken)) throw err;
    const first = await prior(db, req.userId, key, hash);
    if (!first) throw new Problem(409, 'Conflict', 'idempotent request is still in progress; retry');
    return { id: first, replayed: true };
  }
}

/** Drops keys older than their window (the housekeeping job); returns how many. */
export async function purgeIdempotencyKeys(db: Db, days: number): Promise<number> {
  const r = await db.query<{ n: number }>(
    `WITH d AS (DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(days => $1) RETURNING 1) SELECT count(*)::int AS n FROM d`,
    [days],
  );
  return r[0].n;
}
