/**
 * 工单详情: every field as the API returns it (personal data masked by the
 * server), the event-log timeline, attachments, and exactly the actions the
 * API says this user may take now.
 */
import { lazy, Suspense, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { Alert, Button, Card, Col, Descriptions, Rate, Row, Space, Tag, Tooltip, Typography } from 'antd';
import { ArrowLeftOutlined, LockOutlined, ReloadOutlined } from '@ant-design/icons';
import { useCase, useGrids, useMeta, useUnits } from '../api/hooks.ts';
import { ACTIONS, type Action } from '../api/types.ts';
import { ACTION_TEXT, CHANNEL_TEXT, TYPE_TEXT, useI18n, useLabel } from '../i18n.tsx';
import { durationText, fmtTime } from '../lib/format.ts';
import { CLOCK_TEXT } from '../lib/countdown.ts';
import { Countdown } from '../components/Countdown.tsx';
import { StatusTag, UrgencyTag } from '../components/StatusTag.tsx';
import { ErrorState, Loading } from '../components/States.tsx';
import { ActionModal, RATE_TEXT } from '../components/ActionModal.tsx';
import { AttachmentList, CaseTimeline } from '../components/CaseTimeline.tsx';

const MapCanvas = lazy(() => import('../components/MapCanvas.tsx'));

/** The order and look of the action buttons: the next step of the loop first. */
const PRIMARY: Action[] = ['dispatch', 'accept', 'start', 'reply', 'verify', 'close', 'close_directly', 'rate'];
const DANGER: Action[] = ['return', 'cancel', 'transfer_police'];
/** Two columns from tablet width up (every breakpoint named: a missing one falls back to antd's three). */
const TWO_COLUMNS = { xs: 1, sm: 1, md: 2, lg: 2, xl: 2, xxl: 2 };
const DESC_STYLES = { label: { width: 104, whiteSpace: 'nowrap' as const } };

export default function CaseDetailPage() {
  const { ref } = useParams();
  const { t, lang } = useI18n();
  const label = useLabel();
  const navigate = useNavigate();
  const q = useCase(ref);
  const units = useUnits();
  const grids = useGrids();
  const meta = useMeta();
  const [action, setAction] = useState<string | null>(null);
  const labelOf = (a: string) => (a in ACTION_TEXT ? label(ACTION_TEXT, a) : (meta.data?.actions.find((x) => x.value === a)?.label ?? a));

  if (q.isPending) return <Loading height={400} />;
  if (q.isError)
    return (
      <ErrorState
        error={q.error}
        onRetry={() => q.refetch()}
        extra={
          <Button onClick={() => navigate('/queues')} icon={<ArrowLeftOutlined />}>
            {t('返回工作台', 'Back to queues')}
          </Button>
        }
      />
    );
  const c = q.data;
  const unitName = (id: string) => units.data?.find((u) => u.id === id)?.name;
  // Known actions in loop order, then any the API offers that this console does not know yet.
  const actions: string[] = [...ACTIONS.filter((a) => c.availableActions.includes(a)), ...c.availableActions.filter((a) => !(ACTIONS as readonly string[]).includes(a))];
  const primary = actions.filter((a) => (PRIMARY as string[]).includes(a));
  const others = actions.filter((a) => !(PRIMARY as string[]).includes(a));
  const dl = c.deadline;
  const clockName = dl?.clock ? (CLOCK_TEXT[dl.clock]?.[lang === 'zh' ? 0 : 1] ?? dl.clock) : null;
  const dash = <span className="muted">—</span>;

  return (
    <div className="page case-page">
      <div className="case-head">
        <Space wrap align="center">
          <Button type="text" icon={<ArrowLeftOutlined />} onClick={() => (window.history.length > 1 ? navigate(-1) : navigate('/queues'))} aria-label={t('返回', 'Back')} />
          <Typography.Text copyable className="case-no" strong>
            {c.no}
          </Typography.Text>
          <StatusTag status={c.status} />
          <UrgencyTag urgency={c.urgency} />
          <Tag>{label(TYPE_TEXT, c.type)}</Tag>
          {c.reporter.confidential && (
            <Tag icon={<LockOutlined />} color="orange">
              {t('保密', 'Confidential')}
            </Tag>
          )}
          <Countdown deadline={dl} />
          {dl?.escalated && <Tag color="volcano">{t('已升级督办', 'Escalated')}</Tag>}
          {!!c.mergedCount && <Tag color="blue">{t(`已并入 ${c.mergedCount} 件重复来电`, `${c.mergedCount} duplicates merged in`)}</Tag>}
        </Space>
        <Typography.Title level={3} className="case-title">
          {c.title}
        </Typography.Title>
        <div className="muted">
          {label(CHANNEL_TEXT, c.channel)} · {t('登记于', 'Registered')} {fmtTime(c.createdAt)} · {t('更新于', 'Updated')} {fmtTime(c.updatedAt)} · v{c.version}
        </div>
      </div>

      <Card size="small" className="action-bar" role="toolbar" aria-label={t('可执行操作', 'Actions')}>
        <Space wrap>
          {actions.length === 0 && <span className="muted">{t('当前状态下您没有可执行的操作', 'Nothing for you to do on this case now')}</span>}
          {primary.map((a) => (
            <Button key={a} type="primary" onClick={() => setAction(a)} data-action={a}>
              {a === 'dispatch' && c.status === 'dispatched' ? t('改派', 'Re-dispatch') : labelOf(a)}
            </Button>
          ))}
          {others.map((a) => (
            <Button key={a} danger={(DANGER as string[]).includes(a)} onClick={() => setAction(a)} data-action={a}>
              {labelOf(a)}
            </Button>
          ))}
          <Tooltip title={t('刷新', 'Reload')}>
            <Button icon={<ReloadOutlined />} onClick={() => q.refetch()} loading={q.isRefetching} aria-label={t('刷新', 'Reload')} />
          </Tooltip>
        </Space>
      </Card>

      <Row gutter={16}>
        <Col xs={24} lg={15}>
          <Card title={t('诉求内容', 'Request')} size="small" className="section">
            <Typography.Paragraph className="description">{c.description}</Typography.Paragraph>
          </Card>
          <Card title={t('工单信息', 'Case')} size="small" className="section">
            <Descriptions size="small" column={TWO_COLUMNS} bordered styles={DESC_STYLES}>
              <Descriptions.Item label={t('工单编号', 'Number')}>{c.no}</Descriptions.Item>
              <Descriptions.Item label={t('状态', 'Status')}>
                <StatusTag status={c.status} />
              </Descriptions.Item>
              <Descriptions.Item label={t('类型', 'Type')}>{label(TYPE_TEXT, c.type)}</Descriptions.Item>
              <Descriptions.Item label={t('事项分类', 'Category')}>{c.categoryName ? `${c.categoryName} (${c.categoryCode})` : (c.categoryCode ?? dash)}</Descriptions.Item>
              <Descriptions.Item label={t('紧急程度', 'Urgency')}>
                <UrgencyTag urgency={c.urgency} />
              </Descriptions.Item>
              <Descriptions.Item label={t('来源渠道', 'Channel')}>{label(CHANNEL_TEXT, c.channel)}</Descriptions.Item>
              <Descriptions.Item label={t('主办单位', 'Lead unit')}>{c.leadUnitName ?? dash}</Descriptions.Item>
              <Descriptions.Item label={t('协办单位', 'Assisting units')}>{c.assistUnits.length ? c.assistUnits.map((u) => u.name).join('、') : dash}</Descriptions.Item>
              <Descriptions.Item label={t('登记时间', 'Registered')}>{fmtTime(c.createdAt)}</Descriptions.Item>
              <Descriptions.Item label={t('办结时间', 'Closed')}>{c.closedAt ? fmtTime(c.closedAt) : dash}</Descriptions.Item>
              {c.externalRef && <Descriptions.Item label={t('外部编号', 'External ref')}>{c.externalRef}</Descriptions.Item>}
              {c.duplicateOf && (
                <Descriptions.Item label={c.status === 'merged' ? t('已合并到', 'Merged into') : t('重复于', 'Duplicate of')}>
                  <Link to={`/cases/${c.duplicateOf}`}>{t('查看主工单', 'Open the main case')}</Link>
                </Descriptions.Item>
              )}
              {dl?.dueAt && (
                <Descriptions.Item label={clockName ?? t('时限', 'Deadline')}>
                  <Space wrap size={6}>
                    {fmtTime(dl.dueAt)}
                    <Countdown deadline={dl} compact />
                  </Space>
                </Descriptions.Item>
              )}
              {dl?.acceptDueAt && dl.clock !== 'accept' && <Descriptions.Item label={t('签收时限', 'Accept by')}>{fmtTime(dl.acceptDueAt)}</Descriptions.Item>}
              {dl?.replyDueAt && dl.clock !== 'reply' && <Descriptions.Item label={t('办理时限', 'Reply by')}>{fmtTime(dl.replyDueAt)}</Descriptions.Item>}
              {dl?.returnDueAt && ['dispatched', 'accepted'].includes(c.status) && (
                <Descriptions.Item label={t('可退单至', 'May return until')}>{fmtTime(dl.returnDueAt)}</Descriptions.Item>
              )}
              {!!dl?.extensionCount && <Descriptions.Item label={t('已延期', 'Extensions')}>{t(`${dl.extensionCount} 次`, `${dl.extensionCount}`)}</Descriptions.Item>}
              {dl?.pendingExtension && (
                <Descriptions.Item label={t('延期申请', 'Extension asked')}>
                  {durationText(dl.pendingExtension.duration, lang)}
                  {dl.pendingExtension.reason ? `：${dl.pendingExtension.reason}` : ''} <Tag color="gold">{t('待审批', 'Pending')}</Tag>
                </Descriptions.Item>
              )}
              {!!c.returnCount && <Descriptions.Item label={t('退单次数', 'Returned')}>{c.returnCount}</Descriptions.Item>}
            </Descriptions>
          </Card>
          <Card
            title={t('反映人', 'Reporter')}
            size="small"
            className="section"
            extra={c.reporter.masked ? <Tag icon={<LockOutlined />}>{t('已脱敏', 'Masked')}</Tag> : null}
          >
            <Descriptions size="small" column={TWO_COLUMNS} bordered styles={DESC_STYLES}>
              <Descriptions.Item label={t('姓名', 'Name')}>{c.reporter.name ?? dash}</Descriptions.Item>
              <Descriptions.Item label={t('电话', 'Phone')}>
                {c.reporter.phone ? c.reporter.masked ? c.reporter.phone : <a href={`tel:${c.reporter.phone}`}>{c.reporter.phone}</a> : dash}
              </Descriptions.Item>
              <Descriptions.Item label={t('保密', 'Confidential')}>{c.reporter.confidential ? t('是', 'Yes') : t('否', 'No')}</Descriptions.Item>
            </Descriptions>
          </Card>
          <Card title={t('位置', 'Location')} size="small" className="section">
            <Descriptions size="small" column={TWO_COLUMNS} bordered styles={DESC_STYLES}>
              <Descriptions.Item label={t('地址', 'Address')} span={2}>
                {c.location.address ?? dash}
              </Descriptions.Item>
              <Descriptions.Item label={t('网格', 'Grid')}>{c.location.gridName ?? dash}</Descriptions.Item>
              <Descriptions.Item label={t('行政区划', 'Division')}>
                {c.location.divisionName ? `${c.location.divisionName} (${c.location.divisionCode})` : (c.location.divisionCode ?? dash)}
              </Descriptions.Item>
              <Descriptions.Item label={t('坐标', 'Point')} span={2}>
                {c.location.lng != null ? `${c.location.lng}, ${c.location.lat}` : dash}
              </Descriptions.Item>
            </Descriptions>
            {c.location.lng != null && c.location.lat != null && (
              <div style={{ marginTop: 12 }}>
                <Suspense fallback={<Loading height={220} />}>
                  <MapCanvas grids={grids.data} points={[{ id: c.id, lng: c.location.lng, lat: c.location.lat, status: c.status, label: c.title }]} height={220} fitKey={c.id} ariaLabel={t('工单位置', 'Case location')} />
                </Suspense>
              </div>
            )}
          </Card>
          {(c.reply || c.solved !== null || c.rating !== null) && (
            <Card title={t('办理结果', 'Outcome')} size="small" className="section">
              <Descriptions size="small" column={1} bordered styles={DESC_STYLES}>
                {c.reply && (
                  <Descriptions.Item label={t('答复', 'Reply')}>
                    <div className="pre-wrap">{c.reply}</div>
                  </Descriptions.Item>
                )}
                {c.solved !== null && <Descriptions.Item label={t('核查', 'Verified')}>{c.solved ? t('已解决', 'Solved') : t('未解决', 'Not solved')}</Descriptions.Item>}
                {c.rating !== null && (
                  <Descriptions.Item label={t('评价', 'Rating')}>
                    <Space>
                      <Rate disabled value={c.rating} />
                      <span>{RATE_TEXT[c.rating - 1]?.[lang === 'zh' ? 0 : 1]}</span>
                    </Space>
                    {c.ratingComment && <div className="pre-wrap">{c.ratingComment}</div>}
                  </Descriptions.Item>
                )}
              </Descriptions>
            </Card>
          )}
          <Card title={`${t('附件', 'Attachments')} (${c.attachments.length})`} size="small" className="section">
            {c.attachments.length ? <AttachmentList files={c.attachments} /> : <span className="muted">{t('无附件', 'None')}</span>}
          </Card>
        </Col>
        <Col xs={24} lg={9}>
          <Card title={t('办理过程', 'Timeline')} size="small" className="section timeline-card">
            {c.timeline.length ? (
              <CaseTimeline events={c.timeline} attachments={c.attachments} unitName={unitName} />
            ) : (
              <Alert type="info" message={t('暂无记录', 'No events yet')} />
            )}
          </Card>
        </Col>
      </Row>
      <ActionModal action={action} c={c} onClose={() => setAction(null)} labelOf={labelOf} />
    </div>
  );
}
