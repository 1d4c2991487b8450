/**
 * 查询进度: anyone with the request number and the phone given when reporting
 * sees where the request stands (no sign-in). Rating needs proof of that
 * phone: a one-time code, after which the reporter rates from this page.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import { Alert, Button, Card, Descriptions, Form, Input, Radio, Rate, Result, Space, Steps, Tag, Timeline, Typography } from 'antd';
import { MobileOutlined, NumberOutlined, SearchOutlined } from '@ant-design/icons';
import { useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../api/client.ts';
import { useSetMe } from '../api/hooks.ts';
import type { Me, Status } from '../api/types.ts';
import { STATUS_COLOR, TYPE_TEXT, useI18n, useLabel } from '../i18n.tsx';
import { applyServerErrors, errorText } from '../lib/forms.ts';
import { fmtTime } from '../lib/format.ts';
import { RATE_TEXT } from '../components/ActionModal.tsx';
import { OtpCodeItem, useOtpSender } from '../components/PhoneCodeForm.tsx';
import type { PublicCase, PublicEvent } from './types.ts';
import './portal.css';

interface TrackValues {
  no: string;
  phone: string;
}

/** The phone as the one-time-code endpoints want it: 11 digits, no +86, spaces or dashes. */
export function mobileOf(raw: string): string | null {
  let s = raw.replace(/[\s\-.()（）]/g, '');
  if (s.startsWith('+')) s = s.slice(1);
  if (s.startsWith('0086')) s = s.slice(4);
  else if (s.startsWith('86') && s.length === 13) s = s.slice(2);
  return /^1\d{10}$/.test(s) ? s : null;
}

export function TrackPage() {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const [form] = Form.useForm<TrackValues>();
  const [busy, setBusy] = useState(false);
  const [banner, setBanner] = useState<string | null>(null);
  const [result, setResult] = useState<PublicCase | null>(null);
  // The phone stays in memory only: never in the address bar, history or storage.
  const phoneRef = useRef('');
  const resultRef = useRef<HTMLDivElement>(null);

  const initialNo = params.get('no') ?? '';
  useEffect(() => {
    if (initialNo && initialNo !== form.getFieldValue('no')) form.setFieldValue('no', initialNo);
    // Focus what is still missing: the phone when the number came with the link.
    const id = initialNo ? 'track_phone' : 'track_no';
    document.getElementById(id)?.focus();
  }, [initialNo, form]);

  async function lookup(v: TrackValues, quiet = false): Promise<PublicCase | null> {
    setBusy(true);
    setBanner(null);
    try {
      const view = await api<PublicCase>('/api/public/track', { body: { no: v.no.trim(), phone: v.phone.trim() }, quiet401: true });
      phoneRef.current = v.phone.trim();
      setResult(view);
      if (params.get('no') !== view.no) setParams({ no: view.no }, { replace: true });
      if (!quiet) requestAnimationFrame(() => resultRef.current?.scrollIntoView({ behavior: 'smooth', block: 'start' }));
      return view;
    } catch (err) {
      setResult(null);
      if (err instanceof ApiError && err.status === 429) {
        setBanner(err.problem.detail ?? t('查询过于频繁，请稍后再试', 'Too many attempts; try again later'));
      } else if (err instanceof ApiError && err.status === 404) {
        form.setFields([{ name: 'phone', errors: [t('未找到该诉求，或电话与登记时不一致', 'No request found for this number and phone')] }]);
      } else {
        const rest = applyServerErrors(form, err);
        if (rest.length) setBanner(rest.join('；'));
      }
      return null;
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <Card title={t('查询办理进度', 'Track a request')} className="track-card">
        <Typography.Paragraph type="secondary" style={{ marginTop: -4 }}>
          {t('输入诉求编号和反映问题时留的电话，无需登录。', 'Enter the request number and the phone you gave; no sign-in needed.')}
        </Typography.Paragraph>
        <Form<TrackValues> form={form} name="track" layout="vertical" onFinish={(v) => lookup(v)} requiredMark={false} initialValues={{ no: initialNo, phone: '' }}>
          {banner && <Alert type="error" showIcon message={banner} role="alert" style={{ marginBottom: 12 }} />}
          <Form.Item
            name="no"
            label={t('诉求编号', 'Request number')}
            rules={[
              { required: true, whitespace: true, message: t('请输入诉求编号', 'Enter the request number') },
              { pattern: /^\s*\d[\d\s]{12,24}\s*$/, message: t('编号为 14 位以上数字', 'The number has 14 or more digits') },
            ]}
          >
            <Input prefix={<NumberOutlined />} inputMode="numeric" autoComplete="off" size="large" maxLength={30} placeholder="20261124000123" />
          </Form.Item>
          <Form.Item
            name="phone"
            label={t('联系电话', 'Phone')}
            extra={t('提交诉求时留的手机或固话', 'The mobile or landline you gave when reporting')}
            rules={[
              { required: true, whitespace: true, message: t('请输入联系电话', 'Enter the phone') },
              { pattern: /^[\d\s+\-()（）]{7,20}$/, message: t('电话号码格式不正确', 'Not a phone number') },
            ]}
          >
            <Input prefix={<MobileOutlined />} inputMode="tel" autoComplete="tel" size="large" maxLength={20} />
          </Form.Item>
          <Button type="primary" htmlType="submit" size="large" block icon={<SearchOutlined />} loading={busy}>
            {t('查询', 'Track')}
          </Button>
        </Form>
      </Card>
      <div ref={resultRef} className="track-result" aria-live="polite">
        {result && <PublicCaseView c={result} phone={phoneRef.current} onChanged={setResult} refresh={() => lookup({ no: result.no, phone: phoneRef.current }, true)} />}
      </div>
    </>
  );
}

/**
 * Where the request stands, in six plain steps: the index of the step now
 * under way (the ones before it are done). A rated request has finished all.
 */
const STEP_OF: Partial<Record<Status, number>> = {
  registered: 1,
  returned: 1,
  dispatched: 2,
  accepted: 2,
  in_progress: 2,
  replied: 4,
  verified: 4,
  closed: 5,
  rated: 5,
};

function PublicCaseView({ c, phone, onChanged, refresh }: { c: PublicCase; phone: string; onChanged(c: PublicCase): void; refresh(): Promise<unknown> }) {
  const { t } = useI18n();
  const label = useLabel();
  const step = STEP_OF[c.status];
  const [thanked, setThanked] = useState(false);
  const steps = [t('受理', 'Received'), t('派单', 'Assigned'), t('办理', 'Handling'), t('答复', 'Replied'), t('办结', 'Closed'), t('评价', 'Rated')];
  return (
    <>
      <Card className="section track-summary" data-testid="track-result">
        <Space direction="vertical" size={6} style={{ width: '100%' }}>
          <Space wrap size={6}>
            <Tag color={STATUS_COLOR[c.status]} className="track-status">
              {t(c.statusLabel, publicStatusEn(c.status))}
            </Tag>
            <Tag>{label(TYPE_TEXT, c.type, c.typeLabel)}</Tag>
            {c.categoryName && <Tag>{c.categoryName}</Tag>}
          </Space>
          <Typography.Title level={4} style={{ margin: 0 }}>
            {c.title}
          </Typography.Title>
          <Typography.Text copyable={{ text: c.no, tooltips: [t('复制编号', 'Copy number'), t('已复制', 'Copied')] }} className="muted">
            {t('编号', 'No.')} {c.no}
          </Typography.Text>
        </Space>
        {step !== undefined ? (
          <Steps
            className="track-steps"
            size="small"
            responsive={false}
            labelPlacement="vertical"
            current={step}
            status={c.status === 'rated' ? 'finish' : 'process'}
            items={steps.map((title) => ({ title }))}
          />
        ) : (
          <Alert
            style={{ marginTop: 12 }}
            type={c.status === 'cancelled' ? 'warning' : 'info'}
            showIcon
            message={t(c.statusLabel, publicStatusEn(c.status))}
            description={
              c.status === 'merged'
                ? t('您反映的问题已与其他群众反映的同一问题合并办理，办结后会通知您。', 'Your request is handled together with others about the same problem; you will be told when it is done.')
                : c.status === 'transferred'
                  ? t('此事项属公安机关管辖，已转 110 处理。', 'This is a police matter and went to 110.')
                  : t('如有疑问请拨打 12345。', 'Call 12345 with any questions.')
            }
          />
        )}
        <Descriptions column={1} size="small" className="track-facts">
          <Descriptions.Item label={t('登记时间', 'Registered')}>{fmtTime(c.createdAt)}</Descriptions.Item>
          {c.unitName && <Descriptions.Item label={t('承办单位', 'Handled by')}>{c.unitName}</Descriptions.Item>}
          {c.dueAt && <Descriptions.Item label={t('应答复时间', 'Reply due')}>{fmtTime(c.dueAt)}</Descriptions.Item>}
          {c.closedAt && <Descriptions.Item label={t('办结时间', 'Closed')}>{fmtTime(c.closedAt)}</Descriptions.Item>}
          {c.phone && <Descriptions.Item label={t('联系电话', 'Phone')}>{c.phone}</Descriptions.Item>}
        </Descriptions>
      </Card>

      {c.reply && (
        <Card title={t('办理答复', 'Reply')} size="small" className="section">
          <div className="pre-wrap" data-testid="track-reply">
            {c.reply}
          </div>
          {c.unitName && <div className="muted">— {c.unitName}</div>}
        </Card>
      )}

      {c.canRate ? (
        <RateSection
          c={c}
          phone={phone}
          onRated={(updated) => {
            setThanked(true);
            onChanged(updated);
          }}
          refresh={refresh}
        />
      ) : c.rating && thanked ? (
        <Card size="small" className="section thanks-card">
          <Result
            status="success"
            title={t('感谢您的评价', 'Thank you for rating')}
            subTitle={
              <span>
                <Rate disabled value={c.rating} /> {t(RATE_TEXT[c.rating - 1][0], RATE_TEXT[c.rating - 1][1])}
                <br />
                {c.rating <= 2
                  ? t('我们会督促承办单位整改并回访您。', 'We will have the unit put it right and call you back.')
                  : t('您的意见将用于改进服务。', 'Your view helps us do better.')}
              </span>
            }
          />
        </Card>
      ) : c.rating ? (
        <Card title={t('您的评价', 'Your rating')} size="small" className="section rated-card">
          <Rate disabled value={c.rating} /> <span className="rate-text-inline">{t(RATE_TEXT[c.rating - 1][0], RATE_TEXT[c.rating - 1][1])}</span>
          {c.citizenSolved != null && <div className="muted">{c.citizenSolved ? t('问题已解决', 'Solved') : t('问题未解决', 'Not solved')}</div>}
          {c.ratingComment && <div className="pre-wrap">{c.ratingComment}</div>}
        </Card>
      ) : null}

      <Card title={t('办理进度', 'Progress')} size="small" className="section">
        <PublicTimeline events={c.timeline} />
      </Card>
    </>
  );
}

function publicStatusEn(s: Status): string {
  return (
    {
      registered: 'Received',
      dispatched: 'Passed to the handling unit',
      accepted: 'Accepted by the handling unit',
      in_progress: 'Being handled',
      replied: 'Replied',
      verified: 'Checked with you',
      closed: 'Closed',
      rated: 'Rated',
      returned: 'Being re-assigned',
      transferred: 'Sent to the police',
      cancelled: 'Withdrawn',
      merged: 'Handled together with others',
    } as Record<Status, string>
  )[s];
}

/** The step in English (the server words it in Chinese). */
function eventEn(e: PublicEvent): string {
  const u = e.unitName ?? 'the handling unit';
  switch (e.action) {
    case 'create':
      return 'Request registered';
    case 'dispatch':
      return e.unitName ? `Assigned to ${e.unitName}` : 'Assigned';
    case 'reopen':
      return e.unitName ? `Re-opened with ${e.unitName}` : 'Re-opened';
    case 'accept':
      return `Accepted by ${u}`;
    case 'start':
      return `${u} started work`;
    case 'arrive':
      return 'Staff arrived on site';
    case 'return':
      return 'Being re-assigned to another unit';
    case 'summon':
      return e.unitNames?.length ? `Joined by ${e.unitNames.join(', ')}` : 'Several units joined';
    case 'decide_extension':
      return 'Time limit extended';
    case 'reply':
      return `Reply from ${u}`;
    case 'verify':
      return e.solved ? 'Checked with you: solved' : 'Checked with you: not solved, handled again';
    case 'close':
      return 'Closed';
    case 'close_directly':
      return 'Answered and closed';
    case 'rate':
      return e.rating ? `Rated ${e.rating} stars` : 'Rated';
    case 'cancel':
      return 'Withdrawn';
    case 'transfer_police':
      return 'Sent to the police (110)';
    case 'merge':
      return 'Handled together with reports of the same problem';
    case 'unmerge':
      return 'Handled on its own again';
    default:
      return e.label;
  }
}

const EVENT_COLOR: Record<string, string> = { create: 'blue', dispatch: 'purple', reply: 'blue', verify: 'green', close: 'green', close_directly: 'green', rate: 'gold', return: 'orange', reopen: 'orange', cancel: 'gray' };

function PublicTimeline({ events }: { events: PublicEvent[] }) {
  const { t } = useI18n();
  // Newest first: the citizen came to see what happened last.
  const items = [...events].reverse();
  return (
    <Timeline
      className="public-timeline"
      items={items.map((e) => ({
        key: e.seq,
        color: EVENT_COLOR[e.action] ?? 'gray',
        children: (
          <div className="tl-item">
            <Typography.Text strong>{t(e.label, eventEn(e))}</Typography.Text>
            {e.unitNames?.length && e.action === 'dispatch' ? <div className="muted">{t(`协办：${e.unitNames.join('、')}`, `Assisted by ${e.unitNames.join(', ')}`)}</div> : null}
            <div className="muted tl-time">{fmtTime(e.at)}</div>
            {e.text && <div className="pre-wrap tl-text">{e.text}</div>}
          </div>
        ),
      }))}
    />
  );
}

function RateSection({ c, phone, onRated, refresh }: { c: PublicCase; phone: string; onRated(c: PublicCase): void; refresh(): Promise<unknown> }) {
  const { t } = useI18n();
  const mobile = mobileOf(phone);
  if (!c.rateOnline || !mobile) {
    return (
      <Card title={t('评价办理结果', 'Rate the result')} size="small" className="section">
        <Alert
          type="info"
          showIcon
          message={t('登记的是固定电话，工作人员将电话回访请您评价；也可拨打 12345 评价。', 'A landline was given: staff will call you back for your rating, or call 12345.')}
        />
      </Card>
    );
  }
  if (!c.viewerIsReporter) return <VerifyPhone mobile={mobile} onVerified={refresh} />;
  return <PublicRateForm c={c} onRated={onRated} />;
}

/** Proves the phone with a one-time code (and signs the citizen in), so only the reporter rates. */
function VerifyPhone({ mobile, onVerified }: { mobile: string; onVerified(): Promise<unknown> }) {
  const { t } = useI18n();
  const setMe = useSetMe();
  const [form] = Form.useForm<{ code: string }>();
  const otp = useOtpSender(form);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const masked = `${mobile.slice(0, 3)}****${mobile.slice(-4)}`;

  async function send() {
    setError(null);
    try {
      await otp.send(mobile);
    } catch (err) {
      setError(errorText(err));
    }
  }

  async function verify(v: { code: string }) {
    setBusy(true);
    setError(null);
    try {
      const me = await api<Me>('/api/auth/otp/verify', { body: { phone: mobile, code: v.code }, quiet401: true });
      setMe(me);
      await onVerified();
    } catch (err) {
      const rest = applyServerErrors(form, err);
      if (rest.length) setError(rest.join('；'));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card title={t('评价办理结果', 'Rate the result')} size="small" className="section rate-card">
      <Typography.Paragraph>
        {t(`为确认是您本人评价，请获取发送到 ${masked} 的验证码。`, `To make sure the rating is yours, get the code sent to ${masked}.`)}
      </Typography.Paragraph>
      <Form form={form} layout="vertical" onFinish={verify} requiredMark={false} name="verify">
        {error && <Alert type="error" showIcon message={error} role="alert" style={{ marginBottom: 12 }} />}
        <OtpCodeItem label={t('短信验证码', 'SMS code')} size="large" otp={otp} onSend={send} />
        <Button type="primary" htmlType="submit" block size="large" loading={busy}>
          {t('验证并评价', 'Verify and rate')}
        </Button>
      </Form>
    </Card>
  );
}

interface RateValues {
  rating: number;
  solved?: boolean;
  comment?: string;
}

function PublicRateForm({ c, onRated }: { c: PublicCase; onRated(c: PublicCase): void }) {
  const { t, lang } = useI18n();
  const qc = useQueryClient();
  const [form] = Form.useForm<RateValues>();
  const [busy, setBusy] = useState(false);
  const [banner, setBanner] = useState<string | null>(null);
  const rating = Form.useWatch('rating', form);
  const tips = useMemo(() => RATE_TEXT.map((p) => p[lang === 'zh' ? 0 : 1]), [lang]);

  async function submit(v: RateValues) {
    setBusy(true);
    setBanner(null);
    try {
      const updated = await api<PublicCase>('/api/public/rate', {
        body: { no: c.no, rating: v.rating, ...(v.comment?.trim() ? { comment: v.comment.trim() } : {}), ...(v.solved !== undefined ? { solved: v.solved } : {}), version: c.version },
      });
      qc.invalidateQueries({ queryKey: ['cases'] });
      onRated(updated);
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        setBanner(t('工单状态已变化，请重新查询后再评价', 'The request changed; track it again before rating'));
      } else if (err instanceof ApiError && (err.status === 401 || err.status === 404)) {
        setBanner(t('验证已失效，请重新验证手机号', 'Your verification expired; verify your phone again'));
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
      <Form<RateValues> form={form} layout="vertical" onFinish={submit} disabled={busy} name="rate">
        {banner && <Alert type="error" showIcon message={banner} role="alert" style={{ marginBottom: 12 }} />}
        <Form.Item name="rating" label={t('满意度', 'Satisfaction')} rules={[{ required: true, message: t('请选择星级', 'Choose 1 to 5 stars') }]}>
          <Rate tooltips={tips} style={{ fontSize: 34 }} aria-label={t('满意度 1 到 5 星', 'Satisfaction, 1 to 5 stars')} />
        </Form.Item>
        {rating ? <div className="rate-text">{tips[rating - 1]}</div> : null}
        <Form.Item name="solved" label={t('问题是否解决', 'Was it solved?')}>
          <Radio.Group optionType="button" buttonStyle="solid" className="solved-choice">
            <Radio.Button value={true}>{t('已解决', 'Solved')}</Radio.Button>
            <Radio.Button value={false}>{t('未解决', 'Not solved')}</Radio.Button>
          </Radio.Group>
        </Form.Item>
        <Form.Item
          name="comment"
          label={rating && rating <= 2 ? t('哪里不满意', 'What was wrong') : t('意见（可选）', 'Comment (optional)')}
          rules={rating && rating <= 2 ? [{ required: true, whitespace: true, message: t('请告诉我们哪里不满意', 'Tell us what was wrong') }] : []}
        >
          <Input.TextArea autoSize={{ minRows: 2, maxRows: 6 }} maxLength={1000} showCount />
        </Form.Item>
        <Button type="primary" htmlType="submit" block size="large" loading={busy}>
          {t('提交评价', 'Submit rating')}
        </Button>
      </Form>
    </Card>
  );
}
