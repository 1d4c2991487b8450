/**
 * 时限策略: which limits a case gets (by type, category branch, urgency,
 * channel; the most specific wins), edited in a form the server validates;
 * a calculator that shows the due time a limit gives on a calendar, and a
 * matcher that says which policy a case would get.
 */
import { useMemo, useState } from 'react';
import { Alert, Button, Card, Col, DatePicker, Form, Input, InputNumber, Row, Select, Space, Switch, Table, Tag, Tooltip, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { CalculatorOutlined, EditOutlined, PlusOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import dayjs, { type Dayjs } from 'dayjs';
import { api, withQuery } from '../../api/client.ts';
import { useMe } from '../../api/hooks.ts';
import { CASE_TYPES, CHANNELS, URGENCIES } from '../../api/types.ts';
import type { Json } from '../../../../src/platform/json.ts';
import type { Calendar, Policy } from '../../../../src/timelimits/types.ts';
import { CHANNEL_TEXT, TYPE_TEXT, URGENCY_TEXT, useI18n, useLabel } from '../../i18n.tsx';
import { errorText } from '../../lib/forms.ts';
import { EmptyState, ErrorState, Loading } from '../../components/States.tsx';
import { CategoryPicker, EditDrawer, PageHead, isAdmin, limitText, useCategoryPaths } from './rules-shared.tsx';

/** A time-limit policy and a calendar as the API answers them (the server's response schemas). */
export type PolicyRow = Json<Policy>;
export type CalendarRow = Json<Calendar>;

const LIMIT_RE = /^\d{1,5}(m|h|d)$/;
const LIMIT_FIELDS = ['dispatchLimit', 'acceptLimit', 'arriveLimit', 'replyLimit', 'verifyLimit', 'returnLimit', 'summonLimit', 'escalateAfter', 'maxExtension'] as const;
type LimitField = (typeof LIMIT_FIELDS)[number];

const LIMIT_LABELS: Record<LimitField, [string, string]> = {
  dispatchLimit: ['派单时限', 'Dispatch'],
  acceptLimit: ['签收时限', 'Accept'],
  arriveLimit: ['到场时限', 'Arrive on site'],
  replyLimit: ['办理时限', 'Reply'],
  verifyLimit: ['回访时限', 'Verify'],
  returnLimit: ['退单时限', 'Return'],
  summonLimit: ['吹哨报到时限', 'Summons report'],
  escalateAfter: ['超期多久升级督办', 'Escalate after overdue'],
  maxExtension: ['单次最长延期', 'Longest extension'],
};

export function usePolicies() {
  return useQuery<PolicyRow[]>({ queryKey: ['time-limit-policies'], queryFn: () => api('/api/time-limit-policies') });
}
export function useCalendars() {
  return useQuery<CalendarRow[]>({ queryKey: ['calendars'], queryFn: () => api('/api/calendars') });
}

type PolicyForm = Omit<PolicyRow, 'id' | 'yellowRatio'> & { yellowPercent: number };

export default function PoliciesAdmin() {
  const { t, lang } = useI18n();
  const label = useLabel();
  const me = useMe().data;
  const editable = isAdmin(me?.roles);
  const policies = usePolicies();
  const calendars = useCalendars();
  const catPath = useCategoryPaths();
  const [editing, setEditing] = useState<PolicyRow | 'new' | null>(null);
  const natural = (cal: string) => calendars.data?.find((c) => c.name === cal)?.mode === 'natural';

  const lim = (v: string | null, p: PolicyRow) => limitText(v, lang, natural(p.calendar));
  const columns: ColumnsType<PolicyRow> = [
    {
      title: t('策略', 'Policy'),
      dataIndex: 'name',
      fixed: 'left',
      width: 150,
      render: (v: string, p) => (
        <span>
          <Typography.Text strong>{v}</Typography.Text>
          {!p.active && (
            <Tag style={{ marginLeft: 6 }} color="default">
              {t('停用', 'Inactive')}
            </Tag>
          )}
        </span>
      ),
    },
    {
      title: t('适用于', 'Applies to'),
      key: 'match',
      width: 190,
      render: (_, p) => {
        const tags = [
          p.caseType && <Tag key="t" color="blue">{label(TYPE_TEXT, p.caseType)}</Tag>,
          p.categoryCode && (
            <Tooltip key="c" title={p.categoryCode}>
              <Tag color="purple">{catPath(p.categoryCode)}</Tag>
            </Tooltip>
          ),
          p.urgency && <Tag key="u" color={p.urgency === 'urgent' ? 'red' : 'default'}>{label(URGENCY_TEXT, p.urgency)}</Tag>,
          p.channel && <Tag key="ch" color="cyan">{label(CHANNEL_TEXT, p.channel)}</Tag>,
        ].filter(Boolean);
        return tags.length ? <Space size={[0, 4]} wrap>{tags}</Space> : <Typography.Text type="secondary">{t('所有工单（兜底）', 'Every case (fallback)')}</Typography.Text>;
      },
    },
    { title: t('日历', 'Calendar'), dataIndex: 'calendar', width: 80 },
    { title: t('派单', 'Dispatch'), key: 'd', width: 90, render: (_, p) => lim(p.dispatchLimit, p) },
    { title: t('签收', 'Accept'), key: 'a', width: 90, render: (_, p) => lim(p.acceptLimit, p) + (p.arriveLimit ? ` / ${t('到场', 'on site')} ${lim(p.arriveLimit, p)}` : '') },
    { title: t('办理答复', 'Reply'), key: 'r', width: 100, render: (_, p) => <Typography.Text strong>{lim(p.replyLimit, p)}</Typography.Text> },
    { title: t('回访', 'Verify'), key: 'v', width: 90, render: (_, p) => lim(p.verifyLimit, p) },
    { title: t('退单', 'Return'), key: 'ret', width: 90, render: (_, p) => lim(p.returnLimit, p) },
    { title: t('黄牌预警', 'Yellow at'), dataIndex: 'yellowRatio', width: 80, render: (v: number) => `${Math.round(v * 100)}%` },
    { title: t('超期升级', 'Escalate'), key: 'e', width: 90, render: (_, p) => lim(p.escalateAfter, p) },
    { title: t('延期', 'Extensions'), key: 'x', width: 110, render: (_, p) => `${p.maxExtensions} × ${lim(p.maxExtension, p)}` },
    ...(editable
      ? [
          {
            title: t('操作', 'Actions'),
            key: 'ops',
            fixed: 'right' as const,
            width: 80,
            render: (_: unknown, p: PolicyRow) => (
              <Button size="small" icon={<EditOutlined />} onClick={() => setEditing(p)} aria-label={t(`编辑 ${p.name}`, `Edit ${p.name}`)}>
                {t('编辑', 'Edit')}
              </Button>
            ),
          },
        ]
      : []),
  ];

  return (
    <div>
      <PageHead
        title={t('时限策略', 'Time-limit policies')}
        sub={t(
          '按工单类型、分类分支、紧急程度、渠道匹配，最具体者优先（分类层级最重）。时限写作 30m、2h（工作时间）或 5d（第 5 个工作日结束，0d 为当日）。',
          'Matched by case type, category branch, urgency and channel; the most specific wins (category depth first). Limits: 30m, 2h (working time) or 5d (end of the 5th working day; 0d = same day).',
        )}
        extra={
          editable && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')}>
              {t('新建策略', 'New policy')}
            </Button>
          )
        }
      />
      <Card size="small" className="section">
        {policies.isLoading ? (
          <Loading />
        ) : policies.isError ? (
          <ErrorState error={policies.error} onRetry={() => policies.refetch()} />
        ) : !policies.data?.length ? (
          <EmptyState description={t('还没有时限策略', 'No policies yet')} />
        ) : (
          <Table<PolicyRow> rowKey="id" size="small" columns={columns} dataSource={policies.data} pagination={false} scroll={{ x: 1250 }} />
        )}
      </Card>
      <Row gutter={16}>
        <Col span={14}>
          <DeadlineCalculator policies={policies.data ?? []} calendars={calendars.data ?? []} />
        </Col>
        <Col span={10}>
          <PolicyMatcher />
        </Col>
      </Row>
      <PolicyDrawer editing={editing} onClose={() => setEditing(null)} calendars={calendars.data ?? []} existing={policies.data ?? []} />
    </div>
  );
}

function PolicyDrawer({ editing, onClose, calendars, existing }: { editing: PolicyRow | 'new' | null; onClose(): void; calendars: CalendarRow[]; existing: PolicyRow[] }) {
  const { t, lang } = useI18n();
  const label = useLabel();
  const [form] = Form.useForm<PolicyForm>();
  const isNew = editing === 'new';

  function toBody(v: PolicyForm) {
    const { yellowPercent, ...rest } = v;
    const body: Record<string, unknown> = { ...rest, name: rest.name.trim(), yellowRatio: Math.round(yellowPercent) / 100 };
    for (const f of LIMIT_FIELDS) body[f] = typeof body[f] === 'string' && (body[f] as string).trim() ? (body[f] as string).trim() : null;
    for (const f of ['caseType', 'categoryCode', 'urgency', 'channel']) body[f] = body[f] || null;
    return body;
  }

  const limitRule = (required: boolean) => [
    ...(required ? [{ required: true, message: t('必填，如 5d', 'Required, e.g. 5d') }] : []),
    { pattern: LIMIT_RE, message: t('格式如 30m、2h、5d', 'Like 30m, 2h or 5d') },
  ];
  const cal = Form.useWatch('calendar', form);
  const natural = calendars.find((c) => c.name === cal)?.mode === 'natural';
  const limitItem = (f: LimitField, required = false) => (
    <Form.Item
      name={f}
      label={t(LIMIT_LABELS[f][0], LIMIT_LABELS[f][1])}
      rules={limitRule(required)}
      normalize={(v: string) => v.replace(/\s+/g, '').toLowerCase()}
      extra={<LimitHint field={f} natural={natural} lang={lang} form={form} />}
    >
      <Input placeholder={required ? '5d' : t('留空为不限', 'empty = none')} maxLength={8} style={{ width: 140 }} />
    </Form.Item>
  );

  return (
    <EditDrawer<PolicyRow, PolicyForm, { id: string; name: string }>
      editing={editing}
      onClose={onClose}
      form={form}
      name="policy"
      width={640}
      title={isNew ? t('新建时限策略', 'New policy') : t(`编辑策略「${(editing as PolicyRow | null)?.name ?? ''}」`, `Edit policy "${(editing as PolicyRow | null)?.name ?? ''}"`)}
      initialValues={(e) =>
        e === 'new' ? ({ calendar: 'default', yellowPercent: 80, maxExtensions: 2, active: true, replyLimit: '5d' } as Partial<PolicyForm>) : { ...e, yellowPercent: Math.round(e.yellowRatio * 100) }
      }
      path="/api/time-limit-policies"
      queryKey="time-limit-policies"
      toBody={toBody}
      savedText={(_saved, body) => t(`已保存策略「${body.name}」`, `Saved policy "${body.name}"`)}
      fieldAliases={{ yellowRatio: 'yellowPercent' }}
      requiredMark
    >
      <Form.Item
        name="name"
        label={t('策略名称', 'Name')}
        extra={isNew ? t('名称是策略的标识，保存后不能改名', 'The name identifies the policy and cannot be changed later') : undefined}
        rules={[
          { required: true, whitespace: true, message: t('请填写名称', 'Enter a name') },
          { max: 100 },
          {
            validator: (_r, v: string) =>
              isNew && existing.some((p) => p.name === v?.trim()) ? Promise.reject(new Error(t('已有同名策略，请直接编辑它', 'A policy of that name exists; edit it instead'))) : Promise.resolve(),
          },
        ]}
      >
        <Input disabled={!isNew} maxLength={100} />
      </Form.Item>
      <Typography.Text strong>{t('适用条件（留空为任意）', 'Applies to (empty = any)')}</Typography.Text>
      <Row gutter={12} style={{ marginTop: 8 }}>
        <Col span={12}>
          <Form.Item name="caseType" label={t('工单类型', 'Case type')}>
            <Select allowClear placeholder={t('任意', 'Any')} options={CASE_TYPES.map((v) => ({ value: v, label: label(TYPE_TEXT, v) }))} />
          </Form.Item>
        </Col>
        <Col span={12}>
          <Form.Item name="categoryCode" label={t('事项分类（含其下级）', 'Category branch')}>
            <CategoryPicker placeholder={t('任意', 'Any')} />
          </Form.Item>
        </Col>
        <Col span={12}>
          <Form.Item name="urgency" label={t('紧急程度', 'Urgency')}>
            <Select allowClear placeholder={t('任意', 'Any')} options={URGENCIES.map((v) => ({ value: v, label: label(URGENCY_TEXT, v) }))} />
          </Form.Item>
        </Col>
        <Col span={12}>
          <Form.Item name="channel" label={t('来源渠道', 'Channel')}>
            <Select allowClear placeholder={t('任意', 'Any')} options={CHANNELS.map((v) => ({ value: v, label: label(CHANNEL_TEXT, v) }))} />
          </Form.Item>
        </Col>
      </Row>
      <Form.Item name="calendar" label={t('工作日历', 'Calendar')} rules={[{ required: true, message: t('请选择日历', 'Choose a calendar') }]}>
        <Select
          options={calendars.map((c) => ({ value: c.name, label: `${c.name} — ${c.mode === 'natural' ? t('全天候（自然时间）', '24x7 (every minute)') : t('法定工作日', 'working days')}` }))}
        />
      </Form.Item>
      <Typography.Text strong>{t('时限', 'Limits')}</Typography.Text>
      <Row gutter={12} style={{ marginTop: 8 }}>
        <Col span={12}>{limitItem('dispatchLimit')}</Col>
        <Col span={12}>{limitItem('acceptLimit')}</Col>
        <Col span={12}>{limitItem('replyLimit', true)}</Col>
        <Col span={12}>{limitItem('arriveLimit')}</Col>
        <Col span={12}>{limitItem('verifyLimit')}</Col>
        <Col span={12}>{limitItem('returnLimit')}</Col>
        <Col span={12}>{limitItem('summonLimit')}</Col>
        <Col span={12}>{limitItem('escalateAfter')}</Col>
      </Row>
      <Typography.Text strong>{t('预警与延期', 'Warnings and extensions')}</Typography.Text>
      <Row gutter={12} style={{ marginTop: 8 }}>
        <Col span={12}>
          <Form.Item
            name="yellowPercent"
            label={t('用时达到多少亮黄牌', 'Yellow warning at')}
            rules={[{ required: true, message: t('请填写 1-99', 'Enter 1 to 99') }]}
            extra={t('超期亮红牌并自动催办', 'Overdue turns red and urges automatically')}
          >
            <InputNumber min={1} max={99} precision={0} addonAfter="%" style={{ width: 140 }} />
          </Form.Item>
        </Col>
        <Col span={12}>
          <Form.Item name="maxExtensions" label={t('最多延期次数', 'Most extensions')} rules={[{ required: true, message: t('请填写 0-10', 'Enter 0 to 10') }]}>
            <InputNumber min={0} max={10} precision={0} style={{ width: 140 }} />
          </Form.Item>
        </Col>
        <Col span={12}>{limitItem('maxExtension')}</Col>
        <Col span={12}>
          <Form.Item name="active" label={t('启用', 'Active')} valuePropName="checked">
            <Switch />
          </Form.Item>
        </Col>
      </Row>
    </EditDrawer>
  );
}

function LimitHint({ field, natural, lang, form }: { field: LimitField; natural: boolean; lang: 'zh' | 'en'; form: ReturnType<typeof Form.useForm<PolicyForm>>[0] }) {
  const v = Form.useWatch(field, form) as string | null | undefined;
  return v && LIMIT_RE.test(v) ? <span>{limitText(v, lang, natural)}</span> : null;
}

const CLOCK_FIELDS: { field: LimitField; zh: string; en: string }[] = [
  { field: 'dispatchLimit', zh: '派单', en: 'Dispatch' },
  { field: 'acceptLimit', zh: '签收', en: 'Accept' },
  { field: 'arriveLimit', zh: '到场', en: 'Arrive' },
  { field: 'replyLimit', zh: '办理答复', en: 'Reply' },
  { field: 'verifyLimit', zh: '回访', en: 'Verify' },
  { field: 'returnLimit', zh: '退单', en: 'Return' },
];

/** "Try it": start time + a policy's limit (or any limit) -> the due time on the calendar, computed by the server. */
function DeadlineCalculator({ policies, calendars }: { policies: PolicyRow[]; calendars: CalendarRow[] }) {
  const { t, lang } = useI18n();
  const [policyName, setPolicyName] = useState<string | undefined>();
  const [clock, setClock] = useState<LimitField>('replyLimit');
  const [custom, setCustom] = useState('');
  const [calendar, setCalendar] = useState<string | undefined>();
  const [from, setFrom] = useState<Dayjs | null>(() => dayjs().second(0).millisecond(0));
  const policy = policies.find((p) => p.name === policyName) ?? policies.find((p) => !p.caseType && !p.categoryCode && !p.urgency && !p.channel) ?? policies[0];
  const limit = custom.trim() || (policy ? (policy[clock] as string | null) : null);
  const cal = calendar ?? policy?.calendar ?? 'default';
  const validCustom = !custom.trim() || LIMIT_RE.test(custom.trim());
  const natural = calendars.find((c) => c.name === cal)?.mode === 'natural';

  const due = useQuery<{ dueAt: string }>({
    queryKey: ['deadline', cal, from?.toISOString(), limit],
    queryFn: ({ signal }) => api(withQuery(`/api/calendars/${encodeURIComponent(cal)}/deadline`, { from: from!.toISOString(), limit: limit! }), { signal }),
    enabled: !!from && !!limit && validCustom && LIMIT_RE.test(limit),
    placeholderData: (prev) => prev,
  });

  return (
    <Card
      size="small"
      title={
        <span>
          <CalculatorOutlined /> {t('期限计算器', 'Deadline calculator')}
        </span>
      }
      className="section"
    >
      <Form layout="vertical" component="div">
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item label={t('策略', 'Policy')} htmlFor="calc-policy">
              <Select id="calc-policy" value={policy?.name} onChange={(v) => { setPolicyName(v); setCalendar(undefined); }} options={policies.map((p) => ({ value: p.name, label: p.name }))} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item label={t('环节', 'Clock')} htmlFor="calc-clock">
              <Select
                id="calc-clock"
                value={clock}
                onChange={setClock}
                options={CLOCK_FIELDS.map((c) => ({
                  value: c.field,
                  label: `${t(c.zh, c.en)}：${policy?.[c.field] ? limitText(policy[c.field] as string, lang, natural) : t('未设', 'none')}`,
                }))}
              />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item
              label={t('或自定义时限', 'Or any limit')}
              htmlFor="calc-limit"
              validateStatus={validCustom ? undefined : 'error'}
              help={validCustom ? undefined : t('格式如 30m、2h、5d', 'Like 30m, 2h or 5d')}
            >
              <Input id="calc-limit" value={custom} onChange={(e) => setCustom(e.target.value.replace(/\s+/g, '').toLowerCase())} placeholder={limit ?? '5d'} allowClear maxLength={8} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item label={t('日历', 'Calendar')} htmlFor="calc-cal">
              <Select id="calc-cal" value={cal} onChange={setCalendar} options={calendars.map((c) => ({ value: c.name, label: c.name }))} />
            </Form.Item>
          </Col>
          <Col span={24}>
            <Form.Item label={t('开始时间（北京时间）', 'Start (Beijing time)')} htmlFor="calc-from">
              <DatePicker id="calc-from" showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" value={from} onChange={setFrom} allowClear={false} style={{ width: 220 }} />
            </Form.Item>
          </Col>
        </Row>
      </Form>
      {/* Busy while a new due time is on its way: the previous one stays on screen meanwhile. */}
      <div aria-live="polite" aria-busy={due.isFetching} data-testid="calc-result">
        {!limit ? (
          <Alert type="info" showIcon message={t('该策略没有设此环节的时限', 'The policy sets no limit for this clock')} />
        ) : due.isError ? (
          <Alert type="error" showIcon message={errorText(due.error)} />
        ) : due.data ? (
          <Alert
            type="success"
            showIcon
            message={
              <span>
                {t('到期时间', 'Due')}：<Typography.Text strong data-testid="calc-due">{dayjs(due.data.dueAt).format('YYYY-MM-DD HH:mm')}</Typography.Text>
                <Typography.Text type="secondary">
                  {' '}
                  （{dayjs(due.data.dueAt).format('dddd')}）
                </Typography.Text>
              </span>
            }
            description={t(
              `从 ${from?.format('YYYY-MM-DD HH:mm')} 起 ${limitText(limit, lang, natural)}，按「${cal}」日历${natural ? '（全天候）' : '（扣除节假日、按调休上班）'}`,
              `${limitText(limit, lang, natural)} from ${from?.format('YYYY-MM-DD HH:mm')} on calendar "${cal}"${natural ? ' (every minute counts)' : ' (holidays skipped, make-up days worked)'}`,
            )}
          />
        ) : due.isFetching ? (
          <Loading height={60} />
        ) : null}
      </div>
    </Card>
  );
}

/** Which policy a case with these keys gets (asked of the server, so it is the engine's own choice). */
function PolicyMatcher() {
  const { t, lang } = useI18n();
  const label = useLabel();
  const [keys, setKeys] = useState<{ type: string; categoryCode?: string | null; urgency: string; channel: string }>({ type: 'complaint', urgency: 'normal', channel: 'hotline' });
  const match = useQuery<{ policy: PolicyRow | null; matches: { name: string; score: number }[] }>({
    queryKey: ['time-limit-policies', 'match', keys],
    queryFn: ({ signal }) => api(withQuery('/api/time-limit-policies/match', { ...keys, categoryCode: keys.categoryCode ?? undefined }), { signal }),
    placeholderData: (prev) => prev,
  });
  const set = (k: string) => (v: unknown) => setKeys((o) => ({ ...o, [k]: v }));
  const policyNames = useMemo(() => match.data?.matches ?? [], [match.data]);
  return (
    <Card size="small" title={t('适用策略查询', 'Which policy applies')} className="section">
      <Form layout="vertical" component="div">
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item label={t('工单类型', 'Case type')} htmlFor="m-type">
              <Select id="m-type" value={keys.type} onChange={set('type')} options={CASE_TYPES.map((v) => ({ value: v, label: label(TYPE_TEXT, v) }))} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item label={t('紧急程度', 'Urgency')} htmlFor="m-urg">
              <Select id="m-urg" value={keys.urgency} onChange={set('urgency')} options={URGENCIES.map((v) => ({ value: v, label: label(URGENCY_TEXT, v) }))} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item label={t('分类', 'Category')} htmlFor="m-cat">
              <CategoryPicker id="m-cat" value={keys.categoryCode ?? null} onChange={set('categoryCode')} placeholder={t('任意', 'Any')} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item label={t('渠道', 'Channel')} htmlFor="m-ch">
              <Select id="m-ch" value={keys.channel} onChange={set('channel')} options={CHANNELS.map((v) => ({ value: v, label: label(CHANNEL_TEXT, v) }))} />
            </Form.Item>
          </Col>
        </Row>
      </Form>
      {match.isError ? (
        <Alert type="error" showIcon message={errorText(match.error)} />
      ) : match.data ? (
        match.data.policy ? (
          <div aria-live="polite">
            <Typography.Paragraph style={{ marginBottom: 4 }}>
              {t('适用', 'Gets')}：<Typography.Text strong>{match.data.policy.name}</Typography.Text>（{t('办理', 'reply')} {limitText(match.data.policy.replyLimit, lang)}）
            </Typography.Paragraph>
            {policyNames.length > 1 && (
              <Typography.Text type="secondary" style={{ fontSize: 13 }}>
                {t('也匹配（较不具体）：', 'Also matching (less specific): ')}
                {policyNames.slice(1).map((m) => m.name).join('、')}
              </Typography.Text>
            )}
          </div>
        ) : (
          <Alert type="warning" showIcon message={t('没有策略匹配：请补一个兜底策略', 'No policy matches: add a fallback policy')} />
        )
      ) : (
        <Loading height={60} />
      )}
    </Card>
  );
}
