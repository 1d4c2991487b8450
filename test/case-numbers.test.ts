/** Case numbers stay unique and readable past a million cases, in single and batched inserts. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { TEST_DATABASES, seedWorld, startTestServer, caseBody, type TestServer, useTestServer } from './helpers.ts';

describe.each(TEST_DATABASES)('case numbers on $name', (tdb) => {
  let t: TestServer;
  useTestServer(tdb, (s) => ({ t } = s));

  it('grow past six digits without colliding, also when a burst is written as one batch', async () => {
    await t.server.ctx.db.query(`SELECT setval('case_no_seq', 999995)`);
    const op = await t.login('operator');
    const made = await Promise.all(Array.from({ length: 12 }, (_, i) => op.post('/api/cases', caseBody({ title: `编号测试 ${i}` }))));
    expect(made.every((r) => r.status === 201)).toBe(true);
    const nos = made.map((r) => r.json.no as string);
    expect(new Set(nos).size).toBe(12);
    expect(nos.some((n) => /^\d{8}1\d{6}$/.test(n))).toBe(true); // seven-digit sequence kept whole
    expect(nos.every((n) => /^\d{14,}$/.test(n))).toBe(true);
  });
});
