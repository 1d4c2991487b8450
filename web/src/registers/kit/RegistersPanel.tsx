/**
 * The leaders' dashboard panel of the registers: disputes (screened,
 * resolved, resolution and mediation success rates) by division of the
 * dashboard's period and area, drillable by clicking a division; and the
 * petitions' headline rates. Shown to roles that may read the registers.
 */
import { useQuery } from '@tanstack/react-query';
import { Card, Col, Row, Statistic, Table } from 'antd';
import { api, withQuery } from '../../api/client.ts';
import { hasRole, useMe } from '../../api/hooks.ts';
import { useI18n } from '../../i18n.tsx';
import { useDash } from '../../pages/dashboard/context.ts';
import { pct } from './parts.tsx';

interface Figures { key?: string | null; name?: string | null; screened: number; resolved: number; resolutionRate: number | null; mediated: number; mediationSuccessRate: number | null }

export function RegistersPanel({ onDrill }: { onDrill: (divisionCode: string) => void }) {
  const { t } = useI18n();
  const me = useMe().data;
  const d = useDash();
  const disputesOk = hasRole(me, 'mediator', 'township', 'grid_worker', 'dispatcher', 'supervisor', 'leader', 'police');
  const petitionsOk = hasRole(me, 'petition_officer', 'leader', 'supervisor', 'township', 'handler');
  const q = { from: d.from, to: d.to, division: d.divisionCode };
  const disputes = useQuery({ enabled: disputesOk, queryKey: ['reg-dash-disputes', q], queryFn: () => api<Figures & { groups: Figures[] }>(withQuery('/api/disputes/stats', { ...q, groupBy: 'division' })) });
  const petitions = useQuery({ enabled: petitionsOk, queryKey: ['reg-dash-petitions', q], queryFn: () => api<Record<string, number | null>>(withQuery('/api/petitions/stats', q)) });
  if (!disputesOk && !petitionsOk) return null;
  return (
    <Row gutter={[12, 12]}>
      {disputesOk && (
        <Col xs={24} xl={14}>
          <Card size="small" title={t('矛盾纠纷排查化解', 'Disputes and mediation')}>
            <Row gutter={12}>
              <Col span={6}><Statistic title={t('排查数', 'Screened')} value={disputes.data?.screened ?? '—'} /></Col>
              <Col span={6}><Statistic title={t('化解数', 'Resolved')} value={disputes.data?.resolved ?? '—'} /></Col>
              <Col span={6}><Statistic title={t('化解率', 'Resolution rate')} value={pct(disputes.data?.resolutionRate)} /></Col>
              <Col span={6}><Statistic title={t('调解成功率', 'Mediation success')} value={pct(disputes.data?.mediationSuccessRate)} /></Col>
            </Row>
            <Table<Figures>
              size="small"
              rowKey={(r) => r.key ?? ''}
              pagination={false}
              dataSource={disputes.data?.groups ?? []}
              onRow={(r) => ({ onClick: () => r.key && r.key.length < 12 && onDrill(r.key), style: { cursor: 'pointer' } })}
              columns={[
                { title: t('区划', 'Division'), render: (_v, r) => r.name ?? r.key },
                { title: t('排查数', 'Screened'), dataIndex: 'screened' },
                { title: t('化解数', 'Resolved'), dataIndex: 'resolved' },
                { title: t('化解率', 'Resolution rate'), render: (_v, r) => pct(r.resolutionRate) },
                { title: t('调解成功率', 'Mediation success'), render: (_v, r) => pct(r.mediationSuccessRate) },
              ]}
            />
          </Card>
        </Col>
      )}
      {petitionsOk && (
        <Col xs={24} xl={10}>
          <Card size="small" title={t('信访', 'Petitions')}>
            <Row gutter={[12, 12]}>
              <Col span={8}><Statistic title={t('信访总量', 'Total')} value={petitions.data?.total ?? '—'} /></Col>
              <Col span={8}><Statistic title={t('同比', 'Year on year')} value={pct(petitions.data?.yoyChange)} /></Col>
              <Col span={8}><Statistic title={t('及时受理率', 'Timely acceptance')} value={pct(petitions.data?.timelyAcceptanceRate)} /></Col>
              <Col span={8}><Statistic title={t('按期答复率', 'On-time reply')} value={pct(petitions.data?.onTimeReplyRate)} /></Col>
              <Col span={8}><Statistic title={t('化解率', 'Resolution')} value={pct(petitions.data?.resolutionRate)} /></Col>
              <Col span={8}><Statistic title={t('包案化解率', 'Leader-handled')} value={pct(petitions.data?.leaderResolutionRate)} /></Col>
            </Row>
          </Card>
        </Col>
      )}
    </Row>
  );
}
