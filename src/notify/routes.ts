import { z } from 'zod';
import { InboxSchema, NotificationSchema, UnreadCountSchema } from './types.ts';
import type { App, Ctx } from '../platform/http.ts';
import { allow } from '../platform/access.ts';
import { notFound } from '../platform/errors.ts';
import { requireUser, type Principal } from '../org/auth.ts';
import { KIND_RE, getVisible, listInbox, markAllRead, markRead, unreadCount, type Reader } from './store.ts';

const ID = z.strictObject({ id: z.uuid() });
const KIND = z.string().regex(KIND_RE, 'a notification kind, e.g. urge');

const reader = (p: Principal): Reader => ({ id: p.id, unitId: p.unitId });

/** The caller's inbox: their own notifications and their unit's, each with the caller's own read state. */
export function registerNotifyRoutes(app: App, ctx: Ctx): void {
  const db = ctx.db;
  const tags = ['notifications'];

  app.get(
    '/api/notifications',
    { config: { access: allow.signedIn('own') },
      schema: {
        tags,
        summary: '我的消息 My notifications and my unit\'s (newest first, cursor pagination)',
        querystring: z.strictObject({
          unread: z.enum(['true', 'false']).optional().describe('true: only those this user has not read'),
          kind: KIND.optional(),
          caseId: z.uuid().optional(),
          limit: z.coerce.number().int().min(1).max(100).default(20),
          cursor: z.string().max(200).optional().describe('nextCursor of the previous page'),
        }),
        response: { 200: InboxSchema },
      },
    },
    async (req) => {
      const p = requireUser(req);
      const { unread, ...rest } = req.query;
      return listInbox(db, reader(p), { ...rest, unread: unread === 'true' });
    },
  );

  app.get('/api/notifications/unread-count', { config: { access: allow.signedIn('own') }, schema: { tags, summary: '未读数 Unread counts, in total and by kind', response: { 200: UnreadCountSchema } } }, async (req) => {
    return unreadCount(db, reader(requireUser(req)));
  });

  app.get('/api/notifications/:id', { config: { access: allow.signedIn('own') }, schema: { tags, summary: '消息详情 One notification', params: ID, response: { 200: NotificationSchema } } }, async (req) => {
    const n = await getVisible(db, reader(requireUser(req)), req.params.id);
    if (!n) throw notFound('notification');
    return n;
  });

  app.post('/api/notifications/:id/read', { config: { access: allow.signedIn('own') }, schema: { tags, summary: '标为已读 Mark one notification read (for this user)', params: ID, response: { 200: NotificationSchema } } }, async (req) => {
    const n = await markRead(db, reader(requireUser(req)), req.params.id);
    if (!n) throw notFound('notification');
    return n;
  });

  app.post(
    '/api/notifications/read-all',
    { config: { access: allow.signedIn('own') },
      schema: {
        tags,
        summary: '全部已读 Mark all my notifications read (optionally of one kind)',
        querystring: z.strictObject({ kind: KIND.optional() }),
        response: { 200: z.object({ marked: z.number() }) },
      },
    },
    async (req) => {
      const marked = await markAllRead(db, reader(requireUser(req)), req.query.kind);
      return { marked };
    },
  );
}
