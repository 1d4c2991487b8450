/** SQL for divisions, units, users and grids; shared by the API, the CLI and the seed. */
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import type { Queryable } from '../platform/db.ts';
import { invalid } from '../platform/errors.ts';
import { hashPassword } from './auth.ts';
import { ROLES, type Role } from './roles.ts';

export const UNIT_KINDS = [
  'hotline_centre', // 12345 热线中心
  'command_centre', // 指挥中心 / 综治中心
  'department', // 职能部门
  'township_office', // 乡镇(街道)
  'village_committee', // 村(社区)
  'police_station', // 派出所
  'police_command', // 公安 110 指挥中心
  'court', // 法院
  'mediation_committee', // 人民调解委员会
  'enterprise_service', // 企业服务
  'other',
] as const;

export const DIVISION_LEVEL_BY_LENGTH: Record<number, number> = { 2: 1, 4: 2, 6: 3, 9: 4, 12: 5 };
export const DIVISION_CODE = z.string().regex(/^\d{2}(\d{2}(\d{2}(\d{3}(\d{3})?)?)?)?$/, '行政区划代码须为 2/4/6/9/12 位数字 (division code of 2, 4, 6, 9 or 12 digits)');

/** The parent of a division code: the code with its last level removed. */
export function parentCode(code: string): string | null {
  const cut = { 2: 0, 4: 2, 6: 4, 9: 6, 12: 9 }[code.length];
  return cut ? code.slice(0, cut) : null;
}

/** A division code and all its ancestors, top down. */
export function divisionChain(code: string): string[] {
  const out: string[] = [];
  for (let c: string | null = code; c; c = parentCode(c)) out.unshift(c);
  return out;
}

export interface DivisionInput {
  code: string;
  name: string;
  /** The outline (GeoJSON, WGS84): undefined keeps the stored one, null clears it. */
  geometry?: Geometry | null;
}

/**
 * Inserts or renames divisions; parents must come first or already exist.
 * A row with `geometry` also sets (or, with null, clears) the outline; rows
 * without it keep theirs.
 */
export async function upsertDivisions(q: Queryable, rows: DivisionInput[]): Promise<number> {
  const sorted = [...rows].sort((a, b) => a.code.length - b.code.length || (a.code < b.code ? -1 : 1));
  const chunk = 1000;
  for (let i = 0; i < sorted.length; i += chunk) {
    const part = sorted.slice(i, i + chunk);
    await q.query(
      `INSERT INTO divisions (code, name, level, parent_code)
       SELECT d.code, d.name, d.level, d.parent FROM unnest($1::text[], $2::text[], $3::int[], $4::text[]) AS d(code, name, level, parent)
       ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name`,
      [part.map((r) => r.code), part.map((r) => r.name), part.map((r) => DIVISION_LEVEL_BY_LENGTH[r.code.length]), part.map((r) => parentCode(r.code))],
    );
    const shaped = part.filter((r) => r.geometry !== undefined);
    if (shaped.length) {
      await q.query(
        `UPDATE divisions d SET geometry = g.geometry::jsonb FROM unnest($1::text[], $2::text[]) AS g(code, geometry) WHERE d.code = g.code`,
        [shaped.map((r) => r.code), shaped.map((r) => (r.geometry ? JSON.stringify(r.geometry) : null))],
      );
    }
  }
  return sorted.length;
}

export const GEOMETRY = z.union([
  z.object({ type: z.literal('Polygon'), coordinates: z.array(z.array(z.tuple([z.number(), z.number()]).rest(z.number())).min(4)).min(1) }),
  z.object({
    type: z.literal('MultiPolygon'),
    coordinates: z.array(z.array(z.array(z.tuple([z.number(), z.number()]).rest(z.number())).min(4)).min(1)).min(1),
  }),
]);
export type Geometry = z.infer<typeof GEOMETRY>;

export const UNIT_INPUT = z.strictObject({
  code: z.string().min(1).max(64),
  name: z.string().min(1).max(200),
  kind: z.enum(UNIT_KINDS),
  parentCode: z.string().min(1).max(64).nullish(),
  divisionCodes: z.array(DIVISION_CODE).default([]),
  phone: z.string().max(40).nullish(),
  active: z.boolean().default(true),
});
export type UnitInput = z.input<typeof UNIT_INPUT>;

export async function upsertUnit(q: Queryable, input: UnitInput): Promise<{ id: string }> {
  const u = UNIT_INPUT.parse(input);
  let parentId: string | null = null;
  if (u.parentCode) {
    const p = await q.query<{ id: string }>(`SELECT id FROM units WHERE code = $1`, [u.parentCode]);
    if (!p[0]) throw invalid('parentCode', `no unit with code ${u.parentCode}`);
    parentId = p[0].id;
  }
  const rows = await q.query<{ id: string }>(
    `INSERT INTO units (id, code, name, kind, parent_id, division_codes, phone, active)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind, parent_id = EXCLUDED.parent_id,
       division_codes = EXCLUDED.division_codes, phone = EXCLUDED.phone, active = EXCLUDED.active, updated_at = now()
     RETURNING id`,
    [uuidv7(), u.code, u.name, u.kind, parentId, u.divisionCodes, u.phone ?? null, u.active],
  );
  return rows[0];
}

export const USER_INPUT = z.strictObject({
  username: z.string().min(2).max(64).regex(/^[\w.@-]+$/, '用户名只能包含字母、数字和 ._@- (letters, digits and ._@- only)'),
  displayName: z.string().min(1).max(100),
  phone: z.string().regex(/^1\d{10}$|^0\d{2,3}-?\d{7,8}$/, '电话号码格式不正确 (a mobile or landline number)').nullish(),
  password: z.string().min(8, '密码至少 8 位 (at least 8 characters)').max(200).optional(),
  roles: z.array(z.enum(ROLES)).min(1),
  unitCode: z.string().nullish(),
  scopeCodes: z.array(z.union([DIVISION_CODE, z.literal('*')])).default([]),
  active: z.boolean().default(true),
});
export type UserInput = z.input<typeof USER_INPUT>;

export async function upsertUser(q: Queryable, input: UserInput): Promise<{ id: string; created: boolean }> {
  const u = USER_INPUT.parse(input);
  let unitId: string | null = null;
  if (u.unitCode) {
    const r = await q.query<{ id: string }>(`SELECT id FROM units WHERE code = $1`, [u.unitCode]);
    if (!r[0]) throw invalid('unitCode', `no unit with code ${u.unitCode}`);
    unitId = r[0].id;
  }
  const passwordHash = u.password ? await hashPassword(u.password) : null;
  const rows = await q.query<{ id: string; created: boolean }>(
    `INSERT INTO users (id, username, display_name, phone, password_hash, roles, unit_id, scope_codes, active)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (username) DO UPDATE SET display_name = EXCLUDED.display_name, phone = EXCLUDED.phone,
       password_hash = COALESCE(EXCLUDED.password_hash, users.password_hash), roles = EXCLUDED.roles,
       unit_id = EXCLUDED.unit_id, scope_codes = EXCLUDED.scope_codes, active = EXCLUDED.active, updated_at = now()
     RETURNING id, (xmax = 0) AS created`,
    [uuidv7(), u.username, u.displayName, u.phone ?? null, passwordHash, u.roles, unitId, u.scopeCodes, u.active],
  );
  return rows[0];
}

export const GRID_INPUT = z.strictObject({
  code: z.string().min(1).max(64),
  name: z.string().min(1).max(200),
  divisionCode: DIVISION_CODE,
  geometry: GEOMETRY,
  workerUsername: z.string().nullish(),
  households: z.number().int().min(0).default(0),
  population: z.number().int().min(0).default(0),
});
export type GridInput = z.input<typeof GRID_INPUT>;

export async function upsertGrid(q: Queryable, input: GridInput): Promise<{ id: string }> {
  const g = GRID_INPUT.parse(input);
  let workerId: string | null = null;
  if (g.workerUsername) {
    const r = await q.query<{ id: string }>(`SELECT id FROM users WHERE username = $1`, [g.workerUsername]);
    if (!r[0]) throw invalid('workerUsername', `no user ${g.workerUsername}`);
    workerId = r[0].id;
  }
  const rows = await q.query<{ id: string }>(
    `INSERT INTO grids (id, code, name, division_code, geometry, worker_user_id, households, population)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, division_code = EXCLUDED.division_code, geometry = EXCLUDED.geometry,
       worker_user_id = EXCLUDED.worker_user_id, households = EXCLUDED.households, population = EXCLUDED.population, updated_at = now()
     RETURNING id`,
    [uuidv7(), g.code, g.name, g.divisionCode, JSON.stringify(g.geometry), workerId, g.households, g.population],
  );
  return rows[0];
}

export interface UnitRow {
  id: string;
  code: string;
  name: string;
  kind: string;
  parentId: string | null;
  parentCode: string | null;
  divisionCodes: string[];
  phone: string | null;
  active: boolean;
}

export const UNIT_SELECT = `SELECT u.id, u.code, u.name, u.kind, u.parent_id AS "parentId", p.code AS "parentCode",
  u.division_codes AS "divisionCodes", u.phone, u.active FROM units u LEFT JOIN units p ON p.id = u.parent_id`;

export const USER_SELECT = `SELECT u.id, u.username, u.display_name AS "displayName", u.phone, u.roles, u.unit_id AS "unitId",
  un.code AS "unitCode", un.name AS "unitName", u.scope_codes AS "scopeCodes", u.active, u.created_at AS "createdAt"
  FROM users u LEFT JOIN units un ON un.id = u.unit_id`;

export const GRID_SELECT = `SELECT g.id, g.code, g.name, g.division_code AS "divisionCode", g.geometry,
  g.worker_user_id AS "workerUserId", w.username AS "workerUsername", w.display_name AS "workerName",
  g.households, g.population, g.updated_at AS "updatedAt" FROM grids g LEFT JOIN users w ON w.id = g.worker_user_id`;

export function isRoleList(x: string[]): x is Role[] {
  return x.every((r) => (ROLES as readonly string[]).includes(r));
}
