/**
 * The organisation admin pages in Chromium against the real server: an admin
 * signs in, adds a community to the division tree, creates a unit, creates a
 * user with roles and resets their password, draws a grid with mouse clicks on
 * the map, imports grids from a GeoJSON file (a bad file first: errors per
 * feature, nothing written), and finds everything in the lists.
 *
 *   flock -s /tmp/zhili-web.lock npx vitest run --config e2e/vitest.config.ts e2e/admin-org.e2e.test.ts
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CHROMIUM, DESKTOP, chooseOption, ensureWebBuilt, hasChromium, launch, openPage, shot, signIn, startServer, type RunningServer } from './harness.ts';
import { PASSWORD } from './fixtures.ts';

if (!hasChromium) console.warn(`\n[e2e] SKIPPED: Chromium not found at ${CHROMIUM}.\n`);

const square = (lng: number, lat: number, d: number) => ({
  type: 'Polygon',
  coordinates: [[[lng, lat], [lng + d, lat], [lng + d, lat + d], [lng, lat + d], [lng, lat]]],
});

describe.skipIf(!hasChromium)('admin: divisions, units, users, grids (Chromium)', () => {
  let server: RunningServer;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let errors: string[];

  /** JSON API calls as the signed-in admin (the page's own cookie jar). */
  const apiGet = async (path: string) => (await ctx.request.get(server.url + path)).json();

  /** Picks a division in a DivisionTreeSelect by typing part of its name. */
  async function pickDivision(scope: string, text: string, name: string) {
    const select = page.locator(scope).locator('.ant-select').first();
    await select.click();
    await page.keyboard.type(text);
    const option = page.locator('.ant-select-dropdown:visible .ant-select-tree-treenode', { hasText: name }).first();
    await option.waitFor();
    await option.locator('.ant-select-tree-node-content-wrapper').click();
  }

  beforeAll(async () => {
    ensureWebBuilt();
    server = await startServer();
    browser = await launch();
    ({ ctx, page, errors } = await openPage(browser, [], { ...DESKTOP, viewport: { width: 1366, height: 900 } }));
  });

  afterAll(async () => {
    await ctx?.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
  });

  it('signs in and browses the division tree; adds a community under a street', async () => {
    await page.goto(`${server.url}/admin`);
    await signIn(page, 'admin', PASSWORD);
    await page.waitForURL(/\/admin\/divisions$/);
    const tree = page.locator('.org-tree');
    await tree.getByText('湖南省').waitFor();
    // Lazy by level: 湖南省 > 岳阳市 > 岳阳楼区 > 东茅岭街道.
    for (const name of ['湖南省', '岳阳市', '岳阳楼区']) {
      await tree.locator('.ant-tree-treenode', { hasText: name }).last().locator('.ant-tree-switcher').click();
      await tree.locator('.ant-tree-treenode').filter({ hasText: { 湖南省: '岳阳市', 岳阳市: '岳阳楼区', 岳阳楼区: '东茅岭街道' }[name]! }).last().waitFor();
    }
    await tree.getByText('东茅岭街道').click();
    await page.locator('.ant-descriptions').getByText('430602005', { exact: true }).waitFor();
    await page.getByRole('button', { name: /新增下级/ }).click();
    const modal = page.locator('.ant-modal:visible');
    // A wrong length is refused in the form, next to the field.
    await modal.locator('#suffix').fill('3');
    await modal.locator('#name').fill('金鹗社区');
    await modal.getByRole('button', { name: /保\s*存/ }).click();
    await modal.getByText('须为 3 位数字').waitFor();
    await modal.locator('#suffix').fill('003');
    await modal.getByRole('button', { name: /保\s*存/ }).click();
    await modal.waitFor({ state: 'detached' });
    await page.locator('.ant-descriptions').getByText('430602005003', { exact: true }).waitFor();
    await tree.getByText('金鹗社区').waitFor();
    expect((await apiGet('/api/divisions/430602005003')).chain.map((d: any) => d.name)).toEqual(['湖南省', '岳阳市', '岳阳楼区', '东茅岭街道', '金鹗社区']);

    // Search by code start.
    await page.getByLabel('搜索区划').fill('430602005');
    await page.locator('.org-search-list').getByText('洞庭社区').waitFor();
    await page.getByLabel('搜索区划').fill('');
    await shot(page, 'admin-divisions');
  });

  it('creates a unit serving a community', async () => {
    await page.locator('.org-admin-nav').getByRole('link', { name: '单位' }).click();
    await page.waitForURL(/\/admin\/units$/);
    await page.locator('.ant-table-row', { hasText: '岳阳楼区城管局' }).waitFor();
    await page.getByRole('button', { name: /新建单位/ }).click();
    const modal = page.locator('.ant-modal:visible');
    await modal.locator('#code').fill('WS-430602005');
    await modal.locator('#name').fill('东茅岭社区卫生服务中心');
    await modal.locator('.ant-select:has(#kind)').click();
    await page.keyboard.type('其他');
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: '其他' }).click();
    await pickDivision('.ant-modal:visible .ant-form-item:has(label:text("服务区划"))', '东茅岭', '东茅岭街道');
    await modal.locator('#phone').fill('0730-8123456');
    await modal.getByRole('button', { name: /保\s*存/ }).click();
    await modal.waitFor({ state: 'detached' });
    const row = page.locator('.ant-table-row', { hasText: '东茅岭社区卫生服务中心' });
    await row.waitFor();
    await row.getByText('东茅岭街道').waitFor();
    const units = await apiGet('/api/units?q=' + encodeURIComponent('卫生服务中心'));
    expect(units[0]).toMatchObject({ code: 'WS-430602005', kind: 'other', divisionCodes: ['430602005'], phone: '0730-8123456', active: true });
    await shot(page, 'admin-units');
  });

  let generated = '';
  it('creates a grid worker with roles, unit and jurisdiction; resets the password (shown once)', async () => {
    await page.locator('.org-admin-nav').getByRole('link', { name: '用户与角色' }).click();
    await page.waitForURL(/\/admin\/users$/);
    await page.locator('.ant-table-row', { hasText: 'gridworker' }).waitFor();
    // Phones arrive masked in the list.
    await page.locator('.ant-table-row', { hasText: 'admin' }).first().waitFor();
    await page.getByRole('button', { name: /新建用户/ }).click();
    const modal = page.locator('.ant-modal:visible');
    // A taken username is refused by the server, next to the field; nothing typed is lost.
    await modal.locator('#username').fill('gridworker');
    await modal.locator('#displayName').fill('刘网格');
    await modal.locator('#phone').fill('13907301234');
    await modal.getByRole('button', { name: '随机生成密码' }).click();
    await modal.getByLabel('网格员').check();
    await modal.getByLabel('人民调解员').check();
    // chooseOption waits until the unit shows as chosen (a click into a list still filtering could miss it)
    await chooseOption(page, modal, '#unitCode', '东茅岭街道办', '东茅岭街道办事处');
    await pickDivision('.ant-modal:visible .ant-form-item:has(label:text("管辖区划"))', '金鹗', '金鹗社区');
    await modal.getByRole('button', { name: /保\s*存/ }).click();
    await modal.locator('.ant-form-item:has(#username) .ant-form-item-explain-error', { hasText: '已存在' }).waitFor();
    expect(await modal.locator('#displayName').inputValue()).toBe('刘网格');
    await modal.locator('#username').fill('gw_jine');
    // A bad phone is caught in the form before it is sent.
    await modal.locator('#phone').fill('1390730');
    await modal.getByRole('button', { name: /保\s*存/ }).click();
    await modal.getByText('手机号或座机号格式不正确').waitFor();
    await modal.locator('#phone').fill('13907301234');
    await shot(page, 'admin-users-form', false);
    await modal.getByRole('button', { name: /保\s*存/ }).click();
    await modal.waitFor({ state: 'detached' });
    const row = page.locator('.ant-table-row', { hasText: 'gw_jine' });
    await row.waitFor();
    await row.getByText('139****1234').waitFor();
    await row.getByText('网格员').waitFor();
    const [u] = await apiGet('/api/users?q=gw_jine');
    expect(u).toMatchObject({ displayName: '刘网格', roles: ['grid_worker', 'mediator'], unitCode: 'JD-430602005', scopeCodes: ['430602005003'], active: true });

    await row.getByRole('button', { name: '重置 刘网格 的密码' }).click();
    const reset = page.locator('.ant-modal:visible');
    await reset.getByRole('button', { name: /重置密码/ }).click();
    generated = (await page.getByTestId('new-password').innerText()).trim();
    expect(generated).toMatch(/^[A-Za-z2-9]{12}$/);
    const check = await ctx.request.post(`${server.url}/api/auth/login`, { data: { username: 'gw_jine', password: generated } });
    expect(check.status()).toBe(200);
    // That sign-in replaced the admin's cookie in this context; sign the admin back in.
    const back = await ctx.request.post(`${server.url}/api/auth/login`, { data: { username: 'admin', password: PASSWORD } });
    expect(back.status()).toBe(200);
    await reset.getByRole('button', { name: /完\s*成/ }).click();
    await shot(page, 'admin-users');
  });

  it('draws a grid with mouse clicks on the map and saves it', async () => {
    await page.locator('.org-admin-nav').getByRole('link', { name: '网格' }).click();
    await page.waitForURL(/\/admin\/grids$/);
    await page.locator('.ant-table-row', { hasText: '东茅岭社区第一网格' }).waitFor();
    const map = page.getByTestId('grid-editor-map');
    await page.locator('[data-testid=grid-editor-map][data-ready=true]').waitFor();
    await page.getByRole('button', { name: /绘制新网格/ }).click();
    await page.getByText('在地图上依次点击网格的各个顶点').waitFor();
    const box = (await map.boundingBox())!;
    // A square in the lower right, clear of the two fixture grids, closed on its first corner.
    const pts: [number, number][] = [
      [box.x + box.width - 200, box.y + box.height - 200],
      [box.x + box.width - 80, box.y + box.height - 200],
      [box.x + box.width - 80, box.y + box.height - 80],
      [box.x + box.width - 200, box.y + box.height - 80],
      [box.x + box.width - 200, box.y + box.height - 200],
    ];
    for (const [x, y] of pts) {
      await page.mouse.click(x, y);
      await page.waitForTimeout(150);
    }
    await page.getByText(/边界 4 个顶点/).waitFor();
    const form = page.locator('form[aria-label="新建网格"]');
    await form.locator('#code').fill('G-430602005003-01');
    await form.locator('#name').fill('金鹗社区第一网格');
    await pickDivision('form[aria-label="新建网格"] .ant-form-item:has(label:text("所属村(社区)"))', '金鹗', '金鹗社区');
    await form.locator('.ant-select:has(#workerUsername)').click();
    await page.keyboard.type('刘网格');
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: 'gw_jine' }).click();
    await form.locator('#households').fill('260');
    await form.locator('#population').fill('780');
    await shot(page, 'admin-grids-draw', false);
    await form.getByRole('button', { name: /保\s*存/ }).click();
    const row = page.locator('.ant-table-row', { hasText: '金鹗社区第一网格' });
    await row.waitFor();
    const grids = await apiGet('/api/grids?divisionCode=430602005003');
    expect(grids).toHaveLength(1);
    expect(grids[0]).toMatchObject({ code: 'G-430602005003-01', workerUsername: 'gw_jine', households: 260, population: 780 });
    expect(grids[0].geometry.type).toBe('Polygon');
    expect(grids[0].geometry.coordinates[0]).toHaveLength(5);
    // The drawn square lies where it was clicked: east and south of the map's centre.
    const [lng0, lat0] = grids[0].geometry.coordinates[0][0];
    expect(lng0).toBeGreaterThan(113);
    expect(lat0).toBeGreaterThan(29);

    // Move one corner of the saved grid: drag its vertex handle 40 px to the right.
    await row.getByRole('button', { name: '编辑 金鹗社区第一网格' }).click();
    const form2 = page.locator('form[aria-label="编辑网格"]');
    await form2.getByText(/边界 4 个顶点/).waitFor();
    const handle = map.locator('.marker-icon:not(.marker-icon-middle)').first();
    await handle.waitFor();
    const hb = (await handle.boundingBox())!;
    await page.mouse.move(hb.x + hb.width / 2, hb.y + hb.height / 2);
    await page.mouse.down();
    await page.mouse.move(hb.x + hb.width / 2 + 20, hb.y + hb.height / 2, { steps: 4 });
    await page.mouse.move(hb.x + hb.width / 2 + 40, hb.y + hb.height / 2, { steps: 4 });
    await page.mouse.up();
    await form2.getByRole('button', { name: /保\s*存/ }).click();
    await form2.waitFor({ state: 'detached' });
    const [moved] = await apiGet('/api/grids?divisionCode=430602005003');
    expect(moved.geometry.coordinates[0]).toHaveLength(5);
    const before = grids[0].geometry.coordinates[0].map((c: number[]) => c.join(','));
    const after = moved.geometry.coordinates[0].map((c: number[]) => c.join(','));
    const changed = after.filter((c: string) => !before.includes(c));
    // One corner moved (the ring's closing point repeats it when it is the first).
    expect(changed.length).toBeGreaterThanOrEqual(1);
    expect(changed.length).toBeLessThanOrEqual(2);
  });

  it('imports grids from a GeoJSON file: a bad file shows each feature’s errors and writes nothing; a good one is imported', async () => {
    await page.getByRole('button', { name: /导入 GeoJSON/ }).click();
    const bad = {
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', properties: { code: 'G-430602005002-02', name: '洞庭社区第二网格', divisionCode: '430602005002' }, geometry: square(113.121, 29.36, 0.006) },
        { type: 'Feature', properties: { code: 'G-430602005002-03', name: '无此社区网格', divisionCode: '430602005999' }, geometry: square(113.128, 29.36, 0.006) },
      ],
    };
    await page.setInputFiles('#grid-import-file', { name: 'bad.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(JSON.stringify(bad)) });
    await page.getByText('1 个要素有错误').waitFor();
    await page.locator('.org-row-error').getByText(/divisionCode：no division 430602005999/).waitFor();
    expect(await page.getByRole('button', { name: /确认导入/ }).isDisabled()).toBe(true);
    expect(await apiGet('/api/grids?divisionCode=430602005002&geometry=false')).toHaveLength(1);
    await shot(page, 'admin-grids-import-errors');

    const good = { ...bad, features: [bad.features[0], { ...bad.features[1], properties: { 网格编码: 'G-430602005002-03', 网格名称: '洞庭社区第三网格', 所属区划: '430602005002', 户数: 210 } }] };
    await page.setInputFiles('#grid-import-file', { name: 'good.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(JSON.stringify(good)) });
    await page.getByText('校验通过：2 个网格').waitFor();
    await page.getByRole('button', { name: /确认导入 2 个网格/ }).click();
    await page.locator('.ant-table-row', { hasText: '洞庭社区第三网格' }).waitFor();
    const imported = await apiGet('/api/grids?divisionCode=430602005002&geometry=false');
    expect(imported.map((g: any) => g.code).sort()).toEqual(['G-430602005002-01', 'G-430602005002-02', 'G-430602005002-03']);
    expect(imported.find((g: any) => g.code === 'G-430602005002-03').households).toBe(210);
    await page.locator('.ant-table-row', { hasText: '金鹗社区第一网格' }).click();
    await shot(page, 'admin-grids');
    // The only failed requests were the refusals the test provoked (taken username, bad file).
    expect(errors.filter((e) => !/status of (409|422)/.test(e))).toEqual([]);
  });
});
