/** A case as the API shows it, with the reporter's name and phone masked unless the caller may see them. */
import { maskName, maskPhone } from '../platform/masking.ts';
import type { Principal } from '../org/auth.ts';
import { PII_ROLES, HANDLING_ROLES } from '../org/roles.ts';
import { STATUS_LABELS } from './lifecycle.ts';
import { CASE_TYPE_LABELS, CHANNEL_LABELS, URGENCY_LABELS, type Channel } from './model.ts';
import type { CaseDetailRow } from './read.ts';
import type { CaseRow } from './store.ts';

/** May this caller see the reporter's name and phone in full? */
export function seesPersonalData(p: Principal, row: CaseRow): boolean {
  if (row.reporter_user_id && row.reporter_user_id === p.id) return true;
  if (p.roles.some((r) => PII_ROLES.includes(r))) return true;
  // The lead unit's handler calls the citizen back, unless the citizen asked for confidentiality.
  return !row.reporter_confidential && !!p.unitId && p.unitId === row.lead_unit_id && p.roles.some((r) => HANDLING_ROLES.includes(r));
}

export function caseView(row: CaseDetailRow, p: Principal) {
  const full = seesPersonalData(p, row);
  return {
    id: row.id,
    no: row.no,
    channel: row.channel,
    channelLabel: CHANNEL_LABELS[row.channel as Channel],
    type: row.type,
    typeLabel: CASE_TYPE_LABELS[row.type as keyof typeof CASE_TYPE_LABELS],
    categoryCode: row.category_code,
    categoryName: row.category_name ?? undefined,
    urgency: row.urgency,
    urgencyLabel: URGENCY_LABELS[row.urgency as keyof typeof URGENCY_LABELS],
    title: row.title,
    description: row.description,
    reporter: {
      name: full ? row.reporter_name : maskName(row.reporter_name),
      phone: full ? row.reporter_phone : maskPhone(row.reporter_phone),
      confidential: row.reporter_confidential,
      masked: !full,
    },
    location: {
      address: row.address,
      lng: row.lng,
      lat: row.lat,
      gridId: row.grid_id,
      gridName: row.grid_name ?? undefined,
      divisionCode: row.division_code,
      divisionName: row.division_name ?? undefined,
    },
    status: row.status,
    statusLabel: STATUS_LABELS[row.status],
    leadUnitId: row.lead_unit_id,
    leadUnitName: row.lead_unit_name ?? undefined,
    assistUnitIds: row.assist_unit_ids,
    handlerUserId: row.handler_user_id,
    reply: row.reply,
    solved: row.solved,
    rating: row.rating,
    ratingComment: row.rating_comment,
    duplicateOf: row.duplicate_of,
    externalRef: row.external_ref,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    closedAt: row.closed_at,
    version: row.version,
    // The running clock (时限) and its warning: yellow near the limit, red past it.
    deadline: {
      clock: row.clock ?? null,
      dueAt: row.due_at ?? null,
      warnAt: row.warn_at ?? null,
      warning: row.warning ?? 'none',
      escalated: row.escalated ?? false,
      acceptDueAt: row.accept_due_at ?? null,
      replyDueAt: row.reply_due_at ?? null,
      returnDueAt: row.return_due_at ?? null,
      extensionCount: row.extension_count ?? 0,
      pendingExtension: row.pending_extension ?? null,
    },
    returnCount: row.return_count ?? 0,
    mergedCount: row.merged_count ?? 0,
    needsArbitration: row.needs_arbitration ?? false,
  };
}
export type CaseView = ReturnType<typeof caseView>;
