/**
 * The key persons workbench (重点人员分级分类管控): files the caller may see
 * (minimum fields, the most urgent visit first, with countdowns), the
 * figures, the ledger (export asks for a reason), and each file (一人一档:
 * person, team, countdown, timeline, linked cases/disputes/petitions, tier
 * changes) with forms for measures and tier changes.
 */
import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Descriptions, Drawer, Form, Input, Modal, Select, Space, Statistic, Switch, Table, Tabs, Tag, Typography, DatePicker } from 'antd';
import { DownloadOutlined, PlusOutlined } from '@ant-design/icons';
import { api, download, uuid, withQuery } from '../../api/client.ts';
import { hasRole, useMe } from '../../api/hooks.ts';
import { useI18n } from '../../i18n.tsx';
import { Countdown, EntityTimeline, LedgerImport, pct, useProblemToast, type Clock, type TimelineEntry } from '../kit/parts.tsx';

interface Config {
  categories: { code: string; name: string; active: boolean }[];
  tiers: { code: string; name: string; visitDays: number; color: string; active: boolean; rank: number }[];
  teamRoles: { code: string; name: string; active: boolean }[];
}
interface Item {
  id: string; no: string; name: string; categories: string[]; tier: string; divisionName: string | null; divisionCode: string; gridName: string | null;
  status: string; lastVisitAt: string | null; visitDueAt: string | null; warning: 'none' | 'yellow' | 'red' | null;
}
interface FileDetail {
  id: string; no: string; version: number; status: string; tier: string; categories: string[]; divisionName: string | null; gridName: string | null; address: string | null;
  person: { name: string; idNumber: string | null; phone: string | null; gender: string | null };
  unit: { name: string | null } | null; registeredAt: string; lastVisitAt: string | null; visitDueAt: string | null; clock: Clock | null;
  team: { role: string; name: string; phone: string | null; userId: string | null }[];
  timeline: TimelineEntry[];
  linked: { type: 'case' | 'dispute' | 'petition'; id: string; no: string; title: string; status: string; at: string }[];
  tierChanges: { id: string; fromTier: string; toTier: string; reason: string; status: string; requestedBy: { userId: string; name: string | null }; requestedAt: string; decidedBy: { name: string | null } | null; comment: string | null }[];
}

const MEASURES: [string, string, string][] = [
  ['visit', '摸排走访', 'Visit'],
  ['check', '见面核查', 'In-person check'],
  ['supervision', '日常监管', 'Daily supervision'],
  ['opinion', '舆情监测', 'Opinion monitoring'],
  ['help', '帮扶稳控', 'Help and stabilisation'],
  ['ledger', '台账登记', 'Ledger entry'],
];
const ACTION: Record<string, string> = {
  file: '建档', update: '更新档案', close: '撤管', reopen: '恢复管控', tier_change_requested: '申请调级', tier_changed: '调级（已批准）', tier_change_rejected: '调级申请被驳回',
  activity: '新动态', urge: '走访超期预警', supervise: '走访超期督办', link: '关联',
  ...Object.fromEntries(MEASURES.map(([k, zh]) => [`measure_${k}`, zh])),
};
const ACTION_EN: Record<string, string> = {
  file: 'Filed', update: 'Updated', close: 'Closed', reopen: 'Reopened', tier_change_requested: 'Tier change requested', tier_changed: 'Tier changed', tier_change_rejected: 'Tier change rejected',
  activity: 'New activity', urge: 'Visit overdue', supervise: 'Visit escalated', link: 'Link',
  ...Object.fromEntries(MEASURES.map(([k, , en]) => [`measure_${k}`, en])),
};
const LINK_TYPE: Record<string, [string, string]> = { case: ['12345 工单', '12345 case'], dispute: ['矛盾纠纷', 'Dispute'], petition: ['信访', 'Petition'] };
const FILING = ['police', 'leader', 'supervisor'] as const;

const clockOf = (r: { visitDueAt: string | null; warning: Item['warning'] }): Clock | undefined =>
  r.visitDueAt ? { clock: 'visit', dueAt: r.visitDueAt, warning: r.warning ?? 'none', escalated: false } : undefined;

export default function KeypersonsPage() {
  const { t } = useI18n();
  const me = useMe().data;
  const qc = useQueryClient();
  const [filters, setFilters] = useState<{ tier?: string; category?: string; overdue?: string; mine?: string }>({});
  const [page, setPage] = useState(1);
  const [open, setOpen] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [exporting, setExporting] = useState(false);
  const config = useQuery({ queryKey: ['keyperson-config'], queryFn: () => api<Config>('/api/keyperson-config'), staleTime: 300_000 });
  const list = useQuery({
    queryKey: ['keypersons', filters, page],
    queryFn: () => api<{ items: Item[]; total: number }>(withQuery('/api/keypersons', { ...filters, limit: 20, offset: (page - 1) * 20 })),
  });
  const stats = useQuery({ queryKey: ['keypersons-stats'], queryFn: () => api<{ total: number; byTier: Record<string, number>; overdue: number; visits: { total: number; onTimeRate: number | null } }>('/api/keypersons/stats') });
  const refresh = () => Promise.all([qc.invalidateQueries({ queryKey: ['keypersons'] }), qc.invalidateQueries({ queryKey: ['keypersons-stats'] })]);
  const tierName = (c: string) => config.data?.tiers.find((x) => x.code === c)?.name ?? c;
  const tierColor = (c: string) => config.data?.tiers.find((x) => x.code === c)?.color ?? 'default';
  const catName = (c: string) => config.data?.categories.find((x) => x.code === c)?.name ?? c;
  const canFile = hasRole(me, ...FILING);
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>{t('重点人员管控', 'Key persons')}</Typography.Title>
      <Alert type="warning" showIcon message={t('涉密敏感信息：仅限包保责任人、辖区政法和公安人员查阅；每次查阅和导出均记录审计。', 'Sensitive: only the responsible team and the jurisdiction\'s political-legal and police staff may see files; every opening and export is audited.')} />
      <Card size="small">
        <Space size="large" wrap>
          <Statistic title={t('在管人数', 'Files')} value={stats.data?.total ?? '—'} />
          {config.data?.tiers.map((tr) => <Statistic key={tr.code} title={tr.name} value={stats.data?.byTier[tr.code] ?? 0} />)}
          <Statistic title={t('走访超期', 'Visits overdue')} value={stats.data?.overdue ?? '—'} valueStyle={stats.data?.overdue ? { color: '#cf1322' } : undefined} />
          <Statistic title={t('按期走访率（近90天）', 'Visits on time (90 days)')} value={pct(stats.data?.visits.onTimeRate)} />
        </Space>
      </Card>
      <Space wrap>
        {canFile && <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>{t('建档', 'Open a file')}</Button>}
        <Button icon={<DownloadOutlined />} onClick={() => setExporting(true)}>{t('导出台账', 'Export ledger')}</Button>
        {canFile && <LedgerImport url="/api/keypersons/import" onImported={refresh} label={t('导入台账', 'Import ledger')} />}
      </Space>
      <Space wrap>
        <Select allowClear aria-label={t('风险等级', 'Tier')} placeholder={t('风险等级', 'Tier')} style={{ width: 160 }} value={filters.tier} onChange={(v) => { setFilters({ ...filters, tier: v }); setPage(1); }}
          options={config.data?.tiers.map((x) => ({ value: x.code, label: x.name }))} />
        <Select allowClear aria-label={t('人员类别', 'Category')} placeholder={t('人员类别', 'Category')} style={{ width: 220 }} value={filters.category} onChange={(v) => { setFilters({ ...filters, category: v }); setPage(1); }}
          options={config.data?.categories.map((x) => ({ value: x.code, label: x.name }))} />
        <Space><Switch aria-label={t('仅走访超期', 'Overdue only')} checked={filters.overdue === 'true'} onChange={(c) => { setFilters({ ...filters, overdue: c ? 'true' : undefined }); setPage(1); }} />{t('仅走访超期', 'Overdue only')}</Space>
        <Space><Switch aria-label={t('我包保的', 'My team\'s')} checked={filters.mine === 'true'} onChange={(c) => { setFilters({ ...filters, mine: c ? 'true' : undefined }); setPage(1); }} />{t('我包保的', 'My team\'s')}</Space>
      </Space>
      <Table<Item>
        rowKey="id"
        size="small"
        loading={list.isPending}
        dataSource={list.data?.items}
        pagination={{ current: page, pageSize: 20, total: list.data?.total, onChange: setPage, showSizeChanger: false }}
        onRow={(r) => ({ onClick: () => setOpen(r.id), style: { cursor: 'pointer' } })}
        columns={[
          { title: t('档案编号', 'File no.'), dataIndex: 'no', width: 130 },
          { title: t('姓名', 'Name'), dataIndex: 'name', width: 90 },
          { title: t('风险等级', 'Tier'), render: (_v, r) => <Tag color={tierColor(r.tier)}>{tierName(r.tier)}</Tag>, width: 140 },
          { title: t('类别', 'Categories'), render: (_v, r) => r.categories.map(catName).join('、'), ellipsis: true },
          { title: t('区划 / 网格', 'Division / grid'), render: (_v, r) => [r.divisionName, r.gridName].filter(Boolean).join(' / '), ellipsis: true },
          { title: t('最近走访', 'Last visit'), render: (_v, r) => (r.lastVisitAt ? new Date(r.lastVisitAt).toLocaleDateString() : '—'), width: 110 },
          { title: t('走访倒计时', 'Next visit'), render: (_v, r) => <Countdown clock={clockOf(r)} />, width: 160 },
        ]}
      />
      {creating && config.data && <CreateFile config={config.data} onClose={() => setCreating(false)} onCreated={(id) => { setCreating(false); refresh(); setOpen(id); }} />}
      {exporting && <ExportModal filters={filters} onClose={() => setExporting(false)} />}
      <Drawer open={!!open} width={760} onClose={() => setOpen(null)} title={t('重点人员档案', 'Key person file')} destroyOnHidden>
        {open && config.data && <FileView id={open} config={config.data} onChanged={refresh} />}
      </Drawer>
    </Space>
  );
}

function ExportModal({ filters, onClose }: { filters: Record<string, string | undefined>; onClose: () => void }) {
  const { t } = useI18n();
  const [form] = Form.useForm();
  const problem = useProblemToast();
  const submit = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return; // the form shows what is missing
    try {
      await download(withQuery('/api/keypersons/export', { ...filters, reason: v.reason }), 'keypersons.xlsx');
      onClose();
    } catch (e) {
      problem(e, form);
    }
  };
  return (
    <Modal open title={t('导出重点人员台账', 'Export the ledger')} onCancel={onClose} onOk={submit} okText={t('导出', 'Export')}>
      <Typography.Paragraph type="secondary">{t('导出内容已脱敏（姓名遮蔽、不含身份证号）；导出事由将记入审计日志。', 'Names are masked and ID numbers left out; the reason is recorded in the audit log.')}</Typography.Paragraph>
      <Form form={form} layout="vertical">
        <Form.Item name="reason" label={t('导出事由', 'Reason')} rules={[{ required: true, min: 2 }]}><Input.TextArea rows={2} /></Form.Item>
      </Form>
      <Button type="link" onClick={() => download('/api/keypersons/export?template=true', 'keypersons-template.xlsx')}>{t('下载导入模板', 'Import template')}</Button>
    </Modal>
  );
}

function CreateFile({ config, onClose, onCreated }: { config: Config; onClose: () => void; onCreated: (id: string) => void }) {
  const { t } = useI18n();
  const [form] = Form.useForm();
  const problem = useProblemToast();
  const [key] = useState(uuid);
  const submit = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return; // the form shows what is missing
    const team = config.teamRoles.filter((r) => v.team?.[r.code]?.trim()).map((r) => ({ role: r.code, name: v.team[r.code].trim() }));
    try {
      const r = await api<{ id: string }>('/api/keypersons', {
        method: 'POST',
        headers: { 'idempotency-key': key },
        body: { person: { name: v.name, ...(v.idNumber ? { idNumber: v.idNumber } : {}), ...(v.phone ? { phone: v.phone } : {}) }, categories: v.categories, tier: v.tier, divisionCode: v.divisionCode, ...(v.address ? { address: v.address } : {}), team },
      });
      onCreated(r.id);
    } catch (e) {
      problem(e, form);
    }
  };
  return (
    <Modal open title={t('重点人员建档', 'Open a file')} onCancel={onClose} onOk={submit} width={680}>
      <Form form={form} layout="vertical" initialValues={{ tier: 'yellow' }}>
        <Space wrap>
          <Form.Item name="name" label={t('姓名', 'Name')} rules={[{ required: true }]}><Input style={{ width: 120 }} /></Form.Item>
          <Form.Item name="idNumber" label={t('身份证号', 'ID number')}><Input style={{ width: 200 }} /></Form.Item>
          <Form.Item name="phone" label={t('联系电话', 'Phone')}><Input style={{ width: 140 }} /></Form.Item>
        </Space>
        <Form.Item name="categories" label={t('人员类别', 'Categories')} rules={[{ required: true }]}>
          <Select mode="multiple" options={config.categories.filter((c) => c.active).map((c) => ({ value: c.code, label: c.name }))} />
        </Form.Item>
        <Space wrap>
          <Form.Item name="tier" label={t('风险等级', 'Tier')} rules={[{ required: true }]}>
            <Select style={{ width: 200 }} options={config.tiers.filter((x) => x.active).map((x) => ({ value: x.code, label: `${x.name} · ${t(`每${x.visitDays}天走访`, `visit every ${x.visitDays} d`)}` }))} />
          </Form.Item>
          <Form.Item name="divisionCode" label={t('区划代码', 'Division')} rules={[{ required: true, pattern: /^\d{6,12}$/ }]}><Input style={{ width: 140 }} /></Form.Item>
        </Space>
        <Form.Item name="address" label={t('现住址', 'Address')}><Input /></Form.Item>
        <Typography.Text strong>{t('五包一责任人', 'Responsible team (5 for 1)')}</Typography.Text>
        <Space wrap>
          {config.teamRoles.filter((r) => r.active).map((r) => (
            <Form.Item key={r.code} name={['team', r.code]} label={r.name}><Input style={{ width: 120 }} /></Form.Item>
          ))}
        </Space>
      </Form>
    </Modal>
  );
}

function FileView({ id, config, onChanged }: { id: string; config: Config; onChanged: () => void }) {
  const { t, lang } = useI18n();
  const me = useMe().data;
  const qc = useQueryClient();
  const problem = useProblemToast();
  const [measure, setMeasure] = useState(false);
  const [tierChange, setTierChange] = useState(false);
  const file = useQuery({ queryKey: ['keyperson', id], queryFn: () => api<FileDetail>(`/api/keypersons/${id}`) });
  const f = file.data;
  if (!f) return null;
  const done = async () => {
    await qc.invalidateQueries({ queryKey: ['keyperson', id] });
    onChanged();
  };
  const tierName = (c: string) => config.tiers.find((x) => x.code === c)?.name ?? c;
  const pending = f.tierChanges.find((c) => c.status === 'pending');
  const mayDecide = pending && pending.requestedBy.userId !== me?.id && hasRole(me, 'leader', 'supervisor');
  const decide = async (approve: boolean) => {
    try {
      await api(`/api/keypersons/${id}/tier-change/decision`, { method: 'POST', headers: { 'idempotency-key': uuid() }, body: { approve, version: f.version } });
      await done();
    } catch (e) {
      problem(e);
    }
  };
  const labels = lang === 'en' ? ACTION_EN : ACTION;
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Descriptions size="small" bordered column={2}>
        <Descriptions.Item label={t('档案编号', 'File no.')}>{f.no}</Descriptions.Item>
        <Descriptions.Item label={t('姓名', 'Name')}>{f.person.name}</Descriptions.Item>
        <Descriptions.Item label={t('身份证号', 'ID number')}>{f.person.idNumber ?? '—'}</Descriptions.Item>
        <Descriptions.Item label={t('联系电话', 'Phone')}>{f.person.phone ?? '—'}</Descriptions.Item>
        <Descriptions.Item label={t('风险等级', 'Tier')}><Tag color={config.tiers.find((x) => x.code === f.tier)?.color}>{tierName(f.tier)}</Tag></Descriptions.Item>
        <Descriptions.Item label={t('人员类别', 'Categories')}>{f.categories.map((c) => config.categories.find((x) => x.code === c)?.name ?? c).join('、')}</Descriptions.Item>
        <Descriptions.Item label={t('区划 / 网格', 'Division / grid')}>{[f.divisionName, f.gridName].filter(Boolean).join(' / ')}</Descriptions.Item>
        <Descriptions.Item label={t('现住址', 'Address')}>{f.address ?? '—'}</Descriptions.Item>
        <Descriptions.Item label={t('责任单位', 'Unit')}>{f.unit?.name ?? '—'}</Descriptions.Item>
        <Descriptions.Item label={t('最近走访', 'Last visit')}>{f.lastVisitAt ? new Date(f.lastVisitAt).toLocaleString() : '—'}</Descriptions.Item>
        <Descriptions.Item label={t('走访倒计时', 'Next visit')} span={2}><span data-testid="visit-countdown"><Countdown clock={f.clock ?? undefined} /></span></Descriptions.Item>
      </Descriptions>
      <Card size="small" title={t('五包一责任人', 'Responsible team')}>
        <Space wrap>
          {f.team.map((m) => (
            <Tag key={m.role} color={m.userId ? 'blue' : undefined}>{config.teamRoles.find((r) => r.code === m.role)?.name ?? m.role}：{m.name}{m.phone ? ` ${m.phone}` : ''}</Tag>
          ))}
          {!f.team.length && <Typography.Text type="secondary">{t('未落实', 'none yet')}</Typography.Text>}
        </Space>
      </Card>
      {f.status === 'active' && (
        <Space wrap>
          <Button type="primary" onClick={() => setMeasure(true)}>{t('记录管控措施', 'Record a measure')}</Button>
          {!pending && <Button onClick={() => setTierChange(true)}>{t('申请调级', 'Request a tier change')}</Button>}
        </Space>
      )}
      {pending && (
        <Alert
          type="info"
          message={t(`待审批调级：${tierName(pending.fromTier)} → ${tierName(pending.toTier)}（${pending.requestedBy.name ?? ''}）理由：${pending.reason}`, `Pending tier change: ${pending.fromTier} → ${pending.toTier} (${pending.requestedBy.name ?? ''}), reason: ${pending.reason}`)}
          action={mayDecide ? <Space><Button size="small" type="primary" onClick={() => decide(true)}>{t('批准', 'Approve')}</Button><Button size="small" danger onClick={() => decide(false)}>{t('驳回', 'Reject')}</Button></Space> : undefined}
        />
      )}
      <Tabs
        items={[
          { key: 'timeline', label: t('管控记录', 'Timeline'), children: <EntityTimeline entries={[...f.timeline].reverse()} labels={labels} /> },
          {
            key: 'linked',
            label: `${t('一人一档', 'Linked records')} (${f.linked.length})`,
            children: (
              <Table size="small" rowKey={(r) => `${r.type}:${r.id}`} dataSource={f.linked} pagination={false}
                columns={[
                  { title: t('类型', 'Type'), render: (_v, r) => t(...LINK_TYPE[r.type]), width: 110 },
                  { title: t('编号', 'No.'), dataIndex: 'no', width: 150, render: (v: string, r) => (r.type === 'case' ? <a href={`/cases/${v}`}>{v}</a> : v) },
                  { title: t('内容', 'Summary'), dataIndex: 'title', ellipsis: true },
                  { title: t('状态', 'Status'), dataIndex: 'status', width: 100 },
                  { title: t('时间', 'Date'), render: (_v, r) => new Date(r.at).toLocaleDateString(), width: 110 },
                ]} />
            ),
          },
          {
            key: 'tiers',
            label: t('调级记录', 'Tier changes'),
            children: (
              <Table size="small" rowKey="id" dataSource={f.tierChanges} pagination={false}
                columns={[
                  { title: t('调整', 'Change'), render: (_v, r) => `${tierName(r.fromTier)} → ${tierName(r.toTier)}` },
                  { title: t('理由', 'Reason'), dataIndex: 'reason', ellipsis: true },
                  { title: t('状态', 'Status'), render: (_v, r) => ({ pending: t('待审批', 'pending'), approved: t('已批准', 'approved'), rejected: t('已驳回', 'rejected') })[r.status] ?? r.status, width: 90 },
                  { title: t('审批人', 'Decided by'), render: (_v, r) => r.decidedBy?.name ?? '—', width: 100 },
                ]} />
            ),
          },
        ]}
      />
      {measure && <MeasureForm id={id} onClose={() => setMeasure(false)} onDone={() => { setMeasure(false); done(); }} />}
      {tierChange && <TierChangeForm id={id} current={f.tier} config={config} onClose={() => setTierChange(false)} onDone={() => { setTierChange(false); done(); }} />}
    </Space>
  );
}

function MeasureForm({ id, onClose, onDone }: { id: string; onClose: () => void; onDone: () => void }) {
  const { t } = useI18n();
  const [form] = Form.useForm();
  const problem = useProblemToast();
  const [key] = useState(uuid);
  const submit = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return; // the form shows what is missing
    try {
      await api(`/api/keypersons/${id}/measures`, { method: 'POST', headers: { 'idempotency-key': key }, body: { kind: v.kind, note: v.note, ...(v.place ? { place: v.place } : {}), ...(v.at ? { at: v.at.toDate().toISOString() } : {}) } });
      onDone();
    } catch (e) {
      problem(e, form);
    }
  };
  return (
    <Modal open title={t('记录管控措施', 'Record a measure')} onCancel={onClose} onOk={submit}>
      <Form form={form} layout="vertical" initialValues={{ kind: 'visit' }}>
        <Form.Item name="kind" label={t('措施', 'Measure')} rules={[{ required: true }]}>
          <Select options={MEASURES.map(([value, zh, en]) => ({ value, label: t(zh, en) }))} />
        </Form.Item>
        <Form.Item name="note" label={t('情况记录', 'Notes')} rules={[{ required: true }]}><Input.TextArea rows={3} /></Form.Item>
        <Space wrap>
          <Form.Item name="place" label={t('地点', 'Place')}><Input style={{ width: 200 }} /></Form.Item>
          <Form.Item name="at" label={t('时间（默认现在）', 'When (default now)')}><DatePicker showTime /></Form.Item>
        </Space>
      </Form>
    </Modal>
  );
}

function TierChangeForm({ id, current, config, onClose, onDone }: { id: string; current: string; config: Config; onClose: () => void; onDone: () => void }) {
  const { t } = useI18n();
  const [form] = Form.useForm();
  const problem = useProblemToast();
  const [key] = useState(uuid);
  const submit = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return; // the form shows what is missing
    try {
      await api(`/api/keypersons/${id}/tier-change`, { method: 'POST', headers: { 'idempotency-key': key }, body: v });
      onDone();
    } catch (e) {
      problem(e, form);
    }
  };
  return (
    <Modal open title={t('申请调级', 'Request a tier change')} onCancel={onClose} onOk={submit}>
      <Typography.Paragraph type="secondary">{t('调级须说明理由，由上级政法委领导、督办员或管理员审批；批准后走访频次随新等级调整。', 'A higher political-legal leader, supervisor or admin decides; once approved, visits follow the new tier\'s frequency.')}</Typography.Paragraph>
      <Form form={form} layout="vertical">
        <Form.Item name="tier" label={t('调整为', 'New tier')} rules={[{ required: true }]}>
          <Select options={config.tiers.filter((x) => x.active && x.code !== current).map((x) => ({ value: x.code, label: x.name }))} />
        </Form.Item>
        <Form.Item name="reason" label={t('调级理由', 'Reason')} rules={[{ required: true, min: 2 }]}><Input.TextArea rows={3} /></Form.Item>
      </Form>
    </Modal>
  );
}
