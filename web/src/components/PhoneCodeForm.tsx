import { useEffect, useState } from 'react';
import { Alert, App, Button, Form, Input, Space, type FormInstance } from 'antd';
import { MobileOutlined, SafetyOutlined } from '@ant-design/icons';
import { api } from '../api/client.ts';
import type { Me } from '../api/types.ts';
import { applyServerErrors } from '../lib/forms.ts';
import { useT } from '../i18n.tsx';

const PHONE_RE = /^1\d{10}$/;

/**
 * Sending a one-time code: the request, the 60 s resend countdown, and focus
 * moved to the form's `code` field. `send` throws what the server answered.
 */
export function useOtpSender(form: FormInstance) {
  const t = useT();
  const { message } = App.useApp();
  const [sending, setSending] = useState(false);
  const [wait, setWait] = useState(0);
  const [sent, setSent] = useState(false);

  useEffect(() => {
    if (wait <= 0) return;
    const id = setTimeout(() => setWait((w) => w - 1), 1000);
    return () => clearTimeout(id);
  }, [wait]);

  async function send(phone: string) {
    setSending(true);
    try {
      await api('/api/auth/otp/request', { body: { phone }, quiet401: true });
      setSent(true);
      setWait(60);
      message.success(t('验证码已发送', 'Code sent'));
      form.getFieldInstance('code')?.focus();
    } finally {
      setSending(false);
    }
  }

  return { send, sending, wait, sent };
}

/** The six-digit `code` field beside its send / resend button. */
export function OtpCodeItem({
  label,
  size,
  otp,
  onSend,
}: {
  label: string;
  size: 'large' | 'middle';
  otp: Pick<ReturnType<typeof useOtpSender>, 'sending' | 'wait' | 'sent'>;
  onSend(): void;
}) {
  const t = useT();
  const { sending, wait, sent } = otp;
  return (
    <Form.Item label={label} required>
      <Space.Compact style={{ width: '100%' }}>
        <Form.Item
          name="code"
          noStyle
          rules={[
            { required: true, message: t('请输入验证码', 'Enter the code') },
            { pattern: /^\d{6}$/, message: t('6 位数字', '6 digits') },
          ]}
        >
          <Input prefix={<SafetyOutlined />} inputMode="numeric" autoComplete="one-time-code" maxLength={6} size={size} aria-label={label} />
        </Form.Item>
        <Button size={size} onClick={onSend} loading={sending} disabled={wait > 0}>
          {wait > 0 ? t(`${wait} 秒后重发`, `Resend in ${wait}s`) : sent ? t('重新发送', 'Resend') : t('获取验证码', 'Send code')}
        </Button>
      </Space.Compact>
    </Form.Item>
  );
}

/** Citizen sign-in: phone number, a one-time code by SMS, verify. */
export function PhoneCodeForm({ onSignedIn, size = 'large' }: { onSignedIn(me: Me): void; size?: 'large' | 'middle' }) {
  const t = useT();
  const [form] = Form.useForm<{ phone: string; code: string }>();
  const otp = useOtpSender(form);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function sendCode() {
    setError(null);
    try {
      await form.validateFields(['phone']);
    } catch {
      return;
    }
    try {
      await otp.send(form.getFieldValue('phone'));
    } catch (err) {
      setError(applyServerErrors(form, err).join('；') || null);
    }
  }

  async function verify(values: { phone: string; code: string }) {
    setBusy(true);
    setError(null);
    try {
      const me = await api<Me>('/api/auth/otp/verify', { body: values, quiet401: true });
      onSignedIn(me);
    } catch (err) {
      setError(applyServerErrors(form, err).join('；') || null);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Form form={form} layout="vertical" onFinish={verify} requiredMark={false} aria-label={t('手机验证码登录', 'Sign in by phone')}>
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} role="alert" />}
      <Form.Item
        name="phone"
        label={t('手机号', 'Mobile number')}
        rules={[
          { required: true, message: t('请输入手机号', 'Enter your mobile number') },
          { pattern: PHONE_RE, message: t('请输入 11 位手机号', 'An 11-digit mobile number') },
        ]}
      >
        <Input prefix={<MobileOutlined />} inputMode="numeric" autoComplete="tel" maxLength={11} size={size} />
      </Form.Item>
      <OtpCodeItem label={t('验证码', 'Code')} size={size} otp={otp} onSend={sendCode} />
      <Form.Item noStyle shouldUpdate>
        {() => (
          <Button type="primary" htmlType="submit" block size={size} loading={busy}>
            {t('登录', 'Sign in')}
          </Button>
        )}
      </Form.Item>
    </Form>
  );
}
