/**
 * 工单工作台: queues by stage and by deadline warning, with counts, filters,
 * server-side sort (nearest deadline first in work queues), countdowns that
 * tick each minute, cursor paging ("load more"), row click to the case, bulk dispatch.
 */
import { useMemo, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { Alert, App, Badge, Button, Card, Checkbox, DatePicker, Form, Input, Modal, Select, Space, Table, Tabs, Tag, Tooltip, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { CheckCircleTwoTone, CloseCircleTwoTone, ReloadOutlined, SendOutlined } from '@ant-design/icons';
import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import dayjs, { type Dayjs } from 'dayjs';
import { api, withQuery } from '../api/client.ts';
import { DISPATCH_ROLES, hasRole, useMe } from '../api/hooks.ts';
import { CASE_TYPES, CHANNELS, STATUSES, URGENCIES, type CaseList, type CaseView, type ListSort, type Status } from '../api/types.ts';
import { CHANNEL_TEXT, STATUS_TEXT, TYPE_TEXT, URGENCY_TEXT, useI18n, useLabel } from '../i18n.tsx';
import { fmtTime, fromNow } from '../lib/format.ts';
import { errorText } from '../lib/forms.ts';
import { countText, defaultQueue, queueQuery, queuesFor, useQueueCounts } from '../lib/queues.ts';
import { Countdown } from '../components/Countdown.tsx';
import { StatusTag, UrgencyTag } from '../components/StatusTag.tsx';
import { CategoryCascader } from '../components/CategoryCascader.tsx';
import { UnitSelect } from '../components/UnitSelect.tsx';
import { EmptyState, ErrorState } from '../components/States.tsx';

const PAGE = 50;
const DISPATCHABLE: Status[] = ['registered', 'returned', 'dispatched'];

interface Filters {
  status?: Status[];
  type?: string[];
  channel?: string[];
  urgency?: string[];
  category?: string[];
  q?: string;
  range?: [Dayjs | null, Dayjs | null] | null;
  mine?: boolean;
}

export default function QueuesPage() {
  const { t, lang } = useI18n();
  const label = useLabel();
  const me = useMe().data!;
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const queues = queuesFor(me);
  const tab = queues.find((q) => q.key === params.get('tab'))?.key ?? defaultQueue(me);
  const queue = queues.find((q) => q.key === tab)!;
  const counts = useQueueCounts(me);
  const [filters, setFilters] = useState<Filters>({});
  const [form] = Form.useForm<Filters>();
  const [selected, setSelected] = useState<CaseView[]>([]);
  const [bulkOpen, setBulkOpen] = useState(false);
  const [sortBy, setSortBy] = useState<Record<string, ListSort>>({});
  const sort: ListSort = sortBy[tab] ?? queue.sort;
  const canDispatch = hasRole(me, ...DISPATCH_ROLES);

  const statuses = filters.status?.length ? filters.status : queue.statuses;
  const query = {
    ...queueQuery(queue),
    status: statuses,
    sort,
    type: filters.type,
    channel: filters.channel,
    urgency: filters.urgency,
    categoryCode: filters.category?.length ? filters.category[filters.category.length - 1] : undefined,
    q: filters.q?.trim() || undefined,
    createdFrom: filters.range?.[0]?.startOf('day').toISOString(),
    createdTo: filters.range?.[1]?.add(1, 'day').startOf('day').toISOString(),
    mine: filters.mine ? 'true' : undefined,
    limit: PAGE,
  };
  const list = useInfiniteQuery({
    queryKey: ['cases', 'queue', query],
    // The first page also counts the matches (the server caps the count).
    queryFn: ({ pageParam, signal }) =>
      api<CaseList>(withQuery('/api/cases', { ...query, cursor: pageParam ?? undefined, withTotal: pageParam ? undefined : true }), { signal }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const rows = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);
  const firstPage = list.data?.pages[0];
  const hasDeadline = rows.some((r) => r.deadline?.dueAt) || sort === 'due_asc';
  const setSort = (s: ListSort) => setSortBy((m) => ({ ...m, [tab]: s }));

  const columns: ColumnsType<CaseView> = [
    {
      title: t('工单编号', 'Number'),
      dataIndex: 'no',
      width: 160,
      render: (no: string, r) => (
        <Space size={4} direction="vertical">
          <Typography.Link
            strong
            href={`/cases/${encodeURIComponent(no)}`}
            onClick={(e) => {
              e.preventDefault();
              e.stopPropagation();
              navigate(`/cases/${encodeURIComponent(no)}`);
            }}
          >
            {no}
          </Typography.Link>
          {r.urgency === 'urgent' && <UrgencyTag urgency="urgent" />}
        </Space>
      ),
    },
    {
      title: t('标题', 'Title'),
      dataIndex: 'title',
      ellipsis: { showTitle: false },
      render: (title: string, r) => (
        <Tooltip title={r.description} placement="topLeft">
          <div className="cell-title">{title}</div>
          <div className="muted cell-sub">{r.location.address ?? r.location.gridName ?? r.location.divisionName ?? ''}</div>
        </Tooltip>
      ),
    },
    {
      title: t('类型 / 渠道', 'Type / channel'),
      dataIndex: 'type',
      width: 110,
      render: (v: string, r) => (
        <>
          <div>{label(TYPE_TEXT, v)}</div>
          <div className="muted cell-sub">{label(CHANNEL_TEXT, r.channel)}</div>
        </>
      ),
    },
    { title: t('分类', 'Category'), dataIndex: 'categoryName', width: 110, ellipsis: true, render: (v?: string) => v ?? <span className="muted">—</span> },
    { title: t('状态', 'Status'), dataIndex: 'status', width: 92, render: (v: Status) => <StatusTag status={v} /> },
    { title: t('主办单位', 'Lead unit'), dataIndex: 'leadUnitName', width: 140, ellipsis: true, render: (v?: string) => v ?? <span className="muted">—</span> },
    ...(hasDeadline
      ? [
          {
            title: t('时限', 'Deadline'),
            key: 'deadline',
            width: 140,
            sorter: true,
            sortOrder: sort === 'due_asc' ? ('ascend' as const) : null,
            sortDirections: ['ascend' as const],
            render: (_: unknown, r: CaseView) => (r.deadline?.dueAt ? <Countdown deadline={r.deadline} compact /> : <span className="muted">—</span>),
          },
        ]
      : []),
    {
      title: t('登记时间', 'Registered'),
      dataIndex: 'createdAt',
      width: 120,
      sorter: true,
      sortOrder: sort === 'created_desc' ? 'descend' : sort === 'created_asc' ? 'ascend' : null,
      sortDirections: ['descend', 'ascend'],
      render: (v: string) => (
        <Tooltip title={fmtTime(v)}>
          <span>{fmtTime(v).slice(5)}</span>
          <div className="muted cell-sub">{fromNow(v)}</div>
        </Tooltip>
      ),
    },
  ];

  const countOf = (key: string) => {
    const c = counts[key];
    if (!c) return null;
    // White figures at 4.5:1 or more on each (e2e/a11y.e2e.test.ts).
    const color = !c.n ? '#6e6e6e' : key === 'overdue' ? '#cf1322' : key === 'soon' ? '#995c00' : '#1d5bd8';
    return <Badge count={countText(c)} showZero overflowCount={Number.MAX_SAFE_INTEGER} color={color} style={{ marginInlineStart: 6 }} data-count={c.n} />;
  };

  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <div className="page queues-page">
      <div className="page-head">
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('工单工作台', 'Work queues')}
        </Typography.Title>
      </div>
      <Card styles={{ body: { paddingTop: 0 } }}>
        <Tabs
          activeKey={tab}
          onChange={(k) => {
            setParams({ tab: k });
            setSelected([]);
          }}
          items={queues.map((q) => ({
            key: q.key,
            label: (
              <span>
                {t(q.zh, q.en)}
                {q.key !== 'all' && countOf(q.key)}
              </span>
            ),
          }))}
        />
        <Form<Filters>
          form={form}
          layout="inline"
          className="filters"
          onFinish={(v) => setFilters(v)}
          onValuesChange={(changed, all) => {
            // Everything but the free text applies at once; the text on Enter.
            if (!('q' in changed)) setFilters(all);
          }}
          aria-label={t('筛选', 'Filters')}
        >
          <Form.Item name="q" label={t('搜索', 'Search')}>
            <Input.Search allowClear placeholder={t('编号、标题、描述、地址', 'Number, title, text, address')} onSearch={() => form.submit()} style={{ width: 240 }} />
          </Form.Item>
          <Form.Item name="status" label={t('状态', 'Status')}>
            <Select
              mode="multiple"
              allowClear
              maxTagCount="responsive"
              style={{ width: 180 }}
              placeholder={t('本队列全部', 'All in queue')}
              options={(queue.statuses.length ? queue.statuses : [...STATUSES]).map((s) => ({ value: s, label: label(STATUS_TEXT, s) }))}
            />
          </Form.Item>
          <Form.Item name="type" label={t('类型', 'Type')}>
            <Select mode="multiple" allowClear maxTagCount="responsive" style={{ width: 150 }} options={CASE_TYPES.map((s) => ({ value: s, label: label(TYPE_TEXT, s) }))} />
          </Form.Item>
          <Form.Item name="channel" label={t('渠道', 'Channel')}>
            <Select mode="multiple" allowClear maxTagCount="responsive" style={{ width: 150 }} options={CHANNELS.map((s) => ({ value: s, label: label(CHANNEL_TEXT, s) }))} />
          </Form.Item>
          <Form.Item name="urgency" label={t('紧急', 'Urgency')}>
            <Select mode="multiple" allowClear style={{ width: 130 }} options={URGENCIES.map((s) => ({ value: s, label: label(URGENCY_TEXT, s) }))} />
          </Form.Item>
          <Form.Item name="category" label={t('分类', 'Category')}>
            <CategoryCascader style={{ width: 200 }} />
          </Form.Item>
          <Form.Item name="range" label={t('登记日期', 'Registered')}>
            <DatePicker.RangePicker allowEmpty={[true, true]} style={{ width: 240 }} disabledDate={(d) => d.isAfter(dayjs().endOf('day'))} />
          </Form.Item>
          <Form.Item label={t('排序', 'Sort')}>
            <Select<ListSort>
              value={sort}
              onChange={setSort}
              style={{ width: 150 }}
              aria-label={t('排序', 'Sort')}
              options={[
                { value: 'due_asc', label: t('时限最近优先', 'Deadline first') },
                { value: 'created_desc', label: t('最新登记', 'Newest') },
                { value: 'created_asc', label: t('最早登记', 'Oldest') },
                { value: 'updated_desc', label: t('最近更新', 'Recently changed') },
                { value: 'urgency', label: t('紧急优先', 'Urgent first') },
              ]}
            />
          </Form.Item>
          <Form.Item name="mine" valuePropName="checked">
            <Checkbox>{t('只看我经办的', 'Only mine')}</Checkbox>
          </Form.Item>
          <Form.Item>
            <Space>
              <Button
                onClick={() => {
                  form.resetFields();
                  setFilters({});
                }}
              >
                {t('重置', 'Reset')}
              </Button>
              <Tooltip title={t('刷新', 'Refresh')}>
                <Button icon={<ReloadOutlined />} onClick={() => list.refetch()} loading={list.isRefetching} aria-label={t('刷新', 'Refresh')} />
              </Tooltip>
            </Space>
          </Form.Item>
        </Form>
        {canDispatch && (
          <div className="bulk-bar" aria-live="polite">
            <Space>
              <span className="muted">{selected.length ? t(`已选 ${selected.length} 件`, `${selected.length} selected`) : t('勾选工单可批量派单', 'Select cases to dispatch them together')}</span>
              <Button type="primary" icon={<SendOutlined />} disabled={!selected.length} onClick={() => setBulkOpen(true)}>
                {t('批量派单', 'Dispatch selected')}
              </Button>
              {!!selected.length && <Button onClick={() => setSelected([])}>{t('取消选择', 'Clear selection')}</Button>}
            </Space>
          </div>
        )}
        {list.isError ? (
          <ErrorState error={list.error} onRetry={() => list.refetch()} />
        ) : (
          <>
            <Table<CaseView>
              rowKey="id"
              size="middle"
              columns={columns}
              dataSource={rows}
              loading={list.isPending}
              pagination={false}
              scroll={{ x: 1100 }}
              locale={{ emptyText: list.isPending ? ' ' : <EmptyState description={t('该队列暂无工单', 'No cases in this queue')} /> }}
              onChange={(_p, _f, sorter) => {
                const s = Array.isArray(sorter) ? sorter[0] : sorter;
                if (s?.columnKey === 'deadline') setSort(s?.order ? 'due_asc' : queue.sort);
                else if (s?.field === 'createdAt') setSort(s.order === 'ascend' ? 'created_asc' : s.order === 'descend' ? 'created_desc' : queue.sort);
              }}
              rowSelection={
                canDispatch
                  ? {
                      selectedRowKeys: selected.map((s) => s.id),
                      onChange: (_keys, recs) => setSelected(recs),
                      getCheckboxProps: (r) => ({ disabled: !DISPATCHABLE.includes(r.status), 'aria-label': `${t('选择', 'Select')} ${r.no}` }),
                    }
                  : undefined
              }
              onRow={(r) => ({
                onClick: (e) => {
                  if ((e.target as HTMLElement).closest('.ant-table-selection-column, a, button')) return;
                  navigate(`/cases/${encodeURIComponent(r.no)}`);
                },
                onKeyDown: (e) => {
                  if (e.key === 'Enter' && e.target === e.currentTarget) navigate(`/cases/${encodeURIComponent(r.no)}`);
                },
                tabIndex: 0,
                className: 'clickable-row',
              })}
            />
            <div className="load-more">
              {list.hasNextPage ? (
                <Button onClick={() => list.fetchNextPage()} loading={list.isFetchingNextPage}>
                  {t('加载更多', 'Load more')}
                </Button>
              ) : items.length ? (
                <span className="muted">{t(`共 ${items.length} 件，已全部加载`, `All ${items.length} loaded`)}</span>
              ) : null}
              {list.hasNextPage && firstPage?.total !== undefined && (
                <span className="muted" style={{ marginInlineStart: 12 }}>
                  {t(`已显示 ${items.length} / ${firstPage.totalCapped ? `${firstPage.total}+` : firstPage.total} 件`, `Showing ${items.length} of ${firstPage.totalCapped ? `${firstPage.total}+` : firstPage.total}`)}
                </span>
              )}
            </div>
          </>
        )}
      </Card>
      <BulkDispatch
        open={bulkOpen}
        cases={selected}
        onClose={(done) => {
          setBulkOpen(false);
          if (done) setSelected([]);
        }}
      />
    </div>
  );
}

interface RowResult {
  id: string;
  no: string;
  ok?: boolean;
  message?: string;
}

function BulkDispatch({ open, cases, onClose }: { open: boolean; cases: CaseView[]; onClose(done: boolean): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<{ leadUnitId: string; assistUnitIds?: string[]; comment?: string }>();
  const [results, setResults] = useState<RowResult[] | null>(null);
  const [running, setRunning] = useState(false);
  const lead = Form.useWatch('leadUnitId', form);

  async function run(v: { leadUnitId: string; assistUnitIds?: string[]; comment?: string }) {
    setRunning(true);
    const out: RowResult[] = cases.map((c) => ({ id: c.id, no: c.no }));
    setResults([...out]);
    // One after another: each is its own transaction with its own version check.
    for (let i = 0; i < cases.length; i++) {
      const c = cases[i];
      try {
        await api(`/api/cases/${c.id}/dispatch`, {
          body: { leadUnitId: v.leadUnitId, assistUnitIds: v.assistUnitIds ?? [], ...(v.comment ? { comment: v.comment } : {}), version: c.version },
        });
        out[i] = { ...out[i], ok: true };
      } catch (err) {
        out[i] = { ...out[i], ok: false, message: errorText(err) };
      }
      setResults([...out]);
    }
    setRunning(false);
    const ok = out.filter((r) => r.ok).length;
    if (ok === out.length) message.success(t(`已派单 ${ok} 件`, `${ok} dispatched`));
    else message.warning(t(`成功 ${ok} 件，失败 ${out.length - ok} 件`, `${ok} dispatched, ${out.length - ok} failed`));
    qc.invalidateQueries({ queryKey: ['cases'] });
    qc.invalidateQueries({ queryKey: ['queue-count'] });
  }

  const finished = !!results && !running;
  return (
    <Modal
      open={open}
      title={t(`批量派单（${cases.length} 件）`, `Dispatch ${cases.length} cases`)}
      onCancel={() => {
        if (running) return;
        const done = finished;
        setResults(null);
        form.resetFields();
        onClose(done);
      }}
      destroyOnHidden
      maskClosable={!running}
      footer={
        finished ? (
          <Button
            type="primary"
            onClick={() => {
              setResults(null);
              form.resetFields();
              onClose(true);
            }}
          >
            {t('完成', 'Done')}
          </Button>
        ) : (
          <Button type="primary" loading={running} onClick={() => form.submit()} icon={<SendOutlined />}>
            {t('派单', 'Dispatch')}
          </Button>
        )
      }
    >
      <Form form={form} layout="vertical" onFinish={run} disabled={running || finished}>
        <Form.Item name="leadUnitId" label={t('主办单位', 'Lead unit')} rules={[{ required: true, message: t('请选择主办单位', 'Choose the lead unit') }]}>
          <UnitSelect autoFocus />
        </Form.Item>
        <Form.Item name="assistUnitIds" label={t('协办单位', 'Assisting units')}>
          <UnitSelect mode="multiple" exclude={[lead]} />
        </Form.Item>
        <Form.Item name="comment" label={t('派单意见', 'Instructions')}>
          <Input.TextArea autoSize={{ minRows: 2, maxRows: 4 }} />
        </Form.Item>
      </Form>
      {results && (
        <ul className="bulk-results" aria-live="polite" aria-label={t('派单结果', 'Results')}>
          {results.map((r) => (
            <li key={r.id}>
              {r.ok === undefined ? (
                <span className="muted">…</span>
              ) : r.ok ? (
                <CheckCircleTwoTone twoToneColor="#52c41a" aria-label="ok" />
              ) : (
                <CloseCircleTwoTone twoToneColor="#cf1322" aria-label="failed" />
              )}{' '}
              <strong>{r.no}</strong> {r.ok ? t('已派单', 'dispatched') : r.message}
            </li>
          ))}
        </ul>
      )}
      {results && !running && results.some((r) => r.ok === false) && (
        <Alert type="warning" showIcon message={t('失败的工单仍保留在队列中，可打开详情查看原因。', 'Failed cases stay in the queue; open them to see why.')} />
      )}
    </Modal>
  );
}
