/**
 * Pieces the organisation admin pages share: the division tree picker (lazy by
 * level, searchable by name or code), division names and tags, unit kinds, the
 * admin-side user type, the active/inactive tag and toggle of the lists, and
 * the edit dialogs' save-with-error-banner.
 */
import { useEffect, useMemo, useRef, useState, type CSSProperties } from 'react';
import { Alert, Button, Popconfirm, Space, Tag, Tooltip, TreeSelect, type FormInstance, type TreeSelectProps } from 'antd';
import { CheckCircleOutlined, StopOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { api, withQuery } from '../../api/client.ts';
import type { Me, Role } from '../../api/types.ts';
import type { Json } from '../../../../src/platform/json.ts';
import type { DivisionDetail as ServerDivisionDetail, DivisionListItem, User } from '../../../../src/org/types.ts';
import { useI18n } from '../../i18n.tsx';
import { applyServerErrors } from '../../lib/forms.ts';

/** A division as GET /api/divisions lists it (the server's response schema); hasChildren is absent on rows the console makes itself. */
export type DivisionRow = Omit<Json<DivisionListItem>, 'hasChildren' | 'geometry'> & { hasChildren?: boolean };

/** GET /api/divisions/:code: the division with its chain and child count. */
export type DivisionDetail = Json<ServerDivisionDetail> & { parentCode?: string | null; hasChildren?: boolean };

/** A user as the admin API answers (phone masked except on GET /api/users/:id). */
export type AdminUser = Json<User>;

export const LEVEL_TEXT: Record<number, [string, string]> = {
  1: ['省', 'Province'],
  2: ['市', 'City'],
  3: ['县(区)', 'County'],
  4: ['乡镇(街道)', 'Township'],
  5: ['村(社区)', 'Village'],
};
/** Digits a child code adds to its parent's: province 2, city +2, county +2, township +3, village +3. */
export const CHILD_DIGITS: Record<number, number> = { 0: 2, 2: 2, 4: 2, 6: 3, 9: 3 };

export const sees = (me: Me, code: string | null | undefined) =>
  me.scopeCodes.includes('*') || (!!code && me.scopeCodes.some((s) => code.startsWith(s)));
export const isGlobal = (me: Me) => me.scopeCodes.includes('*');

/** The roots of the caller's jurisdiction (GET /api/divisions without parameters). */
export function useDivisionRoots() {
  return useQuery<DivisionRow[]>({ queryKey: ['divisions', 'roots'], queryFn: ({ signal }) => api('/api/divisions', { signal }), staleTime: 5 * 60_000 });
}

export function useDivisionChildren(parent: string | null, enabled = true) {
  return useQuery<DivisionRow[]>({
    queryKey: ['divisions', 'children', parent],
    queryFn: ({ signal }) => api(withQuery('/api/divisions', { parent: parent ?? undefined, limit: 1000 }), { signal }),
    enabled: enabled && !!parent,
    staleTime: 5 * 60_000,
  });
}

/** Names of division codes, in one call per distinct set (cached). */
export function useDivisionNames(codes: string[]): Map<string, string> {
  const unique = [...new Set(codes.filter((c) => /^\d{2,12}$/.test(c)))].sort().slice(0, 500);
  const key = unique.join(',');
  const q = useQuery<DivisionRow[]>({
    queryKey: ['divisions', 'codes', key],
    queryFn: ({ signal }) => api(withQuery('/api/divisions', { codes: key }), { signal }),
    enabled: unique.length > 0,
    staleTime: 10 * 60_000,
    placeholderData: (prev) => prev,
  });
  return useMemo(() => new Map((q.data ?? []).map((d) => [d.code, d.name])), [q.data]);
}

/** "学坡社区 430602005001", or the code alone until the name arrives. */
export function DivisionLabel({ code, names }: { code: string; names: Map<string, string> }) {
  const { t } = useI18n();
  if (code === '*') return <>{t('全部辖区', 'Everywhere')}</>;
  const n = names.get(code);
  return (
    <span title={code}>
      {n ?? code}
      {n && <span className="muted"> {code}</span>}
    </span>
  );
}

interface Node {
  id: string;
  pId: string | null;
  value: string;
  title: string;
  isLeaf: boolean;
  disabled?: boolean;
}

type DivisionTreeSelectProps = Omit<TreeSelectProps<string | string[]>, 'treeData' | 'loadData' | 'onSearch' | 'searchValue'> & {
  /** Lowest level offered (5 = villages); deeper nodes are not loaded. */
  maxLevel?: number;
};

/**
 * A division picker: the caller's jurisdiction as a tree, loaded one level at
 * a time; typing searches the server by name or code start.
 */
export function DivisionTreeSelect({ maxLevel = 5, value, ...rest }: DivisionTreeSelectProps) {
  const { t } = useI18n();
  const roots = useDivisionRoots();
  const [loaded, setLoaded] = useState<Map<string, Node>>(new Map());
  const [search, setSearch] = useState('');
  const [debounced, setDebounced] = useState('');
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => {
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => setDebounced(search.trim()), 250);
    return () => window.clearTimeout(timer.current);
  }, [search]);
  const found = useQuery<DivisionRow[]>({
    queryKey: ['divisions', 'search', debounced],
    queryFn: ({ signal }) => api(withQuery('/api/divisions', { q: debounced, limit: 50 }), { signal }),
    enabled: debounced.length > 0,
    staleTime: 60_000,
  });
  const selected = value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
  const names = useDivisionNames(selected);

  const toNode = (d: DivisionRow, pId: string | null): Node => ({
    id: d.code,
    pId,
    value: d.code,
    title: `${d.name} ${d.code}`,
    isLeaf: d.level >= maxLevel || d.hasChildren === false,
  });

  const treeData = useMemo(() => {
    const m = new Map<string, Node>();
    for (const r of roots.data ?? []) m.set(r.code, toNode(r, null));
    for (const [k, n] of loaded) if (!m.has(k)) m.set(k, n);
    // Chosen values always have a node, so the picker shows their names.
    for (const c of selected) {
      if (!m.has(c) && c !== '*') m.set(c, { id: c, pId: null, value: c, title: `${names.get(c) ?? c} ${names.get(c) ? c : ''}`.trim(), isLeaf: true });
    }
    if (debounced && found.data) {
      return found.data.filter((d) => d.level <= maxLevel).map((d) => ({ ...toNode(d, null), isLeaf: true }));
    }
    // A node whose parent is not (yet) in the tree sits at the top.
    return [...m.values()].map((n) => (n.pId && !m.has(n.pId) ? { ...n, pId: null } : n));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [roots.data, loaded, debounced, found.data, selected.join(','), names, maxLevel]);

  async function loadData(node: { value?: unknown }) {
    const code = String(node.value);
    const rows = await api<DivisionRow[]>(withQuery('/api/divisions', { parent: code, limit: 1000 }));
    setLoaded((prev) => {
      const next = new Map(prev);
      for (const r of rows) next.set(r.code, toNode(r, code));
      return next;
    });
  }

  return (
    <TreeSelect
      treeDataSimpleMode={{ id: 'id', pId: 'pId' }}
      treeData={treeData}
      loadData={loadData}
      value={value}
      showSearch
      searchValue={search}
      onSearch={setSearch}
      filterTreeNode={false}
      treeNodeFilterProp="title"
      loading={roots.isLoading || found.isFetching}
      notFoundContent={roots.isError ? t('区划加载失败', 'Divisions failed to load') : found.isFetching ? t('搜索中…', 'Searching…') : t('无匹配区划', 'No division matches')}
      placeholder={t('选择区划（可输入名称或代码搜索）', 'Choose a division (type a name or code)')}
      allowClear
      popupMatchSelectWidth={false}
      styles={{ popup: { root: { minWidth: 320, maxHeight: 420, overflow: 'auto' } } }}
      onOpenChange={(open: boolean) => !open && setSearch('')}
      {...rest}
    />
  );
}

export const UNIT_KINDS = [
  'hotline_centre',
  'command_centre',
  'department',
  'township_office',
  'village_committee',
  'police_station',
  'police_command',
  'court',
  'mediation_committee',
  'enterprise_service',
  'other',
] as const;

export const STAFF_ROLES: Role[] = ['admin', 'operator', 'dispatcher', 'handler', 'township', 'grid_worker', 'police', 'mediator', 'supervisor', 'leader'];

/** Division codes as tags (the first `max`, then "+n"), or `empty` when there are none. */
export function DivisionTags({ codes, names, max, empty }: { codes: string[]; names: Map<string, string>; max: number; empty: React.ReactNode }) {
  if (!codes.length) return <span className="muted">{empty}</span>;
  return (
    <Space size={[4, 2]} wrap>
      {codes.slice(0, max).map((c) => (
        <Tag key={c} color={c === '*' ? 'gold' : undefined}>
          <DivisionLabel code={c} names={names} />
        </Tag>
      ))}
      {codes.length > max && <Tag>+{codes.length - max}</Tag>}
    </Space>
  );
}

/** 启用 / 停用, for a list's status column. */
export function ActiveTag({ active }: { active: boolean }) {
  const { t } = useI18n();
  return active ? <Tag color="green">{t('启用', 'Active')}</Tag> : <Tag>{t('停用', 'Inactive')}</Tag>;
}

/** A list row's deactivate button (after a confirmation saying what `description` says), or its activate button. */
export function ActiveToggle({ name, active, busy, description, onChange }: { name: string; active: boolean; busy: boolean; description: string; onChange(active: boolean): void }) {
  const { t } = useI18n();
  return active ? (
    <Popconfirm
      title={t(`停用「${name}」？`, `Deactivate ${name}?`)}
      description={description}
      okText={t('停用', 'Deactivate')}
      cancelText={t('取消', 'Cancel')}
      okButtonProps={{ danger: true }}
      onConfirm={() => onChange(false)}
    >
      <Button size="small" danger icon={<StopOutlined />} loading={busy} aria-label={t(`停用 ${name}`, `Deactivate ${name}`)} />
    </Popconfirm>
  ) : (
    <Tooltip title={t('启用', 'Activate')}>
      <Button size="small" icon={<CheckCircleOutlined />} loading={busy} onClick={() => onChange(true)} aria-label={t(`启用 ${name}`, `Activate ${name}`)} />
    </Tooltip>
  );
}

/** What the server refused in an edit dialog, above its form (nothing when all is well). */
export function ErrorBanner({ messages, style = { marginBottom: 12 } }: { messages: string[]; style?: CSSProperties }) {
  if (!messages.length) return null;
  return <Alert type="error" showIcon style={style} message={messages.map((b) => <div key={b}>{b}</div>)} />;
}

/**
 * An edit dialog's save: validates the form, then runs `save`; what the server
 * refuses lands on the fields (`fieldMap` renames server fields) and the rest
 * in `banner` (see ErrorBanner).
 */
export function useFormSave<T>(form: FormInstance<T>, save: (values: T) => Promise<void>, fieldMap?: Record<string, string>) {
  const [saving, setSaving] = useState(false);
  const [banner, setBanner] = useState<string[]>([]);

  async function submit() {
    let v: T;
    try {
      v = await form.validateFields();
    } catch {
      return;
    }
    setSaving(true);
    setBanner([]);
    try {
      await save(v);
    } catch (err) {
      setBanner(applyServerErrors(form, err, fieldMap));
    } finally {
      setSaving(false);
    }
  }

  return { submit, saving, banner };
}
