import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { hash, verify, Algorithm } from '@node-rs/argon2';
import { v7 as uuidv7 } from 'uuid';
import type { FastifyRequest } from 'fastify';
import type { Queryable } from '../platform/db.ts';
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

export function hashPassword(password: string): Promise<string> {
  return hash(password, { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 });
}

export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  if (!stored) return false;
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
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

/** Sends one-time codes to citizens; the log sender is for development. */
export interface OtpSender {
  send(phone: string, code: string): Promise<void>;
}

export class LogOtpSender implements OtpSender {
  readonly sent: { phone: string; code: string }[] = [];
  constructor(private readonly log: (msg: string) => void) {}
  async send(phone: string, code: string): Promise<void> {
    this.sent.push({ phone, code });
    this.log(`one-time code for ${phone}: ${code}`);
  }
}

export const OTP_TTL_MS = 5 * 60_000;
export const OTP_MAX_ATTEMPTS = 5;

export async function issueOtp(q: Queryable, sender: OtpSender, phone: string): Promise<void> {
  const recent = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM otp_codes WHERE phone = $1 AND created_at > now() - interval '1 hour'`,
    [phone],
  );
  if (recent[0].n >= 5) {
    throw new Problem(429, 'Too Many Requests', '验证码发送过于频繁 (too many codes requested; try later)', [{ field: 'phone', message: 'too many codes requested for this phone in the last hour' }]);
  }
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  await q.query(`INSERT INTO otp_codes (id, phone, code_hash, expires_at) VALUES ($1, $2, $3, $4)`, [
    uuidv7(),
    phone,
    sha256(`${phone}:${code}`),
    new Date(Date.now() + OTP_TTL_MS),
  ]);
  await sender.send(phone, code);
}

/** Checks a code and returns (creating on first sign-in) the citizen user. */
export async function verifyOtp(q: Queryable, phone: string, code: string): Promise<Principal | undefined> {
  const rows = await q.query<{ id: string; code_hash: string; attempts: number }>(
    `SELECT id, code_hash, attempts FROM otp_codes
      WHERE phone = $1 AND consumed_at IS NULL AND expires_at > now() ORDER BY created_at DESC LIMIT 1`,
    [phone],
  );
  const otp = rows[0];
  if (!otp || otp.attempts >= OTP_MAX_ATTEMPTS) return undefined;
  const given = Buffer.from(sha256(`${phone}:${code}`));
  if (!timingSafeEqual(given, Buffer.from(otp.code_hash))) {
    await q.query(`UPDATE otp_codes SET attempts = attempts + 1 WHERE id = $1`, [otp.id]);
    return undefined;
  }
  const consumed = await q.query(`UPDATE otp_codes SET consumed_at = now() WHERE id = $1 AND consumed_at IS NULL RETURNING id`, [otp.id]);
  if (!consumed.length) return undefined;
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

declare module '../platform/context.ts' {
  interface Services {
    /** Resolved callers, remembered briefly; cleared when sessions or users change. */
    principals: PrincipalCache;
  }
}
