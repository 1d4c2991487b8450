/**
 * Verifying the hash chains of the append-only logs (the scheme is in
 * migrations/202612072100_hash_chains.sql): each row's hash must be
 * sha256(prev_hash || content), and each row's prev_hash the hash of the row
 * before it in its chain (or of the retention checkpoint where the chain's
 * older rows were deleted). The walk runs in SQL, one scan per table, and
 * names the first broken row of each broken chain.
 */
import type { Queryable } from './db.ts';

export interface ChainTable {
  table: string;
  /** SQL expression of the chain's key over the table's row (alias x). */
  key: string;
  /** The SQL function giving a row's canonical content. */
  content: string;
  /** A per-chain sequence column that must run 1, 2, 3... (case events' seq). */
  seq?: string;
  /** A table of each chain's head (chain_key, last_id, last_hash): the newest rows' deletion shows too. */
  heads?: string;
  /** The owning table whose `version` counts the chain's rows (a case's version is its last event's seq): the newest rows' deletion shows too. */
  versionOf?: { table: string; id: string };
}

/** Every chained table. The tables belong to their features; their chains are verified together. */
export const CHAINED: readonly ChainTable[] = [
  { table: 'case_events', key: `x.case_id::text`, content: 'case_event_content', seq: 'seq', versionOf: { table: 'cases', id: 'id' } },
  { table: 'entity_events', key: `x.entity_type || ':' || x.entity_id::text`, content: 'entity_event_content' },
  { table: 'audit_log', key: `audit_log_chain_key(x.user_id)`, content: 'audit_log_content', heads: 'audit_chain_heads' },
];

export type ChainProblem = 'content_changed' | 'row_missing' | 'reordered';

export interface ChainBreak {
  table: string;
  chainKey: string;
  id: string;
  seq: number | null;
  problem: ChainProblem;
  message: string;
}

export interface ChainTableReport {
  table: string;
  rows: number;
  chains: number;
}

export interface VerifyReport {
  ok: boolean;
  tables: ChainTableReport[];
  breaks: ChainBreak[];
}

interface Suspect {
  id: string;
  k: string;
  prev_hash: string | null;
  hash: string | null;
  computed: string;
  expected_prev: string | null;
  seq: number | null;
  lag_seq: number | null;
  n: string;
}

async function verifyTable(q: Queryable, t: ChainTable): Promise<{ report: ChainTableReport; breaks: ChainBreak[] }> {
  const seqCols = t.seq ? `, x.${t.seq} AS seq, lag(x.${t.seq}) OVER w AS lag_seq` : `, NULL::int AS seq, NULL::int AS lag_seq`;
  const seqBad = t.seq ? `OR (s.n = 1 AND s.seq <> 1) OR (s.n > 1 AND s.seq IS DISTINCT FROM s.lag_seq + 1)` : '';
  const suspects = await q.query<Suspect>(
    `WITH s AS (
       SELECT x.id::text AS id, ${t.key} AS k, x.prev_hash, x.hash, chain_hash(x.prev_hash, ${t.content}(x)) AS computed,
              lag(x.hash) OVER w AS lag_hash, row_number() OVER w AS n ${seqCols}
         FROM ${t.table} x
       WINDOW w AS (PARTITION BY ${t.key} ORDER BY x.id)
     ),
     b AS (
       SELECT s.*, CASE WHEN s.n = 1 THEN c.last_hash ELSE s.lag_hash END AS expected_prev,
              row_number() OVER (PARTITION BY s.k ORDER BY s.id::bigint) AS nth
         FROM s LEFT JOIN chain_checkpoints c ON c.tbl = $1 AND c.chain_key = s.k
        WHERE s.hash IS DISTINCT FROM s.computed
           OR s.prev_hash IS DISTINCT FROM (CASE WHEN s.n = 1 THEN c.last_hash ELSE s.lag_hash END)
           ${seqBad}
     )
     SELECT id, k, prev_hash, hash, computed, expected_prev, seq, lag_seq, n::text FROM b WHERE nth = 1 ORDER BY k`,
    [t.table],
  );
  const breaks: ChainBreak[] = [];
  for (const s of suspects) {
    const at = `${t.table} chain ${s.k}, row id ${s.id}${s.seq !== null ? ` (seq ${s.seq})` : ''}`;
    const brk = (problem: ChainProblem, why: string) => breaks.push({ table: t.table, chainKey: s.k, id: s.id, seq: s.seq, problem, message: `${at}: ${why}` });
    if (s.hash !== s.computed) {
      brk('content_changed', s.hash === null ? 'the row has no hash (written around the chain)' : 'the content changed after it was written (its hash does not match)');
      continue;
    }
    if (s.prev_hash !== s.expected_prev && s.prev_hash !== null) {
      // Does it point at a row that now comes later? Then rows were reordered; otherwise the row it points at is gone.
      const later = await q.query<{ id: string }>(
        `SELECT x.id::text AS id FROM ${t.table} x WHERE ${t.key} = $1 AND x.hash = $2 AND x.id > $3::bigint LIMIT 1`,
        [s.k, s.prev_hash, s.id],
      );
      if (later[0]) brk('reordered', `it follows row id ${later[0].id}, which now comes after it`);
      else brk('row_missing', 'the row before it is missing (its prev_hash matches no row of the chain)');
      continue;
    }
    if (s.prev_hash !== s.expected_prev) {
      brk('row_missing', Number(s.n) === 1 ? 'it claims to start the chain but earlier rows existed' : 'it claims to start the chain but follows other rows (reordered or rows missing)');
      continue;
    }
    const expectedSeq = Number(s.n) === 1 ? 1 : (s.lag_seq ?? 0) + 1;
    if (s.seq !== null && s.seq > expectedSeq) brk('row_missing', `seq ${expectedSeq} is missing`);
    else brk('reordered', `seq ${s.seq} comes after seq ${s.lag_seq}`);
  }
  if (t.heads) {
    // The newest row of each chain must be the one its head names (or, all rows gone to retention, the checkpoint's).
    const tails = await q.query<{ k: string; last_id: string; max_id: string | null }>(
      `SELECT h.chain_key AS k, h.last_id::text AS last_id, m.max_id::text AS max_id
         FROM ${t.heads} h
         LEFT JOIN (SELECT ${t.key} AS k, max(x.id) AS max_id FROM ${t.table} x GROUP BY 1) m ON m.k = h.chain_key
         LEFT JOIN chain_checkpoints c ON c.tbl = $1 AND c.chain_key = h.chain_key
        WHERE h.last_id IS NOT NULL AND h.last_id IS DISTINCT FROM coalesce(m.max_id, c.last_id)
        ORDER BY 1`,
      [t.table],
    );
    for (const r of tails) {
      if (breaks.some((b) => b.chainKey === r.k)) continue;
      breaks.push({
        table: t.table, chainKey: r.k, id: r.last_id, seq: null, problem: 'row_missing',
        message: `${t.table} chain ${r.k}, row id ${r.last_id}: the chain's newest row is missing (the chain now ends at ${r.max_id ?? 'nothing'})`,
      });
    }
  }
  if (t.versionOf && t.seq) {
    const v = t.versionOf;
    const tails = await q.query<{ k: string; version: number; last_seq: number | null }>(
      `SELECT o.${v.id}::text AS k, o.version, m.last_seq
         FROM ${v.table} o LEFT JOIN (SELECT ${t.key} AS k, max(x.${t.seq}) AS last_seq FROM ${t.table} x GROUP BY 1) m ON m.k = o.${v.id}::text
        WHERE m.last_seq IS DISTINCT FROM o.version
        ORDER BY 1`,
    );
    for (const r of tails) {
      if (breaks.some((b) => b.chainKey === r.k)) continue;
      breaks.push({
        table: t.table, chainKey: r.k, id: r.k, seq: r.last_seq === null ? 1 : r.last_seq + 1, problem: 'row_missing',
        message: `${t.table} chain ${r.k}: the newest rows are missing (${v.table} is at version ${r.version}, the chain ends at seq ${r.last_seq ?? 'nothing'})`,
      });
    }
  }
  const [count] = await q.query<{ rows: string; chains: string }>(
    `SELECT count(*)::text AS rows, count(DISTINCT ${t.key})::text AS chains FROM ${t.table} x`,
  );
  return { report: { table: t.table, rows: Number(count!.rows), chains: Number(count!.chains) }, breaks };
}

/**
 * Takes the chain locks of register entities (the lock entity_events' insert
 * trigger takes, migrations/202612072102_entity_event_chain.sql) without
 * waiting; says for each key ('type:id') whether it got it. A writer that
 * already holds other row locks (the sweeper holds clock rows) and would then
 * wait for a chain could deadlock with a transition that holds the chain and
 * waits for those rows; it skips the entities it cannot lock instead.
 */
export async function tryLockEntityChains(q: Queryable, keys: readonly string[]): Promise<boolean[]> {
  if (!keys.length) return [];
  const rows = await q.query<{ ok: boolean }>(
    `SELECT pg_try_advisory_xact_lock(74211, hashtext(k.key)) AS ok FROM unnest($1::text[]) WITH ORDINALITY AS k(key, i) ORDER BY k.i`,
    [keys],
  );
  return rows.map((r) => r.ok);
}

/** Walks every chain of every chained table; `ok` when none is broken. */
export async function verifyChains(q: Queryable, tables: readonly ChainTable[] = CHAINED): Promise<VerifyReport> {
  const out: VerifyReport = { ok: true, tables: [], breaks: [] };
  for (const t of tables) {
    const r = await verifyTable(q, t);
    out.tables.push(r.report);
    out.breaks.push(...r.breaks);
  }
  out.ok = out.breaks.length === 0;
  return out;
}
