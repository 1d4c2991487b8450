/**
 * The mediator's workbench (矛盾纠纷排查化解): the register with countdowns,
 * this year's figures, the ledger, a form to register an entry, and each
 * entry's detail with its timeline and a form for every action it allows.
 */
import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Button, Card, Descriptions, Form, Input, InputNumber, Select, Space, Statistic, Switch, Tag, Typography, DatePicker } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { api, withQuery } from '../../api/client.ts';
import { hasRole, useMe } from '../../api/hooks.ts';
import { useI18n } from '../../i18n.tsx';
import { Countdown, LedgerToolbar, pct, type Clock, type TimelineEntry } from '../kit/parts.tsx';
import { CreateEntityModal, EntityDetailView, EntityDrawer, PersonsFormList, RegisterTable } from '../kit/entity.tsx';

interface Person { id: string; name: string; phone: string | null; idNumber: string | null }
interface Dispute {
  id: string; no: string; kind: 'dispute' | 'hazard'; category: { code: string; name: string }; divisionCode: string; divisionName: string | null;
  summary: string; risk: 'high' | 'medium' | 'low'; status: string; statusLabel: string; version: number; org: { name: string | null } | null;
  outcome: string | null; agreement: { terms: string; performanceDeadline: string | null } | null; registeredAt: string; parties: Person[]; clocks: Clock[]; actions: string[];
}
interface Detail extends Dispute { sessions: { id: string; heldAt: string; place: string | null; notes: string }[]; timeline: TimelineEntry[] }

const STATUS = { registered: '已登记', assigned: '已分流', mediating: '调解中', resolved: '已化解', failed: '调解不成', referred: '已移交', followed_up: '已回访', closed: '已办结' };
const ACTION = { register: '登记', assign: '分流', session: '调解记录', resolve: '化解', fail: '调解不成', refer: '移交', follow_up: '回访', close: '办结', note: '备注', link: '关联', urge: '自动催办', supervise: '超时督办', import: '台账导入' } as Record<string, string>;
const RISK = { high: ['高', 'red'], medium: ['中', 'orange'], low: ['低', 'default'] } as const;
const ORG_KINDS = [
  ['people_committee', '人民调解委员会'], ['court_prelitigation', '诉前调解 / 诉源治理工作站'], ['police_joint', '公调对接'], ['trade', '行业性专业性调解'], ['other', '其他'],
];

export default function DisputesPage() {
  const { t } = useI18n();
  const me = useMe().data;
  const qc = useQueryClient();
  const [filters, setFilters] = useState<{ status?: string; kind?: string; risk?: string; q?: string }>({});
  const [page, setPage] = useState(1);
  const [open, setOpen] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const list = useQuery({ queryKey: ['disputes', filters, page], queryFn: () => api<{ items: Dispute[]; total: number }>(withQuery('/api/disputes', { ...filters, limit: 20, offset: (page - 1) * 20 })) });
  const year = new Date().getFullYear();
  const stats = useQuery({ queryKey: ['disputes-stats', year], queryFn: () => api<Record<string, number | null>>(withQuery('/api/disputes/stats', { from: `${year}-01-01T00:00:00+08:00`, to: `${year + 1}-01-01T00:00:00+08:00` })) });
  const refresh = () => qc.invalidateQueries({ queryKey: ['disputes'] }).then(() => qc.invalidateQueries({ queryKey: ['disputes-stats'] }));

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>{t('矛盾纠纷排查化解', 'Disputes and mediation')}</Typography.Title>
      <Card size="small" title={t(`${year} 年`, `${year}`)}>
        <Space size="large" wrap>
          <Statistic title={t('排查数', 'Screened')} value={stats.data?.screened ?? '—'} />
          <Statistic title={t('化解数', 'Resolved')} value={stats.data?.resolved ?? '—'} />
          <Statistic title={t('化解率', 'Resolution rate')} value={pct(stats.data?.resolutionRate)} />
          <Statistic title={t('调解成功率', 'Mediation success')} value={pct(stats.data?.mediationSuccessRate)} />
          <Statistic title={t('协议履行率', 'Agreements performed')} value={pct(stats.data?.performanceRate)} />
        </Space>
      </Card>
      <Space wrap>
        <Select allowClear placeholder={t('状态', 'Status')} style={{ width: 130 }} options={Object.entries(STATUS).map(([value, label]) => ({ value, label }))} onChange={(status) => { setPage(1); setFilters((f) => ({ ...f, status })); }} />
        <Select allowClear placeholder={t('类型', 'Kind')} style={{ width: 130 }} options={[{ value: 'dispute', label: '矛盾纠纷' }, { value: 'hazard', label: '风险隐患' }]} onChange={(kind) => { setPage(1); setFilters((f) => ({ ...f, kind })); }} />
        <Select allowClear placeholder={t('风险等级', 'Risk')} style={{ width: 110 }} options={Object.entries(RISK).map(([value, [label]]) => ({ value, label }))} onChange={(risk) => { setPage(1); setFilters((f) => ({ ...f, risk })); }} />
        <Input.Search allowClear placeholder={t('编号或概况', 'Number or words')} onSearch={(q) => { setPage(1); setFilters((f) => ({ ...f, q: q || undefined })); }} style={{ width: 220 }} />
        {hasRole(me, 'mediator', 'township', 'grid_worker', 'dispatcher', 'police') && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>{t('登记', 'Register')}</Button>
        )}
      </Space>
      <LedgerToolbar register="disputes" filters={filters} canImport={hasRole(me, 'mediator', 'township')} onImported={refresh} />
      <RegisterTable<Dispute>
        loading={list.isPending}
        dataSource={list.data?.items}
        page={page}
        total={list.data?.total}
        onPage={setPage}
        onOpen={setOpen}
        columns={[
          { title: t('编号', 'No.'), dataIndex: 'no', width: 150 },
          { title: t('类型', 'Kind'), render: (_v, r) => (r.kind === 'hazard' ? <Tag color="purple">风险隐患</Tag> : '纠纷'), width: 90 },
          { title: t('类别', 'Category'), render: (_v, r) => r.category.name, width: 130 },
          { title: t('概况', 'Summary'), dataIndex: 'summary', ellipsis: true },
          { title: t('区划', 'Division'), render: (_v, r) => r.divisionName ?? r.divisionCode, width: 130 },
          { title: t('风险', 'Risk'), render: (_v, r) => <Tag color={RISK[r.risk][1]}>{RISK[r.risk][0]}</Tag>, width: 60 },
          { title: t('状态', 'Status'), dataIndex: 'statusLabel', width: 90 },
          { title: t('时限', 'Time limit'), render: (_v, r) => <Countdown clock={r.clocks[0]} />, width: 150 },
        ]}
      />
      {creating && <CreateDispute onClose={() => setCreating(false)} onCreated={(id) => { setCreating(false); refresh(); setOpen(id); }} />}
      <EntityDrawer id={open} onClose={() => setOpen(null)} title={t('纠纷详情', 'Entry')}>
        {(id) => <DisputeDetail id={id} onChanged={refresh} />}
      </EntityDrawer>
    </Space>
  );
}

function CreateDispute({ onClose, onCreated }: { onClose: () => void; onCreated: (id: string) => void }) {
  const { t } = useI18n();
  const cats = useQuery({ queryKey: ['dispute-categories'], queryFn: () => api<{ code: string; name: string; active: boolean }[]>('/api/dispute-categories') });
  return (
    <CreateEntityModal
      title={t('登记矛盾纠纷或风险隐患', 'Register a dispute or hazard')}
      okText={t('登记', 'Register')}
      url="/api/disputes"
      personsField="parties"
      initialValues={{ kind: 'dispute', risk: 'low', complexity: 'general', source: 'screening', parties: [{}, {}] }}
      onClose={onClose}
      onCreated={onCreated}
    >
        <Space wrap>
          <Form.Item name="kind" label={t('类型', 'Kind')}><Select style={{ width: 130 }} options={[{ value: 'dispute', label: '矛盾纠纷' }, { value: 'hazard', label: '突出风险隐患' }]} /></Form.Item>
          <Form.Item name="categoryCode" label={t('类别', 'Category')} rules={[{ required: true }]}><Select style={{ width: 180 }} options={cats.data?.filter((c) => c.active).map((c) => ({ value: c.code, label: c.name }))} /></Form.Item>
          <Form.Item name="source" label={t('来源', 'Source')}><Select style={{ width: 120 }} options={[['screening', '排查'], ['case12345', '12345'], ['police110', '110'], ['court', '法院委派'], ['walk_in', '来访'], ['petition', '信访']].map(([value, label]) => ({ value, label }))} /></Form.Item>
          <Form.Item name="risk" label={t('风险等级', 'Risk')}><Select style={{ width: 90 }} options={Object.entries(RISK).map(([value, [label]]) => ({ value, label }))} /></Form.Item>
          <Form.Item name="complexity" label={t('难易', 'Complexity')}><Select style={{ width: 110 }} options={[['simple', '简易'], ['general', '一般'], ['complex', '疑难复杂']].map(([value, label]) => ({ value, label }))} /></Form.Item>
        </Space>
        <Space wrap>
          <Form.Item name="divisionCode" label={t('区划代码', 'Division code')} rules={[{ required: true, pattern: /^\d{2,12}$/ }]}><Input style={{ width: 160 }} placeholder="430602005001" /></Form.Item>
          <Form.Item name="place" label={t('地点', 'Place')}><Input style={{ width: 260 }} /></Form.Item>
        </Space>
        <Form.Item name="summary" label={t('纠纷概况', 'Summary')} rules={[{ required: true }]}><Input.TextArea rows={3} /></Form.Item>
        <Space wrap>
          <Form.Item name="amount" label={t('涉及金额(元)', 'Amount')}><InputNumber min={0} /></Form.Item>
          <Form.Item name="people" label={t('涉及人数', 'People')}><InputNumber min={0} /></Form.Item>
          <Form.Item name="caseRef" label={t('来自 12345 工单', 'From 12345 case')}><Input style={{ width: 180 }} /></Form.Item>
        </Space>
        <PersonsFormList name="parties" label={t('当事人', 'Party')} addLabel={t('添加当事人', 'Add a party')} />
    </CreateEntityModal>
  );
}

/** The fields each action's form asks for. */
function ActionFields({ action }: { action: string }) {
  const { t } = useI18n();
  switch (action) {
    case 'assign':
      return (
        <>
          <Form.Item name="orgKind" label={t('调解组织类型', 'Organisation kind')} rules={[{ required: true }]}><Select options={ORG_KINDS.map(([value, label]) => ({ value, label }))} /></Form.Item>
          <Form.Item name="orgName" label={t('调解组织', 'Organisation')} rules={[{ required: true }]}><Input /></Form.Item>
        </>
      );
    case 'session':
      return (
        <>
          <Form.Item name="place" label={t('地点', 'Place')}><Input /></Form.Item>
          <Form.Item name="participants" label={t('参加人员', 'Participants')}><Input /></Form.Item>
          <Form.Item name="notes" label={t('调解记录', 'Notes')} rules={[{ required: true }]}><Input.TextArea rows={4} /></Form.Item>
        </>
      );
    case 'resolve':
      return (
        <>
          <Form.Item name="outcome" label={t('化解方式', 'Outcome')} rules={[{ required: true }]}><Select options={[{ value: 'agreement', label: '达成调解协议' }, { value: 'otherwise', label: '其他方式化解' }]} /></Form.Item>
          <Form.Item name="terms" label={t('协议内容', 'Terms')}><Input.TextArea rows={4} /></Form.Item>
          <Form.Item name="performanceDeadline" label={t('履行期限', 'Perform by')}><DatePicker /></Form.Item>
          <Form.Item name="notes" label={t('化解情况', 'Notes')}><Input.TextArea rows={2} /></Form.Item>
        </>
      );
    case 'fail':
      return <Form.Item name="reason" label={t('调解不成原因', 'Reason')} rules={[{ required: true }]}><Input.TextArea rows={3} /></Form.Item>;
    case 'refer':
      return (
        <>
          <Form.Item name="referTo" label={t('移交去向', 'Refer to')} rules={[{ required: true }]}><Select options={[['litigation', '诉讼'], ['arbitration', '仲裁'], ['petition', '信访'], ['administrative', '行政处理']].map(([value, label]) => ({ value, label }))} /></Form.Item>
          <Form.Item name="note" label={t('说明', 'Note')}><Input.TextArea rows={2} /></Form.Item>
        </>
      );
    case 'follow_up':
      return (
        <>
          <Form.Item name="performed" label={t('协议是否履行', 'Agreement performed')} valuePropName="checked"><Switch /></Form.Item>
          <Form.Item name="notes" label={t('回访情况', 'Notes')}><Input.TextArea rows={2} /></Form.Item>
        </>
      );
    default:
      return <Form.Item name="comment" label={t('说明', 'Comment')}><Input.TextArea rows={2} /></Form.Item>;
  }
}

function DisputeDetail({ id, onChanged }: { id: string; onChanged: () => void }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const d = useQuery({ queryKey: ['dispute', id], queryFn: () => api<Detail>(`/api/disputes/${id}`) });
  if (!d.data) return null;
  const x = d.data;
  const post = (action: string, v: Record<string, any>) => {
    if (v.performanceDeadline) v.performanceDeadline = v.performanceDeadline.format('YYYY-MM-DD');
    return api(`/api/disputes/${id}/${action.replace('_', '-')}`, { method: 'POST', body: { ...v, version: x.version } });
  };
  const done = async () => {
    await qc.invalidateQueries({ queryKey: ['dispute', id] });
    onChanged();
  };
  return (
    <EntityDetailView actions={x.actions} labels={ACTION} primary="resolve" timeline={x.timeline} fields={(a) => <ActionFields action={a} />} post={post} onDone={done}>
      <Descriptions size="small" column={2} bordered>
        <Descriptions.Item label={t('编号', 'No.')}>{x.no}</Descriptions.Item>
        <Descriptions.Item label={t('状态', 'Status')}>{x.statusLabel} <Countdown clock={x.clocks[0]} /></Descriptions.Item>
        <Descriptions.Item label={t('类别', 'Category')}>{x.category.name}</Descriptions.Item>
        <Descriptions.Item label={t('风险', 'Risk')}><Tag color={RISK[x.risk][1]}>{RISK[x.risk][0]}</Tag></Descriptions.Item>
        <Descriptions.Item label={t('当事人', 'Parties')} span={2}>{x.parties.map((p) => `${p.name}${p.phone ? ` ${p.phone}` : ''}`).join('；')}</Descriptions.Item>
        <Descriptions.Item label={t('概况', 'Summary')} span={2}>{x.summary}</Descriptions.Item>
        <Descriptions.Item label={t('调解组织', 'Organisation')} span={2}>{x.org?.name ?? '—'}</Descriptions.Item>
        {x.agreement && (
          <Descriptions.Item label={t('调解协议', 'Agreement')} span={2}>
            <div style={{ whiteSpace: 'pre-wrap' }}>{x.agreement.terms}</div>
            <a href={`/api/disputes/${x.id}/agreement`} target="_blank" rel="noreferrer">{t('打印调解协议书', 'Print the agreement')}</a>
          </Descriptions.Item>
        )}
      </Descriptions>
    </EntityDetailView>
  );
}
