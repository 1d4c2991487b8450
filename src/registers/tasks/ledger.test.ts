/** The ledger's cell rules: deadlines in the forms ledgers use, and unit lists. */
import { describe, expect, it } from 'vitest';
import { parseDeadline, splitUnits } from './ledger.ts';

describe('target task ledger cells', () => {
  it.each([
    ['2026-12-31', '2026-12-31'],
    ['2026/12/31', '2026-12-31'],
    ['2026.6.30', '2026-06-30'],
    ['2026年12月31日', '2026-12-31'],
    ['2026年6月30日前', '2026-06-30'],
    ['2026年12月底', '2026-12-31'],
    ['2026年2月底', '2026-02-28'],
    ['2028年2月', '2028-02-29'],
    ['2026-09', '2026-09-30'],
    ['2026年底', '2026-12-31'],
    ['2026年', '2026-12-31'],
    ['长期', null],
    [' 长期坚持 ', null],
    ['持续推进', null],
  ])('%s -> %s', (cell, want) => expect(parseDeadline(cell)).toBe(want));

  it('reads Excel dates and serial numbers', () => {
    expect(parseDeadline(new Date('2026-12-31T00:00:00Z'))).toBe('2026-12-31');
    expect(parseDeadline(46387)).toBe('2026-12-31');
  });

  it.each(['2026-13-01', '2026-02-30', '明年', '年底', 'ASAP', '2026年13月底'])('refuses %s', (cell) => expect(parseDeadline(cell)).toBeUndefined());
  it('a blank cell is not a deadline', () => expect(parseDeadline(null)).toBeUndefined());

  it('splits units on 、，, ; ； and spaces', () => {
    expect(splitUnits('市委政法委、市公安局，市司法局,市民政局;市信访局；市卫健委 市教体局')).toEqual(['市委政法委', '市公安局', '市司法局', '市民政局', '市信访局', '市卫健委', '市教体局']);
    expect(splitUnits(null)).toEqual([]);
    expect(splitUnits(' 、 ')).toEqual([]);
  });
});
