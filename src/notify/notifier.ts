import { v7 as uuidv7 } from 'uuid';
import client from 'prom-client';
import type { Kernel } from '../platform/context.ts';
import type { Queryable } from '../platform/db.ts';
import { loadNotifyConfig, checkWebhookUrl, type NotifyConfig } from './config.ts';
import { LogSender, SmsGatewaySender, WebhookSender, type Channel, type OutboundMessage, type Sender } from './senders.ts';
import { SmsGateway } from '../platform/sms.ts';
import {
  KIND_RE,
  claimDue,
  insertNotification,
  outboxPending,
  pruneDelivered,
  recipientPhone,
  recordDelivered,
  recordFailed,
  type NotificationInput,
  type OutboxInput,
} from './store.ts';

export interface NotifierOptions {
  /** Senders by channel; a channel without a sender is not used. Default: from the environment (see config.ts). */
  senders?: Partial<Record<Channel, Sender>>;
  /** Webhook targets; each notification is POSTed to each. Default: ZHILI_WEBHOOK_URLS. */
  webhookUrls?: string[];
  /** HMAC secret for the webhook signature header. Default: ZHILI_WEBHOOK_SECRET. */
  webhookSecret?: string;
  /** Addresses that get every notification by email (needs an email sender). Default: ZHILI_NOTIFY_EMAIL_TO. */
  emailTo?: string[];
  /** Kinds sent by SMS; default all. */
  smsKinds?: string[];
  /** Attempts per message before it is marked failed (default 8, or ZHILI_NOTIFY_MAX_ATTEMPTS). */
  maxAttempts?: number;
  /** Delay before the first retry; doubles per attempt, with +-20% jitter (default 15 s). */
  retryBaseMs?: number;
  /** Longest delay between attempts (default 1 h). */
  retryMaxMs?: number;
  /** How often the worker looks for due messages (default 2 s). */
  intervalMs?: number;
  /** Messages taken per pass (default 50). */
  batchSize?: number;
  /** A send that has not settled by then counts as failed (default 30 s; the webhook sender's own timeout is 5 s). */
  sendTimeoutMs?: number;
  /** How long a taken message stays with this instance before another may take it (default 2 x sendTimeoutMs). */
  leaseMs?: number;
  /** Delivered outbox rows are deleted after this long (default 7 days). */
  keepDeliveredMs?: number;
  /** The environment to read defaults from (default process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface DeliveryReport {
  claimed: number;
  delivered: number;
  retrying: number;
  failed: number;
}

function metric<T>(registry: client.Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 1000) || 'failed';

/**
 * Writes notifications (the inbox row and one outbox row per outbound target,
 * inside the caller's transaction) and delivers the outbox in the background.
 * Delivery is at least once: a message is taken by one instance at a time
 * (FOR UPDATE SKIP LOCKED plus a lease) and each carries its outbox id
 * (`X-Zhili-Delivery`) so a receiver can drop a repeat after a crash.
 */
export class Notifier {
  readonly senders: Partial<Record<Channel, Sender>>;
  readonly webhookUrls: string[];
  readonly emailTo: string[];
  private readonly smsKinds?: Set<string>;
  readonly maxAttempts: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly intervalMs: number;
  private readonly batchSize: number;
  private readonly sendTimeoutMs: number;
  private readonly leaseMs: number;
  private readonly keepDeliveredMs: number;
  private timer?: NodeJS.Timeout;
  private inflight?: Promise<void>;
  private stopping = false;
  private lastPrune = 0;
  private readonly created: client.Counter<'kind'>;
  private readonly deliveries: client.Counter<'channel' | 'result'>;

  constructor(
    private readonly ctx: Pick<Kernel, 'db' | 'log' | 'metrics'>,
    opts: NotifierOptions = {},
  ) {
    // The environment is read only for what the options leave open.
    let env: NotifyConfig | undefined;
    const cfg = () => (env ??= loadNotifyConfig(opts.env ?? process.env));
    this.webhookUrls = (opts.webhookUrls ?? cfg().webhookUrls).map((u) => checkWebhookUrl(u));
    this.emailTo = opts.emailTo ?? cfg().emailTo;
    const smsKinds = opts.smsKinds ?? (opts.senders ? undefined : cfg().smsKinds);
    this.smsKinds = smsKinds ? new Set(smsKinds) : undefined;
    this.maxAttempts = opts.maxAttempts ?? cfg().maxAttempts;
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1) throw new Error('maxAttempts must be a positive integer');
    this.retryBaseMs = opts.retryBaseMs ?? 15_000;
    this.retryMaxMs = opts.retryMaxMs ?? 3_600_000;
    this.intervalMs = opts.intervalMs ?? 2000;
    this.batchSize = opts.batchSize ?? 50;
    this.sendTimeoutMs = opts.sendTimeoutMs ?? 30_000;
    this.leaseMs = opts.leaseMs ?? Math.max(60_000, 2 * this.sendTimeoutMs);
    this.keepDeliveredMs = opts.keepDeliveredMs ?? 7 * 86_400_000;

    if (opts.senders) {
      this.senders = { ...opts.senders };
      if (!this.senders.webhook && this.webhookUrls.length) this.senders.webhook = new WebhookSender({ secret: opts.webhookSecret ?? cfg().webhookSecret });
    } else {
      const log = (obj: Record<string, unknown>, msg: string) => ctx.log.info(obj, msg);
      this.senders = {};
      if (this.webhookUrls.length) this.senders.webhook = new WebhookSender({ secret: opts.webhookSecret ?? cfg().webhookSecret });
      if (cfg().sms === 'log') this.senders.sms = new LogSender('sms', log);
      if (cfg().sms === 'gateway') this.senders.sms = new SmsGatewaySender(new SmsGateway(cfg().smsGateway!));
      if (cfg().email === 'log') this.senders.email = new LogSender('email', log);
    }

    const registry = ctx.metrics.registry;
    this.created = metric(registry, 'zhili_notifications_total', () =>
      new client.Counter({ name: 'zhili_notifications_total', help: 'Notifications written, by kind', labelNames: ['kind'], registers: [registry] }),
    );
    this.deliveries = metric(registry, 'zhili_notification_deliveries_total', () =>
      new client.Counter({
        name: 'zhili_notification_deliveries_total',
        help: 'Outbound delivery attempts, by channel and result (delivered, retrying, failed)',
        labelNames: ['channel', 'result'],
        registers: [registry],
      }),
    );
    metric(registry, 'zhili_notification_outbox_pending', () => {
      const db = ctx.db;
      return new client.Gauge({
        name: 'zhili_notification_outbox_pending',
        help: 'Outbound messages waiting for delivery',
        registers: [registry],
        async collect() {
          try {
            this.set(await outboxPending(db));
          } catch {
            /* database unavailable: keep the last value */
          }
        },
      });
    });
  }

  /** Channels this instance can deliver. */
  get channels(): Channel[] {
    return (Object.keys(this.senders) as Channel[]).filter((c) => this.senders[c]);
  }

  /**
   * Writes one notification for a user or a unit (exactly one of them), and an
   * outbox row per outbound target, with `q` (pass the caller's transaction:
   * if it rolls back, nothing was sent). Returns the notification id.
   */
  async notify(q: Queryable, n: NotificationInput): Promise<string> {
    if (!n.userId === !n.unitId) throw new Error('notify: give exactly one recipient, userId or unitId');
    if (!KIND_RE.test(n.kind)) throw new Error(`notify: bad kind "${n.kind}"`);
    if (!n.title?.trim()) throw new Error('notify: title is required');
    const id = uuidv7();
    const message: OutboundMessage = {
      title: n.title,
      body: n.body ?? '',
      data: {
        notificationId: id,
        kind: n.kind,
        caseId: n.caseId ?? null,
        recipient: n.userId ? { type: 'user', userId: n.userId } : { type: 'unit', unitId: n.unitId },
        createdAt: null, // filled in with the row's timestamp
        detail: n.data ?? {},
      },
    };
    const outbox: OutboxInput[] = [];
    const add = (channel: Channel, target: string) => outbox.push({ id: uuidv7(), channel, target, payload: message });
    if (this.senders.webhook) for (const url of this.webhookUrls) add('webhook', url);
    if (this.senders.sms && (!this.smsKinds || this.smsKinds.has(n.kind))) {
      const phone = await recipientPhone(q, n);
      if (phone) add('sms', phone);
    }
    if (this.senders.email) for (const address of this.emailTo) add('email', address);
    await insertNotification(q, id, n, outbox);
    this.created.inc({ kind: n.kind });
    return id;
  }

  /**
   * Many inbox notifications in one statement (the sweeper's warnings). When
   * an outbound channel is configured each needs its own outbox rows, so they
   * go one by one through `notify`.
   */
  async notifyMany(q: Queryable, list: NotificationInput[]): Promise<void> {
    if (!list.length) return;
    if (this.senders.webhook || this.senders.sms || this.senders.email) {
      for (const n of list) await this.notify(q, n);
      return;
    }
    for (const n of list) {
      if (!n.userId === !n.unitId) throw new Error('notify: give exactly one recipient, userId or unitId');
      if (!KIND_RE.test(n.kind)) throw new Error(`notify: bad kind "${n.kind}"`);
    }
    await q.query(
      `INSERT INTO notifications (id, recipient_user_id, recipient_unit_id, case_id, kind, title, body, data)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::jsonb[])`,
      [
        list.map(() => uuidv7()),
        list.map((n) => n.userId ?? null),
        list.map((n) => n.unitId ?? null),
        list.map((n) => n.caseId ?? null),
        list.map((n) => n.kind),
        list.map((n) => n.title),
        list.map((n) => n.body ?? ''),
        list.map((n) => JSON.stringify(n.data ?? {})),
      ],
    );
    for (const n of list) this.created.inc({ kind: n.kind });
  }

  /** Delay before attempt `attempt + 1`: base x 2^(attempt-1), capped, with +-20% jitter. */
  backoffMs(attempt: number): number {
    const d = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** Math.min(attempt - 1, 30));
    return Math.round(d * (0.8 + 0.4 * Math.random()));
  }

  /** One delivery pass: takes up to `limit` due messages, sends them, records each outcome. */
  async deliverDue(limit = this.batchSize): Promise<DeliveryReport> {
    const report: DeliveryReport = { claimed: 0, delivered: 0, retrying: 0, failed: 0 };
    const channels = this.channels;
    if (!channels.length) return report;
    const due = await claimDue(this.ctx.db, channels, limit, this.leaseMs);
    report.claimed = due.length;
    if (!due.length) return report;
    const done: { id: string; attempts: number }[] = [];
    const failed: { id: string; attempts: number; delayMs: number; error: string; giveUp: boolean }[] = [];
    await Promise.all(
      due.map(async (row) => {
        try {
          await this.sendWithTimeout(row.channel, row.target, row.payload, { deliveryId: row.id, attempt: row.attempts });
          done.push({ id: row.id, attempts: row.attempts });
          this.deliveries.inc({ channel: row.channel, result: 'delivered' });
        } catch (err) {
          const giveUp = row.attempts >= this.maxAttempts;
          failed.push({ id: row.id, attempts: row.attempts, delayMs: giveUp ? 0 : this.backoffMs(row.attempts), error: errorText(err), giveUp });
          this.deliveries.inc({ channel: row.channel, result: giveUp ? 'failed' : 'retrying' });
          const log = { channel: row.channel, deliveryId: row.id, attempt: row.attempts, err: errorText(err) };
          if (giveUp) this.ctx.log.error(log, 'notification delivery failed for good');
          else this.ctx.log.warn(log, 'notification delivery failed; will retry');
        }
      }),
    );
    report.delivered = await recordDelivered(this.ctx.db, done);
    await recordFailed(this.ctx.db, failed);
    for (const f of failed) {
      if (f.giveUp) report.failed++;
      else report.retrying++;
    }
    return report;
  }

  private async sendWithTimeout(channel: Channel, target: string, message: OutboundMessage, meta: { deliveryId: string; attempt: number }) {
    const sender = this.senders[channel];
    if (!sender) throw new Error(`no sender for ${channel}`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${channel}: no answer within ${this.sendTimeoutMs} ms`)), this.sendTimeoutMs);
      timer.unref();
    });
    try {
      await Promise.race([sender.send(target, message, meta), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs the delivery worker every intervalMs; its timer does not keep the process alive. */
  start(): void {
    if (this.timer) return;
    this.stopping = false;
    this.timer = setInterval(() => this.kick(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops the worker and waits for a pass under way to finish recording its outcomes. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.inflight;
  }

  private kick(): void {
    if (this.inflight || this.stopping) return;
    this.inflight = this.drain()
      .catch((err) => this.ctx.log.warn({ err }, 'notification delivery pass failed'))
      .finally(() => {
        this.inflight = undefined;
      });
  }

  /** Passes until the backlog is shorter than a batch (or stop() is called), then an occasional prune. */
  private async drain(): Promise<void> {
    for (;;) {
      const r = await this.deliverDue(this.batchSize);
      if (this.stopping || r.claimed < this.batchSize) break;
    }
    if (!this.stopping && Date.now() - this.lastPrune > 3_600_000) {
      this.lastPrune = Date.now();
      await pruneDelivered(this.ctx.db, this.keepDeliveredMs);
    }
  }
}

declare module '../platform/context.ts' {
  interface Services {
    /** Writes in-app notifications and the outbox in the caller's transaction; delivers in the background. */
    notifier: Notifier;
  }
}
