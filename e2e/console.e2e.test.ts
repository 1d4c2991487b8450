/**
 * Browser tests of the web console against the real server (PGlite), driven
 * through Debian's Chromium. Screenshots of each page land in e2e/screenshots/.
 *
 *   npm run e2e
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { CHROMIUM, DESKTOP, PHONE, apiContext, apiLogin, chooseOption, ensureWebBuilt, hasChromium, launch, openPage, shot, startServer, tabTo, type RunningServer, type TestPage } from './harness.ts';
import { PASSWORD, SAMPLE_CASES, sampleCaseBody } from './fixtures.ts';

if (!hasChromium) {
  console.warn(
    `\n[e2e] SKIPPED: Chromium not found at ${CHROMIUM}. Install it with \`apt-get install -y chromium\` (Debian) or set CHROMIUM_PATH, then run \`npm run e2e\`.\n`,
  );
}

// A 1x1 PNG for the reply attachment.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

describe.skipIf(!hasChromium)('web console (Chromium)', () => {
  let server: RunningServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  const newPage = (opts: object = DESKTOP): Promise<TestPage> => openPage(browser, contexts, opts);

  /** JSON API calls as a signed-in user, through a browser context's cookie jar. */
  async function apiAs(username: string) {
    const ctx = await apiContext(browser, contexts, server.url, username);
    return {
      get: async (path: string) => (await ctx.request.get(server.url + path)).json(),
      post: async (path: string, data: unknown, headers?: Record<string, string>) => {
        const r = await ctx.request.post(server.url + path, { data, headers });
        return { status: r.status(), json: await r.json().catch(() => null) };
      },
    };
  }

  beforeAll(async () => {
    ensureWebBuilt();
    server = await startServer();
    browser = await launch();
    // Background cases so the queues and the map have something to show.
    const op = await apiAs('operator');
    for (const c of SAMPLE_CASES) {
      const r = await op.post('/api/cases', sampleCaseBody(c));
      expect(r.status, JSON.stringify(r.json)).toBe(201);
    }
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
  });

  it('serves the console at / and falls back to index.html for client routes', async () => {
    for (const path of ['/', '/queues', '/cases/20260101000001', '/portal/new']) {
      const r = await fetch(server.url + path);
      expect(r.status, path).toBe(200);
      expect(await r.text()).toContain('<div id="root">');
    }
    const api = await fetch(`${server.url}/api/nothing-here`);
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toContain('problem+json');
  });

  it('an operator signs in, registers a call from the keyboard alone, dispatches it and opens it', async () => {
    const { page, errors } = await newPage();
    await page.goto(`${server.url}/intake`);
    // Not signed in: the guard sends us to sign in, then back.
    await page.waitForURL(/\/login/);
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('username');
    await shot(page, '01-login');
    await page.keyboard.type('operator');
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/intake$/);

    // The caller's name has the focus; everything else by Tab and hotkeys.
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('reporter_name');
    await page.keyboard.type('王女士');
    await page.keyboard.press('Tab');
    await page.keyboard.type('13900001111');
    await page.keyboard.press('Alt+3'); // 投诉 complaint
    await page.keyboard.press('Alt+U'); // urgent
    await tabTo(page, '#category');
    await page.keyboard.type('路灯');
    await page.waitForSelector('.ant-cascader-menu-item:has-text("路灯照明")');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await tabTo(page, '#description');
    const title = `南湖大道路灯不亮 ${Date.now() % 100000}`;
    await page.keyboard.type(`${title}。南湖大道与青年中路交叉口往东约200米，一排路灯已经一周不亮，晚上很黑，存在安全隐患。`);
    await tabTo(page, '#location_address');
    await page.keyboard.type('岳阳楼区南湖大道与青年中路交叉口');
    // Alt+M opens the map; a click in a grid sets the point (the one mouse step, and optional).
    await page.keyboard.press('Alt+M');
    await page.locator('.pick-map .leaflet-interactive').first().click();
    await page.locator('.coords', { hasText: '坐标' }).waitFor();
    expect(await page.locator('.type-radios .ant-radio-button-wrapper-checked').innerText()).toContain('投诉');
    expect(await page.locator('.urgent-radio').getAttribute('class')).toContain('checked');
    // Suggestions arrive beside the form as the call is typed (POST /api/dispatch/suggest).
    const panel = page.getByRole('complementary', { name: '受理辅助' });
    await panel.getByRole('region', { name: '承办单位建议' }).waitFor();
    await shot(page, '02-intake-filled');
    await shot(page, 'intake');

    // Ctrl+Enter twice in a row: one case (the form guards, the Idempotency-Key makes sure).
    await page.keyboard.press('Control+Enter');
    await page.keyboard.press('Control+Enter');
    const noEl = page.getByTestId('created-no');
    await noEl.waitFor();
    const no = (await noEl.innerText()).trim();
    expect(no).toMatch(/^\d{14}$/);
    const op = await apiAs('operator');
    const found = await op.get(`/api/cases?q=${encodeURIComponent(title.split(' ')[1])}`);
    expect(found.items).toHaveLength(1);
    expect(found.items[0]).toMatchObject({ no, type: 'complaint', urgency: 'urgent', categoryCode: '0101', title });
    expect(found.items[0].location.gridName).toMatch(/网格$/);

    // Dispatch now: the unit picker has the focus.
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('leadUnitId');
    await page.keyboard.type('城管');
    await page.waitForSelector('.ant-select-item-option:has-text("岳阳楼区城管局")');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    await page.keyboard.type('请尽快修复');
    await shot(page, '03-intake-created');
    await page.keyboard.press('Enter');
    await page.getByText('已派至 岳阳楼区城管局').waitFor();

    // The case detail: fields, timeline and the actions this operator may take now.
    await page.getByRole('link', { name: '详情' }).click();
    await page.waitForURL(new RegExp(`/cases/${no}$`));
    await page.locator('.timeline-card').getByText('派单', { exact: true }).waitFor();
    await expect.poll(() => page.locator('.case-head').innerText()).toContain('已派单');
    expect(await page.locator('.timeline-card').innerText()).toContain('请尽快修复');
    const actions = await page.locator('[data-action]').evaluateAll((els) => els.map((e) => e.getAttribute('data-action')));
    expect(actions).toEqual(expect.arrayContaining(['dispatch', 'urge', 'cancel', 'note']));
    expect(actions).not.toContain('accept');
    await shot(page, '04-case-detail');
    await shot(page, 'case-detail');

    // The queue shows it under 待签收, with counts on the tabs.
    await page.goto(`${server.url}/queues?tab=toaccept`);
    await page.getByRole('link', { name: no }).waitFor();
    await shot(page, '05-queues-toaccept');
    await page.goto(`${server.url}/queues`);
    await page.locator('.ant-table-row').first().waitFor();
    expect(await page.locator('.ant-table-row').count()).toBe(SAMPLE_CASES.length);
    // The queue counts come from the server (withTotal) and each row's deadline counts down.
    expect(await page.locator('.ant-tabs-tab-active .ant-badge').innerText()).toBe(String(SAMPLE_CASES.length));
    await shot(page, '06-queues-todispatch');
    await shot(page, 'queues');

    // The map: grids and dots.
    await page.goto(`${server.url}/map`);
    await page.locator('.leaflet-interactive').first().waitFor();
    await page.locator('.map-dot, .map-cluster').first().waitFor();
    // Every case is on the map: as a dot, or counted in a cluster when points lie close together.
    const onMap = () =>
      page.evaluate(
        () =>
          document.querySelectorAll('.map-dot').length +
          [...document.querySelectorAll('.map-cluster span')].reduce((n, el) => n + (Number(el.textContent) || 0), 0),
      );
    await expect.poll(onMap, { timeout: 15_000 }).toBeGreaterThanOrEqual(SAMPLE_CASES.length);
    await shot(page, '07-map', false);

    expect(errors).toEqual([]);
  });

  it('bulk dispatch sends several cases and reports each one', async () => {
    const { ctx, page, errors } = await newPage();
    await apiLogin(ctx, server.url, 'dispatcher');
    await page.goto(`${server.url}/queues?tab=todispatch`);
    await page.locator('.ant-table-row').first().waitFor();
    const boxes = page.locator('.ant-table-row .ant-checkbox-input');
    await boxes.nth(0).check();
    await boxes.nth(1).check();
    await page.getByRole('button', { name: /批量派单/ }).click();
    const dialog = page.getByRole('dialog');
    await chooseOption(page, dialog, '#leadUnitId', '住建', '岳阳楼区住建局');
    await dialog.getByRole('button', { name: /派\s*单/ }).click();
    await dialog.locator('.bulk-results li:has-text("已派单")').nth(1).waitFor();
    await shot(page, '08-bulk-dispatch', false);
    await dialog.getByRole('button', { name: /完\s*成/ }).click();
    await expect.poll(() => page.locator('.ant-table-row').count()).toBe(SAMPLE_CASES.length - 2);
    expect(errors).toEqual([]);
  });

  it('closed loop: a citizen submits on the portal, the operator dispatches, the handler replies, the operator verifies and closes, the citizen rates', async () => {
    const phone = '13700002222';
    // --- citizen on a phone ---
    const citizen = await newPage({ ...PHONE, permissions: ['geolocation'], geolocation: { latitude: 29.3655, longitude: 113.1052 } });
    await citizen.page.goto(`${server.url}/portal`);
    await citizen.page.getByRole('textbox', { name: '手机号', exact: true }).fill(phone);
    await citizen.page.getByRole('button', { name: '获取验证码' }).click();
    const code = await server.otpFor(phone);
    await citizen.page.getByRole('textbox', { name: '验证码', exact: true }).fill(code);
    await shot(citizen.page, '10-portal-signin');
    await citizen.page.getByRole('button', { name: /登\s*录/ }).click();
    await citizen.page.getByRole('button', { name: /我要反映/ }).click();
    await citizen.page.getByText('投诉', { exact: true }).click();
    await citizen.page.getByLabel('问题描述').fill('小区门口下水道堵塞，污水漫到人行道上，气味很大，已经三天了。');
    await citizen.page.getByLabel('详细地址').fill('岳阳楼区东茅岭社区3栋门口');
    await citizen.page.getByRole('button', { name: /使用当前位置/ }).click();
    await citizen.page.getByText('已定位: 113.1052, 29.3655').waitFor();
    await citizen.page.locator('input[type=file]').setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: PNG });
    await citizen.page.locator('.ant-upload-list-item-done, .ant-upload-list-item-container:has(img)').first().waitFor();
    await shot(citizen.page, '11-portal-new');
    await citizen.page.getByRole('button', { name: /提\s*交/ }).click();
    const noEl = citizen.page.getByTestId('portal-no');
    await noEl.waitFor();
    const no = (await noEl.innerText()).trim();
    await shot(citizen.page, '12-portal-submitted');

    // --- operator dispatches it from the detail page ---
    const operator = await newPage();
    await apiLogin(operator.ctx, server.url, 'operator');
    await operator.page.goto(`${server.url}/queues`);
    await operator.page.getByRole('link', { name: no }).click();
    // The dialog asks for suggestions as it opens; their hint appears above the form and moves
    // the buttons, so act once it is there (a loaded machine answers late, and a click would miss).
    const suggested = operator.page.waitForResponse((r) => r.url().includes('/api/dispatch/suggest'));
    await operator.page.locator('[data-action=dispatch]').click();
    const dlg = operator.page.getByRole('dialog');
    await suggested;
    await dlg.getByTestId('hint-unit').first().waitFor({ timeout: 5_000 }).catch(() => undefined);
    await chooseOption(operator.page, dlg, '#leadUnitId', '城管', '岳阳楼区城管局');
    await dlg.getByLabel('派单意见').fill('请三日内处理并回复');
    await shot(operator.page, '13-dispatch-modal', false);
    const posted: string[] = [];
    operator.page.on('response', (r) => {
      if (r.request().method() === 'POST') posted.push(`${r.status()} ${new URL(r.url()).pathname}`);
    });
    await dlg.getByRole('button', { name: /派\s*单/ }).click();
    await dlg.waitFor({ state: 'hidden' }).catch(async (e) => {
      // Say why the dialog stayed: what it shows (a banner, a field error), what was posted, what the server logged.
      await shot(operator.page, 'failed-dispatch', false);
      throw new Error(
        `the dispatch dialog stayed open.\ndialog: ${await dlg.innerText().catch(() => '?')}\nposted: ${posted.join(', ')}\nserver: ${server.lines.slice(-20).join('\n')}`,
        { cause: e },
      );
    });
    await operator.page.locator('.case-head').getByText('已派单').waitFor();

    // --- handler accepts and replies with a photo ---
    const handler = await newPage();
    await apiLogin(handler.ctx, server.url, 'handler');
    await handler.page.goto(`${server.url}/queues`);
    await handler.page.getByRole('link', { name: no }).click();
    await handler.page.locator('[data-action=accept]').click();
    await handler.page.getByRole('dialog').getByRole('button', { name: /签\s*收/ }).click();
    await handler.page.locator('.case-head').getByText('已签收').waitFor();
    await handler.page.locator('[data-action=reply]').click();
    const reply = handler.page.getByRole('dialog');
    await reply.getByLabel('答复内容').fill('已安排疏通下水道，现场已清理干净。');
    await reply.locator('input[type=file]').setInputFiles({ name: 'after.png', mimeType: 'image/png', buffer: PNG });
    await reply.locator('.ant-upload-list-item-done').first().waitFor();
    await shot(handler.page, '14-reply-modal', false);
    await reply.getByRole('button', { name: /答\s*复/ }).click();
    await handler.page.locator('.case-head').getByText('已答复').waitFor();
    await handler.page.locator('.attachments img').first().waitFor();
    await shot(handler.page, '15-case-replied');

    // --- optimistic concurrency: a stale page reloads behind the dialog, which keeps what was typed ---
    await operator.page.locator('[data-action=urge]').click();
    const urge = operator.page.getByRole('dialog');
    await urge.getByLabel('催办意见').fill('请加快处理');
    await urge.getByRole('button', { name: /催\s*办/ }).click();
    await urge.getByText(/工单已被他人处理或修改/).waitFor();
    expect(await urge.getByLabel('催办意见').inputValue()).toBe('请加快处理');
    await operator.page.locator('.case-head').getByText('已答复').waitFor();
    await urge.getByRole('button', { name: /取\s*消/ }).click();
    await urge.waitFor({ state: 'hidden' });

    // --- operator verifies and closes ---
    await operator.page.locator('[data-action=verify]').click();
    await operator.page.getByRole('dialog').getByLabel('回访情况').fill('电话回访，群众确认已解决');
    await operator.page.getByRole('dialog').getByRole('button', { name: /核查回访/ }).click();
    await operator.page.locator('.case-head').getByText('已核查').waitFor();
    await operator.page.locator('[data-action=close]').click();
    await operator.page.getByRole('dialog').getByRole('button', { name: /办\s*结/ }).click();
    await operator.page.locator('.case-head').getByText('已办结').waitFor();
    await shot(operator.page, '16-case-closed');

    // --- the citizen sees the public timeline and rates ---
    await citizen.page.goto(`${server.url}/portal`);
    await citizen.page.getByText('待您评价').waitFor();
    await shot(citizen.page, '17-portal-list');
    await citizen.page.locator('.portal-item').first().click();
    await citizen.page.getByText('已安排疏通下水道').first().waitFor();
    const timeline = await citizen.page.locator('.ant-timeline').innerText();
    expect(timeline).not.toContain('李接线'); // the public timeline names units, not staff
    await citizen.page.locator('.rate-card .ant-rate-star').nth(4).click();
    await citizen.page.getByLabel('意见（可选）').fill('处理很及时，谢谢！');
    await shot(citizen.page, '18-portal-rate');
    await citizen.page.getByRole('button', { name: '提交评价' }).click();
    await citizen.page.getByText('我的评价').waitFor();
    await shot(citizen.page, '19-portal-rated');

    const op = await apiAs('operator');
    const c = await op.get(`/api/cases/${no}`);
    expect(c).toMatchObject({ status: 'rated', rating: 5, solved: true, channel: 'web' });
    expect(c.timeline.map((e: { action: string }) => e.action)).toEqual(['create', 'dispatch', 'accept', 'reply', 'verify', 'close', 'rate']);
    expect(citizen.errors).toEqual([]);
    expect(handler.errors).toEqual([]);
    // The one 409 is the stale urge above, answered by design.
    expect(operator.errors.filter((e) => !/status of 409/.test(e))).toEqual([]);
  });

  it('shows server validation errors next to the field and keeps the input', async () => {
    const { ctx, page, errors } = await newPage();
    await apiLogin(ctx, server.url, 'operator');
    await page.goto(`${server.url}/intake`);
    await page.locator('#reporter_name').waitFor();
    // Client-side: a description is required.
    await page.keyboard.press('Control+Enter');
    await page.locator('#description_help, .ant-form-item-explain-error').first().waitFor();
    // Server-side: an unknown category is refused by the API; its message sits under the category.
    await page.route('**/api/cases', (route) =>
      route.fulfill({
        status: 422,
        contentType: 'application/problem+json',
        body: JSON.stringify({ status: 422, title: 'Unprocessable Content', detail: 'reporter.phone: bad', errors: [{ field: 'reporter.phone', message: '电话号码格式不正确 (server)' }] }),
      }),
    );
    await page.locator('#description').fill('测试服务端校验错误显示在字段旁边');
    await page.keyboard.press('Control+Enter');
    await page.locator('.ant-form-item-explain-error', { hasText: '电话号码格式不正确 (server)' }).waitFor();
    expect(await page.locator('#description').inputValue()).toBe('测试服务端校验错误显示在字段旁边');
    await shot(page, '09-intake-server-error', false);
    expect(errors.filter((e) => !/422/.test(e))).toEqual([]);
  });

  it('switches the console to English', async () => {
    const { ctx, page } = await newPage();
    await apiLogin(ctx, server.url, 'handler');
    await page.goto(`${server.url}/queues`);
    await page.getByText('EN', { exact: true }).click();
    await page.getByRole('heading', { name: 'Work queues' }).waitFor();
    await page.getByRole('tab', { name: /To accept/ }).waitFor();
    await shot(page, '20-queues-english', false);
  });
});
