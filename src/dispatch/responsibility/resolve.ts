/**
 * Resolution of the responsibility list (权责清单): pure, no I/O.
 *
 * Given the rules, the case's category and its division chain (province ->
 * city -> county -> township -> village), and the units serving that chain,
 * say which unit leads, which assist, and why.
 *
 * A rule matches when its category is a prefix of the case's category and its
 * area (division_code, if any) lies on the case's chain. Among the matching
 * lead rules that resolve to a unit, the most specific wins:
 *
 *   1. the longest category prefix ('0101' before '01');
 *   2. the nearest area: a rule for 东茅岭街道 before one for 岳阳楼区 before a
 *      rule for everywhere (a local adjustment overrides the general list);
 *   3. an explicit unit before a unit kind;
 *   4. for unit kinds, the unit sitting nearest the case: the rule's
 *      division_level, or (without one) the first level up the chain where a
 *      matching unit serves (so "county 城管" is preferred to "city 城管" and
 *      the city rule is the fallback where a county has none).
 *
 * A rule that matches but finds no unit (no such unit serves the chain, the
 * chain has no division at its level, the named unit is inactive) is skipped
 * and reported; the next rule is the fallback. Two different units equally
 * specific are a TIE, and no lead rule at all is a GAP: both are reported,
 * never guessed.
 */
import { DIVISION_LEVEL_BY_LENGTH } from '../../org/store.ts';
import type { ProposedUnit, Proposal, RuleRole, SkippedRule } from './types.ts';

export interface Rule {
  id: string;
  no: number;
  categoryCode: string;
  divisionCode: string | null;
  divisionLevel: number | null;
  unitId: string | null;
  unitKind: string | null;
  /** One or more '|'-separated keywords, one of which the unit's name contains. */
  unitKeyword: string | null;
  role: RuleRole;
  note?: string | null;
  active: boolean;
}

export interface ChainDivision {
  code: string;
  name: string;
}

export interface UnitInfo {
  id: string;
  code?: string;
  name: string;
  kind: string;
  divisionCodes: string[];
  active: boolean;
}

export interface ResolveInput {
  categoryCode: string;
  /** Names of the category and its ancestors by code ('01' -> 城乡建设, '0101' -> 路灯照明); missing ones show as codes. */
  categoryNames?: Record<string, string>;
  /** The case's division chain, top down; the last is the case's own division. */
  chain: ChainDivision[];
  rules: Rule[];
  /** Units serving the chain and those named by rules. */
  units: UnitInfo[];
}

export const LEVEL_NAMES: Record<number, string> = { 1: 'province', 2: 'city', 3: 'county', 4: 'township', 5: 'village' };

const KIND_NAMES: Record<string, string> = {
  hotline_centre: 'hotline centre',
  command_centre: 'command centre',
  department: 'department',
  township_office: 'township office',
  village_committee: 'village committee',
  police_station: 'police station',
  police_command: 'police command',
  court: 'court',
  mediation_committee: 'mediation committee',
  enterprise_service: 'enterprise service',
  other: 'unit',
};

export const levelOf = (code: string): number => DIVISION_LEVEL_BY_LENGTH[code.length] ?? 0;

/** Keywords of a rule: '城管|城市管理' -> ['城管', '城市管理']. */
export function keywordsOf(k: string | null | undefined): string[] {
  return (k ?? '')
    .split(/[|｜,，、]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export function unitMatches(rule: Pick<Rule, 'unitKind' | 'unitKeyword'>, u: UnitInfo): boolean {
  if (!u.active) return false;
  if (rule.unitKind && u.kind !== rule.unitKind) return false;
  const kws = keywordsOf(rule.unitKeyword);
  if (kws.length && !kws.some((k) => u.name.includes(k))) return false;
  return true;
}

/** What a rule asks for, in words: "department named 城管 at county level". */
export function describeTarget(rule: Pick<Rule, 'unitKind' | 'unitKeyword' | 'divisionLevel'>, unitName?: string): string {
  if (unitName) return unitName;
  const kws = keywordsOf(rule.unitKeyword);
  const kind = rule.unitKind ? (KIND_NAMES[rule.unitKind] ?? rule.unitKind) : 'unit';
  const named = kws.length ? ` named ${kws.join('/')}` : '';
  const level = rule.divisionLevel ? ` at ${LEVEL_NAMES[rule.divisionLevel]} level` : ' nearest up the chain';
  return `${kind}${named}${level}`;
}

/** 岳阳楼区东茅岭街道: the names from the county (or the division itself, if higher) down. */
export function displayName(chain: ChainDivision[]): string {
  if (!chain.length) return '';
  const own = levelOf(chain[chain.length - 1].code);
  const from = Math.min(3, own);
  const names = chain.filter((d) => levelOf(d.code) >= from).map((d) => d.name);
  return names.join('');
}

interface Candidate {
  rule: Rule;
  unit: UnitInfo;
  /** Sort key, compared lexicographically, larger = more specific. */
  key: [number, number, number, number];
  /** Where the unit was found, for the reason. */
  at: ChainDivision | null;
}

const cmpKey = (a: Candidate['key'], b: Candidate['key']) => {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return b[i] - a[i];
  return 0;
};

export function resolveResponsibility(input: ResolveInput): Proposal {
  const { categoryCode, chain } = input;
  const caseDivision = chain[chain.length - 1];
  const chainCodes = new Set(chain.map((d) => d.code));
  const byLevel = new Map(chain.map((d) => [levelOf(d.code), d]));
  const catName = (code: string) => {
    const parts: string[] = [];
    for (let i = 2; i <= code.length; i += 2) parts.push(input.categoryNames?.[code.slice(0, i)] ?? code.slice(0, i));
    return parts.join('/');
  };
  const divName = (code: string) => chain.find((d) => d.code === code)?.name ?? code;
  const unitsById = new Map(input.units.map((u) => [u.id, u]));

  const categoryName = catName(categoryCode);
  const divisionName = caseDivision ? displayName(chain) : '';

  const candidates: Candidate[] = [];
  const skipped: (SkippedRule & { key: Candidate['key'] })[] = [];

  const ruleText = (r: Rule) => `rule #${r.no}: ${catName(r.categoryCode)}${r.divisionCode ? ` in ${divName(r.divisionCode)}` : ''}`;

  for (const rule of input.rules) {
    if (!rule.active) continue;
    if (!categoryCode.startsWith(rule.categoryCode)) continue;
    if (rule.divisionCode && !chainCodes.has(rule.divisionCode)) continue;
    const prefix = rule.categoryCode.length;
    const area = rule.divisionCode ? levelOf(rule.divisionCode) : 0;
    const skip = (why: string) =>
      skipped.push({ ruleId: rule.id, ruleNo: rule.no, role: rule.role, reason: `${ruleText(rule)}, ${why}`, key: [prefix, area, rule.unitId ? 1 : 0, rule.unitId ? 0 : (rule.divisionLevel ?? 99)] });

    if (rule.unitId) {
      const u = unitsById.get(rule.unitId);
      if (!u) skip('its unit no longer exists');
      else if (!u.active) skip(`its unit ${u.name} is inactive`);
      else candidates.push({ rule, unit: u, key: [prefix, area, 1, 0], at: null });
      continue;
    }

    if (rule.divisionLevel) {
      const at = byLevel.get(rule.divisionLevel);
      if (!at) {
        skip(`no ${LEVEL_NAMES[rule.divisionLevel]}-level division above ${divisionName || 'the case'}`);
        continue;
      }
      const found = input.units.filter((u) => u.divisionCodes.includes(at.code) && unitMatches(rule, u));
      if (!found.length) skip(`no ${describeTarget({ ...rule, divisionLevel: null }).replace(/ nearest up the chain$/, '')} serves ${at.name}`);
      for (const u of found) candidates.push({ rule, unit: u, key: [prefix, area, 0, rule.divisionLevel], at });
      continue;
    }

    // No level: walk up from the case's division to the first that a matching unit serves.
    let hit = false;
    for (let i = chain.length - 1; i >= 0 && !hit; i--) {
      const at = chain[i];
      const found = input.units.filter((u) => u.divisionCodes.includes(at.code) && unitMatches(rule, u));
      for (const u of found) candidates.push({ rule, unit: u, key: [prefix, area, 0, levelOf(at.code)], at });
      hit = found.length > 0;
    }
    if (!hit) skip(`no ${describeTarget(rule).replace(/ nearest up the chain$/, '')} serves ${divisionName || 'the case'} or any division above it`);
  }

  const reasonOf = (c: Candidate) => {
    const target = c.rule.unitId
      ? `${c.unit.name}`
      : `${describeTarget(c.rule)}${c.at && !c.rule.divisionLevel ? ` (found at ${c.at.name})` : ''} -> ${c.unit.name}`;
    return `${ruleText(c.rule)} -> ${target}, ${c.rule.role}`;
  };
  const proposed = (c: Candidate): ProposedUnit => ({
    unitId: c.unit.id,
    unitCode: c.unit.code ?? null,
    unitName: c.unit.name,
    role: c.rule.role,
    ruleId: c.rule.id,
    ruleNo: c.rule.no,
    reason: reasonOf(c),
  });
  const order = (a: Candidate, b: Candidate) =>
    cmpKey(a.key, b.key) || a.rule.no - b.rule.no || (a.unit.name < b.unit.name ? -1 : a.unit.name > b.unit.name ? 1 : a.unit.id < b.unit.id ? -1 : 1);

  // Lead: the top group of equally specific candidates.
  const leads = candidates.filter((c) => c.rule.role === 'lead').sort(order);
  let lead: ProposedUnit | null = null;
  let ties: ProposedUnit[] = [];
  let topKey: Candidate['key'] | null = null;
  if (leads.length) {
    topKey = leads[0].key;
    const top = leads.filter((c) => cmpKey(c.key, topKey!) === 0);
    const distinct = new Map<string, Candidate>();
    for (const c of top) if (!distinct.has(c.unit.id)) distinct.set(c.unit.id, c);
    if (distinct.size === 1) lead = proposed(top[0]);
    else ties = [...distinct.values()].map(proposed);
  }

  // Assists: every matching assist rule that found a unit, once per unit, the most specific rule first.
  const assists: ProposedUnit[] = [];
  const seen = new Set<string>(lead ? [lead.unitId] : []);
  for (const c of candidates.filter((c) => c.rule.role === 'assist').sort(order)) {
    if (seen.has(c.unit.id)) continue;
    seen.add(c.unit.id);
    assists.push(proposed(c));
  }

  const gap = !lead && !ties.length;
  skipped.sort((a, b) => a.ruleNo - b.ruleNo || (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0));
  // Skipped lead rules worth mentioning: those more specific than the winner (or all, for a gap).
  const relevant = skipped.filter((s) => s.role === 'lead' && (!topKey || cmpKey(s.key, topKey) <= 0));

  const head = `category ${categoryName} in ${divisionName || caseDivision?.code || '(no division)'}`;
  let explanation: string;
  if (lead) explanation = `${head} -> ${lead.unitName}, lead, rule #${lead.ruleNo}`;
  else if (ties.length)
    explanation = `${head} -> tie between ${ties.map((t) => `${t.unitName} (rule #${t.ruleNo})`).join(' and ')}: equally specific lead rules, choose one and fix the responsibility list`;
  else explanation = `${head} -> no lead unit: gap in the responsibility list`;
  if (assists.length) explanation += `; ${assists.map((a) => `${a.unitName}, assist, rule #${a.ruleNo}`).join('; ')}`;
  if (relevant.length) explanation += ` (skipped ${relevant.map((s) => s.reason).join('; ')})`;

  return {
    categoryCode,
    categoryName,
    divisionCode: caseDivision?.code ?? '',
    divisionName,
    lead,
    assists,
    ties,
    gap,
    skipped: skipped.map(({ key: _k, ...s }) => s),
    explanation,
  };
}
