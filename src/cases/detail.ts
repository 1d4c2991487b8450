/** A case with its timeline, files, summoned units and the actions the caller may take now (GET /api/cases/:ref). */
import type { Ctx } from '../platform/context.ts';
import { audit } from '../platform/audit.ts';
import type { Principal } from '../org/auth.ts';
import { ACTION_LABELS, availableActions, type Action } from './lifecycle.ts';
import { actorOf, factsOf, nowOf } from './facts.ts';
import { isPublicAction, publicEventData } from './public.ts';
import { loadVisibleWithSummons } from './read.ts';
import { loadEvents } from './store.ts';
import { caseView } from './view.ts';

/** A case with its timeline and the actions the caller may take now. */
export async function getCase(ctx: Ctx, p: Principal, ref: string, ip?: string) {
  const { row, summons } = await loadVisibleWithSummons(ctx.db, p, ref);
  const view = caseView(row, p);
  const citizenOnly = !p.roles.some((r) => r !== 'citizen');
  let events = await loadEvents(ctx.db, row.id);
  // Citizens see the public timeline (src/cases/public.ts): public steps only, and no
  // comments but their own rating's, since reasons and instructions may name staff or others.
  if (citizenOnly) events = events.filter((e) => isPublicAction(e.action));
  // A citizen sees the files they sent; staff photos from the site may show other people.
  const attachments = await ctx.db.query(
    `SELECT id, filename, mime, size, created_at AS "createdAt" FROM attachments WHERE case_id = $1 AND ($2::uuid IS NULL OR uploaded_by = $2) ORDER BY created_at`,
    [row.id, citizenOnly ? p.id : null],
  );
  if (!view.reporter.masked && row.reporter_user_id !== p.id && (row.reporter_phone || row.reporter_name)) {
    await audit(ctx.db, { userId: p.id, action: 'read_personal_data', entity: 'case', entityId: row.id, ip });
  }
  const assistUnits = row.assist_unit_ids.length
    ? await ctx.db.query(`SELECT id, name FROM units WHERE id = ANY ($1)`, [row.assist_unit_ids])
    : [];
  return {
    ...view,
    assistUnits,
    attachments,
    summons: summons.map((s) => ({
      unitId: s.unit_id,
      unitName: s.unit_name,
      summonedAt: s.summoned_at,
      dueAt: s.due_at,
      reportedAt: s.reported_at,
      answeredAt: s.answered_at,
      answer: citizenOnly ? undefined : s.answer,
    })),
    availableActions: availableActions(factsOf(row, summons, nowOf(ctx)), actorOf(p, row, summons)),
    timeline: events.map((e) => ({
      seq: e.seq,
      at: e.at,
      action: e.action,
      actionLabel: e.action === 'create' ? '登记' : ACTION_LABELS[e.action as Action] ?? e.action,
      fromStatus: e.from_status,
      toStatus: e.to_status,
      comment: citizenOnly && !(e.action === 'rate' && e.actor_user_id === p.id) ? null : e.comment,
      data: citizenOnly ? publicEventData(e.data ?? {}) : e.data,
      attachmentIds: citizenOnly && e.actor_user_id !== p.id ? [] : e.attachment_ids,
      actor: citizenOnly ? null : { id: e.actor_user_id, name: e.actor_name },
      actorUnit: { id: e.actor_unit_id, name: e.actor_unit_name },
    })),
  };
}
