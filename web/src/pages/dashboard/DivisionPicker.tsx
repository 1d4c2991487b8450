/** Picks a division inside the caller's jurisdiction, loading each level when opened. */
import { useEffect, useState } from 'react';
import { TreeSelect } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { api, withQuery } from '../../api/client.ts';
import { useI18n } from '../../i18n.tsx';

interface Row {
  code: string;
  name: string;
  level: number;
  parentCode?: string | null;
}
interface Node {
  id: string;
  pId?: string;
  value: string;
  title: string;
  isLeaf: boolean;
}

const toNode = (r: Row, pId?: string): Node => ({ id: r.code, pId, value: r.code, title: r.name, isLeaf: r.code.length >= 12 });

export function DivisionPicker({ value, onChange, id }: { value?: string; onChange(v?: string): void; id?: string }) {
  const { t } = useI18n();
  const roots = useQuery<Row[]>({ queryKey: ['divisions', 'roots'], queryFn: ({ signal }) => api('/api/divisions', { signal }), staleTime: 5 * 60_000 });
  const [nodes, setNodes] = useState<Node[]>([]);
  useEffect(() => {
    if (roots.data) setNodes((old) => [...roots.data.map((r) => toNode(r)), ...old.filter((n) => n.pId)]);
  }, [roots.data]);
  // A division from the address bar that is not loaded yet still shows by name.
  const chosen = useQuery<Row>({ queryKey: ['division', value], queryFn: () => api(`/api/divisions/${value}`), enabled: !!value && !nodes.some((n) => n.id === value), staleTime: 60 * 60_000, retry: false });
  const extra = chosen.data && !nodes.some((n) => n.id === chosen.data.code) ? [toNode(chosen.data)] : [];

  async function loadData(node: { id?: string | number; value?: string | number }) {
    const code = String(node.value ?? node.id);
    if (nodes.some((n) => n.pId === code)) return;
    const kids = await api<Row[]>(withQuery('/api/divisions', { parent: code, limit: 1000 }));
    setNodes((old) => [...old.filter((n) => !kids.some((k) => k.code === n.id)), ...kids.map((k) => toNode(k, code))]);
  }

  return (
    <TreeSelect
      id={id}
      treeDataSimpleMode
      treeData={[...nodes, ...extra]}
      loadData={loadData}
      value={value}
      onChange={(v) => onChange(v ? String(v) : undefined)}
      allowClear
      showSearch
      treeNodeFilterProp="title"
      loading={roots.isPending}
      placeholder={t('全部辖区', 'Whole jurisdiction')}
      style={{ width: 220 }}
      popupMatchSelectWidth={300}
      aria-label={t('区划', 'Division')}
      status={roots.isError ? 'error' : undefined}
      notFoundContent={roots.isError ? t('区划加载失败', 'Could not load divisions') : undefined}
    />
  );
}
