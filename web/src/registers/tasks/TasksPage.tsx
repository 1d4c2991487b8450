/**
 * The target tasks workbench (目标任务清单): pick a list, see its summary by
 * status and by lead unit, the tasks with status tags and countdowns to the
 * deadline and the next review, import/export the ledger, and open a task
 * for its milestones, progress entries and timeline, with the forms the
 * caller may use (progress, status, milestones, edit).
 */
import { useEffect, useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert, Button, Card, Checkbox, Col, DatePicker, Descriptions, Drawer, Empty, Form, Input, InputNumber, List, Modal, Progress, Row, Select, Space, Statistic, Switch, Table, Tag, Typography, Upload, App as AntApp,
} from 'antd';
import { DownloadOutlined, PlusOutlined, UploadOutlined } from '@ant-design/icons';
import dayjs from 'dayjs';
import { api, ApiError, download, uuid, withQuery } from '../../api/client.ts';
import { hasRole, useMe, useUnits } from '../../api/hooks.ts';
import { useI18n } from '../../i18n.tsx';
import { Countdown, EntityTimeline, pct, useProblemToast, type Clock, type TimelineEntry } from '../kit/parts.tsx';

type Status = 'not_started' | 'on_schedule' | 'behind' | 'done' | 'done_continuing';
const STATUSES: Status[] = ['not_started', 'on_schedule', 'behind', 'done', 'done_continuing'];
const STATUS_TEXT: Record<Status, [string, string]> = {
  not_started: ['未启动', 'Not started'],
  on_schedule: ['按时推进', 'On schedule'],
  behind: ['滞后', 'Behind'],
  done: ['已完成', 'Done'],
  done_continuing: ['已完成并持续推进', 'Done, continuing'],
};
const STATUS_COLOR: Record<Status, string> = { not_started: 'default', on_schedule: 'blue', behind: 'red', done: 'green', done_continuing: 'cyan' };
const ACTION: Record<string, [string, string]> = {
  create: ['列入清单', 'Added'], import: ['台账导入', 'Imported'], import_update: ['台账更新', 'Updated by import'], update: ['修改任务', 'Edited'], status: ['状态变更', 'Status'],
  progress: ['进展填报', 'Progress'], milestones: ['节点更新', 'Milestones'], behind: ['自动标记滞后', 'Marked behind'], urge: ['自动催办', 'Urged'], supervise: ['超时督办', 'Escalated'],
};

interface TaskList { id: string; name: string; divisionCode: string; divisionName: string | null; reviewMonths: number; total: number; manage: boolean; description: string | null }
interface Milestone { id: string; name: string; dueDate: string; done: boolean; overdue: boolean }
interface Task {
  id: string; seq: string; name: string; list: { id: string; name: string }; leadUnit: { id: string; name: string | null }; coUnits: { id: string; name: string | null }[];
  deadline: string | null; deadlineText: string | null; status: Status; version: number; overdue: boolean; nextReviewAt: string | null; lastReviewAt: string | null;
  reviewsOnTime: number; reviewsMissed: number; milestones: Milestone[]; clocks: (Clock & { limitKey: string })[]; statuses: Status[]; canReport: boolean; canManage: boolean;
}
interface Detail extends Task { reviewMonths: number; progress: { id: string; at: string; note: string; evidenceUrl: string | null; onTime: boolean; actor: { name: string | null; unitName: string | null } }[]; timeline: TimelineEntry[] }
type ByStatus = Record<Status, number>;
interface Stats { total: number; byStatus: ByStatus; completed: number; completionRate: number | null; overdue: number; reviewsOnTime: number; reviewsMissed: number; onTimeReviewRate: number | null; byUnit: { unitId: string; unitName: string | null; total: number; byStatus: ByStatus; overdue: number }[] }

const MANAGERS = ['township', 'leader', 'supervisor'] as const;

function StatusTag({ s }: { s: Status }) {
  const { t } = useI18n();
  return <Tag color={STATUS_COLOR[s]}>{t(...STATUS_TEXT[s])}</Tag>;
}

export default function TasksPage() {
  const { t } = useI18n();
  const me = useMe().data;
  const qc = useQueryClient();
  const lists = useQuery({ queryKey: ['task-lists'], queryFn: () => api<{ items: TaskList[] }>('/api/task-lists') });
  const [listId, setListId] = useState<string | undefined>();
  const [status, setStatus] = useState<Status | undefined>();
  const [overdue, setOverdue] = useState(false);
  const [unit, setUnit] = useState<string | undefined>();
  const [q, setQ] = useState('');
  const [page, setPage] = useState(1);
  const [open, setOpen] = useState<string | null>(null);
  const [creatingList, setCreatingList] = useState(false);
  const [creatingTask, setCreatingTask] = useState(false);
  useEffect(() => {
    if (!listId && lists.data?.items.length) setListId(lists.data.items[0].id);
  }, [lists.data, listId]);
  const list = lists.data?.items.find((l) => l.id === listId);
  const filters = { list: listId, status, overdue: overdue ? 'true' : undefined, unit, q: q || undefined };
  const tasks = useQuery({
    enabled: !!listId,
    queryKey: ['tasks', filters, page],
    queryFn: () => api<{ items: Task[]; total: number }>(withQuery('/api/tasks', { ...filters, limit: 20, offset: (page - 1) * 20 })),
  });
  const stats = useQuery({ enabled: !!listId, queryKey: ['tasks-stats', listId], queryFn: () => api<Stats>(withQuery('/api/tasks/stats', { list: listId })) });
  const refresh = () => Promise.all([qc.invalidateQueries({ queryKey: ['tasks'] }), qc.invalidateQueries({ queryKey: ['tasks-stats'] }), qc.invalidateQueries({ queryKey: ['task-lists'] })]);
  const manager = hasRole(me, ...MANAGERS);
  const s = stats.data;
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>{t('目标任务清单', 'Target tasks')}</Typography.Title>
      <Space wrap>
        <Select
          aria-label={t('任务清单', 'Task list')}
          style={{ minWidth: 320 }}
          placeholder={t('选择任务清单', 'Choose a list')}
          loading={lists.isPending}
          value={listId}
          onChange={(v) => { setListId(v); setPage(1); setUnit(undefined); }}
          options={lists.data?.items.map((l) => ({ value: l.id, label: `${l.name}（${l.divisionName ?? l.divisionCode} · ${l.total}）` }))}
        />
        {manager && <Button icon={<PlusOutlined />} onClick={() => setCreatingList(true)}>{t('新建清单', 'New list')}</Button>}
        {list?.manage && <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreatingTask(true)}>{t('新增任务', 'New task')}</Button>}
      </Space>
      {lists.data && !lists.data.items.length && <Empty description={t('暂无任务清单，可导入台账新建', 'No lists yet; import a ledger to create one')} />}
      <LedgerButtons list={list} canImport={manager} onImported={(id) => { setListId(id); refresh(); }} />
      {list && (
        <Row gutter={[12, 12]}>
          <Col xs={24} xl={9}>
            <Card size="small" title={t('汇总', 'Summary')}>
              <Space size="large" wrap>
                <Statistic title={t('任务总数', 'Tasks')} value={s?.total ?? '—'} />
                <Statistic title={t('完成率', 'Completed')} value={pct(s?.completionRate)} />
                <Statistic title={t('逾期', 'Overdue')} value={s?.overdue ?? '—'} valueStyle={s?.overdue ? { color: '#cf1322' } : undefined} />
                <Statistic title={t('按期调度率', 'On-time reviews')} value={pct(s?.onTimeReviewRate)} />
              </Space>
              <div style={{ marginTop: 12 }}>
                {STATUSES.map((k) => (
                  <Row key={k} align="middle" gutter={8}>
                    <Col span={9}><StatusTag s={k} /></Col>
                    <Col span={11}><Progress percent={s?.total ? Math.round(((s.byStatus[k] ?? 0) / s.total) * 100) : 0} showInfo={false} size="small" strokeColor={k === 'behind' ? '#cf1322' : undefined} /></Col>
                    <Col span={4} style={{ textAlign: 'right' }}>{s?.byStatus[k] ?? 0}</Col>
                  </Row>
                ))}
              </div>
            </Card>
          </Col>
          <Col xs={24} xl={15}>
            <Card size="small" title={t('按牵头单位', 'By lead unit')}>
              <Table
                size="small"
                rowKey="unitId"
                pagination={false}
                scroll={{ y: 240 }}
                dataSource={s?.byUnit}
                onRow={(r) => ({ onClick: () => { setUnit(r.unitId); setPage(1); }, style: { cursor: 'pointer' } })}
                columns={[
                  { title: t('牵头单位', 'Lead unit'), dataIndex: 'unitName', ellipsis: true },
                  { title: t('合计', 'Total'), dataIndex: 'total', width: 60 },
                  ...STATUSES.map((k) => ({ title: t(...STATUS_TEXT[k]), width: 80, render: (_v: unknown, r: Stats['byUnit'][number]) => r.byStatus[k] || '' })),
                  { title: t('逾期', 'Overdue'), width: 60, render: (_v: unknown, r: Stats['byUnit'][number]) => (r.overdue ? <Typography.Text type="danger">{r.overdue}</Typography.Text> : '') },
                ]}
              />
            </Card>
          </Col>
        </Row>
      )}
      {list && (
        <Space wrap>
          <Select allowClear style={{ width: 180 }} placeholder={t('状态', 'Status')} value={status} onChange={(v) => { setStatus(v); setPage(1); }} options={STATUSES.map((k) => ({ value: k, label: t(...STATUS_TEXT[k]) }))} />
          <Select allowClear style={{ width: 220 }} placeholder={t('责任单位', 'Unit')} value={unit} onChange={(v) => { setUnit(v); setPage(1); }} options={s?.byUnit.map((u) => ({ value: u.unitId, label: u.unitName ?? u.unitId }))} />
          <Space><Switch checked={overdue} onChange={(v) => { setOverdue(v); setPage(1); }} />{t('只看逾期', 'Overdue only')}</Space>
          <Input.Search allowClear placeholder={t('搜索任务名称', 'Search tasks')} onSearch={(v) => { setQ(v); setPage(1); }} style={{ width: 240 }} />
        </Space>
      )}
      {list && (
        <Table<Task>
          rowKey="id"
          size="small"
          loading={tasks.isPending}
          dataSource={tasks.data?.items}
          pagination={{ current: page, pageSize: 20, total: tasks.data?.total, onChange: setPage, showSizeChanger: false }}
          onRow={(r) => ({ onClick: () => setOpen(r.id), style: { cursor: 'pointer' } })}
          columns={[
            { title: t('序号', 'No.'), dataIndex: 'seq', width: 60 },
            { title: t('任务名称', 'Task'), dataIndex: 'name', ellipsis: true },
            { title: t('牵头单位', 'Lead unit'), render: (_v, r) => r.leadUnit.name, width: 170, ellipsis: true },
            { title: t('状态', 'Status'), render: (_v, r) => <Space size={2}><StatusTag s={r.status} />{r.overdue && r.status !== 'behind' && <Tag color="red">{t('逾期', 'Overdue')}</Tag>}</Space>, width: 170 },
            { title: t('完成时限', 'Deadline'), render: (_v, r) => <Space direction="vertical" size={0}><span>{r.deadline ?? t('长期', 'Ongoing')}</span>{r.deadline && r.status !== 'done' && r.status !== 'done_continuing' && <Countdown clock={r.clocks.find((c) => c.clock === 'deadline')} />}</Space>, width: 170 },
            { title: t('下次调度', 'Next review'), render: (_v, r) => <Countdown clock={r.clocks.find((c) => c.clock === 'review')} />, width: 160 },
          ]}
        />
      )}
      {creatingList && <CreateList onClose={() => setCreatingList(false)} onCreated={(id) => { setCreatingList(false); refresh(); setListId(id); }} />}
      {creatingTask && list && <CreateTask list={list} onClose={() => setCreatingTask(false)} onCreated={(id) => { setCreatingTask(false); refresh(); setOpen(id); }} />}
      <Drawer open={!!open} width={760} onClose={() => setOpen(null)} title={t('目标任务', 'Target task')} destroyOnHidden>
        {open && <TaskDetail id={open} onChanged={refresh} />}
      </Drawer>
    </Space>
  );
}

/** Export the list, the template, and import a ledger into the chosen list (or a new one by name); every bad cell listed. */
function LedgerButtons({ list, canImport, onImported }: { list: TaskList | undefined; canImport: boolean; onImported: (listId: string) => void }) {
  const { t } = useI18n();
  const { message } = AntApp.useApp();
  const [errors, setErrors] = useState<{ field: string; message: string }[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [importing, setImporting] = useState<File | null>(null);
  const [name, setName] = useState('');
  const fail = (e: unknown) => message.error(e instanceof ApiError ? e.message : String(e));
  const send = async (file: File, listName: string) => {
    setBusy(true);
    setErrors(null);
    const fd = new FormData();
    fd.append('file', file, file.name);
    try {
      const r = await api<{ list: { id: string }; created: number; updated: number; unchanged: number }>(withQuery('/api/tasks/import', { list: listName }), { method: 'POST', body: fd });
      message.success(t(`新增 ${r.created}，更新 ${r.updated}，未变 ${r.unchanged}`, `${r.created} added, ${r.updated} updated, ${r.unchanged} unchanged`));
      setImporting(null);
      onImported(r.list.id);
    } catch (e) {
      if (e instanceof ApiError && e.problem.errors?.length) setErrors(e.problem.errors);
      else fail(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Space wrap>
        {list && <Button icon={<DownloadOutlined />} onClick={() => download(withQuery('/api/tasks/export', { list: list.id }), `${list.name}.xlsx`).catch(fail)}>{t('导出台账', 'Export ledger')}</Button>}
        <Button onClick={() => download('/api/tasks/template', 'tasks-template.xlsx').catch(fail)}>{t('下载模板', 'Template')}</Button>
        {canImport && (
          <Upload accept=".xlsx" showUploadList={false} customRequest={({ file }) => { setName(list?.name ?? ''); setImporting(file as File); }}>
            <Button icon={<UploadOutlined />} loading={busy}>{t('导入台账', 'Import ledger')}</Button>
          </Upload>
        )}
      </Space>
      <Modal open={!!importing} title={t('导入到清单', 'Import into list')} onCancel={() => setImporting(null)} okButtonProps={{ loading: busy, disabled: !name.trim() }} onOk={() => importing && send(importing, name.trim())}>
        <Typography.Paragraph type="secondary">{t('按“序号”更新同名清单中的任务；清单不存在时新建。重复导入不会产生重复任务。', 'Rows update the list\'s tasks by 序号; a new name creates a list. Importing again adds nothing twice.')}</Typography.Paragraph>
        <Input value={name} onChange={(e) => setName(e.target.value)} placeholder={t('清单名称', 'List name')} />
      </Modal>
      {errors && (
        <Alert
          type="error"
          closable
          onClose={() => setErrors(null)}
          message={t(`台账有 ${errors.length} 处错误，未导入任何数据`, `${errors.length} errors; nothing was imported`)}
          description={<ul style={{ maxHeight: 200, overflow: 'auto', margin: 0 }}>{errors.map((e, i) => <li key={i}>{e.field.replace(/^rows\.(\d+)\./, (_m, n) => `${t('第', 'row ')}${n}${t('行 ', ' ')}`)}: {e.message}</li>)}</ul>}
        />
      )}
    </Space>
  );
}

function CreateList({ onClose, onCreated }: { onClose: () => void; onCreated: (id: string) => void }) {
  const { t } = useI18n();
  const me = useMe().data;
  const [form] = Form.useForm();
  const problem = useProblemToast();
  const [key] = useState(uuid);
  const submit = async () => {
    const v = await form.validateFields();
    try {
      const r = await api<{ id: string }>('/api/task-lists', { method: 'POST', body: v, headers: { 'idempotency-key': key } });
      onCreated(r.id);
    } catch (e) {
      problem(e, form);
    }
  };
  return (
    <Modal open title={t('新建目标任务清单', 'New task list')} onCancel={onClose} onOk={submit}>
      <Form form={form} layout="vertical" initialValues={{ reviewMonths: 2, divisionCode: me?.scopeCodes?.find((c: string) => c !== '*') }}>
        <Form.Item name="name" label={t('清单名称', 'Name')} rules={[{ required: true }]}><Input placeholder="市域社会治理现代化试点 2026" /></Form.Item>
        <Form.Item name="divisionCode" label={t('所属区划代码', 'Division')} rules={[{ required: true, pattern: /^\d{2,12}$/ }]}><Input style={{ width: 160 }} /></Form.Item>
        <Form.Item name="reviewMonths" label={t('调度周期（月）', 'Review every (months)')}><InputNumber min={1} max={12} /></Form.Item>
        <Form.Item name="description" label={t('说明', 'Description')}><Input.TextArea rows={2} /></Form.Item>
      </Form>
    </Modal>
  );
}

function UnitSelect({ multiple, ...rest }: { multiple?: boolean; value?: string | string[]; onChange?: (v: string | string[]) => void }) {
  const units = useUnits();
  return <Select {...rest} mode={multiple ? 'multiple' : undefined} showSearch optionFilterProp="label" loading={units.isPending} options={units.data?.map((u) => ({ value: u.id, label: u.name }))} />;
}

function CreateTask({ list, onClose, onCreated }: { list: TaskList; onClose: () => void; onCreated: (id: string) => void }) {
  const { t } = useI18n();
  const [form] = Form.useForm();
  const problem = useProblemToast();
  const [key] = useState(uuid);
  const longTerm = Form.useWatch('longTerm', form);
  const submit = async () => {
    const v = await form.validateFields();
    try {
      const body = {
        list: list.id, name: v.name, leadUnitId: v.leadUnitId, coUnitIds: v.coUnitIds ?? [], seq: v.seq || undefined,
        deadline: v.longTerm ? null : v.deadline.format('YYYY-MM-DD'),
        milestones: (v.milestones ?? []).filter((m: { name?: string; due?: dayjs.Dayjs }) => m?.name && m.due).map((m: { name: string; due: dayjs.Dayjs }) => ({ name: m.name, dueDate: m.due.format('YYYY-MM-DD') })),
      };
      const r = await api<{ id: string }>('/api/tasks', { method: 'POST', body, headers: { 'idempotency-key': key } });
      onCreated(r.id);
    } catch (e) {
      problem(e, form);
    }
  };
  return (
    <Modal open title={t('新增目标任务', 'New task')} onCancel={onClose} onOk={submit} width={680}>
      <Form form={form} layout="vertical" initialValues={{ longTerm: false, milestones: [] }}>
        <Space wrap>
          <Form.Item name="seq" label={t('序号（可空）', 'No. (optional)')}><Input style={{ width: 100 }} /></Form.Item>
          <Form.Item name="longTerm" label={t('长期', 'Ongoing')} valuePropName="checked"><Switch /></Form.Item>
          {!longTerm && <Form.Item name="deadline" label={t('完成时限', 'Deadline')} rules={[{ required: true }]}><DatePicker /></Form.Item>}
        </Space>
        <Form.Item name="name" label={t('任务名称', 'Task')} rules={[{ required: true }]}><Input.TextArea rows={2} /></Form.Item>
        <Form.Item name="leadUnitId" label={t('牵头单位', 'Lead unit')} rules={[{ required: true }]}><UnitSelect /></Form.Item>
        <Form.Item name="coUnitIds" label={t('责任单位', 'Co-units')}><UnitSelect multiple /></Form.Item>
        <Form.List name="milestones">
          {(fields, { add, remove }) => (
            <>
              {fields.map((f) => (
                <Space key={f.key} wrap>
                  <Form.Item name={[f.name, 'name']} label={t('节点', 'Milestone')}><Input style={{ width: 280 }} /></Form.Item>
                  <Form.Item name={[f.name, 'due']} label={t('节点时间', 'Due')}><DatePicker /></Form.Item>
                  <Button onClick={() => remove(f.name)}>{t('删除', 'Remove')}</Button>
                </Space>
              ))}
              <Button onClick={() => add({})}>{t('添加节点', 'Add a milestone')}</Button>
            </>
          )}
        </Form.List>
      </Form>
    </Modal>
  );
}

function TaskDetail({ id, onChanged }: { id: string; onChanged: () => void }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const problem = useProblemToast();
  const [acting, setActing] = useState<'progress' | 'status' | 'edit' | null>(null);
  const [form] = Form.useForm();
  const [key, setKey] = useState(uuid);
  const d = useQuery({ queryKey: ['task', id], queryFn: () => api<Detail>(`/api/tasks/${id}`) });
  const toStatus = Form.useWatch('to', form);
  if (!d.data) return null;
  const x = d.data;
  const reload = async () => {
    await qc.invalidateQueries({ queryKey: ['task', id] });
    onChanged();
  };
  const submit = async () => {
    const v = await form.validateFields();
    try {
      if (acting === 'progress') await api(`/api/tasks/${id}/progress`, { method: 'POST', body: { note: v.note, evidenceUrl: v.evidenceUrl || undefined }, headers: { 'idempotency-key': key } });
      if (acting === 'status') await api(`/api/tasks/${id}/status`, { method: 'POST', body: { to: v.to, version: x.version, evidence: v.evidence || undefined, evidenceUrl: v.evidenceUrl || undefined }, headers: { 'idempotency-key': key } });
      if (acting === 'edit') await api(`/api/tasks/${id}`, { method: 'PATCH', body: { version: x.version, name: v.name, deadline: v.longTerm ? null : v.deadline?.format('YYYY-MM-DD'), comment: v.comment || undefined } });
      setActing(null);
      setKey(uuid());
      await reload();
    } catch (e) {
      problem(e, form);
    }
  };
  const setDone = async (m: Milestone, done: boolean) => {
    try {
      await api(`/api/tasks/${id}/milestones`, { method: 'PUT', body: { version: x.version, milestones: x.milestones.map((y) => ({ id: y.id, name: y.name, dueDate: y.dueDate, done: y.id === m.id ? done : y.done })) } });
      await reload();
    } catch (e) {
      problem(e);
    }
  };
  const canTick = x.canManage || x.statuses.length > 0;
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Descriptions size="small" column={2} bordered>
        <Descriptions.Item label={t('清单', 'List')} span={2}>{x.list.name} #{x.seq}</Descriptions.Item>
        <Descriptions.Item label={t('任务', 'Task')} span={2}>{x.name}</Descriptions.Item>
        <Descriptions.Item label={t('状态', 'Status')}><StatusTag s={x.status} />{x.overdue && <Tag color="red">{t('逾期', 'Overdue')}</Tag>}</Descriptions.Item>
        <Descriptions.Item label={t('完成时限', 'Deadline')}>{x.deadline ?? t('长期', 'Ongoing')} <Countdown clock={x.clocks.find((c) => c.clock === 'deadline')} /></Descriptions.Item>
        <Descriptions.Item label={t('牵头单位', 'Lead unit')}>{x.leadUnit.name}</Descriptions.Item>
        <Descriptions.Item label={t('责任单位', 'Co-units')}>{x.coUnits.map((u) => u.name).join('、') || '—'}</Descriptions.Item>
        <Descriptions.Item label={t('下次调度', 'Next review')}>
          {x.nextReviewAt ? dayjs(x.nextReviewAt).format('YYYY-MM-DD') : '—'} <Countdown clock={x.clocks.find((c) => c.clock === 'review')} />
        </Descriptions.Item>
        <Descriptions.Item label={t('调度', 'Reviews')}>{t(`每 ${x.reviewMonths} 个月；按期 ${x.reviewsOnTime}，逾期 ${x.reviewsMissed}`, `every ${x.reviewMonths} months; ${x.reviewsOnTime} on time, ${x.reviewsMissed} missed`)}</Descriptions.Item>
      </Descriptions>
      <Space wrap>
        {x.canReport && <Button type="primary" onClick={() => { form.resetFields(); setActing('progress'); }}>{t('填报进展', 'Report progress')}</Button>}
        {x.statuses.length > 0 && <Button onClick={() => { form.resetFields(); setActing('status'); }}>{t('变更状态', 'Change status')}</Button>}
        {x.canManage && <Button onClick={() => { form.setFieldsValue({ name: x.name, longTerm: !x.deadline, deadline: x.deadline ? dayjs(x.deadline) : undefined }); setActing('edit'); }}>{t('修改任务', 'Edit')}</Button>}
      </Space>
      <Typography.Title level={5}>{t('任务节点', 'Milestones')}</Typography.Title>
      {x.milestones.length ? (
        <List
          size="small"
          dataSource={x.milestones}
          renderItem={(m) => (
            <List.Item>
              <Checkbox checked={m.done} disabled={!canTick} onChange={(e) => setDone(m, e.target.checked)}>{m.name}</Checkbox>
              <Space>{m.dueDate}{m.overdue && <Tag color="red">{t('逾期', 'Overdue')}</Tag>}</Space>
            </List.Item>
          )}
        />
      ) : <Typography.Text type="secondary">{t('未设节点', 'No milestones')}</Typography.Text>}
      <Typography.Title level={5}>{t('进展与佐证', 'Progress and evidence')}</Typography.Title>
      {x.progress.length ? (
        <List
          size="small"
          dataSource={x.progress}
          renderItem={(g) => (
            <List.Item>
              <Space direction="vertical" size={0}>
                <span>{g.note}</span>
                <Typography.Text type="secondary">
                  {new Date(g.at).toLocaleString()} {g.actor.unitName ?? ''} {g.actor.name ?? ''} {g.onTime ? '' : t('（逾期填报）', '(late)')}
                  {g.evidenceUrl && <> · <a href={g.evidenceUrl} target="_blank" rel="noreferrer noopener">{t('佐证材料', 'Evidence')}</a></>}
                </Typography.Text>
              </Space>
            </List.Item>
          )}
        />
      ) : <Typography.Text type="secondary">{t('暂无进展', 'No progress yet')}</Typography.Text>}
      <Typography.Title level={5}>{t('过程记录', 'Timeline')}</Typography.Title>
      <EntityTimeline entries={x.timeline} labels={Object.fromEntries(Object.entries(ACTION).map(([k, v]) => [k, t(...v)]))} />
      <Modal open={!!acting} title={acting === 'progress' ? t('填报进展', 'Report progress') : acting === 'status' ? t('变更状态', 'Change status') : t('修改任务', 'Edit')} onCancel={() => setActing(null)} onOk={submit} destroyOnHidden>
        <Form form={form} layout="vertical" preserve={false}>
          {acting === 'progress' && (
            <>
              <Form.Item name="note" label={t('工作进展', 'Progress')} rules={[{ required: true }]}><Input.TextArea rows={4} /></Form.Item>
              <Form.Item name="evidenceUrl" label={t('佐证材料链接', 'Evidence link')} rules={[{ type: 'url' }]}><Input placeholder="https://" /></Form.Item>
            </>
          )}
          {acting === 'status' && (
            <>
              <Form.Item name="to" label={t('新状态', 'New status')} rules={[{ required: true }]}><Select options={x.statuses.map((k) => ({ value: k, label: t(...STATUS_TEXT[k]) }))} /></Form.Item>
              <Form.Item name="evidence" label={t('佐证说明', 'Evidence')} rules={[{ required: toStatus === 'done' || toStatus === 'done_continuing' }]}><Input.TextArea rows={3} /></Form.Item>
              <Form.Item name="evidenceUrl" label={t('佐证材料链接', 'Evidence link')} rules={[{ type: 'url' }]}><Input placeholder="https://" /></Form.Item>
            </>
          )}
          {acting === 'edit' && (
            <>
              <Form.Item name="name" label={t('任务名称', 'Task')} rules={[{ required: true }]}><Input.TextArea rows={2} /></Form.Item>
              <Space>
                <Form.Item name="longTerm" label={t('长期', 'Ongoing')} valuePropName="checked"><Switch /></Form.Item>
                <Form.Item name="deadline" label={t('完成时限', 'Deadline')}><DatePicker /></Form.Item>
              </Space>
              <Form.Item name="comment" label={t('调整说明', 'Reason')}><Input /></Form.Item>
            </>
          )}
        </Form>
      </Modal>
    </Space>
  );
}
