/**
 * Demo data of the key persons register: 30 files in the four demo streets of
 * 岳阳楼区, each with its team (五包一: the street's township officer as the
 * leader, the community's grid worker and the street's police officer as
 * users, a cadre and a family helper by name), a few measures, and one visit
 * overdue. A few persons are the reporters of demo work orders or parties of
 * demo disputes, so their files show 一人一档 links. Called from seed.ts in
 * one line after the work orders exist; one transaction, a few hundred small
 * statements (well under a second on PGlite).
 */
import type { Db } from '../platform/db.ts';
import { withRegisterKit } from './kit.ts';
import { withCheckDigit } from '../registers/kit/index.ts';
import { ensureKeypersonDefaults, KEYPERSON_FILE_INPUT, openKeypersonFile, recordKeypersonMeasure } from '../registers/keypersons/index.ts';
import { DEMO_STREETS, GRID_WORKER_COMMUNITIES, tagged } from './org.ts';
import { mulberry32 } from './geo.ts';
import { int, pick } from './plan.ts';

const DAY = 86_400_000;
const SURNAMES = ['谭', '龙', '易', '彭', '邹', '雷', '欧阳', '向', '毛', '贺', '汤', '伍', '卢', '丁', '熊'];
const GIVEN = ['志刚', '秋菊', '永红', '建平', '翠兰', '国华', '小龙', '美玲', '德胜', '晓峰', '金花', '少杰'];
const CATS = [['petitioner'], ['stability', 'petitioner'], ['released'], ['corrections'], ['drug'], ['mental'], ['youth'], ['released', 'corrections']];
const NOTES: Record<string, string[]> = {
  visit: ['入户走访，本人在家，情绪平稳，近期无异常', '走访家属，了解其近期生活和就业情况', '走访邻居和物业，未发现异常动向'],
  check: ['见面核查，本人在家，身份信息一致', '到其务工地点见面核查，工作正常'],
  supervision: ['日常监管：按时报到，手机保持畅通', '日常监管：社区矫正报到正常'],
  opinion: ['舆情监测：近一周网络平台无相关负面言论', '舆情监测：关注其朋友圈，未发现过激言论'],
  help: ['帮扶稳控：协调社区为其申请临时救助', '帮扶稳控：联系人社部门推荐就业岗位'],
  ledger: ['台账登记：建立一人一档，落实五包一责任'],
};

export async function seedKeypersonDemo(db: Db, opts: { log?: (m: string) => void } = {}): Promise<void> {
  const rng = mulberry32(20261208);
  const now = Date.now();
  return withRegisterKit(db, async ({ vault, clocks }) => {
    await db.tx((q) => ensureKeypersonDefaults(q, clocks));
    if ((await db.query(`SELECT 1 FROM keypersons LIMIT 1`)).length) return;
    const users = await db.query<{ id: string; username: string; display_name: string; unit_id: string | null }>(`SELECT id, username, display_name, unit_id FROM users`);
    const byName = new Map(users.map((u) => [u.username, u]));
    const communities = await db.query<{ code: string }>(`SELECT code FROM divisions WHERE length(code) = 12 AND left(code, 9) = ANY ($1::text[]) ORDER BY code`, [[...DEMO_STREETS]]);
    const grids = await db.query<{ id: string; division_code: string; worker_user_id: string | null }>(`SELECT id, division_code, worker_user_id FROM grids`);
    // Reporters of demo work orders and parties of demo disputes: their files show their cases and disputes.
    const reporters = await db.query<{ name: string; phone: string; division_code: string }>(
      `SELECT DISTINCT ON (reporter_phone) reporter_name AS name, reporter_phone AS phone, division_code FROM cases
        WHERE reporter_phone ~ '^1[0-9]{10}$' AND reporter_name IS NOT NULL AND length(division_code) = 12 AND left(division_code, 9) = ANY ($1::text[]) ORDER BY reporter_phone LIMIT 3`,
      [[...DEMO_STREETS]],
    );
    const parties = await db.query<{ name: string; phone: string; division_code: string }>(
      `SELECT pe.name, pe.phone, d.division_code FROM dispute_parties dp JOIN persons pe ON pe.id = dp.person_id JOIN disputes d ON d.id = dp.dispute_id
        WHERE pe.phone IS NOT NULL AND length(d.division_code) = 12 ORDER BY d.registered_at DESC LIMIT 3`,
    );
    const known = [...reporters, ...parties];
    if (!communities.length) return;
    let n = 0;
    await db.tx(async (q) => {
      for (let i = 0; i < 30; i++) {
        const k = known[i];
        // The first files after the known ones go to the communities of the demo grid workers, so each of them (gridworker first) is on a team.
        const u = i - known.length;
        const community = k ? k.division_code : u >= 0 && u < GRID_WORKER_COMMUNITIES.length ? GRID_WORKER_COMMUNITIES[u] : pick(rng, communities).code;
        const street = community.slice(0, 9);
        const grid = grids.find((g) => g.division_code === community);
        const gridWorker = users.find((u) => u.id === grid?.worker_user_id);
        const leader = byName.get(tagged('township', street));
        const police = byName.get(tagged('police', street));
        const tier = i === 0 ? 'red' : pick(rng, ['red', 'orange', 'orange', 'yellow', 'yellow', 'yellow']);
        const name = k?.name ?? `${pick(rng, SURNAMES)}${pick(rng, GIVEN)}`;
        const age = int(rng, 20, 200);
        const registered = now - age * DAY;
        const team = [
          ...(leader ? [{ role: 'leader', name: leader.display_name, userId: leader.id }] : []),
          { role: 'cadre', name: `${pick(rng, SURNAMES)}${pick(rng, GIVEN)}` },
          ...(gridWorker ? [{ role: 'grid_worker', name: gridWorker.display_name, userId: gridWorker.id }] : []),
          ...(police ? [{ role: 'police', name: police.display_name, userId: police.id }] : []),
          { role: 'family', name: `${name.slice(0, 1)}${pick(rng, GIVEN)}` },
        ];
        const input = KEYPERSON_FILE_INPUT.parse({
          person: {
            name, ...(k ? { phone: k.phone } : { phone: `137${String(int(rng, 0, 99_999_999)).padStart(8, '0')}` }),
            ...(k ? {} : { idNumber: withCheckDigit(`430602${int(rng, 1955, 2008)}${String(int(rng, 1, 12)).padStart(2, '0')}${String(int(rng, 1, 28)).padStart(2, '0')}${String(int(rng, 100, 999))}`) }),
            gender: pick(rng, ['male', 'male', 'female']),
          },
          categories: pick(rng, CATS), tier, divisionCode: community, ...(grid ? { gridId: grid.id } : {}),
          address: `${community.slice(-3)}号楼${int(rng, 1, 6)}单元${int(rng, 101, 1802)}室`, team,
        });
        const file = await openKeypersonFile(q, { clocks, vault }, null, { ...input, unitId: police?.unit_id ?? undefined }, registered);
        const actor = { id: (gridWorker ?? police ?? leader)?.id ?? null, unitId: (gridWorker ?? police ?? leader)?.unit_id ?? null };
        await recordKeypersonMeasure(q, { clocks }, actor, { id: file.id, no: file.no, name, tier_code: tier, unit_id: police?.unit_id ?? null, visit_due_at: null, last_visit_at: null }, { kind: 'ledger', note: NOTES.ledger[0], at: registered + 3_600_000, recordedAt: registered + 3_600_000 });
        // Visits on the tier's rhythm up to a few days ago; the first person's last visit is long past (overdue).
        const every = tier === 'red' ? 7 : tier === 'orange' ? 15 : 30;
        const last = i === 0 ? now - 12 * DAY : now - int(rng, 1, every - 1) * DAY;
        const times: number[] = [];
        for (let t = last; t > registered + DAY && times.length < 4; t -= every * DAY) times.unshift(t - (t === last ? 0 : int(rng, 0, 12) * 3_600_000));
        let due: number | null = null;
        for (const [vi, at] of times.entries()) {
          const kind = pick(rng, ['visit', 'visit', 'check']) as 'visit' | 'check';
          const lastOne = vi === times.length - 1;
          // Only the last visit restarts the clock (and stamps the file); the earlier ones are on the timeline, on time or not by the tier's rhythm.
          await recordKeypersonMeasure(q, { clocks }, actor, { id: file.id, no: file.no, name, tier_code: tier, unit_id: police?.unit_id ?? null, visit_due_at: due === null ? null : new Date(due), last_visit_at: null }, { kind, note: pick(rng, NOTES[kind]), at, recordedAt: at, restartClock: lastOne });
          due = at + every * DAY;
        }
        for (const kind of ['supervision', 'opinion', 'help'] as const) {
          if (rng() < 0.5) await recordKeypersonMeasure(q, { clocks }, actor, { id: file.id, no: file.no, name, tier_code: tier, unit_id: null, visit_due_at: null, last_visit_at: null }, { kind, note: pick(rng, NOTES[kind]), at: now - int(rng, 1, 20) * DAY, recordedAt: 'same' });
        }
        n++;
      }
    });
    opts.log?.(`demo: ${n} key persons with their teams and measures`);
  });
}
