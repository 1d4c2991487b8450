/** The risk demo on the test world: the shipped framework, two scored periods for every county of the city, four project assessments with whole timelines. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../platform/db.ts';
import { migrate } from '../platform/migrate.ts';
import { seedWorld } from '../../test/helpers.ts';
import { seedRiskDemo } from './risk.ts';

describe('risk demo', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openDb('memory://');
    await migrate(db);
    await seedWorld(db);
    await seedRiskDemo(db, { now: Date.parse('2026-12-07T10:00:00Z'), log: (m) => console.log(m) });
  }, 60_000);
  afterAll(() => db?.close());

  it('scores two months over the city\'s counties with the 8 x 21 framework', async () => {
    const periods = await db.query<{ code: string; scored: boolean }>(`SELECT code, scored_at IS NOT NULL AS scored FROM risk_periods ORDER BY code`);
    expect(periods).toEqual([{ code: '2026-10', scored: true }, { code: '2026-11', scored: true }]);
    const scores = await db.query<{ n: number; ranked: number }>(`SELECT count(*)::int AS n, count(rank)::int AS ranked FROM risk_scores GROUP BY period_id`);
    expect(scores).toEqual([{ n: 2, ranked: 2 }, { n: 2, ranked: 2 }]);
    expect((await db.query(`SELECT 1 FROM risk_frameworks WHERE frozen`)).length).toBe(1);
  });

  it('has four assessments, each row at its last event\'s version', async () => {
    const rows = await db.query<{ status: string; ok: boolean }>(
      `SELECT a.status, a.version = (SELECT max(e.version) FROM entity_events e WHERE e.entity_type = 'risk_assessment' AND e.entity_id = a.id) AS ok FROM risk_assessments a ORDER BY a.no`,
    );
    expect(rows.map((r) => r.status)).toEqual(['following_up', 'decided', 'assessing', 'closed']);
    expect(rows.every((r) => r.ok)).toBe(true);
  });
});
