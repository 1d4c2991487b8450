import { Select, type SelectProps } from 'antd';
import { useUnits } from '../api/hooks.ts';
import type { Unit } from '../api/types.ts';
import { useI18n } from '../i18n.tsx';

export const UNIT_KIND_TEXT: Record<string, [string, string]> = {
  hotline_centre: ['热线中心', 'Hotline'],
  command_centre: ['指挥中心', 'Command'],
  department: ['职能部门', 'Department'],
  township_office: ['乡镇街道', 'Township'],
  village_committee: ['村社区', 'Village'],
  police_station: ['派出所', 'Police station'],
  police_command: ['110 指挥', '110 command'],
  court: ['法院', 'Court'],
  mediation_committee: ['调解委员会', 'Mediation'],
  enterprise_service: ['企业服务', 'Enterprise'],
  other: ['其他', 'Other'],
};

/** Units from /api/units, grouped by kind, searchable by name or code. */
export function UnitSelect(props: SelectProps<string | string[]> & { exclude?: (string | undefined)[] }) {
  const { t, lang } = useI18n();
  const { data, isLoading, isError } = useUnits();
  const { exclude, ...rest } = props;
  const groups = new Map<string, Unit[]>();
  for (const u of data ?? []) {
    if (!u.active || exclude?.includes(u.id)) continue;
    const list = groups.get(u.kind) ?? [];
    list.push(u);
    groups.set(u.kind, list);
  }
  const options = [...groups.entries()].map(([kind, units]) => ({
    label: UNIT_KIND_TEXT[kind]?.[lang === 'zh' ? 0 : 1] ?? kind,
    title: kind,
    options: units.map((u) => ({ value: u.id, label: u.name, code: u.code })),
  }));
  return (
    <Select
      showSearch
      optionFilterProp="label"
      filterOption={(input, opt) => {
        const o = opt as { label?: string; code?: string } | undefined;
        const s = input.toLowerCase();
        return !!o && (String(o.label ?? '').toLowerCase().includes(s) || String(o.code ?? '').toLowerCase().includes(s));
      }}
      loading={isLoading}
      status={isError ? 'warning' : undefined}
      placeholder={isError ? t('单位加载失败', 'Units failed to load') : t('选择单位（可输入搜索）', 'Choose a unit (type to search)')}
      options={options}
      notFoundContent={isLoading ? t('加载中…', 'Loading…') : t('无匹配单位', 'No unit matches')}
      {...rest}
    />
  );
}
