/**
 * Browser test of the key-person visit flow against the real server: the
 * police file a person with the grid worker on the team (五包一); the grid
 * worker opens the file from the workbench, records a visit, and the visit
 * countdown starts again from now.
 *
 *   npx vitest run --config e2e/vitest.config.ts e2e/keypersons.e2e.test.ts
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { CHROMIUM, apiContext, apiLogin, ensureWebBuilt, hasChromium, launch, openPage, shot, startServer, type RunningServer } from './harness.ts';

if (!hasChromium) console.warn(`\n[e2e] SKIPPED: Chromium not found at ${CHROMIUM}.\n`);

describe.skipIf(!hasChromium)('key persons workbench (Chromium)', () => {
  let server: RunningServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    if (!process.env.REGISTERS_WEB_DIR) ensureWebBuilt();
    server = await startServer(process.env.REGISTERS_WEB_DIR ? { ZHILI_WEB_DIR: process.env.REGISTERS_WEB_DIR } : {});
    browser = await launch();
  }, 180_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
  });

  it('a team member opens the file, records a visit, and the countdown resets', async () => {
    const { ctx, page, errors } = await openPage(browser, contexts);
    await apiLogin(ctx, server.url, 'gridworker');
    const me = await (await ctx.request.get(`${server.url}/api/auth/me`)).json();
    // The police file the person (red: a visit every 7 days), the grid worker on the team.
    const police = await apiContext(browser, contexts, server.url, 'police');
    const filed = await police.request.post(`${server.url}/api/keypersons`, {
      data: {
        person: { name: '易重点', phone: '13712340000' }, categories: ['petitioner'], tier: 'red', divisionCode: '430602005001', address: '东茅岭社区3栋',
        team: [{ role: 'grid_worker', name: '陈网格', userId: me.id }, { role: 'police', name: '吴民警' }],
      },
    });
    expect(filed.status(), await filed.text()).toBe(201);
    const file = await filed.json();
    const before = file.visitDueAt as string;

    await page.goto(`${server.url}/keypersons`);
    await page.getByRole('heading', { name: '重点人员管控' }).waitFor();
    // The list shows the minimum: the masked name, never the full one.
    await page.getByText('易**').waitFor();
    expect(await page.getByText('易重点').count()).toBe(0);
    await page.getByText(file.no).click();
    const drawer = page.locator('.ant-drawer');
    await drawer.getByText('易重点').waitFor();
    const countdown = drawer.getByTestId('visit-countdown');
    await expect.poll(() => countdown.innerText()).toMatch(/剩余/);

    await drawer.getByRole('button', { name: '记录管控措施' }).click();
    const dialog = page.getByRole('dialog').last();
    await dialog.getByLabel('情况记录').fill('入户走访，本人在家，情绪稳定');
    await dialog.getByRole('button', { name: /OK|确\s?定/ }).click();
    await drawer.getByText('入户走访，本人在家，情绪稳定').waitFor();
    await drawer.getByText('摸排走访').first().waitFor();

    // The countdown starts again from the visit: the file's next visit is now a week from now.
    const after = await (await ctx.request.get(`${server.url}/api/keypersons/${file.id}`)).json();
    expect(Date.parse(after.lastVisitAt)).toBeGreaterThan(Date.now() - 120_000);
    expect(Date.parse(after.visitDueAt)).toBeGreaterThanOrEqual(Date.parse(after.lastVisitAt) + 7 * 86_400_000);
    expect(Date.parse(after.visitDueAt)).toBeGreaterThanOrEqual(Date.parse(before));
    await expect.poll(() => countdown.innerText()).toMatch(/剩余 [67]天/);
    await shot(page, 'keypersons-file');
    expect(errors).toEqual([]);
  });
});
