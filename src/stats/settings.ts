/**
 * Where localities differ in how they count, the definitions in rates.ts take
 * settings. They live in the `stats_settings` table, one partial row per
 * jurisdiction ('*' or a division-code prefix), merged from the general to the
 * specific: built-in defaults <- environment <- '*' <- 43 <- 4306 <- 430602.
 *
 * Why a table and not only environment variables: the settings are a policy
 * decision of the county or city (not an operator's deployment detail), they
 * must be identical on every instance behind a load balancer, they change
 * without a restart, one deployment may serve several localities that count
 * differently, and every change lands in the audit log.
 */
import type { Queryable } from '../platform/db.ts';
import { DEFAULT_RATE_SETTINGS, RATE_SETTINGS, type RateSettings } from './rates.ts';

export const PARTIAL_SETTINGS = RATE_SETTINGS.partial();
export type PartialSettings = Partial<RateSettings>;

/** The defaults before any row: built in, then the environment (kept for deployments configured that way). */
export function envSettings(env: NodeJS.ProcessEnv = process.env): RateSettings {
  const s = { ...DEFAULT_RATE_SETTINGS };
  if (env.ZHILI_STATS_THREE_STARS_HALF === 'true') s.threeStarsHalf = true;
  return s;
}

export interface SettingsRow {
  scope: string;
  settings: PartialSettings;
  updatedAt: string;
  updatedBy: string | null;
}

/** Rows that apply to `area` ('*' or a division code), general first. */
async function chain(q: Queryable, area: string): Promise<SettingsRow[]> {
  return q.query<SettingsRow>(
    `SELECT scope, settings, updated_at AS "updatedAt", updated_by AS "updatedBy" FROM stats_settings
      WHERE scope = '*' OR ($1 <> '*' AND $1 LIKE scope || '%') ORDER BY (scope <> '*'), length(scope)`,
    [area],
  );
}

export function merge(base: RateSettings, rows: { settings: PartialSettings }[]): RateSettings {
  const out = { ...base };
  for (const r of rows) {
    // Only known keys, so a row written by a newer version cannot smuggle in anything.
    const parsed = PARTIAL_SETTINGS.safeParse(r.settings);
    if (parsed.success) Object.assign(out, Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined)));
  }
  return out;
}

/** The settings that apply to an area, and the most specific scope they came from. */
export async function effectiveSettings(q: Queryable, area: string, env: NodeJS.ProcessEnv = process.env): Promise<{ settings: RateSettings; from: string | null }> {
  const rows = await chain(q, area);
  return { settings: merge(envSettings(env), rows), from: rows.length ? rows[rows.length - 1].scope : null };
}

/**
 * The area a request is about: the division asked for, else the caller's
 * jurisdiction (the common prefix of several codes), else everything.
 */
export function areaOf(scopeCodes: string[], divisionCode?: string): string {
  if (divisionCode) return divisionCode;
  if (!scopeCodes.length || scopeCodes.includes('*')) return '*';
  let prefix = scopeCodes[0];
  for (const c of scopeCodes) while (!c.startsWith(prefix)) prefix = prefix.slice(0, -1);
  // Snap to a whole division code (2, 4, 6, 9 or 12 digits).
  const len = [12, 9, 6, 4, 2].find((l) => l <= prefix.length);
  return len ? prefix.slice(0, len) : '*';
}

export async function listSettings(q: Queryable): Promise<SettingsRow[]> {
  return q.query<SettingsRow>(`SELECT scope, settings, updated_at AS "updatedAt", updated_by AS "updatedBy" FROM stats_settings ORDER BY (scope <> '*'), scope`);
}

export async function putSettings(q: Queryable, scope: string, settings: PartialSettings, userId: string): Promise<void> {
  await q.query(
    `INSERT INTO stats_settings (scope, settings, updated_by, updated_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (scope) DO UPDATE SET settings = EXCLUDED.settings, updated_by = EXCLUDED.updated_by, updated_at = now()`,
    [scope, JSON.stringify(settings), userId],
  );
}

export async function deleteSettings(q: Queryable, scope: string): Promise<boolean> {
  const r = await q.query(`DELETE FROM stats_settings WHERE scope = $1 RETURNING scope`, [scope]);
  return r.length > 0;
}
