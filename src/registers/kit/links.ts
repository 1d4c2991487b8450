/**
 * Links between entities: a 12345 case became a dispute; a dispute became a
 * petition or went to court. A link is written once and shows on both sides'
 * timelines: a remark event on a register entity, a note event on a case
 * (through the case engine's own transition, so the case's version and event
 * sequence stay whole).
 */
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import type { Queryable } from '../../platform/db.ts';
import { appendCaseNote } from '../../cases/index.ts';
import { appendEvent } from './events.ts';

export interface EntityRef {
  type: string;
  id: string;
  /** Its number as people quote it (case no., dispute no.), shown in the other side's timeline. */
  label: string;
}

export const LINK_KINDS = ['became', 'referred', 'related'] as const;
export type LinkKind = (typeof LINK_KINDS)[number];
const KIND_LABEL: Record<LinkKind, string> = { became: '转为', referred: '移交', related: '关联' };

export async function link(q: Queryable, from: EntityRef, to: EntityRef, kind: LinkKind, actor: { userId: string; unitId: string | null }): Promise<boolean> {
  const inserted = await q.query(
    `INSERT INTO entity_links (id, from_type, from_id, to_type, to_id, kind, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (from_type, from_id, to_type, to_id) DO NOTHING RETURNING id`,
    [uuidv7(), from.type, from.id, to.type, to.id, kind, actor.userId],
  );
  if (!inserted.length) return false;
  for (const [self, other, dir] of [[from, to, 'to'], [to, from, 'from']] as const) {
    const comment = dir === 'to' ? `${KIND_LABEL[kind]} ${other.label}` : `由 ${other.label} ${KIND_LABEL[kind]}`;
    const data = { link: { direction: dir, kind, type: other.type, id: other.id, label: other.label } };
    if (self.type === 'case') {
      await appendCaseNote(q, self.id, { actorUserId: actor.userId, actorUnitId: actor.unitId, comment, data });
    } else {
      await appendEvent(q, { entityType: self.type, entityId: self.id, version: null, action: 'link', from: null, to: null, actorUserId: actor.userId, actorUnitId: actor.unitId, comment, data });
    }
  }
  return true;
}

export const LINK_VIEW = z.object({ direction: z.enum(['to', 'from']), kind: z.string(), type: z.string(), id: z.string(), createdAt: z.string() });
export type LinkView = z.infer<typeof LINK_VIEW>;

export async function linksOf(q: Queryable, type: string, id: string): Promise<LinkView[]> {
  const rows = await q.query<{ direction: 'to' | 'from'; kind: string; type: string; id: string; created_at: Date }>(
    `SELECT 'to' AS direction, kind, to_type AS type, to_id AS id, created_at FROM entity_links WHERE from_type = $1 AND from_id = $2
     UNION ALL
     SELECT 'from', kind, from_type, from_id, created_at FROM entity_links WHERE to_type = $1 AND to_id = $2
     ORDER BY created_at`,
    [type, id],
  );
  return rows.map((r) => ({ direction: r.direction, kind: r.kind, type: r.type, id: r.id, createdAt: new Date(r.created_at).toISOString() }));
}
