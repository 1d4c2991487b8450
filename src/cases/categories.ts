import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Queryable } from '../platform/db.ts';
import { invalid } from '../platform/errors.ts';

export const CATEGORY_INPUT = z.strictObject({
  code: z.string().regex(/^(\d{2})+$/, '分类代码为每级 2 位数字 (2 digits per level)').max(12, '分类最多 6 级 (at most 6 levels)'),
  name: z.string().trim().min(1, '请填写分类名称 (a name is required)').max(100, '分类名称最多 100 字 (at most 100 characters)'),
  sort: z.number().int().min(0).max(100000).default(0),
  active: z.boolean().default(true),
});
export type CategoryInput = z.input<typeof CATEGORY_INPUT>;

/** Parent of a category code: drop the last two digits. */
export const categoryParent = (code: string) => (code.length > 2 ? code.slice(0, -2) : null);

/**
 * Creates or changes categories (never deletes: cases keep their codes).
 * A child needs its parent, in the table or in the same batch; otherwise the
 * row is refused naming `<index>.code`, as the body's own validation does.
 * Deactivating a category deactivates its whole branch, so no active child
 * hangs under an inactive parent (the pickers would show it as a root).
 */
export async function upsertCategories(q: Queryable, rows: CategoryInput[]): Promise<number> {
  const parsed = rows.map((r, index) => ({ index, c: CATEGORY_INPUT.parse(r) }));
  const batch = new Set(parsed.map((p) => p.c.code));
  const parents = [...new Set(parsed.map((p) => categoryParent(p.c.code)).filter((p): p is string => !!p && !batch.has(p)))];
  if (parents.length) {
    const have = new Set((await q.query<{ code: string }>(`SELECT code FROM categories WHERE code = ANY ($1)`, [parents])).map((r) => r.code));
    const orphan = parsed.find((p) => {
      const parent = categoryParent(p.c.code);
      return parent && !batch.has(parent) && !have.has(parent);
    });
    if (orphan) throw invalid(`${orphan.index}.code`, `上级分类 ${categoryParent(orphan.c.code)} 不存在 (no parent category ${categoryParent(orphan.c.code)})`);
  }
  const sorted = parsed.map((p) => p.c).sort((a, b) => a.code.length - b.code.length || (a.code < b.code ? -1 : 1));
  for (const c of sorted) {
    await q.query(
      `INSERT INTO categories (code, name, parent_code, level, sort, active) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, sort = EXCLUDED.sort, active = EXCLUDED.active`,
      [c.code, c.name, categoryParent(c.code), c.code.length / 2, c.sort, c.active],
    );
  }
  for (const c of sorted) {
    if (!c.active) await q.query(`UPDATE categories SET active = false WHERE left(code, $2) = $1 AND code <> $1 AND active`, [c.code, c.code.length]);
  }
  return sorted.length;
}

/** The default 12345 category tree shipped with zhili (src/cases/data/categories.json). */
export function defaultCategories(): CategoryInput[] {
  return JSON.parse(readFileSync(new URL('./data/categories.json', import.meta.url), 'utf8'));
}
