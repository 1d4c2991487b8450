/**
 * Risk assessment (风险评估): the county ranking of a period (drill by
 * division, open a county's report), the indicator values (computed, entered,
 * imported), the indicator framework (view; admins edit weights, bounds and
 * the tier rule, a scored version becoming the next one), and the project
 * social-stability risk assessment workbench.
 */
import { useEffect, useMemo, useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { App as AntApp, Button, Card, Descriptions, Drawer, Form, Input, InputNumber, Modal, Radio, Select, Space, Statistic, Switch, Table, Tabs, Tag, Typography } from 'antd';
import { DownloadOutlined, MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { api, download, uuid, withQuery } from '../../api/client.ts';
import { hasRole, useMe } from '../../api/hooks.ts';
import { useI18n } from '../../i18n.tsx';
import { EntityTimeline, LedgerToolbar, pct, useProblemToast } from '../kit/parts.tsx';
import { TIER_COLOR, fmt, tierText, type Assessment, type Framework, type Period, type Ranking, type Spec, type Values } from './types.ts';

export default function RiskPage() {
  const { t } = useI18n();
  const me = useMe().data;
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') ?? (hasRole(me, 'leader', 'supervisor', 'police') ? 'ranking' : 'assessments');
  const set = (k: string, v: string | undefined) => {
    const p = new URLSearchParams(params);
    if (v) p.set(k, v);
    else p.delete(k);
    setParams(p, { replace: true });
  };
  const readsCounty = hasRole(me, 'leader', 'supervisor', 'police');
  const items = [
    ...(readsCounty
      ? [
          { key: 'ranking', label: t('风险排名', 'Ranking'), children: <RankingTab periodId={params.get('period')} setPeriod={(id) => set('period', id)} /> },
          { key: 'values', label: t('指标值', 'Indicator values'), children: <ValuesTab periodId={params.get('period')} setPeriod={(id) => set('period', id)} /> },
          { key: 'framework', label: t('指标体系', 'Framework'), children: <FrameworkTab /> },
        ]
      : []),
    { key: 'assessments', label: t('社会稳定风险评估', 'Project assessments'), children: <AssessmentsTab /> },
  ];
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>{t('风险评估', 'Risk assessment')}</Typography.Title>
      <Tabs activeKey={tab} onChange={(k) => set('tab', k)} items={items} destroyOnHidden />
    </Space>
  );
}

function usePeriods(periodId: string | null, setPeriod: (id: string) => void) {
  const periods = useQuery({ queryKey: ['risk-periods'], queryFn: () => api<{ items: Period[] }>('/api/risk/periods') });
  const current = periodId ?? periods.data?.items.find((p) => p.scoredAt)?.id ?? periods.data?.items[0]?.id ?? null;
  useEffect(() => {
    if (!periodId && current) setPeriod(current);
  }, [periodId, current]); // eslint-disable-line react-hooks/exhaustive-deps
  return { periods, current };
}

function PeriodSelect({ periods, value, onChange }: { periods: Period[]; value: string | null; onChange: (id: string) => void }) {
  const { t } = useI18n();
  return (
    <Select
      style={{ minWidth: 260 }}
      value={value ?? undefined}
      onChange={onChange}
      placeholder={t('选择评估期', 'Choose a period')}
      data-testid="risk-period"
      options={periods.map((p) => ({ value: p.id, label: `${p.name}（${p.scopeName ?? p.scopeCode}）${p.scoredAt ? '' : t(' 未评分', ' not scored')}` }))}
    />
  );
}

function RankingTab({ periodId, setPeriod }: { periodId: string | null; setPeriod: (id: string) => void }) {
  const { t } = useI18n();
  const me = useMe().data;
  const qc = useQueryClient();
  const toast = useProblemToast();
  const { message } = AntApp.useApp();
  const { periods, current } = usePeriods(periodId, setPeriod);
  const [division, setDivision] = useState<string | undefined>();
  const ranking = useQuery({ queryKey: ['risk-ranking', current, division], enabled: !!current, queryFn: () => api<Ranking>(withQuery(`/api/risk/periods/${current}/ranking`, { division })) });
  const cities = useMemo(() => [...new Set((ranking.data?.items ?? []).map((i) => i.divisionCode.slice(0, 4)))], [ranking.data]);
  const categories = ranking.data?.items[0]?.categories ?? [];
  const writer = hasRole(me, 'supervisor');
  const run = async (what: 'compute' | 'score') => {
    try {
      const r = await api<Record<string, unknown>>(`/api/risk/periods/${current}/${what}`, { method: 'POST' });
      message.success(what === 'score' ? t(`已评分 ${String(r.scored)} 个县市区，用时 ${String(r.ms)} 毫秒`, `${String(r.scored)} counties scored in ${String(r.ms)} ms`) : t(`已生成 ${String(r.values)} 个指标值`, `${String(r.values)} values computed`));
      await qc.invalidateQueries({ queryKey: ['risk-ranking'] });
      await qc.invalidateQueries({ queryKey: ['risk-periods'] });
    } catch (e) {
      toast(e);
    }
  };
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Space wrap>
        <PeriodSelect periods={periods.data?.items ?? []} value={current} onChange={setPeriod} />
        {cities.length > 1 && (
          <Select allowClear style={{ minWidth: 160 }} placeholder={t('按区划筛选', 'Drill by division')} value={division} onChange={setDivision} options={cities.map((c) => ({ value: c, label: c }))} />
        )}
        {current && <Button icon={<DownloadOutlined />} onClick={() => download(withQuery(`/api/risk/periods/${current}/ranking/export`, { division }), 'ranking.xlsx').catch(toast)}>{t('导出排名', 'Export')}</Button>}
        {writer && current && <Button onClick={() => run('compute')}>{t('从业务数据生成指标值', 'Compute from records')}</Button>}
        {writer && current && <Button type="primary" onClick={() => run('score')}>{t('评分定级', 'Score and tier')}</Button>}
      </Space>
      {ranking.data && (
        <Space size="large" wrap>
          <Statistic title={t('参评县市区', 'Counties ranked')} value={ranking.data.of} />
          <Statistic title={t('一类', 'Tier 1')} value={ranking.data.tierCounts['1']} valueStyle={{ color: '#cf1322' }} />
          <Statistic title={t('二类', 'Tier 2')} value={ranking.data.tierCounts['2']} valueStyle={{ color: '#d46b08' }} />
          <Statistic title={t('三类', 'Tier 3')} value={ranking.data.tierCounts['3']} valueStyle={{ color: '#389e0d' }} />
        </Space>
      )}
      <Table
        rowKey="divisionCode"
        size="small"
        loading={ranking.isFetching}
        dataSource={ranking.data?.items}
        pagination={false}
        scroll={{ x: 'max-content' }}
        data-testid="risk-ranking"
        columns={[
          { title: t('排名', 'Rank'), dataIndex: 'rank', width: 60, fixed: 'left' },
          { title: t('县市区', 'County'), dataIndex: 'divisionName', fixed: 'left', render: (n: string, r) => <Link to={`/risk/periods/${current}/counties/${r.divisionCode}`}>{n ?? r.divisionCode}</Link> },
          { title: t('综合得分', 'Total'), dataIndex: 'total', render: (x: number | null) => <b>{fmt(x)}</b>, sorter: (a, b) => (a.total ?? -1) - (b.total ?? -1) },
          { title: t('等级', 'Tier'), dataIndex: 'tier', render: (tier: number | null) => <Tag color={tier ? TIER_COLOR[tier] : undefined}>{tierText(t, tier)}</Tag> },
          ...categories.map((c, i) => ({ title: c.name, key: c.code, render: (_: unknown, r: Ranking['items'][number]) => fmt(r.categories[i]?.score, 1) })),
          { title: t('缺失', 'Missing'), dataIndex: 'missing', render: (n: number) => (n ? <Tag color="gold">{n}</Tag> : '—') },
        ]}
      />
    </Space>
  );
}

function ValuesTab({ periodId, setPeriod }: { periodId: string | null; setPeriod: (id: string) => void }) {
  const { t } = useI18n();
  const me = useMe().data;
  const qc = useQueryClient();
  const toast = useProblemToast();
  const { periods, current } = usePeriods(periodId, setPeriod);
  const values = useQuery({ queryKey: ['risk-values', current], enabled: !!current, queryFn: () => api<Values>(`/api/risk/periods/${current}/values`) });
  const [editing, setEditing] = useState<{ divisionCode: string; divisionName: string; code: string; name: string; value: number | null } | null>(null);
  const writer = hasRole(me, 'supervisor');
  const save = async () => {
    if (!editing) return;
    try {
      await api(`/api/risk/periods/${current}/values`, { method: 'PUT', body: { values: [{ divisionCode: editing.divisionCode, indicatorCode: editing.code, value: editing.value }] } });
      setEditing(null);
      await qc.invalidateQueries({ queryKey: ['risk-values'] });
    } catch (e) {
      toast(e);
    }
  };
  const SOURCE: Record<string, string> = { computed: t('业务数据', 'records'), entered: t('录入', 'entered'), imported: t('导入', 'imported') };
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <PeriodSelect periods={periods.data?.items ?? []} value={current} onChange={setPeriod} />
      {current && <LedgerToolbar register={`risk/periods/${current}/values`} filters={{}} canImport={writer} onImported={() => qc.invalidateQueries({ queryKey: ['risk-values'] })} />}
      <Typography.Text type="secondary">{t('灰色为由业务数据生成的指标（12345、矛盾纠纷、信访）；其余可点击录入，或按模板导入。', 'Grey indicators are computed from records (12345, disputes, petitions); click the others to enter a value, or import the template.')}</Typography.Text>
      <Table
        rowKey="divisionCode"
        size="small"
        loading={values.isFetching}
        dataSource={values.data?.items}
        pagination={false}
        scroll={{ x: 'max-content' }}
        columns={[
          { title: t('县市区', 'County'), dataIndex: 'divisionName', fixed: 'left', width: 110 },
          ...(values.data?.indicators ?? []).map((i) => ({
            title: <span title={i.code} style={{ color: i.source === 'entered' ? undefined : '#888' }}>{i.name}{i.unit ? `（${i.unit}）` : ''}</span>,
            key: i.code,
            width: 110,
            render: (_: unknown, r: Values['items'][number]) => {
              const v = r.values[i.code];
              const text = v?.value === null || v?.value === undefined ? '—' : String(v.value);
              return writer && i.source === 'entered' ? (
                <a title={v ? SOURCE[v.source] : ''} onClick={() => setEditing({ divisionCode: r.divisionCode, divisionName: r.divisionName, code: i.code, name: i.name, value: v?.value ?? null })}>{text}</a>
              ) : (
                <span title={v ? SOURCE[v.source] : ''}>{text}</span>
              );
            },
          })),
        ]}
      />
      <Modal open={!!editing} title={editing ? `${editing.divisionName} · ${editing.name}` : ''} onOk={save} onCancel={() => setEditing(null)} okText={t('保存', 'Save')} cancelText={t('取消', 'Cancel')}>
        <InputNumber style={{ width: '100%' }} value={editing?.value ?? null} onChange={(v) => setEditing((e) => (e ? { ...e, value: v === null ? null : Number(v) } : e))} />
      </Modal>
    </Space>
  );
}

function FrameworkTab() {
  const { t } = useI18n();
  const me = useMe().data;
  const qc = useQueryClient();
  const toast = useProblemToast();
  const { message } = AntApp.useApp();
  const list = useQuery({ queryKey: ['risk-frameworks'], queryFn: () => api<{ items: Framework[] }>('/api/risk/frameworks') });
  const [id, setId] = useState<string | null>(null);
  const currentId = id ?? list.data?.items[0]?.id ?? null;
  const fw = useQuery({ queryKey: ['risk-framework', currentId], enabled: !!currentId, queryFn: () => api<Framework>(`/api/risk/frameworks/${currentId}`) });
  const [draft, setDraft] = useState<Spec | null>(null);
  useEffect(() => setDraft(fw.data?.spec ? structuredClone(fw.data.spec) : null), [fw.data]);
  const admin = hasRole(me, 'admin') && me?.roles.includes('admin');
  const save = async () => {
    if (!draft || !currentId) return;
    try {
      const r = await api<Framework>(`/api/risk/frameworks/${currentId}`, { method: 'PUT', body: { spec: draft } });
      message.success(r.id === currentId ? t('已保存', 'Saved') : t(`该版本已用于评分，已生成新版本 v${r.version}`, `That version was used for scoring: saved as version ${r.version}`));
      await qc.invalidateQueries({ queryKey: ['risk-frameworks'] });
      setId(r.id);
    } catch (e) {
      toast(e);
    }
  };
  const num = (v: number, on: (x: number) => void, step = 1) => (admin ? <InputNumber size="small" min={0} step={step} value={v} onChange={(x) => x !== null && on(Number(x))} style={{ width: 80 }} /> : v);
  const upd = (fn: (s: Spec) => void) => setDraft((d) => (d ? (fn(d), structuredClone(d)) : d));
  type Row = { key: string; level: string; name: string; weight: number; path: number[]; children?: Row[]; detail?: string; source?: string };
  const rows: Row[] = (draft?.categories ?? []).map((c, ci) => ({
    key: c.code, level: c.code, name: c.name, weight: c.weight, path: [ci],
    children: c.dimensions.map((d, di) => ({
      key: d.code, level: d.code, name: d.name, weight: d.weight, path: [ci, di],
      children: d.indicators.map((x, ii) => ({ key: x.code, level: x.code, name: x.name, weight: x.weight, path: [ci, di, ii], detail: `${x.direction === 'risk' ? t('越高越危险', 'higher is riskier') : t('越高越安全', 'higher is safer')}`, source: fw.data?.sources?.[x.source] ?? x.source })),
    })),
  }));
  const setWeight = (path: number[], w: number) =>
    upd((s) => {
      if (path.length === 1) s.categories[path[0]].weight = w;
      else if (path.length === 2) s.categories[path[0]].dimensions[path[1]].weight = w;
      else s.categories[path[0]].dimensions[path[1]].indicators[path[2]].weight = w;
    });
  const ind = (path: number[]) => draft!.categories[path[0]].dimensions[path[1]].indicators[path[2]];
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Space wrap>
        <Select style={{ minWidth: 320 }} value={currentId ?? undefined} onChange={setId} options={(list.data?.items ?? []).map((f) => ({ value: f.id, label: `${f.name} v${f.version}${f.frozen ? t('（已用于评分）', ' (used for scoring)') : ''}` }))} />
        {currentId && <Button icon={<DownloadOutlined />} onClick={() => download(`/api/risk/frameworks/${currentId}/export`, 'framework.xlsx').catch(toast)}>{t('导出', 'Export')}</Button>}
        {admin && <Button type="primary" onClick={save} disabled={!draft}>{t('保存修改', 'Save changes')}</Button>}
      </Space>
      {fw.data && (
        <Typography.Text type="secondary">
          {t(`${fw.data.categories} 个类别、${fw.data.dimensions} 个维度、${fw.data.indicators} 项指标。权重为同级相对权重。`, `${fw.data.categories} categories, ${fw.data.dimensions} dimensions, ${fw.data.indicators} indicators. Weights are relative among siblings.`)}
          {fw.data.frozen ? t(' 该版本已用于评分，保存修改将生成新版本。', ' This version was used for scoring: saving makes a new version.') : ''}
        </Typography.Text>
      )}
      {draft && (
        <Card size="small" title={t('定级规则', 'Tier rule')}>
          <Space wrap>
            <Radio.Group
              disabled={!admin}
              value={draft.tiers.method}
              onChange={(e) => upd((s) => { s.tiers = e.target.value === 'score' ? { method: 'score', tier1Min: 60, tier2Min: 30 } : { method: 'quota', unit: 'share', tier1: 0.31, tier2: 0.35 }; })}
              options={[{ value: 'quota', label: t('按名次配额', 'Rank quota') }, { value: 'score', label: t('按分数线', 'Score thresholds') }]}
            />
            {draft.tiers.method === 'score' ? (
              <>
                {t('一类 ≥', 'Tier 1 ≥')} {num(draft.tiers.tier1Min, (x) => upd((s) => { (s.tiers as { tier1Min: number }).tier1Min = x; }))}
                {t('二类 ≥', 'Tier 2 ≥')} {num(draft.tiers.tier2Min, (x) => upd((s) => { (s.tiers as { tier2Min: number }).tier2Min = x; }))}
              </>
            ) : (
              <>
                <Select disabled={!admin} size="small" value={draft.tiers.unit} onChange={(u) => upd((s) => { (s.tiers as { unit: string }).unit = u; })} options={[{ value: 'count', label: t('个数', 'count') }, { value: 'share', label: t('比例', 'share') }]} />
                {t('一类', 'Tier 1')} {num(draft.tiers.tier1, (x) => upd((s) => { (s.tiers as { tier1: number }).tier1 = x; }), draft.tiers.unit === 'share' ? 0.01 : 1)}
                {t('二类', 'Tier 2')} {num(draft.tiers.tier2, (x) => upd((s) => { (s.tiers as { tier2: number }).tier2 = x; }), draft.tiers.unit === 'share' ? 0.01 : 1)}
              </>
            )}
          </Space>
        </Card>
      )}
      <Table<Row>
        size="small"
        pagination={false}
        dataSource={rows}
        expandable={{ defaultExpandAllRows: true }}
        key={currentId ?? 'none'}
        columns={[
          { title: t('代码', 'Code'), dataIndex: 'level', width: 120 },
          { title: t('名称', 'Name'), dataIndex: 'name' },
          { title: t('权重', 'Weight'), render: (_: unknown, r) => num(r.weight, (w) => setWeight(r.path, w)), width: 110 },
          { title: t('方向', 'Direction'), dataIndex: 'detail', width: 120 },
          {
            title: t('标准化 / 阈值', 'Normalisation / bounds'),
            width: 260,
            render: (_: unknown, r) => {
              if (r.path.length !== 3 || !draft) return null;
              const x = ind(r.path);
              if (x.normalise.method === 'minmax') return t('极差标准化（县市区间）', 'min-max across counties');
              const n = x.normalise;
              return (
                <Space size={4}>
                  {t('固定区间', 'fixed')} {num(n.min, (v) => upd((s) => { (s.categories[r.path[0]].dimensions[r.path[1]].indicators[r.path[2]].normalise as { min: number }).min = v; }), 0.01)}–
                  {num(n.max, (v) => upd((s) => { (s.categories[r.path[0]].dimensions[r.path[1]].indicators[r.path[2]].normalise as { max: number }).max = v; }), 0.01)}
                </Space>
              );
            },
          },
          { title: t('数据来源', 'Source'), dataIndex: 'source', width: 150 },
        ]}
      />
    </Space>
  );
}

const OUTCOME_COLOR: Record<string, string> = { high: 'red', medium: 'orange', low: 'green' };

function AssessmentsTab() {
  const { t } = useI18n();
  const me = useMe().data;
  const qc = useQueryClient();
  const toast = useProblemToast();
  const [page, setPage] = useState(1);
  const [open, setOpen] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [form] = Form.useForm();
  const list = useQuery({ queryKey: ['risk-assessments', page], queryFn: () => api<{ items: Assessment[]; total: number }>(withQuery('/api/risk/assessments', { limit: 20, offset: (page - 1) * 20 })) });
  const OUTCOME: Record<string, string> = { high: t('高风险', 'High'), medium: t('中风险', 'Medium'), low: t('低风险', 'Low') };
  const DECISION: Record<string, string> = { proceed: t('实施', 'Proceed'), postpone: t('暂缓实施', 'Postpone'), reject: t('不予实施', 'Do not proceed') };
  const create = async () => {
    const { _key, ...v } = await form.validateFields();
    try {
      const r = await api<Assessment>('/api/risk/assessments', { method: 'POST', body: { ...v, experts: [] }, headers: { 'idempotency-key': _key } });
      setCreating(false);
      form.resetFields();
      await qc.invalidateQueries({ queryKey: ['risk-assessments'] });
      setOpen(r.id);
    } catch (e) {
      toast(e, form);
    }
  };
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Space wrap>
        {hasRole(me, 'supervisor', 'township') && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => { form.setFieldsValue({ _key: uuid(), thirdParty: false, divisionCode: me?.scopeCodes?.[0] }); setCreating(true); }}>
            {t('登记评估项目', 'New assessment')}
          </Button>
        )}
        <Button icon={<DownloadOutlined />} onClick={() => download('/api/risk/assessments/export', 'assessments.xlsx').catch(toast)}>{t('导出台账', 'Export ledger')}</Button>
      </Space>
      <Table<Assessment>
        rowKey="id"
        size="small"
        loading={list.isPending}
        dataSource={list.data?.items}
        pagination={{ current: page, pageSize: 20, total: list.data?.total, onChange: setPage, showSizeChanger: false }}
        onRow={(r) => ({ onClick: () => setOpen(r.id), style: { cursor: 'pointer' } })}
        columns={[
          { title: t('编号', 'No.'), dataIndex: 'no', width: 130 },
          { title: t('项目', 'Project'), dataIndex: 'project' },
          { title: t('区划', 'Division'), dataIndex: 'divisionName', width: 120 },
          { title: t('评估主体', 'Assessing body'), render: (_: unknown, r) => <>{r.assessingBody ?? '—'}{r.thirdParty && <Tag style={{ marginLeft: 4 }}>{t('第三方', 'third party')}</Tag>}</> },
          { title: t('风险等级', 'Risk'), dataIndex: 'outcome', width: 90, render: (o: string | null) => (o ? <Tag color={OUTCOME_COLOR[o]}>{OUTCOME[o]}</Tag> : '—') },
          { title: t('决策', 'Decision'), dataIndex: 'decision', width: 100, render: (d: string | null) => (d ? DECISION[d] : '—') },
          { title: t('状态', 'Status'), dataIndex: 'statusLabel', width: 90 },
        ]}
      />
      <Modal open={creating} title={t('登记评估项目', 'New assessment')} onOk={create} onCancel={() => setCreating(false)} okText={t('登记', 'Register')} cancelText={t('取消', 'Cancel')}>
        <Form form={form} layout="vertical">
          <Form.Item name="_key" hidden><Input /></Form.Item>
          <Form.Item name="project" label={t('项目名称', 'Project')} rules={[{ required: true }]}><Input /></Form.Item>
          <Form.Item name="summary" label={t('项目概况', 'Summary')}><Input.TextArea rows={3} /></Form.Item>
          <Form.Item name="divisionCode" label={t('区划代码', 'Division code')} rules={[{ required: true }]}><Input /></Form.Item>
          <Form.Item name="responsibleUnit" label={t('责任单位', 'Responsible unit')} rules={[{ required: true }]}><Input /></Form.Item>
          <Form.Item name="assessingBody" label={t('评估主体', 'Assessing body')}><Input /></Form.Item>
          <Form.Item name="thirdParty" label={t('第三方评估机构', 'Third-party body')} valuePropName="checked"><Switch /></Form.Item>
        </Form>
      </Modal>
      <AssessmentDrawer id={open} onClose={() => setOpen(null)} />
    </Space>
  );
}

function AssessmentDrawer({ id, onClose }: { id: string | null; onClose: () => void }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const toast = useProblemToast();
  const [action, setAction] = useState<string | null>(null);
  const [form] = Form.useForm();
  const q = useQuery({ queryKey: ['risk-assessment', id], enabled: !!id, queryFn: () => api<Assessment>(`/api/risk/assessments/${id}`) });
  const a = q.data;
  const OUTCOME: Record<string, string> = { high: t('高风险', 'High'), medium: t('中风险', 'Medium'), low: t('低风险', 'Low') };
  const DECISION: Record<string, string> = { proceed: t('实施', 'Proceed'), postpone: t('暂缓实施', 'Postpone'), reject: t('不予实施', 'Do not proceed') };
  const ACTION: Record<string, string> = { register: t('登记', 'Registered'), edit: t('修改', 'Edited'), start: t('启动评估', 'Start'), assess: t('评估结论', 'Assess'), decide: t('作出决策', 'Decide'), follow_up: t('跟踪记录', 'Follow-up'), close: t('办结', 'Close') };
  const DIMS = [['legality', t('合法性', 'Legality')], ['reasonableness', t('合理性', 'Reasonableness')], ['feasibility', t('可行性', 'Feasibility')], ['controllability', t('可控性', 'Controllability')]] as const;
  const submit = async () => {
    const v = await form.validateFields();
    try {
      await api(`/api/risk/assessments/${id}/${action!.replace(/_/g, '-')}`, { method: 'POST', body: { ...v, version: a!.version } });
      setAction(null);
      form.resetFields();
      await qc.invalidateQueries({ queryKey: ['risk-assessment', id] });
      await qc.invalidateQueries({ queryKey: ['risk-assessments'] });
    } catch (e) {
      toast(e, form);
    }
  };
  const openAction = (x: string) => {
    form.resetFields();
    if (x === 'start') form.setFieldsValue({ assessingBody: a?.assessingBody ?? undefined, thirdParty: a?.thirdParty, experts: [{}, {}, {}] });
    setAction(x);
  };
  return (
    <Drawer open={!!id} onClose={onClose} width={720} title={a ? `${a.no} ${a.project}` : ''}>
      {a && (
        <Space direction="vertical" style={{ width: '100%' }}>
          <Descriptions size="small" bordered column={2}>
            <Descriptions.Item label={t('状态', 'Status')}>{a.statusLabel}</Descriptions.Item>
            <Descriptions.Item label={t('区划', 'Division')}>{a.divisionName}</Descriptions.Item>
            <Descriptions.Item label={t('责任单位', 'Responsible unit')}>{a.responsibleUnit}</Descriptions.Item>
            <Descriptions.Item label={t('评估主体', 'Assessing body')}>{a.assessingBody ?? '—'}{a.thirdParty ? t('（第三方）', ' (third party)') : ''}</Descriptions.Item>
            <Descriptions.Item label={t('专家组', 'Expert panel')} span={2}>{a.experts.length ? a.experts.map((e) => `${e.name}（${e.field}${e.affiliation ? `，${e.affiliation}` : ''}）`).join('、') : '—'}</Descriptions.Item>
            {DIMS.map(([k, label]) => (
              <Descriptions.Item key={k} label={label} span={2}>{a.dimensions[k] ? `${a.dimensions[k]!.score ?? '—'} · ${a.dimensions[k]!.findings}` : '—'}</Descriptions.Item>
            ))}
            <Descriptions.Item label={t('民意调查', 'Survey')} span={2}>
              {a.survey ? t(`样本 ${a.survey.sampleSize}，支持 ${a.survey.supporters}（${pct(a.survey.supportRate)}）${a.survey.method ? `，${a.survey.method}` : ''}`, `sample ${a.survey.sampleSize}, ${a.survey.supporters} in support (${pct(a.survey.supportRate)})`) : '—'}
            </Descriptions.Item>
            <Descriptions.Item label={t('风险等级', 'Risk')}>{a.outcome ? <Tag color={OUTCOME_COLOR[a.outcome]}>{OUTCOME[a.outcome]}</Tag> : '—'}</Descriptions.Item>
            <Descriptions.Item label={t('决策', 'Decision')}>{a.decision ? DECISION[a.decision] : '—'}</Descriptions.Item>
            <Descriptions.Item label={t('实施条件', 'Conditions')} span={2}>{a.conditions ?? '—'}</Descriptions.Item>
          </Descriptions>
          <Space wrap>
            {a.actions.map((x) => (
              <Button key={x} onClick={() => openAction(x)}>{ACTION[x] ?? x}</Button>
            ))}
          </Space>
          <Typography.Title level={5}>{t('过程记录', 'Timeline')}</Typography.Title>
          <EntityTimeline entries={a.timeline ?? []} labels={ACTION} />
        </Space>
      )}
      <Modal open={!!action} title={action ? ACTION[action] : ''} onOk={submit} onCancel={() => setAction(null)} okText={t('提交', 'Submit')} cancelText={t('取消', 'Cancel')} width={640} destroyOnHidden>
        <Form form={form} layout="vertical">
          {action === 'start' && (
            <>
              <Form.Item name="assessingBody" label={t('评估主体', 'Assessing body')} rules={[{ required: true }]}><Input /></Form.Item>
              <Form.Item name="thirdParty" label={t('第三方评估机构', 'Third-party body')} valuePropName="checked"><Switch /></Form.Item>
              <Typography.Text type="secondary">{t('专家组须为 3 名或 5 名专家', 'The panel has 3 or 5 experts')}</Typography.Text>
              <Form.List name="experts">
                {(fields, { add, remove }) => (
                  <>
                    {fields.map((f) => (
                      <Space key={f.key} align="baseline">
                        <Form.Item name={[f.name, 'name']} rules={[{ required: true }]}><Input placeholder={t('姓名', 'Name')} /></Form.Item>
                        <Form.Item name={[f.name, 'field']} rules={[{ required: true }]}><Input placeholder={t('专业领域', 'Field')} /></Form.Item>
                        <Form.Item name={[f.name, 'affiliation']}><Input placeholder={t('单位', 'Affiliation')} /></Form.Item>
                        <MinusCircleOutlined onClick={() => remove(f.name)} />
                      </Space>
                    ))}
                    <Button type="dashed" onClick={() => add({})} icon={<PlusOutlined />} disabled={fields.length >= 5}>{t('添加专家', 'Add an expert')}</Button>
                  </>
                )}
              </Form.List>
            </>
          )}
          {action === 'assess' && (
            <>
              {DIMS.map(([k, label]) => (
                <Space key={k} align="start" style={{ width: '100%' }}>
                  <Form.Item name={['dimensions', k, 'score']} label={`${label} ${t('关注度', 'concern')}`}><InputNumber min={0} max={100} /></Form.Item>
                  <Form.Item name={['dimensions', k, 'findings']} label={t('评估意见', 'Findings')} rules={[{ required: true }]} style={{ width: 420 }}><Input.TextArea rows={2} /></Form.Item>
                </Space>
              ))}
              <Space>
                <Form.Item name={['survey', 'sampleSize']} label={t('调查样本量', 'Sample size')} rules={[{ required: true }]}><InputNumber min={1} precision={0} /></Form.Item>
                <Form.Item name={['survey', 'supporters']} label={t('支持人数', 'Supporters')} rules={[{ required: true }]}><InputNumber min={0} precision={0} /></Form.Item>
                <Form.Item name={['survey', 'method']} label={t('调查方式', 'Method')}><Input /></Form.Item>
              </Space>
              <Form.Item name="outcome" label={t('风险等级', 'Risk level')} rules={[{ required: true }]}>
                <Radio.Group options={(['high', 'medium', 'low'] as const).map((o) => ({ value: o, label: OUTCOME[o] }))} />
              </Form.Item>
            </>
          )}
          {action === 'decide' && (
            <>
              <Form.Item name="decision" label={t('决策', 'Decision')} rules={[{ required: true }]}>
                <Radio.Group options={(['proceed', 'postpone', 'reject'] as const).map((o) => ({ value: o, label: DECISION[o] }))} />
              </Form.Item>
              <Form.Item name="conditions" label={t('实施条件 / 暂缓理由', 'Conditions')}><Input.TextArea rows={3} /></Form.Item>
            </>
          )}
          {action === 'follow_up' && <Form.Item name="note" label={t('跟踪情况', 'Follow-up')} rules={[{ required: true }]}><Input.TextArea rows={3} /></Form.Item>}
          {action === 'close' && <Form.Item name="comment" label={t('办结说明', 'Comment')}><Input.TextArea rows={2} /></Form.Item>}
        </Form>
      </Modal>
    </Drawer>
  );
}
