import { resolve } from 'node:path';

export interface Config {
  /** postgres://... or a PGlite data directory. */
  databaseUrl: string;
  /**
   * Keep hot statements prepared on PostgreSQL connections (ZHILI_PG_PREPARE,
   * default on). Off for a connection pooler in transaction mode that cannot
   * carry prepared statements (PgBouncer before 1.21).
   */
  pgPrepare: boolean;
  host: string;
  port: number;
  /** Load demo data on first start (empty database). */
  demo: boolean;
  /** Where attachments are kept by the local-disk storage. */
  filesDir: string;
  maxUploadBytes: number;
  sessionHours: number;
  /** Set the Secure flag on cookies (behind HTTPS). */
  secureCookies: boolean;
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
}

/** "lng,lat" → [lng, lat], or null when unset or not two numbers in range. */
function lngLat(v: string | undefined): [number, number] | null {
  if (!v) return null;
  const [lng, lat] = v.split(',').map((x) => Number(x.trim()));
  return Number.isFinite(lng) && Number.isFinite(lat) && Math.abs(lng) <= 180 && Math.abs(lat) <= 90 && v.split(',').length === 2 ? [lng, lat] : null;
}

function bool(v: string | undefined, dflt: boolean): boolean {
  if (v === undefined || v === '') return dflt;
  return ['1', 'true', 'yes', 'on'].includes(v.toLowerCase());
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const dataDir = resolve(env.ZHILI_DATA_DIR ?? 'data');
  const databaseUrl = env.DATABASE_URL || resolve(dataDir, 'pglite');
  return {
    databaseUrl,
    pgPrepare: bool(env.ZHILI_PG_PREPARE, true),
    host: env.HOST ?? '0.0.0.0',
    port: Number(env.PORT ?? 8080),
    // Demo data by default on the embedded database; a server start must opt in.
    demo: bool(env.ZHILI_DEMO, !env.DATABASE_URL),
    filesDir: resolve(env.ZHILI_FILES_DIR ?? resolve(dataDir, 'files')),
    maxUploadBytes: Number(env.ZHILI_MAX_UPLOAD_MB ?? 20) * 1024 * 1024,
    sessionHours: Number(env.ZHILI_SESSION_HOURS ?? 12),
    secureCookies: bool(env.ZHILI_SECURE_COOKIES, false),
    logLevel: env.LOG_LEVEL ?? 'info',
    webDir: resolve(env.ZHILI_WEB_DIR ?? 'web/dist'),
    sweepSeconds: Number(env.ZHILI_SWEEP_SECONDS ?? 10),
    defaultDivision: env.ZHILI_DEFAULT_DIVISION || null,
    classifierSchedule: Number(env.ZHILI_CLASSIFIER_RETRAIN_HOURS ?? 24) > 0,
    mapTileUrl: env.ZHILI_MAP_TILE_URL?.trim() || null,
    mapTileAttribution: env.ZHILI_MAP_TILE_ATTRIBUTION ?? '',
    mapCenter: lngLat(env.ZHILI_MAP_CENTER),
    mapZoom: env.ZHILI_MAP_ZOOM && Number.isInteger(Number(env.ZHILI_MAP_ZOOM)) ? Math.max(1, Math.min(19, Number(env.ZHILI_MAP_ZOOM))) : null,
    ...overrides,
  };
}
