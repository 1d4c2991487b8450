import { useState } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { Alert, Button, Card, Form, Input, Tabs, Typography } from 'antd';
import { LockOutlined, UserOutlined } from '@ant-design/icons';
import { api } from '../api/client.ts';
import { isStaff, useMe, useSetMe } from '../api/hooks.ts';
import type { Me } from '../api/types.ts';
import { applyServerErrors } from '../lib/forms.ts';
import { useT } from '../i18n.tsx';
import { LangSwitch } from '../components/LangSwitch.tsx';
import { PhoneCodeForm } from '../components/PhoneCodeForm.tsx';

/** Only same-site paths may be the target after signing in. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login') ? next : '/';
}

export function LoginPage() {
  const t = useT();
  const me = useMe();
  const setMe = useSetMe();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const [form] = Form.useForm();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  if (me.data) return <Navigate to={isStaff(me.data) ? next : '/portal'} replace />;

  async function signIn(values: { username: string; password: string }) {
    setBusy(true);
    setError(null);
    try {
      const who = await api<Me>('/api/auth/login', { body: values, quiet401: true });
      setMe(who);
      navigate(isStaff(who) ? next : '/portal', { replace: true });
    } catch (err) {
      const rest = applyServerErrors(form, err);
      setError(rest.join('；'));
      form.setFieldValue('password', '');
      form.getFieldInstance('password')?.focus();
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="login-page">
      <div className="login-top">
        <LangSwitch />
      </div>
      <main className="login-main">
        <div className="login-brand">
          <div className="login-logo" aria-hidden>
            治
          </div>
          <Typography.Title level={2} style={{ margin: 0 }}>
            {t('zhili 治理', 'zhili')}
          </Typography.Title>
          <Typography.Text type="secondary">
            {t('12345 热线 · 网格化管理 · 110 联动 工单闭环平台', '12345 hotline · grid management · 110 linkage, one closed loop of work orders')}
          </Typography.Text>
        </div>
        <Card className="login-card">
          <Tabs
            defaultActiveKey="staff"
            items={[
              {
                key: 'staff',
                label: t('工作人员登录', 'Staff sign-in'),
                children: (
                  <Form form={form} layout="vertical" onFinish={signIn} requiredMark={false} disabled={busy} aria-label={t('工作人员登录', 'Staff sign-in')}>
                    {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} role="alert" />}
                    <Form.Item name="username" label={t('用户名', 'Username')} rules={[{ required: true, message: t('请输入用户名', 'Enter your username') }]}>
                      <Input prefix={<UserOutlined />} autoComplete="username" autoFocus size="large" />
                    </Form.Item>
                    <Form.Item name="password" label={t('密码', 'Password')} rules={[{ required: true, message: t('请输入密码', 'Enter your password') }]}>
                      <Input.Password prefix={<LockOutlined />} autoComplete="current-password" size="large" />
                    </Form.Item>
                    <Button type="primary" htmlType="submit" block size="large" loading={busy}>
                      {t('登录', 'Sign in')}
                    </Button>
                  </Form>
                ),
              },
              {
                key: 'citizen',
                label: t('群众登录', 'Citizens'),
                children: (
                  <>
                    <Typography.Paragraph type="secondary">
                      {t('用手机号接收验证码登录，提交诉求并查看办理进度。', 'Sign in with a code sent to your phone to submit a request and follow it.')}
                    </Typography.Paragraph>
                    <PhoneCodeForm
                      onSignedIn={(who) => {
                        setMe(who);
                        navigate('/portal', { replace: true });
                      }}
                    />
                  </>
                ),
              },
            ]}
          />
        </Card>
        <Typography.Text type="secondary" className="login-foot">
          {t('接口文档', 'API docs')}: <a href="/docs">/docs</a>
        </Typography.Text>
      </main>
    </div>
  );
}
