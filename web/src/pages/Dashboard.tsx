/**
 * 统计分析 / 数据大屏: headline rates, volumes, rankings and the overdue list
 * for a period and a division inside the caller's jurisdiction. Every chart
 * turns into a table and downloads as xlsx. The wall-screen mode (大屏) fills
 * the screen in large light-on-dark type and refreshes itself every minute.
 * Period, division and mode live in the address, so a wall screen's URL can
 * be bookmarked on the command centre's PC.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { Button, Col, DatePicker, Row, Select, Space, Tooltip, Typography } from 'antd';
import { DesktopOutlined, FullscreenExitOutlined, ReloadOutlined } from '@ant-design/icons';
import { useIsFetching, useQuery, useQueryClient } from '@tanstack/react-query';
import dayjs from 'dayjs';
import { api } from '../api/client.ts';
import { useMe } from '../api/hooks.ts';
import { useI18n } from '../i18n.tsx';
import { LangSwitch } from '../components/LangSwitch.tsx';
import { DashCtx, useStat, type DashState } from './dashboard/context.ts';
import { PERIODS, levelOf, periodRange, rangeText, scopeRoot, type PeriodKey } from './dashboard/period.ts';
import { DivisionPicker } from './dashboard/DivisionPicker.tsx';
import { Breakdown, DayTrend, KpiTiles, OverdueList, Ranking } from './dashboard/panels.tsx';
import type { RatesResponse } from './dashboard/api.ts';
import { RegistersPanel } from '../registers/kit/RegistersPanel.tsx';
import './dashboard/dashboard.css';

export default function DashboardPage() {
  const { t } = useI18n();
  const me = useMe().data!;
  const qc = useQueryClient();
  const [params, setParams] = useSearchParams();

  const periodKey = (PERIODS.some((p) => p.key === params.get('p')) || params.get('p') === 'custom' ? params.get('p') : 'month') as PeriodKey;
  const range = periodRange(periodKey, { from: params.get('from'), to: params.get('to') });
  const rootCode = scopeRoot(me.scopeCodes);
  const divParam = params.get('div');
  const divisionCode = divParam && /^\d{2,12}$/.test(divParam) ? divParam : undefined;
  const areaLevel = levelOf(divisionCode ?? rootCode) || 2;
  const levelParam = Number(params.get('level'));
  const rankLevel = levelParam > areaLevel && levelParam <= 5 ? levelParam : Math.min(5, areaLevel + 1);
  const wall = params.get('wall') === '1';

  const set = useCallback(
    (patch: Record<string, string | undefined>) =>
      setParams(
        (old) => {
          const next = new URLSearchParams(old);
          for (const [k, v] of Object.entries(patch)) {
            if (v === undefined || v === '') next.delete(k);
            else next.set(k, v);
          }
          return next;
        },
        { replace: true },
      ),
    [setParams],
  );

  const state: DashState = useMemo(
    () => ({ from: range.start.toISOString(), to: range.end.toISOString(), divisionCode, wall, rankLevel }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [range.start.valueOf(), range.end.valueOf(), divisionCode, wall, rankLevel],
  );

  const areaCode = divisionCode ?? rootCode;
  const area = useQuery<{ code: string; name: string }>({ queryKey: ['division', areaCode], queryFn: () => api(`/api/divisions/${areaCode}`), enabled: !!areaCode, staleTime: 60 * 60_000, retry: false });
  const areaName = areaCode ? (area.data?.name ?? areaCode) : t('全部辖区', 'All areas');

  const enterWall = () => {
    set({ wall: '1' });
    document.documentElement.requestFullscreen?.().catch(() => undefined);
  };
  const exitWall = useCallback(() => {
    set({ wall: undefined });
    if (document.fullscreenElement) document.exitFullscreen?.().catch(() => undefined);
  }, [set]);

  useEffect(() => {
    if (!wall) return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && exitWall();
    // Leaving full screen (Esc in the browser) leaves the wall mode too.
    const onFs = () => !document.fullscreenElement && exitWall();
    window.addEventListener('keydown', onKey);
    document.addEventListener('fullscreenchange', onFs);
    return () => {
      window.removeEventListener('keydown', onKey);
      document.removeEventListener('fullscreenchange', onFs);
    };
  }, [wall, exitWall]);

  const refresh = () => qc.invalidateQueries({ queryKey: ['stats'] });

  if (wall) {
    return (
      <DashCtx.Provider value={state}>
        <WallScreen areaName={areaName} periodText={rangeText(range)} periodLabel={periodLabel(periodKey, t)} onExit={exitWall} />
      </DashCtx.Provider>
    );
  }

  return (
    <DashCtx.Provider value={state}>
      <div className="dash" data-testid="dashboard">
        <div className="dash-head">
          <Typography.Title level={3} style={{ margin: 0 }}>
            {t('统计分析', 'Dashboards')} <span className="dash-area">· {areaName}</span>
          </Typography.Title>
          <Space wrap size={[12, 8]} className="dash-filters">
            <label className="dash-field">
              <span>{t('统计期间', 'Period')}</span>
              <Select
                aria-label={t('统计期间', 'Period')}
                value={periodKey}
                onChange={(v) => set({ p: v === 'month' ? undefined : v, from: undefined, to: undefined })}
                style={{ width: 120 }}
                options={[...PERIODS.map((p) => ({ value: p.key, label: t(p.zh, p.en) })), { value: 'custom', label: t('自定义', 'Custom') }]}
                data-testid="period"
              />
            </label>
            <DatePicker.RangePicker
              aria-label={t('起止日期', 'From – to')}
              value={[range.start, range.end.subtract(1, 'day')]}
              allowClear={false}
              disabledDate={(d) => d.isAfter(dayjs(), 'day')}
              onChange={(v) => v?.[0] && v[1] && set({ p: 'custom', from: v[0].format('YYYY-MM-DD'), to: v[1].format('YYYY-MM-DD') })}
              style={{ width: 250 }}
            />
            <label className="dash-field">
              <span>{t('区划', 'Division')}</span>
              <DivisionPicker value={divisionCode} onChange={(v) => set({ div: v, level: undefined })} />
            </label>
            <Tooltip title={t('刷新数据', 'Refresh')}>
              <Button icon={<ReloadOutlined />} onClick={refresh} aria-label={t('刷新', 'Refresh')} />
            </Tooltip>
            <Button type="primary" icon={<DesktopOutlined />} onClick={enterWall} data-testid="wall-on">
              {t('大屏模式', 'Wall screen')}
            </Button>
          </Space>
        </div>
        <div className="dash-period muted">
          {t('统计对象：', 'Cases registered ')}
          {rangeText(range)}
          {t(' 期间登记的工单', '')}
        </div>
        <KpiTiles />
        <Row gutter={[12, 12]} className="dash-row">
          <Col xs={24} xl={16}>
            <DayTrend />
          </Col>
          <Col xs={24} xl={8}>
            <Breakdown by="channel" kind="pie" />
          </Col>
          <Col xs={24} xl={8}>
            <Breakdown by="type" kind="bar" />
          </Col>
          <Col xs={24} xl={16}>
            <Breakdown by="category" kind="bar" />
          </Col>
          {/* Full width: a ranking is read across all four rates at once. */}
          <Col span={24}>
            <Ranking kind="unit" />
          </Col>
          <Col span={24}>
            <Ranking kind="division" onLevel={(l) => set({ level: String(l) })} />
          </Col>
          <Col span={24}>
            <OverdueList />
          </Col>
          <Col span={24}>
            <RegistersPanel onDrill={(code) => set({ div: code, level: undefined })} />
          </Col>
        </Row>
      </div>
    </DashCtx.Provider>
  );
}

function periodLabel(key: PeriodKey, t: (zh: string, en: string) => string) {
  const p = PERIODS.find((x) => x.key === key);
  return p ? t(p.zh, p.en) : t('自定义', 'Custom');
}

function Clock() {
  const [now, setNow] = useState(() => dayjs());
  useEffect(() => {
    const id = setInterval(() => setNow(dayjs()), 1000);
    return () => clearInterval(id);
  }, []);
  return <span className="wall-clock">{now.format('YYYY-MM-DD HH:mm:ss')}</span>;
}

function WallScreen({ areaName, periodText, periodLabel, onExit }: { areaName: string; periodText: string; periodLabel: string; onExit(): void }) {
  const { t } = useI18n();
  // Shares its cache entry with the tiles: its time is when the figures last arrived.
  const rates = useStat<RatesResponse>('/api/stats/rates', { groupBy: 'none', compare: 'true' });
  const fetching = useIsFetching({ queryKey: ['stats'] }) > 0;
  return (
    <div className="wall" data-testid="wall" role="region" aria-label={t('数据大屏', 'Wall screen')}>
      <header className="wall-head">
        <div>
          <h1 className="wall-title">{t(`${areaName} 基层治理数据大屏`, `${areaName} governance wall screen`)}</h1>
          <div className="wall-period">
            {periodLabel} · {periodText}
          </div>
        </div>
        <div className="wall-meta">
          <Clock />
          <span className="wall-updated" aria-live="polite">
            {fetching ? t('更新中…', 'Updating…') : rates.dataUpdatedAt ? `${t('数据更新于', 'Updated')} ${dayjs(rates.dataUpdatedAt).format('HH:mm:ss')} · ${t('每分钟自动刷新', 'refreshes every minute')}` : ''}
          </span>
          <Space>
            <LangSwitch />
            <Button ghost icon={<FullscreenExitOutlined />} onClick={onExit} data-testid="wall-off">
              {t('退出大屏', 'Exit')}
            </Button>
          </Space>
        </div>
      </header>
      <KpiTiles />
      <Row gutter={[16, 16]} className="wall-grid">
        <Col span={8}>
          <div className="wall-stack">
            <DayTrend height={250} />
            <Breakdown by="channel" kind="pie" height={250} />
          </div>
        </Col>
        <Col span={8}>
          <Ranking kind="unit" height={590} top={16} />
        </Col>
        <Col span={8}>
          <div className="wall-stack">
            <Ranking kind="division" height={250} top={8} />
            <OverdueList limit={5} compact />
          </div>
        </Col>
      </Row>
    </div>
  );
}
