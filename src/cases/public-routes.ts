/**
 * Public case tracking (查询进度) without signing in: the case number and the
 * reporter's phone open a public view of the case (no personal data, no staff
 * names, no internal notes). Rating (好差评) needs more than that: the phone
 * must be proven by a one-time code (see POST /api/public/rate for why).
 */
import { z } from 'zod';
import type { FastifyReply } from 'fastify';
import type { App, Ctx } from '../platform/http.ts';
import { allow } from '../platform/access.ts';
import type { Queryable } from '../platform/db.ts';
import { Problem, conflict, forbidden, invalid, notFound } from '../platform/errors.ts';
import { audit } from '../platform/audit.ts';
import type { Principal } from '../org/auth.ts';
import { CASE_TYPE_LABELS, type CaseType } from './model.ts';
import { OPEN_STATUSES, decide } from './lifecycle.ts';
import { applyTransition, loadEvents, type CaseRow } from './store.ts';
import type { ClockRow, TimeLimits } from '../timelimits/index.ts';
import { PublicCaseViewSchema, type PublicCaseView } from './types.ts';
import { PublicGridSchema } from './model.ts';
import {
  CASE_NO_RE,
  PUBLIC_STATUS_LABELS,
  TRACK_LIMITS,
  maskPublicPhone,
  normalisePhone,
  phoneMatches,
  publicTimeline,
  trackablePhone,
  unitIdsOf,
} from './public.ts';

const CASE_NO = z
  .string()
  .trim()
  .transform((s) => s.replace(/\s+/g, ''))
  .pipe(z.string().regex(CASE_NO_RE, '诉求编号为 14 位以上数字 (a case number is 14 or more digits)'))
  .describe('the case number given at submission');
const PHONE_GIVEN = z
  .string()
  .trim()
  .min(1, '请输入反映问题时留的电话 (the phone given when reporting)')
  .max(30)
  .refine((s) => normalisePhone(s).length >= 7, '电话号码格式不正确 (not a phone number)')
  .describe('the phone given when reporting; +86, spaces and dashes are ignored');

const TRACK_BODY = z.strictObject({ no: CASE_NO, phone: PHONE_GIVEN });
const RATE_BODY = z.strictObject({
  no: CASE_NO,
  rating: z.number().int().min(1, '请选择 1 到 5 星 (1 to 5 stars)').max(5, '请选择 1 到 5 星 (1 to 5 stars)'),
  comment: z.string().trim().max(1000).optional(),
  solved: z.boolean().optional().describe("the citizen's own answer: was the problem solved?"),
  version: z.number().int().min(1).optional().describe('the case version the citizen saw; 409 if it changed'),
});

const NOT_FOUND_DETAIL = '未找到该诉求，或电话与登记时不一致 (no such case for this phone)';

type TrackRow = CaseRow & {
  category_name: string | null;
  lead_unit_name: string | null;
  due_at: Date | null;
  reply_due_at: Date | null;
};

const TRACK_SELECT = `SELECT c.*, cat.name AS category_name, lu.name AS lead_unit_name
  FROM cases c LEFT JOIN categories cat ON cat.code = c.category_code LEFT JOIN units lu ON lu.id = c.lead_unit_id
  WHERE c.no = $1`;

/** The case as the public sees it: what was asked, where it stands, who handles it (as a unit). */
async function publicView(q: Queryable, row: TrackRow, viewer: Principal | undefined): Promise<PublicCaseView> {
  const events = await loadEvents(q, row.id);
  const unitIds = unitIdsOf(events);
  const units = unitIds.length ? await q.query<{ id: string; name: string }>(`SELECT id, name FROM units WHERE id = ANY ($1::uuid[])`, [unitIds]) : [];
  const timeline = publicTimeline(events, new Map(units.map((u) => [u.id, u.name])));
  const open = OPEN_STATUSES.includes(row.status);
  const rated = [...events].reverse().find((e) => e.action === 'rate');
  return {
    no: row.no,
    title: row.title,
    type: row.type as CaseType,
    typeLabel: CASE_TYPE_LABELS[row.type as CaseType] ?? row.type,
    categoryName: row.category_name,
    status: row.status,
    statusLabel: PUBLIC_STATUS_LABELS[row.status],
    createdAt: row.created_at,
    dueAt: open ? (row.reply_due_at ?? row.due_at ?? null) : null,
    closedAt: row.closed_at,
    unitName: row.lead_unit_name,
    reply: row.status === 'merged' ? null : row.reply,
    solved: row.solved,
    rating: row.rating,
    ratingComment: row.rating != null ? row.rating_comment : null,
    ratedAt: row.rating != null && rated ? rated.at : null,
    citizenSolved: rated && typeof rated.data.citizenSolved === 'boolean' ? rated.data.citizenSolved : null,
    phone: maskPublicPhone(row.reporter_phone),
    version: row.version,
    canRate: row.status === 'closed',
    rateOnline: /^1\d{10}$/.test(trackablePhone(row.reporter_phone) ?? ''),
    viewerIsReporter: isReporter(viewer, row),
    timeline,
  };
}

/** The signed-in caller proved the reporter's phone (citizen sign-in is by one-time code to that phone). */
function isReporter(p: Principal | undefined, row: CaseRow): boolean {
  if (!p || !p.roles.includes('citizen') || !p.phone) return false;
  if (row.reporter_user_id && row.reporter_user_id !== p.id) return false;
  return phoneMatches(p.phone, row.reporter_phone);
}

/** Fixed-window counters in the database, shared by every instance. */
class AttemptLimiter {
  private lastPrune = 0;
  constructor(private readonly db: Queryable) {}

  /** Counts one attempt in the bucket; the seconds to wait if this one is over the limit, else 0. */
  async hit(bucket: string, limit: number, windowSeconds: number): Promise<number> {
    const rows = await this.db.query<{ hits: number; retry: number }>(
      `INSERT INTO public_track_attempts AS a (bucket, window_start, hits)
       VALUES ($1, to_timestamp(floor(extract(epoch FROM now()) / $2) * $2), 1)
       ON CONFLICT (bucket, window_start) DO UPDATE SET hits = a.hits + 1
       RETURNING hits, ceil(extract(epoch FROM window_start) + $2 - extract(epoch FROM now()))::int AS retry`,
      [bucket, windowSeconds],
    );
    return rows[0].hits > limit ? Math.max(1, rows[0].retry) : 0;
  }

  /** Seconds to wait if the bucket is already at its limit (without counting), else 0. */
  async blocked(bucket: string, limit: number, windowSeconds: number): Promise<number> {
    const rows = await this.db.query<{ hits: number; retry: number }>(
      `SELECT hits, ceil(extract(epoch FROM window_start) + $2 - extract(epoch FROM now()))::int AS retry
         FROM public_track_attempts WHERE bucket = $1 AND window_start = to_timestamp(floor(extract(epoch FROM now()) / $2) * $2)`,
      [bucket, windowSeconds],
    );
    return rows[0] && rows[0].hits >= limit ? Math.max(1, rows[0].retry) : 0;
  }

  /** Drops windows long past, at most every ten minutes per instance: the table stays small. */
  async prune(now = Date.now()) {
    if (now - this.lastPrune < 600_000) return;
    this.lastPrune = now;
    await this.db.query(`DELETE FROM public_track_attempts WHERE window_start < now() - interval '1 day'`);
  }
}

function tooMany(reply: FastifyReply, retryAfter: number, field: string, what: string): Problem {
  reply.header('retry-after', String(retryAfter));
  return new Problem(429, 'Too Many Requests', `${what}，请 ${Math.ceil(retryAfter / 60)} 分钟后再试 (too many attempts; retry after ${retryAfter} s)`, [
    { field, message: what },
  ]);
}

export function registerPublicCaseRoutes(app: App, ctx: Ctx) {
  const db = ctx.db;
  const limiter = new AttemptLimiter(db);
  const tags = ['public'];

  app.post(
    '/api/public/track',
    { config: { access: allow.public('own') },
      schema: {
        tags,
        summary: '凭编号和电话查询办理进度 Track a case by number + phone (no sign-in)',
        description:
          'POST so the phone never appears in URLs or access logs. A wrong phone and an unknown number get the same 404. ' +
          `Limited to ${TRACK_LIMITS.perIp.limit} attempts per IP per ${TRACK_LIMITS.perIp.windowSeconds / 60} min and ` +
          `after ${TRACK_LIMITS.perNumber.limit} failed attempts on a case number within ${TRACK_LIMITS.perNumber.windowSeconds / 60} min, one attempt per ${TRACK_LIMITS.perNumber.delaySeconds} s on it (429 with Retry-After); the reporter signed in by one-time code is never held. ` +
          'Cases reported without a phone (anonymously) cannot be tracked this way.',
        body: TRACK_BODY,
        security: [],
        response: { 200: PublicCaseViewSchema },
      },
    },
    async (req, reply) => {
      const { no, phone } = req.body;
      const ip = req.ip;
      await limiter.prune();
      const ipWait = await limiter.hit(`ip:${ip}`, TRACK_LIMITS.perIp.limit, TRACK_LIMITS.perIp.windowSeconds);
      if (ipWait) throw tooMany(reply, ipWait, 'phone', '查询过于频繁 (too many attempts from this address)');
      // The same query and the same comparison whether or not the number exists.
      const rows = await db.query<TrackRow>(TRACK_SELECT, [no]);
      const row = rows[0];
      // Many failures on this number: one attempt per short delay, for everyone but the
      // reporter signed in by one-time code to the case's phone (never held up).
      const { limit, windowSeconds, delaySeconds } = TRACK_LIMITS.perNumber;
      if (!(row && isReporter(req.principal, row)) && (await limiter.blocked(`no:${no}`, limit, windowSeconds))) {
        const wait = await limiter.hit(`slow:${no}`, 1, delaySeconds);
        if (wait) throw tooMany(reply, wait, 'no', '该编号查询失败次数过多，请稍候 (many failed attempts for this number; retry shortly)');
      }
      const ok = phoneMatches(phone, row?.reporter_phone);
      if (!row || !ok) {
        await limiter.hit(`no:${no}`, TRACK_LIMITS.perNumber.limit, TRACK_LIMITS.perNumber.windowSeconds);
        await audit(db, {
          userId: req.principal?.id ?? null,
          action: 'public_track_failed',
          entity: 'case',
          entityId: row?.id ?? null,
          detail: { no, reason: !row ? 'unknown' : trackablePhone(row.reporter_phone) ? 'phone' : 'untrackable' },
          ip,
        });
        throw new Problem(404, 'Not Found', NOT_FOUND_DETAIL, [{ field: 'phone', message: NOT_FOUND_DETAIL }]);
      }
      await audit(db, { userId: req.principal?.id ?? null, action: 'public_track', entity: 'case', entityId: row.id, detail: { no }, ip });
      reply.header('cache-control', 'no-store');
      return publicView(db, row, req.principal);
    },
  );

  app.get(
    '/api/public/grids',
    { config: { access: allow.public() },
      schema: {
        tags,
        summary: '网格轮廓 Grid outlines for the citizen map pick (names and shapes only; no worker or household data)',
        security: [],
        response: { 200: z.array(PublicGridSchema) },
      },
    },
    async (_req, reply) => {
      // Without base tiles the named grid outlines are what a citizen finds their place by.
      const rows = await db.query<{ id: string; code: string; name: string; geometry: unknown }>(
        `SELECT id, code, name, geometry FROM grids ORDER BY code LIMIT 5000`,
      );
      reply.header('cache-control', 'public, max-age=600');
      return rows;
    },
  );

  app.post(
    '/api/public/rate',
    { config: { access: allow.public('own') },
      schema: {
        tags,
        summary: '群众评价 The reporter rates a closed case (signed in by one-time code to the reporter phone)',
        description:
          'Number + phone alone do not allow rating: both are known to others (family, neighbours, the handling unit itself, ' +
          'which has every reason to post a good rating). Rating needs the citizen session from /api/auth/otp/verify, ' +
          "whose phone must be the reporter's. A case registered by the hotline is linked to that citizen on rating.",
        body: RATE_BODY,
        response: { 200: PublicCaseViewSchema },
      },
    },
    async (req) => {
      const p = req.principal;
      if (!p) throw new Problem(401, 'Unauthorized', '请先用手机验证码验证身份 (verify your phone with a one-time code first)');
      if (!p.roles.includes('citizen') || !p.phone) throw forbidden('只有反映人本人可以评价 (only the reporter may rate)');
      const { no, rating, comment, solved, version } = req.body;
      const rows = await db.query<TrackRow>(TRACK_SELECT, [no]);
      const row = rows[0];
      // Another person's case looks exactly like a missing one.
      if (!row || !isReporter(p, row)) throw notFound('case');
      if (version !== undefined && version !== row.version) {
        throw conflict(`工单已变化 (the case is at version ${row.version}, not ${version}); reload and retry`, [], { currentVersion: row.version });
      }
      const decision = decide({ status: row.status, leadUnitId: row.lead_unit_id, rating: row.rating }, 'rate', { roles: ['citizen'], inLeadUnit: false, isReporter: true }, { rating, comment });
      if (!decision.ok) {
        if (decision.reason === 'state') throw conflict(decision.message, [{ field: 'status', message: decision.message }], { caseStatus: row.status });
        if (decision.reason === 'input') throw invalid(decision.field ?? 'rating', decision.message);
        throw forbidden(decision.message);
      }
      // A bad rating opens a rectification: those who act on it need to know what was wrong.
      if (rating <= 2 && !comment) throw invalid('comment', '请告诉我们哪里不满意 (say what was wrong)');

      const tl = ctx.services.timeLimits;
      const now = ctx.now ? ctx.now() : Date.now();
      const clock = tl ? tl.forTransition(row as unknown as ClockRow, 'rate', decision.to, now) : {};
      const moved = await db.tx(async (q) => {
        const updated = await applyTransition(q, {
          caseId: row.id,
          expectedVersion: row.version,
          action: 'rate',
          from: row.status,
          to: decision.to,
          patch: { ...clock, rating, rating_comment: comment || null },
          actorUserId: p.id,
          actorUnitId: null,
          comment: comment || null,
          data: { rating, ...(comment ? { ratingComment: comment } : {}), ...(solved !== undefined ? { citizenSolved: solved } : {}), via: 'public' },
          attachmentIds: [],
        });
        // A hotline case becomes the citizen's own: it shows in their list from now on.
        if (updated && !row.reporter_user_id) await q.query(`UPDATE cases SET reporter_user_id = $1 WHERE id = $2 AND reporter_user_id IS NULL`, [p.id, row.id]);
        return updated;
      });
      if (!moved) throw conflict('工单已被他人修改，请刷新后重试 (the case changed meanwhile; reload and retry)');
      ctx.metrics.caseActions.inc({ action: 'rate' });
      await audit(db, { userId: p.id, action: 'public_rate', entity: 'case', entityId: row.id, detail: { no, rating }, ip: req.ip });
      const fresh = await db.query<TrackRow>(TRACK_SELECT, [no]);
      return publicView(db, fresh[0], p);
    },
  );
}

