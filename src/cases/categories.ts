import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Queryable } from '../platform/db.ts';

export const CATEGORY_INPUT = z.strictObject({
  code: z.string().regex(/^(\d{2})+$/, '分类代码为每级 2 位数字 (2 digits per level)').max(12),
  name: z.string().min(1).max(100),
  sort: z.number().int().default(0),
  active: z.boolean().default(true),
});
export type CategoryInput = z.input<typeof CATEGORY_INPUT>;

/** Parent of a category code: drop the last two digits. */
export const categoryParent = (code: string) => (code.length > 2 ? code.slice(0, -2) : null);

export async function upsertCategories(q: Queryable, rows: CategoryInput[]): Promise<number> {
  const sorted = rows.map((r) => CATEGORY_INPUT.parse(r)).sort((a, b) => a.code.length - b.code.length || (a.code < b.code ? -1 : 1));
  for (const c of sorted) {
    await q.query(
      `INSERT INTO categories (code, name, parent_code, level, sort, active) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, sort = EXCLUDED.sort, active = EXCLUDED.active`,
      [c.code, c.name, categoryParent(c.code), c.code.length / 2, c.sort, c.active],
    );
  }
  return sorted.length;
}

/** The default 12345 category tree shipped with zhili (src/cases/data/categories.json). */
export function defaultCategories(): CategoryInput[] {
  return JSON.parse(readFileSync(new URL('./data/categories.json', import.meta.url), 'utf8'));
}
