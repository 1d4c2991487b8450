/**
 * Target tasks (目标任务清单) over HTTP: named lists owned by a division,
 * tasks with lead and co-units, deadlines and milestones, progress entries
 * with evidence on the list's review cycle, the status lifecycle, ledger
 * import and export (kit ledgers) and a summary by status and unit.
 *
 * Access: every staff member reads the tasks of lists in their jurisdiction
 * and the tasks their unit leads or shares; list managers (township, leader,
 * supervisor, admin, within the list's division) create lists and tasks,
 * import, edit and set any status; the lead unit's staff move their task
 * forward and, with co-units' staff, report progress.
 */
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import type { App, Ctx } from '../../platform/http.ts';
import { allow } from '../../platform/access.ts';
import { audit } from '../../platform/audit.ts';
import type { Queryable } from '../../platform/db.ts';
import { conflict, forbidden, invalid, Problem } from '../../platform/errors.ts';
import { requireUser, type Principal } from '../../org/auth.ts';
import { inScope, unitVisibility } from '../../org/scope.ts';
import { TIMELINE_ENTRY, appendEvent, readLedger, sendLedger, timeline, transition, uploadedXlsx } from '../kit/index.ts';
import { createOnce, IDEMPOTENCY_HEADER } from '../../platform/idempotency.ts';
import { importLedger, ledgerColumns, ledgerSelect, parseDeadline, TEMPLATE_HEADERS, type LedgerEntry } from './ledger.ts';
import { decide, isDone, localDate, MANAGER_ROLES, STATUSES, STATUS_LABELS, type Status } from './lifecycle.ts';
import { TASK_STATS, taskStats } from './stats.ts';
import {
  ENTITY, LIST_SELECT, LIST_VIEW, actorOf, factsOf, insertList, listView, listVisibility, loadVisibleTask, managesList, milestonesOf, nextReview, reports, resolveList,
  syncClocks, taskSelect, TASK_VIEW, taskView, taskVisibility, type ListRow, type TaskRow,
} from './store.ts';

const ID = z.strictObject({ id: z.uuid() });
const DIVISION = z.string().regex(/^\d{2,12}$/, '区划代码为 2–12 位数字 (2-12 digits)');
const DATE = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '日期格式 YYYY-MM-DD (a date)').refine((s) => parseDeadline(s) === s, '不是有效日期 (not a valid date)');
const VERSION = z.number().int().positive().optional();
const LIST_REF = z.string().trim().min(1).max(200).describe('the list by name (e.g. 市域社会治理现代化试点 2026) or id');
const MILESTONE_INPUT = z.strictObject({ id: z.uuid().optional(), name: z.string().trim().min(1).max(200), dueDate: DATE, done: z.boolean().default(false) });

const PROGRESS_VIEW = z.object({
  id: z.string(),
  at: z.string(),
  note: z.string(),
  evidenceUrl: z.string().nullable(),
  onTime: z.boolean(),
  actor: z.object({ name: z.string().nullable(), unitName: z.string().nullable() }),
});
const DETAIL = TASK_VIEW.extend({ progress: z.array(PROGRESS_VIEW), timeline: z.array(TIMELINE_ENTRY), reviewMonths: z.number().int() });
const PAGE = z.object({ items: z.array(TASK_VIEW), total: z.number().int() });

const only = (what: string) => forbidden(`只有${what}`);

export function registerTaskRoutes(app: App, ctx: Ctx) {
  const { db } = ctx;
  const tags = ['tasks'];
  const now = () => (ctx.now ?? Date.now)();
  const clocks = ctx.services.entityClocks;

  async function views(q: Queryable, p: Principal, rows: TaskRow[]) {
    const ids = rows.map((r) => r.id);
    const [ms, running] = await Promise.all([milestonesOf(q, ids), clocks.clocksOf(q, ENTITY, ids)]);
    const t = now();
    return rows.map((r) => taskView(r, p, ms.get(r.id) ?? [], running.get(r.id) ?? [], t));
  }
  async function detail(p: Principal, id: string) {
    const row = await loadVisibleTask(db, p, id, now());
    const [v] = await views(db, p, [row]);
    const progress = await db.query<{ id: string; at: Date; note: string; evidence_url: string | null; on_time: boolean; actor_name: string | null; unit_name: string | null }>(
      `SELECT g.id, g.at, g.note, g.evidence_url, g.on_time, u.display_name AS actor_name, un.name AS unit_name
         FROM task_progress g LEFT JOIN users u ON u.id = g.actor_user_id LEFT JOIN units un ON un.id = g.actor_unit_id WHERE g.task_id = $1 ORDER BY g.at DESC, g.id DESC`,
      [row.id],
    );
    return {
      ...v,
      reviewMonths: row.review_months,
      progress: progress.map((g) => ({ id: g.id, at: new Date(g.at).toISOString(), note: g.note, evidenceUrl: g.evidence_url, onTime: g.on_time, actor: { name: g.actor_name, unitName: g.unit_name } })),
      timeline: await timeline(db, ENTITY, row.id),
    };
  }

  /** Units named in a body must exist and be visible to the caller. */
  async function checkUnits(q: Queryable, p: Principal, ids: { field: string; id: string }[]) {
    if (!ids.length) return;
    const params: unknown[] = [ids.map((x) => x.id)];
    const found = new Set((await q.query<{ id: string }>(`SELECT u.id FROM units u WHERE u.id = ANY ($1::uuid[]) AND u.active AND ${unitVisibility(p, 'u', params)}`, params)).map((r) => r.id));
    for (const x of ids) if (!found.has(x.id)) throw invalid(x.field, '没有这个单位，或不在您的管辖范围内 (no such unit visible to you)');
  }

  // ---- lists ----

  app.get(
    '/api/task-lists',
    {
      config: { access: allow.staff('jurisdiction') },
      schema: { tags, summary: '目标任务清单 Task lists the caller sees (their divisions\', or with tasks of their unit)', querystring: z.strictObject({ division: DIVISION.optional() }), response: { 200: z.object({ items: z.array(LIST_VIEW) }) } },
    },
    async (req) => {
      const p = requireUser(req);
      const params: unknown[] = [];
      const where = [listVisibility(p, 'l', params)];
      if (req.query.division) where.push(`l.division_code LIKE $${params.push(`${req.query.division}%`)}`);
      const tv = taskVisibility(p, 'x', 'l', params);
      const rows = await db.query<ListRow>(
        `${LIST_SELECT.replace('SELECT l.*,', `SELECT l.*, (SELECT count(*)::int FROM tasks x WHERE x.list_id = l.id AND ${tv}) AS total,`)} WHERE ${where.join(' AND ')} ORDER BY l.created_at DESC, l.name`,
        params,
      );
      return { items: rows.map((r) => listView(r, p)) };
    },
  );

  const LIST_CREATE = z.strictObject({
    name: z.string().trim().min(1).max(200),
    divisionCode: DIVISION.describe('the division that owns the list (e.g. the county)'),
    ownerUnitId: z.uuid().optional().describe('the unit that runs the list (e.g. the political-legal committee)'),
    description: z.string().trim().max(4000).optional(),
    reviewMonths: z.number().int().min(1).max(12).default(2).describe('progress is reported every N months (双月调度: 2)'),
  });

  async function createList(q: Queryable, p: Principal, b: z.infer<typeof LIST_CREATE>): Promise<string> {
    if (!inScope(p, b.divisionCode)) throw invalid('divisionCode', `${b.divisionCode} 不在您的管辖范围内 (outside your jurisdiction)`);
    if (b.ownerUnitId) await checkUnits(q, p, [{ field: 'ownerUnitId', id: b.ownerUnitId }]);
    return insertList(q, { ...b, createdBy: p.id });
  }

  app.post(
    '/api/task-lists',
    {
      config: { access: allow.roles(MANAGER_ROLES, 'jurisdiction') },
      schema: { tags, summary: '新建目标任务清单 Create a named task list owned by a division in the caller\'s jurisdiction', headers: IDEMPOTENCY_HEADER, body: LIST_CREATE, response: { 201: LIST_VIEW, 200: LIST_VIEW } },
    },
    async (req, reply) => {
      const p = requireUser(req);
      const r = await createOnce(db, { userId: p.id, scope: 'task-lists', key: req.headers['idempotency-key'] as string | undefined, body: req.body }, (q) => createList(q, p, req.body));
      reply.code(r.replayed ? 200 : 201);
      return listView(await resolveList(db, p, r.id), p);
    },
  );

  // ---- tasks ----

  const LIST_QUERY = z.strictObject({
    list: LIST_REF.optional(),
    division: DIVISION.optional().describe('the list\'s division, where two lists share a name'),
    status: z.enum(STATUSES).optional(),
    unit: z.uuid().optional().describe('tasks this unit leads or shares'),
    overdue: z.enum(['true', 'false']).optional().describe('not done and the deadline or a milestone has passed'),
    q: z.string().trim().max(100).optional().describe('words in the task name'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).max(100_000).default(0),
  });

  async function filterSql(p: Principal, f: Omit<z.infer<typeof LIST_QUERY>, 'limit' | 'offset'>, params: unknown[]): Promise<string> {
    const where = [taskVisibility(p, 't', 'l', params)];
    if (f.list) where.push(`t.list_id = $${params.push((await resolveList(db, p, f.list, f.division)).id)}::uuid`);
    else if (f.division) where.push(`l.division_code LIKE $${params.push(`${f.division}%`)}`);
    if (f.status) where.push(`t.status = $${params.push(f.status)}`);
    if (f.unit) {
      const u = params.push(f.unit);
      where.push(`(t.lead_unit_id = $${u}::uuid OR $${u}::uuid = ANY (t.co_unit_ids))`);
    }
    if (f.overdue) {
      const today = params.push(localDate(now()));
      const od = `(t.status NOT IN ('done', 'done_continuing') AND (t.deadline < $${today}::date OR EXISTS (SELECT 1 FROM task_milestones m WHERE m.task_id = t.id AND m.done_at IS NULL AND m.due_date < $${today}::date)))`;
      where.push(f.overdue === 'true' ? od : `NOT ${od}`);
    }
    if (f.q) where.push(`t.name LIKE $${params.push(`%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)}`);
    return where.join(' AND ');
  }

  app.get(
    '/api/tasks',
    { config: { access: allow.staff('jurisdiction') }, schema: { tags, summary: '目标任务 Tasks the caller sees, by list order, filtered and paged', querystring: LIST_QUERY, response: { 200: PAGE } } },
    async (req) => {
      const p = requireUser(req);
      const { limit, offset, ...f } = req.query;
      const params: unknown[] = [localDate(now())];
      const w = await filterSql(p, f, params);
      const total = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM tasks t JOIN task_lists l ON l.id = t.list_id WHERE $1::date IS NOT NULL AND ${w}`, params))[0].n;
      const rows = await db.query<TaskRow>(`${taskSelect('$1')} WHERE ${w} ORDER BY l.created_at DESC, t.list_id, t.sort_key, t.seq LIMIT $${params.push(limit)} OFFSET $${params.push(offset)}`, params);
      return { items: await views(db, p, rows), total };
    },
  );

  app.get(
    '/api/tasks/template',
    {
      config: { access: allow.staff('none') },
      schema: { tags, summary: '目标任务台账模板 The empty ledger template (序号, 任务名称, 牵头单位, 责任单位, 完成时限, 状态)', response: { 200: z.any().describe('an .xlsx file') } },
    },
    async (_req, reply) => sendLedger(reply, '目标任务清单模板', '目标任务', ledgerColumns().filter((c) => (TEMPLATE_HEADERS as readonly string[]).includes(c.header)), []),
  );

  app.get(
    '/api/tasks/export',
    {
      config: { access: allow.staff('jurisdiction') },
      schema: {
        tags,
        summary: '导出目标任务清单 Export a list (and filters) as xlsx with the template\'s headers and more; the ledger holds units and tasks, no personal data',
        querystring: LIST_QUERY.omit({ limit: true, offset: true }).extend({ list: LIST_REF }),
        response: { 200: z.any().describe('an .xlsx file') },
      },
    },
    async (req, reply) => {
      const p = requireUser(req);
      const params: unknown[] = [localDate(now())];
      const w = await filterSql(p, req.query, params);
      const rows = await db.query<LedgerEntry>(
        `${ledgerSelect('$1')} WHERE ${w} ORDER BY t.sort_key, t.seq LIMIT 100000`,
        params,
      );
      await audit(db, { userId: p.id, action: 'export', entity: 'task', detail: { count: rows.length, filters: req.query }, ip: req.ip });
      return sendLedger(reply, req.query.list.slice(0, 60), '目标任务', ledgerColumns(), rows);
    },
  );

  app.post(
    '/api/tasks/import',
    {
      config: { access: allow.roles(MANAGER_ROLES, 'jurisdiction') },
      schema: {
        tags,
        summary: '导入目标任务清单 Create or fill the named list from an xlsx ledger (multipart field "file"; all or nothing; rows keyed by 序号, so a second import of the same file changes nothing)',
        description: `Headers: ${TEMPLATE_HEADERS.join(', ')} (more columns allowed). 责任单位 may name several units separated by 、，, ; or spaces; units must exist. 完成时限: a date (Excel date, 2026-12-31, 2026/12/31, 2026年12月31日, 2026年12月底) or 长期 (no deadline). 状态: ${STATUSES.map((s) => STATUS_LABELS[s]).join(' / ')} (blank: 未启动). Errors: 422 with one entry per bad cell, field rows.<row>.<header>; nothing is imported. A new list belongs to \`division\` (default: the caller's first jurisdiction code).`,
        consumes: ['multipart/form-data'],
        querystring: z.strictObject({ list: z.string().trim().min(1).max(200).describe('the list\'s name (created when the caller has none of that name) or id'), division: DIVISION.optional(), reviewMonths: z.coerce.number().int().min(1).max(12).default(2).describe('review cycle of a new list') }),
        response: { 200: z.object({ list: z.object({ id: z.string(), name: z.string(), divisionCode: z.string(), created: z.boolean() }), rows: z.number().int(), created: z.number().int(), updated: z.number().int(), unchanged: z.number().int() }) },
      },
    },
    async (req) => {
      const p = requireUser(req);
      const { list: ref, division, reviewMonths } = req.query;
      const rows = await readLedger(await uploadedXlsx(req), TEMPLATE_HEADERS, 20_000);
      if (!rows.length) throw invalid('file', '表格没有数据行 (the sheet has no rows)');
      const t = now();
      const r = await db.tx(async (q) => {
        let list: (ListRow & { created?: boolean }) | undefined = await resolveList(q, p, ref, division).catch((err) => {
          if (err instanceof Problem && err.status === 404) return undefined;
          throw err;
        });
        if (!list) {
          const code = division ?? p.scopeCodes.find((c) => c !== '*');
          if (!code) throw invalid('division', '请指定新清单所属区划 (give the division of the new list)');
          const id = await createList(q, p, { name: ref, divisionCode: code, reviewMonths });
          list = { ...(await resolveList(q, p, id)), created: true };
        }
        if (!managesList(p, list.division_code)) throw only('清单所在区划的管理人员（乡镇、领导、督办、管理员）可以导入 (only the list\'s managers may import)');
        return importLedger(q, clocks, p, list, rows, t);
      });
      await audit(db, { userId: p.id, action: 'task_ledger_import', entity: 'task_list', entityId: r.list.id, detail: { ...r }, ip: req.ip });
      return r;
    },
  );

  app.get(
    '/api/tasks/stats',
    {
      config: { access: allow.staff('jurisdiction') },
      schema: {
        tags,
        summary: '目标任务统计 A list\'s summary: total, byStatus (all five codes), byUnit (lead units), overdue, on-time review rate',
        querystring: z.strictObject({ list: LIST_REF, division: DIVISION.optional() }),
        response: { 200: TASK_STATS },
      },
    },
    async (req) => {
      const p = requireUser(req);
      return taskStats(db, p, await resolveList(db, p, req.query.list, req.query.division), now());
    },
  );

  const TASK_CREATE = z.strictObject({
    list: LIST_REF,
    division: DIVISION.optional(),
    seq: z.string().trim().min(1).max(20).optional().describe('序号; the next number when omitted'),
    name: z.string().trim().min(1).max(1000),
    leadUnitId: z.uuid(),
    coUnitIds: z.array(z.uuid()).max(50).default([]),
    deadline: DATE.nullable().describe('the last day; null is 长期 (no deadline)'),
    milestones: z.array(MILESTONE_INPUT.omit({ id: true })).max(50).default([]),
  });

  app.post(
    '/api/tasks',
    {
      config: { access: allow.roles(MANAGER_ROLES, 'jurisdiction') },
      schema: { tags, summary: '新增目标任务 Add a task to a list', headers: IDEMPOTENCY_HEADER, body: TASK_CREATE, response: { 201: DETAIL, 200: DETAIL } },
    },
    async (req, reply) => {
      const p = requireUser(req);
      const b = req.body;
      const list = await resolveList(db, p, b.list, b.division);
      if (!managesList(p, list.division_code)) throw only('清单所在区划的管理人员可以新增任务 (only the list\'s managers)');
      const t = now();
      const r = await createOnce(db, { userId: p.id, scope: 'tasks', key: req.headers['idempotency-key'] as string | undefined, body: b }, async (q) => {
        await checkUnits(q, p, [{ field: 'leadUnitId', id: b.leadUnitId }, ...b.coUnitIds.map((id, i) => ({ field: `coUnitIds.${i}`, id }))]);
        await q.query(`SELECT pg_advisory_xact_lock(74301, hashtext($1))`, [list.id]);
        const seq = b.seq ?? String(((await q.query<{ n: number }>(`SELECT coalesce(max(sort_key), 0)::int AS n FROM tasks WHERE list_id = $1`, [list.id]))[0].n) + 1);
        const dup = await q.query(`SELECT 1 FROM tasks WHERE list_id = $1 AND seq = $2`, [list.id, seq]);
        if (dup.length) throw conflict(`清单中已有序号 ${seq} (seq exists in the list)`, [{ field: 'seq', message: 'exists' }]);
        const id = uuidv7();
        const review = nextReview(t, list.review_months);
        const co = [...new Set(b.coUnitIds)].filter((x) => x !== b.leadUnitId);
        await q.query(
          `INSERT INTO tasks (id, list_id, seq, sort_key, name, lead_unit_id, co_unit_ids, deadline, deadline_text, status, next_review_at, created_by, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7::uuid[], $8::date, $9, 'not_started', $10, $11, $12)`,
          [id, list.id, seq, Number.parseInt(seq, 10) || 0, b.name, b.leadUnitId, co, b.deadline, b.deadline ?? '长期', review, p.id, new Date(t)],
        );
        if (b.milestones.length) {
          await q.query(
            `INSERT INTO task_milestones (id, task_id, ord, name, due_date, done_at) SELECT x.id, $1, x.o, x.n, x.d::date, CASE WHEN x.done THEN $2::timestamptz END
               FROM unnest($3::uuid[], $4::int[], $5::text[], $6::text[], $7::boolean[]) AS x(id, o, n, d, done)`,
            [id, new Date(t), b.milestones.map(() => uuidv7()), b.milestones.map((_m, i) => i), b.milestones.map((m) => m.name), b.milestones.map((m) => m.dueDate), b.milestones.map((m) => m.done)],
          );
        }
        await appendEvent(q, { entityType: ENTITY, entityId: id, version: 1, action: 'create', from: null, to: 'not_started', actorUserId: p.id, actorUnitId: p.unitId, data: { list: list.name, seq } });
        await syncClocks(q, clocks, { id, seq, name: b.name, list_name: list.name, lead_unit_id: b.leadUnitId, status: 'not_started', deadline: b.deadline, next_review_at: review }, t);
        return id;
      });
      reply.code(r.replayed ? 200 : 201);
      return detail(p, r.id);
    },
  );

  app.get(
    '/api/tasks/:id',
    { config: { access: allow.staff('jurisdiction') }, schema: { tags, summary: '目标任务详情 One task with milestones, progress entries and its timeline', params: ID, response: { 200: DETAIL } } },
    async (req) => detail(requireUser(req), req.params.id),
  );

  app.patch(
    '/api/tasks/:id',
    {
      config: { access: allow.roles(MANAGER_ROLES, 'jurisdiction') },
      schema: {
        tags,
        summary: '修改目标任务 Change a task\'s name, units or deadline (list managers); a moved deadline restarts its clock',
        params: ID,
        body: z.strictObject({
          version: VERSION,
          name: z.string().trim().min(1).max(1000).optional(),
          leadUnitId: z.uuid().optional(),
          coUnitIds: z.array(z.uuid()).max(50).optional(),
          deadline: DATE.nullable().optional(),
          comment: z.string().trim().max(2000).optional(),
        }),
        response: { 200: DETAIL },
      },
    },
    async (req) => {
      const p = requireUser(req);
      const b = req.body;
      const t = now();
      const row = await loadVisibleTask(db, p, req.params.id, t);
      if (!managesList(p, row.list_division)) throw only('清单所在区划的管理人员可以修改任务 (only the list\'s managers)');
      await db.tx(async (q) => {
        await checkUnits(q, p, [...(b.leadUnitId ? [{ field: 'leadUnitId', id: b.leadUnitId }] : []), ...(b.coUnitIds ?? []).map((id, i) => ({ field: `coUnitIds.${i}`, id }))]);
        const lead = b.leadUnitId ?? row.lead_unit_id;
        const patch: Record<string, unknown> = {};
        const changes: Record<string, unknown> = {};
        if (b.name !== undefined && b.name !== row.name) patch.name = changes.name = b.name;
        if (b.leadUnitId !== undefined && b.leadUnitId !== row.lead_unit_id) patch.lead_unit_id = changes.leadUnitId = b.leadUnitId;
        const co = b.coUnitIds ? [...new Set(b.coUnitIds)].filter((x) => x !== lead) : row.co_unit_ids.filter((x) => x !== lead);
        if (co.join() !== row.co_unit_ids.join()) {
          patch.co_unit_ids = co;
          changes.coUnitIds = co;
        }
        if (b.deadline !== undefined && b.deadline !== row.deadline) {
          patch.deadline = b.deadline;
          patch.deadline_text = b.deadline ?? '长期';
          changes.deadline = b.deadline;
        }
        const updated = await transition<{ id: string }>(q, {
          table: 'tasks', entityType: ENTITY, id: row.id, expectedVersion: b.version ?? row.version, from: row.status, to: row.status, action: 'update',
          patch, actorUserId: p.id, actorUnitId: p.unitId, comment: b.comment ?? null, data: { changes },
        });
        // A new lead unit (or name) gets its own warnings: the clocks restart for it.
        if (patch.lead_unit_id || patch.name) await clocks.stop(q, ENTITY, row.id);
        await syncClocks(q, clocks, { ...row, ...updated, name: b.name ?? row.name, lead_unit_id: lead, deadline: b.deadline !== undefined ? b.deadline : row.deadline }, t);
      });
      return detail(p, row.id);
    },
  );

  app.post(
    '/api/tasks/:id/progress',
    {
      config: { access: allow.staff('jurisdiction') },
      schema: {
        tags,
        summary: '填报进展 A progress entry with evidence (text, and a link to the material); it is the review of the current cycle and starts the next',
        description: 'Evidence is text plus an optional URL (the case attachments of src/cases are swept when not attached to a case, so they are not reused here).',
        params: ID,
        headers: IDEMPOTENCY_HEADER,
        body: z.strictObject({ note: z.string().trim().min(1).max(4000), evidenceUrl: z.url({ protocol: /^https?$/ }).max(1000).optional() }),
        response: { 200: DETAIL },
      },
    },
    async (req) => {
      const p = requireUser(req);
      const t = now();
      const row = await loadVisibleTask(db, p, req.params.id, t);
      if (!reports(p, row)) throw only('牵头单位、责任单位或清单管理人员可以填报进展 (only the lead unit, co-units or list managers)');
      const r = await createOnce(db, { userId: p.id, scope: `tasks:progress:${row.id}`, key: req.headers['idempotency-key'] as string | undefined, body: req.body }, async (q) => {
        const cur = (await q.query<{ next_review_at: Date | null; status: Status; version: number }>(`SELECT next_review_at, status, version FROM tasks WHERE id = $1 FOR UPDATE`, [row.id]))[0];
        const onTime = !cur.next_review_at || t <= new Date(cur.next_review_at).getTime();
        const id = uuidv7();
        const at = new Date(t);
        const review = cur.status === 'done' ? null : nextReview(t, row.review_months);
        await q.query(`INSERT INTO task_progress (id, task_id, at, note, evidence_url, on_time, actor_user_id, actor_unit_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [
          id, row.id, at, req.body.note, req.body.evidenceUrl ?? null, onTime, p.id, p.unitId,
        ]);
        // A late report was already counted as a missed review by the sweeper; an on-time one counts here.
        await q.query(`UPDATE tasks SET last_review_at = $2, next_review_at = $3, reviews_on_time = reviews_on_time + $4, updated_at = now() WHERE id = $1`, [row.id, at, review, onTime ? 1 : 0]);
        await appendEvent(q, { entityType: ENTITY, entityId: row.id, version: null, action: 'progress', from: null, to: null, actorUserId: p.id, actorUnitId: p.unitId, comment: req.body.note, data: { progressId: id, evidenceUrl: req.body.evidenceUrl ?? null, onTime } });
        await syncClocks(q, clocks, { ...row, status: cur.status, next_review_at: review }, t);
        return id;
      });
      void r;
      return detail(p, row.id);
    },
  );

  app.put(
    '/api/tasks/:id/milestones',
    {
      config: { access: allow.staff('jurisdiction') },
      schema: {
        tags,
        summary: '任务节点 Set a task\'s milestones (list managers: names and dates; the lead unit: only marks them done)',
        params: ID,
        body: z.strictObject({ version: VERSION, milestones: z.array(MILESTONE_INPUT).max(50) }),
        response: { 200: DETAIL },
      },
    },
    async (req) => {
      const p = requireUser(req);
      const t = now();
      const row = await loadVisibleTask(db, p, req.params.id, t);
      const a = actorOf(p, row);
      if (!a.manager && !a.lead) throw only('牵头单位或清单管理人员可以更新节点 (only the lead unit or list managers)');
      const before = (await milestonesOf(db, [row.id])).get(row.id) ?? [];
      const input = req.body.milestones;
      input.forEach((m, i) => {
        if (m.id && !before.some((x) => x.id === m.id)) throw invalid(`milestones.${i}.id`, '不是本任务的节点 (not a milestone of this task)');
      });
      if (!a.manager) {
        // The lead unit reports done; it does not move dates (that would hide a lapse).
        const same = input.length === before.length && input.every((m, i) => m.id === before[i].id && m.name === before[i].name && m.dueDate === before[i].due_date);
        if (!same) throw only('清单管理人员可以增删节点或调整节点时间，牵头单位只能标记完成 (only list managers change milestones; the lead unit marks them done)');
      }
      await db.tx(async (q) => {
        const at = new Date(t);
        const ids = input.map((m) => m.id ?? uuidv7());
        await q.query(`DELETE FROM task_milestones WHERE task_id = $1 AND NOT (id = ANY ($2::uuid[]))`, [row.id, ids]);
        if (input.length) {
          await q.query(
            `INSERT INTO task_milestones (id, task_id, ord, name, due_date, done_at)
             SELECT x.id, $1, x.o, x.n, x.d::date, CASE WHEN x.done THEN $2::timestamptz END FROM unnest($3::uuid[], $4::int[], $5::text[], $6::text[], $7::boolean[]) AS x(id, o, n, d, done)
             ON CONFLICT (id) DO UPDATE SET ord = EXCLUDED.ord, name = EXCLUDED.name, due_date = EXCLUDED.due_date,
               done_at = CASE WHEN EXCLUDED.done_at IS NULL THEN NULL ELSE coalesce(task_milestones.done_at, EXCLUDED.done_at) END`,
            [row.id, at, ids, input.map((_m, i) => i), input.map((m) => m.name), input.map((m) => m.dueDate), input.map((m) => m.done)],
          );
        }
        await transition(q, {
          table: 'tasks', entityType: ENTITY, id: row.id, expectedVersion: req.body.version ?? row.version, from: row.status, to: row.status, action: 'milestones',
          patch: {}, actorUserId: p.id, actorUnitId: p.unitId, comment: input.map((m) => `${m.name} ${m.dueDate}${m.done ? ' ✓' : ''}`).join('；') || '清空节点 (no milestones)',
          data: { milestones: input.map((m, i) => ({ id: ids[i], name: m.name, dueDate: m.dueDate, done: m.done })) },
        });
        await syncClocks(q, clocks, row, t);
      });
      return detail(p, row.id);
    },
  );

  app.post(
    '/api/tasks/:id/status',
    {
      config: { access: allow.staff('jurisdiction') },
      schema: {
        tags,
        summary: '变更任务状态 Set a task\'s status (lifecycle: the lead unit moves it forward; managers set any; done and done_continuing need evidence)',
        params: ID,
        headers: IDEMPOTENCY_HEADER,
        body: z.strictObject({
          to: z.enum(STATUSES),
          version: VERSION,
          evidence: z.string().trim().max(4000).optional().describe('required for done and done_continuing: what shows the task is done'),
          evidenceUrl: z.url({ protocol: /^https?$/ }).max(1000).optional(),
          comment: z.string().trim().max(2000).optional(),
        }),
        response: { 200: DETAIL },
      },
    },
    async (req) => {
      const p = requireUser(req);
      const b = req.body;
      const t = now();
      const row = await loadVisibleTask(db, p, req.params.id, t);
      await createOnce(db, { userId: p.id, scope: `tasks:status:${row.id}`, key: req.headers['idempotency-key'] as string | undefined, body: b }, async (q) => {
        const cur = await loadVisibleTask(q, p, row.id, t, true);
        const d = decide(factsOf(cur, t), b.to, actorOf(p, cur), { evidence: b.evidence });
        if (!d.ok) {
          if (d.reason === 'role') throw forbidden(d.message);
          if (d.reason === 'input') throw invalid(d.field ?? 'body', d.message);
          throw conflict(d.message, [{ field: 'to', message: d.message }], { taskStatus: cur.status });
        }
        const at = new Date(t);
        const patch: Record<string, unknown> = { done_at: isDone(d.to) ? (cur.done_at ?? at) : null };
        // done stops reporting; done_continuing reports on (its evidence is this cycle's report); other moves keep the cycle.
        let review: Date | null = cur.next_review_at ?? nextReview(t, cur.review_months);
        if (d.to === 'done') review = null;
        if (isDone(d.to)) {
          const onTime = !cur.next_review_at || t <= new Date(cur.next_review_at).getTime();
          await q.query(`INSERT INTO task_progress (id, task_id, at, note, evidence_url, on_time, actor_user_id, actor_unit_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [
            uuidv7(), cur.id, at, `【${STATUS_LABELS[d.to]}】${b.evidence}`, b.evidenceUrl ?? null, onTime, p.id, p.unitId,
          ]);
          patch.last_review_at = at;
          if (onTime && cur.next_review_at) patch.reviews_on_time = cur.reviews_on_time + 1;
          if (d.to === 'done_continuing') review = nextReview(t, cur.review_months);
        }
        patch.next_review_at = review;
        await transition(q, {
          table: 'tasks', entityType: ENTITY, id: cur.id, expectedVersion: b.version ?? cur.version, from: cur.status, to: d.to, action: 'status',
          patch, actorUserId: p.id, actorUnitId: p.unitId, comment: b.evidence ?? b.comment ?? null, data: { evidence: b.evidence ?? null, evidenceUrl: b.evidenceUrl ?? null },
        });
        await syncClocks(q, clocks, { ...cur, status: d.to, next_review_at: review }, t);
        return cur.id;
      });
      return detail(p, row.id);
    },
  );
}
