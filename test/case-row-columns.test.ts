import { describe, expect, it } from 'vitest';
import { openDb } from '../src/platform/db.ts';
import { migrate } from '../src/platform/migrate.ts';
import { CASE_ROW_COLUMNS } from '../src/cases/store.ts';

// Writes hand back an explicit column list (not RETURNING *): a column added by a
// later migration must be added there too, or the engine would silently lose it.
describe('CASE_ROW_COLUMNS', () => {
  it('lists every column of cases except the search text, its tsvector and the geo cell', async () => {
    const db = await openDb('memory://');
    try {
      await migrate(db);
      const rows = await db.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns WHERE table_name = 'cases' AND table_schema = current_schema() ORDER BY ordinal_position`,
      );
      const expected = rows.map((r) => r.column_name).filter((c) => !['search_text', 'search_tsv', 'geo_cell'].includes(c));
      expect(CASE_ROW_COLUMNS.split(',').map((c) => c.trim())).toEqual(expected);
    } finally {
      await db.close();
    }
  });
});
