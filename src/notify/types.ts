/** Shapes of the notifications API: the routes' response schemas (only what they name is sent). */
import { z } from 'zod';
import { AnyJson, Timestamp } from '../platform/schemas.ts';

/** A notification as its reader sees it (view in store.ts), with the reader's own read state. */
export const NotificationSchema = z.object({
  id: z.string(),
  kind: z.string(),
  kindLabel: z.string(),
  title: z.string(),
  body: z.string().nullable(),
  /** What the notification carries besides its text: free-form by kind. */
  data: AnyJson,
  caseId: z.string().nullable(),
  caseNo: z.string().nullable(),
  recipient: z.union([
    z.object({ type: z.literal('user'), userId: z.string() }),
    z.object({ type: z.literal('unit'), unitId: z.string().nullable() }),
  ]),
  createdAt: Timestamp.nullable(),
  read: z.boolean(),
  readAt: Timestamp.nullable(),
});
export type Notification = z.output<typeof NotificationSchema>;

/** GET /api/notifications */
export const InboxSchema = z.object({ items: z.array(NotificationSchema), nextCursor: z.string().nullable() });

/** GET /api/notifications/unread-count */
export const UnreadCountSchema = z.object({ total: z.number(), byKind: z.record(z.string(), z.number()) });
