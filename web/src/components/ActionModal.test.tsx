import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent, { type UserEvent } from '@testing-library/user-event';
import { ActionModal } from './ActionModal.tsx';
import CaseDetailPage from '../pages/CaseDetail.tsx';
import { ACTIONS, type Action } from '../api/types.ts';
import { CATEGORIES, ME_OPERATOR, UNITS, caseFixture, fakeNetwork, renderApp } from '../test/harness.tsx';

const CASE_ID = '01900000-0000-7000-8000-0000000000d1';
const MAIN = caseFixture({ id: '01900000-0000-7000-8000-0000000000e1', no: '20261124000007', title: '东茅岭路路灯坏了' });

function network() {
  return fakeNetwork({
    'GET /api/auth/me': ME_OPERATOR,
    'GET /api/units': UNITS,
    'GET /api/categories': CATEGORIES,
    'GET /api/grids': [],
    'GET /api/meta': { statuses: [], actions: [], channels: [], types: [], urgencies: [] },
    'POST /api/dispatch/suggest': {
      place: { point: null, gridId: null, divisionCode: '430602005' },
      categories: null,
      units: { top: [], abstained: true },
      proposal: {
        categoryCode: '0101',
        categoryName: '城乡建设/路灯照明',
        divisionCode: '430602005',
        divisionName: '东茅岭街道',
        lead: { unitId: UNITS[0].id, unitCode: 'CG-430602', unitName: UNITS[0].name, role: 'lead', ruleId: 'r', ruleNo: 3, reason: 'rule #3: 路灯照明 -> 岳阳楼区城管局' },
        assists: [],
        ties: [],
        gap: false,
        explanation: '',
      },
      duplicates: [],
      articles: [],
    },
    [`GET /api/cases/${CASE_ID}/duplicates`]: [
      { ...MAIN, score: 0.8, textSimilarity: 0.8, distanceM: 5, sameGrid: true, sameAddress: false, mergedCount: 0 },
    ],
    'GET /api/cases/20261124000007': MAIN,
    ...Object.fromEntries(ACTIONS.map((a) => [`POST /api/cases/${CASE_ID}/${a.replace(/_/g, '-')}`, () => ({ body: caseFixture({ version: 2 }) })])),
  });
}

function Harness({ action, c }: { action: Action; c: any }) {
  const [open, setOpen] = useState<Action | null>(action);
  return (
    <>
      <ActionModal action={open} c={c} onClose={() => setOpen(null)} />
      {!open && <p>closed</p>}
    </>
  );
}

async function openModal(action: Action, over: Record<string, unknown> = {}) {
  const net = network();
  const c = caseFixture(over);
  renderApp(<Harness action={action} c={c} />);
  const dialog = await screen.findByRole('dialog');
  return { net, dialog, sent: () => net.to('POST', `/api/cases/${CASE_ID}/${action.replace(/_/g, '-')}`) };
}

/** The modal's submit button (antd spaces two-character labels, so it is found by its place). */
const okButton = (dialog: HTMLElement) => dialog.querySelector('.ant-modal-footer .ant-btn-primary') as HTMLElement;

/** Opens a select, types to filter, and picks the option showing `option`. */
async function pickOption(user: UserEvent, input: HTMLElement, text: string, option: string) {
  await user.click(input);
  await user.keyboard(text);
  const item = await screen.findByText(option, { selector: '.ant-select-item-option-content' });
  await user.click(item);
}

interface Case {
  action: Action;
  state?: Record<string, unknown>;
  /** Labels of the inputs the form must have. */
  fields: string[];
  /** The error shown when submitted empty; none: an empty submit is valid. */
  emptyError?: string;
  fill?(user: UserEvent, dialog: HTMLElement): Promise<void>;
  body: Record<string, unknown>;
}

const CASES: Case[] = [
  {
    action: 'dispatch',
    fields: ['主办单位', '协办单位', '派单意见'],
    emptyError: '请选择主办单位',
    fill: async (user, d) => {
      // The duty list's proposal is one click away.
      await user.click(await within(d).findByTestId('hint-unit'));
      await pickOption(user, within(d).getByLabelText('协办单位'), '住建', UNITS[1].name);
      await user.type(within(d).getByLabelText('派单意见'), '请今日处理');
    },
    body: { leadUnitId: UNITS[0].id, assistUnitIds: [UNITS[1].id], comment: '请今日处理', version: 1 },
  },
  { action: 'accept', state: { status: 'dispatched' }, fields: ['说明'], body: { version: 1 } },
  {
    action: 'return',
    state: { status: 'dispatched' },
    fields: ['退单理由'],
    emptyError: '请填写退单理由',
    fill: async (user, d) => user.type(within(d).getByLabelText('退单理由'), '不属于本单位职责'),
    body: { comment: '不属于本单位职责', version: 1 },
  },
  { action: 'start', state: { status: 'accepted' }, fields: ['说明'], body: { version: 1 } },
  {
    action: 'reply',
    state: { status: 'in_progress' },
    fields: ['答复内容', '说明', '附件'],
    emptyError: '请填写答复内容',
    fill: async (user, d) => user.type(within(d).getByLabelText('答复内容'), '已更换灯具，恢复照明'),
    body: { reply: '已更换灯具，恢复照明', version: 1 },
  },
  {
    action: 'verify',
    state: { status: 'replied' },
    fields: ['回访结果', '回访情况'],
    fill: async (user, d) => {
      await user.click(within(d).getByLabelText('未解决'));
      await user.click(okButton(d));
      // Not solved needs the reason.
      expect(await within(d).findByText('请填写回访情况')).toBeTruthy();
      await user.type(within(d).getByLabelText('回访情况'), '路灯所在道路已列入改造，暂无法修复');
      // Unticked the case goes back to the unit; ticked it closes as unsolved.
      await user.click(within(d).getByLabelText(/确已无法解决/));
    },
    body: { solved: false, closeUnsolved: true, comment: '路灯所在道路已列入改造，暂无法修复', version: 1 },
  },
  { action: 'close', state: { status: 'verified' }, fields: ['说明'], body: { version: 1 } },
  {
    action: 'close_directly',
    fields: ['答复内容（直接办结）', '说明', '附件'],
    emptyError: '请填写答复内容',
    fill: async (user, d) => user.type(within(d).getByLabelText('答复内容（直接办结）'), '已电话答复政策'),
    body: { reply: '已电话答复政策', version: 1 },
  },
  {
    action: 'rate',
    state: { status: 'closed' },
    fields: ['满意度', '评价意见'],
    emptyError: '请选择星级',
    fill: async (user, d) => user.click(within(d).getAllByRole('radio')[3]),
    body: { rating: 4, version: 1 },
  },
  {
    action: 'reopen',
    state: { status: 'closed' },
    fields: ['重新派往（可选，默认原主办单位）', '重办理由'],
    emptyError: '请填写重办理由',
    fill: async (user, d) => user.type(within(d).getByLabelText('重办理由'), '群众反映未解决'),
    body: { comment: '群众反映未解决', version: 1 },
  },
  {
    action: 'cancel',
    fields: ['重复的主工单编号（合并时填写）', '作废理由'],
    emptyError: '请填写作废理由',
    fill: async (user, d) => user.type(within(d).getByLabelText('作废理由'), '测试数据'),
    body: { comment: '测试数据', version: 1 },
  },
  {
    action: 'request_extension',
    state: { status: 'in_progress' },
    fields: ['延期时长', '延期理由'],
    emptyError: '请选择延期时长',
    fill: async (user, d) => {
      await pickOption(user, within(d).getByLabelText('延期时长'), '3d', '3 个工作日');
      await user.type(within(d).getByLabelText('延期理由'), '需采购灯具');
    },
    body: { duration: '3d', comment: '需采购灯具', version: 1 },
  },
  {
    action: 'decide_extension',
    state: { status: 'in_progress', deadline: { ...caseFixture().deadline, pendingExtension: { duration: '3d', reason: '需采购灯具' } } },
    fields: ['审批结果', '审批意见'],
    fill: async (user, d) => {
      expect(within(d).getByText('需采购灯具')).toBeTruthy();
      await user.click(within(d).getByLabelText('不同意'));
    },
    body: { approve: false, version: 1 },
  },
  {
    action: 'summon',
    state: { status: 'in_progress', leadUnitId: UNITS[0].id },
    fields: ['被吹哨单位', '吹哨事由'],
    emptyError: '请选择单位',
    fill: async (user, d) => {
      await pickOption(user, within(d).getByLabelText('被吹哨单位'), '住建', UNITS[1].name);
      await user.type(within(d).getByLabelText('吹哨事由'), '需住建配合检测');
    },
    body: { unitIds: [UNITS[1].id], comment: '需住建配合检测', version: 1 },
  },
  {
    action: 'merge',
    fields: ['合并到的主工单编号', '合并说明'],
    emptyError: '请填写主工单编号',
    fill: async (user, d) => {
      // A suggested duplicate fills the number; the id is looked up before sending.
      await user.click(await within(d).findByText('20261124000007'));
    },
    body: { duplicateOf: MAIN.id, version: 1 },
  },
  {
    action: 'unmerge',
    state: { status: 'merged', duplicateOf: MAIN.id },
    fields: ['取消合并的理由'],
    emptyError: '请填写取消合并的理由',
    fill: async (user, d) => user.type(within(d).getByLabelText('取消合并的理由'), '不是同一件事'),
    body: { comment: '不是同一件事', version: 1 },
  },
  {
    action: 'note',
    fields: ['备注内容', '附件'],
    emptyError: '请填写备注内容',
    fill: async (user, d) => user.type(within(d).getByLabelText('备注内容'), '来电人再次催促'),
    body: { comment: '来电人再次催促', version: 1 },
  },
];

describe('action forms', () => {
  it.each(CASES)('$action: the right fields, required inputs, and the request body', async ({ action, state, fields, emptyError, fill, body }) => {
    const user = userEvent.setup({ delay: null });
    const { dialog, sent } = await openModal(action, state);
    for (const f of fields) expect(within(dialog).getByLabelText(f), f).toBeTruthy();
    if (emptyError) {
      await user.click(okButton(dialog));
      expect(await within(dialog).findByText(emptyError)).toBeTruthy();
      expect(sent()).toHaveLength(0);
    }
    await fill?.(user, dialog);
    await user.click(okButton(dialog));
    await waitFor(() => expect(sent()).toHaveLength(1));
    expect(sent()[0].body).toEqual(body);
    expect(await screen.findByText('closed')).toBeTruthy();
  });

  it('keeps the input and shows a server refusal next to its field', async () => {
    const net = fakeNetwork({
      'GET /api/units': UNITS,
      [`POST /api/cases/${CASE_ID}/return`]: () => ({
        status: 422,
        body: { title: 'Unprocessable Content', status: 422, detail: 'invalid', errors: [{ field: 'comment', message: '退单理由过于简单 (say more)' }] },
      }),
    });
    const user = userEvent.setup({ delay: null });
    renderApp(<Harness action="return" c={caseFixture({ status: 'dispatched' })} />);
    const dialog = await screen.findByRole('dialog');
    await user.type(within(dialog).getByLabelText('退单理由'), '不是我的');
    await user.click(okButton(dialog));
    const msg = await within(dialog).findByText('退单理由过于简单 (say more)');
    expect(within(msg.closest('.ant-form-item') as HTMLElement).getByLabelText('退单理由')).toHaveProperty('value', '不是我的');
    expect(net.to('POST', `/api/cases/${CASE_ID}/return`)).toHaveLength(1);
    expect(screen.queryByText('closed')).toBeNull();
  });

  it('on a 409 reloads the case behind the dialog and keeps what was typed', async () => {
    let posts = 0;
    const net = fakeNetwork({
      'GET /api/units': UNITS,
      [`GET /api/cases/${CASE_ID}`]: caseFixture({ status: 'dispatched', version: 3, availableActions: ['return', 'accept', 'note'] }),
      [`POST /api/cases/${CASE_ID}/return`]: () =>
        ++posts === 1
          ? { status: 409, body: { title: 'Conflict', status: 409, detail: '工单已被他人修改', currentVersion: 3 } }
          : { body: caseFixture({ status: 'returned', version: 4 }) },
    });
    const user = userEvent.setup({ delay: null });
    renderApp(<Harness action="return" c={caseFixture({ status: 'dispatched' })} />);
    const dialog = await screen.findByRole('dialog');
    await user.type(within(dialog).getByLabelText('退单理由'), '该路段属于市政道路，不归本街道管理');
    await user.click(okButton(dialog));
    expect(await within(dialog).findByText(/已刷新为最新状态/)).toBeTruthy();
    expect(within(dialog).getByLabelText('退单理由')).toHaveProperty('value', '该路段属于市政道路，不归本街道管理');
    expect(net.to('GET', `/api/cases/${CASE_ID}`)).toHaveLength(1);
    expect(screen.queryByText('closed')).toBeNull();
  });
});

describe('case detail actions', () => {
  async function detailWith(availableActions: string[], over: Record<string, unknown> = {}) {
    fakeNetwork({
      'GET /api/auth/me': ME_OPERATOR,
      'GET /api/units': UNITS,
      'GET /api/grids': [],
      'GET /api/meta': { statuses: [], actions: [], channels: [], types: [], urgencies: [] },
      'GET /api/cases/20261124000042': caseFixture({ availableActions, ...over }),
    });
    renderApp(<CaseDetailPage />, { route: '/cases/20261124000042', path: '/cases/:ref' });
    const bar = await screen.findByRole('toolbar', { name: '可执行操作' });
    return [...bar.querySelectorAll('[data-action]')].map((b) => b.getAttribute('data-action'));
  }

  it('shows exactly the actions the API allows this user in this state', async () => {
    // An operator on a registered case.
    expect((await detailWith(['dispatch', 'close_directly', 'cancel', 'transfer_police', 'merge', 'note'])).sort()).toEqual(
      ['dispatch', 'close_directly', 'cancel', 'transfer_police', 'merge', 'note'].sort(),
    );
  });

  it('a handler on a dispatched case sees accept and return, nothing of the dispatcher', async () => {
    const shown = await detailWith(['accept', 'return', 'note'], { status: 'dispatched' });
    expect(shown.sort()).toEqual(['accept', 'note', 'return']);
  });

  it('nothing to do says so', async () => {
    expect(await detailWith([], { status: 'rated' })).toEqual([]);
    expect(screen.getByText('当前状态下您没有可执行的操作')).toBeTruthy();
  });

  it('shows the running clock as a countdown, red once overdue', async () => {
    await detailWith([], {
      status: 'dispatched',
      deadline: { ...caseFixture().deadline, clock: 'accept', dueAt: new Date(Date.now() - (3 * 60 + 5) * 60_000).toISOString(), warning: 'red' },
    });
    const tags = document.querySelectorAll('.countdown');
    expect(tags.length).toBeGreaterThan(0);
    expect(tags[0].textContent).toBe('签收时限 超时 3小时5分');
    expect(tags[0].getAttribute('data-level')).toBe('red');
  });
});
