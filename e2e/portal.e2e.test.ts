/**
 * The citizen portal on a phone (390 x 844): a citizen submits a request with a
 * photo and notes the number; later, in a fresh browser that is not signed in,
 * tracks it with number + phone and sees the public timeline; staff take it to
 * closed; the citizen proves the phone with a one-time code and rates it from
 * the tracking page. Screenshots: portal-submit, portal-number, portal-track,
 * portal-rate (and portal-rated, portal-track-desktop).
 */
import { deflateSync, crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CHROMIUM, DESKTOP, PHONE, apiContext, ensureWebBuilt, hasChromium, launch, openPage, shot, startServer, type RunningServer, type TestPage } from './harness.ts';

if (!hasChromium) console.warn(`\n[e2e] SKIPPED: Chromium not found at ${CHROMIUM}.\n`);

/** A small photo-like PNG (a sky-to-street gradient), so the upload preview shows something. */
function photoPng(w = 96, h = 72): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td) >>> 0);
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    raw[y * (w * 3 + 1)] = 0;
    for (let x = 0; x < w; x++) {
      const o = y * (w * 3 + 1) + 1 + x * 3;
      const street = y > h * 0.6;
      raw[o] = street ? 90 + (x % 16) : 120 + Math.round((y / h) * 80);
      raw[o + 1] = street ? 90 : 170 + Math.round((y / h) * 50);
      raw[o + 2] = street ? 95 : 230;
    }
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

describe.skipIf(!hasChromium)('citizen portal at 390 px (Chromium)', () => {
  let server: RunningServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  const newPage = (opts: object = PHONE): Promise<TestPage> => openPage(browser, contexts, opts);

  async function apiAs(username: string) {
    const ctx = await apiContext(browser, contexts, server.url, username);
    return {
      get: async (path: string) => (await ctx.request.get(server.url + path)).json(),
      post: async (path: string, data: unknown) => {
        const r = await ctx.request.post(server.url + path, { data });
        const json = await r.json().catch(() => null);
        if (!r.ok()) throw new Error(`${path}: ${r.status()} ${JSON.stringify(json)}`);
        return json;
      },
    };
  }

  /** The page is no wider than the phone: nothing scrolls sideways. */
  async function expectNoSideScroll(page: Page) {
    const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    expect(scroll, 'horizontal overflow').toBeLessThanOrEqual(client);
  }

  /** Lets a smooth scroll to the result finish, so the full-page shot is taken from a still page. */
  async function settle(page: Page) {
    let last = -1;
    for (let i = 0; i < 20; i++) {
      const y = await page.evaluate(() => window.scrollY);
      if (y === last) return;
      last = y;
      await page.waitForTimeout(100);
    }
  }

  beforeAll(async () => {
    ensureWebBuilt();
    server = await startServer();
    browser = await launch();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
  });

  it('submit with a photo, note the number, track it signed out, rate it after staff close it', async () => {
    const phone = '13700003333';
    // --- the citizen submits, signed in by a code to the phone ---
    const citizen = await newPage({ ...PHONE, permissions: ['geolocation'], geolocation: { latitude: 29.3655, longitude: 113.1052 } });
    const { page } = citizen;
    await page.goto(`${server.url}/portal`);
    await page.getByRole('textbox', { name: '手机号', exact: true }).fill(phone);
    await page.getByRole('button', { name: '获取验证码' }).click();
    await page.getByRole('textbox', { name: '验证码', exact: true }).fill(await server.otpFor(phone));
    await page.getByRole('button', { name: /登\s*录/ }).click();
    await page.getByRole('button', { name: /我要反映/ }).click();

    await page.getByText('投诉', { exact: true }).click();
    await page.locator('#category').click();
    await page.keyboard.type('路灯');
    await page.locator('.ant-cascader-menu-item:has-text("路灯照明")').first().click();
    const description = '东茅岭社区3栋门前的路灯坏了一个星期，晚上一片漆黑，老人出门不方便，请尽快修复。';
    await page.getByLabel('问题描述').fill(description);
    await page.locator('input[type=file]').setInputFiles({ name: 'street.png', mimeType: 'image/png', buffer: photoPng() });
    await page.locator('.ant-upload-list-item-done, .ant-upload-list-item-container:has(img)').first().waitFor();
    await page.getByRole('button', { name: /使用当前位置/ }).click();
    await page.getByText('已定位: 113.1052, 29.3655').waitFor();
    // The map pick works too: a tap inside the grid replaces the point.
    await page.getByRole('button', { name: /在地图上选点/ }).click();
    await page.locator('.pick-map-portal .leaflet-interactive').first().click();
    const pickedText = await page.getByText(/已选点: 113\.\d+, 29\.\d+/).innerText();
    const [, lng, lat] = /(113\.\d+), (29\.\d+)/.exec(pickedText)!;
    await page.getByLabel('详细地址').fill('岳阳楼区东茅岭社区3栋门前');
    await expectNoSideScroll(page);
    await shot(page, 'portal-submit');

    await page.getByRole('button', { name: /提\s*交/ }).click();
    const noEl = page.getByTestId('portal-no');
    await noEl.waitFor();
    const no = (await noEl.innerText()).trim();
    expect(no).toMatch(/^\d{14,}$/);
    await page.getByText('请牢记此编号').waitFor();
    await expectNoSideScroll(page);
    await shot(page, 'portal-number');

    // The case carries the photo, the place and the citizen's phone.
    const op = await apiAs('operator');
    const c = await op.get(`/api/cases/${no}`);
    expect(c).toMatchObject({ type: 'complaint', categoryCode: '0101', channel: 'web', description, reporter: { phone } });
    expect(c.attachments).toHaveLength(1);
    // The map pick set the place, and the grid it falls in.
    expect(c.location).toMatchObject({ lng: Number(lng), lat: Number(lat), address: '岳阳楼区东茅岭社区3栋门前' });
    expect(['东茅岭社区第一网格', '洞庭社区第一网格']).toContain(c.location.gridName);

    // --- later, a fresh browser, not signed in, tracks it by number + phone ---
    const tracker = await newPage();
    const tp = tracker.page;
    await tp.goto(`${server.url}/portal/track?no=${no}`);
    await expect.poll(() => tp.getByLabel('诉求编号').inputValue()).toBe(no);
    await tp.getByLabel('联系电话').fill('13700003334');
    await tp.getByRole('button', { name: /查\s*询/ }).click();
    await tp.getByText('未找到该诉求，或电话与登记时不一致').waitFor();
    // What was typed stays; the phone is corrected in any spelling.
    expect(await tp.getByLabel('诉求编号').inputValue()).toBe(no);
    await tp.getByLabel('联系电话').fill('+86 137-0000-3333');
    await tp.getByRole('button', { name: /查\s*询/ }).click();
    await tp.getByTestId('track-result').waitFor();
    await tp.locator('.public-timeline').getByText('诉求已登记受理').waitFor();
    expect(new URL(tp.url()).pathname + new URL(tp.url()).search).not.toContain('3333');

    // --- staff take it through the loop ---
    const units: { id: string; name: string }[] = await op.get('/api/units');
    const cg = units.find((u) => u.name === '岳阳楼区城管局')!;
    await op.post(`/api/cases/${no}/dispatch`, { leadUnitId: cg.id, comment: '请赵承办今天联系群众' });
    const handler = await apiAs('handler');
    await handler.post(`/api/cases/${no}/accept`, {});
    await op.post(`/api/cases/${no}/note`, { comment: '内部备注：反映人曾多次来电' });
    await handler.post(`/api/cases/${no}/reply`, { reply: '已更换路灯灯头，经夜间巡查路灯恢复正常照明。' });
    await op.post(`/api/cases/${no}/verify`, { solved: true, comment: '电话回访确认' });
    await op.post(`/api/cases/${no}/close`, {});

    await tp.getByRole('button', { name: /查\s*询/ }).click();
    await tp.getByTestId('track-reply').getByText('已更换路灯灯头').waitFor();
    const timeline = await tp.locator('.public-timeline').innerText();
    for (const step of ['诉求已登记受理', '已派单至 岳阳楼区城管局', '岳阳楼区城管局 已签收', '岳阳楼区城管局 已答复', '已回访核实：问题已解决', '已办结']) expect(timeline).toContain(step);
    for (const secret of ['赵承办', '李接线', '内部备注', '电话回访确认', '13700003333']) expect(await tp.locator('main').innerText()).not.toContain(secret);
    await tp.getByText(/请获取发送到 137\*\*\*\*3333 的验证码/).waitFor();
    await expectNoSideScroll(tp);
    await settle(tp);
    await shot(tp, 'portal-track');

    // --- the citizen proves the phone and rates from the tracking page ---
    const since = server.sms.length;
    await tp.getByRole('button', { name: '获取验证码' }).click();
    await tp.getByRole('textbox', { name: '短信验证码' }).fill(await server.otpFor(phone, 20_000, since));
    await tp.getByRole('button', { name: /验证并评价/ }).click();
    await tp.locator('.rate-card .ant-rate-star').nth(3).click();
    await expect.poll(() => tp.locator('.rate-text').innerText()).toBe('满意');
    await tp.locator('.solved-choice').getByText('已解决').click();
    await tp.getByLabel('意见（可选）').fill('修得很快，晚上出门放心了。');
    await expectNoSideScroll(tp);
    await settle(tp);
    await shot(tp, 'portal-rate');
    await tp.getByRole('button', { name: /提交评价/ }).click();
    await tp.getByText('感谢您的评价').waitFor();
    await tp.locator('.public-timeline').getByText('已评价 4 星').waitFor();
    await settle(tp);
    await shot(tp, 'portal-rated');

    const rated = await op.get(`/api/cases/${no}`);
    expect(rated).toMatchObject({ status: 'rated', rating: 4, ratingComment: '修得很快，晚上出门放心了。' });
    expect(rated.timeline.at(-1)).toMatchObject({ action: 'rate', data: { rating: 4, citizenSolved: true } });

    // The same page on a desktop browser.
    const desk = await newPage(DESKTOP);
    await desk.page.goto(`${server.url}/portal/track?no=${no}`);
    await desk.page.getByLabel('联系电话').fill(phone);
    await desk.page.getByRole('button', { name: /查\s*询/ }).click();
    await desk.page.getByText('您的评价').waitFor();
    await shot(desk.page, 'portal-track-desktop');

    expect(citizen.errors).toEqual([]);
    // The one expected 404 is the wrong phone above.
    expect(tracker.errors.filter((e) => !/status of 404/.test(e))).toEqual([]);
    expect(desk.errors).toEqual([]);
  });
});
