import { createHmac } from 'node:crypto';
import type { SmsGateway } from '../platform/sms.ts';
import { maskPhone } from '../platform/masking.ts';

export const CHANNELS = ['webhook', 'sms', 'email'] as const;
export type Channel = (typeof CHANNELS)[number];

export interface OutboundMessage {
  title: string;
  body: string;
  data: unknown;
}

/** Which delivery this is: lets a receiver drop a repeat (delivery is at least once). */
export interface DeliveryMeta {
  deliveryId: string;
  attempt: number;
}

/**
 * Delivers one message to one target (a URL, a phone number, an address).
 * Resolves when the far side has accepted it; throws otherwise (the worker retries).
 * Real SMS / email gateways are adapters implementing this interface.
 */
export interface Sender {
  send(target: string, message: OutboundMessage, meta?: DeliveryMeta): Promise<void>;
}

export const SIGNATURE_HEADER = 'x-zhili-signature';
export const DELIVERY_HEADER = 'x-zhili-delivery';

/** `sha256=<hex>` HMAC of the exact request body; receivers compute the same and compare. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** POSTs the message as JSON. Any answer but 2xx, a network error or the timeout is a failure. */
export class WebhookSender implements Sender {
  private readonly secret?: string;
  private readonly timeoutMs: number;
  constructor(opts: { secret?: string; timeoutMs?: number } = {}) {
    this.secret = opts.secret;
    this.timeoutMs = opts.timeoutMs ?? 5000;
  }

  async send(target: string, message: OutboundMessage, meta?: DeliveryMeta): Promise<void> {
    const body = JSON.stringify(message);
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'zhili-notify/0.1' };
    if (meta) {
      headers[DELIVERY_HEADER] = meta.deliveryId;
      headers['x-zhili-attempt'] = String(meta.attempt);
    }
    if (this.secret) headers[SIGNATURE_HEADER] = signBody(this.secret, body);
    let res: Response;
    try {
      // A redirect is answered as a failure rather than followed: the configured URL is the only target.
      res = await fetch(target, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err: any) {
      const reason = err?.name === 'TimeoutError' ? `timed out after ${this.timeoutMs} ms` : (err?.cause?.code ?? err?.message ?? String(err));
      throw new Error(`webhook: ${reason}`);
    }
    const text = await res.text().catch(() => '');
    if (res.status < 200 || res.status >= 300) throw new Error(`webhook: HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`);
  }
}

/** Writes messages to the log instead of a gateway (development, pilots); keeps the last few for tests. */
export class LogSender implements Sender {
  readonly sent: { target: string; message: OutboundMessage }[] = [];
  constructor(
    private readonly channel: Channel,
    private readonly log: (obj: Record<string, unknown>, msg: string) => void,
    private readonly keep = 100,
  ) {}

  async send(target: string, message: OutboundMessage): Promise<void> {
    this.sent.push({ target, message });
    if (this.sent.length > this.keep) this.sent.shift();
    this.log({ channel: this.channel, to: this.channel === 'sms' ? maskPhone(target) : target, title: message.title }, `notification (${this.channel}): ${message.title}`);
  }
}

/** Sends a notice's title as a text message through the HTTP SMS gateway shared with one-time codes; a failure throws (the worker retries). */
export class SmsGatewaySender implements Sender {
  constructor(private readonly gateway: SmsGateway) {}

  async send(target: string, message: OutboundMessage): Promise<void> {
    await this.gateway.send({ phone: target, text: message.title });
  }
}
