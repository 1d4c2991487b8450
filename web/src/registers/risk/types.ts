/** The risk register's answers as the console reads them (mirrors src/registers/risk/routes.ts). */
export interface Period { id: string; code: string; name: string; scopeCode: string; scopeName: string | null; startsOn: string; endsOn: string; frameworkId: string; scoredAt: string | null }
export interface CategoryScore { code: string; name: string; score: number | null }
export interface RankItem { divisionCode: string; divisionName: string | null; total: number | null; rank: number | null; tier: number | null; categories: CategoryScore[]; missing: number }
export interface Ranking { period: Period; of: number; tierCounts: Record<'1' | '2' | '3', number>; items: RankItem[] }
export interface IndicatorReport { code: string; name: string; unit: string | null; direction: string; source: string; weight: number; value: number | null; score: number | null; contribution: number; missing: boolean }
export interface Report {
  period: Period;
  framework: { id: string; code: string; version: number; name: string; tiers: { method: string; [k: string]: unknown } };
  divisionCode: string; divisionName: string | null; total: number | null; rank: number | null; of: number; tier: number | null;
  categories: { code: string; name: string; weight: number; score: number | null; dimensions: { code: string; name: string; weight: number; score: number | null; indicators: IndicatorReport[] }[] }[];
  drivers: { indicatorCode: string; name: string; category: string; dimension: string; value: number | null; score: number | null; contribution: number }[];
  missing: { code: string; name: string }[];
  trend: { periodId: string; code: string; name: string; total: number | null; rank: number | null; tier: number | null; of: number }[];
}
export interface Indicator { code: string; name: string; weight: number; direction: 'risk' | 'safety'; normalise: { method: 'minmax' } | { method: 'fixed'; min: number; max: number }; source: string; unit?: string }
export interface Spec {
  categories: { code: string; name: string; weight: number; dimensions: { code: string; name: string; weight: number; indicators: Indicator[] }[] }[];
  tiers: { method: 'score'; tier1Min: number; tier2Min: number } | { method: 'quota'; unit: 'count' | 'share'; tier1: number; tier2: number };
  missing: 'exclude' | 'worst';
}
export interface Framework { id: string; code: string; version: number; name: string; frozen: boolean; categories: number; dimensions: number; indicators: number; updatedAt: string; spec?: Spec; sources?: Record<string, string> }
export interface Values { period: Period; indicators: { code: string; name: string; category: string; dimension: string; source: string; unit: string | null }[]; items: { divisionCode: string; divisionName: string; values: Record<string, { value: number | null; source: string }> }[] }
export interface Assessment {
  id: string; no: string; project: string; summary: string | null; divisionCode: string; divisionName: string | null; responsibleUnit: string; assessingBody: string | null; thirdParty: boolean;
  experts: { name: string; field: string; affiliation: string | null; phone: string | null }[];
  dimensions: Record<'legality' | 'reasonableness' | 'feasibility' | 'controllability', { label: string; score: number | null; findings: string } | null>;
  survey: { sampleSize: number; supporters: number; supportRate: number | null; method: string | null } | null;
  outcome: 'high' | 'medium' | 'low' | null; decision: 'proceed' | 'postpone' | 'reject' | null; conditions: string | null;
  status: string; statusLabel: string; version: number; createdAt: string; actions: string[]; masked: boolean;
  timeline?: { at: string; action: string; comment: string | null; data: Record<string, unknown>; actor: { name: string | null; unitName: string | null } }[];
}

export const TIER_COLOR: Record<number, string> = { 1: 'red', 2: 'orange', 3: 'green' };
export const tierText = (t: (zh: string, en: string) => string, tier: number | null) => (tier === 1 ? t('一类', 'Tier 1') : tier === 2 ? t('二类', 'Tier 2') : tier === 3 ? t('三类', 'Tier 3') : t('未评分', 'Unscored'));
export const fmt = (x: number | null | undefined, d = 2) => (x === null || x === undefined ? '—' : x.toFixed(d));
