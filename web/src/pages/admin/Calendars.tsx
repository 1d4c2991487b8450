/**
 * 节假日: a year of a working calendar, month by month, marking statutory
 * holidays (休) and make-up working days (调休上班, 班). Click a day to change
 * it; import a year's State Council schedule; every listed day shows its
 * source (the note kept with it).
 */
import { useMemo, useState } from 'react';
import { Alert, App, Button, Card, Col, Form, Input, Modal, Radio, Row, Select, Space, Table, Tag, Typography, Upload } from 'antd';
import { ImportOutlined, LeftOutlined, RightOutlined, UploadOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import dayjs from 'dayjs';
import { api, ApiError } from '../../api/client.ts';
import { useMe } from '../../api/hooks.ts';
import { useI18n } from '../../i18n.tsx';
import { applyServerErrors, errorText } from '../../lib/forms.ts';
import { EmptyState, ErrorState, Loading } from '../../components/States.tsx';
import { PageHead, isAdmin } from './rules-shared.tsx';
import { useCalendars } from './Policies.tsx';

interface DayRow {
  day: string;
  kind: 'off' | 'work';
  note: string | null;
}

const WEEK_ZH = ['一', '二', '三', '四', '五', '六', '日'];
const WEEK_EN = ['Mo', 'Tu', 'We', 'Th', 'Fr', 'Sa', 'Su'];
const COLORS = {
  off: { bg: '#fff1f0', border: '#ffa39e', fg: '#a8071a' },
  work: { bg: '#e6f4ff', border: '#91caff', fg: '#003eb3' },
  weekend: { bg: '#fafafa', border: '#f0f0f0', fg: '#8c8c8c' },
  plain: { bg: '#fff', border: '#f0f0f0', fg: '#262626' },
};

/** Whether a day is worked, given the listed days: listed 'off' / 'work' win, else Monday-Friday. */
function dayKind(d: dayjs.Dayjs, listed: Map<string, DayRow>): 'off' | 'work' | 'weekend' | 'plain' {
  const l = listed.get(d.format('YYYY-MM-DD'));
  if (l) return l.kind;
  return d.day() === 0 || d.day() === 6 ? 'weekend' : 'plain';
}

export default function CalendarsAdmin() {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const me = useMe().data;
  const editable = isAdmin(me?.roles);
  const qc = useQueryClient();
  const calendars = useCalendars();
  const working = (calendars.data ?? []).filter((c) => c.mode === 'working');
  const [name, setName] = useState<string | undefined>();
  const calName = name ?? working[0]?.name;
  const cal = calendars.data?.find((c) => c.name === calName);
  const [year, setYear] = useState(() => dayjs().year());
  const [day, setDay] = useState<string | null>(null);
  const [importing, setImporting] = useState(false);

  const days = useQuery<DayRow[]>({
    queryKey: ['calendar-days', calName, year],
    queryFn: ({ signal }) => api(`/api/calendars/${encodeURIComponent(calName!)}/days?year=${year}`, { signal }),
    enabled: !!calName,
  });
  const listed = useMemo(() => new Map((days.data ?? []).map((d) => [d.day, d])), [days.data]);
  const refresh = () => {
    qc.invalidateQueries({ queryKey: ['calendar-days', calName] });
    qc.invalidateQueries({ queryKey: ['calendars'] });
    // Deadlines shown elsewhere (the calculator) depend on the days.
    qc.invalidateQueries({ queryKey: ['deadline'] });
  };

  if (calendars.isLoading) return <Loading />;
  if (calendars.isError) return <ErrorState error={calendars.error} onRetry={() => calendars.refetch()} />;

  const offCount = (days.data ?? []).filter((d) => d.kind === 'off').length;
  const workCount = (days.data ?? []).filter((d) => d.kind === 'work').length;
  const sources = [...new Set((days.data ?? []).map((d) => d.note).filter(Boolean))] as string[];

  return (
    <div>
      <PageHead
        title={t('节假日与调休', 'Holidays and make-up days')}
        sub={t('未列出的日子按周一至周五上班、周六周日休息；法定假日与调休上班日逐日列出，时限按此计算。', 'Days not listed follow Monday-Friday work, weekends off; holidays and make-up working days are listed day by day, and deadlines count by them.')}
        extra={
          <Space wrap>
            <Select
              aria-label={t('日历', 'Calendar')}
              value={calName}
              onChange={setName}
              style={{ width: 180 }}
              options={(calendars.data ?? []).map((c) => ({ value: c.name, label: `${c.name}${c.mode === 'natural' ? t('（全天候）', ' (24x7)') : ''}`, disabled: c.mode === 'natural' }))}
            />
            <Space.Compact>
              <Button icon={<LeftOutlined />} aria-label={t('上一年', 'Previous year')} onClick={() => setYear((y) => y - 1)} />
              <Button style={{ width: 80 }} aria-live="polite">
                {year}
              </Button>
              <Button icon={<RightOutlined />} aria-label={t('下一年', 'Next year')} onClick={() => setYear((y) => y + 1)} />
            </Space.Compact>
            {editable && (
              <Button type="primary" icon={<ImportOutlined />} onClick={() => setImporting(true)} disabled={!calName}>
                {t('导入全年安排', 'Import a year')}
              </Button>
            )}
          </Space>
        }
      />
      {!working.length ? (
        <Card>
          <EmptyState description={t('没有工作日历；全天候日历不区分节假日', 'No working calendar; 24x7 calendars have no holidays')} />
        </Card>
      ) : (
        <Row gutter={16}>
          <Col span={16}>
            <Card
              size="small"
              title={
                <Space wrap>
                  <span>
                    {calName} · {year}
                  </span>
                  <Legend />
                </Space>
              }
              extra={cal?.description && <Typography.Text type="secondary" style={{ fontSize: 12 }}>{cal.description}</Typography.Text>}
            >
              {days.isLoading ? (
                <Loading />
              ) : days.isError ? (
                <ErrorState error={days.error} onRetry={() => days.refetch()} />
              ) : (
                <>
                  {!days.data?.length && (
                    <Alert
                      type="warning"
                      showIcon
                      style={{ marginBottom: 12 }}
                      message={t(`${year} 年还没有节假日安排：时限按普通周末计算。国务院通知发布后（通常在 11 月）请导入。`, `No schedule for ${year} yet: deadlines count plain weekends. Import it when the State Council publishes it (usually in November).`)}
                    />
                  )}
                  <div style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(205px, 1fr))', gap: 12 }}>
                    {Array.from({ length: 12 }, (_, m) => (
                      <Month key={m} year={year} month={m} listed={listed} lang={lang} onPick={setDay} />
                    ))}
                  </div>
                </>
              )}
            </Card>
          </Col>
          <Col span={8}>
            <Card size="small" title={t(`${year} 年列出的日子`, `Listed days of ${year}`)} className="section">
              <Space style={{ marginBottom: 8 }} wrap>
                <Tag color="red">{t(`休 ${offCount} 天`, `${offCount} off`)}</Tag>
                <Tag color="blue">{t(`班 ${workCount} 天`, `${workCount} make-up`)}</Tag>
              </Space>
              {sources.length > 0 && (
                <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
                  {t('来源', 'Source')}：{sources.join('；')}
                </Typography.Paragraph>
              )}
              <Table<DayRow>
                size="small"
                rowKey="day"
                dataSource={days.data ?? []}
                pagination={false}
                scroll={{ y: 460 }}
                locale={{ emptyText: <EmptyState description={t('没有列出的日子', 'No listed days')} /> }}
                onRow={(r) => ({ onClick: () => setDay(r.day), style: { cursor: 'pointer' } })}
                columns={[
                  { title: t('日期', 'Date'), dataIndex: 'day', width: 92, render: (d: string) => `${d.slice(5)} ${t('周', '')}${(lang === 'zh' ? WEEK_ZH : WEEK_EN)[(dayjs(d).day() + 6) % 7]}` },
                  { title: t('类型', 'Kind'), dataIndex: 'kind', width: 56, render: (k: string) => (k === 'off' ? <Tag color="red">{t('休', 'Off')}</Tag> : <Tag color="blue">{t('班', 'Work')}</Tag>) },
                  { title: t('来源/备注', 'Source / note'), dataIndex: 'note', ellipsis: { showTitle: true }, render: (n: string | null) => n ?? <Typography.Text type="secondary">—</Typography.Text> },
                ]}
              />
            </Card>
          </Col>
        </Row>
      )}
      {calName && <DayModal calendar={calName} day={day} row={day ? listed.get(day) : undefined} editable={editable} onClose={() => setDay(null)} onChanged={refresh} />}
      {calName && (
        <ImportModal
          open={importing}
          calendar={calName}
          onClose={() => setImporting(false)}
          onDone={(years) => {
            refresh();
            setImporting(false);
            if (years[0]) setYear(years[0]);
            message.success(t(`已导入 ${years.join('、')} 年安排`, `Imported ${years.join(', ')}`));
          }}
        />
      )}
    </div>
  );
}

function Legend() {
  const { t } = useI18n();
  const item = (c: { bg: string; border: string; fg: string }, text: string) => (
    <span style={{ display: 'inline-flex', alignItems: 'center', gap: 4, fontSize: 12, fontWeight: 'normal' }}>
      <span style={{ width: 14, height: 14, background: c.bg, border: `1px solid ${c.border}`, display: 'inline-block' }} />
      {text}
    </span>
  );
  return (
    <Space size={12}>
      {item(COLORS.off, t('休：法定假日', 'Off: holiday'))}
      {item(COLORS.work, t('班：调休上班', 'Work: make-up day'))}
      {item(COLORS.weekend, t('周末', 'Weekend'))}
    </Space>
  );
}

function Month({ year, month, listed, lang, onPick }: { year: number; month: number; listed: Map<string, DayRow>; lang: 'zh' | 'en'; onPick(d: string): void }) {
  const first = dayjs(new Date(year, month, 1));
  const lead = (first.day() + 6) % 7; // Monday first
  const n = first.daysInMonth();
  const cells: (dayjs.Dayjs | null)[] = [...Array(lead).fill(null), ...Array.from({ length: n }, (_, i) => first.date(i + 1))];
  while (cells.length % 7) cells.push(null);
  const week = lang === 'zh' ? WEEK_ZH : WEEK_EN;
  const kindText = { off: lang === 'zh' ? '法定假日' : 'holiday', work: lang === 'zh' ? '调休上班' : 'make-up working day', weekend: lang === 'zh' ? '周末' : 'weekend', plain: lang === 'zh' ? '工作日' : 'working day' };
  return (
    <div role="group" aria-label={first.format(lang === 'zh' ? 'YYYY年M月' : 'MMMM YYYY')}>
      <div style={{ fontWeight: 600, marginBottom: 4 }}>{lang === 'zh' ? `${month + 1} 月` : first.format('MMMM')}</div>
      <div style={{ display: 'grid', gridTemplateColumns: 'repeat(7, 1fr)', gap: 2, fontSize: 12 }}>
        {week.map((w, i) => (
          <div key={w} style={{ textAlign: 'center', color: i >= 5 ? '#8c8c8c' : '#595959' }} aria-hidden>
            {w}
          </div>
        ))}
        {cells.map((d, i) => {
          if (!d) return <div key={`x${i}`} />;
          const k = dayKind(d, listed);
          const c = COLORS[k];
          const iso = d.format('YYYY-MM-DD');
          const note = listed.get(iso)?.note;
          return (
            <button
              key={iso}
              type="button"
              data-day={iso}
              data-kind={k}
              onClick={() => onPick(iso)}
              aria-label={`${iso} ${kindText[k]}${note ? ` ${note}` : ''}`}
              title={`${iso} ${kindText[k]}${note ? `\n${note}` : ''}`}
              style={{
                position: 'relative',
                height: 26,
                padding: 0,
                border: `1px solid ${c.border}`,
                background: c.bg,
                color: c.fg,
                borderRadius: 3,
                cursor: 'pointer',
                fontSize: 12,
                fontWeight: k === 'off' || k === 'work' ? 600 : 400,
              }}
            >
              {d.date()}
              {(k === 'off' || k === 'work') && (
                <span style={{ position: 'absolute', top: -1, right: 1, fontSize: 9, lineHeight: '10px' }} aria-hidden>
                  {k === 'off' ? (lang === 'zh' ? '休' : 'H') : lang === 'zh' ? '班' : 'W'}
                </span>
              )}
            </button>
          );
        })}
      </div>
    </div>
  );
}

function DayModal({ calendar, day, row, editable, onClose, onChanged }: { calendar: string; day: string | null; row?: DayRow; editable: boolean; onClose(): void; onChanged(): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ kind: 'off' | 'work' | 'plain'; note: string }>();
  const [banner, setBanner] = useState<string[]>([]);
  const d = day ? dayjs(day) : null;
  const weekend = d ? d.day() === 0 || d.day() === 6 : false;
  const save = useMutation({
    mutationFn: async (v: { kind: 'off' | 'work' | 'plain'; note: string }) => {
      if (v.kind === 'plain') {
        if (row) await api(`/api/calendars/${encodeURIComponent(calendar)}/days/${day}`, { method: 'DELETE' });
        return;
      }
      await api(`/api/calendars/${encodeURIComponent(calendar)}/days`, { method: 'PUT', body: { days: [{ day, kind: v.kind, note: v.note.trim() || null }] } });
    },
  });

  async function submit(v: { kind: 'off' | 'work' | 'plain'; note: string }) {
    setBanner([]);
    try {
      await save.mutateAsync(v);
      message.success(t('已保存', 'Saved'));
      onChanged();
      onClose();
    } catch (err) {
      setBanner(applyServerErrors(form, err, { 'days.0.note': 'note', 'days.0.day': 'kind', day: 'kind' }));
    }
  }

  return (
    <Modal
      open={!!day}
      title={d ? `${d.format('YYYY-MM-DD')} ${t('周', '')}${WEEK_ZH[(d.day() + 6) % 7]}` : ''}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText={t('保存', 'Save')}
      cancelText={t('取消', 'Cancel')}
      okButtonProps={{ disabled: !editable }}
      confirmLoading={save.isPending}
      destroyOnHidden
    >
      {banner.length > 0 && <Alert type="error" showIcon style={{ marginBottom: 12 }} message={banner.join('；')} />}
      {row?.note && (
        <Typography.Paragraph type="secondary">
          {t('来源/备注', 'Source / note')}：{row.note}
        </Typography.Paragraph>
      )}
      <Form
        form={form}
        name="calendar_day"
        layout="vertical"
        onFinish={submit}
        disabled={!editable}
        initialValues={{ kind: row?.kind ?? 'plain', note: row?.note ?? '' }}
        key={`${day}-${row?.kind ?? 'plain'}`}
      >
        <Form.Item name="kind" label={t('这一天', 'This day is')}>
          <Radio.Group>
            <Space direction="vertical">
              <Radio value="plain">{weekend ? t('普通周末（休息）', 'A plain weekend day (off)') : t('普通工作日', 'A plain working day')}</Radio>
              <Radio value="off">{t('休：法定节假日 / 放假', 'Off: a holiday')}</Radio>
              <Radio value="work">{t('班：调休上班', 'Work: a make-up working day')}</Radio>
            </Space>
          </Radio.Group>
        </Form.Item>
        <Form.Item name="note" label={t('备注（如节日名称、依据）', 'Note (e.g. the festival, the notice)')} rules={[{ max: 200, message: t('最多 200 字', 'At most 200 characters') }]}>
          <Input maxLength={200} placeholder={t('如：春节；县政府通知', 'e.g. Spring Festival; county notice')} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

interface ImportForm {
  text: string;
  source: string;
  year?: number;
}

/** The pasted or uploaded schedule as the server's import body: { years: { "2027": { holidays, workdays } } }. */
function parseSchedule(text: string, year?: number): { years: Record<string, { holidays: string[]; workdays: string[] }> } {
  const doc = JSON.parse(text);
  if (doc && typeof doc === 'object' && doc.years && typeof doc.years === 'object') return { years: doc.years };
  if (doc && Array.isArray(doc.holidays)) {
    const y = year ?? Number(String(doc.holidays[0] ?? '').slice(0, 4));
    if (!y) throw new Error('year?');
    return { years: { [String(y)]: { holidays: doc.holidays, workdays: doc.workdays ?? [] } } };
  }
  if (doc && typeof doc === 'object' && Object.keys(doc).every((k) => /^\d{4}$/.test(k))) return { years: doc };
  throw new Error('shape');
}

function ImportModal({ open, calendar, onClose, onDone }: { open: boolean; calendar: string; onClose(): void; onDone(years: number[]): void }) {
  const { t } = useI18n();
  const [form] = Form.useForm<ImportForm>();
  const [banner, setBanner] = useState<string[]>([]);
  const text = Form.useWatch('text', form) ?? '';
  const year = Form.useWatch('year', form);
  const preview = useMemo(() => {
    if (!text.trim()) return null;
    try {
      const p = parseSchedule(text, year);
      return Object.entries(p.years).map(([y, v]) => ({ y, off: v.holidays?.length ?? 0, work: v.workdays?.length ?? 0 }));
    } catch {
      return 'bad' as const;
    }
  }, [text, year]);
  const run = useMutation({
    mutationFn: (body: unknown) => api<{ updated: number; years: number[] }>(`/api/calendars/${encodeURIComponent(calendar)}/import`, { method: 'POST', body }),
  });

  async function submit(v: ImportForm) {
    setBanner([]);
    let body;
    try {
      body = { ...parseSchedule(v.text, v.year), source: v.source?.trim() || undefined };
    } catch {
      form.setFields([{ name: 'text', errors: [t('不是可识别的 JSON：见下方格式说明', 'Not JSON in a known shape: see the format below')] }]);
      return;
    }
    try {
      const r = await run.mutateAsync(body);
      form.resetFields();
      onDone(r.years);
    } catch (err) {
      // years, years.2027, years.2027.holidays.3 ... all belong to the pasted text.
      const alias: Record<string, string> = {};
      if (err instanceof ApiError) for (const fe of err.fieldErrors) if (fe.field.startsWith('years')) alias[fe.field] = 'text';
      setBanner(applyServerErrors(form, err, alias));
    }
  }

  const onFile = async (file: File) => {
    try {
      form.setFieldValue('text', await file.text());
    } catch (err) {
      setBanner([errorText(err)]);
    }
    return false;
  };

  return (
    <Modal
      open={open}
      title={t(`导入节假日安排到「${calendar}」`, `Import a holiday schedule into "${calendar}"`)}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText={t('导入', 'Import')}
      cancelText={t('取消', 'Cancel')}
      confirmLoading={run.isPending}
      width={640}
      forceRender
    >
      <Alert
        type="info"
        showIcon
        style={{ marginBottom: 12 }}
        message={t('导入会整体替换所导入年份已列出的日子（含手工调整）。', 'An import replaces every listed day of the years it names (manual changes included).')}
      />
      {banner.length > 0 && <Alert type="error" showIcon style={{ marginBottom: 12 }} message={banner.join('；')} />}
      <Form form={form} name="calendar_import" layout="vertical" onFinish={submit}>
        <Form.Item
          name="source"
          label={t('来源', 'Source')}
          rules={[{ max: 200 }]}
          extra={t('记在每一天上，日历页显示', 'Kept with every day and shown on the calendar')}
        >
          <Input placeholder={t('如：国务院办公厅关于2027年部分节假日安排的通知', 'e.g. the State Council notice on the 2027 holidays')} maxLength={200} />
        </Form.Item>
        <Form.Item
          name="text"
          label={t('安排（JSON）', 'Schedule (JSON)')}
          rules={[{ required: true, message: t('请粘贴或选择文件', 'Paste it or choose a file') }]}
          extra={
            <span>
              {t('格式', 'Format')}：<code>{'{"2027": {"holidays": ["2027-01-01", ...], "workdays": ["2027-02-06", ...]}}'}</code>
              {t('，或随系统附带的 holidays-cn.json 格式（含 "years"）。', ', or the shipped holidays-cn.json shape (with "years").')}
            </span>
          }
        >
          <Input.TextArea rows={8} style={{ fontFamily: 'monospace', fontSize: 12 }} />
        </Form.Item>
        <Space align="start" wrap>
          <Upload accept=".json,application/json" showUploadList={false} beforeUpload={onFile}>
            <Button icon={<UploadOutlined />}>{t('从文件读取', 'Read a file')}</Button>
          </Upload>
          {preview === 'bad' ? (
            <Typography.Text type="warning">{t('尚不能识别', 'Not recognised yet')}</Typography.Text>
          ) : preview ? (
            <Typography.Text>
              {preview.map((p) => t(`${p.y} 年：休 ${p.off} 天，班 ${p.work} 天`, `${p.y}: ${p.off} off, ${p.work} make-up`)).join('；')}
            </Typography.Text>
          ) : null}
        </Space>
      </Form>
    </Modal>
  );
}
