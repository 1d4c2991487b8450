import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { relevantArticles } from './SuggestPanel.tsx';

const art = (id: string, rank?: number) => ({
  id,
  question: id,
  answer: id,
  categoryCodes: [],
  keywords: [],
  divisionCodes: [],
  source: null,
  validFrom: '2026-01-01',
  validTo: null,
  active: true,
  valid: true,
  createdBy: null,
  updatedBy: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  version: 1,
  ...(rank === undefined ? {} : { rank }),
});

describe('relevantArticles', () => {
  it('drops the weak "any word" matches a call shares one word with', () => {
    expect(relevantArticles([art('停水', 5.4), art('医保', 1)]).map((a) => a.id)).toEqual(['停水']);
    expect(relevantArticles([art('诈骗', 0.1), art('燃气', 0.1)])).toEqual([]);
    expect(relevantArticles([art('诈骗', 0.7), art('津贴', 0.2)]).map((a) => a.id)).toEqual(['诈骗']);
    // Without ranks (browsing, not searching) nothing is dropped.
    expect(relevantArticles([art('a'), art('b')])).toHaveLength(2);
  });

  it('always keeps the best article when it is ranked at least 0.5, and keeps the order', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 50, noNaN: true }), { minLength: 1, maxLength: 8 }), (ranks) => {
        const list = ranks.map((r, i) => art(String(i), r));
        const kept = relevantArticles(list);
        const best = Math.max(...ranks);
        if (best >= 0.5) expect(kept.some((a) => a.rank === best)).toBe(true);
        expect(kept.map((a) => Number(a.id))).toEqual([...kept.map((a) => Number(a.id))].sort((x, y) => x - y));
        for (const a of kept) expect(a.rank!).toBeGreaterThanOrEqual(0.5);
      }),
    );
  });
});
