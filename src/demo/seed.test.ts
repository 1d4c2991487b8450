import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { TEST_DATABASES } from '../../test/helpers.ts';
import type { Db } from '../platform/db.ts';
import { migrate } from '../platform/migrate.ts';
import { defaultCategories, upsertCategories } from '../cases/categories.ts';
import { ACTIONS, STATUSES } from '../cases/lifecycle.ts';
import { ROLES } from '../org/roles.ts';
import { DIVISION_LEVEL_BY_LENGTH, parentCode, type Geometry } from '../org/store.ts';
import { authenticate } from '../org/auth.ts';
import { GridIndex, polygonContains } from '../dispatch/grid-index.ts';
import { verifyChains } from '../platform/chains.ts';
import { seedDemo, DEMO_STREETS, GRID_BOX, DEMO_CITIZEN_PHONE, type DemoAccount } from './seed.ts';
import { mulberry32 } from './geo.ts';
import { parseCsvLine } from './divisions.ts';

describe('csv lines', () => {
  it('splits quoted and plain fields', () => {
    expect(parseCsvLine('430602005,"东茅岭街道",430602,43,4306')).toEqual(['430602005', '东茅岭街道', '430602', '43', '4306']);
    expect(parseCsvLine('1,"a ""b"", c",')).toEqual(['1', 'a "b", c', '']);
  });
});

describe.each(TEST_DATABASES)('demo seed on $name', (tdb) => {
  let db: Db;
  let accounts: DemoAccount[];

  beforeAll(async () => {
    db = await tdb.open();
    await migrate(db);
    await db.tx((q) => upsertCategories(q, defaultCategories()));
    // A stand-in for a stamp the database writes with its own clock (now()): the seed must move it to its step's time.
    await db.exec(`
      ALTER TABLE cases ADD COLUMN probe_dispatched_at timestamptz;
      CREATE FUNCTION probe_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.status = 'dispatched' AND OLD.status IS DISTINCT FROM 'dispatched' THEN
          NEW.probe_dispatched_at := now();
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER probe_stamp BEFORE UPDATE ON cases FOR EACH ROW EXECUTE FUNCTION probe_stamp();`);
    accounts = await seedDemo(db);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('loads the real divisions of 岳阳市 with levels and parents', async () => {
    const rows = await db.query<{ code: string; name: string; level: number; parent_code: string | null }>(
      `SELECT code, name, level, parent_code FROM divisions WHERE code LIKE '43%' ORDER BY code`,
    );
    const byCode = new Map(rows.map((r) => [r.code, r]));
    expect(byCode.get('43')?.name).toBe('湖南省');
    expect(byCode.get('4306')).toMatchObject({ name: '岳阳市', level: 2, parent_code: '43' });
    expect(byCode.get('430602')).toMatchObject({ name: '岳阳楼区', level: 3, parent_code: '4306' });
    expect(byCode.get('430602005')).toMatchObject({ name: '东茅岭街道', level: 4, parent_code: '430602' });
    for (const r of rows) {
      expect(r.level).toBe(DIVISION_LEVEL_BY_LENGTH[r.code.length]);
      expect(r.parent_code).toBe(parentCode(r.code));
      if (r.parent_code) expect(byCode.has(r.parent_code)).toBe(true);
    }
    const count = (len: number) => rows.filter((r) => r.code.length === len).length;
    expect(count(6)).toBeGreaterThanOrEqual(9);
    expect(count(9)).toBeGreaterThan(100);
    expect(count(12)).toBeGreaterThan(1500);
    expect(rows.filter((r) => r.code.startsWith('430602005') && r.code.length === 12).length).toBeGreaterThanOrEqual(3);
  });

  it('creates units of every kind a county needs', async () => {
    const units = await db.query<{ code: string; name: string; kind: string; parent_code: string | null; division_codes: string[] }>(
      `SELECT u.code, u.name, u.kind, p.code AS parent_code, u.division_codes FROM units u LEFT JOIN units p ON p.id = u.parent_id`,
    );
    const kinds = new Set(units.map((u) => u.kind));
    for (const k of ['hotline_centre', 'command_centre', 'department', 'township_office', 'police_station', 'police_command', 'court', 'mediation_committee']) {
      expect(kinds, k).toContain(k);
    }
    const names = units.map((u) => u.name);
    expect(names).toContain('岳阳市12345热线中心');
    expect(names).toContain('岳阳楼区人民法院');
    expect(names.some((n) => n.includes('诉源治理工作站'))).toBe(true);
    // Every township/street of 岳阳楼区 has its office.
    const streets = await db.query<{ code: string }>(`SELECT code FROM divisions WHERE parent_code = '430602'`);
    const offices = units.filter((u) => u.kind === 'township_office');
    for (const s of streets) expect(offices.some((o) => o.division_codes.includes(s.code)), s.code).toBe(true);
    // District departments sit under their city department.
    const districtDepts = units.filter((u) => u.kind === 'department' && u.division_codes.includes('430602'));
    expect(districtDepts.length).toBeGreaterThanOrEqual(5);
    for (const d of districtDepts) expect(units.find((u) => u.code === d.parent_code)?.division_codes).toContain('4306');
  });

  it('has a demo user for every role, and the demo citizen', async () => {
    const users = await db.query<{ username: string; roles: string[]; scope_codes: string[]; phone: string | null }>(`SELECT username, roles, scope_codes, phone FROM users`);
    for (const role of ROLES) expect(users.some((u) => u.roles.includes(role)), role).toBe(true);
    const by = new Map(users.map((u) => [u.username, u]));
    for (const name of ['admin', 'operator', 'dispatcher', 'handler', 'township', 'gridworker', 'police', 'mediator', 'supervisor', 'leader']) {
      expect(by.has(name), name).toBe(true);
    }
    expect(by.get('admin')!.scope_codes).toEqual(['*']);
    expect(by.get('operator')!.scope_codes).toEqual(['4306']);
    expect(by.get('township')!.scope_codes).toEqual(['430602005']);
    expect(by.get('gridworker')!.scope_codes[0]).toMatch(/^430602005\d{3}$/);
    expect(by.get('handler')!.scope_codes).toEqual([]);
    expect(by.get(`citizen:${DEMO_CITIZEN_PHONE}`)).toMatchObject({ roles: ['citizen'], phone: DEMO_CITIZEN_PHONE });
  });

  it('returns accounts that can sign in with their roles', async () => {
    expect(accounts.length).toBeGreaterThanOrEqual(10);
    for (const a of accounts) {
      const p = await authenticate(db, a.username, a.password);
      expect(p, a.username).toBeDefined();
      expect(p!.roles).toContain(a.role);
    }
    expect(await authenticate(db, 'admin', 'wrong-password')).toBeUndefined();
  });

  it('tiles the demo streets with valid grids that neither overlap nor leave gaps', async () => {
    const grids = await db.query<{ id: string; code: string; divisionCode: string; geometry: Geometry; worker_user_id: string | null; households: number; population: number }>(
      `SELECT id, code, division_code AS "divisionCode", geometry, worker_user_id, households, population FROM grids`,
    );
    expect(grids.length).toBeGreaterThanOrEqual(40);
    expect(grids.length).toBeLessThanOrEqual(120);
    expect(grids.some((g) => g.worker_user_id)).toBe(true);
    const [x0, y0, x1, y1] = GRID_BOX;
    let area = 0;
    for (const g of grids) {
      expect(g.code).toBe(`G${g.divisionCode}-${g.code.slice(-2)}`);
      expect(DEMO_STREETS.some((s) => g.divisionCode.startsWith(s) && g.divisionCode.length === 12)).toBe(true);
      expect(g.households).toBeGreaterThan(0);
      expect(g.population).toBeGreaterThan(g.households);
      expect(g.geometry.type).toBe('Polygon');
      const ring = g.geometry.coordinates[0] as number[][];
      expect(ring.length).toBeGreaterThanOrEqual(5);
      expect(ring[0]).toEqual(ring[ring.length - 1]);
      let a = 0;
      for (let i = 0; i + 1 < ring.length; i++) {
        const [px, py] = ring[i];
        expect(px >= x0 && px <= x1 && py >= y0 && py <= y1).toBe(true);
        a += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
      }
      expect(a, `${g.code} is counter-clockwise`).toBeGreaterThan(0);
      area += a / 2;
    }
    // The areas add up to the box exactly: with no overlaps (below) that means no gaps.
    expect(area).toBeCloseTo((x1 - x0) * (y1 - y0), 9);
    const rng = mulberry32(7);
    for (let i = 0; i < 3000; i++) {
      const x = x0 + rng() * (x1 - x0);
      const y = y0 + rng() * (y1 - y0);
      const hits = grids.map((g) => polygonContains(g.geometry.coordinates as number[][][], x, y));
      const inside = hits.filter((h) => h === 1).length;
      const border = hits.some((h) => h === -1);
      if (border) expect(inside).toBe(0);
      else expect(inside, `${x},${y}`).toBe(1);
    }
  });

  it('outlines every street and community with grids by the union of its grids', async () => {
    const rows = await db.query<{ code: string; geometry: Geometry }>(`SELECT code, geometry FROM divisions WHERE geometry IS NOT NULL ORDER BY code`);
    const withGrids = await db.query<{ code: string }>(`SELECT DISTINCT division_code AS code FROM grids`);
    const expected = [...new Set([...withGrids.map((g) => g.code), ...DEMO_STREETS])].sort();
    expect(rows.map((r) => r.code)).toEqual(expected);
    const grids = await db.query<{ divisionCode: string; geometry: Geometry }>(`SELECT division_code AS "divisionCode", geometry FROM grids`);
    const rng = mulberry32(11);
    for (const r of rows) {
      expect(['Polygon', 'MultiPolygon']).toContain(r.geometry.type);
      const polys = (r.geometry.type === 'Polygon' ? [r.geometry.coordinates] : r.geometry.coordinates) as number[][][][];
      // A point is inside the outline exactly when it is inside one of the division's grids.
      const own = grids.filter((g) => g.divisionCode.startsWith(r.code));
      const [x0, y0, x1, y1] = GRID_BOX;
      for (let i = 0; i < 200; i++) {
        const x = x0 + rng() * (x1 - x0);
        const y = y0 + rng() * (y1 - y0);
        const inGrid = own.map((g) => polygonContains(g.geometry.coordinates as number[][][], x, y));
        const inOutline = polys.map((p) => polygonContains(p, x, y));
        if (inGrid.includes(-1) || inOutline.includes(-1)) continue;
        expect(inOutline.includes(1), `${r.code} at ${x},${y}`).toBe(inGrid.includes(1));
      }
    }
  });

  it('has work orders in every state, each placed in the grid it points at', async () => {
    const rows = await db.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM cases GROUP BY status`);
    const n = new Map(rows.map((r) => [r.status, r.n]));
    for (const s of STATUSES) expect(n.get(s) ?? 0, s).toBeGreaterThan(0);
    const total = [...n.values()].reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(250);

    const grids = await db.query<{ id: string; code: string; divisionCode: string; geometry: Geometry }>(
      `SELECT id, code, division_code AS "divisionCode", geometry FROM grids`,
    );
    const index = new GridIndex(grids);
    const placed = await db.query<{ lng: number; lat: number; grid_id: string; division_code: string }>(
      `SELECT lng, lat, grid_id, division_code FROM cases WHERE lng IS NOT NULL`,
    );
    expect(placed.length).toBeGreaterThan(100);
    for (const c of placed) {
      const g = index.lookup(c.lng, c.lat);
      expect(g?.id).toBe(c.grid_id);
      expect(c.division_code).toBe(g?.divisionCode);
    }
    const leftovers = await db.query(`SELECT no FROM cases WHERE title ~ '[{}]' OR description ~ '[{}]' OR coalesce(reply, '') ~ '[{}]' OR address ~ '[{}]'`);
    expect(leftovers).toEqual([]);
    const types = await db.query<{ type: string }>(`SELECT DISTINCT type FROM cases`);
    expect(types.length).toBe(6);
    const channels = await db.query<{ channel: string }>(`SELECT DISTINCT channel FROM cases`);
    expect(channels.length).toBe(7);
  });

  it('keeps every timeline consistent with its case: replay, versions, times, numbers', async () => {
    const bad = await db.query<{ no: string; why: string }>(
      `WITH ev AS (
         SELECT case_id, count(*)::int AS n, max(seq) AS max_seq, min(at) AS first_at, max(at) AS last_at,
                (array_agg(to_status ORDER BY seq DESC))[1] AS last_status,
                bool_and(prev_at IS NULL OR at > prev_at) AS ordered,
                max(at) FILTER (WHERE action IN ('close', 'close_directly')) AS closed_at
           FROM (SELECT *, lag(at) OVER (PARTITION BY case_id ORDER BY seq) AS prev_at FROM case_events) e
          GROUP BY case_id)
       SELECT c.no, concat_ws(',',
                CASE WHEN ev.last_status <> c.status THEN 'replay' END,
                CASE WHEN ev.max_seq <> c.version OR ev.n <> c.version THEN 'version' END,
                CASE WHEN NOT ev.ordered THEN 'order' END,
                CASE WHEN ev.first_at <> c.created_at OR ev.last_at <> c.updated_at THEN 'times' END,
                CASE WHEN c.closed_at IS DISTINCT FROM (CASE WHEN c.status IN ('closed', 'rated') THEN ev.closed_at END) THEN 'closed_at' END,
                CASE WHEN left(c.no, 8) <> to_char(c.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') THEN 'no' END,
                CASE WHEN c.updated_at > now() OR c.created_at < now() - interval '60 days 1 hour' THEN 'range' END) AS why
         FROM cases c JOIN ev ON ev.case_id = c.id
        WHERE ev.last_status <> c.status OR ev.max_seq <> c.version OR ev.n <> c.version OR NOT ev.ordered
           OR ev.first_at <> c.created_at OR ev.last_at <> c.updated_at
           OR c.closed_at IS DISTINCT FROM (CASE WHEN c.status IN ('closed', 'rated') THEN ev.closed_at END)
           OR left(c.no, 8) <> to_char(c.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD')
           OR c.updated_at > now() OR c.created_at < now() - interval '60 days 1 hour'`,
    );
    expect(bad).toEqual([]);
    const [{ missing }] = await db.query<{ missing: number }>(`SELECT count(*)::int AS missing FROM cases c WHERE NOT EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id)`);
    expect(missing).toBe(0);
    // The history spans weeks, and the append-only guard is back on.
    const [{ days }] = await db.query<{ days: number }>(`SELECT extract(day FROM now() - min(created_at))::int AS days FROM cases`);
    expect(days).toBeGreaterThanOrEqual(45);
    await expect(db.query(`UPDATE case_events SET comment = 'x' WHERE seq = 1`)).rejects.toThrow(/append-only/);
    // The seed's own reads are not in the audit log.
    const [{ reads }] = await db.query<{ reads: number }>(`SELECT count(*)::int AS reads FROM audit_log WHERE action = 'read_personal_data'`);
    expect(reads).toBe(0);
  });

  it('leaves every hash chain whole after moving the timelines back (case events rechained)', async () => {
    const r = await verifyChains(db);
    expect(r.breaks).toEqual([]);
    expect(r.tables.find((t) => t.table === 'case_events')!.rows).toBeGreaterThan(0);
  });

  it('puts what the database stamped at each step on that step\'s time', async () => {
    const rows = await db.query<{ no: string; stamp: Date; at: Date }>(
      `SELECT c.no, c.probe_dispatched_at AS stamp,
              (SELECT e.at FROM case_events e WHERE e.case_id = c.id AND e.to_status = 'dispatched' AND e.from_status <> 'dispatched'
                ORDER BY e.seq DESC LIMIT 1) AS at
         FROM cases c WHERE c.probe_dispatched_at IS NOT NULL`,
    );
    expect(rows.length).toBeGreaterThan(100);
    for (const r of rows) {
      expect(new Date(r.stamp).getTime(), r.no).toBe(new Date(r.at).getTime());
    }
  });

  it('runs the time limits on the planned clock: stamps at their events, plausible warnings', async () => {
    const cols = await db.query<{ c: string }>(`SELECT column_name AS c FROM information_schema.columns WHERE table_name = 'cases'`);
    const has = new Set(cols.map((r) => r.c));
    if (!has.has('dispatched_at') || !has.has('due_at')) return; // time limits not installed
    const [r] = await db.query<{ n: number; far: number; open: number; overdue: number; future: number }>(
      `SELECT count(*)::int AS n,
              count(*) FILTER (WHERE abs(extract(epoch FROM c.dispatched_at - (SELECT max(e.at) FROM case_events e
                 WHERE e.case_id = c.id AND e.to_status = 'dispatched' AND e.from_status <> 'dispatched'))) > 1)::int AS far,
              count(*) FILTER (WHERE c.status IN ('registered', 'dispatched', 'accepted', 'in_progress', 'returned'))::int AS open,
              count(*) FILTER (WHERE c.status IN ('registered', 'dispatched', 'accepted', 'in_progress', 'returned') AND c.due_at < now())::int AS overdue,
              count(*) FILTER (WHERE c.dispatched_at > now() OR c.clock_started_at < c.created_at - interval '1 second')::int AS future
         FROM cases c WHERE c.dispatched_at IS NOT NULL OR c.status = 'registered'`,
    );
    expect(r.far).toBe(0);
    expect(r.future).toBe(0);
    // Most open orders are within their limits; some are not (the demo shows yellow and red).
    expect(r.overdue).toBeLessThan(r.open * 0.5);
  });

  it('shows co-handling: assisting and summoned units answer at the times of their events', async () => {
    const kinds = await db.query<{ action: string }>(`SELECT DISTINCT action FROM case_events`);
    const actions = new Set(kinds.map((k) => k.action));
    const wanted = ['summon', 'report', 'assist_reply', 'arrive', 'request_extension', 'decide_extension', 'return', 'reopen', 'urge', 'supervise', 'merge', 'unmerge'];
    for (const a of wanted.filter((x) => (ACTIONS as readonly string[]).includes(x))) {
      expect(actions, a).toContain(a);
    }
    const rows = await db.query<{ answered_at: Date; event_at: Date | null; reported_at: Date | null; created_at: Date }>(
      `SELECT s.answered_at, s.reported_at, c.created_at,
              (SELECT max(e.at) FROM case_events e WHERE e.case_id = s.case_id AND e.action = 'assist_reply' AND e.actor_unit_id = s.unit_id) AS event_at
         FROM case_summons s JOIN cases c ON c.id = s.case_id WHERE s.answered_at IS NOT NULL`,
    );
    expect(rows.length).toBeGreaterThan(10);
    for (const r of rows) {
      expect(new Date(r.answered_at).getTime()).toBe(new Date(r.event_at!).getTime());
      expect(new Date(r.reported_at!).getTime()).toBeLessThanOrEqual(new Date(r.answered_at).getTime());
      expect(new Date(r.reported_at!).getTime()).toBeGreaterThan(new Date(r.created_at).getTime());
    }
  });

  it('gives the demo citizen orders to track and to rate', async () => {
    const rows = await db.query<{ status: string }>(
      `SELECT c.status FROM cases c JOIN users u ON u.id = c.reporter_user_id WHERE u.username = $1`,
      [`citizen:${DEMO_CITIZEN_PHONE}`],
    );
    const statuses = new Set(rows.map((r) => r.status));
    expect(statuses).toContain('closed');
    expect(statuses).toContain('rated');
    const [{ n }] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM case_events e JOIN users u ON u.id = e.actor_user_id WHERE e.action = 'rate' AND u.username = $1`,
      [`citizen:${DEMO_CITIZEN_PHONE}`],
    );
    expect(n).toBeGreaterThan(0);
  });

  // The registers' demo (registers.ts): disputes in every state, petitions, consistent timelines.
  it('has disputes and hazards in every state and petitions, each row at its last event\'s version', async () => {
    const states = await db.query<{ status: string }>(`SELECT DISTINCT status FROM disputes`);
    expect(states.map((r) => r.status).sort()).toEqual(['assigned', 'closed', 'failed', 'followed_up', 'mediating', 'referred', 'registered', 'resolved']);
    const [{ n, hazards }] = await db.query<{ n: number; hazards: number }>(`SELECT count(*)::int AS n, count(*) FILTER (WHERE kind = 'hazard')::int AS hazards FROM disputes`);
    expect(n).toBe(300);
    expect(hazards).toBeGreaterThan(10);
    const off = await db.query(
      `SELECT d.no FROM disputes d WHERE d.version <> (SELECT max(e.version) FROM entity_events e WHERE e.entity_type = 'dispute' AND e.entity_id = d.id)
       UNION ALL SELECT t.no FROM petitions t WHERE t.version <> (SELECT max(e.version) FROM entity_events e WHERE e.entity_type = 'petition' AND e.entity_id = t.id)`,
    );
    expect(off).toEqual([]);
    expect((await db.query(`SELECT 1 FROM petitions`)).length).toBe(40);
    expect((await db.query(`SELECT 1 FROM petitions WHERE repeat_of IS NOT NULL`)).length).toBeGreaterThan(0);
    expect((await db.query(`SELECT 1 FROM entity_clocks`)).length).toBeGreaterThan(0);
    expect(accounts.map((a) => a.role)).toContain('petition_officer');
  });

  // The key persons' demo (keypersons.ts): files with teams, measures, one visit overdue, links.
  it('has 30 key persons with their teams, visits on their clocks, one overdue, and files linked to cases and disputes', async () => {
    const [r] = await db.query<{ n: number; overdue: number; teamless: number; clocks: number; linked: number; off: number }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE visit_due_at < now())::int AS overdue,
              count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM keyperson_team t WHERE t.keyperson_id = k.id AND t.user_id IS NOT NULL))::int AS teamless,
              (SELECT count(*)::int FROM entity_clocks WHERE entity_type = 'keyperson') AS clocks,
              (SELECT count(DISTINCT keyperson_id)::int FROM keyperson_cases) AS linked,
              count(*) FILTER (WHERE k.version <> (SELECT max(e.version) FROM entity_events e WHERE e.entity_type = 'keyperson' AND e.entity_id = k.id))::int AS off
         FROM keypersons k`,
    );
    expect(r).toMatchObject({ n: 30, overdue: 1, teamless: 0, clocks: 30, off: 0 });
    expect(r.linked).toBeGreaterThan(0);
  });

  // The target task demo (tasks.ts): every status, some behind, one review missed, rows at their last event's version.
  it('has a target task list with tasks in every status, some behind, and a missed review', async () => {
    const rows = await db.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM tasks GROUP BY status`);
    expect(rows.map((r) => r.status).sort()).toEqual(['behind', 'done', 'done_continuing', 'not_started', 'on_schedule']);
    expect(rows.reduce((a, r) => a + r.n, 0)).toBe(30);
    expect(rows.find((r) => r.status === 'behind')!.n).toBeGreaterThanOrEqual(2);
    expect((await db.query(`SELECT 1 FROM tasks WHERE reviews_missed > 0 AND next_review_at < now()`)).length).toBe(1);
    const off = await db.query(`SELECT t.seq FROM tasks t WHERE t.version <> (SELECT max(e.version) FROM entity_events e WHERE e.entity_type = 'task' AND e.entity_id = t.id)`);
    expect(off).toEqual([]);
    expect((await db.query(`SELECT 1 FROM entity_clocks WHERE entity_type = 'task' AND warning = 'red'`)).length).toBeGreaterThanOrEqual(3);
  });
});
