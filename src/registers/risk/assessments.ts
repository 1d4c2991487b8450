/** Projects' social-stability risk assessments: rows, visibility, views, ledger columns. */
import { z } from 'zod';
import type { Queryable } from '../../platform/db.ts';
import { notFound } from '../../platform/errors.ts';
import { maskName, maskPhone } from '../../platform/masking.ts';
import type { Principal } from '../../org/auth.ts';
import { seesPersons, ledgerDate, type LedgerColumn } from '../kit/index.ts';
import { DIMENSIONS, DIMENSION_LABELS, STATUS_LABELS, allowedActions, supportRate, validPanel, type Decision, type Facts, type RiskLevel, type Status } from './lifecycle.ts';

export const EXPERT = z.strictObject({
  name: z.string().trim().min(1).max(50),
  field: z.string().trim().min(1).max(50).describe('the expert\'s field (法律, 工程, 社会学, 财务 ...)'),
  affiliation: z.string().trim().max(100).optional(),
  phone: z.string().trim().regex(/^[0-9+\-\s]{5,20}$/, '电话号码格式不正确 (a phone number)').optional(),
});
export const PANEL = z
  .array(EXPERT)
  .max(5)
  .refine((a) => a.length === 0 || validPanel(a.length), '专家组须为 3 名或 5 名专家 (a panel has 3 or 5 experts)')
  .refine((a) => new Set(a.map((x) => x.name)).size === a.length, '专家姓名重复 (an expert is named twice)');

export const DIMENSION_FINDING = z.strictObject({ score: z.number().int().min(0).max(100).optional().describe('0 (no concern) .. 100 (grave concern)'), findings: z.string().trim().min(1).max(4000) });
export const DIMENSIONS_INPUT = z.strictObject({ legality: DIMENSION_FINDING, reasonableness: DIMENSION_FINDING, feasibility: DIMENSION_FINDING, controllability: DIMENSION_FINDING });
export const SURVEY = z
  .strictObject({ sampleSize: z.number().int().min(1).max(10_000_000), supporters: z.number().int().min(0), method: z.string().trim().max(200).optional() })
  .refine((s) => s.supporters <= s.sampleSize, { path: ['supporters'], message: '支持人数不能超过样本量 (supporters cannot exceed the sample size)' });

interface Expert { name: string; field: string; affiliation?: string; phone?: string }
export interface AssessmentRow {
  id: string;
  no: string;
  project: string;
  summary: string | null;
  division_code: string;
  division_name: string | null;
  responsible_unit: string;
  assessing_body: string | null;
  third_party: boolean;
  experts: Expert[];
  dimensions: Partial<Record<(typeof DIMENSIONS)[number], { score?: number; findings: string }>>;
  survey_sample: number | null;
  survey_supporters: number | null;
  survey_method: string | null;
  outcome: RiskLevel | null;
  decision: Decision | null;
  conditions: string | null;
  status: Status;
  version: number;
  created_by: string | null;
  created_at: Date;
  assessed_at: Date | null;
  decided_at: Date | null;
  closed_at: Date | null;
}

export const ASSESSMENT_SELECT = `SELECT a.*, d.name AS division_name FROM risk_assessments a LEFT JOIN divisions d ON d.code = a.division_code`;

/** Assessments in the caller's divisions, or made by them. */
export function assessmentVisibility(p: Principal, prefixes: string[] | null, a: string, params: unknown[]): string {
  if (prefixes === null) return 'TRUE';
  return `(${a}.division_code LIKE ANY ($${params.push(prefixes.map((x) => `${x}%`))}::text[]) OR ${a}.created_by = $${params.push(p.id)}::uuid)`;
}

export async function loadVisibleAssessment(q: Queryable, p: Principal, prefixes: string[] | null, ref: string): Promise<AssessmentRow> {
  const params: unknown[] = [ref];
  const key = /^[0-9a-f-]{36}$/i.test(ref) ? 'a.id = $1::uuid' : 'a.no = $1';
  const r = (await q.query<AssessmentRow>(`${ASSESSMENT_SELECT} WHERE ${key} AND ${assessmentVisibility(p, prefixes, 'a', params)}`, params))[0];
  if (!r) throw notFound('risk assessment');
  return r;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export const ASSESSMENT_VIEW = z.object({
  id: z.uuid(),
  no: z.string(),
  project: z.string(),
  summary: z.string().nullable(),
  divisionCode: z.string(),
  divisionName: z.string().nullable(),
  responsibleUnit: z.string(),
  assessingBody: z.string().nullable(),
  thirdParty: z.boolean().describe('assessed by a third-party body (第三方评估机构)'),
  experts: z.array(z.object({ name: z.string(), field: z.string(), affiliation: z.string().nullable(), phone: z.string().nullable() })),
  dimensions: z.object(Object.fromEntries(DIMENSIONS.map((d) => [d, z.object({ label: z.string(), score: z.number().nullable(), findings: z.string() }).nullable()])) as Record<(typeof DIMENSIONS)[number], z.ZodNullable<z.ZodObject<{ label: z.ZodString; score: z.ZodNullable<z.ZodNumber>; findings: z.ZodString }>>>),
  survey: z.object({ sampleSize: z.number().int(), supporters: z.number().int(), supportRate: z.number().nullable().describe('supporters / sample size, 4 decimals'), method: z.string().nullable() }).nullable(),
  outcome: z.enum(['high', 'medium', 'low']).nullable(),
  decision: z.enum(['proceed', 'postpone', 'reject']).nullable(),
  conditions: z.string().nullable(),
  status: z.string(),
  statusLabel: z.string(),
  version: z.number().int(),
  createdAt: z.string(),
  assessedAt: z.string().nullable(),
  decidedAt: z.string().nullable(),
  closedAt: z.string().nullable(),
  masked: z.boolean().describe('experts\' names and phones masked for the caller'),
  actions: z.array(z.string()),
});
export type AssessmentView = z.infer<typeof ASSESSMENT_VIEW>;

export const factsOf = (r: AssessmentRow): Facts => ({ status: r.status, assessingBody: r.assessing_body, expertCount: r.experts.length, decision: r.decision });

export function assessmentView(r: AssessmentRow, p: Principal): AssessmentView {
  const full = seesPersons(p);
  return {
    id: r.id,
    no: r.no,
    project: r.project,
    summary: r.summary,
    divisionCode: r.division_code,
    divisionName: r.division_name,
    responsibleUnit: r.responsible_unit,
    assessingBody: r.assessing_body,
    thirdParty: r.third_party,
    experts: r.experts.map((e) => ({ name: full ? e.name : maskName(e.name), field: e.field, affiliation: e.affiliation ?? null, phone: full ? (e.phone ?? null) : maskPhone(e.phone ?? null) })),
    dimensions: Object.fromEntries(DIMENSIONS.map((d) => [d, r.dimensions[d] ? { label: DIMENSION_LABELS[d], score: r.dimensions[d]!.score ?? null, findings: r.dimensions[d]!.findings } : null])) as AssessmentView['dimensions'],
    survey: r.survey_sample ? { sampleSize: r.survey_sample, supporters: r.survey_supporters ?? 0, supportRate: supportRate(r.survey_sample, r.survey_supporters), method: r.survey_method } : null,
    outcome: r.outcome,
    decision: r.decision,
    conditions: r.conditions,
    status: r.status,
    statusLabel: STATUS_LABELS[r.status],
    version: r.version,
    createdAt: iso(r.created_at)!,
    assessedAt: iso(r.assessed_at),
    decidedAt: iso(r.decided_at),
    closedAt: iso(r.closed_at),
    masked: !full,
    actions: allowedActions(factsOf(r), p.roles),
  };
}

const OUTCOME_ZH: Record<string, string> = { high: '高风险', medium: '中风险', low: '低风险' };
const DECISION_ZH: Record<string, string> = { proceed: '实施', postpone: '暂缓实施', reject: '不予实施' };

/** The assessments ledger; experts masked unless the caller's role sees persons. */
export function assessmentColumns(p: Principal): LedgerColumn<AssessmentRow>[] {
  const full = seesPersons(p);
  return [
    { header: '编号', value: (r) => r.no, width: 18 },
    { header: '项目名称', value: (r) => r.project, width: 30 },
    { header: '区划', value: (r) => r.division_name ?? r.division_code },
    { header: '责任单位', value: (r) => r.responsible_unit, width: 20 },
    { header: '评估主体', value: (r) => r.assessing_body, width: 20 },
    { header: '第三方', value: (r) => (r.third_party ? '是' : '否'), width: 8 },
    { header: '专家组', value: (r) => r.experts.map((e) => `${full ? e.name : maskName(e.name)}(${e.field})`).join('、'), width: 30 },
    ...DIMENSIONS.map((d) => ({ header: DIMENSION_LABELS[d], value: (r: AssessmentRow) => r.dimensions[d]?.score ?? null, width: 8 })),
    { header: '调查样本量', value: (r) => r.survey_sample, width: 10 },
    { header: '支持人数', value: (r) => r.survey_supporters, width: 10 },
    { header: '支持率', value: (r) => supportRate(r.survey_sample, r.survey_supporters), numFmt: '0.00%', width: 10 },
    { header: '风险等级', value: (r) => (r.outcome ? OUTCOME_ZH[r.outcome] : null), width: 10 },
    { header: '决策', value: (r) => (r.decision ? DECISION_ZH[r.decision] : null), width: 10 },
    { header: '实施条件', value: (r) => r.conditions, width: 30 },
    { header: '状态', value: (r) => STATUS_LABELS[r.status], width: 10 },
    { header: '登记日期', value: (r) => ledgerDate(r.created_at), width: 12 },
  ];
}
