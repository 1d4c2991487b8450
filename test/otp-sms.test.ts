/**
 * One-time codes through the HTTP SMS gateway, against a real HTTP server
 * this test starts in the gateway's place; and the promise that a non-demo
 * server never writes a code to its log (pino output captured at trace).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { buildServer } from '../src/server.ts';
import { issueOtp, otpSenderFor, LogOtpSender, UnconfiguredOtpSender, GatewayOtpSender } from '../src/org/auth.ts';
import { loadSmsGatewayConfig, SmsGateway, SmsGatewayError, parseAuthHeader, renderSmsBody } from '../src/platform/sms.ts';
import { Problem } from '../src/platform/errors.ts';
import { TEST_DATABASES, seedWorld, silentLogger } from './helpers.ts';
import { loadNotifyConfig, Notifier, SmsGatewaySender } from '../src/notify/index.ts';
import { createMetrics } from '../src/platform/metrics.ts';

interface Received {
  method: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A stand-in SMS gateway: records each request; answers per `mode`. */
async function startGateway() {
  const received: Received[] = [];
  const state = { mode: 'ok' as 'ok' | 'fail' | 'hang' | 'redirect' };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push({ method: req.method!, headers: req.headers, body });
      if (state.mode === 'hang') return; // never answers
      if (state.mode === 'fail') {
        // Echoes the request, as some gateways do in their errors.
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`upstream carrier error for ${body}`);
        return;
      }
      if (state.mode === 'redirect') {
        res.writeHead(302, { location: 'http://elsewhere.invalid/' }).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms/send`;
  return {
    url,
    received,
    state,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A pino logger whose every line (JSON) lands in `lines`. */
function captureLogger() {
  const lines: string[] = [];
  const logger = pino({ level: 'trace' }, { write: (s: string) => void lines.push(s) });
  return { logger, lines };
}

describe('SMS gateway configuration', () => {
  it('reads ZHILI_SMS_*; a wrong value names the variable', () => {
    expect(loadSmsGatewayConfig({})).toBeUndefined();
    expect(loadSmsGatewayConfig({ ZHILI_SMS_URL: 'https://sms.example/send', ZHILI_SMS_AUTH_HEADER: 'X-Api-Key: k1', ZHILI_SMS_CONTENT_TYPE: 'form' })).toEqual({
      url: 'https://sms.example/send',
      auth: ['X-Api-Key', 'k1'],
      bodyTemplate: 'phone={phone}&code={code}&text={text}',
      contentType: 'form',
      timeoutMs: 5000,
    });
    expect(() => loadSmsGatewayConfig({ ZHILI_SMS_URL: 'ftp://sms.example/' })).toThrow(/ZHILI_SMS_URL/);
    expect(() => loadSmsGatewayConfig({ ZHILI_SMS_URL: 'https://sms.example/', ZHILI_SMS_CONTENT_TYPE: 'xml' })).toThrow(/ZHILI_SMS_CONTENT_TYPE/);
    expect(() => loadSmsGatewayConfig({ ZHILI_SMS_URL: 'https://sms.example/', ZHILI_SMS_BODY_TEMPLATE: '{"to":{phone},"c":"{code}"' })).toThrow(/ZHILI_SMS_BODY_TEMPLATE: not JSON/);
    expect(() => loadSmsGatewayConfig({ ZHILI_SMS_URL: 'https://sms.example/', ZHILI_SMS_BODY_TEMPLATE: '{"code":"{code}"}' })).toThrow(/ZHILI_SMS_BODY_TEMPLATE: has no \{phone\}/);
    expect(() => loadSmsGatewayConfig({ ZHILI_SMS_AUTH_HEADER: 'Bearer x' })).toThrow(/ZHILI_SMS_AUTH_HEADER: set, but ZHILI_SMS_URL is not/);
    expect(() => loadSmsGatewayConfig({ ZHILI_SMS_URL: 'https://sms.example/', ZHILI_SMS_TIMEOUT_MS: 'soon' })).toThrow(/ZHILI_SMS_TIMEOUT_MS/);
  });

  it('parses the auth header and escapes values for the body format', () => {
    expect(parseAuthHeader('Bearer abc:def')).toEqual(['Authorization', 'Bearer abc:def']);
    expect(parseAuthHeader('Authorization: Basic dXNlcjpwYXNz')).toEqual(['Authorization', 'Basic dXNlcjpwYXNz']);
    expect(JSON.parse(renderSmsBody('{"m":"{text}","p":"{phone}"}', 'json', { phone: '138', text: '他说"你好"\n' }))).toEqual({ m: '他说"你好"\n', p: '138' });
    expect(renderSmsBody('p={phone}&t={text}', 'form', { phone: '138', text: 'a&b=c 中' })).toBe('p=138&t=a%26b%3Dc%20%E4%B8%AD');
  });

  it('picks the sender: the gateway when configured, the log only in the demo, else a refusal', () => {
    const { logger, lines } = captureLogger();
    const sms = loadSmsGatewayConfig({ ZHILI_SMS_URL: 'https://sms.example/' });
    expect(otpSenderFor({ sms, demo: false, log: logger })).toBeInstanceOf(GatewayOtpSender);
    expect(otpSenderFor({ sms, demo: true, log: logger })).toBeInstanceOf(GatewayOtpSender);
    expect(otpSenderFor({ demo: true, log: logger })).toBeInstanceOf(LogOtpSender);
    expect(otpSenderFor({ demo: false, log: logger })).toBeInstanceOf(UnconfiguredOtpSender);
    expect(lines.join('')).toContain('ZHILI_SMS_URL is not set');
  });
});

describe('SMS gateway adapter over HTTP', () => {
  let gw: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw?.close());

  it('posts a form with the auth header; failures, timeouts and redirects throw', async () => {
    const gateway = new SmsGateway(loadSmsGatewayConfig({ ZHILI_SMS_URL: gw.url, ZHILI_SMS_AUTH_HEADER: 'Bearer s3cret', ZHILI_SMS_CONTENT_TYPE: 'form', ZHILI_SMS_TIMEOUT_MS: '300' })!);
    gw.state.mode = 'ok';
    await gateway.send({ phone: '13800000001', code: '246810', text: '验证码 246810' });
    const r = gw.received.at(-1)!;
    expect(r.method).toBe('POST');
    expect(r.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(r.headers.authorization).toBe('Bearer s3cret');
    expect(Object.fromEntries(new URLSearchParams(r.body))).toEqual({ phone: '13800000001', code: '246810', text: '验证码 246810' });

    gw.state.mode = 'fail';
    const failed = await gateway.send({ phone: '13800000001', code: '135790' }).catch((e) => e);
    expect(failed).toBeInstanceOf(SmsGatewayError);
    expect(failed).toMatchObject({ kind: 'rejected', status: 500 });
    expect(failed.message).not.toContain('135790');

    gw.state.mode = 'redirect';
    expect(await gateway.send({ phone: '13800000001', code: '1' }).catch((e) => e)).toMatchObject({ kind: 'rejected', status: 302 });

    gw.state.mode = 'hang';
    const t0 = Date.now();
    const hung = await gateway.send({ phone: '13800000001', code: '2' }).catch((e) => e);
    expect(hung).toMatchObject({ kind: 'unreachable' });
    expect(hung.message).toContain('no answer within 300 ms');
    expect(Date.now() - t0).toBeLessThan(3000);
    gw.state.mode = 'ok';
  });

  it('is shared by the notification SMS channel (ZHILI_NOTIFY_SMS=gateway), with its own template for notices', async () => {
    expect(() => loadNotifyConfig({ ZHILI_NOTIFY_SMS: 'gateway' })).toThrow(/ZHILI_SMS_URL/);
    expect(() => loadNotifyConfig({ ZHILI_NOTIFY_SMS: 'gateway', ZHILI_SMS_URL: gw.url, ZHILI_SMS_BODY_TEMPLATE: '{"to":"{phone}","c":"{code}"}' })).toThrow(
      /ZHILI_SMS_BODY_TEMPLATE \(used for notices\): has no \{text\}/,
    );
    const env = { ZHILI_NOTIFY_SMS: 'gateway', ZHILI_SMS_URL: gw.url, ZHILI_SMS_BODY_TEMPLATE: '{"to":"{phone}","c":"{code}"}', ZHILI_NOTIFY_SMS_BODY_TEMPLATE: '{"to":"{phone}","msg":"{text}"}' };
    const cfg = loadNotifyConfig(env);
    expect(cfg).toMatchObject({ sms: 'gateway', smsGateway: { url: gw.url, bodyTemplate: '{"to":"{phone}","msg":"{text}"}' } });
    const notifier = new Notifier({ db: undefined as never, log: silentLogger(), metrics: createMetrics() }, { env });
    expect(notifier.senders.sms).toBeInstanceOf(SmsGatewaySender);
    gw.state.mode = 'ok';
    await notifier.senders.sms!.send('13900000002', { title: '请报到 "东茅岭"', body: '', data: null });
    expect(JSON.parse(gw.received.at(-1)!.body)).toEqual({ to: '13900000002', msg: '请报到 "东茅岭"' });
    gw.state.mode = 'fail';
    await expect(notifier.senders.sms!.send('13900000002', { title: 'x', body: '', data: null })).rejects.toThrow(/HTTP 500/);
    gw.state.mode = 'ok';
  });
});

describe.each(TEST_DATABASES)('one-time codes through the SMS gateway on $name', (tdb) => {
  let gw: Awaited<ReturnType<typeof startGateway>>;
  let server: Awaited<ReturnType<typeof buildServer>>;
  let logs: ReturnType<typeof captureLogger>;
  beforeAll(async () => {
    gw = await startGateway();
    logs = captureLogger();
    const db = await tdb.open();
    await seedWorld(db);
    const sms = loadSmsGatewayConfig({
      ZHILI_SMS_URL: gw.url,
      ZHILI_SMS_AUTH_HEADER: 'X-Api-Key: k-123',
      ZHILI_SMS_BODY_TEMPLATE: '{"to":"{phone}","template":"LOGIN","params":{"code":"{code}"},"content":"{text}"}',
      ZHILI_SMS_TIMEOUT_MS: '400',
    });
    // A production-like start: no demo, no test sender (the sender comes from the configuration); debug logs every request too.
    server = await buildServer({ db, logger: logs.logger, auth: { sms }, config: { demo: false, logLevel: 'debug', webDir: '/nonexistent', classifierSchedule: false, sweepSeconds: 0 } });
  });
  afterAll(async () => {
    await server?.close();
    await server?.ctx.db.close();
    await gw?.close();
  });

  const post = async (url: string, body: unknown, ip = '127.0.0.1') => {
    const res = await server.app.inject({ method: 'POST', url, payload: body as any, remoteAddress: ip });
    return { status: res.statusCode, headers: res.headers, json: res.json() as any };
  };
  const codesSent: string[] = [];

  it('sends the code through the gateway, which the citizen then signs in with', async () => {
    gw.state.mode = 'ok';
    const phone = '13800138001';
    const before = gw.received.length;
    const r = await post('/api/auth/otp/request', { phone });
    expect(r.status, JSON.stringify(r.json)).toBe(202);
    expect(gw.received.length).toBe(before + 1);
    const got = gw.received.at(-1)!;
    expect(got.headers['x-api-key']).toBe('k-123');
    expect(got.headers['content-type']).toMatch(/^application\/json/);
    const body = JSON.parse(got.body);
    expect(body).toMatchObject({ to: phone, template: 'LOGIN', params: { code: expect.stringMatching(/^\d{6}$/) } });
    expect(body.content).toContain(body.params.code);
    codesSent.push(body.params.code);
    // Only the hash is kept.
    const rows = await server.ctx.db.query<{ code_hash: string }>(`SELECT code_hash FROM otp_codes WHERE phone = $1`, [phone]);
    expect(rows[0].code_hash).not.toContain(body.params.code);
    const v = await post('/api/auth/otp/verify', { phone, code: body.params.code });
    expect(v.status).toBe(200);
    expect(v.json.roles).toEqual(['citizen']);
  });

  it('a gateway failure is a clear 502 for the citizen, and the unsent code counts against no limit', async () => {
    gw.state.mode = 'fail';
    const phone = '13800138002';
    const r = await post('/api/auth/otp/request', { phone });
    expect(r.status).toBe(502);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(r.json.detail).toMatch(/短信发送失败.*SMS gateway/);
    codesSent.push(JSON.parse(gw.received.at(-1)!.body).params.code);
    expect(await server.ctx.db.query(`SELECT 1 FROM otp_codes WHERE phone = $1`, [phone])).toEqual([]);
    expect(logs.lines.join('')).toContain('SMS gateway failed');
    gw.state.mode = 'ok';
  });

  it('a gateway that does not answer in time is a 503 with Retry-After', async () => {
    gw.state.mode = 'hang';
    const r = await post('/api/auth/otp/request', { phone: '13800138003' });
    expect(r.status).toBe(503);
    expect(r.headers['retry-after']).toBe('30');
    expect(r.json.detail).toMatch(/SMS gateway could not be reached/);
    codesSent.push(JSON.parse(gw.received.at(-1)!.body).params.code);
    gw.state.mode = 'ok';
  });

  it('never writes a code to the log of a non-demo server (pino output at trace level)', () => {
    const all = logs.lines.join('\n');
    expect(logs.lines.length).toBeGreaterThan(5);
    expect(codesSent).toHaveLength(3);
    for (const code of codesSent) expect(all).not.toContain(code);
    expect(all).not.toContain('one-time code for');
  });

  it('without a gateway outside the demo: a refusal (503), never a silent loss', async () => {
    const sender = otpSenderFor({ demo: false, log: logs.logger });
    const phone = '13800138004';
    const err = await issueOtp(server.ctx.db, sender, phone, '127.0.0.1').catch((e) => e);
    expect(err).toBeInstanceOf(Problem);
    expect(err).toMatchObject({ status: 503 });
    expect(err.detail).toContain('ZHILI_SMS_URL');
    expect(await server.ctx.db.query(`SELECT 1 FROM otp_codes WHERE phone = $1`, [phone])).toEqual([]);
  });

  it('the demo sender logs the code (and only it does)', async () => {
    const demo = captureLogger();
    await issueOtp(server.ctx.db, otpSenderFor({ demo: true, log: demo.logger }), '13800138005', '127.0.0.1');
    expect(demo.lines.join('')).toMatch(/one-time code for 13800138005: \d{6}/);
  });
});
