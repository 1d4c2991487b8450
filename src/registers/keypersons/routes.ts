/**
 * Key persons (重点人员分级分类管控) over HTTP: the workbench list (minimum
 * fields), the file (一人一档: person, team, clock, timeline, linked cases,
 * disputes and petitions; every opening audited), filing and updates,
 * measures, tier changes with approval, the reference data, ledger export
 * (a reason is required; audited) and import, stats.
 */
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import type { App, Ctx } from '../../platform/http.ts';
import { allow } from '../../platform/access.ts';
import { audit } from '../../platform/audit.ts';
import type { Queryable } from '../../platform/db.ts';
import { conflict, forbidden, invalid } from '../../platform/errors.ts';
import { requireUser, type Principal } from '../../org/auth.ts';
import { IDEMPOTENCY_HEADER, TIMELINE_ENTRY, normalisePhone, claimWrite, priorWrite, readLedger, sendLedger, timeline, transition, uploadedXlsx, appendEvent, rate } from '../kit/index.ts';
import { FILING_ROLES, KEYPERSON_READERS, MEASURE_KINDS, mayDecide } from './rules.ts';
import {
  CATEGORY_DEF, ENTITY, FILE_VIEW, KEYPERSON_ITEM, KEYPERSON_SELECT, LINKED, TEAM_ROLE_DEF, TIER_CHANGE, TIER_DEF, VISIT_CLOCK,
  fileView, itemView, keypersonVisibility, linkedOf, loadConfig, loadVisibleKeyperson, putCategories, putTeamRoles, putTiers, teamsOf, tierChangesOf, type KeypersonRow,
} from './store.ts';
import { FILE_INPUT, TEAM_INPUT, backfillCases, categoryCodes, checkTeam, filesByPhone, filesOfPersons, openFile, recordMeasure, startVisitClock, tellTeams, tierOf, writeTeam, type Deps } from './service.ts';
import { importLedger, ledgerColumns, TEMPLATE_HEADERS } from './ledger.ts';

const ID = z.strictObject({ id: z.string().min(1).max(64) });
const DIVISION = z.string().regex(/^\d{2,12}$/, '区划代码为 2–12 位数字 (2-12 digits)');
const REASON = z.string().trim().min(2).max(500);
const MINUTE = 60_000;

const FILTERS = z.strictObject({
  tier: z.string().max(30).optional(),
  category: z.string().max(40).optional(),
  division: DIVISION.optional(),
  gridId: z.uuid().optional(),
  status: z.enum(['active', 'closed']).default('active'),
  overdue: z.enum(['true', 'false']).optional().describe('only files whose visit is overdue (red)'),
  mine: z.enum(['true', 'false']).optional().describe('only files whose team the caller is on'),
});

const CONFIG = z.object({ categories: z.array(CATEGORY_DEF), tiers: z.array(TIER_DEF), teamRoles: z.array(TEAM_ROLE_DEF) });
const DETAIL = FILE_VIEW.extend({ timeline: z.array(TIMELINE_ENTRY), linked: z.array(LINKED), tierChanges: z.array(TIER_CHANGE) });

const STATS = z.object({
  total: z.number().int(),
  byTier: z.record(z.string(), z.number().int()),
  byCategory: z.record(z.string(), z.number().int()),
  overdue: z.number().int().describe('files whose visit is overdue now'),
  visits: z.object({ total: z.number().int(), onTime: z.number().int(), onTimeRate: z.number().nullable().describe('onTime / total, 4 decimals; null with no visits') }),
});

export function registerKeypersonRoutes(app: App, ctx: Ctx) {
  const { db } = ctx;
  const tags = ['keypersons'];
  const now = () => (ctx.now ?? Date.now)();
  const deps: Deps = { clocks: ctx.services.entityClocks, vault: ctx.services.persons, notifier: ctx.services.notifier };

  // 12345 calls of a filed person (matched by the reporter's phone), after the case commits.
  ctx.services.caseHooks.onCreated(async (c) => {
    if (!c.reporterPhone) return;
    const ids = await filesByPhone(db, deps.vault, c.reporterPhone);
    if (!ids.length) return;
    await db.tx(async (q) => {
      await q.query(`INSERT INTO keyperson_cases (keyperson_id, case_id) SELECT x, $2 FROM unnest($1::uuid[]) x ON CONFLICT DO NOTHING`, [ids, c.id]);
      await tellTeams(q, deps, ids, { type: 'case', id: c.id, label: c.no }, { userId: null, unitId: null });
    });
  });
  // Disputes and petitions naming a filed person, in their own transaction.
  ctx.services.personWatchers.onAppeared(async (q, a) => {
    if (a.entityType !== 'dispute' && a.entityType !== 'petition') return;
    const ids = await filesOfPersons(q, a.personIds);
    await tellTeams(q, deps, ids, { type: a.entityType, id: a.entityId, label: a.label }, { userId: a.actorUserId, unitId: a.actorUnitId });
  });

  function filterSql(p: Principal, f: z.infer<typeof FILTERS>, params: unknown[]): string {
    const where = [keypersonVisibility(p, 'k', params), `k.status = $${params.push(f.status)}`];
    if (f.tier) where.push(`k.tier_code = $${params.push(f.tier)}`);
    if (f.category) where.push(`$${params.push(f.category)} = ANY (k.category_codes)`);
    if (f.division) where.push(`k.division_code LIKE $${params.push(`${f.division}%`)}`);
    if (f.gridId) where.push(`k.grid_id = $${params.push(f.gridId)}::uuid`);
    if (f.overdue === 'true') where.push(`ck.warning = 'red'`);
    if (f.overdue === 'false') where.push(`coalesce(ck.warning, 'none') <> 'red'`);
    if (f.mine === 'true') where.push(`EXISTS (SELECT 1 FROM keyperson_team mt WHERE mt.keyperson_id = k.id AND mt.user_id = $${params.push(p.id)}::uuid)`);
    return where.join(' AND ');
  }

  async function detail(q: Queryable, row: KeypersonRow) {
    const [teams, clocks, tl, linked, changes] = await Promise.all([
      teamsOf(q, [row.id]),
      deps.clocks.clocksOf(q, ENTITY, [row.id]),
      timeline(q, ENTITY, row.id),
      linkedOf(q, row.id, row.person_id),
      tierChangesOf(q, row.id),
    ]);
    return { ...fileView(row, teams.get(row.id) ?? [], clocks.get(row.id)?.find((c) => c.clock === VISIT_CLOCK) ?? null), timeline: tl, linked, tierChanges: changes };
  }
  const reload = async (p: Principal, id: string) => detail(db, await loadVisibleKeyperson(db, p, id));

  /** An idempotent POST on a file: a retry with the same key answers with the file as it is now and writes nothing. */
  async function idempotent(req: { headers: Record<string, unknown>; body: unknown; url: string }, p: Principal, scope: string, write: (q: Queryable) => Promise<string>) {
    const key = req.headers['idempotency-key'] as string | undefined;
    const prior = await priorWrite(db, p.id, scope, key, req.body);
    if (prior) return { id: prior, replay: true };
    const id = await db.tx(async (q) => {
      const made = await write(q);
      await claimWrite(q, p.id, scope, key, req.body, made);
      return made;
    });
    return { id, replay: false };
  }

  const reader = { access: allow.roles(KEYPERSON_READERS, 'jurisdiction') };

  app.get(
    '/api/keyperson-config',
    { config: { access: allow.roles(KEYPERSON_READERS, 'none') }, schema: { tags, summary: '重点人员类别、风险等级与包保角色 Categories, risk tiers (with visit frequency) and team roles', response: { 200: CONFIG } } },
    async () => loadConfig(db),
  );

  app.put(
    '/api/keyperson-config',
    {
      config: { access: allow.roles(['admin'], 'none') },
      schema: {
        tags,
        summary: '维护类别、风险等级与包保角色 Add or change categories, tiers and team roles (never deleted: set active=false); a tier\'s visit frequency also sets its visit limit',
        body: z.strictObject({ categories: z.array(CATEGORY_DEF).max(100).optional(), tiers: z.array(TIER_DEF).max(20).optional(), teamRoles: z.array(TEAM_ROLE_DEF).max(20).optional() }),
        response: { 200: CONFIG },
      },
    },
    async (req) => {
      const p = requireUser(req);
      await db.tx(async (q) => {
        if (req.body.categories) await putCategories(q, req.body.categories);
        if (req.body.tiers) await putTiers(q, deps.clocks, req.body.tiers);
        if (req.body.teamRoles) await putTeamRoles(q, req.body.teamRoles);
        await audit(q, { userId: p.id, action: 'keyperson_config', entity: 'keyperson_config', detail: req.body as Record<string, unknown>, ip: req.ip });
      });
      return loadConfig(db);
    },
  );

  app.get(
    '/api/keypersons',
    {
      config: reader,
      schema: {
        tags,
        summary: '重点人员工作台 Files the caller may see (minimum: masked name, no ID number), the most urgent visit first',
        querystring: FILTERS.extend({ limit: z.coerce.number().int().min(1).max(100).default(20), offset: z.coerce.number().int().min(0).max(100_000).default(0) }),
        response: { 200: z.object({ items: z.array(KEYPERSON_ITEM), total: z.number().int() }) },
      },
    },
    async (req) => {
      const p = requireUser(req);
      const { limit, offset, ...f } = req.query;
      const params: unknown[] = [];
      const where = filterSql(p, f, params);
      const total = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM keypersons k LEFT JOIN entity_clocks ck ON ck.entity_type = '${ENTITY}' AND ck.entity_id = k.id AND ck.clock = '${VISIT_CLOCK}' WHERE ${where}`, params))[0].n;
      const rows = await db.query<KeypersonRow>(`${KEYPERSON_SELECT} WHERE ${where} ORDER BY k.visit_due_at NULLS LAST, k.id LIMIT $${params.push(limit)} OFFSET $${params.push(offset)}`, params);
      return { items: rows.map(itemView), total };
    },
  );

  app.get(
    '/api/keypersons/export',
    {
      config: reader,
      schema: {
        tags,
        summary: '导出重点人员台账 Export the filtered files as xlsx (masked names, no ID numbers); a reason is required and audited; template=true gives the import template',
        querystring: FILTERS.extend({ reason: z.string().max(500).optional().describe('why the ledger is exported (required, audited)'), template: z.enum(['true', 'false']).default('false') }),
        response: { 200: z.any().describe('an .xlsx file') },
      },
    },
    async (req, reply) => {
      const p = requireUser(req);
      const { reason, template, ...f } = req.query;
      if (template === 'true') return sendLedger(reply, '重点人员台账模板', '台账', [...TEMPLATE_HEADERS, '包保领导', '村（社区）干部', '网格员', '民警', '亲属（帮扶人）'].map((h) => ({ header: h, value: () => null })), []);
      if (!reason || reason.trim().length < 2) throw invalid('reason', '导出重点人员台账须说明事由 (say why you export the ledger)');
      const cfg = await loadConfig(db);
      const names = { categories: new Map(cfg.categories.map((c) => [c.code, c.name])), tiers: new Map(cfg.tiers.map((t) => [t.code, t.name])) };
      const params: unknown[] = [];
      const rows = await db.query<KeypersonRow>(`${KEYPERSON_SELECT} WHERE ${filterSql(p, f, params)} ORDER BY k.division_code, k.no LIMIT 100000`, params);
      await audit(db, { userId: p.id, action: 'export_keyperson_ledger', entity: ENTITY, detail: { reason: reason.trim(), count: rows.length, filters: f }, ip: req.ip });
      return sendLedger(reply, '重点人员管控台账', '台账', ledgerColumns(names), rows.map(itemView));
    },
  );

  app.post(
    '/api/keypersons/import',
    {
      config: { access: allow.roles(FILING_ROLES, 'jurisdiction') },
      schema: {
        tags,
        summary: '导入重点人员台账 Open files from a historic ledger (multipart field "file", .xlsx; all or nothing)',
        description: `Headers: ${TEMPLATE_HEADERS.join(', ')} (team columns 包保领导, 村（社区）干部, 网格员, 民警, 亲属（帮扶人） optional; more columns allowed). Errors: 422, one entry per bad cell, field rows.<row>.<header>.`,
        consumes: ['multipart/form-data'],
        response: { 200: z.object({ imported: z.number().int() }) },
      },
    },
    async (req) => {
      const p = requireUser(req);
      const rows = await readLedger(await uploadedXlsx(req), TEMPLATE_HEADERS);
      if (!rows.length) throw invalid('file', '表格没有数据行 (the sheet has no rows)');
      const r = await db.tx((q) => importLedger(q, deps, p, rows, now()));
      await audit(db, { userId: p.id, action: 'keyperson_ledger_import', entity: ENTITY, detail: r, ip: req.ip });
      return r;
    },
  );

  app.get(
    '/api/keypersons/stats',
    {
      config: reader,
      schema: {
        tags,
        summary: '重点人员统计 Files by tier and category, overdue visits, visits on time (visits and in-person checks made in [from, to), default the last 90 days)',
        querystring: z.strictObject({ division: DIVISION.optional(), from: z.iso.datetime({ offset: true }).optional(), to: z.iso.datetime({ offset: true }).optional() }),
        response: { 200: STATS },
      },
    },
    async (req) => {
      const p = requireUser(req);
      const to = req.query.to ? new Date(req.query.to) : new Date(now());
      const from = req.query.from ? new Date(req.query.from) : new Date(to.getTime() - 90 * 86_400_000);
      if (!(to > from)) throw invalid('to', '结束时间须晚于开始时间 (must be after from)');
      const params: unknown[] = [];
      const where = filterSql(p, { status: 'active', division: req.query.division }, params);
      const base = `FROM keypersons k LEFT JOIN entity_clocks ck ON ck.entity_type = '${ENTITY}' AND ck.entity_id = k.id AND ck.clock = '${VISIT_CLOCK}' WHERE ${where}`;
      const [tiers, cats, overdue, visits] = await Promise.all([
        db.query<{ code: string; n: number }>(`SELECT k.tier_code AS code, count(*)::int AS n ${base} GROUP BY 1`, params),
        db.query<{ code: string; n: number }>(`SELECT c AS code, count(*)::int AS n ${base.replace('WHERE', ', unnest(k.category_codes) c WHERE')} GROUP BY 1`, params),
        db.query<{ n: number }>(`SELECT count(*)::int AS n ${base} AND ck.warning = 'red'`, params),
        db.query<{ total: number; on_time: number }>(
          `SELECT count(*)::int AS total, count(*) FILTER (WHERE (e.data->>'onTime')::boolean)::int AS on_time
             FROM entity_events e WHERE e.entity_type = '${ENTITY}' AND e.action IN ('measure_visit', 'measure_check') AND e.at >= $${params.length + 1} AND e.at < $${params.length + 2}
              AND e.entity_id IN (SELECT k.id ${base})`,
          [...params, from, to],
        ),
      ]);
      const byTier = Object.fromEntries(tiers.map((r) => [r.code, r.n]));
      return {
        total: tiers.reduce((s, r) => s + r.n, 0),
        byTier,
        byCategory: Object.fromEntries(cats.map((r) => [r.code, r.n])),
        overdue: overdue[0].n,
        visits: { total: visits[0].total, onTime: visits[0].on_time, onTimeRate: rate(visits[0].on_time, visits[0].total) },
      };
    },
  );

  app.post(
    '/api/keypersons',
    {
      config: { access: allow.roles(FILING_ROLES, 'jurisdiction') },
      schema: { tags, summary: '建档 Open a key person\'s file (person, categories, tier, team); Idempotency-Key makes retries safe', headers: IDEMPOTENCY_HEADER, body: FILE_INPUT, response: { 200: DETAIL, 201: DETAIL } },
    },
    async (req, reply) => {
      const p = requireUser(req);
      const r = await idempotent(req, p, 'keypersons', async (q) => (await openFile(q, deps, p, req.body, now())).id);
      reply.code(r.replay ? 200 : 201);
      return reload(p, r.id);
    },
  );

  app.get(
    '/api/keypersons/:id',
    {
      config: reader,
      schema: {
        tags,
        summary: '一人一档 The file: person, team, visit clock, timeline, linked cases, disputes and petitions (every opening is audited)',
        params: ID,
        querystring: z.strictObject({ reason: z.string().max(500).optional().describe('why the file is opened (recorded in the audit log)') }),
        response: { 200: DETAIL },
      },
    },
    async (req) => {
      const p = requireUser(req);
      const row = await loadVisibleKeyperson(db, p, req.params.id);
      await audit(db, { userId: p.id, action: 'open_keyperson_file', entity: ENTITY, entityId: row.id, detail: { reason: req.query.reason ?? null }, ip: req.ip });
      return detail(db, row);
    },
  );

  app.patch(
    '/api/keypersons/:id',
    {
      config: reader,
      schema: {
        tags,
        summary: '更新档案 Change categories, address, grid, unit or team, or close the file (with a reason); the tier changes only through a tier-change request',
        params: ID,
        body: z.strictObject({
          version: z.number().int().positive(),
          categories: z.array(z.string().min(1).max(50)).min(1).max(10).optional(),
          address: z.string().trim().max(200).optional(),
          gridId: z.uuid().nullable().optional(),
          unitId: z.uuid().optional(),
          team: TEAM_INPUT.optional(),
          phone: z.string().trim().regex(/^[0-9+\-\s]{5,20}$/, '电话号码格式不正确 (a phone number)').optional(),
          status: z.enum(['active', 'closed']).optional(),
          reason: z.string().trim().max(500).optional(),
        }),
        response: { 200: DETAIL },
      },
    },
    async (req) => {
      const p = requireUser(req);
      const row = await loadVisibleKeyperson(db, p, req.params.id);
      const b = req.body;
      if (b.status && b.status !== row.status && !(b.reason && b.reason.length >= 2)) throw invalid('reason', '撤管或恢复管控须说明理由 (a reason is required)');
      // Who is on the team, what the person is filed as and whether the file is open: the filing roles' decisions, not a team member's.
      const filing = p.roles.includes('admin') || p.roles.some((r) => (FILING_ROLES as readonly string[]).includes(r));
      for (const k of ['categories', 'team', 'status', 'unitId'] as const) {
        if (b[k] !== undefined && !filing) throw forbidden(`${k}: 只有公安、政法委领导或督办员可以更改 (only police, political-legal leaders or supervisors change it)`);
      }
      await db.tx(async (q) => {
        const patch: Record<string, unknown> = {};
        if (b.categories) patch.category_codes = await categoryCodes(q, b.categories, 'categories');
        if (b.address !== undefined) patch.address = b.address;
        if (b.gridId !== undefined) {
          if (b.gridId && !(await q.query(`SELECT 1 FROM grids WHERE id = $1`, [b.gridId])).length) throw invalid('gridId', '网格不存在 (no such grid)');
          patch.grid_id = b.gridId;
        }
        if (b.unitId) {
          if (!(await q.query(`SELECT 1 FROM units WHERE id = $1`, [b.unitId])).length) throw invalid('unitId', '单位不存在 (no such unit)');
          patch.unit_id = b.unitId;
        }
        if (b.team) await checkTeam(q, b.team);
        const to = b.status ?? row.status;
        await transition(q, {
          table: 'keypersons', entityType: ENTITY, id: row.id, expectedVersion: b.version, from: row.status, to, action: to !== row.status ? (to === 'closed' ? 'close' : 'reopen') : 'update',
          patch, actorUserId: p.id, actorUnitId: p.unitId, comment: b.reason ?? null,
          data: { changed: [...Object.keys(patch), ...(b.team ? ['team'] : []), ...(b.phone ? ['phone'] : [])] },
        });
        if (b.team) await writeTeam(q, row.id, b.team);
        if (b.phone) {
          const phone = normalisePhone(b.phone);
          await q.query(`UPDATE persons SET phone = $2, phone_hash = $3, updated_at = now() WHERE id = $1`, [row.person_id, phone, deps.vault.hash('phone', phone)]);
          await backfillCases(q, row.id, phone);
        }
        if (to === 'closed') await deps.clocks.stop(q, ENTITY, row.id);
        if (to === 'active' && row.status === 'closed') await startVisitClock(q, deps.clocks, { id: row.id, no: row.no, name: row.name, tier: row.tier_code, unitId: (patch.unit_id as string) ?? row.unit_id }, now());
      });
      return reload(p, row.id);
    },
  );

  app.post(
    '/api/keypersons/:id/measures',
    {
      config: reader,
      schema: {
        tags,
        summary: '管控措施 Record a measure: ledger entry, visit (摸排走访), in-person check (见面核查), daily supervision, opinion monitoring (舆情监测), help and stabilisation (帮扶稳控); a visit or check restarts the visit clock',
        params: ID,
        headers: IDEMPOTENCY_HEADER,
        body: z.strictObject({
          kind: z.enum(MEASURE_KINDS),
          note: z.string().trim().min(1).max(4000),
          at: z.iso.datetime({ offset: true }).optional().describe('when it was done (default now; not in the future)'),
          place: z.string().trim().max(200).optional(),
        }),
        response: { 200: DETAIL },
      },
    },
    async (req) => {
      const p = requireUser(req);
      const row = await loadVisibleKeyperson(db, p, req.params.id);
      if (row.status !== 'active') throw conflict('档案已撤管 (the file is closed)', [{ field: 'status', message: 'closed' }]);
      const t = now();
      const at = req.body.at ? Date.parse(req.body.at) : t;
      if (at > t + 5 * MINUTE) throw invalid('at', '不能晚于当前时间 (not in the future)');
      if (at < new Date(row.registered_at).getTime() - 366 * 86_400_000) throw invalid('at', '时间过早 (too long ago)');
      await idempotent(req, p, `keypersons:${row.id}:measures`, async (q) => {
        // Lock the row: two visits recorded at once both restart the clock in order.
        const fresh = (await q.query<KeypersonRow>(`SELECT k.*, pe.name FROM keypersons k JOIN persons pe ON pe.id = k.person_id WHERE k.id = $1 FOR UPDATE OF k`, [row.id]))[0];
        await recordMeasure(q, deps, p, fresh, { kind: req.body.kind, note: req.body.note, at, place: req.body.place });
        return uuidv7();
      });
      return reload(p, row.id);
    },
  );

  app.post(
    '/api/keypersons/:id/tier-change',
    {
      config: reader,
      schema: {
        tags,
        summary: '调级申请 Ask to change the risk tier, with a reason; another user of a higher role decides',
        params: ID,
        headers: IDEMPOTENCY_HEADER,
        body: z.strictObject({ tier: z.string().min(1).max(50), reason: REASON }),
        response: { 200: DETAIL },
      },
    },
    async (req) => {
      const p = requireUser(req);
      const row = await loadVisibleKeyperson(db, p, req.params.id);
      await idempotent(req, p, `keypersons:${row.id}:tier-change`, async (q) => {
        const tier = await tierOf(q, req.body.tier, 'tier');
        if (tier.code === row.tier_code) throw invalid('tier', '与当前等级相同 (already in this tier)');
        const id = uuidv7();
        try {
          await q.query(
            `INSERT INTO keyperson_tier_changes (id, keyperson_id, from_tier, to_tier, reason, requested_by, requested_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
            [id, row.id, row.tier_code, tier.code, req.body.reason, p.id, new Date(now())],
          );
        } catch (err: any) {
          if (err?.code === '23505') throw conflict('已有待审批的调级申请 (a tier change is already pending)', [{ field: 'tier', message: 'pending request exists' }]);
          throw err;
        }
        await appendEvent(q, {
          entityType: ENTITY, entityId: row.id, version: null, action: 'tier_change_requested', from: row.tier_code, to: tier.code, actorUserId: p.id, actorUnitId: p.unitId,
          comment: req.body.reason, data: { requestId: id },
        });
        return id;
      });
      return reload(p, row.id);
    },
  );

  app.post(
    '/api/keypersons/:id/tier-change/decision',
    {
      config: { access: allow.roles(['leader', 'supervisor'], 'jurisdiction') },
      schema: {
        tags,
        summary: '调级审批 Approve or reject the pending tier change (not your own; a higher role than the requester\'s); on approval the visit clock follows the new tier',
        params: ID,
        headers: IDEMPOTENCY_HEADER,
        body: z.strictObject({ version: z.number().int().positive().optional(), approve: z.boolean(), comment: z.string().trim().max(2000).optional() }),
        response: { 200: DETAIL },
      },
    },
    async (req) => {
      const p = requireUser(req);
      const row = await loadVisibleKeyperson(db, p, req.params.id);
      await idempotent(req, p, `keypersons:${row.id}:tier-decision`, async (q) => {
        const pending = (await q.query<{ id: string; to_tier: string; requested_by: string; roles: string[]; reason: string }>(
          `SELECT c.id, c.to_tier, c.requested_by, u.roles, c.reason FROM keyperson_tier_changes c JOIN users u ON u.id = c.requested_by WHERE c.keyperson_id = $1 AND c.status = 'pending' FOR UPDATE OF c`,
          [row.id],
        ))[0];
        if (!pending) throw conflict('没有待审批的调级申请 (no pending tier change)', [{ field: 'status', message: 'nothing pending' }]);
        const v = mayDecide({ requestedBy: pending.requested_by, requesterRoles: pending.roles, status: 'pending' }, p);
        if (!v.ok) throw v.reason === 'state' ? conflict(v.message) : forbidden(v.message);
        const t = now();
        await q.query(`UPDATE keyperson_tier_changes SET status = $2, decided_by = $3, decided_at = $4, decision_comment = $5 WHERE id = $1`, [
          pending.id, req.body.approve ? 'approved' : 'rejected', p.id, new Date(t), req.body.comment ?? null,
        ]);
        if (req.body.approve) {
          await transition(q, {
            table: 'keypersons', entityType: ENTITY, id: row.id, expectedVersion: req.body.version ?? row.version, from: row.status, to: row.status, action: 'tier_changed',
            patch: { tier_code: pending.to_tier }, actorUserId: p.id, actorUnitId: p.unitId, comment: req.body.comment ?? null,
            data: { requestId: pending.id, fromTier: row.tier_code, toTier: pending.to_tier, reason: pending.reason },
          });
          // The visit clock follows the new tier's frequency, from the last visit (or from now if none yet).
          if (row.status === 'active') {
            const from = row.last_visit_at ? new Date(row.last_visit_at).getTime() : t;
            await startVisitClock(q, deps.clocks, { id: row.id, no: row.no, name: row.name, tier: pending.to_tier, unitId: row.unit_id }, from);
          }
        } else {
          await appendEvent(q, {
            entityType: ENTITY, entityId: row.id, version: null, action: 'tier_change_rejected', from: row.tier_code, to: pending.to_tier, actorUserId: p.id, actorUnitId: p.unitId,
            comment: req.body.comment ?? null, data: { requestId: pending.id },
          });
        }
        return pending.id;
      });
      return reload(p, row.id);
    },
  );
}
