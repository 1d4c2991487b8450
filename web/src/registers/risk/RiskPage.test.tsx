import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import RiskPage from './RiskPage.tsx';
import RiskReport from './RiskReport.tsx';
import { fakeNetwork, renderApp } from '../../test/harness.tsx';

const ME = (roles: string[]) => ({ id: '01900000-0000-7000-8000-0000000000c1', username: 'x', displayName: '刘建华', roles, roleLabels: [], unitId: null, unit: null, scopeCodes: ['4306'] });
const AID = '01900000-0000-7000-8000-0000000000e1';
const assessment = (over: Record<string, unknown> = {}) => ({
  id: AID, no: 'WP202600001', project: '东茅岭片区棚户区改造项目', summary: null, divisionCode: '430602005', divisionName: '东茅岭街道', responsibleUnit: '岳阳楼区住建局',
  assessingBody: '湖南省社会稳定风险评估研究中心', thirdParty: true, experts: [{ name: '陈立法', field: '法律', affiliation: null, phone: null }],
  dimensions: { legality: { label: '合法性', score: 15, findings: '程序合法' }, reasonableness: null, feasibility: null, controllability: null },
  survey: { sampleSize: 1200, supporters: 1048, supportRate: 0.8733, method: null }, outcome: 'high', decision: null, conditions: null,
  status: 'assessed', statusLabel: '已评估', version: 3, createdAt: '2026-12-01T00:00:00.000Z', actions: ['decide'], masked: false, ...over,
});
const PERIOD = { id: '01900000-0000-7000-8000-0000000000f1', code: '2026-11', name: '2026年11月', scopeCode: '4306', scopeName: '岳阳市', startsOn: '2026-11-01', endsOn: '2026-11-30', frameworkId: 'f', scoredAt: '2026-12-01T00:00:00.000Z' };

describe('risk assessment console', () => {
  it('the workbench shows a project\'s survey as an exact rate and decides with the version it was loaded at', async () => {
    const net = fakeNetwork({
      'GET /api/auth/me': ME(['leader']),
      'GET /api/risk/periods': { items: [PERIOD] },
      'GET /api/risk/assessments': { items: [assessment()], total: 1 },
      [`GET /api/risk/assessments/${AID}`]: { ...assessment(), timeline: [] },
      [`POST /api/risk/assessments/${AID}/decide`]: (req) =>
        req.body.decision === 'proceed'
          ? { status: 422, body: { type: 'about:blank', title: 'Unprocessable Content', status: 422, detail: 'decision', errors: [{ field: 'decision', message: '高风险项目不得决定实施' }] } }
          : { body: { ...assessment({ status: 'decided', statusLabel: '已决策', decision: 'postpone', version: 4, actions: [] }), timeline: [] } },
    });
    renderApp(<RiskPage />, { route: '/risk?tab=assessments' });
    await userEvent.click(await screen.findByText('东茅岭片区棚户区改造项目'));
    const drawer = await screen.findByRole('dialog');
    expect(await within(drawer).findByText(/样本 1200，支持 1048（87\.33%）/)).toBeTruthy();
    await userEvent.click(within(drawer).getByRole('button', { name: '作出决策' }));
    const modal = (await screen.findAllByRole('dialog')).at(-1)!;
    await userEvent.click(within(modal).getByLabelText('实施'));
    await userEvent.click(within(modal).getByRole('button', { name: /提\s?交/ }));
    expect(await screen.findByText('高风险项目不得决定实施')).toBeTruthy();
    await userEvent.click(within(modal).getByLabelText('暂缓实施'));
    await userEvent.type(within(modal).getByRole('textbox'), '补偿方案听证后再报');
    await userEvent.click(within(modal).getByRole('button', { name: /提\s?交/ }));
    await waitFor(() => expect(net.to('POST', `/api/risk/assessments/${AID}/decide`).at(-1)?.body).toMatchObject({ decision: 'postpone', conditions: '补偿方案听证后再报', version: 3 }));
  }, 30_000);

  it('the county report shows tier, rank, drivers, missing values and the trend', async () => {
    fakeNetwork({
      'GET /api/auth/me': ME(['leader']),
      [`GET /api/risk/periods/${PERIOD.id}/counties/430602`]: {
        period: PERIOD, framework: { id: 'f', code: 'county-risk', version: 1, name: '县域风险评估指标体系', tiers: { method: 'quota', unit: 'count', tier1: 40, tier2: 45 } },
        divisionCode: '430602', divisionName: '岳阳楼区', total: 77.25, rank: 1, of: 9, tier: 1,
        categories: [{ code: 'C1', name: '政治安全', weight: 16, score: 53.3, dimensions: [{ code: 'D01', name: '涉稳风险', weight: 2, score: 60, indicators: [{ code: 'I011', name: '涉稳重点人员数', unit: '人', direction: 'risk', source: 'entered', weight: 2, value: 41, score: 100, contribution: 6, missing: false }] }] }],
        drivers: [{ indicatorCode: 'I011', name: '涉稳重点人员数', category: '政治安全', dimension: '涉稳风险', value: 41, score: 100, contribution: 6 }],
        missing: [{ code: 'I171', name: '负面舆情条数' }],
        trend: [{ periodId: 'a', code: '2026-10', name: '2026年10月', total: 74.5, rank: 2, tier: 1, of: 9 }, { periodId: PERIOD.id, code: '2026-11', name: '2026年11月', total: 77.25, rank: 1, tier: 1, of: 9 }],
      },
    });
    renderApp(<RiskReport />, { route: `/risk/periods/${PERIOD.id}/counties/430602`, path: '/risk/periods/:id/counties/:county' });
    expect(await screen.findByText('岳阳楼区 · 县域风险评估报告')).toBeTruthy();
    expect(screen.getByTestId('risk-tier').textContent).toBe('一类');
    expect(screen.getAllByText('1 / 9')).toHaveLength(2); // the rank, and this period's row of the trend
    expect(within(screen.getByTestId('risk-drivers')).getByText('涉稳重点人员数')).toBeTruthy();
    expect(screen.getByText(/缺少 1 项指标值/)).toBeTruthy();
    expect(within(screen.getByTestId('risk-trend')).getByText('2026年10月')).toBeTruthy();
    expect(screen.getByRole('button', { name: /打印报告/ })).toBeTruthy();
  });
});
