/**
 * 用户与角色: the staff of the admin's jurisdiction; create and edit (name,
 * phone, unit, roles, jurisdiction, active), reset a password (typed, or
 * generated and shown once), deactivate (their sessions end at once).
 * Phones are masked in the list as the server sends them; the edit form
 * fetches the whole number (an audited read).
 */
import { useMemo, useState } from 'react';
import { Alert, App, Button, Card, Checkbox, Form, Input, Modal, Radio, Select, Space, Switch, Table, Tag, Tooltip, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { EditOutlined, KeyOutlined, PlusOutlined, ReloadOutlined, ThunderboltOutlined } from '@ant-design/icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, withQuery } from '../../api/client.ts';
import { useMe } from '../../api/hooks.ts';
import type { Role, Unit } from '../../api/types.ts';
import { ROLE_TEXT, useI18n, useLabel } from '../../i18n.tsx';
import { applyServerErrors, errorText } from '../../lib/forms.ts';
import { EmptyState, ErrorState, Loading } from '../../components/States.tsx';
import { UnitSelect } from '../../components/UnitSelect.tsx';
import { ActiveTag, ActiveToggle, DivisionTags, DivisionTreeSelect, ErrorBanner, STAFF_ROLES, isGlobal, useDivisionNames, useFormSave, type AdminUser } from './org-common.tsx';

interface UserForm {
  username: string;
  displayName: string;
  phone?: string | null;
  password?: string;
  roles: Role[];
  unitCode?: string | null;
  scopeCodes: string[];
  everywhere: boolean;
  active: boolean;
}

/** Like the server's: no 0/O or 1/l/I, so it can be read out over the phone. */
function generatePassword(length = 12): string {
  const letters = 'ABCDEFGHJKMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz';
  const all = letters + '23456789';
  for (;;) {
    const bytes = crypto.getRandomValues(new Uint32Array(length));
    const s = [...bytes].map((b) => all[b % all.length]).join('');
    if (/\d/.test(s) && /[A-Z]/.test(s) && /[a-z]/.test(s)) return s;
  }
}

export default function UsersAdmin() {
  const { t } = useI18n();
  const label = useLabel();
  const me = useMe().data!;
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [q, setQ] = useState('');
  const [search, setSearch] = useState('');
  const [role, setRole] = useState<Role>();
  const [unitId, setUnitId] = useState<string>();
  const [status, setStatus] = useState<'all' | 'active' | 'inactive'>('all');
  const [editing, setEditing] = useState<AdminUser | 'new' | null>(null);
  const [resetting, setResetting] = useState<AdminUser | null>(null);
  const [busyId, setBusyId] = useState<string>();

  const query = { q: search || undefined, role, unitId, limit: 1000 };
  const users = useQuery<AdminUser[]>({ queryKey: ['admin', 'users', query], queryFn: ({ signal }) => api(withQuery('/api/users', query), { signal }) });
  const rows = useMemo(() => (users.data ?? []).filter((u) => status === 'all' || (status === 'active') === u.active), [users.data, status]);
  const names = useDivisionNames(rows.slice(0, 300).flatMap((u) => u.scopeCodes));
  const refresh = () => qc.invalidateQueries({ queryKey: ['admin', 'users'] });

  async function setActive(u: AdminUser, active: boolean) {
    setBusyId(u.id);
    try {
      await api(`/api/users/${u.id}/active`, { method: 'PUT', body: { active } });
      message.success(active ? t(`已启用 ${u.displayName}`, `${u.displayName} activated`) : t(`已停用 ${u.displayName}，其登录已失效`, `${u.displayName} deactivated and signed out`));
      await refresh();
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setBusyId(undefined);
    }
  }

  const columns: ColumnsType<AdminUser> = [
    {
      title: t('用户', 'User'),
      dataIndex: 'displayName',
      render: (n: string, u) => (
        <div>
          <div className="cell-title">{n}</div>
          <div className="muted cell-sub">{u.username}</div>
        </div>
      ),
    },
    { title: t('电话', 'Phone'), dataIndex: 'phone', width: 118, render: (p: string | null) => p ?? <span className="muted">—</span> },
    {
      title: t('角色', 'Roles'),
      dataIndex: 'roles',
      render: (roles: Role[]) => (
        <Space size={[4, 2]} wrap>
          {roles.map((r) => (
            <Tag key={r} color={r === 'admin' ? 'red' : 'blue'}>
              {label(ROLE_TEXT, r)}
            </Tag>
          ))}
        </Space>
      ),
    },
    { title: t('单位', 'Unit'), dataIndex: 'unitName', width: 150, ellipsis: true, render: (v: string | null) => v ?? <span className="muted">—</span> },
    {
      title: t('管辖区划', 'Jurisdiction'),
      dataIndex: 'scopeCodes',
      width: 170,
      render: (codes: string[]) => <DivisionTags codes={codes} names={names} max={3} empty={t('仅本单位', 'Own unit only')} />,
    },
    { title: t('状态', 'Status'), dataIndex: 'active', width: 70, render: (a: boolean) => <ActiveTag active={a} /> },
    {
      title: t('操作', 'Actions'),
      key: 'actions',
      width: 190,
      render: (_v, u) => (
        <Space size={4}>
          <Button size="small" icon={<EditOutlined />} onClick={() => setEditing(u)} aria-label={t(`编辑 ${u.displayName}`, `Edit ${u.displayName}`)}>
            {t('编辑', 'Edit')}
          </Button>
          <Tooltip title={t('重置密码', 'Reset password')}>
            <Button size="small" icon={<KeyOutlined />} onClick={() => setResetting(u)} aria-label={t(`重置 ${u.displayName} 的密码`, `Reset the password of ${u.displayName}`)} />
          </Tooltip>
          {u.id === me.id ? null : (
            <ActiveToggle
              name={u.displayName}
              active={u.active}
              busy={busyId === u.id}
              description={t('停用后立即退出登录，不能再登录；其办理记录保留。', 'They are signed out at once and cannot sign in; their records stay.')}
              onChange={(active) => setActive(u, active)}
            />
          )}
        </Space>
      ),
    },
  ];

  return (
    <div className="org-admin">
      <div className="page-head">
        <Typography.Title level={4} style={{ margin: 0 }}>
          {t('用户与角色', 'Users and roles')}
        </Typography.Title>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')}>
          {t('新建用户', 'New user')}
        </Button>
      </div>
      <Card size="small" className="section">
        <Space wrap>
          <Input.Search allowClear aria-label={t('搜索用户', 'Search users')} placeholder={t('账号或姓名', 'Username or name')} style={{ width: 200 }} value={q} onChange={(e) => setQ(e.target.value)} onSearch={(v) => setSearch(v.trim())} />
          <Select
            allowClear
            aria-label={t('角色', 'Role')}
            placeholder={t('角色', 'Role')}
            style={{ width: 160 }}
            value={role}
            onChange={setRole}
            options={STAFF_ROLES.map((r) => ({ value: r, label: label(ROLE_TEXT, r) }))}
          />
          <UnitSelect allowClear aria-label={t('单位', 'Unit')} placeholder={t('单位', 'Unit')} style={{ width: 220 }} value={unitId} onChange={(v) => setUnitId((v as string) || undefined)} />
          <Radio.Group
            optionType="button"
            size="middle"
            value={status}
            onChange={(e) => setStatus(e.target.value)}
            options={[
              { value: 'all', label: t('全部', 'All') },
              { value: 'active', label: t('启用', 'Active') },
              { value: 'inactive', label: t('停用', 'Inactive') },
            ]}
          />
          <Button icon={<ReloadOutlined />} onClick={() => users.refetch()} aria-label={t('刷新', 'Refresh')} />
        </Space>
      </Card>
      {users.isError ? (
        <ErrorState error={users.error} onRetry={() => users.refetch()} />
      ) : (
        <Table<AdminUser>
          size="small"
          rowKey="id"
          loading={users.isLoading}
          columns={columns}
          dataSource={rows}
          pagination={{ pageSize: 20, size: 'small', showTotal: (n) => t(`共 ${n} 个用户`, `${n} users`) }}
          locale={{ emptyText: <EmptyState description={search || role || unitId ? t('没有符合条件的用户', 'No user matches') : t('还没有用户', 'No users yet')} /> }}
          rowClassName={(u) => (u.active ? '' : 'org-row-inactive')}
        />
      )}
      {editing && (
        <UserModal
          user={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={async () => {
            setEditing(null);
            await refresh();
          }}
        />
      )}
      {resetting && <ResetPasswordModal user={resetting} onClose={() => setResetting(null)} />}
    </div>
  );
}

function UserModal({ user, onClose, onSaved }: { user: AdminUser | null; onClose(): void; onSaved(): void }) {
  const { t } = useI18n();
  const label = useLabel();
  const me = useMe().data!;
  const { message } = App.useApp();
  const [form] = Form.useForm<UserForm>();
  const [showPassword, setShowPassword] = useState(false);
  // The whole phone number is only in the detail (the list masks it).
  const detail = useQuery<AdminUser>({ queryKey: ['admin', 'user', user?.id], queryFn: ({ signal }) => api(`/api/users/${user!.id}`, { signal }), enabled: !!user, gcTime: 0 });
  const units = useQuery<Unit[]>({ queryKey: ['units'], queryFn: () => api('/api/units', {}), staleTime: 60_000 });
  const everywhere = Form.useWatch('everywhere', form);

  const { submit, saving, banner } = useFormSave(form, async (v) => {
    await api('/api/users', {
      method: 'POST',
      // A new user must not overwrite an existing account with the same username.
      headers: user ? undefined : { 'if-none-match': '*' },
      body: {
        username: v.username.trim(),
        displayName: v.displayName.trim(),
        phone: v.phone?.trim() || null,
        ...(v.password ? { password: v.password } : {}),
        roles: v.roles,
        unitCode: v.unitCode || null,
        scopeCodes: v.everywhere ? ['*'] : (v.scopeCodes ?? []),
        active: v.active,
      },
    });
    message.success(user ? t('用户已保存', 'User saved') : t('用户已创建', 'User created'));
    onSaved();
  });

  const d = detail.data;
  const ready = !user || !!d;
  return (
    <Modal
      open
      width={640}
      title={user ? t(`编辑用户：${user.displayName}`, `Edit user: ${user.displayName}`) : t('新建用户', 'New user')}
      okText={t('保存', 'Save')}
      cancelText={t('取消', 'Cancel')}
      onOk={submit}
      okButtonProps={{ disabled: !ready }}
      confirmLoading={saving}
      onCancel={onClose}
      destroyOnHidden
    >
      {user && detail.isLoading ? (
        <Loading height={200} />
      ) : user && detail.isError ? (
        <ErrorState error={detail.error} onRetry={() => detail.refetch()} />
      ) : (
        <>
          <ErrorBanner messages={banner} />
          <Form<UserForm>
            form={form}
            layout="vertical"
            requiredMark="optional"
            onFinish={submit}
            aria-label={user ? t('编辑用户', 'Edit user') : t('新建用户', 'New user')}
            initialValues={
              d
                ? { username: d.username, displayName: d.displayName, phone: d.phone, roles: d.roles, unitCode: d.unitCode, scopeCodes: d.scopeCodes.filter((c) => c !== '*'), everywhere: d.scopeCodes.includes('*'), active: d.active }
                : { roles: [], scopeCodes: [], everywhere: false, active: true }
            }
          >
            <Space.Compact block>
              <Form.Item
                name="username"
                label={t('登录账号', 'Username')}
                style={{ width: '50%' }}
                rules={[
                  { required: true, message: t('请填写账号', 'Enter the username') },
                  { min: 2, max: 64 },
                  { pattern: /^[\w.@-]+$/, message: t('只能包含字母、数字和 ._@-', 'Letters, digits and ._@- only') },
                ]}
                extra={user ? t('账号不可修改', 'The username cannot change') : undefined}
              >
                <Input disabled={!!user} autoComplete="off" autoFocus={!user} />
              </Form.Item>
              <Form.Item name="displayName" label={t('姓名', 'Name')} style={{ width: '50%' }} rules={[{ required: true, whitespace: true, message: t('请填写姓名', 'Enter the name') }, { max: 100 }]}>
                <Input autoComplete="off" autoFocus={!!user} />
              </Form.Item>
            </Space.Compact>
            <Space.Compact block>
              <Form.Item
                name="phone"
                label={t('手机/电话', 'Phone')}
                style={{ width: '50%' }}
                rules={[{ pattern: /^1\d{10}$|^0\d{2,3}-?\d{7,8}$/, message: t('手机号或座机号格式不正确', 'A mobile or landline number') }]}
              >
                <Input autoComplete="off" inputMode="tel" />
              </Form.Item>
              {!user ? (
                <Form.Item label={t('初始密码', 'Initial password')} style={{ width: '50%' }} required>
                  <Space.Compact block>
                    <Form.Item name="password" noStyle rules={[{ required: true, message: t('请填写或生成密码', 'Type or generate a password') }, { min: 8, message: t('密码至少 8 位', 'At least 8 characters') }]}>
                      <Input.Password
                        autoComplete="new-password"
                        aria-label={t('初始密码', 'Initial password')}
                        visibilityToggle={{ visible: showPassword, onVisibleChange: setShowPassword }}
                      />
                    </Form.Item>
                    <Tooltip title={t('随机生成', 'Generate')}>
                      <Button
                        icon={<ThunderboltOutlined />}
                        aria-label={t('随机生成密码', 'Generate a password')}
                        onClick={() => {
                          form.setFieldValue('password', generatePassword());
                          form.validateFields(['password']).catch(() => undefined);
                          setShowPassword(true);
                        }}
                      />
                    </Tooltip>
                  </Space.Compact>
                </Form.Item>
              ) : (
                <Form.Item label={t('密码', 'Password')} style={{ width: '50%' }}>
                  <span className="muted">{t('在列表中用“重置密码”修改', 'Change it with “Reset password” in the list')}</span>
                </Form.Item>
              )}
            </Space.Compact>
            <Form.Item name="roles" label={t('角色（可多选）', 'Roles (several allowed)')} rules={[{ required: true, type: 'array', min: 1, message: t('至少选择一个角色', 'Choose at least one role') }]}>
              <Checkbox.Group className="org-role-grid" options={STAFF_ROLES.map((r) => ({ value: r, label: label(ROLE_TEXT, r) }))} />
            </Form.Item>
            <Form.Item name="unitCode" label={t('所属单位', 'Unit')}>
              <Select
                allowClear
                showSearch
                optionFilterProp="label"
                loading={units.isLoading}
                placeholder={t('选择单位（可输入搜索）', 'Choose a unit (type to search)')}
                options={(units.data ?? []).filter((u) => u.active || u.code === d?.unitCode).map((u) => ({ value: u.code, label: `${u.name} (${u.code})` }))}
              />
            </Form.Item>
            {isGlobal(me) && (
              <Form.Item name="everywhere" valuePropName="checked" style={{ marginBottom: 4 }}>
                <Checkbox>{t('全部辖区（*，仅全局管理员可授予）', 'Everywhere (*, only a global admin may grant it)')}</Checkbox>
              </Form.Item>
            )}
            <Form.Item
              name="scopeCodes"
              label={t('管辖区划', 'Jurisdiction')}
              extra={t('可查看这些区划（含下级）内的工单；不选则只看本单位的工单。', 'Sees cases in these divisions and below; none means only the unit’s own cases.')}
            >
              <DivisionTreeSelect multiple disabled={!!everywhere} aria-label={t('管辖区划', 'Jurisdiction')} />
            </Form.Item>
            <Form.Item name="active" label={t('启用', 'Active')} valuePropName="checked">
              <Switch disabled={user?.id === me.id} />
            </Form.Item>
            <button type="submit" hidden />
          </Form>
        </>
      )}
    </Modal>
  );
}

function ResetPasswordModal({ user, onClose }: { user: AdminUser; onClose(): void }) {
  const { t } = useI18n();
  const [how, setHow] = useState<'generate' | 'type'>('generate');
  const [form] = Form.useForm<{ password: string }>();
  const [busy, setBusy] = useState(false);
  const [banner, setBanner] = useState<string[]>([]);
  const [result, setResult] = useState<{ password?: string } | null>(null);

  async function submit() {
    let body: { password?: string } = {};
    if (how === 'type') {
      try {
        body = await form.validateFields();
      } catch {
        return;
      }
    }
    setBusy(true);
    setBanner([]);
    try {
      const r = await api<{ reset: true; password?: string }>(`/api/users/${user.id}/password`, { method: 'POST', body });
      setResult({ password: r.password });
    } catch (err) {
      setBanner(applyServerErrors(form, err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal
      open
      title={t(`重置密码：${user.displayName}（${user.username}）`, `Reset password: ${user.displayName} (${user.username})`)}
      onCancel={onClose}
      destroyOnHidden
      footer={
        result ? (
          <Button type="primary" onClick={onClose}>
            {t('完成', 'Done')}
          </Button>
        ) : (
          <Space>
            <Button onClick={onClose}>{t('取消', 'Cancel')}</Button>
            <Button type="primary" danger loading={busy} onClick={submit}>
              {t('重置密码', 'Reset password')}
            </Button>
          </Space>
        )
      }
    >
      {result ? (
        <Alert
          type="success"
          showIcon
          message={t('密码已重置，该用户已在所有设备上退出登录。', 'Password reset; the user is signed out everywhere.')}
          description={
            result.password ? (
              <div>
                <div>{t('新密码只显示这一次，请当面或电话告知本人：', 'The new password is shown only now; tell the user in person or by phone:')}</div>
                <Typography.Text code copyable className="org-new-password" data-testid="new-password">
                  {result.password}
                </Typography.Text>
              </div>
            ) : (
              t('已设置为您输入的密码。', 'Set to the password you typed.')
            )
          }
        />
      ) : (
        <>
          <ErrorBanner messages={banner} />
          <Radio.Group
            value={how}
            onChange={(e) => setHow(e.target.value)}
            style={{ marginBottom: 12 }}
            options={[
              { value: 'generate', label: t('自动生成（只显示一次）', 'Generate (shown once)') },
              { value: 'type', label: t('手动输入', 'Type one') },
            ]}
          />
          {how === 'type' && (
            <Form form={form} layout="vertical" onFinish={submit}>
              <Form.Item name="password" label={t('新密码', 'New password')} rules={[{ required: true, message: t('请输入新密码', 'Enter the new password') }, { min: 8, message: t('密码至少 8 位', 'At least 8 characters') }, { max: 200 }]}>
                <Input.Password autoComplete="new-password" autoFocus />
              </Form.Item>
            </Form>
          )}
          <Typography.Paragraph className="muted" style={{ fontSize: 12, marginBottom: 0 }}>
            {t('重置后该用户的所有登录会话立即失效。', 'All of the user’s sessions end when the password is reset.')}
          </Typography.Paragraph>
        </>
      )}
    </Modal>
  );
}
