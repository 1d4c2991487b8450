/**
 * 一张图: grids as polygons, cases as dots coloured by status, clustered when
 * zoomed out; click a dot to open the case. Filters by status, category, time.
 */
import { useMemo, useState } from 'react';
import { useNavigate } from 'react-router';
import { Alert, Button, Card, DatePicker, Form, Select, Space, Switch, Typography } from 'antd';
import { ReloadOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import type { Dayjs } from 'dayjs';
import { api, withQuery } from '../api/client.ts';
import { useGrids } from '../api/hooks.ts';
import { STATUSES, type CaseList, type CaseView, type Status } from '../api/types.ts';
import { STATUS_COLOR, STATUS_TEXT, useI18n, useLabel } from '../i18n.tsx';
import { CategoryCascader } from '../components/CategoryCascader.tsx';
import { MapCanvas, type MapPoint } from '../components/MapCanvas.tsx';
import { ErrorState } from '../components/States.tsx';

/** How many cases the map loads at most (pages of 200). */
const MAX_CASES = 2000;
const OPEN: Status[] = ['registered', 'dispatched', 'accepted', 'in_progress', 'replied', 'verified', 'returned'];

interface Filters {
  status?: Status[];
  category?: string[];
  range?: [Dayjs | null, Dayjs | null] | null;
}

export default function MapPage() {
  const { t } = useI18n();
  const label = useLabel();
  const navigate = useNavigate();
  const [filters, setFilters] = useState<Filters>({ status: OPEN });
  const [cluster, setCluster] = useState(true);
  const grids = useGrids();

  const query = {
    status: filters.status,
    categoryCode: filters.category?.length ? filters.category[filters.category.length - 1] : undefined,
    createdFrom: filters.range?.[0]?.startOf('day').toISOString(),
    createdTo: filters.range?.[1]?.add(1, 'day').startOf('day').toISOString(),
  };
  const cases = useQuery({
    queryKey: ['cases', 'map', query],
    queryFn: async ({ signal }) => {
      const all: CaseView[] = [];
      let cursor: string | null = null;
      do {
        const page: CaseList = await api<CaseList>(withQuery('/api/cases', { ...query, limit: 200, cursor: cursor ?? undefined }), { signal });
        all.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor && all.length < MAX_CASES);
      return { items: all, truncated: !!cursor };
    },
  });

  const points: MapPoint[] = useMemo(
    () =>
      (cases.data?.items ?? [])
        .filter((c) => c.location.lng != null && c.location.lat != null)
        .map((c) => ({ id: c.no, lng: c.location.lng!, lat: c.location.lat!, status: c.status, label: `${c.no} ${c.title} · ${label(STATUS_TEXT, c.status)}` })),
    [cases.data, label],
  );
  const withoutPoint = (cases.data?.items.length ?? 0) - points.length;

  return (
    <div className="page map-page">
      <div className="page-head">
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('一张图', 'Map')}
        </Typography.Title>
      </div>
      <Card size="small" className="map-toolbar">
        <Form<Filters> layout="inline" initialValues={filters} onValuesChange={(_c, all) => setFilters(all)} aria-label={t('筛选', 'Filters')}>
          <Form.Item name="status" label={t('状态', 'Status')}>
            <Select
              mode="multiple"
              allowClear
              maxTagCount="responsive"
              style={{ width: 260 }}
              placeholder={t('全部状态', 'All statuses')}
              options={STATUSES.map((s) => ({ value: s, label: label(STATUS_TEXT, s) }))}
            />
          </Form.Item>
          <Form.Item name="category" label={t('分类', 'Category')}>
            <CategoryCascader style={{ width: 200 }} />
          </Form.Item>
          <Form.Item name="range" label={t('登记日期', 'Registered')}>
            <DatePicker.RangePicker allowEmpty={[true, true]} style={{ width: 240 }} />
          </Form.Item>
          <Form.Item label={t('聚合', 'Cluster')}>
            <Switch checked={cluster} onChange={setCluster} aria-label={t('聚合显示', 'Cluster points')} />
          </Form.Item>
          <Form.Item>
            <Button icon={<ReloadOutlined />} onClick={() => cases.refetch()} loading={cases.isFetching} aria-label={t('刷新', 'Refresh')}>
              {t('刷新', 'Refresh')}
            </Button>
          </Form.Item>
        </Form>
      </Card>
      {cases.isError ? (
        <ErrorState error={cases.error} onRetry={() => cases.refetch()} />
      ) : (
        <div className="map-wrap">
          <MapCanvas
            grids={grids.data}
            points={points}
            cluster={cluster}
            onPointClick={(no) => navigate(`/cases/${encodeURIComponent(no)}`)}
            height="100%"
            fitKey={`${grids.data?.length ?? 0}:${JSON.stringify(query)}`}
            ariaLabel={t('工单与网格地图', 'Map of cases and grids')}
          />
          <div className="map-legend" aria-label={t('图例', 'Legend')}>
            {STATUSES.filter((s) => !filters.status?.length || filters.status.includes(s)).map((s) => (
              <span key={s} className="legend-item">
                <span className="legend-dot" style={{ background: STATUS_COLOR[s] }} />
                {label(STATUS_TEXT, s)}
              </span>
            ))}
            <span className="legend-item">
              <span className="legend-grid" />
              {t('网格', 'Grid')}
            </span>
          </div>
          <div className="map-status" aria-live="polite">
            <Space direction="vertical" size={4}>
              {cases.isFetching && <Alert type="info" message={t('加载工单…', 'Loading cases…')} />}
              {!cases.isFetching && cases.data && (
                <Alert
                  type={points.length ? 'success' : 'warning'}
                  message={
                    <span>
                      {t(`地图上 ${points.length} 件`, `${points.length} on the map`)}
                      {withoutPoint > 0 && t(`，另有 ${withoutPoint} 件无坐标`, `, ${withoutPoint} without a point`)}
                      {cases.data.truncated && t(`（仅显示最近 ${MAX_CASES} 件）`, ` (latest ${MAX_CASES} only)`)}
                    </span>
                  }
                />
              )}
              {grids.isError && <Alert type="warning" message={t('网格加载失败', 'Grids failed to load')} />}
              {grids.data && !grids.data.length && <Alert type="info" message={t('尚未配置网格', 'No grids configured yet')} />}
            </Space>
          </div>
        </div>
      )}
    </div>
  );
}
