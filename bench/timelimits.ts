/**
 * Time limits: deadline arithmetic per second against a naive minute-stepping
 * implementation, and one sweep over 1M open cases on PostgreSQL (only the due
 * ones touched) against a naive full scan of the open cases.
 */
import pino from 'pino';
import { defaultCalendar, addLimit, isWorkingInstant, Sweeper, type Calendar } from '../src/timelimits/index.ts';
import { migrate } from '../src/platform/migrate.ts';
import { createMetrics } from '../src/platform/metrics.ts';
import { loadConfig } from '../src/platform/config.ts';
import { LocalDiskStorage } from '../src/platform/storage.ts';
import { upsertDivisions, upsertUnit } from '../src/org/store.ts';
import { Notifier } from '../src/notify/index.ts';
import { openBenchDb, fmt } from './lib.ts';

const LIMITS = ['2h', '5d', '13d', '30m'];

function deadlinesPerSecond(cal: Calendar, n: number): number {
  const base = Date.parse('2026-01-01T00:00:00Z');
  const span = 365 * 86_400_000;
  let sink = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) sink += addLimit(cal, base + ((i * 7_919_993) % span), LIMITS[i & 3]);
  const s = (performance.now() - t0) / 1000;
  if (sink === 42) console.log('');
  return n / s;
}

/** What a straightforward implementation does: walk minute by minute. */
function naiveAddWorkingMinutes(cal: Calendar, start: number, minutes: number): number {
  let t = start;
  let left = minutes;
  while (left > 0) {
    t += 60_000;
    if (isWorkingInstant(cal, new Date(t - 60_000))) left--;
  }
  return t;
}

function naivePerSecond(cal: Calendar, n: number): number {
  const base = Date.parse('2026-01-01T00:00:00Z');
  const t0 = performance.now();
  for (let i = 0; i < n; i++) naiveAddWorkingMinutes(cal, base + ((i * 7_919_993) % (365 * 86_400_000)), 120);
  return n / ((performance.now() - t0) / 1000);
}

async function sweepBench(): Promise<{ open: number; due: number; seconds: number; naiveSeconds: number } | undefined> {
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
    const unit = await upsertUnit(db, { code: 'CG', name: '城管局', kind: 'department', divisionCodes: ['430602'] });
    const OPEN = 1_000_000;
    const DUE = 10_000;
    // 1M dispatched cases; 1% have a warning due now, the rest fall due over the next weeks.
    await db.exec(`SET synchronous_commit = off`);
    for (let from = 0; from < OPEN; from += 250_000) {
      await db.query(
        `INSERT INTO cases (id, no, channel, type, urgency, title, description, division_code, status, lead_unit_id,
                            clock, due_at, warn_at, escalate_at, next_check_at, dispatched_at)
         SELECT gen_random_uuid(), 'B' || i, 'hotline', 'complaint', 'normal', '路灯不亮', '东茅岭路路灯连续三晚不亮', '430602', 'dispatched', $3,
                'accept', now() + make_interval(hours => (i % 500) + 1), now() + make_interval(mins => (i % 500) * 48 + 1),
                now() + make_interval(days => 3), CASE WHEN i % 100 = 0 THEN now() - interval '1 minute' ELSE now() + make_interval(mins => (i % 500) * 48 + 1) END,
                now()
           FROM generate_series($1::int, $2::int) AS i`,
        [from, Math.min(OPEN, from + 250_000) - 1, unit.id],
      );
    }
    await db.exec(`ANALYZE cases`);
    const log = pino({ level: 'silent' });
    const notifier = new Notifier({ db, log, metrics: createMetrics() }, { senders: {} });
    const sweeper = new Sweeper(db, { notify: (q, notices) => notifier.notifyMany(q, notices.filter((n) => n.unitId).map((n) => ({ unitId: n.unitId!, caseId: n.caseId, kind: n.kind, title: n.title }))) });
    const t0 = performance.now();
    const r = await sweeper.sweep();
    const seconds = (performance.now() - t0) / 1000;
    // The naive sweep reads every open case to find the due ones.
    const t1 = performance.now();
    await db.query(`SELECT id, warning, warn_at, due_at, escalate_at FROM cases WHERE status IN ('dispatched', 'accepted', 'in_progress', 'replied', 'registered', 'returned')`);
    const naiveSeconds = (performance.now() - t1) / 1000;
    if (r.processed !== DUE) console.log(`timelimits: note: swept ${r.processed} cases, expected ${DUE}`);
    return { open: OPEN, due: r.processed, seconds, naiveSeconds };
  } finally {
    await b.dispose();
  }
}

export async function benchTimelimits(): Promise<string> {
  const cal = defaultCalendar();
  deadlinesPerSecond(cal, 200_000); // warm-up
  const perS = deadlinesPerSecond(cal, 3_000_000);
  const naive = naivePerSecond(cal, 3_000);
  console.log(`timelimits/deadlines: ${fmt(perS)} per second (limits ${LIMITS.join(', ')} on the statutory calendar) | naive minute-stepping: ${fmt(naive)} per second | ratio=${fmt(perS / naive)}`);
  const sweep = await sweepBench();
  if (!sweep) {
    console.log('timelimits/sweep: skipped (set BENCH_DATABASE_URL=postgres://... to measure the sweep over 1M open cases)');
    return `timelimits: deadlines_per_s=${fmt(perS)} sweep_open_cases=skipped sweep_s=skipped`;
  }
  console.log(
    `timelimits/sweep: ${sweep.open} open cases, ${sweep.due} due: swept in ${fmt(sweep.seconds, 2)} s (yellow/red/escalate + events + notifications) | naive full scan of open cases: ${fmt(sweep.naiveSeconds, 2)} s | ratio=${fmt(sweep.naiveSeconds / sweep.seconds, 1)}`,
  );
  return `timelimits: deadlines_per_s=${fmt(perS)} sweep_open_cases=${sweep.open} sweep_s=${fmt(sweep.seconds, 2)}`;
}
