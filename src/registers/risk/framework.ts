/**
 * The county risk indicator framework as data (县域风险评估指标体系):
 * categories -> dimensions -> indicators, each with a relative weight; an
 * indicator says which way is risky, how it is normalised (min-max across the
 * period's counties, or fixed bounds) and where its values come from (the
 * platform's own records, or entered / imported). The tier rule (score
 * thresholds or rank quotas) and the missing-value policy are part of it.
 *
 * A framework is versioned: once a period is scored with it, it is frozen, and
 * an edit makes the next version (the scored period keeps the one it used).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** Where an indicator's values come from. `entered` ones are typed or imported; the others are computed from records. */
export const SOURCES = [
  'entered',
  'cases_per_10k', // 12345 work orders per 10,000 residents (grid population); missing when the county has no population
  'cases', // 12345 work orders
  'complaint_rate', // share of work orders that are complaints (投诉)
  'overdue_orders', // work orders past their deadline (超期工单)
  'disputes', // disputes and hazards screened (矛盾纠纷排查)
  'dispute_resolution_rate', // share of them resolved (化解率)
  'petitions', // petitions registered (信访量)
] as const;
export type Source = (typeof SOURCES)[number];
export const SOURCE_LABELS: Record<Source, string> = {
  entered: '录入/导入',
  cases_per_10k: '每万人12345工单量',
  cases: '12345工单量',
  complaint_rate: '投诉占比',
  overdue_orders: '超期工单数',
  disputes: '矛盾纠纷排查数',
  dispute_resolution_rate: '矛盾纠纷化解率',
  petitions: '信访量',
};

const CODE = z.string().trim().regex(/^[A-Za-z0-9_.-]{1,32}$/, '代码为 1–32 位字母、数字、_ . - (1-32 letters, digits, _ . -)');
const NAME = z.string().trim().min(1).max(100);
const WEIGHT = z.number().positive('权重须大于 0 (weight must be positive)').max(1000);

export const NORMALISE = z.discriminatedUnion('method', [
  z.strictObject({ method: z.literal('minmax') }).describe('(v - min) / (max - min) across the scored counties; all equal gives 0'),
  z.strictObject({ method: z.literal('fixed'), min: z.number(), max: z.number() }).describe('(v - min) / (max - min), clamped to [0, 1]'),
]);
export type Normalise = z.infer<typeof NORMALISE>;

export const INDICATOR = z.strictObject({
  code: CODE,
  name: NAME,
  weight: WEIGHT,
  direction: z.enum(['risk', 'safety']).describe('risk: a higher value is riskier; safety: a higher value is safer'),
  normalise: NORMALISE,
  source: z.enum(SOURCES).default('entered'),
  unit: z.string().max(20).optional(),
});
export const DIMENSION = z.strictObject({ code: CODE, name: NAME, weight: WEIGHT, indicators: z.array(INDICATOR).min(1).max(50) });
export const CATEGORY = z.strictObject({ code: CODE, name: NAME, weight: WEIGHT, dimensions: z.array(DIMENSION).min(1).max(30) });

export const TIER_RULE = z.discriminatedUnion('method', [
  z
    .strictObject({ method: z.literal('score'), tier1Min: z.number().min(0).max(100), tier2Min: z.number().min(0).max(100) })
    .describe('total >= tier1Min is tier 1, total >= tier2Min tier 2, else tier 3'),
  z
    .strictObject({ method: z.literal('quota'), unit: z.enum(['count', 'share']), tier1: z.number().min(0), tier2: z.number().min(0) })
    .describe('the riskiest `tier1` counties (or share of counties) are tier 1, the next `tier2` tier 2; counties tied at a cut go to the higher tier'),
]);
export type TierRule = z.infer<typeof TIER_RULE>;

export const FRAMEWORK_SPEC = z
  .strictObject({
    categories: z.array(CATEGORY).min(1).max(20),
    tiers: TIER_RULE,
    missing: z
      .enum(['exclude', 'worst'])
      .default('exclude')
      .describe('a county without a value: exclude (the other indicators of its dimension carry the weight) or worst (scored 100); reported either way'),
  })
  .superRefine((s, ctx) => {
    const seen = new Map<string, string>();
    const once = (code: string, path: (string | number)[]) => {
      if (seen.has(code)) ctx.addIssue({ code: 'custom', path: [...path, 'code'], message: `代码重复 (duplicate code ${code})` });
      seen.set(code, code);
    };
    s.categories.forEach((c, i) => {
      once(c.code, ['categories', i]);
      c.dimensions.forEach((d, j) => {
        once(d.code, ['categories', i, 'dimensions', j]);
        d.indicators.forEach((x, k) => {
          once(x.code, ['categories', i, 'dimensions', j, 'indicators', k]);
          if (x.normalise.method === 'fixed' && !(x.normalise.max > x.normalise.min))
            ctx.addIssue({ code: 'custom', path: ['categories', i, 'dimensions', j, 'indicators', k, 'normalise', 'max'], message: '上限须大于下限 (max must exceed min)' });
        });
      });
    });
    if (s.tiers.method === 'score' && !(s.tiers.tier1Min > s.tiers.tier2Min))
      ctx.addIssue({ code: 'custom', path: ['tiers', 'tier1Min'], message: '一类分数线须高于二类 (tier1Min must exceed tier2Min)' });
    if (s.tiers.method === 'quota' && s.tiers.unit === 'share' && s.tiers.tier1 + s.tiers.tier2 > 1)
      ctx.addIssue({ code: 'custom', path: ['tiers', 'tier2'], message: '比例之和不能超过 1 (shares must sum to at most 1)' });
  });
export type FrameworkSpec = z.infer<typeof FRAMEWORK_SPEC>;
export type Indicator = z.infer<typeof INDICATOR>;

/** Every indicator with its category and dimension and its effective weight (the three levels' shares multiplied; they sum to 1). */
export interface FlatIndicator {
  indicator: Indicator;
  category: string;
  dimension: string;
  /** The indicator's share of the total score. */
  effectiveWeight: number;
}

export function flatten(spec: Pick<FrameworkSpec, 'categories'>): FlatIndicator[] {
  const out: FlatIndicator[] = [];
  const cw = spec.categories.reduce((s, c) => s + c.weight, 0);
  for (const c of spec.categories) {
    const dw = c.dimensions.reduce((s, d) => s + d.weight, 0);
    for (const d of c.dimensions) {
      const iw = d.indicators.reduce((s, x) => s + x.weight, 0);
      for (const x of d.indicators) out.push({ indicator: x, category: c.code, dimension: d.code, effectiveWeight: (c.weight / cw) * (d.weight / dw) * (x.weight / iw) });
    }
  }
  return out;
}

export const counts = (spec: Pick<FrameworkSpec, 'categories'>) => ({
  categories: spec.categories.length,
  dimensions: spec.categories.reduce((s, c) => s + c.dimensions.length, 0),
  indicators: spec.categories.reduce((s, c) => s + c.dimensions.reduce((t, d) => t + d.indicators.length, 0), 0),
});

/** The framework that ships with the product (data/county-framework.json): 8 categories, 21 dimensions, after Hunan's county assessment. */
export function defaultFramework(): { code: string; name: string; spec: FrameworkSpec } {
  const raw = JSON.parse(readFileSync(new URL('./data/county-framework.json', import.meta.url), 'utf8')) as { code: string; name: string; spec: unknown };
  return { code: raw.code, name: raw.name, spec: FRAMEWORK_SPEC.parse(raw.spec) };
}
