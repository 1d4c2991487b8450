import type { Queryable } from './db.ts';

export interface AuditEntry {
  userId: string | null;
  action: string;
  entity: string;
  entityId?: string | null;
  detail?: Record<string, unknown>;
  ip?: string | null;
}

/** Appends to the audit log: sensitive reads and administrative writes. */
export async function audit(q: Queryable, e: AuditEntry): Promise<void> {
  await q.query(`INSERT INTO audit_log (user_id, action, entity, entity_id, detail, ip) VALUES ($1, $2, $3, $4, $5, $6)`, [
    e.userId,
    e.action,
    e.entity,
    e.entityId ?? null,
    JSON.stringify(e.detail ?? {}),
    e.ip ?? null,
  ]);
}
