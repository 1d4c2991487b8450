/**
 * A lifecycle action on a case (POST /api/cases/:ref/<action>): the version
 * check, the lifecycle's decision (lifecycle.ts), time-limit rules, checks of
 * what the action names, then one transaction that moves the row and appends
 * one event (store.ts applyTransition) with the side effects of side-effects.ts.
 */
import type { Ctx } from '../platform/context.ts';
import { conflict, forbidden, invalid } from '../platform/errors.ts';
import type { Principal } from '../org/auth.ts';
import type { ClockRow } from '../timelimits/index.ts';
import { getArticleForCitation } from '../kb/index.ts';
import { decide, type Action, type ActionInput, type CasePatch } from './lifecycle.ts';
import { checkAttachments, checkReferences } from './checks.ts';
import { getCase } from './detail.ts';
import { actorOf, factsOf, nowOf } from './facts.ts';
import { loadSummons, loadVisible } from './read.ts';
import { sideEffects } from './side-effects.ts';
import { applyTransition, type RowPatch } from './store.ts';

export type ActRequest = ActionInput & { version?: number; attachmentIds?: string[] };

export interface ActOptions {
  /** Answer with the case view (default). The demo replay, which reads what it needs itself, turns it off. */
  view?: boolean;
}

/**
 * Performs a lifecycle action: one transaction, version-checked, one appended
 * event. When another write lands between reading the case and writing the
 * action (a note, the sweeper's automatic urge, another user's action), the
 * action is decided again on the fresh row instead of failing with 409: it
 * fails only if the lifecycle now refuses it, or if the caller sent a version
 * and what changed since it was more than remarks.
 */
export async function actOnCase(ctx: Ctx, p: Principal, ref: string, action: Action, input: ActRequest, opts: ActOptions = {}) {
  for (let attempt = 0; ; attempt++) {
    const outcome = await actOnce(ctx, p, ref, action, input);
    if (outcome.done) {
      ctx.metrics.caseActions.inc({ action });
      if (opts.view === false) return null;
      return getCase(ctx, p, outcome.id);
    }
    // Lost a race: try again on the fresh row. The lifecycle decides again, and the
    // caller's version (if given) still refuses anything but remarks since it.
    if (attempt >= 4) throw conflict('工单已被他人修改，请刷新后重试 (the case changed meanwhile; reload and retry)');
  }
}

/** One try; done: false when the case moved between reading it and writing. */
async function actOnce(ctx: Ctx, p: Principal, ref: string, action: Action, input: ActRequest): Promise<{ done: boolean; id: string }> {
  const row = await loadVisible(ctx.db, p, ref);
  if (input.version !== undefined && input.version !== row.version && !(await onlyRemarksSince(ctx, row.id, input.version, row.version))) {
    throw conflict(`工单已被他人修改 (the case is at version ${row.version}, not ${input.version}); reload and retry`, [], { currentVersion: row.version });
  }
  const now = nowOf(ctx);
  const summons = await loadSummons(ctx.db, row.id);
  const decision = decide(factsOf(row, summons, now), action, actorOf(p, row, summons), input);
  if (!decision.ok) {
    if (decision.reason === 'role' || decision.reason === 'relation') throw forbidden(decision.message);
    // The case's state goes in caseStatus: `status` of a problem is the HTTP status code (RFC 9457).
    if (decision.reason === 'state') throw conflict(decision.message, [{ field: 'status', message: decision.message }], { caseStatus: row.status });
    throw invalid(decision.field ?? 'body', decision.message);
  }
  const tl = ctx.services.timeLimits;
  const clockRow = row as unknown as ClockRow;
  if (action === 'return' && !tl.mayReturn(clockRow, now)) {
    throw conflict('已超过退单时限，不能退单；请办理或申请协调 (the time to return this order has passed)', [{ field: 'status', message: 'return limit passed' }]);
  }
  if (action === 'request_extension') {
    const refusal = tl.checkExtension(clockRow, input.duration!, now);
    if (refusal) throw invalid(refusal.field, refusal.message);
  }
  await checkReferences(ctx.db, p, action, input, row);
  if (input.attachmentIds?.length) await checkAttachments(ctx.db, p, input.attachmentIds, row.id, 'attachmentIds');
  if (action === 'close_directly' && input.articleId && !(await getArticleForCitation(ctx.db, input.articleId, { divisionCode: row.division_code }))) {
    throw invalid('articleId', '知识不存在、已停用或不在有效期内 (no such valid article here)');
  }

  const patch = toRowPatch(decision.patch, p);
  if (decision.patch.pendingExtension === null) patch.pending_extension = null;
  if (decision.patch.pendingExtension) {
    patch.pending_extension = { ...decision.patch.pendingExtension, requestedBy: p.id, requestedAt: new Date(now).toISOString() };
  }
  if (decision.patch.summonUnitIds) patch.assist_unit_ids = [...new Set([...row.assist_unit_ids, ...decision.patch.summonUnitIds])];
  Object.assign(patch, tl.forTransition(clockRow, action, decision.to, now, { extendBy: decision.patch.extendBy }));

  // The classifier reads its model from the database: ask it before the transaction
  // (on PGlite the transaction holds the only connection).
  const recordFeedback = action === 'dispatch' && row.status === 'registered' ? await ctx.services.dispatchFeedback.prepare(row) : null;
  const updated = await ctx.db.tx(async (q) => {
    const moved = await applyTransition(q, {
      caseId: row.id,
      expectedVersion: row.version,
      action,
      from: row.status,
      to: decision.to,
      patch,
      actorUserId: p.id,
      actorUnitId: p.unitId,
      comment: input.comment ?? null,
      data: eventData(action, input, decision.patch),
      attachmentIds: input.attachmentIds ?? [],
    });
    if (moved) await sideEffects(ctx, q, { p, action, input, patch: decision.patch, now, before: row, after: moved, recordFeedback });
    return moved;
  });
  return { done: Boolean(updated), id: row.id };
}

/**
 * Were the changes since `version` only remarks (notes, urges, supervision,
 * including the sweeper's automatic urges), which move no state and change
 * nothing an action decides on? Then a form loaded at `version` is not stale:
 * a case turning yellow must not throw away the dispatch an operator is typing.
 */
async function onlyRemarksSince(ctx: Ctx, caseId: string, version: number, current: number): Promise<boolean> {
  if (version > current) return false;
  const rows = await ctx.db.query<{ n: number; remarks: number }>(
    `SELECT count(*)::int AS n,
            count(*) FILTER (WHERE action IN ('note', 'urge', 'supervise') AND from_status IS NOT DISTINCT FROM to_status)::int AS remarks
       FROM case_events WHERE case_id = $1 AND seq > $2`,
    [caseId, version],
  );
  return rows[0].n === current - version && rows[0].remarks === rows[0].n;
}

function toRowPatch(patch: CasePatch, p: Principal): RowPatch {
  const r: RowPatch = {};
  if (patch.leadUnitId !== undefined) r.lead_unit_id = patch.leadUnitId;
  if (patch.assistUnitIds !== undefined) r.assist_unit_ids = patch.assistUnitIds;
  if (patch.handlerCleared) r.handler_user_id = null;
  if (patch.handlerIsActor) r.handler_user_id = p.id;
  if (patch.reply !== undefined) r.reply = patch.reply;
  if (patch.solved !== undefined) r.solved = patch.solved;
  if (patch.rating !== undefined) r.rating = patch.rating;
  if (patch.ratingComment !== undefined) r.rating_comment = patch.ratingComment;
  if (patch.duplicateOf !== undefined) r.duplicate_of = patch.duplicateOf;
  if (patch.externalRef !== undefined) r.external_ref = patch.externalRef;
  if (patch.closed) r.closed_at = 'now';
  if (patch.reopened) r.closed_at = null;
  return r;
}

/** What the timeline records of an action's input, besides the comment. */
function eventData(action: Action, input: ActionInput, patch: CasePatch = {}): Record<string, unknown> {
  const d: Record<string, unknown> = {};
  if (patch.extendBy) d.extendedBy = patch.extendBy;
  for (const k of ['leadUnitId', 'assistUnitIds', 'reply', 'solved', 'closeUnsolved', 'rating', 'duplicateOf', 'externalRef', 'duration', 'approve', 'unitIds', 'articleId'] as const) {
    if (input[k] !== undefined) d[k] = input[k];
  }
  if (action === 'rate' && input.comment) d.ratingComment = input.comment;
  return d;
}
