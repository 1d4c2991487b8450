/**
 * Upload housekeeping: the per-user daily quota, and removal of uploads that
 * were never attached to a case (a form abandoned after its photos went up).
 */
import type { Chore } from '../platform/chores.ts';
import type { Kernel } from '../platform/context.ts';
import type { Queryable } from '../platform/db.ts';
import { Problem } from '../platform/errors.ts';

/** Unattached uploads older than this are removed. */
export const UNATTACHED_TTL_HOURS = 24;

/**
 * Refuses an upload of `size` bytes that would take the user past the quota
 * (bytes uploaded in the last 24 hours, attached or not). Run inside the
 * transaction that records the upload: a per-user advisory lock makes two
 * parallel uploads count each other.
 */
export async function checkUploadQuota(q: Queryable, userId: string, size: number, quotaBytes: number): Promise<void> {
  if (quotaBytes <= 0) return;
  await q.query(`SELECT pg_advisory_xact_lock(74206, hashtext($1))`, [userId]);
  const [{ used }] = await q.query<{ used: string }>(
    `SELECT coalesce(sum(size), 0)::text AS used FROM attachments WHERE uploaded_by = $1 AND created_at > now() - interval '1 day'`,
    [userId],
  );
  if (Number(used) + size > quotaBytes) {
    const mb = (n: number) => `${Math.round((n / 1024 / 1024) * 10) / 10} MB`;
    const msg = `今日上传已达上限 (daily upload quota reached): ${mb(Number(used))} of ${mb(quotaBytes)} used in the last 24 hours`;
    throw new Problem(429, 'Too Many Requests', msg, [{ field: 'file', message: msg }]);
  }
}

/**
 * Removes unattached uploads older than a day: rows first, in one statement
 * (DELETE ... RETURNING, so with several instances each row goes to exactly
 * one of them), then their files. A crash between the two leaves a file
 * without a row, never a row without a file.
 */
export async function sweepUnattached(ctx: Kernel, batch = 500): Promise<number> {
  let removed = 0;
  for (;;) {
    const rows = await ctx.db.query<{ storage_key: string }>(
      `DELETE FROM attachments WHERE id IN (
         SELECT id FROM attachments WHERE case_id IS NULL AND created_at < now() - make_interval(hours => $1) LIMIT $2
       ) AND case_id IS NULL RETURNING storage_key`,
      [UNATTACHED_TTL_HOURS, batch],
    );
    for (const r of rows) {
      try {
        await ctx.storage.delete(r.storage_key);
      } catch (err) {
        ctx.log.warn({ err, key: r.storage_key }, 'unattached upload: file not removed');
      }
    }
    removed += rows.length;
    if (rows.length < batch) return removed;
  }
}

/** The housekeeping chore (platform/chores.ts) that removes uploads never attached to a case. */
export const unattachedUploadsChore = (ctx: Kernel): Chore => ({ name: 'uploads never attached to a case', run: () => sweepUnattached(ctx) });
