/**
 * The rule admin pages in Chromium against the real server: categories,
 * time-limit policies with the deadline calculator, holidays, the
 * responsibility list's "test a text", and the knowledge base.
 *
 *   flock -s /tmp/zhili-web.lock npx vitest run --config e2e/vitest.config.ts e2e/admin-rules.e2e.test.ts
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CHROMIUM, DESKTOP, ensureWebBuilt, hasChromium, launch, openPage, shot, signIn, startServer, type RunningServer } from './harness.ts';
import { PASSWORD } from './fixtures.ts';

if (!hasChromium) console.warn(`\n[e2e] SKIPPED: Chromium not found at ${CHROMIUM}.\n`);

describe.skipIf(!hasChromium)('rule admin pages (Chromium)', () => {
  let server: RunningServer;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    ensureWebBuilt();
    server = await startServer();
    browser = await launch();
    // 1366 px: the narrowest console screen the pages must work on.
    ({ ctx, page, errors } = await openPage(browser, [], { ...DESKTOP, viewport: { width: 1366, height: 900 } }));
  });
  afterEach(async (c) => {
    // A failed step leaves a picture of what the page showed.
    if (c.task.result?.state === 'fail' && page) await shot(page, `admin-rules-failed-${c.task.name.slice(0, 20).replace(/\W+/g, '_')}`).catch(() => undefined);
  });
  afterAll(async () => {
    await ctx?.close();
    await browser?.close();
    await server?.stop();
  });

  const pickOption = async (text: string) => {
    const opt = page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: text }).first();
    await opt.waitFor();
    await opt.click();
  };

  it('an admin signs in and adds a category under 城乡建设', async () => {
    await page.goto(`${server.url}/admin/categories`);
    await signIn(page, 'admin', PASSWORD);
    await page.waitForURL(/\/admin\/categories$/);

    await page.locator('[data-code="01"]').click();
    await page.getByRole('button', { name: '添加子类' }).click();
    const dlg = page.getByRole('dialog');
    // The next free code under 01 is proposed.
    await expect.poll(() => dlg.getByLabel('本级代码（2 位数字）').inputValue()).toBe('13');
    await dlg.getByLabel('名称').fill('井盖破损');
    await dlg.getByRole('button', { name: '添 加' }).or(dlg.getByRole('button', { name: '添加' })).click();
    await page.locator('[data-code="0113"]').waitFor();
    // Selected after adding: its details and the policy it gets by default.
    await expect.poll(() => page.locator('.ant-card-head-title').filter({ hasText: '井盖破损' }).count()).toBeGreaterThan(0);
    await page.getByText('默认 default').first().waitFor();
    await expect.poll(() => page.locator('#category_name').inputValue()).toBe('井盖破损');
    // Rename it: the form holds the chosen category, not the one chosen before.
    await page.locator('#category_name').fill('井盖破损丢失');
    await page.getByRole('button', { name: /保\s*存/ }).click();
    await page.locator('[data-code="0113"]', { hasText: '井盖破损丢失' }).waitFor();
    const cats = await (await ctx.request.get(`${server.url}/api/categories`)).json();
    expect(cats.find((c: any) => c.code === '0113')).toMatchObject({ name: '井盖破损丢失', parentCode: '01', active: true });
    // Another category fills the form with its own values.
    await page.locator('[data-code="0101"]').click();
    await expect.poll(() => page.locator('#category_name').inputValue()).toBe('路灯照明');
    await page.locator('[data-code="0113"]').click();
    await expect.poll(() => page.locator('#category_name').inputValue()).toBe('井盖破损丢失');
    await shot(page, 'admin-categories');
  });

  it('edits a policy, and the deadline calculator gives the new due time', async () => {
    await page.goto(`${server.url}/admin/policies`);
    await page.getByRole('cell', { name: '投诉 complaint', exact: true }).waitFor();
    await page.locator('.ant-select', { has: page.locator('#calc-policy') }).click();
    await pickOption('投诉 complaint');
    const due = page.getByTestId('calc-due');
    await expect.poll(() => page.getByTestId('calc-result').textContent()).toContain('13 个工作日');
    // The previous policy's due time stays on screen until the new one arrives; read it once settled.
    await expect.poll(() => page.getByTestId('calc-result').getAttribute('aria-busy')).toBe('false');
    const before = await due.textContent();
    expect(before).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);

    await page.getByRole('button', { name: '编辑 投诉 complaint' }).click();
    const drawer = page.locator('.ant-drawer-content');
    const reply = drawer.getByLabel('办理时限');
    await expect.poll(() => reply.inputValue()).toBe('13d');
    // A malformed limit is caught next to the field, and what was typed stays.
    await reply.fill('5 天');
    await drawer.getByRole('button', { name: /保\s*存/ }).click();
    await drawer.getByText('格式如 30m、2h、5d').waitFor();
    await reply.fill('5d');
    await drawer.getByRole('button', { name: /保\s*存/ }).click();
    await page.getByText('已保存策略「投诉 complaint」').waitFor();
    await expect.poll(() => page.getByTestId('calc-result').textContent()).toContain('5 个工作日');
    await expect.poll(() => due.textContent()).not.toBe(before);
    const after = await due.textContent();
    expect(after! < before!).toBe(true); // 5 working days end before 13
    // The server computed the same due time.
    const pol = (await (await ctx.request.get(`${server.url}/api/time-limit-policies`)).json()).find((p: any) => p.name === '投诉 complaint');
    expect(pol.replyLimit).toBe('5d');
    await shot(page, 'admin-policies');
  });

  it('marks a day as a holiday on the year calendar', async () => {
    await page.goto(`${server.url}/admin/calendars`);
    const year = new Date().getFullYear();
    // A Wednesday in December that is a plain working day on the shipped calendar.
    const wed = [...Array(7)].map((_, i) => `${year}-12-${String(i + 1).padStart(2, '0')}`).find((d) => new Date(`${d}T12:00:00+08:00`).getUTCDay() === 3)!;
    const cell = page.locator(`[data-day="${wed}"]`);
    await expect.poll(() => cell.getAttribute('data-kind')).toBe('plain');
    // Spring Festival days of the shipped schedule are marked.
    expect(await page.locator('[data-kind="off"]').count()).toBeGreaterThan(10);
    await cell.click();
    const dlg = page.getByRole('dialog');
    await dlg.getByLabel('休：法定节假日 / 放假').check();
    await dlg.getByLabel('备注（如节日名称、依据）').fill('县政府通知：地方假日');
    await dlg.getByRole('button', { name: /保\s*存/ }).click();
    await expect.poll(() => cell.getAttribute('data-kind')).toBe('off');
    await page.getByRole('cell', { name: '县政府通知：地方假日' }).waitFor();
    const days = await (await ctx.request.get(`${server.url}/api/calendars/default/days?year=${year}`)).json();
    expect(days.find((d: any) => d.day === wed)).toEqual({ day: wed, kind: 'off', note: '县政府通知：地方假日' });
    await shot(page, 'admin-calendars');
  });

  it('tests a text against the responsibility list', async () => {
    await page.goto(`${server.url}/admin/responsibilities`);
    await page.getByRole('table').waitFor();
    await page.getByLabel('群众诉求描述').fill('东茅岭路与建湘路交叉口路灯不亮三个晚上了，晚上很黑');
    const division = page.getByRole('combobox', { name: '区划' });
    await division.click();
    await division.fill('东茅岭街道');
    await pickOption('东茅岭街道');
    await page.getByRole('button', { name: /测\s*试/ }).click();
    await expect.poll(() => page.getByTestId('propose-lead').textContent()).toContain('岳阳楼区城管局');
    const result = await page.getByTestId('propose-result').textContent();
    expect(result).toContain('路灯照明');
    expect(result).toContain('路灯'); // the matched word
    expect(result).toMatch(/rule #\d+/);
    // Search the list by matter.
    await page.getByLabel('搜索规则').fill('路灯');
    await page.getByLabel('搜索规则').press('Enter');
    await expect.poll(() => page.locator('.ant-table-row').count()).toBeGreaterThan(0);
    await expect.poll(() => page.locator('.ant-table-tbody').textContent()).toContain('路灯照明');
    await shot(page, 'admin-responsibilities');
  });

  it('creates a knowledge article and finds it by search', async () => {
    await page.goto(`${server.url}/admin/kb`);
    await page.getByRole('button', { name: '新增知识' }).click();
    await page.getByLabel('问题（标题）').fill('窨井盖破损或丢失怎么报修');
    await page.locator('#article_answer').fill('市政道路上的窨井盖破损、丢失，请拨打12345登记，注明具体位置。\n\n- 市政道路：由城管部门负责\n- 小区内部：由物业负责\n\n**危险情况请先设置警示。**');
    await page.getByRole('tab', { name: '预览' }).click();
    await expect.poll(() => page.getByTestId('kb-preview').locator('li').count()).toBe(2);
    await page.getByRole('tab', { name: '编辑' }).click();
    await page.getByRole('button', { name: /新\s*增/ }).last().click();
    await page.getByText('已新增知识').waitFor();
    await page.getByLabel('搜索知识').fill('井盖 报修');
    await page.getByLabel('搜索知识').press('Enter');
    await expect.poll(() => page.getByTestId('kb-item').first().textContent()).toBe('窨井盖破损或丢失怎么报修');
    await shot(page, 'admin-kb');
    expect(errors).toEqual([]);
  });
});
