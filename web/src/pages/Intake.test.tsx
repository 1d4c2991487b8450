import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import IntakePage, { DRAFT_KEY } from './Intake.tsx';
import { CATEGORIES, ME_OPERATOR, UNITS, caseFixture, fakeNetwork, renderApp, type Sent } from '../test/harness.tsx';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const SUGGESTIONS = {
  place: { point: { lng: 113.1125, lat: 29.3675 }, gridId: null, divisionCode: '430602005001' },
  categories: { top: [{ code: '0101', name: '路灯照明', probability: 0.82 }, { code: '0102', name: '道路维修', probability: 0.09 }], abstained: false },
  units: { top: [{ id: UNITS[1].id, name: UNITS[1].name, probability: 0.4 }], abstained: false },
  proposal: {
    categoryCode: '0101',
    categoryName: '城乡建设/路灯照明',
    divisionCode: '430602005001',
    divisionName: '东茅岭街道',
    lead: { unitId: UNITS[0].id, unitCode: 'CG-430602', unitName: UNITS[0].name, role: 'lead', ruleId: 'r', ruleNo: 3, reason: 'rule #3: 路灯照明 -> 岳阳楼区城管局' },
    assists: [],
    ties: [],
    gap: false,
    explanation: '',
  },
  duplicates: [
    {
      id: '01900000-0000-7000-8000-0000000000e1',
      no: '20261124000007',
      title: '东茅岭路路灯坏了',
      status: 'registered',
      categoryCode: '0101',
      createdAt: '2026-11-24T00:10:00.000Z',
      mergedCount: 0,
      score: 0.71,
      textSimilarity: 0.7,
      distanceM: 12,
      sameGrid: true,
      sameAddress: false,
    },
  ],
  articles: [
    { id: '01900000-0000-7000-8000-0000000000f1', question: '路灯不亮找谁？', answer: '城区路灯由区城管局路灯所维护，已转告当日检修。', categoryCodes: ['0101'], source: null, validTo: null, valid: true },
  ],
};

/** The network of a hotline operator's console; POST /api/cases answers with `onCreate`. */
function network(onCreate?: (req: Sent) => { status?: number; body?: unknown }) {
  let n = 0;
  return fakeNetwork({
    'GET /api/auth/me': ME_OPERATOR,
    'GET /api/categories': CATEGORIES,
    'GET /api/units': UNITS,
    'POST /api/dispatch/suggest': SUGGESTIONS,
    'POST /api/cases': (req) =>
      onCreate?.(req) ?? {
        status: 201,
        body: caseFixture({ id: `01900000-0000-7000-8000-00000000010${n++}`, title: req.body.title, description: req.body.description, type: req.body.type }),
      },
    [`POST /api/cases/01900000-0000-7000-8000-000000000100/dispatch`]: (req) => ({ body: caseFixture({ status: 'dispatched', leadUnitId: req.body.leadUnitId, leadUnitName: '岳阳楼区城管局', version: 2 }) }),
    [`POST /api/cases/01900000-0000-7000-8000-000000000100/merge`]: (req) => ({ body: caseFixture({ status: 'merged', duplicateOf: req.body.duplicateOf, version: 2 }) }),
    [`POST /api/cases/01900000-0000-7000-8000-000000000100/close-directly`]: (req) => ({ body: caseFixture({ status: 'closed', reply: req.body.reply, version: 2 }) }),
  });
}

async function openForm() {
  renderApp(<IntakePage />, { route: '/intake' });
  return screen.findByRole('form', { name: '受理登记表' });
}

describe('intake form', () => {
  it('registers a call typed with the keyboard alone, with an Idempotency-Key', async () => {
    const net = network();
    const user = userEvent.setup({ delay: null });
    await openForm();
    const name = screen.getByLabelText('来电人');
    await waitFor(() => expect(document.activeElement).toBe(name));
    await user.keyboard('王先生');
    await user.tab();
    expect(document.activeElement).toBe(screen.getByLabelText('联系电话'));
    await user.keyboard('13812345678');
    // Alt+3 picks the third type (投诉).
    await user.keyboard('{Alt>}3{/Alt}');
    await user.click(screen.getByLabelText('诉求描述'));
    await user.keyboard('东茅岭路路灯不亮好几天了，晚上很黑。请尽快修复');
    await user.type(screen.getByLabelText('地址'), '岳阳楼区东茅岭路');
    await user.keyboard('{Alt>}u{/Alt}');
    await user.keyboard('{Control>}{Enter}{/Control}');

    await waitFor(() => expect(net.to('POST', '/api/cases')).toHaveLength(1));
    const [req] = net.to('POST', '/api/cases');
    expect(req.headers['idempotency-key']).toMatch(UUID_RE);
    expect(req.body).toEqual({
      type: 'complaint',
      urgency: 'urgent',
      categoryCode: null,
      title: '东茅岭路路灯不亮好几天了',
      description: '东茅岭路路灯不亮好几天了，晚上很黑。请尽快修复',
      reporter: { name: '王先生', phone: '13812345678', confidential: false },
      location: { address: '岳阳楼区东茅岭路', lng: null, lat: null },
    });
    expect(await screen.findByTestId('created-no')).toHaveProperty('textContent', expect.stringContaining('20261124000042'));
    // The draft is gone once registered.
    expect(sessionStorage.getItem(DRAFT_KEY)).toBeNull();
  });

  it('requires the description and a valid phone before sending anything', async () => {
    const net = network();
    const user = userEvent.setup({ delay: null });
    await openForm();
    await user.type(screen.getByLabelText('联系电话'), '12');
    await user.type(screen.getByLabelText('联系电话'), '3x');
    await user.keyboard('{Control>}{Enter}{/Control}');
    expect(await screen.findByText('请填写诉求描述')).toBeTruthy();
    expect(await screen.findByText('电话号码格式不正确')).toBeTruthy();
    expect(net.to('POST', '/api/cases')).toHaveLength(0);
  });

  it('shows a 422 next to the field it names, keeps every input, and retries with the same key', async () => {
    let fail = true;
    const net = network(() =>
      fail
        ? {
            status: 422,
            body: {
              title: 'Unprocessable Content',
              status: 422,
              detail: 'invalid',
              errors: [
                { field: 'categoryCode', message: '事项分类不存在 (no such category)' },
                { field: 'location.divisionCode', message: '行政区划不存在 (no such division)' },
              ],
            },
          }
        : { status: 201, body: caseFixture() },
    );
    const user = userEvent.setup({ delay: null });
    await openForm();
    await user.type(screen.getByLabelText('来电人'), '赵女士');
    await user.type(screen.getByLabelText('诉求描述'), '小区门口积水严重');
    await user.type(screen.getByLabelText('地址'), '不存在的路');
    await user.click(screen.getByRole('button', { name: /^(send)?\s*登记\s*Ctrl\+Enter$/ }));

    // Each message sits in the form item of its field.
    const categoryItem = (await screen.findByText('事项分类不存在 (no such category)')).closest('.ant-form-item')!;
    expect(within(categoryItem as HTMLElement).getByText('事项分类')).toBeTruthy();
    const addressItem = (await screen.findByText('行政区划不存在 (no such division)')).closest('.ant-form-item')!;
    expect(within(addressItem as HTMLElement).getByLabelText('地址')).toBeTruthy();
    // Nothing typed is lost.
    expect((screen.getByLabelText('来电人') as HTMLInputElement).value).toBe('赵女士');
    expect((screen.getByLabelText('诉求描述') as HTMLTextAreaElement).value).toBe('小区门口积水严重');
    expect((screen.getByLabelText('地址') as HTMLInputElement).value).toBe('不存在的路');
    expect(JSON.parse(sessionStorage.getItem(DRAFT_KEY)!).values.description).toBe('小区门口积水严重');

    fail = false;
    await user.clear(screen.getByLabelText('地址'));
    await user.type(screen.getByLabelText('地址'), '东茅岭路');
    await user.click(screen.getByRole('button', { name: /^(send)?\s*登记\s*Ctrl\+Enter$/ }));
    await screen.findByTestId('created-no');
    const [first, second] = net.to('POST', '/api/cases');
    expect(second.headers['idempotency-key']).toBe(first.headers['idempotency-key']);
  });

  it('asks for suggestions as the call is typed and applies category and unit in one keystroke each', async () => {
    const net = network();
    const user = userEvent.setup({ delay: null });
    await openForm();
    await user.type(screen.getByLabelText('诉求描述'), '东茅岭路路灯不亮');
    await user.type(screen.getByLabelText('地址'), '东茅岭路');
    const cat = await screen.findByRole('button', { name: '采用分类 路灯照明，置信度 82%' }, { timeout: 3000 });
    // Debounced: one request for the whole burst of typing, carrying text and place.
    const asked = net.to('POST', '/api/dispatch/suggest');
    expect(asked.length).toBeLessThanOrEqual(2);
    expect(asked.at(-1)!.body).toMatchObject({ description: '东茅岭路路灯不亮', location: { address: '东茅岭路' } });
    expect(screen.getByText('rule #3: 路灯照明 -> 岳阳楼区城管局')).toBeTruthy();
    expect(screen.getByText('东茅岭路路灯坏了')).toBeTruthy();

    // Alt+C takes the first category, Alt+D the duty list's unit.
    await user.keyboard('{Alt>}c{/Alt}');
    await waitFor(() => expect(cat.className).toContain('ant-btn-primary'));
    expect(screen.getByText('城乡建设 / 路灯照明')).toBeTruthy();
    await user.keyboard('{Alt>}d{/Alt}');
    expect(await screen.findByText('岳阳楼区城管局', { selector: '.ant-select-selection-item' })).toBeTruthy();
    // Later requests carry the chosen category.
    await waitFor(() => expect(net.to('POST', '/api/dispatch/suggest').at(-1)!.body.categoryCode).toBe('0101'), { timeout: 3000 });

    await user.keyboard('{Control>}{Enter}{/Control}');
    await waitFor(() => expect(net.to('POST', '/api/cases/01900000-0000-7000-8000-000000000100/dispatch')).toHaveLength(1));
    expect(net.to('POST', '/api/cases')[0].body.categoryCode).toBe('0101');
    expect(net.to('POST', '/api/cases/01900000-0000-7000-8000-000000000100/dispatch')[0].body).toEqual({ leadUnitId: UNITS[0].id, version: 1 });
    expect(await screen.findByText(/已派至 岳阳楼区城管局/)).toBeTruthy();
  });

  it('registers and closes a consultation with a knowledge answer, citing the article', async () => {
    const net = network();
    const user = userEvent.setup({ delay: null });
    await openForm();
    await user.type(screen.getByLabelText('诉求描述'), '路灯不亮应该找哪个部门');
    await user.click(await screen.findByTestId('answer-close', {}, { timeout: 3000 }));
    const dialog = await screen.findByRole('dialog');
    const answer = within(dialog).getByLabelText('答复内容（可修改）') as HTMLTextAreaElement;
    expect(answer.value).toBe('城区路灯由区城管局路灯所维护，已转告当日检修。');
    await user.type(answer, '谢谢来电。');
    await user.click(within(dialog).getByRole('button', { name: '登记并办结' }));
    await waitFor(() => expect(net.to('POST', '/api/cases/01900000-0000-7000-8000-000000000100/close-directly')).toHaveLength(1));
    expect(net.to('POST', '/api/cases/01900000-0000-7000-8000-000000000100/close-directly')[0].body).toEqual({
      reply: '城区路灯由区城管局路灯所维护，已转告当日检修。谢谢来电。',
      articleId: '01900000-0000-7000-8000-0000000000f1',
      version: 1,
    });
    expect(await screen.findByText('已直接办结')).toBeTruthy();
  });

  it('registers a repeated call and merges it into the open case it duplicates', async () => {
    const net = network();
    const user = userEvent.setup({ delay: null });
    await openForm();
    await user.type(screen.getByLabelText('诉求描述'), '东茅岭路路灯又坏了');
    await user.click(await screen.findByTestId('merge-into', {}, { timeout: 3000 }));
    await user.click(await screen.findByRole('button', { name: '登记并合并' }));
    await waitFor(() => expect(net.to('POST', '/api/cases/01900000-0000-7000-8000-000000000100/merge')).toHaveLength(1));
    expect(net.to('POST', '/api/cases/01900000-0000-7000-8000-000000000100/merge')[0].body).toMatchObject({
      duplicateOf: '01900000-0000-7000-8000-0000000000e1',
      version: 1,
    });
    expect(await screen.findByText(/已合并到主工单/)).toBeTruthy();
  });

  it('keeps the registered case when the follow-up is refused, and says why', async () => {
    const refused = fakeNetwork({
      'GET /api/auth/me': ME_OPERATOR,
      'GET /api/categories': CATEGORIES,
      'GET /api/units': UNITS,
      'POST /api/dispatch/suggest': SUGGESTIONS,
      'POST /api/cases': { ...caseFixture(), id: '01900000-0000-7000-8000-000000000100' },
      'POST /api/cases/01900000-0000-7000-8000-000000000100/merge': () => ({
        status: 422,
        body: { title: 'Unprocessable Content', status: 422, detail: 'invalid', errors: [{ field: 'duplicateOf', message: '主工单已合并、作废或转出，不能并入' }] },
      }),
    });
    const user = userEvent.setup({ delay: null });
    await openForm();
    await user.type(screen.getByLabelText('诉求描述'), '东茅岭路路灯又坏了');
    await user.click(await screen.findByTestId('merge-into', {}, { timeout: 3000 }));
    await user.click(await screen.findByRole('button', { name: '登记并合并' }));
    expect(await screen.findByText(/已登记，但合并未成功/)).toBeTruthy();
    expect(screen.getByTestId('created-no').textContent).toContain('20261124000042');
    expect(refused.to('POST', '/api/cases')).toHaveLength(1);
  });
});
