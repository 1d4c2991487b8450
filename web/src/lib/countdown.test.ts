import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatAmount, formatCountdown, parseAmount } from './countdown.ts';

const MIN = 60_000;
const now = Date.UTC(2026, 10, 24, 2, 0, 0);

describe('formatCountdown', () => {
  it('reads as operators say it', () => {
    expect(formatCountdown(now + (2 * 60 + 15) * MIN, now, 'zh').text).toBe('剩余 2小时15分');
    expect(formatCountdown(now - 3 * 60 * MIN, now, 'zh').text).toBe('超时 3小时');
    expect(formatCountdown(now + (2 * 1440 + 3 * 60 + 59) * MIN, now, 'zh').text).toBe('剩余 2天3小时');
    expect(formatCountdown(now + 1440 * MIN, now, 'zh').text).toBe('剩余 1天');
    expect(formatCountdown(now + 45 * MIN + 59_999, now, 'zh').text).toBe('剩余 45分');
    expect(formatCountdown(now + 30_000, now, 'zh').text).toBe('剩余 不足1分');
    expect(formatCountdown(now - 1, now, 'zh')).toMatchObject({ text: '超时 不足1分', overdue: true, level: 'red' });
    expect(formatCountdown(now + (2 * 60 + 15) * MIN, now, 'en').text).toBe('2h 15m left');
    expect(formatCountdown(now - 3 * 60 * MIN, now, 'en').text).toBe('3h overdue');
  });

  it('colours by the server warning, and red as soon as the deadline passes', () => {
    expect(formatCountdown(now + 10 * MIN, now, 'zh', 'none').level).toBe('ok');
    expect(formatCountdown(now + 10 * MIN, now, 'zh', 'yellow').level).toBe('yellow');
    expect(formatCountdown(now + 10 * MIN, now, 'zh', 'red').level).toBe('red');
    // The sweeper has not run yet, the page already shows it overdue.
    expect(formatCountdown(now - MIN, now, 'zh', 'yellow').level).toBe('red');
  });

  const offsets = fc.integer({ min: -400 * 86_400_000, max: 400 * 86_400_000 });
  const langs = fc.constantFrom('zh' as const, 'en' as const);
  const warnings = fc.constantFrom('none' as const, 'yellow' as const, 'red' as const);

  it('is overdue exactly when the deadline is in the past, and says so in the text', () => {
    fc.assert(
      fc.property(offsets, langs, warnings, (ms, lang, w) => {
        const c = formatCountdown(now + ms, now, lang, w);
        expect(c.overdue).toBe(ms < 0);
        if (lang === 'zh') expect(c.text.startsWith(ms < 0 ? '超时 ' : '剩余 ')).toBe(true);
        else expect(c.text.endsWith(ms < 0 ? ' overdue' : ' left')).toBe(true);
        if (ms < 0) expect(c.level).toBe('red');
        expect(c.text).toContain(c.amount);
      }),
    );
  });

  it('the amount reads back to the time left, to the minute below a day and to the hour above', () => {
    fc.assert(
      fc.property(offsets, langs, (ms, lang) => {
        const amount = formatAmount(ms, lang);
        const r = parseAmount(amount);
        expect(r, amount).not.toBeNull();
        const minutes = Math.floor(Math.abs(ms) / MIN);
        expect(minutes).toBeGreaterThanOrEqual(r!.min);
        expect(minutes).toBeLessThan(r!.max);
      }),
    );
  });

  it('never shows a zero part or more than two units', () => {
    fc.assert(
      fc.property(offsets, (ms) => {
        const zh = formatAmount(ms, 'zh');
        expect(zh).not.toMatch(/(^|\D)0(天|小时|分)/);
        expect((zh.match(/天|小时|分/g) ?? []).length).toBeLessThanOrEqual(2);
        const en = formatAmount(ms, 'en');
        expect(en).not.toMatch(/(^|\D)0[dhm]/);
      }),
    );
  });

  it('is symmetric: as long overdue as left reads the same amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 * 86_400_000 }), langs, (ms, lang) => {
        expect(formatCountdown(now - ms - 1, now, lang).amount).toBe(formatAmount(ms + 1, lang));
        expect(formatAmount(ms, lang)).toBe(formatAmount(-ms, lang));
      }),
    );
  });

  it('never grows as time passes (the countdown only counts down)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 * 86_400_000 }), fc.integer({ min: 0, max: 7 * 86_400_000 }), (left, elapsed) => {
        const before = parseAmount(formatAmount(left, 'zh'))!;
        const after = parseAmount(formatAmount(Math.max(0, left - elapsed), 'zh'))!;
        expect(after.min).toBeLessThanOrEqual(before.min);
      }),
    );
  });

  it('whole minutes round toward zero', () => {
    fc.assert(
      fc.property(offsets, (ms) => {
        expect(formatCountdown(now + ms, now, 'zh').minutes).toBe(Math.trunc(ms / MIN));
      }),
    );
  });
});
