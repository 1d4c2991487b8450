/**
 * Petitions (信访) over HTTP: registration (repeat and collective petitions
 * flagged, a matter finally decided not accepted again), the statutory steps,
 * the leader in charge (领导包案: plan and progress), stock cases (积案) and stats.
 */
import { createOnce, IDEMPOTENCY_HEADER } from '../../platform/idempotency.ts';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import type { App, Ctx } from '../../platform/http.ts';
import { allow } from '../../platform/access.ts';
import { audit } from '../../platform/audit.ts';
import type { Queryable } from '../../platform/db.ts';
import { badRequest, conflict, forbidden, invalid } from '../../platform/errors.ts';
import { requireUser, type Principal } from '../../org/auth.ts';
import { assertInScope } from '../../org/scope.ts';
import { LINK_VIEW, PERSON_INPUT, TIMELINE_ENTRY, appendEvent, auditPersonReads, link, linksOf, openLedgerExport, readLedger, seesPersons, sendLedger, timeline, transition, uploadedXlsx, upsertPerson } from '../kit/index.ts';
import { importLedger, ledgerColumns, ledgerSource, TEMPLATE_HEADERS, type LedgerEntry } from './ledger.ts';
import { ACTION_ROLES, CHANNELS, COLLECTIVE_MIN, STATUSES, decide, type Action } from './lifecycle.ts';
import { ENTITY, PETITION_SELECT, PETITION_VIEW, factsOf, loadVisiblePetition, petitionersOf, petitionView, petitionVisibility, type PetitionRow } from './store.ts';
import { PETITION_STATS, petitionStats } from './stats.ts';
import { loadVisibleDispute } from '../disputes/index.ts';

export const PETITION_READERS = ['petition_officer', 'leader', 'supervisor', 'township', 'handler'] as const;
const ID = z.strictObject({ id: z.string().min(1).max(64) });
const DIVISION = z.string().regex(/^\d{2,12}$/, '区划代码为 2–12 位数字 (2-12 digits)');
const VERSION = z.number().int().positive().optional();
const DAY = 86_400_000;

const CREATE = z.strictObject({
  channel: z.enum(CHANNELS),
  matterType: z.string().trim().min(1).max(50).describe('the kind of matter (e.g. 征地拆迁, 劳动社保); repeat petitions are found by petitioner and matter type'),
  matter: z.string().trim().min(1).max(8000),
  divisionCode: DIVISION,
  unitPetitioned: z.string().max(100).optional(),
  unitId: z.uuid().optional().describe('the unit responsible for handling and replying'),
  skipLevel: z.boolean().default(false),
  petitioners: z.array(PERSON_INPUT).min(1).max(500),
  /** More people than named (a collective visit names its representatives). */
  petitionerCount: z.number().int().min(1).max(100_000).optional(),
  disputeRef: z.string().max(64).optional().describe('the dispute (number or id) referred to this petition; linked both ways'),
});

const BODIES: Record<Action, z.ZodObject<any>> = {
  accept: z.strictObject({ version: VERSION, notice: z.string().max(4000).optional() }),
  not_accept: z.strictObject({ version: VERSION, notice: z.string().max(4000).optional(), reason: z.string().max(2000).optional() }),
  extend: z.strictObject({ version: VERSION, days: z.number().int().optional(), notice: z.string().max(4000).optional() }),
  reply: z.strictObject({ version: VERSION, opinion: z.string().max(8000).optional() }),
  request_review: z.strictObject({ version: VERSION, comment: z.string().max(2000).optional() }),
  decide_review: z.strictObject({ version: VERSION, opinion: z.string().max(8000).optional() }),
  request_re_review: z.strictObject({ version: VERSION, comment: z.string().max(2000).optional() }),
  decide_re_review: z.strictObject({ version: VERSION, opinion: z.string().max(8000).optional() }),
  close: z.strictObject({ version: VERSION, resolved: z.boolean().optional(), satisfaction: z.enum(['satisfied', 'basically', 'unsatisfied']).optional(), comment: z.string().max(2000).optional() }),
};
const SUMMARY: Record<Action, string> = {
  accept: '受理 Accept, with the written notice (within 15 days)',
  not_accept: '不予受理 Do not accept, with the written notice and reason',
  extend: '延期 Extend the reply limit once, by at most 30 days, telling the petitioner',
  reply: '答复 Reply with the written opinion (答复意见书, within 60 days)',
  request_review: '申请复查 The petitioner asks for a review (within 30 days of the reply)',
  decide_review: '复查意见 The review opinion (within 30 days)',
  request_re_review: '申请复核 The petitioner asks for a re-review (within 30 days of the review)',
  decide_re_review: '复核意见 The re-review opinion (within 30 days); the matter is then final',
  close: '办结 Close: resolved or not, the petitioner\'s satisfaction',
};

const DETAIL = PETITION_VIEW.extend({ timeline: z.array(TIMELINE_ENTRY), links: z.array(LINK_VIEW) });

export function registerPetitionRoutes(app: App, ctx: Ctx) {
  const { db } = ctx;
  const tags = ['petitions'];
  const now = () => (ctx.now ?? Date.now)();
  const clocks = ctx.services.entityClocks;

  async function views(q: Queryable, p: Principal, rows: PetitionRow[]) {
    const ids = rows.map((r) => r.id);
    const [people, running] = await Promise.all([petitionersOf(q, ids), clocks.clocksOf(q, ENTITY, ids)]);
    await auditPersonReads(q, p, 'petitions', people);
    const t = now();
    return rows.map((r) => petitionView(r, p, ctx.services.persons, people.get(r.id) ?? [], running.get(r.id) ?? [], t));
  }
  async function detail(p: Principal, ref: string) {
    const row = await loadVisiblePetition(db, p, ref);
    const [v] = await views(db, p, [row]);
    return { ...v, timeline: await timeline(db, ENTITY, row.id), links: await linksOf(db, ENTITY, row.id) };
  }

  const LIST = z.strictObject({
    status: z.enum(STATUSES).optional(),
    channel: z.enum(CHANNELS).optional(),
    division: DIVISION.optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    collective: z.enum(['true', 'false']).optional(),
    repeat: z.enum(['true', 'false']).optional(),
    leader: z.enum(['true', 'false']).optional().describe('only petitions a leader took charge of (领导包案)'),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    offset: z.coerce.number().int().min(0).max(100_000).default(0),
  });

  function filterSql(p: Principal, f: Omit<z.infer<typeof LIST>, 'limit' | 'offset'>, params: unknown[]): string {
    const where = [petitionVisibility(p, 't', params)];
    if (f.status) where.push(`t.status = $${params.push(f.status)}`);
    if (f.channel) where.push(`t.channel = $${params.push(f.channel)}`);
    if (f.division) where.push(`t.division_code LIKE $${params.push(`${f.division}%`)}`);
    if (f.from) where.push(`t.registered_at >= $${params.push(new Date(f.from))}`);
    if (f.to) where.push(`t.registered_at < $${params.push(new Date(f.to))}`);
    if (f.collective) where.push(`t.collective = ${f.collective === 'true'}`);
    if (f.repeat) where.push(`(t.repeat_of IS ${f.repeat === 'true' ? 'NOT ' : ''}NULL)`);
    if (f.leader) where.push(`(t.leader_user_id IS ${f.leader === 'true' ? 'NOT ' : ''}NULL)`);
    return where.join(' AND ');
  }

  app.get(
    '/api/petitions',
    { config: { access: allow.roles(PETITION_READERS, 'jurisdiction') }, schema: { tags, summary: '信访件 Petitions in the caller\'s jurisdiction, newest first', querystring: LIST, response: { 200: z.object({ items: z.array(PETITION_VIEW), total: z.number().int() }) } } },
    async (req) => {
      const p = requireUser(req);
      const f = req.query;
      const params: unknown[] = [];
      const w = filterSql(p, f, params);
      const total = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM petitions t WHERE ${w}`, params))[0].n;
      const rows = await db.query<PetitionRow>(`${PETITION_SELECT} WHERE ${w} ORDER BY t.registered_at DESC, t.id DESC LIMIT $${params.push(f.limit)} OFFSET $${params.push(f.offset)}`, params);
      return { items: await views(db, p, rows), total };
    },
  );

  app.get(
    '/api/petitions/export',
    {
      config: { access: allow.roles(PETITION_READERS, 'jurisdiction') },
      schema: {
        tags,
        summary: '导出信访台账 Export the filtered petitions as xlsx (Chinese headers, petitioners masked for the caller\'s role); template=true gives the empty template',
        querystring: LIST.omit({ limit: true, offset: true }).extend({ template: z.enum(['true', 'false']).default('false') }),
        response: { 200: z.any().describe('an .xlsx file') },
      },
    },
    async (req, reply) => {
      const p = requireUser(req);
      const columns = ledgerColumns(p);
      if (req.query.template === 'true') return sendLedger(reply, '信访台账模板', '台账', columns.filter((c) => (TEMPLATE_HEADERS as readonly string[]).includes(c.header)), []);
      const params: unknown[] = [];
      const { template: _t, ...filters } = req.query;
      const { count, rows } = await openLedgerExport<LedgerEntry>(db, ledgerSource(filterSql(p, filters, params), params));
      await audit(db, { userId: p.id, action: seesPersons(p) ? 'export_personal_data' : 'export', entity: 'petition', detail: { count, filters }, ip: req.ip });
      return sendLedger(reply, '信访台账', '台账', columns, rows);
    },
  );

  app.post(
    '/api/petitions/import',
    {
      config: { access: allow.roles(['petition_officer'], 'jurisdiction') },
      schema: {
        tags,
        summary: '导入历史信访台账 Import a historic petitions ledger (multipart field "file", .xlsx; all or nothing)',
        description: `Headers: ${TEMPLATE_HEADERS.join(', ')} (more columns allowed). Errors: 422 with one entry per bad cell, field rows.<row>.<header>; nothing is imported.`,
        consumes: ['multipart/form-data'],
        response: { 200: z.object({ imported: z.number().int() }) },
      },
    },
    async (req) => {
      const p = requireUser(req);
      const rows = await readLedger(await uploadedXlsx(req), TEMPLATE_HEADERS);
      if (!rows.length) throw invalid('file', '表格没有数据行 (the sheet has no rows)');
      const r = await db.tx((q) => importLedger(q, p, rows));
      await audit(db, { userId: p.id, action: 'petition_ledger_import', entity: 'petition', detail: r, ip: req.ip });
      return r;
    },
  );

  app.get(
    '/api/petitions/stock',
    {
      config: { access: allow.roles(PETITION_READERS, 'jurisdiction') },
      schema: {
        tags,
        summary: '信访积案 Stock cases: open petitions older than N days or past a deadline, oldest first (for clearing campaigns)',
        querystring: z.strictObject({ olderThanDays: z.coerce.number().int().min(1).max(3650).default(90), division: DIVISION.optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }),
        response: { 200: z.object({ items: z.array(PETITION_VIEW), total: z.number().int() }) },
      },
    },
    async (req) => {
      const p = requireUser(req);
      const params: unknown[] = [new Date(now() - req.query.olderThanDays * DAY)];
      const where = [
        `t.status NOT IN ('closed', 'final', 'not_accepted')`,
        `(t.registered_at < $1 OR EXISTS (SELECT 1 FROM entity_clocks k WHERE k.entity_type = '${ENTITY}' AND k.entity_id = t.id AND k.warning = 'red'))`,
        petitionVisibility(p, 't', params),
      ];
      if (req.query.division) where.push(`t.division_code LIKE $${params.push(`${req.query.division}%`)}`);
      const w = where.join(' AND ');
      const total = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM petitions t WHERE ${w}`, params))[0].n;
      const rows = await db.query<PetitionRow>(`${PETITION_SELECT} WHERE ${w} ORDER BY t.registered_at LIMIT $${params.push(req.query.limit)}`, params);
      return { items: await views(db, p, rows), total };
    },
  );

  app.get(
    '/api/petitions/stats',
    {
      config: { access: allow.roles(PETITION_READERS, 'jurisdiction') },
      schema: {
        tags,
        summary: '信访统计 Total and year-on-year change, timely acceptance, on-time reply, resolution (also of leader-handled cases), repeat and satisfaction rates',
        querystring: z.strictObject({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }), division: DIVISION.optional() }),
        response: { 200: PETITION_STATS },
      },
    },
    async (req) => {
      const p = requireUser(req);
      if (!(Date.parse(req.query.to) > Date.parse(req.query.from))) throw badRequest('to: 结束时间须晚于开始时间 (must be after from)', [{ field: 'to', message: 'must be after from' }]);
      return petitionStats(db, p, req.query);
    },
  );

  app.post(
    '/api/petitions',
    {
      config: { access: allow.roles(['petition_officer'], 'jurisdiction') },
      schema: { tags, summary: '信访登记 Register a petition (Idempotency-Key: a retry returns the first, 200)', headers: IDEMPOTENCY_HEADER, body: CREATE, response: { 200: DETAIL, 201: DETAIL } },
    },
    async (req, reply) => {
      const p = requireUser(req);
      const b = req.body;
      assertInScope(p, [b.divisionCode], 'divisionCode');
      const t = now();
      const id = uuidv7();
      // Only a dispute the officer may see can be linked (a county's disputes stay its own).
      const dispute = b.disputeRef ? await loadVisibleDispute(db, p, b.disputeRef).catch(() => undefined) : undefined;
      if (b.disputeRef && !dispute) throw invalid('disputeRef', '没有这个矛盾纠纷，或不在您的管辖范围内 (no such dispute visible to you)');
      const made = await createOnce(db, { userId: p.id, key: req.headers['idempotency-key'], scope: ENTITY, body: b }, async (q) => {
        const personIds: string[] = [];
        for (const [i, x] of b.petitioners.entries()) personIds.push(await upsertPerson(q, ctx.services.persons, x, `petitioners.${i}`));
        const earlier = (
          await q.query<{ id: string; status: string; final: boolean }>(
            `SELECT t.id, t.status, bool_or(t.status = 'final') OVER () AS final FROM petitions t
              WHERE t.matter_type = $1 AND EXISTS (SELECT 1 FROM petition_petitioners pp WHERE pp.petition_id = t.id AND pp.person_id = ANY ($2::uuid[]))
              ORDER BY t.registered_at DESC LIMIT 1`,
            [b.matterType, personIds],
          )
        )[0];
        const count = Math.max(b.petitionerCount ?? 0, new Set(personIds).size);
        const seq = (await q.query<{ n: number }>(`SELECT nextval('petition_no_seq')::int AS n`))[0].n;
        const no = `XF${new Date(t + 8 * 3_600_000).getUTCFullYear()}${String(seq).padStart(7, '0')}`;
        const due = await clocks.start(q, { entityType: ENTITY, entityId: id, clock: 'accept', limitKey: 'accept', ref: no, title: b.matter.slice(0, 60), unitId: b.unitId ?? p.unitId, now: t });
        await q.query(
          `INSERT INTO petitions (id, no, channel, matter_type, matter, division_code, unit_petitioned, unit_id, petitioner_count, collective, skip_level, repeat_of, final_matter,
             status, registered_at, accept_due_at, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'registered', $14, $15, $16)`,
          [id, no, b.channel, b.matterType, b.matter, b.divisionCode, b.unitPetitioned ?? null, b.unitId ?? null, count, count >= COLLECTIVE_MIN, b.skipLevel, earlier?.id ?? null,
            earlier?.final ?? false, new Date(t), due, p.id],
        );
        await q.query(`INSERT INTO petition_petitioners (petition_id, person_id, ord) SELECT $1, x.id, x.o FROM unnest($2::uuid[]) WITH ORDINALITY AS x(id, o) ON CONFLICT DO NOTHING`, [id, personIds]);
        await appendEvent(q, {
          entityType: ENTITY, entityId: id, version: 1, action: 'register', from: null, to: 'registered', actorUserId: p.id, actorUnitId: p.unitId,
          data: { channel: b.channel, collective: count >= COLLECTIVE_MIN, repeatOf: earlier?.id ?? null, finalMatter: earlier?.final ?? false, skipLevel: b.skipLevel },
        });
        if (dispute) await link(q, { type: 'dispute', id: dispute.id, label: dispute.no }, { type: ENTITY, id, label: no }, 'referred', { userId: p.id, unitId: p.unitId });
        return id;
      });
      reply.code(made.replayed ? 200 : 201);
      return detail(p, made.id);
    },
  );

  app.get(
    '/api/petitions/:id',
    { config: { access: allow.roles(PETITION_READERS, 'jurisdiction') }, schema: { tags, summary: '信访件详情 One petition with its timeline and links', params: ID, response: { 200: DETAIL } } },
    async (req) => detail(requireUser(req), req.params.id),
  );

  /**
   * A leader-handled petition reports progress on a schedule (limit
   * `leader_progress`, data): the clock runs from taking charge and from each
   * entry, and the one sweeper warns and escalates a missed report. Closing or
   * final decision stops every clock of the petition.
   */
  async function startProgressClock(q: Queryable, row: PetitionRow) {
    if (row.status === 'closed' || row.status === 'final') return;
    await clocks.start(q, { entityType: ENTITY, entityId: row.id, clock: 'progress', limitKey: 'leader_progress', ref: row.no, title: row.matter.slice(0, 60), unitId: row.unit_id, now: now() });
  }

  app.post(
    '/api/petitions/:id/leader',
    {
      config: { access: allow.roles(['leader', 'petition_officer'], 'jurisdiction') },
      schema: {
        tags,
        summary: '领导包案 A leader takes charge with a plan (一案一策); a leader takes it themself, a petition officer names the leader',
        params: ID,
        body: z.strictObject({ version: VERSION, leaderUserId: z.uuid().optional(), plan: z.string().trim().min(1).max(8000) }),
        response: { 200: DETAIL },
      },
    },
    async (req) => {
      const p = requireUser(req);
      const row = await loadVisiblePetition(db, p, req.params.id);
      const leaderId = req.body.leaderUserId ?? (p.roles.includes('leader') ? p.id : undefined);
      if (!leaderId) throw invalid('leaderUserId', '请指定包案领导 (name the leader)');
      const ok = await db.query(`SELECT 1 FROM users WHERE id = $1 AND active AND 'leader' = ANY (roles)`, [leaderId]);
      if (!ok.length) throw invalid('leaderUserId', '须为在岗的领导 (an active user holding the leader role)');
      await db.tx(async (q) => {
        await transition(q, {
          table: 'petitions', entityType: ENTITY, id: row.id, expectedVersion: req.body.version ?? row.version, from: row.status, to: row.status, action: 'leader',
          patch: { leader_user_id: leaderId, leader_plan: req.body.plan, leader_taken_at: new Date(now()) }, actorUserId: p.id, actorUnitId: p.unitId,
          comment: req.body.plan, data: { leaderUserId: leaderId },
        });
        await startProgressClock(q, row);
      });
      return detail(p, row.id);
    },
  );

  app.post(
    '/api/petitions/:id/progress',
    {
      config: { access: allow.roles(['leader', 'petition_officer'], 'jurisdiction') },
      schema: { tags, summary: '包案进展 A progress entry on a leader-handled petition', params: ID, body: z.strictObject({ note: z.string().trim().min(1).max(4000) }), response: { 200: DETAIL } },
    },
    async (req) => {
      const p = requireUser(req);
      const row = await loadVisiblePetition(db, p, req.params.id);
      if (!row.leader_user_id) throw conflict('该信访件没有包案领导 (no leader in charge yet)', [{ field: 'status', message: 'no leader' }]);
      await db.tx(async (q) => {
        await appendEvent(q, { entityType: ENTITY, entityId: row.id, version: null, action: 'progress', from: null, to: null, actorUserId: p.id, actorUnitId: p.unitId, comment: req.body.note });
        // Each entry starts the next period of the leader's reporting schedule.
        await startProgressClock(q, row);
      });
      return detail(p, row.id);
    },
  );

  for (const action of Object.keys(BODIES) as Action[]) {
    app.post(
      `/api/petitions/:id/${action.replace(/_/g, '-')}`,
      { config: { access: allow.roles(ACTION_ROLES[action], 'jurisdiction') }, schema: { tags, summary: SUMMARY[action], params: ID, body: BODIES[action], response: { 200: DETAIL } } },
      async (req) => act(requireUser(req), req.params.id, action, req.body as Record<string, any>),
    );
  }

  async function act(p: Principal, ref: string, action: Action, b: Record<string, any>) {
    const row = await loadVisiblePetition(db, p, ref);
    const t = now();
    const d = decide(factsOf(row), action, p.roles, b, t);
    if (!d.ok) {
      if (d.reason === 'role') throw forbidden(d.message);
      if (d.reason === 'state' || d.reason === 'window') throw conflict(d.message, [{ field: 'status', message: d.message }], { petitionStatus: row.status });
      throw invalid(d.field ?? 'body', d.message);
    }
    const patch: Record<string, unknown> = {};
    const at = new Date(t);
    const base = { entityType: ENTITY, entityId: row.id, ref: row.no, title: row.matter.slice(0, 60), unitId: row.unit_id, now: t };
    await db.tx(async (q) => {
      if (action === 'accept' || action === 'not_accept') {
        patch.decided_at = at;
        await clocks.stop(q, ENTITY, row.id, 'accept');
        if (action === 'accept') patch.reply_due_at = await clocks.start(q, { ...base, clock: 'reply', limitKey: 'reply' });
      }
      if (action === 'extend') {
        const dueAt = new Date(row.reply_due_at ?? at).getTime() + b.days * DAY;
        patch.reply_due_at = await clocks.start(q, { ...base, clock: 'reply', limitKey: 'reply', dueAt });
        patch.extension_count = row.extension_count + 1;
      }
      if (action === 'reply') {
        patch.replied_at = at;
        await clocks.stop(q, ENTITY, row.id, 'reply');
      }
      if (action === 'request_review') patch.review_due_at = await clocks.start(q, { ...base, clock: 'review', limitKey: 'review' });
      if (action === 'decide_review') {
        patch.reviewed_at = at;
        await clocks.stop(q, ENTITY, row.id, 'review');
      }
      if (action === 'request_re_review') patch.re_review_due_at = await clocks.start(q, { ...base, clock: 're_review', limitKey: 're_review' });
      if (action === 'decide_re_review') {
        patch.re_reviewed_at = at;
        await clocks.stop(q, ENTITY, row.id);
      }
      if (action === 'close') {
        Object.assign(patch, { closed_at: at, resolved: b.resolved, satisfaction: b.satisfaction ?? null });
        await clocks.stop(q, ENTITY, row.id);
      }
      const data: Record<string, unknown> = {};
      for (const k of ['notice', 'reason', 'days', 'opinion', 'resolved', 'satisfaction'] as const) if (b[k] !== undefined) data[k] = b[k];
      await transition(q, {
        table: 'petitions', entityType: ENTITY, id: row.id, expectedVersion: b.version ?? row.version, from: row.status, to: d.to, action,
        patch, actorUserId: p.id, actorUnitId: p.unitId, comment: b.opinion ?? b.notice ?? b.comment ?? null, data,
      });
    });
    return detail(p, row.id);
  }
}
