/**
 * What the case engine asks of the features above it. Cases declares these
 * ports as typed services; dispatch implements them (src/dispatch/case-ports.ts)
 * and src/services.ts plugs them in, so cases imports nothing of dispatch, and
 * a port left unwired is a type error there (and assertWired stops the start),
 * never a silent no-op.
 */
import type { Queryable } from '../platform/db.ts';
import type { CaseRow } from './store.ts';

/** Places an address that came without a point. */
export interface Geocoder {
  /** Where an address lies, from the gazetteer of known roads and landmarks; null when it names none. */
  geocode(q: Queryable, address: string): Promise<{ lng: number; lat: number; divisionCode: string } | null>;
}

/** Keeps the classifier's proposal beside the dispatcher's choice, so its accuracy in production is measured. */
export interface DispatchFeedback {
  /**
   * Called before the dispatch transaction with the case as registered (the
   * classifier reads its model from the database, and on PGlite the
   * transaction holds the only connection); returns the recorder to call in
   * the transaction with the case as dispatched.
   */
  prepare(registered: CaseRow): Promise<(q: Queryable, dispatched: CaseRow) => Promise<void>>;
}

declare module '../platform/context.ts' {
  interface Services {
    /** Address to point (the dispatch gazetteer), for cases reported with an address only. */
    geocoder: Geocoder;
    /** Classifier proposals recorded at first dispatch (dispatch's classifier). */
    dispatchFeedback: DispatchFeedback;
  }
}
