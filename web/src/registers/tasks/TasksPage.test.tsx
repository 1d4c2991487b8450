import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import TasksPage from './TasksPage.tsx';
import { fakeNetwork, renderApp } from '../../test/harness.tsx';

const ME_HANDLER = {
  id: '01900000-0000-7000-8000-0000000000a8',
  username: 'handler_zj',
  displayName: '陈志强',
  roles: ['handler'],
  roleLabels: ['部门承办人'],
  unitId: '01900000-0000-7000-8000-0000000000b8',
  unit: { code: 'ZJ-430602', name: '岳阳楼区住建局' },
  scopeCodes: [],
};
const LIST = { id: '01900000-0000-7000-8000-0000000000c1', name: '岳阳楼区市域社会治理现代化试点 2026', divisionCode: '430602', divisionName: '岳阳楼区', ownerUnit: null, description: null, reviewMonths: 2, createdAt: '2026-04-01T00:00:00.000Z', total: 30, manage: false };
const ID = '01900000-0000-7000-8000-0000000000d2';
const task = (over: Record<string, unknown> = {}) => ({
  id: ID,
  list: { id: LIST.id, name: LIST.name, divisionCode: '430602' },
  seq: '11',
  name: '老旧小区消防通道专项整治',
  leadUnit: { id: ME_HANDLER.unitId, name: '岳阳楼区住建局' },
  coUnits: [{ id: 'u2', name: '岳阳楼区城管局' }],
  deadline: '2026-11-25',
  deadlineText: '2026-11-25',
  status: 'behind',
  statusLabel: '滞后',
  version: 2,
  overdue: true,
  lastReviewAt: null,
  nextReviewAt: '2027-01-20T02:00:00.000Z',
  reviewsOnTime: 1,
  reviewsMissed: 0,
  doneAt: null,
  milestones: [{ id: '01900000-0000-7000-8000-0000000000e1', name: '完成整改销号', dueDate: '2026-11-25', done: false, doneAt: null, overdue: true }],
  clocks: [{ clock: 'deadline', limitKey: 'deadline', startedAt: '2026-04-01T00:00:00.000Z', dueAt: '2026-11-25T15:59:59.999Z', warnAt: null, warning: 'red', escalated: false }],
  statuses: ['done', 'done_continuing'],
  canReport: true,
  canManage: false,
  ...over,
});
const byStatus = { not_started: 3, on_schedule: 8, behind: 3, done: 6, done_continuing: 10 };

describe('the target tasks workbench', () => {
  it('shows the list\'s summary and tasks with status tags and countdowns, and marks a task done with evidence and the version it was loaded at', async () => {
    const net = fakeNetwork({
      'GET /api/auth/me': ME_HANDLER,
      'GET /api/task-lists': { items: [LIST] },
      'GET /api/tasks': { items: [task()], total: 1 },
      'GET /api/tasks/stats': {
        list: LIST, total: 30, byStatus, completed: 16, completionRate: 0.5333, overdue: 3, reviewsOnTime: 40, reviewsMissed: 1, onTimeReviewRate: 0.9756,
        byUnit: [{ unitId: ME_HANDLER.unitId, unitName: '岳阳楼区住建局', total: 2, byStatus: { ...byStatus, behind: 1, on_schedule: 1, done: 0, done_continuing: 0, not_started: 0 }, overdue: 1 }],
      },
      [`GET /api/tasks/${ID}`]: { ...task(), reviewMonths: 2, progress: [], timeline: [{ at: '2026-04-01T00:00:00.000Z', action: 'create', comment: '列入目标任务清单', data: {}, actor: { name: '王国平', unitName: null } }] },
      [`POST /api/tasks/${ID}/status`]: (req) =>
        req.body.evidence
          ? { body: { ...task({ status: 'done', statusLabel: '已完成', version: 3, statuses: [] }), reviewMonths: 2, progress: [], timeline: [] } }
          : { status: 422, body: { type: 'about:blank', title: 'Unprocessable Content', status: 422, detail: 'evidence: required', errors: [{ field: 'evidence', message: '标记完成须附佐证材料说明' }] } },
    });
    renderApp(<TasksPage />);
    expect(await screen.findByText('老旧小区消防通道专项整治', {}, { timeout: 15_000 })).toBeTruthy();
    expect(screen.getByText('53.33%')).toBeTruthy();
    expect(screen.getByText('97.56%')).toBeTruthy();
    expect(screen.getAllByText('滞后').length).toBeGreaterThan(0);
    expect(screen.getAllByText(/超时/).length).toBeGreaterThan(0);
    await waitFor(() => expect(net.to('GET', '/api/tasks').at(-1)?.query.get('list')).toBe(LIST.id));
    await userEvent.click(screen.getByText('老旧小区消防通道专项整治'));
    const drawer = await screen.findByRole('dialog');
    await userEvent.click(await within(drawer).findByRole('button', { name: /变更状态/ }));
    const modal = (await screen.findAllByRole('dialog')).at(-1)!;
    await userEvent.click(within(modal).getByRole('combobox'));
    await userEvent.click((await screen.findAllByText('已完成')).at(-1)!);
    await userEvent.type(within(modal).getAllByRole('textbox')[0], '已完成整改销号，验收材料归档');
    await userEvent.click(within(modal).getByRole('button', { name: /OK|确/ }));
    await waitFor(() => expect(net.to('POST', `/api/tasks/${ID}/status`).at(-1)?.body).toMatchObject({ to: 'done', evidence: '已完成整改销号，验收材料归档', version: 2 }));
    expect(net.to('POST', `/api/tasks/${ID}/status`).at(-1)?.headers['idempotency-key']).toBeTruthy();
  });
});
