/**
 * Demo data of the registers: about 300 disputes and hazards and 40 petitions
 * in the four demo streets of 岳阳楼区, in every state, with texts written for
 * the demo, their parties and petitioners, timelines, links and running
 * clocks; and the petition officer's demo account. Called from seed.ts in one
 * line (after the users exist); written with the registers' own tables and
 * kit, on a planned clock over the last 120 days.
 */
import { v7 as uuidv7 } from 'uuid';
import type { Db, Queryable } from '../platform/db.ts';
import { hashPassword } from '../org/auth.ts';
import { upsertUser } from '../org/store.ts';
import { withRegisterKit } from './kit.ts';
import { appendEvent, link, upsertPerson, withCheckDigit } from '../registers/kit/index.ts';
import { ensureDisputeDefaults } from '../registers/disputes/index.ts';
import { ensurePetitionDefaults } from '../registers/petitions/index.ts';
import { DEMO_CITY, DEMO_STREETS } from './org.ts';
import { mulberry32 } from './geo.ts';
import { int, pick } from './plan.ts';

const DAY = 86_400_000;

/** Dispute texts by category code: [summary, agreement terms]. */
const DISPUTES: Record<string, [string, string][]> = {
  '01': [
    ['夫妻因子女抚养和家庭开支长期争吵，女方提出离婚，男方不同意', '双方同意暂缓离婚，每月家庭开支共同商定，男方每周至少三天接送孩子'],
    ['儿女对老人赡养费分担意见不一，老人生活无着，向社区求助', '三名子女每人每月支付赡养费600元，轮流陪护老人就医'],
    ['婆媳因照看孙辈方式产生矛盾，多次发生口角', '双方约定育儿分工，小夫妻每周陪老人外出一次，互相尊重'],
  ],
  '02': [
    ['楼上住户装修噪音扰民，双方多次争吵，已报警一次', '装修方晚8点后、午间12点至14点不施工，工期内提前告知邻居'],
    ['邻居在公共楼道堆放杂物，堵塞消防通道引发矛盾', '三日内清理楼道杂物，今后公共区域不再堆放'],
    ['相邻住户空调外机噪音和冷凝水滴落引发纠纷', '移装空调外机并加装接水管，费用由外机所有人承担'],
    ['楼下住户家中天花板渗水，认为系楼上卫生间防水损坏所致', '楼上住户负责重做防水，并赔偿楼下墙面修复费用1800元'],
  ],
  '03': [
    ['两户村民对宅基地界址认定不一，一方砌墙被另一方推倒', '以1998年确权图为准重新划定界址，推倒围墙一方赔偿材料费800元'],
    ['承包地流转租金长期拖欠，村民要求收回土地', '承租方于月底前付清拖欠租金，合同继续履行至期满'],
  ],
  '04': [
    ['装修公司拖欠12名工人工资共计8.6万元，工人聚集讨薪', '公司分两期于30日内付清全部工资，由总包方承担连带责任'],
    ['餐饮店员工被辞退，要求支付经济补偿金，店方拒绝', '店方一次性支付经济补偿4500元，双方解除劳动关系'],
    ['快递员工作中受伤，与站点就工伤待遇发生争议', '站点垫付医疗费并协助申报工伤认定，停工期间工资照发'],
  ],
  '05': [
    ['患者术后出现感染，家属认为医院存在过错，要求赔偿', '经医调委组织，医院一次性补偿患者3.2万元，患者不再追究'],
  ],
  '06': [
    ['小区业主不满物业服务质量拒交物业费，物业停止部分服务', '物业整改保洁、门禁问题，业主补交物业费，成立业主代表监督小组'],
    ['地下车库积水淹车，业主要求物业公司赔偿', '物业公司承担维修费用的40%，并于雨季前完成排水改造'],
  ],
  '07': [
    ['旧城改造项目中两户居民对房屋面积测量结果有异议', '委托第三方重新测绘，以复测结果为准计算补偿'],
  ],
  '08': [
    ['电动车与行人碰撞致行人骨折，双方就赔偿金额争执不下', '电动车车主赔偿医疗费、误工费等共计2.6万元，分三期付清'],
    ['小区内倒车剐蹭邻居车辆，双方对维修费用有争议', '肇事方承担维修费用2300元，当场支付'],
  ],
  '09': [
    ['消费者在健身房办卡后健身房停业，要求退还余额', '经营者退还剩余卡费3600元，十个工作日内到账'],
    ['网购家具送货后发现质量问题，商家拒绝退换', '商家上门更换同款家具并承担运费'],
  ],
  '10': [
    ['朋友间借款5万元到期未还，出借人多次催讨无果', '借款人每月归还5000元，十个月内还清，不计利息'],
    ['装修合同约定工期已过两个月仍未完工，业主要求赔偿', '装修方三十日内完工，减免装修款5000元'],
  ],
  '99': [['广场舞音响音量过大，周边居民与跳舞群众发生争执', '活动时间调整为19:00-20:30，音响音量控制在60分贝以下']],
};

const HAZARDS: [string, string][] = [
  ['03', '某村两个村民小组因山林权属争议多次聚集，存在群体冲突风险'],
  ['04', '在建项目总包方资金链紧张，可能出现大面积欠薪'],
  ['07', '片区征收补偿方案公示后部分居民情绪激烈，扬言集体上访'],
  ['06', '老旧小区电梯长期带病运行，业主与物业矛盾尖锐'],
  ['02', '独居精神障碍患者多次与邻居发生冲突，存在肇事肇祸风险'],
];

const PETITIONS: [string, string][] = [
  ['征地拆迁', '反映棚户区改造补偿标准低于周边项目，要求重新评估'],
  ['劳动社保', '反映原单位未足额缴纳养老保险，影响退休待遇'],
  ['城乡建设', '反映小区配套幼儿园交付后长期闲置，要求尽快开办'],
  ['物业管理', '反映物业公司擅自占用公共收益，要求公开账目'],
  ['环境保护', '反映附近餐饮店油烟直排，多次投诉未解决'],
  ['涉法涉诉', '对民事判决执行进度不满，要求加快执行'],
  ['农村农业', '反映土地承包经营权确权面积与实际不符'],
];

const NAMES = ['刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '高', '林', '罗', '郑', '梁', '谢'];
const GIVEN = ['建国', '桂英', '志强', '秀兰', '海波', '丽华', '德明', '春梅', '卫东', '玉珍', '国庆', '红霞', '小军', '淑芬', '家豪', '雪梅'];

const DISPUTE_STATES = ['registered', 'assigned', 'mediating', 'resolved', 'failed', 'referred', 'followed_up', 'closed'] as const;

export async function seedRegisterDemo(db: Db, opts: { log?: (m: string) => void; password?: string } = {}): Promise<{ username: string; password: string; role: string; displayName: string; unit?: string }[]> {
  const rng = mulberry32(20261207);
  const now = Date.now();
  return withRegisterKit(db, async ({ vault, clocks }) => {
    await db.tx((q) => ensureDisputeDefaults(q, clocks));
    await db.tx((q) => ensurePetitionDefaults(q, clocks));
    const officer = await upsertUser(db, { username: 'xinfang', displayName: '罗晓燕', roles: ['petition_officer'], unitCode: 'ZZ-4306', scopeCodes: [DEMO_CITY] }).catch(() => null);
    if (officer && opts.password) await db.query(`UPDATE users SET password_hash = $1 WHERE id = $2`, [await hashPassword(opts.password), officer.id]);
    const communities = await db.query<{ code: string; street: string }>(`SELECT code, left(code, 9) AS street FROM divisions WHERE length(code) = 12 AND left(code, 9) = ANY ($1::text[])`, [[...DEMO_STREETS]]);
    const mediators = await db.query<{ id: string; unit_id: string; code: string; name: string }>(
      `SELECT u.id, u.unit_id, un.code, un.name FROM users u JOIN units un ON un.id = u.unit_id WHERE 'mediator' = ANY (u.roles)`,
    );
    const township = await db.query<{ id: string; unit_id: string; street: string }>(`SELECT id, unit_id, scope_codes[1] AS street FROM users WHERE 'township' = ANY (roles) AND cardinality(scope_codes) = 1`);
    const leader = (await db.query<{ id: string }>(`SELECT id FROM users WHERE 'leader' = ANY (roles) LIMIT 1`))[0];
    if (!communities.length || !mediators.length) return [];
    const person = () => `${pick(rng, NAMES)}${pick(rng, GIVEN)}`;
    const phone = () => `139${String(int(rng, 0, 99_999_999)).padStart(8, '0')}`;
    const idNo = () => withCheckDigit(`430602${int(rng, 1950, 2000)}${String(int(rng, 1, 12)).padStart(2, '0')}${String(int(rng, 1, 28)).padStart(2, '0')}${String(int(rng, 100, 999))}`);

    // Disputes and hazards.
    const disputes: { id: string; no: string }[] = [];
    await db.tx(async (q) => {
      const cats = Object.keys(DISPUTES);
      for (let i = 0; i < 300; i++) {
        const hazard = i % 12 === 0;
        const [cat, summary, terms] = hazard ? [...pick(rng, HAZARDS), ''] : ((c) => [c, ...pick(rng, DISPUTES[c])])(pick(rng, cats));
        const c = pick(rng, communities);
        const med = mediators.find((m) => m.code === `TJ-${c.street}`) ?? pick(rng, mediators);
        const tw = township.find((t) => t.street === c.street);
        // Older entries have gone further: a realistic mix of states.
        const age = int(rng, 0, 120);
        const state = age < 5 ? pick(rng, DISPUTE_STATES.slice(0, 3)) : age < 20 ? pick(rng, DISPUTE_STATES.slice(1, 6)) : pick(rng, ['resolved', 'followed_up', 'closed', 'closed', 'failed', 'referred', 'mediating'] as const);
        const reg = now - age * DAY - int(rng, 0, 8) * 3_600_000;
        const step = (k: number) => new Date(Math.min(now, reg + k * Math.max(1, age / 5) * DAY));
        const id = uuidv7();
        const no = `JF${new Date(reg + 8 * 3_600_000).getUTCFullYear()}${String((await q.query<{ n: number }>(`SELECT nextval('dispute_no_seq')::int AS n`))[0].n).padStart(7, '0')}`;
        const assigned = state !== 'registered' && !(state === 'referred' && i % 2);
        const failed = state === 'failed' || (state === 'referred' && assigned);
        const resolved = ['resolved', 'followed_up', 'closed'].includes(state) && !(state === 'closed' && failed);
        const outcome = resolved ? (hazard || i % 7 === 0 ? 'otherwise' : 'agreement') : failed ? 'failed' : null;
        const risk = hazard ? pick(rng, ['high', 'medium'] as const) : pick(rng, ['low', 'low', 'low', 'medium', 'high'] as const);
        const version = 1; // set from the events written below
        await q.query(
          `INSERT INTO disputes (id, no, kind, source, category_code, division_code, place, summary, amount, people, risk, complexity, status, version, org_kind, org_name, org_unit_id,
             mediator_ids, outcome, agreement, referral, follow_up, registered_at, assigned_at, resolved_at, failed_at, closed_at, unit_id, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29)`,
          [
            id, no, hazard ? 'hazard' : 'dispute', pick(rng, ['screening', 'screening', 'case12345', 'walk_in', 'police110', 'court'] as const), cat, c.code,
            null, summary, cat === '04' || cat === '10' ? int(rng, 5, 90) * 1000 : null, hazard ? int(rng, 8, 60) : int(rng, 2, 6), risk, pick(rng, ['simple', 'general', 'general', 'complex'] as const),
            state, version, assigned ? 'people_committee' : null, assigned ? med.name : null, assigned ? med.unit_id : null, assigned ? [med.id] : [], outcome,
            outcome === 'agreement' ? JSON.stringify({ terms, performanceDeadline: new Date(step(3).getTime() + 30 * DAY).toISOString().slice(0, 10), signedAt: step(3).toISOString() }) : null,
            state === 'referred' ? JSON.stringify({ to: pick(rng, ['litigation', 'arbitration', 'petition', 'administrative']), note: null, at: step(4).toISOString() }) : null,
            ['followed_up', 'closed'].includes(state) ? JSON.stringify({ performed: outcome === 'agreement' ? rng() < 0.9 : null, notes: '电话回访，当事人表示满意', at: step(4).toISOString() }) : null,
            new Date(reg), assigned ? step(1) : null, resolved ? step(3) : null, failed ? step(3) : null, state === 'closed' ? step(5) : null, med.unit_id, tw?.id ?? med.id,
          ],
        );
        const parties = hazard ? 1 : 2;
        for (let k = 0; k < parties; k++) {
          const pid = await upsertPerson(q, vault, { name: person(), phone: phone(), ...(rng() < 0.5 ? { idNumber: idNo() } : {}) });
          await q.query(`INSERT INTO dispute_parties (dispute_id, person_id, ord) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [id, pid, k]);
        }
        const ev = (v: number, action: string, from: string | null, to: string, at: Date, actor: string, comment: string | null = null) =>
          q.query(`INSERT INTO entity_events (entity_type, entity_id, version, at, actor_user_id, action, from_status, to_status, comment) VALUES ('dispute', $1, $2, $3, $4, $5, $6, $7, $8)`, [id, v, at, actor, action, from, to, comment]);
        let v = 1;
        let s = 'registered';
        await ev(v, 'register', null, s, new Date(reg), tw?.id ?? med.id);
        if (assigned) await ev(++v, 'assign', s, (s = 'assigned'), step(1), tw?.id ?? med.id, `分流至${med.name}`);
        if (assigned && state !== 'assigned') await ev(++v, 'session', s, (s = 'mediating'), step(2), med.id, '组织双方面对面调解，听取各自诉求');
        if (resolved) await ev(++v, 'resolve', s, (s = 'resolved'), step(3), med.id, outcome === 'agreement' ? terms : '经释法说理，当事人撤回诉求');
        if (failed) await ev(++v, 'fail', s, (s = 'failed'), step(3), med.id, '双方分歧较大，调解不成');
        if (state === 'referred') await ev(++v, 'refer', s, (s = 'referred'), step(4), med.id, '引导当事人通过诉讼途径解决');
        if (['followed_up', 'closed'].includes(state)) await ev(++v, 'follow_up', s, (s = 'followed_up'), step(4), med.id, '电话回访，当事人表示满意');
        if (state === 'closed') await ev(++v, 'close', s, (s = 'closed'), step(5), med.id);
        // The row's version is its last event's: the next action's version check and event sequence continue from it.
        await q.query(`UPDATE disputes SET version = $2, status = $3 WHERE id = $1`, [id, v, s]);
        const base = { entityType: 'dispute', entityId: id, ref: no, title: summary.slice(0, 60), unitId: med.unit_id };
        if (['registered', 'assigned', 'mediating'].includes(state)) await clocks.start(q, { ...base, clock: 'resolve', limitKey: assigned ? 'people' : 'general', now: assigned ? step(1).getTime() : reg });
        if (state === 'resolved' && outcome === 'agreement') await clocks.start(q, { ...base, clock: 'perform', limitKey: 'perform', now: step(3).getTime() });
        disputes.push({ id, no });
      }
    });
    opts.log?.(`demo: ${disputes.length} disputes and hazards`);

    // Petitions.
    if (officer) {
      const states = ['registered', 'accepted', 'accepted', 'replied', 'review', 'reviewed', 'final', 'not_accepted', 'closed', 'closed'] as const;
      await db.tx(async (q) => {
        const repeatPerson = await upsertPerson(q, vault, { name: '徐国庆', phone: '13907301234', idNumber: withCheckDigit('43060219580512301') });
        let last: string | null = null;
        for (let i = 0; i < 40; i++) {
          const [type, matter] = pick(rng, PETITIONS);
          const st = states[i % states.length];
          const age = st === 'registered' ? int(rng, 0, 10) : int(rng, 20, 200);
          const reg = now - age * DAY;
          const c = pick(rng, communities);
          const id = uuidv7();
          const no = `XF${new Date(reg + 8 * 3_600_000).getUTCFullYear()}${String((await q.query<{ n: number }>(`SELECT nextval('petition_no_seq')::int AS n`))[0].n).padStart(7, '0')}`;
          const collective = i % 9 === 0;
          const count = collective ? int(rng, 5, 30) : 1;
          const decided = st !== 'registered' ? new Date(reg + int(rng, 3, 16) * DAY) : null;
          const replied = ['replied', 'review', 'reviewed', 'final', 'closed'].includes(st) ? new Date(reg + int(rng, 30, 65) * DAY) : null;
          const repeatOf = i % 10 === 7 ? last : null;
          const lead = i % 6 === 0 && leader ? leader.id : null;
          await q.query(
            `INSERT INTO petitions (id, no, channel, matter_type, matter, division_code, unit_petitioned, petitioner_count, collective, skip_level, repeat_of, status,
               registered_at, accept_due_at, decided_at, reply_due_at, replied_at, reviewed_at, re_reviewed_at, resolved, satisfaction, closed_at, leader_user_id, leader_plan, leader_taken_at, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26)`,
            [
              id, no, pick(rng, ['visit', 'letter', 'online', 'online', 'phone'] as const), type, matter, c.code, '岳阳楼区人民政府', count, collective, i % 13 === 0, repeatOf, st,
              new Date(reg), new Date(reg + 15 * DAY), decided, decided && st !== 'not_accepted' ? new Date(decided.getTime() + 60 * DAY) : null, replied,
              ['reviewed', 'final'].includes(st) && replied ? new Date(replied.getTime() + 20 * DAY) : null, st === 'final' && replied ? new Date(replied.getTime() + 45 * DAY) : null,
              st === 'closed' ? rng() < 0.8 : null, st === 'closed' ? pick(rng, ['satisfied', 'satisfied', 'basically', 'unsatisfied'] as const) : null,
              st === 'closed' && replied ? new Date(replied.getTime() + 10 * DAY) : null, lead, lead ? '一案一策：区领导牵头，责任部门限期提出解决方案，每两周通报进展' : null, lead ? new Date(reg + 5 * DAY) : null, officer.id,
            ],
          );
          const pids = [i % 10 === 7 || i === 0 ? repeatPerson : await upsertPerson(q, vault, { name: person(), phone: phone() })];
          await q.query(`INSERT INTO petition_petitioners (petition_id, person_id, ord) SELECT $1, x, 0 FROM unnest($2::uuid[]) x ON CONFLICT DO NOTHING`, [id, pids]);
          if (st !== 'registered') await q.query(`UPDATE petitions SET version = 2 WHERE id = $1`, [id]);
          await appendEvent(q, { entityType: 'petition', entityId: id, version: 1, action: 'register', from: null, to: 'registered', actorUserId: officer.id, actorUnitId: null, comment: matter });
          if (st !== 'registered') await appendEvent(q, { entityType: 'petition', entityId: id, version: 2, action: st === 'not_accepted' ? 'not_accept' : 'accept', from: 'registered', to: st === 'not_accepted' ? 'not_accepted' : 'accepted', actorUserId: officer.id, actorUnitId: null, comment: st === 'not_accepted' ? '不属于信访事项，告知通过法定途径解决' : '已受理，转有关部门办理' });
          const base = { entityType: 'petition', entityId: id, ref: no, title: matter.slice(0, 60), unitId: null };
          if (st === 'registered') await clocks.start(q, { ...base, clock: 'accept', limitKey: 'accept', now: reg });
          if (st === 'accepted' && decided) await clocks.start(q, { ...base, clock: 'reply', limitKey: 'reply', now: decided.getTime() });
          if (i === 3 && disputes[5]) await link(q, { type: 'dispute', id: disputes[5].id, label: disputes[5].no }, { type: 'petition', id, label: no }, 'referred', { userId: officer.id, unitId: null });
          last = i === 0 ? id : last;
        }
      });
      opts.log?.('demo: 40 petitions');
    }
    return officer && opts.password ? [{ username: 'xinfang', password: opts.password, role: 'petition_officer', displayName: '罗晓燕', unit: '岳阳市社会治理综合指挥中心' }] : [];
  });
}
