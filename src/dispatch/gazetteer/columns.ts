/** Columns of the gazetteer in files: field, Chinese header, accepted aliases. */
import type { ColumnSpec } from '../responsibility/files.ts';

export const GAZETTEER_COLUMNS: ColumnSpec[] = [
  { field: 'name', type: 'str', zh: '名称', aliases: ['地名', '标准名称'] },
  { field: 'aliases', type: 'list', zh: '别名', aliases: ['俗称', '其他名称'] },
  { field: 'divisionCode', type: 'code', zh: '区划代码', aliases: ['所属区划', '区划', 'division'] },
  { field: 'divisionName', type: 'str', zh: '区划名称', aliases: ['所属区划名称'] },
  { field: 'lng', type: 'num', zh: '经度', aliases: ['longitude', 'lon', 'x'] },
  { field: 'lat', type: 'num', zh: '纬度', aliases: ['latitude', 'y'] },
  { field: 'kind', type: 'placeKind', zh: '类型', aliases: ['地名类型', '类别'] },
];
