/**
 * Failure counters with exponential backoff, kept in the database
 * (auth_throttle) so that every instance behind a load balancer sees the
 * same counts and delays. Time is the database's, for the same reason.
 *
 * A key is blocked only for a bounded delay, never locked for good: an
 * attacker can slow an account's sign-in, not shut its owner out.
 */
import { isIPv6 } from 'node:net';
import type { Db } from '../platform/db.ts';
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

/**
 * Each attempt takes a ticket before the expensive work: `acquire` counts it
 * as a failure up front, in one locked step, and says whether the key is
 * blocked. So a burst of parallel guesses gets exactly the free attempts, not
 * as many as arrive before the first failure is written. A success hands the
 * ticket back (`reset` for the account, `release` for the client address).
 */
export class Throttle {
  constructor(private readonly db: Db) {}

  /** Seconds until every one of these keys is free again (0: go ahead). */
  async waitSeconds(keys: string[]): Promise<number> {
    const r = await this.db.query<{ s: number | null }>(
      `SELECT max(ceil(extract(epoch FROM blocked_until - now())))::int AS s FROM auth_throttle WHERE key = ANY($1::text[]) AND blocked_until > now()`,
      [keys],
    );
    return Math.max(0, r[0]?.s ?? 0);
  }

  /**
   * Counts an attempt on `key` as a failure unless the key is blocked; returns
   * the seconds to wait when it is (the attempt is then not counted), else 0.
   */
  async acquire(key: string, b: Backoff): Promise<number> {
    return this.db.tx(async (q) => {
      await q.query(`INSERT INTO auth_throttle (key) VALUES ($1) ON CONFLICT (key) DO NOTHING`, [key]);
      const r = await q.query<{ failures: number; wait: number | null; stale: boolean }>(
        `SELECT failures, CASE WHEN blocked_until > now() THEN ceil(extract(epoch FROM blocked_until - now()))::int END AS wait,
                updated_at < now() - make_interval(secs => $2::double precision) AS stale
           FROM auth_throttle WHERE key = $1 FOR UPDATE`,
        [key, b.windowSeconds],
      );
      if (r[0].wait) return Math.max(1, r[0].wait);
      const failures = r[0].stale ? 1 : r[0].failures + 1;
      const delay = delaySeconds(b, failures);
      await q.query(
        `UPDATE auth_throttle SET failures = $2, updated_at = now(),
                blocked_until = CASE WHEN $3::double precision > 0 THEN now() + make_interval(secs => $3::double precision) END
          WHERE key = $1`,
        [key, failures, delay],
      );
      return 0;
    }).finally(() => this.prune());
  }

  /** Acquires every key in order, or none: a blocked key hands back those already taken. Throws 429 with retryAfter. */
  async acquireAll(keys: [string, Backoff][], detail?: string): Promise<void> {
    const taken: [string, Backoff][] = [];
    for (const [key, b] of keys) {
      const wait = await this.acquire(key, b);
      if (wait > 0) {
        for (const [k, tb] of taken) await this.release(k, tb);
        throw tooManyAttempts(wait, detail);
      }
      taken.push([key, b]);
    }
  }

  /** Hands back one attempt's ticket (it succeeded): the count goes down by one, and a block it set goes. */
  async release(key: string, b: Backoff): Promise<void> {
    await this.db.query(
      `UPDATE auth_throttle SET failures = greatest(failures - 1, 0),
              blocked_until = CASE WHEN failures - 1 < $2 THEN NULL ELSE blocked_until END
        WHERE key = $1`,
      [key, b.free],
    );
  }

  /** Forgets a key's failures (a successful sign-in clears its account). */
  async reset(key: string): Promise<void> {
    await this.db.query(`DELETE FROM auth_throttle WHERE key = $1`, [key]);
  }

  // Now and then, drop counters nobody has touched for a day: the table stays the size of current trouble.
  private async prune(): Promise<void> {
    if (Math.random() >= 0.02) return;
    await this.db.query(`DELETE FROM auth_throttle WHERE updated_at < now() - interval '1 day' AND (blocked_until IS NULL OR blocked_until < now())`);
  }
}
