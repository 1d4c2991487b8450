import { lazy, Suspense } from 'react';
import { Link, Navigate, Route, Routes, useLocation } from 'react-router';
import { Card, Menu } from 'antd';
import { useI18n } from '../../i18n.tsx';
import { Loading } from '../../components/States.tsx';

const Divisions = lazy(() => import('./Divisions.tsx'));
const Grids = lazy(() => import('./Grids.tsx'));
const Units = lazy(() => import('./Units.tsx'));
const Users = lazy(() => import('./Users.tsx'));
const Categories = lazy(() => import('./Categories.tsx'));
const Policies = lazy(() => import('./Policies.tsx'));
const Calendars = lazy(() => import('./Calendars.tsx'));
const Responsibilities = lazy(() => import('./Responsibilities.tsx'));
const Knowledge = lazy(() => import('./Knowledge.tsx'));

/** The admin pages, one per register; each is its own chunk. */
const SECTIONS = [
  { key: 'divisions', zh: '行政区划', en: 'Divisions', el: <Divisions /> },
  { key: 'grids', zh: '网格', en: 'Grids', el: <Grids /> },
  { key: 'units', zh: '单位', en: 'Units', el: <Units /> },
  { key: 'users', zh: '用户与角色', en: 'Users and roles', el: <Users /> },
  { key: 'categories', zh: '事项分类', en: 'Categories', el: <Categories /> },
  { key: 'policies', zh: '时限策略', en: 'Time-limit policies', el: <Policies /> },
  { key: 'calendars', zh: '节假日', en: 'Holidays', el: <Calendars /> },
  { key: 'responsibilities', zh: '职责清单', en: 'Responsibility list', el: <Responsibilities /> },
  { key: 'kb', zh: '知识库', en: 'Knowledge base', el: <Knowledge /> },
];

export default function AdminPage() {
  const { t } = useI18n();
  const loc = useLocation();
  const current = loc.pathname.split('/')[2] ?? SECTIONS[0].key;
  return (
    <div className="admin-page">
      <Card size="small" className="admin-nav">
        <nav aria-label={t('管理菜单', 'Admin menu')}>
          <Menu
            mode="horizontal"
            selectedKeys={[current]}
            items={SECTIONS.map((s) => ({ key: s.key, label: <Link to={`/admin/${s.key}`}>{t(s.zh, s.en)}</Link> }))}
          />
        </nav>
      </Card>
      <Suspense fallback={<Loading height={300} />}>
        <Routes>
          <Route index element={<Navigate to={SECTIONS[0].key} replace />} />
          {SECTIONS.map((s) => (
            <Route key={s.key} path={`${s.key}/*`} element={s.el} />
          ))}
        </Routes>
      </Suspense>
    </div>
  );
}
