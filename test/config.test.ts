/** Configuration from the environment: defaults, and a wrong value stops the start naming its variable. */
import { resolve } from 'node:path';
import { describe, it, expect } from 'vitest';
import { ConfigError, ipMatcher, loadConfig } from '../src/platform/config.ts';
import { consoleCsp, tileSource } from '../src/platform/security.ts';

const refused = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
};

describe('loadConfig', () => {
  it('keeps every default of the README table', () => {
    expect(loadConfig({})).toEqual({
      databaseUrl: resolve('data', 'pglite'),
      pgPrepare: true,
      embeddedFsync: true,
      dbTimeouts: { connectMs: 5000, statementMs: 30_000, idleInTxMs: 60_000 },
      dbMaxWaiting: 256,
      idempotencyDays: 30,
      host: '0.0.0.0',
      port: 8080,
      demo: true,
      filesDir: resolve('data', 'files'),
      maxUploadBytes: 20 * 1024 * 1024,
      uploadQuotaBytes: 500 * 1024 * 1024,
      sessionHours: 12,
      secureCookies: 'auto',
      logLevel: 'info',
      webDir: resolve('web/dist'),
      sweepSeconds: 10,
      defaultDivision: null,
      classifierSchedule: true,
      mapTileUrl: null,
      mapTileAttribution: '',
      mapCenter: null,
      mapZoom: null,
      trustedProxies: [],
      publicUrl: null,
      metricsToken: null,
      metricsAllow: ['127.0.0.0/8', '::1/128'],
      docs: true,
    });
  });

  it('reads each variable', () => {
    const c = loadConfig({
      DATABASE_URL: 'postgres://zhili@db.example/zhili',
      ZHILI_DATA_DIR: '/srv/zhili',
      ZHILI_PG_PREPARE: 'off',
      HOST: '127.0.0.1',
      PORT: '9090',
      ZHILI_DEMO: 'yes',
      ZHILI_MAX_UPLOAD_MB: '2.5',
      ZHILI_UPLOAD_QUOTA_MB: '0',
      ZHILI_SESSION_HOURS: '8',
      ZHILI_SECURE_COOKIES: 'false',
      LOG_LEVEL: 'warn',
      ZHILI_SWEEP_SECONDS: '0',
      ZHILI_DEFAULT_DIVISION: '430602',
      ZHILI_CLASSIFIER_RETRAIN_HOURS: '0',
      ZHILI_TRUSTED_PROXIES: '10.0.0.5, 10.1.0.0/16,loopback',
      ZHILI_PUBLIC_URL: 'https://Zhili.Example.gov.cn/console/',
      ZHILI_METRICS_TOKEN: 'a-long-scrape-token-1234',
      ZHILI_METRICS_ALLOW: 'none',
      ZHILI_DOCS: 'false',
    });
    expect(c).toMatchObject({
      databaseUrl: 'postgres://zhili@db.example/zhili',
      filesDir: '/srv/zhili/files',
      pgPrepare: false,
      host: '127.0.0.1',
      port: 9090,
      demo: true,
      maxUploadBytes: 2.5 * 1024 * 1024,
      uploadQuotaBytes: 0,
      sessionHours: 8,
      secureCookies: false,
      logLevel: 'warn',
      sweepSeconds: 0,
      defaultDivision: '430602',
      classifierSchedule: false,
      trustedProxies: ['10.0.0.5', '10.1.0.0/16', '127.0.0.0/8', '::1/128'],
      publicUrl: 'https://zhili.example.gov.cn',
      metricsToken: 'a-long-scrape-token-1234',
      metricsAllow: [],
      docs: false,
    });
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', ZHILI_DEMO: ' ', DATABASE_URL: '' })).toMatchObject({ port: 8080, demo: true });
  });

  it('stops with a message naming each wrong variable, never a NaN', () => {
    expect(refused({ PORT: 'abc' })).toMatch(/PORT: expected an integer 1-65535 \(got "abc"\)/);
    expect(refused({ PORT: '70000' })).toMatch(/PORT: expected an integer 1-65535/);
    expect(refused({ ZHILI_MAX_UPLOAD_MB: 'lots' })).toMatch(/ZHILI_MAX_UPLOAD_MB: expected a number above 0/);
    expect(refused({ ZHILI_SESSION_HOURS: '-1' })).toMatch(/ZHILI_SESSION_HOURS/);
    expect(refused({ ZHILI_SWEEP_SECONDS: '10s' })).toMatch(/ZHILI_SWEEP_SECONDS/);
    expect(refused({ ZHILI_DEMO: 'maybe' })).toMatch(/ZHILI_DEMO: expected true or false/);
    expect(refused({ LOG_LEVEL: 'verbose' })).toMatch(/LOG_LEVEL: expected one of/);
    expect(refused({ DATABASE_URL: 'mysql://x' })).toMatch(/DATABASE_URL: expected a postgres/);
    expect(refused({ ZHILI_TRUSTED_PROXIES: '10.0.0.0/33' })).toMatch(/ZHILI_TRUSTED_PROXIES: expected/);
    expect(refused({ ZHILI_TRUSTED_PROXIES: 'proxy.internal' })).toMatch(/ZHILI_TRUSTED_PROXIES/);
    expect(refused({ ZHILI_METRICS_ALLOW: '10.0.0.1,nope' })).toMatch(/ZHILI_METRICS_ALLOW/);
    expect(refused({ ZHILI_METRICS_TOKEN: 'short' })).toMatch(/ZHILI_METRICS_TOKEN: expected a token of at least 16/);
    expect(refused({ ZHILI_PUBLIC_URL: 'zhili.example' })).toMatch(/ZHILI_PUBLIC_URL: expected an http/);
    expect(refused({ ZHILI_MAP_TILE_URL: 'ftp://tiles/{z}' })).toMatch(/ZHILI_MAP_TILE_URL/);
    expect(refused({ ZHILI_UPLOAD_QUOTA_MB: '-5' })).toMatch(/ZHILI_UPLOAD_QUOTA_MB/);
    // All at once, one line each.
    const all = refused({ PORT: 'x', ZHILI_DOCS: 'nah' });
    expect(all).toMatch(/PORT: /);
    expect(all).toMatch(/ZHILI_DOCS: /);
  });

  it('marks session cookies Secure on a production start or an https public URL; else by the request', () => {
    expect(loadConfig({}).secureCookies).toBe('auto');
    expect(loadConfig({ DATABASE_URL: 'postgres://db/zhili' }).secureCookies).toBe(true);
    expect(loadConfig({ DATABASE_URL: 'postgres://db/zhili', ZHILI_DEMO: 'true' }).secureCookies).toBe('auto');
    expect(loadConfig({ ZHILI_PUBLIC_URL: 'https://zhili.example' }).secureCookies).toBe(true);
    expect(loadConfig({ ZHILI_PUBLIC_URL: 'http://10.0.0.2:8080' }).secureCookies).toBe('auto');
    expect(loadConfig({ DATABASE_URL: 'postgres://db/zhili', ZHILI_SECURE_COOKIES: '0' }).secureCookies).toBe(false);
    expect(loadConfig({ ZHILI_SECURE_COOKIES: 'true' }).secureCookies).toBe(true);
  });

  it('keeps the overrides tests use', () => {
    expect(loadConfig({ PORT: '1' }, { port: 0, demo: false })).toMatchObject({ port: 0, demo: false });
  });
});

describe('address lists', () => {
  it('match IPv4, IPv6 and IPv4-mapped addresses against IPs and CIDRs', () => {
    const m = ipMatcher(loadConfig({ ZHILI_METRICS_ALLOW: '10.1.0.0/16,192.0.2.7,loopback' }).metricsAllow);
    expect(['10.1.2.3', '192.0.2.7', '127.0.0.1', '::1', '::ffff:10.1.9.9'].map(m)).toEqual([true, true, true, true, true]);
    expect(['10.2.0.1', '192.0.2.8', '::ffff:8.8.8.8', '2001:db8::1', 'garbage', undefined].map(m)).toEqual([false, false, false, false, false, false]);
    expect(ipMatcher([])('127.0.0.1')).toBe(false);
  });
});

describe('console CSP', () => {
  it('allows the tile server in img-src when one is configured, and upgrades requests only behind https', () => {
    expect(tileSource(null)).toBeNull();
    expect(tileSource('/tiles/{z}/{x}/{y}.png')).toBeNull();
    expect(tileSource('https://tiles.example.gov.cn:8443/{z}/{x}/{y}.png')).toBe('https://tiles.example.gov.cn:8443');
    expect(tileSource('https://{s}.tile.example.org/{z}/{x}/{y}.png')).toBe('https://*.tile.example.org');
    const plain = consoleCsp({ mapTileUrl: null, publicUrl: null });
    expect(plain['img-src']).toEqual(["'self'", 'data:', 'blob:']);
    expect(plain['upgrade-insecure-requests']).toBeUndefined();
    const tiles = consoleCsp({ mapTileUrl: 'https://{s}.tile.example.org/{z}/{x}/{y}.png', publicUrl: 'https://zhili.example' });
    expect(tiles['img-src']).toContain('https://*.tile.example.org');
    expect(tiles['upgrade-insecure-requests']).toEqual([]);
  });
});
