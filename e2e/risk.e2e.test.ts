/**
 * Browser test of the county risk report against the real server: the admin
 * sets up (through the API) four counties of the city, the shipped framework
 * (8 categories, 21 dimensions) and two scored months; a city leader opens the
 * ranking, drills into a county's report and sees its categories, what drives
 * its tier and its trend, and the report prints without the console's frame.
 *
 *   npx vitest run --config e2e/vitest.config.ts e2e/risk.e2e.test.ts
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { CHROMIUM, apiContext, apiLogin, ensureWebBuilt, hasChromium, launch, openPage, shot, startServer, type RunningServer } from './harness.ts';
import { defaultFramework, flatten } from '../src/registers/risk/index.ts';

if (!hasChromium) console.warn(`\n[e2e] SKIPPED: Chromium not found at ${CHROMIUM}.\n`);

const COUNTIES = [['430602', '岳阳楼区'], ['430603', '云溪区'], ['430611', '君山区'], ['430621', '岳阳县']] as const;

describe.skipIf(!hasChromium)('county risk report (Chromium)', () => {
  let server: RunningServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    if (!process.env.REGISTERS_WEB_DIR) ensureWebBuilt();
    server = await startServer(process.env.REGISTERS_WEB_DIR ? { ZHILI_WEB_DIR: process.env.REGISTERS_WEB_DIR } : {});
    browser = await launch();
    const admin = (await apiContext(browser, contexts, server.url, 'admin')).request;
    const ok = async (p: Promise<{ status(): number; text(): Promise<string>; json(): Promise<any> }>) => {
      const r = await p;
      expect(r.status(), await r.text()).toBeLessThan(300);
      return r.json();
    };
    await ok(admin.put(`${server.url}/api/divisions`, { data: COUNTIES.map(([code, name]) => ({ code, name })) }));
    await ok(admin.post(`${server.url}/api/users`, { data: { username: 'cityleader', displayName: '市领导', password: 'zhili2026', roles: ['leader'], scopeCodes: ['4306'] } }));
    const fw = defaultFramework();
    const { id: frameworkId } = await ok(admin.post(`${server.url}/api/risk/frameworks`, { data: fw }));
    const entered = flatten(fw.spec).filter((f) => f.indicator.source === 'entered');
    for (const [k, month] of ['2026-10', '2026-11'].entries()) {
      const period = await ok(admin.post(`${server.url}/api/risk/periods`, { data: { code: month, name: `${month} 县域风险评估`, scopeCode: '4306', startsOn: `${month}-01`, endsOn: `${month}-28`, frameworkId } }));
      // 岳阳楼区 the riskiest both months; the others spread below it.
      const values = COUNTIES.flatMap(([code], c) =>
        entered.map((f, i) => {
          const level = (c === 0 ? 0.9 : 0.2 + 0.2 * c - 0.05 * k) * (0.8 + ((i * 7 + c) % 5) * 0.05);
          const n = f.indicator.normalise;
          const x = f.indicator.direction === 'risk' ? level : 1 - level;
          return { divisionCode: code, indicatorCode: f.indicator.code, value: n.method === 'fixed' ? n.min + x * (n.max - n.min) : Math.round(x * 50) };
        }),
      );
      await ok(admin.put(`${server.url}/api/risk/periods/${period.id}/values`, { data: { values } }));
      await ok(admin.post(`${server.url}/api/risk/periods/${period.id}/compute`, { data: {} }));
      const run = await ok(admin.post(`${server.url}/api/risk/periods/${period.id}/score`, { data: {} }));
      expect(run.scored).toBe(4);
    }
  }, 180_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
  });

  it('a leader opens the ranking, drills into a county report, sees categories, drivers and trend', async () => {
    const { ctx, page, errors } = await openPage(browser, contexts);
    await apiLogin(ctx, server.url, 'cityleader');
    await page.goto(`${server.url}/risk`);
    await page.getByRole('heading', { name: '风险评估' }).waitFor();
    const ranking = page.getByTestId('risk-ranking');
    await ranking.getByText('岳阳县').waitFor();
    const rows = ranking.locator('tbody tr.ant-table-row');
    expect(await rows.count()).toBe(4);
    // The latest scored month is shown; 岳阳楼区 ranks first, in tier 1.
    const first = rows.first();
    expect(await first.innerText()).toContain('岳阳楼区');
    expect(await first.innerText()).toContain('一类');
    await shot(page, 'risk-ranking');

    await first.getByRole('link', { name: '岳阳楼区' }).click();
    await page.waitForURL(/\/risk\/periods\/[^/]+\/counties\/430602$/);
    const report = page.getByTestId('risk-report');
    await report.getByRole('heading', { name: /岳阳楼区 · 县域风险评估报告/ }).waitFor();
    expect(await page.getByTestId('risk-tier').innerText()).toBe('一类');
    const categories = page.getByTestId('risk-categories');
    for (const name of ['政治安全', '打击违法犯罪', '社会治安防控', '道路交通安全', '公共安全', '基层社会治理', '网络安全', '警务保障']) await categories.getByText(name, { exact: true }).waitFor();
    const drivers = page.getByTestId('risk-drivers').locator('li');
    expect(await drivers.count()).toBeGreaterThanOrEqual(3);
    expect(await drivers.first().innerText()).toMatch(/贡献 \d+\.\d{2} 分/);
    const trend = page.getByTestId('risk-trend').locator('tbody tr.ant-table-row');
    expect(await trend.count()).toBe(2);
    expect(await trend.first().innerText()).toContain('2026-10');
    expect(await trend.last().innerText()).toContain('2026-11');

    // Printed, the console's menu and the buttons go; the report stays.
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.ant-layout-sider').first().isVisible().catch(() => false)).toBe(false);
    expect(await page.getByRole('button', { name: '打印报告' }).isVisible()).toBe(false);
    expect(await report.isVisible()).toBe(true);
    await page.emulateMedia({ media: 'screen' });
    await shot(page, 'risk-report');
    expect(errors).toEqual([]);
  });
});
