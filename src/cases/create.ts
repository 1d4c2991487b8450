/**
 * Registering a case (POST /api/cases): who may, through which channel,
 * where it lies, its first clock, and one insert (batched with concurrent
 * intakes by IntakeBatcher) that also claims the Idempotency-Key.
 */
import { v7 as uuidv7 } from 'uuid';
import type { Ctx } from '../platform/context.ts';
import { forbidden, invalid } from '../platform/errors.ts';
import type { Principal } from '../org/auth.ts';
import { CREATE_ROLES } from './lifecycle.ts';
import type { Channel, CreateCaseInput } from './model.ts';
import type { IntakeBatcher } from './intake-batcher.ts';
import { checkAttachments } from './checks.ts';
import { nowOf } from './facts.ts';
import { priorCase, replayAfterConflict, requestHashOf } from './idempotency.ts';
import { placeOf } from './place.ts';
import { caseSearchText } from './search.ts';
import { NO_CLOCK, type CaseRow, type NewCaseClock } from './store.ts';
import { caseView, type CaseView } from './view.ts';

export async function createCase(ctx: Ctx, intake: IntakeBatcher, p: Principal, input: CreateCaseInput, idempotencyKey?: string): Promise<{ view: CaseView; created: boolean }> {
  if (!p.roles.includes('admin') && !p.roles.some((r) => CREATE_ROLES.includes(r))) {
    throw forbidden('角色无权登记工单 (your role may not register cases)');
  }
  const citizen = p.roles.length === 1 && p.roles[0] === 'citizen';
  const channel = channelOf(p, input, citizen);

  const requestHash = requestHashOf(input, idempotencyKey);
  if (idempotencyKey && input.attachmentIds.length) {
    // A retry with attachments would fail their "not yet linked" check; answer it first.
    const prior = await priorCase(ctx.db, p, idempotencyKey, requestHash);
    if (prior) return { view: prior, created: false };
  }

  if (input.attachmentIds.length) await checkAttachments(ctx.db, p, input.attachmentIds, null, 'attachmentIds');
  const place = await placeOf(ctx, p, input);
  const reporter = input.reporter;
  const newCase = {
    id: uuidv7(),
    channel,
    type: input.type,
    categoryCode: input.categoryCode ?? null,
    urgency: input.urgency,
    title: input.title,
    description: input.description,
    reporterName: citizen ? (reporter?.name ?? p.displayName) : (reporter?.name ?? null),
    reporterPhone: citizen ? p.phone : (reporter?.phone ?? null),
    reporterUserId: citizen ? p.id : null,
    reporterConfidential: reporter?.confidential ?? false,
    address: input.location?.address ?? null,
    lng: input.location?.lng ?? place.lng ?? null,
    lat: input.location?.lat ?? place.lat ?? null,
    gridId: place.gridId,
    divisionCode: place.divisionCode,
    externalRef: input.externalRef ?? null,
    createdBy: p.id,
    actorUnitId: p.unitId,
    attachmentIds: input.attachmentIds,
    comment: null,
    clock: newCaseClock(ctx, { type: input.type, categoryCode: input.categoryCode ?? null, urgency: input.urgency, channel }),
    searchText: caseSearchText({ title: input.title, description: input.description, address: input.location?.address }),
  };
  let row: CaseRow | undefined;
  try {
    row = await intake.insert(newCase, idempotencyKey, requestHash);
  } catch (err) {
    throw createFieldError(err);
  }
  if (!row) return { view: await replayAfterConflict(ctx.db, p, idempotencyKey!, requestHash), created: false };
  ctx.metrics.casesCreated.inc({ channel });
  // Committed: the features above cases hear of it (a retry that replayed the first case above does not repeat this).
  await ctx.services.caseHooks.emitCreated({
    id: row.id, no: row.no, title: row.title, channel: row.channel, divisionCode: row.division_code, gridId: row.grid_id,
    reporterPhone: row.reporter_phone, createdAt: row.created_at,
  });
  return { view: caseView(row, p), created: true };
}

/** Citizens submit through web or wechat; staff default to their own channel (a token is the API, a grid worker the grid ...). */
function channelOf(p: Principal, input: CreateCaseInput, citizen: boolean): Channel {
  if (citizen && input.channel && !['web', 'wechat'].includes(input.channel)) throw invalid('channel', 'citizens submit through web or wechat');
  if (citizen) return input.channel === 'wechat' ? 'wechat' : 'web';
  return input.channel ?? (p.via === 'token' ? 'api' : p.roles.includes('grid_worker') ? 'grid' : p.roles.includes('police') ? 'police110' : 'hotline');
}

/** The clock a new case starts with, from the time-limit policy that fits it. */
function newCaseClock(ctx: Ctx, keys: { type: string; categoryCode: string | null; urgency: string; channel: string }): NewCaseClock {
  const c = ctx.services.timeLimits.forNewCase(keys, nowOf(ctx));
  if (!c.policy_id) return NO_CLOCK;
  return {
    policyId: c.policy_id,
    clock: c.clock ?? null,
    clockStartedAt: c.clock_started_at ?? null,
    dueAt: c.due_at ?? null,
    warnAt: c.warn_at ?? null,
    escalateAt: c.escalate_at ?? null,
    nextCheckAt: c.next_check_at ?? null,
  };
}

/** Foreign keys of a new case, named as the API names the fields. */
const CREATE_FK_FIELDS: Record<string, [string, string]> = {
  cases_division_code_fkey: ['location.divisionCode', '行政区划不存在 (no such division)'],
  cases_category_code_fkey: ['categoryCode', '事项分类不存在 (no such category)'],
  cases_grid_id_fkey: ['location.gridId', '网格不存在 (no such grid)'],
};

function createFieldError(err: any): unknown {
  const f = err?.code === '23503' ? CREATE_FK_FIELDS[err.constraint] : undefined;
  return f ? invalid(f[0], f[1]) : err;
}
