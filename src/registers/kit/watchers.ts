/**
 * Persons watched by a register: when a person appears as a party of a new
 * entry in another register (a dispute's party, a petition's petitioner), the
 * registers that keep files on people are told, in the entry's transaction.
 * The registering register calls `appeared`; the watching one subscribes with
 * `onAppeared` at start (server.ts wires both), so neither imports the other.
 */
import type { Queryable } from '../../platform/db.ts';

export interface PersonAppearance {
  personIds: readonly string[];
  /** The entry's type and id, and its number as people quote it. */
  entityType: string;
  entityId: string;
  label: string;
  actorUserId: string | null;
  actorUnitId: string | null;
}

export type PersonWatcher = (q: Queryable, a: PersonAppearance) => Promise<void>;

export class PersonWatchers {
  private readonly list: PersonWatcher[] = [];
  onAppeared(w: PersonWatcher): () => void {
    this.list.push(w);
    return () => {
      const i = this.list.indexOf(w);
      if (i >= 0) this.list.splice(i, 1);
    };
  }
  /** Tells every watcher, in the caller's transaction (a watcher's failure rolls the entry back: keep watchers small). */
  async appeared(q: Queryable, a: PersonAppearance): Promise<void> {
    if (!a.personIds.length) return;
    for (const w of this.list) await w(q, a);
  }
}

declare module '../../platform/context.ts' {
  interface Services {
    /** Registers told when a person appears in a new entry of another register. */
    personWatchers: PersonWatchers;
  }
}
