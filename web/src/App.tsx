import { lazy, Suspense, useEffect, type ReactNode } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router';
import { App as AntApp, ConfigProvider } from 'antd';
import zhCN from 'antd/es/locale/zh_CN';
import enUS from 'antd/es/locale/en_US';
import { QueryClient, QueryClientProvider, useQueryClient } from '@tanstack/react-query';
import { ApiError, onUnauthorized } from './api/client.ts';
import { CREATE_ROLES, hasRole, isStaff, useMe } from './api/hooks.ts';
import { I18nProvider, useI18n } from './i18n.tsx';
import { ErrorState, Loading } from './components/States.tsx';
import { ErrorBoundary } from './components/ErrorBoundary.tsx';
import { LoginPage } from './pages/Login.tsx';
import { ConsoleLayout } from './pages/ConsoleLayout.tsx';

// Each page is its own chunk: the map (Leaflet) and the portal load only when opened.
const IntakePage = lazy(() => import('./pages/Intake.tsx'));
const QueuesPage = lazy(() => import('./pages/Queues.tsx'));
const CaseDetailPage = lazy(() => import('./pages/CaseDetail.tsx'));
const MapPage = lazy(() => import('./pages/MapPage.tsx'));
const Portal = lazy(() => import('./portal/Portal.tsx'));
const DashboardPage = lazy(() => import('./pages/Dashboard.tsx'));
const AdminPage = lazy(() => import('./pages/admin/Admin.tsx'));
const MobileApp = lazy(() => import('./mobile/Mobile.tsx'));
const DisputesPage = lazy(() => import('./registers/disputes/DisputesPage.tsx'));
const PetitionsPage = lazy(() => import('./registers/petitions/PetitionsPage.tsx'));
const KeypersonsPage = lazy(() => import('./registers/keypersons/KeypersonsPage.tsx'));
const RiskPage = lazy(() => import('./registers/risk/RiskPage.tsx'));
const RiskReport = lazy(() => import('./registers/risk/RiskReport.tsx'));
const TasksPage = lazy(() => import('./registers/tasks/TasksPage.tsx'));

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      refetchOnWindowFocus: false,
      retry: (n, err) => !(err instanceof ApiError && err.status >= 400 && err.status < 500) && n < 2,
    },
  },
});

export function App() {
  return (
    <I18nProvider>
      <Themed>
        <QueryClientProvider client={queryClient}>
          <SessionWatch />
          <BrowserRouter>
            <ErrorBoundary>
              <Suspense fallback={<Loading height={400} />}>
                <Routes>
                  <Route path="/login" element={<LoginPage />} />
                  <Route path="/portal/*" element={<Portal />} />
                  <Route path="/m/*" element={<MobileApp />} />
                  <Route
                    element={
                      <RequireStaff>
                        <ConsoleLayout />
                      </RequireStaff>
                    }
                  >
                    <Route index element={<Home />} />
                    <Route path="intake" element={<IntakePage />} />
                    <Route path="queues" element={<QueuesPage />} />
                    <Route path="cases/:ref" element={<CaseDetailPage />} />
                    <Route path="map" element={<MapPage />} />
                    <Route path="dashboard" element={<DashboardPage />} />
                    <Route path="admin/*" element={<AdminPage />} />
                    <Route path="disputes" element={<DisputesPage />} />
                    <Route path="petitions" element={<PetitionsPage />} />
                    <Route path="keypersons" element={<KeypersonsPage />} />
                    <Route path="risk" element={<RiskPage />} />
                    <Route path="risk/periods/:id/counties/:county" element={<RiskReport />} />
                    <Route path="tasks" element={<TasksPage />} />
                    <Route path="*" element={<NotFound />} />
                  </Route>
                </Routes>
              </Suspense>
            </ErrorBoundary>
          </BrowserRouter>
        </QueryClientProvider>
      </Themed>
    </I18nProvider>
  );
}

function Themed({ children }: { children: ReactNode }) {
  const { lang } = useI18n();
  return (
    <ConfigProvider
      locale={lang === 'zh' ? zhCN : enUS}
      theme={{
        token: {
          colorPrimary: '#1d5bd8',
          borderRadius: 6,
          // A focus ring one can see from a metre away (antd's default is nearly transparent).
          controlOutline: 'rgba(29, 91, 216, 0.38)',
          controlOutlineWidth: 3,
          fontFamily:
            "-apple-system, BlinkMacSystemFont, 'Segoe UI', 'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', 'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif",
        },
      }}
    >
      <AntApp>{children}</AntApp>
    </ConfigProvider>
  );
}

/** When any call answers 401, forget the user: the guard sends them to sign in. */
function SessionWatch() {
  const qc = useQueryClient();
  useEffect(
    () =>
      onUnauthorized(() => {
        if (qc.getQueryData(['me'])) qc.setQueryData(['me'], null);
      }),
    [qc],
  );
  return null;
}

function RequireStaff({ children }: { children: ReactNode }) {
  const me = useMe();
  const loc = useLocation();
  if (me.isPending) return <Loading height={400} />;
  if (me.isError) return <ErrorState error={me.error} onRetry={() => me.refetch()} />;
  if (!me.data) return <Navigate to={`/login?next=${encodeURIComponent(loc.pathname + loc.search)}`} replace />;
  if (!isStaff(me.data)) return <Navigate to="/portal" replace />;
  return <>{children}</>;
}

function Home() {
  const me = useMe().data;
  // Hotline operators start at intake; everyone else at their work queue.
  if (me && me.roles.includes('operator') && hasRole(me, ...CREATE_ROLES)) return <Navigate to="/intake" replace />;
  return <Navigate to="/queues" replace />;
}

function NotFound() {
  const { t } = useI18n();
  return <ErrorState error={new ApiError(404, { detail: t('页面不存在', 'No such page') })} />;
}
