/**
 * Housekeeping: expired sessions, one-time codes a day past expiry and
 * idempotency keys past their window are dropped; what is still in use stays.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { TEST_DATABASES, seedWorld } from './helpers.ts';
import type { Db } from '../src/platform/db.ts';
import { startChores } from '../src/platform/chores.ts';
import { purgeIdempotencyKeys } from '../src/platform/idempotency.ts';
import { signInChores } from '../src/org/auth.ts';

describe.each(TEST_DATABASES)('housekeeping on $name', (tdb) => {
  let db: Db;
  let userId: string;
  beforeAll(async () => {
    db = await tdb.open();
    const world = await seedWorld(db);
    userId = world.users.operator.id;
  });
  afterAll(async () => {
    await db?.close();
  });

  it('drops what has outlived its use and keeps what is live, whichever instance runs it', async () => {
    await db.query(
      `INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ('old', $1, now() - interval '1 minute'), ('live', $1, now() + interval '1 hour')`,
      [userId],
    );
    await db.query(
      `INSERT INTO otp_codes (id, phone, code_hash, expires_at, created_at) VALUES
         (gen_random_uuid(), '13800000001', 'x', now() - interval '2 days', now() - interval '2 days'),
         (gen_random_uuid(), '13800000001', 'y', now() - interval '1 hour', now() - interval '1 hour'),
         (gen_random_uuid(), '13800000001', 'z', now() + interval '5 minutes', now())`,
    );
    await db.query(
      `INSERT INTO idempotency_keys (user_id, key, request_hash, resource_id, created_at) VALUES
         ($1, 'k-old', 'h', gen_random_uuid(), now() - interval '31 days'), ($1, 'k-new', 'h', gen_random_uuid(), now() - interval '29 days')`,
      [userId],
    );
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (l: string) => lines.push(JSON.parse(l).msg) });
    const chores = [...signInChores(db), { name: 'idempotency keys', run: () => purgeIdempotencyKeys(db, 30) }];
    // two instances at once: each thing is removed once
    const a = startChores({ log }, chores, 3_600_000, 3_600_000);
    const b = startChores({ log }, chores, 3_600_000, 3_600_000);
    await Promise.all([a.runNow(), b.runNow()]);
    await Promise.all([a.stop(), b.stop()]);
    expect((await db.query(`SELECT token_hash FROM sessions WHERE token_hash IN ('old', 'live')`)).map((r) => r.token_hash)).toEqual(['live']);
    expect((await db.query(`SELECT code_hash FROM otp_codes WHERE phone = '13800000001' ORDER BY code_hash`)).map((r) => r.code_hash)).toEqual(['y', 'z']);
    expect((await db.query(`SELECT key FROM idempotency_keys WHERE key LIKE 'k-%'`)).map((r) => r.key)).toEqual(['k-new']);
    const removed = lines.filter((l) => /removed/.test(l));
    expect(removed.some((l) => /expired sessions: 1 removed/.test(l))).toBe(true);
    expect(removed.some((l) => /idempotency keys: 1 removed/.test(l))).toBe(true);
    expect(removed.filter((l) => /expired sessions/.test(l))).toHaveLength(1);
  });
});
