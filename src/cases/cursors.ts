/**
 * Cursors of the case list: opaque to clients (base64url JSON), exact for
 * every sort (each order ends in the id, so a keyset is total), and refused
 * naming `cursor` when they are not ones this API issued for that sort.
 */
import { invalid } from '../platform/errors.ts';
import type { ListSort } from './model.ts';
import { UUID_RE } from './read.ts';

/** ORDER BY of each list sort; every one ends in the id, so the order is total and a keyset cursor is exact. */
export const SORT_ORDER: Record<ListSort, string> = {
  created_desc: 'c.created_at DESC, c.id DESC',
  created_asc: 'c.created_at ASC, c.id ASC',
  updated_desc: 'c.updated_at DESC, c.id DESC',
  // Cases without a running clock come last.
  due_asc: 'c.due_at ASC NULLS LAST, c.id ASC',
  urgency: "(c.urgency = 'urgent') DESC, c.created_at DESC, c.id DESC",
};

/** The cursor after a row: the default sort keeps its [createdAt, id] form; others name their sort. */
export function cursorOf(sort: ListSort, r: Record<string, any>): string {
  if (sort === 'created_desc') return encodeCursor(r.cursor_at, r.id);
  const k = sort === 'updated_desc' ? r.cursor_updated : sort === 'due_asc' ? (r.cursor_due ?? null) : sort === 'urgency' ? [r.urgency === 'urgent' ? 1 : 0, r.cursor_at] : r.cursor_at;
  return Buffer.from(JSON.stringify({ s: sort, k, id: r.id })).toString('base64url');
}

const ISO_US = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
const isIsoUtc = (v: unknown): v is string => {
  const m = typeof v === 'string' ? ISO_US.exec(v) : null;
  return !!m && !Number.isNaN(Date.parse(v as string)) && new Date(`${m[1]}T00:00:00Z`).toISOString().startsWith(m[1]);
};

/** The predicate "after this cursor" for a sort; a cursor of another sort, or not ours, is refused naming `cursor`. */
export function keysetAfter(sort: ListSort, cursor: string, params: unknown[]): string {
  const bad = () => invalid('cursor', '分页游标无效 (not a cursor this API returned for this sort)');
  if (sort === 'created_desc') {
    const [at, id] = decodeCursor(cursor);
    return `(c.created_at, c.id) < ($${params.push(at)}::timestamptz, $${params.push(id)}::uuid)`;
  }
  let v: any;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!v || typeof v !== 'object' || Array.isArray(v) || v.s !== sort || typeof v.id !== 'string' || !UUID_RE.test(v.id)) throw bad();
  const id = () => `$${params.push(v.id)}::uuid`;
  switch (sort) {
    case 'created_asc':
      if (!isIsoUtc(v.k)) throw bad();
      return `(c.created_at, c.id) > ($${params.push(v.k)}::timestamptz, ${id()})`;
    case 'updated_desc':
      if (!isIsoUtc(v.k)) throw bad();
      return `(c.updated_at, c.id) < ($${params.push(v.k)}::timestamptz, ${id()})`;
    case 'due_asc': {
      if (v.k === null) return `(c.due_at IS NULL AND c.id > ${id()})`;
      if (!isIsoUtc(v.k)) throw bad();
      const k = `$${params.push(v.k)}::timestamptz`;
      return `(c.due_at > ${k} OR (c.due_at = ${k} AND c.id > ${id()}) OR c.due_at IS NULL)`;
    }
    case 'urgency': {
      if (!Array.isArray(v.k) || v.k.length !== 2 || ![0, 1].includes(v.k[0]) || !isIsoUtc(v.k[1])) throw bad();
      const u = `(c.urgency = 'urgent')::int`;
      const r = `$${params.push(v.k[0])}::int`;
      return `(${u} < ${r} OR (${u} = ${r} AND (c.created_at, c.id) < ($${params.push(v.k[1])}::timestamptz, ${id()})))`;
    }
  }
}

export function encodeCursor(at: string, id: string): string {
  return Buffer.from(JSON.stringify([at, id])).toString('base64url');
}

/** A search page cursor: the offset into the ranked results. */
export function encodeOffsetCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
}

/** The offset of a search page cursor. */
export function decodeOffsetCursor(cursor: string): number {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (v && Number.isInteger(v.o) && v.o >= 0 && v.o <= 10_000) return v.o;
  } catch {
    /* fall through */
  }
  throw invalid('cursor', '分页游标无效 (not a cursor this API returned)');
}

export function decodeCursor(cursor: string): [string, string] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    // Only the UTC ISO form this API issues; anything else would reach the database as an invalid timestamp.
    const m = Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' ? /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/.exec(v[0]) : null;
    const realDay = m && !Number.isNaN(Date.parse(v[0])) && new Date(`${m[1]}T00:00:00Z`).toISOString().startsWith(m[1]);
    if (realDay && typeof v[1] === 'string' && UUID_RE.test(v[1])) return v as [string, string];
  } catch {
    /* fall through */
  }
  throw invalid('cursor', '分页游标无效 (not a cursor this API returned)');
}
