/** Roles a user may hold. A user may hold several; permissions are the union. */
export const ROLES = [
  'admin',
  'operator', // 12345 hotline operator
  'dispatcher', // command centre
  'handler', // department handler
  'township', // township / street officer
  'grid_worker',
  'police',
  'mediator',
  'supervisor',
  'leader',
  'petition_officer', // 信访干部
  'citizen',
] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  admin: '系统管理员',
  operator: '12345 接线员',
  dispatcher: '指挥中心派单员',
  handler: '部门承办人',
  township: '乡镇(街道)干部',
  grid_worker: '网格员',
  police: '公安民警',
  mediator: '人民调解员',
  supervisor: '督办员',
  leader: '领导',
  petition_officer: '信访干部',
  citizen: '群众',
};

/** Roles that handle orders for their unit (sign, handle, reply, return). */
export const HANDLING_ROLES: readonly Role[] = ['handler', 'township', 'police', 'mediator', 'grid_worker'];

/**
 * Roles that may see a reporter's phone and full name unmasked. Handlers of the
 * lead unit also may, unless the reporter asked for confidentiality (decided in
 * the service, since it depends on the case).
 */
export const PII_ROLES: readonly Role[] = ['admin', 'operator', 'dispatcher', 'supervisor'];

export function isRole(x: string): x is Role {
  return (ROLES as readonly string[]).includes(x);
}
