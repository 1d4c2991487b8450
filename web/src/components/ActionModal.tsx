/**
 * The form each lifecycle action needs, posted to /api/cases/:id/<action>
 * with the loaded `version` (optimistic concurrency). A 409 reloads the case
 * behind the dialog and keeps what was typed;
 * field errors from the server sit under the field they name.
 */
import { useEffect, useState } from 'react';
import { Alert, App, Checkbox, Form, Input, Modal, Radio, Rate, Select, Space, Typography } from 'antd';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../api/client.ts';
import { useSuggestions } from '../api/hooks.ts';
import type { Action, CaseDetail, DuplicateCandidate } from '../api/types.ts';
import { StatusTag } from './StatusTag.tsx';
import { ACTION_TEXT, useI18n, useLabel } from '../i18n.tsx';
import { applyServerErrors } from '../lib/forms.ts';
import { durationText } from '../lib/format.ts';
import { UnitSelect } from './UnitSelect.tsx';
import { AttachmentUpload } from './AttachmentUpload.tsx';

export const RATE_TEXT: [string, string][] = [
  ['很不满意', 'Very dissatisfied'],
  ['不满意', 'Dissatisfied'],
  ['基本满意', 'Acceptable'],
  ['满意', 'Satisfied'],
  ['非常满意', 'Very satisfied'],
];

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Extension lengths offered (the API takes a number and m, h or d). */
const DURATIONS = ['4h', '1d', '2d', '3d', '5d', '7d', '15d'];

export function ActionModal({
  action,
  c,
  onClose,
  onDone,
  labelOf,
}: {
  /** A lifecycle action; one this console does not know gets a comment form. */
  action: Action | string | null;
  c: CaseDetail;
  onClose(): void;
  onDone?(c: CaseDetail): void;
  /** Label of an action the console does not know (from /api/meta). */
  labelOf?(a: string): string;
}) {
  const { t, lang } = useI18n();
  const label = useLabel();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm();
  const [busy, setBusy] = useState(false);
  const [banner, setBanner] = useState<string | null>(null);
  /** The case moved on and this action no longer applies. */
  const [stale, setStale] = useState(false);
  const solved = Form.useWatch('solved', form);
  const lead = Form.useWatch('leadUnitId', form);

  useEffect(() => {
    if (action) {
      form.resetFields();
      setBanner(null);
      setStale(false);
    }
  }, [action, form]);

  if (!action) return null;
  const current = action as Action;
  const actionLabel = ACTION_TEXT[current] ? label(ACTION_TEXT, current) : (labelOf?.(current) ?? current);

  async function submit(values: Record<string, unknown>) {
    if (stale) return;
    const body: Record<string, unknown> = { version: c.version };
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined || v === null || v === '') continue;
      if (Array.isArray(v) && !v.length && k !== 'assistUnitIds') continue;
      body[k] = typeof v === 'string' ? v.trim() : v;
    }
    setBusy(true);
    setBanner(null);
    try {
      if ((current === 'cancel' || current === 'merge') && typeof body.duplicateOf === 'string' && !UUID_RE.test(body.duplicateOf)) {
        // The operator types the number of the case this one duplicates; the API wants its id.
        try {
          const dup = await api<CaseDetail>(`/api/cases/${encodeURIComponent(body.duplicateOf)}`);
          body.duplicateOf = dup.id;
        } catch {
          form.setFields([{ name: 'duplicateOf', errors: [t('找不到该工单编号', 'No case with this number')] }]);
          setBusy(false);
          return;
        }
      }
      const updated = await api<CaseDetail>(`/api/cases/${c.id}/${current.replace(/_/g, '-')}`, { body });
      qc.setQueryData(['case', c.no], updated);
      qc.setQueryData(['case', c.id], updated);
      qc.invalidateQueries({ queryKey: ['cases'] });
      qc.invalidateQueries({ queryKey: ['queue-count'] });
      message.success(t(`${actionLabel}成功`, `${actionLabel}: done`));
      onDone?.(updated);
      onClose();
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        // Someone moved the case meanwhile: reload it behind the dialog and keep what was typed.
        let still = true;
        try {
          const fresh = await api<CaseDetail>(`/api/cases/${c.id}`);
          qc.setQueryData(['case', c.no], fresh);
          qc.setQueryData(['case', c.id], fresh);
          still = (fresh.availableActions ?? []).includes(current);
        } catch {
          /* the banner still says what happened */
        }
        await qc.invalidateQueries({ queryKey: ['case'] });
        setStale(!still);
        setBanner(
          still
            ? t('工单已被他人处理或修改，已刷新为最新状态。您填写的内容已保留，请确认后再次提交。', 'Someone changed this case meanwhile; it has been reloaded. What you typed is kept: check and submit again.')
            : t('工单已被他人处理或修改，当前状态下已不能执行此操作。您填写的内容仍在此，可复制后关闭。', 'Someone changed this case meanwhile and this action is no longer possible. What you typed is still here to copy.'),
        );
      } else {
        const rest = applyServerErrors(form, err, { rating: 'rating', 'body': 'comment' });
        if (rest.length) setBanner(rest.join('；'));
      }
    } finally {
      setBusy(false);
    }
  }

  const commentLabel: Partial<Record<Action, [string, string]>> = {
    return: ['退单理由', 'Reason for returning'],
    reopen: ['重办理由', 'Reason for reopening'],
    cancel: ['作废理由', 'Reason for cancelling'],
    transfer_police: ['转 110 理由', 'Why this is a police matter'],
    supervise: ['督办意见', 'Instructions'],
    note: ['备注内容', 'Note'],
    urge: ['催办意见', 'Message'],
    dispatch: ['派单意见', 'Instructions'],
    verify: ['回访情况', 'Return visit notes'],
    rate: ['评价意见', 'Comment'],
    request_extension: ['延期理由', 'Reason'],
    decide_extension: ['审批意见', 'Decision notes'],
    summon: ['吹哨事由', 'What is needed'],
    arrive: ['现场情况', 'On-site notes'],
    report: ['报到说明', 'Notes'],
    merge: ['合并说明', 'Notes'],
    unmerge: ['取消合并的理由', 'Why it is not a duplicate'],
  };
  /** Actions whose comment the server requires (src/cases/model.ts ACTION_BODIES: COMMENT.min(...)). */
  const required: Action[] = ['return', 'reopen', 'cancel', 'transfer_police', 'supervise', 'note', 'request_extension', 'summon', 'unmerge'];
  const commentRequired = (required as string[]).includes(action) || (action === 'verify' && solved === false);
  const cl = commentLabel[current] ?? ['说明', 'Comment'];

  const danger = ['return', 'cancel', 'transfer_police'].includes(current);
  return (
    <Modal
      open
      title={`${actionLabel} · ${c.no}`}
      okText={actionLabel}
      okButtonProps={{ loading: busy, danger, htmlType: 'submit', disabled: stale }}
      cancelText={t('取消', 'Cancel')}
      onOk={() => form.submit()}
      onCancel={() => !busy && onClose()}
      maskClosable={!busy}
      destroyOnHidden
      width={action === 'dispatch' || action === 'reply' ? 640 : 520}
    >
      <Form
        form={form}
        layout="vertical"
        onFinish={submit}
        disabled={busy}
        initialValues={action === 'verify' ? { solved: true } : action === 'decide_extension' ? { approve: true } : undefined}
        aria-label={actionLabel}
        onKeyDown={(e) => {
          if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') form.submit();
        }}
      >
        {banner && <Alert type="error" showIcon message={banner} role="alert" style={{ marginBottom: 16 }} />}
        {action === 'dispatch' && (
          <>
            <DispatchHint c={c} onPick={(id) => form.setFieldValue('leadUnitId', id)} />
            <Form.Item name="leadUnitId" label={t('主办单位', 'Lead unit')} rules={[{ required: true, message: t('请选择主办单位', 'Choose the lead unit') }]}>
              <UnitSelect autoFocus />
            </Form.Item>
            <Form.Item name="assistUnitIds" label={t('协办单位', 'Assisting units')} initialValue={[]}>
              <UnitSelect mode="multiple" exclude={[lead]} />
            </Form.Item>
          </>
        )}
        {action === 'reopen' && (
          <Form.Item name="leadUnitId" label={t('重新派往（可选，默认原主办单位）', 'Send to (optional; the previous lead unit by default)')}>
            <UnitSelect allowClear />
          </Form.Item>
        )}
        {action === 'summon' && (
          <Form.Item name="unitIds" label={t('被吹哨单位', 'Units to summon')} rules={[{ required: true, message: t('请选择单位', 'Choose the units') }]}>
            <UnitSelect mode="multiple" autoFocus exclude={[c.leadUnitId ?? undefined]} />
          </Form.Item>
        )}
        {action === 'request_extension' && (
          <Form.Item
            name="duration"
            label={t('延期时长', 'Extra time')}
            rules={[
              { required: true, message: t('请选择延期时长', 'Choose how long') },
              { pattern: /^\d{1,5}(m|h|d)$/, message: t('如 3d、4h', 'e.g. 3d or 4h') },
            ]}
          >
            <Select
              autoFocus
              showSearch
              options={DURATIONS.map((d) => ({ value: d, label: durationText(d, lang) }))}
              // "3d" and "3 个" both find 3 个工作日.
              filterOption={(input, o) => !!o && (String(o.value).startsWith(input.trim()) || String(o.label).includes(input.trim()))}
              placeholder={t('选择或输入，如 3d', 'Pick or type, e.g. 3d')}
            />
          </Form.Item>
        )}
        {action === 'decide_extension' && (
          <>
            <PendingExtension c={c} />
            <Form.Item name="approve" label={t('审批结果', 'Decision')} rules={[{ required: true }]}>
              <Radio.Group aria-label={t('审批结果', 'Decision')}>
                <Radio value={true} autoFocus>
                  {t('同意延期', 'Approve')}
                </Radio>
                <Radio value={false}>{t('不同意', 'Refuse')}</Radio>
              </Radio.Group>
            </Form.Item>
          </>
        )}
        {(action === 'reply' || action === 'close_directly' || action === 'assist_reply') && (
          <Form.Item
            name="reply"
            label={action === 'reply' ? t('答复内容', 'Reply') : action === 'assist_reply' ? t('协办意见', 'Our part') : t('答复内容（直接办结）', 'Answer (closes the case)')}
            rules={[
              { required: true, whitespace: true, message: t('请填写答复内容', 'Write the reply') },
              { min: 2, message: t('至少 2 个字', 'At least 2 characters') },
            ]}
          >
            <Input.TextArea autoSize={{ minRows: 4, maxRows: 12 }} autoFocus maxLength={10000} showCount />
          </Form.Item>
        )}
        {action === 'verify' && (
          <Form.Item name="solved" label={t('回访结果', 'Outcome')} rules={[{ required: true }]}>
            <Radio.Group aria-label={t('回访结果', 'Outcome')}>
              <Radio value={true} autoFocus>
                {t('已解决', 'Solved')}
              </Radio>
              <Radio value={false}>{t('未解决', 'Not solved')}</Radio>
            </Radio.Group>
          </Form.Item>
        )}
        {action === 'verify' && solved === false && (
          <Form.Item name="closeUnsolved" valuePropName="checked" extra={t('不勾选则退回承办单位重新办理', 'Unticked, the case goes back to the lead unit')}>
            <Checkbox>{t('确已无法解决（已向群众解释说明），按未解决办结', 'Cannot be solved (explained to the citizen): close as unsolved')}</Checkbox>
          </Form.Item>
        )}
        {action === 'rate' && (
          <Form.Item name="rating" label={t('满意度', 'Satisfaction')} rules={[{ required: true, message: t('请选择星级', 'Choose 1 to 5 stars') }]}>
            <Rate tooltips={RATE_TEXT.map((p) => p[lang === 'zh' ? 0 : 1])} autoFocus aria-label={t('满意度', 'Satisfaction')} />
          </Form.Item>
        )}
        {action === 'cancel' && (
          <Form.Item name="duplicateOf" label={t('重复的主工单编号（合并时填写）', 'Number of the case this duplicates (when merging)')}>
            <Input placeholder={t('例如 20261123000012', 'e.g. 20261123000012')} />
          </Form.Item>
        )}
        {action === 'merge' && (
          <>
            <DuplicatePicks c={c} onPick={(no) => form.setFieldsValue({ duplicateOf: no })} />
            <Form.Item
              name="duplicateOf"
              label={t('合并到的主工单编号', 'Number of the main case')}
              rules={[{ required: true, whitespace: true, message: t('请填写主工单编号', 'Enter the main case number') }]}
            >
              <Input placeholder={t('例如 20261123000012', 'e.g. 20261123000012')} autoFocus />
            </Form.Item>
          </>
        )}
        {action === 'transfer_police' && (
          <Form.Item name="externalRef" label={t('110 警情编号（可选）', '110 incident number (optional)')}>
            <Input />
          </Form.Item>
        )}
        <Form.Item
          name="comment"
          label={t(cl[0], cl[1])}
          rules={[
            ...(commentRequired ? [{ required: true, whitespace: true, message: t(`请填写${cl[0]}`, `Enter the ${cl[1].toLowerCase()}`) }] : []),
            ...((required as string[]).includes(action) && action !== 'note' ? [{ min: 2, message: t('至少 2 个字', 'At least 2 characters') }] : []),
          ]}
        >
          <Input.TextArea
            autoSize={{ minRows: 2, maxRows: 8 }}
            maxLength={5000}
            autoFocus={!['dispatch', 'reply', 'close_directly', 'verify', 'rate', 'summon', 'request_extension', 'decide_extension', 'assist_reply', 'merge'].includes(action)}
          />
        </Form.Item>
        {(['reply', 'close_directly', 'note', 'arrive', 'assist_reply'] as string[]).includes(action) && (
          <Form.Item name="attachmentIds" label={t('附件', 'Attachments')} initialValue={[]}>
            <AttachmentUpload />
          </Form.Item>
        )}
        <Typography.Text type="secondary" className="form-hint">
          {t('Ctrl+Enter 提交', 'Ctrl+Enter submits')}
        </Typography.Text>
      </Form>
    </Modal>
  );
}

/** The extension request awaiting a decision, if the case carries it. */
function PendingExtension({ c }: { c: CaseDetail }) {
  const { t, lang } = useI18n();
  // The request rides on the running clock (deadline.pendingExtension), as the server sends it.
  const p = c.deadline?.pendingExtension ?? null;
  if (!p) return null;
  return (
    <Alert
      type="info"
      showIcon
      style={{ marginBottom: 12 }}
      message={`${t('申请延期', 'Asked for')} ${p.duration ? durationText(p.duration, lang) : ''}`}
      description={p.reason}
    />
  );
}

/** Units the dispatch feature proposes for this case: the duty list's lead unit with its rule, then the classifier's guesses. */
function DispatchHint({ c, onPick }: { c: CaseDetail; onPick(id: string): void }) {
  const t = useI18n().t;
  const s = useSuggestions({
    title: c.title,
    description: c.description,
    categoryCode: c.categoryCode,
    location: { address: c.location.address, lng: c.location.lng, lat: c.location.lat, divisionCode: c.location.divisionCode },
  });
  const lead = s.data?.proposal?.lead;
  const learned = s.data?.units && !s.data.units.abstained ? s.data.units.top.filter((u) => u.id !== lead?.unitId).slice(0, 3) : [];
  if (!lead && !learned.length) return null;
  const pick = (id: string) => (e: React.MouseEvent) => {
    e.preventDefault();
    onPick(id);
  };
  return (
    <Alert
      type="info"
      style={{ marginBottom: 12 }}
      message={
        <Space wrap size={[8, 4]}>
          {t('建议派往', 'Suggested')}:
          {lead && (
            <a href="#" onClick={pick(lead.unitId)} title={lead.reason} data-testid="hint-unit">
              {lead.unitName} ({t('权责清单', 'duty list')})
            </a>
          )}
          {learned.map((u) => (
            <a key={u.id} href="#" onClick={pick(u.id)} data-testid="hint-unit">
              {u.name} {Math.round(u.probability * 100)}%
            </a>
          ))}
        </Space>
      }
      description={lead ? <span className="muted">{lead.reason}</span> : undefined}
    />
  );
}

/** Open cases likely the same matter (GET /api/cases/:id/duplicates), one click to name as the main case. */
function DuplicatePicks({ c, onPick }: { c: CaseDetail; onPick(no: string): void }) {
  const t = useI18n().t;
  const q = useQuery<DuplicateCandidate[]>({
    queryKey: ['duplicates', c.id],
    queryFn: ({ signal }) => api(`/api/cases/${c.id}/duplicates`, { signal }),
    retry: false,
    staleTime: 30_000,
  });
  const list = (q.data ?? []).filter((d) => !['merged', 'cancelled', 'transferred'].includes(d.status));
  if (!list.length) return null;
  return (
    <div className="duplicate-picks" aria-label={t('疑似重复工单', 'Possible duplicates')}>
      <Typography.Text type="secondary">{t('疑似重复（点击选为主工单）', 'Possible duplicates (click to choose)')}</Typography.Text>
      <ul className="plain-list">
        {list.slice(0, 5).map((d) => (
          <li key={d.id}>
            <a
              href="#"
              onClick={(e) => {
                e.preventDefault();
                onPick(d.no);
              }}
            >
              {d.no}
            </a>{' '}
            <StatusTag status={d.status} /> {d.title} <span className="muted">{Math.round(d.score * 100)}%</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
