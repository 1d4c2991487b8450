/**
 * What a map point opens: number, title, status, deadline warning and a link
 * to the case. Loaded on click (GET /api/map/cases/:id), so the map's point
 * list stays compact and free of text.
 */
import { Link } from 'react-router';
import { Button, Space, Spin, Tag, Typography } from 'antd';
import { useQuery } from '@tanstack/react-query';
import dayjs from 'dayjs';
import { api } from '../../api/client.ts';
import type { Json } from '../../../../src/platform/json.ts';
import type { MapPointOut } from '../../../../src/cases/model.ts';
import { errorText } from '../../lib/forms.ts';
import { STATUS_COLOR, STATUS_TEXT, useI18n, useLabel } from '../../i18n.tsx';
import { WARNING_TAG_COLOR, WARNING_TEXT } from './filters.ts';

/** GET /api/map/cases/:ref (the server's response schema), dates as strings. */
export type MapCaseSummary = Json<MapPointOut>;

export function PointPopup({ id, no }: { id: string; no: string }) {
  const { t } = useI18n();
  const label = useLabel();
  const q = useQuery<MapCaseSummary>({ queryKey: ['map-case', id], queryFn: ({ signal }) => api(`/api/map/cases/${encodeURIComponent(id)}`, { signal }), staleTime: 30_000 });
  const c = q.data;
  return (
    <div className="map-popup" aria-live="polite">
      <Typography.Text type="secondary" copyable={{ text: no }} style={{ fontSize: 12 }}>
        {no}
      </Typography.Text>
      {q.isLoading && (
        <div style={{ padding: '8px 0' }}>
          <Spin size="small" /> {t('加载中…', 'Loading…')}
        </div>
      )}
      {q.isError && (
        <div style={{ padding: '6px 0' }}>
          <Typography.Text type="danger">{errorText(q.error)}</Typography.Text>{' '}
          <Button size="small" type="link" onClick={() => q.refetch()}>
            {t('重试', 'Retry')}
          </Button>
        </div>
      )}
      {c && (
        <>
          <div className="map-popup-title">{c.title}</div>
          <Space size={4} wrap style={{ marginBottom: 4 }}>
            <Tag color={STATUS_COLOR[c.status]} style={{ marginInlineEnd: 0 }}>
              {label(STATUS_TEXT, c.status)}
            </Tag>
            {c.warning !== 'none' && (
              <Tag color={WARNING_TAG_COLOR[c.warning]} style={{ marginInlineEnd: 0 }}>
                {label(WARNING_TEXT, c.warning)}
              </Tag>
            )}
            {c.urgency === 'urgent' && (
              <Tag color="red" style={{ marginInlineEnd: 0 }}>
                {t('紧急', 'Urgent')}
              </Tag>
            )}
          </Space>
          <div className="map-popup-meta">
            {c.categoryName && <div>{c.categoryName}</div>}
            {(c.gridName || c.address) && <div>{[c.gridName, c.address].filter(Boolean).join(' · ')}</div>}
            {c.leadUnitName && <div>{t(`承办：${c.leadUnitName}`, `Lead: ${c.leadUnitName}`)}</div>}
            <div>
              {t('登记', 'Registered')} {dayjs(c.createdAt).format('YYYY-MM-DD HH:mm')}
              {c.dueAt && ` · ${t('时限', 'Due')} ${dayjs(c.dueAt).format('MM-DD HH:mm')}`}
            </div>
          </div>
        </>
      )}
      <div style={{ marginTop: 6 }}>
        <Link to={`/cases/${encodeURIComponent(no)}`} className="map-popup-link">
          {t('查看工单', 'Open the case')} →
        </Link>
      </div>
    </div>
  );
}
