/**
 * A case on the phone: what was reported, the photos, the timeline, and the
 * actions the server says this user may take now, each with a form made for
 * a thumb (a bottom sheet with large inputs and the camera).
 */
import { useEffect, useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { Alert, App, Button, Drawer, Form, Input, Select, Typography } from 'antd';
import { ArrowLeftOutlined, ReloadOutlined } from '@ant-design/icons';
import { useQueryClient } from '@tanstack/react-query';
import { api, ApiError, uploadAttachment } from '../api/client.ts';
import { useCase, useMeta } from '../api/hooks.ts';
import { ACTIONS, type CaseDetail, type Me } from '../api/types.ts';
import { ACTION_TEXT, CHANNEL_TEXT, TYPE_TEXT, useI18n, useLabel } from '../i18n.tsx';
import { applyServerErrors } from '../lib/forms.ts';
import { durationText, fmtTime } from '../lib/format.ts';
import { ErrorState, Loading } from '../components/States.tsx';
import { StatusTag } from '../components/StatusTag.tsx';
import { ActionModal } from '../components/ActionModal.tsx';
import { AttachmentList, CaseTimeline } from '../components/CaseTimeline.tsx';
import { PhotoPicker } from './fields.tsx';
import { useOutbox } from './outbox.tsx';
import type { QueuedPhoto } from './queue.ts';
import { CaseCountdown, MHeader } from './ui.tsx';

/** Actions with a phone form here; any other the server offers opens the console's form. */
const PHONE_ACTIONS = ['accept', 'start', 'arrive', 'reply', 'assist_reply', 'report', 'close_directly', 'request_extension', 'return', 'note'] as const;
type PhoneAction = (typeof PHONE_ACTIONS)[number];
/** The next step of the loop, shown as the big buttons. */
const PRIMARY = ['accept', 'start', 'arrive', 'reply', 'assist_reply', 'report', 'close_directly'];
const WITH_PHOTOS = ['arrive', 'reply', 'assist_reply', 'close_directly', 'note'];
const DURATIONS = ['4h', '1d', '2d', '3d', '5d', '7d'];

export default function CasePage({ me }: { me: Me }) {
  const { ref } = useParams();
  const { t, lang } = useI18n();
  const label = useLabel();
  const navigate = useNavigate();
  const q = useCase(ref);
  const meta = useMeta();
  const [action, setAction] = useState<string | null>(null);
  const labelOf = (a: string) => (a in ACTION_TEXT ? label(ACTION_TEXT, a) : (meta.data?.actions.find((x) => x.value === a)?.label ?? a));
  const back = (
    <Button type="text" className="m-header-btn" icon={<ArrowLeftOutlined />} onClick={() => (history.length > 1 ? navigate(-1) : navigate('/m/tasks'))} aria-label={t('返回', 'Back')} />
  );

  if (q.isPending)
    return (
      <>
        <MHeader title={t('工单详情', 'Case')} back={back} />
        <Loading height={300} />
      </>
    );
  if (q.isError)
    return (
      <>
        <MHeader title={t('工单详情', 'Case')} back={back} />
        <ErrorState error={q.error} onRetry={() => q.refetch()} />
      </>
    );
  const c = q.data;
  const actions = [...ACTIONS.filter((a) => c.availableActions.includes(a)), ...c.availableActions.filter((a) => !(ACTIONS as readonly string[]).includes(a))];
  const primary = actions.filter((a) => PRIMARY.includes(a));
  const others = actions.filter((a) => !PRIMARY.includes(a));
  const dueAt = c.deadline?.dueAt ?? null;
  const row = (k: string, v: React.ReactNode) =>
    v ? (
      <div className="m-kv">
        <dt>{k}</dt>
        <dd>{v}</dd>
      </div>
    ) : null;

  return (
    <>
      <MHeader
        title={c.no}
        back={back}
        extra={<Button type="text" className="m-header-btn" icon={<ReloadOutlined spin={q.isFetching} />} onClick={() => void q.refetch()} aria-label={t('刷新', 'Refresh')} />}
      />
      <div className="m-page m-case">
        <section className="m-section">
          <div className="m-card-top">
            <StatusTag status={c.status} />
            {c.urgency === 'urgent' && <span className="m-urgent">{t('紧急', 'Urgent')}</span>}
            <CaseCountdown c={c} />
          </div>
          <Typography.Title level={4} className="m-case-title">
            {c.title}
          </Typography.Title>
          <Typography.Paragraph className="m-desc">{c.description}</Typography.Paragraph>
          {c.attachments.length > 0 && <AttachmentList files={c.attachments} size={96} />}
        </section>
        {actions.length > 0 && (
          <section className="m-section m-actions" aria-label={t('可执行的操作', 'Actions')}>
            {primary.map((a) => (
              <Button key={a} type="primary" size="large" block onClick={() => setAction(a)}>
                {labelOf(a)}
              </Button>
            ))}
            {others.length > 0 && (
              <div className="m-actions-more">
                {others.map((a) => (
                  <Button key={a} size="large" danger={a === 'return'} onClick={() => setAction(a)}>
                    {labelOf(a)}
                  </Button>
                ))}
              </div>
            )}
          </section>
        )}
        <section className="m-section">
          <dl className="m-kvs">
            {row(t('类型', 'Type'), label(TYPE_TEXT, c.type))}
            {row(t('分类', 'Category'), c.categoryName ?? c.categoryCode)}
            {row(t('地址', 'Address'), c.location.address)}
            {row(t('网格', 'Grid'), c.location.gridName)}
            {row(t('区划', 'Division'), c.location.divisionName)}
            {row(t('渠道', 'Channel'), label(CHANNEL_TEXT, c.channel))}
            {row(t('主办单位', 'Lead unit'), c.leadUnitName)}
            {row(t('反映人', 'Reporter'), [c.reporter.name, c.reporter.phone].filter(Boolean).join(' '))}
            {row(t('登记时间', 'Registered'), fmtTime(c.createdAt))}
            {row(t('办理时限', 'Due'), dueAt ? fmtTime(dueAt) : null)}
          </dl>
          {c.reply && (
            <Alert type="success" message={t('答复', 'Reply')} description={c.reply} className="m-block" />
          )}
          {c.deadline?.pendingExtension && (
            <Alert
              type="info"
              className="m-block"
              message={t(
                `延期申请待审批：${durationText(c.deadline.pendingExtension.duration, lang)}`,
                `Extension awaiting a decision: ${durationText(c.deadline.pendingExtension.duration, lang)}`,
              )}
            />
          )}
        </section>
        <section className="m-section">
          <Typography.Title level={5}>{t('办理过程', 'Timeline')}</Typography.Title>
          <CaseTimeline events={c.timeline} attachments={c.attachments} />
        </section>
      </div>
      {action && (PHONE_ACTIONS as readonly string[]).includes(action) ? (
        <ActionSheet action={action as PhoneAction} c={c} me={me} label={labelOf(action)} onClose={() => setAction(null)} />
      ) : (
        <ActionModal action={action} c={c} onClose={() => setAction(null)} labelOf={labelOf} />
      )}
    </>
  );
}

interface ActionValues {
  comment?: string;
  reply?: string;
  duration?: string;
  photos?: QueuedPhoto[];
}

function ActionSheet({ action, c, label, onClose }: { action: PhoneAction; c: CaseDetail; me: Me; label: string; onClose(): void }) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const { online } = useOutbox();
  const [form] = Form.useForm<ActionValues>();
  const [busy, setBusy] = useState(false);
  const [banner, setBanner] = useState<string | null>(null);

  useEffect(() => {
    form.resetFields();
    setBanner(null);
  }, [action, form]);

  async function submit(v: ActionValues) {
    setBusy(true);
    setBanner(null);
    try {
      // Photos go up first; each keeps its id so a second try does not upload it again.
      let photos = v.photos ?? [];
      for (const p of photos) {
        if (p.attachmentId) continue;
        const a = await uploadAttachment(p.blob, p.name);
        photos = photos.map((x) => (x.localId === p.localId ? { ...x, attachmentId: a.id } : x));
        form.setFieldValue('photos', photos);
      }
      const body: Record<string, unknown> = { version: c.version };
      if (v.comment?.trim()) body.comment = v.comment.trim();
      if (v.reply?.trim()) body.reply = v.reply.trim();
      if (v.duration) body.duration = v.duration;
      if (WITH_PHOTOS.includes(action)) body.attachmentIds = photos.map((p) => p.attachmentId!);
      const updated = await api<CaseDetail>(`/api/cases/${c.id}/${action.replace(/_/g, '-')}`, { body });
      qc.setQueryData(['case', c.no], updated);
      qc.setQueryData(['case', c.id], updated);
      void qc.invalidateQueries({ queryKey: ['m'] });
      message.success(t(`${label}成功`, `${label}: done`));
      onClose();
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        message.warning(t('工单已被他人处理或修改，已为您刷新，请确认后再操作。', 'Someone changed this case meanwhile; it has been reloaded.'));
        await qc.invalidateQueries({ queryKey: ['case'] });
        onClose();
      } else {
        const rest = applyServerErrors(form, err, { attachmentIds: 'photos', file: 'photos' });
        if (rest.length) setBanner(rest.join('；'));
      }
    } finally {
      setBusy(false);
    }
  }

  const replyLike = action === 'reply' || action === 'assist_reply' || action === 'close_directly';
  const commentRequired = action === 'return' || action === 'note' || action === 'request_extension';
  const commentLabel: Partial<Record<PhoneAction, string>> = {
    return: t('退单理由', 'Reason for returning'),
    note: t('备注内容', 'Note'),
    request_extension: t('延期理由', 'Reason'),
    arrive: t('现场情况', 'On-site notes'),
    report: t('报到说明', 'Notes'),
  };
  return (
    <Drawer
      open
      placement="bottom"
      height="auto"
      title={`${label} · ${c.no}`}
      onClose={() => !busy && onClose()}
      maskClosable={!busy}
      rootClassName="m-sheet"
      destroyOnHidden
    >
      <Form<ActionValues> form={form} layout="vertical" onFinish={submit} disabled={busy} aria-label={label} requiredMark={false}>
        {!online && <Alert type="warning" showIcon className="m-block" message={t('当前离线，恢复网络后才能提交', 'Offline: this can be sent once you are back online')} />}
        {banner && <Alert type="error" showIcon className="m-block" message={banner} role="alert" />}
        {replyLike && (
          <Form.Item
            name="reply"
            label={action === 'assist_reply' ? t('协办意见', 'Our part') : action === 'close_directly' ? t('处理结果（直接办结）', 'What was done (closes the case)') : t('答复内容', 'Reply')}
            rules={[
              { required: true, whitespace: true, message: t('请填写答复内容', 'Write the reply') },
              { min: 2, message: t('至少 2 个字', 'At least 2 characters') },
            ]}
          >
            <Input.TextArea autoSize={{ minRows: 4, maxRows: 10 }} maxLength={10000} showCount autoFocus />
          </Form.Item>
        )}
        {action === 'request_extension' && (
          <Form.Item name="duration" label={t('延期时长', 'Extra time')} rules={[{ required: true, message: t('请选择延期时长', 'Choose how long') }]}>
            <Select size="large" options={DURATIONS.map((d) => ({ value: d, label: durationText(d, lang) }))} />
          </Form.Item>
        )}
        {!replyLike && (
          <Form.Item
            name="comment"
            label={commentLabel[action] ?? t('说明（可选）', 'Comment (optional)')}
            rules={commentRequired ? [{ required: true, whitespace: true, message: t('请填写', 'Required') }, { min: action === 'note' ? 1 : 2, message: t('至少 2 个字', 'At least 2 characters') }] : []}
          >
            <Input.TextArea autoSize={{ minRows: 2, maxRows: 8 }} maxLength={5000} autoFocus={commentRequired} />
          </Form.Item>
        )}
        {WITH_PHOTOS.includes(action) && (
          <Form.Item name="photos" label={t('现场照片', 'Photos')} initialValue={[]}>
            <PhotoPicker max={9} />
          </Form.Item>
        )}
        <Button type="primary" htmlType="submit" size="large" block loading={busy} disabled={!online} danger={action === 'return'}>
          {label}
        </Button>
      </Form>
    </Drawer>
  );
}
