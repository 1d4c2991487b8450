import { Image, Rate, Space, Tag, Timeline, Typography } from 'antd';
import { FileOutlined } from '@ant-design/icons';
import type { Attachment } from '../api/client.ts';
import type { TimelineEvent } from '../api/types.ts';
import { ACTION_TEXT, STATUS_COLOR, STATUS_TEXT, useI18n, useLabel } from '../i18n.tsx';
import { durationText, fmtTimeSec } from '../lib/format.ts';

const ACTION_COLOR: Record<string, string> = {
  create: 'blue',
  dispatch: 'purple',
  accept: 'cyan',
  return: 'red',
  reply: 'blue',
  verify: 'green',
  close: 'green',
  close_directly: 'green',
  rate: 'gold',
  reopen: 'orange',
  cancel: 'gray',
  transfer_police: 'magenta',
  urge: 'orange',
  supervise: 'red',
  note: 'gray',
};

/** The event log as a timeline, oldest first; `unitName` turns unit ids in event data into names. */
export function CaseTimeline({
  events,
  attachments,
  unitName,
  publicView,
}: {
  events: TimelineEvent[];
  attachments: Attachment[];
  unitName?(id: string): string | undefined;
  publicView?: boolean;
}) {
  const { t, lang } = useI18n();
  const label = useLabel();
  const byId = new Map(attachments.map((a) => [a.id, a]));
  return (
    <Timeline
      items={events.map((e) => {
        const d = (e.data ?? {}) as Record<string, unknown>;
        const lead = typeof d.leadUnitId === 'string' ? (unitName?.(d.leadUnitId) ?? null) : null;
        const assists = Array.isArray(d.assistUnitIds) ? (d.assistUnitIds as string[]).map((id) => unitName?.(id) ?? null).filter(Boolean) : [];
        const summoned = Array.isArray(d.unitIds) ? (d.unitIds as string[]).map((id) => unitName?.(id) ?? null).filter(Boolean) : [];
        const files = (e.attachmentIds ?? []).map((id) => byId.get(id) ?? { id, filename: id, mime: '', size: 0 });
        const changed = e.fromStatus && e.fromStatus !== e.toStatus;
        return {
          key: e.seq,
          color: ACTION_COLOR[e.action] ?? 'gray',
          children: (
            <div className="tl-item">
              <div className="tl-head">
                <Typography.Text strong>{label(ACTION_TEXT, e.action, e.actionLabel)}</Typography.Text>
                {!publicView && e.actor?.name && <span className="muted"> · {e.actor.name}</span>}
                {e.actorUnit?.name && <span className="muted"> · {e.actorUnit.name}</span>}
              </div>
              <div className="muted tl-time">
                <time dateTime={e.at}>{fmtTimeSec(e.at)}</time>
                {changed && (
                  <span className="tl-status">
                    {' '}
                    <Tag color={STATUS_COLOR[e.fromStatus!]} bordered={false}>
                      {label(STATUS_TEXT, e.fromStatus)}
                    </Tag>
                    →{' '}
                    <Tag color={STATUS_COLOR[e.toStatus]} bordered={false}>
                      {label(STATUS_TEXT, e.toStatus)}
                    </Tag>
                  </span>
                )}
              </div>
              {(lead || assists.length > 0) && (
                <div>
                  {lead && (
                    <span>
                      {t('主办', 'Lead')}: {lead}
                    </span>
                  )}
                  {assists.length > 0 && (
                    <span>
                      {' '}
                      · {t('协办', 'Assisting')}: {assists.join('、')}
                    </span>
                  )}
                </div>
              )}
              {summoned.length > 0 && (
                <div>
                  {t('吹哨单位', 'Summoned')}: {summoned.join('、')}
                </div>
              )}
              {typeof d.duration === 'string' && (
                <div>
                  {t('延期', 'Extension')}: {durationText(d.duration, lang)}
                </div>
              )}
              {typeof d.approve === 'boolean' && <div>{d.approve ? t('同意延期', 'Extension approved') : t('不同意延期', 'Extension refused')}</div>}
              {typeof d.reply === 'string' && <div className="tl-reply">{d.reply}</div>}
              {typeof d.solved === 'boolean' && <div>{d.solved ? t('核查结果：已解决', 'Outcome: solved') : t('核查结果：未解决', 'Outcome: not solved')}</div>}
              {typeof d.rating === 'number' && <Rate disabled value={d.rating} style={{ fontSize: 14 }} />}
              {typeof d.externalRef === 'string' && (
                <div>
                  {t('外部编号', 'External ref')}: {d.externalRef}
                </div>
              )}
              {e.comment && <div className="tl-comment">{e.comment}</div>}
              {files.length > 0 && <AttachmentList files={files} size={56} />}
            </div>
          ),
        };
      })}
    />
  );
}

export function AttachmentList({ files, size = 96 }: { files: Attachment[]; size?: number }) {
  const images = files.filter((f) => f.mime.startsWith('image/'));
  const others = files.filter((f) => !f.mime.startsWith('image/'));
  return (
    <div className="attachments">
      {images.length > 0 && (
        <Image.PreviewGroup>
          <Space wrap size={8}>
            {images.map((f) => (
              <Image key={f.id} src={`/api/attachments/${f.id}`} alt={f.filename} width={size} height={size} style={{ objectFit: 'cover', borderRadius: 4 }} />
            ))}
          </Space>
        </Image.PreviewGroup>
      )}
      {others.length > 0 && (
        <ul className="plain-list">
          {others.map((f) => (
            <li key={f.id}>
              <FileOutlined />{' '}
              <a href={`/api/attachments/${f.id}`} target="_blank" rel="noreferrer">
                {f.filename}
              </a>
              {f.size > 0 && <span className="muted"> ({Math.max(1, Math.round(f.size / 1024))} KB)</span>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
