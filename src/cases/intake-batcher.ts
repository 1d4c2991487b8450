/**
 * Group intake: creates that arrive while a write is in flight are written
 * together by the next statement, so a burst of N intakes costs one round
 * trip and one commit instead of N. Each case is still written whole with its
 * creation event and idempotency key (one statement is atomic); at low load a
 * batch is a single case and nothing waits.
 *
 * A batch that fails (say one case names an unknown category) is retried case
 * by case, so only the faulty request sees the error.
 */
import type { Db } from '../platform/db.ts';
import { CASE_COLUMNS, CASE_NO, NEW_CASE_SELECT, insertCase, insertCaseIdempotent, type CaseRow, type NewCase } from './store.ts';

interface Pending {
  c: NewCase;
  key: string | null;
  hash: string | null;
  resolve(row: CaseRow | undefined): void;
  reject(err: unknown): void;
}

const MAX_BATCH = 64;


export class IntakeBatcher {
  private queue: Pending[] = [];
  private inflight = 0;
  private scheduled = false;
  /**
   * Batches written at once: one by default. While it is in flight the next
   * requests gather, so batches grow with the load (group commit) and each
   * case costs the database less; on PostgreSQL, measured at concurrency 32,
   * overlapping two or three smaller batches cost more CPU per case and gave
   * fewer creates/s (`npm run bench -- intake`). PGlite runs one statement at
   * a time on this thread anyway.
   */
  private readonly maxInflight: number;
  private readonly onBatch?: (size: number) => void;

  constructor(
    private readonly db: Db,
    opts: { maxInflight?: number; onBatch?: (size: number) => void } = {},
  ) {
    this.onBatch = opts.onBatch;
    this.maxInflight = opts.maxInflight ?? 1;
  }

  /** Writes the case; undefined when its idempotency key was used before. */
  insert(c: NewCase, key?: string, hash?: string): Promise<CaseRow | undefined> {
    // Cases with attachments also link files; they take the single-case path.
    if (c.attachmentIds.length) return key ? insertCaseIdempotent(this.db, c, key, hash!) : insertCase(this.db, c);
    return new Promise((resolve, reject) => {
      this.queue.push({ c, key: key ?? null, hash: hash ?? null, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    if (this.db.kind === 'pglite') {
      // Let requests already received reach the queue first: the embedded
      // database runs on this thread, so without a turn of the event loop
      // every batch would hold just the one request that started it.
      if (this.scheduled || this.inflight >= this.maxInflight) return;
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.start();
      });
    } else this.start();
  }

  private start(): void {
    while (this.queue.length && this.inflight < this.maxInflight) {
      const batch = this.takeBatch();
      this.onBatch?.(batch.length);
      this.inflight++;
      void this.write(batch).finally(() => {
        this.inflight--;
        if (this.queue.length) this.pump();
      });
    }
  }

  private async write(batch: Pending[]): Promise<void> {
    if (batch.length === 1) return this.writeOne(batch[0]);
    try {
      const rows = await insertBatch(this.db, batch);
      const byId = new Map(rows.map((r) => [r.id, r]));
      for (const p of batch) p.resolve(byId.get(p.c.id));
    } catch {
      for (const p of batch) await this.writeOne(p);
    }
  }

  /** Up to MAX_BATCH pending writes, never two with the same user and key (the second waits for the next batch). */
  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    const rest: Pending[] = [];
    const keys = new Set<string>();
    for (const p of this.queue) {
      const k = p.key ? `${p.c.createdBy}\u0000${p.key}` : null;
      if (batch.length >= MAX_BATCH || (k && keys.has(k))) rest.push(p);
      else {
        if (k) keys.add(k);
        batch.push(p);
      }
    }
    this.queue = rest;
    return batch;
  }

  private async writeOne(p: Pending): Promise<void> {
    try {
      p.resolve(p.key ? await insertCaseIdempotent(this.db, p.c, p.key, p.hash!) : await insertCase(this.db, p.c));
    } catch (err) {
      p.reject(err);
    }
  }
}

/** Many cases, their creation events and idempotency keys in one statement. */
async function insertBatch(db: Db, batch: Pending[]): Promise<CaseRow[]> {
  const col = <T>(f: (p: Pending) => T) => batch.map(f);
  return db.query<CaseRow>(
    `WITH input AS (
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                            $10::uuid[], $11::boolean[], $12::text[], $13::float8[], $14::float8[], $15::uuid[], $16::text[], $17::text[],
                            $18::uuid[], $19::uuid[], $20::text[], $21::text[],
                            $22::uuid[], $23::text[], $24::timestamptz[], $25::timestamptz[], $26::timestamptz[], $27::timestamptz[], $28::timestamptz[], $29::text[])
         WITH ORDINALITY AS t(id, channel, type, category_code, urgency, title, description, reporter_name, reporter_phone,
                              reporter_user_id, reporter_confidential, address, lng, lat, grid_id, division_code, external_ref,
                              created_by, actor_unit_id, idem_key, idem_hash,
                              policy_id, clock, clock_started_at, due_at, warn_at, escalate_at, next_check_at, search_text, ord)
     ),
     k AS (
       INSERT INTO idempotency_keys (user_id, key, request_hash, resource_id)
       SELECT created_by, idem_key, idem_hash, id FROM input WHERE idem_key IS NOT NULL
       ON CONFLICT DO NOTHING RETURNING resource_id
     ),
     c AS (
       INSERT INTO cases (${CASE_COLUMNS})
       SELECT id, ${CASE_NO},
              channel, type, category_code, urgency, title, description, reporter_name, reporter_phone, reporter_user_id,
              reporter_confidential, address, lng, lat, grid_id, division_code, 'registered', external_ref, created_by,
              policy_id, clock, clock_started_at, due_at, warn_at, escalate_at, next_check_at, search_text
         FROM (SELECT * FROM input WHERE idem_key IS NULL OR id IN (SELECT resource_id FROM k) ORDER BY ord) AS i
       RETURNING *
     ),
     e AS (
       INSERT INTO case_events (case_id, seq, actor_user_id, actor_unit_id, action, from_status, to_status, comment, data)
       SELECT c.id, 1, c.created_by, input.actor_unit_id, 'create', NULL, 'registered', NULL, jsonb_build_object('channel', c.channel)
         FROM c JOIN input ON input.id = c.id
       RETURNING case_id
     )
     ${NEW_CASE_SELECT}`,
    [
      col((p) => p.c.id),
      col((p) => p.c.channel),
      col((p) => p.c.type),
      col((p) => p.c.categoryCode),
      col((p) => p.c.urgency),
      col((p) => p.c.title),
      col((p) => p.c.description),
      col((p) => p.c.reporterName),
      col((p) => p.c.reporterPhone),
      col((p) => p.c.reporterUserId),
      col((p) => p.c.reporterConfidential),
      col((p) => p.c.address),
      col((p) => p.c.lng),
      col((p) => p.c.lat),
      col((p) => p.c.gridId),
      col((p) => p.c.divisionCode),
      col((p) => p.c.externalRef),
      col((p) => p.c.createdBy),
      col((p) => p.c.actorUnitId),
      col((p) => p.key),
      col((p) => p.hash),
      col((p) => p.c.clock.policyId),
      col((p) => p.c.clock.clock),
      col((p) => p.c.clock.clockStartedAt),
      col((p) => p.c.clock.dueAt),
      col((p) => p.c.clock.warnAt),
      col((p) => p.c.clock.escalateAt),
      col((p) => p.c.clock.nextCheckAt),
      col((p) => p.c.searchText),
    ],
    { prepare: true },
  );
}
