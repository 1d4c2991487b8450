/**
 * For this folder's tests: an HTTP app with sign-in and the dispatch routes
 * over a test database, built the way src/server.ts builds the product
 * (the shared test server is already ready() and cannot take more routes).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Db } from '../../platform/db.ts';
import { loadConfig } from '../../platform/config.ts';
import { createMetrics } from '../../platform/metrics.ts';
import { LocalDiskStorage } from '../../platform/storage.ts';
import { createHttp, type App, type Ctx, type Kernel } from '../../platform/http.ts';
import { createServices } from '../../services.ts';
import { LogOtpSender } from '../../org/auth.ts';
import { httpAuth, registerOrgRoutes } from '../../org/routes.ts';
import { defaultCategories, upsertCategories } from '../../cases/categories.ts';
import { registerResponsibilityRoutes } from './routes.ts';
import { registerGazetteerRoutes } from '../gazetteer/routes.ts';

export async function dispatchApp(db: Db) {
  if (!(await db.query(`SELECT 1 FROM categories LIMIT 1`)).length) await db.tx((q) => upsertCategories(q, defaultCategories()));
  const config = loadConfig(process.env, { demo: false, filesDir: mkdtempSync(join(tmpdir(), 'zhili-files-')), webDir: '/nonexistent' });
  const kernel: Kernel = {
    db,
    config,
    log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    metrics: createMetrics(),
    storage: new LocalDiskStorage(config.filesDir),
  };
  const ctx: Ctx = { ...kernel, services: await createServices(kernel) };
  const locator = ctx.services.locator;
  const app: App = await createHttp(ctx, httpAuth(ctx));
  registerOrgRoutes(app, ctx, new LogOtpSender(() => {}));
  registerResponsibilityRoutes(app, ctx);
  registerGazetteerRoutes(app, ctx);
  await app.ready();

  async function request(method: string, url: string, opts: { body?: unknown; cookie?: string } = {}) {
    const res = await app.inject({
      method: method as any,
      url,
      payload: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      headers: { ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...(opts.cookie ? { cookie: opts.cookie } : {}) },
    });
    let json: any;
    try {
      json = res.json();
    } catch {
      json = undefined;
    }
    return { status: res.statusCode, json, headers: res.headers, body: res.body, raw: res.rawPayload };
  }

  async function login(username: string, password = 'Test-pass-123') {
    const res = await request('POST', '/api/auth/login', { body: { username, password } });
    if (res.status !== 200) throw new Error(`login ${username} failed: ${res.status} ${res.body}`);
    const setCookie = res.headers['set-cookie'];
    const cookie = (Array.isArray(setCookie) ? setCookie[0] : setCookie)!.split(';')[0];
    return {
      get: (url: string) => request('GET', url, { cookie }),
      put: (url: string, body: unknown) => request('PUT', url, { body, cookie }),
      post: (url: string, body: unknown) => request('POST', url, { body, cookie }),
      del: (url: string) => request('DELETE', url, { cookie }),
    };
  }

  return { app, ctx, locator, request, login, close: () => app.close() };
}

export type DispatchApp = Awaited<ReturnType<typeof dispatchApp>>;
export type DispatchClient = Awaited<ReturnType<DispatchApp['login']>>;
