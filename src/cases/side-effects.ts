/**
 * What goes with an action, in its transaction: merged counts, the outcome
 * told to every reporter, summons rows, notifications to the units concerned,
 * and the classifier's proposal kept beside the dispatcher's choice.
 */
import type { Ctx } from '../platform/context.ts';
import type { Queryable } from '../platform/db.ts';
import type { Principal } from '../org/auth.ts';
import type { ClockRow } from '../timelimits/index.ts';
import type { Action, ActionInput, CasePatch } from './lifecycle.ts';
import type { CaseRow } from './store.ts';

export interface ActionDone {
  p: Principal;
  action: Action;
  input: ActionInput;
  patch: CasePatch;
  now: number;
  /** The row before and after the transition. */
  before: CaseRow;
  after: CaseRow;
  /** Records the classifier's proposal (first dispatch only). */
  recordFeedback: ((q: Queryable, dispatched: CaseRow) => Promise<void>) | null;
}

/** Summons rows and notifications that go with an action, in its transaction. */
export async function sideEffects(ctx: Ctx, q: Queryable, { p, action, input, patch, now, before, after: c, recordFeedback }: ActionDone) {
  const tl = ctx.services.timeLimits;
  const notifier = ctx.services.notifier;
  if (action === 'merge' && c.duplicate_of) {
    await q.query(`UPDATE cases SET merged_count = merged_count + 1 WHERE id = $1`, [c.duplicate_of]);
  }
  if (action === 'unmerge' && before.duplicate_of) {
    await q.query(`UPDATE cases SET merged_count = greatest(merged_count - 1, 0) WHERE id = $1`, [before.duplicate_of]);
  }
  if (c.status === 'closed' && before.status !== 'closed') {
    // Every reporter hears of the outcome: this case's, and those of the reports merged into it.
    const reporters = await q.query<{ user_id: string; case_id: string }>(
      `SELECT reporter_user_id AS user_id, id AS case_id FROM cases
        WHERE reporter_user_id IS NOT NULL AND (id = $1 OR (duplicate_of = $1 AND status = 'merged'))`,
      [c.id],
    );
    for (const r of reporters) {
      await notifier.notify(q, {
        userId: r.user_id,
        caseId: r.case_id,
        kind: r.case_id === c.id ? 'closed' : 'merged_closed',
        title: `您反映的问题已办结 ${c.no}`,
        body: c.reply ?? undefined,
      });
    }
  }
  const due = tl.summonDue(c as unknown as ClockRow, now) ?? null;
  if (action === 'dispatch' || (action === 'reopen' && c.status === 'dispatched')) {
    // Assisting units named at dispatch are on the case at once (no 报到), and owe their part by the summons limit.
    await q.query(`DELETE FROM case_summons WHERE case_id = $1 AND answered_at IS NULL`, [c.id]);
    if (c.assist_unit_ids.length) {
      await q.query(
        `INSERT INTO case_summons (case_id, unit_id, summoned_by, due_at, reported_at)
         SELECT $1, u, $2, $3, now() FROM unnest($4::uuid[]) AS u ON CONFLICT (case_id, unit_id) DO NOTHING`,
        [c.id, p.id, due, c.assist_unit_ids],
      );
    }
    if (c.lead_unit_id) await notifier.notify(q, { unitId: c.lead_unit_id, caseId: c.id, kind: 'dispatched', title: `新派单 ${c.no}: ${c.title}` });
    if (recordFeedback) await recordFeedback(q, c);
    for (const u of c.assist_unit_ids) await notifier.notify(q, { unitId: u, caseId: c.id, kind: 'dispatched', title: `协办派单 ${c.no}: ${c.title}` });
  }
  if (action === 'summon' && patch.summonUnitIds) {
    await q.query(
      `INSERT INTO case_summons (case_id, unit_id, summoned_by, due_at)
       SELECT $1, u, $2, $3 FROM unnest($4::uuid[]) AS u ON CONFLICT (case_id, unit_id) DO NOTHING`,
      [c.id, p.id, due, patch.summonUnitIds],
    );
    for (const u of patch.summonUnitIds) {
      await notifier.notify(q, { unitId: u, caseId: c.id, kind: 'summoned', title: `吹哨报到 ${c.no}: ${c.title}`, body: input.comment, data: { dueAt: due } });
    }
  }
  if (action === 'report' && p.unitId) {
    await q.query(`UPDATE case_summons SET reported_at = now(), reported_by = $3 WHERE case_id = $1 AND unit_id = $2`, [c.id, p.unitId, p.id]);
  }
  if (action === 'assist_reply' && p.unitId) {
    await q.query(
      `UPDATE case_summons SET answered_at = now(), answered_by = $3, answer = $4, reported_at = coalesce(reported_at, now()) WHERE case_id = $1 AND unit_id = $2`,
      [c.id, p.unitId, p.id, input.reply],
    );
    if (c.lead_unit_id) await notifier.notify(q, { unitId: c.lead_unit_id, caseId: c.id, kind: 'assist_replied', title: `协办单位已答复 ${c.no}` });
  }
  if (action === 'request_extension') {
    const sup = await q.query<{ parent_id: string | null }>(`SELECT parent_id FROM units WHERE id = $1`, [c.lead_unit_id]);
    const to = sup[0]?.parent_id ?? null;
    if (to) await notifier.notify(q, { unitId: to, caseId: c.id, kind: 'extension_requested', title: `延期申请 ${c.no}: ${input.duration}`, body: input.comment });
  }
  if (action === 'decide_extension' && c.lead_unit_id) {
    await notifier.notify(q, { unitId: c.lead_unit_id, caseId: c.id, kind: 'extension_decided', title: `延期申请${input.approve ? '已同意' : '未同意'} ${c.no}` });
  }
  if (action === 'return' && c.created_by) {
    await notifier.notify(q, { userId: c.created_by, caseId: c.id, kind: 'returned', title: `工单被退回 ${c.no}`, body: input.comment });
  }
}
