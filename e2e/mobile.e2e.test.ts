/**
 * The grid worker's phone page (/m) in Chromium at 390x844 with a phone user
 * agent, against the real server: a report made offline is queued on the
 * device, survives a reload served by the service worker, and becomes exactly
 * one case when the connection returns; a POST whose answer is lost is sent
 * again under the same Idempotency-Key and still makes one case; the grid's
 * cases, the tasks and a case's actions work on the phone.
 *
 *   flock -s /tmp/zhili-web.lock npx vitest run --config e2e/vitest.config.ts e2e/mobile.e2e.test.ts
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CHROMIUM, PHONE, apiContext, ensureWebBuilt, hasChromium, launch, openPage, shot, startServer, type RunningServer, type TestPage } from './harness.ts';
import { PASSWORD } from './fixtures.ts';

if (!hasChromium) console.warn(`\n[e2e] SKIPPED: Chromium not found at ${CHROMIUM}.\n`);

const ANDROID_UA =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36';
// A point inside 东茅岭社区第一网格 (the fixture grid worked by `gridworker`).
const HERE = { latitude: 29.3652, longitude: 113.1047, accuracy: 18 };

// A small but real PNG (8x8, red), so the server's magic-byte check and the thumbnails both see an image.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEklEQVR4nGP4z8CAFWEXHbQSACj/P8Fu7N9hAAAAAElFTkSuQmCC',
  'base64',
);

interface ApiCase {
  id: string;
  no: string;
  description: string;
  channel: string;
  status: string;
  location: { gridId: string | null; lng: number | null; lat: number | null; address: string | null };
}

describe.skipIf(!hasChromium)('grid worker phone page (Chromium, 390 px)', () => {
  let server: RunningServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let admin: Awaited<ReturnType<typeof apiAs>>;

  async function apiAs(username: string) {
    const ctx = await apiContext(browser, contexts, server.url, username);
    return {
      get: async <T = any>(path: string): Promise<T> => {
        const r = await ctx.request.get(server.url + path);
        if (!r.ok()) throw new Error(`GET ${path}: ${r.status()} ${await r.text()}`);
        return r.json();
      },
      post: async (path: string, data: unknown) => {
        const r = await ctx.request.post(server.url + path, { data });
        return { status: r.status(), json: await r.json().catch(() => null) };
      },
    };
  }

  /** Cases whose description is exactly this text, as the administrator sees them. */
  async function casesWith(description: string): Promise<ApiCase[]> {
    const list = await admin.get<{ items: ApiCase[] }>('/api/cases?channel=grid&limit=200');
    return list.items.filter((c) => c.description === description);
  }

  const phone = (): Promise<TestPage> => openPage(browser, contexts, { ...PHONE, userAgent: ANDROID_UA, geolocation: HERE, permissions: ['geolocation'] });

  async function signIn(page: Page) {
    await page.goto(`${server.url}/m`);
    await page.waitForURL(/\/login\?next=%2Fm/);
    await page.getByLabel('用户名').fill('gridworker');
    await page.getByLabel('密码').fill(PASSWORD);
    await page.getByRole('button', { name: /登\s*录/ }).click();
    await page.waitForURL(/\/m\/report$/);
  }

  /** Waits until the service worker controls the page and holds every bundle the page loaded. */
  async function waitForOfflineShell(page: Page) {
    await expect
      .poll(
        () =>
          page.evaluate(async () => {
            if (!navigator.serviceWorker.controller) return 'no controller';
            const loaded = performance
              .getEntriesByType('resource')
              .map((e) => new URL(e.name).pathname)
              .filter((p) => p.startsWith('/assets/'));
            const names = await caches.keys();
            const cached = new Set<string>();
            for (const n of names) for (const r of await (await caches.open(n)).keys()) cached.add(new URL(r.url).pathname);
            const missing = loaded.filter((p) => !cached.has(p));
            if (!cached.has('/index.html')) return 'no shell';
            return missing.length ? `missing ${missing.join(', ')}` : 'ready';
          }),
        { timeout: 30_000, interval: 250 },
      )
      .toBe('ready');
  }

  async function fillReport(page: Page, description: string) {
    await page.getByLabel('情况描述').fill(description);
    await page.locator('[data-testid="photo-camera"]').setInputFiles({ name: 'scene.png', mimeType: 'image/png', buffer: PNG });
    await expect.poll(() => page.locator('.m-thumb img').count()).toBe(1);
  }

  beforeAll(async () => {
    ensureWebBuilt();
    server = await startServer();
    browser = await launch();
    admin = await apiAs('admin');
    // Cases in the worker's grid, one of them dispatched to the worker's unit (a task).
    const op = await apiAs('operator');
    const units = await admin.get<{ id: string; code: string }[]>('/api/units');
    const street = units.find((u) => u.code === 'JD-430602005')!;
    const made: string[] = [];
    for (const [i, c] of [
      { title: '东茅岭路井盖缺失', description: '东茅岭路 18 号门前井盖缺失，夜间行人有跌落危险。', type: 'report', categoryCode: '0101', urgency: 'urgent' },
      { title: '垃圾清运不及时', description: '东茅岭社区 5 栋旁垃圾桶满溢两天无人清运，气味很大。', type: 'complaint', categoryCode: '0102', urgency: 'normal' },
      { title: '楼道堆放杂物', description: '东茅岭社区 2 栋楼道堆满杂物，堵住消防通道。', type: 'report', categoryCode: '0201', urgency: 'normal' },
    ].entries()) {
      const r = await op.post('/api/cases', {
        ...c,
        reporter: { name: '刘先生', phone: '13712345678' },
        location: { address: `东茅岭社区 ${i + 2} 栋`, lng: 113.102 + i * 0.002, lat: 29.362 + i * 0.002 },
      });
      expect(r.status, JSON.stringify(r.json)).toBe(201);
      made.push(r.json.id);
    }
    const d = await apiAs('dispatcher');
    const r = await d.post(`/api/cases/${made[0]}/dispatch`, { leadUnitId: street.id, comment: '请网格员到现场核实处置' });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
  });

  it('serves the manifest, the icons and the service worker', async () => {
    const m = await fetch(`${server.url}/manifest.webmanifest`);
    expect(m.status).toBe(200);
    const manifest = await m.json();
    expect(manifest).toMatchObject({ start_url: '/m', display: 'standalone' });
    for (const icon of manifest.icons as { src: string; type: string }[]) {
      const r = await fetch(server.url + icon.src);
      expect(r.status, icon.src).toBe(200);
      expect(r.headers.get('content-type'), icon.src).toContain(icon.type.split('+')[0]);
    }
    const sw = await fetch(`${server.url}/sw.js`);
    expect(sw.status).toBe(200);
    expect(sw.headers.get('content-type')).toMatch(/javascript/);
    expect(await (await fetch(`${server.url}/m`)).text()).toContain('rel="manifest"');
  });

  it('queues a report made offline, keeps it over a reload, and sends it exactly once when back online', async () => {
    const { ctx, page, errors } = await phone();
    await signIn(page);
    await waitForOfflineShell(page);

    // GPS with its accuracy, and the grid and address from the point.
    await expect.poll(() => page.getByTestId('gps-value').textContent()).toContain('±18 米');
    await expect.poll(() => page.getByTestId('place').textContent()).toContain('东茅岭社区第一网格');
    await expect.poll(() => page.getByLabel('地址', { exact: true }).inputValue()).toContain('东茅岭社区');

    const description = `东茅岭社区 7 栋门口路灯杆倾斜，随时可能倒下（离线 ${Date.now() % 1_000_000}）`;
    await ctx.setOffline(true);
    await page.getByText('当前离线').first().waitFor();
    await page.locator('.m-types').getByText('求助', { exact: true }).click();
    await fillReport(page, description);
    await shot(page, 'mobile-report');
    await page.getByRole('button', { name: '保存，有网时发送' }).click();
    await page.getByTestId('report-queued').waitFor();
    // The form is ready for the next report.
    await expect.poll(() => page.getByLabel('情况描述').inputValue()).toBe('');

    await page.getByRole('link', { name: /我$/ }).click();
    await page.waitForURL(/\/m\/me$/);
    const item = page.getByTestId('queue-item');
    await expect.poll(() => item.count()).toBe(1);
    await expect.poll(() => item.textContent()).toContain('路灯杆倾斜');
    await expect.poll(() => item.textContent()).toContain('1 张照片');
    await shot(page, 'mobile-queue');

    // Offline reload: the service worker serves the shell, the queue is still on the device.
    await page.reload();
    await expect.poll(() => page.getByTestId('queue-item').count(), { timeout: 20_000 }).toBe(1);
    await page.getByText('离线模式').waitFor();
    expect(await casesWith(description)).toHaveLength(0);

    // A second tab of the same phone, also opened offline from the cache: both see the connection return.
    const tab2 = await ctx.newPage();
    await tab2.goto(`${server.url}/m/me`);
    await expect.poll(() => tab2.getByTestId('queue-item').count(), { timeout: 20_000 }).toBe(1);
    // What the server answered (a request that died with the connection is not an upload).
    let uploads = 0;
    let posts = 0;
    ctx.on('response', (r) => {
      if (r.request().method() !== 'POST') return;
      if (r.url().endsWith('/api/attachments') && r.status() === 201) uploads++;
      if (r.url().endsWith('/api/cases') && r.ok()) posts++;
    });
    ctx.on('requestfailed', (r) => console.log(`[mobile e2e] ${r.method()} ${r.url()} failed: ${r.failure()?.errorText}`));

    // Back online: the `online` event sends it, from one tab only (the Web Lock).
    await ctx.setOffline(false);
    await expect.poll(() => page.getByTestId('queue-item').count(), { timeout: 30_000 }).toBe(0);
    await expect.poll(() => tab2.getByTestId('queue-item').count(), { timeout: 10_000 }).toBe(0);
    await page.getByText('最近已发送').waitFor();
    expect(uploads).toBe(1);
    expect(posts).toBe(1);

    const found = await casesWith(description);
    expect(found).toHaveLength(1);
    const c = await admin.get<ApiCase & { attachments: { mime: string; size: number }[]; type: string }>(`/api/cases/${found[0].id}`);
    expect(c.channel).toBe('grid');
    expect(c.type).toBe('help');
    expect(c.location.gridId).toBeTruthy();
    expect(c.location.lat).toBeCloseTo(HERE.latitude, 4);
    expect(c.attachments).toHaveLength(1);
    expect(c.attachments[0]).toMatchObject({ mime: 'image/png', size: PNG.length });

    // Another round of syncing (the timer, a second tab) changes nothing.
    await page.getByRole('link', { name: /上报$/ }).click();
    await page.getByRole('link', { name: /我$/ }).click();
    await page.waitForTimeout(500);
    expect(await casesWith(description)).toHaveLength(1);
    expect(errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch|net::/.test(e))).toEqual([]);
  });

  it('a lost answer to the POST is retried with the same Idempotency-Key and still makes one case', async () => {
    const { page } = await phone();
    await signIn(page);
    const keys: string[] = [];
    let uploads = 0;
    let lost = 0;
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/api/attachments')) uploads++;
    });
    await page.route('**/api/cases', async (route) => {
      const req = route.request();
      if (req.method() !== 'POST') return route.continue();
      keys.push((await req.allHeaders())['idempotency-key']);
      if (lost === 0) {
        lost++;
        // The request reaches the server and the case is made; the answer never arrives.
        const res = await route.fetch();
        expect(res.status()).toBe(201);
        return route.abort('connectionreset');
      }
      return route.continue();
    });

    const description = `洞庭路东段下水道井盖破损，车辆经过有响声（重试 ${Date.now() % 1_000_000}）`;
    await fillReport(page, description);
    await page.getByRole('button', { name: '提交上报' }).click();
    await page.getByTestId('report-queued').waitFor();
    expect(await casesWith(description)).toHaveLength(1);

    await page.getByRole('link', { name: /我$/ }).click();
    await expect.poll(() => page.getByTestId('queue-item').getAttribute('data-state')).toBe('retry');
    await page.getByRole('button', { name: /立即发送/ }).click();
    await expect.poll(() => page.getByTestId('queue-item').count(), { timeout: 20_000 }).toBe(0);

    expect(keys.length).toBeGreaterThanOrEqual(2);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    // The photo went up once; the retry reused its id.
    expect(uploads).toBe(1);
    const found = await casesWith(description);
    expect(found).toHaveLength(1);
    const c = await admin.get<{ attachments: unknown[] }>(`/api/cases/${found[0].id}`);
    expect(c.attachments).toHaveLength(1);
  });

  it('a refused report stays queued with the error next to the field, and an edit sends it', async () => {
    const { page } = await phone();
    await signIn(page);
    // The server refuses the first POST (as it would a category it no longer has).
    let refused = false;
    await page.route('**/api/cases', async (route) => {
      if (route.request().method() !== 'POST' || refused) return route.continue();
      refused = true;
      return route.fulfill({
        status: 400,
        contentType: 'application/problem+json',
        body: JSON.stringify({ status: 400, title: 'Bad Request', detail: 'invalid', errors: [{ field: 'description', message: '描述需写明具体位置 (say where)' }] }),
      });
    });
    const description = `路面塌陷（校验 ${Date.now() % 1_000_000}）`;
    await page.getByLabel('情况描述').fill(description);
    await page.getByRole('button', { name: '提交上报' }).click();
    await page.getByText('描述需写明具体位置').waitFor();
    await page.getByText('这条上报被服务器退回').waitFor();
    // Nothing typed is lost.
    expect(await page.getByLabel('情况描述').inputValue()).toBe(description);

    // It waits in the queue as refused, with the reason, and is not retried on its own.
    await page.getByRole('link', { name: /我$/ }).click();
    const item = page.getByTestId('queue-item');
    await expect.poll(() => item.getAttribute('data-state')).toBe('invalid');
    await expect.poll(() => item.textContent()).toContain('描述需写明具体位置');
    await page.getByRole('button', { name: /立即发送/ }).click();
    await page.waitForTimeout(300);
    expect(await casesWith(description)).toHaveLength(0);

    // 修改 opens it in the report form, error beside the field.
    await item.getByRole('button', { name: /修\s*改/ }).click();
    await page.waitForURL(/\/m\/report\?edit=/);
    await expect.poll(() => page.getByLabel('情况描述').inputValue()).toBe(description);
    await page.getByText('描述需写明具体位置').waitFor();
    await page.getByLabel('情况描述').fill(`${description}，位置：东茅岭社区 9 栋北侧`);
    await page.getByRole('button', { name: '重新提交' }).click();
    await page.getByTestId('report-sent').waitFor();
    expect(await casesWith(`${description}，位置：东茅岭社区 9 栋北侧`)).toHaveLength(1);
    await page.getByRole('link', { name: /我$/ }).click();
    await expect.poll(() => page.getByTestId('queue-item').count()).toBe(0);
  });

  it('shows the grid’s open cases and the tasks, and accepts and answers a task on the phone', async () => {
    const { page, errors } = await phone();
    await signIn(page);
    await page.getByRole('link', { name: /我的网格$/ }).click();
    await page.getByRole('heading', { name: '东茅岭社区第一网格' }).waitFor();
    await expect.poll(() => page.locator('.m-card').count()).toBeGreaterThanOrEqual(3);
    await page.locator('.m-card', { hasText: '东茅岭路井盖缺失' }).waitFor();
    await shot(page, 'mobile-grid');

    await page.getByRole('link', { name: /待办/ }).click();
    const task = page.locator('.m-card', { hasText: '东茅岭路井盖缺失' });
    await task.waitFor();
    await expect.poll(() => task.textContent()).toContain('已派单');
    await task.click();
    await page.waitForURL(/\/m\/cases\//);
    await page.getByText('东茅岭路 18 号门前井盖缺失').waitFor();
    await page.getByRole('button', { name: /签\s*收/ }).waitFor();
    await shot(page, 'mobile-case');

    await page.getByRole('button', { name: /签\s*收/ }).click();
    const sheet = page.locator('.m-sheet');
    await sheet.getByRole('button', { name: /签\s*收/ }).click();
    await page.locator('.m-section .ant-tag', { hasText: '已签收' }).first().waitFor();

    await page.getByRole('button', { name: /答\s*复/ }).click();
    await sheet.getByLabel('答复内容').fill('已到现场放置警示锥并通知市政补装井盖，现已恢复。');
    await sheet.locator('input[type=file][capture]').setInputFiles({ name: 'fixed.png', mimeType: 'image/png', buffer: PNG });
    await expect.poll(() => sheet.locator('.m-thumb img').count()).toBe(1);
    await sheet.getByRole('button', { name: /答\s*复/ }).click();
    await page.locator('.m-section .ant-tag', { hasText: '已答复' }).first().waitFor();
    await page.locator('.tl-reply', { hasText: '已到现场放置警示锥' }).waitFor();
    expect(errors).toEqual([]);
  });

  it('shrinks a large photo to 1920 px JPEG before queueing, and the server accepts it', async () => {
    const { page } = await phone();
    await signIn(page);
    // A 2400x1800 camera-like picture (gradients and grain), made by the browser as a PNG.
    const big = Buffer.from(
      await page.evaluate(async () => {
        const c = document.createElement('canvas');
        c.width = 2400;
        c.height = 1800;
        const g = c.getContext('2d')!;
        const grad = g.createLinearGradient(0, 0, 2400, 1800);
        grad.addColorStop(0, '#4a7bd0');
        grad.addColorStop(1, '#d9a441');
        g.fillStyle = grad;
        g.fillRect(0, 0, 2400, 1800);
        const img = g.getImageData(0, 0, 2400, 1800);
        for (let i = 0; i < img.data.length; i += 4) {
          const n = (Math.random() - 0.5) * 40;
          img.data[i] += n;
          img.data[i + 1] += n;
          img.data[i + 2] += n;
        }
        g.putImageData(img, 0, 0);
        return c.toDataURL('image/png').split(',')[1];
      }),
      'base64',
    );
    expect(big.length).toBeGreaterThan(1_500_000);
    const description = `东茅岭社区广场地砖大面积松动（大图 ${Date.now() % 1_000_000}）`;
    await page.getByLabel('情况描述').fill(description);
    await page.locator('[data-testid="photo-camera"]').setInputFiles({ name: 'IMG_0001.png', mimeType: 'image/png', buffer: big });
    await expect.poll(() => page.locator('.m-thumb img').evaluate((i: HTMLImageElement) => i.naturalWidth)).toBe(1920);
    await page.getByRole('button', { name: '提交上报' }).click();
    await page.getByTestId('report-sent').waitFor();
    const found = await casesWith(description);
    expect(found).toHaveLength(1);
    const c = await admin.get<{ attachments: { mime: string; size: number; filename: string }[] }>(`/api/cases/${found[0].id}`);
    expect(c.attachments).toHaveLength(1);
    expect(c.attachments[0].mime).toBe('image/jpeg');
    expect(c.attachments[0].filename).toBe('IMG_0001.jpg');
    expect(c.attachments[0].size).toBeLessThan(big.length / 2);
  });

  it('fits 390 px: nothing scrolls sideways on any tab', async () => {
    const { page } = await phone();
    await signIn(page);
    for (const tab of ['/m/report', '/m/grid', '/m/tasks', '/m/me']) {
      await page.goto(server.url + tab);
      await page.waitForLoadState('networkidle');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, tab).toBeLessThanOrEqual(0);
    }
  });
});
