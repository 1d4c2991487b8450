/** Query building (src/text) and case search text: segmentation, escaping, odd input (no database). */
import { describe, it, expect } from 'vitest';
import { caseNumberOf, caseSearchText, caseTextSearch } from './search.ts';
import { buildTextQuery, normalizeText } from '../text/index.ts';
import { articleSearchText } from '../kb/search.ts';
import type { Principal } from '../org/auth.ts';

const operator: Principal = {
  id: '01900000-0000-7000-8000-000000000001',
  username: 'op',
  displayName: 'op',
  phone: null,
  roles: ['operator'],
  unitId: null,
  scopeCodes: ['4306'],
  via: 'session',
};

// A tsquery text made only of quoted lexemes joined by one operator.
const WELL_FORMED = /^'[^'\\\s]+'( [&|] '[^'\\\s]+')*$/u;

describe('buildTextQuery', () => {
  it('segments Chinese into words that all must match, with search-mode parts as the fallback', () => {
    const q = buildTextQuery('路灯不亮')!;
    expect(q.terms).toEqual(['路灯不亮']);
    expect(q.all).toBe("'路灯不亮'");
    expect(q.any.split(' | ').sort()).toEqual(["'灯不亮'", "'路灯'", "'路灯不亮'"].sort());
    const two = buildTextQuery('小区 停水了！')!;
    expect(two.all).toBe("'小区' & '停水'");
    expect(two.any).toBe("'小区' | '停水'");
    const one = buildTextQuery('停水')!;
    expect(one.any).toBe(one.all);
  });

  it('keeps tsquery and SQL syntax in the user text from meaning anything', () => {
    for (const text of ["路灯' & !(不亮) | x:* <-> y", "'; DROP TABLE cases; --", "a\\'b", '路灯\\', '(((', "'||'"]) {
      const q = buildTextQuery(text);
      if (!q) continue;
      expect(q.all, text).toMatch(WELL_FORMED);
      expect(q.any, text).toMatch(WELL_FORMED);
    }
  });

  it('gives nothing for text with no searchable word (punctuation, stop words, empty)', () => {
    for (const text of ['', '   ', '!!!', '，。？', '的了吗', '\u0000', '\ud800']) expect(buildTextQuery(text), JSON.stringify(text)).toBeUndefined();
  });

  it('caps the number of words and survives very long or malformed text', () => {
    const long = '路灯不亮 井盖缺失 噪音扰民 占道经营 '.repeat(500);
    const q = buildTextQuery(long)!;
    expect(q.all.split(' & ').length).toBeLessThanOrEqual(12);
    expect(buildTextQuery('路灯\ud800不亮')).toBeDefined();
  });

  it('folds full-width forms on both sides of the index', () => {
    expect(normalizeText('ＷＩＦＩ１２３')).toBe('WIFI123');
    expect(buildTextQuery('ＷＩＦＩ')!.all).toBe("'wifi'");
    expect(caseSearchText({ title: 'ＷＩＦＩ信号差', description: '' })).toContain('wifi');
  });
});

describe('search_text', () => {
  it('puts the title first (weighted) and body after one newline', () => {
    const t = caseSearchText({ title: '东茅岭路路灯不亮', description: '连续三个晚上路灯不亮', address: '岳阳楼区东茅岭路' });
    const [head, body, more] = t.split('\n');
    expect(more).toBeUndefined();
    expect(head.split(' ')).toContain('路灯');
    expect(body.split(' ')).toEqual(expect.arrayContaining(['路灯', '晚上', '岳阳楼区']));
    const a = articleSearchText({ question: '公积金怎么提取', keywords: ['租房提取'], answer: '可通过网厅办理' });
    expect(a.split('\n')[0].split(' ')).toEqual(expect.arrayContaining(['公积金', '提取', '租房']));
  });
});

describe('caseTextSearch', () => {
  it('passes user text only as parameters', () => {
    const params: unknown[] = [];
    const s = caseTextSearch(operator, "路灯'); DELETE FROM cases; --", params);
    expect(s.where).not.toContain('DELETE');
    expect(s.where).not.toContain('路灯');
    expect(params.some((x) => typeof x === 'string' && x.includes('路灯'))).toBe(true);
  });

  it('matches a case number exactly and ranks it first', () => {
    const params: unknown[] = [];
    const s = caseTextSearch(operator, ' 20261123000042 ', params);
    expect(caseNumberOf(' 20261123000042 ')).toBe('20261123000042');
    expect(params).toEqual(['20261123000042']);
    expect(s).toMatchObject({ where: 'c.no = $1', exact: true });
  });

  it('is FALSE when nothing is searchable', () => {
    expect(caseTextSearch(operator, '？？', []).where).toBe('FALSE');
  });
});
