import { Cascader } from 'antd';
import type { CascaderProps } from 'antd';
import { useCategoryTree, type CategoryOption } from '../api/hooks.ts';
import { useT } from '../i18n.tsx';

type Props = Omit<CascaderProps<CategoryOption>, 'options' | 'multiple'> & { value?: string[]; onChange?(v: string[] | undefined): void };

/** The category tree from /api/categories; type to search ("路灯" finds 城乡建设 / 路灯照明). */
export function CategoryCascader({ value, onChange, ...rest }: Props) {
  const t = useT();
  const { tree, isLoading, isError } = useCategoryTree();
  return (
    <Cascader<CategoryOption>
      options={tree}
      value={value}
      onChange={(v) => onChange?.(v as string[] | undefined)}
      changeOnSelect
      expandTrigger="hover"
      showSearch={{
        filter: (input, path) => path.some((o) => o.label.toLowerCase().includes(input.toLowerCase()) || o.value.startsWith(input)),
        limit: 50,
      }}
      loading={isLoading}
      status={isError ? 'warning' : undefined}
      placeholder={isError ? t('分类加载失败', 'Categories failed to load') : t('选择或输入搜索分类', 'Pick or type to search')}
      allowClear
      {...(rest as object)}
    />
  );
}
