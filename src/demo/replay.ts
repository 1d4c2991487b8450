/**
 * Plays the planned work orders through the case engine (CaseService.create
 * and act, as the user of each step) on the planned clock, then puts what the
 * database stamped with its own clock on the planned times (backdate()).
 */
import pino from 'pino';
import type { Db, Queryable } from '../platform/db.ts';
import type { Ctx, Kernel } from '../platform/http.ts';
import { createServices } from '../services.ts';
import { loadConfig } from '../platform/config.ts';
import { createMetrics } from '../platform/metrics.ts';
import { LocalDiskStorage } from '../platform/storage.ts';
import { Problem } from '../platform/errors.ts';
import type { Principal } from '../org/auth.ts';
import type { Role } from '../org/roles.ts';
import { CaseService } from '../cases/service.ts';
import { CREATE_CASE } from '../cases/model.ts';
import type { ActionInput } from '../cases/lifecycle.ts';
import type { TimeLimits } from '../timelimits/index.ts';
import { ymd, type Plan } from './plan.ts';
import * as T from './texts.ts';

export async function loadPrincipals(q: Queryable): Promise<Map<string, Principal>> {
  const rows = await q.query<{ id: string; username: string; display_name: string; phone: string | null; roles: Role[]; unit_id: string | null; scope_codes: string[] }>(
    `SELECT id, username, display_name, phone, roles, unit_id, scope_codes FROM users`,
  );
  return new Map(
    rows.map((r) => [
      r.username,
      { id: r.id, username: r.username, displayName: r.display_name, phone: r.phone, roles: r.roles, unitId: r.unit_id, scopeCodes: r.scope_codes, via: 'session' as const },
    ]),
  );
}

/** The context the case service runs in during the seed: the server's, minus HTTP, locator and notifications. */
/**
 * The engine's clock for the seed: each step runs with the clock reading its
 * planned time (and ticking on from there), so the engine and its time limits
 * stamp and compute deadlines on the working calendar exactly as they would
 * have then. What the database stamps with its own clock (now()) is moved by backdate().
 */
let offset = 0;

async function seedCtx(db: Db, timeLimits: TimeLimits): Promise<Ctx> {
  const config = loadConfig();
  const kernel: Kernel = {
    db,
    config,
    log: pino({ level: 'silent' }),
    metrics: createMetrics(),
    storage: new LocalDiskStorage(config.filesDir),
    now: () => Date.now() + offset,
  };
  // The seed's own calendar (loaded for the run), in place of a second one.
  return { ...kernel, services: { ...(await createServices(kernel)), timeLimits } };
}

async function onClock<T>(t: number, fn: () => Promise<T>): Promise<T> {
  offset = t - Date.now();
  try {
    return await fn();
  } finally {
    offset = 0;
  }
}

export async function runPlans(
  db: Db,
  plans: Plan[],
  principals: Map<string, Principal>,
  unitId: Map<string, string>,
  timeLimits: TimeLimits,
  /** Called after every 50th work order with the number done. */
  progress?: (done: number, of: number) => void,
) {
  const service = new CaseService(await seedCtx(db, timeLimits));
  const who = (u: string) => {
    const p = principals.get(u);
    if (!p) throw new Error(`demo: no user ${u}`);
    return p;
  };
  const resolveUnit = (ref: unknown) => {
    if (typeof ref !== 'string' || !ref.startsWith('@unit:')) return ref as string;
    const id = unitId.get(ref.slice(6));
    if (!id) throw new Error(`demo: no unit ${ref.slice(6)}`);
    return id;
  };
  const ids: string[] = [];
  const finalNo: string[] = [];
  const events: PlannedEvent[] = [];
  // Other timestamps of a case (time-limit stamps and deadlines, summons): which step wrote each one last.
  const tracker = await StampTracker.create(db);
  const ordered = [...plans].sort((a, b) => a.times[0] - b.times[0]);
  for (const p of ordered) {
    if (p.channel === 'police110') p.raw.externalRef = `110JJ${ymd(p.times[0])}${String(1000 + p.idx).slice(-4)}`;
    const { view } = await onClock(p.times[0], () => service.create(who(p.creator), CREATE_CASE.parse(p.raw)));
    ids[p.idx] = view.id;
    // The number carries the (backdated) day of intake; see backdate().
    finalNo[p.idx] = ymd(p.times[0]) + view.no.slice(8);
    events.push({ caseId: view.id, seq: 1, at: new Date(p.times[0]).toISOString() });
    const track = tracker.forCase(view.id, p.steps.some((x) => x.action === 'summon' || !!x.input.assistUnitIds?.length));
    let version = await track();
    if (version !== 1) throw new Error(`demo: case ${view.no} created at version ${version}`);
    for (let i = 0; i < p.steps.length; i++) {
      const s = p.steps[i];
      const input: ActionInput = { ...s.input };
      if (input.leadUnitId) input.leadUnitId = resolveUnit(input.leadUnitId);
      if (input.assistUnitIds) input.assistUnitIds = input.assistUnitIds.map(resolveUnit);
      if (input.unitIds) input.unitIds = input.unitIds.map(resolveUnit);
      if (input.externalRef === '@110') input.externalRef = `110JJ${ymd(p.times[i + 1])}${String(5000 + p.idx).slice(-4)}`;
      if (s.dupOf !== undefined) {
        if (!ids[s.dupOf]) throw new Error('demo: a duplicate came before its original');
        input.duplicateOf = ids[s.dupOf];
        input.comment = T.fill(input.comment ?? '', { no: finalNo[s.dupOf] });
      }
      for (const k of Object.keys(input) as (keyof ActionInput)[]) if (input[k] === undefined) delete input[k];
      // The stamp tracker's one read after each step gives the new version, so the
      // case view act() would answer with (half of the seed's queries) is not read.
      const act = () => service.act(who(s.actor), view.id, s.action, { ...input, version }, { view: false });
      // A time limit may refuse a step at its planned time (say, the time to return the order has
      // passed): then it happens earlier, halfway back to the step before, until the rules accept it.
      for (let tries = 0, done = false; !done; tries++) {
        try {
          await onClock(p.times[i + 1], act);
          done = true;
        } catch (err) {
          const refused = err instanceof Problem && (err.status === 409 || err.status === 422) && tries < 12;
          if (!refused || p.times[i + 1] - p.times[i] < 10_000) throw err;
          p.times[i + 1] = Math.round((p.times[i] + p.times[i + 1]) / 2);
        }
      }
      version = await track();
      events.push({ caseId: view.id, seq: version, at: new Date(p.times[i + 1]).toISOString() });
    }
    if (version !== p.steps.length + 1) throw new Error(`demo: case ${view.no} ended at version ${version}`);
    const done = ids.filter(Boolean).length;
    if (done % 50 === 0 && done < ordered.length) progress?.(done, ordered.length);
  }
  return { ids, events, stamps: tracker.stamps };
}

export interface PlannedEvent {
  caseId: string;
  seq: number;
  at: string;
}

/** A timestamp in a row of a case and the event (seq) whose step last wrote it. */
export interface Stamp {
  table: string;
  caseId: string;
  key: string;
  column: string;
  seq: number;
}

/** Tables holding timestamps of a case: [table, column naming the case, column naming the row]. */
const STAMPED_TABLES: [string, string, string][] = [
  ['cases', 'id', 'id'],
  ['case_summons', 'case_id', 'unit_id'],
];
/** Times backdate() derives from the events themselves. */
const EVENT_TIMES = new Set(['cases.created_at', 'cases.updated_at', 'cases.closed_at']);

/**
 * Watches the timestamp columns of a case's rows after each step and notes
 * the values that are the database's clock reading of that step (now(), the
 * same instant as the step's event), so backdate() can put them on the planned
 * time. Values the engine computes in JavaScript already follow the planned
 * clock (see onClock). Columns are read from the catalogue, so stamps other
 * features add (time limits, summons) are covered without the seed naming them.
 */
class StampTracker {
  readonly stamps: Stamp[] = [];
  private constructor(
    private readonly q: Queryable,
    private readonly tables: { table: string; columns: string[]; sql: string }[],
  ) {}


  static async create(q: Queryable): Promise<StampTracker> {
    const rows = await q.query<{ t: string; c: string; type: string }>(
      `SELECT table_name AS t, column_name AS c, data_type AS type FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = ANY ($1::text[]) ORDER BY ordinal_position`,
      [STAMPED_TABLES.map(([t]) => t)],
    );
    const ident = /^[a-z_][a-z0-9_]*$/;
    const tables = STAMPED_TABLES.flatMap(([table, caseCol, keyCol]) => {
      const cols = rows.filter((r) => r.t === table);
      const columns = cols
        .filter((r) => r.type === 'timestamp with time zone' && !EVENT_TIMES.has(`${table}.${r.c}`) && ident.test(r.c))
        .map((r) => r.c);
      const isCases = table === 'cases';
      // (the cases row is read even without stamp columns: it gives the step's version)
      if ((!columns.length && !isCases) || !cols.some((r) => r.c === caseCol) || !cols.some((r) => r.c === keyCol)) return [];
      const stamped = columns.map((c) => `, "${c}"`).join('');
      const sql = isCases
        ? // with the version the step left and its event's database clock reading, to tell now() stamps from computed times
          `SELECT "id"::text AS "key", version AS "@version", (SELECT e.at FROM case_events e WHERE e.case_id = cases.id AND e.seq = cases.version) AS "@at"${stamped}
             FROM cases WHERE "id" = $1`
        : `SELECT "${keyCol}"::text AS "key"${stamped} FROM ${table} WHERE "${caseCol}" = $1`;
      return [{ table, columns, sql }];
    });
    return new StampTracker(q, tables);
  }

  /** A function to call after each step of one case; it answers the version the step left. */
  forCase(caseId: string, withSummons: boolean): () => Promise<number> {
    const seen = new Map<string, number | null>();
    const last = new Map<string, Stamp>();
    const tables = this.tables.filter((t) => withSummons || t.table === 'cases');
    return async () => {
      let eventAt: number | null = null;
      let seq = 0;
      for (const t of tables) {
        const rows = await this.q.query<Record<string, string | Date | number | null>>(t.sql, [caseId]);
        for (const row of rows) {
          if (row['@version'] != null) seq = Number(row['@version']);
          if (row['@at']) eventAt = new Date(row['@at'] as string | Date).getTime();
          for (const column of t.columns) {
            const id = `${t.table}/${row.key}/${column}`;
            const v = row[column] ? new Date(row[column] as string | Date).getTime() : null;
            if (v === (seen.get(id) ?? null)) continue;
            seen.set(id, v);
            const prior = last.get(id);
            if (prior) this.stamps.splice(this.stamps.lastIndexOf(prior), 1);
            last.delete(id);
            if (v !== null && v === eventAt) {
              const stamp = { table: t.table, caseId, key: String(row.key), column, seq };
              last.set(id, stamp);
              this.stamps.push(stamp);
            }
          }
        }
      }
      if (!seq) throw new Error(`demo: case ${caseId} not found after a step`);
      return seq;
    };
  }
}

/**
 * Moves the demo's clock back. The engine stamps now() on every case and event;
 * a demo with 60 days of history needs the planned times instead. case_events
 * is append-only (a trigger refuses UPDATE), so inside this one transaction,
 * and only here, the trigger is disabled, the planned time of every event is
 * set, their hash chains recomputed, and the trigger enabled again. Event times are planned in order, so each
 * timeline stays ordered; the case row then takes its times from its events
 * (created_at = first, updated_at = last, closed_at = last close) and its
 * number the day of intake, so rows, numbers and timelines agree. Any other
 * timestamp the database stamped with its clock at a step (a column of the
 * case or of its summons, whatever columns exist) takes that step's time;
 * times the engine computed (deadlines) were computed on the planned clock.
 */
export async function backdate(db: Db, events: PlannedEvent[], stamps: Stamp[]) {
  const planned = new Map(events.map((e) => [`${e.caseId}/${e.seq}`, e.at]));
  await db.tx(async (q) => {
    // Other timestamps move with the step that wrote them: by that event's (planned - actual) time.
    // A stamp lands on its event's planned time; a deadline keeps its distance from it.
    for (const [table, caseCol, keyCol] of STAMPED_TABLES) {
      for (const column of new Set(stamps.filter((s) => s.table === table).map((s) => s.column))) {
        const mine = stamps.filter((s) => s.table === table && s.column === column);
        await q.query(
          `UPDATE ${table} t SET "${column}" = t."${column}" + (v.at - e.at)
             FROM unnest($1::uuid[], $2::text[], $3::int[], $4::timestamptz[]) AS v(case_id, key, seq, at)
             JOIN case_events e ON e.case_id = v.case_id AND e.seq = v.seq
            WHERE t."${caseCol}" = v.case_id AND t."${keyCol}"::text = v.key`,
          [mine.map((s) => s.caseId), mine.map((s) => s.key), mine.map((s) => s.seq), mine.map((s) => planned.get(`${s.caseId}/${s.seq}`))],
        );
      }
    }
    await q.exec(`ALTER TABLE case_events DISABLE TRIGGER case_events_no_update`);
    await q.query(
      `UPDATE case_events e SET at = v.at
         FROM unnest($1::uuid[], $2::int[], $3::timestamptz[]) AS v(case_id, seq, at)
        WHERE e.case_id = v.case_id AND e.seq = v.seq`,
      [events.map((e) => e.caseId), events.map((e) => e.seq), events.map((e) => e.at)],
    );
    // Each event's time is part of its hash, so the moved timelines are chained again
    // (the demo is the only writer that ever rewrites events; see the case_event_chain migration).
    await q.query(`SELECT case_events_rechain($1::uuid[])`, [[...new Set(events.map((e) => e.caseId))]]);
    await q.exec(`ALTER TABLE case_events ENABLE TRIGGER case_events_no_update`);
    await q.query(
      `UPDATE cases c SET created_at = x.first_at, updated_at = x.last_at,
              closed_at = CASE WHEN c.closed_at IS NULL THEN NULL ELSE x.closed_at END,
              no = to_char(x.first_at AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || substr(c.no, 9)
         FROM (SELECT case_id, min(at) AS first_at, max(at) AS last_at,
                      max(at) FILTER (WHERE action IN ('close', 'close_directly')) AS closed_at
                 FROM case_events WHERE case_id = ANY ($1::uuid[]) GROUP BY case_id) x
        WHERE c.id = x.case_id`,
      [[...new Set(events.map((e) => e.caseId))]],
    );
  });
}

