/**
 * When the database fails: the server talks to a real PostgreSQL through a
 * TCP proxy the test controls, which can refuse connections (a stopped
 * database) or stop passing bytes (a frozen one, as under SIGSTOP). Requests
 * then get 503 problem+json with Retry-After, never a 500 or a hang; the
 * outage is logged once and its end once; /readyz answers within a second;
 * past the bound of waiting requests new ones are refused at once; and the
 * server recovers by itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createScratchDatabase, openDb, type Db } from '../src/platform/db.ts';
import { seedWorld, startTestServer, type Client, type TestServer } from './helpers.ts';

const BASE = process.env.TEST_DATABASE_URL;

/** A TCP proxy in front of PostgreSQL: pass, refuse (stopped) or freeze (no bytes either way). */
async function startProxy(target: URL) {
  let mode: 'pass' | 'refuse' | 'freeze' = 'pass';
  const pairs = new Set<{ client: net.Socket; upstream?: net.Socket }>();
  const connect = (pair: { client: net.Socket; upstream?: net.Socket }) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    pair.upstream = upstream;
    pair.client.pipe(upstream);
    upstream.pipe(pair.client);
    const end = () => {
      pair.client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    upstream.on('error', end).on('close', end);
    pair.client.on('error', end).on('close', end);
  };
  const server = net.createServer((client) => {
    if (mode === 'refuse') return client.destroy();
    const pair = { client };
    pairs.add(pair);
    if (mode === 'pass') connect(pair);
    else client.pause();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    stop() {
      mode = 'refuse';
      for (const p of pairs) {
        p.client.destroy();
        p.upstream?.destroy();
      }
      pairs.clear();
    },
    freeze() {
      mode = 'freeze';
      for (const p of pairs) {
        p.client.unpipe();
        p.upstream?.unpipe();
        p.client.pause();
        p.upstream?.pause();
      }
    },
    resume() {
      const was = mode;
      mode = 'pass';
      if (was !== 'freeze') return;
      for (const p of pairs) {
        if (!p.upstream) {
          p.client.resume();
          connect(p);
          continue;
        }
        p.client.pipe(p.upstream);
        p.upstream.pipe(p.client);
        p.client.resume();
        p.upstream.resume();
      }
    },
    close: () =>
      new Promise<void>((r) => {
        for (const p of pairs) {
          p.client.destroy();
          p.upstream?.destroy();
        }
        server.close(() => r());
      }),
  };
}

describe.skipIf(!BASE)('when the database fails (PostgreSQL behind a proxy the test controls)', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  let db: Db;
  let t: TestServer;
  let op: Client;
  const logs: { level: number; msg: string }[] = [];

  beforeAll(async () => {
    scratch = await createScratchDatabase(BASE!);
    const target = new URL(scratch.url);
    proxy = await startProxy(target);
    const viaProxy = new URL(scratch.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    db = await openDb(viaProxy.toString(), { poolSize: 4, maxWaiting: 8, timeouts: { connectMs: 1000, statementMs: 1000, idleInTxMs: 5000 } });
    await seedWorld(db);
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) logs.push(JSON.parse(line));
        done();
      },
    });
    t = await startTestServer(db, { logger: pino({ level: 'info' }, sink) });
    op = await t.login('operator');
  });
  afterAll(async () => {
    proxy?.resume();
    await t?.close();
    await db?.close();
    await proxy?.close();
    await scratch?.drop();
  });

  const unavailableLines = () => logs.filter((l) => /database unavailable/.test(l.msg)).length;
  const backLines = () => logs.filter((l) => /database available again/.test(l.msg)).length;
  const failedLines = () => logs.filter((l) => l.msg === 'request failed').length;

  it('answers 503 problem+json with Retry-After while the database is stopped, logs it once each way, and recovers by itself', async () => {
    expect((await op.get('/api/cases')).status).toBe(200);
    proxy.stop();
    const answers = await Promise.all(Array.from({ length: 20 }, () => op.get('/api/cases')));
    for (const a of answers) {
      expect(a.status).toBe(503);
      expect(a.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(Number(a.headers['retry-after'])).toBeGreaterThan(0);
      expect(a.json.status).toBe(503);
      expect(a.body).not.toMatch(/at .*\.ts:\d+/); // no stack trace leaves
    }
    expect((await t.request('GET', '/readyz')).status).toBe(503);
    expect((await t.request('GET', '/healthz')).status).toBe(200);
    expect(unavailableLines()).toBe(1);
    expect(failedLines()).toBe(0);

    proxy.resume();
    await expect.poll(async () => (await op.get('/api/cases')).status, { timeout: 15_000, interval: 200 }).toBe(200);
    expect((await t.request('GET', '/readyz')).status).toBe(200);
    expect(backLines()).toBe(1);
    expect(unavailableLines()).toBe(1);
  });

  it('a frozen database: /readyz answers within a second, requests get 503 once the statement timeout passes, and it recovers', async () => {
    const before = unavailableLines();
    proxy.freeze();
    // it answers at all (a hang would time the test out): its own limit is one second
    const ready = await t.request('GET', '/readyz');
    expect(ready.status).toBe(503);
    const r = await op.get('/api/cases');
    expect(r.status).toBe(503);
    expect(r.headers['retry-after']).toBeDefined();
    expect((await t.request('GET', '/healthz')).status).toBe(200);
    expect(unavailableLines()).toBe(before + 1);

    proxy.resume();
    await expect.poll(async () => (await op.get('/api/cases')).status, { timeout: 20_000, interval: 250 }).toBe(200);
    expect(failedLines()).toBe(0);
  });

  it('sheds load: past the bound of requests waiting for the database, new ones get a fast 503 instead of joining the queue', async () => {
    proxy.freeze();
    const answers = await Promise.all(Array.from({ length: 30 }, () => op.get('/api/cases')));
    proxy.resume();
    const shed = answers.filter((a) => a.status === 503 && /busy/.test(a.json?.detail ?? ''));
    // 4 connections and 8 waiting at most: the rest are refused at once
    expect(shed.length).toBeGreaterThanOrEqual(30 - 4 - 8);
    for (const a of shed) expect(a.headers['retry-after']).toBe('1');
    expect(answers.every((a) => a.status === 503 || a.status === 200)).toBe(true);
    await expect.poll(async () => (await op.get('/api/cases')).status, { timeout: 20_000, interval: 250 }).toBe(200);
    expect(failedLines()).toBe(0);
  });
});
