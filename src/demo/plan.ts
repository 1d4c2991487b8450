/**
 * What happens to each demo work order, and when: a template of text, a place,
 * a channel and reporter, the steps of its lifecycle with the user who takes
 * each one, and the planned time of every step over the last 60 days. Pure:
 * no I/O, a seeded random generator, so the demo is the same on every start.
 */
import type { CaseType, Channel } from '../cases/model.ts';
import { ACTIONS, type Action, type ActionInput, type Status } from '../cases/lifecycle.ts';
import { pointIn, type Rng } from './geo.ts';
import { DEMO_CITIZEN_PHONE, DEMO_CITY, DEMO_DISTRICT, DEPTS, ROUTE, deptCode, shortVillageName, tagged, type DemoGrid } from './org.ts';
import * as T from './texts.ts';

export interface Step {
  actor: string;
  action: Action;
  input: ActionInput;
  /** Minutes after the previous step: [min, max]. */
  after: [number, number];
  /** Done by office staff in working hours (08:00-20:00 Shanghai) unless the order is urgent. */
  office?: boolean;
  /** Cancelled as a duplicate of this plan. */
  dupOf?: number;
}

interface Place {
  kind: T.Where;
  divisionCode: string;
  street?: string; // 9-digit street of a local place
  county: string;
  grid?: DemoGrid;
  lng?: number;
  lat?: number;
  address: string;
  vars: Record<string, string>;
}

export interface Plan {
  idx: number;
  creator: string;
  channel: Channel;
  raw: Record<string, unknown>; // the create body, validated by CREATE_CASE
  urgent: boolean;
  steps: Step[];
  times: number[]; // ms: [create, step 1, ...]
  target: Status;
  lead: string; // unit code of the lead unit
}

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;
const SHANGHAI = 8 * HOUR;

export interface World {
  rng: Rng;
  now: number;
  div: Map<string, string>;
  grids: DemoGrid[];
  unitName: Map<string, string>;
  /** unit code -> username of its demo handler */
  handlerOf: Map<string, string>;
  gridWorkers: { username: string; community: string }[];
  villages: string[]; // 12-digit village codes of the counties (not 岳阳楼区)
  townships: string[]; // 9-digit codes of all of 4306
}

export function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[Math.floor(rng() * xs.length)];
}
export function between(rng: Rng, a: number, b: number): number {
  return a + rng() * (b - a);
}
export function int(rng: Rng, a: number, b: number): number {
  return Math.floor(between(rng, a, b + 1));
}
function weighted<T>(rng: Rng, items: readonly [T, number][]): T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let r = rng() * total;
  for (const [v, w] of items) if ((r -= w) < 0) return v;
  return items[items.length - 1][0];
}

export function ymd(t: number): string {
  return new Date(t + SHANGHAI).toISOString().slice(0, 10).replace(/-/g, '');
}

function placeFor(w: World, tpl: T.CaseTemplate, community?: string): Place {
  const { rng, div } = w;
  const kind = tpl.where ?? 'local';
  const common = {
    shop: pick(rng, T.SHOPS),
    company: pick(rng, T.COMPANIES),
    school: pick(rng, T.SCHOOLS),
    hospital: pick(rng, T.HOSPITALS),
    bus: pick(rng, T.BUSES),
    xq: pick(rng, T.ESTATES),
    building: `${int(rng, 1, 18)}栋`,
    floor: String(int(rng, 7, 18)),
    no: String(int(rng, 1, 388)),
    n: String(int(rng, 2, 9)),
    months: String(int(rng, 2, 6)),
    amount: String(int(rng, 30, 860) * 100),
    plate: `${pick(rng, 'TDBEU'.split(''))}${int(rng, 1000, 9999)}`,
  };
  if (kind === 'local') {
    const candidates = community ? w.grids.filter((g) => g.divisionCode === community) : w.grids;
    const grid = pick(rng, candidates);
    const roads = T.ROADS[grid.street] ?? T.OTHER_ROADS;
    const road = pick(rng, roads);
    const road2 = pick(rng, roads.filter((r) => r !== road));
    const [lng, lat] = pointIn(grid.rect, rng);
    const streetName = div.get(grid.street)!;
    const vars = {
      ...common,
      road,
      road2,
      community: shortVillageName(div.get(grid.divisionCode)!),
      street: streetName,
      station: `${streetName.replace(/街道$/, '')}派出所`,
      market: `${streetName.replace(/街道$/, '')}农贸市场`,
    };
    const address = `岳阳楼区${streetName}${vars.community}${road}${common.no}号${rng() < 0.5 ? common.xq : ''}`;
    return { kind, divisionCode: grid.divisionCode, street: grid.street, county: DEMO_DISTRICT, grid, lng, lat, address, vars };
  }
  if (kind === 'rural') {
    const v = pick(rng, w.villages);
    const county = div.get(v.slice(0, 6))!;
    const town = div.get(v.slice(0, 9))!;
    const village = shortVillageName(div.get(v)!);
    const vars = { ...common, road: pick(rng, T.OTHER_ROADS), road2: pick(rng, T.OTHER_ROADS), community: village, street: town, station: `${town}派出所`, market: `${town}集贸市场`, county, town, village };
    return { kind, divisionCode: v, county: v.slice(0, 6), address: `${county}${town}${village}`, vars };
  }
  const t = pick(rng, w.townships);
  const county = div.get(t.slice(0, 6))!;
  const town = div.get(t)!;
  const road = pick(rng, T.OTHER_ROADS);
  const vars = { ...common, road, road2: pick(rng, T.OTHER_ROADS.filter((r) => r !== road)), community: town, street: town, station: `${town.replace(/街道$/, '')}派出所`, market: `${town.replace(/(街道|镇|乡)$/, '')}农贸市场`, county, town, village: town };
  return { kind, divisionCode: t, county: t.slice(0, 6), address: `${county}${town}`, vars };
}

function leadUnitFor(cat: string, place: Place): string {
  const key = ROUTE[cat] ?? 'township';
  const street = place.street ?? '430602005';
  switch (key) {
    case 'township':
      return `JD-${street}`;
    case 'police':
      return `PCS-${street}`;
    case 'mediation':
      return `TJ-${street}`;
    case 'suyuan':
      return 'SY-430602';
    case 'qy':
      return 'QY-430602';
  }
  const dept = DEPTS.find((d) => d.key === key)!;
  return place.county === DEMO_DISTRICT && dept.district ? deptCode(key, DEMO_DISTRICT) : deptCode(key, DEMO_CITY);
}

/** Scenarios: the final status, how the order got there, and how many. */
type Variant =
  | 'plain'
  | 'noted'
  | 'assist'
  | 'urged'
  | 'redispatched'
  | 'reopened'
  | 'supervised'
  | 'verifyFailed'
  | 'direct'
  | 'directGrid'
  | 'returnedFirst'
  | 'afterReturn'
  | 'duplicate'
  | 'withdrawn'
  | 'summoned'
  | 'extended'
  | 'merged'
  | 'unmerged';

const SCENARIOS: [Status, Variant, number][] = [
  ['registered', 'plain', 13],
  ['registered', 'noted', 3],
  ['dispatched', 'plain', 11],
  ['dispatched', 'assist', 4],
  ['dispatched', 'urged', 4],
  ['dispatched', 'redispatched', 2],
  ['dispatched', 'reopened', 2],
  ['accepted', 'plain', 12],
  ['accepted', 'urged', 4],
  ['in_progress', 'plain', 8],
  ['in_progress', 'noted', 5],
  ['in_progress', 'supervised', 4],
  ['in_progress', 'verifyFailed', 3],
  ['in_progress', 'summoned', 2],
  ['in_progress', 'extended', 2],
  ['replied', 'plain', 14],
  ['replied', 'assist', 4],
  ['verified', 'plain', 12],
  ['closed', 'plain', 32],
  ['closed', 'assist', 4],
  ['closed', 'direct', 14],
  ['closed', 'directGrid', 8],
  ['closed', 'verifyFailed', 4],
  ['rated', 'plain', 43],
  ['rated', 'summoned', 4],
  ['rated', 'extended', 3],
  ['rated', 'assist', 6],
  ['rated', 'direct', 14],
  ['rated', 'directGrid', 6],
  ['rated', 'returnedFirst', 6],
  ['rated', 'reopened', 5],
  ['rated', 'verifyFailed', 3],
  ['returned', 'plain', 12],
  ['transferred', 'plain', 10],
  ['transferred', 'afterReturn', 2],
  ['cancelled', 'duplicate', 3],
  ['cancelled', 'withdrawn', 5],
  ['merged', 'merged', 6],
  ['dispatched', 'unmerged', 1],
];

/** The demo citizen's own orders, so the citizen portal shows some to track and some to rate. */
const CITIZEN_CASES: Record<string, number> = { 'rated/plain': 3, 'closed/plain': 2, 'replied/plain': 1, 'dispatched/plain': 1, 'registered/plain': 1 };

function templatesFor(variant: Variant, target: Status): T.CaseTemplate[] {
  // Anti-fraud warnings (1、3、5 分钟) are never returned: their return limit is a minute.
  const returned = target === 'returned' || variant === 'redispatched' || variant === 'returnedFirst' || variant === 'afterReturn';
  const all = returned ? T.TEMPLATES.filter((t) => t.cat !== '0903') : T.TEMPLATES;
  if (variant === 'direct') return all.filter((t) => t.answer);
  if (variant === 'directGrid') return all.filter((t) => t.grid && T.ON_SPOT[t.cat] && (t.where ?? 'local') === 'local');
  if (target === 'transferred') return all.filter((t) => t.police);
  // 吹哨报到: matters a street cannot settle alone, found on the ground.
  if (variant === 'summoned') return all.filter((t) => t.grid && (t.where ?? 'local') === 'local' && !t.police && !t.types.includes('praise'));
  // Orders that go through departments: no praise; questions only now and then.
  return all.filter((t) => !t.types.includes('praise') && (t.types[0] !== 'consultation' || !t.answer));
}

export function planCases(w: World): Plan[] {
  const { rng, now } = w;
  const plans: Plan[] = [];
  let citizenCases = 0;

  for (const [target, variant, count] of SCENARIOS) {
    for (let k = 0; k < count; k++) {
      if (variant === 'duplicate' || variant === 'merged' || variant === 'unmerged') continue; // planned after the others, see below
      const tpl = pick(rng, templatesFor(variant, target));
      const urgent = variant !== 'extended' && rng() < (tpl.urgent ?? 0.05);
      const type: CaseType = rng() < 0.75 ? tpl.types[0] : pick(rng, tpl.types);

      // Channel and creator.
      const citizenFirst = k < (CITIZEN_CASES[`${target}/${variant}`] ?? 0);
      let channel: Channel;
      if (citizenFirst) channel = rng() < 0.7 ? 'wechat' : 'web';
      else if (variant === 'directGrid') channel = 'grid';
      else if (variant === 'direct' || target === 'transferred') channel = 'hotline';
      else if (tpl.cat.startsWith('14') && rng() < 0.7) channel = 'enterprise';
      else
        channel = weighted<Channel>(rng, [
          ['hotline', 52],
          ['grid', tpl.grid && (tpl.where ?? 'local') === 'local' ? 22 : 0],
          ['wechat', 10],
          ['web', 6],
          ['police110', (tpl.where ?? 'local') === 'local' ? 5 : 0],
          ['api', 5],
        ]);
      let creator: string;
      let community: string | undefined;
      if (channel === 'grid') {
        const gw = pick(rng, w.gridWorkers);
        creator = gw.username;
        community = gw.community;
      } else if (citizenFirst || ((channel === 'wechat' || channel === 'web') && citizenCases < 14 && rng() < 0.4)) {
        creator = `citizen:${DEMO_CITIZEN_PHONE}`;
        citizenCases++;
      } else creator = rng() < 0.6 ? 'operator' : 'operator2';

      const place = placeFor(w, tpl, community);
      if (channel === 'police110') creator = tagged('police', place.street!);
      const v = place.vars;
      const title = T.fill(tpl.title, v);
      const description = T.fill(tpl.desc, v);
      const citizen = creator.startsWith('citizen:');
      const surname = pick(rng, T.SURNAMES);
      const reporterName = rng() < 0.35 ? `${surname}${rng() < 0.5 ? '先生' : '女士'}` : `${surname}${pick(rng, T.GIVEN)}`;
      const reporterPhone = `1${pick(rng, ['3', '5', '7', '8', '9'])}${String(int(rng, 0, 999_999_999)).padStart(9, '0')}`;

      const raw: Record<string, unknown> = {
        channel,
        type,
        categoryCode: tpl.cat,
        urgency: urgent ? 'urgent' : 'normal',
        title,
        description,
        location: place.grid
          ? { address: place.address, lng: place.lng, lat: place.lat, gridId: place.grid.id }
          : { address: place.address, divisionCode: place.divisionCode },
      };
      if (!citizen && channel !== 'grid') raw.reporter = { name: reporterName, phone: reporterPhone, confidential: type === 'report' && rng() < 0.5 };

      // Who does what.
      const routed = leadUnitFor(tpl.cat, place);
      // A summoning street leads the case itself and calls the departments in.
      const lead = variant === 'summoned' ? `JD-${place.street}` : routed;
      const leadUser = w.handlerOf.get(lead);
      if (!leadUser) throw new Error(`demo: no handler for unit ${lead}`);
      const operatorUser = creator === 'operator2' ? 'operator2' : 'operator';
      const street = place.street;
      const townshipUser = street ? tagged('township', street) : undefined;
      let dispatcher = 'dispatcher';
      if ((channel === 'hotline' || channel === 'enterprise') && variant !== 'summoned') dispatcher = operatorUser;
      if (channel === 'grid' && townshipUser && lead !== `JD-${street}` && rng() < 0.6) dispatcher = townshipUser;
      const verifier = channel === 'grid' ? 'dispatcher' : operatorUser;
      const rater = citizen ? creator : operatorUser;
      const reply = T.fill(tpl.reply, v);
      const assists = (): string[] => {
        const pool = [street ? `JD-${street}` : null, deptCode('zj', DEMO_DISTRICT), deptCode('cg', DEMO_DISTRICT), street ? `PCS-${street}` : null].filter(
          (u): u is string => !!u && u !== lead,
        );
        const n = rng() < 0.6 ? 1 : 2;
        return pool.sort(() => rng() - 0.5).slice(0, n);
      };
      const wrongUnit = (): string => {
        const pool = (lead.endsWith(`-${DEMO_CITY}`) && !lead.startsWith('JD')
          ? DEPTS.map((d) => deptCode(d.key, DEMO_CITY))
          : [...DEPTS.filter((d) => d.district).map((d) => deptCode(d.key, DEMO_DISTRICT)), ...(street ? [`JD-${street}`] : [])]
        ).filter((u) => u !== lead);
        return pick(rng, pool);
      };
      const u = urgent ? 0.15 : 1;
      const office = !urgent;
      const steps: Step[] = [];
      // The 12345 centre takes calls and dispatches day and night; departments work office hours.
      const S = (actor: string, action: Action, input: ActionInput, after: [number, number], off = office) =>
        steps.push({ actor, action, input, after: [Math.max(1, after[0] * u), Math.max(2, after[1] * u)], office: off && action !== 'dispatch' });

      // Units on the case besides the lead (协办 at dispatch, or summoned later) that owe their part.
      let helpers: string[] = [];
      const dispatchTo = (unitCode: string, withAssists = false) => {
        const assistCodes = withAssists ? assists() : [];
        helpers = assistCodes;
        S(dispatcher, 'dispatch', {
          leadUnitId: `@unit:${unitCode}`,
          assistUnitIds: assistCodes.map((c) => `@unit:${c}`),
          comment: assistCodes.length
            ? '该问题涉及多个部门职责，请主办单位牵头、协办单位配合，联合处置。'
            : urgent
              ? '紧急工单，请立即处置并于2小时内反馈。'
              : rng() < 0.4
                ? '请按时限办理，并及时答复来电人。'
                : undefined,
        }, [5, 90]);
      };
      // Orders with a short return limit (urgent, 110: one hour) are returned at once, without signing first.
      const quickReturn = urgent || channel === 'police110';
      const returnFrom = (unitCode: string) => {
        const h = w.handlerOf.get(unitCode)!;
        if (!quickReturn && rng() < 0.4) S(h, 'accept', {}, [15, 240]);
        S(h, 'return', { comment: T.fill(pick(rng, T.RETURN_REASONS), { unit: w.unitName.get(lead)! }) }, quickReturn ? [5, 40] : [30, 720]);
      };
      const handle = (upTo: Status, opts: { start?: boolean; failVerify?: boolean; replyText?: string } = {}) => {
        S(leadUser, 'accept', {}, [15, 300]);
        if (upTo === 'accepted') return;
        const started = opts.start ?? (upTo === 'in_progress' || variant === 'summoned' || variant === 'extended' || rng() < 0.7);
        if (started) S(leadUser, 'start', {}, [10, 600]);
        // 到场: anti-fraud warnings within minutes (1、3、5 分钟), other matters on the ground now and then.
        if (tpl.cat === '0903' && urgent) S(leadUser, 'arrive', { comment: '民警已上门，正在劝阻。' }, [2, 5], false);
        else if (started && place.kind === 'local' && rng() < 0.35) S(leadUser, 'arrive', { comment: '已到达现场核查。' }, [20, 240]);
        if (variant === 'summoned') {
          const pool = [routed, deptCode('cg', DEMO_DISTRICT), deptCode('zj', DEMO_DISTRICT), `PCS-${street}`].filter((u, i, a) => u !== lead && a.indexOf(u) === i);
          helpers = pool.slice(0, rng() < 0.5 ? 2 : 3);
          S(leadUser, 'summon', { unitIds: helpers.map((c) => `@unit:${c}`), comment: pick(rng, T.SUMMON_COMMENTS) }, [60, 1440]);
          for (const h of helpers) S(w.handlerOf.get(h)!, 'report', { comment: '已派员到场报到。' }, [30, 480]);
          if (upTo === 'in_progress') return;
        }
        if (variant === 'extended') {
          S(leadUser, 'request_extension', { duration: '3d', comment: pick(rng, T.EXTENSION_REASONS) }, [600, 2880]);
          if (upTo === 'in_progress') return;
          S(pick(rng, ['supervisor', 'dispatcher']), 'decide_extension', { approve: true, comment: '同意延期，请在延长期限内办结。' }, [60, 600]);
        }
        if (variant === 'noted' && upTo === 'in_progress') S(leadUser, 'note', { comment: pick(rng, T.HANDLER_NOTES) }, [20, 300]);
        if (variant === 'supervised' && upTo === 'in_progress') S('supervisor', 'supervise', { comment: pick(rng, T.SUPERVISE_COMMENTS) }, [1440, 4320]);
        if (upTo === 'in_progress' && !opts.failVerify) return;
        // Assisting and summoned units give their part before the lead replies.
        for (const h of helpers) S(w.handlerOf.get(h)!, 'assist_reply', { reply: pick(rng, T.ASSIST_REPLIES) }, [60, 1440]);
        helpers = [];
        S(leadUser, 'reply', { reply: opts.replyText ?? reply }, [240, 5760]);
        if (opts.failVerify) {
          S(verifier, 'verify', { solved: false, comment: pick(rng, T.VERIFY_FAILED) }, [60, 1800]);
          if (upTo === 'in_progress') return;
          S(leadUser, 'reply', { reply: `经再次现场处置：${reply}` }, [240, 4320]);
        }
        if (upTo === 'replied') return;
        S(verifier, 'verify', { solved: true, comment: pick(rng, ['电话回访来电人，对办理结果表示认可。', '经网格员现场核查，问题已解决。', '回访确认已解决。']) }, [60, 1800]);
        if (upTo === 'verified') return;
        S(verifier, 'close', {}, [5, 240]);
        if (upTo === 'closed') return;
      };
      const rate = (low = false) => {
        const stars = low ? int(rng, 1, 2) : weighted<number>(rng, [[5, 58], [4, 26], [3, 10], [2, 4], [1, 2]]);
        S(rater, 'rate', { rating: stars, comment: rng() < 0.7 ? pick(rng, T.RATING_COMMENTS[stars]) : undefined }, [30, 2880]);
      };

      switch (variant) {
        case 'plain':
        case 'noted':
        case 'supervised':
        case 'assist':
        case 'urged':
          if (target === 'registered') {
            if (variant === 'noted') S(operatorUser, 'note', { comment: '已联系来电人核实具体位置，待派单。' }, [10, 120]);
            break;
          }
          if (target === 'transferred') {
            S(operatorUser, 'transfer_police', { comment: pick(rng, T.TRANSFER_COMMENTS), externalRef: '@110' }, [2, 20], false);
            break;
          }
          if (target === 'returned') {
            dispatchTo(wrongUnit());
            returnFrom((steps[steps.length - 1].input.leadUnitId as string).slice(6));
            break;
          }
          dispatchTo(lead, variant === 'assist');
          if (target === 'dispatched') {
            if (variant === 'assist' && rng() < 0.5) {
              S(w.handlerOf.get(helpers[0])!, 'assist_reply', { reply: pick(rng, T.ASSIST_REPLIES) }, [60, 1440]);
              helpers = helpers.slice(1);
            }
            if (variant === 'urged') S(pick(rng, [operatorUser, 'dispatcher']), 'urge', { comment: pick(rng, T.URGE_COMMENTS) }, [1440, 2880]);
            break;
          }
          handle(target);
          if (variant === 'urged' && target === 'accepted') S(pick(rng, [operatorUser, 'supervisor']), 'urge', { comment: pick(rng, T.URGE_COMMENTS) }, [1440, 2880]);
          if (target === 'rated') rate();
          break;
        case 'summoned':
        case 'extended':
          dispatchTo(lead);
          handle(target === 'rated' ? 'closed' : target);
          if (target === 'rated') rate();
          break;
        case 'verifyFailed':
          dispatchTo(lead);
          handle(target === 'in_progress' ? 'in_progress' : target === 'rated' ? 'closed' : (target as Status), { failVerify: true });
          if (target === 'rated') rate();
          break;
        case 'redispatched':
          dispatchTo(wrongUnit());
          returnFrom((steps[steps.length - 1].input.leadUnitId as string).slice(6));
          S(dispatcher, 'dispatch', { leadUnitId: `@unit:${lead}`, comment: '根据承办单位退单意见改派。' }, [15, 180]);
          break;
        case 'returnedFirst':
          dispatchTo(wrongUnit());
          returnFrom((steps[steps.length - 1].input.leadUnitId as string).slice(6));
          S(dispatcher, 'dispatch', { leadUnitId: `@unit:${lead}`, comment: '根据承办单位退单意见改派。' }, [15, 180]);
          handle('closed');
          rate();
          break;
        case 'reopened':
          dispatchTo(lead);
          handle('closed');
          rate(true);
          S(pick(rng, ['supervisor', operatorUser, 'leader']), 'reopen', { comment: pick(rng, T.REOPEN_REASONS) }, [60, 1440]);
          if (target === 'rated') {
            handle('closed', { start: true, replyText: `重办情况：${reply}` });
            S(rater, 'rate', { rating: int(rng, 4, 5), comment: '重新办理后问题解决了，满意。' }, [30, 2880]);
          }
          break;
        case 'direct':
          S(operatorUser, 'close_directly', { reply: T.fill(tpl.answer!, v) }, [3, 15], false);
          if (target === 'rated') rate();
          break;
        case 'directGrid':
          S(creator, 'close_directly', { reply: T.ON_SPOT[tpl.cat] }, [10, 90], false);
          if (target === 'rated') rate();
          break;
        case 'afterReturn':
          dispatchTo(`JD-${street ?? '430602005'}`);
          S(w.handlerOf.get(`JD-${street ?? '430602005'}`)!, 'return', { comment: '经核实，该事项涉及违法犯罪线索，属公安机关职责，申请退回转110处置。' }, quickReturn ? [5, 40] : [20, 240]);
          S(operatorUser, 'transfer_police', { comment: pick(rng, T.TRANSFER_COMMENTS), externalRef: '@110' }, [5, 60], false);
          break;
        case 'withdrawn':
          dispatchTo(lead);
          S(operatorUser, 'cancel', { comment: pick(rng, T.WITHDRAW_COMMENTS) }, [120, 2880]);
          break;
      }

      plans.push({ idx: plans.length, creator, channel, raw, urgent, steps, times: [], target, lead });
    }
  }

  // When each order happened, planned back from its last step: open orders were
  // last touched recently (so most are still within their time limits, some
  // not), finished ones at any time over the last 60 days.
  const lastStepAgo: Partial<Record<Status, [number, number]>> = {
    registered: [0.01, 0.3],
    dispatched: [0.02, 0.3],
    returned: [0.02, 0.3],
    accepted: [0.1, 3],
    in_progress: [0.1, 5],
    replied: [0.05, 1],
    verified: [0.02, 0.8],
  };
  const earliest = now - 60 * DAY;
  for (const p of plans) {
    const [a, b] = lastStepAgo[p.target] ?? [0.5, 58];
    p.times = timelineBack(rng, now - between(rng, a, b) * DAY, p);
    // A long history ending weeks ago could start before the window: move it
    // later by whole days (hours of day stay as planned) while it still ends in the past.
    if (p.times[0] < earliest) {
      const shift = Math.ceil((earliest - p.times[0]) / DAY) * DAY;
      if (p.times[p.times.length - 1] + shift < now - a * DAY) p.times = p.times.map((t) => t + shift);
    }
  }

  // Duplicates: the same matter called in again a few hours after an earlier order.
  // Another caller's report is merged into the first order (并单); the same
  // caller calling twice is voided; one merge turns out wrong and is undone.
  const canMerge = (ACTIONS as readonly string[]).includes('merge');
  const originals = plans.filter(
    (p) => p.times[0] < now - 3 * DAY && p.channel === 'hotline' && p.raw.reporter && !['merged', 'cancelled', 'transferred'].includes(p.target),
  );
  for (const [target, variant, count] of SCENARIOS) {
    if (variant !== 'duplicate' && variant !== 'merged' && variant !== 'unmerged') continue;
    for (let k = 0; k < count; k++) {
      const orig = pick(rng, originals);
      const sameCaller = variant === 'duplicate' || !canMerge;
      const surname = pick(rng, T.SURNAMES);
      const raw = {
        ...orig.raw,
        description: `${orig.raw.description as string}${sameCaller ? '（来电人再次来电反映）' : '（另一位居民来电反映同一问题）'}`,
        reporter: sameCaller
          ? orig.raw.reporter
          : { name: `${surname}${rng() < 0.5 ? '先生' : '女士'}`, phone: `13${String(int(rng, 0, 999_999_999)).padStart(9, '0')}`, confidential: false },
      };
      const op = pick(rng, ['operator', 'operator2']);
      const steps: Step[] = sameCaller
        ? [{ actor: op, action: 'cancel', input: { comment: '与工单{no}为同一来电人反映的同一事项，重复登记，作废。' }, after: [10, 180], dupOf: orig.idx }]
        : [{ actor: op, action: 'merge', input: { comment: '与工单{no}反映同一事项，并单办理。' }, after: [10, 180], dupOf: orig.idx }];
      if (variant === 'unmerged' && canMerge) {
        steps.push(
          { actor: 'supervisor', action: 'unmerge', input: { comment: '经核实与主工单并非同一地点，取消合并，单独办理。' }, after: [60, 1440], office: true },
          { actor: op, action: 'dispatch', input: { leadUnitId: `@unit:${orig.lead}`, comment: '取消合并后单独派单。' }, after: [10, 120] },
        );
      }
      const p: Plan = { idx: plans.length, creator: op, channel: 'hotline', raw, urgent: false, steps, times: [], target, lead: orig.lead };
      p.times = timelineForward(rng, orig.times[0] + between(rng, 1, 30) * HOUR, p);
      plans.push(p);
    }
  }
  return plans;
}

/** Hour of day in Shanghai. */
const hourOf = (t: number) => (((t + SHANGHAI) % DAY) + DAY) % DAY / HOUR;

/** Shanghai midnight before t. */
const dayStart = (t: number) => t - hourOf(t) * HOUR;

/** Moves a time forward into office hours (08:00-20:00 Shanghai). */
function officeHours(rng: Rng, t: number): number {
  const h = hourOf(t);
  if (h >= 8 && h < 20) return t;
  return dayStart(t) + (h >= 20 ? DAY : 0) + 8 * HOUR + between(rng, 0, 100) * MIN;
}

/** Moves a time back into office hours: a step done out of hours was done the evening before. */
function officeHoursBack(rng: Rng, t: number): number {
  const h = hourOf(t);
  if (h >= 8 && h < 20) return t;
  return dayStart(t) - (h < 8 ? DAY : 0) + between(rng, 8.5, 19.8) * HOUR;
}

/** Moves an intake back out of the small hours: 12345 takes calls day and night, but few come then. */
function intakeBack(rng: Rng, t: number, p: Plan): number {
  if (p.urgent || p.channel === 'police110' || p.target === 'registered') return t;
  if (p.channel === 'grid') return officeHoursBack(rng, t);
  const h = hourOf(t);
  if (h >= 6.5 && h < 22.5) return t;
  const hour = weighted<number>(rng, [[between(rng, 8, 12), 45], [between(rng, 14, 18), 35], [between(rng, 18, 22), 15], [between(rng, 7, 8), 5]]);
  return dayStart(t) - (h < 6.5 ? DAY : 0) + hour * HOUR;
}

/** Times of creation and of each step, planned back from the time of the last one. */
function timelineBack(rng: Rng, end: number, p: Plan): number[] {
  const n = p.steps.length;
  const times: number[] = new Array(n + 1);
  const fit = (k: number, t: number) => (k === 0 ? intakeBack(rng, t, p) : p.steps[k - 1].office && !p.urgent ? officeHoursBack(rng, t) : t);
  let t = fit(n, end);
  times[n] = Math.round(t);
  for (let k = n; k >= 1; k--) {
    const s = p.steps[k - 1];
    t = fit(k - 1, t - between(rng, s.after[0], s.after[1]) * MIN);
    times[k - 1] = Math.round(t);
  }
  return times;
}

/** Times of creation and of each step, planned forward from the creation. */
function timelineForward(rng: Rng, start: number, p: Plan): number[] {
  const times = [Math.round(start)];
  let t = start;
  for (const s of p.steps) {
    t += between(rng, s.after[0], s.after[1]) * MIN;
    if (s.office && !p.urgent) t = officeHours(rng, t);
    times.push(Math.round(t));
  }
  return times;
}

