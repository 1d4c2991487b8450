/**
 * The grid worker's phone page (/m): report an event with photos and GPS,
 * follow the grid's open cases and one's own tasks, act on them. Reports
 * queue on the device when there is no signal and leave exactly once when it
 * returns. A service worker keeps the page itself available offline.
 */
import { Suspense, useEffect, useState, type ReactNode } from 'react';
import { Navigate, NavLink, Route, Routes, useLocation } from 'react-router';
import { Badge } from 'antd';
import { CheckSquareOutlined, EnvironmentOutlined, FormOutlined, UserOutlined } from '@ant-design/icons';
import { useQueryClient } from '@tanstack/react-query';
import { ApiError } from '../api/client.ts';
import { isStaff, useMe } from '../api/hooks.ts';
import type { Category, Me } from '../api/types.ts';
import { useI18n } from '../i18n.tsx';
import { ErrorState, Loading } from '../components/States.tsx';
import { OutboxProvider, useOutbox } from './outbox.tsx';
import { readCache, writeCache } from './cache.ts';
import { useTaskCount } from './data.ts';
// One chunk for the whole phone page: what the service worker caches on the first visit opens every tab offline.
import ReportPage from './Report.tsx';
import { GridPage, TasksPage } from './Lists.tsx';
import CasePage from './CasePage.tsx';
import MePage from './MePage.tsx';
import './mobile.css';


export default function MobileApp() {
  useServiceWorker();
  return (
    <OfflineCache>
      <Guard>{(me, offline) => <Shell me={me} offline={offline} />}</Guard>
    </OfflineCache>
  );
}

/**
 * Puts the last known user and category tree into the query cache before
 * anything asks for them, so a page opened without signal still works.
 * They are marked stale, so with a connection they are fetched again at once.
 */
function OfflineCache({ children }: { children: ReactNode }) {
  const qc = useQueryClient();
  useState(() => {
    const cats = readCache<Category[]>('categories');
    if (cats && !qc.getQueryData(['categories'])) qc.setQueryData(['categories'], cats.data, { updatedAt: 1 });
    return null;
  });
  useEffect(
    () =>
      qc.getQueryCache().subscribe((ev) => {
        if (ev.type !== 'updated' || ev.action.type !== 'success') return;
        const key = ev.query.queryKey[0];
        if (key === 'categories') writeCache('categories', ev.query.state.data);
      }),
    [qc],
  );
  return <>{children}</>;
}

function Guard({ children }: { children(me: Me, offline: boolean): ReactNode }) {
  const me = useMe();
  const loc = useLocation();
  const t = useI18n().t;
  useEffect(() => {
    if (me.data) writeCache('me', me.data);
  }, [me.data]);
  if (me.isPending) return <Loading height={400} />;
  if (me.isError) {
    // No answer at all: carry on as the last user who signed in on this phone.
    const cached = readCache<Me>('me');
    if (me.error instanceof ApiError && me.error.status === 0 && cached) return <>{children(cached.data, true)}</>;
    return <ErrorState error={me.error} onRetry={() => me.refetch()} />;
  }
  if (!me.data) return <Navigate to={`/login?next=${encodeURIComponent(loc.pathname + loc.search)}`} replace />;
  if (!isStaff(me.data)) return <ErrorState error={new ApiError(403, { detail: t('手机端供网格员等工作人员使用；群众请使用市民门户。', 'This page is for grid workers and other staff; citizens use the portal.') })} extra={<a href="/portal">{t('前往市民门户', 'Go to the portal')}</a>} />;
  return <>{children(me.data, false)}</>;
}

function Shell({ me, offline }: { me: Me; offline: boolean }) {
  return (
    <OutboxProvider userId={me.id}>
      <div className="m-app">
        <main className="m-main" id="main">
          <Suspense fallback={<Loading height={300} />}>
            <Routes>
              <Route index element={<Navigate to="report" replace />} />
              <Route path="report" element={<ReportPage me={me} />} />
              <Route path="grid" element={<GridPage me={me} />} />
              <Route path="tasks" element={<TasksPage me={me} />} />
              <Route path="cases/:ref" element={<CasePage me={me} />} />
              <Route path="me" element={<MePage me={me} offline={offline} />} />
              <Route path="*" element={<Navigate to="report" replace />} />
            </Routes>
          </Suspense>
        </main>
        <TabBar me={me} />
      </div>
    </OutboxProvider>
  );
}

function TabBar({ me }: { me: Me }) {
  const t = useI18n().t;
  const { summary } = useOutbox();
  const tasks = useTaskCount(me);
  const tab = (to: string, icon: ReactNode, label: string, count = 0, dot = false) => (
    <NavLink to={to} className={({ isActive }) => `m-tab${isActive ? ' m-tab-active' : ''}`}>
      <Badge count={count} size="small" dot={dot && !count} offset={[6, 0]}>
        <span className="m-tab-icon" aria-hidden>
          {icon}
        </span>
      </Badge>
      <span className="m-tab-label">{label}</span>
    </NavLink>
  );
  return (
    <nav className="m-tabbar" aria-label={t('主导航', 'Main')}>
      {tab('/m/report', <FormOutlined />, t('上报', 'Report'))}
      {tab('/m/grid', <EnvironmentOutlined />, t('我的网格', 'My grid'))}
      {tab('/m/tasks', <CheckSquareOutlined />, t('待办', 'Tasks'), tasks)}
      {tab('/m/me', <UserOutlined />, t('我', 'Me'), summary.total, summary.needsEdit > 0)}
    </nav>
  );
}

/** Registers /sw.js (the app shell cache) and hands it the bundles this page already loaded. */
function useServiceWorker() {
  useEffect(() => {
    if (!('serviceWorker' in navigator) || !window.isSecureContext) return;
    // The dev server (vite) serves sources, not the built shell; nothing to cache there.
    if (import.meta.env.DEV) return;
    let cancelled = false;
    navigator.serviceWorker
      .register('/sw.js', { scope: '/' })
      .then(() => navigator.serviceWorker.ready)
      .then((reg) => {
        if (cancelled) return;
        // Chunks loaded before the worker took control never passed through it.
        const urls = performance
          .getEntriesByType('resource')
          .map((e) => new URL(e.name))
          .filter((u) => u.origin === location.origin && u.pathname.startsWith('/assets/'))
          .map((u) => u.pathname);
        reg.active?.postMessage({ type: 'cache-assets', urls: [...new Set(urls)] });
      })
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, []);
}
