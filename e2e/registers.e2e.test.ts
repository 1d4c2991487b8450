/**
 * Browser tests of the registers' workbenches against the real server: the
 * mediator registers a dispute, records a session and resolves it with an
 * agreement; the petition officer registers a petition and accepts it.
 *
 *   npm run e2e -- registers   (REGISTERS_WEB_DIR: a console build to serve; default web/dist)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { CHROMIUM, apiContext, apiLogin, ensureWebBuilt, hasChromium, launch, openPage, shot, startServer, type RunningServer } from './harness.ts';

if (!hasChromium) console.warn(`\n[e2e] SKIPPED: Chromium not found at ${CHROMIUM}.\n`);

describe.skipIf(!hasChromium)('registers workbenches (Chromium)', () => {
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

  it('the mediator registers a dispute, records a session and resolves it with an agreement', async () => {
    const { ctx, page, errors } = await openPage(browser, contexts);
    await apiLogin(ctx, server.url, 'mediator');
    await page.goto(`${server.url}/disputes`);
    await page.getByRole('heading', { name: '矛盾纠纷排查化解' }).waitFor();
    await page.getByRole('button', { name: /登\s?记/ }).click();
    const form = page.getByRole('dialog');
    await form.getByLabel('类别').click();
    await page.getByTitle('邻里纠纷').click();
    await form.getByLabel('区划代码').fill('430602005001');
    await form.getByLabel('纠纷概况').fill('E2E 楼上装修噪音扰民，双方多次争吵');
    await form.getByLabel('当事人 1').fill('张三');
    await form.getByLabel('当事人 2').fill('李四');
    await form.getByRole('button', { name: /^登\s?记$/ }).click();
    const drawer = page.locator('.ant-drawer');
    await drawer.getByText('E2E 楼上装修噪音扰民，双方多次争吵').waitFor();
    const no = (await drawer.locator('.ant-descriptions-item-content').first().innerText()).trim();
    expect(no).toMatch(/^JF\d{11}$/);

    // The township assigns it to the mediator's committee (another role's step, through the API).
    const township = await apiContext(browser, contexts, server.url, 'township');
    const me = await (await ctx.request.get(`${server.url}/api/auth/me`)).json();
    const a = await township.request.post(`${server.url}/api/disputes/${no}/assign`, { data: { orgKind: 'people_committee', orgName: '东茅岭街道人民调解委员会', mediatorIds: [me.id] } });
    expect(a.status(), await a.text()).toBe(200);

    await page.reload();
    await page.getByText('E2E 楼上装修噪音扰民，双方多次争吵').click();
    await drawer.getByRole('button', { name: '调解记录' }).click();
    let dialog = page.getByRole('dialog').last();
    await dialog.getByLabel('调解记录').fill('双方同意晚8点后停止施工');
    await dialog.getByRole('button', { name: /OK|确\s?定/ }).click();
    await drawer.getByText('调解中').first().waitFor();
    await drawer.getByRole('button', { name: /^化\s?解$/ }).click();
    dialog = page.getByRole('dialog').last();
    await dialog.getByLabel('化解方式').click();
    await page.getByTitle('达成调解协议').click();
    await dialog.getByLabel('协议内容').fill('晚8点后不施工；赔偿500元');
    await dialog.getByRole('button', { name: /OK|确\s?定/ }).click();
    await drawer.getByText('已化解').first().waitFor();
    await drawer.getByRole('link', { name: '打印调解协议书' }).waitFor();
    await shot(page, 'registers-disputes');
    expect(errors).toEqual([]);
  });

  it('the petition officer registers a petition and accepts it with the written notice', async () => {
    const { ctx, page, errors } = await openPage(browser, contexts);
    await apiLogin(ctx, server.url, 'xinfang');
    await page.goto(`${server.url}/petitions`);
    await page.getByRole('heading', { name: '信访' }).waitFor();
    await page.getByRole('button', { name: '信访登记' }).click();
    const form = page.getByRole('dialog');
    await form.getByLabel('事项类别').fill('征地拆迁');
    await form.getByLabel('区划代码').fill('430602005');
    await form.getByLabel('信访事项').fill('E2E 反映征收补偿标准过低，要求重新评估');
    await form.getByLabel('信访人 1').fill('周大');
    await form.getByRole('button', { name: /OK|确\s?定/ }).click();
    const drawer = page.locator('.ant-drawer');
    await drawer.getByText('E2E 反映征收补偿标准过低，要求重新评估').waitFor();
    await drawer.getByRole('button', { name: /^受\s?理$/ }).click();
    const dialog = page.getByRole('dialog').last();
    await dialog.getByLabel('受理告知书').fill('您反映的问题已受理，转区住建局办理。');
    await dialog.getByRole('button', { name: /OK|确\s?定/ }).click();
    await drawer.getByText('已受理').first().waitFor();
    await drawer.getByText(/剩余/).first().waitFor();
    await shot(page, 'registers-petitions');
    expect(errors).toEqual([]);
  });

  it('the leader sees the registers on the dashboard and drills into a division', async () => {
    const { ctx, page, errors } = await openPage(browser, contexts);
    await apiLogin(ctx, server.url, 'leader');
    await page.goto(`${server.url}/dashboard?p=year`);
    const card = page.locator('.ant-card').filter({ hasText: '矛盾纠纷排查化解' });
    await card.waitFor();
    await page.locator('.ant-card').filter({ hasText: '及时受理率' }).waitFor();
    await card.locator('tbody tr').first().click();
    await page.waitForURL(/div=\d+/);
    await shot(page, 'registers-dashboard');
    expect(errors).toEqual([]);
  });
});
