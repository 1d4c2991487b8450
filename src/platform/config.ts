import { resolve } from 'node:path';

export interface Config {
  /** postgres://... or a PGlite data directory. */
  databaseUrl: string;
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
    ...overrides,
  };
}
