import { createHash, randomBytes, randomInt } from 'node:crypto';
import type { Chore } from '../platform/chores.ts';
import { hash, verify, Algorithm } from '@node-rs/argon2';
import { v7 as uuidv7 } from 'uuid';
import type { FastifyRequest } from 'fastify';
import type { Db, Queryable } from '../platform/db.ts';
import type { Logger } from '../platform/logger.ts';
import { SmsGateway, SmsGatewayError, type SmsGatewayConfig } from '../platform/sms.ts';
import { Problem, unauthorized, forbidden } from '../platform/errors.ts';
import type { Role } from './roles.ts';

/** The signed-in caller, attached to every authenticated request. */
export interface Principal {
  id: string;
  username: string;
  displayName: string;
  phone: string | null;
  roles: Role[];
  unitId: string | null;
  /** Division code prefixes of the caller's jurisdiction; '*' is everything. */
  scopeCodes: string[];
  via: 'session' | 'token';
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

export const SESSION_COOKIE = 'zhili_session';

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
export const newToken = (prefix = '') => prefix + randomBytes(32).toString('base64url');

/**
 * Bounds how many password hashes run at once. Each argon2id computation
 * takes 19 MiB and tens of milliseconds of a core, so unbounded sign-in
 * attempts would be a lever on memory and CPU. Anonymous callers (sign-in)
 * may wait in a short queue; beyond it they get 503 with Retry-After at once.
 * Work an administrator started (imports, password changes) waits its turn.
 * One gate per process: memory is the process's.
 */
export class HashGate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  /** The most hashes seen running at once (for tests and capacity checks). */
  peak = 0;
  constructor(
    private concurrency = 2,
    private maxQueue = 16,
  ) {}

  configure(concurrency: number, maxQueue: number): void {
    this.concurrency = concurrency;
    this.maxQueue = maxQueue;
  }

  get stats() {
    return { active: this.active, queued: this.waiting.length, peak: this.peak, concurrency: this.concurrency, maxQueue: this.maxQueue };
  }

  async run<T>(fn: () => Promise<T>, opts: { wait?: boolean } = {}): Promise<T> {
    if (this.active < this.concurrency) this.active++;
    else {
      if (!opts.wait && this.waiting.length >= this.maxQueue) {
        throw new Problem(503, 'Service Unavailable', '登录繁忙，请稍后再试 (sign-in is busy; try again in a moment)', [], 'about:blank', { retryAfter: 1 });
      }
      // The slot is handed over by the finishing run, so `active` already counts this one.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.peak = Math.max(this.peak, this.active);
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

export const hashGate = new HashGate();

export function hashPassword(password: string): Promise<string> {
  return hashGate.run(() => hash(password, { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 }), { wait: true });
}

export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  if (!stored) return false;
  return hashGate.run(async () => {
    try {
      return await verify(stored, password);
    } catch {
      return false;
    }
  });
}

// A fixed hash to verify against when the user does not exist, so a wrong
// username costs the same time as a wrong password.
let dummyHash: Promise<string> | undefined;
export function dummyVerify(password: string) {
  dummyHash ??= hashPassword('zhili-timing-equaliser');
  return dummyHash.then((h) => verifyPassword(h, password));
}

interface UserRow {
  id: string;
  username: string;
  display_name: string;
  phone: string | null;
  roles: Role[];
  unit_id: string | null;
  scope_codes: string[];
  active: boolean;
}

const USER_COLUMNS = 'u.id, u.username, u.display_name, u.phone, u.roles, u.unit_id, u.scope_codes, u.active';

function toPrincipal(r: UserRow, via: Principal['via']): Principal {
  return {
    id: r.id,
    username: r.username,
    displayName: r.display_name,
    phone: r.phone,
    roles: r.roles,
    unitId: r.unit_id,
    scopeCodes: r.scope_codes,
    via,
  };
}

export async function createSession(q: Queryable, userId: string, hours: number): Promise<{ token: string; expiresAt: Date }> {
  const token = newToken();
  const expiresAt = new Date(Date.now() + hours * 3600_000);
  await q.query(`INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1, $2, $3)`, [sha256(token), userId, expiresAt]);
  return { token, expiresAt };
}

export async function deleteSession(q: Queryable, token: string): Promise<void> {
  await q.query(`DELETE FROM sessions WHERE token_hash = $1`, [sha256(token)]);
}

/** Resolves the caller from a bearer token or the session cookie; undefined if neither is valid. */
export async function resolvePrincipal(q: Queryable, req: FastifyRequest): Promise<Principal | undefined> {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) {
    const rows = await q.query<UserRow & { token_id: string; stale: boolean }>(
      `SELECT ${USER_COLUMNS}, t.id AS token_id, (t.last_used_at IS NULL OR t.last_used_at < now() - interval '5 minutes') AS stale
         FROM api_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.active`,
      [sha256(auth.slice(7).trim())],
    );
    if (!rows[0]) return undefined;
    // Last use is kept to the nearest few minutes: a write per request would make every call of one integration queue on one row.
    if (rows[0].stale) await q.query(`UPDATE api_tokens SET last_used_at = now() WHERE id = $1`, [rows[0].token_id]);
    return toPrincipal(rows[0], 'token');
  }
  const token = req.cookies?.[SESSION_COOKIE];
  if (!token) return undefined;
  const rows = await q.query<UserRow>(
    `SELECT ${USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE s.token_hash = $1 AND s.expires_at > now() AND u.active`,
    [sha256(token)],
  );
  return rows[0] ? toPrincipal(rows[0], 'session') : undefined;
}

/**
 * Remembers resolved callers for a moment, so a burst of requests from one
 * session costs one lookup. Sessions stay in the database (any instance can
 * serve any request); sign-out clears this instance at once and others
 * within the TTL.
 */
export class PrincipalCache {
  private readonly entries = new Map<string, { p: Principal | undefined; until: number }>();
  constructor(private readonly ttlMs = 2000, private readonly max = 10_000) {}

  async resolve(q: Queryable, req: FastifyRequest): Promise<Principal | undefined> {
    const key = req.headers.authorization ?? req.cookies?.[SESSION_COOKIE];
    if (!key) return undefined;
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.until > now) return hit.p;
    const p = await resolvePrincipal(q, req);
    if (this.entries.size >= this.max) this.entries.clear();
    // Only successes are remembered: a token just created elsewhere must work at once.
    if (p) this.entries.set(key, { p, until: now + this.ttlMs });
    else this.entries.delete(key);
    return p;
  }

  forget(token: string): void {
    this.entries.delete(token);
    this.entries.delete(`Bearer ${token}`);
  }

  clear(): void {
    this.entries.clear();
  }
}

export function requireUser(req: FastifyRequest): Principal {
  if (!req.principal) throw unauthorized();
  return req.principal;
}

export function requireRole(req: FastifyRequest, ...roles: Role[]): Principal {
  const p = requireUser(req);
  if (p.roles.includes('admin') || roles.some((r) => p.roles.includes(r))) return p;
  throw forbidden(`需要以下角色之一 (requires one of): ${roles.join(', ')}`);
}

export function isStaff(p: Principal): boolean {
  return p.roles.some((r) => r !== 'citizen');
}

/** The signed-in caller, who must be staff (any role but citizen). */
export function requireStaff(req: FastifyRequest): Principal {
  const p = requireUser(req);
  if (!isStaff(p)) throw forbidden('仅限工作人员 (staff only)');
  return p;
}

export async function authenticate(q: Queryable, username: string, password: string): Promise<Principal | undefined> {
  const rows = await q.query<UserRow & { password_hash: string | null }>(
    `SELECT ${USER_COLUMNS}, u.password_hash FROM users u WHERE u.username = $1`,
    [username],
  );
  const row = rows[0];
  if (!row) {
    await dummyVerify(password);
    return undefined;
  }
  if (!(await verifyPassword(row.password_hash, password)) || !row.active) return undefined;
  return toPrincipal(row, 'session');
}

/** Sends one-time codes to citizens. A failure throws a Problem the citizen can act on (502/503). */
export interface OtpSender {
  send(phone: string, code: string): Promise<void>;
}

/** Writes the code to the log: for the demo only (a production start never builds one). */
export class LogOtpSender implements OtpSender {
  constructor(private readonly log: (msg: string) => void) {}
  async send(phone: string, code: string): Promise<void> {
    this.log(`one-time code for ${phone}: ${code}`);
  }
}

/** Keeps the last codes in memory instead of sending them (tests); bounded, the oldest phone goes first. */
export class MemoryOtpSender implements OtpSender {
  private readonly codes = new Map<string, string>();
  /** How many codes were sent in all. */
  count = 0;
  constructor(private readonly keep = 100) {}
  async send(phone: string, code: string): Promise<void> {
    this.count++;
    this.codes.delete(phone);
    this.codes.set(phone, code);
    if (this.codes.size > this.keep) this.codes.delete(this.codes.keys().next().value!);
  }
  /** The last code sent to this phone. */
  last(phone: string): string | undefined {
    return this.codes.get(phone);
  }
}

/** No gateway configured outside the demo: refuse plainly rather than lose the code. */
export class UnconfiguredOtpSender implements OtpSender {
  async send(): Promise<void> {
    throw new Problem(503, 'Service Unavailable', '短信服务未配置，暂不能发送验证码 (SMS sending is not configured on this server; set ZHILI_SMS_URL)');
  }
}

export const OTP_TTL_MS = 5 * 60_000;
export const OTP_MAX_ATTEMPTS = 5;

/** Sends codes through the HTTP SMS gateway; its failures become a 502 (refused) or 503 (unreachable) for the citizen. */
export class GatewayOtpSender implements OtpSender {
  constructor(
    private readonly gateway: SmsGateway,
    private readonly log: Logger,
  ) {}
  async send(phone: string, code: string): Promise<void> {
    const text = `您的验证码为 ${code}，${OTP_TTL_MS / 60_000} 分钟内有效，请勿告诉他人。`;
    try {
      await this.gateway.send({ phone, code, text });
    } catch (err) {
      if (!(err instanceof SmsGatewayError)) throw err;
      this.log.warn({ phoneEnds: phone.slice(-4), status: err.status, reason: err.message }, 'one-time code not sent: SMS gateway failed');
      if (err.kind === 'rejected') throw new Problem(502, 'Bad Gateway', '短信发送失败，请稍后再试 (the SMS gateway did not accept the message; try again later)');
      throw new Problem(503, 'Service Unavailable', '短信服务暂时不可用，请稍后再试 (the SMS gateway could not be reached; try again later)', [], 'about:blank', { retryAfter: 30 });
    }
  }
}

/** Which sender a start gets: the configured gateway; else the log in the demo; else a plain refusal. */
export function otpSenderFor(opts: { sms?: SmsGatewayConfig; demo: boolean; log: Logger }): OtpSender {
  if (opts.sms) return new GatewayOtpSender(new SmsGateway(opts.sms), opts.log);
  if (opts.demo) return new LogOtpSender((m) => opts.log.info(m));
  opts.log.warn('ZHILI_SMS_URL is not set: citizens cannot get one-time codes (POST /api/auth/otp/request answers 503)');
  return new UnconfiguredOtpSender();
}

export interface OtpLimits {
  /** Codes per phone per hour. */
  perPhone: number;
  /** Codes per client address per hour. */
  perClient: number;
}

/**
 * Issues a code for a phone, within the hourly limits per phone and per
 * client. Only its hash is kept. If the sender fails, the code is dropped
 * again (it counts against no limit) and the sender's problem is thrown.
 */
export async function issueOtp(db: Db, sender: OtpSender, phone: string, client = 'unknown', limits: OtpLimits = { perPhone: 5, perClient: 10 }): Promise<void> {
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const id = uuidv7();
  await db.tx(async (q) => {
    // Serialise requests for one phone and one client, so a burst cannot slip past the counts (phone first, then client: no deadlock).
    await q.query(`SELECT pg_advisory_xact_lock(74206, hashtext($1))`, [`phone:${phone}`]);
    await q.query(`SELECT pg_advisory_xact_lock(74206, hashtext($1))`, [`client:${client}`]);
    const limit = async (column: 'phone' | 'client', value: string, max: number, field: string, detail: string) => {
      const r = await q.query<{ n: number; wait: number | null }>(
        `SELECT count(*)::int AS n, ceil(extract(epoch FROM min(created_at) + interval '1 hour' - now()))::int AS wait
           FROM otp_codes WHERE ${column} = $1 AND created_at > now() - interval '1 hour'`,
        [value],
      );
      if (r[0].n >= max) {
        const wait = Math.max(1, r[0].wait ?? 60);
        throw new Problem(429, 'Too Many Requests', detail, [{ field, message: detail }], 'about:blank', { retryAfter: wait });
      }
    };
    await limit('phone', phone, limits.perPhone, 'phone', '验证码发送过于频繁 (too many codes requested for this phone in the last hour; try later)');
    await limit('client', client, limits.perClient, 'phone', '验证码请求过于频繁 (too many codes requested from this address in the last hour; try later)');
    await q.query(`INSERT INTO otp_codes (id, phone, code_hash, expires_at, client) VALUES ($1, $2, $3, $4, $5)`, [
      id,
      phone,
      sha256(`${phone}:${code}`),
      new Date(Date.now() + OTP_TTL_MS),
      client,
    ]);
  });
  try {
    await sender.send(phone, code);
  } catch (err) {
    await db.query(`DELETE FROM otp_codes WHERE id = $1`, [id]);
    throw err;
  }
}

/** Checks a code and returns (creating on first sign-in) the citizen user. */
export async function verifyOtp(q: Queryable, phone: string, code: string): Promise<Principal | undefined> {
  // One statement counts the attempt and, if the code is right, consumes it:
  // parallel guesses cannot all read the same attempt count.
  const hashed = sha256(`${phone}:${code}`);
  const rows = await q.query<{ ok: boolean }>(
    `UPDATE otp_codes SET attempts = attempts + CASE WHEN code_hash = $2 THEN 0 ELSE 1 END,
            consumed_at = CASE WHEN code_hash = $2 THEN now() END
      WHERE id = (SELECT id FROM otp_codes WHERE phone = $1 AND consumed_at IS NULL AND expires_at > now() ORDER BY created_at DESC LIMIT 1)
        AND consumed_at IS NULL AND attempts < $3
      RETURNING consumed_at IS NOT NULL AS ok`,
    [phone, hashed, OTP_MAX_ATTEMPTS],
  );
  if (!rows[0]?.ok) return undefined;
  const existing = await q.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users u WHERE u.phone = $1 AND 'citizen' = ANY(u.roles)`, [phone]);
  if (existing[0]) return existing[0].active ? toPrincipal(existing[0], 'session') : undefined;
  const created = await q.query<UserRow>(
    `INSERT INTO users AS u (id, username, display_name, phone, roles) VALUES ($1, $2, $3, $4, '{citizen}')
     ON CONFLICT (phone) WHERE 'citizen' = ANY (roles) DO UPDATE SET updated_at = now()
     RETURNING ${USER_COLUMNS}`,
    [uuidv7(), `citizen:${phone}`, `群众${phone.slice(-4)}`, phone],
  );
  return toPrincipal(created[0], 'session');
}

/** Creates an API token for a user; the plain token is returned once and only its hash is kept. */
export async function createApiToken(q: Queryable, userId: string, name: string): Promise<{ id: string; token: string }> {
  const token = newToken('zk_');
  const id = uuidv7();
  await q.query(`INSERT INTO api_tokens (id, token_hash, user_id, name) VALUES ($1, $2, $3, $4)`, [id, sha256(token), userId, name]);
  return { id, token };
}

declare module '../platform/context.ts' {
  interface Services {
    /** Resolved callers, remembered briefly; cleared when sessions or users change. */
    principals: PrincipalCache;
  }
}

/** Housekeeping (platform/chores.ts): expired sessions, and one-time codes a day past expiry (the per-address limit reads only the last hour). */
export function signInChores(db: Db): Chore[] {
  const count = async (sql: string) => (await db.query<{ n: number }>(`WITH d AS (${sql} RETURNING 1) SELECT count(*)::int AS n FROM d`))[0].n;
  return [
    { name: 'expired sessions', run: () => count(`DELETE FROM sessions WHERE expires_at < now()`) },
    { name: 'expired one-time codes', run: () => count(`DELETE FROM otp_codes WHERE expires_at < now() - interval '1 day'`) },
  ];
}
