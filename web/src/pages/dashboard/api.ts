/** Types (from src/stats/types.ts) and calls of the stats API (src/stats/routes.ts) as the dashboards use them. */
import type { Json } from '../../../../src/platform/json.ts';
import type { ComparedRateItem, OverdueResponse as ServerOverdueResponse, RatesResponse, VolumeItem, VolumesResponse } from '../../../../src/stats/types.ts';

/** A group as GET /api/stats/rates answers it, with its previous period's figures when compared. */
export type RateItem = ComparedRateItem;
export type { RatesResponse, VolumeItem, VolumesResponse };
/** GET /api/stats/overdue, dates as strings. */
export type OverdueResponse = Json<ServerOverdueResponse>;

export type RateKey = 'responseRate' | 'resolutionRate' | 'satisfactionRate' | 'onTimeRate';

/** Numerator and denominator of each rate, as the API defines them. */
export const RATE_PARTS: Record<RateKey, { num: keyof RateItem; den: keyof RateItem; zh: string; en: string; numZh: string; numEn: string; denZh: string; denEn: string }> = {
  responseRate: { num: 'acceptedOnTime', den: 'dispatched', zh: '响应率', en: 'Response', numZh: '按时签收', numEn: 'accepted in time', denZh: '派单', denEn: 'dispatched' },
  resolutionRate: { num: 'solved', den: 'closed', zh: '解决率', en: 'Resolution', numZh: '核查已解决', numEn: 'verified solved', denZh: '办结', denEn: 'closed' },
  satisfactionRate: { num: 'satisfied', den: 'rated', zh: '满意率', en: 'Satisfaction', numZh: '满意', numEn: 'satisfied', denZh: '已评价', denEn: 'rated' },
  onTimeRate: { num: 'repliedOnTime', den: 'onTimeBase', zh: '按期率', en: 'On time', numZh: '按期答复', numEn: 'replied in time', denZh: '应答复', denEn: 'due replies' },
};

export const pct = (v: number | null | undefined, digits = 1) => (v == null ? '—' : `${(v * 100).toFixed(digits)}%`);
export const num = (v: number | null | undefined) => (v == null ? '—' : Number.isInteger(v) ? v.toLocaleString() : v.toLocaleString(undefined, { maximumFractionDigits: 1 }));

