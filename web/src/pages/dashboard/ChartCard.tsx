/**
 * A dashboard panel: a chart with a "table" toggle showing the same figures,
 * an xlsx download of them (the API's format=xlsx), and its own loading,
 * empty and error states. On the wall screen only the chart shows.
 */
import { useState, type ReactNode } from 'react';
import { Alert, App, Button, Card, Segmented, Space, Spin, Tooltip } from 'antd';
import { BarChartOutlined, DownloadOutlined, TableOutlined } from '@ant-design/icons';
import { useI18n } from '../../i18n.tsx';
import { errorText } from '../../lib/forms.ts';
import { download as downloadFile } from '../../api/client.ts';
import { EmptyState } from '../../components/States.tsx';

export interface QueryState {
  isPending: boolean;
  isError: boolean;
  error: unknown;
  isFetching?: boolean;
  /** Showing the previous period's figures while the new ones load. */
  isPlaceholderData?: boolean;
  refetch(): unknown;
}

export function ChartCard({
  title,
  testId,
  query,
  empty,
  xlsx,
  chart,
  table,
  extra,
  wall,
  height = 300,
}: {
  title: ReactNode;
  testId: string;
  query: QueryState;
  empty: boolean;
  /** The API path with format=xlsx, and the fallback file name. */
  xlsx?: { path: string; name: string };
  chart?: () => ReactNode;
  table: () => ReactNode;
  extra?: ReactNode;
  wall?: boolean;
  height?: number;
}) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [view, setView] = useState<'chart' | 'table'>(chart ? 'chart' : 'table');
  const [downloading, setDownloading] = useState(false);

  async function download() {
    if (!xlsx) return;
    setDownloading(true);
    try {
      await downloadFile(xlsx.path, `${xlsx.name}.xlsx`);
    } catch (err) {
      message.error(`${t('下载失败', 'Download failed')}: ${errorText(err)}`);
    } finally {
      setDownloading(false);
    }
  }

  const controls = wall ? null : (
    <Space size={8} wrap>
      {extra}
      {chart && (
        <Segmented
          size="small"
          aria-label={t('图表或表格', 'Chart or table')}
          value={view}
          onChange={(v) => setView(v as 'chart' | 'table')}
          options={[
            { value: 'chart', label: <span data-testid={`${testId}-chart-toggle`}><BarChartOutlined /> {t('图表', 'Chart')}</span> },
            { value: 'table', label: <span data-testid={`${testId}-table-toggle`}><TableOutlined /> {t('表格', 'Table')}</span> },
          ]}
        />
      )}
      {xlsx && (
        <Tooltip title={t('下载 Excel 表格', 'Download as Excel')}>
          <Button size="small" icon={<DownloadOutlined />} loading={downloading} onClick={download} data-testid={`${testId}-xlsx`} aria-label={t('下载 Excel', 'Download xlsx')}>
            xlsx
          </Button>
        </Tooltip>
      )}
    </Space>
  );

  let body: ReactNode;
  if (query.isPending) {
    body = (
      <div className="dash-state" style={{ height }} role="status" aria-live="polite">
        <Spin tip={t('加载中…', 'Loading…')}>
          <div style={{ width: 80, height: 40 }} />
        </Spin>
      </div>
    );
  } else if (query.isError) {
    body = (
      <div className="dash-state" style={{ minHeight: height }}>
        <Alert
          type="error"
          showIcon
          message={t('加载失败', 'Could not load')}
          description={errorText(query.error)}
          action={
            <Button size="small" onClick={() => query.refetch()}>
              {t('重试', 'Retry')}
            </Button>
          }
        />
      </div>
    );
  } else if (empty) {
    body = (
      <div className="dash-state" style={{ height }}>
        <EmptyState description={t('本期暂无数据', 'No data in this period')} />
      </div>
    );
  } else {
    body = (
      <div className={query.isPlaceholderData ? 'dash-stale' : undefined} aria-busy={query.isPlaceholderData || undefined}>
        {view === 'chart' && chart ? chart() : <div className="dash-table">{table()}</div>}
      </div>
    );
  }

  return (
    <Card className="dash-card" title={<span className="dash-card-title">{title}</span>} extra={controls} size="small" data-testid={testId} data-view={view}>
      {body}
    </Card>
  );
}
