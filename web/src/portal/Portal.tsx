/**
 * 群众端: phone-first (390 px). Sign in with a code sent to the phone, submit a
 * request with photos and location, follow it by number, rate the result.
 * Tracking by number + phone (查询进度, Track.tsx) needs no sign-in.
 */
import { Component, lazy, Suspense, useMemo, useRef, useState, type ReactNode } from 'react';
import { Link, Navigate, Route, Routes, useNavigate, useParams } from 'react-router';
import { Alert, App, Button, Card, Form, Input, List, Radio, Rate, Result, Space, Switch, Tag, Typography } from 'antd';
import { AimOutlined, ArrowLeftOutlined, EnvironmentOutlined, FileSearchOutlined, FileTextOutlined, LogoutOutlined, PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, uuid } from '../api/client.ts';
import { isStaff, useCase, useMe, useSetMe } from '../api/hooks.ts';
import type { CaseDetail, CaseList, CaseType, CaseView } from '../api/types.ts';
import { TYPE_TEXT, useI18n, useLabel } from '../i18n.tsx';
import { applyServerErrors } from '../lib/forms.ts';
import { fmtTime, titleFrom } from '../lib/format.ts';
import { LangSwitch } from '../components/LangSwitch.tsx';
import { PhoneCodeForm } from '../components/PhoneCodeForm.tsx';
import { StatusTag } from '../components/StatusTag.tsx';
import { CategoryCascader } from '../components/CategoryCascader.tsx';
import { AttachmentUpload } from '../components/AttachmentUpload.tsx';
import { AttachmentList, CaseTimeline } from '../components/CaseTimeline.tsx';
import { EmptyState, ErrorState, Loading } from '../components/States.tsx';
import { RATE_TEXT } from '../components/ActionModal.tsx';
import type { Grid } from '../api/types.ts';
import { TrackPage } from './Track.tsx';
import type { PublicGrid } from './types.ts';
import './portal.css';

const MapCanvas = lazy(() => import('../components/MapCanvas.tsx'));

const CITIZEN_TYPES: CaseType[] = ['help', 'complaint', 'consultation', 'suggestion', 'report', 'praise'];

export default function Portal() {
  return (
    <div className="portal">
      <PortalHeader />
      <main className="portal-main" id="main">
        <Routes>
          {/* Tracking by number + phone works signed out; everything else is the signed-in citizen's. */}
          <Route path="track" element={<TrackPage />} />
          <Route path="*" element={<SignedIn />} />
        </Routes>
      </main>
    </div>
  );
}

function SignedIn() {
  const me = useMe();
  return (
    <>
        {me.isPending ? (
          <Loading />
        ) : me.isError ? (
          <ErrorState error={me.error} onRetry={() => me.refetch()} />
        ) : !me.data ? (
          <PortalSignIn />
        ) : (
          <Routes>
            <Route index element={<PortalHome />} />
            <Route path="new" element={<NewRequest />} />
            <Route path="cases/:ref" element={<PortalCase />} />
            <Route path="*" element={<Navigate to="/portal" replace />} />
          </Routes>
        )}
    </>
  );
}

function PortalHeader() {
  const { t } = useI18n();
  const me = useMe().data;
  const setMe = useSetMe();
  const navigate = useNavigate();
  return (
    <header className="portal-header">
      <Link to="/portal" className="portal-brand">
        <span className="console-logo" aria-hidden>
          治
        </span>
        <span>{t('12345 群众服务', '12345 citizen service')}</span>
      </Link>
      <Space size={8}>
        <Link to="/portal/track" className="portal-nav">
          <FileSearchOutlined aria-hidden /> {t('查进度', 'Track')}
        </Link>
        <LangSwitch />
        {me && (
          <Button
            size="small"
            type="text"
            icon={<LogoutOutlined />}
            aria-label={t('退出', 'Sign out')}
            onClick={async () => {
              await api('/api/auth/logout', { method: 'POST', quiet401: true }).catch(() => undefined);
              setMe(null);
              navigate('/portal', { replace: true });
            }}
          />
        )}
      </Space>
    </header>
  );
}

function PortalSignIn() {
  const { t } = useI18n();
  const setMe = useSetMe();
  const navigate = useNavigate();
  return (
    <>
      <section className="portal-hero">
        <Typography.Title level={3} style={{ marginTop: 0 }}>
          {t('有事找 12345', 'Tell 12345')}
        </Typography.Title>
        <Typography.Paragraph type="secondary">
          {t('反映问题、求助、投诉、建议，凭手机号查询办理进度并评价结果。', 'Report a problem, ask for help, complain or suggest; follow it with your phone number and rate the result.')}
        </Typography.Paragraph>
      </section>
      <Card title={t('手机号登录', 'Sign in with your phone')}>
        <PhoneCodeForm onSignedIn={(me) => setMe(me)} />
      </Card>
      <Card className="portal-track-entry" size="small">
        <Space direction="vertical" style={{ width: '100%' }}>
          <Typography.Text>{t('已经反映过问题？凭诉求编号和电话即可查看进度，无需验证码。', 'Reported already? Follow it with its number and your phone, no code needed.')}</Typography.Text>
          <Button block icon={<FileSearchOutlined />} onClick={() => navigate('/portal/track')}>
            {t('查询办理进度', 'Track a request')}
          </Button>
        </Space>
      </Card>
      <Typography.Paragraph type="secondary" className="portal-foot">
        {t('工作人员请从', 'Staff: sign in at')} <Link to="/login">{t('工作台登录', 'the console')}</Link>
      </Typography.Paragraph>
    </>
  );
}

function PortalHome() {
  const { t } = useI18n();
  const me = useMe().data!;
  const navigate = useNavigate();
  const list = useInfiniteQuery({
    queryKey: ['cases', 'mine', me.id],
    queryFn: ({ pageParam, signal }) => api<CaseList>(`/api/cases?limit=20&mine=true${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ''}`, { signal }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <>
      {isStaff(me) && (
        <Alert
          type="info"
          showIcon
          style={{ marginBottom: 12 }}
          message={t('您以工作人员身份登录，这里显示您登记或经办的工单。', 'You are signed in as staff; this lists cases you registered or handle.')}
          action={<Link to="/">{t('回工作台', 'Console')}</Link>}
        />
      )}
      <Button type="primary" size="large" block icon={<PlusOutlined />} onClick={() => navigate('/portal/new')} className="portal-cta">
        {t('我要反映', 'New request')}
      </Button>
      <div className="portal-section-head">
        <Typography.Title level={5} style={{ margin: 0 }}>
          {t('我的诉求', 'My requests')}
        </Typography.Title>
        <Button size="small" type="text" icon={<ReloadOutlined />} onClick={() => list.refetch()} loading={list.isRefetching} aria-label={t('刷新', 'Refresh')} />
      </div>
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => list.refetch()} />
      ) : !items.length ? (
        <Card>
          <EmptyState description={t('还没有提交过诉求', 'No requests yet')} />
        </Card>
      ) : (
        <List
          className="portal-list"
          dataSource={items}
          renderItem={(c: CaseView) => (
            <List.Item onClick={() => navigate(`/portal/cases/${encodeURIComponent(c.no)}`)} className="portal-item" tabIndex={0} onKeyDown={(e) => e.key === 'Enter' && navigate(`/portal/cases/${encodeURIComponent(c.no)}`)}>
              <div className="portal-item-body">
                <div className="portal-item-top">
                  <Typography.Text strong ellipsis className="portal-item-title">
                    {c.title}
                  </Typography.Text>
                  <StatusTag status={c.status} />
                </div>
                <div className="muted">
                  {c.no} · {fmtTime(c.createdAt)}
                </div>
                {c.status === 'closed' && <Tag color="gold">{t('待您评价', 'Please rate')}</Tag>}
              </div>
            </List.Item>
          )}
          loadMore={
            list.hasNextPage ? (
              <div className="load-more">
                <Button onClick={() => list.fetchNextPage()} loading={list.isFetchingNextPage}>
                  {t('加载更多', 'Load more')}
                </Button>
              </div>
            ) : null
          }
        />
      )}
    </>
  );
}

interface NewValues {
  type: CaseType;
  category?: string[];
  description: string;
  attachmentIds: string[];
  address?: string;
  name?: string;
  confidential: boolean;
}

/** What the citizen typed, kept for the tab's life: a sign-in that lapses mid-form loses nothing. */
const DRAFT_KEY = 'zhili.portal.draft';
type Draft = Partial<Omit<NewValues, 'attachmentIds'>> & { point?: Point | null };
type Point = { lng: number; lat: number; via: 'gps' | 'map' };

function readDraft(): Draft {
  try {
    return JSON.parse(sessionStorage.getItem(DRAFT_KEY) ?? '{}') as Draft;
  } catch {
    return {};
  }
}

function NewRequest() {
  const { t } = useI18n();
  const label = useLabel();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [form] = Form.useForm<NewValues>();
  const key = useRef(uuid());
  const { point: draftPoint, ...draft } = useMemo(readDraft, []);
  const [busy, setBusy] = useState(false);
  const [banner, setBanner] = useState<string | null>(null);
  const [point, setPoint] = useState<Point | null>(draftPoint ?? null);
  const [locating, setLocating] = useState(false);
  const [locError, setLocError] = useState<string | null>(null);
  const [created, setCreated] = useState<CaseView | null>(null);
  const [mapOpen, setMapOpen] = useState(false);

  function saveDraft(p: Point | null = point) {
    const { attachmentIds: _files, ...rest } = form.getFieldsValue();
    try {
      sessionStorage.setItem(DRAFT_KEY, JSON.stringify({ ...rest, point: p }));
    } catch {
      /* storage full or disabled: the form still holds the values */
    }
  }
  function place(p: Point | null) {
    setPoint(p);
    saveDraft(p);
  }

  function locate() {
    setLocError(null);
    if (!('geolocation' in navigator)) {
      setLocError(t('此浏览器不支持定位，请填写地址', 'This browser cannot locate you; type the address'));
      return;
    }
    setLocating(true);
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        setLocating(false);
        place({ lng: Math.round(pos.coords.longitude * 1e6) / 1e6, lat: Math.round(pos.coords.latitude * 1e6) / 1e6, via: 'gps' });
      },
      (err) => {
        setLocating(false);
        setLocError(
          err.code === err.PERMISSION_DENIED
            ? t('未获得定位权限，请填写地址', 'Location not allowed; type the address')
            : t('定位失败，请填写地址', 'Could not locate you; type the address'),
        );
      },
      { enableHighAccuracy: true, timeout: 15_000, maximumAge: 60_000 },
    );
  }

  async function submit(v: NewValues) {
    setBusy(true);
    setBanner(null);
    const description = v.description.trim();
    try {
      const view = await api<CaseView>('/api/cases', {
        headers: { 'Idempotency-Key': key.current },
        body: {
          channel: 'web',
          type: v.type,
          categoryCode: v.category?.length ? v.category[v.category.length - 1] : null,
          title: titleFrom(description),
          description,
          attachmentIds: v.attachmentIds ?? [],
          reporter: { ...(v.name?.trim() ? { name: v.name.trim() } : {}), confidential: !!v.confidential },
          location: { address: v.address?.trim() || null, lng: point?.lng ?? null, lat: point?.lat ?? null },
        },
      });
      setCreated(view);
      sessionStorage.removeItem(DRAFT_KEY);
      qc.invalidateQueries({ queryKey: ['cases'] });
    } catch (err) {
      const rest = applyServerErrors(form, err, { 'location.address': 'address', 'reporter.name': 'name', categoryCode: 'category', title: 'description' });
      if (rest.length) setBanner(rest.join('；'));
    } finally {
      setBusy(false);
    }
  }

  if (created)
    return (
      <Card>
        <Result
          status="success"
          title={t('提交成功', 'Submitted')}
          subTitle={
            <div>
              <div>{t('您的诉求编号', 'Your request number')}</div>
              <div className="portal-number">
                <Typography.Title level={3} copyable={{ text: created.no, tooltips: [t('复制编号', 'Copy number'), t('已复制', 'Copied')] }} data-testid="portal-no">
                  {created.no}
                </Typography.Title>
              </div>
              <div className="portal-keep">{t('请牢记此编号：凭编号和手机号可随时查询进度。', 'Please keep this number: with it and your phone you can track the request any time.')}</div>
              <div>{t('我们会尽快办理，办结后请您评价。', 'We will handle it soon; please rate the result when it is done.')}</div>
            </div>
          }
          extra={
            <Space direction="vertical" style={{ width: '100%' }}>
              <Button type="primary" block onClick={() => navigate(`/portal/cases/${encodeURIComponent(created.no)}`)}>
                {t('查看进度', 'Follow it')}
              </Button>
              <Button block icon={<FileSearchOutlined />} onClick={() => navigate(`/portal/track?no=${encodeURIComponent(created.no)}`)}>
                {t('凭编号查询页', 'Tracking page')}
              </Button>
              <Button block onClick={() => navigate('/portal')}>
                {t('返回', 'Back')}
              </Button>
            </Space>
          }
        />
      </Card>
    );

  return (
    <>
      <BackLink />
      <Card title={t('我要反映', 'New request')}>
        <Form<NewValues>
          form={form}
          layout="vertical"
          initialValues={{ type: 'help', attachmentIds: [], confidential: false, ...draft }}
          onValuesChange={() => saveDraft()}
          onFinish={submit}
          disabled={busy}
          scrollToFirstError
          requiredMark="optional"
        >
          {banner && <Alert type="error" showIcon message={banner} role="alert" style={{ marginBottom: 12 }} />}
          <Form.Item name="type" label={t('诉求类型', 'Type')} rules={[{ required: true }]}>
            <Radio.Group optionType="button" buttonStyle="solid" className="portal-types">
              {CITIZEN_TYPES.map((v) => (
                <Radio.Button key={v} value={v}>
                  {label(TYPE_TEXT, v)}
                </Radio.Button>
              ))}
            </Radio.Group>
          </Form.Item>
          <Form.Item name="category" label={t('事项分类', 'Category')}>
            <CategoryCascader style={{ width: '100%' }} placement="bottomLeft" />
          </Form.Item>
          <Form.Item
            name="description"
            label={t('问题描述', 'What happened')}
            rules={[
              { required: true, whitespace: true, message: t('请描述您反映的问题', 'Describe the problem') },
              { min: 5, message: t('请至少写 5 个字', 'At least 5 characters') },
            ]}
          >
            <Input.TextArea autoSize={{ minRows: 4, maxRows: 10 }} maxLength={2000} showCount placeholder={t('时间、地点、发生了什么、希望怎样解决', 'When, where, what happened, what you ask for')} />
          </Form.Item>
          <Form.Item name="attachmentIds" label={t('照片', 'Photos')}>
            <AttachmentUpload photo max={6} />
          </Form.Item>
          <Form.Item label={t('位置', 'Location')}>
            <Space direction="vertical" style={{ width: '100%' }}>
              <Button icon={<AimOutlined />} onClick={locate} loading={locating} block>
                {point ? t('重新定位', 'Locate again') : t('使用当前位置', 'Use my location')}
              </Button>
              <Button icon={<EnvironmentOutlined />} onClick={() => setMapOpen((o) => !o)} block aria-expanded={mapOpen}>
                {mapOpen ? t('收起地图', 'Hide the map') : t('在地图上选点', 'Pick on the map')}
              </Button>
              {mapOpen && <PickMap picked={point} onPick={(p) => place({ ...p, via: 'map' })} />}
              {point && (
                <Typography.Text type="success">
                  {point.via === 'map' ? t('已选点', 'Picked') : t('已定位', 'Located')}: {point.lng}, {point.lat}{' '}
                  <a href="#" onClick={(e) => (e.preventDefault(), place(null))}>
                    {t('清除', 'Clear')}
                  </a>
                </Typography.Text>
              )}
              {locError && <Typography.Text type="warning">{locError}</Typography.Text>}
            </Space>
          </Form.Item>
          <Form.Item name="address" label={t('详细地址', 'Address')} rules={[{ max: 300 }]}>
            <Input placeholder={t('小区、路名、门牌号', 'Estate, road, number')} autoComplete="street-address" />
          </Form.Item>
          <Form.Item name="name" label={t('称呼', 'Your name')} rules={[{ max: 50 }]}>
            <Input autoComplete="name" placeholder={t('可不填', 'Optional')} />
          </Form.Item>
          <Form.Item name="confidential" label={t('为我保密', 'Keep me confidential')} valuePropName="checked" extra={t('承办单位将看不到您的姓名和电话', 'Handlers will not see your name and phone')}>
            <Switch />
          </Form.Item>
          <Button type="primary" htmlType="submit" size="large" block loading={busy}>
            {t('提交', 'Submit')}
          </Button>
        </Form>
      </Card>
    </>
  );
}

/** The map pick: grid outlines (names only) to find one's place by, a tap sets the point. */
function PickMap({ picked, onPick }: { picked: { lng: number; lat: number } | null; onPick(p: { lng: number; lat: number }): void }) {
  const { t } = useI18n();
  const grids = useQuery<PublicGrid[]>({ queryKey: ['public-grids'], queryFn: () => api('/api/public/grids', { quiet401: true }), staleTime: 10 * 60_000 });
  // MapCanvas draws console grids; the public outlines carry no worker or household data.
  const shapes = useMemo<Grid[]>(
    () => (grids.data ?? []).map((g) => ({ ...g, divisionCode: '', workerUserId: null, workerUsername: null, workerName: null, households: 0, population: 0, updatedAt: '' })),
    [grids.data],
  );
  return (
    <div className="pick-map-portal">
      <MapBoundary fallback={<Alert type="warning" showIcon banner message={t('地图暂时无法显示，请使用当前位置或填写地址', 'The map cannot be shown now; use your location or type the address')} />}>
        <Suspense fallback={<Loading height={260} />}>
          <MapCanvas grids={shapes} picked={picked} onPick={onPick} height={260} fitKey={shapes.length ? 'grids' : undefined} ariaLabel={t('地图选点：点击设置位置', 'Map: tap to set the location')} />
        </Suspense>
      </MapBoundary>
      {grids.isError && <Alert type="warning" showIcon banner message={t('网格轮廓加载失败，仍可点选位置', 'Grid outlines failed to load; you can still pick a point')} />}
    </div>
  );
}

/** A map that fails to load (old phone, chunk error) must not take the form, and what was typed, down with it. */
class MapBoundary extends Component<{ fallback: ReactNode; children: ReactNode }, { failed: boolean }> {
  state = { failed: false };
  static getDerivedStateFromError() {
    return { failed: true };
  }
  componentDidCatch(error: Error) {
    console.warn('map pick unavailable', error);
  }
  render() {
    return this.state.failed ? this.props.fallback : this.props.children;
  }
}

function BackLink() {
  const { t } = useI18n();
  return (
    <Link to="/portal" className="portal-back">
      <ArrowLeftOutlined /> {t('返回', 'Back')}
    </Link>
  );
}

function PortalCase() {
  const { ref } = useParams();
  const { t } = useI18n();
  const label = useLabel();
  const q = useCase(ref);
  if (q.isPending) return <Loading />;
  if (q.isError)
    return (
      <>
        <BackLink />
        <ErrorState error={q.error} onRetry={() => q.refetch()} />
      </>
    );
  const c = q.data;
  return (
    <>
      <BackLink />
      <Card className="portal-case">
        <Space direction="vertical" size={4} style={{ width: '100%' }}>
          <Space wrap>
            <StatusTag status={c.status} />
            <Tag>{label(TYPE_TEXT, c.type)}</Tag>
            {c.categoryName && <Tag>{c.categoryName}</Tag>}
          </Space>
          <Typography.Title level={4} style={{ margin: 0 }}>
            {c.title}
          </Typography.Title>
          <div className="muted">
            {t('编号', 'No.')} {c.no} · {fmtTime(c.createdAt)}
          </div>
        </Space>
        <Typography.Paragraph className="description" style={{ marginTop: 12 }}>
          {c.description}
        </Typography.Paragraph>
        {c.location.address && (
          <div className="muted">
            <FileTextOutlined /> {c.location.address}
          </div>
        )}
        {c.attachments.length > 0 && <AttachmentList files={c.attachments} size={80} />}
      </Card>
      {c.reply && (
        <Card title={t('办理答复', 'Reply')} size="small" className="section">
          <div className="pre-wrap">{c.reply}</div>
          {c.leadUnitName && <div className="muted">— {c.leadUnitName}</div>}
        </Card>
      )}
      {c.availableActions.includes('rate') ? (
        <RateCard c={c} />
      ) : c.rating ? (
        <Card title={t('我的评价', 'My rating')} size="small" className="section">
          <Rate disabled value={c.rating} /> {c.ratingComment && <div className="pre-wrap">{c.ratingComment}</div>}
        </Card>
      ) : null}
      <Card title={t('办理进度', 'Progress')} size="small" className="section">
        <CaseTimeline events={c.timeline} attachments={c.attachments} publicView />
      </Card>
    </>
  );
}

function RateCard({ c }: { c: CaseDetail }) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<{ rating: number; comment?: string }>();
  const [busy, setBusy] = useState(false);
  const [banner, setBanner] = useState<string | null>(null);
  const rating = Form.useWatch('rating', form);
  const tips = useMemo(() => RATE_TEXT.map((p) => p[lang === 'zh' ? 0 : 1]), [lang]);

  async function submit(v: { rating: number; comment?: string }) {
    setBusy(true);
    setBanner(null);
    try {
      const updated = await api<CaseDetail>(`/api/cases/${c.id}/rate`, { body: { rating: v.rating, ...(v.comment?.trim() ? { comment: v.comment.trim() } : {}), version: c.version } });
      qc.setQueryData(['case', c.no], updated);
      qc.invalidateQueries({ queryKey: ['cases'] });
      message.success(t('感谢您的评价', 'Thank you for rating'));
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        message.warning(t('工单状态已变化，已刷新', 'The case changed; reloaded'));
        qc.invalidateQueries({ queryKey: ['case'] });
      } else {
        const rest = applyServerErrors(form, err);
        if (rest.length) setBanner(rest.join('；'));
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card title={t('请评价办理结果', 'Rate the result')} size="small" className="section rate-card">
      <Form form={form} layout="vertical" onFinish={submit} disabled={busy}>
        {banner && <Alert type="error" showIcon message={banner} style={{ marginBottom: 12 }} />}
        <Form.Item name="rating" label={t('满意度', 'Satisfaction')} rules={[{ required: true, message: t('请选择星级', 'Choose 1 to 5 stars') }]}>
          <Rate tooltips={tips} style={{ fontSize: 32 }} />
        </Form.Item>
        {rating ? <div className="rate-text">{tips[rating - 1]}</div> : null}
        <Form.Item
          name="comment"
          label={t('意见（可选）', 'Comment (optional)')}
          rules={rating && rating <= 2 ? [{ required: true, whitespace: true, message: t('请告诉我们哪里不满意', 'Tell us what was wrong') }] : []}
        >
          <Input.TextArea autoSize={{ minRows: 2, maxRows: 6 }} maxLength={1000} />
        </Form.Item>
        <Button type="primary" htmlType="submit" block loading={busy}>
          {t('提交评价', 'Submit rating')}
        </Button>
      </Form>
    </Card>
  );
}
