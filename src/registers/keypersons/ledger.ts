/**
 * The key persons' ledger (重点人员管控台账) as xlsx: the export shows the
 * minimum (masked name, no ID number, phone or address); the import opens
 * files from a historic ledger, checked whole first (every bad cell is one
 * error rows.<row>.<header>; one bad row means nothing is imported).
 */
import type { Queryable } from '../../platform/db.ts';
import { Problem } from '../../platform/errors.ts';
import type { Principal } from '../../org/auth.ts';
import { ledgerDate, RowErrors, normaliseIdNumber, type LedgerColumn, type LedgerRow } from '../kit/index.ts';
import { openFile, type Deps, FILE_INPUT } from './service.ts';
import type { KeypersonItem } from './store.ts';

export const TEMPLATE_HEADERS = ['姓名', '身份证号', '联系电话', '人员类别', '风险等级', '所属区划代码', '现住址'] as const;
/** Optional team columns: the member's name by team role name. */
const TEAM_HEADERS: Record<string, string> = { 包保领导: 'leader', '村（社区）干部': 'cadre', 网格员: 'grid_worker', 民警: 'police', '亲属（帮扶人）': 'family' };

export function ledgerColumns(names: { categories: Map<string, string>; tiers: Map<string, string> }): LedgerColumn<KeypersonItem>[] {
  return [
    { header: '档案编号', value: (r) => r.no, width: 16 },
    { header: '姓名', value: (r) => r.name, width: 10 },
    { header: '人员类别', value: (r) => r.categories.map((c) => names.categories.get(c) ?? c).join('、'), width: 30 },
    { header: '风险等级', value: (r) => names.tiers.get(r.tier) ?? r.tier, width: 16 },
    { header: '所属区划', value: (r) => r.divisionName ?? r.divisionCode, width: 18 },
    { header: '网格', value: (r) => r.gridName, width: 18 },
    { header: '最近走访', value: (r) => ledgerDate(r.lastVisitAt), width: 12 },
    { header: '走访期限', value: (r) => ledgerDate(r.visitDueAt), width: 12 },
    { header: '预警', value: (r) => (r.warning === 'red' ? '超期' : r.warning === 'yellow' ? '临期' : ''), width: 8 },
    { header: '状态', value: (r) => (r.status === 'active' ? '在管' : '撤管'), width: 8 },
  ];
}


export async function importLedger(q: Queryable, d: Deps, p: Principal, rows: LedgerRow[], t: number): Promise<{ imported: number }> {
  const errors = new RowErrors();
  const inputs: { row: number; input: ReturnType<typeof FILE_INPUT.parse> }[] = [];
  for (const r of rows) {
    const c = (h: string) => (r.cells[h] === null || r.cells[h] === undefined ? undefined : String(r.cells[h]).trim());
    const name = c('姓名');
    if (!name) errors.add(r.row, '姓名', '必填 (required)');
    const id = c('身份证号');
    if (id) {
      const n = normaliseIdNumber(id);
      if (!n.ok) errors.add(r.row, '身份证号', n.message);
    }
    const cats = (c('人员类别') ?? '').split(/[、,，;；]/).map((x) => x.trim()).filter(Boolean);
    if (!cats.length) errors.add(r.row, '人员类别', '必填 (required)');
    const tier = c('风险等级');
    if (!tier) errors.add(r.row, '风险等级', '必填 (required)');
    const division = c('所属区划代码');
    if (!division || !/^\d{6,12}$/.test(division)) errors.add(r.row, '所属区划代码', '须为 6–12 位区划代码 (6-12 digits)');
    const team = Object.entries(TEAM_HEADERS).filter(([h]) => c(h)).map(([h, role]) => ({ role, name: c(h)! }));
    const parsed = FILE_INPUT.safeParse({
      person: { name: name ?? '-', ...(id ? { idNumber: id } : {}), ...(c('联系电话') ? { phone: c('联系电话') } : {}), ...(c('现住址') ? { address: c('现住址') } : {}) },
      categories: cats.length ? cats : ['-'], tier: tier ?? '-', divisionCode: division && /^\d{6,12}$/.test(division) ? division : '000000', address: c('现住址'), team,
    });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const path = issue.path.join('.');
        errors.add(r.row, path === 'person.phone' ? '联系电话' : path.startsWith('person.address') || path === 'address' ? '现住址' : path, issue.message);
      }
      continue;
    }
    inputs.push({ row: r.row, input: parsed.data });
  }
  errors.throwIfAny();
  // Each row through the same checks as a filing over the API; a failing row names its cell, and nothing is kept.
  const FIELD_HEADER: [RegExp, string][] = [[/^person\.idNumber/, '身份证号'], [/^person\.phone/, '联系电话'], [/^person/, '姓名'], [/^categories/, '人员类别'], [/^tier/, '风险等级'], [/^divisionCode/, '所属区划代码'], [/^team/, '包保人员']];
  for (const x of inputs) {
    try {
      await openFile(q, d, p, x.input, t);
    } catch (err) {
      if (!(err instanceof Problem)) throw err;
      for (const e of err.errors.length ? err.errors : [{ field: 'person', message: err.detail ?? err.title }]) {
        errors.add(x.row, FIELD_HEADER.find(([re]) => re.test(e.field))?.[1] ?? e.field, e.message);
      }
    }
  }
  errors.throwIfAny();
  return { imported: inputs.length };
}
