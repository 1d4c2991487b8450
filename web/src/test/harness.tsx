/**
 * Renders a console component with the providers the app has (router, query
 * cache, i18n, antd App) against a fake network: `fetch` is the only thing
 * replaced, answering from a route table and recording every request.
 */
import type { ReactElement } from 'react';
import { render } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { App as AntApp, ConfigProvider } from 'antd';
import { vi } from 'vitest';
import { I18nProvider } from '../i18n.tsx';

export interface Sent {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: any;
}

export type Reply = { status?: number; body?: unknown } | undefined;
export type Handler = (req: Sent) => Reply | Promise<Reply>;

/** Routes: "METHOD /path" (exact path, query ignored) → a handler or a fixed JSON body. */
export function fakeNetwork(routes: Record<string, Handler | object>) {
  const sent: Sent[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), 'http://localhost');
    const method = (init?.method ?? 'GET').toUpperCase();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries((init?.headers as Record<string, string>) ?? {})) headers[k.toLowerCase()] = v;
    const req: Sent = { method, path: url.pathname, query: url.searchParams, headers, body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined };
    sent.push(req);
    const route = routes[`${method} ${url.pathname}`];
    const r: Reply = typeof route === 'function' ? await (route as Handler)(req) : route !== undefined ? { body: route } : { status: 404, body: { title: 'Not Found', status: 404, detail: `${method} ${url.pathname}` } };
    const status = r?.status ?? 200;
    const isProblem = status >= 400;
    return new Response(r?.body === undefined ? null : JSON.stringify(r.body), {
      status,
      headers: { 'content-type': isProblem ? 'application/problem+json' : 'application/json' },
    });
  });
  vi.stubGlobal('fetch', fetchMock);
  return {
    sent,
    /** Requests to a path (and method). */
    to: (method: string, path: string) => sent.filter((s) => s.method === method && s.path === path),
  };
}

export function renderApp(ui: ReactElement, { route = '/', path = '*' }: { route?: string; path?: string } = {}) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false, gcTime: Infinity }, mutations: { retry: false } } });
  return {
    qc,
    ...render(
      <ConfigProvider theme={{ token: { motion: false } }}>
        <AntApp>
          <I18nProvider>
            <QueryClientProvider client={qc}>
              <MemoryRouter initialEntries={[route]}>
                <Routes>
                  <Route path={path} element={ui} />
                </Routes>
              </MemoryRouter>
            </QueryClientProvider>
          </I18nProvider>
        </AntApp>
      </ConfigProvider>,
    ),
  };
}

export const ME_OPERATOR = {
  id: '01900000-0000-7000-8000-0000000000a1',
  username: 'operator',
  displayName: '李婷',
  roles: ['operator'],
  roleLabels: ['12345 接线员'],
  unitId: '01900000-0000-7000-8000-0000000000b1',
  unit: { code: 'HL-4306', name: '岳阳市12345热线中心' },
  scopeCodes: ['4306'],
};

export const CATEGORIES = [
  { code: '01', name: '城乡建设', parentCode: null, level: 1, sort: 1, active: true },
  { code: '0101', name: '路灯照明', parentCode: '01', level: 2, sort: 1, active: true },
  { code: '0102', name: '道路维修', parentCode: '01', level: 2, sort: 2, active: true },
  { code: '02', name: '生态环境', parentCode: null, level: 1, sort: 2, active: true },
];

export const UNITS = [
  { id: '01900000-0000-7000-8000-0000000000c1', code: 'CG-430602', name: '岳阳楼区城管局', kind: 'department', parentId: null, parentCode: null, divisionCodes: ['430602'], phone: null, active: true },
  { id: '01900000-0000-7000-8000-0000000000c2', code: 'ZJ-430602', name: '岳阳楼区住建局', kind: 'department', parentId: null, parentCode: null, divisionCodes: ['430602'], phone: null, active: true },
];

/** A case as the API returns it; override what a test needs. */
export function caseFixture(over: Record<string, unknown> = {}): any {
  return {
    id: '01900000-0000-7000-8000-0000000000d1',
    no: '20261124000042',
    channel: 'hotline',
    type: 'complaint',
    categoryCode: '0101',
    categoryName: '路灯照明',
    urgency: 'normal',
    title: '东茅岭路路灯不亮',
    description: '东茅岭路路灯不亮好几天了',
    reporter: { name: '张*', phone: '138****5678', confidential: false, masked: true },
    location: { address: '东茅岭路', lng: null, lat: null, gridId: null, divisionCode: '430602005', divisionName: '东茅岭街道' },
    status: 'registered',
    leadUnitId: null,
    assistUnitIds: [],
    handlerUserId: null,
    reply: null,
    solved: null,
    rating: null,
    ratingComment: null,
    duplicateOf: null,
    externalRef: null,
    createdBy: ME_OPERATOR.id,
    createdAt: '2026-11-24T01:00:00.000Z',
    updatedAt: '2026-11-24T01:00:00.000Z',
    closedAt: null,
    version: 1,
    deadline: {
      clock: 'dispatch',
      dueAt: null,
      warnAt: null,
      warning: 'none',
      escalated: false,
      acceptDueAt: null,
      replyDueAt: null,
      returnDueAt: null,
      extensionCount: 0,
      pendingExtension: null,
    },
    returnCount: 0,
    mergedCount: 0,
    needsArbitration: false,
    assistUnits: [],
    attachments: [],
    summons: [],
    availableActions: [],
    timeline: [],
    ...over,
  };
}
