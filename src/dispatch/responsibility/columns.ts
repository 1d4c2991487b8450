/** Columns of the responsibility list in files: field, Chinese header, accepted aliases. */
import type { ColumnSpec } from './files.ts';

export const RULE_COLUMNS: ColumnSpec[] = [
  { field: 'no', type: 'int', zh: '编号', aliases: ['规则号', '规则编号', '序号', 'rule', 'ruleNo'] },
  { field: 'categoryCode', type: 'category', zh: '分类代码', aliases: ['事项分类代码', '类别代码', 'category'] },
  { field: 'categoryName', type: 'str', zh: '分类', aliases: ['事项分类', '分类名称', '类别'] },
  { field: 'divisionCode', type: 'code', zh: '区划代码', aliases: ['适用区划代码', '区划', 'division'] },
  { field: 'divisionName', type: 'str', zh: '区划名称', aliases: ['适用区划', '区域'] },
  { field: 'divisionLevel', type: 'level', zh: '层级', aliases: ['单位层级', '区划层级', '级别', 'level'] },
  { field: 'unitCode', type: 'code', zh: '单位代码', aliases: ['责任单位代码', '单位编码', 'unit'] },
  { field: 'unitName', type: 'str', zh: '单位名称', aliases: ['责任单位'] },
  { field: 'unitKind', type: 'unitKind', zh: '单位类型', aliases: ['类型', 'kind'] },
  { field: 'unitKeyword', type: 'str', zh: '单位关键词', aliases: ['单位名称关键词', '关键词', 'keyword'] },
  { field: 'role', type: 'role', zh: '主协办', aliases: ['主办/协办', '职责', '角色'] },
  { field: 'note', type: 'str', zh: '备注', aliases: ['说明', '依据'] },
  { field: 'active', type: 'bool', zh: '启用', aliases: ['是否启用', '状态', '有效'] },
];
