/**
 * The dashboards in Chromium against the real server: a county leader opens
 * 统计分析, reads the headline rates, turns a ranking into its table,
 * downloads it as xlsx, follows the overdue list to a case, switches to
 * English and to the wall screen. Screenshots: dashboard.png, dashboard-wall.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { Browser, BrowserContext } from 'playwright-core';
import { CHROMIUM, DESKTOP, apiContext, apiLogin, ensureWebBuilt, hasChromium, launch, openPage, shot, startServer, type RunningServer, type TestPage } from './harness.ts';
import { SAMPLE_CASES } from './fixtures.ts';

if (!hasChromium) console.warn(`\n[e2e] SKIPPED: Chromium not found at ${CHROMIUM}.\n`);

describe.skipIf(!hasChromium)('dashboards (Chromium)', () => {
  let server: RunningServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let overdueNo = '';

  const newPage = (opts: object = DESKTOP): Promise<TestPage> => openPage(browser, contexts, { acceptDownloads: true, ...opts });

  async function apiAs(username: string) {
    const ctx = await apiContext(browser, contexts, server.url, username);
    const call = async (method: 'get' | 'post' | 'put', path: string, data?: unknown) => {
      const r = await ctx.request[method](server.url + path, data === undefined ? undefined : { data });
      const json = await r.json().catch(() => null);
      if (!r.ok()) throw new Error(`${username} ${method.toUpperCase()} ${path}: ${r.status()} ${JSON.stringify(json)}`);
      return json;
    };
    return { get: (p: string) => call('get', p), post: (p: string, d: unknown = {}) => call('post', p, d), put: (p: string, d: unknown) => call('put', p, d) };
  }

  beforeAll(async () => {
    ensureWebBuilt();
    server = await startServer();
    browser = await launch();
    const admin = await apiAs('admin');
    const op = await apiAs('operator');
    const handler = await apiAs('handler');
    const units = await admin.get('/api/units?limit=100');
    const unit = (code: string) => units.find((u: { code: string }) => u.code === code).id as string;

    // Praise gets a 1-minute accept limit around the clock, so one case is overdue within the test.
    await admin.put('/api/time-limit-policies', { name: 'e2e 表扬 1m', caseType: 'praise', calendar: '24x7', acceptLimit: '1m', replyLimit: '1d' });
    const late = await op.post('/api/cases', {
      type: 'praise',
      categoryCode: '0101',
      urgency: 'normal',
      title: '表扬环卫工人',
      description: '东茅岭路环卫工人每天清扫认真，特此表扬，希望单位给予鼓励。',
      reporter: { name: '刘先生', phone: '13700001111' },
      location: { address: '岳阳楼区东茅岭路', lng: 113.104, lat: 29.364 },
    });
    await op.post(`/api/cases/${late.id}/dispatch`, { leadUnitId: unit('ZJ-430602') });
    overdueNo = late.no;
    const dispatchedAt = Date.now();

    // Cases in several channels, types and categories, most handled end to end and rated.
    const channels = ['hotline', 'hotline', 'wechat', 'grid', 'web', 'hotline', 'wechat', 'hotline', 'web', 'hotline'];
    const ratings = [5, 4, 5, 3, null, 5, 4, null, null, null];
    for (let i = 0; i < channels.length; i++) {
      const s = SAMPLE_CASES[i % SAMPLE_CASES.length];
      const c = await op.post('/api/cases', {
        channel: channels[i],
        type: s.type,
        categoryCode: s.categoryCode,
        urgency: s.urgency,
        title: `${s.title} ${i + 1}`,
        description: s.description,
        reporter: { name: '张三', phone: '13812345678' },
        location: { address: `岳阳楼区${s.title.slice(0, 4)}`, lng: s.lng, lat: s.lat },
      });
      if (i === 9) continue; // left registered
      await op.post(`/api/cases/${c.id}/dispatch`, { leadUnitId: unit(i === 8 ? 'SW-430602' : 'CG-430602') });
      if (i >= 8) continue;
      await handler.post(`/api/cases/${c.id}/accept`);
      await handler.post(`/api/cases/${c.id}/reply`, { reply: '已到现场处理完毕。' });
      if (i === 7) continue; // replied, not yet verified
      if (i === 4) {
        // Found not solved on the return visit: back to the unit.
        await op.post(`/api/cases/${c.id}/verify`, { solved: false, comment: '回访群众反映问题仍未解决' });
        continue;
      }
      await op.post(`/api/cases/${c.id}/verify`, { solved: true });
      await op.post(`/api/cases/${c.id}/close`);
      if (ratings[i]) await op.post(`/api/cases/${c.id}/rate`, { rating: ratings[i] });
    }

    // Past the minute, the sweep marks the praise case red.
    await new Promise((r) => setTimeout(r, Math.max(0, dispatchedAt + 62_000 - Date.now())));
    await admin.post('/api/time-limits/sweep');
    const overdue = await admin.get('/api/stats/overdue');
    expect(overdue.total).toBe(1);
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
  });

  it('a county leader reads the dashboard, opens a ranking as a table, downloads it as xlsx and follows an overdue case', async () => {
    const { ctx, page, errors } = await newPage();
    await apiLogin(ctx, server.url, 'leader');
    await page.goto(`${server.url}/dashboard`);
    await page.getByTestId('dashboard').waitFor();

    // Headline tiles: 11 cases registered this month; ratings 5 4 5 3 5 4: five of six at 4-5 stars.
    const registered = page.getByTestId('kpi-registered');
    await expect.poll(() => registered.locator('.dash-tile-value').innerText()).toBe('11');
    expect(await page.getByTestId('kpi-satisfactionRate').locator('.dash-tile-value').innerText()).toBe('83.3%');
    expect(await page.getByTestId('kpi-satisfactionRate').locator('.dash-tile-sub').innerText()).toBe('5 / 6');
    // Response: 8 of the 10 dispatched accepted in time (the praise case and the 水务局 one not at all).
    expect(await page.getByTestId('kpi-responseRate').locator('.dash-tile-value').innerText()).toBe('80.0%');
    // Resolution: the 6 closed were verified solved (the unsolved one went back to the unit).
    expect(await page.getByTestId('kpi-resolutionRate').locator('.dash-tile-value').innerText()).toBe('100.0%');
    expect(await page.getByTestId('kpi-resolutionRate').locator('.dash-tile-sub').innerText()).toBe('6 / 6');
    expect(await page.getByTestId('kpi-overdue').locator('.dash-tile-value').innerText()).toBe('1');
    // The charts are drawn (SVG) with their labels.
    await page.getByTestId('volume-channel').locator('svg text', { hasText: '12345 热线' }).first().waitFor();
    await page.getByTestId('rank-unit').locator('svg text', { hasText: '岳阳楼区城管局' }).first().waitFor();

    // The unit ranking as a table: the same figures, sortable.
    const rank = page.getByTestId('rank-unit');
    await page.getByTestId('rank-unit-table-toggle').click();
    await expect.poll(() => rank.getAttribute('data-view')).toBe('table');
    const row = rank.locator('tr', { hasText: '岳阳楼区城管局' });
    await row.waitFor();
    const cells = await row.locator('td').allInnerTexts();
    expect(cells).toEqual(['1', '岳阳楼区城管局', '8', '100.0%', '100.0%', '83.3%', '100.0%', '0']);
    // A unit with dispatched but unrated work shows "—", not 0 %.
    const sw = await rank.locator('tr', { hasText: '岳阳楼区水务局' }).locator('td').allInnerTexts();
    expect(sw.slice(3, 7)).toEqual(['0.0%', '—', '—', '—']);
    // Sorting by a rate puts "no data" first going up, then the lowest.
    await rank.getByRole('columnheader', { name: '响应率' }).click();
    await expect.poll(() => rank.locator('tbody tr.ant-table-row').allInnerTexts()).toEqual([
      expect.stringContaining('岳阳楼区住建局'),
      expect.stringContaining('岳阳楼区水务局'),
      expect.stringContaining('岳阳楼区城管局'),
    ]);

    // xlsx of the same ranking.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('rank-unit-xlsx').click()]);
    expect(download.suggestedFilename()).toBe('rates-unit.xlsx');
    const file = join(mkdtempSync(join(tmpdir(), 'zhili-dash-')), 'rates-unit.xlsx');
    await download.saveAs(file);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    const ws = wb.worksheets[0];
    const header = (ws.getRow(1).values as unknown[]).slice(1);
    const at = (name: string) => header.indexOf(name) + 1;
    const cg = ws.getRows(2, ws.rowCount - 1)!.find((r) => r.getCell(at('单位 unit')).value === '岳阳楼区城管局')!;
    expect(cg.getCell(at('登记量 registered')).value).toBe(8);
    expect(cg.getCell(at('满意量 satisfied')).value).toBe(5);
    expect(cg.getCell(at('评价量 rated')).value).toBe(6);

    // Division ranking at township level (the leader's jurisdiction is a county).
    await page.getByTestId('rank-division-table-toggle').click();
    await page.getByTestId('rank-division').locator('tr', { hasText: '东茅岭街道' }).waitFor();

    await shot(page, 'dashboard');

    // The overdue list links to the case.
    const link = page.getByTestId('overdue').getByRole('link', { name: overdueNo });
    expect(await link.getAttribute('href')).toBe(`/cases/${overdueNo}`);
    await link.click();
    await page.waitForURL(new RegExp(`/cases/${overdueNo}$`));
    expect(errors).toEqual([]);
  });

  it('changes period and division, relabels charts in English, and shows the wall screen', async () => {
    const { ctx, page, errors } = await newPage({ ...DESKTOP, viewport: { width: 1920, height: 1080 } });
    await apiLogin(ctx, server.url, 'supervisor');
    await page.goto(`${server.url}/dashboard?p=lastMonth`);
    // Nothing was registered last month: empty states, and rates are "—", not 0 %.
    await expect.poll(() => page.getByTestId('kpi-registered').locator('.dash-tile-value').innerText()).toBe('0');
    expect(await page.getByTestId('kpi-responseRate').locator('.dash-tile-value').innerText()).toBe('—');
    await page.getByTestId('volume-day').getByText('本期暂无数据').waitFor();

    await page.goto(`${server.url}/dashboard?p=7d`);
    await expect.poll(() => page.getByTestId('kpi-registered').locator('.dash-tile-value').innerText()).toBe('11');
    await page.getByText('EN', { exact: true }).click();
    await page.getByText('Units ranked').waitFor();
    await page.getByTestId('volume-channel').locator('svg text', { hasText: '12345 hotline' }).first().waitFor();
    expect(await page.getByTestId('volume-channel').locator('svg text', { hasText: '12345 热线' }).count()).toBe(0);
    await page.getByText('中文', { exact: true }).click();

    await page.getByTestId('wall-on').click();
    const wall = page.getByTestId('wall');
    await wall.waitFor();
    expect(page.url()).toContain('wall=1');
    await expect.poll(() => wall.getByTestId('kpi-registered').locator('.dash-tile-value').innerText()).toBe('11');
    await wall.getByTestId('rank-unit').locator('svg text', { hasText: '岳阳楼区城管局' }).first().waitFor();
    await wall.getByTestId('overdue').getByRole('link', { name: overdueNo }).waitFor();
    // Large type: the headline figures read from across a room.
    const size = await wall.getByTestId('kpi-satisfactionRate').locator('.dash-tile-value').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    expect(size).toBeGreaterThanOrEqual(48);
    await shot(page, 'dashboard-wall', false);
    await page.keyboard.press('Escape');
    await page.getByTestId('dashboard').waitFor();
    expect(page.url()).not.toContain('wall=1');
    expect(errors).toEqual([]);
  });
});
