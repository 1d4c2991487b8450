/**
 * The dashboard's panels: headline tiles, volumes by day / channel / type /
 * category, rankings of units and divisions, the overdue list.
 */
import { useMemo, useState } from 'react';
import { Link } from 'react-router';
import { Button, Card, Col, Row, Segmented, Select, Skeleton, Space, Table, Tag, Tooltip, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { ArrowDownOutlined, ArrowUpOutlined, DownloadOutlined, InfoCircleOutlined } from '@ant-design/icons';
import { App } from 'antd';
import { CHANNEL_TEXT, STATUS_TEXT, TYPE_TEXT, useI18n, useLabel } from '../../i18n.tsx';
import { fmtTime } from '../../lib/format.ts';
import { errorText } from '../../lib/forms.ts';
import { Chart } from './Chart.tsx';
import { ChartCard } from './ChartCard.tsx';
import type { ChartOption } from './echarts.ts';
import { PALETTE, WALL_PALETTE, chartTheme, useDash, useStat, useXlsxPath } from './context.ts';
import { LEVELS } from './period.ts';
import { RATE_PARTS, num, pct, type OverdueResponse, type RateItem, type RateKey, type RatesResponse, type VolumeItem, type VolumesResponse } from './api.ts';
import { download } from '../../api/client.ts';

const RATE_KEYS: RateKey[] = ['responseRate', 'resolutionRate', 'satisfactionRate', 'onTimeRate'];

/** "解决率 = 核查已解决 12 / 办结 15" for a tooltip. */
function useRateTip() {
  const { t } = useI18n();
  return (k: RateKey, r: RateItem) => {
    const p = RATE_PARTS[k];
    return `${t(p.zh, p.en)} = ${t(p.numZh, p.numEn)} ${num(r[p.num] as number)} / ${t(p.denZh, p.denEn)} ${num(r[p.den] as number)}`;
  };
}

function RateCell({ k, r }: { k: RateKey; r: RateItem }) {
  const tip = useRateTip();
  return (
    <Tooltip title={tip(k, r)}>
      <span className={r[k] == null ? 'muted' : undefined}>{pct(r[k])}</span>
    </Tooltip>
  );
}

// ---------------------------------------------------------------- tiles

function Delta({ now, before, rate }: { now: number | null; before: number | null | undefined; rate: boolean }) {
  const { t } = useI18n();
  if (now == null || before == null) return <span className="dash-delta muted">{t('较上期 —', 'vs previous —')}</span>;
  const d = rate ? (now - before) * 100 : before ? ((now - before) / before) * 100 : null;
  if (d == null) return <span className="dash-delta muted">{t('较上期 —', 'vs previous —')}</span>;
  const up = d > 0.05;
  const down = d < -0.05;
  const text = rate ? `${Math.abs(d).toFixed(1)} ${t('个百分点', 'pt')}` : `${Math.abs(d).toFixed(1)}%`;
  return (
    <span className={`dash-delta ${up ? 'up' : down ? 'down' : ''}`}>
      {t('较上期', 'vs previous')} {up ? <ArrowUpOutlined aria-label={t('上升', 'up')} /> : down ? <ArrowDownOutlined aria-label={t('下降', 'down')} /> : '±'} {text}
    </span>
  );
}

export function KpiTiles() {
  const { t } = useI18n();
  const d = useDash();
  const { message } = App.useApp();
  const rates = useStat<RatesResponse>('/api/stats/rates', { groupBy: 'none', compare: 'true' });
  const overdue = useStat<OverdueResponse>('/api/stats/overdue', { from: undefined, to: undefined, limit: 1 });
  const xlsxPath = useXlsxPath('/api/stats/rates', { groupBy: 'none' });
  const tip = useRateTip();
  const r = rates.data?.items[0];
  const prev = r?.previous ?? null;

  if (rates.isError) {
    return (
      <Card size="small" className="dash-card" data-testid="kpi">
        <Space>
          <Typography.Text type="danger">
            {t('指标加载失败', 'Could not load the figures')}: {errorText(rates.error)}
          </Typography.Text>
          <Button size="small" onClick={() => rates.refetch()}>
            {t('重试', 'Retry')}
          </Button>
        </Space>
      </Card>
    );
  }

  const tiles: { key: string; label: string; value: string; sub?: string; tip?: string; delta?: React.ReactNode; tone?: 'bad' }[] = r
    ? [
        {
          key: 'registered',
          label: t('受理量', 'Cases'),
          value: num(r.registered),
          sub: `${t('派单', 'dispatched')} ${num(r.dispatched)} · ${t('办结', 'closed')} ${num(r.closed)}`,
          delta: <Delta now={r.registered} before={prev?.registered} rate={false} />,
        },
        ...RATE_KEYS.map((k) => ({
          key: k,
          label: t(RATE_PARTS[k].zh, RATE_PARTS[k].en),
          value: pct(r[k]),
          sub: `${num(r[RATE_PARTS[k].num] as number)} / ${num(r[RATE_PARTS[k].den] as number)}`,
          tip: tip(k, r),
          delta: <Delta now={r[k]} before={prev ? prev[k] : undefined} rate />,
        })),
        {
          key: 'overdue',
          label: t('当前超期', 'Overdue now'),
          value: overdue.data ? num(overdue.data.total) : overdue.isError ? '—' : '…',
          sub: `${t('本期登记中', 'of this period')} ${num(r.overdue)}`,
          tip: t('仍在办理且已超过当前时限的工单', 'Open cases past their current deadline'),
          tone: (overdue.data?.total ?? 0) > 0 ? 'bad' : undefined,
        },
      ]
    : [];

  return (
    <section aria-label={t('核心指标', 'Headline figures')} data-testid="kpi" className={`dash-kpis ${rates.isPlaceholderData ? 'dash-stale' : ''}`} aria-busy={rates.isPlaceholderData || undefined}>
      {!d.wall && (
        <div className="dash-kpis-bar">
          <Typography.Text type="secondary" className="dash-note">
            {rates.data && (
              <Tooltip
                title={
                  <div>
                    <div>{t('响应率 = 派单后在签收时限内签收的工单 / 派单工单', 'Response = accepted within the accept limit / dispatched')}</div>
                    <div>{t('解决率 = 核查为已解决 / 办结', 'Resolution = verified as solved / closed')}</div>
                    <div>
                      {t(`满意率 = ${rates.data.settings.satisfiedMinStars} 星及以上评价 / 已评价`, `Satisfaction = ratings of ${rates.data.settings.satisfiedMinStars}+ stars / rated`)}
                      {rates.data.settings.threeStarsHalf && t('（3 星计半）', ' (3 stars count half)')}
                    </div>
                    <div>
                      {t('按期率 = 在答复时限内答复 / 已答复', 'On time = replied within the reply limit / replied')}
                      {rates.data.settings.onTimeCountsOpenOverdue && t('（含已超时未答复）', ' (plus open cases past the limit)')}
                    </div>
                    <div>{t('统计对象：本期登记的工单', 'Over the cases registered in the period')}</div>
                  </div>
                }
              >
                <InfoCircleOutlined /> {t('统计口径', 'Definitions')}
              </Tooltip>
            )}
          </Typography.Text>
          <Button
            size="small"
            icon={<DownloadOutlined />}
            data-testid="kpi-xlsx"
            onClick={() => download(xlsxPath, 'rates.xlsx').catch((e) => message.error(errorText(e)))}
          >
            xlsx
          </Button>
        </div>
      )}
      <Row gutter={[12, 12]}>
        {rates.isPending
          ? Array.from({ length: 6 }, (_, i) => (
              <Col key={i} xs={12} md={8} xl={4}>
                <Card size="small" className="dash-tile">
                  <Skeleton active paragraph={{ rows: 1 }} title={false} />
                </Card>
              </Col>
            ))
          : tiles.map((x) => (
              <Col key={x.key} xs={12} md={8} xl={4}>
                <Tooltip title={x.tip}>
                  <Card size="small" className={`dash-tile ${x.tone === 'bad' ? 'bad' : ''}`} data-testid={`kpi-${x.key}`} tabIndex={0} aria-label={`${x.label} ${x.value}${x.tip ? `; ${x.tip}` : ''}`}>
                    <div className="dash-tile-label">{x.label}</div>
                    <div className="dash-tile-value">{x.value}</div>
                    <div className="dash-tile-sub">{x.sub}</div>
                    {x.delta && <div>{x.delta}</div>}
                  </Card>
                </Tooltip>
              </Col>
            ))}
      </Row>
    </section>
  );
}

// ---------------------------------------------------------------- volumes

const CHANNEL_ORDER = ['hotline', 'grid', 'wechat', 'web', 'police110', 'enterprise', 'api'];

export function DayTrend({ height }: { height?: number }) {
  const { t, lang } = useI18n();
  const label = useLabel();
  const d = useDash();
  const q = useStat<VolumesResponse>('/api/stats/volumes', { by: 'day', split: 'channel' });
  const xlsx = useXlsxPath('/api/stats/volumes', { by: 'day', split: 'channel' });
  const items = q.data?.items ?? [];
  const channels = useMemo(() => {
    const seen = new Set(items.flatMap((i) => Object.keys(i.parts ?? {})));
    return [...CHANNEL_ORDER.filter((c) => seen.has(c)), ...[...seen].filter((c) => !CHANNEL_ORDER.includes(c))];
  }, [items]);
  const option = useMemo<ChartOption>(() => {
    const th = chartTheme(d.wall);
    return {
      color: d.wall ? WALL_PALETTE : PALETTE,
      textStyle: { fontSize: th.font, color: th.text },
      tooltip: { trigger: 'axis', textStyle: { fontSize: th.small } },
      legend: { top: 0, textStyle: { color: th.text, fontSize: th.small } },
      grid: { left: 48, right: 16, top: 40, bottom: 32 },
      xAxis: { type: 'category', boundaryGap: false, data: items.map((i) => (i.key ?? '').slice(5)), axisLabel: { color: th.muted, fontSize: th.small }, axisLine: { lineStyle: { color: th.line } } },
      yAxis: { type: 'value', minInterval: 1, axisLabel: { color: th.muted, fontSize: th.small }, splitLine: { lineStyle: { color: th.line } } },
      series: [
        ...channels.map((c) => ({
          type: 'line' as const,
          name: label(CHANNEL_TEXT, c),
          stack: 'channels',
          areaStyle: { opacity: 0.25 },
          symbol: 'none',
          lineStyle: { width: d.wall ? 3 : 2 },
          data: items.map((i) => i.parts?.[c] ?? 0),
        })),
      ],
    };
  }, [items, channels, d.wall, lang, label]);
  const columns: ColumnsType<VolumeItem> = [
    { title: t('日期', 'Date'), dataIndex: 'key', width: 110, fixed: 'left' },
    { title: t('合计', 'Total'), dataIndex: 'count', width: 80, align: 'right', sorter: (a, b) => a.count - b.count },
    ...channels.map((c) => ({ title: label(CHANNEL_TEXT, c), key: c, align: 'right' as const, render: (_: unknown, r: VolumeItem) => num(r.parts?.[c] ?? 0) })),
  ];
  return (
    <ChartCard
      testId="volume-day"
      title={t('每日受理量（按渠道）', 'Cases per day (by channel)')}
      query={q}
      wall={d.wall}
      empty={!q.data?.total}
      height={height}
      xlsx={{ path: xlsx, name: 'volumes-day' }}
      chart={() => <Chart option={option} height={height ?? 300} label={t('每日受理量折线图', 'Line chart of cases per day')} />}
      table={() => <Table<VolumeItem> rowKey={(r) => r.key ?? ''} size="small" columns={columns} dataSource={items} pagination={{ pageSize: 10, showSizeChanger: false }} scroll={{ x: 'max-content' }} />}
    />
  );
}

type Dim = 'channel' | 'type' | 'category';

export function Breakdown({ by, kind, height }: { by: Dim; kind: 'pie' | 'bar'; height?: number }) {
  const { t, lang } = useI18n();
  const label = useLabel();
  const d = useDash();
  const q = useStat<VolumesResponse>('/api/stats/volumes', { by });
  const xlsx = useXlsxPath('/api/stats/volumes', { by });
  const items = q.data?.items ?? [];
  const total = q.data?.total ?? 0;
  const nameOf = (i: VolumeItem) =>
    i.key == null ? t('未分类', 'Uncategorised') : by === 'channel' ? label(CHANNEL_TEXT, i.key) : by === 'type' ? label(TYPE_TEXT, i.key) : (i.name ?? i.key);
  const title = { channel: t('受理渠道', 'By channel'), type: t('诉求类型', 'By type'), category: t('问题分类（一级）', 'By category (first level)') }[by];
  const option = useMemo<ChartOption>(() => {
    const th = chartTheme(d.wall);
    const data = items.map((i) => ({ name: nameOf(i), value: i.count }));
    if (kind === 'pie') {
      return {
        color: d.wall ? WALL_PALETTE : PALETTE,
        tooltip: { trigger: 'item', formatter: '{b}: {c} ({d}%)', textStyle: { fontSize: th.small } },
        legend: { bottom: 0, textStyle: { color: th.text, fontSize: th.small } },
        series: [
          {
            type: 'pie',
            radius: ['36%', '60%'],
            center: ['50%', '45%'],
            percentPrecision: 1,
            label: { color: th.text, fontSize: th.small, formatter: '{d}%', overflow: 'none' },
            data,
          },
        ],
      };
    }
    const rows = [...data].reverse();
    return {
      color: d.wall ? WALL_PALETTE : PALETTE,
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, textStyle: { fontSize: th.small } },
      grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: 'value', minInterval: 1, axisLabel: { color: th.muted, fontSize: th.small }, splitLine: { lineStyle: { color: th.line } } },
      yAxis: { type: 'category', data: rows.map((r) => r.name), axisLabel: { color: th.text, fontSize: th.small, width: 120, overflow: 'truncate' } },
      series: [{ type: 'bar', data: rows.map((r) => r.value), barMaxWidth: 22, label: { show: true, position: 'right', color: th.text, fontSize: th.small } }],
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [items, kind, d.wall, lang]);
  const columns: ColumnsType<VolumeItem> = [
    { title: title, key: 'name', render: (_, r) => nameOf(r) },
    { title: t('数量', 'Cases'), dataIndex: 'count', align: 'right', width: 90, sorter: (a, b) => a.count - b.count, defaultSortOrder: 'descend' },
    { title: t('占比', 'Share'), key: 'share', align: 'right', width: 90, render: (_, r) => pct(total ? r.count / total : null) },
  ];
  return (
    <ChartCard
      testId={`volume-${by}`}
      title={title}
      query={q}
      wall={d.wall}
      empty={!total}
      height={height}
      xlsx={{ path: xlsx, name: `volumes-${by}` }}
      chart={() => <Chart option={option} height={height ?? 300} label={`${title} ${kind === 'pie' ? t('饼图', 'pie chart') : t('柱状图', 'bar chart')}`} />}
      table={() => <Table<VolumeItem> rowKey={(r) => r.key ?? '-'} size="small" columns={columns} dataSource={items} pagination={false} scroll={{ y: (height ?? 300) - 40 }} />}
    />
  );
}

// ---------------------------------------------------------------- rankings

type Metric = RateKey | 'registered';

export function Ranking({ kind, height, top = 15, onLevel }: { kind: 'unit' | 'division'; height?: number; top?: number; onLevel?: (l: number) => void }) {
  const { t, lang } = useI18n();
  const d = useDash();
  const [metric, setMetric] = useState<Metric>('satisfactionRate');
  const extra = kind === 'division' ? { groupBy: 'division', level: d.rankLevel } : { groupBy: 'unit' };
  const q = useStat<RatesResponse>('/api/stats/rates', extra);
  const xlsx = useXlsxPath('/api/stats/rates', extra);
  const tip = useRateTip();
  const items = q.data?.items ?? [];
  const metricLabel = (m: Metric) => (m === 'registered' ? t('受理量', 'Cases') : t(RATE_PARTS[m].zh, RATE_PARTS[m].en));
  const ranked = useMemo(
    () =>
      items
        .filter((i) => i[metric] != null)
        .sort((a, b) => (b[metric] as number) - (a[metric] as number) || b.registered - a.registered)
        .slice(0, top),
    [items, metric, top],
  );
  const option = useMemo<ChartOption>(() => {
    const th = chartTheme(d.wall);
    const rows = [...ranked].reverse();
    const isRate = metric !== 'registered';
    return {
      color: [d.wall ? '#4d8dff' : '#1d5bd8'],
      tooltip: {
        trigger: 'axis',
        axisPointer: { type: 'shadow' },
        textStyle: { fontSize: th.small },
        formatter: (ps: unknown) => {
          const p = (ps as { dataIndex: number }[])[0];
          const r = rows[p.dataIndex];
          return `${r.name ?? r.key}<br/>${isRate ? tip(metric as RateKey, r) : `${metricLabel(metric)} ${num(r.registered)}`}`;
        },
      },
      grid: { left: 8, right: 56, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: 'value', max: isRate ? 1 : undefined, axisLabel: { color: th.muted, fontSize: th.small, formatter: isRate ? (v: number) => `${Math.round(v * 100)}%` : undefined }, splitLine: { lineStyle: { color: th.line } } },
      yAxis: { type: 'category', data: rows.map((r) => r.name ?? r.key ?? ''), axisLabel: { color: th.text, fontSize: th.small, width: d.wall ? 190 : 130, overflow: 'truncate' } },
      series: [
        {
          type: 'bar',
          name: metricLabel(metric),
          data: rows.map((r) => r[metric] as number),
          barMaxWidth: d.wall ? 26 : 18,
          label: { show: true, position: 'right', color: th.text, fontSize: th.small, formatter: (p: { value: unknown }) => (isRate ? pct(p.value as number) : num(p.value as number)) },
        },
      ],
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ranked, metric, d.wall, lang]);

  const rateCol = (k: RateKey) => ({
    title: t(RATE_PARTS[k].zh, RATE_PARTS[k].en),
    key: k,
    align: 'right' as const,
    width: 90,
    sorter: (a: RateItem, b: RateItem) => (a[k] ?? -1) - (b[k] ?? -1),
    render: (_: unknown, r: RateItem) => <RateCell k={k} r={r} />,
  });
  const columns: ColumnsType<RateItem> = [
    { title: t('名次', 'Rank'), dataIndex: 'rank', width: 64, sorter: (a, b) => a.rank - b.rank, defaultSortOrder: 'ascend' },
    { title: kind === 'unit' ? t('单位', 'Unit') : t('区划', 'Division'), dataIndex: 'name', ellipsis: true, render: (v: string | null, r) => v ?? r.key },
    { title: t('受理', 'Cases'), dataIndex: 'registered', align: 'right', width: 72, sorter: (a, b) => a.registered - b.registered },
    ...RATE_KEYS.map(rateCol),
    { title: t('超期', 'Overdue'), dataIndex: 'overdue', align: 'right', width: 68, sorter: (a, b) => a.overdue - b.overdue },
  ];
  const title = kind === 'unit' ? t('单位排名', 'Units ranked') : t('区划排名', 'Divisions ranked');
  const controls = (
    <>
      {kind === 'division' && onLevel && (
        <Select
          size="small"
          aria-label={t('区划层级', 'Division level')}
          value={d.rankLevel}
          onChange={onLevel}
          style={{ width: 112 }}
          options={LEVELS.filter((l) => l.level > (d.divisionCode ? ({ 2: 1, 4: 2, 6: 3, 9: 4, 12: 5 } as Record<number, number>)[d.divisionCode.length] : 1)).map((l) => ({
            value: l.level,
            label: t(l.zh, l.en),
          }))}
        />
      )}
      <Select
        size="small"
        aria-label={t('排名指标', 'Ranked by')}
        value={metric}
        onChange={setMetric}
        style={{ width: 104 }}
        options={(['satisfactionRate', 'resolutionRate', 'responseRate', 'onTimeRate', 'registered'] as Metric[]).map((m) => ({ value: m, label: metricLabel(m) }))}
      />
    </>
  );
  return (
    <ChartCard
      testId={`rank-${kind}`}
      title={
        <>
          {title}
          {d.wall && <span className="dash-card-sub"> · {metricLabel(metric)}</span>}
        </>
      }
      query={q}
      wall={d.wall}
      empty={!items.length}
      height={height}
      extra={controls}
      xlsx={{ path: xlsx, name: `rates-${kind}` }}
      chart={() => <Chart option={option} height={height ?? Math.max(240, ranked.length * 26 + 24)} label={`${title} ${t('柱状图', 'bar chart')}`} />}
      table={() => (
        <Table<RateItem>
          rowKey={(r) => r.key ?? '-'}
          size="small"
          columns={columns}
          dataSource={items}
          pagination={{ pageSize: 10, showSizeChanger: false, hideOnSinglePage: true }}
          scroll={{ x: 720 }}
        />
      )}
    />
  );
}

// ---------------------------------------------------------------- overdue

function overdueText(min: number, lang: 'zh' | 'en') {
  const days = Math.floor(min / 1440);
  const hours = Math.floor((min % 1440) / 60);
  const mins = min % 60;
  if (min < 1) return lang === 'zh' ? '不足1分钟' : '< 1m';
  if (lang === 'zh') return days ? `${days}天${hours}小时` : hours ? `${hours}小时${mins}分` : `${mins}分钟`;
  return days ? `${days}d ${hours}h` : hours ? `${hours}h ${mins}m` : `${mins}m`;
}

export function OverdueList({ limit = 50, compact }: { limit?: number; compact?: boolean }) {
  const { t, lang } = useI18n();
  const label = useLabel();
  const d = useDash();
  const q = useStat<OverdueResponse>('/api/stats/overdue', { from: undefined, to: undefined, limit });
  const xlsx = useXlsxPath('/api/stats/overdue', { from: undefined, to: undefined, limit: 500 });
  const items = q.data?.items ?? [];
  const columns: ColumnsType<OverdueResponse['items'][number]> = [
    {
      title: t('工单编号', 'Number'),
      dataIndex: 'no',
      width: compact ? 168 : 150,
      render: (no: string) => (
        <Link to={`/cases/${encodeURIComponent(no)}`} className="dash-case-link">
          {no}
        </Link>
      ),
    },
    { title: t('标题', 'Title'), dataIndex: 'title', ellipsis: true },
    ...(compact
      ? []
      : [
          { title: t('分类', 'Category'), dataIndex: 'categoryName', width: 110, ellipsis: true, render: (v: string | null) => v ?? '—' },
          { title: t('区划', 'Division'), dataIndex: 'divisionName', width: 120, ellipsis: true, render: (v: string | null) => v ?? '—' },
          { title: t('状态', 'Status'), dataIndex: 'status', width: 86, render: (v: string) => label(STATUS_TEXT, v) },
          { title: t('时限', 'Due'), dataIndex: 'dueAt', width: 140, render: (v: string) => fmtTime(v) },
        ]),
    { title: t('主办单位', 'Lead unit'), dataIndex: 'leadUnitName', width: compact ? 150 : 140, ellipsis: true, render: (v: string | null) => v ?? '—' },
    {
      title: t('已超期', 'Overdue by'),
      dataIndex: 'overdueMinutes',
      width: compact ? 120 : 120,
      align: 'right',
      render: (m: number, r) => (
        <Space size={4}>
          <span className="dash-overdue">{overdueText(m, lang)}</span>
          {r.escalated && !compact && <Tag color="red">{t('已督办', 'Escalated')}</Tag>}
        </Space>
      ),
    },
  ];
  return (
    <ChartCard
      testId="overdue"
      title={
        <>
          {t('超期工单', 'Overdue cases')}
          {q.data && <span className="dash-card-sub"> · {t(`共 ${q.data.total} 件`, `${q.data.total} in all`)}</span>}
        </>
      }
      query={q}
      wall={d.wall}
      empty={!items.length}
      height={160}
      xlsx={{ path: xlsx, name: 'overdue' }}
      table={() => <Table rowKey="id" size={compact ? 'middle' : 'small'} columns={columns} dataSource={items} pagination={compact ? false : { pageSize: 10, showSizeChanger: false, hideOnSinglePage: true }} />}
    />
  );
}
