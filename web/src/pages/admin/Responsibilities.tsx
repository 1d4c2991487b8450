/**
 * 职责清单 (权责清单 / 派单目录): which unit, at which level, leads or assists
 * on which matter in which area. Search, edit a rule, import/export Excel
 * through the server, and test a description: which unit would it go to, and why.
 */
import { useEffect, useRef, useState } from 'react';
import { Alert, App, Button, Card, Col, Descriptions, Form, Input, InputNumber, Modal, Radio, Row, Select, Space, Switch, Table, Tag, Tooltip, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { DownloadOutlined, EditOutlined, ExperimentOutlined, PlusOutlined, StopOutlined, UploadOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, withQuery } from '../../api/client.ts';
import type { Proposal } from '../../api/types.ts';
import { useMe } from '../../api/hooks.ts';
import { useI18n } from '../../i18n.tsx';
import { applyServerErrors, errorText } from '../../lib/forms.ts';
import { UnitSelect, UNIT_KIND_TEXT } from '../../components/UnitSelect.tsx';
import { EmptyState, ErrorState } from '../../components/States.tsx';
import { CategoryPicker, DivisionPicker, EditDrawer, PageHead, isAdmin } from './rules-shared.tsx';
import type { Json } from '../../../../src/platform/json.ts';
import type { RuleImportResult, RuleRow as ServerRuleRow } from '../../../../src/dispatch/responsibility/types.ts';

/** A rule as the API sends it: the server's type, dates as strings. */
export type RuleRow = Json<ServerRuleRow>;

/** What POST /api/dispatch/propose answers: the proposal, the category it used and how it was chosen, and the place found. */
type ProposeResult = Proposal & {
  category: { code: string; name: string; source: 'given' | 'classifier' | 'keywords'; note?: string };
  candidates: { code: string; name: string; probability?: number; matched?: string[] }[];
  grid: { name: string } | null;
  geocoded: { name: string } | null;
};

const LEVELS: [number, string, string][] = [
  [1, '省级', 'Province'],
  [2, '市级', 'City'],
  [3, '县(区)级', 'County'],
  [4, '乡镇(街道)级', 'Township'],
  [5, '村(社区)级', 'Village'],
];
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export default function ResponsibilitiesAdmin() {
  const { t, lang } = useI18n();
  const { message, modal } = App.useApp();
  const me = useMe().data;
  const editable = isAdmin(me?.roles);
  const qc = useQueryClient();
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const [role, setRole] = useState<string | undefined>();
  const [active, setActive] = useState<'true' | 'false' | undefined>('true');
  const [page, setPage] = useState(1);
  const [editing, setEditing] = useState<RuleRow | 'new' | null>(null);
  const [importOpen, setImportOpen] = useState(false);
  const PAGE = 20;

  const list = useQuery<{ total: number; items: RuleRow[] }>({
    queryKey: ['responsibilities', query, role, active, page],
    queryFn: ({ signal }) => api(withQuery('/api/responsibilities', { q: query || undefined, role, active, limit: PAGE, offset: (page - 1) * PAGE }), { signal }),
    placeholderData: (prev) => prev,
  });

  const deactivate = useMutation({
    mutationFn: (id: string) => api(`/api/responsibilities/${id}`, { method: 'DELETE' }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['responsibilities'] }),
  });

  const kindText = (k: string | null) => (k ? (UNIT_KIND_TEXT[k]?.[lang === 'zh' ? 0 : 1] ?? k) : '');
  const levelText = (l: number | null) => (l ? t(LEVELS[l - 1][1], LEVELS[l - 1][2]) : '');

  const columns: ColumnsType<RuleRow> = [
    { title: t('编号', 'No.'), dataIndex: 'no', width: 64, render: (n: number) => `#${n}` },
    {
      title: t('事项', 'Matter'),
      dataIndex: 'categoryName',
      width: 170,
      render: (n: string, r) => (
        <Tooltip title={r.categoryCode}>
          <span>{n}</span>
        </Tooltip>
      ),
    },
    { title: t('适用区域', 'Area'), key: 'area', width: 110, render: (_, r) => (r.divisionCode ? r.divisionName ?? r.divisionCode : <Typography.Text type="secondary">{t('全部', 'Everywhere')}</Typography.Text>) },
    {
      title: t('责任单位', 'Unit'),
      key: 'unit',
      width: 240,
      render: (_, r) =>
        r.unitId ? (
          <span>{r.unitName}</span>
        ) : (
          <span>
            {levelText(r.divisionLevel)}
            {kindText(r.unitKind)}
            {r.unitKeyword && (
              <Typography.Text type="secondary">
                {' '}
                {t('名称含', 'named')} {r.unitKeyword.split('|').join(' / ')}
              </Typography.Text>
            )}
          </span>
        ),
    },
    { title: t('主/协办', 'Role'), dataIndex: 'role', width: 80, render: (v: string) => (v === 'lead' ? <Tag color="blue">{t('主办', 'Lead')}</Tag> : <Tag>{t('协办', 'Assist')}</Tag>) },
    { title: t('依据/备注', 'Basis / note'), dataIndex: 'note', ellipsis: { showTitle: true }, width: 170, render: (v: string | null) => v ?? '' },
    { title: t('状态', 'Status'), dataIndex: 'active', width: 70, render: (v: boolean) => (v ? <Tag color="green">{t('启用', 'Active')}</Tag> : <Tag>{t('停用', 'Inactive')}</Tag>) },
    ...(editable
      ? [
          {
            title: t('操作', 'Actions'),
            key: 'ops',
            fixed: 'right' as const,
            width: 150,
            render: (_: unknown, r: RuleRow) => (
              <Space size={4}>
                <Button size="small" icon={<EditOutlined />} onClick={() => setEditing(r)} aria-label={t(`编辑规则 ${r.no}`, `Edit rule ${r.no}`)}>
                  {t('编辑', 'Edit')}
                </Button>
                {r.active && (
                  <Button
                    size="small"
                    danger
                    icon={<StopOutlined />}
                    aria-label={t(`停用规则 ${r.no}`, `Deactivate rule ${r.no}`)}
                    onClick={() =>
                      modal.confirm({
                        title: t(`停用规则 #${r.no}？`, `Deactivate rule #${r.no}?`),
                        content: t('停用后不再参与派单建议；编号保留，可重新启用。', 'It stops applying to proposals; the number is kept and it can be re-activated.'),
                        okText: t('停用', 'Deactivate'),
                        okButtonProps: { danger: true },
                        cancelText: t('取消', 'Cancel'),
                        onOk: () => deactivate.mutateAsync(r.id).then(() => message.success(t('已停用', 'Deactivated')), (err) => message.error(errorText(err))),
                      })
                    }
                  >
                    {t('停用', 'Off')}
                  </Button>
                )}
              </Space>
            ),
          },
        ]
      : []),
  ];

  return (
    <div>
      <PageHead
        title={t('职责清单', 'Responsibility list')}
        sub={t('小事不出村、大事不出乡镇：按事项和层级确定主办、协办单位。越具体的规则越优先（分类更细、区域更近、指定单位先于单位类型）。', 'Routing by matter and level: the most specific rule wins (deeper category, nearer area, an explicit unit before a kind).')}
        extra={
          <Space wrap>
            <Button icon={<DownloadOutlined />} href="/api/responsibilities/export?format=xlsx&headers=zh" download="responsibilities.xlsx">
              {t('导出 Excel', 'Export Excel')}
            </Button>
            {editable && (
              <>
                <Button icon={<UploadOutlined />} onClick={() => setImportOpen(true)}>
                  {t('导入 Excel', 'Import Excel')}
                </Button>
                <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')}>
                  {t('新增规则', 'New rule')}
                </Button>
              </>
            )}
          </Space>
        }
      />
      <TryText />
      <Card size="small" className="section">
        <Space wrap style={{ marginBottom: 12 }}>
          <Input.Search
            aria-label={t('搜索规则', 'Search rules')}
            placeholder={t('事项、单位、关键词、依据或编号', 'Matter, unit, keyword, basis or number')}
            allowClear
            value={q}
            onChange={(e) => setQ(e.target.value)}
            onSearch={(v) => {
              setQuery(v.trim());
              setPage(1);
            }}
            style={{ width: 320 }}
          />
          <Select
            aria-label={t('主/协办', 'Role')}
            allowClear
            placeholder={t('主办和协办', 'Lead and assist')}
            value={role}
            onChange={(v) => {
              setRole(v);
              setPage(1);
            }}
            style={{ width: 140 }}
            options={[
              { value: 'lead', label: t('主办', 'Lead') },
              { value: 'assist', label: t('协办', 'Assist') },
            ]}
          />
          <Radio.Group
            value={active ?? 'all'}
            onChange={(e) => {
              setActive(e.target.value === 'all' ? undefined : e.target.value);
              setPage(1);
            }}
            optionType="button"
            options={[
              { value: 'true', label: t('启用', 'Active') },
              { value: 'false', label: t('已停用', 'Inactive') },
              { value: 'all', label: t('全部', 'All') },
            ]}
          />
        </Space>
        {list.isError ? (
          <ErrorState error={list.error} onRetry={() => list.refetch()} />
        ) : (
          <Table<RuleRow>
            rowKey="id"
            size="small"
            loading={list.isFetching}
            columns={columns}
            scroll={{ x: 1100 }}
            dataSource={list.data?.items ?? []}
            locale={{ emptyText: <EmptyState description={query ? t(`没有与「${query}」相关的规则`, `No rule about "${query}"`) : t('清单为空', 'The list is empty')} /> }}
            pagination={{ current: page, pageSize: PAGE, total: list.data?.total ?? 0, onChange: setPage, showSizeChanger: false, showTotal: (n) => t(`共 ${n} 条`, `${n} rules`) }}
          />
        )}
      </Card>
      <RuleDrawer editing={editing} onClose={() => setEditing(null)} />
      <ImportModal open={importOpen} onClose={() => setImportOpen(false)} />
    </div>
  );
}

type RuleForm = {
  categoryCode: string;
  divisionCode?: string | null;
  target: 'unit' | 'kind';
  unitId?: string | null;
  divisionLevel?: number | null;
  unitKind?: string | null;
  unitKeyword?: string | null;
  role: 'lead' | 'assist';
  note?: string | null;
  active: boolean;
  no?: number | null;
};

function RuleDrawer({ editing, onClose }: { editing: RuleRow | 'new' | null; onClose(): void }) {
  const { t, lang } = useI18n();
  const [form] = Form.useForm<RuleForm>();
  const target = Form.useWatch('target', form);
  const isNew = editing === 'new';

  return (
    <EditDrawer<RuleRow, RuleForm, RuleRow>
      editing={editing}
      onClose={onClose}
      form={form}
      name="rule"
      width={560}
      title={isNew ? t('新增规则', 'New rule') : t(`编辑规则 #${(editing as RuleRow | null)?.no ?? ''}`, `Edit rule #${(editing as RuleRow | null)?.no ?? ''}`)}
      initialValues={(e) => (e === 'new' ? { target: 'kind', role: 'lead', active: true, divisionLevel: 3 } : { ...e, target: e.unitId ? 'unit' : 'kind' })}
      path="/api/responsibilities"
      queryKey="responsibilities"
      toBody={(v, e) => ({
        categoryCode: v.categoryCode,
        divisionCode: v.divisionCode || null,
        role: v.role,
        note: v.note?.trim() || null,
        active: v.active,
        ...(v.no ? { no: v.no } : {}),
        ...(v.target === 'unit'
          ? { unitId: v.unitId || null, unitKind: null, unitKeyword: null, divisionLevel: null }
          : { unitId: null, unitKind: v.unitKind || null, unitKeyword: v.unitKeyword?.trim() || null, divisionLevel: v.divisionLevel ?? null }),
        ...(e !== 'new' ? { id: e.id } : {}),
      })}
      savedText={(r) => t(`已保存规则 #${r.no}`, `Saved rule #${r.no}`)}
      fieldAliases={{ unitCode: 'unitId' }}
    >
      <Form.Item name="categoryCode" label={t('事项分类（含其下级）', 'Matter (category branch)')} rules={[{ required: true, message: t('请选择事项分类', 'Choose a category') }]}>
        <CategoryPicker allowClear={false} />
      </Form.Item>
      <Form.Item name="divisionCode" label={t('适用区域（含其下级；留空为全部）', 'Area (and everything in it; empty = everywhere)')}>
        <DivisionPicker />
      </Form.Item>
      <Form.Item name="target" label={t('责任单位', 'Responsible unit')}>
        <Radio.Group
          optionType="button"
          options={[
            { value: 'kind', label: t('按层级与单位类型', 'By level and kind') },
            { value: 'unit', label: t('指定单位', 'A named unit') },
          ]}
        />
      </Form.Item>
      {target === 'unit' ? (
        <Form.Item name="unitId" label={t('单位', 'Unit')} rules={[{ required: true, message: t('请选择单位', 'Choose a unit') }]}>
          <UnitSelect />
        </Form.Item>
      ) : (
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="divisionLevel" label={t('层级', 'Level')} extra={t('在工单所在区划链的哪一级找单位', 'Where on the case’s division chain')}>
              <Select allowClear placeholder={t('任意层级', 'Any level')} options={LEVELS.map(([v, zh, en]) => ({ value: v, label: t(zh, en) }))} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="unitKind" label={t('单位类型', 'Unit kind')}>
              <Select allowClear placeholder={t('任意类型', 'Any kind')} options={Object.entries(UNIT_KIND_TEXT).map(([v, p]) => ({ value: v, label: p[lang === 'zh' ? 0 : 1] }))} />
            </Form.Item>
          </Col>
          <Col span={24}>
            <Form.Item
              name="unitKeyword"
              label={t('单位名称关键词', 'Unit name keywords')}
              extra={t('多个用 | 分隔，如：城管|城市管理|综合行政执法', 'Separate with |, e.g. 城管|城市管理')}
              rules={[{ max: 200 }]}
            >
              <Input maxLength={200} />
            </Form.Item>
          </Col>
        </Row>
      )}
      <Form.Item name="role" label={t('主办或协办', 'Lead or assist')}>
        <Radio.Group
          options={[
            { value: 'lead', label: t('主办', 'Lead') },
            { value: 'assist', label: t('协办', 'Assist') },
          ]}
        />
      </Form.Item>
      <Form.Item name="note" label={t('依据 / 备注', 'Legal basis / note')} rules={[{ max: 2000 }]}>
        <Input.TextArea rows={3} maxLength={2000} placeholder={t('如：《城市道路照明设施管理规定》第X条；县权责清单第N项', 'e.g. the regulation and article; the county list item')} />
      </Form.Item>
      <Row gutter={12}>
        <Col span={12}>
          <Form.Item name="no" label={t('编号', 'Number')} extra={isNew ? t('留空自动编号', 'Empty: next number') : undefined}>
            <InputNumber min={1} precision={0} style={{ width: 140 }} />
          </Form.Item>
        </Col>
        <Col span={12}>
          <Form.Item name="active" label={t('启用', 'Active')} valuePropName="checked">
            <Switch />
          </Form.Item>
        </Col>
      </Row>
    </EditDrawer>
  );
}

/** "Test a text": POST /api/dispatch/propose with a description and a place. */
function TryText() {
  const { t } = useI18n();
  const [form] = Form.useForm<{ text: string; place: 'division' | 'address'; divisionCode?: string; address?: string }>();
  const [banner, setBanner] = useState<string[]>([]);
  const place = Form.useWatch('place', form);
  const run = useMutation({ mutationFn: (body: Record<string, unknown>) => api<ProposeResult>('/api/dispatch/propose', { method: 'POST', body }) });
  const r = run.data;

  async function submit(v: { text: string; place: 'division' | 'address'; divisionCode?: string; address?: string }) {
    setBanner([]);
    run.reset();
    try {
      await run.mutateAsync({ text: v.text, ...(v.place === 'address' ? { address: v.address } : { divisionCode: v.divisionCode }) });
    } catch (err) {
      setBanner(applyServerErrors(form, err));
    }
  }

  const sourceTag = (s: ProposeResult['category']['source']) =>
    s === 'classifier' ? <Tag color="purple">{t('智能分类', 'Classifier')}</Tag> : s === 'keywords' ? <Tag color="gold">{t('分类名称匹配', 'Name match')}</Tag> : <Tag>{t('指定', 'Given')}</Tag>;

  return (
    <Card
      size="small"
      className="section"
      title={
        <span>
          <ExperimentOutlined /> {t('试一试：这段描述会派给谁？', 'Try it: where would this description go?')}
        </span>
      }
    >
      <Row gutter={16}>
        <Col span={11}>
          <Form form={form} name="try" layout="vertical" onFinish={submit} initialValues={{ place: 'division' }}>
            <Form.Item name="text" label={t('群众诉求描述', 'Description')} rules={[{ required: true, whitespace: true, min: 2, message: t('请输入至少 2 个字', 'At least 2 characters') }]}>
              <Input.TextArea rows={3} maxLength={2000} placeholder={t('如：东茅岭路与建湘路交叉口路灯不亮三个晚上了', 'e.g. the street lamps at ... have been out for three nights')} />
            </Form.Item>
            <Form.Item name="place" label={t('位置', 'Place')} style={{ marginBottom: 8 }}>
              <Radio.Group
                optionType="button"
                size="small"
                options={[
                  { value: 'division', label: t('按区划', 'Division') },
                  { value: 'address', label: t('按地址', 'Address') },
                ]}
              />
            </Form.Item>
            {place === 'address' ? (
              <Form.Item name="address" rules={[{ required: true, message: t('请输入地址', 'Enter an address') }]} aria-label={t('地址', 'Address')}>
                <Input placeholder={t('如：岳阳楼区东茅岭路', 'e.g. 岳阳楼区东茅岭路')} maxLength={500} aria-label={t('地址', 'Address')} />
              </Form.Item>
            ) : (
              <Form.Item name="divisionCode" rules={[{ required: true, message: t('请选择区划', 'Choose a division') }]}>
                <DivisionPicker aria-label={t('区划', 'Division')} />
              </Form.Item>
            )}
            <Button type="primary" htmlType="submit" loading={run.isPending}>
              {t('测试', 'Test')}
            </Button>
          </Form>
        </Col>
        <Col span={13} aria-live="polite" data-testid="propose-result">
          {banner.length > 0 && <Alert type="error" showIcon message={banner.join('；')} />}
          {!r && !banner.length && (
            <Typography.Paragraph type="secondary" style={{ marginTop: 28 }}>
              {t('输入一段描述和位置，看清单会建议哪个单位主办、哪些协办，以及依据哪条规则。', 'Type a description and a place to see the lead and assisting units the list proposes, and the rule behind it.')}
            </Typography.Paragraph>
          )}
          {r && (
            <div>
              <Descriptions size="small" column={1} bordered>
                <Descriptions.Item label={t('事项', 'Matter')}>
                  {r.categoryName} {sourceTag(r.category.source)}
                  {r.category.source === 'keywords' && r.candidates[0]?.matched && (
                    <Typography.Text type="secondary">
                      {t('匹配词', 'matched')}：{r.candidates[0].matched.join('、')}
                    </Typography.Text>
                  )}
                  {r.category.source === 'classifier' && r.candidates[0]?.probability !== undefined && (
                    <Typography.Text type="secondary"> {Math.round(r.candidates[0].probability * 100)}%</Typography.Text>
                  )}
                </Descriptions.Item>
                <Descriptions.Item label={t('位置', 'Place')}>
                  {r.divisionName}
                  {r.grid && ` · ${r.grid.name}`}
                  {r.geocoded && <Typography.Text type="secondary"> （{t('地址匹配到', 'address matched')} {r.geocoded.name}）</Typography.Text>}
                </Descriptions.Item>
                <Descriptions.Item label={t('主办', 'Lead')}>
                  {r.lead ? (
                    <span data-testid="propose-lead">
                      <Typography.Text strong>{r.lead.unitName}</Typography.Text> <Tag>{t(`规则 #${r.lead.ruleNo}`, `rule #${r.lead.ruleNo}`)}</Tag>
                    </span>
                  ) : (
                    <Typography.Text type="danger">{r.ties.length ? t('规则冲突，需人工选择', 'Tie: a person must choose') : t('清单缺项：没有规则找到主办单位', 'Gap: no rule finds a lead unit')}</Typography.Text>
                  )}
                </Descriptions.Item>
                {r.assists.length > 0 && (
                  <Descriptions.Item label={t('协办', 'Assist')}>{r.assists.map((a) => `${a.unitName}（#${a.ruleNo}）`).join('、')}</Descriptions.Item>
                )}
                {r.ties.length > 0 && <Descriptions.Item label={t('冲突', 'Tie')}>{r.ties.map((a) => `${a.unitName}（#${a.ruleNo}）`).join('、')}</Descriptions.Item>}
              </Descriptions>
              <Typography.Paragraph type="secondary" style={{ fontSize: 12, marginTop: 8, marginBottom: 4 }}>
                {t('依据', 'Why')}：<code style={{ whiteSpace: 'pre-wrap' }}>{r.explanation}</code>
              </Typography.Paragraph>
              {r.category.note && <Typography.Paragraph type="secondary" style={{ fontSize: 12, marginBottom: 4 }}>{r.category.note}</Typography.Paragraph>}
              {r.candidates.length > 1 && (
                <Typography.Paragraph type="secondary" style={{ fontSize: 12, marginBottom: 0 }}>
                  {t('其他可能的事项', 'Other possible matters')}：{r.candidates.slice(1).map((c) => c.name).join('、')}
                </Typography.Paragraph>
              )}
            </div>
          )}
        </Col>
      </Row>
    </Card>
  );
}

/** What POST /api/responsibilities/import.xlsx answers (the server's response schema; the xlsx import always names the ignored columns). */
type ImportResult = RuleImportResult & { ignoredColumns: string[] };

/** Upload a workbook: check it first (dry run), then import; row errors name the sheet rows. */
function ImportModal({ open, onClose }: { open: boolean; onClose(): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [replace, setReplace] = useState(false);
  const [check, setCheck] = useState<ImportResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (open) {
      setFile(null);
      setCheck(null);
      setError(null);
      setReplace(false);
    }
  }, [open]);

  async function send(dryRun: boolean) {
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      const res = await fetch(withQuery('/api/responsibilities/import.xlsx', { dryRun: String(dryRun), replace: String(replace) }), {
        method: 'POST',
        headers: { 'content-type': XLSX, accept: 'application/json, application/problem+json' },
        body: file,
        credentials: 'same-origin',
      });
      const data = await res.json().catch(() => ({}));
      if (!res.ok) throw new ApiError(res.status, { status: res.status, ...data });
      if (dryRun) setCheck(data as ImportResult);
      else {
        const r = data as ImportResult;
        message.success(t(`已导入 ${r.count} 条：新增 ${r.created}，更新 ${r.updated}，停用 ${r.deactivated}`, `Imported ${r.count}: ${r.created} new, ${r.updated} changed, ${r.deactivated} deactivated`));
        qc.invalidateQueries({ queryKey: ['responsibilities'] });
        onClose();
      }
    } catch (err) {
      setError(err);
      setCheck(null);
    } finally {
      setBusy(false);
    }
  }

  const rowErrors = error instanceof ApiError ? error.fieldErrors : [];
  return (
    <Modal
      open={open}
      title={t('导入职责清单（Excel）', 'Import the responsibility list (Excel)')}
      onCancel={onClose}
      width={620}
      footer={
        <Space>
          <Button onClick={onClose}>{t('取消', 'Cancel')}</Button>
          <Button onClick={() => send(true)} disabled={!file} loading={busy && !check}>
            {t('校验', 'Check')}
          </Button>
          <Button type="primary" onClick={() => send(false)} disabled={!file || !check} loading={busy && !!check}>
            {t('导入', 'Import')}
          </Button>
        </Space>
      }
    >
      <Typography.Paragraph type="secondary" style={{ fontSize: 13 }}>
        {t(
          '用“导出 Excel”得到的表格修改后导入；表头可用中文（编号、分类代码、区划代码、层级、单位代码、单位类型、单位关键词、主协办、备注、启用）。全部校验通过才写入，按编号更新已有规则。',
          'Edit a workbook from "Export Excel" and import it; headers may be Chinese or English field names. Nothing is written unless every row is valid; rules are matched by number.',
        )}
      </Typography.Paragraph>
      <Space direction="vertical" style={{ width: '100%' }}>
        <Space>
          <input
            ref={input}
            type="file"
            accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            aria-label={t('选择 Excel 文件', 'Choose an Excel file')}
            onChange={(e) => {
              setFile(e.target.files?.[0] ?? null);
              setCheck(null);
              setError(null);
            }}
          />
        </Space>
        <label>
          <Switch size="small" checked={replace} onChange={(v) => { setReplace(v); setCheck(null); }} /> {t('以文件为准：停用文件中没有的规则（本人管辖范围内）', 'Replace: deactivate rules (in your jurisdiction) the file does not name')}
        </label>
        {check && (
          <Alert
            type="success"
            showIcon
            message={t(`校验通过：${check.count} 条，将新增 ${check.created}、更新 ${check.updated}、停用 ${check.deactivated}`, `Valid: ${check.count} rows; ${check.created} new, ${check.updated} changed, ${check.deactivated} deactivated`)}
            description={check.ignoredColumns.length ? t(`忽略的列：${check.ignoredColumns.join('、')}`, `Ignored columns: ${check.ignoredColumns.join(', ')}`) : undefined}
          />
        )}
        {error != null && (
          <Alert
            type="error"
            showIcon
            message={rowErrors.length ? t(`${rowErrors.length} 处错误，未导入任何内容`, `${rowErrors.length} errors; nothing was imported`) : errorText(error)}
            description={
              rowErrors.length ? (
                <ul style={{ margin: 0, paddingLeft: 18, maxHeight: 200, overflow: 'auto' }}>
                  {rowErrors.slice(0, 50).map((e, i) => {
                    const [row, ...field] = e.field.split('.');
                    return (
                      <li key={i}>
                        {/^\d+$/.test(row) ? t(`第 ${row} 行 ${field.join('.')}`, `row ${row} ${field.join('.')}`) : e.field}：{e.message}
                      </li>
                    );
                  })}
                </ul>
              ) : undefined
            }
          />
        )}
      </Space>
    </Modal>
  );
}
