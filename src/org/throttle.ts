/**
 * Failure counters with exponential backoff, kept in the database
 * (auth_throttle) so that every instance behind a load balancer sees the
 * same counts and delays. Time is the database's, for the same reason.
 *
 * A key is blocked only for a bounded delay, never locked for good: an
 * attacker can slow an account's sign-in, not shut its owner out.
 */
import { isIPv6 } from 'node:net';
import type { Queryable } from '../platform/db.ts';
import { Problem } from '../platform/errors.ts';
import type { Backoff } from './config.ts';

/** The delay after `failures` failures: none while free, then base, 2·base, 4·base, … up to max. */
export function delaySeconds(b: Backoff, failures: number): number {
  if (failures < b.free) return 0;
  return Math.min(b.maxSeconds, b.baseSeconds * 2 ** Math.min(30, failures - b.free));
}

/**
 * The client part of a key: an IPv4 address as is, an IPv6 address by its
 * /64 (one subscriber commonly holds a whole /64, so single addresses would
 * give an attacker billions of fresh counters).
 */
export function clientKey(ip: string): string {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (v4) return v4[1];
  if (!isIPv6(ip)) return ip;
  const [head, tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return `${groups.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(':')}::/64`;
}

export const tooManyAttempts = (seconds: number, detail = '尝试次数过多，请稍后再试 (too many attempts; try again later)') =>
  new Problem(429, 'Too Many Requests', `${detail}: ${seconds} s`, [], 'about:blank', { retryAfter: seconds });

export class Throttle {
  constructor(private readonly q: Queryable) {}

  /** Seconds until every one of these keys is free again (0: go ahead). */
  async waitSeconds(keys: string[]): Promise<number> {
    const r = await this.q.query<{ s: number | null }>(
      `SELECT max(ceil(extract(epoch FROM blocked_until - now())))::int AS s FROM auth_throttle WHERE key = ANY($1::text[]) AND blocked_until > now()`,
      [keys],
    );
    return Math.max(0, r[0]?.s ?? 0);
  }

  /** Throws 429 (with retryAfter) if any key is blocked. */
  async check(keys: string[], detail?: string): Promise<void> {
    const s = await this.waitSeconds(keys);
    if (s > 0) throw tooManyAttempts(s, detail);
  }

  /** Counts a failure; returns the delay it now imposes (0 while free). */
  async fail(key: string, b: Backoff): Promise<number> {
    const r = await this.q.query<{ failures: number }>(
      `INSERT INTO auth_throttle AS t (key, failures, updated_at) VALUES ($1, 1, now())
       ON CONFLICT (key) DO UPDATE SET
         failures = CASE WHEN t.updated_at < now() - make_interval(secs => $2::double precision) THEN 1 ELSE t.failures + 1 END,
         updated_at = now()
       RETURNING failures`,
      [key, b.windowSeconds],
    );
    const delay = delaySeconds(b, r[0].failures);
    if (delay > 0) {
      await this.q.query(
        `UPDATE auth_throttle SET blocked_until = greatest(coalesce(blocked_until, now()), now() + make_interval(secs => $2::double precision)) WHERE key = $1`,
        [key, delay],
      );
    }
    // Now and then, drop counters nobody has touched for a day: the table stays the size of current trouble.
    if (Math.random() < 0.02) {
      await this.q.query(`DELETE FROM auth_throttle WHERE updated_at < now() - interval '1 day' AND (blocked_until IS NULL OR blocked_until < now())`);
    }
    return delay;
  }

  async reset(key: string): Promise<void> {
    await this.q.query(`DELETE FROM auth_throttle WHERE key = $1`, [key]);
  }
}
