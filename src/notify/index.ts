/**
 * Notifications: an in-app inbox per user and per unit (each member reads on
 * their own), and an outbox delivered by a background worker over pluggable
 * senders (webhook; SMS and email adapters, with logging implementations).
 *
 * Wiring: src/services.ts builds one Notifier per instance (settings from the
 * environment, see config.ts) as `ctx.services.notifier`; server.ts starts its
 * delivery worker and stops it on close, before the database.
 */

export { Notifier, type NotifierOptions, type DeliveryReport } from './notifier.ts';
export { registerNotifyRoutes } from './routes.ts';
export { WebhookSender, LogSender, SmsGatewaySender, signBody, SIGNATURE_HEADER, DELIVERY_HEADER, CHANNELS, type Sender, type Channel, type OutboundMessage, type DeliveryMeta } from './senders.ts';
export { loadNotifyConfig, type NotifyConfig } from './config.ts';
export { KIND_LABELS, type NotificationInput, type NotificationView } from './store.ts';
