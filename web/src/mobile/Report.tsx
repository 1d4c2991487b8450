/**
 * 上报: an event with photos and the phone's position. The report is saved
 * on the device first and sent from there, so a dead zone, a lost answer or
 * a closed tab never loses it, and the Idempotency-Key it carries from the
 * start means it becomes exactly one case.
 */
import { useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { Alert, App, Button, Form, Input, Radio, Switch, Typography } from 'antd';
import { SendOutlined } from '@ant-design/icons';
import { api, uuid } from '../api/client.ts';
import { categoryPath } from '../api/hooks.ts';
import { CASE_TYPES, type Me } from '../api/types.ts';
import { TYPE_TEXT, useI18n, useLabel } from '../i18n.tsx';
import { CategoryCascader } from '../components/CategoryCascader.tsx';
import { readCache, writeCache } from './cache.ts';
import { GpsField, PhotoPicker, type Gps } from './fields.tsx';
import { useOutbox } from './outbox.tsx';
import { editEntry, formFieldOf, newEntry, titleOf, type CaseTypeValue, type OutboxEntry, type QueuedPhoto, type ReportDraft } from './queue.ts';
import { getEntry, listSent, putEntry } from './store.ts';
import { MHeader } from './ui.tsx';

interface Values {
  type: CaseTypeValue;
  category?: string[];
  urgent: boolean;
  title?: string;
  description: string;
  photos: QueuedPhoto[];
  gps: Gps | null;
  address?: string;
}

const EMPTY: Values = { type: 'report', urgent: false, description: '', photos: [], gps: null };
const DRAFT_KEY = 'report-draft';

type Outcome = { kind: 'sent'; no: string; replayed: boolean } | { kind: 'queued'; why: 'offline' | 'network' | 'auth' | 'busy' } | null;

interface Place {
  grid: { name: string } | null;
  divisions: { code: string; name: string; level: number }[];
  inside: boolean;
}

export default function ReportPage({ me }: { me: Me }) {
  const { t } = useI18n();
  const label = useLabel();
  const { message } = App.useApp();
  const outbox = useOutbox();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const [form] = Form.useForm<Values>();
  const [editing, setEditing] = useState<OutboxEntry | null>(null);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [banner, setBanner] = useState<string | null>(null);
  const [place, setPlace] = useState<Place | null>(null);
  const autoAddress = useRef<string | null>(null);
  const gps = Form.useWatch('gps', form);
  const editId = params.get('edit');

  // Restore what was being typed (text only) or load a queued report to edit.
  useEffect(() => {
    let stop = false;
    if (editId) {
      void getEntry(editId).then((e) => {
        if (stop) return;
        if (!e || e.userId !== me.id) {
          message.warning(t('该上报已不在待发送队列中', 'That report is no longer queued'));
          setParams({}, { replace: true });
          return;
        }
        setEditing(e);
        const d = e.draft;
        form.setFieldsValue({
          type: d.type,
          category: categoryPath(d.categoryCode),
          urgent: d.urgent,
          title: d.title,
          description: d.description,
          photos: e.photos,
          gps: d.lng != null && d.lat != null ? { lng: d.lng, lat: d.lat, accuracy: d.accuracy, at: e.createdAt } : null,
          address: d.address ?? undefined,
        });
        showErrors(e);
      });
    } else {
      setEditing(null);
      const saved = readCache<Partial<Values>>(DRAFT_KEY);
      form.setFieldsValue({ ...EMPTY, ...(saved?.data ?? {}), photos: [], gps: null });
    }
    return () => {
      stop = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [editId]);

  // Where the point lies (grid, community, street), and an address from it when none was typed.
  useEffect(() => {
    if (!gps || !outbox.online) {
      setPlace(null);
      return;
    }
    const ctrl = new AbortController();
    api<Place>(`/api/dispatch/locate?lng=${gps.lng}&lat=${gps.lat}`, { signal: ctrl.signal })
      .then((p) => {
        setPlace(p);
        // County, street and community, as Chinese addresses are written (no spaces); the grid is shown beside it.
        const text = p.divisions.filter((d) => d.level >= 3).map((d) => d.name).join('');
        const current = (form.getFieldValue('address') as string | undefined)?.trim() ?? '';
        if (text && (!current || current === autoAddress.current)) {
          autoAddress.current = text;
          form.setFieldValue('address', text);
        }
      })
      .catch(() => setPlace(null));
    return () => ctrl.abort();
  }, [gps, outbox.online, form]);

  function showErrors(e: OutboxEntry) {
    if (!e.error) return;
    const byField = new Map<string, string[]>();
    const rest: string[] = [];
    for (const fe of e.error.fields) {
      const f = formFieldOf(fe.field, e.photos);
      if (f) byField.set(f, [...(byField.get(f) ?? []), fe.message]);
      else rest.push(`${fe.field}: ${fe.message}`);
    }
    const name = (f: string) => (f === 'categoryCode' ? 'category' : f);
    form.setFields([...byField].map(([f, errors]) => ({ name: name(f) as keyof Values, errors })));
    setBanner(rest.length || !byField.size ? [e.error.message, ...rest].join('；') : null);
    const first = [...byField.keys()][0];
    if (first) setTimeout(() => form.scrollToField(name(first), { block: 'center' }), 50);
  }

  function rememberDraft() {
    const v = form.getFieldsValue(['type', 'category', 'urgent', 'title', 'description', 'address']);
    if (!editing) writeCache(DRAFT_KEY, v);
  }

  function reset() {
    form.resetFields();
    form.setFieldsValue({ ...EMPTY, photos: [], gps: null });
    writeCache(DRAFT_KEY, {});
    autoAddress.current = null;
    setEditing(null);
    setBanner(null);
    if (editId) setParams({}, { replace: true });
  }

  async function submit(v: Values) {
    setBusy(true);
    setBanner(null);
    setOutcome(null);
    const draft: ReportDraft = {
      type: v.type,
      categoryCode: v.category?.length ? v.category[v.category.length - 1] : null,
      urgent: !!v.urgent,
      title: v.title?.trim() ?? '',
      description: v.description.trim(),
      address: v.address?.trim() || null,
      lng: v.gps?.lng ?? null,
      lat: v.gps?.lat ?? null,
      accuracy: v.gps?.accuracy ?? null,
    };
    const now = Date.now();
    const entry = editing ? editEntry((await getEntry(editing.id)) ?? editing, draft, v.photos ?? [], now) : newEntry({ id: uuid(), key: uuid(), userId: me.id, now, draft, photos: v.photos ?? [] });
    try {
      await putEntry(entry);
    } catch (err) {
      setBusy(false);
      setBanner(t(`无法保存到本机（${(err as Error).message}），请检查浏览器存储空间后重试。`, `Could not save on this phone (${(err as Error).message}); free some storage and retry.`));
      return;
    }
    try {
      if (!navigator.onLine) {
        setOutcome({ kind: 'queued', why: 'offline' });
        reset();
        return;
      }
      const report = await outbox.sync({ onlyId: entry.id, force: true, wait: true }).catch(() => ({ results: null }));
      const r = report.results?.get(entry.id);
      if (r?.kind === 'sent') {
        setOutcome({ kind: 'sent', no: r.caseNo, replayed: r.replayed });
        reset();
      } else if (r?.kind === 'gone') {
        // Another tab sent it meanwhile.
        const rec = (await listSent()).find((s) => s.id === entry.id);
        setOutcome(rec ? { kind: 'sent', no: rec.caseNo, replayed: rec.replayed } : { kind: 'queued', why: 'busy' });
        reset();
      } else if (r?.kind === 'kept' && r.entry.state === 'invalid') {
        // Refused: the form stays as typed, the errors sit by their fields, and a resend edits this same entry.
        setEditing(r.entry);
        showErrors(r.entry);
      } else {
        setOutcome({ kind: 'queued', why: r?.kind === 'kept' && r.entry.state === 'auth' ? 'auth' : r ? 'network' : 'busy' });
        reset();
      }
    } finally {
      setBusy(false);
    }
  }

  const typeOptions = CASE_TYPES.filter((c) => c !== 'praise' && c !== 'consultation');
  return (
    <>
      <MHeader title={editing ? t('修改上报', 'Edit report') : t('事件上报', 'Report an event')} />
      <div className="m-page">
        {!outbox.online && (
          <Alert
            type="warning"
            showIcon
            className="m-block"
            message={t('当前离线', 'You are offline')}
            description={t('上报会保存在本机，恢复网络后自动发送，不会重复。', 'Reports are saved on this phone and sent once the connection returns, never twice.')}
          />
        )}
        {outcome?.kind === 'sent' && (
          <Alert
            type="success"
            showIcon
            closable
            onClose={() => setOutcome(null)}
            className="m-block"
            role="status"
            data-testid="report-sent"
            message={t(`已上报，工单号 ${outcome.no}`, `Reported: case ${outcome.no}`)}
            action={
              <Button size="small" onClick={() => navigate(`/m/cases/${encodeURIComponent(outcome.no)}`)}>
                {t('查看', 'Open')}
              </Button>
            }
          />
        )}
        {outcome?.kind === 'queued' && (
          <Alert
            type="info"
            showIcon
            closable
            onClose={() => setOutcome(null)}
            className="m-block"
            role="status"
            data-testid="report-queued"
            message={
              outcome.why === 'auth'
                ? t('已保存到待发送队列：登录已过期，重新登录后自动发送', 'Saved to the queue: your session ended; it is sent after you sign in again')
                : t('已保存到待发送队列，有网络时自动发送', 'Saved to the queue; it is sent when there is a connection')
            }
            action={
              <Link to="/m/me">
                <Button size="small">{t('查看队列', 'Queue')}</Button>
              </Link>
            }
          />
        )}
        {editing && (
          <Alert
            type="error"
            showIcon
            className="m-block"
            message={t('这条上报被服务器退回，请修改后重新提交', 'The server refused this report; fix it and send again')}
            description={banner ?? undefined}
            action={
              <Button size="small" onClick={reset}>
                {t('新上报', 'New report')}
              </Button>
            }
          />
        )}
        {!editing && banner && <Alert type="error" showIcon className="m-block" message={banner} role="alert" />}
        <Form<Values>
          form={form}
          layout="vertical"
          initialValues={EMPTY}
          onFinish={submit}
          onValuesChange={rememberDraft}
          disabled={busy}
          requiredMark={false}
          aria-label={t('事件上报', 'Report an event')}
          className="m-form"
          scrollToFirstError={{ block: 'center' }}
        >
          <Form.Item name="type" label={t('类型', 'Type')} rules={[{ required: true }]}>
            <Radio.Group optionType="button" buttonStyle="solid" className="m-types" options={typeOptions.map((c) => ({ value: c, label: label(TYPE_TEXT, c) }))} />
          </Form.Item>
          <Form.Item name="category" label={t('事项分类', 'Category')} extra={t('可输入关键字搜索，如"路灯"', 'Type to search, e.g. "street light"')}>
            <CategoryCascader size="large" expandTrigger="click" popupClassName="m-cascader" placement="bottomLeft" />
          </Form.Item>
          <Form.Item
            name="description"
            label={t('情况描述', 'What happened')}
            rules={[
              { required: true, whitespace: true, message: t('请描述现场情况', 'Describe what you see') },
              { min: 2, message: t('至少 2 个字', 'At least 2 characters') },
            ]}
            extra={t('可用输入法的语音按钮说话输入', "Use your keyboard's microphone to dictate")}
          >
            <Input.TextArea autoSize={{ minRows: 4, maxRows: 10 }} maxLength={2000} showCount enterKeyHint="done" placeholder={t('什么问题、在哪里、影响多大', 'What, where, how serious')} />
          </Form.Item>
          <Form.Item name="photos" label={t('现场照片', 'Photos')} valuePropName="value">
            <PhotoPicker />
          </Form.Item>
          <Form.Item name="gps" label={t('位置', 'Position')}>
            <GpsField auto={!editId} />
          </Form.Item>
          {place && (
            <div className="m-place muted" data-testid="place">
              {place.inside ? `${t('所在网格', 'Grid')}：${place.grid?.name ?? '—'}` : t('该位置不在已划分的网格内', 'This point lies in no mapped grid')}
            </div>
          )}
          <Form.Item name="address" label={t('地址', 'Address')} rules={[{ max: 300 }]}>
            <Input size="large" placeholder={t('定位后自动填写，可修改', 'Filled in from the position; editable')} autoComplete="street-address" />
          </Form.Item>
          <Form.Item name="title" label={t('标题（可选）', 'Title (optional)')} extra={t('不填则取描述的开头', 'Taken from the description when empty')}>
            <TitleInput form={form} />
          </Form.Item>
          <Form.Item name="urgent" label={t('紧急', 'Urgent')} valuePropName="checked">
            <Switch checkedChildren={t('紧急', 'Urgent')} unCheckedChildren={t('一般', 'Normal')} />
          </Form.Item>
          <Button type="primary" htmlType="submit" size="large" block loading={busy} icon={<SendOutlined />} className="m-submit">
            {outbox.online ? (editing ? t('重新提交', 'Send again') : t('提交上报', 'Send report')) : t('保存，有网时发送', 'Save, send when online')}
          </Button>
          {!editing && (
            <Button type="link" block onClick={reset} className="m-clear">
              {t('清空', 'Clear form')}
            </Button>
          )}
        </Form>
        <Typography.Paragraph type="secondary" className="m-foot">
          {t('上报人', 'Reporter')}：{me.displayName}
          {me.unit ? ` · ${me.unit.name}` : ''}
        </Typography.Paragraph>
      </div>
    </>
  );
}

function TitleInput({ value, onChange, form, id }: { value?: string; onChange?(v: string): void; form: ReturnType<typeof Form.useForm<Values>>[0]; id?: string }) {
  const description = Form.useWatch('description', form) ?? '';
  return <Input id={id} size="large" value={value} onChange={(e) => onChange?.(e.target.value)} maxLength={200} placeholder={titleOf({ title: '', description }) || undefined} />;
}
