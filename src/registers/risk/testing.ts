/**
 * Test support (tests and bench only): a synthetic framework of any size and
 * values for it, e.g. Hunan's 8 categories and 21 dimensions over 129 counties.
 */
import type { FrameworkSpec } from './framework.ts';
import type { IndicatorValue } from './scoring.ts';

/** `dimensions` spread over `categories` as evenly as possible, `perDimension` indicators each, every third one a 'safety' indicator. */
export function syntheticFramework(categories = 8, dimensions = 21, perDimension = 2, tiers: FrameworkSpec['tiers'] = { method: 'quota', unit: 'count', tier1: 40, tier2: 45 }): FrameworkSpec {
  let d = 0;
  let i = 0;
  return {
    missing: 'exclude',
    tiers,
    categories: Array.from({ length: categories }, (_, c) => {
      const n = Math.floor(dimensions / categories) + (c < dimensions % categories ? 1 : 0);
      return {
        code: `C${c + 1}`,
        name: `类别${c + 1}`,
        weight: 1 + (c % 3),
        dimensions: Array.from({ length: n }, () => {
          d++;
          return {
            code: `D${d}`,
            name: `维度${d}`,
            weight: 1 + (d % 2),
            indicators: Array.from({ length: perDimension }, () => {
              i++;
              return {
                code: `I${i}`,
                name: `指标${i}`,
                weight: 1 + (i % 4),
                direction: i % 3 === 0 ? ('safety' as const) : ('risk' as const),
                normalise: i % 5 === 0 ? { method: 'fixed' as const, min: 0, max: 100 } : { method: 'minmax' as const },
                source: 'entered' as const,
              };
            }),
          };
        }),
      };
    }),
  };
}

/** Deterministic values for every county x indicator (a small LCG), `missingEvery` leaving gaps. */
export function syntheticValues(spec: FrameworkSpec, counties: readonly string[], seed = 1, missingEvery = 0): IndicatorValue[] {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const out: IndicatorValue[] = [];
  let k = 0;
  for (const c of spec.categories)
    for (const d of c.dimensions)
      for (const ind of d.indicators)
        for (const dc of counties) {
          k++;
          if (missingEvery && k % missingEvery === 0) continue;
          out.push({ divisionCode: dc, indicatorCode: ind.code, value: Math.round(rnd() * 10_000) / 100 });
        }
  return out;
}

/** 129 county codes (430101 ...). */
export const countyCodes = (n: number) => Array.from({ length: n }, (_, i) => `43${String(1 + Math.floor(i / 20)).padStart(2, '0')}${String(1 + (i % 20)).padStart(2, '0')}`);
