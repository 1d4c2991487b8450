/** 我: who is signed in, the reports waiting on this phone, those sent lately, and sign-out. */
import { useEffect, useMemo } from 'react';
import { Link, useNavigate } from 'react-router';
import { Alert, App, Button, Popconfirm, Tag, Typography } from 'antd';
import { CloudUploadOutlined, DeleteOutlined, EditOutlined, LogoutOutlined } from '@ant-design/icons';
import { api } from '../api/client.ts';
import { useSetMe } from '../api/hooks.ts';
import type { Me } from '../api/types.ts';
import { ROLE_TEXT, useI18n, useLabel } from '../i18n.tsx';
import { LangSwitch } from '../components/LangSwitch.tsx';
import { EmptyState } from '../components/States.tsx';
import { fmtTime } from '../lib/format.ts';
import { clearCaches } from './cache.ts';
import { useOutbox } from './outbox.tsx';
import { sizeText } from './photo.ts';
import { titleOf, type EntryState, type OutboxEntry } from './queue.ts';
import { discardEntry } from './sync.ts';
import { MHeader } from './ui.tsx';

export default function MePage({ me, offline }: { me: Me; offline: boolean }) {
  const { t } = useI18n();
  const label = useLabel();
  const { message, modal } = App.useApp();
  const setMe = useSetMe();
  const navigate = useNavigate();
  const outbox = useOutbox();
  const { entries, sent, summary } = outbox;

  async function sendNow() {
    const r = await outbox.sync({ force: true, wait: true }).catch(() => ({ results: null }));
    const results = [...(r.results?.values() ?? [])];
    const ok = results.filter((x) => x.kind === 'sent').length;
    const left = results.filter((x) => x.kind === 'kept').length;
    if (!results.length) message.info(t('没有需要发送的上报', 'Nothing to send'));
    else if (!left) message.success(t(`已发送 ${ok} 条`, `${ok} sent`));
    else message.warning(t(`已发送 ${ok} 条，${left} 条未能发送`, `${ok} sent, ${left} not sent`));
  }

  function signOut() {
    const go = async () => {
      try {
        await api('/api/auth/logout', { method: 'POST', quiet401: true });
      } catch {
        /* signed out anyway */
      }
      clearCaches();
      setMe(null);
      navigate('/login?next=/m', { replace: true });
    };
    if (!summary.total) return void go();
    modal.confirm({
      title: t('还有未发送的上报', 'Reports are still waiting'),
      content: t(
        `本机还有 ${summary.total} 条上报未发送。退出后它们保留在本机，您再次登录后才会发送。`,
        `${summary.total} report(s) have not been sent. They stay on this phone and are sent after you sign in again.`,
      ),
      okText: t('仍然退出', 'Sign out anyway'),
      cancelText: t('取消', 'Cancel'),
      onOk: go,
    });
  }

  return (
    <>
      <MHeader title={t('我', 'Me')} />
      <div className="m-page">
        <section className="m-section m-profile">
          <div>
            <Typography.Title level={5} className="m-profile-name">
              {me.displayName}
            </Typography.Title>
            <div className="muted">
              {me.username} · {me.roles.map((r) => label(ROLE_TEXT, r)).join('、')}
            </div>
            {me.unit && <div className="muted">{me.unit.name}</div>}
            {offline && <Tag color="orange">{t('离线模式', 'Offline mode')}</Tag>}
          </div>
          <LangSwitch size="middle" />
        </section>

        <section className="m-section" aria-labelledby="queue-title" data-testid="queue">
          <div className="m-section-head">
            <Typography.Title level={5} id="queue-title" style={{ margin: 0 }}>
              {t('待发送', 'Waiting to send')} ({summary.total})
            </Typography.Title>
            <Button type="primary" icon={<CloudUploadOutlined />} onClick={() => void sendNow()} loading={outbox.syncing} disabled={!summary.total} size="large">
              {t('立即发送', 'Send now')}
            </Button>
          </div>
          {outbox.storageError && <Alert type="error" showIcon className="m-block" message={t('无法读取本机存储', 'Cannot read this phone’s storage')} description={outbox.storageError} />}
          {!outbox.online && summary.total > 0 && (
            <Alert type="warning" showIcon className="m-block" message={t('当前离线：恢复网络后自动发送', 'Offline: they are sent when the connection returns')} />
          )}
          {summary.total > 0 && (
            <div className="muted m-block">
              {t(`共 ${summary.photos} 张照片，${sizeText(summary.bytes)}`, `${summary.photos} photos, ${sizeText(summary.bytes)}`)}
              {outbox.lastSyncAt ? ` · ${t('上次尝试', 'Last try')} ${fmtTime(new Date(outbox.lastSyncAt).toISOString())}` : ''}
            </div>
          )}
          {entries.length ? (
            <ul className="m-queue">
              {entries.map((e) => (
                <QueueItem key={e.id} e={e} />
              ))}
            </ul>
          ) : (
            <EmptyState description={t('没有待发送的上报', 'Nothing waiting')} />
          )}
        </section>

        {sent.length > 0 && (
          <section className="m-section" aria-labelledby="sent-title">
            <Typography.Title level={5} id="sent-title">
              {t('最近已发送', 'Sent lately')}
            </Typography.Title>
            <ul className="m-queue">
              {sent.slice(0, 10).map((s) => (
                <li key={s.id} className="m-queue-item">
                  <div className="m-queue-main">
                    <div className="m-card-title">{s.title}</div>
                    <div className="muted">
                      <Link to={`/m/cases/${encodeURIComponent(s.caseNo)}`}>{s.caseNo}</Link> · {fmtTime(new Date(s.sentAt).toISOString())}
                    </div>
                  </div>
                  <Tag color="green">{t('已发送', 'Sent')}</Tag>
                </li>
              ))}
            </ul>
          </section>
        )}

        <section className="m-section">
          <Button size="large" block icon={<LogoutOutlined />} onClick={signOut} danger>
            {t('退出登录', 'Sign out')}
          </Button>
          <Typography.Paragraph type="secondary" className="m-foot">
            <a href="/">{t('打开电脑版工作台', 'Open the desktop console')}</a>
          </Typography.Paragraph>
        </section>
      </div>
    </>
  );
}

const STATE_TEXT: Record<EntryState, [string, string, string]> = {
  queued: ['等待发送', 'Waiting', 'blue'],
  sending: ['发送中', 'Sending', 'processing'],
  retry: ['稍后重试', 'Will retry', 'orange'],
  auth: ['需重新登录', 'Sign in again', 'gold'],
  invalid: ['被退回，需修改', 'Refused: edit it', 'red'],
};

function QueueItem({ e }: { e: OutboxEntry }) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const s = STATE_TEXT[e.state];
  const thumb = useThumb(e);
  return (
    <li className="m-queue-item" data-testid="queue-item" data-state={e.state}>
      {thumb ? <img className="m-queue-thumb" src={thumb} alt="" /> : null}
      <div className="m-queue-main">
        <div className="m-card-title">{titleOf(e.draft)}</div>
        <div className="muted">
          {fmtTime(new Date(e.createdAt).toISOString())} · {t(`${e.photos.length} 张照片`, `${e.photos.length} photo(s)`)}
          {e.attempts > 0 ? ` · ${t(`已尝试 ${e.attempts} 次`, `${e.attempts} tries`)}` : ''}
        </div>
        {e.error && e.state !== 'queued' && (
          <div className={e.state === 'invalid' ? 'm-queue-error' : 'muted'} role={e.state === 'invalid' ? 'alert' : undefined}>
            {e.error.status === 0 ? t('网络不可用', 'No connection') : e.error.message}
            {e.error.fields.length > 0 && `：${e.error.fields.map((f) => f.message).join('；')}`}
          </div>
        )}
        <div className="m-queue-actions">
          {e.state === 'invalid' && (
            <Button size="middle" icon={<EditOutlined />} onClick={() => navigate(`/m/report?edit=${encodeURIComponent(e.id)}`)}>
              {t('修改', 'Edit')}
            </Button>
          )}
          <Popconfirm
            title={t('删除这条上报？', 'Discard this report?')}
            description={
              e.postedUncertain
                ? t('它可能已经送达服务器，只是未收到回复；删除后本机不再重试。', 'It may already have reached the server without an answer; discarding stops the retries.')
                : t('删除后无法恢复。', 'This cannot be undone.')
            }
            okText={t('删除', 'Discard')}
            cancelText={t('取消', 'Cancel')}
            okButtonProps={{ danger: true }}
            onConfirm={async () => {
              const ok = await discardEntry(e.id).catch(() => false);
              if (!ok) message.warning(t('正在发送中，请稍后再删除', 'It is being sent; try again in a moment'));
            }}
          >
            <Button size="middle" icon={<DeleteOutlined />} danger type="text" aria-label={t('删除', 'Discard')}>
              {lang === 'zh' ? '删除' : 'Discard'}
            </Button>
          </Popconfirm>
        </div>
      </div>
      <Tag color={s[2]} className="m-queue-state">
        {lang === 'zh' ? s[0] : s[1]}
      </Tag>
    </li>
  );
}

function useThumb(e: OutboxEntry): string | null {
  const blob = e.photos[0]?.blob;
  const url = useMemo(() => (blob ? URL.createObjectURL(blob) : null), [blob]);
  useEffect(() => {
    return () => {
      if (url) URL.revokeObjectURL(url);
    };
  }, [url]);
  return url;
}
