/**
 * Accessibility basics in the real browser: every visible form control on the
 * main pages has an accessible name (a label, aria-label or aria-labelledby),
 * and the warning colours (即将超时 yellow, 已超时 red) keep their text
 * readable: WCAG AA contrast of at least 4.5:1 against what is behind it;
 * and the console pages fit a 1366 px screen. (Keyboard focus order is
 * driven in console.e2e.test.ts: a call is registered from the keyboard alone.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CHROMIUM, DESKTOP, PHONE, apiContext, apiLogin, ensureWebBuilt, hasChromium, launch, openPage, startServer, type RunningServer } from './harness.ts';
import { SAMPLE_CASES, sampleCaseBody } from './fixtures.ts';

if (!hasChromium) console.warn(`\n[e2e] SKIPPED: Chromium not found at ${CHROMIUM}; see e2e/console.e2e.test.ts.\n`);

/** Roles of the controls a user operates; each must have an accessible name. */
const CONTROL_ROLES = new Set(['textbox', 'searchbox', 'combobox', 'listbox', 'checkbox', 'radio', 'switch', 'slider', 'spinbutton', 'button', 'menuitemcheckbox', 'menuitemradio']);

/**
 * Controls without an accessible name, as Chromium itself computes names
 * (its accessibility tree, through the DevTools protocol): a label,
 * aria-label, aria-labelledby, a button's text or icon label, and, last, a
 * placeholder all count, exactly as a screen reader would hear them.
 */
async function unnamedControls(page: Page): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as {
      nodes: { ignored: boolean; role?: { value: string }; name?: { value: string }; backendDOMNodeId?: number }[];
    };
    const out: string[] = [];
    for (const n of nodes) {
      if (n.ignored || !n.role || !CONTROL_ROLES.has(n.role.value) || (n.name?.value ?? '').trim()) continue;
      const html = n.backendDOMNodeId
        ? ((await cdp.send('DOM.getOuterHTML', { backendNodeId: n.backendDOMNodeId }).catch(() => ({ outerHTML: '?' }))) as { outerHTML: string }).outerHTML
        : '?';
      out.push(`${n.role.value}: ${html.slice(0, 200)}`);
    }
    return out;
  } finally {
    await cdp.detach().catch(() => undefined);
  }
}

/** Contrast of each matched element's text against the first opaque background behind it (WCAG relative luminance). */
function contrastOf(page: Page, selector: string): Promise<{ text: string; color: string; background: string; ratio: number }[]> {
  return page.evaluate((sel) => {
    const parse = (c: string) => {
      const m = c.match(/rgba?\(([^)]+)\)/);
      if (!m) return null;
      const [r, g, b, a = 1] = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
      return { r, g, b, a };
    };
    const lum = ({ r, g, b }: { r: number; g: number; b: number }) => {
      const ch = (v: number) => {
        const s = v / 255;
        return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b);
    };
    const over = (top: { r: number; g: number; b: number; a: number }, under: { r: number; g: number; b: number }) => ({
      r: top.r * top.a + under.r * (1 - top.a),
      g: top.g * top.a + under.g * (1 - top.a),
      b: top.b * top.a + under.b * (1 - top.a),
    });
    /** The background behind el: its own and its ancestors' colours composed over white. */
    const backgroundOf = (el: Element | null) => {
      const layers: { r: number; g: number; b: number; a: number }[] = [];
      for (let e = el; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c && c.a > 0) {
          layers.push(c);
          if (c.a >= 1) break;
        }
      }
      return layers.reverse().reduce((under, top) => over(top, under), { r: 255, g: 255, b: 255 });
    };
    return [...document.querySelectorAll(sel)].map((el) => {
      const fg = parse(getComputedStyle(el).color)!;
      const bg = backgroundOf(el);
      const text = over(fg, bg);
      const [hi, lo] = [lum(text), lum(bg)].sort((a, b) => b - a);
      return {
        text: (el.textContent ?? '').trim(),
        color: getComputedStyle(el).color,
        background: `rgb(${Math.round(bg.r)}, ${Math.round(bg.g)}, ${Math.round(bg.b)})`,
        ratio: Math.round(((hi + 0.05) / (lo + 0.05)) * 100) / 100,
      };
    });
  }, selector);
}

describe.skipIf(!hasChromium)('accessibility basics (Chromium)', () => {
  let server: RunningServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let caseNo = '';

  beforeAll(async () => {
    ensureWebBuilt();
    server = await startServer();
    browser = await launch();
    const ctx = await apiContext(browser, contexts, server.url, 'operator');
    for (const c of SAMPLE_CASES.slice(0, 3)) {
      const r = await ctx.request.post(`${server.url}/api/cases`, { data: sampleCaseBody(c) });
      expect(r.status()).toBe(201);
      caseNo = (await r.json()).no;
    }
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
  });

  /** The console's main pages: who opens them, and what shows they are ready. */
  const consolePages = (): [user: string, path: string, ready: string][] => [
    ['operator', '/intake', '#description'],
    ['operator', '/queues', '.ant-table-row'],
    ['operator', `/cases/${caseNo}`, '.case-head'],
    ['supervisor', '/map', '.leaflet-container'],
    ['leader', '/dashboard', '.ant-card'],
    ['admin', '/admin/users', '.ant-table-row'],
    ['admin', '/admin/policies', '.ant-table-row'],
    ['admin', '/admin/responsibilities', '.ant-table-row'],
  ];

  /** Opens `path` as `user` and waits for `ready`, then lists the unnamed controls. */
  async function unnamedOn(user: string, path: string, ready: string, opts: object = DESKTOP) {
    const { ctx, page } = await openPage(browser, contexts, opts);
    await apiLogin(ctx, server.url, user);
    await page.goto(server.url + path);
    await page.locator(ready).first().waitFor();
    await page.waitForLoadState('networkidle').catch(() => undefined);
    return unnamedControls(page);
  }

  it('labels every visible form control on the console pages', async () => {
    const pages = consolePages();
    const found: Record<string, string[]> = {};
    // The check itself sees a control without a name (so an empty result means something).
    {
      const { ctx, page } = await openPage(browser, contexts, DESKTOP);
      await apiLogin(ctx, server.url, 'operator');
      await page.goto(`${server.url}/intake`);
      await page.locator('#description').waitFor();
      await page.evaluate(() => document.body.append(Object.assign(document.createElement('input'), { id: 'probe-unlabelled' })));
      expect((await unnamedControls(page)).join('\n')).toContain('probe-unlabelled');
    }
    for (const [user, path, ready] of pages) {
      const bad = await unnamedOn(user, path, ready);
      if (bad.length) found[path] = bad;
    }
    expect(found).toEqual({});
  });

  it('labels every visible form control on the phone pages and the portal', async () => {
    const found: Record<string, string[]> = {};
    const report = await unnamedOn('gridworker', '/m/report', 'textarea:visible', PHONE);
    if (report.length) found['/m/report'] = report;
    // The portal's sign-in, as a citizen first sees it, and its tracking form.
    for (const [path, ready] of [
      ['/portal', 'input:visible'],
      ['/portal/track', 'input:visible'],
    ]) {
      const { page } = await openPage(browser, contexts, PHONE);
      await page.goto(server.url + path);
      await page.locator(ready).first().waitFor();
      const bad = await unnamedControls(page);
      if (bad.length) found[path] = bad;
    }
    expect(found).toEqual({});
  });

  it('keeps the warning colours readable: countdowns and queue counts at 4.5:1 or more', async () => {
    const { ctx, page } = await openPage(browser, contexts, DESKTOP);
    await apiLogin(ctx, server.url, 'operator');
    // Give the first rows a clock near its limit (yellow) and one past it (red), as the sweeper marks them.
    await page.route(/\/api\/cases\?/, async (route) => {
      const r = await route.fetch();
      const body = await r.json();
      const now = Date.now();
      const deadline = (dueIn: number, warning: string) => ({
        clock: 'dispatch',
        dueAt: new Date(now + dueIn).toISOString(),
        warnAt: new Date(now - 60_000).toISOString(),
        warning,
        escalated: false,
        acceptDueAt: null,
        replyDueAt: null,
        returnDueAt: null,
        extensionCount: 0,
        pendingExtension: null,
      });
      if (body.items?.length >= 2) {
        body.items[0].deadline = deadline(25 * 60_000, 'yellow');
        body.items[1].deadline = deadline(-3 * 3600_000, 'red');
      }
      await route.fulfill({ response: r, json: body });
    });
    await page.goto(`${server.url}/queues`);
    await page.locator('.countdown-yellow').first().waitFor();
    await page.locator('.countdown-red').first().waitFor();
    const measured = [...(await contrastOf(page, '.countdown-yellow')), ...(await contrastOf(page, '.countdown-red'))];
    // The queue tabs' counts (即将超时 and 已超时 among them, whatever their number) and the status tags.
    measured.push(...(await contrastOf(page, '.ant-tabs-tab .ant-badge-count, .ant-tabs-tab .ant-scroll-number')));
    measured.push(...(await contrastOf(page, '.ant-table-row .ant-tag')));
    expect(measured.length).toBeGreaterThanOrEqual(8);
    const poor = measured.filter((m) => m.ratio < 4.5);
    expect(poor, JSON.stringify(measured, null, 1)).toEqual([]);
  });

  it('fits a 1366 px screen: no console page scrolls sideways', async () => {
    const wide: Record<string, number> = {};
    for (const [user, path, ready] of consolePages()) {
      const { ctx, page } = await openPage(browser, contexts, { ...DESKTOP, viewport: { width: 1366, height: 768 } });
      await apiLogin(ctx, server.url, user);
      await page.goto(server.url + path);
      await page.locator(ready).first().waitFor();
      await page.waitForLoadState('networkidle').catch(() => undefined);
      const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      if (over > 0) wide[path] = over;
      await ctx.close();
    }
    expect(wide).toEqual({});
  });
});
