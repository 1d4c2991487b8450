/**
 * 事项分类: the category tree cases are filed under. Add a child, rename,
 * reorder among siblings, deactivate (never delete: cases keep their codes),
 * and see which time-limit policy a branch gets by default.
 */
import { useEffect, useMemo, useState } from 'react';
import { Alert, App, Button, Card, Col, Descriptions, Form, Input, InputNumber, Modal, Row, Space, Switch, Tag, Tree, Typography } from 'antd';
import { ArrowDownOutlined, ArrowUpOutlined, PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../../api/client.ts';
import { useCategories, useMe } from '../../api/hooks.ts';
import type { Category } from '../../api/types.ts';
import { useI18n } from '../../i18n.tsx';
import { applyServerErrors, errorText } from '../../lib/forms.ts';
import { EmptyState, ErrorState, Loading } from '../../components/States.tsx';
import { PageHead, isAdmin, limitText } from './rules-shared.tsx';
import type { PolicyRow } from './Policies.tsx';

interface CategoryForm {
  name: string;
  sort: number;
  active: boolean;
}

interface ChildForm {
  suffix: string;
  name: string;
  sort: number;
}

const ERR_ALIAS = { '0.code': 'suffix', '0.name': 'name', '0.sort': 'sort' };

export default function CategoriesAdmin() {
  const { t, lang } = useI18n();
  const { message, modal } = App.useApp();
  const me = useMe().data;
  const editable = isAdmin(me?.roles);
  const qc = useQueryClient();
  const cats = useCategories();
  const policies = useQuery<PolicyRow[]>({ queryKey: ['time-limit-policies'], queryFn: () => api('/api/time-limit-policies') });
  const [selected, setSelected] = useState<string | null>(null);
  const [search, setSearch] = useState('');
  const [expanded, setExpanded] = useState<string[]>([]);
  const [childOf, setChildOf] = useState<string | null | undefined>(undefined); // undefined: closed; null: top level
  const [form] = Form.useForm<CategoryForm>();
  const [childForm] = Form.useForm<ChildForm>();
  const [formError, setFormError] = useState<string[]>([]);
  const [childError, setChildError] = useState<string[]>([]);

  const rows = cats.data ?? [];
  const byCode = useMemo(() => new Map(rows.map((c) => [c.code, c])), [rows]);
  const children = useMemo(() => {
    const m = new Map<string | null, Category[]>();
    for (const c of rows) m.set(c.parentCode, [...(m.get(c.parentCode) ?? []), c]);
    for (const list of m.values()) list.sort((a, b) => a.sort - b.sort || a.code.localeCompare(b.code));
    return m;
  }, [rows]);
  const current = selected ? byCode.get(selected) : undefined;
  // Fill the form when another category is chosen (not on every refetch, so typing is never overwritten).
  useEffect(() => {
    if (!current) return;
    form.resetFields();
    form.setFieldsValue({ name: current.name, sort: current.sort, active: current.active });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [current?.code]);

  const save = useMutation({
    mutationFn: (list: { code: string; name: string; sort: number; active: boolean }[]) => api<{ upserted: number }>('/api/categories', { method: 'PUT', body: list }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['categories'] }),
  });

  // The tree: a search keeps the matches and their ancestors, expanded.
  const term = search.trim();
  const visible = useMemo(() => {
    if (!term) return null;
    const keep = new Set<string>();
    for (const c of rows) {
      if (c.name.includes(term) || c.code.startsWith(term)) for (let i = 2; i <= c.code.length; i += 2) keep.add(c.code.slice(0, i));
    }
    return keep;
  }, [rows, term]);
  const treeData = useMemo(() => {
    const build = (parent: string | null): any[] =>
      (children.get(parent) ?? [])
        .filter((c) => !visible || visible.has(c.code))
        .map((c) => ({
          key: c.code,
          title: (
            <span data-code={c.code}>
              <span style={{ color: c.active ? undefined : '#8c8c8c', textDecoration: c.active ? undefined : 'line-through' }}>{c.name}</span>{' '}
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {c.code}
              </Typography.Text>
              {!c.active && (
                <Tag color="default" style={{ marginLeft: 6 }}>
                  {t('停用', 'Inactive')}
                </Tag>
              )}
            </span>
          ),
          children: build(c.code),
        }));
    return build(null);
  }, [children, visible, t]);

  // The policy a branch gets when nothing more specific (case type, urgency, channel) applies.
  const branchPolicy = useMemo(() => {
    if (!current) return null;
    const list = (policies.data ?? []).filter((p) => p.active && !p.caseType && !p.urgency && !p.channel && (!p.categoryCode || current.code.startsWith(p.categoryCode)));
    list.sort((a, b) => (b.categoryCode?.length ?? 0) - (a.categoryCode?.length ?? 0));
    return list[0] ?? null;
  }, [current, policies.data]);
  const specialPolicies = useMemo(
    () => (current ? (policies.data ?? []).filter((p) => p.active && p.categoryCode && (current.code.startsWith(p.categoryCode) || p.categoryCode.startsWith(current.code)) && p !== branchPolicy) : []),
    [current, policies.data, branchPolicy],
  );

  function select(code: string) {
    setSelected(code);
    setFormError([]);
  }

  async function submit(v: CategoryForm) {
    if (!current) return;
    const descendants = rows.filter((c) => c.code !== current.code && c.code.startsWith(current.code) && c.active).length;
    const go = async () => {
      setFormError([]);
      try {
        await save.mutateAsync([{ code: current.code, name: v.name.trim(), sort: v.sort, active: v.active }]);
        message.success(t('已保存', 'Saved'));
      } catch (err) {
        setFormError(applyServerErrors(form, err, { '0.name': 'name', '0.sort': 'sort', '0.active': 'active' }));
      }
    };
    if (current.active && !v.active) {
      modal.confirm({
        title: t(`停用「${current.name}」？`, `Deactivate "${current.name}"?`),
        content: t(
          `${descendants ? `其下 ${descendants} 个子类一并停用。` : ''}停用后不能再登记到此分类，已有工单保留原分类代码；可随时重新启用。`,
          `${descendants ? `Its ${descendants} active sub-categories are deactivated too. ` : ''}New cases can no longer be filed here; existing cases keep the code. You can re-activate it later.`,
        ),
        okText: t('停用', 'Deactivate'),
        okButtonProps: { danger: true },
        cancelText: t('取消', 'Cancel'),
        onOk: go,
      });
    } else await go();
  }

  async function move(delta: -1 | 1) {
    if (!current) return;
    const siblings = [...(children.get(current.parentCode) ?? [])];
    const i = siblings.findIndex((c) => c.code === current.code);
    const j = i + delta;
    if (j < 0 || j >= siblings.length) return;
    [siblings[i], siblings[j]] = [siblings[j], siblings[i]];
    // Renumber the siblings 1..n so equal sort values cannot keep them in place.
    const changed = siblings.map((c, k) => ({ code: c.code, name: c.name, active: c.active, sort: k + 1 })).filter((c) => byCode.get(c.code)!.sort !== c.sort);
    try {
      await save.mutateAsync(changed);
      form.setFieldValue('sort', siblings.findIndex((c) => c.code === current.code) + 1);
    } catch (err) {
      message.error(errorText(err));
    }
  }

  function openChild(parent: string | null) {
    const siblings = children.get(parent) ?? [];
    const used = new Set(siblings.map((c) => c.code.slice(-2)));
    let n = 1;
    while (n < 100 && used.has(String(n).padStart(2, '0'))) n++;
    childForm.resetFields();
    childForm.setFieldsValue({ suffix: n < 100 ? String(n).padStart(2, '0') : '', name: '', sort: Math.max(0, ...siblings.map((c) => c.sort)) + 1 });
    setChildError([]);
    setChildOf(parent);
  }

  async function submitChild(v: ChildForm) {
    const code = `${childOf ?? ''}${v.suffix}`;
    if (byCode.has(code)) {
      childForm.setFields([{ name: 'suffix', errors: [t(`代码 ${code} 已被「${byCode.get(code)!.name}」使用`, `Code ${code} is already used by "${byCode.get(code)!.name}"`)] }]);
      return;
    }
    setChildError([]);
    try {
      await save.mutateAsync([{ code, name: v.name.trim(), sort: v.sort, active: true }]);
      message.success(t(`已添加分类 ${code}`, `Added category ${code}`));
      setChildOf(undefined);
      if (childOf) setExpanded((e) => [...new Set([...e, childOf])]);
      select(code);
    } catch (err) {
      setChildError(applyServerErrors(childForm, err, ERR_ALIAS));
    }
  }

  if (cats.isLoading) return <Loading />;
  if (cats.isError) return <ErrorState error={cats.error} onRetry={() => cats.refetch()} />;

  const siblings = current ? (children.get(current.parentCode) ?? []) : [];
  const pos = current ? siblings.findIndex((c) => c.code === current.code) : -1;
  const activeCount = rows.filter((c) => c.active).length;

  return (
    <div>
      <PageHead
        title={t('事项分类', 'Categories')}
        sub={t(`共 ${rows.length} 个分类，${activeCount} 个启用。分类代码每级 2 位；停用而不删除，已有工单保留代码。`, `${rows.length} categories, ${activeCount} active. Codes take 2 digits per level; categories are deactivated, never deleted.`)}
        extra={
          <Space>
            <Button icon={<ReloadOutlined />} onClick={() => cats.refetch()} loading={cats.isFetching}>
              {t('刷新', 'Refresh')}
            </Button>
            {editable && (
              <Button type="primary" icon={<PlusOutlined />} onClick={() => openChild(null)}>
                {t('新增一级分类', 'Add top-level category')}
              </Button>
            )}
          </Space>
        }
      />
      {!editable && <Alert type="info" showIcon style={{ marginBottom: 12 }} message={t('只有系统管理员可以修改分类。', 'Only administrators can change categories.')} />}
      <Row gutter={16}>
        <Col span={11}>
          <Card size="small" title={t('分类树', 'Tree')}>
            <Input.Search
              aria-label={t('搜索分类', 'Search categories')}
              placeholder={t('输入名称或代码筛选', 'Filter by name or code')}
              allowClear
              value={search}
              onChange={(e) => setSearch(e.target.value)}
              style={{ marginBottom: 8 }}
            />
            {treeData.length ? (
              <div style={{ maxHeight: 'calc(100vh - 300px)', minHeight: 300, overflow: 'auto' }}>
                <Tree
                  treeData={treeData}
                  selectedKeys={selected ? [selected] : []}
                  expandedKeys={visible ? [...visible] : expanded}
                  onExpand={(keys) => setExpanded(keys as string[])}
                  onSelect={(keys) => keys[0] && select(String(keys[0]))}
                  blockNode
                />
              </div>
            ) : (
              <EmptyState description={term ? t('没有匹配的分类', 'No category matches') : t('还没有分类', 'No categories yet')} />
            )}
          </Card>
        </Col>
        <Col span={13}>
          {!current ? (
            <Card size="small">
              <EmptyState description={t('在左侧选择一个分类查看和修改', 'Choose a category on the left to see and change it')} />
            </Card>
          ) : (
            <Card
              size="small"
              title={
                <span>
                  {current.name} <Typography.Text type="secondary">{current.code}</Typography.Text>
                </span>
              }
              extra={
                editable && (
                  <Space>
                    <Button size="small" icon={<ArrowUpOutlined />} disabled={pos <= 0 || save.isPending} onClick={() => move(-1)}>
                      {t('上移', 'Up')}
                    </Button>
                    <Button size="small" icon={<ArrowDownOutlined />} disabled={pos < 0 || pos >= siblings.length - 1 || save.isPending} onClick={() => move(1)}>
                      {t('下移', 'Down')}
                    </Button>
                    <Button size="small" icon={<PlusOutlined />} disabled={current.code.length >= 12} onClick={() => openChild(current.code)}>
                      {t('添加子类', 'Add child')}
                    </Button>
                  </Space>
                )
              }
            >
              <Descriptions size="small" column={2} style={{ marginBottom: 12 }}>
                <Descriptions.Item label={t('代码', 'Code')}>{current.code}</Descriptions.Item>
                <Descriptions.Item label={t('层级', 'Level')}>{current.level}</Descriptions.Item>
                <Descriptions.Item label={t('上级', 'Parent')}>{current.parentCode ? `${byCode.get(current.parentCode)?.name ?? ''}（${current.parentCode}）` : t('无（一级分类）', 'none (top level)')}</Descriptions.Item>
                <Descriptions.Item label={t('子类', 'Children')}>{(children.get(current.code) ?? []).length}</Descriptions.Item>
              </Descriptions>
              {formError.length > 0 && <Alert type="error" showIcon style={{ marginBottom: 12 }} message={formError.join('；')} />}
              <Form
                name="category"
                form={form}
                layout="horizontal"
                labelCol={{ span: 5 }}
                onFinish={submit}
                disabled={!editable}
              >
                <Form.Item name="name" label={t('名称', 'Name')} rules={[{ required: true, whitespace: true, message: t('请填写名称', 'Enter a name') }, { max: 100 }]}>
                  <Input maxLength={100} />
                </Form.Item>
                <Form.Item name="sort" label={t('排序号', 'Sort order')} extra={t('同级内按此数字从小到大排列', 'Siblings are listed by this number, smallest first')}>
                  <InputNumber min={0} max={100000} precision={0} />
                </Form.Item>
                <Form.Item name="active" label={t('启用', 'Active')} valuePropName="checked" extra={t('停用后不能再登记到此分类及其子类', 'Inactive: no new cases in this branch')}>
                  <Switch />
                </Form.Item>
                {editable && (
                  <Form.Item wrapperCol={{ offset: 5 }}>
                    <Button type="primary" htmlType="submit" loading={save.isPending}>
                      {t('保存', 'Save')}
                    </Button>
                  </Form.Item>
                )}
              </Form>
              <Typography.Title level={5} style={{ marginTop: 8 }}>
                {t('默认时限', 'Default time limits')}
              </Typography.Title>
              {policies.isLoading ? (
                <Loading height={60} />
              ) : policies.isError ? (
                <Alert type="warning" showIcon message={t('时限策略加载失败', 'Policies failed to load')} description={errorText(policies.error)} />
              ) : branchPolicy ? (
                <div>
                  <Typography.Paragraph style={{ marginBottom: 4 }}>
                    <Link to="/admin/policies">{branchPolicy.name}</Link>
                    {branchPolicy.categoryCode ? t('（本分支专用）', ' (for this branch)') : t('（通用默认）', ' (general default)')}：{t('办理', 'reply')} {limitText(branchPolicy.replyLimit, lang)}，
                    {t('签收', 'accept')} {limitText(branchPolicy.acceptLimit, lang)}，{t('日历', 'calendar')} {branchPolicy.calendar}
                  </Typography.Paragraph>
                  {specialPolicies.length > 0 && (
                    <Typography.Paragraph type="secondary" style={{ fontSize: 13 }}>
                      {t('另有按类型/紧急程度细分的策略：', 'More specific policies: ')}
                      {specialPolicies.map((p) => p.name).join('、')}
                    </Typography.Paragraph>
                  )}
                </div>
              ) : (
                <Typography.Text type="secondary">{t('没有适用的策略', 'No policy applies')}</Typography.Text>
              )}
            </Card>
          )}
        </Col>
      </Row>

      <Modal
        open={childOf !== undefined}
        title={childOf ? t(`在「${byCode.get(childOf)?.name}」下添加子类`, `Add a child of "${byCode.get(childOf)?.name}"`) : t('新增一级分类', 'Add a top-level category')}
        onCancel={() => setChildOf(undefined)}
        onOk={() => childForm.submit()}
        okText={t('添加', 'Add')}
        cancelText={t('取消', 'Cancel')}
        confirmLoading={save.isPending}
        destroyOnHidden={false}
        forceRender
      >
        {childError.length > 0 && <Alert type="error" showIcon style={{ marginBottom: 12 }} message={childError.join('；')} />}
        <Form form={childForm} name="category_child" layout="vertical" onFinish={submitChild}>
          <Form.Item
            name="suffix"
            label={t('本级代码（2 位数字）', 'Code at this level (2 digits)')}
            extra={childOf ? t(`完整代码：${childOf} + 本级代码`, `Full code: ${childOf} + these digits`) : undefined}
            rules={[
              { required: true, message: t('请填写 2 位数字', 'Enter 2 digits') },
              { pattern: /^\d{2}$/, message: t('须为 2 位数字，如 01', 'Two digits, e.g. 01') },
            ]}
          >
            <Input addonBefore={childOf ?? undefined} maxLength={2} style={{ width: 200 }} />
          </Form.Item>
          <Form.Item name="name" label={t('名称', 'Name')} rules={[{ required: true, whitespace: true, message: t('请填写名称', 'Enter a name') }, { max: 100 }]}>
            <Input maxLength={100} autoFocus />
          </Form.Item>
          <Form.Item name="sort" label={t('排序号', 'Sort order')}>
            <InputNumber min={0} max={100000} precision={0} />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}
