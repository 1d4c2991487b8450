/**
 * Duplicate candidates among 1M open cases on PostgreSQL: mean time per new
 * report (index read of the nearby cells + segmented-text scoring), against a
 * naive scan that reads every open case of the same category branch in the window.
 */
import { randomUUID } from 'node:crypto';
import { migrate } from '../src/platform/migrate.ts';
import { upsertDivisions } from '../src/org/store.ts';
import { findDuplicates } from '../src/dispatch/duplicates.ts';
import type { Principal } from '../src/org/auth.ts';
import { openBenchDb, fmt, percentile } from './lib.ts';

const TEXTS = [
  ['路灯不亮', '小区门口路灯连续几晚不亮，行人夜间出行不便'],
  ['井盖破损', '人行道上井盖破损松动，存在安全隐患'],
  ['油烟扰民', '楼下餐馆油烟直排，窗户都不敢开'],
  ['夜间施工噪音', '工地晚上十点以后还在施工，噪音很大影响休息'],
  ['占道经营', '路口流动摊贩占道经营，堵塞交通'],
  ['拖欠工资', '在某工地干活三个月，老板一直拖欠工资不给'],
  ['停水没有通知', '小区突然停水，没有提前通知，生活不便'],
  ['垃圾清运不及时', '垃圾桶满了好几天没人清运，气味很大'],
];

export async function benchDuplicates(rows = 1_000_000): Promise<{ duplicateMs: number; p95Ms: number; naiveMs: number } | undefined> {
  const b = await openBenchDb('postgres');
  if (!b) return undefined;
  try {
    const db = b.db;
    await migrate(db);
    await upsertDivisions(db, [
      { code: '43', name: '湖南省' },
      { code: '4306', name: '岳阳市' },
      { code: '430602', name: '岳阳楼区' },
    ]);
    await db.exec(`SET synchronous_commit = off`);
    // 1M open cases over a 40 x 40 km city, created over the last 30 days.
    for (let from = 0; from < rows; from += 200_000) {
      await db.query(
        `INSERT INTO cases (id, no, channel, type, urgency, title, description, category_code, division_code, status, lng, lat, address, created_at)
         SELECT gen_random_uuid(), 'D' || i, 'hotline', 'complaint', 'normal', t[1 + (i % 8)::int][1], t[1 + (i % 8)::int][2], NULL, '430602',
                (ARRAY['registered','dispatched','accepted','in_progress'])[1 + (i % 4)::int],
                113.0 + ((i * 7919) % 400000) / 1000000.0, 29.2 + ((i * 104729) % 400000) / 1000000.0, '某路' || (i % 5000) || '号',
                now() - make_interval(mins => ((i * 37) % 43200)::int)
           FROM generate_series($1::bigint, $2::bigint) AS i, (SELECT $3::text[][] AS t) AS texts`,
        [from, Math.min(rows, from + 200_000) - 1, TEXTS],
      );
    }
    await db.exec(`ANALYZE cases`);
    const p: Principal = { id: randomUUID(), username: 'bench', displayName: 'bench', phone: null, roles: ['operator'], unitId: null, scopeCodes: ['4306'], via: 'session' };
    const times: number[] = [];
    let found = 0;
    for (let i = 0; i < 300; i++) {
      const [title, description] = TEXTS[i % TEXTS.length];
      const lng = 113.0 + Math.random() * 0.4;
      const lat = 29.2 + Math.random() * 0.4;
      const t0 = performance.now();
      const r = await findDuplicates(db, p, { title, description, lng, lat, address: `某路${i}号` });
      times.push(performance.now() - t0);
      found += r.length;
    }
    times.sort((a, c) => a - c);
    const naive: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      await db.query(`SELECT id, title, description, lng, lat FROM cases WHERE status IN ('registered','dispatched','accepted','in_progress') AND created_at > now() - interval '7 days'`);
      naive.push(performance.now() - t0);
    }
    const mean = times.reduce((a, x) => a + x, 0) / times.length;
    console.log(`dispatch/duplicates: ${rows} open cases: ${fmt(mean, 1)} ms mean, ${fmt(percentile(times, 95), 1)} ms p95 per new report (${found} candidates found) | naive window scan ${fmt(Math.min(...naive), 0)} ms`);
    return { duplicateMs: mean, p95Ms: percentile(times, 95), naiveMs: Math.min(...naive) };
  } finally {
    await b.dispose();
  }
}
