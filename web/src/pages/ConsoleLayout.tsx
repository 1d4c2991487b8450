import { useMemo, useState } from 'react';
import { Link, Outlet, useLocation, useNavigate } from 'react-router';
import { App, Avatar, Badge, Button, Descriptions, Divider, Dropdown, Layout, Menu, Space, Tag, Typography } from 'antd';
import { BarChartOutlined, EnvironmentOutlined, SettingOutlined, FormOutlined, LogoutOutlined, MenuFoldOutlined, MenuUnfoldOutlined, UnorderedListOutlined, UserOutlined, TeamOutlined, MailOutlined, SafetyCertificateOutlined, AlertOutlined, ScheduleOutlined } from '@ant-design/icons';
import { useQueries } from '@tanstack/react-query';
import { api } from '../api/client.ts';
import { CREATE_ROLES, hasRole, useMe, useSetMe } from '../api/hooks.ts';
import type { Division, Me } from '../api/types.ts';
import { ROLE_TEXT, useI18n, useLabel } from '../i18n.tsx';
import { LangSwitch } from '../components/LangSwitch.tsx';
import { ErrorBoundary } from '../components/ErrorBoundary.tsx';
import { countText, queuesFor, useQueueCounts } from '../lib/queues.ts';

const { Header, Sider, Content } = Layout;

export function ConsoleLayout() {
  const { t } = useI18n();
  const me = useMe().data!;
  const loc = useLocation();
  const navigate = useNavigate();
  const [collapsed, setCollapsed] = useState(() => window.innerWidth < 1100);

  // The first queue of the role (待派单 for dispatchers, 待签收 for handlers) and the overdue count sit on the menu.
  const firstQueue = queuesFor(me)[0];
  const counts = useQueueCounts(me, firstQueue ? [firstQueue.key, 'overdue'] : ['overdue']);
  const todo = firstQueue ? counts[firstQueue.key] : undefined;
  const overdue = counts.overdue;

  const items = useMemo(() => {
    const list: { key: string; icon: React.ReactNode; label: React.ReactNode }[] = [];
    if (hasRole(me, ...CREATE_ROLES)) list.push({ key: '/intake', icon: <FormOutlined />, label: <Link to="/intake">{t('受理登记', 'Intake')}</Link> });
    list.push({
      key: '/queues',
      icon: <UnorderedListOutlined />,
      label: (
        <Link to="/queues">
          <Space size={6}>
            {t('工单工作台', 'Work queues')}
            {todo && todo.n > 0 && (
              <Badge count={countText(todo)} overflowCount={Number.MAX_SAFE_INTEGER} size="small" color="#1d5bd8" title={firstQueue ? `${t(firstQueue.zh, firstQueue.en)} ${countText(todo)}` : ''} />
            )}
            {overdue && overdue.n > 0 && (
              <Badge count={countText(overdue)} overflowCount={Number.MAX_SAFE_INTEGER} size="small" color="#cf1322" title={`${t('已超时', 'Overdue')} ${countText(overdue)}`} />
            )}
          </Space>
        </Link>
      ),
    });
    list.push({ key: '/map', icon: <EnvironmentOutlined />, label: <Link to="/map">{t('一张图', 'Map')}</Link> });
    if (hasRole(me, 'mediator', 'township', 'grid_worker', 'dispatcher', 'supervisor', 'leader', 'police'))
      list.push({ key: '/disputes', icon: <TeamOutlined />, label: <Link to="/disputes">{t('矛盾纠纷', 'Disputes')}</Link> });
    if (hasRole(me, 'petition_officer', 'leader', 'supervisor', 'township', 'handler'))
      list.push({ key: '/petitions', icon: <MailOutlined />, label: <Link to="/petitions">{t('信访', 'Petitions')}</Link> });
    // Key persons: the roles that may hold files (each file is then need-to-know: team, jurisdiction's police and political-legal staff).
    if (hasRole(me, 'police', 'leader', 'supervisor', 'grid_worker', 'township'))
      list.push({ key: '/keypersons', icon: <SafetyCertificateOutlined />, label: <Link to="/keypersons">{t('重点人员', 'Key persons')}</Link> });
    if (hasRole(me, 'leader', 'supervisor', 'police', 'township', 'petition_officer'))
      list.push({ key: '/risk', icon: <AlertOutlined />, label: <Link to="/risk">{t('风险评估', 'Risk assessment')}</Link> });
    list.push({ key: '/tasks', icon: <ScheduleOutlined />, label: <Link to="/tasks">{t('目标任务', 'Target tasks')}</Link> });
    list.push({ key: '/dashboard', icon: <BarChartOutlined />, label: <Link to="/dashboard">{t('统计分析', 'Dashboards')}</Link> });
    if (hasRole(me, 'admin')) list.push({ key: '/admin', icon: <SettingOutlined />, label: <Link to="/admin">{t('系统管理', 'Admin')}</Link> });
    return list;
  }, [me, t, todo, overdue, firstQueue]);

  const selected = loc.pathname.startsWith('/cases/') ? '/queues' : '/' + (loc.pathname.split('/')[1] ?? '');

  return (
    <Layout className="console">
      <a href="#main" className="skip-link">
        {t('跳到正文', 'Skip to content')}
      </a>
      <Sider collapsible collapsed={collapsed} trigger={null} width={208} className="console-sider" breakpoint="lg" onBreakpoint={(b) => setCollapsed(b)}>
        <div className="console-brand" onClick={() => navigate('/')} role="link" tabIndex={0} onKeyDown={(e) => e.key === 'Enter' && navigate('/')}>
          <span className="console-logo" aria-hidden>
            治
          </span>
          {!collapsed && <span className="console-title">{t('zhili 治理', 'zhili')}</span>}
        </div>
        <nav aria-label={t('主菜单', 'Main menu')}>
          <Menu theme="dark" mode="inline" selectedKeys={[selected]} items={items} />
        </nav>
      </Sider>
      <Layout>
        <Header className="console-header">
          <Button
            type="text"
            icon={collapsed ? <MenuUnfoldOutlined /> : <MenuFoldOutlined />}
            onClick={() => setCollapsed(!collapsed)}
            aria-label={collapsed ? t('展开菜单', 'Expand menu') : t('收起菜单', 'Collapse menu')}
          />
          <div style={{ flex: 1 }} />
          <Space size="middle">
            <LangSwitch />
            <UserMenu me={me} />
          </Space>
        </Header>
        <Content id="main" className="console-content" tabIndex={-1}>
          <ErrorBoundary key={loc.pathname}>
            <Outlet />
          </ErrorBoundary>
        </Content>
      </Layout>
    </Layout>
  );
}

function UserMenu({ me }: { me: Me }) {
  const { t } = useI18n();
  const label = useLabel();
  const setMe = useSetMe();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const scopes = me.scopeCodes.filter((c) => c !== '*');
  const divisions = useQueries({
    queries: scopes.map((code) => ({
      queryKey: ['division', code],
      queryFn: () => api<Division>(`/api/divisions/${code}`),
      staleTime: 60 * 60_000,
      retry: false,
    })),
  });
  const jurisdiction = me.scopeCodes.includes('*')
    ? t('全部辖区', 'Everywhere')
    : scopes.length
      ? scopes.map((c, i) => divisions[i].data?.name ?? c).join('、')
      : t('本单位工单', "Own unit's cases");

  async function signOut() {
    try {
      await api('/api/auth/logout', { method: 'POST', quiet401: true });
    } catch {
      /* signed out anyway */
    }
    setMe(null);
    message.success(t('已退出', 'Signed out'));
    navigate('/login', { replace: true });
  }

  const panel = (
    <div className="user-panel" role="dialog" aria-label={t('用户信息', 'User')}>
      <Space align="start">
        <Avatar size={40} icon={<UserOutlined />} />
        <div>
          <Typography.Text strong>{me.displayName}</Typography.Text>
          <div className="muted">{me.username}</div>
        </div>
      </Space>
      <Divider style={{ margin: '12px 0' }} />
      <Descriptions column={1} size="small" colon={false} styles={{ label: { width: 64 } }}>
        <Descriptions.Item label={t('单位', 'Unit')}>{me.unit?.name ?? t('无', 'None')}</Descriptions.Item>
        <Descriptions.Item label={t('角色', 'Roles')}>
          <Space size={[4, 4]} wrap>
            {me.roles.map((r) => (
              <Tag key={r} color="blue">
                {label(ROLE_TEXT, r)}
              </Tag>
            ))}
          </Space>
        </Descriptions.Item>
        <Descriptions.Item label={t('辖区', 'Area')}>{jurisdiction}</Descriptions.Item>
      </Descriptions>
      <Divider style={{ margin: '12px 0' }} />
      <Button block icon={<LogoutOutlined />} onClick={signOut}>
        {t('退出登录', 'Sign out')}
      </Button>
    </div>
  );

  return (
    <Dropdown trigger={['click']} popupRender={() => panel} placement="bottomRight">
      <Button type="text" className="user-button" aria-haspopup="dialog" aria-label={t('用户菜单', 'User menu')}>
        <Avatar size="small" icon={<UserOutlined />} />
        <span className="user-name">{me.displayName}</span>
        {me.unit && <span className="muted user-unit">{me.unit.name}</span>}
      </Button>
    </Dropdown>
  );
}
