import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import KeypersonsPage from './KeypersonsPage.tsx';
import { fakeNetwork, renderApp } from '../../test/harness.tsx';

const ME = {
  id: '01900000-0000-7000-8000-0000000000c1', username: 'gridworker', displayName: '何晓东', roles: ['grid_worker'], roleLabels: ['网格员'],
  unitId: null, unit: null, scopeCodes: ['430602005004'],
};
const ID = '01900000-0000-7000-8000-0000000000e1';
const CONFIG = {
  categories: [{ code: 'petitioner', name: '重点信访人员（缠访闹访）', sort: 1, active: true }],
  tiers: [{ code: 'red', name: '红色（高风险）', rank: 3, visitDays: 7, color: 'red', active: true }, { code: 'yellow', name: '黄色（一般风险）', rank: 1, visitDays: 30, color: 'gold', active: true }],
  teamRoles: [{ code: 'grid_worker', name: '网格员', sort: 3, active: true }],
};
const item = { id: ID, no: 'ZD2026000001', name: '易**', categories: ['petitioner'], tier: 'red', divisionCode: '430602005004', divisionName: '东茅岭社区', gridName: null, status: 'active', lastVisitAt: null, visitDueAt: '2020-01-01T00:00:00.000Z', warning: 'red' };
const file = (over: Record<string, unknown> = {}) => ({
  id: ID, no: 'ZD2026000001', version: 1, status: 'active', tier: 'red', categories: ['petitioner'], divisionCode: '430602005004', divisionName: '东茅岭社区', gridId: null, gridName: null,
  address: '东茅岭社区3栋', person: { id: 'p1', name: '易重点', idNumber: '430602********0057', phone: '13712340000', gender: 'male' }, unit: null, registeredAt: '2026-12-01T00:00:00.000Z',
  lastVisitAt: null, visitDueAt: '2020-01-01T00:00:00.000Z', clock: { clock: 'visit', limitKey: 'visit_red', startedAt: '2019-12-25T00:00:00.000Z', dueAt: '2020-01-01T00:00:00.000Z', warnAt: null, warning: 'red', escalated: false },
  team: [{ role: 'grid_worker', name: '何晓东', phone: null, userId: ME.id }], timeline: [], linked: [{ type: 'case', id: 'c1', no: '20261201000001', title: '来电反映补偿问题', status: 'closed', at: '2026-12-01T00:00:00.000Z' }], tierChanges: [],
  ...over,
});

describe('the key persons workbench', () => {
  it('lists masked names with countdowns, records a visit with an idempotency key, and asks for a reason before exporting', async () => {
    const net = fakeNetwork({
      'GET /api/auth/me': ME,
      'GET /api/keyperson-config': CONFIG,
      'GET /api/keypersons': { items: [item], total: 1 },
      'GET /api/keypersons/stats': { total: 1, byTier: { red: 1 }, byCategory: { petitioner: 1 }, overdue: 1, visits: { total: 4, onTime: 3, onTimeRate: 0.75 } },
      [`GET /api/keypersons/${ID}`]: file(),
      [`POST /api/keypersons/${ID}/measures`]: () => ({ body: file({ lastVisitAt: new Date().toISOString(), visitDueAt: new Date(Date.now() + 7 * 86_400_000).toISOString() }) }),
      'GET /api/keypersons/export': { status: 422, body: { type: 'about:blank', title: 'Unprocessable Content', status: 422, detail: 'x', errors: [] } },
    });
    renderApp(<KeypersonsPage />);
    expect(await screen.findByText('易**')).toBeTruthy();
    expect(screen.getByText('75.00%')).toBeTruthy();
    expect(screen.getAllByText(/超时/).length).toBeGreaterThan(0);
    expect(screen.queryByText('易重点')).toBeNull();

    await userEvent.click(screen.getByText('ZD2026000001'));
    const drawer = await screen.findByRole('dialog');
    expect(await within(drawer).findByText('易重点')).toBeTruthy();
    expect(within(drawer).getByText(/一人一档/)).toBeTruthy();
    await userEvent.click(within(drawer).getByRole('button', { name: '记录管控措施' }));
    const modal = (await screen.findAllByRole('dialog')).at(-1)!;
    await userEvent.type(within(modal).getAllByRole('textbox')[0], '入户走访');
    await userEvent.click(within(modal).getByRole('button', { name: /OK|确/ }));
    await waitFor(() => expect(net.to('POST', `/api/keypersons/${ID}/measures`)).toHaveLength(1));
    const sent = net.to('POST', `/api/keypersons/${ID}/measures`)[0];
    expect(sent.body).toMatchObject({ kind: 'visit', note: '入户走访' });
    expect(sent.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);

    await userEvent.click(screen.getByRole('button', { name: /导出台账/ }));
    const exp = (await screen.findAllByRole('dialog')).at(-1)!;
    await userEvent.click(within(exp).getByRole('button', { name: /导\s?出/ }));
    expect(net.to('GET', '/api/keypersons/export')).toHaveLength(0);
    await userEvent.type(within(exp).getByRole('textbox'), '季度台账报送');
    await userEvent.click(within(exp).getByRole('button', { name: /导\s?出/ }));
    await waitFor(() => expect(net.to('GET', '/api/keypersons/export')).toHaveLength(1));
    expect(net.to('GET', '/api/keypersons/export')[0].query.get('reason')).toBe('季度台账报送');
  });
});
