/**
 * Demo data of the target tasks register: the demo county's list
 * 岳阳楼区市域社会治理现代化试点 2026 (30 tasks, every status, some behind,
 * one review missed), with co-units, milestones, progress entries with
 * evidence, timelines and running clocks. Written in a few batched
 * statements with the register's own tables and the kit; called from
 * seed.ts in one line.
 */
import { v7 as uuidv7 } from 'uuid';
import type { Db } from '../platform/db.ts';
import { withRegisterKit } from './kit.ts';
import type { EventInput } from '../registers/kit/index.ts';
import { ensureTaskDefaults, nextTaskReview, taskClockPlan, TASK_ENTITY } from '../registers/tasks/index.ts';
import { DEMO_DISTRICT } from './org.ts';

const DAY = 86_400_000;
export const DEMO_TASK_LIST = '岳阳楼区市域社会治理现代化试点 2026';

type S = 'not_started' | 'on_schedule' | 'behind' | 'done' | 'done_continuing';

/** [task, lead unit code, co-unit codes, deadline (days from now; null: 长期), status, milestones [name, days from now, done]] */
const TASKS: [string, string, string[], number | null, S, [string, number, boolean][]?][] = [
  ['成立区市域社会治理现代化试点工作领导小组，建立“一办八组”工作格局', 'ZZ-4306', ['GA-430602'], -200, 'done'],
  ['出台区级市域社会治理现代化试点工作实施方案', 'ZZ-4306', [], -180, 'done'],
  ['建成区、街道两级综治中心并实体化运行', 'JD-430602005', ['ZZ-4306', 'GA-430602'], -60, 'done_continuing', [['完成选址改造', -150, true], ['挂牌运行', -70, true]]],
  ['推行“一村（社区）一法律顾问”全覆盖', 'SY-430602', ['FY-430602'], -90, 'done_continuing'],
  ['建立矛盾纠纷多元化解“一站式”受理平台', 'SY-430602', ['FY-430602', 'JD-430602005'], -30, 'done_continuing'],
  ['完善网格化服务管理，实现全区网格员专职化', 'JD-430602005', ['JD-430602001', 'JD-430602006', 'JD-430602013'], -45, 'done_continuing'],
  ['12345 热线与 110 非警务警情分流对接机制', 'HL-4306', ['GA-430602'], -20, 'done'],
  ['开展平安建设“十进”宣传活动', 'JD-430602001', ['JD-430602005'], null, 'done_continuing'],
  ['重点人员分级分类管控“五包一”责任落实', 'GA-430602', ['JD-430602005', 'JD-430602006'], null, 'done_continuing'],
  ['建立社会稳定风险评估工作机制，重大项目应评尽评', 'ZZ-4306', ['ZJ-430602'], -10, 'done'],
  ['老旧小区消防通道专项整治', 'ZJ-430602', ['CG-430602', 'JD-430602005'], -12, 'behind', [['完成摸排建档', -60, true], ['完成整改销号', -12, false]]],
  ['校园周边安全综合治理', 'GA-430602', ['SJ-430602'], 90, 'on_schedule', [['开学季集中整治', -40, true], ['年度评估', 80, false]]],
  ['食品安全“两个责任”包保督导全覆盖', 'SJ-430602', ['JD-430602013'], 60, 'on_schedule'],
  ['劳动关系矛盾预警和欠薪治理', 'RS-430602', ['SY-430602'], 120, 'on_schedule', [['建立在建项目工资专户台账', -15, true], ['春节前欠薪清零', 55, false]]],
  ['生态环境信访问题“清零”行动', 'HB-430602', ['JD-430602006'], -5, 'behind'],
  ['城市管理领域“721”工作法推广', 'CG-430602', ['JD-430602001', 'JD-430602013'], 150, 'on_schedule'],
  ['物业纠纷人民调解委员会全覆盖', 'ZJ-430602', ['SY-430602'], 45, 'on_schedule', [['出台物业纠纷调解工作指引', 20, false]]],
  ['电动自行车充电设施建设', 'CG-430602', ['ZJ-430602'], 200, 'behind', [['完成小区需求摸排', -8, false]]],
  ['“雪亮工程”视频监控联网补点', 'GA-430602', [], 75, 'on_schedule'],
  ['诉源治理“万人成讼率”下降目标', 'FY-430602', ['SY-430602'], 240, 'on_schedule'],
  ['社区矫正对象帮扶就业', 'SY-430602', ['RS-430602'], null, 'done_continuing'],
  ['严重精神障碍患者监护补贴发放', 'JD-430602013', ['GA-430602'], null, 'done_continuing'],
  ['青少年违法犯罪预防“护苗”行动', 'GA-430602', ['JD-430602001'], 100, 'on_schedule'],
  ['企业矛盾纠纷调处服务站建设', 'QY-430602', ['SJ-430602'], 180, 'not_started'],
  ['智慧社区试点建设', 'JD-430602006', ['ZZ-4306'], 260, 'not_started', [['完成试点社区遴选', 40, false]]],
  ['平安建设群众满意度提升专项行动', 'ZZ-4306', ['JD-430602001', 'JD-430602005', 'JD-430602006', 'JD-430602013'], 300, 'not_started'],
  ['婚姻家庭纠纷排查化解', 'JD-430602005', ['SY-430602'], null, 'done_continuing'],
  ['道路交通安全隐患整治', 'GA-430602', ['CG-430602'], -40, 'done'],
  ['市场主体信用监管体系建设', 'SJ-430602', [], -25, 'done_continuing'],
  ['网格员队伍培训考核全覆盖', 'JD-430602001', ['JD-430602005'], 30, 'on_schedule'],
];

const NOTES = [
  '召开专题推进会，细化责任分工，形成工作台账',
  '完成阶段性目标，相关制度文件已印发',
  '组织督导检查一次，发现问题已整改到位',
  '按双月调度要求报送工作进展和佐证材料',
];

const localDate = (t: number) => new Date(t + 8 * 3_600_000).toISOString().slice(0, 10);

export async function seedTaskDemo(db: Db, opts: { log?: (m: string) => void } = {}): Promise<void> {
  const log = opts.log ?? (() => {});
  const now = Date.now();
  return withRegisterKit(db, async ({ clocks }) => {
  await db.tx((q) => ensureTaskDefaults(q, clocks));
  const exists = await db.query(`SELECT 1 FROM task_lists WHERE name = $1`, [DEMO_TASK_LIST]);
  if (exists.length) return;
  const units = new Map((await db.query<{ id: string; code: string }>(`SELECT id, code FROM units`)).map((u) => [u.code, u.id]));
  const leader = (await db.query<{ id: string; unit_id: string | null }>(`SELECT id, unit_id FROM users WHERE 'leader' = ANY (roles) ORDER BY username LIMIT 1`))[0];
  const rows = TASKS.filter(([, lead, co]) => units.has(lead) && co.every((c) => units.has(c)));
  if (!rows.length || !leader) return;
  const start = now - 240 * DAY;
  const listId = uuidv7();
  await db.tx(async (q) => {
    await q.query(`INSERT INTO task_lists (id, name, division_code, owner_unit_id, description, review_months, created_by, created_at) VALUES ($1, $2, $3, $4, $5, 2, $6, $7)`, [
      listId, DEMO_TASK_LIST, DEMO_DISTRICT, units.get('ZZ-4306') ?? null, '对照全国市域社会治理现代化试点合格城市标准，实行目标任务清单化管理，明确责任单位和完成时限，双月调度。', leader.id, new Date(start),
    ]);
    const tasks = rows.map(([name, lead, co, days, status, ms], i) => {
      const id = uuidv7();
      const deadline = days === null ? null : localDate(now + days * DAY);
      const progressN = status === 'not_started' ? 0 : 1 + (i % 3);
      // Task 17 (物业纠纷调解) missed its last review: due five days ago, nothing reported since.
      const missed = i === 16;
      const last = progressN ? now - (missed ? 66 : 5 + (i % 40)) * DAY : null;
      const next = status === 'done' ? null : missed ? new Date(now - 5 * DAY) : nextTaskReview(last ?? now - 20 * DAY, 2);
      return { id, i, name, lead: units.get(lead)!, co: co.map((c) => units.get(c)!), deadline, status, ms: ms ?? [], progressN, last, next, missed };
    });
    await q.query(
      `INSERT INTO tasks (id, list_id, seq, sort_key, name, lead_unit_id, co_unit_ids, deadline, deadline_text, status, version, last_review_at, next_review_at, reviews_on_time, reviews_missed, done_at, created_by, created_at)
       SELECT x.id, $1, x.sk::text, x.sk, x.name, x.lead, coalesce((SELECT array_agg(c::uuid) FROM jsonb_array_elements_text(x.co::jsonb) c), '{}'), x.dl::date, coalesce(x.dl, '长期'), x.st, CASE WHEN x.st = 'not_started' THEN 1 ELSE 2 END,
              x.lr, x.nr, x.ot, x.mi, CASE WHEN x.st IN ('done', 'done_continuing') THEN x.lr END, $2, $3
         FROM unnest($4::uuid[], $5::int[], $6::text[], $7::uuid[], $8::text[], $9::text[], $10::text[], $11::timestamptz[], $12::timestamptz[], $13::int[], $14::int[])
           AS x(id, sk, name, lead, co, dl, st, lr, nr, ot, mi)`,
      [listId, leader.id, new Date(start), tasks.map((t) => t.id), tasks.map((t) => t.i + 1), tasks.map((t) => t.name), tasks.map((t) => t.lead), tasks.map((t) => JSON.stringify(t.co)),
        tasks.map((t) => t.deadline), tasks.map((t) => t.status), tasks.map((t) => (t.last ? new Date(t.last) : null)), tasks.map((t) => t.next),
        tasks.map((t) => t.progressN), tasks.map((t) => (t.missed ? 1 : 0))],
    );
    const ms = tasks.flatMap((t) => t.ms.map(([name, days, done], k) => ({ id: uuidv7(), task: t.id, k, name, due: localDate(now + days * DAY), done: done ? new Date(now + (days - 3) * DAY) : null })));
    if (ms.length) {
      await q.query(`INSERT INTO task_milestones (id, task_id, ord, name, due_date, done_at) SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::text[], $5::date[], $6::timestamptz[])`, [
        ms.map((m) => m.id), ms.map((m) => m.task), ms.map((m) => m.k), ms.map((m) => m.name), ms.map((m) => m.due), ms.map((m) => m.done),
      ]);
    }
    const progress = tasks.flatMap((t) => Array.from({ length: t.progressN }, (_v, k) => {
      const at = (t.last ?? now) - k * 60 * DAY;
      const done = k === 0 && (t.status === 'done' || t.status === 'done_continuing');
      const note = done ? `【${t.status === 'done' ? '已完成' : '已完成并持续推进'}】${t.name.slice(0, 16)}任务已完成，验收材料已归档${t.status === 'done_continuing' ? '，建立长效机制持续推进' : ''}` : NOTES[(t.i + k) % NOTES.length];
      return { id: uuidv7(), task: t.id, at: new Date(at), note, url: done ? `https://zzw.example.gov.cn/evidence/${t.i + 1}.pdf` : null, unit: k % 2 && t.co.length ? t.co[0] : t.lead };
    }));
    if (progress.length) {
      await q.query(`INSERT INTO task_progress (id, task_id, at, note, evidence_url, on_time, actor_unit_id) SELECT x.id, x.t, x.at, x.n, x.u, true, x.un FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::text[], $5::text[], $6::uuid[]) AS x(id, t, at, n, u, un)`, [
        progress.map((g) => g.id), progress.map((g) => g.task), progress.map((g) => g.at), progress.map((g) => g.note), progress.map((g) => g.url), progress.map((g) => g.unit),
      ]);
    }
    const events: EventInput[] = [];
    // Each event with its time: listed at the list's start, moved on schedule a week later, progress when reported, done with the last report, behind two days ago.
    const at: Date[] = [];
    for (const t of tasks) {
      const push = (e: EventInput, when: number) => {
        events.push(e);
        at.push(new Date(Math.min(when, now)));
      };
      const status = (when: number) =>
        push({ entityType: TASK_ENTITY, entityId: t.id, version: 2, action: t.status === 'behind' ? 'behind' : 'status', from: 'not_started', to: t.status, actorUserId: t.status === 'behind' ? null : leader.id, actorUnitId: null,
          comment: t.status === 'behind' ? '完成时限或节点已过，系统自动标记滞后 (marked behind by the sweeper)' : null, data: t.status === 'behind' ? { auto: true } : {} }, when);
      push({ entityType: TASK_ENTITY, entityId: t.id, version: 1, action: 'create', from: null, to: 'not_started', actorUserId: leader.id, actorUnitId: leader.unit_id, comment: '列入目标任务清单', data: { list: DEMO_TASK_LIST, seq: String(t.i + 1) } }, start);
      if (t.status === 'on_schedule') status(start + 7 * DAY);
      for (const g of progress.filter((x) => x.task === t.id).reverse()) push({ entityType: TASK_ENTITY, entityId: t.id, version: null, action: 'progress', from: null, to: null, actorUserId: null, actorUnitId: g.unit, comment: g.note, data: { progressId: g.id, evidenceUrl: g.url, onTime: true } }, g.at.getTime());
      if (t.status === 'done' || t.status === 'done_continuing') status(t.last ?? start + 30 * DAY);
      if (t.status === 'behind') status(now - 2 * DAY);
    }
    // The kit's appendEvents stamps now(); the demo's history is spread over the months before, so its events go in with their times.
    await q.query(
      `INSERT INTO entity_events (entity_type, entity_id, version, at, actor_user_id, actor_unit_id, action, from_status, to_status, comment, data)
       SELECT e.t, e.id, e.v, e.at, e.au, e.un, e.a, e.f, e.s, e.c, e.d::jsonb
         FROM unnest($1::text[], $2::uuid[], $3::int[], $4::timestamptz[], $5::uuid[], $6::uuid[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[]) WITH ORDINALITY AS e(t, id, v, at, au, un, a, f, s, c, d, k)
        ORDER BY e.k`,
      [events.map((e) => e.entityType), events.map((e) => e.entityId), events.map((e) => e.version), at, events.map((e) => e.actorUserId), events.map((e) => e.actorUnitId),
        events.map((e) => e.action), events.map((e) => e.from), events.map((e) => e.to), events.map((e) => e.comment ?? null), events.map((e) => JSON.stringify(e.data ?? {}))],
    );
    // Clocks as each task stands; the lapses already past are red (the warnings were given).
    const planned = tasks.flatMap((t) => taskClockPlan({ id: t.id, seq: String(t.i + 1), name: t.name, list_name: DEMO_TASK_LIST, lead_unit_id: t.lead, status: t.status, deadline: t.deadline, next_review_at: t.next },
      ms.filter((m) => m.task === t.id).map((m) => ({ id: m.id, due_date: m.due, done_at: m.done })), now).start);
    await clocks.startMany(q, TASK_ENTITY, planned);
    await q.query(`UPDATE entity_clocks SET warning = 'red', next_check_at = escalate_at WHERE entity_type = $1 AND due_at < $2`, [TASK_ENTITY, new Date(now)]);
  });
  log(`demo: target task list ${DEMO_TASK_LIST} with ${rows.length} tasks`);
  });
}
