import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import DisputesPage from './DisputesPage.tsx';
import { fakeNetwork, renderApp } from '../../test/harness.tsx';

const ME_MEDIATOR = {
  id: '01900000-0000-7000-8000-0000000000a7',
  username: 'mediator',
  displayName: '孙桂兰',
  roles: ['mediator'],
  roleLabels: ['人民调解员'],
  unitId: '01900000-0000-7000-8000-0000000000b7',
  unit: { code: 'TJ-430602005', name: '东茅岭街道人民调解委员会' },
  scopeCodes: [],
};
const ID = '01900000-0000-7000-8000-0000000000d1';
const entry = (over: Record<string, unknown> = {}) => ({
  id: ID,
  no: 'JF20260000001',
  kind: 'dispute',
  source: 'screening',
  category: { code: '02', name: '邻里纠纷' },
  divisionCode: '430602005001',
  divisionName: '学坡社区',
  summary: '楼上装修噪音扰民，双方多次争吵',
  risk: 'high',
  status: 'mediating',
  statusLabel: '调解中',
  version: 3,
  org: { kind: 'people_committee', name: '东茅岭街道人民调解委员会', unitId: null },
  outcome: null,
  agreement: null,
  registeredAt: '2026-12-01T02:00:00.000Z',
  parties: [{ id: 'p1', name: '张三', phone: '13800002222', idNumber: '430602********002X', masked: false }],
  clocks: [{ clock: 'resolve', limitKey: 'people', startedAt: '2026-12-01T02:00:00.000Z', dueAt: '2020-01-01T00:00:00.000Z', warnAt: null, warning: 'red', escalated: true }],
  actions: ['session', 'resolve', 'fail'],
  ...over,
});

describe('the mediator\'s disputes workbench', () => {
  it('lists entries with their countdown and the year\'s rates as percentages, and resolves one with the version it was loaded at', async () => {
    const net = fakeNetwork({
      'GET /api/auth/me': ME_MEDIATOR,
      'GET /api/disputes': { items: [entry()], total: 1, totalCapped: false },
      'GET /api/disputes/stats': { screened: 33, resolved: 30, resolutionRate: 0.9091, mediated: 424, successful: 421, mediationSuccessRate: 0.9929, performanceRate: null },
      [`GET /api/disputes/${ID}`]: { ...entry(), sessions: [], timeline: [{ at: '2026-12-01T02:00:00.000Z', action: 'register', comment: null, data: {}, actor: { name: '孙桂兰', unitName: null } }], links: [] },
      [`POST /api/disputes/${ID}/resolve`]: (req) =>
        req.body.terms ? { body: { ...entry({ status: 'resolved', statusLabel: '已化解', version: 4, actions: [] }), sessions: [], timeline: [], links: [] } } : { status: 422, body: { type: 'about:blank', title: 'Unprocessable Content', status: 422, detail: 'terms: required', errors: [{ field: 'terms', message: '调解协议须写明协议内容' }] } },
    });
    renderApp(<DisputesPage />);
    expect(await screen.findByText('JF20260000001')).toBeTruthy();
    expect(screen.getByText('90.91%')).toBeTruthy();
    expect(screen.getByText('99.29%')).toBeTruthy();
    expect(screen.getByText(/超时/)).toBeTruthy();
    await userEvent.click(screen.getByText('楼上装修噪音扰民，双方多次争吵'));
    const drawer = await screen.findByRole('dialog');
    await userEvent.click(await within(drawer).findByRole('button', { name: /^化\s?解$/ }));
    const modal = (await screen.findAllByRole('dialog')).at(-1)!;
    await userEvent.click(within(modal).getByRole('combobox'));
    await userEvent.click(await screen.findByText('达成调解协议'));
    await userEvent.click(within(modal).getByRole('button', { name: /OK|确/ }));
    // The server's field error lands on the field; then the terms go through with the version.
    expect(await screen.findByText('调解协议须写明协议内容')).toBeTruthy();
    await userEvent.type(within(modal).getAllByRole('textbox')[0], '晚8点后不施工');
    await userEvent.click(within(modal).getByRole('button', { name: /OK|确/ }));
    await waitFor(() => expect(net.to('POST', `/api/disputes/${ID}/resolve`).at(-1)?.body).toMatchObject({ outcome: 'agreement', terms: '晚8点后不施工', version: 3 }));
  });
});
