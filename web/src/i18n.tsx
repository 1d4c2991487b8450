/**
 * Chinese first, English on request. Texts are written in place as a pair,
 * `t('受理', 'Intake')`, so a screen reads in both languages at once in code
 * and no key can go missing.
 */
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import type { Action, CaseType, Channel, Status, Urgency } from './api/types.ts';

export type Lang = 'zh' | 'en';
const KEY = 'zhili.lang';

interface I18n {
  lang: Lang;
  setLang(l: Lang): void;
  t(zh: string, en: string): string;
}

const Ctx = createContext<I18n>({ lang: 'zh', setLang: () => {}, t: (zh) => zh });

function initialLang(): Lang {
  try {
    const v = localStorage.getItem(KEY);
    if (v === 'en' || v === 'zh') return v;
  } catch {
    /* storage blocked */
  }
  return 'zh';
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(() => {
    const l = initialLang();
    dayjs.locale(l === 'zh' ? 'zh-cn' : 'en');
    document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en';
    return l;
  });
  const setLang = useCallback((l: Lang) => {
    try {
      localStorage.setItem(KEY, l);
    } catch {
      /* ignore */
    }
    dayjs.locale(l === 'zh' ? 'zh-cn' : 'en');
    document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en';
    setLangState(l);
  }, []);
  const value = useMemo<I18n>(() => ({ lang, setLang, t: (zh, en) => (lang === 'zh' ? zh : en) }), [lang, setLang]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export const useI18n = () => useContext(Ctx);
export const useT = () => useContext(Ctx).t;

type Pair = [string, string];

export const STATUS_TEXT: Record<Status, Pair> = {
  registered: ['已受理', 'Registered'],
  dispatched: ['已派单', 'Dispatched'],
  accepted: ['已签收', 'Accepted'],
  in_progress: ['办理中', 'In progress'],
  replied: ['已答复', 'Replied'],
  verified: ['已核查', 'Verified'],
  closed: ['已办结', 'Closed'],
  rated: ['已评价', 'Rated'],
  returned: ['已退单', 'Returned'],
  transferred: ['已转110', 'Sent to 110'],
  cancelled: ['已作废', 'Cancelled'],
  merged: ['已合并', 'Merged'],
};

/**
 * Status colours: one hue per stage, as map dots and as tags whose white text
 * must stay readable (WCAG AA, at least 4.5:1; e2e/a11y.e2e.test.ts measures it).
 */
export const STATUS_COLOR: Record<Status, string> = {
  registered: '#1d5bd8',
  dispatched: '#722ed1',
  accepted: '#08797a',
  in_progress: '#995c00',
  replied: '#c41d7f',
  verified: '#2b7a0b',
  closed: '#135200',
  rated: '#3f6600',
  returned: '#cf1322',
  transferred: '#a0522d',
  cancelled: '#6e6e6e',
  merged: '#595959',
};

export const ACTION_TEXT: Record<Action | 'create', Pair> = {
  create: ['登记', 'Registered'],
  dispatch: ['派单', 'Dispatch'],
  accept: ['签收', 'Accept'],
  return: ['退单', 'Return'],
  start: ['开始办理', 'Start'],
  reply: ['答复', 'Reply'],
  verify: ['核查回访', 'Verify'],
  close: ['办结', 'Close'],
  close_directly: ['直接办结', 'Close directly'],
  rate: ['评价', 'Rate'],
  reopen: ['重办', 'Reopen'],
  cancel: ['作废', 'Cancel'],
  transfer_police: ['转110', 'Transfer to 110'],
  urge: ['催办', 'Urge'],
  supervise: ['督办', 'Supervise'],
  note: ['备注', 'Note'],
  arrive: ['到场', 'On site'],
  request_extension: ['申请延期', 'Ask for more time'],
  decide_extension: ['审批延期', 'Decide extension'],
  summon: ['吹哨', 'Summon units'],
  report: ['报到', 'Report in'],
  assist_reply: ['协办答复', 'Assisting reply'],
  merge: ['合并', 'Merge'],
  unmerge: ['取消合并', 'Unmerge'],
};

export const TYPE_TEXT: Record<CaseType, Pair> = {
  consultation: ['咨询', 'Consultation'],
  help: ['求助', 'Help'],
  complaint: ['投诉', 'Complaint'],
  report: ['举报', 'Report'],
  suggestion: ['建议', 'Suggestion'],
  praise: ['表扬', 'Praise'],
};

export const CHANNEL_TEXT: Record<Channel, Pair> = {
  hotline: ['12345 热线', '12345 hotline'],
  grid: ['网格上报', 'Grid worker'],
  web: ['网站', 'Web'],
  wechat: ['微信', 'WeChat'],
  police110: ['110 转办', 'From 110'],
  enterprise: ['企业诉求', 'Enterprise'],
  api: ['接口', 'API'],
};

export const URGENCY_TEXT: Record<Urgency, Pair> = {
  normal: ['一般', 'Normal'],
  urgent: ['紧急', 'Urgent'],
};

export const ROLE_TEXT: Record<string, Pair> = {
  admin: ['系统管理员', 'Administrator'],
  operator: ['12345 接线员', 'Hotline operator'],
  dispatcher: ['指挥中心派单员', 'Dispatcher'],
  handler: ['部门承办人', 'Department handler'],
  township: ['乡镇(街道)干部', 'Township officer'],
  grid_worker: ['网格员', 'Grid worker'],
  police: ['公安民警', 'Police officer'],
  mediator: ['人民调解员', 'Mediator'],
  supervisor: ['督办员', 'Supervisor'],
  leader: ['领导', 'Leader'],
  citizen: ['群众', 'Citizen'],
};

/** Picks the label of an enum value in the current language, falling back to the raw value. */
export function useLabel() {
  const { lang } = useI18n();
  return useCallback(
    <K extends string>(table: Record<K, Pair>, v: K | string | null | undefined, fallback?: string) => {
      if (v == null) return fallback ?? '';
      const p = (table as Record<string, Pair>)[v];
      return p ? p[lang === 'zh' ? 0 : 1] : (fallback ?? String(v));
    },
    [lang],
  );
}
