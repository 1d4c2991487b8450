import { lazy, Suspense } from 'react';
import { Link, Navigate, Route, Routes, useLocation } from 'react-router';
import { Menu } from 'antd';
import { ApartmentOutlined, BankOutlined, BookOutlined, CalendarOutlined, ClockCircleOutlined, EnvironmentOutlined, OrderedListOutlined, TagsOutlined, TeamOutlined } from '@ant-design/icons';
import { useI18n } from '../../i18n.tsx';
import { Loading } from '../../components/States.tsx';
import './geo/org-admin.css';

const Divisions = lazy(() => import('./Divisions.tsx'));
const Grids = lazy(() => import('./Grids.tsx'));
const Units = lazy(() => import('./Units.tsx'));
const Users = lazy(() => import('./Users.tsx'));
const Categories = lazy(() => import('./Categories.tsx'));
const Policies = lazy(() => import('./Policies.tsx'));
const Calendars = lazy(() => import('./Calendars.tsx'));
const Responsibilities = lazy(() => import('./Responsibilities.tsx'));
const Knowledge = lazy(() => import('./Knowledge.tsx'));

/** The admin pages, one per register, grouped as an admin thinks of them; each is its own chunk. */
const GROUPS = [
  {
    key: 'org',
    zh: '组织与地理',
    en: 'Organisation',
    items: [
      { key: 'divisions', zh: '行政区划', en: 'Divisions', icon: <ApartmentOutlined />, el: <Divisions /> },
      { key: 'grids', zh: '网格', en: 'Grids', icon: <EnvironmentOutlined />, el: <Grids /> },
      { key: 'units', zh: '单位', en: 'Units', icon: <BankOutlined />, el: <Units /> },
      { key: 'users', zh: '用户与角色', en: 'Users and roles', icon: <TeamOutlined />, el: <Users /> },
    ],
  },
  {
    key: 'rules',
    zh: '业务规则',
    en: 'Rules',
    items: [
      { key: 'categories', zh: '事项分类', en: 'Categories', icon: <TagsOutlined />, el: <Categories /> },
      { key: 'policies', zh: '时限策略', en: 'Time-limit policies', icon: <ClockCircleOutlined />, el: <Policies /> },
      { key: 'calendars', zh: '节假日', en: 'Holidays', icon: <CalendarOutlined />, el: <Calendars /> },
      { key: 'responsibilities', zh: '职责清单', en: 'Responsibility list', icon: <OrderedListOutlined />, el: <Responsibilities /> },
      { key: 'kb', zh: '知识库', en: 'Knowledge base', icon: <BookOutlined />, el: <Knowledge /> },
    ],
  },
];
const SECTIONS = GROUPS.flatMap((g) => g.items);

export default function AdminPage() {
  const { t } = useI18n();
  const loc = useLocation();
  const current = loc.pathname.split('/')[2] ?? SECTIONS[0].key;
  return (
    <div className="admin-page org-admin-layout">
      <nav aria-label={t('管理菜单', 'Admin menu')} className="org-admin-nav">
        <Menu
          mode="inline"
          selectedKeys={[current]}
          items={GROUPS.map((g) => ({
            type: 'group' as const,
            key: g.key,
            label: t(g.zh, g.en),
            children: g.items.map((s) => ({ key: s.key, icon: s.icon, label: <Link to={`/admin/${s.key}`}>{t(s.zh, s.en)}</Link> })),
          }))}
        />
      </nav>
      <div className="org-admin-content">
        <Suspense fallback={<Loading height={300} />}>
          <Routes>
            <Route index element={<Navigate to={SECTIONS[0].key} replace />} />
            {SECTIONS.map((s) => (
              <Route key={s.key} path={`${s.key}/*`} element={s.el} />
            ))}
          </Routes>
        </Suspense>
      </div>
    </div>
  );
}
