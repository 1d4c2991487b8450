import { createHash } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { Ctx } from '../platform/http.ts';
import type { Queryable } from '../platform/db.ts';
import { Problem, conflict, forbidden, invalid, notFound } from '../platform/errors.ts';
import { audit } from '../platform/audit.ts';
import type { Principal } from '../org/auth.ts';
import { PII_ROLES, HANDLING_ROLES } from '../org/roles.ts';
import { caseVisibility } from '../org/scope.ts';
import {
  ACTION_LABELS,
  CREATE_ROLES,
  STATUS_LABELS,
  availableActions,
  decide,
  type Action,
  type ActionInput,
  type Actor,
  type CasePatch,
  type CaseFacts,
} from './lifecycle.ts';
import type { ClockRow, TimeLimits } from '../timelimits/index.ts';
import { geocode } from '../dispatch/gazetteer/index.ts';
import { recordFeedback } from '../dispatch/classifier/index.ts';
import { getArticleForCitation } from '../kb/index.ts';
import { caseSearchPlan, caseSearchText, caseTextSearch, rankedCaseIds } from './search.ts';
import { CASE_TYPE_LABELS, CHANNEL_LABELS, TOTAL_CAP, URGENCY_LABELS, type Channel, type CreateCaseInput, type ListCasesQuery, type ListSort } from './model.ts';
import { IntakeBatcher } from './intake-batcher.ts';
import { isPublicAction, publicEventData } from './public.ts';
import { NO_CLOCK, type NewCaseClock } from './store.ts';
import { applyTransition, findIdempotent, loadEvents, type CaseRow, type RowPatch } from './store.ts';


export function maskPhone(phone: string | null): string | null {
  if (!phone) return phone;
  if (phone.length >= 11) return `${phone.slice(0, 3)}****${phone.slice(-4)}`;
  if (phone.length > 4) return `${'*'.repeat(phone.length - 4)}${phone.slice(-4)}`;
  return '****';
}

export function maskName(name: string | null): string | null {
  if (!name) return name;
  return `${[...name][0]}${'*'.repeat(Math.max(1, [...name].length - 1))}`;
}

interface SummonRow {
  unit_id: string;
  unit_name: string;
  summoned_at: Date;
  due_at: Date | null;
  reported_at: Date | null;
  answered_at: Date | null;
  answer: string | null;
}

function actorOf(p: Principal, row: CaseRow, summons: SummonRow[] = []): Actor {
  const mine = p.unitId ? summons.find((s) => s.unit_id === p.unitId) : undefined;
  return {
    roles: p.roles,
    inLeadUnit: !!p.unitId && p.unitId === row.lead_unit_id,
    isReporter: !!row.reporter_user_id && row.reporter_user_id === p.id,
    isSummoned: !!mine && !mine.reported_at,
    isAssisting: !!mine && !mine.answered_at,
  };
}

/** The facts the lifecycle rules read: state, and what time limits and summons add. */
function factsOf(row: CaseRow & Record<string, any>, summons: SummonRow[], now: number): CaseFacts {
  return {
    status: row.status,
    leadUnitId: row.lead_unit_id,
    rating: row.rating,
    pendingExtension: row.pending_extension ?? null,
    // Assisting units whose part is still due hold the lead's reply back; a passed limit releases it.
    openAssists: summons.filter((s) => !s.answered_at && (!s.due_at || new Date(s.due_at).getTime() > now)).length,
  };
}

type Prediction = { top: { label: string; probability: number }[]; abstained: boolean; modelId: string | null };
type Predictions = { category: Prediction; unit: Prediction };

/** Writes notifications inside the caller's transaction (the notify feature provides it). */
export interface NotifierLike {
  notify(q: Queryable, n: { unitId?: string; userId?: string; caseId?: string; kind: string; title: string; body?: string; data?: object }): Promise<string>;
}

/** May this caller see the reporter's name and phone in full? */
export function seesPersonalData(p: Principal, row: CaseRow): boolean {
  if (row.reporter_user_id && row.reporter_user_id === p.id) return true;
  if (p.roles.some((r) => PII_ROLES.includes(r))) return true;
  // The lead unit's handler calls the citizen back, unless the citizen asked for confidentiality.
  return !row.reporter_confidential && !!p.unitId && p.unitId === row.lead_unit_id && p.roles.some((r) => HANDLING_ROLES.includes(r));
}

export function caseView(row: CaseRow & Record<string, any>, p: Principal) {
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

// cursor_at, cursor_updated, cursor_due: the sort keys to the microsecond, for list cursors.
const US_UTC = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;
const DETAIL_SELECT = `SELECT c.*, cat.name AS category_name, g.name AS grid_name, d.name AS division_name, lu.name AS lead_unit_name,
  to_char(c.created_at AT TIME ZONE 'UTC', ${US_UTC}) AS cursor_at, to_char(c.updated_at AT TIME ZONE 'UTC', ${US_UTC}) AS cursor_updated,
  to_char(c.due_at AT TIME ZONE 'UTC', ${US_UTC}) AS cursor_due
  FROM cases c LEFT JOIN categories cat ON cat.code = c.category_code LEFT JOIN grids g ON g.id = c.grid_id
  LEFT JOIN divisions d ON d.code = c.division_code LEFT JOIN units lu ON lu.id = c.lead_unit_id`;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Loads a case the caller may see, by id or number; 404 otherwise (never reveals that it exists). */
export async function loadVisible(q: Queryable, p: Principal, ref: string): Promise<CaseRow & Record<string, any>> {
  const params: unknown[] = [ref];
  const key = UUID_RE.test(ref) ? 'c.id = $1::uuid' : 'c.no = $1';
  const rows = await q.query<CaseRow>(`${DETAIL_SELECT} WHERE ${key} AND ${caseVisibility(p, 'c', params)}`, params);
  if (!rows[0]) throw notFound('case');
  return rows[0];
}

export class CaseService {
  private readonly intake: IntakeBatcher;
  constructor(private readonly ctx: Ctx) {
    this.intake = new IntakeBatcher(ctx.db, { onBatch: (n) => ctx.metrics.intakeBatchSize.observe(n) });
  }

  private now(): number {
    return this.ctx.now ? this.ctx.now() : Date.now();
  }

  private get locator() {
    return this.ctx.services.locator;
  }

  private get timeLimits() {
    return this.ctx.services.timeLimits;
  }

  private get notifier() {
    return this.ctx.services.notifier;
  }

  /**
   * Where a case with no place belongs (a citizen who gave no address): the
   * configured ZHILI_DEFAULT_DIVISION, else the deployment's home, found by
   * walking down from the root while a division has a single child (a city
   * deployment loads its province and city: the city is home).
   */
  private async homeDivision(): Promise<string | null> {
    if (this.ctx.config.defaultDivision) return this.ctx.config.defaultDivision;
    const rows = await this.ctx.db.query<{ code: string }>(
      `WITH RECURSIVE walk AS (
         (SELECT code, 1 AS depth FROM divisions WHERE parent_code IS NULL ORDER BY code LIMIT 1)
         UNION ALL
         SELECT c.code, w.depth + 1 FROM walk w JOIN divisions c ON c.parent_code = w.code
          WHERE (SELECT count(*) FROM divisions x WHERE x.parent_code = w.code) = 1
       )
       SELECT code FROM walk ORDER BY depth DESC LIMIT 1`,
    );
    return rows[0]?.code ?? null;
  }

  private loadSummons(caseId: string): Promise<SummonRow[]> {
    return this.ctx.db.query<SummonRow>(
      `SELECT s.unit_id, u.name AS unit_name, s.summoned_at, s.due_at, s.reported_at, s.answered_at, s.answer
         FROM case_summons s JOIN units u ON u.id = s.unit_id WHERE s.case_id = $1 ORDER BY s.summoned_at`,
      [caseId],
    );
  }

  /** Where a new case lies: its grid and division, from what the caller gave and who the caller is. */
  private async placeOf(p: Principal, input: CreateCaseInput): Promise<{ gridId: string | null; divisionCode: string | null; lng?: number; lat?: number }> {
    const loc = input.location;
    if (loc?.gridId) {
      const g = await this.ctx.db.query<{ division_code: string }>(`SELECT division_code FROM grids WHERE id = $1`, [loc.gridId]);
      if (!g[0]) throw invalid('location.gridId', '网格不存在 (no such grid)');
      if (loc.divisionCode && !g[0].division_code.startsWith(loc.divisionCode)) throw invalid('location.divisionCode', 'does not contain the grid');
      return { gridId: loc.gridId, divisionCode: g[0].division_code };
    }
    if (loc?.lng != null && loc.lat != null) {
      const hit = this.locator?.locate(loc.lng, loc.lat);
      if (hit) return hit;
    }
    if (loc?.divisionCode) {
      // Existence is checked by the foreign key on insert (see createFieldError): one round trip less per intake.
      return { gridId: null, divisionCode: loc.divisionCode };
    }
    if (loc?.address && loc.lng == null) {
      // Only an address: place it from the gazetteer of known roads and landmarks, if it names one.
      const hit = await geocode(this.ctx.db, { address: loc.address });
      if (hit) {
        const inGrid = this.locator?.locate(hit.lng, hit.lat);
        return { gridId: inGrid?.gridId ?? null, divisionCode: inGrid?.divisionCode ?? hit.divisionCode, lng: hit.lng, lat: hit.lat };
      }
    }
    // No place given: the caller's own unit or jurisdiction, else the deployment's home division.
    const rows = await this.ctx.db.query<{ code: string | null }>(
      `SELECT COALESCE((SELECT division_codes[1] FROM units WHERE id = $1), $2::text) AS code`,
      [p.unitId, p.scopeCodes.find((c) => c !== '*') ?? null],
    );
    return { gridId: null, divisionCode: rows[0]?.code ?? (await this.homeDivision()) };
  }

  private newCaseClock(keys: { type: string; categoryCode: string | null; urgency: string; channel: string }): NewCaseClock {
    const c = this.timeLimits?.forNewCase(keys, this.now());
    if (!c?.policy_id) return NO_CLOCK;
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

  async create(p: Principal, input: CreateCaseInput, idempotencyKey?: string): Promise<{ view: CaseView; created: boolean }> {
    if (!p.roles.includes('admin') && !p.roles.some((r) => CREATE_ROLES.includes(r))) {
      throw forbidden('角色无权登记工单 (your role may not register cases)');
    }
    const citizen = p.roles.length === 1 && p.roles[0] === 'citizen';
    const channel: Channel = citizen
      ? input.channel === 'wechat'
        ? 'wechat'
        : 'web'
      : (input.channel ?? (p.via === 'token' ? 'api' : p.roles.includes('grid_worker') ? 'grid' : p.roles.includes('police') ? 'police110' : 'hotline'));
    if (citizen && input.channel && !['web', 'wechat'].includes(input.channel)) throw invalid('channel', 'citizens submit through web or wechat');

    const requestHash = idempotencyKey ? createHash('sha256').update(JSON.stringify(input)).digest('hex') : '';
    if (idempotencyKey && input.attachmentIds.length) {
      // A retry with attachments would fail their "not yet linked" check; answer it first.
      const prior = await findIdempotent(this.ctx.db, p.id, idempotencyKey);
      if (prior) return { view: await this.replayIdempotent(p, prior, requestHash), created: false };
    }

    if (input.attachmentIds.length) await this.checkAttachments(p, input.attachmentIds, null, 'attachmentIds');
    const place = await this.placeOf(p, input);
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
      clock: this.newCaseClock({ type: input.type, categoryCode: input.categoryCode ?? null, urgency: input.urgency, channel }),
      searchText: caseSearchText({ title: input.title, description: input.description, address: input.location?.address }),
    };
    let row: CaseRow | undefined;
    try {
      row = await this.intake.insert(newCase, idempotencyKey, requestHash);
    } catch (err) {
      throw createFieldError(err);
    }
    if (!row) {
      // The key was used before (a retry, or a concurrent twin that committed first): answer with the first case.
      const prior = await findIdempotent(this.ctx.db, p.id, idempotencyKey!);
      if (!prior) throw new Problem(409, 'Conflict', 'idempotent request is still in progress; retry');
      return { view: await this.replayIdempotent(p, prior, requestHash), created: false };
    }
    this.ctx.metrics.casesCreated.inc({ channel });
    return { view: caseView(row, p), created: true };
  }

  private async replayIdempotent(p: Principal, prior: { request_hash: string; resource_id: string }, requestHash: string): Promise<CaseView> {
    if (prior.request_hash !== requestHash) {
      throw new Problem(422, 'Unprocessable Content', 'Idempotency-Key was already used for a different request', [
        { field: 'Idempotency-Key', message: 'reused with a different request body' },
      ]);
    }
    return caseView(await loadVisible(this.ctx.db, p, prior.resource_id), p);
  }

  private async checkAttachments(p: Principal, ids: string[], caseId: string | null, field: string) {
    const rows = await this.ctx.db.query<{ id: string }>(
      `SELECT id FROM attachments WHERE id = ANY ($1) AND uploaded_by = $2 AND (case_id IS NULL OR case_id = $3)`,
      [ids, p.id, caseId],
    );
    const ok = new Set(rows.map((r) => r.id));
    const bad = ids.findIndex((id) => !ok.has(id));
    if (bad >= 0) throw invalid(`${field}.${bad}`, '附件不存在或不属于您 (no such attachment of yours)');
  }

  /** A case with its timeline and the actions the caller may take now. */
  async get(p: Principal, ref: string, ip?: string) {
    const row = await loadVisible(this.ctx.db, p, ref);
    const view = caseView(row, p);
    const citizenOnly = !p.roles.some((r) => r !== 'citizen');
    let events = await loadEvents(this.ctx.db, row.id);
    // Citizens see the public timeline (src/cases/public.ts): public steps only, and no
    // comments but their own rating's, since reasons and instructions may name staff or others.
    if (citizenOnly) events = events.filter((e) => isPublicAction(e.action));
    // A citizen sees the files they sent; staff photos from the site may show other people.
    const attachments = await this.ctx.db.query(
      `SELECT id, filename, mime, size, created_at AS "createdAt" FROM attachments WHERE case_id = $1 AND ($2::uuid IS NULL OR uploaded_by = $2) ORDER BY created_at`,
      [row.id, citizenOnly ? p.id : null],
    );
    if (!view.reporter.masked && row.reporter_user_id !== p.id && (row.reporter_phone || row.reporter_name)) {
      await audit(this.ctx.db, { userId: p.id, action: 'read_personal_data', entity: 'case', entityId: row.id, ip });
    }
    const assistUnits = row.assist_unit_ids.length
      ? await this.ctx.db.query(`SELECT id, name FROM units WHERE id = ANY ($1)`, [row.assist_unit_ids])
      : [];
    const summons = await this.loadSummons(row.id);
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
      availableActions: availableActions(factsOf(row, summons, this.now()), actorOf(p, row, summons)),
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

  async list(p: Principal, f: ListCasesQuery) {
    const params: unknown[] = [];
    const where = caseFilterWhere(p, f, params);
    const limit = f.limit;
    const sort: ListSort = f.sort ?? 'created_desc';
    let rows: (CaseRow & Record<string, any>)[];
    let nextCursor: string | null = null;
    let total: Promise<{ total: number; totalCapped: boolean }> | undefined;
    if (f.q) {
      // Text search: best matches first (segmented full text), paged by offset; `sort` does not apply.
      const plan = await caseSearchPlan(this.ctx.db, p, f.q);
      const search = caseTextSearch(p, f.q, params, plan.mode);
      if (f.withTotal === 'true') total = this.countCases([...where, search.where], [...params]);
      const offset = f.cursor ? decodeOffsetCursor(f.cursor) : 0;
      const top = await rankedCaseIds(this.ctx.db, { filters: where, params, search, plan, limit: limit + 1, offset });
      const detail = top.length ? await this.ctx.db.query<CaseRow & Record<string, any>>(`${DETAIL_SELECT} WHERE c.id = ANY ($1::uuid[])`, [top.map((r) => r.id)]) : [];
      const byId = new Map(detail.map((r) => [r.id, r]));
      rows = top.map((r) => byId.get(r.id)).filter((r): r is CaseRow & Record<string, any> => !!r);
      if (rows.length > limit) nextCursor = Buffer.from(JSON.stringify({ o: offset + limit })).toString('base64url');
    } else {
      // Counted before the cursor narrows the set: the total is of the whole filtered list.
      if (f.withTotal === 'true') total = this.countCases([...where], [...params]);
      if (f.cursor) where.push(keysetAfter(sort, f.cursor, params));
      rows = await this.ctx.db.query<CaseRow & Record<string, any>>(
        `${DETAIL_SELECT} WHERE ${where.join(' AND ')} ORDER BY ${SORT_ORDER[sort]} LIMIT ${limit + 1}`,
        params,
      );
      if (rows.length > limit) nextCursor = cursorOf(sort, rows[limit - 1]);
    }
    const page = rows.slice(0, limit);
    const items = page.map((r) => caseView(r, p));
    const unmasked = items.filter((c, i) => !c.reporter.masked && page[i].reporter_user_id !== p.id && (c.reporter.phone || c.reporter.name));
    if (unmasked.length) {
      await audit(this.ctx.db, { userId: p.id, action: 'read_personal_data', entity: 'case', detail: { caseIds: unmasked.map((c) => c.id), via: 'list' } });
    }
    return total ? { items, nextCursor, ...(await total) } : { items, nextCursor };
  }

  /** How many cases match, counting no further than TOTAL_CAP (a queue badge needs no exact 1,234,567). */
  private async countCases(where: string[], params: unknown[]): Promise<{ total: number; totalCapped: boolean }> {
    const rows = await this.ctx.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM cases c WHERE ${where.join(' AND ')} LIMIT ${TOTAL_CAP + 1}) x`,
      params,
    );
    const n = rows[0]?.n ?? 0;
    return { total: Math.min(n, TOTAL_CAP), totalCapped: n > TOTAL_CAP };
  }

  /** Performs a lifecycle action: one transaction, version-checked, one appended event. */
  async act(p: Principal, ref: string, action: Action, input: ActionInput & { version?: number; attachmentIds?: string[] }) {
    const row = await loadVisible(this.ctx.db, p, ref);
    if (input.version !== undefined && input.version !== row.version && !(await this.onlyRemarksSince(row.id, input.version, row.version))) {
      throw conflict(`工单已被他人修改 (the case is at version ${row.version}, not ${input.version}); reload and retry`, [], { currentVersion: row.version });
    }
    const now = this.now();
    const summons = await this.loadSummons(row.id);
    const decision = decide(factsOf(row, summons, now), action, actorOf(p, row, summons), input);
    if (!decision.ok) {
      if (decision.reason === 'role' || decision.reason === 'relation') throw forbidden(decision.message);
      // The case's state goes in caseStatus: `status` of a problem is the HTTP status code (RFC 9457).
      if (decision.reason === 'state') throw conflict(decision.message, [{ field: 'status', message: decision.message }], { caseStatus: row.status });
      throw invalid(decision.field ?? 'body', decision.message);
    }
    const tl = this.timeLimits;
    const clockRow = row as unknown as ClockRow;
    if (tl && action === 'return' && !tl.mayReturn(clockRow, now)) {
      throw conflict('已超过退单时限，不能退单；请办理或申请协调 (the time to return this order has passed)', [{ field: 'status', message: 'return limit passed' }]);
    }
    if (tl && action === 'request_extension') {
      const refusal = tl.checkExtension(clockRow, input.duration!, now);
      if (refusal) throw invalid(refusal.field, refusal.message);
    }
    await this.checkReferences(p, action, input, row);
    if (input.attachmentIds?.length) await this.checkAttachments(p, input.attachmentIds, row.id, 'attachmentIds');
    if (action === 'close_directly' && input.articleId && !(await getArticleForCitation(this.ctx.db, input.articleId, { divisionCode: row.division_code }))) {
      throw invalid('articleId', '知识不存在、已停用或不在有效期内 (no such valid article here)');
    }

    const patch = toRowPatch(decision.patch, p);
    if (decision.patch.pendingExtension === null) patch.pending_extension = null;
    if (decision.patch.pendingExtension) {
      patch.pending_extension = { ...decision.patch.pendingExtension, requestedBy: p.id, requestedAt: new Date(now).toISOString() };
    }
    if (decision.patch.summonUnitIds) patch.assist_unit_ids = [...new Set([...row.assist_unit_ids, ...decision.patch.summonUnitIds])];
    if (tl) Object.assign(patch, tl.forTransition(clockRow, action, decision.to, now, { extendBy: decision.patch.extendBy }));

    // The classifier reads its model from the database: ask it before the transaction
    // (on PGlite the transaction holds the only connection).
    const feedback = action === 'dispatch' && row.status === 'registered' ? await this.predictForFeedback(row) : null;
    const updated = await this.ctx.db.tx(async (q) => {
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
      if (moved) await this.sideEffects(q, p, action, moved, input, decision.patch, now, row, feedback);
      return moved;
    });
    if (!updated) throw conflict('工单已被他人修改，请刷新后重试 (the case changed meanwhile; reload and retry)');
    this.ctx.metrics.caseActions.inc({ action });
    return this.get(p, row.id);
  }

  /** Summons rows and notifications that go with an action, in its transaction. */
  private async sideEffects(q: Queryable, p: Principal, action: Action, c: CaseRow, input: ActionInput, patch: CasePatch, now: number, before: CaseRow, feedback: Predictions | null) {
    const tl = this.timeLimits;
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
        await this.notifier?.notify(q, {
          userId: r.user_id,
          caseId: r.case_id,
          kind: r.case_id === c.id ? 'closed' : 'merged_closed',
          title: `您反映的问题已办结 ${c.no}`,
          body: c.reply ?? undefined,
        });
      }
    }
    const due = tl?.summonDue(c as unknown as ClockRow, now) ?? null;
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
      if (c.lead_unit_id) await this.notifier?.notify(q, { unitId: c.lead_unit_id, caseId: c.id, kind: 'dispatched', title: `新派单 ${c.no}: ${c.title}` });
      if (feedback) await this.recordClassifierFeedback(q, c, feedback);
      for (const u of c.assist_unit_ids) await this.notifier?.notify(q, { unitId: u, caseId: c.id, kind: 'dispatched', title: `协办派单 ${c.no}: ${c.title}` });
    }
    if (action === 'summon' && patch.summonUnitIds) {
      await q.query(
        `INSERT INTO case_summons (case_id, unit_id, summoned_by, due_at)
         SELECT $1, u, $2, $3 FROM unnest($4::uuid[]) AS u ON CONFLICT (case_id, unit_id) DO NOTHING`,
        [c.id, p.id, due, patch.summonUnitIds],
      );
      for (const u of patch.summonUnitIds) {
        await this.notifier?.notify(q, { unitId: u, caseId: c.id, kind: 'summoned', title: `吹哨报到 ${c.no}: ${c.title}`, body: input.comment, data: { dueAt: due } });
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
      if (c.lead_unit_id) await this.notifier?.notify(q, { unitId: c.lead_unit_id, caseId: c.id, kind: 'assist_replied', title: `协办单位已答复 ${c.no}` });
    }
    if (action === 'request_extension') {
      const sup = await q.query<{ parent_id: string | null }>(`SELECT parent_id FROM units WHERE id = $1`, [c.lead_unit_id]);
      const to = sup[0]?.parent_id ?? null;
      if (to) await this.notifier?.notify(q, { unitId: to, caseId: c.id, kind: 'extension_requested', title: `延期申请 ${c.no}: ${input.duration}`, body: input.comment });
    }
    if (action === 'decide_extension' && c.lead_unit_id) {
      await this.notifier?.notify(q, { unitId: c.lead_unit_id, caseId: c.id, kind: 'extension_decided', title: `延期申请${input.approve ? '已同意' : '未同意'} ${c.no}` });
    }
    if (action === 'return' && c.created_by) {
      await this.notifier?.notify(q, { userId: c.created_by, caseId: c.id, kind: 'returned', title: `工单被退回 ${c.no}`, body: input.comment });
    }
  }

  /**
   * Were the changes since `version` only remarks (notes, urges, supervision,
   * including the sweeper's automatic urges), which move no state and change
   * nothing an action decides on? Then a form loaded at `version` is not stale:
   * a case turning yellow must not throw away the dispatch an operator is typing.
   */
  private async onlyRemarksSince(caseId: string, version: number, current: number): Promise<boolean> {
    if (version > current) return false;
    const rows = await this.ctx.db.query<{ n: number; remarks: number }>(
      `SELECT count(*)::int AS n,
              count(*) FILTER (WHERE action IN ('note', 'urge', 'supervise') AND from_status IS NOT DISTINCT FROM to_status)::int AS remarks
         FROM case_events WHERE case_id = $1 AND seq > $2`,
      [caseId, version],
    );
    return rows[0].n === current - version && rows[0].remarks === rows[0].n;
  }

  /** What the classifier proposes for this case now, to be recorded beside the dispatcher's choice. */
  private async predictForFeedback(c: CaseRow): Promise<Predictions | null> {
    const classifier = this.ctx.services.classifier;
    const text = `${c.title} ${c.description}`;
    const [category, unit] = await Promise.all([classifier.predict('category', text), classifier.predict('unit', text, c.division_code)]);
    return { category, unit };
  }

  /** Accuracy in production is measured from these rows: the model's proposal beside the choice made. */
  private async recordClassifierFeedback(q: Queryable, c: CaseRow, f: Predictions) {
    if (f.category.modelId && c.category_code) await recordFeedback(q, c.id, 'category', f.category, c.category_code);
    if (f.unit.modelId && c.lead_unit_id) await recordFeedback(q, c.id, 'unit', f.unit, c.lead_unit_id);
  }

  /** Units and cases named in an action must exist (and be active / visible). */
  private async checkReferences(p: Principal, action: Action, input: ActionInput, row: CaseRow) {
    const units = [input.leadUnitId, ...(input.assistUnitIds ?? [])].filter((x): x is string => !!x);
    if (action === 'summon') units.push(...(input.unitIds ?? []));
    if (units.length && (action === 'dispatch' || action === 'reopen' || action === 'summon')) {
      const found = await this.ctx.db.query<{ id: string }>(`SELECT id FROM units WHERE id = ANY ($1) AND active`, [units]);
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
      const dup = await this.ctx.db.query<{ id: string; status: string }>(`SELECT c.id, c.status FROM cases c WHERE c.id = $1 AND ${caseVisibility(p, 'c', params)}`, params);
      if (!dup.length) throw invalid('duplicateOf', '重复的主工单不存在 (no such case)');
      if (action === 'merge' && ['merged', 'cancelled', 'transferred'].includes(dup[0].status)) {
        throw invalid('duplicateOf', '主工单已合并、作废或转出，不能并入 (the main case is merged, cancelled or transferred)');
      }
    }
  }
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

/** Filters of the case list and the map (LIST_CASES, CASE_FILTERS); absent ones do not narrow. */
export interface CaseFilterValues {
  status?: readonly string[];
  channel?: readonly string[];
  type?: readonly string[];
  urgency?: readonly string[];
  warning?: readonly string[];
  unitId?: string;
  divisionCode?: string;
  gridId?: string;
  categoryCode?: string;
  createdFrom?: string;
  createdTo?: string;
  updatedFrom?: string;
  updatedTo?: string;
  mine?: 'true' | 'false';
}

/** WHERE clauses for a cases row `c`: the caller's scope first, then each filter; their parameters are pushed onto `params`. */
export function caseFilterWhere(p: Principal, f: CaseFilterValues, params: unknown[]): string[] {
  const where = [caseVisibility(p, 'c', params)];
  const add = (sql: (n: number) => string, v: unknown) => where.push(sql(params.push(v)));
  if (f.status?.length) add((n) => `c.status = ANY ($${n}::text[])`, f.status);
  if (f.channel?.length) add((n) => `c.channel = ANY ($${n}::text[])`, f.channel);
  if (f.type?.length) add((n) => `c.type = ANY ($${n}::text[])`, f.type);
  if (f.urgency?.length) add((n) => `c.urgency = ANY ($${n}::text[])`, f.urgency);
  if (f.unitId) add((n) => `(c.lead_unit_id = $${n} OR $${n}::uuid = ANY (c.assist_unit_ids))`, f.unitId);
  if (f.divisionCode) add((n) => `c.division_code LIKE $${n}`, `${f.divisionCode}%`);
  if (f.gridId) add((n) => `c.grid_id = $${n}`, f.gridId);
  if (f.categoryCode) add((n) => `c.category_code LIKE $${n}`, `${f.categoryCode}%`);
  if (f.createdFrom) add((n) => `c.created_at >= $${n}`, f.createdFrom);
  if (f.createdTo) add((n) => `c.created_at < $${n}`, f.createdTo);
  if (f.updatedFrom) add((n) => `c.updated_at >= $${n}`, f.updatedFrom);
  if (f.updatedTo) add((n) => `c.updated_at < $${n}`, f.updatedTo);
  if (f.mine === 'true') add((n) => `(c.handler_user_id = $${n} OR c.reporter_user_id = $${n} OR c.created_by = $${n})`, p.id);
  if (f.warning?.length) add((n) => `c.warning = ANY ($${n}::text[])`, f.warning);
  return where;
}

/** ORDER BY of each list sort; every one ends in the id, so the order is total and a keyset cursor is exact. */
const SORT_ORDER: Record<ListSort, string> = {
  created_desc: 'c.created_at DESC, c.id DESC',
  created_asc: 'c.created_at ASC, c.id ASC',
  updated_desc: 'c.updated_at DESC, c.id DESC',
  // Cases without a running clock come last.
  due_asc: 'c.due_at ASC NULLS LAST, c.id ASC',
  urgency: "(c.urgency = 'urgent') DESC, c.created_at DESC, c.id DESC",
};

/** The cursor after a row: the default sort keeps its [createdAt, id] form; others name their sort. */
function cursorOf(sort: ListSort, r: Record<string, any>): string {
  if (sort === 'created_desc') return encodeCursor(r.cursor_at, r.id);
  const k = sort === 'updated_desc' ? r.cursor_updated : sort === 'due_asc' ? (r.cursor_due ?? null) : sort === 'urgency' ? [r.urgency === 'urgent' ? 1 : 0, r.cursor_at] : r.cursor_at;
  return Buffer.from(JSON.stringify({ s: sort, k, id: r.id })).toString('base64url');
}

const ISO_US = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
const isIsoUtc = (v: unknown): v is string => {
  const m = typeof v === 'string' ? ISO_US.exec(v) : null;
  return !!m && !Number.isNaN(Date.parse(v as string)) && new Date(`${m[1]}T00:00:00Z`).toISOString().startsWith(m[1]);
};

/** The predicate "after this cursor" for a sort; a cursor of another sort, or not ours, is refused naming `cursor`. */
function keysetAfter(sort: ListSort, cursor: string, params: unknown[]): string {
  const bad = () => invalid('cursor', '分页游标无效 (not a cursor this API returned for this sort)');
  if (sort === 'created_desc') {
    const [at, id] = decodeCursor(cursor);
    return `(c.created_at, c.id) < ($${params.push(at)}::timestamptz, $${params.push(id)}::uuid)`;
  }
  let v: any;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!v || typeof v !== 'object' || Array.isArray(v) || v.s !== sort || typeof v.id !== 'string' || !UUID_RE.test(v.id)) throw bad();
  const id = () => `$${params.push(v.id)}::uuid`;
  switch (sort) {
    case 'created_asc':
      if (!isIsoUtc(v.k)) throw bad();
      return `(c.created_at, c.id) > ($${params.push(v.k)}::timestamptz, ${id()})`;
    case 'updated_desc':
      if (!isIsoUtc(v.k)) throw bad();
      return `(c.updated_at, c.id) < ($${params.push(v.k)}::timestamptz, ${id()})`;
    case 'due_asc': {
      if (v.k === null) return `(c.due_at IS NULL AND c.id > ${id()})`;
      if (!isIsoUtc(v.k)) throw bad();
      const k = `$${params.push(v.k)}::timestamptz`;
      return `(c.due_at > ${k} OR (c.due_at = ${k} AND c.id > ${id()}) OR c.due_at IS NULL)`;
    }
    case 'urgency': {
      if (!Array.isArray(v.k) || v.k.length !== 2 || ![0, 1].includes(v.k[0]) || !isIsoUtc(v.k[1])) throw bad();
      const u = `(c.urgency = 'urgent')::int`;
      const r = `$${params.push(v.k[0])}::int`;
      return `(${u} < ${r} OR (${u} = ${r} AND (c.created_at, c.id) < ($${params.push(v.k[1])}::timestamptz, ${id()})))`;
    }
  }
}

export function encodeCursor(at: string, id: string): string {
  return Buffer.from(JSON.stringify([at, id])).toString('base64url');
}

/** A search page cursor: the offset into the ranked results. */
function decodeOffsetCursor(cursor: string): number {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (v && Number.isInteger(v.o) && v.o >= 0 && v.o <= 10_000) return v.o;
  } catch {
    /* fall through */
  }
  throw invalid('cursor', '分页游标无效 (not a cursor this API returned)');
}

export function decodeCursor(cursor: string): [string, string] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    // Only the UTC ISO form this API issues; anything else would reach the database as an invalid timestamp.
    const m = Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' ? /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/.exec(v[0]) : null;
    const realDay = m && !Number.isNaN(Date.parse(v[0])) && new Date(`${m[1]}T00:00:00Z`).toISOString().startsWith(m[1]);
    if (realDay && typeof v[1] === 'string' && UUID_RE.test(v[1])) return v as [string, string];
  } catch {
    /* fall through */
  }
  throw invalid('cursor', '分页游标无效 (not a cursor this API returned)');
}
