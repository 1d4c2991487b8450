/*
 * zhili service worker: keeps the app shell so the grid worker's phone page
 * (/m) opens without signal after one visit.
 *
 * - navigations: network first (a new deploy is seen at once), the cached
 *   index.html when there is no network;
 * - /assets/* (content-hashed, never change): cache first;
 * - icons, manifest, favicon: cached copy at once, refreshed in the background;
 * - /api/* is never touched: answers are personal and must be fresh, and the
 *   offline queue lives in IndexedDB, not here.
 *
 * Registered from the phone page only (web/src/mobile/Mobile.tsx).
 */
const VERSION = 'v1';
const SHELL = `zhili-shell-${VERSION}`;
const ASSETS = `zhili-assets-${VERSION}`;
const SHELL_KEY = '/index.html';
const STATIC = ['/manifest.webmanifest', '/favicon.svg', '/icons/icon.svg', '/icons/icon-192.png', '/icons/icon-512.png', '/icons/icon-maskable-512.png', '/icons/apple-touch-icon.png'];
/** Old hashed bundles pile up over deploys; keep the newest this many. */
const MAX_ASSETS = 250;

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      await cacheShell(await fetch('/m', { cache: 'no-store', credentials: 'same-origin' }));
      const statics = await caches.open(SHELL);
      await Promise.all(STATIC.map((u) => statics.add(new Request(u, { cache: 'no-store' })).catch(() => undefined)));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const keep = new Set([SHELL, ASSETS]);
      for (const name of await caches.keys()) if (name.startsWith('zhili-') && !keep.has(name)) await caches.delete(name);
      await self.clients.claim();
    })(),
  );
});

/** The page lists the bundles it loaded before this worker controlled it. */
self.addEventListener('message', (event) => {
  const data = event.data;
  if (!data || data.type !== 'cache-assets' || !Array.isArray(data.urls)) return;
  const urls = data.urls.filter((u) => typeof u === 'string' && u.startsWith('/assets/'));
  event.waitUntil(
    (async () => {
      const cache = await caches.open(ASSETS);
      for (const u of urls) {
        if (await cache.match(u)) continue;
        try {
          const res = await fetch(u, { credentials: 'same-origin' });
          if (res.ok) await cache.put(u, res);
        } catch {
          /* offline already; the next visit fills it */
        }
      }
      await trimAssets();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname === '/api' || url.pathname.startsWith('/docs') || url.pathname === '/metrics') return;
  if (url.pathname === '/sw.js') return;

  if (req.mode === 'navigate') {
    event.respondWith(navigation(req, event));
    return;
  }
  if (url.pathname.startsWith('/assets/')) {
    event.respondWith(cacheFirst(req));
    return;
  }
  if (STATIC.includes(url.pathname)) event.respondWith(staleWhileRevalidate(req, event));
});

async function navigation(req, event) {
  try {
    const res = await fetch(req);
    // Only the app's own HTML is worth keeping (not a 404 page or a download); the page need not wait for it.
    if (res.ok && (res.headers.get('content-type') || '').includes('text/html')) event.waitUntil(cacheShell(res.clone()));
    return res;
  } catch (err) {
    const cached = await caches.match(SHELL_KEY, { cacheName: SHELL });
    if (cached) return cached;
    throw err;
  }
}

/** Stores index.html and fetches the bundles it names, so the shell is whole offline. */
async function cacheShell(res) {
  if (!res.ok) return;
  const html = await res.clone().text();
  const shell = await caches.open(SHELL);
  await shell.put(SHELL_KEY, res);
  const assets = await caches.open(ASSETS);
  const urls = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
  await Promise.all(
    urls.map(async (u) => {
      if (await assets.match(u)) return;
      try {
        const r = await fetch(u, { credentials: 'same-origin' });
        if (r.ok) await assets.put(u, r);
      } catch {
        /* next time */
      }
    }),
  );
}

async function cacheFirst(req) {
  const cache = await caches.open(ASSETS);
  const hit = await cache.match(req, { ignoreSearch: true });
  if (hit) return hit;
  const res = await fetch(req);
  if (res.ok) {
    await cache.put(new URL(req.url).pathname, res.clone());
    trimAssets();
  }
  return res;
}

async function staleWhileRevalidate(req, event) {
  const cache = await caches.open(SHELL);
  const hit = await cache.match(req, { ignoreSearch: true });
  const refresh = fetch(req)
    .then(async (res) => {
      if (res.ok) await cache.put(new URL(req.url).pathname, res.clone());
      return res;
    })
    .catch(() => undefined);
  if (hit) {
    event.waitUntil(refresh);
    return hit;
  }
  return (await refresh) || Response.error();
}

async function trimAssets() {
  const cache = await caches.open(ASSETS);
  const keys = await cache.keys();
  // Keys come back in insertion order: the oldest go first.
  for (let i = 0; i < keys.length - MAX_ASSETS; i++) await cache.delete(keys[i]);
}
