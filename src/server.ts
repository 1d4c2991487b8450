import { existsSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import { loadConfig, type Config } from './platform/config.ts';
import { openDb, type Db } from './platform/db.ts';
import { migrate } from './platform/migrate.ts';
import { createLogger, type Logger } from './platform/logger.ts';
import { createMetrics } from './platform/metrics.ts';
import { LocalDiskStorage } from './platform/storage.ts';
import { createHttp, type App, type Ctx, type Kernel } from './platform/http.ts';
import { allow } from './platform/access.ts';
import { Binary } from './platform/schemas.ts';
import { createServices } from './services.ts';
import { hashGate, otpSenderFor, signInChores, type OtpSender } from './org/auth.ts';
import { loadAuthConfig, type AuthConfig } from './org/config.ts';
import { httpAuth, registerOrgRoutes } from './org/routes.ts';
import { registerBackupRoutes } from './org/backup-routes.ts';
import { registerCaseRoutes } from './cases/routes.ts';
import { unattachedUploadsChore } from './cases/uploads.ts';
import { retentionChore } from './cases/retention.ts';
import { registerRetentionRoutes } from './cases/retention-routes.ts';
import { startChores } from './platform/chores.ts';
import { purgeIdempotencyKeys } from './platform/idempotency.ts';
import { registerPublicCaseRoutes } from './cases/public-routes.ts';
import { registerMapRoutes } from './cases/map-routes.ts';
import { registerDispatchRoutes } from './dispatch/routes.ts';
import { registerStatsRoutes } from './stats/routes.ts';
import { ensureDefaultResponsibilities, registerResponsibilityRoutes } from './dispatch/responsibility/index.ts';
import { registerGazetteerRoutes } from './dispatch/gazetteer/index.ts';
import { registerClassifierRoutes, stopClassifierWorkers } from './dispatch/classifier/index.ts';
import { ensureDefaultArticles, registerKbRoutes } from './kb/index.ts';
import { backfillCaseSearch } from './cases/search.ts';
import { discardIncompleteDemo, seedDemo, type DemoAccount } from './demo/seed.ts';
import { defaultCategories, upsertCategories } from './cases/categories.ts';
import { registerTimeLimitRoutes } from './timelimits/routes.ts';
import { registerNotifyRoutes } from './notify/index.ts';
import { registerPersonRoutes } from './registers/kit/index.ts';
import { disputePersonVisibility, ensureDisputeDefaults, registerDisputeRoutes } from './registers/disputes/index.ts';
import { ensurePetitionDefaults, petitionPersonVisibility, registerPetitionRoutes } from './registers/petitions/index.ts';
import { ensureKeypersonDefaults, registerKeypersonRoutes } from './registers/keypersons/index.ts';
import { registerRiskRoutes } from './registers/risk/index.ts';
import { ensureTaskDefaults, registerTaskRoutes } from './registers/tasks/index.ts';

export interface Server {
  app: App;
  ctx: Ctx;
  url: string;
  otp: OtpSender;
  demoAccounts: DemoAccount[];
  close(): Promise<void>;
}

export interface StartOptions {
  config?: Partial<Config>;
  /** Reuse an open database (tests); otherwise opened from config.databaseUrl. */
  db?: Db;
  logger?: Logger;
  listen?: boolean;
  otpSender?: OtpSender;
  /** Sign-in settings over those from the environment (tests). */
  auth?: Partial<AuthConfig>;
}

/** Builds the whole product around one database: schema, reference data, routes. */
export async function buildServer(opts: StartOptions = {}): Promise<Omit<Server, 'url'>> {
  const config = loadConfig(process.env, opts.config);
  // Validated before anything opens: a wrong sign-in or SMS variable stops the start, naming it.
  const authConfig = loadAuthConfig(process.env, opts.auth);
  hashGate.configure(authConfig.hashConcurrency, authConfig.hashQueue);
  const log = opts.logger ?? createLogger(config.logLevel);
  const ownDb = !opts.db;
  const db = opts.db ?? (await openDb(config.databaseUrl, { prepare: config.pgPrepare, durable: config.embeddedFsync, timeouts: config.dbTimeouts, maxWaiting: config.dbMaxWaiting }));
  // One line when the database stops answering and one when it is back, however many requests got 503 meanwhile.
  db.availability.onChange((e) => {
    if (e.down) log.error({ code: (e.error as { code?: string })?.code, reason: (e.error as Error)?.message }, 'database unavailable: answering 503 with Retry-After until it is back');
    else log.warn({ downForMs: e.downForMs }, `database available again after ${(e.downForMs / 1000).toFixed(1)} s`);
  });
  await migrate(db, (m) => log.info(m));
  // A start killed while loading the demo left part of it: discard it, so it loads again below.
  await discardIncompleteDemo(db, (m) => log.warn(m));

  // The category tree ships with the product; an empty table gets the default.
  const hasCategories = await db.query(`SELECT 1 FROM categories LIMIT 1`);
  if (!hasCategories.length) await db.tx((q) => upsertCategories(q, defaultCategories()));

  await db.tx((q) => ensureDefaultArticles(q));
  // The default responsibility list routes by unit kind and name, so it fits any county's units.
  await db.tx((q) => ensureDefaultResponsibilities(q));

  let demoAccounts: DemoAccount[] = [];
  if (config.demo) {
    const users = await db.query(`SELECT 1 FROM users LIMIT 1`);
    if (!users.length) {
      log.info('empty database: loading demo data');
      demoAccounts = await seedDemo(db, { log: (m) => log.info(m) });
    }
  }
  // Cases written before search existed (or by bulk loads) get their search tokens.
  await backfillCaseSearch(db);

  const kernel: Kernel = { db, config, log, metrics: createMetrics(), storage: new LocalDiskStorage(config.filesDir) };
  const services = await createServices(kernel);
  const ctx: Ctx = { ...kernel, services };
  const { locator, notifier, sweeper, classifier, timeLimits } = services;
  // The registers' reference data (categories, time limits) on first start; edits are kept.
  await db.tx((q) => ensureDisputeDefaults(q, services.entityClocks));
  await db.tx((q) => ensurePetitionDefaults(q, services.entityClocks));
  await db.tx((q) => ensureKeypersonDefaults(q, services.entityClocks));
  await db.tx((q) => ensureTaskDefaults(q, services.entityClocks));
  // Other instances may change grids; a cheap periodic check keeps this one current.
  let gridStamp = '';
  const gridTimer = setInterval(async () => {
    try {
      const r = await db.query<{ s: string }>(`SELECT count(*)::text || ':' || coalesce(max(updated_at)::text, '') AS s FROM grids`);
      if (r[0].s !== gridStamp) {
        if (gridStamp) await locator.refresh();
        gridStamp = r[0].s;
      }
    } catch {
      /* database briefly unavailable: try again next tick */
    }
  }, 30_000);
  gridTimer.unref();
  // Housekeeping, hourly: what has outlived its use goes (sessions, codes, idempotency keys,
  // stray uploads), and the retention and anonymisation policies apply (one instance at a time).
  const chores = startChores(kernel, [
    ...signInChores(db),
    { name: `idempotency keys older than ${config.idempotencyDays} days`, run: () => purgeIdempotencyKeys(db, config.idempotencyDays) },
    unattachedUploadsChore(kernel),
    retentionChore(kernel),
  ]);

  // Codes go to the SMS gateway when one is configured; to the log only in the demo.
  const otp = opts.otpSender ?? otpSenderFor({ sms: authConfig.sms, demo: config.demo, log });
  const app = await createHttp(ctx, httpAuth(ctx));
  registerOrgRoutes(app, ctx, otp, authConfig);
  registerCaseRoutes(app, ctx);
  registerPublicCaseRoutes(app, ctx);
  registerRetentionRoutes(app, ctx);
  registerMapRoutes(app, ctx);
  registerTimeLimitRoutes(app, ctx);
  registerDispatchRoutes(app, ctx);
  registerStatsRoutes(app, ctx);
  registerKbRoutes(app, ctx);
  registerResponsibilityRoutes(app, ctx);
  registerGazetteerRoutes(app, ctx);
  registerClassifierRoutes(app, ctx);
  if (config.classifierSchedule) classifier.start();
  registerNotifyRoutes(app, ctx);
  registerDisputeRoutes(app, ctx);
  registerPetitionRoutes(app, ctx);
  registerKeypersonRoutes(app, ctx);
  registerRiskRoutes(app, ctx);
  registerTaskRoutes(app, ctx);
  registerPersonRoutes(app, ctx, [disputePersonVisibility, petitionPersonVisibility]);
  registerBackupRoutes(app, ctx);
  notifier.start();

  if (config.sweepSeconds > 0) sweeper.start();

  if (existsSync(config.webDir)) {
    await app.register(fastifyStatic, {
      root: config.webDir,
      wildcard: false,
      // Hashed bundles never change; index.html must always be fetched fresh.
      setHeaders: (res, path) => {
        res.header('cache-control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
    // Client-side routes fall back to the console's index.html; missing bundles and API paths are 404s.
    app.get('/*', { config: { access: allow.public() }, schema: { hide: true, response: { 200: Binary("the web console's index.html") } } }, (req, reply) => {
      if (req.url.startsWith('/api/') || req.url.startsWith('/assets/')) return reply.callNotFound();
      reply.header('cache-control', 'no-cache');
      return reply.sendFile('index.html');
    });
  } else {
    app.get('/', { config: { access: allow.public() }, schema: { hide: true, response: { 200: Binary('a small HTML page pointing to /docs') } } }, async (_req, reply) =>
      reply.type('text/html').send('<!doctype html><meta charset="utf-8"><title>zhili</title><h1>zhili 治理</h1><p>API: <a href="/docs">/docs</a></p>'),
    );
  }

  await app.ready();
  return {
    app,
    ctx,
    otp,
    demoAccounts,
    async close() {
      // Each step is logged, so a shutdown that hangs says where.
      const step = async (name: string, p: Promise<unknown>) => {
        const t0 = performance.now();
        await p;
        log.debug(`shutdown: ${name} in ${Math.round(performance.now() - t0)} ms`);
      };
      clearInterval(gridTimer);
      timeLimits.stop();
      await step('housekeeping stopped', chores.stop());
      await step('sweeper stopped', sweeper.stop());
      await step('notifier stopped', notifier.stop());
      // A training run in worker threads must not hold up a shutdown: give it a moment, then go.
      await step('classifier stopped', Promise.race([Promise.all([classifier.stop(), stopClassifierWorkers()]), new Promise((r) => setTimeout(r, 2000).unref())]));
      await step('requests finished', app.close());
      if (ownDb) await step('database closed', db.close());
    },
  };
}

export async function startServer(opts: StartOptions = {}): Promise<Server> {
  const s = await buildServer(opts);
  const { host, port } = s.ctx.config;
  const address = await s.app.listen({ host, port });
  return { ...s, url: address.replace('0.0.0.0', 'localhost').replace('[::]', 'localhost') };
}
