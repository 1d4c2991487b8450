import type { ReactNode } from 'react';
import { Button, Empty, Result, Spin } from 'antd';
import { ApiError } from '../api/client.ts';
import { errorText } from '../lib/forms.ts';
import { useT } from '../i18n.tsx';

export function Loading({ tip, height = 240 }: { tip?: string; height?: number }) {
  const t = useT();
  return (
    <div className="center-box" style={{ minHeight: height }} role="status" aria-live="polite">
      <Spin tip={tip ?? t('加载中…', 'Loading…')}>
        <div style={{ width: 120, height: 60 }} />
      </Spin>
    </div>
  );
}

export function ErrorState({ error, onRetry, extra }: { error: unknown; onRetry?: () => void; extra?: ReactNode }) {
  const t = useT();
  const status = error instanceof ApiError ? error.status : 0;
  const title =
    status === 404
      ? t('未找到', 'Not found')
      : status === 403
        ? t('无权访问', 'Not allowed')
        : status === 0
          ? t('网络连接失败', 'Network error')
          : t('加载失败', 'Could not load');
  return (
    <Result
      status={status === 404 ? '404' : status === 403 ? '403' : 'warning'}
      title={title}
      subTitle={errorText(error)}
      extra={
        <>
          {onRetry && (
            <Button type="primary" onClick={onRetry}>
              {t('重试', 'Retry')}
            </Button>
          )}
          {extra}
        </>
      }
    />
  );
}

export function EmptyState({ description, children }: { description?: ReactNode; children?: ReactNode }) {
  const t = useT();
  return (
    <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={description ?? t('暂无数据', 'Nothing here')}>
      {children}
    </Empty>
  );
}
