/**
 * Runs the real zhili server (node bin/zhili.js serve) on a fresh PGlite data
 * directory and a free port, and drives Debian's Chromium with playwright-core.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, BrowserContextOptions, Locator, Page } from 'playwright-core';
import { seedE2E } from './fixtures.ts';

export const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SHOTS = join(ROOT, 'e2e', 'screenshots');
export const hasChromium = existsSync(CHROMIUM);

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

/** Builds the console when web/dist is missing (a fresh clone without postinstall). */
export function ensureWebBuilt() {
  if (existsSync(join(ROOT, 'web', 'dist', 'index.html'))) return;
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(ROOT, 'web', 'vite.config.ts'), '--logLevel', 'warn'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error('web console build failed');
}

export interface RunningServer {
  url: string;
  dataDir: string;
  /** Every log line the server printed so far. */
  lines: string[];
  /** Text messages the server sent through its SMS gateway (a stand-in this harness runs). */
  sms: { phone: string; code: string }[];
  /** The last one-time code sent to this phone (after message number `since`, when given). */
  otpFor(phone: string, timeoutMs?: number, since?: number): Promise<string>;
  stop(): Promise<void>;
}

/** `env` adds settings to the server's environment (e.g. a tile server for the map). */
export async function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'zhili-e2e-'));
  await seedE2E(join(dataDir, 'pglite'));
  const port = await freePort();
  const lines: string[] = [];
  // The server is started as in production (no demo), so codes go out through an
  // SMS gateway, never to the log: this stand-in gateway receives them.
  const sms: { phone: string; code: string }[] = [];
  const gateway = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      try {
        const m = JSON.parse(body) as { phone: string; code: string };
        sms.push({ phone: m.phone, code: m.code });
        res.writeHead(200).end('{"ok":true}');
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
  gateway.unref();
  const gatewayUrl = `http://127.0.0.1:${(gateway.address() as { port: number }).port}/send`;
  // The classifier's first scheduled training (60 s after start by default) would
  // compete with the browser for the CI machine's two cores in the middle of a test.
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'bin', 'zhili.js'), 'serve', '--no-demo'], {
    cwd: ROOT,
    env: { ...process.env, ZHILI_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', ZHILI_DEMO: '0', ZHILI_CLASSIFIER_FIRST_CHECK_SECONDS: '3600', ZHILI_SMS_URL: gatewayUrl, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (buf: Buffer) => lines.push(...buf.toString('utf8').split('\n').filter(Boolean));
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}):\n${lines.slice(-30).join('\n')}`);
    try {
      const r = await fetch(`${url}/readyz`);
      if (r.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`server did not start:\n${lines.slice(-30).join('\n')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    dataDir,
    lines,
    sms,
    async otpFor(phone, timeoutMs = 10_000, since = 0) {
      const end = Date.now() + timeoutMs;
      while (Date.now() < end) {
        const m = sms.slice(since).findLast((x) => x.phone === phone);
        if (m) return m.code;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`no one-time code sent to ${phone}`);
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise<void>((res) => {
          const t = setTimeout(() => {
            child.kill('SIGKILL');
            res();
          }, 10_000);
          child.once('exit', () => {
            clearTimeout(t);
            res();
          });
        });
      }
      gateway.closeAllConnections();
      await new Promise((r) => gateway.close(r));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function launch(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--headless=new'],
  });
}

export const DESKTOP = { viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' };
export const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', deviceScaleFactor: 2 };

/** Collects page errors so a test can assert the console stayed clean. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const text = m.text();
    // Expected answers: 401 before signing in, 404 from the optional suggestion endpoint.
    if (/status of (401|404)/.test(text)) return;
    errors.push(`console: ${text}`);
  });
  return errors;
}

export async function shot(page: Page, name: string, fullPage = true) {
  mkdirSync(SHOTS, { recursive: true });
  await page.waitForLoadState('networkidle').catch(() => undefined);
  // Sticky headers draw where the page was scrolled to; shoot from the top.
  if (fullPage) await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage, animations: 'disabled' });
}

/** Signs a browser context in through the API (for the second and later actors of a flow). */
export async function apiLogin(ctx: BrowserContext, url: string, username: string, password = 'zhili2026') {
  const r = await ctx.request.post(`${url}/api/auth/login`, { data: { username, password } });
  if (!r.ok()) throw new Error(`login ${username}: ${r.status()} ${await r.text()}`);
}

/** Presses Tab until the focused element matches (keyboard-only navigation), up to `max` presses. */
export async function tabTo(page: Page, selector: string, max = 15) {
  for (let i = 0; i < max; i++) {
    if (await page.evaluate((s) => !!document.activeElement?.matches(s), selector)) return;
    await page.keyboard.press('Tab');
  }
  const active = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 200));
  throw new Error(`Tab never reached ${selector}; focus is on ${active}`);
}

export interface TestPage {
  ctx: BrowserContext;
  page: Page;
  /** Page errors and console errors so far (see watchErrors). */
  errors: string[];
}

/**
 * A fresh browser context with one page (40 s default timeout: CI runs this
 * beside the integration suites on two cores) whose errors are collected.
 * The context is added to `contexts`, for the file to close at the end.
 */
export async function openPage(browser: Browser, contexts: BrowserContext[], opts: BrowserContextOptions = DESKTOP): Promise<TestPage> {
  const ctx = await browser.newContext(opts);
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.setDefaultTimeout(40_000);
  return { ctx, page, errors: watchErrors(page) };
}

/** A browser context signed in through the API as `username`, for JSON calls through its cookie jar; added to `contexts`. */
export async function apiContext(browser: Browser, contexts: BrowserContext[], url: string, username: string): Promise<BrowserContext> {
  const ctx = await browser.newContext();
  contexts.push(ctx);
  await apiLogin(ctx, url, username);
  return ctx;
}

/**
 * Signs in on the console's sign-in page, which a guarded page has just sent
 * the browser to: waits for it and for the username field's focus, then fills
 * both fields and submits with Enter.
 */
export async function signIn(page: Page, username: string, password: string) {
  await page.waitForURL(/\/login/);
  await page.waitForFunction(() => document.activeElement?.id === 'username');
  // fill(), not typing: under load keystrokes can land before the form has settled.
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(password);
  await page.locator('#password').press('Enter');
}

/**
 * Chooses in an antd Select by typing and Enter, then waits until the field
 * shows the choice. A click on the option can miss on a loaded machine when
 * the dropdown re-aligns between Playwright's aim and its click (the field
 * then stays empty); the keyboard picks the highlighted option wherever it is.
 */
export async function chooseOption(page: Page, within: Locator | Page, inputSelector: string, typed: string, option: string) {
  const select = within.locator('.ant-select', { has: page.locator(inputSelector) });
  await within.locator(inputSelector).click();
  await page.keyboard.type(typed);
  await page.locator('.ant-select-dropdown:visible .ant-select-item-option-active', { hasText: option }).waitFor();
  await page.keyboard.press('Enter');
  await select.locator('.ant-select-selection-item', { hasText: option }).first().waitFor();
}
