/** Checks of what a request names besides the case: attachments, units and the main case of a duplicate. */
import type { Queryable } from '../platform/db.ts';
import { invalid } from '../platform/errors.ts';
import type { Principal } from '../org/auth.ts';
import { caseVisibility } from '../org/scope.ts';
import type { Action, ActionInput } from './lifecycle.ts';
import type { CaseRow } from './store.ts';

/** Attachments named must be the caller's own uploads, not yet linked to another case. */
export async function checkAttachments(q: Queryable, p: Principal, ids: string[], caseId: string | null, field: string) {
  const rows = await q.query<{ id: string }>(
    `SELECT id FROM attachments WHERE id = ANY ($1) AND uploaded_by = $2 AND (case_id IS NULL OR case_id = $3)`,
    [ids, p.id, caseId],
  );
  const ok = new Set(rows.map((r) => r.id));
  const bad = ids.findIndex((id) => !ok.has(id));
  if (bad >= 0) throw invalid(`${field}.${bad}`, '附件不存在或不属于您 (no such attachment of yours)');
}

/** Units and cases named in an action must exist (and be active / visible). */
export async function checkReferences(q: Queryable, p: Principal, action: Action, input: ActionInput, row: CaseRow) {
  const units = [input.leadUnitId, ...(input.assistUnitIds ?? [])].filter((x): x is string => !!x);
  if (action === 'summon') units.push(...(input.unitIds ?? []));
  if (units.length && (action === 'dispatch' || action === 'reopen' || action === 'summon')) {
    const found = await q.query<{ id: string }>(`SELECT id FROM units WHERE id = ANY ($1) AND active`, [units]);
    const ok = new Set(found.map((u) => u.id));
    if (input.leadUnitId && !ok.has(input.leadUnitId)) throw invalid('leadUnitId', '单位不存在或已停用 (no such active unit)');
    const bad = (input.assistUnitIds ?? []).findIndex((u) => !ok.has(u));
    if (bad >= 0) throw invalid(`assistUnitIds.${bad}`, '单位不存在或已停用 (no such active unit)');
    const badSummon = (input.unitIds ?? []).findIndex((u) => !ok.has(u));
    if (badSummon >= 0) throw invalid(`unitIds.${badSummon}`, '单位不存在或已停用 (no such active unit)');
  }
  if (input.duplicateOf) {
    if (input.duplicateOf === row.id) throw invalid('duplicateOf', 'a case cannot duplicate itself');
    const params: unknown[] = [input.duplicateOf];
    const dup = await q.query<{ id: string; status: string }>(`SELECT c.id, c.status FROM cases c WHERE c.id = $1 AND ${caseVisibility(p, 'c', params)}`, params);
    if (!dup.length) throw invalid('duplicateOf', '重复的主工单不存在 (no such case)');
    if (action === 'merge' && ['merged', 'cancelled', 'transferred'].includes(dup[0].status)) {
      throw invalid('duplicateOf', '主工单已合并、作废或转出，不能并入 (the main case is merged, cancelled or transferred)');
    }
  }
}
