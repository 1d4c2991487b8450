/**
 * The case engine's hook for the features above it: listeners told after a
 * new case is committed (a register that keeps files on people matches the
 * reporter, for example). Cases imports nothing of its listeners; they
 * register on the typed service `caseHooks` (built in services.ts), so the
 * direction of the layers holds.
 *
 * A listener runs after the commit, outside the intake's transaction: it
 * cannot undo or delay the case, and its failure is logged, never answered
 * to the caller who registered the case.
 */
import type { Logger } from '../platform/logger.ts';

/** What a listener learns of a new case. */
export interface CaseCreated {
  id: string;
  no: string;
  title: string;
  channel: string;
  divisionCode: string | null;
  gridId: string | null;
  /** The reporter's phone as entered (null when none was given). */
  reporterPhone: string | null;
  createdAt: Date;
}

export type CaseCreatedListener = (c: CaseCreated) => Promise<void>;

export class CaseHooks {
  private readonly created: CaseCreatedListener[] = [];
  constructor(private readonly log?: Pick<Logger, 'error'>) {}

  /** Adds a listener for committed new cases; returns a function that removes it. */
  onCreated(listener: CaseCreatedListener): () => void {
    this.created.push(listener);
    return () => {
      const i = this.created.indexOf(listener);
      if (i >= 0) this.created.splice(i, 1);
    };
  }

  /** Tells every listener, in order; a failing listener is logged and the others still run. */
  async emitCreated(c: CaseCreated): Promise<void> {
    for (const l of [...this.created]) {
      try {
        await l(c);
      } catch (err) {
        this.log?.error({ err, caseId: c.id }, 'a caseCreated listener failed');
      }
    }
  }
}

declare module '../platform/context.ts' {
  interface Services {
    /** Listeners told of each committed new case (features above cases register here). */
    caseHooks: CaseHooks;
  }
}
