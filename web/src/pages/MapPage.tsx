/**
 * 一张图: division outlines (区划边界) and grids as polygons, every matching case as a point coloured by status
 * or by deadline warning, clustered when zoomed out, and a heat layer. Filters
 * (status, warning, category, channel, time, grid) live in the URL so a view
 * can be shared; a point opens a popup with a link to the case.
 */
import { useCallback, useMemo, useState } from 'react';
import { createPortal } from 'react-dom';
import { useSearchParams } from 'react-router';
import { Alert, Button, Card, DatePicker, Form, Segmented, Select, Space, Switch, Tag, Typography } from 'antd';
import { ClearOutlined, ReloadOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import dayjs from 'dayjs';
import { api, withQuery } from '../api/client.ts';
import { categoryPath, useGrids } from '../api/hooks.ts';
import { CHANNELS, STATUSES, type Grid, type Status } from '../api/types.ts';
import { CHANNEL_TEXT, STATUS_COLOR, STATUS_TEXT, useI18n, useLabel } from '../i18n.tsx';
import { CategoryCascader } from '../components/CategoryCascader.tsx';
import { MapCanvas, type HeatPoint, type MapPoint } from '../components/MapCanvas.tsx';
import { ErrorState } from '../components/States.tsx';
import {
  OPEN_STATUSES,
  TIME_PRESETS,
  TIME_TEXT,
  WARNINGS,
  WARNING_COLOR,
  WARNING_TEXT,
  apiQuery,
  readFilters,
  readView,
  writeParams,
  type MapFilters,
  type MapView,
  type Warning,
} from './map/filters.ts';
import { PointPopup } from './map/PointPopup.tsx';
import { useDivisionOutlines } from './map/useDivisionOutlines.ts';

/** [id, no, lng, lat, status, warning, categoryCode], as GET /api/map/cases sends them. */
type PointTuple = [string, string, number, number, Status, Warning, string | null];
interface MapCases {
  total: number;
  located: number;
  shown: number;
  truncated: boolean;
  limit: number;
  points: PointTuple[];
}
interface Density {
  cell: number;
  total: number;
  max: number;
  cells: [number, number, number][];
}

const WARNING_RANK: Record<Warning, number> = { none: 0, yellow: 1, red: 2 };
/** Heat cell size when the heat comes from the server's counts (≈ 200 m). */
const HEAT_CELL = 0.002;
/** Above this many points the heat layer uses the server's cell counts: fewer samples to redraw on every move. */
const HEAT_FROM_SERVER = 5000;

export default function MapPage() {
  const { t } = useI18n();
  const label = useLabel();
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => readFilters(params), [params]);
  const view = useMemo(() => readView(params), [params]);
  const grids = useGrids();
  const outlines = useDivisionOutlines(view.divisions);
  const [popup, setPopup] = useState<{ id: string; no: string; el: HTMLElement } | null>(null);

  const update = useCallback(
    (f: Partial<MapFilters>, v: Partial<MapView> = {}) => setParams(writeParams({ ...filters, ...f }, { ...view, ...v }), { replace: true }),
    [filters, view, setParams],
  );

  const query = useMemo(() => apiQuery(filters), [filters]);
  const cases = useQuery({
    queryKey: ['map', 'cases', query],
    queryFn: ({ signal }) => api<MapCases>(withQuery('/api/map/cases', query), { signal }),
    placeholderData: (prev) => prev,
  });
  const wantHeat = view.mode !== 'points';
  // For many cases the heat comes from server-side counts: it then covers every case, even past the point cap.
  const heatFromServer = !!cases.data && (cases.data.truncated || cases.data.shown > HEAT_FROM_SERVER);
  const density = useQuery({
    queryKey: ['map', 'density', query],
    queryFn: ({ signal }) => api<Density>(withQuery('/api/map/density', { ...query, cell: HEAT_CELL }), { signal }),
    enabled: wantHeat && heatFromServer,
  });

  const points: MapPoint[] = useMemo(
    () =>
      (cases.data?.points ?? []).map(([id, no, lng, lat, status, warning]) => ({
        id,
        lng,
        lat,
        status,
        color: view.colorBy === 'warning' ? WARNING_COLOR[warning] : STATUS_COLOR[status],
        rank: view.colorBy === 'warning' ? WARNING_RANK[warning] : 0,
        label: no,
      })),
    [cases.data, view.colorBy],
  );
  const heat: HeatPoint[] | null = useMemo(() => {
    if (!wantHeat || !cases.data) return null;
    if (heatFromServer) return density.data ? density.data.cells.map(([lng, lat, n]) => [lat, lng, n] as HeatPoint) : null;
    return cases.data.points.map((p) => [p[3], p[2], 1] as HeatPoint);
  }, [wantHeat, heatFromServer, cases.data, density.data]);

  // Counts per legend entry, of the points on the map.
  const tally = useMemo(() => {
    const m = new Map<string, number>();
    for (const p of cases.data?.points ?? []) {
      const k = view.colorBy === 'warning' ? p[5] : p[4];
      m.set(k, (m.get(k) ?? 0) + 1);
    }
    return m;
  }, [cases.data, view.colorBy]);

  const noByIdRef = useMemo(() => new Map((cases.data?.points ?? []).map((p) => [p[0], p[1]])), [cases.data]);
  const renderPopup = useCallback(
    (p: MapPoint) => {
      const el = document.createElement('div');
      setPopup({ id: p.id, no: noByIdRef.get(p.id) ?? p.label ?? p.id, el });
      return el;
    },
    [noByIdRef],
  );

  const selectedGrid = grids.data?.find((g) => g.id === filters.gridId);
  const onGridClick = useCallback((g: Grid) => update({ gridId: g.id }), [update]);
  const filtered = params.toString() !== '' && ['status', 'warning', 'channel', 'category', 'grid', 'time'].some((k) => params.has(k));
  const data = cases.data;

  return (
    <div className="page map-page">
      <div className="page-head">
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('一张图', 'Map')}
        </Typography.Title>
      </div>
      <Card size="small" className="map-toolbar">
        <Form layout="inline" aria-label={t('筛选', 'Filters')} onSubmitCapture={(e) => e.preventDefault()}>
          <Form.Item label={t('状态', 'Status')} htmlFor="map-status">
            <Select<Status[]>
              id="map-status"
              mode="multiple"
              allowClear
              maxTagCount="responsive"
              style={{ width: 220 }}
              placeholder={t('全部状态', 'All statuses')}
              value={filters.status}
              onChange={(status) => update({ status })}
              options={STATUSES.map((s) => ({ value: s, label: label(STATUS_TEXT, s) }))}
              dropdownRender={(menu) => (
                <>
                  <Space style={{ padding: '4px 8px' }}>
                    <Button size="small" onClick={() => update({ status: OPEN_STATUSES })}>
                      {t('在办', 'Open')}
                    </Button>
                    <Button size="small" onClick={() => update({ status: [] })}>
                      {t('全部', 'All')}
                    </Button>
                  </Space>
                  {menu}
                </>
              )}
            />
          </Form.Item>
          <Form.Item label={t('预警', 'Warning')} htmlFor="map-warning">
            <Select<Warning[]>
              id="map-warning"
              mode="multiple"
              allowClear
              maxTagCount="responsive"
              style={{ width: 170 }}
              placeholder={t('全部', 'Any')}
              value={filters.warning}
              onChange={(warning) => update({ warning })}
              options={WARNINGS.map((w) => ({ value: w, label: label(WARNING_TEXT, w) }))}
            />
          </Form.Item>
          <Form.Item label={t('分类', 'Category')} htmlFor="map-category">
            <CategoryCascader
              id="map-category"
              style={{ width: 190 }}
              value={categoryPath(filters.category)}
              onChange={(v) => update({ category: v?.length ? v[v.length - 1] : undefined })}
            />
          </Form.Item>
          <Form.Item label={t('渠道', 'Channel')} htmlFor="map-channel">
            <Select
              id="map-channel"
              mode="multiple"
              allowClear
              maxTagCount="responsive"
              style={{ width: 160 }}
              placeholder={t('全部渠道', 'All channels')}
              value={filters.channel}
              onChange={(channel) => update({ channel })}
              options={CHANNELS.map((c) => ({ value: c, label: label(CHANNEL_TEXT, c) }))}
            />
          </Form.Item>
          <Form.Item label={t('登记时间', 'Registered')} htmlFor="map-time">
            <Space.Compact>
              <Select
                id="map-time"
                style={{ width: 116 }}
                value={filters.time}
                onChange={(time) => update(time === 'custom' ? { time, from: filters.from ?? dayjs().subtract(29, 'day').format('YYYY-MM-DD'), to: filters.to } : { time })}
                options={TIME_PRESETS.map((p) => ({ value: p, label: label(TIME_TEXT, p) }))}
              />
              {filters.time === 'custom' && (
                <DatePicker.RangePicker
                  aria-label={t('自定义时间范围', 'Custom range')}
                  allowEmpty={[true, true]}
                  style={{ width: 230 }}
                  value={[filters.from ? dayjs(filters.from) : null, filters.to ? dayjs(filters.to) : null]}
                  onChange={(r) => update({ from: r?.[0]?.format('YYYY-MM-DD'), to: r?.[1]?.format('YYYY-MM-DD') })}
                />
              )}
            </Space.Compact>
          </Form.Item>
          {filters.gridId && (
            <Form.Item label={t('网格', 'Grid')}>
              <Tag closable color="orange" className="map-grid-chip" onClose={() => update({ gridId: undefined })} closeIcon={<span aria-label={t('取消网格筛选', 'Clear the grid filter')}>×</span>}>
                {selectedGrid?.name ?? t('所选网格', 'Selected grid')}
              </Tag>
            </Form.Item>
          )}
          <Form.Item>
            <Space>
              <Button icon={<ReloadOutlined />} onClick={() => cases.refetch()} loading={cases.isFetching}>
                {t('刷新', 'Refresh')}
              </Button>
              <Button icon={<ClearOutlined />} disabled={!filtered} onClick={() => setParams(writeParams(readFilters(new URLSearchParams()), view), { replace: true })}>
                {t('重置', 'Reset')}
              </Button>
            </Space>
          </Form.Item>
        </Form>
        <div className="map-view-bar" role="group" aria-label={t('显示方式', 'Display')}>
          <Space size={6}>
            <span id="map-color-label">{t('着色', 'Colour by')}</span>
            <Segmented<MapView['colorBy']>
              aria-labelledby="map-color-label"
              size="small"
              value={view.colorBy}
              onChange={(colorBy) => update({}, { colorBy })}
              options={[
                { value: 'status', label: t('按状态', 'Status') },
                { value: 'warning', label: t('按预警', 'Warning') },
              ]}
            />
          </Space>
          <Space size={6}>
            <span id="map-mode-label">{t('图层', 'Layers')}</span>
            <Segmented<MapView['mode']>
              aria-labelledby="map-mode-label"
              size="small"
              value={view.mode}
              onChange={(mode) => update({}, { mode })}
              options={[
                { value: 'points', label: t('点位', 'Points') },
                { value: 'heat', label: t('热力', 'Heat') },
                { value: 'both', label: t('点位+热力', 'Both') },
              ]}
            />
          </Space>
          <Space size={6}>
            <Switch size="small" id="map-cluster" checked={view.cluster} disabled={view.mode === 'heat'} onChange={(cluster) => update({}, { cluster })} />
            <label htmlFor="map-cluster">{t('缩小时聚合', 'Cluster when zoomed out')}</label>
          </Space>
          <Space size={6}>
            <Switch size="small" id="map-divisions" checked={view.divisions} onChange={(divisions) => update({}, { divisions })} />
            <label htmlFor="map-divisions">{t('区划边界', 'Division boundaries')}</label>
          </Space>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t('点击网格可只看该网格', 'Click a grid to show only its cases')}
          </Typography.Text>
        </div>
      </Card>
      {cases.isError && !data ? (
        <ErrorState error={cases.error} onRetry={() => cases.refetch()} />
      ) : (
        <div className="map-wrap">
          <MapCanvas
            grids={grids.data}
            divisions={view.divisions ? outlines.data : undefined}
            points={points}
            showPoints={view.mode !== 'heat'}
            heat={heat}
            cluster={view.cluster}
            renderPopup={renderPopup}
            onGridClick={onGridClick}
            selectedGridId={filters.gridId}
            canvas
            height="100%"
            fitKey={`${grids.data?.length ?? 0}:${JSON.stringify(query)}`}
            ariaLabel={t('工单与网格地图', 'Map of cases and grids')}
          />
          <div className="map-legend" aria-label={t('图例', 'Legend')}>
            {view.mode !== 'heat' &&
              (view.colorBy === 'warning'
                ? WARNINGS.filter((w) => !filters.warning.length || filters.warning.includes(w)).map((w) => (
                    <span key={w} className="legend-item">
                      <span className="legend-dot" style={{ background: WARNING_COLOR[w] }} />
                      {label(WARNING_TEXT, w)}
                      <span className="legend-count">{tally.get(w) ?? 0}</span>
                    </span>
                  ))
                : STATUSES.filter((s) => (!filters.status.length || filters.status.includes(s)) && (tally.get(s) || filters.status.length <= 4)).map((s) => (
                    <span key={s} className="legend-item">
                      <span className="legend-dot" style={{ background: STATUS_COLOR[s] }} />
                      {label(STATUS_TEXT, s)}
                      <span className="legend-count">{tally.get(s) ?? 0}</span>
                    </span>
                  )))}
            {heat && (
              <span className="legend-item">
                <span className="legend-heat" />
                {t('密度 低→高', 'Density low→high')}
              </span>
            )}
            <span className="legend-item">
              <span className="legend-grid" />
              {t('网格', 'Grid')}
            </span>
            {view.divisions && !!outlines.data?.length && (
              <span className="legend-item">
                <span className="legend-division" />
                {t('区划边界', 'Division boundary')}
              </span>
            )}
          </div>
          <div className="map-status" aria-live="polite">
            <Space direction="vertical" size={4}>
              {cases.isFetching && <Alert type="info" message={t('加载工单…', 'Loading cases…')} />}
              {cases.isError && data && <Alert type="error" message={t('刷新失败，显示的是上次的结果', 'Refresh failed; showing the last result')} />}
              {!cases.isFetching && data && data.total > 0 && (
                <Alert
                  type="success"
                  message={
                    <span className="map-count">
                      {t(`地图上 ${data.shown} 件，共 ${data.total} 件`, `${data.shown} of ${data.total} cases on the map`)}
                      {data.total > data.located && t(`（${data.total - data.located} 件无坐标）`, ` (${data.total - data.located} without a location)`)}
                    </span>
                  }
                  description={
                    data.truncated
                      ? t(`点位仅显示最近的 ${data.limit} 件；热力图包含全部。请缩小筛选范围。`, `Only the latest ${data.limit} are drawn as points; the heat layer covers all. Narrow the filters.`)
                      : undefined
                  }
                />
              )}
              {!cases.isFetching && data && data.total === 0 && (
                <Alert
                  type="warning"
                  message={t('没有符合条件的工单', 'No cases match these filters')}
                  action={
                    filtered ? (
                      <Button size="small" onClick={() => setParams(writeParams(readFilters(new URLSearchParams()), view), { replace: true })}>
                        {t('重置', 'Reset')}
                      </Button>
                    ) : undefined
                  }
                />
              )}
              {density.isError && <Alert type="warning" message={t('热力数据加载失败', 'Heat data failed to load')} />}
              {grids.isError && <Alert type="warning" message={t('网格加载失败', 'Grids failed to load')} />}
              {view.divisions && outlines.isError && <Alert type="warning" message={t('区划边界加载失败', 'Division boundaries failed to load')} />}
              {grids.data && !grids.data.length && <Alert type="info" message={t('尚未配置网格', 'No grids configured yet')} />}
            </Space>
          </div>
          {popup && createPortal(<PointPopup key={popup.id} id={popup.id} no={popup.no} />, popup.el)}
        </div>
      )}
    </div>
  );
}
