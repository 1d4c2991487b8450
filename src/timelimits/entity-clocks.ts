/**
 * Clocks on any entity (a dispute, a petition, ...), not only on cases: the
 * limit comes from `entity_time_limits` (data, per entity type and key), is
 * counted on the same calendars as cases' limits, and the one Sweeper
 * (sweeper.ts) turns it yellow, red and escalated exactly as it does a case's.
 * A register starts a clock when its entity enters a timed state and stops it
 * when it leaves, in the transaction of the state change.
 */
import { z } from 'zod';
import type { Queryable } from '../platform/db.ts';
import { invalid } from '../platform/errors.ts';
import { addLimit, LIMIT_RE, nextCheck, warnLine } from './rules.ts';
import type { TimeLimits } from './service.ts';
import type { EntitySweepStep } from './sweeper.ts';

/** What a register does when the sweeper moves one of its clocks (e.g. a task falls behind when its deadline passes), in the sweep's transaction. */
export type EntityStepHandler = (q: Queryable, steps: EntitySweepStep[]) => Promise<void>;

export const ENTITY_LIMIT_INPUT = z.strictObject({
  key: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/),
  name: z.string().min(1).max(100),
  /** A calendar by name: 'default' (statutory working days and hours) or '24x7' (natural time). */
  calendar: z.string().min(1).default('default'),
  /** 30m, 2h, 5d: on 'default' hours and days are working ones, on '24x7' natural ones. */
  limit: z.string().regex(LIMIT_RE, 'a number and m, h or d (e.g. 30m, 2h, 5d)'),
  yellowRatio: z.number().gt(0).lt(1).default(0.8),
  escalateAfter: z.string().regex(LIMIT_RE).nullable().default(null),
  active: z.boolean().default(true),
});
export type EntityLimitInput = z.input<typeof ENTITY_LIMIT_INPUT>;
export type EntityLimit = z.output<typeof ENTITY_LIMIT_INPUT> & { entityType: string };

export interface StartClock {
  entityType: string;
  entityId: string;
  /** The clock's name within the entity (one entity may run several, e.g. 'handle' and 'perform'). */
  clock: string;
  limitKey: string;
  /** Shown in warnings: the entity's number and title. */
  ref: string;
  title: string;
  /** The unit warned (and whose parent is told on escalation). */
  unitId: string | null;
  now: number;
  /** An explicit deadline (e.g. an agreement's performance date) instead of the limit's. */
  dueAt?: number;
}

export interface EntityClockView {
  clock: string;
  limitKey: string;
  startedAt: string;
  dueAt: string;
  warnAt: string | null;
  warning: 'none' | 'yellow' | 'red';
  escalated: boolean;
}

type LimitRow = { entity_type: string; key: string; name: string; calendar: string; limit_value: string; yellow_ratio: number; escalate_after: string | null; active: boolean };

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export class EntityClocks {
  private readonly stepHandlers = new Map<string, EntityStepHandler>();
  constructor(private readonly timeLimits: TimeLimits) {}

  /** A register reacts to its clocks' warning steps (one handler per entity type; the latest registration wins). */
  onSteps(entityType: string, handler: EntityStepHandler): void {
    this.stepHandlers.set(entityType, handler);
  }

  /** Hands the sweep's steps to the registers' handlers (called by the sweeper's wiring, in the sweep's transaction). */
  async handleSteps(q: Queryable, steps: readonly EntitySweepStep[]): Promise<void> {
    const byType = new Map<string, EntitySweepStep[]>();
    for (const s of steps) if (this.stepHandlers.has(s.entityType)) byType.set(s.entityType, [...(byType.get(s.entityType) ?? []), s]);
    for (const [type, list] of byType) await this.stepHandlers.get(type)!(q, list);
  }

  /** First start of a register: its default limits, never overwriting an admin's edits. */
  async ensureLimits(q: Queryable, entityType: string, defaults: readonly EntityLimitInput[]): Promise<void> {
    for (const d of defaults) {
      const l = ENTITY_LIMIT_INPUT.parse(d);
      await q.query(
        `INSERT INTO entity_time_limits (entity_type, key, name, calendar, limit_value, yellow_ratio, escalate_after, active)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (entity_type, key) DO NOTHING`,
        [entityType, l.key, l.name, l.calendar, l.limit, l.yellowRatio, l.escalateAfter, l.active],
      );
    }
  }

  async putLimit(q: Queryable, entityType: string, input: EntityLimitInput): Promise<void> {
    const l = ENTITY_LIMIT_INPUT.parse(input);
    const cal = await q.query(`SELECT 1 FROM calendars WHERE name = $1`, [l.calendar]);
    if (!cal.length) throw invalid('calendar', `没有名为 ${l.calendar} 的日历 (no such calendar)`);
    await q.query(
      `INSERT INTO entity_time_limits (entity_type, key, name, calendar, limit_value, yellow_ratio, escalate_after, active)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (entity_type, key) DO UPDATE SET name = EXCLUDED.name, calendar = EXCLUDED.calendar, limit_value = EXCLUDED.limit_value,
         yellow_ratio = EXCLUDED.yellow_ratio, escalate_after = EXCLUDED.escalate_after, active = EXCLUDED.active, updated_at = now()`,
      [entityType, l.key, l.name, l.calendar, l.limit, l.yellowRatio, l.escalateAfter, l.active],
    );
  }

  async limits(q: Queryable, entityType: string): Promise<EntityLimit[]> {
    const rows = await q.query<LimitRow>(`SELECT * FROM entity_time_limits WHERE entity_type = $1 ORDER BY key`, [entityType]);
    return rows.map((r) => ({
      entityType: r.entity_type,
      key: r.key,
      name: r.name,
      calendar: r.calendar,
      limit: r.limit_value,
      yellowRatio: Number(r.yellow_ratio),
      escalateAfter: r.escalate_after,
      active: r.active,
    }));
  }

  /** The deadline `limitKey` gives from `start`, or null when the type has no such active limit. */
  async deadline(q: Queryable, entityType: string, limitKey: string, start: number): Promise<{ dueAt: number; warnAt: number; escalateAt: number | null } | null> {
    const l = (await this.limits(q, entityType)).find((x) => x.key === limitKey && x.active);
    if (!l) return null;
    const cal = this.timeLimits.calendarNamed(l.calendar);
    const dueAt = addLimit(cal, start, l.limit);
    return { dueAt, warnAt: warnLine(cal, start, dueAt, l.yellowRatio), escalateAt: l.escalateAfter ? addLimit(cal, dueAt, l.escalateAfter) : null };
  }

  /** Starts (or restarts) a clock; returns its deadline, or null when no active limit applies (nothing runs then). */
  async start(q: Queryable, s: StartClock): Promise<Date | null> {
    let plan = await this.deadline(q, s.entityType, s.limitKey, s.now);
    if (s.dueAt !== undefined) {
      const l = (await this.limits(q, s.entityType)).find((x) => x.key === s.limitKey);
      const cal = this.timeLimits.calendarNamed(l?.calendar ?? 'default');
      const ratio = l?.yellowRatio ?? 0.8;
      plan = { dueAt: s.dueAt, warnAt: s.dueAt > s.now ? warnLine(cal, s.now, s.dueAt, ratio) : s.dueAt, escalateAt: l?.escalateAfter ? addLimit(cal, s.dueAt, l.escalateAfter) : null };
    }
    if (!plan) {
      await this.stop(q, s.entityType, s.entityId, s.clock);
      return null;
    }
    const next = nextCheck({ warning: 'none', escalated: false, warnAt: plan.warnAt, dueAt: plan.dueAt, escalateAt: plan.escalateAt });
    await q.query(
      `INSERT INTO entity_clocks (entity_type, entity_id, clock, limit_key, ref, title, unit_id, started_at, due_at, warn_at, escalate_at, warning, escalated, next_check_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'none', false, $12)
       ON CONFLICT (entity_type, entity_id, clock) DO UPDATE SET limit_key = EXCLUDED.limit_key, ref = EXCLUDED.ref, title = EXCLUDED.title,
         unit_id = EXCLUDED.unit_id, started_at = EXCLUDED.started_at, due_at = EXCLUDED.due_at, warn_at = EXCLUDED.warn_at,
         escalate_at = EXCLUDED.escalate_at, warning = 'none', escalated = false, next_check_at = EXCLUDED.next_check_at`,
      [s.entityType, s.entityId, s.clock, s.limitKey, s.ref, s.title, s.unitId, new Date(s.now), new Date(plan.dueAt), new Date(plan.warnAt), plan.escalateAt === null ? null : new Date(plan.escalateAt), next === null ? null : new Date(next)],
    );
    return new Date(plan.dueAt);
  }

  /**
   * Starts (or restarts) many clocks of one entity type in one statement (ledger imports, demo
   * data): the same plan as start(), the limits read once. Clocks without an active limit and
   * without an explicit dueAt are stopped.
   */
  async startMany(q: Queryable, entityType: string, list: readonly Omit<StartClock, 'entityType'>[]): Promise<void> {
    if (!list.length) return;
    const limits = await this.limits(q, entityType);
    const rows: unknown[][] = [[], [], [], [], [], [], [], [], [], [], []];
    const none: { id: string; clock: string }[] = [];
    for (const s of list) {
      const l = limits.find((x) => x.key === s.limitKey);
      if (!l || (!l.active && s.dueAt === undefined)) {
        none.push({ id: s.entityId, clock: s.clock });
        continue;
      }
      const cal = this.timeLimits.calendarNamed(l.calendar);
      const dueAt = s.dueAt ?? addLimit(cal, s.now, l.limit);
      const warnAt = dueAt > s.now ? warnLine(cal, s.now, dueAt, l.yellowRatio) : dueAt;
      const escalateAt = l.escalateAfter ? addLimit(cal, dueAt, l.escalateAfter) : null;
      const next = nextCheck({ warning: 'none', escalated: false, warnAt, dueAt, escalateAt });
      const vals = [s.entityId, s.clock, s.limitKey, s.ref, s.title, s.unitId, new Date(s.now), new Date(dueAt), new Date(warnAt), escalateAt === null ? null : new Date(escalateAt), next === null ? null : new Date(next)];
      vals.forEach((v, i) => rows[i].push(v));
    }
    if (none.length) {
      await q.query(`DELETE FROM entity_clocks c USING unnest($2::uuid[], $3::text[]) AS x(id, clock) WHERE c.entity_type = $1 AND c.entity_id = x.id AND c.clock = x.clock`, [
        entityType, none.map((x) => x.id), none.map((x) => x.clock),
      ]);
    }
    if (!rows[0].length) return;
    await q.query(
      `INSERT INTO entity_clocks (entity_type, entity_id, clock, limit_key, ref, title, unit_id, started_at, due_at, warn_at, escalate_at, warning, escalated, next_check_at)
       SELECT $1, x.id, x.clock, x.lk, x.ref, x.title, x.unit, x.st, x.due, x.warn, x.esc, 'none', false, x.nxt
         FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::uuid[], $8::timestamptz[], $9::timestamptz[], $10::timestamptz[], $11::timestamptz[], $12::timestamptz[])
           AS x(id, clock, lk, ref, title, unit, st, due, warn, esc, nxt)
       ON CONFLICT (entity_type, entity_id, clock) DO UPDATE SET limit_key = EXCLUDED.limit_key, ref = EXCLUDED.ref, title = EXCLUDED.title,
         unit_id = EXCLUDED.unit_id, started_at = EXCLUDED.started_at, due_at = EXCLUDED.due_at, warn_at = EXCLUDED.warn_at,
         escalate_at = EXCLUDED.escalate_at, warning = 'none', escalated = false, next_check_at = EXCLUDED.next_check_at`,
      [entityType, ...rows],
    );
  }

  /** Stops one clock of an entity, or all of them. */
  async stop(q: Queryable, entityType: string, entityId: string, clock?: string): Promise<void> {
    if (clock) await q.query(`DELETE FROM entity_clocks WHERE entity_type = $1 AND entity_id = $2 AND clock = $3`, [entityType, entityId, clock]);
    else await q.query(`DELETE FROM entity_clocks WHERE entity_type = $1 AND entity_id = $2`, [entityType, entityId]);
  }

  /** The running clocks of some entities, by entity id. */
  async clocksOf(q: Queryable, entityType: string, ids: readonly string[]): Promise<Map<string, EntityClockView[]>> {
    const out = new Map<string, EntityClockView[]>();
    if (!ids.length) return out;
    const rows = await q.query<{ entity_id: string; clock: string; limit_key: string; started_at: Date; due_at: Date; warn_at: Date | null; warning: EntityClockView['warning']; escalated: boolean }>(
      `SELECT entity_id, clock, limit_key, started_at, due_at, warn_at, warning, escalated FROM entity_clocks WHERE entity_type = $1 AND entity_id = ANY ($2::uuid[]) ORDER BY due_at`,
      [entityType, ids],
    );
    for (const r of rows) {
      const list = out.get(r.entity_id) ?? [];
      list.push({ clock: r.clock, limitKey: r.limit_key, startedAt: iso(r.started_at)!, dueAt: iso(r.due_at)!, warnAt: iso(r.warn_at), warning: r.warning, escalated: r.escalated });
      out.set(r.entity_id, list);
    }
    return out;
  }
}

declare module '../platform/context.ts' {
  interface Services {
    /** Time limits on any entity (registers), swept by the one Sweeper. */
    entityClocks: EntityClocks;
  }
}
