import { beforeAll, afterAll } from 'vitest';
/**
 * Test harness: every integration suite runs on an in-memory PGlite and, when
 * TEST_DATABASE_URL is set, on a fresh database of that PostgreSQL server.
 */
import { mkdtempSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { openDb, createScratchDatabase, type Db } from '../src/platform/db.ts';
import { migrate } from '../src/platform/migrate.ts';
import { buildServer } from '../src/server.ts';
import { MemoryOtpSender } from '../src/org/auth.ts';
import type { AuthConfig } from '../src/org/config.ts';
import { upsertDivisions, upsertUnit, upsertUser, upsertGrid } from '../src/org/store.ts';

export interface TestDb {
  name: 'pglite' | 'postgres';
  open(): Promise<Db & { url?: string }>;
}

export const createPgDatabase = (baseUrl: string) => createScratchDatabase(baseUrl);

export const TEST_DATABASES: TestDb[] = [
  { name: 'pglite', open: () => openDb('memory://') },
  ...(process.env.TEST_DATABASE_URL
    ? [
        {
          name: 'postgres' as const,
          async open() {
            const created = await createPgDatabase(process.env.TEST_DATABASE_URL!);
            const db = await openDb(created.url, { poolSize: 10 });
            const close = db.close.bind(db);
            return Object.assign(db, {
              url: created.url,
              close: async () => {
                await close();
                await created.drop();
              },
            });
          },
        },
      ]
    : []),
];

export const silentLogger = () => pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export const PASSWORD = 'Test-pass-123';

/**
 * A small world with two counties of 岳阳市, so scope tests have a neighbour:
 * 岳阳楼区 (430602) with 东茅岭街道 and 云溪区 (430603).
 */
export async function seedWorld(db: Db) {
  await migrate(db);
  await upsertDivisions(db, [
    { code: '43', name: '湖南省' },
    { code: '4306', name: '岳阳市' },
    { code: '430602', name: '岳阳楼区' },
    { code: '430602005', name: '东茅岭街道' },
    { code: '430602005001', name: '学坡社区' },
    { code: '430603', name: '云溪区' },
    { code: '430603001', name: '云溪街道' },
  ]);
  const units = {
    hotline: await upsertUnit(db, { code: 'HL-4306', name: '岳阳市12345热线中心', kind: 'hotline_centre', divisionCodes: ['4306'] }),
    cgA: await upsertUnit(db, { code: 'CG-430602', name: '岳阳楼区城管局', kind: 'department', divisionCodes: ['430602'] }),
    zjA: await upsertUnit(db, { code: 'ZJ-430602', name: '岳阳楼区住建局', kind: 'department', divisionCodes: ['430602'] }),
    cgB: await upsertUnit(db, { code: 'CG-430603', name: '云溪区城管局', kind: 'department', divisionCodes: ['430603'] }),
    streetA: await upsertUnit(db, { code: 'JD-430602005', name: '东茅岭街道办事处', kind: 'township_office', divisionCodes: ['430602005'] }),
  };
  const u = async (username: string, roles: string[], unitCode: string | null, scopeCodes: string[]) =>
    upsertUser(db, { username, displayName: username, password: PASSWORD, roles: roles as any, unitCode, scopeCodes });
  const users = {
    admin: await u('admin', ['admin'], null, ['*']),
    operator: await u('operator', ['operator'], 'HL-4306', ['4306']),
    dispatcher: await u('dispatcher', ['dispatcher'], 'HL-4306', ['4306']),
    operatorA: await u('operator_a', ['operator'], 'HL-4306', ['430602']),
    operatorB: await u('operator_b', ['operator'], 'HL-4306', ['430603']),
    handlerA: await u('handler_a', ['handler'], 'CG-430602', []),
    handlerA2: await u('handler_a2', ['handler'], 'ZJ-430602', []),
    handlerB: await u('handler_b', ['handler'], 'CG-430603', []),
    township: await u('township_a', ['township'], 'JD-430602005', ['430602005']),
    supervisor: await u('supervisor', ['supervisor'], 'HL-4306', ['4306']),
    adminB: await u('admin_b', ['admin'], null, ['430603']),
  };
  const grid = await upsertGrid(db, {
    code: 'G-430602005001-01',
    name: '学坡社区第一网格',
    divisionCode: '430602005001',
    geometry: { type: 'Polygon', coordinates: [[[113.1, 29.36], [113.11, 29.36], [113.11, 29.37], [113.1, 29.37], [113.1, 29.36]]] },
    households: 420,
    population: 1260,
  });
  return { units, users, grid };
}

export type World = Awaited<ReturnType<typeof seedWorld>>;

/** A running server over a test database, with a tiny HTTP client per user. */
export async function startTestServer(db: Db, opts: { auth?: Partial<AuthConfig>; logger?: pino.Logger } = {}) {
  const otp = new MemoryOtpSender();
  const server = await buildServer({
    db,
    logger: opts.logger ?? silentLogger(),
    otpSender: otp,
    auth: opts.auth,
    config: { demo: false, filesDir: mkdtempSync(join(tmpdir(), 'zhili-files-')), webDir: '/nonexistent', classifierSchedule: false },
  });
  const { app } = server;

  async function request(method: string, url: string, opts: { body?: unknown; cookie?: string; headers?: Record<string, string>; remoteAddress?: string } = {}) {
    const res = await app.inject({
      method: method as any,
      url,
      ...(opts.remoteAddress ? { remoteAddress: opts.remoteAddress } : {}),
      payload: opts.body === undefined ? undefined : typeof opts.body === 'string' || Buffer.isBuffer(opts.body) ? opts.body : JSON.stringify(opts.body),
      headers: {
        ...(opts.body !== undefined && !Buffer.isBuffer(opts.body) && typeof opts.body !== 'string' ? { 'content-type': 'application/json' } : {}),
        ...(opts.cookie ? { cookie: opts.cookie } : {}),
        ...opts.headers,
      },
    });
    let json: any;
    try {
      json = res.json();
    } catch {
      json = undefined;
    }
    return { status: res.statusCode, json, headers: res.headers, body: res.body };
  }

  async function login(username: string, password = PASSWORD) {
    const res = await request('POST', '/api/auth/login', { body: { username, password } });
    if (res.status !== 200) throw new Error(`login ${username} failed: ${res.status} ${res.body}`);
    const setCookie = res.headers['set-cookie'];
    const cookie = (Array.isArray(setCookie) ? setCookie[0] : setCookie)!.split(';')[0];
    const as = (m: string, url: string, body?: unknown, headers?: Record<string, string>) => request(m, url, { body, cookie, headers });
    return {
      cookie,
      get: (url: string) => as('GET', url),
      post: (url: string, body?: unknown, headers?: Record<string, string>) => as('POST', url, body ?? {}, headers),
      put: (url: string, body?: unknown) => as('PUT', url, body),
      del: (url: string) => as('DELETE', url),
    };
  }

  return { server, app, otp, request, login, close: () => server.close() };
}

export type TestServer = Awaited<ReturnType<typeof startTestServer>>;
export type Client = Awaited<ReturnType<TestServer['login']>>;

/** A valid case body; override what a test cares about. */
export function caseBody(over: Record<string, unknown> = {}) {
  return {
    type: 'complaint',
    categoryCode: '0101',
    title: '东茅岭路路灯不亮',
    description: '东茅岭路与建湘路交叉口往北约100米，连续三个晚上路灯不亮，行人夜间出行不便。',
    reporter: { name: '张三', phone: '13812345678' },
    location: { address: '岳阳楼区东茅岭路', divisionCode: '430602005001' },
    ...over,
  };
}

/** A client for an already-known session cookie or extra headers (e.g. `authorization: Bearer ...`). */
export function clientFor(t: TestServer, auth: { cookie?: string; headers?: Record<string, string> }): Client {
  const as = (m: string, url: string, body?: unknown, headers?: Record<string, string>) =>
    t.request(m, url, { body, cookie: auth.cookie, headers: { ...auth.headers, ...headers } });
  return {
    cookie: auth.cookie ?? '',
    get: (url: string) => as('GET', url),
    post: (url: string, body?: unknown, headers?: Record<string, string>) => as('POST', url, body ?? {}, headers),
    put: (url: string, body?: unknown) => as('PUT', url, body),
    del: (url: string) => as('DELETE', url),
  };
}

/** Signs a citizen in by phone and one-time code (the test server's memory sender holds the code). */
let citizenClients = 0;
export async function loginCitizen(t: TestServer, phone: string): Promise<Client & { userId: string }> {
  // each sign-in from its own address, so a file's many sign-ins stay under the per-address code limit
  const remoteAddress = `10.88.${Math.floor(++citizenClients / 250)}.${citizenClients % 250}`;
  const sent = await t.request('POST', '/api/auth/otp/request', { body: { phone }, remoteAddress });
  if (sent.status !== 202) throw new Error(`otp request ${phone} failed: ${sent.status} ${sent.body}`);
  const code = t.otp.last(phone)!;
  const res = await t.request('POST', '/api/auth/otp/verify', { body: { phone, code }, remoteAddress });
  if (res.status !== 200) throw new Error(`otp verify ${phone} failed: ${res.status} ${res.body}`);
  const setCookie = res.headers['set-cookie'];
  const cookie = (Array.isArray(setCookie) ? setCookie[0] : setCookie)!.split(';')[0];
  return Object.assign(clientFor(t, { cookie }), { userId: res.json.id as string });
}

/** A real 1x1 greyscale PNG, built chunk by chunk (CRC-32 and a stored zlib block computed here). */
export function tinyPng(): Buffer {
  const crc32 = (b: Buffer) => {
    let c = ~0;
    for (const byte of b) {
      c ^= byte;
      for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    }
    return ~c >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(1, 0); // width
  ihdr.writeUInt32BE(1, 4); // height
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  // One scanline: filter byte 0, one grey pixel; a zlib stream with a single stored block.
  const raw = Buffer.from([0, 0x80]);
  let a = 1;
  let b = 0;
  for (const byte of raw) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE(((b << 16) | a) >>> 0);
  const idat = Buffer.concat([Buffer.from([0x78, 0x01, 0x01, raw.length, 0x00, ~raw.length & 0xff, 0xff]), raw, adler]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', idat),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A multipart/form-data body with one file (field "file" unless told) and optional text fields. */
export function multipart(file: { data: Buffer; filename: string; mime: string; field?: string }, fields: Record<string, string> = {}) {
  const boundary = `----zhili${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  }
  parts.push(
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.field ?? 'file'}"; filename="${file.filename}"\r\nContent-Type: ${file.mime}\r\n\r\n`),
    file.data,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return { body: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/**
 * A valid body for an object schema (e.g. ACTION_BODIES[action]): each
 * required field gets its value from `values`, so actions added later are
 * covered as long as their fields have a test value. Throws naming a missing one.
 */
export function bodyFromSchema(
  schema: { shape: Record<string, { safeParse(v: unknown): { success: boolean } }>; safeParse(v: unknown): { success: boolean; error?: unknown } },
  values: Record<string, unknown>,
  label: string,
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(schema.shape)) {
    if (s.safeParse(undefined).success) continue;
    if (!(k in values)) throw new Error(`no test value for the required field "${k}" of ${label}: add one to the values given to bodyFromSchema`);
    body[k] = values[k];
  }
  const check = schema.safeParse(body);
  if (!check.success) throw new Error(`the test body for ${label} is invalid: ${String(check.error)}`);
  return body;
}

/**
 * For a describe block: opens a test database, seeds the two-county world,
 * starts a server on it, hands both to `ready`, and closes them afterwards.
 */
export function useTestServer(tdb: TestDb, ready: (s: { t: TestServer; world: World }) => unknown) {
  let t: TestServer | undefined;
  beforeAll(async () => {
    const db = await tdb.open();
    const world = await seedWorld(db);
    t = await startTestServer(db);
    await ready({ t, world });
  });
  afterAll(async () => {
    await t?.close();
    await t?.server.ctx.db.close();
  });
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Runs the zhili command line as an operator does: a child process in the
 * repository. The embedded database is used unless `env` names DATABASE_URL.
 */
export function runZhili(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const full: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (!env.DATABASE_URL) delete full.DATABASE_URL;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/zhili.js', ...args], { cwd: ROOT, env: full, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
