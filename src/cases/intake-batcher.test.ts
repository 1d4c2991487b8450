/**
 * The batcher's scheduling, against a recording database: one batch in
 * flight at a time by default, requests arriving meanwhile share the next
 * batch, batches never exceed their cap, and one key never appears twice in
 * a batch. (test/intake-batcher.test.ts runs it against real databases.)
 */
import { describe, expect, it } from 'vitest';
import { IntakeBatcher } from './intake-batcher.ts';
import { NO_CLOCK, type NewCase } from './store.ts';
import type { Db } from '../platform/db.ts';

function newCase(i: number): NewCase {
  return {
    id: `00000000-0000-7000-8000-${String(i).padStart(12, '0')}`,
    channel: 'hotline',
    type: 'complaint',
    categoryCode: null,
    urgency: 'normal',
    title: `t${i}`,
    description: 'd',
    reporterName: null,
    reporterPhone: null,
    reporterUserId: null,
    reporterConfidential: false,
    address: null,
    lng: null,
    lat: null,
    gridId: null,
    divisionCode: null,
    externalRef: null,
    createdBy: 'u1',
    actorUnitId: null,
    attachmentIds: [],
    comment: null,
    clock: NO_CLOCK,
    searchText: '',
  };
}

/** A database that answers each insert after `ms`, recording batch sizes and how many statements overlapped. */
function recordingDb(kind: 'postgres' | 'pglite', ms = 5) {
  const sizes: number[] = [];
  const keysPerBatch: (string | null)[][] = [];
  let inflight = 0;
  let maxOverlap = 0;
  const db = {
    kind,
    async query(_sql: string, params: unknown[] = []) {
      inflight++;
      maxOverlap = Math.max(maxOverlap, inflight);
      await new Promise((r) => setTimeout(r, ms));
      inflight--;
      // A batch binds the ids as its first array; a single-case insert binds the id itself.
      const ids = Array.isArray(params[0]) ? (params[0] as string[]) : [params[0] as string];
      sizes.push(ids.length);
      if (Array.isArray(params[0])) keysPerBatch.push(params[19] as (string | null)[]);
      return ids.map((id) => ({ id }));
    },
    async exec() {},
    async tx() {
      throw new Error('not used');
    },
    async close() {},
  } as unknown as Db;
  return { db, sizes, keysPerBatch, maxOverlap: () => maxOverlap };
}

describe.each(['postgres', 'pglite'] as const)('IntakeBatcher on %s', (kind) => {
  it('writes one batch at a time and gathers the requests that arrive meanwhile', async () => {
    const r = recordingDb(kind);
    const b = new IntakeBatcher(r.db);
    const rows = await Promise.all(Array.from({ length: 100 }, (_, i) => b.insert(newCase(i), `k${i}`, 'h')));
    expect(rows.map((row) => row?.id)).toEqual(Array.from({ length: 100 }, (_, i) => newCase(i).id));
    expect(r.maxOverlap()).toBe(1);
    expect(r.sizes.reduce((a, n) => a + n, 0)).toBe(100);
    expect(r.sizes.length).toBeLessThanOrEqual(3); // 64 + the rest, or the first alone then the rest
    expect(Math.max(...r.sizes)).toBeLessThanOrEqual(64);
  });

  it('overlaps batches only when told to', async () => {
    const r = recordingDb(kind);
    const b = new IntakeBatcher(r.db, { maxInflight: 3 });
    await Promise.all(Array.from({ length: 200 }, (_, i) => b.insert(newCase(i))));
    expect(r.maxOverlap()).toBeGreaterThan(1);
    expect(r.maxOverlap()).toBeLessThanOrEqual(3);
  });

  it('never puts the same user and key twice in one batch', async () => {
    const r = recordingDb(kind);
    const b = new IntakeBatcher(r.db);
    await Promise.all(Array.from({ length: 30 }, (_, i) => b.insert(newCase(i), i % 3 === 0 ? 'same' : `k${i}`, 'h')));
    for (const keys of r.keysPerBatch) expect(keys.filter((k) => k === 'same').length).toBeLessThanOrEqual(1);
  });
});
