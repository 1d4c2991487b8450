/**
 * Deny by default: every route declares who may call it, in its route options
 * (`config: { access }`). The server refuses to start with a route that
 * declares nothing, and one hook (installed by createHttp) enforces the
 * declaration before validation, so a caller who may not call a route learns
 * nothing from its validation errors.
 *
 * The jurisdiction part (`scope`) is enforced by each route's queries (the
 * rows a caller may see depend on the row); the declaration states which
 * rule applies, and the authorisation matrix test checks it for every route.
 */
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { forbidden, unauthorized } from './errors.ts';

/**
 * Which rows a caller reaches through the route:
 * - `none`: not tied to places (the caller's own profile, reference data such as categories);
 * - `jurisdiction`: what lies in the caller's divisions, or is assigned to their unit;
 * - `own`: only what the caller made or was sent (a citizen's own cases, own notifications).
 */
export type Scope = 'none' | 'jurisdiction' | 'own';

export type Access =
  /** Anyone, signed in or not (sign-in itself, public tracking, health). */
  | { readonly who: 'public'; readonly scope: 'none' | 'own' }
  /** Any signed-in user, citizens included. */
  | { readonly who: 'signedIn'; readonly scope: Scope }
  /** Any signed-in user but a citizen. */
  | { readonly who: 'staff'; readonly scope: Scope }
  /** Holders of these roles (an admin holds every role). */
  | { readonly who: 'roles'; readonly roles: readonly string[]; readonly scope: Scope };

/** One row of the route table: what a route is and who may call it. */
export interface RouteEntry {
  readonly method: string;
  readonly url: string;
  readonly access: Access;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyInstance {
    /** Every route registered so far with its declaration (filled as routes are added; complete once the app is ready). */
    readonly routeTable: readonly RouteEntry[];
  }
}

export const allow = {
  public: (scope: 'none' | 'own' = 'none'): Access => ({ who: 'public', scope }),
  signedIn: (scope: Scope): Access => ({ who: 'signedIn', scope }),
  staff: (scope: Scope): Access => ({ who: 'staff', scope }),
  roles: (roles: readonly string[], scope: Scope): Access => ({ who: 'roles', roles, scope }),
};

/** How the HTTP layer learns who is calling; provided by the org feature (sessions, API tokens). */
export interface HttpAuth {
  /** Resolves the caller from the request's credentials and attaches it; anonymous when there are none. */
  authenticate(req: FastifyRequest): Promise<void>;
  /** The attached caller's roles, or null when anonymous. */
  rolesOf(req: FastifyRequest): readonly string[] | null;
}

/** Routes that plugins add and that cannot declare themselves: the API docs (when on) and the console's static files. */
const PLUGIN_PUBLIC = [/^\/docs(\/|$)/];

/** May a caller with these roles (null: anonymous) call a route declaring `a`? */
export function permits(a: Access, roles: readonly string[] | null): 'ok' | 'unauthenticated' | 'forbidden' {
  if (a.who === 'public') return 'ok';
  if (!roles) return 'unauthenticated';
  if (a.who === 'signedIn') return 'ok';
  if (a.who === 'staff') return roles.some((r) => r !== 'citizen') ? 'ok' : 'forbidden';
  return roles.includes('admin') || a.roles.some((r) => roles.includes(r)) ? 'ok' : 'forbidden';
}

/**
 * Installs the declaration check (at route registration: a route without
 * `config.access` stops the start) and the one enforcing hook.
 */
export function installAccessControl(app: FastifyInstance<any, any, any, any, any>, auth: HttpAuth): void {
  // The table the route-table and authorisation matrix tests walk; filled here
  // rather than read from Fastify's internals.
  const table: RouteEntry[] = [];
  app.decorate('routeTable', table);
  app.addHook('onRoute', (route: RouteOptions) => {
    const config = (route.config ??= {}) as { access?: Access; rootPath?: string };
    if (!config.access) {
      // @fastify/static marks each file's route with its root; the console's files are public.
      if (PLUGIN_PUBLIC.some((re) => re.test(route.url)) || config.rootPath !== undefined) config.access = allow.public();
      else throw new Error(`route ${String(route.method)} ${route.url} declares no access (config.access): every route must say who may call it`);
    }
    for (const method of [route.method].flat()) table.push({ method, url: route.url, access: config.access });
  });

  app.addHook('onRequest', async (req: FastifyRequest) => {
    const a = req.routeOptions.config?.access;
    // No route matched: the not-found handler answers.
    if (!a) {
      if (req.routeOptions.url === undefined) return;
      throw forbidden('route declares no access');
    }
    if (req.headers.authorization || req.headers.cookie) await auth.authenticate(req);
    const verdict = permits(a, auth.rolesOf(req));
    if (verdict === 'unauthenticated') throw unauthorized();
    if (verdict === 'forbidden') {
      const need = a.who === 'roles' ? a.roles.join(', ') : 'staff';
      throw forbidden(`需要以下角色之一 (requires one of): ${need}`);
    }
  });
}
