/**
 * County risk scoring: a pure function from a framework and the period's
 * indicator values to a score (0 = least risky, 100 = riskiest) per
 * indicator, dimension, category and in total, a rank and a tier per county.
 *
 * - Indicator score: the value normalised to [0, 1] (min-max across the scored
 *   counties, or fixed bounds, clamped), turned round for `safety` indicators,
 *   times 100. Min-max over counties that all share one value gives 0 (the
 *   indicator tells them apart in nothing).
 * - A missing value is never silently a zero: under `exclude` the indicator
 *   drops out and the others of its dimension carry its weight (a dimension
 *   or category with nothing left drops out the same way); under `worst` it
 *   scores 100. Either way it is listed in the county's `missing`.
 * - Weights are relative within their parent; contributions (the effective
 *   weight times the score) add up to the total exactly, and the largest are
 *   the county's drivers (what puts it in its tier).
 * - Ranks: highest total first, equal totals share a rank (1, 2, 2, 4); a
 *   county with no value at all is unscored (no total, rank or tier).
 * - Tiers: by score thresholds, or by quota (the riskiest N or share are tier
 *   1, the next tier 2); counties tied at a quota's cut go to the higher tier.
 */
import type { FrameworkSpec, Indicator, TierRule } from './framework.ts';

export interface IndicatorValue {
  divisionCode: string;
  indicatorCode: string;
  value: number | null;
}

export interface IndicatorScore {
  value: number | null;
  /** 0..100, null when missing and excluded. */
  score: number | null;
  /** Points of the total this indicator gives (the sum over indicators is the total). */
  contribution: number;
  missing: boolean;
}

export interface CountyScore {
  divisionCode: string;
  total: number | null;
  rank: number | null;
  tier: 1 | 2 | 3 | null;
  categories: Record<string, number | null>;
  dimensions: Record<string, number | null>;
  indicators: Record<string, IndicatorScore>;
  /** Indicator codes without a value for this county. */
  missing: string[];
  /** The largest contributions, largest first. */
  drivers: { indicatorCode: string; contribution: number }[];
}

export interface ScoringResult {
  counties: CountyScore[];
  /** Counties ranked (scored), by rank. */
  scored: number;
  unscored: string[];
  tierCounts: { 1: number; 2: number; 3: number };
  /** Missing values in all: county x indicator pairs. */
  missingValues: number;
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;
const DRIVERS = 5;

function normaliser(ind: Indicator, present: number[]): (v: number) => number {
  let lo: number;
  let hi: number;
  if (ind.normalise.method === 'fixed') {
    lo = ind.normalise.min;
    hi = ind.normalise.max;
  } else {
    lo = Infinity;
    hi = -Infinity;
    for (const v of present) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  const span = hi - lo;
  return (v: number) => {
    const x = span > 0 ? Math.min(1, Math.max(0, (v - lo) / span)) : 0;
    return (ind.direction === 'risk' ? x : 1 - x) * 100;
  };
}

/** How many counties the tier rule puts in tiers 1 and 1+2, of n scored. */
export function quotaCuts(rule: Extract<TierRule, { method: 'quota' }>, n: number): [number, number] {
  const k = (x: number) => Math.min(n, Math.max(0, rule.unit === 'count' ? Math.floor(x) : Math.round(x * n)));
  const k1 = k(rule.tier1);
  return [k1, Math.min(n, k1 + k(rule.tier2))];
}

export function score(spec: FrameworkSpec, counties: readonly string[], values: readonly IndicatorValue[]): ScoringResult {
  const codes = [...new Set(counties)];
  const byIndicator = new Map<string, Map<string, number>>();
  // One value per county and indicator: a later entry replaces an earlier one, and null (or not a finite number) clears it.
  for (const v of values) {
    let m = byIndicator.get(v.indicatorCode);
    if (v.value === null || !Number.isFinite(v.value)) {
      m?.delete(v.divisionCode);
      continue;
    }
    if (!m) byIndicator.set(v.indicatorCode, (m = new Map()));
    m.set(v.divisionCode, v.value);
  }
  const inScope = new Set(codes);
  // Normalisers over the scored counties' values only.
  const norm = new Map<string, (v: number) => number>();
  for (const c of spec.categories)
    for (const d of c.dimensions)
      for (const ind of d.indicators) {
        const m = byIndicator.get(ind.code);
        const present: number[] = [];
        if (m) for (const [dc, v] of m) if (inScope.has(dc)) present.push(v);
        norm.set(ind.code, normaliser(ind, present));
      }

  const worst = spec.missing === 'worst';
  let missingValues = 0;
  const out: CountyScore[] = codes.map((dc) => {
    const indicators: Record<string, IndicatorScore> = {};
    const dimensions: Record<string, number | null> = {};
    const categories: Record<string, number | null> = {};
    const missing: string[] = [];
    let anyValue = false;
    // Weighted means with weights renormalised over what is present; contributions follow the same shares.
    const catParts: { w: number; s: number; parts: { code: string; share: number }[] }[] = [];
    for (const c of spec.categories) {
      const dimParts: { w: number; s: number; parts: { code: string; share: number }[] }[] = [];
      for (const d of c.dimensions) {
        const parts: { w: number; s: number; code: string }[] = [];
        for (const ind of d.indicators) {
          const v = byIndicator.get(ind.code)?.get(dc);
          if (v === undefined) {
            missing.push(ind.code);
            const s = worst ? 100 : null;
            indicators[ind.code] = { value: null, score: s, contribution: 0, missing: true };
            if (s !== null) parts.push({ w: ind.weight, s, code: ind.code });
          } else {
            anyValue = true;
            const s = norm.get(ind.code)!(v);
            indicators[ind.code] = { value: v, score: round(s), contribution: 0, missing: false };
            parts.push({ w: ind.weight, s, code: ind.code });
          }
        }
        const w = parts.reduce((a, p) => a + p.w, 0);
        if (w > 0) {
          const s = parts.reduce((a, p) => a + p.w * p.s, 0) / w;
          dimensions[d.code] = round(s);
          dimParts.push({ w: d.weight, s, parts: parts.map((p) => ({ code: p.code, share: p.w / w })) });
        } else dimensions[d.code] = null;
      }
      const w = dimParts.reduce((a, p) => a + p.w, 0);
      if (w > 0) {
        const s = dimParts.reduce((a, p) => a + p.w * p.s, 0) / w;
        categories[c.code] = round(s);
        catParts.push({ w: c.weight, s, parts: dimParts.flatMap((dp) => dp.parts.map((p) => ({ code: p.code, share: (dp.w / w) * p.share }))) });
      } else categories[c.code] = null;
    }
    missingValues += missing.length;
    const w = catParts.reduce((a, p) => a + p.w, 0);
    let total: number | null = null;
    if (anyValue && w > 0) {
      total = round(catParts.reduce((a, p) => a + p.w * p.s, 0) / w);
      for (const cp of catParts)
        for (const p of cp.parts) {
          const x = indicators[p.code];
          x.contribution = round((cp.w / w) * p.share * (x.score ?? 0));
        }
    }
    const drivers = total === null
      ? []
      : Object.entries(indicators)
          .filter(([, x]) => x.contribution > 0)
          .sort((a, b) => b[1].contribution - a[1].contribution || (a[0] < b[0] ? -1 : 1))
          .slice(0, DRIVERS)
          .map(([indicatorCode, x]) => ({ indicatorCode, contribution: x.contribution }));
    return { divisionCode: dc, total, rank: null, tier: null, categories, dimensions, indicators, missing, drivers };
  });

  // Ranks: competition ranking over the scored, highest total first; ties in code order for a stable list.
  const ranked = out.filter((c) => c.total !== null).sort((a, b) => b.total! - a.total! || (a.divisionCode < b.divisionCode ? -1 : 1));
  ranked.forEach((c, i) => {
    c.rank = i > 0 && ranked[i - 1].total === c.total ? ranked[i - 1].rank : i + 1;
  });
  const rule = spec.tiers;
  const n = ranked.length;
  const [k1, k12] = rule.method === 'quota' ? quotaCuts(rule, n) : [0, 0];
  for (const c of ranked) {
    if (rule.method === 'score') c.tier = c.total! >= rule.tier1Min ? 1 : c.total! >= rule.tier2Min ? 2 : 3;
    else c.tier = c.rank! <= k1 ? 1 : c.rank! <= k12 ? 2 : 3;
  }
  const tierCounts = { 1: 0, 2: 0, 3: 0 };
  for (const c of ranked) tierCounts[c.tier!]++;
  const rest = out.filter((c) => c.total === null).sort((a, b) => (a.divisionCode < b.divisionCode ? -1 : 1));
  return { counties: [...ranked, ...rest], scored: n, unscored: rest.map((c) => c.divisionCode), tierCounts, missingValues };
}
