/** County risk scoring: worked examples, edge cases, and properties over random frameworks and values. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FRAMEWORK_SPEC, counts, flatten, type FrameworkSpec } from './framework.ts';
import { quotaCuts, score, type IndicatorValue } from './scoring.ts';
import { countyCodes, syntheticFramework, syntheticValues } from './testing.ts';

/** Two categories (weights 3 : 1), three indicators. */
const SMALL: FrameworkSpec = FRAMEWORK_SPEC.parse({
  tiers: { method: 'score', tier1Min: 60, tier2Min: 30 },
  categories: [
    {
      code: 'A', name: '治安', weight: 3,
      dimensions: [
        { code: 'A1', name: '刑案', weight: 1, indicators: [{ code: 'x', name: '刑事案件', weight: 1, direction: 'risk', normalise: { method: 'minmax' } }] },
        { code: 'A2', name: '安全感', weight: 1, indicators: [{ code: 'y', name: '安全感', weight: 1, direction: 'safety', normalise: { method: 'fixed', min: 80, max: 100 } }] },
      ],
    },
    { code: 'B', name: '交通', weight: 1, dimensions: [{ code: 'B1', name: '事故', weight: 1, indicators: [{ code: 'z', name: '事故', weight: 1, direction: 'risk', normalise: { method: 'minmax' } }] }] },
  ],
});
const v = (divisionCode: string, indicatorCode: string, value: number | null): IndicatorValue => ({ divisionCode, indicatorCode, value });

describe('scoring, worked examples', () => {
  it('normalises, weighs, sums contributions to the total, ranks and tiers', () => {
    const r = score(SMALL, ['P', 'Q', 'R'], [
      v('P', 'x', 10), v('Q', 'x', 20), v('R', 'x', 30),
      v('P', 'y', 100), v('Q', 'y', 90), v('R', 'y', 70), // 70 is below the fixed min: clamped (safety: score 100)
      v('P', 'z', 5), v('Q', 'z', 5), v('R', 'z', 15),
    ]);
    const by = Object.fromEntries(r.counties.map((c) => [c.divisionCode, c]));
    expect(by.P.indicators.x.score).toBe(0);
    expect(by.R.indicators.x.score).toBe(100);
    expect(by.Q.indicators.y.score).toBe(50);
    expect(by.R.indicators.y.score).toBe(100);
    expect(by.P.indicators.z.score).toBe(0);
    // R: A = (100 + 100) / 2 = 100, B = 100, total 100; Q: A = (50 + 50) / 2 = 50, B = 0, total = 0.75 * 50 = 37.5; P: 0.
    expect(by.R.total).toBe(100);
    expect(by.Q.total).toBe(37.5);
    expect(by.P.total).toBe(0);
    expect([by.R.rank, by.Q.rank, by.P.rank]).toEqual([1, 2, 3]);
    expect([by.R.tier, by.Q.tier, by.P.tier]).toEqual([1, 2, 3]);
    expect(r.tierCounts).toEqual({ 1: 1, 2: 1, 3: 1 });
    // Drivers: the largest contributions first; Q's x and y give 18.75 each.
    expect(by.Q.drivers).toEqual([{ indicatorCode: 'x', contribution: 18.75 }, { indicatorCode: 'y', contribution: 18.75 }]);
    expect(r.counties.map((c) => c.divisionCode)).toEqual(['R', 'Q', 'P']);
  });

  it('an indicator on which all counties are equal gives 0 under min-max', () => {
    const r = score(SMALL, ['P', 'Q'], [v('P', 'x', 7), v('Q', 'x', 7), v('P', 'y', 90), v('Q', 'y', 90), v('P', 'z', 1), v('Q', 'z', 1)]);
    for (const c of r.counties) expect(c.indicators.x.score).toBe(0);
    expect(r.counties[0].total).toBe(r.counties[1].total);
  });

  it('ties share a rank (1, 1, 3) and a quota cut inside a tie takes all of them into the higher tier', () => {
    const spec = { ...SMALL, tiers: { method: 'quota' as const, unit: 'count' as const, tier1: 1, tier2: 1 } };
    const r = score(spec, ['P', 'Q', 'R'], [v('P', 'x', 9), v('Q', 'x', 9), v('R', 'x', 1), v('P', 'y', 90), v('Q', 'y', 90), v('R', 'y', 90), v('P', 'z', 1), v('Q', 'z', 1), v('R', 'z', 1)]);
    const by = Object.fromEntries(r.counties.map((c) => [c.divisionCode, c]));
    expect([by.P.rank, by.Q.rank, by.R.rank]).toEqual([1, 1, 3]);
    expect([by.P.tier, by.Q.tier, by.R.tier]).toEqual([1, 1, 3]);
  });

  it('missing values are excluded (others carry the weight) and reported; a county with nothing is unscored', () => {
    const r = score(SMALL, ['P', 'Q', 'E'], [v('P', 'x', 10), v('Q', 'x', 20), v('P', 'y', 90), v('Q', 'y', null), v('P', 'z', 0), v('Q', 'z', 10)]);
    const by = Object.fromEntries(r.counties.map((c) => [c.divisionCode, c]));
    expect(by.Q.missing).toEqual(['y']);
    expect(by.Q.indicators.y).toEqual({ value: null, score: null, contribution: 0, missing: true });
    // Q: A = x alone = 100, B = 100 -> 100.
    expect(by.Q.total).toBe(100);
    expect(by.E.total).toBeNull();
    expect(by.E.rank).toBeNull();
    expect(by.E.tier).toBeNull();
    expect(by.E.missing).toEqual(['x', 'y', 'z']);
    expect(r.unscored).toEqual(['E']);
    expect(r.scored).toBe(2);
    expect(r.missingValues).toBe(4);
    expect(r.counties.at(-1)!.divisionCode).toBe('E');
  });

  it('one value per county and indicator: a later entry replaces an earlier one, a later null clears it', () => {
    const r = score(SMALL, ['P', 'Q'], [v('P', 'x', 1), v('P', 'x', 9), v('Q', 'x', 5), v('P', 'z', 3), v('P', 'z', null)]);
    const p = r.counties.find((c) => c.divisionCode === 'P')!;
    expect(p.indicators.x.value).toBe(9);
    expect(p.missing).toEqual(['y', 'z']);
  });

  it("missing 'worst' scores a missing value 100 and still reports it", () => {
    const spec = { ...SMALL, missing: 'worst' as const };
    const r = score(spec, ['P', 'Q'], [v('P', 'x', 10), v('Q', 'x', 10), v('P', 'y', 100), v('P', 'z', 0), v('Q', 'z', 0)]);
    const q = r.counties.find((c) => c.divisionCode === 'Q')!;
    expect(q.indicators.y.score).toBe(100);
    expect(q.missing).toEqual(['y']);
    expect(q.total).toBe(37.5);
  });

  it('values of counties outside the period do not move its min-max', () => {
    const a = score(SMALL, ['P', 'Q'], [v('P', 'x', 0), v('Q', 'x', 10)]);
    const b = score(SMALL, ['P', 'Q'], [v('P', 'x', 0), v('Q', 'x', 10), v('OUT', 'x', 1000)]);
    expect(b.counties).toEqual(a.counties);
  });

  it('quota cuts by count and share', () => {
    expect(quotaCuts({ method: 'quota', unit: 'count', tier1: 40, tier2: 45 }, 129)).toEqual([40, 85]);
    expect(quotaCuts({ method: 'quota', unit: 'share', tier1: 0.31, tier2: 0.35 }, 129)).toEqual([40, 85]);
    expect(quotaCuts({ method: 'quota', unit: 'count', tier1: 40, tier2: 45 }, 10)).toEqual([10, 10]);
  });

  it('the framework refuses duplicate codes, inverted bounds and thresholds, naming the field', () => {
    const bad = structuredClone(SMALL) as any;
    bad.categories[1].dimensions[0].indicators[0].code = 'x';
    bad.categories[0].dimensions[1].indicators[0].normalise = { method: 'fixed', min: 5, max: 5 };
    bad.tiers = { method: 'score', tier1Min: 10, tier2Min: 20 };
    const r = FRAMEWORK_SPEC.safeParse(bad);
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['categories.1.dimensions.0.indicators.0.code', 'categories.0.dimensions.1.indicators.0.normalise.max', 'tiers.tier1Min']));
    expect(FRAMEWORK_SPEC.safeParse({ ...SMALL, categories: [{ ...SMALL.categories[0], weight: 0 }] }).success).toBe(false);
  });
});

describe('Hunan scale: 129 counties x 8 categories x 21 dimensions', () => {
  it('a generated framework of that size scores every county, 40 in tier 1', () => {
    const spec = syntheticFramework(8, 21, 2);
    expect(counts(spec)).toEqual({ categories: 8, dimensions: 21, indicators: 42 });
    const counties = countyCodes(129);
    const r = score(spec, counties, syntheticValues(spec, counties, 7));
    expect(r.scored).toBe(129);
    expect(r.tierCounts).toEqual({ 1: 40, 2: 45, 3: 44 });
    for (const c of r.counties) expect(Object.keys(c.dimensions)).toHaveLength(21);
  });
});

// ---------------------------------------------------------------- properties
const arbSpec = fc
  .record({
    categories: fc.integer({ min: 1, max: 4 }),
    dimensions: fc.integer({ min: 4, max: 8 }),
    per: fc.integer({ min: 1, max: 3 }),
    missing: fc.constantFrom('exclude' as const, 'worst' as const),
  })
  .map(({ categories, dimensions, per, missing }) => ({ ...syntheticFramework(categories, Math.max(categories, dimensions), per, { method: 'score', tier1Min: 60, tier2Min: 30 }), missing }));
const arbCase = arbSpec.chain((spec) => {
  const codes = flatten(spec).map((f) => f.indicator.code);
  const counties = fc.uniqueArray(fc.stringMatching(/^43\d{4}$/), { minLength: 1, maxLength: 12 });
  return counties.chain((cs) =>
    fc
      .array(fc.record({ d: fc.constantFrom(...cs), i: fc.constantFrom(...codes), v: fc.option(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { nil: null, freq: 8 }) }), { maxLength: 120 })
      .map((vals) => ({ spec, counties: cs, values: vals.map((x) => v(x.d, x.i, x.v)) })),
  );
});

describe('scoring properties', () => {
  it('effective weights sum to 1 at every size', () => {
    fc.assert(fc.property(arbSpec, (spec) => Math.abs(flatten(spec).reduce((a, f) => a + f.effectiveWeight, 0) - 1) < 1e-9));
  });

  it('scores stay in [0, 100], contributions add up to the total, missing values are listed, ranks and tiers are consistent', () => {
    fc.assert(
      fc.property(arbCase, ({ spec, counties, values }) => {
        const r = score(spec, counties, values);
        expect(r.counties).toHaveLength(counties.length);
        // The last entry for a county and indicator counts; null clears it.
        const last = new Map(values.map((x) => [`${x.divisionCode}|${x.indicatorCode}`, x.value]));
        const present = new Set([...last].filter(([, x]) => x !== null).map(([k]) => k));
        for (const c of r.counties) {
          for (const [code, s] of Object.entries(c.indicators)) {
            expect(s.missing).toBe(!present.has(`${c.divisionCode}|${code}`));
            if (s.score !== null) expect(s.score >= 0 && s.score <= 100).toBe(true);
          }
          expect(c.missing.sort()).toEqual(Object.entries(c.indicators).filter(([, s]) => s.missing).map(([k]) => k).sort());
          if (c.total === null) {
            expect(c.rank).toBeNull();
            expect(c.tier).toBeNull();
            continue;
          }
          expect(c.total >= 0 && c.total <= 100).toBe(true);
          const sum = Object.values(c.indicators).reduce((a, s) => a + s.contribution, 0);
          expect(Math.abs(sum - c.total)).toBeLessThan(0.01);
          expect(c.tier).toBe(c.total >= 60 ? 1 : c.total >= 30 ? 2 : 3);
        }
        const ranked = r.counties.filter((c) => c.total !== null);
        ranked.forEach((c, i) => {
          if (i === 0) return expect(c.rank).toBe(1);
          const prev = ranked[i - 1];
          expect(prev.total! >= c.total!).toBe(true);
          expect(c.rank).toBe(prev.total === c.total ? prev.rank : i + 1);
        });
        expect(r.tierCounts[1] + r.tierCounts[2] + r.tierCounts[3]).toBe(r.scored);
      }),
      { numRuns: 150 },
    );
  });

  it('monotone in direction: raising a risk indicator never lowers a county\'s total, raising a safety indicator never raises it (fixed bounds)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 50, noNaN: true }),
        fc.constantFrom('risk' as const, 'safety' as const),
        fc.double({ min: 0, max: 100, noNaN: true }),
        (base, up, direction, other) => {
          const spec = structuredClone(SMALL);
          spec.categories[0].dimensions[0].indicators[0] = { ...spec.categories[0].dimensions[0].indicators[0], direction, normalise: { method: 'fixed', min: 0, max: 100 } };
          const vals = (x: number) => [v('P', 'x', x), v('P', 'y', 90), v('P', 'z', other), v('Q', 'x', 50), v('Q', 'y', 90), v('Q', 'z', 3)];
          const a = score(spec, ['P', 'Q'], vals(base)).counties.find((c) => c.divisionCode === 'P')!.total!;
          const b = score(spec, ['P', 'Q'], vals(base + up)).counties.find((c) => c.divisionCode === 'P')!.total!;
          return direction === 'risk' ? b >= a - 1e-9 : b <= a + 1e-9;
        },
      ),
    );
  });

  it('min-max: a county\'s rank is monotone in a risk indicator\'s value when all else is equal', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 1000 }), { minLength: 2, maxLength: 10 }), (xs) => {
        const counties = xs.map((_, i) => `4306${String(i).padStart(2, '0')}`);
        const values = xs.flatMap((x, i) => [v(counties[i], 'x', x), v(counties[i], 'y', 90), v(counties[i], 'z', 1)]);
        const r = score(SMALL, counties, values);
        const rankOf = new Map(r.counties.map((c) => [c.divisionCode, c.rank!]));
        const order = [...xs.keys()].sort((a, b) => xs[b] - xs[a]);
        order.forEach((k, pos) => expect(rankOf.get(counties[k])).toBe(pos + 1));
      }),
    );
  });

  it('is deterministic and independent of the order of the input', () => {
    fc.assert(
      fc.property(arbCase, ({ spec, counties, values }) => {
        const a = score(spec, counties, values);
        // The last entry of a county x indicator wins; reverse only distinct pairs so the input means the same.
        const last = new Map(values.map((x) => [`${x.divisionCode}|${x.indicatorCode}`, x]));
        const b = score(spec, [...counties].reverse(), [...last.values()].reverse());
        expect(b.counties).toEqual(a.counties);
      }),
      { numRuns: 80 },
    );
  });

  it('quota tiers: at least the quota in tier 1 when there are enough counties, never a lower-ranked county in a higher tier', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 15 }), (xs, t1, t2) => {
        const spec = { ...SMALL, tiers: { method: 'quota' as const, unit: 'count' as const, tier1: t1, tier2: t2 } };
        const counties = xs.map((_, i) => `4306${String(i).padStart(2, '0')}`);
        const r = score(spec, counties, xs.flatMap((x, i) => [v(counties[i], 'x', x)]));
        expect(r.tierCounts[1]).toBeGreaterThanOrEqual(Math.min(t1, r.scored));
        const ranked = r.counties.filter((c) => c.rank !== null);
        for (let i = 1; i < ranked.length; i++) expect(ranked[i].tier!).toBeGreaterThanOrEqual(ranked[i - 1].tier!);
        for (let i = 1; i < ranked.length; i++) if (ranked[i].total === ranked[i - 1].total) expect(ranked[i].tier).toBe(ranked[i - 1].tier);
      }),
    );
  });
});
