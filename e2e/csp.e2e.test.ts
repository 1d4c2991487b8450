/**
 * The console under its Content-Security-Policy: the main pages, with base
 * tiles from a configured tile server, an attachment preview and the API docs,
 * report no CSP violation (the browser's securitypolicyviolation events and
 * its console), and signing in through the form passes the cross-site check.
 *
 *   npx vitest run --config e2e/vitest.config.ts e2e/csp.e2e.test.ts
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DESKTOP, PHONE, ensureWebBuilt, freePort, hasChromium, launch, openPage, signIn, startServer, type RunningServer } from './harness.ts';
import { PASSWORD, sampleCaseBody, SAMPLE_CASES } from './fixtures.ts';

// A page's images arrive in their own time on a loaded CI machine; expect.poll's 1 s default is for in-process state.
const PAGE_WAIT = { timeout: 20_000, interval: 100 };

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

declare global {
  interface Window {
    __csp: string[];
  }
}

/** Records every CSP violation the page reports, from its first script on. */
async function watchCsp(page: Page): Promise<string[]> {
  const fromConsole: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) fromConsole.push(m.text());
  });
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`));
  });
  return fromConsole;
}

async function settle(page: Page) {
  await page.waitForLoadState('networkidle').catch(() => undefined);
  await page.waitForTimeout(300);
}

describe.skipIf(!hasChromium)('console under its CSP (Chromium)', () => {
  let server: RunningServer;
  let tiles: Server;
  let tileHits = 0;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    ensureWebBuilt();
    const tilePort = await freePort();
    // The tile server doubles as another site's page (same site as the console: same IP, other port).
    tiles = createServer((req, res) => {
      if (req.url === '/elsewhere') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>elsewhere</title>');
      tileHits++;
      res.writeHead(200, { 'content-type': 'image/png', 'access-control-allow-origin': '*' }).end(PNG);
    });
    await new Promise<void>((r) => tiles.listen(tilePort, '127.0.0.1', r));
    server = await startServer({ ZHILI_MAP_TILE_URL: `http://127.0.0.1:${tilePort}/{z}/{x}/{y}.png`, ZHILI_MAP_TILE_ATTRIBUTION: '测试底图' });
    browser = await launch();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
    await new Promise((r) => tiles?.close(r));
  });

  it('main pages, tiles, an attachment preview and the docs raise no CSP violation', async () => {
    const { page, ctx, errors } = await openPage(browser, contexts, DESKTOP);
    const consoleCsp = await watchCsp(page);
    const csp = async (where: string) => {
      await settle(page);
      const seen = [...(await page.evaluate(() => window.__csp)), ...consoleCsp.splice(0)];
      expect(seen, where).toEqual([]);
    };

    // Signing in through the form: a same-origin POST the cross-site check lets through.
    await page.goto(`${server.url}/queues`);
    await signIn(page, 'admin', PASSWORD);
    await page.waitForURL(/\/queues$/);
    const header = await page.request.get(`${server.url}/`);
    expect(header.headers()['content-security-policy']).toContain(`img-src 'self' data: blob: http://127.0.0.1:`);

    // A case with a photo, for the preview.
    const up = await ctx.request.post(`${server.url}/api/attachments`, { multipart: { file: { name: '现场.png', mimeType: 'image/png', buffer: PNG } } });
    expect(up.status()).toBe(201);
    const created = await ctx.request.post(`${server.url}/api/cases`, { data: { ...sampleCaseBody(SAMPLE_CASES[0]), attachmentIds: [(await up.json()).id] } });
    expect(created.status(), await created.text()).toBe(201);
    const caseNo = (await created.json()).no as string;

    for (const path of ['/queues', '/intake', `/cases/${caseNo}`, '/map', '/dashboard', '/admin/divisions', '/admin/grids', '/admin/units', '/admin/users', '/admin/categories', '/admin/policies', '/admin/calendars', '/admin/responsibilities', '/admin/kb']) {
      await page.goto(`${server.url}${path}`);
      await csp(path);
    }
    // The preview image came through img-src 'self'.
    await page.goto(`${server.url}/cases/${caseNo}`);
    await expect.poll(() => page.locator('.ant-image img').first().evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), PAGE_WAIT).toBe(true);
    await csp('case preview');
    // The map drew its base tiles from the configured server.
    await page.goto(`${server.url}/map`);
    await expect.poll(() => tileHits, PAGE_WAIT).toBeGreaterThan(0);
    await expect.poll(() => page.locator('img.leaflet-tile-loaded').count(), PAGE_WAIT).toBeGreaterThan(0);
    await csp('map tiles');

    // A page of another origin on the same site (SameSite=Lax still sends the cookie) cannot sign the user out.
    const other = await ctx.newPage();
    await other.goto(`http://127.0.0.1:${(tiles.address() as { port: number }).port}/elsewhere`);
    // (The opaque answer is then withheld by Cross-Origin-Resource-Policy, so the fetch rejects; the request went out.)
    await other.evaluate((url) => fetch(`${url}/api/auth/logout`, { method: 'POST', mode: 'no-cors', credentials: 'include' }).catch(() => undefined), server.url);
    expect((await ctx.request.get(`${server.url}/api/auth/me`)).status()).toBe(200);
    await other.close();

    // Swagger UI runs under its own policy.
    await page.goto(`${server.url}/docs/`);
    await page.locator('.swagger-ui .info').waitFor();
    await csp('/docs');
    expect(errors).toEqual([]);
  });

  it('the grid worker phone page and the citizen portal raise no CSP violation', async () => {
    const { page, errors } = await openPage(browser, contexts, PHONE);
    const consoleCsp = await watchCsp(page);
    await page.goto(`${server.url}/m`);
    await signIn(page, 'gridworker', PASSWORD);
    await page.waitForURL(/\/m\//);
    for (const path of ['/m/report', '/m/grid', '/m/tasks', '/m/me', '/portal/track']) {
      await page.goto(`${server.url}${path}`);
      await settle(page);
      expect([...(await page.evaluate(() => window.__csp)), ...consoleCsp.splice(0)], path).toEqual([]);
    }
    expect(errors).toEqual([]);
  });
});
