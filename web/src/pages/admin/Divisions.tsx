/**
 * 行政区划: the admin's jurisdiction as a tree (one level loaded at a time),
 * search by name or code, a division's details, and adding a lower level or
 * renaming within the jurisdiction. Codes follow GB/T 2260 / the statistics
 * codes: a child extends its parent's code by 2 (city, county) or 3 (township,
 * village) digits.
 */
import { useMemo, useState } from 'react';
import { Alert, App, Breadcrumb, Button, Card, Descriptions, Empty, Form, Input, List, Modal, Space, Tag, Tree, Typography } from 'antd';
import type { DataNode, EventDataNode } from 'antd/es/tree';
import { EditOutlined, PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, withQuery } from '../../api/client.ts';
import { useMe } from '../../api/hooks.ts';
import { useI18n } from '../../i18n.tsx';
import { ErrorState, Loading } from '../../components/States.tsx';
import { CHILD_DIGITS, ErrorBanner, LEVEL_TEXT, sees, useFormSave, useDivisionRoots, type DivisionDetail, type DivisionRow } from './org-common.tsx';

type Editing = { kind: 'add'; parent: DivisionRow } | { kind: 'rename'; division: DivisionRow };

export default function DivisionsAdmin() {
  const { t, lang } = useI18n();
  const me = useMe().data!;
  const qc = useQueryClient();
  const roots = useDivisionRoots();
  const [children, setChildren] = useState<Map<string, DivisionRow[]>>(new Map());
  const [expanded, setExpanded] = useState<React.Key[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [q, setQ] = useState('');
  const [editing, setEditing] = useState<Editing | null>(null);
  const lvl = (l: number) => LEVEL_TEXT[l]?.[lang === 'zh' ? 0 : 1] ?? String(l);

  const search = useQuery<DivisionRow[]>({
    queryKey: ['divisions', 'search', q.trim()],
    queryFn: ({ signal }) => api(withQuery('/api/divisions', { q: q.trim(), limit: 100 }), { signal }),
    enabled: q.trim().length > 0,
  });
  const detail = useQuery<DivisionDetail>({
    queryKey: ['division', selected],
    queryFn: ({ signal }) => api(`/api/divisions/${selected}`, { signal }),
    enabled: !!selected,
  });

  async function loadChildren(code: string) {
    const rows = await api<DivisionRow[]>(withQuery('/api/divisions', { parent: code, limit: 1000 }));
    setChildren((prev) => new Map(prev).set(code, rows));
    return rows;
  }

  const treeData = useMemo(() => {
    const build = (d: DivisionRow): DataNode => ({
      key: d.code,
      title: (
        <span>
          {d.name} <span className="muted">{d.code}</span>
        </span>
      ),
      isLeaf: d.hasChildren === false || d.level >= 5,
      children: children.get(d.code)?.map(build),
    });
    return (roots.data ?? []).map(build);
  }, [roots.data, children]);

  /** Opens the tree down to a division found by search. */
  async function reveal(code: string) {
    setSelected(code);
    const d = await api<DivisionDetail>(`/api/divisions/${code}`);
    const chain = d.chain.map((c) => c.code).filter((c) => c !== code);
    const rootCodes = new Set((roots.data ?? []).map((r) => r.code));
    const start = chain.findIndex((c) => rootCodes.has(c));
    if (start < 0) return;
    const open = chain.slice(start);
    for (const c of open) if (!children.has(c)) await loadChildren(c);
    setExpanded((prev) => [...new Set([...prev, ...open])]);
  }

  async function afterSave(parent: string | null) {
    await qc.invalidateQueries({ queryKey: ['divisions'] });
    await qc.invalidateQueries({ queryKey: ['division'] });
    if (parent) {
      await loadChildren(parent);
      setExpanded((prev) => [...new Set([...prev, parent])]);
    }
  }

  const d = detail.data;
  const canEdit = !!d && sees(me, d.code);
  return (
    <div className="org-admin">
      <div className="page-head">
        <Typography.Title level={4} style={{ margin: 0 }}>
          {t('行政区划', 'Divisions')}
        </Typography.Title>
        <span className="muted">{t('省 2 位 · 市 4 位 · 县 6 位 · 乡镇 9 位 · 村(社区) 12 位', 'Province 2 · city 4 · county 6 · township 9 · village 12 digits')}</span>
      </div>
      <div className="org-split">
        <Card size="small" className="org-split-side" title={t('区划树', 'Division tree')} extra={<Button size="small" type="text" icon={<ReloadOutlined />} aria-label={t('刷新', 'Refresh')} onClick={() => { setChildren(new Map()); setExpanded([]); void roots.refetch(); }} />}>
          <Input.Search
            allowClear
            aria-label={t('搜索区划', 'Search divisions')}
            placeholder={t('输入名称或代码搜索', 'Search by name or code')}
            value={q}
            onChange={(e) => setQ(e.target.value)}
            style={{ marginBottom: 8 }}
          />
          {q.trim() ? (
            search.isLoading ? (
              <Loading height={200} />
            ) : search.isError ? (
              <ErrorState error={search.error} onRetry={() => search.refetch()} />
            ) : (
              <List
                size="small"
                className="org-search-list"
                dataSource={search.data ?? []}
                locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('没有匹配的区划', 'No division matches')} /> }}
                renderItem={(r) => (
                  <List.Item>
                    <Button type="link" style={{ padding: 0, height: 'auto', textAlign: 'left' }} onClick={() => { setQ(''); void reveal(r.code); }}>
                      {r.name} <span className="muted">{r.code}</span>
                    </Button>
                    <Tag>{lvl(r.level)}</Tag>
                  </List.Item>
                )}
              />
            )
          ) : roots.isLoading ? (
            <Loading height={200} />
          ) : roots.isError ? (
            <ErrorState error={roots.error} onRetry={() => roots.refetch()} />
          ) : !treeData.length ? (
            <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('还没有区划数据：用 zhili import divisions 导入', 'No divisions yet: import them with zhili import divisions')} />
          ) : (
            <Tree
              className="org-tree"
              treeData={treeData}
              loadData={async (node: EventDataNode<DataNode>) => {
                if (!children.has(String(node.key))) await loadChildren(String(node.key));
              }}
              expandedKeys={expanded}
              onExpand={(keys) => setExpanded(keys)}
              selectedKeys={selected ? [selected] : []}
              onSelect={(keys) => keys[0] && setSelected(String(keys[0]))}
              showLine
              blockNode
              height={560}
            />
          )}
        </Card>
        <div className="org-split-main">
          <Card size="small" title={t('区划详情', 'Division')}>
            {!selected ? (
              <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('在左侧选择一个区划', 'Choose a division on the left')} />
            ) : detail.isLoading ? (
              <Loading height={160} />
            ) : detail.isError ? (
              <ErrorState error={detail.error} onRetry={() => detail.refetch()} />
            ) : d ? (
              <>
                <Breadcrumb style={{ marginBottom: 12 }} items={d.chain.map((c) => ({ title: c.code === d.code ? c.name : <a onClick={() => setSelected(c.code)}>{c.name}</a> }))} />
                <Descriptions column={2} size="small" bordered>
                  <Descriptions.Item label={t('名称', 'Name')}>{d.name}</Descriptions.Item>
                  <Descriptions.Item label={t('代码', 'Code')}>
                    <Typography.Text copyable>{d.code}</Typography.Text>
                  </Descriptions.Item>
                  <Descriptions.Item label={t('层级', 'Level')}>{lvl(d.level)}</Descriptions.Item>
                  <Descriptions.Item label={t('下级区划', 'Children')}>{d.childCount}</Descriptions.Item>
                </Descriptions>
                {canEdit ? (
                  <Space style={{ marginTop: 12 }}>
                    <Button icon={<EditOutlined />} onClick={() => setEditing({ kind: 'rename', division: { code: d.code, name: d.name, level: d.level, parentCode: d.chain.at(-2)?.code ?? null } })}>
                      {t('修改名称', 'Rename')}
                    </Button>
                    {d.level < 5 && (
                      <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing({ kind: 'add', parent: { code: d.code, name: d.name, level: d.level, parentCode: null } })}>
                        {t(`新增下级${LEVEL_TEXT[d.level + 1]?.[0] ?? ''}`, `Add a ${LEVEL_TEXT[d.level + 1]?.[1]?.toLowerCase() ?? 'child'}`)}
                      </Button>
                    )}
                  </Space>
                ) : (
                  <Alert style={{ marginTop: 12 }} type="info" showIcon message={t('此区划不在您的管辖范围内，只能查看。', 'This division is outside your jurisdiction; view only.')} />
                )}
              </>
            ) : null}
          </Card>
        </div>
      </div>
      {editing && (
        <DivisionModal
          editing={editing}
          onClose={() => setEditing(null)}
          onSaved={async (row) => {
            const parent = editing.kind === 'add' ? editing.parent.code : editing.division.parentCode;
            setEditing(null);
            await afterSave(parent);
            setSelected(row.code);
          }}
        />
      )}
    </div>
  );
}

function DivisionModal({ editing, onClose, onSaved }: { editing: Editing; onClose(): void; onSaved(row: DivisionRow): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ suffix?: string; name: string }>();
  const parent = editing.kind === 'add' ? editing.parent : null;
  const digits = parent ? CHILD_DIGITS[parent.code.length] : 0;

  const { submit, saving, banner } = useFormSave(
    form,
    async (v) => {
      const body =
        editing.kind === 'add'
          ? { code: `${editing.parent.code}${v.suffix}`, name: v.name.trim(), parentCode: editing.parent.code }
          : { code: editing.division.code, name: v.name.trim() };
      const row = await api<DivisionRow>('/api/divisions', { method: 'POST', body });
      message.success(editing.kind === 'add' ? t('区划已新增', 'Division added') : t('名称已修改', 'Renamed'));
      onSaved(row);
    },
    { code: 'suffix', parentCode: 'suffix' },
  );

  return (
    <Modal
      open
      title={editing.kind === 'add' ? t(`在「${editing.parent.name}」下新增区划`, `Add a division under ${editing.parent.name}`) : t(`修改「${editing.division.name}」`, `Rename ${editing.division.name}`)}
      okText={t('保存', 'Save')}
      cancelText={t('取消', 'Cancel')}
      onOk={submit}
      confirmLoading={saving}
      onCancel={onClose}
      destroyOnHidden
    >
      <ErrorBanner messages={banner} />
      <Form form={form} layout="vertical" initialValues={{ name: editing.kind === 'rename' ? editing.division.name : '' }} onFinish={submit}>
        {parent ? (
          <Form.Item
            name="suffix"
            label={t('区划代码', 'Code')}
            extra={t(`上级代码 ${parent.code} 之后再加 ${digits} 位数字`, `${digits} more digits after the parent's ${parent.code}`)}
            rules={[
              { required: true, message: t('请填写代码', 'Enter the code') },
              { pattern: new RegExp(`^\\d{${digits}}$`), message: t(`须为 ${digits} 位数字`, `${digits} digits`) },
            ]}
          >
            <Input addonBefore={parent.code} maxLength={digits} inputMode="numeric" autoComplete="off" placeholder={'0'.repeat(digits - 1) + '1'} autoFocus />
          </Form.Item>
        ) : (
          <Form.Item label={t('区划代码', 'Code')}>
            <Input value={editing.kind === 'rename' ? editing.division.code : ''} disabled />
          </Form.Item>
        )}
        <Form.Item name="name" label={t('名称', 'Name')} rules={[{ required: true, whitespace: true, message: t('请填写名称', 'Enter the name') }, { max: 100 }]}>
          <Input autoComplete="off" autoFocus={!parent} />
        </Form.Item>
        <button type="submit" hidden />
      </Form>
    </Modal>
  );
}
