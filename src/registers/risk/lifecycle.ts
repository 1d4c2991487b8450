/**
 * The lifecycle of a project's social-stability risk assessment
 * (重大决策社会稳定风险评估), pure: who may do what in which state, and with
 * which input.
 *
 *   draft -> assessing (an assessing body and a panel of 3 or 5 experts)
 *         -> assessed  (findings on the four dimensions 合法 合理 可行 可控,
 *                       the public opinion survey, the risk level)
 *         -> decided   (proceed / postpone / do not proceed, with conditions;
 *                       a high risk may not simply proceed, a medium risk
 *                       proceeds only on conditions)
 *         -> following_up (entries on how the conditions are kept)
 *         -> closed
 * A project decided "do not proceed" closes without follow-up. Follow-up
 * entries may be added in following_up as often as needed.
 */
export const STATUSES = ['draft', 'assessing', 'assessed', 'decided', 'following_up', 'closed'] as const;
export type Status = (typeof STATUSES)[number];
export const STATUS_LABELS: Record<Status, string> = {
  draft: '草稿',
  assessing: '评估中',
  assessed: '已评估',
  decided: '已决策',
  following_up: '跟踪落实',
  closed: '已办结',
};

export const ACTIONS = ['start', 'assess', 'decide', 'follow_up', 'close'] as const;
export type Action = (typeof ACTIONS)[number];
export const ACTION_LABELS: Record<Action, string> = { start: '启动评估', assess: '评估结论', decide: '作出决策', follow_up: '跟踪记录', close: '办结' };

export const DIMENSIONS = ['legality', 'reasonableness', 'feasibility', 'controllability'] as const;
export type Dimension = (typeof DIMENSIONS)[number];
export const DIMENSION_LABELS: Record<Dimension, string> = { legality: '合法性', reasonableness: '合理性', feasibility: '可行性', controllability: '可控性' };
export const RISK_LEVELS = ['high', 'medium', 'low'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];
export const DECISIONS = ['proceed', 'postpone', 'reject'] as const;
export type Decision = (typeof DECISIONS)[number];

export const WRITER_ROLES = ['supervisor', 'township'] as const;
export const ACTION_ROLES: Record<Action, readonly string[]> = {
  start: WRITER_ROLES,
  assess: WRITER_ROLES,
  decide: ['leader', 'supervisor'],
  follow_up: WRITER_ROLES,
  close: ['leader', 'supervisor'],
};

export interface Facts {
  status: Status;
  assessingBody: string | null;
  expertCount: number;
  decision: Decision | null;
}

export interface Input {
  assessingBody?: string;
  expertCount?: number;
  dimensionsComplete?: boolean;
  surveySample?: number;
  surveySupport?: number;
  outcome?: RiskLevel;
  decision?: Decision;
  conditions?: string;
  note?: string;
}

export type Decided = { ok: true; to: Status } | { ok: false; reason: 'state' | 'role' | 'input'; field?: string; message: string };

const FROM: Record<Action, readonly Status[]> = {
  start: ['draft'],
  assess: ['assessing'],
  decide: ['assessed'],
  follow_up: ['decided', 'following_up'],
  close: ['decided', 'following_up'],
};

export const validPanel = (n: number) => n === 3 || n === 5;

export function decide(f: Facts, action: Action, roles: readonly string[], input: Input): Decided {
  if (!roles.includes('admin') && !ACTION_ROLES[action].some((r) => roles.includes(r))) return { ok: false, reason: 'role', message: `只有 ${ACTION_ROLES[action].join('/')} 可以${ACTION_LABELS[action]}` };
  if (!FROM[action].includes(f.status)) return { ok: false, reason: 'state', message: `${STATUS_LABELS[f.status]}状态不能${ACTION_LABELS[action]} (not allowed in state ${f.status})` };
  const bad = (field: string, message: string): Decided => ({ ok: false, reason: 'input', field, message });
  switch (action) {
    case 'start': {
      const body = input.assessingBody ?? f.assessingBody;
      if (!body) return bad('assessingBody', '请填写评估主体 (name the assessing body)');
      const n = input.expertCount ?? f.expertCount;
      if (!validPanel(n)) return bad('experts', '专家组须为 3 名或 5 名专家 (the panel has 3 or 5 experts)');
      return { ok: true, to: 'assessing' };
    }
    case 'assess': {
      if (!input.dimensionsComplete) return bad('dimensions', '须对合法性、合理性、可行性、可控性逐项给出评估意见 (findings on all four dimensions)');
      if (input.surveySample === undefined || input.surveySample < 1) return bad('survey.sampleSize', '请填写民意调查样本量 (the survey sample size)');
      if (input.surveySupport === undefined || input.surveySupport < 0 || input.surveySupport > input.surveySample) return bad('survey.supporters', '支持人数须在 0 与样本量之间 (supporters between 0 and the sample size)');
      if (!input.outcome) return bad('outcome', '请给出风险等级 (the risk level)');
      return { ok: true, to: 'assessed' };
    }
    case 'decide': {
      if (!input.decision) return bad('decision', '请选择决策 (proceed / postpone / reject)');
      return { ok: true, to: input.decision === 'reject' ? 'closed' : 'decided' };
    }
    case 'follow_up':
      if (!input.note?.trim()) return bad('note', '请填写跟踪情况 (the follow-up note)');
      return { ok: true, to: 'following_up' };
    case 'close':
      return { ok: true, to: 'closed' };
  }
}

/** A decision must fit the assessed risk: high risk does not simply proceed; medium risk proceeds only with conditions. */
export function checkDecision(outcome: RiskLevel | null, decision: Decision, conditions: string | undefined): { field: string; message: string } | null {
  if (outcome === 'high' && decision === 'proceed') return { field: 'decision', message: '高风险项目不得决定实施，应暂缓或不予实施 (a high-risk project may not proceed)' };
  if (outcome === 'medium' && decision === 'proceed' && !conditions?.trim()) return { field: 'conditions', message: '中风险项目须附实施条件 (a medium-risk project proceeds only on conditions)' };
  if (decision === 'postpone' && !conditions?.trim()) return { field: 'conditions', message: '暂缓实施须写明条件 (say what must happen first)' };
  return null;
}

/** Actions the caller may try in this state (the console's buttons). */
export function allowedActions(f: Facts, roles: readonly string[]): Action[] {
  return ACTIONS.filter((a) => FROM[a].includes(f.status) && (roles.includes('admin') || ACTION_ROLES[a].some((r) => roles.includes(r))));
}

/** Support in the survey as a rate of two counts (0.8734 = 87.34%), exact from the counts. */
export function supportRate(sample: number | null, supporters: number | null): number | null {
  if (!sample || supporters === null) return null;
  return Math.round((supporters / sample) * 10_000) / 10_000;
}
