/**
 * Public case tracking (查询进度): pure rules, no I/O. Who may track a case by
 * number + phone, how phones compare, and what of a case's event log a member
 * of the public may see. The routes in public-routes.ts apply these.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { maskPhone } from '../platform/masking.ts';
import type { Status } from './lifecycle.ts';
import type { PublicEvent } from './types.ts';

/**
 * A phone as digits only: spaces, dashes, dots and brackets go, and a mainland
 * country code (+86, 0086, 86 before an 11-digit mobile) is dropped, so
 * "+86 138-1234-5678" and "13812345678" are the same phone.
 */
export function normalisePhone(raw: string | null | undefined): string {
  if (!raw) return '';
  let s = raw.normalize('NFKC').trim().replace(/[\s\-.()（）]/g, '');
  if (s.startsWith('+')) s = s.slice(1);
  if (s.startsWith('0086')) s = s.slice(4);
  else if (s.startsWith('86') && s.length === 13 && s[2] === '1') s = s.slice(2);
  return /^\d+$/.test(s) ? s : '';
}

/**
 * A stored reporter phone good enough to guard a case: at least 7 digits. A
 * case with no phone (anonymous) or a short service number cannot be tracked
 * by phone, since a short number is guessed in a few tries.
 */
export function trackablePhone(stored: string | null | undefined): string | null {
  const p = normalisePhone(stored);
  return p.length >= 7 ? p : null;
}

const digest = (s: string) => createHash('sha256').update(`zhili-track:${s}`).digest();
const NO_PHONE = digest('\u0000no-phone');

/**
 * Does the phone given match the reporter's? Compared as fixed-length digests
 * in constant time; an untrackable or missing case compares against a dummy,
 * so a wrong number and a wrong phone cost the same.
 */
export function phoneMatches(given: string, stored: string | null | undefined): boolean {
  const g = normalisePhone(given);
  const s = trackablePhone(stored);
  const ok = timingSafeEqual(digest(g || '\u0000empty'), s ? digest(s) : NO_PHONE);
  return ok && !!s && !!g;
}

/** Masks a phone for the public page (it may be shown to whoever knows the number and phone). */
export function maskPublicPhone(phone: string | null | undefined): string | null {
  return maskPhone(normalisePhone(phone) || null);
}

/** Case numbers as the API issues them: a Shanghai date and a sequence (YYYYMMDD + 6 or more digits). */
export const CASE_NO_RE = /^\d{14,20}$/;

/** Statuses in plain words for the citizen (the console's labels name internal steps). */
export const PUBLIC_STATUS_LABELS: Record<Status, string> = {
  registered: '已受理',
  dispatched: '已转交承办单位',
  accepted: '承办单位已签收',
  in_progress: '办理中',
  replied: '已答复',
  verified: '已回访核实',
  closed: '已办结',
  rated: '已评价',
  returned: '重新分派中',
  transferred: '已转公安机关处理',
  cancelled: '已撤销',
  merged: '已合并办理',
};

/** An event of the case log, as the store reads it (only what the public rules look at). */
export interface EventLike {
  seq: number;
  at: Date | string;
  action: string;
  to_status: Status;
  data: Record<string, unknown>;
  actor_unit_id: string | null;
}

/**
 * The steps a citizen may see. Notes, urges, supervision, extension requests,
 * summons check-ins and assisting units' working answers are internal; so are
 * all comments (reasons for a return or a cancellation may name staff or other
 * people). The reply is the one text the public sees: it is written for them.
 */
const PUBLIC_ACTIONS = new Set([
  'create',
  'dispatch',
  'accept',
  'start',
  'arrive',
  'return',
  'summon',
  'decide_extension',
  'reply',
  'verify',
  'close',
  'close_directly',
  'rate',
  'reopen',
  'cancel',
  'transfer_police',
  'merge',
  'unmerge',
]);

/** Is this step one a citizen may see? */
export const isPublicAction = (action: string) => PUBLIC_ACTIONS.has(action);

/** The part of an event's data a citizen may see: the reply written for them, the outcome, their rating. */
export function publicEventData(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ['reply', 'solved', 'closeUnsolved', 'rating', 'approve', 'leadUnitId'] as const) if (data[k] !== undefined) out[k] = data[k];
  return out;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v : undefined);
const ids = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** Unit ids the public timeline needs names for. */
export function unitIdsOf(events: readonly EventLike[]): string[] {
  const out = new Set<string>();
  for (const e of events) {
    if (!PUBLIC_ACTIONS.has(e.action)) continue;
    if (e.actor_unit_id) out.add(e.actor_unit_id);
    const lead = str(e.data.leadUnitId);
    if (lead) out.add(lead);
    for (const u of [...ids(e.data.assistUnitIds), ...ids(e.data.unitIds)]) out.add(u);
  }
  return [...out];
}

/** The public timeline of a case from its event log and the names of the units involved. */
export function publicTimeline(events: readonly EventLike[], unitNames: ReadonlyMap<string, string>): PublicEvent[] {
  const out: PublicEvent[] = [];
  const name = (id: string | null | undefined) => (id ? unitNames.get(id) : undefined);
  let lead: string | undefined;
  for (const e of events) {
    if (!PUBLIC_ACTIONS.has(e.action)) continue;
    const base = { seq: e.seq, at: new Date(e.at).toISOString(), action: e.action, status: e.to_status };
    const actorUnit = name(e.actor_unit_id);
    switch (e.action) {
      case 'create':
        out.push({ ...base, label: '诉求已登记受理' });
        break;
      case 'dispatch':
      case 'reopen': {
        const to = name(str(e.data.leadUnitId)) ?? (e.action === 'reopen' ? lead : undefined);
        if (to) lead = to;
        const assist = ids(e.data.assistUnitIds).map((u) => name(u)).filter((n): n is string => !!n);
        const verb = e.action === 'reopen' ? '重新办理' : '已派单';
        out.push({ ...base, label: to ? `${verb}至 ${to}` : verb, ...(to ? { unitName: to } : {}), ...(assist.length ? { unitNames: assist } : {}) });
        break;
      }
      case 'accept':
        out.push({ ...base, label: `${actorUnit ?? lead ?? '承办单位'} 已签收`, ...unit(actorUnit ?? lead) });
        break;
      case 'start':
        out.push({ ...base, label: `${actorUnit ?? lead ?? '承办单位'} 开始办理`, ...unit(actorUnit ?? lead) });
        break;
      case 'arrive':
        out.push({ ...base, label: '工作人员已到达现场', ...unit(actorUnit ?? lead) });
        break;
      case 'return':
        // The reason is internal; the citizen learns only that the order is being re-routed.
        out.push({ ...base, label: '正在重新分派承办单位' });
        break;
      case 'summon': {
        const units = ids(e.data.unitIds).map((u) => name(u)).filter((n): n is string => !!n);
        out.push({ ...base, label: units.length ? `已协调 ${units.join('、')} 共同办理` : '已协调多个单位共同办理', ...(units.length ? { unitNames: units } : {}) });
        break;
      }
      case 'decide_extension':
        // Only a granted extension changes what the citizen can expect.
        if (e.data.approve === true) out.push({ ...base, label: '办理时限已延长' });
        break;
      case 'reply':
        out.push({ ...base, label: `${actorUnit ?? lead ?? '承办单位'} 已答复`, ...unit(actorUnit ?? lead), ...(str(e.data.reply) ? { text: str(e.data.reply) } : {}) });
        break;
      case 'verify': {
        const solved = e.data.solved === true;
        const label = solved ? '已回访核实：问题已解决' : e.data.closeUnsolved === true ? '回访核实：问题暂无法解决，已说明情况' : '回访核实：问题未解决，已要求重新办理';
        out.push({ ...base, label, solved });
        break;
      }
      case 'close':
        out.push({ ...base, label: '已办结' });
        break;
      case 'close_directly':
        out.push({ ...base, label: '已答复并办结', ...(str(e.data.reply) ? { text: str(e.data.reply) } : {}) });
        break;
      case 'rate': {
        const rating = typeof e.data.rating === 'number' ? e.data.rating : undefined;
        out.push({ ...base, label: rating ? `已评价 ${rating} 星` : '已评价', ...(rating ? { rating } : {}) });
        break;
      }
      case 'cancel':
        out.push({ ...base, label: '诉求已撤销' });
        break;
      case 'transfer_police':
        out.push({ ...base, label: '已转公安机关（110）处理' });
        break;
      case 'merge':
        out.push({ ...base, label: '与反映同一问题的诉求合并办理' });
        break;
      case 'unmerge':
        out.push({ ...base, label: '取消合并，单独办理' });
        break;
    }
  }
  return out;
}

function unit(n: string | undefined): { unitName?: string } {
  return n ? { unitName: n } : {};
}

/** Fixed-window rate limits for tracking attempts. */
export const TRACK_LIMITS = {
  /** Attempts (any outcome) from one IP address per window. */
  perIp: { limit: 30, windowSeconds: 600 },
  /**
   * Failed attempts on one case number per window; past them the number is
   * slowed, not locked: one attempt per delaySeconds. Guessing an 11-digit
   * phone stays hopeless, and a stranger cannot lock the reporter out for
   * more than delaySeconds (a reporter signed in by one-time code is never held).
   */
  perNumber: { limit: 5, windowSeconds: 3600, delaySeconds: 30 },
} as const;
