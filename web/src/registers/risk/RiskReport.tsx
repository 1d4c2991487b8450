/**
 * A county's risk report (县域风险评估报告), printable: total, tier and rank,
 * scores by category and dimension, what drives the tier (the largest
 * contributions), missing values, and the trend over earlier periods. The
 * print stylesheet drops the console's frame and keeps the report on paper.
 */
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { Alert, Button, Card, Descriptions, Empty, Progress, Space, Table, Tag, Typography } from 'antd';
import { PrinterOutlined } from '@ant-design/icons';
import { api } from '../../api/client.ts';
import { useI18n } from '../../i18n.tsx';
import { ErrorState, Loading } from '../../components/States.tsx';
import { TIER_COLOR, fmt, tierText, type Report } from './types.ts';

const PRINT_CSS = `
@media print {
  .ant-layout-sider, .ant-layout-header, .no-print { display: none !important; }
  .ant-layout, .ant-layout-content { margin: 0 !important; padding: 0 !important; background: #fff !important; }
  .risk-report .ant-card { break-inside: avoid; box-shadow: none; border: 1px solid #999; }
  .risk-report { font-size: 11pt; color: #000; }
  @page { size: A4; margin: 15mm; }
}`;

export default function RiskReport() {
  const { t } = useI18n();
  const { id, county } = useParams();
  const q = useQuery({ queryKey: ['risk-report', id, county], queryFn: () => api<Report>(`/api/risk/periods/${id}/counties/${county}`) });
  if (q.isPending) return <Loading height={300} />;
  if (q.isError) return <ErrorState error={q.error} onRetry={() => q.refetch()} />;
  const r = q.data;
  const maxTrend = Math.max(1, ...r.trend.map((x) => x.total ?? 0));
  return (
    <div className="risk-report" data-testid="risk-report">
      <style>{PRINT_CSS}</style>
      <Space className="no-print" style={{ marginBottom: 12 }}>
        <Link to={`/risk?period=${r.period.id}`}>{t('← 返回排名', '← Back to the ranking')}</Link>
        <Button icon={<PrinterOutlined />} onClick={() => window.print()}>{t('打印报告', 'Print')}</Button>
      </Space>
      <Typography.Title level={3} style={{ marginTop: 0 }}>
        {r.divisionName} · {t('县域风险评估报告', 'County risk report')}
      </Typography.Title>
      <Descriptions size="small" bordered column={{ xs: 1, sm: 2, md: 4 }}>
        <Descriptions.Item label={t('评估期', 'Period')}>{r.period.name}</Descriptions.Item>
        <Descriptions.Item label={t('综合得分', 'Total score')}>
          <b data-testid="risk-total">{fmt(r.total)}</b>
        </Descriptions.Item>
        <Descriptions.Item label={t('风险等级', 'Tier')}>
          <Tag color={r.tier ? TIER_COLOR[r.tier] : undefined} data-testid="risk-tier">{tierText(t, r.tier)}</Tag>
        </Descriptions.Item>
        <Descriptions.Item label={t('排名', 'Rank')}>
          {r.rank ? `${r.rank} / ${r.of}` : '—'}
        </Descriptions.Item>
        <Descriptions.Item label={t('指标体系', 'Framework')} span="filled">
          {r.framework.name} v{r.framework.version}
          {' · '}
          {r.framework.tiers.method === 'quota'
            ? t(`按名次定级：前 ${String(r.framework.tiers.tier1)}${r.framework.tiers.unit === 'share' ? '（比例）' : ' 名'} 为一类`, `tiers by rank quota: top ${String(r.framework.tiers.tier1)}${r.framework.tiers.unit === 'share' ? ' (share)' : ''} are tier 1`)
            : t(`按分数定级：≥${String(r.framework.tiers.tier1Min)} 一类，≥${String(r.framework.tiers.tier2Min)} 二类`, `tiers by score: ≥${String(r.framework.tiers.tier1Min)} tier 1, ≥${String(r.framework.tiers.tier2Min)} tier 2`)}
        </Descriptions.Item>
      </Descriptions>

      <Card size="small" title={t('主要风险因素（决定等级的指标）', 'What drives the tier (largest contributions)')} style={{ marginTop: 12 }} data-testid="risk-drivers">
        {r.drivers.length ? (
          <ol style={{ margin: 0, paddingLeft: 20 }}>
            {r.drivers.map((d) => (
              <li key={d.indicatorCode}>
                <b>{d.name}</b> <Typography.Text type="secondary">({d.category} / {d.dimension})</Typography.Text>
                {' · '}
                {t('值', 'value')} {fmt(d.value, 2)} · {t('指标得分', 'score')} {fmt(d.score, 1)} · {t('贡献', 'contributes')} <b>{fmt(d.contribution, 2)}</b> {t('分', 'points')}
              </li>
            ))}
          </ol>
        ) : (
          <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} />
        )}
      </Card>

      {r.missing.length > 0 && (
        <Alert
          style={{ marginTop: 12 }}
          type="warning"
          showIcon
          message={t(`缺少 ${r.missing.length} 项指标值，已按指标体系的规则处理`, `${r.missing.length} indicator values missing, handled by the framework's rule`)}
          description={r.missing.map((m) => m.name).join('、')}
        />
      )}

      <Card size="small" title={t('分类与维度得分', 'Scores by category and dimension')} style={{ marginTop: 12 }} data-testid="risk-categories">
        <Table
          size="small"
          pagination={false}
          rowKey="code"
          dataSource={r.categories}
          columns={[
            { title: t('类别', 'Category'), dataIndex: 'name', width: 140 },
            { title: t('权重', 'Weight'), dataIndex: 'weight', width: 70 },
            { title: t('得分', 'Score'), dataIndex: 'score', width: 220, render: (s: number | null) => (s === null ? '—' : <Progress percent={Math.round(s * 10) / 10} status="normal" size="small" strokeColor={s >= 60 ? '#cf1322' : s >= 30 ? '#fa8c16' : '#389e0d'} format={(p) => fmt(p ?? 0, 1)} />) },
            {
              title: t('维度', 'Dimensions'),
              render: (_: unknown, c) => (
                <Space direction="vertical" size={0} style={{ width: '100%' }}>
                  {c.dimensions.map((d) => (
                    <div key={d.code}>
                      <b>{d.name}</b> {fmt(d.score, 1)}
                      <Typography.Text type="secondary">
                        {' — '}
                        {d.indicators.map((i) => `${i.name} ${i.missing ? t('缺失', 'missing') : `${fmt(i.value, 2)}${i.unit ?? ''}`}`).join('；')}
                      </Typography.Text>
                    </div>
                  ))}
                </Space>
              ),
            },
          ]}
        />
      </Card>

      <Card size="small" title={t('历期趋势', 'Trend against earlier periods')} style={{ marginTop: 12 }} data-testid="risk-trend">
        <Table
          size="small"
          pagination={false}
          rowKey="periodId"
          dataSource={r.trend}
          columns={[
            { title: t('评估期', 'Period'), dataIndex: 'name', width: 180 },
            { title: t('综合得分', 'Total'), dataIndex: 'total', width: 260, render: (s: number | null) => (s === null ? '—' : <Space><div style={{ width: 160 * ((s ?? 0) / maxTrend), minWidth: 2, height: 10, background: '#1d5bd8' }} />{fmt(s)}</Space>) },
            { title: t('排名', 'Rank'), render: (_: unknown, x) => (x.rank ? `${x.rank} / ${x.of}` : '—'), width: 100 },
            { title: t('等级', 'Tier'), dataIndex: 'tier', render: (tier: number | null) => <Tag color={tier ? TIER_COLOR[tier] : undefined}>{tierText(t, tier)}</Tag> },
          ]}
        />
      </Card>
    </div>
  );
}
