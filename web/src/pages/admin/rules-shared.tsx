/**
 * Pieces shared by the rule admin pages (categories, policies, holidays,
 * responsibility list, knowledge base): a division picker, a category tree
 * picker that also shows inactive codes, limit text, the page header, the
 * edit drawer.
 */
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { Alert, App, Button, Drawer, Form, Select, Space, TreeSelect, Typography, type FormInstance, type SelectProps } from 'antd';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, withQuery } from '../../api/client.ts';
import { useCategories } from '../../api/hooks.ts';
import type { Category } from '../../api/types.ts';
import { useI18n } from '../../i18n.tsx';
import { applyServerErrors } from '../../lib/forms.ts';

export function PageHead({ title, extra, sub }: { title: string; extra?: ReactNode; sub?: ReactNode }) {
  return (
    <div className="page-head">
      <div>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {title}
        </Typography.Title>
        {sub && (
          <Typography.Text type="secondary" style={{ fontSize: 13 }}>
            {sub}
          </Typography.Text>
        )}
      </div>
      {extra}
    </div>
  );
}

/** "2h" -> 2 工作小时 / 2 working hours; "5d" -> 5 个工作日; "0d" -> 当日. */
export function limitText(limit: string | null | undefined, lang: 'zh' | 'en', natural = false): string {
  if (!limit) return '—';
  const m = /^(\d+)(m|h|d)$/.exec(limit);
  if (!m) return limit;
  const n = Number(m[1]);
  if (m[2] === 'd') {
    if (n === 0) return lang === 'zh' ? '当日' : 'same day';
    return lang === 'zh' ? `${n} 个${natural ? '自然' : '工作'}日` : `${n} ${natural ? '' : 'working '}day${n > 1 ? 's' : ''}`;
  }
  if (m[2] === 'h') return lang === 'zh' ? `${n} ${natural ? '' : '工作'}小时` : `${n} ${natural ? '' : 'working '}h`;
  return lang === 'zh' ? `${n} 分钟` : `${n} min`;
}

/** Category code -> 城乡建设 / 路灯照明 (inactive ones too: rules and articles may still name them). */
export function useCategoryPaths() {
  const q = useCategories();
  return useMemo(() => {
    const names = new Map((q.data ?? []).map((c) => [c.code, c.name]));
    return (code: string | null | undefined) => {
      if (!code) return '';
      const parts: string[] = [];
      for (let i = 2; i <= code.length; i += 2) parts.push(names.get(code.slice(0, i)) ?? code.slice(0, i));
      return parts.join(' / ');
    };
  }, [q.data]);
}

interface TreeNode {
  value: string;
  title: string;
  disabled?: boolean;
  children?: TreeNode[];
}

export function categoryTree(rows: Category[], opts: { includeInactive?: boolean; inactiveLabel?: string } = {}): TreeNode[] {
  const list = opts.includeInactive ? rows : rows.filter((c) => c.active);
  const byParent = new Map<string | null, Category[]>();
  const codes = new Set(list.map((r) => r.code));
  for (const c of list) {
    const parent = c.parentCode && codes.has(c.parentCode) ? c.parentCode : null;
    byParent.set(parent, [...(byParent.get(parent) ?? []), c]);
  }
  const build = (parent: string | null): TreeNode[] =>
    (byParent.get(parent) ?? [])
      .sort((a, b) => a.sort - b.sort || a.code.localeCompare(b.code))
      .map((c) => {
        const children = build(c.code);
        return { value: c.code, title: `${c.name}（${c.code}）${c.active ? '' : ` · ${opts.inactiveLabel ?? '停用'}`}`, ...(children.length ? { children } : {}) };
      });
  return build(null);
}

/** One category code (or several with `multiple`), picked from the tree; type a name or a code to search. */
export function CategoryPicker(props: { value?: string | string[] | null; onChange?(v: any): void; multiple?: boolean; id?: string; placeholder?: string; allowClear?: boolean; 'aria-label'?: string }) {
  const { t } = useI18n();
  const q = useCategories();
  const tree = useMemo(() => categoryTree(q.data ?? []), [q.data]);
  return (
    <TreeSelect
      id={props.id}
      aria-label={props['aria-label']}
      value={props.value ?? undefined}
      onChange={(v) => props.onChange?.(v ?? (props.multiple ? [] : null))}
      treeData={tree}
      multiple={props.multiple}
      showSearch
      treeNodeFilterProp="title"
      allowClear={props.allowClear ?? true}
      loading={q.isLoading}
      status={q.isError ? 'warning' : undefined}
      placeholder={q.isError ? t('分类加载失败', 'Categories failed to load') : (props.placeholder ?? t('选择或输入搜索分类', 'Pick or type to search'))}
      style={{ width: '100%' }}
      popupMatchSelectWidth={false}
      listHeight={360}
    />
  );
}

interface DivisionRow {
  code: string;
  name: string;
  level?: number;
}

/** A division by name or code ("东茅岭" or "430602"), searched on the server. */
export function DivisionPicker(props: Omit<SelectProps<string>, 'options' | 'onSearch' | 'showSearch' | 'filterOption'>) {
  const { t } = useI18n();
  const [term, setTerm] = useState('');
  const [debounced, setDebounced] = useState('');
  useEffect(() => {
    const h = setTimeout(() => setDebounced(term.trim()), 250);
    return () => clearTimeout(h);
  }, [term]);
  const value = typeof props.value === 'string' ? props.value : undefined;
  const search = useQuery<DivisionRow[]>({
    queryKey: ['divisions', 'search', debounced],
    queryFn: ({ signal }) => api(withQuery('/api/divisions', debounced ? { q: debounced, limit: 30 } : { limit: 50 }), { signal }),
    staleTime: 5 * 60_000,
  });
  // The current value's name, when it is not among the search hits.
  const current = useQuery<DivisionRow>({
    queryKey: ['division', value],
    queryFn: () => api(`/api/divisions/${value}`),
    enabled: !!value && !(search.data ?? []).some((d) => d.code === value),
    staleTime: 60 * 60_000,
    retry: false,
  });
  const rows = [...(search.data ?? [])];
  if (current.data && !rows.some((r) => r.code === current.data.code)) rows.unshift(current.data);
  return (
    <Select
      showSearch
      filterOption={false}
      onSearch={setTerm}
      loading={search.isFetching}
      placeholder={t('输入区划名称或代码', 'Type a division name or code')}
      notFoundContent={search.isFetching ? t('搜索中…', 'Searching…') : t('无匹配区划', 'No division matches')}
      options={rows.map((d) => ({ value: d.code, label: `${d.name}（${d.code}）` }))}
      allowClear
      {...props}
    />
  );
}

/** Who may edit the rule pages: admins (the server checks again, and scopes). */
export const isAdmin = (roles: string[] | undefined) => !!roles?.includes('admin');

/**
 * The edit drawer of a rule page: opens on a row (or 'new') with the form
 * reset to `initialValues`, saves the body `toBody` makes with PUT to `path`,
 * refreshes the list under `queryKey`, and shows what the server refuses on the
 * fields it names (the rest in a banner above the form). The page keeps the
 * form instance (to watch fields) and gives the form items as children.
 */
export function EditDrawer<T, F extends object, S>(props: {
  editing: T | 'new' | null;
  onClose(): void;
  form: FormInstance<F>;
  /** The form's name (it prefixes the fields' ids). */
  name: string;
  title: string;
  width: number;
  initialValues(editing: T | 'new'): Parameters<FormInstance<F>['setFieldsValue']>[0];
  path: string;
  queryKey: string;
  toBody(values: F, editing: T | 'new'): Record<string, unknown>;
  /** The success message, from what the server answered and what was sent. */
  savedText(saved: S, body: Record<string, unknown>): string;
  /** Server field names that stand for other form fields (see applyServerErrors). */
  fieldAliases?: Record<string, string>;
  requiredMark?: boolean;
  children: ReactNode;
}) {
  const { editing, onClose, form } = props;
  const { t } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [banner, setBanner] = useState<string[]>([]);

  useEffect(() => {
    if (!editing) return;
    setBanner([]);
    form.resetFields();
    form.setFieldsValue(props.initialValues(editing));
    // The values are read when the drawer opens on a row, not tracked.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [editing, form]);

  const save = useMutation({
    mutationFn: (body: Record<string, unknown>) => api<S>(props.path, { method: 'PUT', body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: [props.queryKey] }),
  });

  async function submit(v: F) {
    const body = props.toBody(v, editing as T | 'new');
    setBanner([]);
    try {
      const saved = await save.mutateAsync(body);
      message.success(props.savedText(saved, body));
      onClose();
    } catch (err) {
      setBanner(applyServerErrors(form, err, props.fieldAliases));
    }
  }

  return (
    <Drawer
      open={!!editing}
      onClose={onClose}
      width={props.width}
      title={props.title}
      extra={
        <Space>
          <Button onClick={onClose}>{t('取消', 'Cancel')}</Button>
          <Button type="primary" loading={save.isPending} onClick={() => form.submit()}>
            {t('保存', 'Save')}
          </Button>
        </Space>
      }
      forceRender
    >
      {banner.length > 0 && <Alert type="error" showIcon style={{ marginBottom: 12 }} message={banner.join('；')} />}
      <Form form={form} name={props.name} layout="vertical" onFinish={submit} requiredMark={props.requiredMark}>
        {props.children}
      </Form>
    </Drawer>
  );
}
