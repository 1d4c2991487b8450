/**
 * `npm run fuzz`: every operation of the OpenAPI document (GET /docs/json of a
 * running server), as anonymous and as several roles of the test world
 * (test/helpers.ts seedWorld), with wrong types, missing and extra fields,
 * huge and unicode-edge strings, NUL bytes, injection strings, bad ids,
 * cursors and content types, over real HTTP. Any 5xx, and any 4xx that is not
 * application/problem+json, is a defect: each is printed with its request.
 *
 *   FUZZ_REQUESTS (20000)   requests in the run
 *   FUZZ_DATABASE_URL       a PostgreSQL server to fuzz on (a scratch database); else the embedded one
 *   FUZZ_SEED (1)           the random seed (a run is repeatable)
 *
 * Prints last: fuzz: requests=N 5xx=0 non_problem_4xx=0 rss_growth_mb=X
 */
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createScratchDatabase, openDb, type Db } from '../src/platform/db.ts';
import { buildServer } from '../src/server.ts';
import { MemoryOtpSender } from '../src/org/auth.ts';
import { seedWorld, caseBody, PASSWORD } from '../test/helpers.ts';

export interface FuzzResult {
  requests: number;
  fiveXX: number;
  nonProblem4xx: number;
  rssGrowthMb: number;
  /** The first defects found: method, path, status, what was sent. */
  defects: string[];
  summary: string;
}

/** A small seeded generator, so a run can be repeated. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(a: readonly T[]): T => a[Math.floor(next() * a.length)] };
}

const NASTY_STRINGS = [
  '',
  ' ',
  'a'.repeat(70_000),
  '长'.repeat(5000),
  'x\u0000y',
  '\u0000',
  '\uD800',
  '\uDFFF\uD800',
  '\u202Eevil',
  '\u200B\u200C\u200D\uFEFF',
  '👨‍👩‍👧‍👦'.repeat(50),
  '𠜎𠜱𠝹',
  "' OR '1'='1' --",
  "'; DROP TABLE cases; --",
  '"; SELECT pg_sleep(10); --',
  '<script>alert(1)</script>',
  '${7*7}{{7*7}}',
  '../../../../etc/passwd',
  '%00%2e%2e%2f',
  '\\x00\\u0000',
  'null',
  'undefined',
  'NaN',
  '-1',
  '1e309',
  '9'.repeat(40),
  '2026-13-45T25:61:61Z',
  'true',
  '[object Object]',
  '\r\nX-Injected: 1',
];
const NASTY_VALUES: unknown[] = [null, true, false, 0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, [], [null], {}, { $gt: '' }, { __proto__: { admin: true } }, [1, 'a', {}]];
const BAD_IDS = ['x', '0', '-1', '1.5', '99999999999999999999999', '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '%00', "'", '%27%20OR%201%3D1', 'a'.repeat(2000), '%E4%B8%AD', '..%2F..%2Fetc', '%F0%9F%98%80', 'null', '%20', 'NaN', 'true'];
const BAD_CURSORS = ['abc', 'eyJ4IjoxfQ', 'eyJpZCI6IicgT1IgMT0xIn0', '%00', '!!!!', 'a'.repeat(5000), '-1', 'e30', 'W10', 'bnVsbA'];
const CONTENT_TYPES = ['text/plain', 'application/xml', 'multipart/form-data', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'application/octet-stream', 'image/png', '', 'application/json'];

type Schema = Record<string, any>;
interface Op {
  method: string;
  path: string;
  params: { name: string; in: string; schema?: Schema; required?: boolean }[];
  body?: Schema;
  bodyTypes: string[];
}

function resolveRef(doc: Schema, s: Schema | undefined): Schema | undefined {
  let x = s;
  for (let i = 0; x && x.$ref && i < 10; i++) x = x.$ref.split('/').slice(1).reduce((o: any, k: string) => o?.[k], doc);
  return x;
}

/** A plausible value for a schema (the base a mutation starts from). */
function sample(doc: Schema, s0: Schema | undefined, r: ReturnType<typeof rng>, depth = 0): unknown {
  const s = resolveRef(doc, s0);
  if (!s || depth > 5) return null;
  if (s.const !== undefined) return s.const;
  if (s.enum) return r.pick(s.enum);
  if (s.example !== undefined) return s.example;
  if (s.anyOf || s.oneOf) return sample(doc, r.pick((s.anyOf ?? s.oneOf) as Schema[]), r, depth + 1);
  if (s.allOf) return Object.assign({}, ...s.allOf.map((x: Schema) => sample(doc, x, r, depth + 1)));
  const type = Array.isArray(s.type) ? s.type.find((t: string) => t !== 'null') : s.type;
  switch (type) {
    case 'object': {
      const o: Record<string, unknown> = {};
      for (const [k, v] of Object.entries((s.properties ?? {}) as Record<string, Schema>)) if ((s.required ?? []).includes(k) || r.next() < 0.5) o[k] = sample(doc, v, r, depth + 1);
      return o;
    }
    case 'array':
      return Array.from({ length: Math.max(s.minItems ?? 0, 1) }, () => sample(doc, s.items, r, depth + 1));
    case 'integer':
      return s.minimum ?? 1;
    case 'number':
      return s.minimum ?? 1.5;
    case 'boolean':
      return true;
    case 'string':
      if (s.format === 'uuid') return '00000000-0000-4000-8000-000000000000';
      if (s.format === 'date-time') return new Date().toISOString();
      if (s.format === 'date') return '2026-12-07';
      return 'x'.repeat(Math.max(s.minLength ?? 1, 1));
    default:
      return 'x';
  }
}

/** The body mutated one way: what was done is returned for the report. */
function mutateBody(base: unknown, r: ReturnType<typeof rng>): { body: unknown; how: string } {
  const o = base && typeof base === 'object' && !Array.isArray(base) ? { ...(base as Record<string, unknown>) } : {};
  const keys = Object.keys(o);
  const k = r.pick(keys.length ? keys : ['title']);
  switch (r.int(9)) {
    case 0:
      return { body: {}, how: 'empty object' };
    case 1:
      return { body: r.pick(NASTY_VALUES), how: 'not an object' };
    case 2: {
      delete o[k];
      return { body: o, how: `missing ${k}` };
    }
    case 3:
      return { body: { ...o, [r.pick(['__proto__', 'constructor', 'id', 'extra', 'status', 'version', 'x'.repeat(300)])]: r.pick(NASTY_VALUES) }, how: 'extra field' };
    case 4:
    case 5:
      return { body: { ...o, [k]: r.pick(NASTY_STRINGS) }, how: `nasty string in ${k}` };
    case 6:
      return { body: { ...o, [k]: r.pick(NASTY_VALUES) }, how: `wrong type in ${k}` };
    case 7: {
      // nested: every string field nasty
      const n: Record<string, unknown> = {};
      for (const [kk, v] of Object.entries(o)) n[kk] = typeof v === 'string' ? r.pick(NASTY_STRINGS) : v && typeof v === 'object' ? { x: r.pick(NASTY_STRINGS) } : v;
      return { body: n, how: 'all strings nasty' };
    }
    default:
      return { body: o, how: 'plausible' };
  }
}

function toOps(doc: Schema): Op[] {
  const ops: Op[] = [];
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, Schema>)) {
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const content = (op as Schema).requestBody?.content ?? {};
      const bodyTypes = Object.keys(content);
      ops.push({
        method: method.toUpperCase(),
        path,
        params: [...((item.parameters ?? []) as any[]), ...(((op as Schema).parameters ?? []) as any[])],
        body: content['application/json']?.schema,
        bodyTypes,
      });
    }
  }
  return ops;
}

interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer | string;
}

function send(agent: http.Agent, port: number, s: Sent): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, method: s.method, path: s.path, headers: s.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8', 0, 400) }));
      res.on('error', () => resolve({ status: -1, type: '', body: '' }));
    });
    req.setTimeout(60_000, () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: -1, type: '', body: String(e.message) }));
    if (s.body !== undefined) req.end(s.body);
    else req.end();
  });
}

/** Percent-encodes s; a lone surrogate goes out as the invalid UTF-8 bytes it would be (%ED%A0%80). */
function enc(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return `${encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, ''))}%ED%A0%80`;
  }
}

const ROLES = ['admin', 'operator', 'dispatcher', 'handler_a', 'township_a', 'supervisor', 'admin_b', 'operator_b'] as const;
/** Operations a fuzzer must not call as a signed-in role: they end its own session (re-login follows a 401 anyway). */
const SELF_ENDING = /\/api\/auth\/logout/;

export async function runFuzz(opts: { requests?: number; databaseUrl?: string; seed?: number; concurrency?: number; log?: (m: string) => void } = {}): Promise<FuzzResult> {
  const total = opts.requests ?? 20_000;
  const log = opts.log ?? ((m: string) => console.error(m));
  const r = rng(opts.seed ?? 1);
  let db: Db;
  let drop = async () => {};
  if (opts.databaseUrl) {
    const scratch = await createScratchDatabase(opts.databaseUrl, 'zhili_fuzz');
    db = await openDb(scratch.url, { poolSize: 10 });
    drop = scratch.drop;
  } else {
    // on disk, as a township laptop runs it (in memory, the database's own growth would count as the process's)
    const dir = mkdtempSync(join(tmpdir(), 'zhili-fuzz-db-'));
    db = await openDb(join(dir, 'pglite'));
    drop = async () => rmSync(dir, { recursive: true, force: true });
  }
  await seedWorld(db);
  const server = await buildServer({
    db,
    logger: pino({ level: 'silent' }),
    otpSender: new MemoryOtpSender(),
    config: { demo: false, filesDir: mkdtempSync(join(tmpdir(), 'zhili-fuzz-files-')), webDir: '/nonexistent', classifierSchedule: false, sweepSeconds: 0 } as any,
  });
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (server.app.server.address() as { port: number }).port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const defects: string[] = [];
  let fiveXX = 0;
  let nonProblem = 0;
  let count = 0;
  try {
    const json = (s: Sent) => send(agent, port, s);
    const login = async (username: string) => {
      let res = await json({ method: 'POST', path: '/api/auth/login', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }) });
      if (res.status !== 200) {
        // a fuzzed request changed or disabled the account: put the world back
        await seedWorld(db);
        res = await json({ method: 'POST', path: '/api/auth/login', headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.9.${r.int(250)}.${r.int(250)}` }, body: JSON.stringify({ username, password: PASSWORD }) });
      }
      return res;
    };
    const cookies = new Map<string, string>();
    const signIn = async (u: string) => {
      const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/api/auth/login', headers: { 'content-type': 'application/json' } }, resolve);
        req.on('error', reject);
        req.end(JSON.stringify({ username: u, password: PASSWORD }));
      });
      res.resume();
      const c = res.headers['set-cookie']?.[0]?.split(';')[0];
      if (res.statusCode === 200 && c) cookies.set(u, c);
      else {
        await login(u);
        cookies.delete(u);
      }
    };
    for (const u of ROLES) await signIn(u);

    // real ids to aim at, besides the bad ones
    const op = cookies.get('operator')!;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await json({ method: 'POST', path: '/api/cases', headers: { 'content-type': 'application/json', cookie: op }, body: JSON.stringify(caseBody({ title: `fuzz target ${i}` })) });
      try {
        ids.push(JSON.parse(c.body).id);
      } catch {
        /* ignored: the create's own check is elsewhere */
      }
    }
    const docRes = await fetch(`http://127.0.0.1:${port}/docs/json`);
    // the document a running server publishes; the same in process when /docs is turned off
    const doc: Schema = docRes.ok ? ((await docRes.json()) as Schema) : ((server.app as any).swagger() as Schema);
    const ops = toOps(doc);
    log(`fuzz: ${ops.length} operations, ${ROLES.length} roles and anonymous, ${total} requests`);

    const who = ['anonymous', ...ROLES];
    const rssOf = () => process.memoryUsage().rss / 1e6;
    let rssStart = 0;
    const one = async (i: number) => {
      const o = ops[i % ops.length];
      const role = who[Math.floor(i / ops.length) % who.length];
      if (role !== 'anonymous' && SELF_ENDING.test(o.path)) return;
      const kind = r.int(10);
      let path = o.path.replace(/\{([^}]+)\}/g, () => (kind < 3 && ids.length ? r.pick(ids) : r.pick(BAD_IDS)));
      const query: string[] = [];
      for (const p of o.params.filter((p) => p.in === 'query')) {
        if (r.next() < 0.4) continue;
        const v = /cursor|after|before/i.test(p.name) ? r.pick(BAD_CURSORS) : r.next() < 0.5 ? enc(String(sample(doc, p.schema, r))) : enc(r.pick(NASTY_STRINGS).slice(0, 3000));
        query.push(`${encodeURIComponent(p.name)}=${v}`);
      }
      if (r.next() < 0.1) query.push(`${r.pick(['limit', 'cursor', 'q', 'x', 'status'])}=${enc(r.pick(NASTY_STRINGS).slice(0, 2000))}`);
      if (r.next() < 0.05) query.push('limit=1&limit=2'); // a repeated parameter
      if (query.length) path += `?${query.join('&')}`;
      const headers: Record<string, string> = {};
      const cookie = role === 'anonymous' ? undefined : cookies.get(role);
      if (cookie) headers.cookie = cookie;
      if (r.next() < 0.1) headers['idempotency-key'] = r.pick(['k', 'x'.repeat(300), '', '\u00ff\u00fe', '%00', String(r.int(1e9))]).replace(/[^\t\x20-\x7e\x80-\xff]/g, '');
      let body: string | Buffer | undefined;
      let how = 'no body';
      if (o.method !== 'GET' && o.method !== 'DELETE') {
        const ct = r.next() < 0.75 ? 'application/json' : r.pick(CONTENT_TYPES);
        if (ct) headers['content-type'] = ct;
        const pick = r.int(10);
        if (pick === 0) {
          body = r.pick(['{', '{"a":', 'not json', '\u0000', '[]', 'null', '"x"', '{"a":1}{"b":2}', '\uFEFF{}', '{"__proto__":{"x":1}}']);
          how = `raw ${JSON.stringify(body).slice(0, 40)}`;
        } else if (pick === 1) {
          body = Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80, 0x81]);
          how = 'binary';
        } else if (pick === 2) {
          body = undefined;
          how = 'no body';
        } else {
          const m = mutateBody(sample(doc, o.body, r), r);
          body = JSON.stringify(m.body) ?? 'null';
          how = m.how;
        }
        if (ct !== 'application/json') how += ` as ${ct || 'no content type'}`;
      }
      let res = await send(agent, port, { method: o.method, path, headers, body });
      // a kept-alive connection the server closed as the request went out: once more on a new one
      if (res.status < 0) res = await send(new http.Agent({ keepAlive: false }), port, { method: o.method, path, headers, body });
      count++;
      if (res.status === 401 && cookie && role !== 'anonymous') await signIn(role);
      const bad5 = res.status >= 500 || res.status < 0;
      const bad4 = res.status >= 400 && res.status < 500 && !/application\/problem\+json/.test(res.type);
      if (bad5) fiveXX++;
      if (bad4) nonProblem++;
      if ((bad5 || bad4) && defects.length < 50) defects.push(`${res.status} ${o.method} ${path.slice(0, 200)} as ${role} (${how}; ${res.type}): ${res.body.slice(0, 200)}`);
      if (count === Math.min(500, Math.floor(total / 10))) rssStart = rssOf();
    };
    const concurrency = opts.concurrency ?? 8;
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        // skipped operations (a role's own logout) do not count: run until `total` were sent
        while (count < total) {
          const i = next++;
          await one(i);
          if (i > 0 && i % 5000 === 0) log(`fuzz: ${i} requests, ${fiveXX} 5xx, ${nonProblem} non-problem 4xx`);
        }
      }),
    );
    (globalThis as any).gc?.();
    const rssGrowthMb = Math.max(0, rssOf() - (rssStart || rssOf()));
    const mem = process.memoryUsage();
    log(`fuzz: at the end rss ${rssOf().toFixed(0)} MB (from ${rssStart.toFixed(0)}), JS heap ${(mem.heapUsed / 1e6).toFixed(0)} MB, external ${(mem.external / 1e6).toFixed(0)} MB, array buffers ${(mem.arrayBuffers / 1e6).toFixed(0)} MB (the embedded database's WebAssembly memory, in its own thread, is in rss only)`);
    const summary = `fuzz: requests=${count} 5xx=${fiveXX} non_problem_4xx=${nonProblem} rss_growth_mb=${rssGrowthMb.toFixed(1)}`;
    return { requests: count, fiveXX, nonProblem4xx: nonProblem, rssGrowthMb, defects, summary };
  } finally {
    agent.destroy();
    await server.close();
    await db.close();
    await drop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await runFuzz({ requests: Number(process.env.FUZZ_REQUESTS ?? 20_000), databaseUrl: process.env.FUZZ_DATABASE_URL, seed: Number(process.env.FUZZ_SEED ?? 1) });
  for (const d of result.defects) console.error(`defect: ${d}`);
  console.log(result.summary);
  process.exit(result.fiveXX || result.nonProblem4xx ? 1 : 0);
}
