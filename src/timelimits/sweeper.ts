/**
 * The sweeper inside every server instance: takes the cases whose next
 * warning is due (FOR UPDATE SKIP LOCKED, so instances share the work and each
 * case is judged by one of them), marks yellow and red, appends an urge
 * (催办) event, escalates long-overdue cases to the supervising unit (督办),
 * and tells the units. The warning level lives in the row, so every step
 * happens exactly once however many instances run.
 */
import type { Db, Queryable } from '../platform/db.ts';
import { tryLockEntityChains } from '../platform/chains.ts';
import { assess, type Warning } from './rules.ts';

export interface SweepNotice {
  caseId: string;
  caseNo: string;
  title: string;
  kind: 'warning_yellow' | 'warning_red' | 'escalated';
  unitId: string | null;
  dueAt: Date | null;
  clock: string | null;
}

/** A warning step on an entity's clock (entity_clocks): the register appends it to the entity's event log and tells the unit. */
export interface EntitySweepStep {
  entityType: string;
  entityId: string;
  clock: string;
  ref: string;
  title: string;
  kind: 'warning_yellow' | 'warning_red' | 'escalated';
  /** The unit told: the clock's unit, or its parent (the supervising unit) on escalation. */
  unitId: string | null;
  dueAt: Date;
}

export interface SweepResult {
  processed: number;
  yellow: number;
  red: number;
  escalated: number;
}

interface DueRow {
  id: string;
  no: string;
  title: string;
  version: number;
  status: string;
  clock: string | null;
  warning: Warning;
  escalated: boolean;
  warn_at: Date | null;
  due_at: Date | null;
  escalate_at: Date | null;
  lead_unit_id: string | null;
  supervising_unit_id: string | null;
}

const ms = (d: Date | null) => (d ? new Date(d).getTime() : null);

export class Sweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly db: Db,
    private readonly opts: {
      intervalMs?: number;
      batch?: number;
      /** Writes notifications in the sweep's transaction. */
      notify?: (q: Queryable, notices: SweepNotice[]) => Promise<void>;
      /** Records warnings on entity clocks (event log, notifications) in the sweep's transaction. */
      onEntitySteps?: (q: Queryable, steps: EntitySweepStep[]) => Promise<void>;
      onError?: (err: unknown) => void;
    } = {},
  ) {}

  start(): void {
    const tick = () => {
      if (this.running) return;
      this.running = this.sweep()
        .catch((err) => this.opts.onError?.(err))
        .finally(() => (this.running = undefined));
    };
    this.timer = setInterval(tick, this.opts.intervalMs ?? 10_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Sweeps until no due case is left (or `maxBatches`); returns what it did. */
  async sweep(now = Date.now(), maxBatches = 1000): Promise<SweepResult> {
    const total: SweepResult = { processed: 0, yellow: 0, red: 0, escalated: 0 };
    for (let i = 0; i < maxBatches; i++) {
      const r = await this.sweepBatch(now);
      total.processed += r.processed;
      total.yellow += r.yellow;
      total.red += r.red;
      total.escalated += r.escalated;
      if (r.processed < (this.opts.batch ?? 1000)) break;
    }
    return total;
  }

  /** One transaction over up to `batch` due cases. */
  async sweepBatch(now = Date.now()): Promise<SweepResult> {
    const batch = this.opts.batch ?? 1000;
    return this.db.tx(async (q) => {
      const rows = await q.query<DueRow>(
        `SELECT c.id, c.no, c.title, c.version, c.status, c.clock, c.warning, c.escalated, c.warn_at, c.due_at, c.escalate_at,
                c.lead_unit_id, lu.parent_id AS supervising_unit_id
           FROM cases c LEFT JOIN units lu ON lu.id = c.lead_unit_id
          WHERE c.next_check_at <= $1
          ORDER BY c.next_check_at
          LIMIT $2
          FOR UPDATE OF c SKIP LOCKED`,
        [new Date(now), batch],
      );
      const result: SweepResult = { processed: rows.length, yellow: 0, red: 0, escalated: 0 };
      await this.sweepEntityClocks(q, now, batch, result);
      if (!rows.length) return result;

      const upd = { id: [] as string[], version: [] as number[], warning: [] as string[], escalated: [] as boolean[], next: [] as (Date | null)[] };
      const ev = { caseId: [] as string[], seq: [] as number[], action: [] as string[], status: [] as string[], comment: [] as string[], data: [] as string[] };
      const notices: SweepNotice[] = [];
      for (const r of rows) {
        const a = assess({ warning: r.warning, escalated: r.escalated, warnAt: ms(r.warn_at), dueAt: ms(r.due_at), escalateAt: ms(r.escalate_at) }, now);
        let seq = r.version;
        for (const step of a.steps) {
          seq += 1;
          const escalate = step.kind === 'escalate';
          const to = escalate ? (r.supervising_unit_id ?? r.lead_unit_id) : r.lead_unit_id;
          ev.caseId.push(r.id);
          ev.seq.push(seq);
          ev.action.push(escalate ? 'supervise' : 'urge');
          ev.status.push(r.status);
          ev.comment.push(
            step.kind === 'yellow' ? '即将超时，系统自动催办 (deadline near: automatic urge)' : step.kind === 'red' ? '已超时，系统自动催办 (overdue: automatic urge)' : '超时未办，系统自动提级督办 (long overdue: escalated)',
          );
          ev.data.push(JSON.stringify({ auto: true, level: step.kind, clock: r.clock, dueAt: r.due_at, ...(escalate ? { escalatedTo: to } : {}) }));
          notices.push({ caseId: r.id, caseNo: r.no, title: r.title, kind: step.kind === 'escalate' ? 'escalated' : step.kind === 'yellow' ? 'warning_yellow' : 'warning_red', unitId: to, dueAt: r.due_at, clock: r.clock });
          result[step.kind === 'escalate' ? 'escalated' : step.kind] += 1;
        }
        upd.id.push(r.id);
        upd.version.push(seq);
        upd.warning.push(a.warning);
        upd.escalated.push(a.escalated);
        upd.next.push(a.nextCheckAt === null ? null : new Date(a.nextCheckAt));
      }
      await q.query(
        `UPDATE cases c SET warning = u.warning, escalated = u.escalated, next_check_at = u.next, version = u.version
           FROM unnest($1::uuid[], $2::int[], $3::text[], $4::boolean[], $5::timestamptz[]) AS u(id, version, warning, escalated, next)
          WHERE c.id = u.id`,
        [upd.id, upd.version, upd.warning, upd.escalated, upd.next],
      );
      if (ev.caseId.length) {
        await q.query(
          `INSERT INTO case_events (case_id, seq, action, from_status, to_status, comment, data)
           SELECT e.case_id, e.seq, e.action, e.status, e.status, e.comment, e.data::jsonb
             FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[]) AS e(case_id, seq, action, status, comment, data)`,
          [ev.caseId, ev.seq, ev.action, ev.status, ev.comment, ev.data],
        );
      }
      if (notices.length && this.opts.notify) await this.opts.notify(q, notices);
      return result;
    });
  }

  /** The same judgement over the clocks of other entities (entity_clocks), in the batch's transaction. */
  private async sweepEntityClocks(q: Queryable, now: number, batch: number, result: SweepResult): Promise<void> {
    const all = await q.query<{
      entity_type: string; entity_id: string; clock: string; ref: string; title: string; unit_id: string | null; parent_id: string | null;
      warning: Warning; escalated: boolean; warn_at: Date | null; due_at: Date; escalate_at: Date | null;
    }>(
      `SELECT c.entity_type, c.entity_id, c.clock, c.ref, c.title, c.unit_id, u.parent_id, c.warning, c.escalated, c.warn_at, c.due_at, c.escalate_at
         FROM entity_clocks c LEFT JOIN units u ON u.id = c.unit_id
        WHERE c.next_check_at <= $1
        ORDER BY c.next_check_at
        LIMIT $2
        FOR UPDATE OF c SKIP LOCKED`,
      [new Date(now), batch],
    );
    // Entities whose event chain a transition holds right now wait for the next sweep (a transition holding
    // the chain may be about to stop the very clock row locked here: waiting for it would deadlock).
    const free = await tryLockEntityChains(q, all.map((r) => `${r.entity_type}:${r.entity_id}`));
    const rows = all.filter((_, i) => free[i]);
    if (!rows.length) return;
    result.processed = Math.max(result.processed, rows.length);
    const steps: EntitySweepStep[] = [];
    const upd = { type: [] as string[], id: [] as string[], clock: [] as string[], warning: [] as string[], escalated: [] as boolean[], next: [] as (Date | null)[] };
    for (const r of rows) {
      const a = assess({ warning: r.warning, escalated: r.escalated, warnAt: ms(r.warn_at), dueAt: ms(r.due_at), escalateAt: ms(r.escalate_at) }, now);
      for (const step of a.steps) {
        const escalate = step.kind === 'escalate';
        steps.push({
          entityType: r.entity_type, entityId: r.entity_id, clock: r.clock, ref: r.ref, title: r.title,
          kind: escalate ? 'escalated' : step.kind === 'yellow' ? 'warning_yellow' : 'warning_red',
          unitId: escalate ? (r.parent_id ?? r.unit_id) : r.unit_id,
          dueAt: r.due_at,
        });
        result[escalate ? 'escalated' : step.kind] += 1;
      }
      upd.type.push(r.entity_type);
      upd.id.push(r.entity_id);
      upd.clock.push(r.clock);
      upd.warning.push(a.warning);
      upd.escalated.push(a.escalated);
      upd.next.push(a.nextCheckAt === null ? null : new Date(a.nextCheckAt));
    }
    await q.query(
      `UPDATE entity_clocks c SET warning = u.warning, escalated = u.escalated, next_check_at = u.next
         FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::boolean[], $6::timestamptz[]) AS u(entity_type, entity_id, clock, warning, escalated, next)
        WHERE c.entity_type = u.entity_type AND c.entity_id = u.entity_id AND c.clock = u.clock`,
      [upd.type, upd.id, upd.clock, upd.warning, upd.escalated, upd.next],
    );
    if (steps.length && this.opts.onEntitySteps) await this.opts.onEntitySteps(q, steps);
  }
}

declare module '../platform/context.ts' {
  interface Services {
    /** The one sweeper of time limits: warnings, automatic urges, escalation. */
    sweeper: Sweeper;
  }
}
