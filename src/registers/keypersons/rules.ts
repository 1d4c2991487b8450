/**
 * Key persons' pure rules (no I/O): who may read and act, the measures, the
 * tier-change approval, and whether a visit was on time.
 *
 * Need-to-know (the strictest in the product). A file is seen by:
 * - the members of its responsible team (五包一) who are users of the system;
 * - the police and the political-legal staff of the person's jurisdiction:
 *   roles `police`, `leader` and `supervisor` (the political-legal committee's
 *   综治/指挥中心 staff hold `supervisor` and its leaders `leader`), for
 *   persons in their divisions (their scope codes, or their unit's divisions);
 * - admins (of all divisions, or of the divisions they are scoped to).
 * Nobody else: not a grid worker or township officer who is not on the team,
 * not a department handler, mediator or petition officer, never a citizen.
 */

/** Roles that may call the register's routes at all (each row is then filtered by `keypersonVisibility`). */
export const KEYPERSON_READERS = ['police', 'leader', 'supervisor', 'grid_worker', 'township'] as const;
/** Roles that see every file of their jurisdiction (admins too). */
export const JURISDICTION_ROLES: readonly string[] = ['admin', 'police', 'leader', 'supervisor'];
/** Roles that open files (and import ledgers): the police and political-legal staff. */
export const FILING_ROLES = ['police', 'leader', 'supervisor'] as const;
/** Roles that decide tier changes (besides a higher rank than the requester's). */
export const DECIDER_ROLES = ['leader', 'supervisor'] as const;

/** Rank of a role in deciding tier changes: a decision needs a higher rank than the request's. */
const RANK: Record<string, number> = { admin: 4, leader: 3, supervisor: 2, police: 1, township: 1, grid_worker: 0 };
export const rankOf = (roles: readonly string[]) => Math.max(-1, ...roles.map((r) => RANK[r] ?? -1));

export const MEASURE_KINDS = ['ledger', 'visit', 'check', 'supervision', 'opinion', 'help'] as const;
export type MeasureKind = (typeof MEASURE_KINDS)[number];
export const MEASURE_LABELS: Record<MeasureKind, string> = {
  ledger: '台账登记',
  visit: '摸排走访',
  check: '见面核查',
  supervision: '日常监管',
  opinion: '舆情监测',
  help: '帮扶稳控',
};
/** Measures that count as a visit: they restart the visit clock. */
export const VISIT_KINDS: readonly MeasureKind[] = ['visit', 'check'];
export const isVisit = (k: MeasureKind) => VISIT_KINDS.includes(k);

/** A visit is on time when made no later than the deadline the previous one set (the first one always is). */
export function visitOnTime(at: number, dueAt: number | null): boolean {
  return dueAt === null || at <= dueAt;
}

/** The visit clock's limit key for a tier (one entity time limit per tier: data, follows the tier's frequency). */
export const visitLimitKey = (tier: string) => `visit_${tier}`;

export interface TierChangeFacts {
  requestedBy: string;
  requesterRoles: readonly string[];
  status: 'pending' | 'approved' | 'rejected';
}

export type Verdict = { ok: true } | { ok: false; reason: 'state' | 'self' | 'role'; message: string };

/** May this user decide this tier-change request? Another user, holding a deciding role (or admin), of a higher rank than the requester. */
export function mayDecide(req: TierChangeFacts, decider: { id: string; roles: readonly string[] }): Verdict {
  if (req.status !== 'pending') return { ok: false, reason: 'state', message: '该调级申请已审批 (the request was already decided)' };
  if (decider.id === req.requestedBy) return { ok: false, reason: 'self', message: '不能审批自己提出的调级申请 (another user must decide your own request)' };
  const deciding = decider.roles.includes('admin') || decider.roles.some((r) => (DECIDER_ROLES as readonly string[]).includes(r));
  if (!deciding || rankOf(decider.roles) <= rankOf(req.requesterRoles)) {
    return { ok: false, reason: 'role', message: '只有职级高于申请人的政法委领导、督办员或管理员可以审批 (a political-legal leader, supervisor or admin ranked above the requester decides)' };
  }
  return { ok: true };
}
