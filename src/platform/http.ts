import compress from '@fastify/compress';
import zlib from 'node:zlib';
import Fastify, { LogController, type FastifyInstance, type FastifyError, type FastifyReply, type FastifyTypeProvider } from 'fastify';
import type { $ZodType, output } from 'zod/v4/core';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import {
  serializerCompiler,
  validatorCompiler,
  jsonSchemaTransform,
  hasZodFastifySchemaValidationErrors,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Kernel } from './context.ts';
import { Binary } from './schemas.ts';
import { allow, installAccessControl, type HttpAuth } from './access.ts';
import { Problem, problemFromPg, type FieldError } from './errors.ts';
import { DbOverloaded, DbUnavailable, isUnavailable } from './db.ts';
import { checkSameOrigin, consoleCsp, metricsGate } from './security.ts';

export type { Ctx, Kernel, Services } from './context.ts';

/**
 * Requests are typed from their zod schemas. Answers are checked at run time:
 * every route declares its response schema (src/platform/schemas.ts), and the
 * serializer sends only what the schema names, refusing (500) a value that does
 * not fit; the route tests exercise them. Handlers' return values are not held
 * to the schema's type at compile time: many answer rows straight from SQL,
 * which the database layer types loosely.
 */
export interface ZodTypeProvider extends FastifyTypeProvider {
  validator: this['schema'] extends $ZodType ? output<this['schema']> : unknown;
  serializer: unknown;
}

export type App = FastifyInstance<any, any, any, any, ZodTypeProvider>;

const BODY_LIMIT = 1024 * 1024;

function fieldOf(path: string | undefined, ctxName: string | undefined): string {
  const p = (path ?? '').replace(/^\//, '').replace(/\//g, '.');
  if (p) return p;
  return ctxName ?? 'body';
}

const MULTIPART_ERRORS = /^(Unexpected end of (multipart data|form)|Malformed (part )?header|Multipart: Boundary not found|Part terminated early|Malformed urlencoded form)/i;

/** Turns any thrown error into a problem+json reply; only real faults become 500. */
function toProblem(err: FastifyError & Record<string, any>): Problem {
  if (err instanceof Problem) return err;
  if (hasZodFastifySchemaValidationErrors(err)) {
    const errors: FieldError[] = err.validation.map((v: any) => {
      const params = v.params ?? {};
      // Unknown keys are reported on the object; name the key itself.
      const keys: string[] | undefined = params.issue?.keys ?? params.keys;
      const base = fieldOf(v.instancePath, err.validationContext);
      if (keys?.length) return { field: base === err.validationContext ? keys.join(',') : `${base}.${keys.join(',')}`, message: v.message };
      return { field: base, message: v.message };
    });
    return new Problem(400, 'Bad Request', `invalid ${err.validationContext ?? 'request'}: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`, errors);
  }
  if (isUnavailable(err)) {
    const retryAfter = err instanceof DbUnavailable ? err.retryAfter : 5;
    return new Problem(503, 'Service Unavailable', err instanceof DbOverloaded ? err.message : '数据库暂时不可用，请稍后重试 (the database is unavailable for now; retry shortly)', [], 'about:blank', { retryAfter });
  }
  const pg = problemFromPg(err);
  if (pg) return pg;
  // A malformed multipart body (the parser's own errors carry no status): the client's fault, whichever route read it.
  if (err.statusCode === undefined && MULTIPART_ERRORS.test(String(err.message))) {
    return new Problem(400, 'Bad Request', `file: the multipart/form-data body is malformed (${err.message})`, [{ field: 'file', message: String(err.message) }]);
  }
  const status = typeof err.statusCode === 'number' ? err.statusCode : 500;
  if (status >= 400 && status < 500) {
    const field = err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || status === 413 ? 'body' : err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'content-type' : 'body';
    return new Problem(status, httpTitle(status), err.message, [{ field, message: err.message }]);
  }
  return new Problem(500, 'Internal Server Error', 'an unexpected error occurred; it has been logged');
}

function httpTitle(status: number): string {
  return (
    { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 406: 'Not Acceptable', 408: 'Request Timeout', 409: 'Conflict', 413: 'Content Too Large', 414: 'URI Too Long', 415: 'Unsupported Media Type', 422: 'Unprocessable Content', 429: 'Too Many Requests', 431: 'Request Header Fields Too Large' }[status] ??
    'Error'
  );
}

/** The path of the first string holding a NUL character, if any. */
export function findNul(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (depth > 20 || value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return undefined;
  for (const [k, v] of Object.entries(value)) {
    if (k.includes('\u0000')) return `${path}.${k}`;
    const hit = findNul(v, `${path}.${k}`, depth + 1);
    if (hit) return hit;
  }
  return undefined;
}

/** A route as registered: what the route table test (test/response-schemas.test.ts) reads. */
export interface RegisteredRoute {
  method: string | string[];
  url: string;
  schema?: { response?: Record<string, unknown>; hide?: boolean };
  config?: { rootPath?: string };
}
const registeredRouteLists = new WeakMap<object, RegisteredRoute[]>();

/** Every route registered on an app made by createHttp (plugins' routes included), in order. */
export function registeredRoutes(app: App): readonly RegisteredRoute[] {
  return registeredRouteLists.get(app) ?? [];
}

/** The HTTP server with its error handling, docs and access control; `auth` says who is calling (see access.ts). */
export async function createHttp(ctx: Kernel, auth: HttpAuth): Promise<App> {
  const app = Fastify({
    loggerInstance: ctx.log,
    bodyLimit: BODY_LIMIT,
    logController: new LogController({ disableRequestLogging: ctx.config.logLevel !== 'debug' }),
    // X-Forwarded-For / -Proto / -Host are believed only from the configured proxies:
    // from anyone else they would let a client choose its own address (per-IP limits, audit log).
    trustProxy: ctx.config.trustedProxies.length ? [...ctx.config.trustedProxies] : false,
    // Several instances sit behind a load balancer; each request keeps its id.
    requestIdHeader: 'x-request-id',
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { removeAdditional: false } },
    // Every error the server sends is problem+json, those raised before routing too:
    // a malformed URL (bad percent-encoding) ...
    frameworkErrors: (err, req, reply: FastifyReply) => {
      const status = typeof (err as FastifyError).statusCode === 'number' ? (err as FastifyError).statusCode! : 400;
      reply
        .status(status)
        .type('application/problem+json')
        .send(new Problem(status, httpTitle(status), err.message, [{ field: 'url', message: err.message }]).toJSON(req.url));
    },
    // ... and what Node's HTTP parser refuses (headers too large: 431; a malformed request: 400).
    clientErrorHandler: (err: Error & { code?: string }, socket) => {
      if (!socket.writable) return socket.destroy();
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'HPE_URI_TOO_LONG' ? 414 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
      const body = JSON.stringify(new Problem(status, httpTitle(status), status === 431 ? 'request headers too large' : status === 414 ? 'URL too long' : 'malformed request').toJSON());
      socket.end(
        `HTTP/1.1 ${status} ${httpTitle(status)}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    },
  }).withTypeProvider<ZodTypeProvider>();

  // Cookies are parsed first (access control reads the session cookie); then
  // access control, before any route, so that every route (plugins' too) is checked.
  await app.register(cookie);
  // Security headers on every answer (refusals included, so first); the CSP is the console's (API answers are JSON, which a CSP does not affect).
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: consoleCsp(ctx.config) },
    // Browsers ignore it over plain http; over https it keeps them there. Other subdomains are not ours to decide.
    strictTransportSecurity: { maxAge: 15552000, includeSubDomains: false },
    crossOriginEmbedderPolicy: false,
  });

  // A page on another site must not act with the user's cookie; checked before the caller is even resolved.
  app.addHook('onRequest', async (req) => checkSameOrigin(req, ctx.config.publicUrl));
  installAccessControl(app, auth);
  const routes: RegisteredRoute[] = [];
  registeredRouteLists.set(app, routes);
  app.addHook('onRoute', (r) => {
    routes.push({ method: r.method, url: r.url, schema: r.schema as RegisteredRoute['schema'], config: r.config as RegisteredRoute['config'] });
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const problem = toProblem(err as any);
    // An outage is logged once by the server (Availability), not once per request.
    if (problem.status === 503) {
      if (!reply.hasHeader('retry-after')) reply.header('retry-after', String(problem.extra.retryAfter ?? 5));
    }
    else if (problem.status >= 500) req.log.error({ err }, 'request failed');
    reply.status(problem.status).type('application/problem+json').send(problem.toJSON(req.url));
  });
  app.setNotFoundHandler((req, reply) => {
    reply
      .status(404)
      .type('application/problem+json')
      .send(new Problem(404, 'Not Found', `no route ${req.method} ${req.url.split('?')[0]}`).toJSON(req.url));
  });

  // PostgreSQL text cannot hold NUL; refuse it up front, naming the field, rather than fail in the database.
  app.addHook('preValidation', async (req) => {
    const where = findNul(req.body, 'body') ?? findNul(req.query, 'query') ?? findNul(req.params, 'params');
    if (where) throw new Problem(400, 'Bad Request', `${where}: text must not contain NUL characters`, [{ field: where.replace(/^(body|query|params)\.?/, '') || where, message: 'must not contain NUL (\\u0000) characters' }]);
  });

  // On shutdown the server waits for every connection to end, and a keep-alive
  // connection whose request finishes after close() began would sit idle until
  // its timeout: answer those with `Connection: close` and drop the idle ones.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
    app.server.closeIdleConnections();
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unknown';
    ctx.metrics.httpDuration.observe({ method: req.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  // Map layers and exports run to megabytes; small JSON answers are not worth the CPU.
  await app.register(compress, { global: true, threshold: 8192, encodings: ['br', 'gzip', 'deflate'], brotliOptions: { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } } });
  await app.register(multipart, { limits: { fileSize: ctx.config.maxUploadBytes, files: 1, fields: 10 } });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'zhili API',
        description: '12345 hotline, grid management and 110 linkage: one closed loop of work orders. Errors are application/problem+json (RFC 9457) with an `errors` list naming each field.',
        version: '0.1.0',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'zhili_session' },
          token: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ session: [] }, { token: [] }],
    },
    transform: jsonSchemaTransform,
  });
  if (ctx.config.docs) {
    await app.register(swaggerUi, {
      routePrefix: '/docs',
      // Swagger UI's own policy: its scripts are files, but it writes inline styles.
      staticCSP: "default-src 'self'; base-uri 'self'; script-src 'self'; script-src-attr 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; object-src 'none'; frame-ancestors 'self'; form-action 'self'",
    });
  }

  app.get('/healthz', { config: { access: allow.public() }, schema: { hide: true, response: { 200: z.object({ status: z.literal('ok') }) } } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { access: allow.public() }, schema: { hide: true, response: { 200: z.object({ status: z.literal('ready') }), 503: z.object({ status: z.literal('unavailable') }) } } }, async (_req, reply) => {
    // Within a second whatever the database does (800 ms for the database, the rest for the answer): a frozen one must not hang the probe.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_r, reject) => {
      timer = setTimeout(() => reject(new DbUnavailable('no answer in time')), 800);
    });
    try {
      await Promise.race([ctx.db.query('select 1'), late]);
      return { status: 'ready' };
    } catch {
      return reply.status(503).header('retry-after', '5').send({ status: 'unavailable' });
    } finally {
      clearTimeout(timer);
    }
  });
  const metricsAllowed = metricsGate(ctx.config);
  app.get('/metrics', { config: { access: allow.public() }, schema: { hide: true, response: { 200: Binary('Prometheus text exposition format') } } }, async (req, reply) => {
    metricsAllowed(req);
    reply.type(ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });

  return app;
}
