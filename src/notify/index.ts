/**
 * Notifications: an in-app inbox per user and per unit (each member reads on
 * their own), and an outbox delivered by a background worker over pluggable
 * senders (webhook; SMS and email adapters, with logging implementations).
 *
 * Wiring (server.ts):
 *   const notifier = new Notifier(ctx);          // settings from the environment, see config.ts
 *   ctx.services.notifier = notifier;            // other features: notifierOf(ctx)?.notify(q, {...})
 *   registerNotifyRoutes(app, ctx);
 *   notifier.start();   ...   await notifier.stop();   // on close, before the database
 */
import type { Ctx } from '../platform/http.ts';
import type { Notifier } from './notifier.ts';

export { Notifier, type NotifierOptions, type DeliveryReport } from './notifier.ts';
export { registerNotifyRoutes } from './routes.ts';
export { WebhookSender, LogSender, signBody, maskPhone, SIGNATURE_HEADER, DELIVERY_HEADER, CHANNELS, type Sender, type Channel, type OutboundMessage, type DeliveryMeta } from './senders.ts';
export { loadNotifyConfig, type NotifyConfig } from './config.ts';
export { KIND_LABELS, type NotificationInput, type NotificationView } from './store.ts';

/** The server's notifier, if one is registered as ctx.services.notifier. */
export function notifierOf(ctx: Ctx): Notifier | undefined {
  return ctx.services.notifier as Notifier | undefined;
}
