/**
 * What every register's store and views share (src/registers/<name>/store.ts):
 *
 * - `loadVisibleRow(q, p, ref, o)`: one row by id (a UUID) or number (`no`),
 *   only when the caller's visibility predicate admits it, else 404 naming the entity.
 * - `personsOf(q, link, ids)`: the persons linked to each entity through a
 *   link table (`<entity>_id`, `person_id`, `ord`), in their order, for personView.
 * - `auditPersonReads(q, p, via, persons)`: the audit row of an unmasked read
 *   of those persons (writes nothing for a masked caller or no persons).
 * - `ENTITY_CLOCK_VIEW`: the response schema of an entity's running clocks.
 * - `isoOrNull(d)`: a timestamp column as an ISO string, or null.
 */
import { z } from 'zod';
import type { Queryable } from '../../platform/db.ts';
import { audit } from '../../platform/audit.ts';
import { notFound } from '../../platform/errors.ts';
import type { Principal } from '../../org/auth.ts';
import { seesPersons, type PersonRow } from './persons.ts';

/** A timestamp column as an ISO string, or null. */
export const isoOrNull = (d: Date | string | null): string | null => (d ? new Date(d).toISOString() : null);

/** An entity's running clock (EntityClocks.clocksOf) as a response field. */
export const ENTITY_CLOCK_VIEW = z.object({ clock: z.string(), limitKey: z.string(), startedAt: z.string(), dueAt: z.string(), warnAt: z.string().nullable(), warning: z.enum(['none', 'yellow', 'red']), escalated: z.boolean() });

/**
 * One row of `select` (a SELECT … FROM … without WHERE, the table aliased
 * `alias`) by id or number, visible to the caller through `visibility`
 * (the register's predicate: (p, alias, params) => SQL); else 404 `entity`.
 */
export async function loadVisibleRow<R>(
  q: Queryable,
  p: Principal,
  ref: string,
  o: { select: string; alias: string; visibility: (p: Principal, alias: string, params: unknown[]) => string; entity: string },
): Promise<R> {
  const params: unknown[] = [ref];
  const key = /^[0-9a-f-]{36}$/i.test(ref) ? `${o.alias}.id = $1::uuid` : `${o.alias}.no = $1`;
  const rows = await q.query<R>(`${o.select} WHERE ${key} AND ${o.visibility(p, o.alias, params)}`, params);
  if (!rows[0]) throw notFound(o.entity);
  return rows[0];
}

/**
 * The persons of each entity through a link table, e.g.
 * `{ table: 'dispute_parties', key: 'dispute_id' }` (columns key, person_id, ord), in `ord` order.
 */
export async function personsOf(q: Queryable, link: { table: string; key: string }, ids: readonly string[]): Promise<Map<string, PersonRow[]>> {
  const out = new Map<string, PersonRow[]>();
  if (!ids.length) return out;
  const rows = await q.query<PersonRow & { owner_id: string }>(
    `SELECT x.${link.key} AS owner_id, pe.id, pe.name, pe.id_masked, pe.phone, pe.gender, pe.address FROM ${link.table} x JOIN persons pe ON pe.id = x.person_id
      WHERE x.${link.key} = ANY ($1::uuid[]) ORDER BY x.${link.key}, x.ord`,
    [ids],
  );
  for (const { owner_id, ...r } of rows) out.set(owner_id, [...(out.get(owner_id) ?? []), r]);
  return out;
}

/** Audits an unmasked read of these persons (at most 500 ids named), when the caller sees personal data and there are any. */
export async function auditPersonReads(q: Queryable, p: Principal, via: string, persons: Map<string, PersonRow[]>): Promise<void> {
  if (!seesPersons(p)) return;
  const personIds = [...persons.values()].flat().map((x) => x.id);
  if (personIds.length) await audit(q, { userId: p.id, action: 'read_personal_data', entity: 'person', detail: { via, personIds: personIds.slice(0, 500) } });
}
