/**
 * The petition office's workbench (信访): petitions with their statutory
 * countdowns, stock cases (积案), this year's figures, the ledger, and each
 * petition's detail with its timeline and a form for every allowed step.
 */
import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Button, Card, Descriptions, Form, Input, InputNumber, Select, Space, Statistic, Switch, Tabs, Tag, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { api, withQuery } from '../../api/client.ts';
import { hasRole, useMe } from '../../api/hooks.ts';
import { useI18n } from '../../i18n.tsx';
import { Countdown, LedgerToolbar, pct, type Clock, type TimelineEntry } from '../kit/parts.tsx';
import { CreateEntityModal, EntityDetailView, EntityDrawer, PersonsFormList, RegisterTable } from '../kit/entity.tsx';

interface Petition {
  id: string; no: string; channel: string; matterType: string; matter: string; divisionName: string | null; divisionCode: string; petitionerCount: number;
  collective: boolean; skipLevel: boolean; repeatOf: { no: string | null } | null; finalMatter: boolean; status: string; statusLabel: string; version: number;
  registeredAt: string; leader: { name: string | null; plan: string | null } | null; petitioners: { name: string; phone: string | null }[]; clocks: Clock[]; actions: string[];
}
const CHANNEL: Record<string, string> = { visit: '走访', letter: '来信', online: '网上', phone: '电话' };
const ACTION: Record<string, string> = {
  register: '登记', accept: '受理', not_accept: '不予受理', extend: '延期', reply: '答复', request_review: '申请复查', decide_review: '复查意见',
  request_re_review: '申请复核', decide_re_review: '复核意见', close: '办结', leader: '领导包案', progress: '包案进展', link: '关联', urge: '自动催办', supervise: '超时督办', import: '台账导入',
};

function Flags({ p }: { p: Petition }) {
  return (
    <Space size={2} wrap>
      {p.collective && <Tag color="red">集体访</Tag>}
      {p.repeatOf && <Tag color="orange">重复访</Tag>}
      {p.skipLevel && <Tag color="purple">越级</Tag>}
      {p.finalMatter && <Tag>已终结事项</Tag>}
      {p.leader && <Tag color="blue">领导包案</Tag>}
    </Space>
  );
}

export default function PetitionsPage() {
  const { t } = useI18n();
  const me = useMe().data;
  const qc = useQueryClient();
  const [tab, setTab] = useState('all');
  const [page, setPage] = useState(1);
  const [open, setOpen] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const list = useQuery({
    queryKey: ['petitions', tab, page],
    queryFn: () => api<{ items: Petition[]; total: number }>(tab === 'stock' ? '/api/petitions/stock' : withQuery('/api/petitions', { limit: 20, offset: (page - 1) * 20, leader: tab === 'leader' ? 'true' : undefined })),
  });
  const year = new Date().getFullYear();
  const stats = useQuery({ queryKey: ['petitions-stats', year], queryFn: () => api<Record<string, number | null>>(withQuery('/api/petitions/stats', { from: `${year}-01-01T00:00:00+08:00`, to: `${year + 1}-01-01T00:00:00+08:00` })) });
  const refresh = () => qc.invalidateQueries({ queryKey: ['petitions'] }).then(() => qc.invalidateQueries({ queryKey: ['petitions-stats'] }));
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>{t('信访', 'Petitions')}</Typography.Title>
      <Card size="small" title={t(`${year} 年`, `${year}`)}>
        <Space size="large" wrap>
          <Statistic title={t('信访总量', 'Total')} value={stats.data?.total ?? '—'} />
          <Statistic title={t('同比', 'Year on year')} value={pct(stats.data?.yoyChange)} />
          <Statistic title={t('及时受理率', 'Timely acceptance')} value={pct(stats.data?.timelyAcceptanceRate)} />
          <Statistic title={t('按期答复率', 'On-time reply')} value={pct(stats.data?.onTimeReplyRate)} />
          <Statistic title={t('化解率', 'Resolution')} value={pct(stats.data?.resolutionRate)} />
          <Statistic title={t('包案化解率', 'Leader-handled')} value={pct(stats.data?.leaderResolutionRate)} />
          <Statistic title={t('重复信访率', 'Repeat')} value={pct(stats.data?.repeatRate)} />
        </Space>
      </Card>
      <Space wrap>
        {hasRole(me, 'petition_officer') && <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>{t('信访登记', 'Register')}</Button>}
      </Space>
      <LedgerToolbar register="petitions" filters={{}} canImport={hasRole(me, 'petition_officer')} onImported={refresh} />
      <Tabs activeKey={tab} onChange={(k) => { setTab(k); setPage(1); }} items={[{ key: 'all', label: t('全部', 'All') }, { key: 'stock', label: t('信访积案', 'Stock cases') }, { key: 'leader', label: t('领导包案', 'Leader-handled') }]} />
      <RegisterTable<Petition>
        loading={list.isPending}
        dataSource={list.data?.items}
        page={page}
        total={list.data?.total}
        onPage={setPage}
        onOpen={setOpen}
        columns={[
          { title: t('编号', 'No.'), dataIndex: 'no', width: 150 },
          { title: t('形式', 'Channel'), render: (_v, r) => CHANNEL[r.channel] ?? r.channel, width: 60 },
          { title: t('事项', 'Matter'), dataIndex: 'matter', ellipsis: true },
          { title: t('标记', 'Flags'), render: (_v, r) => <Flags p={r} />, width: 180 },
          { title: t('状态', 'Status'), dataIndex: 'statusLabel', width: 90 },
          { title: t('时限', 'Time limit'), render: (_v, r) => <Countdown clock={r.clocks[0]} />, width: 150 },
        ]}
      />
      {creating && <CreatePetition onClose={() => setCreating(false)} onCreated={(id) => { setCreating(false); refresh(); setOpen(id); }} />}
      <EntityDrawer id={open} onClose={() => setOpen(null)} title={t('信访件', 'Petition')}>
        {(id) => <PetitionDetail id={id} onChanged={refresh} />}
      </EntityDrawer>
    </Space>
  );
}

function CreatePetition({ onClose, onCreated }: { onClose: () => void; onCreated: (id: string) => void }) {
  const { t } = useI18n();
  return (
    <CreateEntityModal
      title={t('信访登记', 'Register a petition')}
      url="/api/petitions"
      personsField="petitioners"
      initialValues={{ channel: 'visit', skipLevel: false, petitioners: [{}] }}
      onClose={onClose}
      onCreated={onCreated}
    >
        <Space wrap>
          <Form.Item name="channel" label={t('信访形式', 'Channel')}><Select style={{ width: 100 }} options={Object.entries(CHANNEL).map(([value, label]) => ({ value, label }))} /></Form.Item>
          <Form.Item name="matterType" label={t('事项类别', 'Matter type')} rules={[{ required: true }]}><Input style={{ width: 140 }} /></Form.Item>
          <Form.Item name="divisionCode" label={t('区划代码', 'Division')} rules={[{ required: true, pattern: /^\d{2,12}$/ }]}><Input style={{ width: 140 }} /></Form.Item>
          <Form.Item name="skipLevel" label={t('越级', 'Skip-level')} valuePropName="checked"><Switch /></Form.Item>
          <Form.Item name="petitionerCount" label={t('人数', 'People')}><InputNumber min={1} /></Form.Item>
        </Space>
        <Form.Item name="matter" label={t('信访事项', 'Matter')} rules={[{ required: true }]}><Input.TextArea rows={3} /></Form.Item>
        <Form.Item name="unitPetitioned" label={t('反映对象', 'Unit petitioned')}><Input /></Form.Item>
        <PersonsFormList name="petitioners" label={t('信访人', 'Petitioner')} addLabel={t('添加信访人', 'Add a petitioner')} />
    </CreateEntityModal>
  );
}

function StepFields({ action }: { action: string }) {
  const { t } = useI18n();
  if (action === 'accept') return <Form.Item name="notice" label={t('受理告知书', 'Notice')} rules={[{ required: true }]}><Input.TextArea rows={3} /></Form.Item>;
  if (action === 'not_accept')
    return (
      <>
        <Form.Item name="notice" label={t('不予受理告知书', 'Notice')} rules={[{ required: true }]}><Input.TextArea rows={3} /></Form.Item>
        <Form.Item name="reason" label={t('理由', 'Reason')} rules={[{ required: true }]}><Input /></Form.Item>
      </>
    );
  if (action === 'extend')
    return (
      <>
        <Form.Item name="days" label={t('延长天数 (≤30)', 'Days (at most 30)')} rules={[{ required: true }]}><InputNumber min={1} max={30} /></Form.Item>
        <Form.Item name="notice" label={t('延期告知', 'Notice')} rules={[{ required: true }]}><Input.TextArea rows={2} /></Form.Item>
      </>
    );
  if (['reply', 'decide_review', 'decide_re_review'].includes(action)) return <Form.Item name="opinion" label={t('意见书', 'Opinion')} rules={[{ required: true }]}><Input.TextArea rows={5} /></Form.Item>;
  if (action === 'close')
    return (
      <>
        <Form.Item name="resolved" label={t('是否化解', 'Resolved')} valuePropName="checked" initialValue={false}><Switch /></Form.Item>
        <Form.Item name="satisfaction" label={t('满意度', 'Satisfaction')}><Select allowClear options={[['satisfied', '满意'], ['basically', '基本满意'], ['unsatisfied', '不满意']].map(([value, label]) => ({ value, label }))} /></Form.Item>
      </>
    );
  if (action === 'leader') return <Form.Item name="plan" label={t('一案一策', 'Plan')} rules={[{ required: true }]}><Input.TextArea rows={4} /></Form.Item>;
  if (action === 'progress') return <Form.Item name="note" label={t('进展', 'Progress')} rules={[{ required: true }]}><Input.TextArea rows={3} /></Form.Item>;
  return <Form.Item name="comment" label={t('说明', 'Comment')}><Input.TextArea rows={2} /></Form.Item>;
}

function PetitionDetail({ id, onChanged }: { id: string; onChanged: () => void }) {
  const { t } = useI18n();
  const me = useMe().data;
  const qc = useQueryClient();
  const d = useQuery({ queryKey: ['petition', id], queryFn: () => api<Petition & { timeline: TimelineEntry[] }>(`/api/petitions/${id}`) });
  if (!d.data) return null;
  const x = d.data;
  const extra = hasRole(me, 'leader', 'petition_officer') ? ['leader', ...(x.leader ? ['progress'] : [])] : [];
  const post = (action: string, v: Record<string, any>) => {
    const body = action === 'progress' ? v : { ...v, version: x.version };
    return api(`/api/petitions/${id}/${action.replace(/_/g, '-')}`, { method: 'POST', body });
  };
  const done = async () => {
    await qc.invalidateQueries({ queryKey: ['petition', id] });
    onChanged();
  };
  return (
    <EntityDetailView actions={[...x.actions, ...extra]} labels={ACTION} timeline={x.timeline} fields={(a) => <StepFields action={a} />} post={post} onDone={done}>
      <Descriptions size="small" column={2} bordered>
        <Descriptions.Item label={t('编号', 'No.')}>{x.no}</Descriptions.Item>
        <Descriptions.Item label={t('状态', 'Status')}>{x.statusLabel} <Countdown clock={x.clocks[0]} /></Descriptions.Item>
        <Descriptions.Item label={t('信访人', 'Petitioners')} span={2}>{x.petitioners.map((p) => `${p.name}${p.phone ? ` ${p.phone}` : ''}`).join('；')}（{x.petitionerCount} {t('人', 'people')}）</Descriptions.Item>
        <Descriptions.Item label={t('事项', 'Matter')} span={2}>{x.matter}</Descriptions.Item>
        <Descriptions.Item label={t('标记', 'Flags')} span={2}><Flags p={x} />{x.repeatOf?.no ? ` ${t('前次', 'earlier')}: ${x.repeatOf.no}` : ''}</Descriptions.Item>
        {x.leader && <Descriptions.Item label={t('包案领导', 'Leader')} span={2}>{x.leader.name}：{x.leader.plan}</Descriptions.Item>}
      </Descriptions>
    </EntityDetailView>
  );
}
