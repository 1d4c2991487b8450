/** SQL for the responsibility list: rules, their import/export, and proposals for a case. */
import { readFileSync } from 'node:fs';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import type { Db, Queryable } from '../../platform/db.ts';
import { Problem, forbidden, invalid, notFound, type FieldError } from '../../platform/errors.ts';
import type { Principal } from '../../org/auth.ts';
import { inScope, seesEverything } from '../../org/scope.ts';
import { DIVISION_CODE, UNIT_KINDS, divisionChain } from '../../org/store.ts';
import { resolveResponsibility, type Rule, type UnitInfo } from './resolve.ts';
import type { Proposal, RuleRow } from './types.ts';

export const CATEGORY_CODE = z.string().regex(/^(\d{2}){1,6}$/, '分类代码为每级 2 位数字 (2 digits per level)');
export const RULE_ROLES = ['lead', 'assist'] as const;

const RULE_FIELDS = {
  id: z.uuid().optional(),
  no: z.number().int().min(1).max(2_000_000_000).optional(),
  categoryCode: CATEGORY_CODE,
  divisionCode: DIVISION_CODE.nullish(),
  divisionLevel: z.number().int().min(1).max(5).nullish(),
  unitId: z.uuid().nullish(),
  unitCode: z.string().min(1).max(64).nullish(),
  unitKind: z.enum(UNIT_KINDS).nullish(),
  unitKeyword: z.string().trim().min(1).max(200).nullish(),
  role: z.enum(RULE_ROLES).default('lead'),
  note: z.string().max(2000).nullish(),
  active: z.boolean().default(true),
};

type RuleShape = { unitId?: string | null; unitCode?: string | null; unitKind?: string | null; unitKeyword?: string | null; divisionLevel?: number | null };

function checkRule(r: RuleShape, ctx: z.RefinementCtx) {
  const explicit = !!(r.unitId || r.unitCode);
  const byKind = !!(r.unitKind || r.unitKeyword);
  if (r.unitId && r.unitCode) ctx.addIssue({ code: 'custom', path: ['unitCode'], message: 'give unitId or unitCode, not both' });
  if (!explicit && !byKind)
    ctx.addIssue({ code: 'custom', path: ['unitKind'], message: 'name a unit (unitId or unitCode) or a unit kind and/or keyword to resolve along the division chain' });
  if (explicit && byKind)
    ctx.addIssue({ code: 'custom', path: [r.unitKind ? 'unitKind' : 'unitKeyword'], message: 'an explicit unit (unitId/unitCode) excludes unitKind and unitKeyword' });
  if (explicit && r.divisionLevel) ctx.addIssue({ code: 'custom', path: ['divisionLevel'], message: 'divisionLevel says where a unit kind is looked up; an explicit unit has none' });
}

/** One rule as the API takes it (PUT): by id (or no) to change, without to create. */
export const RULE_INPUT = z.strictObject(RULE_FIELDS).superRefine(checkRule);
export type RuleInput = z.input<typeof RULE_INPUT>;

/** A row of an import file: the export format, whose read-only name columns are ignored. */
export const RULE_IMPORT_ROW = z
  .strictObject({
    ...RULE_FIELDS,
    categoryName: z.string().nullish(),
    divisionName: z.string().nullish(),
    unitName: z.string().nullish(),
    updatedAt: z.string().nullish(),
  })
  .superRefine(checkRule);
export type RuleImportRow = z.input<typeof RULE_IMPORT_ROW>;

export type { RuleRow } from './types.ts';

const RULE_SELECT = `SELECT r.id, r.no, r.category_code AS "categoryCode", r.division_code AS "divisionCode", d.name AS "divisionName",
  r.division_level AS "divisionLevel", r.unit_id AS "unitId", u.code AS "unitCode", u.name AS "unitName", r.unit_kind AS "unitKind",
  r.unit_keyword AS "unitKeyword", r.role, r.note, r.active, r.updated_at AS "updatedAt"
  FROM responsibility_rules r LEFT JOIN divisions d ON d.code = r.division_code LEFT JOIN units u ON u.id = r.unit_id`;

/** Category code -> 城乡建设/路灯照明, for every category. */
export async function categoryPaths(q: Queryable): Promise<Map<string, string>> {
  const rows = await q.query<{ code: string; name: string }>(`SELECT code, name FROM categories`);
  const names = new Map(rows.map((r) => [r.code, r.name]));
  const out = new Map<string, string>();
  for (const code of names.keys()) {
    const parts: string[] = [];
    for (let i = 2; i <= code.length; i += 2) parts.push(names.get(code.slice(0, i)) ?? code.slice(0, i));
    out.set(code, parts.join('/'));
  }
  return out;
}

export interface RuleFilter {
  /** Rules that bear on this category: its ancestors' rules and its descendants'. */
  categoryCode?: string;
  /** Rules that bear on this division: everywhere-rules, its ancestors' and those inside it. */
  divisionCode?: string;
  unitId?: string;
  role?: 'lead' | 'assist';
  active?: boolean;
  /** Free text: a matter (the rule's category, a parent, or a category its branch covers), unit, unit keyword, area, note or rule number. */
  q?: string;
  limit?: number;
  offset?: number;
}

export async function listRules(q: Queryable, f: RuleFilter = {}): Promise<{ total: number; items: RuleRow[] }> {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (f.categoryCode) {
    const c = p(f.categoryCode);
    where.push(`(left(${c}, length(r.category_code)) = r.category_code OR left(r.category_code, length(${c})) = ${c})`);
  }
  if (f.divisionCode) {
    const chain = p(divisionChain(f.divisionCode));
    const d = p(f.divisionCode);
    where.push(`(r.division_code IS NULL OR r.division_code = ANY(${chain}::text[]) OR left(r.division_code, length(${d})) = ${d})`);
  }
  if (f.unitId) where.push(`r.unit_id = ${p(f.unitId)}`);
  if (f.role) where.push(`r.role = ${p(f.role)}`);
  if (f.active !== undefined) where.push(`r.active = ${p(f.active)}`);
  if (f.q) {
    const like = p(`%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    const no = /^#?\d{1,9}$/.test(f.q) ? p(Number(f.q.replace('#', ''))) : null;
    where.push(`(EXISTS (SELECT 1 FROM categories c WHERE c.name ILIKE ${like} AND (left(r.category_code, length(c.code)) = c.code OR left(c.code, length(r.category_code)) = r.category_code))
      OR r.unit_keyword ILIKE ${like} OR r.note ILIKE ${like} OR r.unit_kind ILIKE ${like}
      OR EXISTS (SELECT 1 FROM units u2 WHERE u2.id = r.unit_id AND (u2.name ILIKE ${like} OR u2.code ILIKE ${like}))
      OR EXISTS (SELECT 1 FROM divisions d2 WHERE d2.code = r.division_code AND d2.name ILIKE ${like})${no ? ` OR r.no = ${no}` : ''})`);
  }
  const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const total = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM responsibility_rules r ${w}`, params);
  const limit = p(f.limit ?? 1000);
  const offset = p(f.offset ?? 0);
  const items = await q.query<RuleRow>(`${RULE_SELECT} ${w} ORDER BY r.category_code, r.no LIMIT ${limit} OFFSET ${offset}`, params);
  const paths = await categoryPaths(q);
  for (const it of items) it.categoryName = paths.get(it.categoryCode) ?? it.categoryCode;
  return { total: total[0].n, items };
}

export async function getRule(q: Queryable, id: string): Promise<RuleRow | undefined> {
  const rows = await q.query<RuleRow>(`${RULE_SELECT} WHERE r.id = $1`, [id]);
  if (!rows[0]) return undefined;
  rows[0].categoryName = (await categoryPaths(q)).get(rows[0].categoryCode) ?? rows[0].categoryCode;
  return rows[0];
}

/** Whether the caller may write a rule for this area (null: everywhere, which needs a global admin). */
export function mayWriteArea(p: Principal | null | undefined, divisionCode: string | null | undefined): boolean {
  if (!p) return true; // the CLI and seeds act with full authority
  if (seesEverything(p)) return true;
  return !!divisionCode && inScope(p, divisionCode);
}

const scopeMessage = (code: string | null | undefined) =>
  code ? `${code} 不在您的管辖范围内 (outside your jurisdiction)` : '适用于所有区划的规则需要全局管理员 (a rule for every division needs a global admin)';

export function assertMayWriteArea(p: Principal | null | undefined, divisionCode: string | null | undefined, field = 'divisionCode') {
  if (!mayWriteArea(p, divisionCode)) throw new Problem(403, 'Forbidden', `${field}: ${scopeMessage(divisionCode)}`, [{ field, message: scopeMessage(divisionCode) }]);
}

async function bumpSequence(q: Queryable) {
  await q.query(
    `SELECT setval(pg_get_serial_sequence('responsibility_rules', 'no'), COALESCE((SELECT max(no) FROM responsibility_rules), 0) + 1, false)`,
  );
}

interface ExistingRule {
  id: string;
  no: number;
  division_code: string | null;
}

/**
 * Creates or changes one rule: by id if given, else by rule number if given,
 * else a new rule. `principal` (when given) must be allowed to write both the
 * rule's old and new area.
 */
export async function upsertRule(
  q: Queryable,
  input: RuleInput,
  opts: { principal?: Principal | null; field?: (f: string) => string } = {},
): Promise<{ id: string; no: number; created: boolean }> {
  const r = RULE_INPUT.parse(input);
  const field = opts.field ?? ((f: string) => f);
  let unitId = r.unitId ?? null;
  if (r.unitCode) {
    const u = await q.query<{ id: string }>(`SELECT id FROM units WHERE code = $1`, [r.unitCode]);
    if (!u[0]) throw invalid(field('unitCode'), `no unit with code ${r.unitCode}`);
    unitId = u[0].id;
  }
  let existing: ExistingRule | undefined;
  if (r.id) existing = (await q.query<ExistingRule>(`SELECT id, no, division_code FROM responsibility_rules WHERE id = $1`, [r.id]))[0];
  else if (r.no) existing = (await q.query<ExistingRule>(`SELECT id, no, division_code FROM responsibility_rules WHERE no = $1`, [r.no]))[0];
  if (existing) assertMayWriteArea(opts.principal, existing.division_code, field('divisionCode'));
  assertMayWriteArea(opts.principal, r.divisionCode, field('divisionCode'));
  const values = [r.categoryCode, r.divisionCode ?? null, r.divisionLevel ?? null, unitId, r.unitKind ?? null, r.unitKeyword ?? null, r.role, r.note ?? null, r.active];
  if (existing) {
    const rows = await q.query<{ id: string; no: number }>(
      `UPDATE responsibility_rules SET category_code = $2, division_code = $3, division_level = $4, unit_id = $5, unit_kind = $6, unit_keyword = $7,
         role = $8, note = $9, active = $10, no = COALESCE($11, no), updated_at = now() WHERE id = $1 RETURNING id, no`,
      [existing.id, ...values, r.no ?? null],
    );
    if (r.no) await bumpSequence(q);
    return { ...rows[0], created: false };
  }
  const id = r.id ?? uuidv7();
  const rows = r.no
    ? await q.query<{ id: string; no: number }>(
        `INSERT INTO responsibility_rules (id, category_code, division_code, division_level, unit_id, unit_kind, unit_keyword, role, note, active, no)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id, no`,
        [id, ...values, r.no],
      )
    : await q.query<{ id: string; no: number }>(
        `INSERT INTO responsibility_rules (id, category_code, division_code, division_level, unit_id, unit_kind, unit_keyword, role, note, active)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id, no`,
        [id, ...values],
      );
  if (r.no) await bumpSequence(q);
  return { ...rows[0], created: true };
}

/** Soft delete: the rule stays (its number is never reused) but no longer applies. */
export async function deactivateRule(q: Queryable, id: string, principal?: Principal | null): Promise<void> {
  const rows = await q.query<ExistingRule>(`SELECT id, no, division_code FROM responsibility_rules WHERE id = $1`, [id]);
  if (!rows[0]) throw notFound('responsibility rule');
  assertMayWriteArea(principal, rows[0].division_code);
  await q.query(`UPDATE responsibility_rules SET active = false, updated_at = now() WHERE id = $1`, [id]);
}

// ---------------------------------------------------------------------------
// Import and export

/** A problem with one row of an import; `index` is 0-based in the rows given. */
export interface RuleRowError {
  index: number;
  field?: string;
  message: string;
  forbidden?: boolean;
}

export class RuleImportError extends Error {
  constructor(readonly errors: RuleRowError[]) {
    super(`${errors.length} invalid row${errors.length === 1 ? '' : 's'}; nothing was imported`);
    this.name = 'RuleImportError';
  }
  /** As an API problem: fields named `<index>.<field>`, like the body's own validation errors. */
  toProblem(): Problem {
    const errors: FieldError[] = this.errors.map((e) => ({ field: `${e.index}${e.field ? `.${e.field}` : ''}`, message: e.message }));
    const status = this.errors.every((e) => e.forbidden) ? 403 : 422;
    return new Problem(status, status === 403 ? 'Forbidden' : 'Unprocessable Content', `${this.message}: ${errors.slice(0, 5).map((e) => `${e.field}: ${e.message}`).join('; ')}`, errors);
  }
}

export interface RuleImportOptions {
  principal?: Principal | null;
  /** Deactivate the active rules (within the caller's jurisdiction) that the file does not name. */
  replace?: boolean;
  /** Check and write, then roll back. */
  dryRun?: boolean;
}

export interface RuleImportResult {
  count: number;
  created: number;
  updated: number;
  deactivated: number;
  dryRun: boolean;
}

class Rollback extends Error {
  constructor(readonly result: RuleImportResult) {
    super('dry run');
  }
}

/** Validates rows (plain objects) against the import schema; errors carry the 0-based index. */
export function validateRuleRows(rows: unknown[]): { valid: (z.output<typeof RULE_IMPORT_ROW> | undefined)[]; errors: RuleRowError[] } {
  const valid: (z.output<typeof RULE_IMPORT_ROW> | undefined)[] = [];
  const errors: RuleRowError[] = [];
  rows.forEach((row, index) => {
    const r = RULE_IMPORT_ROW.safeParse(row);
    valid.push(r.success ? r.data : undefined);
    if (!r.success) for (const i of r.error.issues) errors.push({ index, field: i.path.length ? i.path.join('.') : undefined, message: i.message });
  });
  return { valid, errors };
}

/**
 * Imports rules all-or-nothing: every row is checked (schema, references,
 * jurisdiction, duplicate numbers) before anything is written, in one transaction.
 */
export async function importRules(db: Db, rows: unknown[], opts: RuleImportOptions = {}): Promise<RuleImportResult> {
  const parsed = validateRuleRows(rows);
  const errors = parsed.errors;
  const ok = parsed.valid.flatMap((r, index) => (r ? [{ r, index }] : []));
  const existingCodes = async (table: string, col: string, codes: (string | null | undefined)[]) => {
    const list = [...new Set(codes.filter((c): c is string => !!c))];
    if (!list.length) return new Set<string>();
    const r = await db.query<{ v: string }>(`SELECT ${col}::text AS v FROM ${table} WHERE ${col}::text = ANY($1::text[])`, [list]);
    return new Set(r.map((x) => x.v));
  };
  const cats = await existingCodes('categories', 'code', ok.map(({ r }) => r.categoryCode));
  const divs = await existingCodes('divisions', 'code', ok.map(({ r }) => r.divisionCode));
  const unitCodes = await existingCodes('units', 'code', ok.map(({ r }) => r.unitCode));
  const unitIds = await existingCodes('units', 'id', ok.map(({ r }) => r.unitId));
  const byNo = new Map<number, number>();
  const byId = new Map<string, number>();
  for (const { r, index } of ok) {
    if (!cats.has(r.categoryCode)) errors.push({ index, field: 'categoryCode', message: `no category ${r.categoryCode}` });
    if (r.divisionCode && !divs.has(r.divisionCode)) errors.push({ index, field: 'divisionCode', message: `no division ${r.divisionCode}` });
    if (r.unitCode && !unitCodes.has(r.unitCode)) errors.push({ index, field: 'unitCode', message: `no unit with code ${r.unitCode}` });
    if (r.unitId && !unitIds.has(r.unitId)) errors.push({ index, field: 'unitId', message: `no unit ${r.unitId}` });
    if (!mayWriteArea(opts.principal, r.divisionCode)) errors.push({ index, field: 'divisionCode', message: scopeMessage(r.divisionCode), forbidden: true });
    if (r.no !== undefined) {
      if (byNo.has(r.no)) errors.push({ index, field: 'no', message: `rule #${r.no} appears twice (also at ${byNo.get(r.no)})` });
      else byNo.set(r.no, index);
    }
    if (r.id) {
      if (byId.has(r.id)) errors.push({ index, field: 'id', message: `id appears twice (also at ${byId.get(r.id)})` });
      else byId.set(r.id, index);
    }
  }
  // Rules the file would change must lie in the caller's jurisdiction too.
  if (opts.principal) {
    const ids = ok.map(({ r }) => r.id).filter((x): x is string => !!x);
    const nos = ok.filter(({ r }) => !r.id && r.no).map(({ r }) => r.no!);
    const current = await db.query<ExistingRule>(`SELECT id, no, division_code FROM responsibility_rules WHERE id = ANY($1::uuid[]) OR no = ANY($2::int[])`, [ids, nos]);
    const curById = new Map(current.map((c) => [c.id, c]));
    const curByNo = new Map(current.map((c) => [c.no, c]));
    for (const { r, index } of ok) {
      const c = r.id ? curById.get(r.id) : r.no ? curByNo.get(r.no) : undefined;
      if (c && !mayWriteArea(opts.principal, c.division_code))
        errors.push({ index, field: 'divisionCode', message: `rule #${c.no}: ${scopeMessage(c.division_code)}`, forbidden: true });
    }
  }
  if (errors.length) throw new RuleImportError(errors.sort((a, b) => a.index - b.index));

  try {
    return await db.tx(async (q) => {
      const result: RuleImportResult = { count: ok.length, created: 0, updated: 0, deactivated: 0, dryRun: !!opts.dryRun };
      const touched: string[] = [];
      for (const { r: row, index } of ok) {
        const { categoryName: _c, divisionName: _d, unitName: _u, updatedAt: _t, ...rule } = row;
        let r: { id: string; created: boolean };
        try {
          r = await upsertRule(q, rule, { principal: opts.principal, field: (f) => `${index}.${f}` });
        } catch (err) {
          if (err instanceof Problem) throw err;
          const pg = (err as { code?: string; detail?: string }).code;
          if (pg === '23505') throw new RuleImportError([{ index, field: 'no', message: `rule #${rule.no} is taken by another rule` }]);
          throw err;
        }
        touched.push(r.id);
        if (r.created) result.created++;
        else result.updated++;
      }
      if (opts.replace) {
        const p = opts.principal;
        const params: unknown[] = [touched];
        let scope = 'TRUE';
        if (p && !seesEverything(p)) {
          params.push(p.scopeCodes.map((c) => `${c}%`));
          scope = `division_code LIKE ANY ($2::text[])`;
        }
        const gone = await q.query(
          `UPDATE responsibility_rules SET active = false, updated_at = now() WHERE active AND NOT (id = ANY($1::uuid[])) AND ${scope} RETURNING id`,
          params,
        );
        result.deactivated = gone.length;
      }
      if (opts.dryRun) throw new Rollback(result);
      return result;
    });
  } catch (err) {
    if (err instanceof Rollback) return err.result;
    throw err;
  }
}

/** Every rule in the import format (no ids: the rule number is the key), with readable names. */
export async function exportRules(q: Queryable, f: Pick<RuleFilter, 'active' | 'divisionCode' | 'categoryCode'> = {}): Promise<Record<string, unknown>[]> {
  const { items } = await listRules(q, { ...f, limit: 1_000_000 });
  return items
    .sort((a, b) => a.no - b.no)
    .map((r) => ({
      no: r.no,
      categoryCode: r.categoryCode,
      categoryName: r.categoryName,
      divisionCode: r.divisionCode,
      divisionName: r.divisionName,
      divisionLevel: r.divisionLevel,
      unitCode: r.unitCode,
      unitName: r.unitName,
      unitKind: r.unitKind,
      unitKeyword: r.unitKeyword,
      role: r.role,
      note: r.note,
      active: r.active,
    }));
}

// ---------------------------------------------------------------------------
// Proposals

/** Loads what resolution needs for one case and resolves it. */
export async function proposeUnits(q: Queryable, input: { categoryCode: string; divisionCode: string }): Promise<Proposal> {
  const { categoryCode, divisionCode } = input;
  const chainCodes = divisionChain(divisionCode);
  const catCodes: string[] = [];
  for (let i = 2; i <= categoryCode.length; i += 2) catCodes.push(categoryCode.slice(0, i));
  const divs = await q.query<{ code: string; name: string }>(`SELECT code, name FROM divisions WHERE code = ANY($1::text[])`, [chainCodes]);
  const divNames = new Map(divs.map((d) => [d.code, d.name]));
  const cats = await q.query<{ code: string; name: string }>(`SELECT code, name FROM categories WHERE code = ANY($1::text[])`, [catCodes]);
  const rules = await q.query<Rule>(
    `SELECT id, no, category_code AS "categoryCode", division_code AS "divisionCode", division_level AS "divisionLevel", unit_id AS "unitId",
            unit_kind AS "unitKind", unit_keyword AS "unitKeyword", role, note, active
       FROM responsibility_rules
      WHERE active AND category_code = ANY($1::text[]) AND (division_code IS NULL OR division_code = ANY($2::text[]))`,
    [catCodes, chainCodes],
  );
  const named = [...new Set(rules.map((r) => r.unitId).filter((x): x is string => !!x))];
  const units = await q.query<UnitInfo>(
    `SELECT id, code, name, kind, division_codes AS "divisionCodes", active FROM units
      WHERE (active AND division_codes && $1::text[]) OR id = ANY($2::uuid[])`,
    [chainCodes, named],
  );
  return resolveResponsibility({
    categoryCode,
    categoryNames: Object.fromEntries(cats.map((c) => [c.code, c.name])),
    chain: chainCodes.map((code) => ({ code, name: divNames.get(code) ?? code })),
    rules,
    units,
  });
}

// ---------------------------------------------------------------------------
// The default list

/** The default list shipped with zhili (data/default-rules.json): by unit kind, name keyword and level, for the default categories. */
export function defaultRules(): RuleImportRow[] {
  return JSON.parse(readFileSync(new URL('./data/default-rules.json', import.meta.url), 'utf8'));
}

/**
 * Loads the default list into an empty rule table (a table with any rule,
 * even an inactive one, is left alone). Rules for categories the database does
 * not have are left out. Returns how many rules were created.
 */
export async function ensureDefaultResponsibilities(q: Queryable): Promise<number> {
  const any = await q.query(`SELECT 1 FROM responsibility_rules LIMIT 1`);
  if (any.length) return 0;
  const cats = new Set((await q.query<{ code: string }>(`SELECT code FROM categories`)).map((c) => c.code));
  let n = 0;
  for (const r of defaultRules()) {
    if (!cats.has(r.categoryCode)) continue;
    const { categoryName: _c, divisionName: _d, unitName: _u, updatedAt: _t, ...rule } = r;
    await upsertRule(q, rule);
    n++;
  }
  return n;
}
