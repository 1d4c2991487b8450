/**
 * The case engine's entry points, as the routes and the demo replay call
 * them. Each job lives in its own file; one action reads top to bottom as
 *
 *   routes.ts -> act.ts (version check, lifecycle.ts decides, checks.ts,
 *   time limits) -> store.ts applyTransition (one row update + one event)
 *   -> side-effects.ts (summons, notifications) -> detail.ts (the answer)
 *
 * and an intake as routes.ts -> create.ts (place.ts, idempotency.ts,
 * search.ts) -> intake-batcher.ts -> store.ts. view.ts masks what the
 * caller may not see; list.ts and cursors.ts page the list.
 */
import type { Ctx } from '../platform/context.ts';
import type { Principal } from '../org/auth.ts';
import type { Action } from './lifecycle.ts';
import type { CreateCaseInput, ListCasesQuery } from './model.ts';
import { IntakeBatcher } from './intake-batcher.ts';
import { actOnCase, type ActOptions, type ActRequest } from './act.ts';
import { createCase } from './create.ts';
import { getCase } from './detail.ts';
import { listCases } from './list.ts';

export class CaseService {
  /** Concurrent intakes share one insert statement (per server instance). */
  private readonly intake: IntakeBatcher;
  constructor(private readonly ctx: Ctx) {
    this.intake = new IntakeBatcher(ctx.db, { onBatch: (n) => ctx.metrics.intakeBatchSize.observe(n) });
  }

  create(p: Principal, input: CreateCaseInput, idempotencyKey?: string) {
    return createCase(this.ctx, this.intake, p, input, idempotencyKey);
  }

  /** A case with its timeline and the actions the caller may take now. */
  get(p: Principal, ref: string, ip?: string) {
    return getCase(this.ctx, p, ref, ip);
  }

  list(p: Principal, f: ListCasesQuery) {
    return listCases(this.ctx, p, f);
  }

  /** Performs a lifecycle action: one transaction, version-checked, one appended event. */
  act(p: Principal, ref: string, action: Action, input: ActRequest): ReturnType<typeof getCase>;
  act(p: Principal, ref: string, action: Action, input: ActRequest, opts: ActOptions & { view: false }): Promise<null>;
  act(p: Principal, ref: string, action: Action, input: ActRequest, opts: ActOptions = {}) {
    return actOnCase(this.ctx, p, ref, action, input, opts);
  }
}
