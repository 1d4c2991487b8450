/** 我的网格 (the open cases of my grid) and 待办 (cases my unit has to act on). */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useNavigate } from 'react-router';
import { Alert, Button, Segmented, Select, Typography } from 'antd';
import { ReloadOutlined, RightOutlined } from '@ant-design/icons';
import type { CaseList, CaseView, Me } from '../api/types.ts';
import { useI18n } from '../i18n.tsx';
import { fmtTime, fromNow } from '../lib/format.ts';
import { EmptyState, ErrorState, Loading } from '../components/States.tsx';
import { StatusTag } from '../components/StatusTag.tsx';
import { OPEN_STATUSES, useCaseList, useMyGrids, useTasks } from './data.ts';
import { CaseCountdown, MHeader } from './ui.tsx';

type ListQuery = ReturnType<typeof useCaseList>;

export function GridPage({ me }: { me: Me }) {
  const t = useI18n().t;
  const grids = useMyGrids(me);
  const [gridId, setGridId] = useState<string | null>(null);
  const mine = grids.data ?? [];
  const current = mine.find((g) => g.id === gridId) ?? mine[0];
  const list = useCaseList('grid', { gridId: current?.id, status: OPEN_STATUSES, sort: 'due_asc', limit: 100 }, !!current);

  let body: ReactNode;
  if (grids.isPending) body = <Loading />;
  else if (grids.isError && !grids.data) body = <ErrorState error={grids.error} onRetry={() => grids.refetch()} />;
  else if (!current) body = <EmptyState description={t('您还不是任何网格的网格员。请联系管理员在网格管理中指定。', 'You are not the worker of any grid. Ask an administrator to assign one.')} />;
  else body = <CaseListView q={list} empty={t('本网格暂无未办结的事件', 'No open cases in this grid')} />;

  return (
    <>
      <MHeader title={t('我的网格', 'My grid')} extra={<RefreshButton q={list} />} />
      <div className="m-page">
        {current && (
          <div className="m-grid-head">
            {mine.length > 1 ? (
              <Select
                size="large"
                value={current.id}
                onChange={setGridId}
                options={mine.map((g) => ({ value: g.id, label: g.name }))}
                aria-label={t('网格', 'Grid')}
                style={{ width: '100%' }}
              />
            ) : (
              <Typography.Title level={5} className="m-grid-name">
                {current.name}
              </Typography.Title>
            )}
            <div className="muted">
              {current.code} · {t(`${current.households} 户 ${current.population} 人`, `${current.households} households, ${current.population} people`)}
            </div>
          </div>
        )}
        {body}
      </div>
    </>
  );
}

export function TasksPage({ me }: { me: Me }) {
  const t = useI18n().t;
  const [view, setView] = useState<'todo' | 'mine'>('todo');
  const tasks = useTasks(me);
  const mine = useCaseList('mine', { mine: 'true', limit: 50 }, view === 'mine');
  const q = view === 'todo' ? tasks : mine;
  return (
    <>
      <MHeader title={t('待办', 'Tasks')} extra={<RefreshButton q={q} />} />
      <div className="m-page">
        <Segmented
          block
          size="large"
          value={view}
          onChange={(v) => setView(v as 'todo' | 'mine')}
          options={[
            { value: 'todo', label: `${t('待我处理', 'To do')}${tasks.data ? ` (${tasks.data.items.length})` : ''}` },
            { value: 'mine', label: t('我上报的', 'Reported by me') },
          ]}
          className="m-block"
        />
        <CaseListView
          q={q}
          empty={view === 'todo' ? t('没有待处理的工单', 'Nothing to do') : t('您还没有上报过事件', 'You have not reported anything yet')}
        />
      </div>
    </>
  );
}

function RefreshButton({ q }: { q: ListQuery }) {
  const t = useI18n().t;
  return (
    <Button
      type="text"
      className="m-header-btn"
      icon={<ReloadOutlined spin={q.isFetching} />}
      onClick={() => void q.refetch()}
      aria-label={t('刷新', 'Refresh')}
      title={t('刷新', 'Refresh')}
    />
  );
}

/** The list, with pull-down-to-refresh when scrolled to the top. */
function CaseListView({ q, empty }: { q: ListQuery; empty: string }) {
  const t = useI18n().t;
  const pull = usePullToRefresh(() => q.refetch());
  let body: ReactNode;
  if (q.isPending && !q.data) body = <Loading />;
  else if (q.isError && !q.data) body = <ErrorState error={q.error} onRetry={() => q.refetch()} />;
  else if (!q.data?.items.length) body = <EmptyState description={empty} />;
  else body = <CaseCards data={q.data} />;
  return (
    <div ref={pull.ref} className="m-pull">
      {pull.distance > 0 && (
        <div className="m-pull-hint" style={{ height: pull.distance }} aria-hidden>
          {pull.distance >= PULL_TRIGGER ? t('松开刷新', 'Release to refresh') : t('下拉刷新', 'Pull to refresh')}
        </div>
      )}
      {((q.fromCache && !q.isFetching) || (q.isError && q.data)) && q.savedAt && (
        <Alert
          type="warning"
          showIcon
          className="m-block"
          message={t(`无法连接服务器，显示的是 ${fmtTime(new Date(q.savedAt).toISOString())} 的数据`, `Offline: showing data from ${fmtTime(new Date(q.savedAt).toISOString())}`)}
        />
      )}
      {body}
    </div>
  );
}

function CaseCards({ data }: { data: CaseList }) {
  const navigate = useNavigate();
  return (
    <ul className="m-cards">
      {data.items.map((c) => (
        <li key={c.id}>
          <CaseCard c={c} onOpen={() => navigate(`/m/cases/${encodeURIComponent(c.no)}`)} />
        </li>
      ))}
    </ul>
  );
}

function CaseCard({ c, onOpen }: { c: CaseView; onOpen(): void }) {
  const t = useI18n().t;
  return (
    <button type="button" className="m-card" onClick={onOpen}>
      <div className="m-card-top">
        <StatusTag status={c.status} />
        {c.urgency === 'urgent' && <span className="m-urgent">{t('紧急', 'Urgent')}</span>}
        <CaseCountdown c={c} />
        <RightOutlined className="m-card-go" aria-hidden />
      </div>
      <div className="m-card-title">{c.title}</div>
      {c.location.address && <div className="m-card-line muted">{c.location.address}</div>}
      <div className="m-card-line muted">
        {c.no} · {c.categoryName ?? ''} {fromNow(c.createdAt)}
      </div>
    </button>
  );
}

const PULL_TRIGGER = 64;

/** Drag down from the top of the page to refetch (touch only; the header button does the same). */
function usePullToRefresh(onRefresh: () => unknown) {
  const ref = useRef<HTMLDivElement>(null);
  const [distance, setDistance] = useState(0);
  const cb = useRef(onRefresh);
  cb.current = onRefresh;
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    let startY: number | null = null;
    let d = 0;
    const start = (e: TouchEvent) => {
      startY = window.scrollY <= 0 ? e.touches[0].clientY : null;
      d = 0;
    };
    const move = (e: TouchEvent) => {
      if (startY === null) return;
      d = Math.max(0, Math.min(110, (e.touches[0].clientY - startY) * 0.5));
      setDistance(d);
    };
    const end = () => {
      if (startY !== null && d >= PULL_TRIGGER) void cb.current();
      startY = null;
      d = 0;
      setDistance(0);
    };
    el.addEventListener('touchstart', start, { passive: true });
    el.addEventListener('touchmove', move, { passive: true });
    el.addEventListener('touchend', end);
    el.addEventListener('touchcancel', end);
    return () => {
      el.removeEventListener('touchstart', start);
      el.removeEventListener('touchmove', move);
      el.removeEventListener('touchend', end);
      el.removeEventListener('touchcancel', end);
    };
  }, []);
  return { ref, distance };
}
