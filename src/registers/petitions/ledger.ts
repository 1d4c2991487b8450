/**
 * The petitions ledger (信访台账): template, export of a filtered list
 * (petitioners masked for the caller's role), all-or-nothing import.
 */
import { v7 as uuidv7 } from 'uuid';
import type { Queryable } from '../../platform/db.ts';
import type { Principal } from '../../org/auth.ts';
import { appendEvents, checkLedgerRows, ledgerDate, ledgerNames, registerLedgerSource, type LedgerActor, type LedgerColumn, type LedgerRow, type LedgerSource } from '../kit/index.ts';
import { CHANNEL_LABELS, COLLECTIVE_MIN, STATUSES, STATUS_LABELS, type Status } from './lifecycle.ts';
import { ENTITY, PETITION_COLUMNS, PETITION_FROM, type PetitionRow } from './store.ts';

export const TEMPLATE_HEADERS = ['编号', '信访形式', '登记日期', '区划代码', '事项类别', '信访人', '信访事项', '人数', '是否越级', '状态', '答复日期', '是否化解'] as const;

export type LedgerEntry = PetitionRow & { petitioner_names: string[] };

const yesNo = (b: boolean | null) => (b === null ? null : b ? '是' : '否');

export function ledgerColumns(p: Pick<Principal, 'roles'>): LedgerColumn<LedgerEntry>[] {
  const names = (r: LedgerEntry) => ledgerNames(p, r.petitioner_names);
  return [
    { header: '编号', value: (r) => r.no, width: 18 },
    { header: '信访形式', value: (r) => CHANNEL_LABELS[r.channel as keyof typeof CHANNEL_LABELS] ?? r.channel, width: 10 },
    { header: '登记日期', value: (r) => ledgerDate(r.registered_at), width: 12 },
    { header: '区划代码', value: (r) => r.division_code, width: 14 },
    { header: '事项类别', value: (r) => r.matter_type },
    { header: '信访人', value: names, width: 20 },
    { header: '信访事项', value: (r) => r.matter, width: 48 },
    { header: '人数', value: (r) => r.petitioner_count },
    { header: '是否越级', value: (r) => yesNo(r.skip_level) },
    { header: '状态', value: (r) => STATUS_LABELS[r.status], width: 10 },
    { header: '答复日期', value: (r) => ledgerDate(r.replied_at), width: 12 },
    { header: '是否化解', value: (r) => yesNo(r.resolved) },
    { header: '集体访', value: (r) => yesNo(r.collective) },
    { header: '重复信访', value: (r) => (r.repeat_of_no ? `是 (${r.repeat_of_no})` : '否') },
    { header: '包案领导', value: (r) => r.leader_name },
  ];
}

/** A ledger export of the petitions matching a WHERE clause over petitions t, with their petitioners' names, oldest first (see kit openLedgerExport). */
export const ledgerSource = (where: string, params: readonly unknown[], max = 200_000): LedgerSource =>
  registerLedgerSource({ alias: 't', columns: PETITION_COLUMNS, from: PETITION_FROM, persons: { table: 'petition_petitioners', key: 'petition_id', as: 'petitioner_names' } }, where, params, max);

const CHANNEL_BY_LABEL = new Map<string, string>(Object.entries(CHANNEL_LABELS).flatMap(([k, v]) => [[k, k], [v, k]]));
const STATUS_BY_LABEL = new Map<string, Status>(STATUSES.map((s) => [STATUS_LABELS[s], s]));

export async function importLedger(q: Queryable, p: LedgerActor, rows: LedgerRow[]): Promise<{ imported: number }> {
  const out = await checkLedgerRows(q, p, rows, { table: 'petitions' }, (r) => {
    const { row, bad } = r;
    const no = r.no();
    const channel = CHANNEL_BY_LABEL.get(r.text('信访形式') ?? '');
    if (!channel) bad('信访形式', '须为 走访 / 来信 / 网上 / 电话 (visit, letter, online or phone)');
    const reg = r.date('登记日期', '须为日期，如 2026-03-01 (a date)');
    const div = r.division();
    const type = r.text('事项类别');
    if (!type) bad('事项类别', '必填 (required)');
    const matter = r.text('信访事项');
    if (!matter) bad('信访事项', '必填 (required)');
    const names = r.names('信访人');
    if (!names.length) bad('信访人', '至少一人，多人以「、」分隔 (at least one name)');
    const countCell = r.cells['人数'];
    const count = countCell === null || countCell === undefined ? names.length : Number(countCell);
    if (!Number.isInteger(count) || count < 1) bad('人数', '须为正整数 (a positive whole number)');
    const skipText = r.text('是否越级');
    if (skipText && !['是', '否'].includes(skipText)) bad('是否越级', '填「是」或「否」 (yes or no)');
    const status = STATUS_BY_LABEL.get(r.text('状态') ?? '');
    if (!status) bad('状态', `须为 ${STATUSES.map((s) => STATUS_LABELS[s]).join(' / ')}`);
    const replied = r.date('答复日期', '须为日期 (a date)', true) ?? null;
    if (replied && reg && replied < reg) bad('答复日期', '不能早于登记日期 (before the registration date)');
    const resolvedText = r.text('是否化解');
    if (resolvedText && !['是', '否'].includes(resolvedText)) bad('是否化解', '填「是」或「否」 (yes or no)');
    if (!no || !channel || !reg || !div || !type || !matter || !names.length || !status || !Number.isInteger(count) || count < 1) return undefined;
    return { no, channel, reg, div, type, names, matter, count, skip: skipText === '是', status, replied, resolved: resolvedText ? resolvedText === '是' : null, row };
  });
  const ids = out.map(() => uuidv7());
  if (!out.length) return { imported: 0 };
  await q.query(
    `INSERT INTO petitions (id, no, channel, matter_type, matter, division_code, petitioner_count, collective, skip_level, status, registered_at, replied_at, resolved,
       decided_at, closed_at, created_by)
     SELECT x.id, x.no, x.ch, x.ty, x.ma, x.dv, x.n, x.n >= ${COLLECTIVE_MIN}, x.sk, x.st, x.reg, x.rep, x.res,
       CASE WHEN x.st <> 'registered' THEN x.reg END, CASE WHEN x.st = 'closed' THEN coalesce(x.rep, x.reg) END, $13::uuid
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::boolean[], $9::text[], $10::timestamptz[], $11::timestamptz[], $12::boolean[])
         AS x(id, no, ch, ty, ma, dv, n, sk, st, reg, rep, res)`,
    [ids, out.map((r) => r.no), out.map((r) => r.channel), out.map((r) => r.type), out.map((r) => r.matter), out.map((r) => r.div), out.map((r) => r.count),
      out.map((r) => r.skip), out.map((r) => r.status), out.map((r) => r.reg), out.map((r) => r.replied), out.map((r) => r.resolved), p.id],
  );
  const persons = out.flatMap((r, k) => r.names.map((name, ord) => ({ id: uuidv7(), name, petition: ids[k], ord })));
  await q.query(`INSERT INTO persons (id, name) SELECT * FROM unnest($1::uuid[], $2::text[])`, [persons.map((x) => x.id), persons.map((x) => x.name)]);
  await q.query(`INSERT INTO petition_petitioners (petition_id, person_id, ord) SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int[])`, [persons.map((x) => x.petition), persons.map((x) => x.id), persons.map((x) => x.ord)]);
  await appendEvents(q, out.map((r, k) => ({ entityType: ENTITY, entityId: ids[k], version: 1, action: 'import', from: null, to: r.status, actorUserId: p.id, actorUnitId: p.unitId, comment: `历史台账导入，第 ${r.row} 行 (imported from a ledger, row ${r.row})`, data: { row: r.row } })));
  return { imported: out.length };
}
