/**
 * The disputes ledger (矛盾纠纷排查化解台账): the template's columns, the
 * export of a filtered list, and the all-or-nothing import of a historic ledger.
 */
import { v7 as uuidv7 } from 'uuid';
import type { Queryable } from '../../platform/db.ts';
import type { Principal } from '../../org/auth.ts';
import { appendEvents, checkLedgerRows, ledgerDate, ledgerNames, registerLedgerSource, type LedgerActor, type LedgerColumn, type LedgerRow, type LedgerSource } from '../kit/index.ts';
import { DISPUTE_COLUMNS, DISPUTE_FROM, ENTITY, type DisputeRow } from './store.ts';
import type { OrgKind, Status } from './lifecycle.ts';

/** The template's headers: an import must have exactly these (more columns are allowed). */
export const TEMPLATE_HEADERS = ['编号', '类型', '登记日期', '区划代码', '类别', '当事人', '纠纷概况', '调解组织', '状态', '化解日期'] as const;

export const LEDGER_STATUS = ['已化解', '化解中', '未化解', '已移交'] as const;
type LedgerStatus = (typeof LEDGER_STATUS)[number];

/** The ledger's status of an entry: resolved (and what followed) 已化解, failed 未化解, referred 已移交, else 化解中. */
export function ledgerStatus(r: Pick<DisputeRow, 'status' | 'outcome' | 'referral'>): LedgerStatus {
  if (r.referral || r.status === 'referred') return '已移交';
  if (r.outcome === 'agreement' || r.outcome === 'otherwise') return '已化解';
  if (r.outcome === 'failed' || r.status === 'failed') return '未化解';
  return '化解中';
}

const KIND_LABEL = { dispute: '纠纷', hazard: '风险隐患' } as const;
const RISK_LABEL = { high: '高', medium: '中', low: '低' } as const;

export type LedgerEntry = DisputeRow & { party_names: string[] };

/** The export's columns: the template's, then details (the import ignores them). */
export function ledgerColumns(p: Pick<Principal, 'roles'>): LedgerColumn<LedgerEntry>[] {
  const names = (r: LedgerEntry) => ledgerNames(p, r.party_names);
  return [
    { header: '编号', value: (r) => r.no, width: 18 },
    { header: '类型', value: (r) => KIND_LABEL[r.kind], width: 10 },
    { header: '登记日期', value: (r) => ledgerDate(r.registered_at), width: 12 },
    { header: '区划代码', value: (r) => r.division_code, width: 14 },
    { header: '类别', value: (r) => r.category_name },
    { header: '当事人', value: names, width: 20 },
    { header: '纠纷概况', value: (r) => r.summary, width: 48 },
    { header: '调解组织', value: (r) => r.org_name, width: 24 },
    { header: '状态', value: (r) => ledgerStatus(r), width: 10 },
    { header: '化解日期', value: (r) => ledgerDate(r.resolved_at), width: 12 },
    { header: '区划名称', value: (r) => r.division_name },
    { header: '风险等级', value: (r) => RISK_LABEL[r.risk], width: 10 },
    { header: '涉及金额(元)', value: (r) => (r.amount === null ? null : Number(r.amount)) },
    { header: '涉及人数', value: (r) => r.people },
    { header: '流程状态', value: (r) => r.status },
  ];
}

/** The organisation's kind, guessed from its name (a historic ledger names it only). */
export function orgKindOf(name: string): OrgKind {
  if (/法院|诉前|诉源/.test(name)) return 'court_prelitigation';
  if (/派出所|公安|公调|警/.test(name)) return 'police_joint';
  if (/人民调解|调委会|调解委员会/.test(name)) return 'people_committee';
  if (/行业|专业|协会|商会|医调|医疗纠纷/.test(name)) return 'trade';
  return 'other';
}

/** Who imports: a signed-in user, or the command line (no user, every division). */
export type { LedgerActor };

/** A ledger export of the entries matching a WHERE clause over disputes d (and categories c), with their parties' names, oldest first (see kit openLedgerExport). */
export const ledgerSource = (where: string, params: readonly unknown[], max = 200_000): LedgerSource =>
  registerLedgerSource({ alias: 'd', columns: DISPUTE_COLUMNS, from: DISPUTE_FROM, persons: { table: 'dispute_parties', key: 'dispute_id', as: 'party_names' } }, where, params, max);

interface Parsed {
  row: number;
  no: string;
  kind: 'dispute' | 'hazard';
  registeredAt: Date;
  divisionCode: string;
  categoryCode: string;
  parties: string[];
  summary: string;
  orgName: string | null;
  status: Status;
  outcome: 'agreement' | 'otherwise' | 'failed' | null;
  resolvedAt: Date | null;
  risk: 'high' | 'medium' | 'low';
}

/**
 * Checks every row (all errors at once, as `rows.<row>.<header>`), then
 * writes them all in the caller's transaction; any error writes nothing.
 */
export async function importLedger(q: Queryable, p: LedgerActor, rows: LedgerRow[]): Promise<{ imported: number }> {
  const cats = await q.query<{ code: string; name: string }>(`SELECT code, name FROM dispute_categories WHERE active`);
  const catBy = new Map<string, string>();
  for (const c of cats) {
    catBy.set(c.code, c.code);
    catBy.set(c.name, c.code);
  }
  const out = await checkLedgerRows(q, p, rows, { table: 'disputes' }, (r): Parsed | undefined => {
    const { row, bad } = r;
    const no = r.no({ maxLength: 40 });
    const kindText = r.text('类型');
    const kind = kindText === '纠纷' || kindText === '矛盾纠纷' ? 'dispute' : kindText === '风险隐患' || kindText === '突出风险隐患' ? 'hazard' : null;
    if (!kind) bad('类型', '须为「纠纷」或「风险隐患」 (dispute or hazard)');
    const registeredAt = r.date('登记日期', '须为日期，如 2026-03-01 (a date)');
    const division = r.division();
    const catText = r.text('类别');
    const categoryCode = catText ? catBy.get(catText) : undefined;
    if (!categoryCode) bad('类别', `${catText ? `没有类别「${catText}」` : '必填'}；可填：${cats.map((c) => c.name).join('、')} (a category name or code)`);
    const summary = r.text('纠纷概况');
    if (!summary) bad('纠纷概况', '必填 (required)');
    else if (summary.length > 4000) bad('纠纷概况', '最长 4000 字 (at most 4000 characters)');
    const parties = r.names('当事人');
    if (parties.some((n) => n.length > 50)) bad('当事人', '姓名最长 50 字，多人以「、」分隔 (names separated by 、)');
    const orgName = r.text('调解组织');
    const st = r.text('状态') as LedgerStatus | null;
    if (!st || !LEDGER_STATUS.includes(st)) bad('状态', `须为 ${LEDGER_STATUS.join(' / ')} (one of these)`);
    const resolvedAt = r.date('化解日期', '须为日期，如 2026-03-15 (a date)', true) ?? null;
    const resolvedEmpty = r.cells['化解日期'] === null || r.cells['化解日期'] === undefined;
    if (st === '已化解' && !resolvedAt && resolvedEmpty) bad('化解日期', '状态为「已化解」时必填 (required when resolved)');
    if (resolvedAt && registeredAt && resolvedAt < registeredAt) bad('化解日期', '不能早于登记日期 (before the registration date)');
    const riskText = r.text('风险等级');
    const risk = riskText === '高' || riskText === 'high' ? 'high' : riskText === '中' || riskText === 'medium' ? 'medium' : 'low';
    if (!no || !kind || !registeredAt || !division || !categoryCode || !summary || !st) return undefined;
    const status: Status = st === '已化解' ? 'resolved' : st === '未化解' ? 'failed' : st === '已移交' ? 'referred' : orgName ? 'mediating' : 'registered';
    const outcome = st === '已化解' ? (orgName ? 'agreement' : 'otherwise') : st === '未化解' ? 'failed' : null;
    return { row, no, kind, registeredAt, divisionCode: division, categoryCode, parties, summary, orgName, status, outcome, resolvedAt: st === '已化解' ? resolvedAt : null, risk };
  });

  const ids = out.map(() => uuidv7());
  const BATCH = 2000;
  for (let i = 0; i < out.length; i += BATCH) {
    const part = out.slice(i, i + BATCH);
    const pid = ids.slice(i, i + BATCH);
    await q.query(
      `INSERT INTO disputes (id, no, kind, source, category_code, division_code, summary, risk, status, org_kind, org_name, outcome, registered_at, resolved_at,
         failed_at, referral, unit_id, created_by)
       SELECT x.id, x.no, x.kind, 'ledger', x.cat, x.div, x.summary, x.risk, x.status, x.org_kind, x.org_name, x.outcome, x.reg, x.res,
         CASE WHEN x.status = 'failed' THEN x.reg END, CASE WHEN x.status = 'referred' THEN jsonb_build_object('to', 'unknown', 'note', '历史台账导入', 'at', x.reg) END, $14::uuid, $15::uuid
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
                     $12::timestamptz[], $13::timestamptz[])
           AS x(id, no, kind, cat, div, summary, risk, status, org_kind, org_name, outcome, reg, res)`,
      [
        pid,
        part.map((r) => r.no),
        part.map((r) => r.kind),
        part.map((r) => r.categoryCode),
        part.map((r) => r.divisionCode),
        part.map((r) => r.summary),
        part.map((r) => r.risk),
        part.map((r) => r.status),
        part.map((r) => (r.orgName ? orgKindOf(r.orgName) : null)),
        part.map((r) => r.orgName),
        part.map((r) => r.outcome),
        part.map((r) => r.registeredAt),
        part.map((r) => r.resolvedAt),
        p.unitId,
        p.id,
      ],
    );
    // Parties named in the ledger become persons (a historic ledger carries no ID numbers to match them by).
    const persons = part.flatMap((r, k) => r.parties.map((name, ord) => ({ id: uuidv7(), name, dispute: pid[k], ord })));
    if (persons.length) {
      await q.query(`INSERT INTO persons (id, name) SELECT * FROM unnest($1::uuid[], $2::text[])`, [persons.map((x) => x.id), persons.map((x) => x.name)]);
      await q.query(`INSERT INTO dispute_parties (dispute_id, person_id, ord) SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int[])`, [
        persons.map((x) => x.dispute),
        persons.map((x) => x.id),
        persons.map((x) => x.ord),
      ]);
    }
    await appendEvents(
      q,
      part.map((r, k) => ({
        entityType: ENTITY, entityId: pid[k], version: 1, action: 'import', from: null, to: r.status, actorUserId: p.id, actorUnitId: p.unitId,
        comment: `历史台账导入，第 ${r.row} 行 (imported from a ledger, row ${r.row})`, data: { row: r.row },
      })),
    );
  }
  return { imported: out.length };
}
