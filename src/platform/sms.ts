/**
 * A generic HTTP SMS gateway: one POST per message to a configured URL, the
 * body built from a template with {phone}, {code} and {text} placeholders,
 * as JSON or as a form. Most SMS providers (and in-house relays) accept some
 * such request; the template adapts to theirs without code.
 *
 * Read from the environment (validated at start; an error names the variable):
 *
 * - ZHILI_SMS_URL            the gateway's http(s) URL; unset = no gateway
 * - ZHILI_SMS_AUTH_HEADER    `Name: value` (e.g. `X-Api-Key: abc`), or a bare value sent as `Authorization`
 * - ZHILI_SMS_BODY_TEMPLATE  the request body with placeholders (default below)
 * - ZHILI_SMS_CONTENT_TYPE   json | form (default json)
 * - ZHILI_SMS_TIMEOUT_MS     how long to wait for the gateway (default 5000)
 */
import { z } from 'zod';

export const SMS_CONTENT_TYPES = { json: 'application/json; charset=utf-8', form: 'application/x-www-form-urlencoded; charset=utf-8' } as const;
export type SmsContentType = keyof typeof SMS_CONTENT_TYPES;

export const DEFAULT_SMS_TEMPLATES: Record<SmsContentType, string> = {
  json: '{"phone":"{phone}","code":"{code}","text":"{text}"}',
  form: 'phone={phone}&code={code}&text={text}',
};

export interface SmsGatewayConfig {
  url: string;
  /** [header name, value], or undefined for none. */
  auth?: [string, string];
  bodyTemplate: string;
  contentType: SmsContentType;
  timeoutMs: number;
}

export type SmsVars = { phone: string; code?: string; text?: string };

/** Why a message did not go: the gateway answered with a failure, or could not be reached in time. */
export class SmsGatewayError extends Error {
  constructor(
    message: string,
    readonly kind: 'rejected' | 'unreachable',
    readonly status?: number,
  ) {
    super(message);
  }
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** `Name: value` → [Name, value]; a bare value (`Bearer abc`, `Basic …`) is the Authorization header's. */
export function parseAuthHeader(v: string): [string, string] {
  const i = v.indexOf(':');
  if (i > 0 && HEADER_NAME.test(v.slice(0, i))) return [v.slice(0, i), v.slice(i + 1).trim()];
  return ['Authorization', v.trim()];
}

/** Fills the placeholders, each value escaped for the body's format. */
export function renderSmsBody(template: string, contentType: SmsContentType, vars: SmsVars): string {
  const esc = contentType === 'json' ? (s: string) => JSON.stringify(s).slice(1, -1) : encodeURIComponent;
  return template.replace(/\{(phone|code|text)\}/g, (_m, k: keyof SmsVars) => esc(vars[k] ?? ''));
}

/**
 * Why a body template will not do, or undefined: it needs {phone}, and
 * `needs` of {code}/{text} (by default either), and as JSON it must parse once filled in.
 */
export function checkSmsTemplate(template: string, contentType: SmsContentType, needs: 'code-or-text' | 'text' = 'code-or-text'): string | undefined {
  if (!template.includes('{phone}')) return 'has no {phone} placeholder';
  if (needs === 'text' && !template.includes('{text}')) return 'has no {text} placeholder';
  if (needs === 'code-or-text' && !/\{(code|text)\}/.test(template)) return 'has neither a {code} nor a {text} placeholder';
  if (contentType === 'json') {
    try {
      JSON.parse(renderSmsBody(template, 'json', { phone: '13800000000', code: '123456', text: 'x"y' }));
    } catch (err) {
      return `not JSON once filled in (${(err as Error).message}); placeholders go inside strings, e.g. {"to":"{phone}"}`;
    }
  }
  return undefined;
}

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const SMS_ENV = z
  .object({
    ZHILI_SMS_URL: z.preprocess(
      blankToUndefined,
      z
        .url({ protocol: /^https?$/, message: 'an http(s) URL, e.g. https://sms.example/send' })
        .optional(),
    ),
    ZHILI_SMS_AUTH_HEADER: z.preprocess(blankToUndefined, z.string().regex(/^[^\r\n]+$/, 'one line: "Name: value" or a bare Authorization value').optional()),
    ZHILI_SMS_BODY_TEMPLATE: z.preprocess(blankToUndefined, z.string().optional()),
    ZHILI_SMS_CONTENT_TYPE: z.preprocess(
      (v) => {
        const s = typeof v === 'string' ? v.trim().toLowerCase() : v;
        if (s === '' || s === undefined) return undefined;
        if (typeof s === 'string' && s.startsWith('application/json')) return 'json';
        if (typeof s === 'string' && s.startsWith('application/x-www-form-urlencoded')) return 'form';
        return s;
      },
      z.enum(['json', 'form'], { message: 'json or form' }).default('json'),
    ),
    ZHILI_SMS_TIMEOUT_MS: z.preprocess(blankToUndefined, z.coerce.number().int().min(100).max(60_000).default(5000)),
  })
  .superRefine((env, ctx) => {
    if (!env.ZHILI_SMS_URL) {
      for (const k of ['ZHILI_SMS_AUTH_HEADER', 'ZHILI_SMS_BODY_TEMPLATE'] as const)
        if (env[k]) ctx.addIssue({ code: 'custom', path: [k], message: 'set, but ZHILI_SMS_URL is not: no gateway would use it' });
      return;
    }
    const template = env.ZHILI_SMS_BODY_TEMPLATE;
    if (template === undefined) return;
    const problem = checkSmsTemplate(template, env.ZHILI_SMS_CONTENT_TYPE);
    if (problem) ctx.addIssue({ code: 'custom', path: ['ZHILI_SMS_BODY_TEMPLATE'], message: problem });
  });

/** Formats zod issues as `VARIABLE: reason` lines. */
export function envIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${String(i.path[0] ?? 'environment')}: ${i.message}`).join('\n');
}

/** The gateway settings from the environment; undefined when ZHILI_SMS_URL is unset. Throws naming the variable. */
export function loadSmsGatewayConfig(env: NodeJS.ProcessEnv = process.env): SmsGatewayConfig | undefined {
  const r = SMS_ENV.safeParse(env);
  if (!r.success) throw new Error(`invalid SMS gateway configuration:\n${envIssues(r.error)}`);
  const e = r.data;
  if (!e.ZHILI_SMS_URL) return undefined;
  return {
    url: e.ZHILI_SMS_URL,
    auth: e.ZHILI_SMS_AUTH_HEADER ? parseAuthHeader(e.ZHILI_SMS_AUTH_HEADER) : undefined,
    bodyTemplate: e.ZHILI_SMS_BODY_TEMPLATE ?? DEFAULT_SMS_TEMPLATES[e.ZHILI_SMS_CONTENT_TYPE],
    contentType: e.ZHILI_SMS_CONTENT_TYPE,
    timeoutMs: e.ZHILI_SMS_TIMEOUT_MS,
  };
}

/** Sends one text per call. Any answer but 2xx, a network error or the timeout throws SmsGatewayError. */
export class SmsGateway {
  constructor(readonly config: SmsGatewayConfig) {}

  async send(vars: SmsVars): Promise<void> {
    const { url, auth, bodyTemplate, contentType, timeoutMs } = this.config;
    const headers: Record<string, string> = { 'content-type': SMS_CONTENT_TYPES[contentType], 'user-agent': 'zhili-sms/0.1' };
    if (auth) headers[auth[0]] = auth[1];
    let res: Response;
    try {
      // A redirect is a failure, not followed: the configured URL is the only place the message (and a code) may go.
      res = await fetch(url, { method: 'POST', headers, body: renderSmsBody(bodyTemplate, contentType, vars), redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    } catch (err: any) {
      const reason = err?.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (err?.cause?.code ?? err?.message ?? String(err));
      throw new SmsGatewayError(`SMS gateway: ${reason}`, 'unreachable');
    }
    let text = await res.text().catch(() => '');
    if (res.status >= 200 && res.status < 300) return;
    // The gateway may echo the request: never let the code reach a log through its answer.
    if (vars.code) text = text.split(vars.code).join('******');
    throw new SmsGatewayError(`SMS gateway: HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`, 'rejected', res.status);
  }
}
