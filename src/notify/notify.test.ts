import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHmac } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { TEST_DATABASES, seedWorld, silentLogger, type World } from '../../test/helpers.ts';
import { openDb, type Db } from '../platform/db.ts';
import { loadConfig } from '../platform/config.ts';
import { createMetrics } from '../platform/metrics.ts';
import { LocalDiskStorage } from '../platform/storage.ts';
import { createHttp, type App, type Ctx, type Kernel } from '../platform/http.ts';
import { createServices } from '../services.ts';
import { httpAuth } from '../org/routes.ts';
import { createSession, SESSION_COOKIE } from '../org/auth.ts';
import { Notifier, registerNotifyRoutes, LogSender, WebhookSender, loadNotifyConfig, type Sender } from './index.ts';

function makeKernel(db: Db): Kernel {
  return {
    db,
    config: loadConfig({}, { demo: false, filesDir: mkdtempSync(join(tmpdir(), 'zhili-notify-')), webDir: '/nonexistent' }),
    log: silentLogger(),
    metrics: createMetrics(),
    storage: new LocalDiskStorage(mkdtempSync(join(tmpdir(), 'zhili-notify-'))),
  };
}

async function makeCtx(db: Db): Promise<Ctx> {
  const kernel = makeKernel(db);
  return { ...kernel, services: await createServices(kernel) };
}

interface Hit {
  headers: IncomingHttpHeaders;
  raw: string;
  json: any;
}

/** A webhook receiver on 127.0.0.1; `answer` decides each response. */
async function startReceiver() {
  const hits: Hit[] = [];
  let answer: (hit: Hit, n: number) => number | Promise<number> = () => 200;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const hit = { headers: req.headers, raw, json: JSON.parse(raw) };
      hits.push(hit);
      const status = await answer(hit, hits.length);
      if (status === 0) return; // never answer
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'boom');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return {
    url,
    hits,
    setAnswer(f: typeof answer) {
      answer = f;
    },
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

describe('notify config', () => {
  it('reads the environment', () => {
    const c = loadNotifyConfig({
      ZHILI_WEBHOOK_URLS: 'http://127.0.0.1:1/a, https://example.invalid/b',
      ZHILI_WEBHOOK_SECRET: 's3cret',
      ZHILI_NOTIFY_SMS: 'log',
      ZHILI_NOTIFY_MAX_ATTEMPTS: '3',
    });
    expect(c.webhookUrls).toEqual(['http://127.0.0.1:1/a', 'https://example.invalid/b']);
    expect(c).toMatchObject({ webhookSecret: 's3cret', sms: 'log', email: 'off', emailTo: [], maxAttempts: 3 });
    expect(loadNotifyConfig({})).toMatchObject({ webhookUrls: [], sms: 'off', maxAttempts: 8 });
    expect(() => loadNotifyConfig({ ZHILI_WEBHOOK_URLS: 'ftp://x/y' })).toThrow(/http/);
    expect(() => loadNotifyConfig({ ZHILI_NOTIFY_SMS: 'yes' })).toThrow(/ZHILI_NOTIFY_SMS/);
  });

  it('builds senders from the environment when none are given', () => {
    const ctx = makeKernel(undefined as unknown as Db);
    const n = new Notifier(ctx, { env: { ZHILI_WEBHOOK_URLS: 'http://127.0.0.1:9/x', ZHILI_NOTIFY_SMS: 'log' } });
    expect(n.channels.sort()).toEqual(['sms', 'webhook']);
    expect(n.senders.webhook).toBeInstanceOf(WebhookSender);
    expect(n.senders.sms).toBeInstanceOf(LogSender);
    expect(new Notifier(ctx, { env: {} }).channels).toEqual([]);
  });
});

describe.each(TEST_DATABASES)('notifications on $name', (tdb) => {
  let db: Db & { url?: string };
  let world: World;
  let ctx: Ctx;
  let app: App;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const cookies: Record<string, string> = {};
  let caseId: string;

  beforeAll(async () => {
    db = await tdb.open();
    world = await seedWorld(db);
    ctx = await makeCtx(db);
    app = await createHttp(ctx, httpAuth(ctx));
    registerNotifyRoutes(app, ctx);
    await app.ready();
    for (const [name, u] of Object.entries(world.users)) {
      const s = await createSession(db, u.id, 1);
      cookies[name] = `${SESSION_COOKIE}=${s.token}`;
    }
    caseId = uuidv7();
    await db.query(
      `INSERT INTO cases (id, no, channel, type, urgency, title, description, status) VALUES ($1, '20261123000001', 'hotline', 'complaint', 'normal', '路灯不亮', '路灯不亮', 'dispatched')`,
      [caseId],
    );
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await app?.close();
    await db?.close();
  });
  beforeEach(() => {
    receiver.hits.length = 0;
    receiver.setAnswer(() => 200);
  });

  async function call(user: keyof World['users'] | null, method: string, url: string) {
    const res = await app.inject({ method: method as any, url, headers: user ? { cookie: cookies[user] } : {} });
    return { status: res.statusCode, json: res.json() as any, headers: res.headers };
  }

  /** An inbox-only notifier (no outbound channels). */
  const inboxOnly = () => new Notifier(ctx, { senders: {}, webhookUrls: [] });

  it('keeps an inbox per user and per unit; members of a unit read on their own', async () => {
    const n = inboxOnly();
    const unitNote = await n.notify(db, { unitId: world.units.hotline.id, caseId, kind: 'dispatched', title: '新工单交办', body: '请签收', data: { no: '20261123000001' } });
    const ownNote = await n.notify(db, { userId: world.users.operator.id, caseId, kind: 'urge', title: '催办' });
    await n.notify(db, { unitId: world.units.cgA.id, kind: 'warning_red', title: '超期' });

    const op = await call('operator', 'GET', '/api/notifications');
    expect(op.status).toBe(200);
    expect(op.json.items.map((i: any) => i.id)).toEqual([ownNote, unitNote]);
    expect(op.json.nextCursor).toBeNull();
    expect(op.json.items[1]).toMatchObject({
      kind: 'dispatched',
      kindLabel: expect.stringContaining('交办'),
      title: '新工单交办',
      body: '请签收',
      data: { no: '20261123000001' },
      caseId,
      caseNo: '20261123000001',
      recipient: { type: 'unit', unitId: world.units.hotline.id },
      read: false,
      readAt: null,
    });
    expect(op.json.items[0].recipient).toEqual({ type: 'user', userId: world.users.operator.id });

    const disp = await call('dispatcher', 'GET', '/api/notifications');
    expect(disp.json.items.map((i: any) => i.id)).toEqual([unitNote]);
    expect((await call('handlerA', 'GET', '/api/notifications')).json.items.map((i: any) => i.kind)).toEqual(['warning_red']);

    expect((await call('operator', 'GET', '/api/notifications/unread-count')).json).toEqual({ total: 2, byKind: { dispatched: 1, urge: 1 } });
    expect((await call('dispatcher', 'GET', '/api/notifications/unread-count')).json).toEqual({ total: 1, byKind: { dispatched: 1 } });

    // The operator reads the unit's notification: read for them, still unread for the dispatcher.
    const read = await call('operator', 'POST', `/api/notifications/${unitNote}/read`);
    expect(read.status).toBe(200);
    expect(read.json).toMatchObject({ id: unitNote, read: true });
    const again = await call('operator', 'POST', `/api/notifications/${unitNote}/read`);
    expect(again.json.readAt).toBe(read.json.readAt);
    expect((await call('operator', 'GET', '/api/notifications/unread-count')).json).toEqual({ total: 1, byKind: { urge: 1 } });
    expect((await call('dispatcher', 'GET', '/api/notifications/unread-count')).json).toEqual({ total: 1, byKind: { dispatched: 1 } });
    expect((await call('operator', 'GET', '/api/notifications?unread=true')).json.items.map((i: any) => i.id)).toEqual([ownNote]);
    expect((await call('dispatcher', 'GET', '/api/notifications?unread=true')).json.items.map((i: any) => i.id)).toEqual([unitNote]);

    // Read-all by the dispatcher touches only the dispatcher's state.
    expect((await call('dispatcher', 'POST', '/api/notifications/read-all')).json).toEqual({ marked: 1 });
    expect((await call('dispatcher', 'GET', '/api/notifications/unread-count')).json).toEqual({ total: 0, byKind: {} });
    expect((await call('operator', 'GET', '/api/notifications/unread-count')).json).toEqual({ total: 1, byKind: { urge: 1 } });
    expect((await call('operator', 'POST', '/api/notifications/read-all?kind=urge')).json).toEqual({ marked: 1 });
    expect((await call('operator', 'GET', '/api/notifications/unread-count')).json.total).toBe(0);
    expect((await call('operator', 'GET', `/api/notifications/${ownNote}`)).json.read).toBe(true);
    // The cgA notification is untouched by the hotline's reading.
    expect((await call('handlerA', 'GET', '/api/notifications/unread-count')).json).toEqual({ total: 1, byKind: { warning_red: 1 } });
  });

  it('never shows a user another user\'s or another unit\'s notifications', async () => {
    const n = inboxOnly();
    const toOperator = await n.notify(db, { userId: world.users.operator.id, kind: 'urge', title: '只给操作员' });
    const toCgB = await n.notify(db, { unitId: world.units.cgB.id, kind: 'escalated', title: '云溪区城管局督办' });
    for (const [user, id] of [['dispatcher', toOperator], ['handlerA', toOperator], ['operator', toCgB], ['handlerA', toCgB], ['adminB', toCgB], ['admin', toOperator]] as const) {
      const get = await call(user, 'GET', `/api/notifications/${id}`);
      expect(get.status, `${user} GET ${id}`).toBe(404);
      expect(get.headers['content-type']).toMatch(/application\/problem\+json/);
      expect((await call(user, 'POST', `/api/notifications/${id}/read`)).status).toBe(404);
      const list = await call(user, 'GET', '/api/notifications?limit=100');
      expect(list.json.items.map((i: any) => i.id)).not.toContain(id);
    }
    expect((await call('handlerB', 'GET', `/api/notifications/${toCgB}`)).status).toBe(200);
    // Nothing the others did marked it read.
    expect((await call('operator', 'GET', `/api/notifications/${toOperator}`)).json.read).toBe(false);
    expect((await call(null, 'GET', '/api/notifications')).status).toBe(401);
    expect((await call(null, 'GET', '/api/notifications/unread-count')).status).toBe(401);
    const bad = await call('operator', 'POST', '/api/notifications/not-a-uuid/read');
    expect(bad.status).toBe(400);
    expect(bad.json.errors[0].field).toBe('id');
    expect((await call('operator', 'GET', '/api/notifications?limit=0')).status).toBe(400);
  });

  it('pages newest first with a cursor and filters unread', async () => {
    const n = inboxOnly();
    const user = world.users.handlerA2.id;
    const ids: string[] = [];
    // Several in one transaction share created_at: the id breaks the tie.
    await db.tx(async (q) => {
      for (let i = 0; i < 12; i++) ids.push(await n.notify(q, { userId: user, kind: 'urge', title: `催办 ${i}` }));
    });
    for (let i = 12; i < 25; i++) ids.push(await n.notify(db, { unitId: world.units.zjA.id, kind: 'dispatched', title: `交办 ${i}` }));
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: any = await call('handlerA2', 'GET', `/api/notifications?limit=10${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...res.json.items.map((i: any) => i.id));
      cursor = res.json.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());
    await call('handlerA2', 'POST', `/api/notifications/${ids[24]}/read`);
    await call('handlerA2', 'POST', `/api/notifications/${ids[0]}/read`);
    const unread = await call('handlerA2', 'GET', '/api/notifications?unread=true&limit=100');
    expect(unread.json.items).toHaveLength(23);
    expect(unread.json.items.every((i: any) => !i.read)).toBe(true);
    const byKind = await call('handlerA2', 'GET', '/api/notifications?kind=urge&limit=100');
    expect(byKind.json.items).toHaveLength(12);
    const badCursor = await call('handlerA2', 'GET', '/api/notifications?cursor=abc');
    expect(badCursor.status).toBe(422);
    expect(badCursor.json.errors[0].field).toBe('cursor');
  });

  it('writes nothing when the caller\'s transaction rolls back, and both rows when it commits', async () => {
    const n = new Notifier(ctx, { senders: { sms: new LogSender('sms', () => {}) }, webhookUrls: [receiver.url] });
    await db.query(`UPDATE users SET phone = '13800000001' WHERE id = $1`, [world.users.handlerB.id]);
    await expect(
      db.tx(async (q) => {
        await n.notify(q, { userId: world.users.handlerB.id, kind: 'urge', title: '回滚的通知' });
        throw new Error('caller failed');
      }),
    ).rejects.toThrow('caller failed');
    const count = async (title: string) =>
      (
        await db.query<{ inbox: number; outbox: number }>(
          `SELECT (SELECT count(*)::int FROM notifications WHERE title = $1) AS inbox,
                  (SELECT count(*)::int FROM notification_outbox o JOIN notifications n ON n.id = o.notification_id WHERE n.title = $1) AS outbox`,
          [title],
        )
      )[0];
    expect(await count('回滚的通知')).toEqual({ inbox: 0, outbox: 0 });
    const id = await db.tx((q) => n.notify(q, { userId: world.users.handlerB.id, kind: 'urge', title: '提交的通知' }));
    expect(await count('提交的通知')).toEqual({ inbox: 1, outbox: 2 });
    const rows = await db.query<{ channel: string; target: string; payload: any }>(`SELECT channel, target, payload FROM notification_outbox WHERE notification_id = $1 ORDER BY channel`, [id]);
    expect(rows.map((r) => [r.channel, r.target])).toEqual([
      ['sms', '13800000001'],
      ['webhook', receiver.url],
    ]);
    expect(rows[0].payload.data.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    // Deliver them so later tests start with an empty outbox.
    expect(await n.deliverDue(10)).toMatchObject({ claimed: 2, delivered: 2 });
    // A unit without a duty phone gets no SMS row; notify refuses an ambiguous recipient.
    await n.notify(db, { unitId: world.units.cgB.id, kind: 'urge', title: '无电话单位' });
    expect(await count('无电话单位')).toEqual({ inbox: 1, outbox: 1 });
    await n.deliverDue(10);
    await expect(n.notify(db, { kind: 'urge', title: 'x' })).rejects.toThrow(/exactly one recipient/);
    await expect(n.notify(db, { userId: world.users.handlerB.id, unitId: world.units.cgB.id, kind: 'urge', title: 'x' })).rejects.toThrow(/exactly one recipient/);
  });

  it('retries a failing webhook with growing backoff, then delivers once, signed', async () => {
    const secret = 'webhook-secret';
    const n = new Notifier(ctx, { senders: {}, webhookUrls: [receiver.url], webhookSecret: secret, retryBaseMs: 1000, maxAttempts: 5 });
    receiver.setAnswer((_hit, i) => (i <= 2 ? 500 : 200));
    const id = await n.notify(db, { userId: world.users.handlerA.id, caseId, kind: 'warning_yellow', title: '即将超期', body: '剩余 2 工作小时', data: { percent: 80 } });
    const row = async () =>
      (
        await db.query<{ attempts: number; delay_s: number; delivered: boolean; failed: boolean; last_error: string | null }>(
          `SELECT attempts, extract(epoch FROM next_attempt_at - now())::float8 AS delay_s, delivered_at IS NOT NULL AS delivered, failed_at IS NOT NULL AS failed, last_error
             FROM notification_outbox WHERE notification_id = $1`,
          [id],
        )
      )[0];
    const due = () => db.query(`UPDATE notification_outbox SET next_attempt_at = now() WHERE notification_id = $1`, [id]);

    expect(await n.deliverDue(10)).toEqual({ claimed: 1, delivered: 0, retrying: 1, failed: 0 });
    const first = await row();
    expect(first).toMatchObject({ attempts: 1, delivered: false, failed: false });
    expect(first.last_error).toMatch(/HTTP 500/);
    expect(first.delay_s).toBeGreaterThan(0.6);
    expect(first.delay_s).toBeLessThan(1.3);
    // Not due yet: nothing is taken.
    expect((await n.deliverDue(10)).claimed).toBe(0);

    await due();
    expect(await n.deliverDue(10)).toMatchObject({ claimed: 1, retrying: 1 });
    const second = await row();
    expect(second.attempts).toBe(2);
    expect(second.delay_s).toBeGreaterThan(1.5);
    expect(second.delay_s).toBeLessThan(2.5);
    expect(second.delay_s).toBeGreaterThan(first.delay_s);

    await due();
    expect(await n.deliverDue(10)).toMatchObject({ claimed: 1, delivered: 1 });
    expect(await row()).toMatchObject({ attempts: 3, delivered: true, failed: false, last_error: null });
    await due();
    expect((await n.deliverDue(10)).claimed).toBe(0);

    expect(receiver.hits).toHaveLength(3);
    const last = receiver.hits[2];
    const expected = `sha256=${createHmac('sha256', secret).update(last.raw).digest('hex')}`;
    expect(last.headers['x-zhili-signature']).toBe(expected);
    expect(last.headers['x-zhili-signature']).not.toBe(`sha256=${createHmac('sha256', 'other').update(last.raw).digest('hex')}`);
    expect(last.headers['content-type']).toMatch(/application\/json/);
    expect(last.headers['x-zhili-attempt']).toBe('3');
    expect(new Set(receiver.hits.map((h) => h.headers['x-zhili-delivery'])).size).toBe(1);
    expect(last.json).toMatchObject({
      title: '即将超期',
      body: '剩余 2 工作小时',
      data: { notificationId: id, kind: 'warning_yellow', caseId, recipient: { type: 'user', userId: world.users.handlerA.id }, detail: { percent: 80 } },
    });
    expect(last.json.data.createdAt).toMatch(/Z$/);
  });

  it('gives up after the last attempt and keeps the last error', async () => {
    const n = new Notifier(ctx, { senders: {}, webhookUrls: [receiver.url], retryBaseMs: 10, maxAttempts: 2 });
    receiver.setAnswer(() => 503);
    const id = await n.notify(db, { unitId: world.units.cgA.id, kind: 'escalated', title: '督办' });
    expect(await n.deliverDue(10)).toMatchObject({ claimed: 1, retrying: 1 });
    await db.query(`UPDATE notification_outbox SET next_attempt_at = now() WHERE notification_id = $1`, [id]);
    expect(await n.deliverDue(10)).toMatchObject({ claimed: 1, failed: 1 });
    await db.query(`UPDATE notification_outbox SET next_attempt_at = now() WHERE notification_id = $1`, [id]);
    expect((await n.deliverDue(10)).claimed).toBe(0);
    const [r] = await db.query<{ attempts: number; failed: boolean; delivered: boolean; last_error: string }>(
      `SELECT attempts, failed_at IS NOT NULL AS failed, delivered_at IS NOT NULL AS delivered, last_error FROM notification_outbox WHERE notification_id = $1`,
      [id],
    );
    expect(r).toMatchObject({ attempts: 2, failed: true, delivered: false });
    expect(r.last_error).toMatch(/HTTP 503/);
    // The inbox row is there regardless of outbound delivery.
    expect((await call('handlerA', 'GET', `/api/notifications/${id}`)).status).toBe(200);
  });

  it('counts a webhook that does not answer in time as a failure', async () => {
    const n = new Notifier(ctx, { senders: { webhook: new WebhookSender({ timeoutMs: 200 }) }, webhookUrls: [receiver.url], retryBaseMs: 60_000 });
    receiver.setAnswer(() => 0);
    const id = await n.notify(db, { userId: world.users.supervisor.id, kind: 'urge', title: '超时' });
    expect(await n.deliverDue(10)).toMatchObject({ claimed: 1, retrying: 1 });
    const [r] = await db.query<{ last_error: string }>(`SELECT last_error FROM notification_outbox WHERE notification_id = $1`, [id]);
    expect(r.last_error).toMatch(/timed out/);
    await db.query(`UPDATE notification_outbox SET delivered_at = now() WHERE notification_id = $1`, [id]);
  });

  it('delivers each message exactly once with two instances taking due rows at once', async () => {
    // On PostgreSQL the second instance has its own connection pool, as a second server would.
    const db2 = db.url ? await openDb(db.url, { poolSize: 5 }) : db;
    try {
      const ctx2 = makeKernel(db2);
      const a = new Notifier(ctx, { senders: {}, webhookUrls: [receiver.url] });
      const b = new Notifier(ctx2, { senders: {}, webhookUrls: [receiver.url] });
      receiver.setAnswer(() => new Promise((r) => setTimeout(() => r(200), 3)));
      const total = 120;
      await db.tx(async (q) => {
        for (let i = 0; i < total; i++) await a.notify(q, { unitId: world.units.streetA.id, kind: 'summoned', title: `吹哨 ${i}` });
      });
      let claimedA = 0;
      let claimedB = 0;
      for (let round = 0; round < 100; round++) {
        const [ra, rb] = await Promise.all([a.deliverDue(7), b.deliverDue(7)]);
        claimedA += ra.claimed;
        claimedB += rb.claimed;
        if (ra.claimed === 0 && rb.claimed === 0) break;
      }
      expect(claimedA + claimedB).toBe(total);
      if (db.kind === 'postgres') {
        expect(claimedA).toBeGreaterThan(0);
        expect(claimedB).toBeGreaterThan(0);
      }
      const perDelivery = new Map<string, number>();
      for (const h of receiver.hits) perDelivery.set(String(h.headers['x-zhili-delivery']), (perDelivery.get(String(h.headers['x-zhili-delivery'])) ?? 0) + 1);
      expect(receiver.hits).toHaveLength(total);
      expect(perDelivery.size).toBe(total);
      expect([...perDelivery.values()].every((v) => v === 1)).toBe(true);
      const [s] = await db.query<{ n: number; delivered: number; max_attempts: number }>(
        `SELECT count(*)::int AS n, count(delivered_at)::int AS delivered, max(attempts)::int AS max_attempts
           FROM notification_outbox o JOIN notifications n ON n.id = o.notification_id WHERE n.kind = 'summoned'`,
      );
      expect(s).toEqual({ n: total, delivered: total, max_attempts: 1 });
    } finally {
      if (db2 !== db) await db2.close();
    }
  });

  it('runs the worker on an interval and stop() waits for the pass under way', async () => {
    const sms = new LogSender('sms', () => {});
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started = 0;
    const slow: Sender = {
      async send() {
        started++;
        await gate;
      },
    };
    const n = new Notifier(ctx, { senders: { sms, webhook: slow }, webhookUrls: [receiver.url], intervalMs: 20 });
    await db.query(`UPDATE users SET phone = '13900000002' WHERE id = $1`, [world.users.township.id]);
    const id = await n.notify(db, { userId: world.users.township.id, kind: 'summoned', title: '请报到' });
    n.start();
    n.start(); // idempotent
    for (let i = 0; i < 200 && (started === 0 || sms.sent.length === 0); i++) await new Promise((r) => setTimeout(r, 10));
    expect(started).toBe(1);
    expect(sms.sent).toEqual([{ target: '13900000002', message: expect.objectContaining({ title: '请报到' }) }]);
    let stopped = false;
    const stopping = n.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(stopped).toBe(false);
    release();
    await stopping;
    const rows = await db.query<{ channel: string; delivered: boolean }>(
      `SELECT channel, delivered_at IS NOT NULL AS delivered FROM notification_outbox WHERE notification_id = $1 ORDER BY channel`,
      [id],
    );
    expect(rows).toEqual([
      { channel: 'sms', delivered: true },
      { channel: 'webhook', delivered: true },
    ]);
    // After stop no further pass runs.
    const later = await n.notify(db, { userId: world.users.township.id, kind: 'summoned', title: '再次报到' });
    await new Promise((r) => setTimeout(r, 80));
    const pending = await db.query(`SELECT 1 FROM notification_outbox WHERE notification_id = $1 AND delivered_at IS NULL`, [later]);
    expect(pending).toHaveLength(2);
    await n.deliverDue(10);
  });
});
