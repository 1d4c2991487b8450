import { z } from 'zod';
import type { FastifyReply } from 'fastify';
import { DivisionDetailSchema, DivisionListItemSchema, GridSchema, MeSchema, NewTokenSchema, TokenSchema, UnitSchema, UserSchema } from './types.ts';
import { NoContent, Upserted } from '../platform/schemas.ts';
import type { App, Ctx } from '../platform/http.ts';
import { allow, type HttpAuth } from '../platform/access.ts';
import { Problem, conflict, notFound, unauthorized, forbidden, invalid } from '../platform/errors.ts';
import { audit } from '../platform/audit.ts';
import {
  SESSION_COOKIE,
  authenticate,
  createSession,
  deleteSession,
  issueOtp,
  verifyOtp,
  requireUser,
  requireRole,
  PrincipalCache,
  createApiToken,
  isStaff,
  type OtpSender,
  type Principal,
} from './auth.ts';
import { ROLES, ROLE_LABELS } from './roles.ts';
import { loadAuthConfig, type AuthConfig } from './config.ts';
import { Throttle, clientKey } from './throttle.ts';
import { assertInScope, gridVisibility, inScope, seesEverything, unitVisibility } from './scope.ts';
import {
  DIVISION_CODE,
  GEOMETRY,
  GRID_INPUT,
  GRID_SELECT,
  UNIT_INPUT,
  UNIT_KINDS,
  UNIT_SELECT,
  USER_INPUT,
  USER_SELECT,
  divisionChain,
  upsertDivisions,
  upsertGrid,
  upsertUnit,
  upsertUser,
} from './store.ts';
import { gridsChanged, registerOrgAdminRoutes, userInJurisdiction as userInJurisdictionIn } from './admin-routes.ts';
import { maskPhone } from '../platform/masking.ts';

/** Divisions as lists give them: hasChildren lets a tree know which nodes expand. */
const DIVISION_LIST_PLAIN = `SELECT d.code, d.name, d.level, d.parent_code AS "parentCode",
  EXISTS (SELECT 1 FROM divisions c WHERE c.parent_code = d.code) AS "hasChildren" FROM divisions d`;
/** The same with each division's outline (GeoJSON or null): asked for with geometry=true only, lists stay small. */
const DIVISION_LIST_GEO = DIVISION_LIST_PLAIN.replace(' FROM divisions d', ', d.geometry FROM divisions d');

const PHONE = z.string().regex(/^1\d{10}$/, '请输入 11 位手机号 (an 11-digit mobile number)');
const ID = z.strictObject({ id: z.uuid() });

/** Who is calling, for the HTTP layer's access control: a session cookie or an API token. */
export function httpAuth(ctx: Ctx): HttpAuth {
  const cache = ctx.services.principals;
  return {
    async authenticate(req) {
      req.principal = await cache.resolve(ctx.db, req);
    },
    rolesOf: (req) => req.principal?.roles ?? null,
  };
}

function sessionCookie(ctx: Ctx, token: string, expires: Date) {
  // 'auto' (the default off production) marks it Secure when the request came over HTTPS: req.protocol, which believes
  // X-Forwarded-Proto from trusted proxies only. True when ZHILI_PUBLIC_URL is https, on a production start, or when set.
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: ctx.config.secureCookies, expires };
}

function me(p: Principal, unit?: { code: string; name: string } | null) {
  return {
    id: p.id,
    username: p.username,
    displayName: p.displayName,
    roles: p.roles,
    roleLabels: p.roles.map((r) => ROLE_LABELS[r]),
    unitId: p.unitId,
    unit: unit ?? null,
    scopeCodes: p.scopeCodes,
  };
}

/**
 * A problem that says when to come back (429 throttles, 503 busy) carries
 * `retryAfter`; this puts it in the Retry-After header as well.
 */
async function withRetryAfter<T>(reply: FastifyReply, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof Problem && typeof err.extra.retryAfter === 'number') reply.header('retry-after', String(err.extra.retryAfter));
    throw err;
  }
}

export function registerOrgRoutes(app: App, ctx: Ctx, otpSender: OtpSender, authConfig: AuthConfig = loadAuthConfig()) {
  const db = ctx.db;
  const tags = ['auth'];
  const throttle = new Throttle(db);
  const cfg = authConfig;

  app.post(
    '/api/auth/login',
    { config: { access: allow.public() }, schema: { tags, summary: '用户名密码登录 Sign in with username and password', description: 'Repeated failures for one account or from one client address are answered 429 with Retry-After (delays double, bounded); a busy server answers 503 with Retry-After.', body: z.strictObject({ username: z.string().min(1).max(64), password: z.string().min(1).max(200) }), response: { 200: MeSchema } } },
    async (req, reply) =>
      withRetryAfter(reply, async () => {
        const accountKey = `login-user:${req.body.username}`;
        const clientKeyOf = `login-client:${clientKey(req.ip)}`;
        // Counted before any hashing (as a failure until it succeeds): a blocked attempt costs a row lock, not 19 MiB of argon2,
        // and parallel guesses get the free attempts only. Unknown usernames count too, so answers do not tell which accounts exist.
        await throttle.acquireAll([
          [clientKeyOf, cfg.loginClient],
          [accountKey, cfg.loginAccount],
        ]);
        let p: Principal | undefined;
        try {
          p = await authenticate(db, req.body.username, req.body.password);
        } catch (err) {
          // Not tried (hashing busy): the attempt does not count.
          await throttle.release(clientKeyOf, cfg.loginClient);
          await throttle.release(accountKey, cfg.loginAccount);
          throw err;
        }
        if (!p) throw unauthorized('用户名或密码错误 (wrong username or password)');
        await throttle.release(clientKeyOf, cfg.loginClient);
        await throttle.reset(accountKey);
        const s = await createSession(db, p.id, ctx.config.sessionHours);
        reply.setCookie(SESSION_COOKIE, s.token, sessionCookie(ctx, s.token, s.expiresAt));
        await audit(db, { userId: p.id, action: 'login', entity: 'user', entityId: p.id, ip: req.ip });
        return me(p, await unitOf(p));
      }),
  );

  app.post('/api/auth/logout', { config: { access: allow.public('own') }, schema: { tags, summary: '退出 Sign out', response: { 204: NoContent } } }, async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE];
    if (token) {
      await deleteSession(db, token);
      ctx.services.principals.forget(token);
    }
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.status(204).send();
  });

  app.get('/api/auth/me', { config: { access: allow.signedIn('none') }, schema: { tags, summary: '当前用户 The signed-in user', response: { 200: MeSchema } } }, async (req) => {
    const p = requireUser(req);
    return me(p, await unitOf(p));
  });

  app.post(
    '/api/auth/otp/request',
    { config: { access: allow.public() }, schema: { tags, summary: '群众手机验证码 Send a one-time code to a citizen phone', description: 'Limited per phone and per client address per hour (429 with Retry-After). A failing SMS gateway gives 502 or 503.', body: z.strictObject({ phone: PHONE }), response: { 202: z.object({ sent: z.boolean() }) } } },
    async (req, reply) =>
      withRetryAfter(reply, async () => {
        await issueOtp(db, otpSender, req.body.phone, clientKey(req.ip), { perPhone: cfg.otpPhonePerHour, perClient: cfg.otpClientPerHour });
        return reply.status(202).send({ sent: true });
      }),
  );

  app.post(
    '/api/auth/otp/verify',
    { config: { access: allow.public() }, schema: { tags, summary: '验证码登录 Sign in with the one-time code', description: 'Each code allows 5 tries; repeated wrong codes for one phone or from one client address are answered 429 with Retry-After.', body: z.strictObject({ phone: PHONE, code: z.string().regex(/^\d{6}$/, '6 位数字 (6 digits)') }), response: { 200: MeSchema } } },
    async (req, reply) =>
      withRetryAfter(reply, async () => {
        const phoneKey = `otp-phone:${req.body.phone}`;
        const clientKeyOf = `otp-client:${clientKey(req.ip)}`;
        await throttle.acquireAll([
          [clientKeyOf, cfg.otpVerify],
          [phoneKey, cfg.otpVerify],
        ]);
        const p = await verifyOtp(db, req.body.phone, req.body.code);
        if (!p) throw unauthorized('验证码错误或已过期 (wrong or expired code)');
        await throttle.release(clientKeyOf, cfg.otpVerify);
        await throttle.reset(phoneKey);
        const s = await createSession(db, p.id, ctx.config.sessionHours);
        reply.setCookie(SESSION_COOKIE, s.token, sessionCookie(ctx, s.token, s.expiresAt));
        return me(p);
      }),
  );

  const userInJurisdiction = (p: Principal, userId: string) => userInJurisdictionIn(db, p, userId);
  async function assertUserInJurisdiction(p: Principal, userId: string, field: string) {
    if (!(await userInJurisdiction(p, userId))) throw forbidden(`${field}: 该用户不在您的管辖范围内 (outside your jurisdiction)`);
  }

  /**
   * The upserts update by code or username; a console's "new" form sends
   * `If-None-Match: *` so that a taken code is refused (409) rather than
   * silently overwriting someone else's record.
   */
  async function assertCreateOnly(header: string | string[] | undefined, sql: string, key: string, field: string) {
    if (header !== '*') return;
    if ((await db.query(sql, [key])).length) throw conflict(`${field}: ${key} 已存在 (already exists)`, [{ field, message: `${key} 已存在 (already exists)` }]);
  }

  async function unitOf(p: Principal) {
    if (!p.unitId) return null;
    const r = await db.query<{ code: string; name: string }>(`SELECT code, name FROM units WHERE id = $1`, [p.unitId]);
    return r[0] ?? null;
  }

  // --- API tokens for integrations ---
  app.post(
    '/api/tokens',
    { config: { access: allow.signedIn('own') },
      schema: {
        tags,
        summary: '创建接口令牌 Create an API token (shown once)',
        body: z.strictObject({ name: z.string().min(1).max(100), username: z.string().optional() }),
        response: { 201: NewTokenSchema },
      },
    },
    async (req, reply) => {
      const p = requireUser(req);
      let userId = p.id;
      if (req.body.username && req.body.username !== p.username) {
        requireRole(req, 'admin');
        const u = await db.query<{ id: string }>(`SELECT id FROM users WHERE username = $1`, [req.body.username]);
        if (!u[0]) throw invalid('username', 'no such user');
        await assertUserInJurisdiction(p, u[0].id, 'username');
        userId = u[0].id;
      }
      const { id, token } = await createApiToken(db, userId, req.body.name);
      await audit(db, { userId: p.id, action: 'token_create', entity: 'api_token', entityId: id, ip: req.ip });
      return reply.status(201).send({ id, name: req.body.name, token });
    },
  );
  app.get('/api/tokens', { config: { access: allow.signedIn('own') }, schema: { tags, summary: '我的接口令牌 My API tokens', response: { 200: z.array(TokenSchema) } } }, async (req) => {
    const p = requireUser(req);
    return db.query(
      `SELECT id, name, created_at AS "createdAt", last_used_at AS "lastUsedAt", revoked_at AS "revokedAt" FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC`,
      [p.id],
    );
  });
  app.delete('/api/tokens/:id', { config: { access: allow.signedIn('own') }, schema: { tags, summary: '吊销令牌 Revoke a token', params: ID, response: { 204: NoContent } } }, async (req, reply) => {
    const p = requireUser(req);
    let admin = p.roles.includes('admin');
    if (admin && !seesEverything(p)) {
      // A county admin revokes tokens of users in their county only; others look absent.
      const owner = await db.query<{ user_id: string }>(`SELECT user_id FROM api_tokens WHERE id = $1`, [req.params.id]);
      if (owner[0] && owner[0].user_id !== p.id) admin = await userInJurisdiction(p, owner[0].user_id);
    }
    const r = await db.query(`UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND (user_id = $2 OR $3) AND revoked_at IS NULL RETURNING id`, [
      req.params.id,
      p.id,
      admin,
    ]);
    if (!r.length) throw notFound('token');
    // The token's plain text is unknown here, so drop every remembered caller.
    ctx.services.principals.clear();
    return reply.status(204).send();
  });

  // --- divisions ---
  const dtags = ['divisions'];
  app.get(
    '/api/divisions',
    { config: { access: allow.signedIn('none') },
      schema: {
        tags: dtags,
        summary: '行政区划 Divisions: children of a parent, or search by name',
        querystring: z.strictObject({
          parent: DIVISION_CODE.optional(),
          q: z.string().max(50).optional(),
          codes: z
            .string()
            .regex(/^\d{2,12}(,\d{2,12}){0,499}$/, '逗号分隔的区划代码，最多 500 个 (up to 500 comma-separated division codes)')
            .optional()
            .describe('these divisions by code (names for a list of codes)'),
          geometry: z.enum(['true', 'false']).default('false').describe('include each division’s outline (GeoJSON Polygon/MultiPolygon or null)'),
          outlined: z
            .enum(['true', 'false'])
            .default('false')
            .describe('only divisions that have an outline, within the caller’s jurisdiction (under `parent` when given): the map’s boundary layer'),
          limit: z.coerce.number().int().min(1).max(1000).default(200),
        }),
        response: { 200: z.array(DivisionListItemSchema) },
      },
    },
    async (req) => {
      const p = requireUser(req);
      const { parent, q, codes, limit } = req.query;
      const DIVISION_LIST = req.query.geometry === 'true' ? DIVISION_LIST_GEO : DIVISION_LIST_PLAIN;
      if (req.query.outlined === 'true') {
        const params: unknown[] = [];
        const where = ['d.geometry IS NOT NULL'];
        if (parent) where.push(`d.code LIKE $${params.push(`${parent}%`)}`);
        if (!seesEverything(p)) {
          // The caller's divisions, or (with none) those their unit serves.
          const n = params.push(p.scopeCodes.map((c) => `${c}%`));
          const u = params.push(p.unitId);
          where.push(`(d.code LIKE ANY ($${n}::text[]) OR d.code LIKE ANY (SELECT c || '%' FROM units un, unnest(un.division_codes) c WHERE un.id = $${u}::uuid AND cardinality($${n}::text[]) = 0))`);
        }
        return db.query(`${DIVISION_LIST} WHERE ${where.join(' AND ')} ORDER BY d.code LIMIT $${params.push(limit)}`, params);
      }
      if (codes) {
        return db.query(`${DIVISION_LIST} WHERE d.code = ANY($1::text[]) ORDER BY d.code`, [[...new Set(codes.split(','))]]);
      }
      if (q) {
        // By name anywhere in it, or by the start of the code (typed digits).
        const byCode = /^\d+$/.test(q) ? `${q}%` : null;
        return db.query(`${DIVISION_LIST} WHERE d.name LIKE $1 OR d.code LIKE $2 ORDER BY length(d.code), d.code LIMIT $3`, [`%${q}%`, byCode, limit]);
      }
      if (parent) {
        return db.query(`${DIVISION_LIST} WHERE d.parent_code = $1 ORDER BY d.code LIMIT $2`, [parent, limit]);
      }
      // Top: the roots of the caller's jurisdiction, or the top-level divisions.
      if (!seesEverything(p) && p.scopeCodes.length) {
        return db.query(`${DIVISION_LIST} WHERE d.code = ANY($1) ORDER BY d.code`, [p.scopeCodes]);
      }
      return db.query(`${DIVISION_LIST} WHERE d.parent_code IS NULL OR d.parent_code NOT IN (SELECT code FROM divisions) ORDER BY d.code LIMIT $1`, [limit]);
    },
  );
  app.get('/api/divisions/:code', { config: { access: allow.signedIn('none') }, schema: { tags: dtags, summary: '区划及其上级链 A division with its chain', params: z.strictObject({ code: DIVISION_CODE }), response: { 200: DivisionDetailSchema } } }, async (req) => {
    requireUser(req);
    const chain = await db.query(`SELECT code, name, level FROM divisions WHERE code = ANY($1) ORDER BY length(code)`, [divisionChain(req.params.code)]);
    const self = chain.find((d) => d.code === req.params.code);
    if (!self) throw notFound('division');
    const children = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM divisions WHERE parent_code = $1`, [req.params.code]);
    return { ...self, chain, childCount: children[0].n };
  });
  app.put(
    '/api/divisions',
    { config: { access: allow.roles(['admin'], 'none') },
      schema: {
        tags: dtags,
        summary: '导入/更新区划 Upsert divisions (admin)',
        description: '`geometry` (optional): the outline as a GeoJSON Polygon or MultiPolygon in WGS84, as grids have; null clears it, absent keeps it.',
        body: z.array(z.strictObject({ code: DIVISION_CODE, name: z.string().min(1).max(100), geometry: GEOMETRY.nullish() })).min(1).max(50000),
        response: { 200: Upserted },
      },
    },
    async (req) => {
      const p = requireRole(req, 'admin');
      assertInScope(p, req.body.map((d) => d.code), 'code');
      const n = await db.tx((q) => upsertDivisions(q, req.body));
      await audit(db, { userId: p.id, action: 'divisions_upsert', entity: 'division', detail: { count: n }, ip: req.ip });
      return { upserted: n };
    },
  );

  // --- units ---
  const utags = ['units'];
  app.get(
    '/api/units',
    { config: { access: allow.staff('jurisdiction') },
      schema: {
        tags: utags,
        summary: '单位 Units',
        querystring: z.strictObject({
          kind: z.enum(UNIT_KINDS).optional(),
          divisionCode: DIVISION_CODE.optional(),
          q: z.string().max(50).optional(),
          limit: z.coerce.number().int().min(1).max(2000).default(500),
        }),
        response: { 200: z.array(UnitSchema) },
      },
    },
    async (req) => {
      const p = requireUser(req);
      if (!isStaff(p)) throw forbidden('staff only');
      const params: unknown[] = [];
      const where: string[] = [unitVisibility(p, 'u', params)];
      if (req.query.kind) where.push(`u.kind = $${params.push(req.query.kind)}`);
      if (req.query.divisionCode) {
        // Units serving this division or any of its ancestors (a city department serves its counties).
        where.push(`u.division_codes && $${params.push(divisionChain(req.query.divisionCode))}::text[]`);
      }
      if (req.query.q) where.push(`u.name LIKE $${params.push(`%${req.query.q}%`)}`);
      return db.query(`${UNIT_SELECT} WHERE ${where.join(' AND ')} ORDER BY u.code LIMIT $${params.push(req.query.limit)}`, params);
    },
  );
  app.get('/api/units/:id', { config: { access: allow.staff('jurisdiction') }, schema: { tags: utags, summary: '单位详情 A unit (staff; within jurisdiction)', params: ID, response: { 200: UnitSchema } } }, async (req) => {
    const p = requireUser(req);
    const params: unknown[] = [req.params.id];
    // A unit outside the caller's jurisdiction looks absent.
    const r = await db.query(`${UNIT_SELECT} WHERE u.id = $1 AND ${unitVisibility(p, 'u', params)}`, params);
    if (!r[0]) throw notFound('unit');
    return r[0];
  });
  app.post('/api/units', { config: { access: allow.roles(['admin'], 'jurisdiction') }, schema: { tags: utags, summary: '新建/更新单位 Create or update a unit by code (admin)', body: UNIT_INPUT, response: { 201: UnitSchema } } }, async (req, reply) => {
    const p = requireRole(req, 'admin');
    assertInScope(p, req.body.divisionCodes ?? [], 'divisionCodes');
    if (!seesEverything(p)) {
      // Updating by code must not take over another jurisdiction's unit.
      const existing = await db.query<{ division_codes: string[] }>(`SELECT division_codes FROM units WHERE code = $1`, [req.body.code]);
      if (existing[0]) assertInScope(p, existing[0].division_codes, 'code');
    }
    await assertCreateOnly(req.headers['if-none-match'], `SELECT 1 FROM units WHERE code = $1`, req.body.code, 'code');
    const r = await upsertUnit(db, req.body);
    await audit(db, { userId: p.id, action: 'unit_upsert', entity: 'unit', entityId: r.id, ip: req.ip });
    return reply.status(201).send((await db.query(`${UNIT_SELECT} WHERE u.id = $1`, [r.id]))[0]);
  });

  // --- users ---
  const ustags = ['users'];
  app.get(
    '/api/users',
    { config: { access: allow.roles(['admin', 'supervisor', 'dispatcher'], 'jurisdiction') },
      schema: {
        tags: ustags,
        summary: '用户 Users (admin; within jurisdiction)',
        querystring: z.strictObject({ role: z.enum(ROLES).optional(), unitId: z.uuid().optional(), q: z.string().max(50).optional(), limit: z.coerce.number().int().min(1).max(1000).default(200) }),
        response: { 200: z.array(UserSchema) },
      },
    },
    async (req) => {
      const p = requireRole(req, 'admin', 'supervisor', 'dispatcher');
      const params: unknown[] = [];
      const where = [`NOT ('citizen' = ANY (u.roles))`];
      if (!seesEverything(p)) {
        // Users whose jurisdiction or unit lies inside the caller's.
        const prefixes = p.scopeCodes.map((c) => `${c}%`);
        const n = params.push(prefixes);
        where.push(`(EXISTS (SELECT 1 FROM unnest(u.scope_codes) s WHERE s LIKE ANY ($${n}::text[]))
          OR EXISTS (SELECT 1 FROM unnest(un.division_codes) d WHERE d LIKE ANY ($${n}::text[])))`);
      }
      if (req.query.role) where.push(`$${params.push(req.query.role)} = ANY (u.roles)`);
      if (req.query.unitId) where.push(`u.unit_id = $${params.push(req.query.unitId)}`);
      if (req.query.q) where.push(`(u.username LIKE $${params.push(`%${req.query.q}%`)} OR u.display_name LIKE $${params.length})`);
      const rows = await db.query<{ phone: string | null }>(`${USER_SELECT} WHERE ${where.join(' AND ')} ORDER BY u.username LIMIT $${params.push(req.query.limit)}`, params);
      // Whole numbers only in the audited detail (GET /api/users/:id).
      return rows.map((r) => ({ ...r, phone: maskPhone(r.phone) }));
    },
  );
  app.post('/api/users', { config: { access: allow.roles(['admin'], 'jurisdiction') }, schema: { tags: ustags, summary: '新建/更新用户 Create or update a user by username (admin)', body: USER_INPUT, response: { 200: UserSchema, 201: UserSchema } } }, async (req, reply) => {
    const p = requireRole(req, 'admin');
    const scope = req.body.scopeCodes ?? [];
    if (scope.includes('*') && !seesEverything(p)) throw forbidden('scopeCodes: only a global admin may grant global scope');
    assertInScope(p, scope.filter((c) => c !== '*'), 'scopeCodes');
    if (req.body.roles.includes('citizen')) throw invalid('roles', 'citizens sign in by phone; they are not created here');
    if (!seesEverything(p)) {
      // Neither an existing user (by username) nor the unit may lie outside the caller's jurisdiction.
      const existing = await db.query<{ id: string }>(`SELECT id FROM users WHERE username = $1`, [req.body.username]);
      if (existing[0]) await assertUserInJurisdiction(p, existing[0].id, 'username');
      let unitCodes: string[] = [];
      if (req.body.unitCode) {
        const unit = await db.query<{ division_codes: string[] }>(`SELECT division_codes FROM units WHERE code = $1`, [req.body.unitCode]);
        if (!unit[0]) throw invalid('unitCode', `no unit with code ${req.body.unitCode}`);
        assertInScope(p, unit[0].division_codes, 'unitCode');
        unitCodes = unit[0].division_codes;
      }
      // Otherwise the user would belong to no county, and only a global admin could see them again.
      if (!scope.length && !unitCodes.length)
        throw invalid('scopeCodes', '请填写您辖区内的管辖区划，或选择辖区内的单位 (give a jurisdiction or a unit within yours)');
    }
    await assertCreateOnly(req.headers['if-none-match'], `SELECT 1 FROM users WHERE username = $1`, req.body.username, 'username');
    const r = await upsertUser(db, req.body);
    if (req.body.active === false) {
      // A deactivated account is signed out everywhere at once.
      await db.query(`DELETE FROM sessions WHERE user_id = $1`, [r.id]);
      ctx.services.principals.clear();
    }
    await audit(db, { userId: p.id, action: 'user_upsert', entity: 'user', entityId: r.id, detail: { username: req.body.username }, ip: req.ip });
    return reply.status(r.created ? 201 : 200).send((await db.query(`${USER_SELECT} WHERE u.id = $1`, [r.id]))[0]);
  });

  // --- grids ---
  const gtags = ['grids'];
  app.get(
    '/api/grids',
    { config: { access: allow.staff('jurisdiction') },
      schema: {
        tags: gtags,
        summary: '网格 Grids (with GeoJSON geometry)',
        querystring: z.strictObject({ divisionCode: DIVISION_CODE.optional(), geometry: z.enum(['true', 'false']).default('true'), limit: z.coerce.number().int().min(1).max(10000).default(2000) }),
        response: { 200: z.array(GridSchema) },
      },
    },
    async (req) => {
      const p = requireUser(req);
      if (!isStaff(p)) throw forbidden('staff only');
      const params: unknown[] = [];
      // Grids carry their worker, households and population: staff of the jurisdiction only.
      const where = [gridVisibility(p, 'g', params)];
      if (req.query.divisionCode) where.push(`g.division_code LIKE $${params.push(`${req.query.divisionCode}%`)}`);
      const rows = await db.query<Record<string, unknown>>(`${GRID_SELECT} WHERE ${where.join(' AND ')} ORDER BY g.code LIMIT $${params.push(req.query.limit)}`, params);
      if (req.query.geometry === 'false') for (const r of rows) delete r.geometry;
      return rows;
    },
  );
  app.get('/api/grids/:id', { config: { access: allow.staff('jurisdiction') }, schema: { tags: gtags, summary: '网格详情 A grid (staff; within jurisdiction)', params: ID, response: { 200: GridSchema } } }, async (req) => {
    const p = requireUser(req);
    const params: unknown[] = [req.params.id];
    // A grid outside the caller's jurisdiction looks absent; citizens have /api/public/grids.
    const r = await db.query(`${GRID_SELECT} WHERE g.id = $1 AND ${gridVisibility(p, 'g', params)}`, params);
    if (!r[0]) throw notFound('grid');
    return r[0];
  });
  app.post('/api/grids', { config: { access: allow.roles(['admin'], 'jurisdiction') }, schema: { tags: gtags, summary: '新建/更新网格 Create or update a grid by code (admin)', body: GRID_INPUT, response: { 201: GridSchema } } }, async (req, reply) => {
    const p = requireRole(req, 'admin');
    if (!inScope(p, req.body.divisionCode)) throw forbidden('divisionCode: outside your jurisdiction');
    const existing = await db.query<{ division_code: string }>(`SELECT division_code FROM grids WHERE code = $1`, [req.body.code]);
    if (existing[0] && !inScope(p, existing[0].division_code)) throw forbidden('code: 该网格不在您的管辖范围内 (a grid outside your jurisdiction)');
    const exists = await db.query(`SELECT 1 FROM divisions WHERE code = $1`, [req.body.divisionCode]);
    if (!exists.length) throw invalid('divisionCode', 'no such division');
    await assertCreateOnly(req.headers['if-none-match'], `SELECT 1 FROM grids WHERE code = $1`, req.body.code, 'code');
    const r = await upsertGrid(db, req.body);
    await audit(db, { userId: p.id, action: 'grid_upsert', entity: 'grid', entityId: r.id, ip: req.ip });
    gridsChanged(ctx);
    return reply.status(201).send((await db.query(`${GRID_SELECT} WHERE g.id = $1`, [r.id]))[0]);
  });

  registerOrgAdminRoutes(app, ctx);
}
