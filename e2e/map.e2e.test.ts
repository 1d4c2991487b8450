/**
 * 一张图 in the browser: a supervisor opens the map at 1366 px, switches the
 * heat layer on, filters by status, narrows to a grid by clicking it, opens a
 * point's popup and follows its link to the case; filters survive a reload
 * from the shared URL. Screenshots: map.png, map-heat.png.
 *
 *   flock -s /tmp/zhili-web.lock npx vitest run --config e2e/vitest.config.ts e2e/map.e2e.test.ts
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DESKTOP, apiLogin, ensureWebBuilt, hasChromium, launch, shot, startServer, watchErrors, type RunningServer } from './harness.ts';
import { SAMPLE_CASES, sampleCaseBody } from './fixtures.ts';

/** More cases than the map draws as DOM markers, so the canvas path and clusters are on screen. */
const EXTRA = 360;

describe.skipIf(!hasChromium)('一张图 map (Chromium)', () => {
  let server: RunningServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const dispatched: { id: string; no: string; title: string }[] = [];
  let total = 0;

  async function apiAs(username: string) {
    const ctx = await browser.newContext();
    contexts.push(ctx);
    await apiLogin(ctx, server.url, username);
    return {
      get: async (path: string) => (await ctx.request.get(server.url + path)).json(),
      post: async (path: string, data: unknown) => {
        const r = await ctx.request.post(server.url + path, { data });
        return { status: r.status(), json: await r.json().catch(() => null) };
      },
    };
  }

  beforeAll(async () => {
    ensureWebBuilt();
    server = await startServer();
    browser = await launch();
    const op = await apiAs('operator');
    const body = sampleCaseBody;
    const created = [];
    for (const c of SAMPLE_CASES) {
      const r = await op.post('/api/cases', body(c));
      expect(r.status, JSON.stringify(r.json)).toBe(201);
      created.push(r.json);
    }
    // A deterministic spread over both grids (113.10–113.12, 29.36–29.37), so each lands in the district.
    let seed = 7;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let i = 0; i < EXTRA; i += 20) {
      const batch = Array.from({ length: Math.min(20, EXTRA - i) }, (_, k) =>
        op.post(
          '/api/cases',
          body({
            ...SAMPLE_CASES[(i + k) % SAMPLE_CASES.length],
            title: `批量测试工单 ${i + k + 1}`,
            lng: 113.1005 + rnd() * 0.019,
            lat: 29.3605 + rnd() * 0.009,
          }),
        ),
      );
      for (const r of await Promise.all(batch)) expect(r.status, JSON.stringify(r.json)).toBe(201);
    }
    total = SAMPLE_CASES.length + EXTRA;
    // Outlines for the street and one community (区划边界), as an admin would import them.
    const admin = await apiAs('admin');
    const rect = (x0: number, y0: number, x1: number, y1: number) => ({ type: 'Polygon', coordinates: [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]] });
    for (const d of [
      { code: '430602005', name: '东茅岭街道', geometry: rect(113.1, 29.36, 113.12, 29.37) },
      { code: '430602005002', name: '洞庭社区', geometry: rect(113.11, 29.36, 113.12, 29.37) },
    ]) {
      const r = await admin.post('/api/divisions', d);
      expect(r.status, JSON.stringify(r.json)).toBe(200);
    }
    // Two of the sample cases are dispatched to the city management bureau.
    const units: { id: string; code: string }[] = await op.get('/api/units');
    const cg = units.find((u) => u.code === 'CG-430602')!;
    for (const c of created.slice(0, 2)) {
      const d = await op.post(`/api/cases/${c.id}/dispatch`, { leadUnitId: cg.id });
      expect(d.status, JSON.stringify(d.json)).toBe(200);
      dispatched.push({ id: c.id, no: c.no, title: c.title });
    }
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
  });

  async function countText(page: Page) {
    const el = page.locator('.map-count');
    await el.waitFor();
    return (await el.textContent()) ?? '';
  }

  /** Clicks the map at a geographic position (for things drawn on the canvas). */
  async function clickAt(page: Page, lng: number, lat: number) {
    const xy = await page.evaluate(
      ([lng, lat]) => {
        const el = document.querySelector('.map-canvas') as HTMLElement & { leafletMap: { latLngToContainerPoint(ll: [number, number]): { x: number; y: number } } };
        const p = el.leafletMap.latLngToContainerPoint([lat, lng]);
        const r = el.getBoundingClientRect();
        return { x: r.left + p.x, y: r.top + p.y };
      },
      [lng, lat],
    );
    await page.mouse.click(xy.x, xy.y);
  }

  it('a supervisor uses the map: heat, status filter, grid filter, popup and link to the case', async () => {
    const ctx = await browser.newContext({ ...DESKTOP, viewport: { width: 1366, height: 768 } });
    contexts.push(ctx);
    await apiLogin(ctx, server.url, 'supervisor');
    const page = await ctx.newPage();
    page.setDefaultTimeout(40_000);
    const errors = watchErrors(page);

    await page.goto(`${server.url}/map`);
    // Every open case of the supervisor's district, drawn on the canvas (too many for DOM dots), clustered when zoomed out.
    await expect.poll(() => countText(page)).toContain(`地图上 ${total} 件，共 ${total} 件`);
    await page.locator('.map-cluster').first().waitFor();
    expect(await page.locator('.map-dot').count()).toBe(0);
    // The legend counts the two statuses on the map.
    const legend = page.getByLabel('图例');
    await expect.poll(() => legend.textContent()).toContain(`已受理${total - 2}`);
    await expect.poll(() => legend.textContent()).toContain('已派单2');
    // Division outlines are drawn beneath the grids, dashed, and can be switched off and on.
    const boundaries = page.locator('.leaflet-divisions-pane path.division-boundary');
    await expect.poll(() => boundaries.count()).toBe(2);
    expect(await boundaries.first().getAttribute('stroke-dasharray')).toBeTruthy();
    await expect.poll(() => legend.textContent()).toContain('区划边界');
    await page.locator('#map-divisions').click();
    await page.waitForURL(/div=0/);
    await expect.poll(() => boundaries.count()).toBe(0);
    await page.locator('#map-divisions').click();
    await page.waitForURL((u) => !u.search.includes('div='));
    await expect.poll(() => boundaries.count()).toBe(2);
    // Nothing spills sideways at 1366 px.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1366);
    await shot(page, 'map', false);

    // Heat on (points hidden), then both.
    await page.getByText('热力', { exact: true }).click();
    await page.waitForURL(/mode=heat/);
    await page.locator('canvas.leaflet-heatmap-layer').waitFor();
    await expect.poll(() => page.locator('.map-cluster').count()).toBe(0);
    await expect.poll(() => legend.textContent()).toContain('密度');
    await shot(page, 'map-heat', false);
    // A map squeezed to zero width for a moment (a layout still settling) must not break the heat layer:
    // it redraws on the resize and would read back an empty canvas.
    await page.evaluate(() => {
      const el = document.querySelector<HTMLElement>('.leaflet-container')!;
      el.dataset.width = el.style.width;
      el.style.width = '0px';
      window.dispatchEvent(new Event('resize'));
    });
    await page.waitForTimeout(400); // Leaflet debounces resize by a frame; the heat layer redraws on the next one
    await page.evaluate(() => {
      const el = document.querySelector<HTMLElement>('.leaflet-container')!;
      el.style.width = el.dataset.width ?? '';
      window.dispatchEvent(new Event('resize'));
    });
    expect(errors).toEqual([]);
    await page.getByText('点位+热力', { exact: true }).click();
    await page.waitForURL(/mode=both/);
    await page.locator('.map-cluster').first().waitFor();
    expect(await page.locator('canvas.leaflet-heatmap-layer').count()).toBe(1);

    // Colour by warning: every case is on time here.
    await page.getByText('按预警', { exact: true }).click();
    await page.waitForURL(/color=warning/);
    await expect.poll(() => legend.textContent()).toContain(`未预警${total}`);

    // Status filter: only 已派单.
    const status = page.locator('#map-status');
    await status.click();
    await page.locator('.ant-select-dropdown:visible').getByRole('button', { name: /^全\s?部$/ }).click();
    await status.click();
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: '已派单' }).click();
    await page.keyboard.press('Escape');
    await page.waitForURL(/status=dispatched(&|$)/);
    await expect.poll(() => countText(page)).toContain('地图上 2 件，共 2 件');
    // Few points are DOM markers: focusable, with the case number as their name.
    await expect.poll(() => page.locator('.map-dot').count()).toBe(2);

    // A shared link restores the view.
    const shared = page.url();
    await page.goto(shared);
    await expect.poll(() => countText(page)).toContain('地图上 2 件，共 2 件');
    await expect.poll(() => page.locator('.ant-select:has(#map-status)').textContent()).toContain('已派单');

    // Click a point: the popup shows number, title and status, and links to the case.
    const target = dispatched[0];
    const marker = page.locator(`.leaflet-marker-icon[title="${target.no}"]`);
    await marker.click();
    const popup = page.locator('.leaflet-popup');
    await popup.getByText(target.title).waitFor();
    expect(await popup.textContent()).toContain(target.no);
    expect(await popup.textContent()).toContain('已派单');
    expect(await popup.textContent()).not.toContain('13812345678');
    await shot(page, 'map-popup', false);
    await popup.getByRole('link', { name: /查看工单/ }).click();
    await page.waitForURL(new RegExp(`/cases/${target.no}$`));
    await page.getByText(target.title).first().waitFor();
    await page.goBack();
    await page.waitForURL(/\/map\?/);

    // Click a grid (on the canvas, away from the points): the map narrows to that grid.
    await page.getByText('按状态', { exact: true }).click();
    await page.waitForURL((u) => !u.search.includes('color='));
    await status.click();
    await page.locator('.ant-select-dropdown:visible').getByRole('button', { name: /^在\s?办$/ }).click();
    await page.keyboard.press('Escape');
    await page.waitForURL((u) => !u.search.includes('status='));
    await expect.poll(() => countText(page)).toContain(`共 ${total} 件`);
    // 洞庭社区第一网格 spans 113.11–113.12; pick a corner with no case nearby, clear of clusters.
    await page.getByText('点位', { exact: true }).click();
    await page.waitForURL((u) => !u.search.includes('mode='));
    await page.locator('#map-cluster').click();
    await page.waitForURL(/cluster=0/);
    const spot = await page.evaluate(async () => {
      const r = await fetch('/api/map/cases?bbox=113.11,29.36,113.12,29.37');
      const pts = ((await r.json()).points as [string, string, number, number][]).map((p) => [p[2], p[3]]);
      // The grid cell point farthest from every case.
      let best = [113.115, 29.365];
      let bestD = -1;
      for (let i = 1; i < 20; i++)
        for (let j = 1; j < 20; j++) {
          const c = [113.11 + i * 0.0005, 29.36 + j * 0.0005];
          const d = Math.min(...pts.map((p) => Math.hypot(p[0] - c[0], p[1] - c[1])));
          if (d > bestD) [best, bestD] = [c, d];
        }
      return best;
    });
    await clickAt(page, spot[0], spot[1]);
    await page.waitForURL(/grid=[0-9a-f-]{36}/);
    await page.locator('.map-grid-chip').getByText('洞庭社区第一网格').waitFor();
    const inGrid = ((await (await page.request.get(`${server.url}/api/map/cases?bbox=113.11,29.36,113.12,29.37`)).json()) as { shown: number }).shown;
    await expect.poll(() => countText(page)).toContain(`共 ${inGrid} 件`);
    expect(inGrid).toBeLessThan(total);

    expect(errors).toEqual([]);
  });

  it('shows the empty state when nothing matches, and resets', async () => {
    const ctx = await browser.newContext({ ...DESKTOP, viewport: { width: 1366, height: 768 } });
    contexts.push(ctx);
    await apiLogin(ctx, server.url, 'dispatcher');
    const page = await ctx.newPage();
    page.setDefaultTimeout(40_000);
    const errors = watchErrors(page);
    await page.goto(`${server.url}/map?status=closed`);
    await page.getByText('没有符合条件的工单').waitFor();
    await page.locator('.map-status').getByRole('button', { name: /^重\s?置$/ }).click();
    await expect.poll(() => countText(page)).toContain(`共 ${total} 件`);
    expect(page.url()).not.toContain('status=');
    expect(errors).toEqual([]);
  });
});
