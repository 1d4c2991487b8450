/**
 * Group intake under a burst: every create is written whole (case, creation
 * event, idempotency key, names for the screen), requests that arrive while
 * a batch is written share the next one, and a key sent twice in the same
 * burst still makes one case.
 */
import { describe, it, expect } from 'vitest';
import { randomUUID } from 'node:crypto';
import { TEST_DATABASES, caseBody, type TestServer, useTestServer } from './helpers.ts';

describe.each(TEST_DATABASES)('intake batching on $name', (tdb) => {
  let t: TestServer;
  useTestServer(tdb, (s) => ({ t } = s));

  it('writes a burst of 80 creates whole, in batches, each with its event and the names the screen shows', async () => {
    const op = await t.login('operator');
    const before = await t.server.ctx.metrics.intakeBatchSize.get();
    const made = await Promise.all(
      Array.from({ length: 80 }, (_, i) => op.post('/api/cases', caseBody({ title: `批量登记 ${i}` }), { 'idempotency-key': randomUUID() })),
    );
    expect(made.map((r) => r.status)).toEqual(Array(80).fill(201));
    expect(new Set(made.map((r) => r.json.no)).size).toBe(80);
    // The names come back with the insert, no second lookup.
    for (const r of made) {
      expect(r.json.categoryName).toBeTruthy();
      expect(r.json.location.divisionName).toBeTruthy();
    }
    const ids = made.map((r) => r.json.id as string);
    const events = await t.server.ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM case_events WHERE case_id = ANY ($1) AND action = 'create' AND seq = 1`, [ids]);
    expect(events[0].n).toBe(80);
    const after = await t.server.ctx.metrics.intakeBatchSize.get();
    const sum = (m: typeof after, name: string) => m.values.find((v) => v.metricName === name)?.value ?? 0;
    const batches = sum(after, 'zhili_intake_batch_cases_count') - sum(before, 'zhili_intake_batch_cases_count');
    expect(sum(after, 'zhili_intake_batch_cases_sum') - sum(before, 'zhili_intake_batch_cases_sum')).toBe(80);
    expect(batches).toBeLessThan(80); // at least some creates shared a statement
  });

  it('a key sent many times in one burst makes exactly one case, and every answer is that case', async () => {
    const op = await t.login('operator');
    const key = randomUUID();
    const body = caseBody({ title: '重复提交测试' });
    const answers = await Promise.all(Array.from({ length: 24 }, () => op.post('/api/cases', body, { 'idempotency-key': key })));
    expect(answers.every((r) => r.status === 201 || r.status === 200)).toBe(true);
    expect(answers.filter((r) => r.status === 201)).toHaveLength(1);
    expect(new Set(answers.map((r) => r.json.id)).size).toBe(1);
    const rows = await t.server.ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM cases WHERE title = '重复提交测试'`);
    expect(rows[0].n).toBe(1);
  });
});
