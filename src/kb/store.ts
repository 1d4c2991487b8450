/** Knowledge articles (知识库): SQL, validation and the shipped defaults. */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { v7 as uuidv7 } from 'uuid';
import type { Queryable } from '../platform/db.ts';
import { conflict, forbidden, invalid, notFound } from '../platform/errors.ts';
import { audit } from '../platform/audit.ts';
import type { Principal } from '../org/auth.ts';
import type { Role } from '../org/roles.ts';
import { inScope, seesEverything } from '../org/scope.ts';
import { buildTextQuery, wellFormed } from '../text/index.ts';
import { articleSearchText } from './search.ts';

/**
 * Who may write articles: the hotline's operators (they meet the questions),
 * supervisors (they check the answers) and admins. Everyone else on the staff
 * reads them.
 */
export const KB_WRITE_ROLES: readonly Role[] = ['admin', 'supervisor', 'operator'];

const TODAY = `(now() AT TIME ZONE 'Asia/Shanghai')::date`;
const VALID = (a: string) => `(${a}.active AND ${a}.valid_from <= ${TODAY} AND (${a}.valid_to IS NULL OR ${a}.valid_to >= ${TODAY}))`;

const CATEGORY_CODE = z.string().regex(/^\d{2}(\d{2}){0,4}$/, '分类代码为 2-10 位数字 (a category code of 2 to 10 digits)');
const DIVISION_CODE = z.string().regex(/^\d{2}(\d{2}(\d{2}(\d{3}(\d{3})?)?)?)?$/, '行政区划代码须为 2/4/6/9/12 位数字 (division code of 2, 4, 6, 9 or 12 digits)');
const DATE = z.iso.date('日期格式为 YYYY-MM-DD (a date as YYYY-MM-DD)');
// Repeats are dropped when written (dedupe), so the schemas stay plain JSON Schema for /docs.
const unique = <T extends z.ZodType<string>>(item: T, max: number) => z.array(item).max(max);
const dedupe = (xs: string[]) => [...new Set(xs.map(wellFormed))];
const text = <T extends string | null | undefined>(s: T): T => (typeof s === 'string' ? (wellFormed(s) as T) : s);

const FIELDS = {
  question: z.string().trim().min(2, '问题至少 2 个字 (at least 2 characters)').max(500),
  answer: z.string().trim().min(2, '答复至少 2 个字 (at least 2 characters)').max(20000),
  categoryCodes: unique(CATEGORY_CODE, 20).describe('事项分类; a parent code covers its branch; empty = any matter'),
  keywords: unique(z.string().trim().min(1).max(50), 30).describe('extra search words (synonyms, colloquial names), weighted like the question'),
  divisionCodes: unique(DIVISION_CODE, 50).describe('where the answer applies (division code prefixes); empty = everywhere'),
  source: z.string().trim().max(500).nullable().describe('政策依据: the document or office the answer rests on'),
  validFrom: DATE.describe('first day the answer is valid (Asia/Shanghai); default today'),
  validTo: DATE.nullable().describe('last day it is valid; null = open-ended'),
  active: z.boolean(),
};

const datesInOrder = (v: { validFrom?: string; validTo?: string | null }) => !v.validFrom || !v.validTo || v.validTo >= v.validFrom;
const DATES_MESSAGE = { message: '截止日期不能早于生效日期 (validTo must not be before validFrom)', path: ['validTo'] };

export const ARTICLE_CREATE = z
  .strictObject({
    question: FIELDS.question,
    answer: FIELDS.answer,
    categoryCodes: FIELDS.categoryCodes.default([]),
    keywords: FIELDS.keywords.default([]),
    divisionCodes: FIELDS.divisionCodes.optional().describe('where the answer applies; default: the writer\'s jurisdiction (everywhere for a global writer)'),
    source: FIELDS.source.optional(),
    validFrom: FIELDS.validFrom.optional(),
    validTo: FIELDS.validTo.optional(),
  })
  .refine(datesInOrder, DATES_MESSAGE);
export type ArticleCreate = z.infer<typeof ARTICLE_CREATE>;

export const ARTICLE_UPDATE = z
  .strictObject({
    question: FIELDS.question.optional(),
    answer: FIELDS.answer.optional(),
    categoryCodes: FIELDS.categoryCodes.optional(),
    keywords: FIELDS.keywords.optional(),
    divisionCodes: FIELDS.divisionCodes.optional(),
    source: FIELDS.source.optional(),
    validFrom: FIELDS.validFrom.optional(),
    validTo: FIELDS.validTo.optional(),
    active: FIELDS.active.optional().describe('false withdraws the article (as DELETE does); true restores it'),
    version: z.number().int().min(1).optional().describe('the version read; a stale one is refused with 409'),
  })
  .refine(datesInOrder, DATES_MESSAGE);
export type ArticleUpdate = z.infer<typeof ARTICLE_UPDATE>;

export const ARTICLE_SEARCH = z.strictObject({
  q: z.string().trim().max(200).optional().describe('words of the question; segmented, all must match (else any), ranked'),
  categoryCode: CATEGORY_CODE.optional().describe('articles of this category, its branch or its parents'),
  divisionCode: DIVISION_CODE.optional().describe('articles that apply in this division (or inside it); default: the caller\'s jurisdiction'),
  include: z.enum(['valid', 'all']).default('valid').describe('valid: active and within their dates today (default); all: also expired, future and withdrawn'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(10000).default(0),
});
export type ArticleSearch = z.infer<typeof ARTICLE_SEARCH>;

interface ArticleRow {
  id: string;
  question: string;
  answer: string;
  category_codes: string[];
  keywords: string[];
  division_codes: string[];
  source: string | null;
  valid_from: string;
  valid_to: string | null;
  active: boolean;
  valid: boolean;
  created_by: string | null;
  updated_by: string | null;
  created_at: Date;
  updated_at: Date;
  version: number;
  rank?: number;
}

const SELECT = `SELECT a.id, a.question, a.answer, a.category_codes, a.keywords, a.division_codes, a.source,
  a.valid_from::text AS valid_from, a.valid_to::text AS valid_to, a.active, ${VALID('a')} AS valid,
  a.created_by, a.updated_by, a.created_at, a.updated_at, a.version`;

export function articleView(r: ArticleRow) {
  return {
    id: r.id,
    question: r.question,
    answer: r.answer,
    categoryCodes: r.category_codes,
    keywords: r.keywords,
    divisionCodes: r.division_codes,
    source: r.source,
    validFrom: r.valid_from,
    validTo: r.valid_to,
    active: r.active,
    /** Active and within its dates today: may be cited. */
    valid: r.valid,
    createdBy: r.created_by,
    updatedBy: r.updated_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    version: r.version,
    ...(r.rank !== undefined ? { rank: r.rank } : {}),
  };
}
export type ArticleView = ReturnType<typeof articleView>;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An article's divisions overlap these codes (one is a prefix of the other); no divisions = everywhere. */
function overlaps(alias: string, codesParam: string): string {
  return `(cardinality(${alias}.division_codes) = 0 OR EXISTS (SELECT 1 FROM unnest(${alias}.division_codes) d, unnest(${codesParam}::text[]) s
    WHERE starts_with(d, s) OR starts_with(s, d)))`;
}

export async function searchArticles(q: Queryable, p: Principal, f: ArticleSearch): Promise<{ items: ArticleView[]; terms: string[]; mode: 'all' | 'any' | null }> {
  const params: unknown[] = [];
  const where: string[] = [];
  if (f.include === 'valid') where.push(VALID('a'));
  if (f.categoryCode) {
    const n = params.push(f.categoryCode);
    where.push(`EXISTS (SELECT 1 FROM unnest(a.category_codes) k WHERE starts_with(k, $${n}) OR starts_with($${n}, k))`);
  }
  const places = f.divisionCode ? [f.divisionCode] : seesEverything(p) ? null : p.scopeCodes;
  if (places) where.push(overlaps('a', `$${params.push(places)}`));

  const page = `LIMIT ${f.limit} OFFSET ${f.offset}`;
  if (f.q === undefined || f.q === '') {
    const rows = await q.query<ArticleRow>(
      `${SELECT} FROM kb_articles a ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY a.updated_at DESC, a.id DESC ${page}`,
      params,
    );
    return { items: rows.map(articleView), terms: [], mode: null };
  }
  const tq = buildTextQuery(f.q);
  if (!tq) return { items: [], terms: [], mode: null };
  const filters = where.length ? `${where.join(' AND ')} AND ` : '';
  // Every word, unless no article (with these filters) has them all: then any word.
  let mode: 'all' | 'any' = 'all';
  if (tq.any !== tq.all) {
    const ps = [...params];
    const m = ps.push(tq.all);
    const hit = await q.query<{ hit: boolean }>(`SELECT EXISTS (SELECT 1 FROM kb_articles a WHERE ${filters}a.search_tsv @@ to_tsquery('simple', $${m}::text)) AS hit`, ps);
    if (!hit[0].hit) mode = 'any';
  }
  const m = params.push(mode === 'all' ? tq.all : tq.any);
  const rows = await q.query<ArticleRow>(
    `${SELECT}, ts_rank_cd(a.search_tsv, to_tsquery('simple', $${m}::text)) AS rank
       FROM kb_articles a WHERE ${filters}a.search_tsv @@ to_tsquery('simple', $${m}::text)
      ORDER BY rank DESC, a.updated_at DESC, a.id DESC ${page}`,
    params,
  );
  return { items: rows.map(articleView), terms: tq.terms, mode };
}

export async function getArticle(q: Queryable, id: string): Promise<ArticleView> {
  if (!UUID_RE.test(id)) throw notFound('article');
  const rows = await q.query<ArticleRow>(`${SELECT} FROM kb_articles a WHERE a.id = $1`, [id]);
  if (!rows[0]) throw notFound('article');
  return articleView(rows[0]);
}

/**
 * The article an operator cites when closing a consultation directly: only an
 * active article within its dates today (and, given the case's division, one
 * that applies there). Undefined otherwise, including for a malformed id.
 */
export async function getArticleForCitation(
  q: Queryable,
  id: string,
  opts: { divisionCode?: string | null } = {},
): Promise<{ id: string; question: string; answer: string } | undefined> {
  if (typeof id !== 'string' || !UUID_RE.test(id)) return undefined;
  const params: unknown[] = [id];
  let where = `a.id = $1 AND ${VALID('a')}`;
  if (opts.divisionCode) where += ` AND ${overlaps('a', `$${params.push([opts.divisionCode])}`)}`;
  const rows = await q.query<{ id: string; question: string; answer: string }>(`SELECT a.id, a.question, a.answer FROM kb_articles a WHERE ${where}`, params);
  return rows[0];
}

/** Category codes must name categories; reported by index, as the API names them. */
async function checkCategories(q: Queryable, codes: string[]): Promise<void> {
  if (!codes.length) return;
  const found = await q.query<{ code: string }>(`SELECT code FROM categories WHERE code = ANY ($1::text[])`, [codes]);
  const ok = new Set(found.map((r) => r.code));
  const bad = codes.findIndex((c) => !ok.has(c));
  if (bad >= 0) throw invalid(`categoryCodes.${bad}`, '事项分类不存在 (no such category)');
}

/** Division codes must exist and lie in the writer's jurisdiction; "everywhere" (none) is for global writers. */
async function checkDivisions(q: Queryable, p: Principal, codes: string[]): Promise<void> {
  if (!codes.length) {
    if (!seesEverything(p)) throw forbidden('divisionCodes: 适用于全部地区的知识需由全局管理员维护 (an article for everywhere needs a global writer; name your divisions)');
    return;
  }
  const outside = codes.findIndex((c) => !inScope(p, c));
  if (outside >= 0) throw forbidden(`divisionCodes.${outside}: ${codes[outside]} 不在您的管辖范围内 (outside your jurisdiction)`);
  const found = await q.query<{ code: string }>(`SELECT code FROM divisions WHERE code = ANY ($1::text[])`, [codes]);
  const ok = new Set(found.map((r) => r.code));
  const bad = codes.findIndex((c) => !ok.has(c));
  if (bad >= 0) throw invalid(`divisionCodes.${bad}`, '行政区划不存在 (no such division)');
}

/** The writer's own jurisdiction as an article's default divisions (none for a global writer: everywhere). */
function defaultDivisions(p: Principal): string[] {
  return seesEverything(p) ? [] : p.scopeCodes.filter((c) => c !== '*');
}

async function loadForWrite(q: Queryable, p: Principal, id: string): Promise<ArticleRow> {
  if (!UUID_RE.test(id)) throw notFound('article');
  const rows = await q.query<ArticleRow>(`${SELECT} FROM kb_articles a WHERE a.id = $1 FOR UPDATE`, [id]);
  const row = rows[0];
  if (!row) throw notFound('article');
  const mine = row.division_codes.length ? row.division_codes.every((c) => inScope(p, c)) : seesEverything(p);
  if (!mine) throw forbidden('该知识不在您的管辖范围内 (the article applies outside your jurisdiction)');
  return row;
}

export async function createArticle(q: Queryable, p: Principal, input: ArticleCreate, ip?: string): Promise<ArticleView> {
  input = { ...input, question: text(input.question), answer: text(input.answer), source: text(input.source), categoryCodes: dedupe(input.categoryCodes), keywords: dedupe(input.keywords) };
  const divisionCodes = dedupe(input.divisionCodes ?? defaultDivisions(p));
  await checkCategories(q, input.categoryCodes);
  await checkDivisions(q, p, divisionCodes);
  const today = (await q.query<{ d: string }>(`SELECT ${TODAY}::text AS d`))[0].d;
  const validFrom = input.validFrom ?? today;
  if (input.validTo && input.validTo < validFrom) throw invalid('validTo', DATES_MESSAGE.message);
  const id = uuidv7();
  await q.query(
    `INSERT INTO kb_articles (id, question, answer, category_codes, keywords, division_codes, source, valid_from, valid_to, search_text, created_by, updated_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)`,
    [id, input.question, input.answer, input.categoryCodes, input.keywords, divisionCodes, input.source ?? null, validFrom, input.validTo ?? null, articleSearchText(input), p.id],
  );
  await audit(q, { userId: p.id, action: 'kb_article_create', entity: 'kb_article', entityId: id, detail: { question: input.question }, ip });
  return getArticle(q, id);
}

export async function updateArticle(q: Queryable, p: Principal, id: string, input: ArticleUpdate, ip?: string): Promise<ArticleView> {
  const row = await loadForWrite(q, p, id);
  if (input.version !== undefined && input.version !== row.version) {
    throw conflict(`知识已被他人修改 (the article is at version ${row.version}, not ${input.version}); reload and retry`, [{ field: 'version', message: 'stale' }], {
      currentVersion: row.version,
    });
  }
  const next = {
    question: text(input.question) ?? row.question,
    answer: text(input.answer) ?? row.answer,
    categoryCodes: input.categoryCodes ? dedupe(input.categoryCodes) : row.category_codes,
    keywords: input.keywords ? dedupe(input.keywords) : row.keywords,
    divisionCodes: input.divisionCodes ? dedupe(input.divisionCodes) : row.division_codes,
    source: input.source === undefined ? row.source : text(input.source),
    validFrom: input.validFrom ?? row.valid_from,
    validTo: input.validTo === undefined ? row.valid_to : input.validTo,
    active: input.active ?? row.active,
  };
  if (input.categoryCodes) await checkCategories(q, next.categoryCodes);
  if (input.divisionCodes) await checkDivisions(q, p, next.divisionCodes);
  if (next.validTo && next.validTo < next.validFrom) throw invalid('validTo', DATES_MESSAGE.message);
  await q.query(
    `UPDATE kb_articles SET question = $2, answer = $3, category_codes = $4, keywords = $5, division_codes = $6, source = $7,
            valid_from = $8, valid_to = $9, active = $10, search_text = $11, updated_by = $12, updated_at = now(), version = version + 1
      WHERE id = $1`,
    [id, next.question, next.answer, next.categoryCodes, next.keywords, next.divisionCodes, next.source, next.validFrom, next.validTo, next.active, articleSearchText(next), p.id],
  );
  const changed = Object.keys(input).filter((k) => k !== 'version');
  await audit(q, { userId: p.id, action: 'kb_article_update', entity: 'kb_article', entityId: id, detail: { fields: changed }, ip });
  return getArticle(q, id);
}

/** Withdraws an article (soft: active = false); its citations in case timelines still resolve. */
export async function deactivateArticle(q: Queryable, p: Principal, id: string, ip?: string): Promise<ArticleView> {
  const row = await loadForWrite(q, p, id);
  if (row.active) {
    await q.query(`UPDATE kb_articles SET active = false, updated_by = $2, updated_at = now(), version = version + 1 WHERE id = $1`, [id, p.id]);
    await audit(q, { userId: p.id, action: 'kb_article_delete', entity: 'kb_article', entityId: id, ip });
  }
  return getArticle(q, id);
}

export interface DefaultArticle {
  question: string;
  answer: string;
  categoryCodes?: string[];
  keywords?: string[];
  source?: string;
}

export function defaultArticles(): DefaultArticle[] {
  return JSON.parse(readFileSync(new URL('./data/articles.json', import.meta.url), 'utf8')) as DefaultArticle[];
}

/**
 * Loads the shipped articles into an empty knowledge base (applying
 * everywhere, valid from 2024-01-01, open-ended). Category codes that the
 * category table lacks are dropped. Returns how many were added.
 */
export async function ensureDefaultArticles(q: Queryable): Promise<number> {
  const any = await q.query(`SELECT 1 FROM kb_articles LIMIT 1`);
  if (any.length) return 0;
  const articles = defaultArticles();
  const known = new Set((await q.query<{ code: string }>(`SELECT code FROM categories`)).map((r) => r.code));
  const col = <T>(f: (a: DefaultArticle) => T) => articles.map(f);
  const rows = await q.query(
    `INSERT INTO kb_articles (id, question, answer, category_codes, keywords, source, valid_from, search_text)
     SELECT t.id, t.question, t.answer, ARRAY(SELECT jsonb_array_elements_text(t.cats)), ARRAY(SELECT jsonb_array_elements_text(t.kws)),
            t.source, DATE '2024-01-01', t.search_text
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[], $5::jsonb[], $6::text[], $7::text[]) AS t(id, question, answer, cats, kws, source, search_text)
     RETURNING id`,
    [
      col(() => uuidv7()),
      col((a) => a.question),
      col((a) => a.answer),
      col((a) => JSON.stringify((a.categoryCodes ?? []).filter((c) => known.has(c)))),
      col((a) => JSON.stringify(a.keywords ?? [])),
      col((a) => a.source ?? null),
      col((a) => articleSearchText({ question: a.question, keywords: a.keywords, answer: a.answer })),
    ],
  );
  return rows.length;
}
