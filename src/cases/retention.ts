/**
 * Retention and anonymisation (personal information protection), as policy
 * rows in retention_policies (migrations/202612072103_retention.sql):
 *
 * - case_reporter: a finished case's reporter name and phone are removed after
 *   the policy's days. They live on the case row only, never in its hash-chained
 *   events, so the chain stays verifiable; nothing the statistics count changes
 *   (status, times, category, division, units, rating stay).
 * - audit_log: audit rows older than the policy's days are deleted, chain by
 *   chain, keeping a checkpoint (the hash of the last deleted row) that the
 *   chain's first kept row points at and the verify starts from.
 * - cancelled_attachments: files of cases cancelled longer ago are deleted
 *   (rows first, then files, as the unattached-upload sweep does).
 *
 * applyRetention runs daily in the server (one instance at a time: a
 * transaction-scoped advisory lock) and from `zhili retention apply`.
 */
import type { Chore } from '../platform/chores.ts';
import { z } from 'zod';
import type { Kernel } from '../platform/context.ts';
import type { Queryable } from '../platform/db.ts';
import { audit } from '../platform/audit.ts';

export const RETENTION_KEYS = ['case_reporter', 'audit_log', 'cancelled_attachments'] as const;
export type RetentionKey = (typeof RETENTION_KEYS)[number];

export const RETENTION_POLICY = z.object({
  key: z.enum(RETENTION_KEYS),
  afterDays: z.number().int(),
  enabled: z.boolean(),
  updatedAt: z.string(),
  updatedBy: z.string().nullable(),
});
export type RetentionPolicy = z.infer<typeof RETENTION_POLICY>;

export const RETENTION_POLICY_PATCH = z.strictObject({
  afterDays: z.number().int().min(1, '至少 1 天 (at least 1 day)').max(36500, '至多 36500 天 (at most 36500 days)').optional(),
  enabled: z.boolean().optional(),
});

export const RETENTION_RESULT = z.object({
  dryRun: z.boolean(),
  skipped: z.boolean().describe('another instance was applying the policies at the time'),
  anonymisedCases: z.number().int(),
  deletedAuditRows: z.number().int(),
  deletedAttachments: z.number().int(),
});
export type RetentionResult = z.infer<typeof RETENTION_RESULT>;

interface PolicyRow { key: RetentionKey; after_days: number; enabled: boolean; updated_at: Date; updated_by: string | null }

const toPolicy = (r: PolicyRow): RetentionPolicy => ({
  key: r.key,
  afterDays: r.after_days,
  enabled: r.enabled,
  updatedAt: new Date(r.updated_at).toISOString(),
  updatedBy: r.updated_by,
});

export async function listRetentionPolicies(q: Queryable): Promise<RetentionPolicy[]> {
  const rows = await q.query<PolicyRow>(`SELECT key, after_days, enabled, updated_at, updated_by FROM retention_policies ORDER BY key`);
  return rows.map(toPolicy);
}

export async function updateRetentionPolicy(q: Queryable, key: RetentionKey, patch: z.infer<typeof RETENTION_POLICY_PATCH>, userId: string | null) {
  const rows = await q.query<PolicyRow>(
    `UPDATE retention_policies SET after_days = coalesce($2, after_days), enabled = coalesce($3, enabled), updated_at = now(), updated_by = $4
      WHERE key = $1 RETURNING key, after_days, enabled, updated_at, updated_by`,
    [key, patch.afterDays ?? null, patch.enabled ?? null, userId],
  );
  return rows[0] ? toPolicy(rows[0]) : undefined;
}

/** Finished cases whose reporter details are due for removal (alias c; $1 = the cutoff). */
const REPORTER_DUE = `c.anonymised_at IS NULL AND (c.reporter_name IS NOT NULL OR c.reporter_phone IS NOT NULL)
  AND ((c.status IN ('closed', 'rated') AND c.closed_at < $1) OR (c.status IN ('cancelled', 'transferred', 'merged') AND c.updated_at < $1))`;

/** Attachments of cases cancelled before the cutoff ($1). */
const ATTACHMENTS_DUE = `a.case_id IN (
  SELECT c.id FROM cases c WHERE c.status = 'cancelled'
     AND EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.action = 'cancel' AND e.at < $1)
     AND NOT EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.action = 'cancel' AND e.at >= $1))`;

const cutoff = (now: Date, days: number) => new Date(now.getTime() - days * 86_400_000);

/**
 * Applies every enabled policy as of `now`. With dryRun nothing changes and the
 * counts say what would. Returns skipped when another instance holds the job.
 */
export async function applyRetention(ctx: Pick<Kernel, 'db' | 'storage' | 'log'>, o: { dryRun?: boolean; now?: Date } = {}): Promise<RetentionResult> {
  const now = o.now ?? new Date();
  const dryRun = !!o.dryRun;
  const result: RetentionResult = { dryRun, skipped: false, anonymisedCases: 0, deletedAuditRows: 0, deletedAttachments: 0 };
  const files: string[] = [];
  await ctx.db.tx(async (q) => {
    const [lock] = await q.query<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock(74213) AS ok`);
    if (!lock!.ok) {
      result.skipped = true;
      return;
    }
    const policies = new Map((await listRetentionPolicies(q)).filter((p) => p.enabled).map((p) => [p.key, p]));

    const reporter = policies.get('case_reporter');
    if (reporter) {
      const at = cutoff(now, reporter.afterDays);
      const [n] = dryRun
        ? await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM cases c WHERE ${REPORTER_DUE}`, [at])
        : await q.query<{ n: number }>(
            `WITH u AS (UPDATE cases c SET reporter_name = NULL, reporter_phone = NULL, anonymised_at = now() WHERE ${REPORTER_DUE} RETURNING 1)
             SELECT count(*)::int AS n FROM u`,
            [at],
          );
      result.anonymisedCases = n!.n;
    }

    const attachments = policies.get('cancelled_attachments');
    if (attachments) {
      const at = cutoff(now, attachments.afterDays);
      if (dryRun) {
        const [n] = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM attachments a WHERE ${ATTACHMENTS_DUE}`, [at]);
        result.deletedAttachments = n!.n;
      } else {
        const rows = await q.query<{ storage_key: string }>(`DELETE FROM attachments a WHERE ${ATTACHMENTS_DUE} RETURNING storage_key`, [at]);
        files.push(...rows.map((r) => r.storage_key));
        result.deletedAttachments = rows.length;
      }
    }

    const auditPolicy = policies.get('audit_log');
    if (auditPolicy) result.deletedAuditRows = await purgeAuditLog(q, cutoff(now, auditPolicy.afterDays), dryRun);

    if (!dryRun && (result.anonymisedCases || result.deletedAuditRows || result.deletedAttachments)) {
      await audit(q, { userId: null, action: 'retention_apply', entity: 'retention', detail: { ...result } });
    }
  });
  // Files after the rows are gone for good: a crash between leaves a file without a row, never a row without a file.
  for (const key of files) {
    try {
      await ctx.storage.delete(key);
    } catch (err) {
      ctx.log.warn({ err, key }, 'retention: attachment file not removed');
    }
  }
  return result;
}

/**
 * Deletes each audit chain's rows up to its last row older than the cutoff
 * (a prefix of the chain: rows are chained in id order), recording the last
 * deleted row's hash as the chain's checkpoint, under the chain's lock.
 */
async function purgeAuditLog(q: Queryable, before: Date, dryRun: boolean): Promise<number> {
  const chains = await q.query<{ k: string; last_id: string }>(
    `SELECT audit_log_chain_key(user_id) AS k, max(id)::text AS last_id FROM audit_log WHERE at < $1 GROUP BY 1 ORDER BY 1`,
    [before],
  );
  let deleted = 0;
  for (const c of chains) {
    const keyMatch = c.k === 'system' ? `user_id IS NULL` : `user_id = $1::uuid`;
    const keyParam = c.k === 'system' ? null : c.k;
    if (dryRun) {
      const [n] = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE ${keyMatch.replace('$1', '$2')} AND id <= $1`, [
        c.last_id,
        ...(keyParam ? [keyParam] : []),
      ]);
      deleted += n!.n;
      continue;
    }
    await q.query(`SELECT 1 FROM audit_chain_heads WHERE chain_key = $1 FOR UPDATE`, [c.k]);
    const [last] = await q.query<{ hash: string }>(`SELECT hash FROM audit_log WHERE id = $1`, [c.last_id]);
    const gone = await q.query(`DELETE FROM audit_log WHERE ${keyMatch.replace('$1', '$2')} AND id <= $1 RETURNING 1`, [c.last_id, ...(keyParam ? [keyParam] : [])]);
    await q.query(
      `INSERT INTO chain_checkpoints (tbl, chain_key, last_id, last_hash, deleted) VALUES ('audit_log', $1, $2, $3, $4)
       ON CONFLICT (tbl, chain_key) DO UPDATE SET last_id = EXCLUDED.last_id, last_hash = EXCLUDED.last_hash,
              deleted = chain_checkpoints.deleted + EXCLUDED.deleted, at = now()`,
      [c.k, c.last_id, last!.hash, gone.length],
    );
    deleted += gone.length;
  }
  return deleted;
}

/** The housekeeping chore (platform/chores.ts) that applies the policies; returns how many things it changed. */
export const retentionChore = (ctx: Kernel): Chore => ({
  name: 'retention and anonymisation',
  run: async () => {
    const r = await applyRetention(ctx);
    return r.anonymisedCases + r.deletedAuditRows + r.deletedAttachments;
  },
});
