/**
 * 12345 受理: one screen for the whole call, keyboard first.
 * Tab walks the fields in speaking order; Alt+1..6 picks the type, Alt+U
 * toggles urgency, Alt+M opens the map, Alt+C / Alt+D take the first
 * suggested category / unit, Ctrl+Enter (or Enter in a one-line field)
 * registers. One Idempotency-Key per form: a double click or a retry after a
 * network error never makes a second case. The form is kept in
 * sessionStorage, so a failed submit or a reload loses nothing.
 */
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  Descriptions,
  Divider,
  Form,
  Input,
  Modal,
  Radio,
  Result,
  Row,
  Space,
  Switch,
  Tag,
  Tooltip,
  Typography,
  type FormInstance,
} from 'antd';
import { AimOutlined, CloseCircleOutlined, EnvironmentOutlined, PlusOutlined, SendOutlined } from '@ant-design/icons';
import { useQueryClient } from '@tanstack/react-query';
import { api, uuid } from '../api/client.ts';
import {
  CLOSE_DIRECTLY_ROLES,
  DISPATCH_ROLES,
  MERGE_ROLES,
  categoryPath,
  hasRole,
  suggestReady,
  useCategoryTree,
  useDivision,
  useGrids,
  useMe,
  useSuggestions,
} from '../api/hooks.ts';
import { CASE_TYPES, type CaseType, type CaseView, type DuplicateCandidate, type KbArticle, type SuggestInput } from '../api/types.ts';
import { TYPE_TEXT, URGENCY_TEXT, useI18n, useLabel } from '../i18n.tsx';
import { applyServerErrors, errorText } from '../lib/forms.ts';
import { CategoryCascader } from '../components/CategoryCascader.tsx';
import { UnitSelect } from '../components/UnitSelect.tsx';
import { StatusTag } from '../components/StatusTag.tsx';
import { Loading } from '../components/States.tsx';
import { SuggestPanel, topCategory, topUnit } from '../components/SuggestPanel.tsx';
import { titleFrom } from '../lib/format.ts';

const MapCanvas = lazy(() => import('../components/MapCanvas.tsx'));

export interface IntakeValues {
  reporter: { name?: string; phone?: string; confidential: boolean };
  type: CaseType;
  category?: string[];
  urgency: 'normal' | 'urgent';
  title?: string;
  description?: string;
  location: { address?: string; lng?: number | null; lat?: number | null };
  /** Dispatch right after registering (dispatching roles only). */
  leadUnitId?: string;
}

/** What happens right after the case is registered, in the same keystroke. */
type FollowUp =
  | { kind: 'dispatch'; leadUnitId: string }
  | { kind: 'merge'; into: DuplicateCandidate }
  | { kind: 'close'; reply: string; articleId: string };

const EMPTY: IntakeValues = { reporter: { confidential: false }, type: 'help', urgency: 'normal', location: {} };
export const DRAFT_KEY = 'zhili.intake.draft';
const PHONE_RE = /^(1\d{10}|0\d{2,3}-?\d{7,8}|\d{3,8})$/;
/** Wait this long after the last keystroke before asking for suggestions. */
export const SUGGEST_DEBOUNCE_MS = 600;

function loadDraft(): { values: IntakeValues; key: string } | null {
  try {
    const raw = sessionStorage.getItem(DRAFT_KEY);
    return raw ? JSON.parse(raw) : null;
  } catch {
    return null;
  }
}

/** The request body of POST /api/cases for the form's values. */
export function createBody(values: IntakeValues) {
  const description = (values.description ?? '').trim();
  return {
    type: values.type,
    urgency: values.urgency,
    categoryCode: values.category?.length ? values.category[values.category.length - 1] : null,
    title: values.title?.trim() || titleFrom(description),
    description,
    reporter: {
      name: values.reporter?.name?.trim() || null,
      phone: values.reporter?.phone?.trim() || null,
      confidential: !!values.reporter?.confidential,
    },
    location: {
      address: values.location?.address?.trim() || null,
      lng: values.location?.lng ?? null,
      lat: values.location?.lat ?? null,
    },
  };
}

/** A value that follows `value` once it has stopped changing for `ms`. */
function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  const key = JSON.stringify(value);
  useEffect(() => {
    const id = setTimeout(() => setV(value), ms);
    return () => clearTimeout(id);
  }, [key, ms]);
  return v;
}

export default function IntakePage() {
  const { t } = useI18n();
  const label = useLabel();
  const { message, modal } = App.useApp();
  const qc = useQueryClient();
  const me = useMe().data;
  const [form] = Form.useForm<IntakeValues>();
  const draft = useMemo(loadDraft, []);
  const idemKey = useRef<string>(draft?.key ?? uuid());
  const [submitting, setSubmitting] = useState(false);
  const [banner, setBanner] = useState<string | null>(null);
  const [created, setCreated] = useState<CaseView | null>(null);
  const [followUpError, setFollowUpError] = useState<string | null>(null);
  const [showMap, setShowMap] = useState(false);
  const [answering, setAnswering] = useState<KbArticle | null>(null);
  const nameRef = useRef<HTMLInputElement | null>(null);
  const canDispatch = hasRole(me, ...DISPATCH_ROLES);
  const canMerge = hasRole(me, ...MERGE_ROLES);
  const canClose = hasRole(me, ...CLOSE_DIRECTLY_ROLES);

  const title = Form.useWatch('title', form);
  const description = Form.useWatch('description', form);
  const category = Form.useWatch('category', form);
  const address = Form.useWatch(['location', 'address'], form);
  const lng = Form.useWatch(['location', 'lng'], form);
  const lat = Form.useWatch(['location', 'lat'], form);
  const type = Form.useWatch('type', form);
  const leadUnitId = Form.useWatch('leadUnitId', form);
  const categoryCode = category?.length ? category[category.length - 1] : null;

  // Suggestions follow the call as it is typed: text, then category and place as they become known.
  const suggestInput = useDebounced<SuggestInput | null>(
    created
      ? null
      : {
          title: title?.trim() || undefined,
          description: (description ?? '').trim(),
          categoryCode,
          location:
            address?.trim() || (lng != null && lat != null)
              ? { address: address?.trim() || null, lng: lng != null ? Number(lng) : null, lat: lat != null ? Number(lat) : null }
              : undefined,
        },
    SUGGEST_DEBOUNCE_MS,
  );
  const suggest = useSuggestions(suggestInput, !created);
  const latest = useRef(suggest.data);
  latest.current = suggest.data;

  const saveDraft = useCallback(() => {
    try {
      sessionStorage.setItem(DRAFT_KEY, JSON.stringify({ values: form.getFieldsValue(true), key: idemKey.current }));
    } catch {
      /* storage full or blocked */
    }
  }, [form]);

  const reset = useCallback(() => {
    form.resetFields();
    form.setFieldsValue(EMPTY);
    idemKey.current = uuid();
    sessionStorage.removeItem(DRAFT_KEY);
    setCreated(null);
    setBanner(null);
    setFollowUpError(null);
    setTimeout(() => nameRef.current?.focus(), 0);
  }, [form]);

  /** Registers the call, then (optionally) dispatches, merges or closes it. */
  const register = useCallback(
    async (then?: FollowUp) => {
      if (submitting) return;
      let values: IntakeValues;
      try {
        values = await form.validateFields();
      } catch (e) {
        const first = (e as { errorFields?: { name: (string | number)[] }[] }).errorFields?.[0];
        if (first) form.scrollToField(first.name, { focus: true, block: 'center' });
        return;
      }
      const body = createBody(values);
      const follow: FollowUp | undefined = then ?? (canDispatch && values.leadUnitId ? { kind: 'dispatch', leadUnitId: values.leadUnitId } : undefined);
      setSubmitting(true);
      setBanner(null);
      setFollowUpError(null);
      let view: CaseView;
      try {
        view = await api<CaseView>('/api/cases', { body, headers: { 'Idempotency-Key': idemKey.current } });
      } catch (err) {
        const rest = applyServerErrors(form, err, { categoryCode: 'category', 'location.divisionCode': ['location', 'address'] });
        if (rest.length) setBanner(rest.join('；'));
        setSubmitting(false);
        return;
      }
      sessionStorage.removeItem(DRAFT_KEY);
      if (follow) {
        // The case exists now; a refused follow-up leaves it registered, and the panel offers the step again.
        const [path, actionBody] =
          follow.kind === 'dispatch'
            ? ['dispatch', { leadUnitId: follow.leadUnitId }]
            : follow.kind === 'merge'
              ? ['merge', { duplicateOf: follow.into.id, comment: `来电重复反映，并入 ${follow.into.no}` }]
              : ['close-directly', { reply: follow.reply, articleId: follow.articleId }];
        try {
          view = await api<CaseView>(`/api/cases/${view.id}/${path}`, { body: { ...actionBody, version: view.version } });
        } catch (err) {
          setFollowUpError(t(`已登记，但${follow.kind === 'dispatch' ? '派单' : follow.kind === 'merge' ? '合并' : '办结'}未成功：`, `Registered, but the ${follow.kind} failed: `) + errorText(err));
        }
      }
      setCreated(view);
      setSubmitting(false);
      message.success(t(`已登记 ${view.no}`, `Registered ${view.no}`));
      qc.invalidateQueries({ queryKey: ['cases'] });
      qc.invalidateQueries({ queryKey: ['queue-count'] });
    },
    [form, submitting, message, t, qc, canDispatch],
  );

  const applyCategory = useCallback(
    (code: string) => {
      form.setFieldValue('category', categoryPath(code));
      form.setFields([{ name: 'category', errors: [] }]);
      saveDraft();
    },
    [form, saveDraft],
  );
  const applyUnit = useCallback(
    (id: string) => {
      form.setFieldValue('leadUnitId', id);
      saveDraft();
    },
    [form, saveDraft],
  );

  const mergeInto = useCallback(
    (d: DuplicateCandidate) => {
      modal.confirm({
        title: t(`登记此来电并合并到 ${d.no}？`, `Register this call and merge it into ${d.no}?`),
        content: t('合并后此来电不再单独派单，主工单办结时一并答复反映人。', 'The call is not dispatched on its own; the reporter hears when the main case closes.'),
        okText: t('登记并合并', 'Register and merge'),
        cancelText: t('取消', 'Cancel'),
        autoFocusButton: 'ok',
        onOk: () => register({ kind: 'merge', into: d }),
      });
    },
    [modal, register, t],
  );

  // Page hotkeys.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (answering) return;
      if ((e.ctrlKey || e.metaKey) && e.key === 'Enter' && !created) {
        e.preventDefault();
        void register();
        return;
      }
      if (!e.altKey || e.ctrlKey || e.metaKey) return;
      const k = e.key.toLowerCase();
      const digit = /^Digit([1-6])$/.exec(e.code)?.[1];
      if (digit && !created) {
        e.preventDefault();
        form.setFieldValue('type', CASE_TYPES[Number(digit) - 1]);
        saveDraft();
      } else if ((k === 'u' || e.code === 'KeyU') && !created) {
        e.preventDefault();
        form.setFieldValue('urgency', form.getFieldValue('urgency') === 'urgent' ? 'normal' : 'urgent');
        saveDraft();
      } else if ((k === 'm' || e.code === 'KeyM') && !created) {
        e.preventDefault();
        setShowMap((s) => !s);
      } else if ((k === 'c' || e.code === 'KeyC') && !created) {
        const c = topCategory(latest.current);
        if (c) {
          e.preventDefault();
          applyCategory(c.code);
        }
      } else if ((k === 'd' || e.code === 'KeyD') && !created && canDispatch) {
        const u = topUnit(latest.current);
        if (u) {
          e.preventDefault();
          applyUnit(u.id);
        }
      } else if ((k === 'n' || e.code === 'KeyN') && created) {
        e.preventDefault();
        reset();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [register, created, form, reset, saveDraft, applyCategory, applyUnit, canDispatch, answering]);

  return (
    <div className="page intake-page">
      <div className="page-head">
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('12345 受理登记', '12345 intake')}
        </Typography.Title>
        <Typography.Text type="secondary" className="hotkeys" aria-label={t('快捷键', 'Shortcuts')}>
          <kbd>Tab</kbd> {t('下一项', 'next')} · <kbd>Alt</kbd>+<kbd>1-6</kbd> {t('类型', 'type')} · <kbd>Alt</kbd>+<kbd>U</kbd> {t('紧急', 'urgent')} · <kbd>Alt</kbd>+
          <kbd>M</kbd> {t('地图', 'map')} · <kbd>Alt</kbd>+<kbd>C</kbd>/<kbd>D</kbd> {t('采用建议', 'take suggestion')} · <kbd>Ctrl</kbd>+<kbd>Enter</kbd>{' '}
          {t('登记', 'register')}
        </Typography.Text>
      </div>
      <Row gutter={16} wrap>
        <Col xs={24} xl={16}>
          {created ? (
            <CreatedPanel view={created} followUpError={followUpError} preferredUnit={leadUnitId} onNext={reset} onChanged={(v) => setCreated(v)} />
          ) : (
            <Card>
              <Form<IntakeValues>
                form={form}
                layout="vertical"
                initialValues={draft?.values ?? EMPTY}
                onValuesChange={saveDraft}
                onFinish={() => void register()}
                aria-label={t('受理登记表', 'Intake form')}
                className="intake-form"
                scrollToFirstError
              >
                {banner && <Alert type="error" showIcon message={banner} role="alert" style={{ marginBottom: 16 }} closable onClose={() => setBanner(null)} />}
                <Row gutter={12}>
                  <Col xs={24} md={8}>
                    <Form.Item name={['reporter', 'name']} label={t('来电人', 'Caller')} rules={[{ max: 50 }]}>
                      <Input ref={(r) => (nameRef.current = r?.input ?? null)} autoFocus autoComplete="off" placeholder={t('姓名（可不填）', 'Name (optional)')} />
                    </Form.Item>
                  </Col>
                  <Col xs={24} md={10}>
                    <Form.Item
                      name={['reporter', 'phone']}
                      label={t('联系电话', 'Phone')}
                      rules={[{ pattern: PHONE_RE, message: t('电话号码格式不正确', 'Not a phone number') }]}
                    >
                      <Input inputMode="tel" autoComplete="off" placeholder={t('手机或座机', 'Mobile or landline')} />
                    </Form.Item>
                  </Col>
                  <Col xs={24} md={6}>
                    <Form.Item name={['reporter', 'confidential']} label={t('保密', 'Confidential')} valuePropName="checked" tooltip={t('承办单位看不到来电人信息', 'Handlers do not see who called')}>
                      <Switch checkedChildren={t('保密', 'Yes')} unCheckedChildren={t('否', 'No')} />
                    </Form.Item>
                  </Col>
                </Row>
                <Form.Item name="type" label={t('类型', 'Type')} rules={[{ required: true }]}>
                  <Radio.Group optionType="button" buttonStyle="solid" className="type-radios">
                    {CASE_TYPES.map((v, i) => (
                      <Radio.Button key={v} value={v}>
                        <span className="hotkey-num" aria-hidden>
                          {i + 1}
                        </span>
                        {label(TYPE_TEXT, v)}
                      </Radio.Button>
                    ))}
                  </Radio.Group>
                </Form.Item>
                <Row gutter={12}>
                  <Col xs={24} md={16}>
                    <Form.Item name="category" label={t('事项分类', 'Category')}>
                      <CategoryCascader style={{ width: '100%' }} />
                    </Form.Item>
                  </Col>
                  <Col xs={24} md={8}>
                    <Form.Item name="urgency" label={t('紧急程度', 'Urgency')}>
                      <Radio.Group optionType="button">
                        <Radio.Button value="normal">{label(URGENCY_TEXT, 'normal')}</Radio.Button>
                        <Radio.Button value="urgent" className="urgent-radio">
                          {label(URGENCY_TEXT, 'urgent')}
                        </Radio.Button>
                      </Radio.Group>
                    </Form.Item>
                  </Col>
                </Row>
                <Form.Item name="title" label={t('标题', 'Title')} rules={[{ max: 200 }, { min: 2, message: t('标题至少 2 个字', 'At least 2 characters') }]}>
                  <Input autoComplete="off" placeholder={t('留空则取诉求描述的第一句', 'Leave empty to use the first sentence of the description')} />
                </Form.Item>
                <Form.Item
                  name="description"
                  label={t('诉求描述', 'Description')}
                  rules={[
                    { required: true, whitespace: true, message: t('请填写诉求描述', 'Describe the request') },
                    { min: 2, message: t('至少 2 个字', 'At least 2 characters') },
                  ]}
                >
                  <Input.TextArea autoSize={{ minRows: 4, maxRows: 10 }} showCount maxLength={10000} placeholder={t('时间、地点、事由、诉求（Ctrl+Enter 登记）', 'When, where, what, and what is asked (Ctrl+Enter registers)')} />
                </Form.Item>
                <Form.Item label={t('地址', 'Address')} style={{ marginBottom: 8 }}>
                  <Space.Compact style={{ width: '100%' }}>
                    <Form.Item name={['location', 'address']} noStyle rules={[{ max: 300 }]}>
                      <Input autoComplete="off" aria-label={t('地址', 'Address')} placeholder={t('区县、乡镇街道、小区、门牌', 'District, street, estate, number')} />
                    </Form.Item>
                    <Tooltip title="Alt+M">
                      <Button icon={<EnvironmentOutlined />} onClick={() => setShowMap((s) => !s)} aria-expanded={showMap}>
                        {showMap ? t('收起地图', 'Hide map') : t('地图选点', 'Pick on map')}
                      </Button>
                    </Tooltip>
                  </Space.Compact>
                </Form.Item>
                <Form.Item name={['location', 'lng']} hidden>
                  <Input />
                </Form.Item>
                <Form.Item name={['location', 'lat']} hidden>
                  <Input />
                </Form.Item>
                <div className="coords" aria-live="polite">
                  {lng != null && lat != null ? (
                    <Space size={4}>
                      <AimOutlined />
                      <span>
                        {t('坐标', 'Point')} {lng}, {lat}
                      </span>
                      <Button
                        type="link"
                        size="small"
                        icon={<CloseCircleOutlined />}
                        onClick={() => {
                          form.setFieldsValue({ location: { ...form.getFieldValue('location'), lng: null, lat: null } });
                          saveDraft();
                        }}
                      >
                        {t('清除', 'Clear')}
                      </Button>
                    </Space>
                  ) : (
                    <span className="muted">{t('未选坐标：在地图上点击即可定位，系统据此确定网格', 'No point yet: click the map to set one; it fixes the grid')}</span>
                  )}
                </div>
                {showMap && (
                  <Suspense fallback={<Loading height={320} />}>
                    <PickMap
                      picked={lng != null && lat != null ? { lng: Number(lng), lat: Number(lat) } : null}
                      onPick={(p) => {
                        form.setFieldsValue({ location: { ...form.getFieldValue('location'), ...p } });
                        saveDraft();
                      }}
                    />
                  </Suspense>
                )}
                {canDispatch && (
                  <Form.Item name="leadUnitId" label={t('登记后派往（可选）', 'Dispatch to after registering (optional)')} tooltip={t('选定则登记后立即派单；Alt+D 采用建议单位', 'Registers and dispatches at once; Alt+D takes the suggested unit')}>
                    <UnitSelect allowClear style={{ width: '100%' }} />
                  </Form.Item>
                )}
                <Divider style={{ margin: '12px 0 16px' }} />
                <Space wrap>
                  <Button type="primary" htmlType="submit" size="large" icon={<SendOutlined />} loading={submitting}>
                    {leadUnitId && canDispatch ? t('登记并派单', 'Register and dispatch') : t('登记', 'Register')} <span className="btn-hint">Ctrl+Enter</span>
                  </Button>
                  <Button size="large" onClick={reset} disabled={submitting}>
                    {t('清空', 'Clear')}
                  </Button>
                  {type === 'consultation' && (
                    <Typography.Text type="secondary">{t('咨询类可在右侧选知识直接答复办结', 'A consultation can be answered from the knowledge base on the right')}</Typography.Text>
                  )}
                </Space>
              </Form>
            </Card>
          )}
        </Col>
        <Col xs={24} xl={8}>
          <SuggestPanel
            data={created ? undefined : suggest.data}
            fetching={suggest.isFetching}
            error={suggest.isError ? suggest.error : undefined}
            ready={suggestReady(suggestInput)}
            onRetry={() => suggest.refetch()}
            categoryCode={categoryCode}
            unitId={leadUnitId}
            onCategory={applyCategory}
            onUnit={(u) => {
              if (canDispatch) applyUnit(u.id);
              else message.info(t(`建议承办单位：${u.name}`, `Suggested unit: ${u.name}`));
            }}
            onMerge={mergeInto}
            onAnswer={setAnswering}
            canMerge={canMerge}
            canClose={canClose}
            busy={submitting}
          />
        </Col>
      </Row>
      <AnswerModal
        article={answering}
        busy={submitting}
        onCancel={() => setAnswering(null)}
        onOk={async (reply) => {
          const a = answering!;
          setAnswering(null);
          await register({ kind: 'close', reply, articleId: a.id });
        }}
      />
    </div>
  );
}

/** The knowledge answer, editable before the call is registered and closed with it. */
function AnswerModal({ article, busy, onCancel, onOk }: { article: KbArticle | null; busy: boolean; onCancel(): void; onOk(reply: string): Promise<void> }) {
  const { t } = useI18n();
  const [form] = Form.useForm<{ reply: string }>();
  useEffect(() => {
    if (article) form.setFieldsValue({ reply: article.answer });
  }, [article, form]);
  return (
    <Modal
      open={!!article}
      title={t('以知识答复并直接办结', 'Answer from the knowledge base and close')}
      okText={t('登记并办结', 'Register and close')}
      cancelText={t('取消', 'Cancel')}
      onOk={() => form.submit()}
      onCancel={onCancel}
      okButtonProps={{ loading: busy }}
      destroyOnHidden
      width={600}
    >
      {article && (
        <Form
          form={form}
          layout="vertical"
          initialValues={{ reply: article.answer }}
          onFinish={(v) => onOk(v.reply.trim())}
          onKeyDown={(e) => {
            if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') form.submit();
          }}
          aria-label={t('答复内容', 'Answer')}
        >
          <Typography.Paragraph type="secondary">{article.question}</Typography.Paragraph>
          <Form.Item
            name="reply"
            label={t('答复内容（可修改）', 'Answer (you may edit it)')}
            rules={[
              { required: true, whitespace: true, message: t('请填写答复内容', 'Write the answer') },
              { min: 2, message: t('至少 2 个字', 'At least 2 characters') },
            ]}
          >
            <Input.TextArea autoSize={{ minRows: 4, maxRows: 12 }} autoFocus maxLength={10000} />
          </Form.Item>
          <Typography.Text type="secondary" className="form-hint">
            {t('Ctrl+Enter 提交', 'Ctrl+Enter submits')}
          </Typography.Text>
        </Form>
      )}
    </Modal>
  );
}

function PickMap({ picked, onPick }: { picked: { lng: number; lat: number } | null; onPick(p: { lng: number; lat: number }): void }) {
  const t = useI18n().t;
  const grids = useGrids();
  return (
    <div className="pick-map">
      <MapCanvas grids={grids.data} picked={picked} onPick={onPick} height={320} fitKey="grids" ariaLabel={t('地图选点：点击设置位置', 'Map: click to set the location')} />
      {grids.isError && <Alert type="warning" showIcon message={t('网格加载失败，仍可点选坐标', 'Grids failed to load; you can still pick a point')} />}
    </div>
  );
}

/** What the operator can do right after registering: dispatch, or answer and close a consultation. */
function CreatedPanel({
  view,
  preferredUnit,
  followUpError,
  onNext,
  onChanged,
}: {
  view: CaseView;
  preferredUnit?: string;
  /** The dispatch, merge or close asked for with the registration was refused; the case stays registered. */
  followUpError?: string | null;
  onNext(): void;
  onChanged(v: CaseView): void;
}) {
  const { t } = useI18n();
  const label = useLabel();
  const me = useMe().data;
  const navigate = useNavigate();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [dispatchForm] = Form.useForm<{ leadUnitId?: string; comment?: string }>();
  const [closeForm] = Form.useForm<{ reply?: string }>();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(followUpError ?? null);
  const canDispatch = hasRole(me, ...DISPATCH_ROLES) && ['registered', 'returned'].includes(view.status);
  const canClose = view.status === 'registered' && hasRole(me, 'operator', 'grid_worker');
  const { names } = useCategoryTree();
  // The create answer carries codes only; names come from the reference data.
  const division = useDivision(view.location.divisionName ? undefined : (view.location.divisionCode ?? undefined));
  const [showClose, setShowClose] = useState(view.type === 'consultation');

  useEffect(() => {
    if (preferredUnit && !dispatchForm.getFieldValue('leadUnitId')) dispatchForm.setFieldValue('leadUnitId', preferredUnit);
  }, [preferredUnit, dispatchForm]);

  async function act(action: 'dispatch' | 'close_directly', body: Record<string, unknown>, f: FormInstance) {
    setBusy(action);
    setError(null);
    try {
      const v = await api<CaseView>(`/api/cases/${view.id}/${action.replace('_', '-')}`, { body: { ...body, version: view.version } });
      onChanged(v);
      message.success(action === 'dispatch' ? t('已派单', 'Dispatched') : t('已办结', 'Closed'));
      qc.invalidateQueries({ queryKey: ['queue-count'] });
      qc.invalidateQueries({ queryKey: ['cases'] });
    } catch (err) {
      const rest = applyServerErrors(f, err);
      if (rest.length) setError(rest.join('；'));
    } finally {
      setBusy(null);
    }
  }

  const done = !['registered', 'returned'].includes(view.status);
  return (
    <Card>
      <Result
        status="success"
        style={{ padding: '16px 0 8px' }}
        title={
          <span>
            {t('已登记，工单编号', 'Registered as')}{' '}
            <Typography.Text copyable strong className="case-no" data-testid="created-no">
              {view.no}
            </Typography.Text>
          </span>
        }
        subTitle={
          <Space wrap>
            <StatusTag status={view.status} />
            <span>{view.title}</span>
            {view.urgency === 'urgent' && <Tag color="red">{t('紧急', 'Urgent')}</Tag>}
          </Space>
        }
        extra={
          <Space wrap>
            <Button type="primary" icon={<PlusOutlined />} onClick={onNext} autoFocus={done}>
              {t('登记下一件', 'Next call')} <span className="btn-hint">Alt+N</span>
            </Button>
            <Button onClick={() => navigate(`/cases/${encodeURIComponent(view.no)}`)}>{t('查看详情', 'Open case')}</Button>
          </Space>
        }
      />
      <Descriptions size="small" column={{ xs: 1, sm: 1, md: 2, lg: 2, xl: 2, xxl: 2 }} bordered>
        <Descriptions.Item label={t('类型', 'Type')}>{label(TYPE_TEXT, view.type)}</Descriptions.Item>
        <Descriptions.Item label={t('分类', 'Category')}>{view.categoryName ?? (view.categoryCode ? names.get(view.categoryCode) : '—')}</Descriptions.Item>
        <Descriptions.Item label={t('网格/区划', 'Grid / division')}>{view.location.gridName ?? view.location.divisionName ?? division.data?.name ?? view.location.divisionCode ?? '—'}</Descriptions.Item>
        <Descriptions.Item label={t('主办单位', 'Lead unit')}>{view.leadUnitName ?? '—'}</Descriptions.Item>
      </Descriptions>
      {error && <Alert type="error" showIcon message={error} role="alert" style={{ marginTop: 16 }} />}
      {!done && canDispatch && (
        <>
          <Divider orientation="left">{t('立即派单', 'Dispatch now')}</Divider>
          <Form
            form={dispatchForm}
            layout="inline"
            className="inline-action"
            onFinish={(v) => act('dispatch', { leadUnitId: v.leadUnitId, ...(v.comment ? { comment: v.comment } : {}) }, dispatchForm)}
            disabled={!!busy}
          >
            <Form.Item name="leadUnitId" label={t('主办单位', 'Lead unit')} rules={[{ required: true, message: t('请选择主办单位', 'Choose the lead unit') }]} style={{ minWidth: 320 }}>
              <UnitSelect autoFocus={view.type !== 'consultation'} style={{ width: 300 }} />
            </Form.Item>
            <Form.Item name="comment" label={t('派单意见', 'Instructions')}>
              <Input style={{ width: 240 }} />
            </Form.Item>
            <Button type="primary" htmlType="submit" loading={busy === 'dispatch'}>
              {t('派单', 'Dispatch')}
            </Button>
          </Form>
        </>
      )}
      {!done && canClose && !showClose && (
        <div style={{ marginTop: 16 }}>
          <Button type="link" onClick={() => setShowClose(true)} style={{ paddingInline: 0 }}>
            {t('不需派单？直接答复办结…', 'No dispatch needed? Answer and close…')}
          </Button>
        </div>
      )}
      {!done && canClose && showClose && (
        <>
          <Divider orientation="left">{t('直接答复办结', 'Answer and close')}</Divider>
          <Form form={closeForm} layout="vertical" onFinish={(v) => act('close_directly', { reply: v.reply }, closeForm)} disabled={!!busy}>
            <Form.Item
              name="reply"
              label={t('答复内容', 'Answer')}
              rules={[{ required: true, whitespace: true, min: 2, message: t('请填写答复内容', 'Write the answer') }]}
            >
              <Input.TextArea autoSize={{ minRows: 2, maxRows: 6 }} autoFocus={view.type === 'consultation' || !canDispatch} />
            </Form.Item>
            <Button htmlType="submit" loading={busy === 'close_directly'}>
              {t('答复并办结', 'Answer and close')}
            </Button>
          </Form>
        </>
      )}
      {done && (
        <Alert
          type="success"
          showIcon
          style={{ marginTop: 16 }}
          message={
            view.status === 'dispatched'
              ? t(`已派至 ${view.leadUnitName ?? ''}`, `Dispatched to ${view.leadUnitName ?? ''}`)
              : view.status === 'merged'
                ? t('已合并到主工单，主工单办结时一并答复', 'Merged into the main case; answered when it closes')
                : t('已直接办结', 'Closed directly')
          }
          action={
            <Link to={`/cases/${encodeURIComponent(view.status === 'merged' && view.duplicateOf ? view.duplicateOf : view.no)}`}>
              {view.status === 'merged' ? t('主工单', 'Main case') : t('详情', 'Details')}
            </Link>
          }
        />
      )}
    </Card>
  );
}

