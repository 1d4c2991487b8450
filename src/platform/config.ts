/**
 * Configuration from the environment, validated once at start: a wrong value
 * stops the server with a message naming the variable (`PORT: expected an
 * integer 1-65535`), rather than surfacing as a NaN in the middle of a request.
 * An empty variable counts as unset. Features with settings of their own
 * (notifications, classifier, sign-in throttling) read them through their own
 * schemas; this one holds the kernel's.
 */
import { BlockList, isIP } from 'node:net';
import { resolve } from 'node:path';
import { z } from 'zod';

export interface Config {
  /** postgres://... or a PGlite data directory. */
  databaseUrl: string;
  /**
   * Keep hot statements prepared on PostgreSQL connections (ZHILI_PG_PREPARE,
   * default on). Off for a connection pooler in transaction mode that cannot
   * carry prepared statements (PgBouncer before 1.21).
   */
  pgPrepare: boolean;
  /**
   * Flush the embedded database's files before a write is acknowledged
   * (ZHILI_EMBEDDED_FSYNC, default on), so a power cut loses nothing
   * acknowledged. Off trades that for speed (throwaway databases).
   */
  embeddedFsync: boolean;
  /**
   * The server's database limits (ZHILI_DB_CONNECT_TIMEOUT_MS 5000,
   * ZHILI_DB_STATEMENT_TIMEOUT_MS 30000, ZHILI_DB_IDLE_TX_TIMEOUT_MS 60000):
   * past them a request gets 503 instead of hanging on a frozen database.
   */
  dbTimeouts: { connectMs: number; statementMs: number; idleInTxMs: number };
  /** Requests that may wait for the database before new ones get a fast 503 (ZHILI_DB_MAX_WAITING, 256). */
  dbMaxWaiting: number;
  /** Days an Idempotency-Key answers retries before housekeeping drops it (ZHILI_IDEMPOTENCY_DAYS, 30). */
  idempotencyDays: number;
  host: string;
  port: number;
  /** Load demo data on first start (empty database). */
  demo: boolean;
  /** Where attachments are kept by the local-disk storage. */
  filesDir: string;
  maxUploadBytes: number;
  /** Bytes one user may upload per day (ZHILI_UPLOAD_QUOTA_MB); 0 = no quota. */
  uploadQuotaBytes: number;
  sessionHours: number;
  /**
   * The Secure flag on the session cookie: true/false when ZHILI_SECURE_COOKIES
   * says so, true when ZHILI_PUBLIC_URL is https or on a production start
   * (PostgreSQL, no demo), else 'auto': secure when the request came over HTTPS.
   */
  secureCookies: boolean | 'auto';
  logLevel: string;
  /** Directory of the built web console, served at /. */
  webDir: string;
  /** How often the time-limit sweeper runs; 0 turns it off (minute-level limits need <= 10). */
  sweepSeconds: number;
  /** Division of cases registered with no place (e.g. a citizen who gave no address). */
  defaultDivision: string | null;
  /** Retrain the classifier on a schedule (ZHILI_CLASSIFIER_RETRAIN_HOURS, 0 = never). */
  classifierSchedule: boolean;
  /** Base-tile URL template for the web map, e.g. https://tiles.example/{z}/{x}/{y}.png (ZHILI_MAP_TILE_URL); null = no tiles. */
  mapTileUrl: string | null;
  /** Attribution shown with the base tiles (ZHILI_MAP_TILE_ATTRIBUTION, may hold HTML links). */
  mapTileAttribution: string;
  /** Where the map opens, [lng, lat] (ZHILI_MAP_CENTER="lng,lat"); null = the middle of the grids. */
  mapCenter: [number, number] | null;
  /** The map's opening zoom (ZHILI_MAP_ZOOM); null = fit the grids. */
  mapZoom: number | null;
  /** Proxies whose X-Forwarded-* headers are believed (ZHILI_TRUSTED_PROXIES: IPs/CIDRs); empty = none. */
  trustedProxies: string[];
  /** The origin users reach the server at, e.g. https://zhili.example.gov.cn (ZHILI_PUBLIC_URL); null = the request's Host. */
  publicUrl: string | null;
  /** Bearer token that opens /metrics from anywhere (ZHILI_METRICS_TOKEN); null = none. */
  metricsToken: string | null;
  /** Networks that may read /metrics without the token (ZHILI_METRICS_ALLOW, default loopback). */
  metricsAllow: string[];
  /** Serve the API documentation at /docs (ZHILI_DOCS, default on). */
  docs: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration (环境变量配置有误):\n  ${problems.join('\n  ')}`);
  }
}

/** Named ranges, as proxy-addr knows them, spelled out so one list format serves both Fastify and our own checks. */
const NAMED_RANGES: Record<string, string[]> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/** "10.0.0.0/8" or "::1" -> a canonical CIDR or address, or undefined when it is neither. */
function ipOrCidr(s: string): string | undefined {
  const [addr, prefix, ...rest] = s.split('/');
  const family = isIP(addr);
  if (!family || rest.length) return undefined;
  if (prefix === undefined) return addr;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > (family === 4 ? 32 : 128)) return undefined;
  return `${addr}/${Number(prefix)}`;
}

/** A comma list of IPs, CIDRs and the names loopback / linklocal / uniquelocal; `none` = empty. */
function ipList(s: string): string[] | undefined {
  if (s.trim().toLowerCase() === 'none') return [];
  const out: string[] = [];
  for (const part of s.split(',').map((x) => x.trim()).filter(Boolean)) {
    const named = NAMED_RANGES[part.toLowerCase()];
    const one = named ?? [ipOrCidr(part)];
    if (one.some((x) => x === undefined)) return undefined;
    out.push(...(one as string[]));
  }
  return out;
}

/** Does an address (as req.ip gives it) fall in one of these IPs/CIDRs? */
export function ipMatcher(list: readonly string[]): (ip: string | undefined) => boolean {
  const block = new BlockList();
  for (const entry of list) {
    const [addr, prefix] = entry.split('/');
    const type = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) block.addAddress(addr, type);
    else block.addSubnet(addr, Number(prefix), type);
  }
  return (ip) => {
    if (!ip) return false;
    // A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d.
    const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
    if (v4) return block.check(v4, 'ipv4');
    const family = isIP(ip);
    return family ? block.check(ip, family === 6 ? 'ipv6' : 'ipv4') : false;
  };
}

/** A variable parsed by `parse`, which returns undefined for a value it refuses; the message says what was expected. */
function v<T>(expected: string, parse: (s: string) => T | undefined) {
  return z
    .string()
    .transform((s, c) => {
      const out = parse(s.trim());
      if (out === undefined) {
        c.issues.push({ code: 'custom', message: `expected ${expected}`, input: s });
        return z.NEVER;
      }
      return out;
    })
    .optional();
}

const intIn = (min: number, max: number) => v(`an integer ${min}-${max}`, (s) => (/^\d+$/.test(s) && Number(s) >= min && Number(s) <= max ? Number(s) : undefined));
const numberIn = (min: number, max: number, what = `a number ${min}-${max}`) =>
  v(what, (s) => {
    const n = Number(s);
    return /^\d+(\.\d+)?$/.test(s) && n >= min && n <= max ? n : undefined;
  });
const positive = (max: number) => v(`a number above 0 and at most ${max}`, (s) => (/^\d+(\.\d+)?$/.test(s) && Number(s) > 0 && Number(s) <= max ? Number(s) : undefined));
const bool = v('true or false (1/0, yes/no, on/off)', (s) => {
  const l = s.toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(l)) return true;
  if (['0', 'false', 'no', 'off'].includes(l)) return false;
  return undefined;
});
const text = z.string().optional();

const httpUrl = (s: string): URL | undefined => {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : undefined;
  } catch {
    return undefined;
  }
};

const ENV = z.object({
  DATABASE_URL: v('a postgres:// or postgresql:// URL (unset: embedded PGlite)', (s) => (/^postgres(ql)?:\/\/\S+$/.test(s) ? s : undefined)),
  ZHILI_DATA_DIR: text,
  ZHILI_PG_PREPARE: bool,
  ZHILI_EMBEDDED_FSYNC: bool,
  ZHILI_DB_CONNECT_TIMEOUT_MS: intIn(100, 600_000),
  ZHILI_DB_STATEMENT_TIMEOUT_MS: intIn(100, 86_400_000),
  ZHILI_DB_IDLE_TX_TIMEOUT_MS: intIn(100, 86_400_000),
  ZHILI_DB_MAX_WAITING: intIn(1, 1_000_000),
  ZHILI_IDEMPOTENCY_DAYS: intIn(1, 3650),
  HOST: text,
  PORT: intIn(1, 65535),
  ZHILI_DEMO: bool,
  ZHILI_FILES_DIR: text,
  ZHILI_MAX_UPLOAD_MB: positive(1024),
  ZHILI_UPLOAD_QUOTA_MB: numberIn(0, 1024 * 1024, 'a number of megabytes, 0 for no quota'),
  ZHILI_SESSION_HOURS: positive(24 * 366),
  ZHILI_SECURE_COOKIES: bool,
  LOG_LEVEL: v('one of fatal, error, warn, info, debug, trace, silent', (s) => (['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(s) ? s : undefined)),
  ZHILI_WEB_DIR: text,
  ZHILI_SWEEP_SECONDS: numberIn(0, 86400, 'a number of seconds 0-86400 (0 = off)'),
  ZHILI_DEFAULT_DIVISION: v('a division code (digits)', (s) => (/^\d{2,12}$/.test(s) ? s : undefined)),
  ZHILI_CLASSIFIER_RETRAIN_HOURS: numberIn(0, 24 * 366, 'a number of hours (0 = never)'),
  ZHILI_MAP_TILE_URL: v('an http(s) URL template such as https://tiles.example/{z}/{x}/{y}.png, or a path starting with /', (s) =>
    s.startsWith('/') && !s.startsWith('//') ? s : httpUrl(s.replace(/\{s\}/g, 'a')) ? s : undefined,
  ),
  ZHILI_MAP_TILE_ATTRIBUTION: text,
  ZHILI_MAP_CENTER: v('"lng,lat" with lng -180..180 and lat -90..90', (s) => {
    const parts = s.split(',').map((x) => x.trim());
    if (parts.length !== 2 || parts.some((p) => !/^-?\d+(\.\d+)?$/.test(p))) return undefined;
    const [lng, lat] = parts.map(Number);
    return Math.abs(lng) <= 180 && Math.abs(lat) <= 90 ? ([lng, lat] as [number, number]) : undefined;
  }),
  ZHILI_MAP_ZOOM: intIn(1, 19),
  ZHILI_TRUSTED_PROXIES: v('a comma list of IP addresses or CIDRs (e.g. 10.0.0.5,10.1.0.0/16), loopback, or none', ipList),
  ZHILI_PUBLIC_URL: v('an http:// or https:// URL such as https://zhili.example.gov.cn', (s) => httpUrl(s)?.origin),
  ZHILI_METRICS_TOKEN: v('a token of at least 16 characters', (s) => (s.length >= 16 && !/\s/.test(s) ? s : undefined)),
  ZHILI_METRICS_ALLOW: v('a comma list of IP addresses or CIDRs, loopback, or none', ipList),
  ZHILI_DOCS: bool,
});

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  // An empty variable is an unset one (`PORT= zhili serve` keeps the default).
  const set = Object.fromEntries(Object.entries(env).filter(([k, val]) => k in ENV.shape && val !== undefined && val.trim() !== ''));
  const parsed = ENV.safeParse(set);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}${typeof set[String(i.path[0])] === 'string' ? ` (got ${JSON.stringify(set[String(i.path[0])])})` : ''}`));
  }
  const e = parsed.data;
  const dataDir = resolve(e.ZHILI_DATA_DIR ?? 'data');
  const onPostgres = e.DATABASE_URL !== undefined;
  // Demo data by default on the embedded database; a server start must opt in.
  const demo = e.ZHILI_DEMO ?? !onPostgres;
  const config: Config = {
    databaseUrl: e.DATABASE_URL ?? resolve(dataDir, 'pglite'),
    pgPrepare: e.ZHILI_PG_PREPARE ?? true,
    embeddedFsync: e.ZHILI_EMBEDDED_FSYNC ?? true,
    dbTimeouts: {
      connectMs: e.ZHILI_DB_CONNECT_TIMEOUT_MS ?? 5000,
      statementMs: e.ZHILI_DB_STATEMENT_TIMEOUT_MS ?? 30_000,
      idleInTxMs: e.ZHILI_DB_IDLE_TX_TIMEOUT_MS ?? 60_000,
    },
    dbMaxWaiting: e.ZHILI_DB_MAX_WAITING ?? 256,
    idempotencyDays: e.ZHILI_IDEMPOTENCY_DAYS ?? 30,
    host: e.HOST ?? '0.0.0.0',
    port: e.PORT ?? 8080,
    demo,
    filesDir: resolve(e.ZHILI_FILES_DIR ?? resolve(dataDir, 'files')),
    maxUploadBytes: Math.round((e.ZHILI_MAX_UPLOAD_MB ?? 20) * 1024 * 1024),
    uploadQuotaBytes: Math.round((e.ZHILI_UPLOAD_QUOTA_MB ?? 500) * 1024 * 1024),
    sessionHours: e.ZHILI_SESSION_HOURS ?? 12,
    secureCookies: e.ZHILI_SECURE_COOKIES ?? 'auto',
    logLevel: e.LOG_LEVEL ?? 'info',
    webDir: resolve(e.ZHILI_WEB_DIR ?? 'web/dist'),
    sweepSeconds: e.ZHILI_SWEEP_SECONDS ?? 10,
    defaultDivision: e.ZHILI_DEFAULT_DIVISION ?? null,
    classifierSchedule: (e.ZHILI_CLASSIFIER_RETRAIN_HOURS ?? 24) > 0,
    mapTileUrl: e.ZHILI_MAP_TILE_URL ?? null,
    mapTileAttribution: env.ZHILI_MAP_TILE_ATTRIBUTION ?? '',
    mapCenter: e.ZHILI_MAP_CENTER ?? null,
    mapZoom: e.ZHILI_MAP_ZOOM ?? null,
    trustedProxies: e.ZHILI_TRUSTED_PROXIES ?? [],
    publicUrl: e.ZHILI_PUBLIC_URL ?? null,
    metricsToken: e.ZHILI_METRICS_TOKEN ?? null,
    metricsAllow: e.ZHILI_METRICS_ALLOW ?? NAMED_RANGES.loopback,
    docs: e.ZHILI_DOCS ?? true,
    ...overrides,
  };
  // Unless set, the Secure flag follows the public address and the kind of start (overrides included):
  // a production start (PostgreSQL, no demo) is meant to sit behind HTTPS.
  if (e.ZHILI_SECURE_COOKIES === undefined && overrides.secureCookies === undefined) {
    const production = /^postgres(ql)?:/.test(config.databaseUrl) && !config.demo;
    config.secureCookies = config.publicUrl?.startsWith('https:') || production ? true : 'auto';
  }
  return config;
}
