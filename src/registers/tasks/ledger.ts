/**
 * The target tasks ledger (目标任务清单台账): the template, export of a list,
 * and an all-or-nothing import that creates or fills a named list. A row is
 * keyed by 序号 within its list, so importing the same file again changes
 * nothing, and a corrected file updates the rows it changes.
 */
import { v7 as uuidv7 } from 'uuid';
import type { Queryable } from '../../platform/db.ts';
import type { Principal } from '../../org/auth.ts';
import { unitVisibility } from '../../org/scope.ts';
import type { EntityClocks } from '../../timelimits/index.ts';
import { appendEvents, cellDate, ledgerDate, RowErrors, type Cell, type LedgerColumn, type LedgerRow } from '../kit/index.ts';
import { isDone, STATUSES, STATUS_LABELS, type Status } from './lifecycle.ts';
import { clockPlan, ENTITY, nextReview, taskSelect, type ListRow, type TaskRow } from './store.ts';

export const TEMPLATE_HEADERS = ['序号', '任务名称', '牵头单位', '责任单位', '完成时限', '状态'] as const;

/** Units in one cell: separated by 、，, ; ； or spaces. */
export const splitUnits = (v: string | null) => (v ?? '').split(/[、，,;；\s]+/).map((x) => x.trim()).filter(Boolean);

const LONG_TERM = /^(长期|长期坚持|持续推进|常态化|长期推进)$/;
const pad = (n: string | number) => String(n).padStart(2, '0');
const valid = (y: number, m: number, d: number) => {
  const x = new Date(Date.UTC(y, m - 1, d));
  return x.getUTCFullYear() === y && x.getUTCMonth() === m - 1 && x.getUTCDate() === d && y >= 2000 && y <= 2100;
};
const lastDay = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();

/**
 * A 完成时限 cell: an Excel date, 2026-12-31, 2026/12/31, 2026.12.31, 2026年12月31日(前),
 * 2026年12月(底/末) and 2026-12 (the month's last day), 2026年(底) (31 December),
 * or 长期 (long-term: no deadline, null). Anything else is undefined (a row error).
 */
export function parseDeadline(v: Cell): string | null | undefined {
  if (v === null) return undefined;
  if (v instanceof Date || typeof v === 'number') {
    const d = cellDate(v);
    return d ? ledgerDate(d)! : undefined;
  }
  const s = String(v).replace(/\s+/g, '');
  if (LONG_TERM.test(s)) return null;
  let m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(前|之前|以前)?$/.exec(s);
  if (m) return valid(+m[1], +m[2], +m[3]) ? `${m[1]}-${pad(m[2])}-${pad(m[3])}` : undefined;
  m = /^(\d{4})(?:年|[-/.])(\d{1,2})月?(底|末|前|之前)?$/.exec(s);
  if (m) return +m[2] >= 1 && +m[2] <= 12 && valid(+m[1], +m[2], 1) ? `${m[1]}-${pad(m[2])}-${pad(lastDay(+m[1], +m[2]))}` : undefined;
  m = /^(\d{4})年(底|末|前)?$/.exec(s);
  if (m) return valid(+m[1], 12, 31) ? `${m[1]}-12-31` : undefined;
  return undefined;
}

export type LedgerEntry = TaskRow & { milestone_text: string | null; last_note: string | null };

/** The ledger's rows: tasks with their milestones as text and the latest progress note (`today` is the parameter holding today's date). */
export const ledgerSelect = (today: string) =>
  taskSelect(today).replace('SELECT t.*,', `SELECT t.*,
    (SELECT string_agg(m.name || ' ' || m.due_date::text || CASE WHEN m.done_at IS NOT NULL THEN ' ✓' ELSE '' END, '；' ORDER BY m.ord) FROM task_milestones m WHERE m.task_id = t.id) AS milestone_text,
    (SELECT g.note FROM task_progress g WHERE g.task_id = t.id ORDER BY g.at DESC LIMIT 1) AS last_note,`);

export function ledgerColumns(): LedgerColumn<LedgerEntry>[] {
  return [
    { header: '序号', value: (r) => r.seq, width: 8 },
    { header: '任务名称', value: (r) => r.name, width: 48 },
    { header: '牵头单位', value: (r) => r.lead_unit_name, width: 20 },
    { header: '责任单位', value: (r) => (r.co_unit_names ?? []).join('、'), width: 30 },
    { header: '完成时限', value: (r) => r.deadline_text ?? r.deadline ?? '长期', width: 14 },
    { header: '状态', value: (r) => STATUS_LABELS[r.status], width: 16 },
    { header: '节点', value: (r) => r.milestone_text, width: 36 },
    { header: '最近进展', value: (r) => r.last_note, width: 40 },
    { header: '最近调度', value: (r) => ledgerDate(r.last_review_at), width: 12 },
    { header: '下次调度', value: (r) => (r.status === 'done' ? null : ledgerDate(r.next_review_at)), width: 12 },
    { header: '是否逾期', value: (r) => (!isDone(r.status) && ((r.deadline !== null && r.deadline < ledgerDate(new Date())!) || r.overdue_milestones > 0) ? '是' : '否'), width: 10 },
  ];
}

const str = (v: Cell) => (v === null || v === undefined ? null : v instanceof Date ? ledgerDate(v) : String(v).trim() || null);
const STATUS_BY_LABEL = new Map<string, Status>(STATUSES.flatMap((s) => [[STATUS_LABELS[s], s] as [string, Status], [s, s] as [string, Status]]));

type Actor = { id: string | null; unitId: string | null; scopeCodes: string[]; roles: readonly string[] };
export interface ImportResult {
  list: { id: string; name: string; divisionCode: string; created: boolean };
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
}

interface Parsed {
  row: number;
  seq: string;
  name: string;
  lead: string;
  co: string[];
  deadline: string | null;
  deadlineText: string;
  status: Status;
}

const sortKey = (seq: string) => {
  const n = Number.parseInt(seq, 10);
  return Number.isFinite(n) ? Math.min(n, 2_000_000_000) : 0;
};

/**
 * Checks every row (units must exist and be visible to the caller), then
 * writes in a few statements: new tasks inserted, changed ones updated, each
 * with its event and clocks. Call inside one transaction.
 */
export async function importLedger(q: Queryable, clocks: EntityClocks, p: Actor, list: ListRow & { created?: boolean }, rows: LedgerRow[], now: number): Promise<ImportResult> {
  const errors = new RowErrors();
  const names = [...new Set(rows.flatMap((r) => [...splitUnits(str(r.cells['牵头单位'])), ...splitUnits(str(r.cells['责任单位']))]))];
  const params: unknown[] = [names];
  const units = await q.query<{ id: string; name: string; code: string }>(
    `SELECT u.id, u.name, u.code FROM units u WHERE u.active AND (u.name = ANY ($1::text[]) OR u.code = ANY ($1::text[])) AND ${unitVisibility(p as Principal, 'u', params)} ORDER BY u.created_at`,
    params,
  );
  const unitBy = new Map<string, string>();
  for (const u of units) {
    if (!unitBy.has(u.code)) unitBy.set(u.code, u.id);
    if (!unitBy.has(u.name)) unitBy.set(u.name, u.id);
  }
  const seen = new Map<string, number>();
  const out: Parsed[] = [];
  for (const { row, cells } of rows) {
    const bad = (h: string, m: string) => errors.add(row, h, m);
    const seq = str(cells['序号']);
    if (!seq) bad('序号', '必填 (required): 序号 is the key of a task within its list');
    else if (seq.length > 20) bad('序号', '至多 20 个字符 (at most 20 characters)');
    else if (seen.has(seq)) bad('序号', `与第 ${seen.get(seq)} 行重复 (repeats row ${seen.get(seq)})`);
    else seen.set(seq, row);
    const name = str(cells['任务名称']);
    if (!name) bad('任务名称', '必填 (required)');
    else if (name.length > 1000) bad('任务名称', '至多 1000 字 (at most 1000 characters)');
    const leadNames = splitUnits(str(cells['牵头单位']));
    const coNames = splitUnits(str(cells['责任单位']));
    if (!leadNames.length) bad('牵头单位', '必填 (required)');
    const unknownLead = leadNames.filter((n) => !unitBy.has(n));
    if (unknownLead.length) bad('牵头单位', `没有单位「${unknownLead.join('、')}」，请先在组织机构中添加或核对名称 (no such unit)`);
    const unknownCo = coNames.filter((n) => !unitBy.has(n));
    if (unknownCo.length) bad('责任单位', `没有单位「${unknownCo.join('、')}」，请先在组织机构中添加或核对名称 (no such unit)`);
    const deadlineCell = cells['完成时限'] ?? null;
    const deadline = parseDeadline(deadlineCell);
    if (deadline === undefined) bad('完成时限', deadlineCell === null ? '必填：日期或「长期」 (required: a date or 长期)' : '须为日期（如 2026-12-31、2026年12月底）或「长期」 (a date or 长期)');
    const statusText = str(cells['状态']);
    const status = statusText ? STATUS_BY_LABEL.get(statusText) : 'not_started';
    if (!status) bad('状态', `须为 ${STATUSES.map((s) => STATUS_LABELS[s]).join(' / ')}`);
    if (!seq || !name || !leadNames.length || unknownLead.length || unknownCo.length || deadline === undefined || !status || seq.length > 20 || name.length > 1000) continue;
    // More than one lead unit: the first leads, the others share the task.
    const lead = unitBy.get(leadNames[0])!;
    const co = [...new Set([...leadNames.slice(1), ...coNames].map((n) => unitBy.get(n)!))].filter((id) => id !== lead);
    out.push({ row, seq, name, lead, co, deadline, deadlineText: deadlineCell instanceof Date || typeof deadlineCell === 'number' ? deadline ?? '长期' : String(deadlineCell).trim(), status });
  }
  errors.throwIfAny();

  const existing = new Map(
    (await q.query<{ id: string; seq: string; name: string; lead_unit_id: string; co_unit_ids: string[]; deadline: string | null; deadline_text: string | null; status: Status; version: number; next_review_at: Date | null }>(
      `SELECT id, seq, name, lead_unit_id, co_unit_ids, deadline::text AS deadline, deadline_text, status, version, next_review_at FROM tasks WHERE list_id = $1`,
      [list.id],
    )).map((r) => [r.seq, r]),
  );
  const fresh = out.filter((r) => !existing.has(r.seq));
  const changed = out.filter((r) => {
    const e = existing.get(r.seq);
    return e && (e.name !== r.name || e.lead_unit_id !== r.lead || e.co_unit_ids.join() !== r.co.join() || e.deadline !== r.deadline || (e.deadline_text ?? '') !== r.deadlineText || e.status !== r.status);
  });
  const at = new Date(now);
  const review = nextReview(now, list.review_months);
  const ids = fresh.map(() => uuidv7());
  if (fresh.length) {
    await q.query(
      `INSERT INTO tasks (id, list_id, seq, sort_key, name, lead_unit_id, co_unit_ids, deadline, deadline_text, status, next_review_at, done_at, created_by, created_at)
       SELECT x.id, $1, x.seq, x.sk, x.name, x.lead, coalesce((SELECT array_agg(c::uuid) FROM jsonb_array_elements_text(x.co::jsonb) c), '{}'), x.dl::date, x.dt, x.st,
              CASE WHEN x.st = 'done' THEN NULL ELSE $2::timestamptz END, CASE WHEN x.st IN ('done', 'done_continuing') THEN $3::timestamptz END, $4::uuid, $3::timestamptz
         FROM unnest($5::uuid[], $6::text[], $7::int[], $8::text[], $9::uuid[], $10::text[], $11::text[], $12::text[], $13::text[]) AS x(id, seq, sk, name, lead, co, dl, dt, st)`,
      [list.id, review, at, p.id, ids, fresh.map((r) => r.seq), fresh.map((r) => sortKey(r.seq)), fresh.map((r) => r.name), fresh.map((r) => r.lead),
        fresh.map((r) => JSON.stringify(r.co)), fresh.map((r) => r.deadline), fresh.map((r) => r.deadlineText), fresh.map((r) => r.status)],
    );
  }
  if (changed.length) {
    await q.query(
      `UPDATE tasks t SET name = x.name, lead_unit_id = x.lead, co_unit_ids = coalesce((SELECT array_agg(c::uuid) FROM jsonb_array_elements_text(x.co::jsonb) c), '{}'),
              deadline = x.dl::date, deadline_text = x.dt, status = x.st, version = t.version + 1, updated_at = $2,
              done_at = CASE WHEN x.st IN ('done', 'done_continuing') THEN coalesce(t.done_at, $2) END,
              next_review_at = CASE WHEN x.st = 'done' THEN NULL ELSE coalesce(t.next_review_at, $3::timestamptz) END
         FROM unnest($4::text[], $5::text[], $6::uuid[], $7::text[], $8::text[], $9::text[], $10::text[]) AS x(seq, name, lead, co, dl, dt, st)
        WHERE t.list_id = $1 AND t.seq = x.seq`,
      [list.id, at, review, changed.map((r) => r.seq), changed.map((r) => r.name), changed.map((r) => r.lead), changed.map((r) => JSON.stringify(r.co)),
        changed.map((r) => r.deadline), changed.map((r) => r.deadlineText), changed.map((r) => r.status)],
    );
  }
  const touched = [...fresh.map((r, k) => ({ r, id: ids[k], from: null as Status | null, version: 1 })), ...changed.map((r) => {
    const e = existing.get(r.seq)!;
    return { r, id: e.id, from: e.status, version: e.version + 1 };
  })];
  await appendEvents(q, touched.map(({ r, id, from, version }) => ({
    entityType: ENTITY, entityId: id, version, action: from === null ? 'import' : 'import_update', from, to: r.status, actorUserId: p.id, actorUnitId: p.unitId,
    comment: `${from === null ? '台账导入' : '台账导入更新'}，第 ${r.row} 行 (${from === null ? 'imported' : 'updated'} from a ledger, row ${r.row})`, data: { row: r.row, seq: r.seq },
  })));
  // Clocks: deadline, review cycle (and milestones of updated tasks) as each task now stands.
  if (touched.length) {
    const ms = await q.query<{ id: string; task_id: string; due_date: string; done_at: Date | null }>(
      `SELECT id, task_id, due_date::text AS due_date, done_at FROM task_milestones WHERE task_id = ANY ($1::uuid[])`, [touched.map((x) => x.id)],
    );
    const starts = touched.flatMap(({ r, id }) => {
      const e = existing.get(r.seq);
      const nextReviewAt = r.status === 'done' ? null : (e?.next_review_at ?? review);
      return clockPlan({ id, seq: r.seq, name: r.name, list_name: list.name, lead_unit_id: r.lead, status: r.status, deadline: r.deadline, next_review_at: nextReviewAt }, ms.filter((m) => m.task_id === id), now).start;
    });
    const doneIds = touched.filter((x) => x.r.status === 'done').map((x) => x.id);
    const noDeadline = touched.filter((x) => isDone(x.r.status) || x.r.deadline === null).map((x) => x.id);
    if (doneIds.length) await q.query(`DELETE FROM entity_clocks WHERE entity_type = $1 AND entity_id = ANY ($2::uuid[])`, [ENTITY, doneIds]);
    if (noDeadline.length) await q.query(`DELETE FROM entity_clocks WHERE entity_type = $1 AND entity_id = ANY ($2::uuid[]) AND (clock = 'deadline' OR clock LIKE 'ms:%')`, [ENTITY, noDeadline]);
    await clocks.startMany(q, ENTITY, starts);
  }
  return {
    list: { id: list.id, name: list.name, divisionCode: list.division_code, created: !!list.created },
    rows: out.length,
    created: fresh.length,
    updated: changed.length,
    unchanged: out.length - fresh.length - changed.length,
  };
}
