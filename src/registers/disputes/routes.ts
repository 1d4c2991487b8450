/**
 * Disputes and mediation over HTTP: the register, its actions, stats,
 * ledger export and import, categories and time limits. Every query is
 * scoped by jurisdiction (store.ts disputeVisibility).
 */
import { createOnce, IDEMPOTENCY_HEADER } from '../../platform/idempotency.ts';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import type { App, Ctx } from '../../platform/http.ts';
import { allow } from '../../platform/access.ts';
import { audit } from '../../platform/audit.ts';
import type { Queryable } from '../../platform/db.ts';
import { badRequest, conflict, forbidden, invalid, notFound } from '../../platform/errors.ts';
import { requireUser, type Principal } from '../../org/auth.ts';
import { assertInScope } from '../../org/scope.ts';
import { loadVisible as loadVisibleCase } from '../../cases/read.ts';
import { ENTITY_LIMIT_INPUT } from '../../timelimits/index.ts';
import {
  LINK_VIEW, PERSON_INPUT, TIMELINE_ENTRY, appendEvent, auditPersonReads, link, linksOf, openLedgerExport, readLedger, seesPersons, sendLedger, timeline, transition, upsertPerson, uploadedXlsx,
} from '../kit/index.ts';
import { COMPLEXITIES, decide, KINDS, ORG_KINDS, REFER_TO, RISKS, SOURCES, STATUSES, ACTION_ROLES, type Action, type Input } from './lifecycle.ts';
import {
  DISPUTE_SELECT, DISPUTE_VIEW, ENTITY, actorFor, disputeView, disputeVisibility, factsOf, loadVisibleDispute, partiesOf, type DisputeRow,
} from './store.ts';
import { importLedger, ledgerColumns, ledgerSource, TEMPLATE_HEADERS, type LedgerEntry } from './ledger.ts';
import { disputeStats, GROUP_BY, STATS_RESPONSE } from './stats.ts';

/** Who works with the register: reads, lists, stats, exports. */
export const DISPUTE_READERS = ['mediator', 'township', 'grid_worker', 'dispatcher', 'supervisor', 'leader', 'police'] as const;
/** Who registers entries. */
export const DISPUTE_REGISTRARS = ['mediator', 'township', 'grid_worker', 'dispatcher', 'police'] as const;
/** Who imports historic ledgers. */
export const LEDGER_IMPORTERS = ['mediator', 'township'] as const;

/** Lists count matching entries up to this many. */
const TOTAL_CAP = 10_000;
const DIVISION = z.string().regex(/^\d{2,12}$/, '区划代码为 2–12 位数字 (2-12 digits)');
const ID = z.strictObject({ id: z.string().min(1).max(64).describe('the entry\'s id or number') });
const VERSION = z.number().int().positive().optional().describe('the version the form was loaded at; a changed entry answers 409');

const CREATE = z.strictObject({
  kind: z.enum(KINDS),
  source: z.enum(SOURCES).default('screening'),
  categoryCode: z.string().min(1).max(40).describe('a category code or name (矛盾纠纷类别)'),
  divisionCode: DIVISION,
  gridId: z.uuid().optional(),
  place: z.string().max(200).optional(),
  summary: z.string().trim().min(1).max(4000),
  amount: z.number().nonnegative().max(1e13).optional(),
  people: z.number().int().nonnegative().max(1_000_000).optional(),
  risk: z.enum(RISKS).default('low'),
  complexity: z.enum(COMPLEXITIES).default('general'),
  parties: z.array(PERSON_INPUT).min(1).max(50),
  caseRef: z.string().max(64).optional().describe('the 12345 case (number or id) this dispute came from; linked both ways'),
});

const BODIES = {
  assign: z.strictObject({
    version: VERSION,
    orgKind: z.enum(ORG_KINDS).optional(),
    orgName: z.string().max(100).optional(),
    orgUnitId: z.uuid().optional(),
    mediatorIds: z.array(z.uuid()).max(10).optional(),
    complexity: z.enum(COMPLEXITIES).optional(),
    comment: z.string().max(2000).optional(),
  }),
  session: z.strictObject({
    version: VERSION,
    heldAt: z.iso.datetime({ offset: true }).optional(),
    place: z.string().max(200).optional(),
    participants: z.string().max(500).optional(),
    notes: z.string().max(8000).optional(),
    attachmentIds: z.array(z.uuid()).max(20).optional(),
  }),
  resolve: z.strictObject({
    version: VERSION,
    outcome: z.enum(['agreement', 'otherwise']).optional(),
    terms: z.string().max(8000).optional(),
    performanceDeadline: z.iso.date().optional().describe('date by which the agreement is to be performed'),
    notes: z.string().max(4000).optional(),
  }),
  fail: z.strictObject({ version: VERSION, reason: z.string().max(4000).optional() }),
  refer: z.strictObject({ version: VERSION, referTo: z.enum(REFER_TO).optional(), note: z.string().max(4000).optional() }),
  follow_up: z.strictObject({ version: VERSION, performed: z.boolean().optional(), notes: z.string().max(4000).optional() }),
  close: z.strictObject({ version: VERSION, comment: z.string().max(2000).optional() }),
} satisfies Record<Action, z.ZodType>;

const LIST_QUERY = z.strictObject({
  status: z.enum(STATUSES).optional(),
  kind: z.enum(KINDS).optional(),
  risk: z.enum(RISKS).optional(),
  categoryCode: z.string().max(40).optional(),
  division: DIVISION.optional(),
  from: z.iso.datetime({ offset: true }).optional().describe('registered from (inclusive)'),
  to: z.iso.datetime({ offset: true }).optional().describe('registered before'),
  q: z.string().max(100).optional().describe('words in the summary or number'),
  warning: z.enum(['yellow', 'red']).optional().describe('only entries whose clock is at least this late'),
});

const SESSION_VIEW = z.object({ id: z.string(), heldAt: z.string(), place: z.string().nullable(), participants: z.string().nullable(), notes: z.string(), attachmentIds: z.array(z.string()) });
const DETAIL_VIEW = DISPUTE_VIEW.extend({ sessions: z.array(SESSION_VIEW), timeline: z.array(TIMELINE_ENTRY), links: z.array(LINK_VIEW) });
const PROBLEM = z.object({ type: z.string(), title: z.string(), status: z.number(), detail: z.string().optional(), errors: z.array(z.object({ field: z.string(), message: z.string() })).optional() }).passthrough();
const CATEGORY = z.object({ code: z.string(), name: z.string(), sort: z.number().int(), active: z.boolean() });

function filterSql(p: Principal, f: z.infer<typeof LIST_QUERY>, params: unknown[]): string {
  const where = [disputeVisibility(p, 'd', params)];
  if (f.status) where.push(`d.status = $${params.push(f.status)}`);
  if (f.kind) where.push(`d.kind = $${params.push(f.kind)}`);
  if (f.risk) where.push(`d.risk = $${params.push(f.risk)}`);
  if (f.categoryCode) where.push(`(d.category_code = $${params.push(f.categoryCode)} OR c.name = $${params.length})`);
  if (f.division) where.push(`d.division_code LIKE $${params.push(`${f.division}%`)}`);
  if (f.from) where.push(`d.registered_at >= $${params.push(new Date(f.from))}`);
  if (f.to) where.push(`d.registered_at < $${params.push(new Date(f.to))}`);
  if (f.q) where.push(`(d.summary ILIKE $${params.push(`%${f.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`)} OR d.no = $${params.push(f.q)})`);
  if (f.warning) where.push(`EXISTS (SELECT 1 FROM entity_clocks k WHERE k.entity_type = '${ENTITY}' AND k.entity_id = d.id AND k.warning ${f.warning === 'red' ? `= 'red'` : `IN ('yellow', 'red')`})`);
  return where.join(' AND ');
}

/** The time-limit key of an entry's resolution clock: simple ones 1 day; people's mediation 30 days; else by complexity. */
export function limitKeyOf(complexity: string, orgKind: string | null): string {
  if (complexity === 'simple') return 'simple';
  if (orgKind === 'people_committee') return 'people';
  return complexity;
}

/** End of a date's day in Asia/Shanghai, as epoch ms. */
const endOfDay = (date: string) => Date.parse(`${date}T23:59:59+08:00`);

export function registerDisputeRoutes(app: App, ctx: Ctx) {
  const { db } = ctx;
  const tags = ['disputes'];
  const now = () => (ctx.now ?? Date.now)();

  async function views(q: Queryable, p: Principal, rows: DisputeRow[]) {
    const ids = rows.map((r) => r.id);
    const [parties, clocks] = await Promise.all([partiesOf(q, ids), ctx.services.entityClocks.clocksOf(q, ENTITY, ids)]);
    await auditPersonReads(q, p, 'disputes', parties);
    return rows.map((r) => disputeView(r, p, ctx.services.persons, parties.get(r.id) ?? [], clocks.get(r.id) ?? []));
  }

  async function detail(p: Principal, ref: string) {
    const row = await loadVisibleDispute(db, p, ref);
    const [view] = await views(db, p, [row]);
    const sessions = await db.query<{ id: string; held_at: Date; place: string | null; participants: string | null; notes: string; attachment_ids: string[] }>(
      `SELECT id, held_at, place, participants, notes, attachment_ids FROM dispute_sessions WHERE dispute_id = $1 ORDER BY held_at, id`,
      [row.id],
    );
    return {
      ...view,
      sessions: sessions.map((s) => ({ id: s.id, heldAt: new Date(s.held_at).toISOString(), place: s.place, participants: s.participants, notes: s.notes, attachmentIds: s.attachment_ids })),
      timeline: await timeline(db, ENTITY, row.id),
      links: await linksOf(db, ENTITY, row.id),
    };
  }

  /** Warns the leaders responsible for the place (role leader, jurisdiction covering it) of a high-risk entry. */
  async function warnLeaders(q: Queryable, r: { id: string; no: string; division_code: string; summary: string }) {
    const leaders = await q.query<{ id: string }>(
      `SELECT id FROM users WHERE active AND 'leader' = ANY (roles) AND EXISTS (SELECT 1 FROM unnest(scope_codes) s WHERE s = '*' OR $1 LIKE s || '%')`,
      [r.division_code],
    );
    for (const l of leaders) {
      await ctx.services.notifier.notify(q, { userId: l.id, kind: 'dispute_high_risk', title: `高风险矛盾纠纷 ${r.no}: ${r.summary.slice(0, 40)}`, data: { entityType: ENTITY, entityId: r.id } });
    }
  }

  app.get(
    '/api/dispute-categories',
    { config: { access: allow.staff('none') }, schema: { tags, summary: '矛盾纠纷类别 Dispute categories (data, editable by admins)', response: { 200: z.array(CATEGORY) } } },
    async () => db.query<z.infer<typeof CATEGORY>>(`SELECT code, name, sort, active FROM dispute_categories ORDER BY sort, code`),
  );

  app.put(
    '/api/dispute-categories',
    {
      config: { access: allow.roles(['admin'], 'none') },
      schema: { tags, summary: '新增或修改类别 Add or change a category (admin)', body: z.strictObject({ code: z.string().regex(/^[0-9A-Za-z_-]{1,20}$/), name: z.string().trim().min(1).max(50), sort: z.number().int().default(0), active: z.boolean().default(true) }), response: { 200: CATEGORY } },
    },
    async (req) => {
      const p = requireUser(req);
      const b = req.body;
      const rows = await db.query<z.infer<typeof CATEGORY>>(
        `INSERT INTO dispute_categories (code, name, sort, active) VALUES ($1, $2, $3, $4)
         ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, sort = EXCLUDED.sort, active = EXCLUDED.active RETURNING code, name, sort, active`,
        [b.code, b.name, b.sort, b.active],
      );
      await audit(db, { userId: p.id, action: 'dispute_category_put', entity: 'dispute_category', detail: b });
      return rows[0];
    },
  );

  const LIMIT_VIEW = ENTITY_LIMIT_INPUT.required().extend({ entityType: z.string(), escalateAfter: z.string().nullable() });
  app.get(
    '/api/disputes/time-limits',
    { config: { access: allow.staff('none') }, schema: { tags, summary: '化解时限 Time limits of disputes (data)', response: { 200: z.array(LIMIT_VIEW) } } },
    async () => ctx.services.entityClocks.limits(db, ENTITY),
  );

  app.put(
    '/api/disputes/time-limits/:key',
    {
      config: { access: allow.roles(['admin'], 'none') },
      schema: { tags, summary: '修改化解时限 Set a time limit (admin)', params: z.strictObject({ key: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/) }), body: ENTITY_LIMIT_INPUT.omit({ key: true }), response: { 200: z.array(LIMIT_VIEW) } },
    },
    async (req) => {
      const p = requireUser(req);
      await ctx.services.entityClocks.putLimit(db, ENTITY, { ...req.body, key: req.params.key });
      await audit(db, { userId: p.id, action: 'time_limit_put', entity: 'entity_time_limit', detail: { entityType: ENTITY, key: req.params.key, ...req.body } });
      return ctx.services.entityClocks.limits(db, ENTITY);
    },
  );

  app.get(
    '/api/disputes',
    {
      config: { access: allow.roles(DISPUTE_READERS, 'jurisdiction') },
      schema: {
        tags,
        summary: '矛盾纠纷台账 The register: entries in the caller\'s jurisdiction, newest first',
        querystring: LIST_QUERY.extend({ limit: z.coerce.number().int().min(1).max(100).default(20), offset: z.coerce.number().int().min(0).max(100_000).default(0) }),
        response: { 200: z.object({ items: z.array(DISPUTE_VIEW), total: z.number().int(), totalCapped: z.boolean().describe(`true when there are more than ${10_000} (total is then ${10_000})`) }) },
      },
    },
    async (req) => {
      const p = requireUser(req);
      const params: unknown[] = [];
      const where = filterSql(p, req.query, params);
      // The count stops at TOTAL_CAP: a county's whole register is not counted for every page.
      const total = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM (SELECT 1 FROM disputes d JOIN dispute_categories c ON c.code = d.category_code WHERE ${where} LIMIT ${TOTAL_CAP + 1}) x`, params))[0].n;
      const rows = await db.query<DisputeRow>(
        `${DISPUTE_SELECT} WHERE ${where} ORDER BY d.registered_at DESC, d.id DESC LIMIT $${params.push(req.query.limit)} OFFSET $${params.push(req.query.offset)}`,
        params,
      );
      return { items: await views(db, p, rows), total: Math.min(total, TOTAL_CAP), totalCapped: total > TOTAL_CAP };
    },
  );

  app.post(
    '/api/disputes',
    {
      config: { access: allow.roles(DISPUTE_REGISTRARS, 'jurisdiction') },
      schema: {
        tags,
        summary: '登记矛盾纠纷或风险隐患 Register a dispute or hazard (Idempotency-Key: a retry returns the first, 200)',
        headers: IDEMPOTENCY_HEADER,
        body: CREATE,
        response: { 200: DETAIL_VIEW, 201: DETAIL_VIEW },
      },
    },
    async (req, reply) => {
      const p = requireUser(req);
      const b = req.body;
      assertInScope(p, [b.divisionCode], 'divisionCode');
      const cat = (await db.query<{ code: string }>(`SELECT code FROM dispute_categories WHERE active AND (code = $1 OR name = $1)`, [b.categoryCode]))[0];
      if (!cat) throw invalid('categoryCode', `没有类别「${b.categoryCode}」(unknown category; see /api/dispute-categories)`);
      const fromCase = b.caseRef ? await loadVisibleCase(db, p, b.caseRef).catch(() => null) : null;
      if (b.caseRef && !fromCase) throw invalid('caseRef', '没有这个工单，或不在您的管辖范围内 (no such case visible to you)');
      const t = now();
      const id = uuidv7();
      const made = await createOnce(db, { userId: p.id, key: req.headers['idempotency-key'], scope: ENTITY, body: b }, async (q) => {
        const seq = (await q.query<{ n: number }>(`SELECT nextval('dispute_no_seq')::int AS n`))[0].n;
        const year = new Date(t + 8 * 3_600_000).getUTCFullYear();
        const no = `JF${year}${String(seq).padStart(7, '0')}`;
        await q.query(
          `INSERT INTO disputes (id, no, kind, source, category_code, division_code, grid_id, place, summary, amount, people, risk, complexity, status,
             registered_at, unit_id, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'registered', $14, $15, $16)`,
          [id, no, b.kind, b.caseRef ? 'case12345' : b.source, cat.code, b.divisionCode, b.gridId ?? null, b.place ?? null, b.summary, b.amount ?? null, b.people ?? null,
            b.risk, b.complexity, new Date(t), p.unitId, p.id],
        );
        for (const [ord, party] of b.parties.entries()) {
          const personId = await upsertPerson(q, ctx.services.persons, party, `parties.${ord}`);
          await q.query(`INSERT INTO dispute_parties (dispute_id, person_id, ord) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [id, personId, ord]);
        }
        await appendEvent(q, { entityType: ENTITY, entityId: id, version: 1, action: 'register', from: null, to: 'registered', actorUserId: p.id, actorUnitId: p.unitId, data: { kind: b.kind, risk: b.risk } });
        await ctx.services.entityClocks.start(q, { entityType: ENTITY, entityId: id, clock: 'resolve', limitKey: limitKeyOf(b.complexity, null), ref: no, title: b.summary.slice(0, 60), unitId: p.unitId, now: t });
        if (fromCase) await link(q, { type: 'case', id: fromCase.id, label: fromCase.no }, { type: ENTITY, id, label: no }, 'became', { userId: p.id, unitId: p.unitId });
        if (b.risk === 'high') await warnLeaders(q, { id, no, division_code: b.divisionCode, summary: b.summary });
        return id;
      });
      reply.code(made.replayed ? 200 : 201);
      return detail(p, made.id);
    },
  );

  app.get(
    '/api/disputes/stats',
    {
      config: { access: allow.roles(DISPUTE_READERS, 'jurisdiction') },
      schema: {
        tags,
        summary: '排查化解统计 Screened, resolved, resolution rate, mediation success rate (entries registered in [from, to), resolved by now)',
        description: 'resolutionRate = resolved / screened; mediationSuccessRate = successful / mediated (agreement or failed); performanceRate = performed / followed-up agreements. Fractions with 4 decimals (0.9091), null when the denominator is 0.',
        querystring: z.strictObject({
          from: z.iso.datetime({ offset: true }),
          to: z.iso.datetime({ offset: true }),
          division: DIVISION.optional(),
          kind: z.enum(KINDS).optional(),
          groupBy: z.enum(GROUP_BY).optional(),
        }),
        response: { 200: STATS_RESPONSE },
      },
    },
    async (req) => {
      const p = requireUser(req);
      if (!(Date.parse(req.query.to) > Date.parse(req.query.from))) throw badRequest('to: 结束时间须晚于开始时间 (must be after from)', [{ field: 'to', message: 'must be after from' }]);
      return disputeStats(db, p, req.query);
    },
  );

  app.get(
    '/api/disputes/export',
    {
      config: { access: allow.roles(DISPUTE_READERS, 'jurisdiction') },
      schema: {
        tags,
        summary: '导出台账 Export the filtered register as xlsx (Chinese headers, personal data masked for the caller\'s role); template=true gives the empty template',
        querystring: LIST_QUERY.extend({ template: z.enum(['true', 'false']).default('false') }),
        response: { 200: z.any().describe('an .xlsx file') },
      },
    },
    async (req, reply) => {
      const p = requireUser(req);
      const columns = ledgerColumns(p);
      if (req.query.template === 'true') return sendLedger(reply, '矛盾纠纷排查化解台账模板', '台账', columns.filter((c) => (TEMPLATE_HEADERS as readonly string[]).includes(c.header)), []);
      const params: unknown[] = [];
      const where = filterSql(p, req.query, params);
      const { count, rows } = await openLedgerExport<LedgerEntry>(db, ledgerSource(where, params));
      await audit(db, { userId: p.id, action: seesPersons(p) ? 'export_personal_data' : 'export', entity: 'dispute', detail: { count, filters: req.query }, ip: req.ip });
      return sendLedger(reply, '矛盾纠纷排查化解台账', '台账', columns, rows);
    },
  );

  app.post(
    '/api/disputes/import',
    {
      config: { access: allow.roles(LEDGER_IMPORTERS, 'jurisdiction') },
      schema: {
        tags,
        summary: '导入历史台账 Import a historic ledger (multipart field "file", .xlsx; all or nothing)',
        description: `Headers: ${TEMPLATE_HEADERS.join(', ')} (more columns allowed). Errors: 422 with one entry per bad cell, field rows.<row>.<header>; nothing is imported.`,
        consumes: ['multipart/form-data'],
        response: { 200: z.object({ imported: z.number().int() }), 422: PROBLEM },
      },
    },
    async (req) => {
      const p = requireUser(req);
      const buf = await uploadedXlsx(req);
      const rows = await readLedger(buf, TEMPLATE_HEADERS);
      if (!rows.length) throw invalid('file', '表格没有数据行 (the sheet has no rows)');
      const r = await db.tx((q) => importLedger(q, p, rows));
      await audit(db, { userId: p.id, action: 'dispute_ledger_import', entity: 'dispute', detail: r, ip: req.ip });
      return r;
    },
  );

  app.get(
    '/api/disputes/:id',
    {
      config: { access: allow.roles(DISPUTE_READERS, 'jurisdiction') },
      schema: { tags, summary: '纠纷详情 One entry with its sessions, timeline and links', params: ID, response: { 200: DETAIL_VIEW } },
    },
    async (req) => detail(requireUser(req), req.params.id),
  );

  app.get(
    '/api/disputes/:id/agreement',
    {
      config: { access: allow.roles(DISPUTE_READERS, 'jurisdiction') },
      schema: { tags, summary: '调解协议书 The mediation agreement, printable (HTML)', params: ID, response: { 200: z.string() } },
    },
    async (req, reply) => {
      const p = requireUser(req);
      const d = await detail(p, req.params.id);
      if (!d.agreement) throw notFound('agreement');
      const esc = (s: string | null | undefined) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
      reply.type('text/html; charset=utf-8');
      return `<!doctype html><meta charset="utf-8"><title>调解协议书 ${esc(d.no)}</title>
<style>body{font-family:serif;max-width:42em;margin:2em auto;line-height:1.8}h1{text-align:center}@media print{.noprint{display:none}}</style>
<h1>人民调解协议书</h1><p>编号：${esc(d.no)}</p>
<p>当事人：${d.parties.map((x) => esc(x.name)).join('、')}</p>
<p>调解组织：${esc(d.org?.name)}</p>
<p>纠纷简要情况：${esc(d.summary)}</p>
<p>经调解，自愿达成如下协议：</p><p>${esc(d.agreement.terms).replace(/\n/g, '<br>')}</p>
<p>履行期限：${esc(d.agreement.performanceDeadline ?? '—')}</p>
<p>本协议自各方当事人签名、调解员签名并加盖调解组织印章之日起生效。</p>
<p>当事人（签名）：__________ &nbsp; 调解员（签名）：__________</p>
<p style="text-align:right">${esc(d.agreement.signedAt.slice(0, 10))}</p>
<p class="noprint">使用浏览器的打印功能（Ctrl+P）打印本协议书 (print with the browser, Ctrl+P)</p>`;
    },
  );

  app.post(
    '/api/disputes/:id/note',
    {
      config: { access: allow.roles(DISPUTE_READERS, 'jurisdiction') },
      schema: { tags, summary: '备注 Add a remark to the timeline (moves nothing)', params: ID, body: z.strictObject({ comment: z.string().trim().min(1).max(2000), attachmentIds: z.array(z.uuid()).max(20).optional() }), response: { 200: DETAIL_VIEW } },
    },
    async (req) => {
      const p = requireUser(req);
      const row = await loadVisibleDispute(db, p, req.params.id);
      await checkAttachments(db, p, req.body.attachmentIds);
      await appendEvent(db, { entityType: ENTITY, entityId: row.id, version: null, action: 'note', from: null, to: null, actorUserId: p.id, actorUnitId: p.unitId, comment: req.body.comment, attachmentIds: req.body.attachmentIds });
      return detail(p, row.id);
    },
  );

  for (const action of Object.keys(BODIES) as Action[]) {
    const body = BODIES[action] as z.ZodObject<any>;
    app.post(
      `/api/disputes/:id/${action.replace('_', '-')}`,
      {
        config: { access: allow.roles(ACTION_ROLES[action], 'jurisdiction') },
        schema: { tags, summary: ACTION_SUMMARY[action], params: ID, body, response: { 200: DETAIL_VIEW } },
      },
      async (req) => act(requireUser(req), req.params.id, action, req.body as Record<string, any>),
    );
  }

  async function act(p: Principal, ref: string, action: Action, b: Record<string, any>) {
    const row = await loadVisibleDispute(db, p, ref);
    const input: Input = { ...b, reason: b.reason, referTo: b.referTo };
    const d = decide(factsOf(row), action, actorFor(p, row), input);
    if (!d.ok) {
      if (d.reason === 'role' || d.reason === 'relation') throw forbidden(d.message);
      if (d.reason === 'state') throw conflict(d.message, [{ field: 'status', message: d.message }], { entryStatus: row.status });
      throw invalid(d.field ?? 'body', d.message);
    }
    const t = now();
    const patch: Record<string, unknown> = {};
    const data: Record<string, unknown> = {};
    if (action === 'assign') {
      if (b.mediatorIds?.length) {
        const ok = await db.query<{ id: string }>(`SELECT id FROM users WHERE id = ANY ($1::uuid[]) AND active AND ('mediator' = ANY (roles) OR 'admin' = ANY (roles))`, [b.mediatorIds]);
        if (ok.length !== new Set(b.mediatorIds).size) throw invalid('mediatorIds', '须为在岗的调解员 (active users holding the mediator role)');
      }
      Object.assign(patch, { org_kind: b.orgKind, org_name: b.orgName.trim(), org_unit_id: b.orgUnitId ?? null, mediator_ids: b.mediatorIds ?? [], assigned_at: new Date(t), complexity: b.complexity });
      Object.assign(data, { orgKind: b.orgKind, orgName: b.orgName, orgUnitId: b.orgUnitId ?? null, mediatorIds: b.mediatorIds ?? [], complexity: b.complexity });
    }
    if (action === 'session') await checkAttachments(db, p, b.attachmentIds);
    if (action === 'resolve') {
      patch.outcome = b.outcome;
      patch.resolved_at = new Date(t);
      if (b.outcome === 'agreement') patch.agreement = { terms: b.terms, performanceDeadline: b.performanceDeadline ?? null, signedAt: new Date(t).toISOString() };
      Object.assign(data, { outcome: b.outcome, performanceDeadline: b.performanceDeadline, notes: b.notes });
    }
    if (action === 'fail') {
      Object.assign(patch, { outcome: 'failed', failed_at: new Date(t) });
      data.reason = b.reason;
    }
    if (action === 'refer') {
      patch.referral = { to: b.referTo, note: b.note ?? null, at: new Date(t).toISOString() };
      Object.assign(data, { referTo: b.referTo });
    }
    if (action === 'follow_up') {
      patch.follow_up = { performed: b.performed ?? null, notes: b.notes ?? null, at: new Date(t).toISOString() };
      data.performed = b.performed ?? null;
    }
    if (action === 'close') patch.closed_at = new Date(t);
    const comment = b.comment ?? b.notes ?? b.reason ?? b.note ?? null;
    await db.tx(async (q) => {
      await transition(q, {
        table: 'disputes', entityType: ENTITY, id: row.id, expectedVersion: b.version ?? row.version, from: row.status, to: d.to, action,
        patch, actorUserId: p.id, actorUnitId: p.unitId, comment, data, attachmentIds: action === 'session' ? (b.attachmentIds ?? []) : [],
      });
      if (action === 'session') {
        await q.query(`INSERT INTO dispute_sessions (id, dispute_id, held_at, place, participants, notes, attachment_ids, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [
          uuidv7(), row.id, b.heldAt ? new Date(b.heldAt) : new Date(t), b.place ?? null, b.participants ?? null, b.notes, b.attachmentIds ?? [], p.id,
        ]);
      }
      const clocks = ctx.services.entityClocks;
      const clock = { entityType: ENTITY, entityId: row.id, ref: row.no, title: row.summary.slice(0, 60), now: t };
      if (action === 'assign') {
        await clocks.start(q, { ...clock, clock: 'resolve', limitKey: limitKeyOf(b.complexity ?? row.complexity, b.orgKind), unitId: b.orgUnitId ?? row.unit_id });
      }
      if (action === 'resolve' || action === 'fail' || action === 'refer') await clocks.stop(q, ENTITY, row.id, 'resolve');
      if (action === 'resolve' && b.outcome === 'agreement') {
        await clocks.start(q, { ...clock, clock: 'perform', limitKey: 'perform', unitId: row.org_unit_id ?? row.unit_id, ...(b.performanceDeadline ? { dueAt: endOfDay(b.performanceDeadline) } : {}) });
      }
      if (action === 'follow_up' || action === 'close') await clocks.stop(q, ENTITY, row.id);
    });
    return detail(p, row.id);
  }
}

const ACTION_SUMMARY: Record<Action, string> = {
  assign: '分流 Assign to a mediation organisation and mediators',
  session: '调解记录 Record a mediation session (date, place, participants, notes, attachments)',
  resolve: '化解 Resolve: with an agreement (terms, performance deadline) or otherwise',
  fail: '调解不成 Mediation failed',
  refer: '移交 Refer to litigation, arbitration, petition or an administrative body',
  follow_up: '回访 Follow-up visit: was the agreement performed?',
  close: '办结 Close',
};

/** Attachments named by an action: uploaded by the caller (POST /api/attachments) and not yet on a case. */
async function checkAttachments(q: Queryable, p: Principal, ids: string[] | undefined) {
  if (!ids?.length) return;
  const ok = await q.query(`SELECT id FROM attachments WHERE id = ANY ($1::uuid[]) AND uploaded_by = $2`, [ids, p.id]);
  if (ok.length !== new Set(ids).size) throw invalid('attachmentIds', '附件不存在或不是您上传的 (unknown attachment, or not uploaded by you)');
}
