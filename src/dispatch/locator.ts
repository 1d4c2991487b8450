import type { Db } from '../platform/db.ts';
import type { Locator } from '../platform/context.ts';
import { GridIndex, type GridShape } from './grid-index.ts';

/** Keeps a grid index of the database's grids, rebuilt when grids change. */
export class GridLocator implements Locator {
  private index = new GridIndex([]);
  constructor(private readonly db: Db) {}

  async refresh(): Promise<void> {
    const rows = await this.db.query<GridShape>(`SELECT id, code, division_code AS "divisionCode", geometry FROM grids`);
    this.index = new GridIndex(rows);
  }

  locate(lng: number, lat: number) {
    const g = this.index.lookup(lng, lat);
    return g ? { gridId: g.id, divisionCode: g.divisionCode } : null;
  }
}
