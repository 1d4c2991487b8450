/** Small pieces shared by the phone page's screens. */
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { Tag } from 'antd';
import { CloudSyncOutlined, DisconnectOutlined } from '@ant-design/icons';
import type { CaseView } from '../api/types.ts';
import { useI18n } from '../i18n.tsx';
import { Countdown } from '../components/Countdown.tsx';
import { useOutbox } from './outbox.tsx';

export function MHeader({ title, back, extra }: { title: ReactNode; back?: ReactNode; extra?: ReactNode }) {
  const t = useI18n().t;
  const { online, summary } = useOutbox();
  return (
    <header className="m-header">
      {back}
      <h1 className="m-title">{title}</h1>
      <div className="m-header-extra">
        {!online && (
          <Tag icon={<DisconnectOutlined />} color="#8c4a00" className="m-net" role="status">
            {t('离线', 'Offline')}
          </Tag>
        )}
        {summary.total > 0 && (
          <Link to="/m/me" className="m-pending-link" aria-label={t(`${summary.total} 条待发送`, `${summary.total} waiting to send`)}>
            <CloudSyncOutlined /> {summary.total}
          </Link>
        )}
        {extra}
      </div>
    </header>
  );
}

/** The running clock of a case (the shared countdown tag), hidden once the case is done. */
export function CaseCountdown({ c }: { c: CaseView }) {
  if (['closed', 'rated', 'cancelled', 'transferred', 'merged'].includes(c.status)) return null;
  return <Countdown deadline={c.deadline} compact />;
}
