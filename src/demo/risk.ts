/**
 * Demo data of risk assessment: the shipped county framework (8 categories,
 * 21 dimensions), two monthly periods over the demo city's counties (values
 * computed from the demo's own records, the rest generated with a seeded
 * generator so each county keeps a character from month to month), both
 * scored; and four projects' social-stability risk assessments in different
 * states. Called from seed.ts in one line, after the work orders exist;
 * everything is written in batches.
 */
import { v7 as uuidv7 } from 'uuid';
import type { Db } from '../platform/db.ts';
import { ASSESSMENT_ENTITY, computeValues, createFramework, defaultFramework, flatten, periodCounties, scorePeriod, upsertValues, type PeriodRow } from '../registers/risk/index.ts';
import { DEMO_CITY, DEMO_DISTRICT } from './org.ts';
import { mulberry32 } from './geo.ts';

const DAY = 86_400_000;

/** Months ending before today (Asia/Shanghai): the last two full ones. */
function lastMonths(now: number): { code: string; name: string; startsOn: string; endsOn: string }[] {
  const d = new Date(now + 8 * 3_600_000);
  const out = [];
  for (const back of [2, 1]) {
    const first = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - back, 1));
    const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0));
    const y = first.getUTCFullYear();
    const m = first.getUTCMonth() + 1;
    out.push({ code: `${y}-${String(m).padStart(2, '0')}`, name: `${y}年${m}月`, startsOn: first.toISOString().slice(0, 10), endsOn: last.toISOString().slice(0, 10) });
  }
  return out;
}

export async function seedRiskDemo(db: Db, opts: { log?: (m: string) => void; now?: number } = {}): Promise<void> {
  const log = opts.log ?? (() => {});
  const now = opts.now ?? Date.now();
  const t0 = performance.now();
  const rng = mulberry32(20261208);
  const sup = (await db.query<{ id: string }>(`SELECT id FROM users WHERE username = 'supervisor'`))[0]?.id ?? null;
  const leader = (await db.query<{ id: string }>(`SELECT id FROM users WHERE username = 'leader'`))[0]?.id ?? null;
  if ((await db.query(`SELECT 1 FROM risk_frameworks LIMIT 1`)).length) return;
  const fw = defaultFramework();
  const fwId = await db.tx((q) => createFramework(q, fw, sup));
  const counties = await periodCounties(db, DEMO_CITY);
  const entered = flatten(fw.spec).filter((f) => f.indicator.source === 'entered');
  // Each county's character: a risk propensity in [0, 1] kept from month to month.
  const propensity = new Map(counties.map((c) => [c.code, c.code === DEMO_DISTRICT ? 0.7 : rng()]));

  for (const [k, m] of lastMonths(now).entries()) {
    const id = uuidv7();
    await db.query(`INSERT INTO risk_periods (id, code, name, scope_code, starts_on, ends_on, framework_id, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [
      id, m.code, `${m.name}县域风险评估`, DEMO_CITY, m.startsOn, m.endsOn, fwId, sup,
    ]);
    const period: PeriodRow = { id, code: m.code, name: m.name, scope_code: DEMO_CITY, scope_name: null, starts_on: m.startsOn, ends_on: m.endsOn, framework_id: fwId, scored_at: null, created_at: new Date() };
    const rows: { d: string; i: string; v: number | null }[] = [];
    for (const c of counties) {
      const p = Math.min(1, Math.max(0, propensity.get(c.code)! + (rng() - 0.5) * 0.2 + (k ? -0.03 : 0)));
      for (const f of entered) {
        const ind = f.indicator;
        // A value where the county's propensity sits, with noise; safety indicators run the other way.
        const x = Math.min(1, Math.max(0, (ind.direction === 'risk' ? p : 1 - p) * 0.8 + rng() * 0.2));
        let v: number;
        if (ind.normalise.method === 'fixed') v = Math.round((ind.normalise.min + x * (ind.normalise.max - ind.normalise.min)) * 10_000) / 10_000;
        else v = Math.round(x * (ind.unit?.includes('万人') ? 40 : 60));
        // One value a month is missing (a county that has not reported), to show the report saying so.
        if (c.code === counties[(k * 3 + 2) % counties.length].code && ind.code === 'I171') continue;
        rows.push({ d: c.code, i: ind.code, v });
      }
    }
    await db.tx(async (q) => {
      await upsertValues(q, id, rows, 'imported', sup ?? (await q.query<{ id: string }>(`SELECT id FROM users LIMIT 1`))[0].id);
      await computeValues(q, period, fw.spec, sup!);
      await scorePeriod(q, period, sup);
    });
  }

  // Four projects' social-stability risk assessments (a county assesses about four a year).
  const panel = (names: string[]) => names.map((n, i) => ({ name: n, field: ['法律', '工程', '社会学', '财务', '环境'][i], affiliation: ['岳阳市律师协会', '湖南理工学院', '岳阳市委党校', '岳阳市审计局', '岳阳市生态环境局'][i] }));
  const finding = (score: number, findings: string) => ({ score, findings });
  type Spec = { project: string; division: string; unit: string; body: string; third: boolean; experts: string[]; status: string; outcome?: string; decision?: string; conditions?: string; survey?: [number, number]; dims?: Record<string, { score: number; findings: string }>; follow?: string[]; ageDays: number };
  const specs: Spec[] = [
    {
      project: '东茅岭片区棚户区改造项目', division: '430602005', unit: '岳阳楼区住房和城乡建设局', body: '湖南省社会稳定风险评估研究中心', third: true, experts: ['陈立法', '周建工', '吴社研', '郑审计', '孙环评'],
      status: 'following_up', outcome: 'medium', decision: 'proceed', conditions: '补偿安置方案公示不少于30日；设立片区矛盾调处工作站；分批签约、先安置后拆除', survey: [1200, 1012],
      dims: { legality: finding(15, '征收程序符合《国有土地上房屋征收与补偿条例》'), reasonableness: finding(40, '补偿标准略低于周边新近项目，部分住户有异议'), feasibility: finding(25, '安置房源已落实，资金到位'), controllability: finding(45, '少数住户情绪激烈，需专人稳控') },
      follow: ['方案公示30日，收到意见47条，已逐条答复', '片区调处工作站化解补偿纠纷9起'], ageDays: 50,
    },
    {
      project: '南湖大道拓宽改造工程征地拆迁', division: '430602013', unit: '岳阳楼区人民政府南湖街道办事处', body: '岳阳楼区委政法委', third: false, experts: ['陈立法', '周建工', '吴社研'],
      status: 'decided', outcome: 'high', decision: 'postpone', conditions: '补偿标准重新评估并召开听证会，信访积案化解后再行报批', survey: [600, 318],
      dims: { legality: finding(30, '部分地块用地手续尚未完备'), reasonableness: finding(70, '沿街商户补偿诉求与方案差距较大'), feasibility: finding(40, '工期与汛期重叠'), controllability: finding(75, '已有集体访苗头') },
      ageDays: 30,
    },
    { project: '岳阳楼区生活垃圾焚烧发电厂选址', division: DEMO_DISTRICT, unit: '岳阳楼区城市管理和综合执法局', body: '湖南某工程咨询有限公司', third: true, experts: ['孙环评', '周建工', '吴社研', '陈立法', '郑审计'], status: 'assessing', ageDays: 12 },
    {
      project: '五里牌街道老旧小区加装电梯', division: '430602006', unit: '岳阳楼区住房和城乡建设局', body: '五里牌街道办事处', third: false, experts: ['周建工', '吴社研', '陈立法'],
      status: 'closed', outcome: 'low', decision: 'proceed', survey: [240, 221],
      dims: { legality: finding(5, '符合既有住宅加装电梯政策'), reasonableness: finding(15, '低层住户经协商同意'), feasibility: finding(10, '财政补贴到位'), controllability: finding(10, '无明显风险') },
      follow: ['12台电梯全部投入使用'], ageDays: 90,
    },
  ];
  const events: { id: string; v: number; at: Date; actor: string | null; action: string; from: string | null; to: string; comment: string | null; data: string }[] = [];
  const known = new Set((await db.query<{ code: string }>(`SELECT code FROM divisions WHERE code = ANY ($1::text[])`, [specs.map((s) => s.division)])).map((r) => r.code));
  await db.tx(async (q) => {
    for (const s of specs) {
      if (!known.has(s.division)) s.division = DEMO_DISTRICT;
      const id = uuidv7();
      const seq = (await q.query<{ n: number }>(`SELECT nextval('risk_assessment_no_seq')::int AS n`))[0].n;
      const created = new Date(now - s.ageDays * DAY);
      const at = (d: number) => new Date(created.getTime() + d * DAY);
      const path: [string, string, string | null][] = [['register', 'draft', null], ['start', 'assessing', null]];
      if (s.outcome) path.push(['assess', 'assessed', null], ['decide', 'decided', s.conditions ?? null]);
      for (const f of s.follow ?? []) path.push(['follow_up', 'following_up', f]);
      if (s.status === 'closed') path.push(['close', 'closed', null]);
      await q.query(
        `INSERT INTO risk_assessments (id, no, project, division_code, responsible_unit, assessing_body, third_party, experts, dimensions, survey_sample, survey_supporters, survey_method,
           outcome, decision, conditions, status, version, assessed_at, decided_at, closed_at, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)`,
        [
          id, `WP${created.getUTCFullYear()}${String(seq).padStart(5, '0')}`, s.project, s.division, s.unit, s.body, s.third, JSON.stringify(panel(s.experts)), JSON.stringify(s.dims ?? {}),
          s.survey?.[0] ?? null, s.survey?.[1] ?? null, s.survey ? '入户问卷与座谈' : null, s.outcome ?? null, s.decision ?? null, s.conditions ?? null, s.status, path.length,
          s.outcome ? at(10) : null, s.decision ? at(14) : null, s.status === 'closed' ? at(60) : null, sup, created,
        ],
      );
      let prev: string | null = null;
      path.forEach(([action, to, comment], i) => {
        const data = action === 'decide' ? { decision: s.decision } : action === 'assess' ? { outcome: s.outcome } : {};
        events.push({ id, v: i + 1, at: at([0, 2, 10, 14, 20, 35, 60][Math.min(i, 6)]), actor: action === 'decide' || action === 'close' ? leader : sup, action, from: prev, to, comment, data: JSON.stringify(data) });
        prev = to;
      });
    }
    // Their timelines at the days things happened, in one statement.
    await q.query(
      `INSERT INTO entity_events (entity_type, entity_id, version, at, actor_user_id, action, from_status, to_status, comment, data)
       SELECT $1, e.id, e.v, e.at, e.actor, e.action, e.f, e.t, e.c, e.d::jsonb
         FROM unnest($2::uuid[], $3::int[], $4::timestamptz[], $5::uuid[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[]) AS e(id, v, at, actor, action, f, t, c, d)`,
      [ASSESSMENT_ENTITY, events.map((e) => e.id), events.map((e) => e.v), events.map((e) => e.at), events.map((e) => e.actor), events.map((e) => e.action), events.map((e) => e.from), events.map((e) => e.to), events.map((e) => e.comment), events.map((e) => e.data)],
    );
  });
  log(`demo: risk framework (8 categories, 21 dimensions), 2 scored periods over ${counties.length} counties, ${specs.length} project assessments in ${Math.round(performance.now() - t0)} ms`);
}
