import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { displayName, keywordsOf, resolveResponsibility, type ChainDivision, type Rule, type UnitInfo } from './resolve.ts';

const NAMES: Record<string, string> = {
  '43': '湖南省',
  '4306': '岳阳市',
  '430602': '岳阳楼区',
  '430602005': '东茅岭街道',
  '430602005001': '东茅岭社区',
  '430603': '云溪区',
  '430603001': '云溪街道',
};
const chainOf = (code: string): ChainDivision[] => {
  const out: ChainDivision[] = [];
  for (const len of [2, 4, 6, 9, 12]) if (code.length >= len) out.push({ code: code.slice(0, len), name: NAMES[code.slice(0, len)] ?? code.slice(0, len) });
  return out;
};
const CATS = { '01': '城乡建设', '0101': '路灯照明', '0102': '道路维修', '12': '矛盾纠纷', '1201': '邻里纠纷' };

const unit = (id: string, name: string, kind: string, divisionCodes: string[], active = true): UnitInfo => ({ id, code: id.toUpperCase(), name, kind, divisionCodes, active });
const U = {
  cgCity: unit('cg-city', '岳阳市城管局', 'department', ['4306']),
  zjCity: unit('zj-city', '岳阳市住建局', 'department', ['4306']),
  cgA: unit('cg-a', '岳阳楼区城管局', 'department', ['430602']),
  zjA: unit('zj-a', '岳阳楼区住建局', 'department', ['430602']),
  cgB: unit('cg-b', '云溪区城市管理和综合执法局', 'department', ['430603']),
  street: unit('jd-a', '东茅岭街道办事处', 'township_office', ['430602005']),
  streetB: unit('jd-b', '云溪街道办事处', 'township_office', ['430603001']),
  tj: unit('tj-a', '东茅岭街道人民调解委员会', 'mediation_committee', ['430602005']),
  sy: unit('sy-a', '岳阳楼区诉源治理工作站', 'mediation_committee', ['430602']),
  sq: unit('sq-a', '东茅岭社区居委会', 'village_committee', ['430602005001']),
  pcs: unit('pcs-a', '东茅岭派出所', 'police_station', ['430602005']),
  ga: unit('ga-a', '岳阳市公安局岳阳楼分局', 'other', ['430602']),
  old: unit('old-a', '岳阳楼区市政局', 'department', ['430602'], false),
};
const ALL_UNITS = Object.values(U);

let seq = 0;
function rule(no: number, r: Partial<Rule> & Pick<Rule, 'categoryCode'>): Rule {
  return {
    id: `rule-${no}-${++seq}`,
    no,
    divisionCode: null,
    divisionLevel: null,
    unitId: null,
    unitKind: null,
    unitKeyword: null,
    role: 'lead',
    note: null,
    active: true,
    ...r,
  };
}

function resolve(categoryCode: string, divisionCode: string, rules: Rule[], units: UnitInfo[] = ALL_UNITS) {
  return resolveResponsibility({ categoryCode, categoryNames: CATS, chain: chainOf(divisionCode), rules, units });
}

describe('responsibility resolution', () => {
  it('names the lead unit and explains it with Chinese names', () => {
    const p = resolve('0101', '430602005', [rule(12, { categoryCode: '0101', divisionCode: '430602', unitId: U.cgA.id })]);
    expect(p.lead).toMatchObject({ unitId: U.cgA.id, unitName: '岳阳楼区城管局', unitCode: 'CG-A', ruleNo: 12, role: 'lead' });
    expect(p.explanation).toBe('category 城乡建设/路灯照明 in 岳阳楼区东茅岭街道 -> 岳阳楼区城管局, lead, rule #12');
    expect(p).toMatchObject({ gap: false, ties: [], assists: [], categoryName: '城乡建设/路灯照明', divisionName: '岳阳楼区东茅岭街道', divisionCode: '430602005' });
    expect(p.lead!.reason).toBe('rule #12: 城乡建设/路灯照明 in 岳阳楼区 -> 岳阳楼区城管局, lead');
  });

  it('shows a division by its names from the county down (or itself when higher)', () => {
    expect(displayName(chainOf('430602005001'))).toBe('岳阳楼区东茅岭街道东茅岭社区');
    expect(displayName(chainOf('430602'))).toBe('岳阳楼区');
    expect(displayName(chainOf('4306'))).toBe('岳阳市');
    expect(displayName(chainOf('43'))).toBe('湖南省');
  });

  it('a rule for a category prefix covers the branch; a longer prefix beats a nearer division', () => {
    const rules = [rule(1, { categoryCode: '01', divisionCode: '430602005', unitId: U.zjA.id }), rule(2, { categoryCode: '0101', unitId: U.cgCity.id })];
    expect(resolve('0101', '430602005001', rules).lead?.unitId).toBe(U.cgCity.id);
    expect(resolve('0102', '430602005001', rules).lead?.unitId).toBe(U.zjA.id);
    // A branch rule does not apply to a sibling branch, nor a leaf rule to its branch.
    expect(resolve('12', '430602005001', rules).gap).toBe(true);
    expect(resolve('01', '430602005001', rules).lead?.unitId).toBe(U.zjA.id);
  });

  it('at the same prefix, the nearest area wins: street before county before city before everywhere', () => {
    const rules = [
      rule(1, { categoryCode: '0101', unitId: U.zjCity.id }),
      rule(2, { categoryCode: '0101', divisionCode: '4306', unitId: U.cgCity.id }),
      rule(3, { categoryCode: '0101', divisionCode: '430602', unitId: U.cgA.id }),
      rule(4, { categoryCode: '0101', divisionCode: '430602005', unitId: U.street.id }),
    ];
    expect(resolve('0101', '430602005001', rules).lead?.ruleNo).toBe(4);
    expect(resolve('0101', '430602', rules).lead?.ruleNo).toBe(3);
    expect(resolve('0101', '430603001', rules).lead?.ruleNo).toBe(2);
    expect(resolve('0101', '43', rules).lead?.ruleNo).toBe(1);
    // A rule for another area never applies.
    expect(resolve('0101', '430603001', [rules[2], rules[3]]).gap).toBe(true);
  });

  it('at the same prefix and area, an explicit unit beats a unit kind', () => {
    const rules = [rule(1, { categoryCode: '0101', unitKind: 'township_office', divisionLevel: 4 }), rule(2, { categoryCode: '0101', unitId: U.cgA.id })];
    expect(resolve('0101', '430602005', rules).lead?.ruleNo).toBe(2);
    // ...but a local kind rule beats a general explicit one.
    rules[0].divisionCode = '430602';
    expect(resolve('0101', '430602005', rules).lead).toMatchObject({ ruleNo: 1, unitId: U.street.id });
  });

  it('a unit kind at a level resolves to the unit of that kind serving that level of the chain; a higher level is the fallback', () => {
    const rules = [
      rule(3, { categoryCode: '0101', unitKind: 'department', unitKeyword: '城管|城市管理', divisionLevel: 3 }),
      rule(4, { categoryCode: '0101', unitKind: 'department', unitKeyword: '城管|城市管理', divisionLevel: 2 }),
    ];
    const a = resolve('0101', '430602005001', rules);
    expect(a.lead).toMatchObject({ unitId: U.cgA.id, ruleNo: 3 });
    expect(a.lead!.reason).toBe('rule #3: 城乡建设/路灯照明 -> department named 城管/城市管理 at county level -> 岳阳楼区城管局, lead');
    expect(a.skipped).toEqual([]);
    // 云溪区's department is named 城市管理...: the alternative keyword finds it.
    expect(resolve('0101', '430603001', rules).lead?.unitId).toBe(U.cgB.id);
    // Without a county 城管, the city's is proposed and the county rule is reported as skipped.
    const b = resolve('0101', '430602005', rules, ALL_UNITS.filter((u) => u !== U.cgA));
    expect(b.lead).toMatchObject({ unitId: U.cgCity.id, ruleNo: 4 });
    expect(b.skipped).toEqual([expect.objectContaining({ ruleNo: 3, reason: 'rule #3: 城乡建设/路灯照明, no department named 城管/城市管理 serves 岳阳楼区' })]);
    expect(b.explanation).toBe(
      'category 城乡建设/路灯照明 in 岳阳楼区东茅岭街道 -> 岳阳市城管局, lead, rule #4 (skipped rule #3: 城乡建设/路灯照明, no department named 城管/城市管理 serves 岳阳楼区)',
    );
  });

  it('a level the case does not reach is skipped (a county-level case has no township)', () => {
    const rules = [rule(7, { categoryCode: '12', unitKind: 'township_office', divisionLevel: 4 })];
    expect(resolve('1201', '430602005001', rules).lead?.unitId).toBe(U.street.id);
    const p = resolve('1201', '430602', rules);
    expect(p.gap).toBe(true);
    expect(p.lead).toBeNull();
    expect(p.skipped[0].reason).toBe('rule #7: 矛盾纠纷, no township-level division above 岳阳楼区');
    expect(p.explanation).toBe('category 矛盾纠纷/邻里纠纷 in 岳阳楼区 -> no lead unit: gap in the responsibility list (skipped rule #7: 矛盾纠纷, no township-level division above 岳阳楼区)');
  });

  it('a unit kind without a level is the nearest such unit up the chain', () => {
    const rules = [rule(1, { categoryCode: '1201', unitKind: 'mediation_committee' })];
    const p = resolve('1201', '430602005001', rules);
    expect(p.lead).toMatchObject({ unitId: U.tj.id });
    expect(p.lead!.reason).toBe('rule #1: 矛盾纠纷/邻里纠纷 -> mediation committee nearest up the chain (found at 东茅岭街道) -> 东茅岭街道人民调解委员会, lead');
    expect(resolve('1201', '430602', rules).lead?.unitId).toBe(U.sy.id);
    expect(resolve('1201', '430603001', rules).gap).toBe(true);
  });

  it('a keyword without a kind matches units of any kind', () => {
    const rules = [rule(1, { categoryCode: '12', unitKeyword: '公安' })];
    expect(resolve('1201', '430602005001', rules).lead?.unitId).toBe(U.ga.id);
    expect(keywordsOf(' 城管 | 城市管理,执法 ')).toEqual(['城管', '城市管理', '执法']);
  });

  it('a fallback through the category tree: a leaf rule that finds no unit leaves the branch rule', () => {
    const rules = [
      rule(1, { categoryCode: '12', unitKind: 'township_office', divisionLevel: 4 }),
      rule(2, { categoryCode: '1201', unitKind: 'mediation_committee', divisionLevel: 4 }),
    ];
    expect(resolve('1201', '430602005001', rules).lead?.unitId).toBe(U.tj.id);
    const p = resolve('1201', '430603001', rules);
    expect(p.lead?.unitId).toBe(U.streetB.id);
    expect(p.skipped.map((s) => s.ruleNo)).toEqual([2]);
    expect(p.explanation).toContain('(skipped rule #2: 矛盾纠纷/邻里纠纷, no mediation committee serves 云溪街道)');
  });

  it('two different units equally specific are a tie, reported and not guessed', () => {
    const rules = [rule(5, { categoryCode: '0101', divisionCode: '430602', unitId: U.zjA.id }), rule(3, { categoryCode: '0101', divisionCode: '430602', unitId: U.cgA.id })];
    const p = resolve('0101', '430602005', rules);
    expect(p.lead).toBeNull();
    expect(p.gap).toBe(false);
    expect(p.ties.map((t) => [t.ruleNo, t.unitName])).toEqual([
      [3, '岳阳楼区城管局'],
      [5, '岳阳楼区住建局'],
    ]);
    expect(p.explanation).toBe(
      'category 城乡建设/路灯照明 in 岳阳楼区东茅岭街道 -> tie between 岳阳楼区城管局 (rule #3) and 岳阳楼区住建局 (rule #5): equally specific lead rules, choose one and fix the responsibility list',
    );
    // A more specific rule settles it.
    expect(resolve('0101', '430602005', [...rules, rule(9, { categoryCode: '0101', divisionCode: '430602005', unitId: U.street.id })]).lead?.ruleNo).toBe(9);
  });

  it('one kind rule finding two units at the same level is a tie', () => {
    const twin = unit('cg-a2', '岳阳楼区城管执法大队', 'department', ['430602']);
    const p = resolve('0101', '430602005', [rule(1, { categoryCode: '0101', unitKind: 'department', unitKeyword: '城管', divisionLevel: 3 })], [...ALL_UNITS, twin]);
    expect(p.lead).toBeNull();
    expect(p.ties.map((t) => t.unitName).sort()).toEqual(['岳阳楼区城管执法大队', '岳阳楼区城管局'].sort());
  });

  it('the same unit named by two equally specific rules is not a tie', () => {
    const rules = [rule(8, { categoryCode: '0101', unitId: U.cgA.id }), rule(2, { categoryCode: '0101', unitKind: 'department', unitKeyword: '城管', divisionLevel: 3 }), rule(6, { categoryCode: '0101', unitId: U.cgA.id })];
    const p = resolve('0101', '430602005', rules);
    expect(p.lead).toMatchObject({ unitId: U.cgA.id, ruleNo: 6 });
    expect(p.ties).toEqual([]);
  });

  it('gaps: no rules, only assisting rules, inactive rules, rules of other categories or areas', () => {
    const g = (rules: Rule[]) => resolve('0101', '430602005', rules);
    expect(g([])).toMatchObject({ gap: true, lead: null, ties: [], assists: [] });
    expect(g([]).explanation).toBe('category 城乡建设/路灯照明 in 岳阳楼区东茅岭街道 -> no lead unit: gap in the responsibility list');
    const onlyAssist = g([rule(1, { categoryCode: '0101', unitId: U.zjA.id, role: 'assist' })]);
    expect(onlyAssist).toMatchObject({ gap: true, lead: null });
    expect(onlyAssist.assists.map((a) => a.unitId)).toEqual([U.zjA.id]);
    expect(onlyAssist.explanation).toBe('category 城乡建设/路灯照明 in 岳阳楼区东茅岭街道 -> no lead unit: gap in the responsibility list; 岳阳楼区住建局, assist, rule #1');
    expect(g([rule(1, { categoryCode: '0101', unitId: U.cgA.id, active: false })]).gap).toBe(true);
    expect(g([rule(1, { categoryCode: '0102', unitId: U.cgA.id })]).gap).toBe(true);
    expect(g([rule(1, { categoryCode: '02', unitId: U.cgA.id })]).gap).toBe(true);
    expect(g([rule(1, { categoryCode: '0101', divisionCode: '430603', unitId: U.cgB.id })]).gap).toBe(true);
    expect(g([rule(1, { categoryCode: '0101', divisionCode: '430602005001', unitId: U.cgA.id })]).gap).toBe(true);
  });

  it('an inactive or missing unit is skipped, and the next rule is the fallback', () => {
    const rules = [rule(1, { categoryCode: '0101', divisionCode: '430602', unitId: U.old.id }), rule(2, { categoryCode: '0101', unitId: 'gone' }), rule(3, { categoryCode: '01', unitId: U.zjCity.id })];
    const p = resolve('0101', '430602005', rules);
    expect(p.lead?.ruleNo).toBe(3);
    expect(p.skipped.map((s) => s.reason)).toEqual([
      'rule #1: 城乡建设/路灯照明 in 岳阳楼区, its unit 岳阳楼区市政局 is inactive',
      'rule #2: 城乡建设/路灯照明, its unit no longer exists',
    ]);
    // Inactive units are never found by kind either.
    expect(resolve('0101', '430602005', [rule(4, { categoryCode: '0101', unitKeyword: '市政局' })]).gap).toBe(true);
  });

  it('assisting units: every matching assist rule once, the lead left out, most specific first', () => {
    const rules = [
      rule(1, { categoryCode: '12', unitKind: 'township_office', divisionLevel: 4 }),
      rule(2, { categoryCode: '1201', unitKind: 'village_committee', divisionLevel: 5, role: 'assist' }),
      rule(3, { categoryCode: '12', unitKind: 'township_office', divisionLevel: 4, role: 'assist' }),
      rule(4, { categoryCode: '12', unitId: U.pcs.id, role: 'assist' }),
      rule(5, { categoryCode: '12', unitId: U.pcs.id, divisionCode: '430602', role: 'assist' }),
      rule(6, { categoryCode: '12', unitKind: 'court', role: 'assist' }),
    ];
    const p = resolve('1201', '430602005001', rules);
    expect(p.lead?.unitId).toBe(U.street.id);
    expect(p.assists.map((a) => [a.unitName, a.ruleNo])).toEqual([
      ['东茅岭社区居委会', 2],
      ['东茅岭派出所', 5],
    ]);
    expect(p.explanation).toBe(
      'category 矛盾纠纷/邻里纠纷 in 岳阳楼区东茅岭街道东茅岭社区 -> 东茅岭街道办事处, lead, rule #1; 东茅岭社区居委会, assist, rule #2; 东茅岭派出所, assist, rule #5',
    );
    // The assist rule for the village level is skipped at the street level, quietly (it is no lead).
    const s = resolve('1201', '430602005', rules);
    expect(s.assists.map((a) => a.ruleNo)).toEqual([5]);
    expect(s.explanation).not.toContain('skipped');
    expect(s.skipped.map((x) => x.ruleNo)).toEqual([2, 6]);
  });

  it('shows codes where names are unknown', () => {
    const p = resolveResponsibility({ categoryCode: '9901', chain: [{ code: '99', name: '99' }], rules: [rule(1, { categoryCode: '99', unitId: U.cgA.id })], units: ALL_UNITS });
    expect(p.explanation).toBe('category 99/9901 in 99 -> 岳阳楼区城管局, lead, rule #1');
  });

  describe('properties', () => {
    const divisions = ['43', '4306', '430602', '430602005', '430602005001', '430603', '430603001'];
    const categories = ['01', '0101', '0102', '12', '1201'];
    const arbRule = fc.record({
      categoryCode: fc.constantFrom(...categories),
      divisionCode: fc.option(fc.constantFrom(...divisions), { nil: null }),
      explicit: fc.boolean(),
      unitId: fc.constantFrom(...ALL_UNITS.map((u) => u.id), 'gone'),
      unitKind: fc.option(fc.constantFrom('department', 'township_office', 'mediation_committee', 'village_committee'), { nil: null }),
      unitKeyword: fc.option(fc.constantFrom('城管', '住建', '街道', '东茅岭'), { nil: null }),
      divisionLevel: fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }),
      role: fc.constantFrom('lead' as const, 'assist' as const),
      active: fc.boolean(),
    });
    const arbRules = fc.array(arbRule, { maxLength: 14 }).map((rs) =>
      rs.map((r, i) =>
        rule(i + 1, {
          categoryCode: r.categoryCode,
          divisionCode: r.divisionCode,
          role: r.role,
          active: r.active,
          ...(r.explicit || (!r.unitKind && !r.unitKeyword) ? { unitId: r.unitId } : { unitKind: r.unitKind, unitKeyword: r.unitKeyword, divisionLevel: r.divisionLevel }),
        }),
      ),
    );
    const place = fc.record({ cat: fc.constantFrom(...categories), div: fc.constantFrom(...divisions) });

    it('does not depend on the order of the rules or the units', () => {
      fc.assert(
        fc.property(arbRules, place, fc.integer(), (rules, { cat, div }, seed) => {
          const shuffle = <T,>(xs: T[]) => {
            const a = [...xs];
            let s = seed;
            for (let i = a.length - 1; i > 0; i--) {
              s = (s * 1103515245 + 12345) & 0x7fffffff;
              const j = s % (i + 1);
              [a[i], a[j]] = [a[j], a[i]];
            }
            return a;
          };
          expect(resolve(cat, div, shuffle(rules), shuffle(ALL_UNITS))).toEqual(resolve(cat, div, rules));
        }),
        { numRuns: 300 },
      );
    });

    it('reports exactly one of lead, tie or gap; a lead is a unit no rule disputes at the same specificity', () => {
      fc.assert(
        fc.property(arbRules, place, (rules, { cat, div }) => {
          const p = resolve(cat, div, rules);
          expect([p.lead ? 1 : 0, p.ties.length ? 1 : 0, p.gap ? 1 : 0].reduce((a, b) => a + b)).toBe(1);
          if (p.ties.length) expect(new Set(p.ties.map((t) => t.unitId)).size).toBeGreaterThan(1);
          if (p.lead) {
            expect(p.assists.map((a) => a.unitId)).not.toContain(p.lead.unitId);
            // Removing every rule naming other units leaves the lead in place.
            const lone = resolve(cat, div, rules.filter((r) => r.id === p.lead!.ruleId));
            expect(lone.lead?.unitId).toBe(p.lead.unitId);
          }
          expect(new Set(p.assists.map((a) => a.unitId)).size).toBe(p.assists.length);
        }),
        { numRuns: 500 },
      );
    });

    it('inactive rules and rules for areas off the chain change nothing', () => {
      fc.assert(
        fc.property(arbRules, place, arbRules, (rules, { cat, div }, extra) => {
          const noise = extra
            .map((r, i) => ({ ...r, no: 100 + i, id: `noise-${i}` }))
            .map((r, i) => (i % 2 ? { ...r, active: false } : { ...r, divisionCode: div.startsWith('430603') ? '430602' : '430603' }));
          expect(resolve(cat, div, [...rules, ...noise])).toEqual(resolve(cat, div, rules));
        }),
        { numRuns: 300 },
      );
    });
  });
});

