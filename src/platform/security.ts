/**
 * The HTTP layer's defences that do not depend on who the caller is:
 * cross-site request refusal (CSRF), the console's Content-Security-Policy and
 * the /metrics gate. createHttp installs them; the settings come from Config.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ipMatcher, type Config } from './config.ts';
import { Problem } from './errors.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** An API token (Authorization: Bearer) is sent by a program, never attached by a browser on its own. */
export const hasBearer = (req: FastifyRequest) => /^Bearer\s/i.test(req.headers.authorization ?? '');

const crossSite = (why: string) =>
  new Problem(403, 'Forbidden', `跨站请求被拒绝 (cross-site request refused): ${why}`, [{ field: 'origin', message: why }]);

/**
 * Refuses unsafe requests (POST, PUT, PATCH, DELETE) that a browser sent from
 * another site, so a page elsewhere cannot act with the user's session cookie.
 * Sign-in is covered too (login CSRF: signing the victim into the attacker's
 * account). Requests with an API token are exempt. The rule is the one
 * browsers make reliable:
 * - `Sec-Fetch-Site` (all current browsers): only `same-origin` (or `none`, a
 *   user's own navigation) passes;
 * - else `Origin`: must be ZHILI_PUBLIC_URL's origin when that is set, else
 *   name the host the request was sent to; `Origin: null` is refused;
 * - neither header: not a browser (curl, scripts, integrations), so no
 *   ambient cookie was attached behind the user's back.
 */
export function checkSameOrigin(req: FastifyRequest, publicUrl: string | null): void {
  if (SAFE_METHODS.has(req.method) || hasBearer(req)) return;
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string') {
    if (site === 'same-origin' || site === 'none') return;
    throw crossSite(`Sec-Fetch-Site: ${site}`);
  }
  const origin = req.headers.origin;
  if (origin === undefined) return;
  let o: URL;
  try {
    if (origin === 'null') throw new Error('opaque');
    o = new URL(origin);
  } catch {
    throw crossSite(`Origin ${origin} is not this site`);
  }
  const ok = publicUrl ? o.origin === publicUrl : o.host === sameHost(o.protocol, req.host);
  if (!ok) throw crossSite(`Origin ${origin} is not ${publicUrl ?? req.host}`);
}

/** The Host header as an origin with this scheme would spell it (lower case, no default port), or '' when it is not a host. */
function sameHost(protocol: string, host: string): string {
  try {
    return new URL(`${protocol}//${host}`).host;
  } catch {
    return '';
  }
}

/** The origin (with a wildcard for Leaflet's {s} subdomains) of the base-map tiles, for img-src; null for none or a path on this server. */
export function tileSource(tileUrl: string | null): string | null {
  const m = tileUrl ? /^(https?:\/\/)([^/?#]+)/i.exec(tileUrl) : null;
  if (!m) return null;
  const host = m[2].replace(/\{s\}/g, '*');
  if (/[{}]/.test(host)) return m[1].replace('//', '').replace(/\/$/, ''); // a template we cannot narrow: allow its scheme
  return `${m[1]}${host}`.toLowerCase();
}

/**
 * The console's Content-Security-Policy: scripts only from this server (the
 * built bundles have no inline script); styles may be inline because antd
 * writes its CSS-in-JS into <style> elements and style attributes; images from
 * here, data: and blob: (previews, chart exports, Leaflet) and the tile server
 * when one is configured.
 */
export function consoleCsp(config: Pick<Config, 'mapTileUrl' | 'publicUrl'>): Record<string, string[]> {
  const tiles = tileSource(config.mapTileUrl);
  return {
    'default-src': ["'self'"],
    'base-uri': ["'self'"],
    'script-src': ["'self'"],
    'script-src-attr': ["'none'"],
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:', 'blob:', ...(tiles ? [tiles] : [])],
    'font-src': ["'self'", 'data:'],
    'connect-src': ["'self'", ...(tiles ? [tiles] : [])],
    'worker-src': ["'self'", 'blob:'],
    'manifest-src': ["'self'"],
    'object-src': ["'none'"],
    'frame-src': ["'self'"],
    'frame-ancestors': ["'self'"],
    'form-action': ["'self'"],
    // Only when the public address is https: on a plain-http intranet it would send every same-origin load to a port that is not there.
    ...(config.publicUrl?.startsWith('https:') ? { 'upgrade-insecure-requests': [] } : {}),
  };
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Who may read /metrics: a caller with ZHILI_METRICS_TOKEN, or one on an
 * allowed network (loopback by default). A request relayed by a proxy that is
 * not trusted (it carries forwarding headers, yet the peer is not in
 * ZHILI_TRUSTED_PROXIES) does not count as local: a reverse proxy on the same
 * host would otherwise open /metrics to everyone it serves.
 */
export function metricsGate(config: Pick<Config, 'metricsToken' | 'metricsAllow' | 'trustedProxies'>): (req: FastifyRequest) => void {
  const allowed = ipMatcher(config.metricsAllow);
  const trusted = ipMatcher(config.trustedProxies);
  const want = config.metricsToken ? digest(config.metricsToken) : null;
  return (req) => {
    const auth = req.headers.authorization;
    if (want && auth && /^Bearer\s/i.test(auth) && timingSafeEqual(digest(auth.replace(/^Bearer\s+/i, '').trim()), want)) return;
    const relayed = ['x-forwarded-for', 'forwarded', 'x-real-ip'].some((h) => req.headers[h] !== undefined) && !trusted(req.socket.remoteAddress);
    if (!relayed && allowed(req.ip)) return;
    const how = config.metricsToken ? 'send Authorization: Bearer <ZHILI_METRICS_TOKEN>' : 'set ZHILI_METRICS_TOKEN or ZHILI_METRICS_ALLOW';
    throw new Problem(403, 'Forbidden', `/metrics is not open to ${req.ip}: ${how}`, [{ field: 'authorization', message: how }]);
  };
}
