/**
 * A small, fixed world for the browser tests (independent of the demo seed):
 * 岳阳楼区 with one street, two grids, a hotline centre, departments, a street
 * office, a police station, and one user per role, all with password zhili2026.
 */
import { openDb } from '../src/platform/db.ts';
import { migrate } from '../src/platform/migrate.ts';
import { upsertDivisions, upsertGrid, upsertUnit, upsertUser } from '../src/org/store.ts';
import type { Role } from '../src/org/roles.ts';

export const PASSWORD = 'zhili2026';

type Pt = [number, number];
const square = (lng: number, lat: number, d: number) => ({
  type: 'Polygon' as const,
  coordinates: [[[lng, lat] as Pt, [lng + d, lat] as Pt, [lng + d, lat + d] as Pt, [lng, lat + d] as Pt, [lng, lat] as Pt]],
});

/** Seeds a PGlite data directory (the server's ZHILI_DATA_DIR/pglite) before the server starts. */
export async function seedE2E(databaseUrl: string) {
  const db = await openDb(databaseUrl);
  try {
    await migrate(db);
    await upsertDivisions(db, [
      { code: '43', name: '湖南省' },
      { code: '4306', name: '岳阳市' },
      { code: '430602', name: '岳阳楼区' },
      { code: '430602005', name: '东茅岭街道' },
      { code: '430602005001', name: '东茅岭社区' },
      { code: '430602005002', name: '洞庭社区' },
    ]);
    await upsertUnit(db, { code: 'HL-4306', name: '岳阳市12345热线中心', kind: 'hotline_centre', divisionCodes: ['4306'] });
    await upsertUnit(db, { code: 'ZZ-430602', name: '岳阳楼区综治中心', kind: 'command_centre', divisionCodes: ['430602'] });
    await upsertUnit(db, { code: 'CG-430602', name: '岳阳楼区城管局', kind: 'department', divisionCodes: ['430602'] });
    await upsertUnit(db, { code: 'ZJ-430602', name: '岳阳楼区住建局', kind: 'department', divisionCodes: ['430602'] });
    await upsertUnit(db, { code: 'SW-430602', name: '岳阳楼区水务局', kind: 'department', divisionCodes: ['430602'] });
    await upsertUnit(db, { code: 'JD-430602005', name: '东茅岭街道办事处', kind: 'township_office', divisionCodes: ['430602005'] });
    await upsertUnit(db, { code: 'PCS-430602005', name: '东茅岭派出所', kind: 'police_station', divisionCodes: ['430602005'] });
    const u = (username: string, displayName: string, roles: Role[], unitCode: string | null, scopeCodes: string[], phone?: string) =>
      upsertUser(db, { username, displayName, password: PASSWORD, roles, unitCode, scopeCodes, phone });
    await u('admin', '系统管理员', ['admin'], null, ['*']);
    await u('operator', '李接线', ['operator'], 'HL-4306', ['4306']);
    await u('dispatcher', '王派单', ['dispatcher'], 'ZZ-430602', ['430602']);
    await u('handler', '赵承办', ['handler'], 'CG-430602', []);
    await u('township', '周街道', ['township'], 'JD-430602005', ['430602005']);
    await u('gridworker', '陈网格', ['grid_worker'], 'JD-430602005', ['430602005001']);
    await u('police', '吴民警', ['police'], 'PCS-430602005', ['430602005']);
    await u('supervisor', '孙督办', ['supervisor'], 'ZZ-430602', ['430602']);
    await u('leader', '钱领导', ['leader'], null, ['430602']);
    await u('mediator', '郑调解', ['mediator'], 'JD-430602005', ['430602005']);
    await u('xinfang', '冯信访', ['petition_officer'], 'ZZ-430602', ['430602']);
    await upsertGrid(db, {
      code: 'G-430602005001-01',
      name: '东茅岭社区第一网格',
      divisionCode: '430602005001',
      geometry: square(113.1, 29.36, 0.01),
      workerUsername: 'gridworker',
      households: 420,
      population: 1260,
    });
    await upsertGrid(db, {
      code: 'G-430602005002-01',
      name: '洞庭社区第一网格',
      divisionCode: '430602005002',
      geometry: square(113.11, 29.36, 0.01),
      households: 380,
      population: 1100,
    });
  } finally {
    await db.close();
  }
}

/** Cases to fill the queues and the map, as an operator would register them. */
export const SAMPLE_CASES = [
  { type: 'complaint', categoryCode: '0101', title: '东茅岭路路灯不亮', description: '东茅岭路与建湘路交叉口往北约100米，连续三个晚上路灯不亮，行人夜间出行不便。', lng: 113.104, lat: 29.364, urgency: 'normal' },
  { type: 'help', categoryCode: '0104', title: '洞庭小区停水两天', description: '洞庭小区3栋停水两天，家中有老人，请尽快恢复供水。', lng: 113.115, lat: 29.366, urgency: 'urgent' },
  { type: 'report', categoryCode: '0201', title: '夜间施工噪音扰民', description: '巴陵中路工地每晚11点后仍在施工，噪音很大，影响休息。', lng: 113.107, lat: 29.368, urgency: 'normal' },
  { type: 'suggestion', categoryCode: '0301', title: '建议增设公交站台', description: '建议在洞庭社区南门增设公交站台，方便居民出行。', lng: 113.118, lat: 29.362, urgency: 'normal' },
  { type: 'complaint', categoryCode: '0102', title: '人行道破损积水', description: '东茅岭社区卫生服务中心门口人行道破损，下雨积水。', lng: 113.102, lat: 29.367, urgency: 'normal' },
] as const;

/** The POST /api/cases body for a sample case, with the same caller and an address from its title. */
export function sampleCaseBody(c: { type: string; categoryCode: string; title: string; description: string; lng: number; lat: number; urgency: string }) {
  return {
    type: c.type,
    categoryCode: c.categoryCode,
    urgency: c.urgency,
    title: c.title,
    description: c.description,
    reporter: { name: '张三', phone: '13812345678' },
    location: { address: `岳阳楼区${c.title.slice(0, 4)}`, lng: c.lng, lat: c.lat },
  };
}
