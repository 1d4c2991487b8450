/**
 * Outbound notification settings, read from the environment:
 *
 * - ZHILI_WEBHOOK_URLS        comma-separated http(s) URLs; each notification is POSTed to each
 * - ZHILI_WEBHOOK_SECRET      if set, each POST carries `X-Zhili-Signature: sha256=<hex HMAC of the body>`
 * - ZHILI_NOTIFY_SMS          gateway | log | off (default off): SMS to the recipient's phone (a user's, or the unit's duty phone);
 *                             gateway sends through the HTTP SMS gateway of one-time codes (ZHILI_SMS_*, platform/sms.ts)
 * - ZHILI_NOTIFY_SMS_BODY_TEMPLATE  the gateway body for notices, with {phone} and {text} (default: ZHILI_SMS_BODY_TEMPLATE)
 * - ZHILI_NOTIFY_SMS_KINDS    comma-separated kinds sent by SMS (default: all)
 * - ZHILI_NOTIFY_EMAIL        log | off (default off)
 * - ZHILI_NOTIFY_EMAIL_TO     comma-separated addresses that receive every notification by email
 * - ZHILI_NOTIFY_MAX_ATTEMPTS attempts per outbound message before it is marked failed (default 8)
 */
import { checkSmsTemplate, loadSmsGatewayConfig, type SmsGatewayConfig } from '../platform/sms.ts';

export interface NotifyConfig {
  webhookUrls: string[];
  webhookSecret?: string;
  sms: 'gateway' | 'log' | 'off';
  /** With sms 'gateway': where and how notices go. */
  smsGateway?: SmsGatewayConfig;
  smsKinds?: string[];
  email: 'log' | 'off';
  emailTo: string[];
  maxAttempts: number;
}

const list = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function mode(name: string, v: string | undefined): 'log' | 'off' {
  const m = (v ?? '').trim().toLowerCase() || 'off';
  if (m !== 'log' && m !== 'off') throw new Error(`${name} must be ${name === 'ZHILI_NOTIFY_SMS' ? '"gateway", ' : ''}"log" or "off", not "${v}"`);
  return m;
}

/** ZHILI_NOTIFY_SMS=gateway: the shared SMS gateway, with the notice template if one is set. */
function smsGatewayFor(env: NodeJS.ProcessEnv): SmsGatewayConfig {
  const base = loadSmsGatewayConfig(env);
  if (!base) throw new Error('ZHILI_NOTIFY_SMS=gateway needs ZHILI_SMS_URL (the SMS gateway)');
  const template = env.ZHILI_NOTIFY_SMS_BODY_TEMPLATE?.trim() || base.bodyTemplate;
  const problem = checkSmsTemplate(template, base.contentType, 'text');
  if (problem) throw new Error(`${env.ZHILI_NOTIFY_SMS_BODY_TEMPLATE?.trim() ? 'ZHILI_NOTIFY_SMS_BODY_TEMPLATE' : 'ZHILI_SMS_BODY_TEMPLATE (used for notices)'}: ${problem}`);
  return { ...base, bodyTemplate: template };
}

export function checkWebhookUrl(url: string, name = 'webhook URL'): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`${name}: not a URL: ${url}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`${name}: only http and https are supported: ${url}`);
  return u.toString();
}

export function loadNotifyConfig(env: NodeJS.ProcessEnv = process.env): NotifyConfig {
  const maxAttempts = Number(env.ZHILI_NOTIFY_MAX_ATTEMPTS ?? 8);
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 100) {
    throw new Error(`ZHILI_NOTIFY_MAX_ATTEMPTS must be an integer from 1 to 100, not "${env.ZHILI_NOTIFY_MAX_ATTEMPTS}"`);
  }
  const emailTo = list(env.ZHILI_NOTIFY_EMAIL_TO);
  for (const a of emailTo) if (!/^[^@\s]+@[^@\s]+$/.test(a)) throw new Error(`ZHILI_NOTIFY_EMAIL_TO: not an address: ${a}`);
  const smsKinds = list(env.ZHILI_NOTIFY_SMS_KINDS);
  const smsGateway = (env.ZHILI_NOTIFY_SMS ?? '').trim().toLowerCase() === 'gateway';
  return {
    webhookUrls: list(env.ZHILI_WEBHOOK_URLS).map((u) => checkWebhookUrl(u, 'ZHILI_WEBHOOK_URLS')),
    webhookSecret: env.ZHILI_WEBHOOK_SECRET || undefined,
    ...(smsGateway ? { sms: 'gateway' as const, smsGateway: smsGatewayFor(env) } : { sms: mode('ZHILI_NOTIFY_SMS', env.ZHILI_NOTIFY_SMS) }),
    smsKinds: smsKinds.length ? smsKinds : undefined,
    email: mode('ZHILI_NOTIFY_EMAIL', env.ZHILI_NOTIFY_EMAIL),
    emailTo,
    maxAttempts,
  };
}
