/**
 * The authorisation matrix, generated from the route table (app.routeTable,
 * filled by installAccessControl): every route x every role x (own county,
 * another county) plus anonymous, each call checked against the route's
 * declaration (config.access):
 *
 * - anonymous gets 401 unless the route is public;
 * - a role the declaration does not admit gets 403;
 * - an admitted role in its own county is never refused (401/403);
 * - on a jurisdiction- or own-scoped route naming a county-A entity, a
 *   county-B user is refused (403/404), and no answer to a county-B user,
 *   lists included, carries a county-A marker (case number, reporter phone,
 *   grid worker, households, unit-internal fields...);
 * - nothing answers 5xx.
 *
 * A route added later is in the matrix by registering it: path parameters
 * are filled by name (PARAM below), and a new parameter name fails loudly.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import ExcelJS from 'exceljs';
import { ROLES, type Role } from '../src/org/roles.ts';
import { createSession, SESSION_COOKIE } from '../src/org/auth.ts';
import { upsertUnit, upsertUser, upsertGrid } from '../src/org/store.ts';
import { permits, type RouteEntry } from '../src/platform/access.ts';
import type { Db } from '../src/platform/db.ts';
import { TEST_DATABASES, caseBody, multipart, seedWorld, startTestServer, tinyPng, type TestServer } from './helpers.ts';

type County = 'A' | 'B';
const COUNTY: Record<County, { code: string; unit: string; phone: string; citizenPhone: string }> = {
  A: { code: '430602', unit: 'MX-UNIT-A', phone: '0730-7770001', citizenPhone: '13900000001' },
  B: { code: '430603', unit: 'MX-UNIT-B', phone: '0730-7770002', citizenPhone: '13900000002' },
};
const UNIT_NAME: Record<County, string> = { A: '矩阵甲区城管局', B: '矩阵乙区城管局' };
const GRID_WORKER_A = { username: 'mx_grid_worker_a', displayName: '网格员甲MX', phone: '13700000007' };
const CASE_TITLE_A = 'MX甲区东茅岭路路灯不亮';
const NOTE_TITLE_A = 'MX-NOTE-A 交办通知';
const TOKEN_NAME_A = 'mx-token-a';
const STAFF_A = { username: 'mx_staff_a', phone: '13700000008' };
const PETITION_A = { matter: 'MX甲区信访事项', petitioner: 'MX甲区信访人' };
const DISPUTE_A = { summary: 'MX甲区邻里纠纷概况', party: 'MX甲区当事人', partyPhone: '13700000009' };
const KEYPERSON_A = { name: 'MX甲区重点人员', address: 'MX甲区重点人员住址' };
const RISK_A = { period: 'MX甲区风险评估期', project: 'MX甲区稳评项目' };
const TASK_A = { list: 'MX甲区目标任务清单', name: 'MX甲区目标任务' };

/**
 * Answers a county-B user must never see. Grid code and name are public by
 * design (/api/public/grids draws them on the citizen map), so they count as
 * markers on non-public routes only.
 */
function markersOf(e: Entities) {
  return {
    always: [
      e.caseNo,
      CASE_TITLE_A,
      COUNTY.A.citizenPhone,
      COUNTY.A.unit,
      UNIT_NAME.A,
      COUNTY.A.phone,
      GRID_WORKER_A.username,
      GRID_WORKER_A.displayName,
      STAFF_A.username,
      STAFF_A.phone,
      '"households":73519',
      '"population":284613',
      NOTE_TITLE_A,
      TOKEN_NAME_A,
      DISPUTE_A.summary,
      DISPUTE_A.party,
      DISPUTE_A.partyPhone,
      PETITION_A.matter,
      PETITION_A.petitioner,
      KEYPERSON_A.name,
      KEYPERSON_A.address,
      RISK_A.period,
      RISK_A.project,
      TASK_A.list,
      TASK_A.name,
    ],
    nonPublic: ['MX-G-430602005001', 'MX甲区学坡第一网格'],
  };
}

/**
 * Markers a route shows by design. The responsibility list (权责清单) is a
 * published document: that county A's street lights are the MX-UNIT-A's job
 * is what it says, to every dispatcher.
 */
const BY_DESIGN: [RegExp, string[]][] = [
  [/^\/api\/responsibilities(\/|$)/, [COUNTY.A.unit, UNIT_NAME.A]],
  // The answer to "which unit is responsible here": the list's rule for the place asked about.
  [/^\/api\/dispatch\/propose$/, [COUNTY.A.unit, UNIT_NAME.A]],
  // A point's grid by its public name and code, as the citizen map shows it.
  [/^\/api\/dispatch\/locate$/, ['MX-G-430602005001', 'MX甲区学坡第一网格']],
];

interface Entities {
  caseNo: string;
  caseId: string;
  unitId: string;
  gridId: string;
  userId: string;
  attachmentId: string;
  notificationId: string;
  tokenId: string;
  calendar: string;
  article: string;
  rule: string;
  place: string;
  disputeId: string;
  personId: string;
  petitionId: string;
  keypersonId: string;
  riskFrameworkId: string;
  riskPeriodId: string;
  riskAssessmentId: string;
  taskId: string;
}

/** Path parameters by name (and, for `id`, by the route's collection). */
function fill(url: string, e: Entities): string {
  const idFor = (u: string): string => {
    const byPrefix: [RegExp, string][] = [
      [/^\/api\/units\//, e.unitId],
      [/^\/api\/grids\//, e.gridId],
      [/^\/api\/users\//, e.userId],
      [/^\/api\/attachments\//, e.attachmentId],
      [/^\/api\/notifications\//, e.notificationId],
      [/^\/api\/tokens\//, e.tokenId],
      [/^\/api\/kb\/articles\//, e.article],
      [/^\/api\/responsibilities\//, e.rule],
      [/^\/api\/gazetteer\//, e.place],
      [/^\/api\/disputes\//, e.disputeId],
      [/^\/api\/persons\//, e.personId],
      [/^\/api\/petitions\//, e.petitionId],
      [/^\/api\/keypersons\//, e.keypersonId],
      [/^\/api\/risk\/frameworks\//, e.riskFrameworkId],
      [/^\/api\/risk\/periods\//, e.riskPeriodId],
      [/^\/api\/risk\/assessments\//, e.riskAssessmentId],
      [/^\/api\/tasks\//, e.taskId],
    ];
    const hit = byPrefix.find(([re]) => re.test(u));
    if (!hit) throw new Error(`authz matrix: no entity for :id in ${u}; add its collection to fill()`);
    return hit[1];
  };
  const PARAM: Record<string, () => string> = {
    ref: () => e.caseNo,
    id: () => idFor(url),
    code: () => '430602005',
    name: () => e.calendar,
    day: () => '2026-10-01',
    scope: () => COUNTY.A.code,
    county: () => COUNTY.A.code,
    key: () => 'general',
    '*': () => 'index.html',
  };
  return url.replace(/:(\w+)|\*$/g, (m, name: string | undefined) => {
    const f = PARAM[name ?? '*'];
    if (!f) throw new Error(`authz matrix: no value for the path parameter ${m} of ${url}; add it to PARAM`);
    return encodeURIComponent(f());
  });
}

/** Query strings that let GET routes with required parameters reach their handler (a county-A place or period). */
const PERIOD = 'from=2026-01-01T00:00:00Z&to=2028-01-01T00:00:00Z';
const QUERY: Record<string, string> = {
  '/api/stats/rates': `${PERIOD}&groupBy=unit`,
  '/api/stats/volumes': `${PERIOD}&by=unit`,
  '/api/calendars/:name/deadline': 'from=2026-12-07T09:00:00%2B08:00&limit=5d',
  '/api/time-limit-policies/match': 'type=complaint&categoryCode=0101',
  '/api/dispatch/locate': 'lng=113.125&lat=29.365',
  '/api/gazetteer/geocode': `address=${encodeURIComponent('岳阳楼区矩阵甲区地标')}`,
  '/api/dispatch/propose': 'categoryCode=0101&divisionCode=430602005',
  '/api/disputes/stats': `${PERIOD}&groupBy=category`,
  '/api/petitions/stats': PERIOD,
  '/api/keypersons/export': 'reason=matrix',
  '/api/tasks/stats': `list=${encodeURIComponent(TASK_A.list)}`,
  '/api/tasks/export': `list=${encodeURIComponent(TASK_A.list)}`,
};

/** Minimal bodies that pass validation where that is cheap; other writes get {} and may answer 400. */
function bodyFor(r: RouteEntry): unknown {
  if (r.method === 'GET' || r.method === 'DELETE') return undefined;
  const valid: Record<string, unknown> = {
    'POST /api/cases': caseBody(),
    'POST /api/cases/:ref/note': { comment: '矩阵测试备注 (matrix note)' },
    'POST /api/cases/:ref/urge': { comment: '请尽快办理 (matrix urge)' },
    'POST /api/tokens': { name: 'matrix' },
  };
  return valid[`${r.method} ${r.url}`] ?? {};
}

/**
 * Run after everything else, since they end what later calls need: sessions
 * (logout), the county-A entities (deletes), a user's password.
 */
const lastness = (r: RouteEntry) => (r.url === '/api/auth/logout' ? 2 : r.method === 'DELETE' || /\/api\/users\/:id\/(password|active)$/.test(r.url) ? 1 : 0);

/**
 * Refusals by the case's own facts rather than by access: an admitted role
 * may still not act on this case (only the lead unit replies, only a summoned
 * unit reports...). They answer 403 with a reason the lifecycle gives.
 */
const BUSINESS_403 = /^只有/;

/** An answer as text to look for markers in; spreadsheets (exports) are zipped, so their cells are read. */
async function textOf(type: unknown, raw: Buffer): Promise<string> {
  if (!String(type ?? '').includes('spreadsheetml')) return raw.toString('utf8');
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(raw as any);
  const cells: string[] = [];
  wb.eachSheet((ws) => ws.eachRow((row) => row.eachCell((c) => void cells.push(String(c.text)))));
  return cells.join('\n');
}

interface Caller {
  role: Role | null;
  county: County | null;
  cookie?: string;
}

async function seedMatrix(db: Db, t: TestServer, hours: number) {
  for (const c of ['A', 'B'] as const) {
    await upsertUnit(db, { code: COUNTY[c].unit, name: UNIT_NAME[c], kind: 'department', divisionCodes: [COUNTY[c].code], phone: COUNTY[c].phone });
  }
  const users: Record<County, Partial<Record<Role, { id: string; cookie: string }>>> = { A: {}, B: {} };
  for (const c of ['A', 'B'] as const) {
    for (const role of ROLES) {
      const citizen = role === 'citizen';
      const gw = role === 'grid_worker' && c === 'A';
      const u = await upsertUser(db, {
        username: gw ? GRID_WORKER_A.username : `mx_${role}_${c.toLowerCase()}`,
        displayName: gw ? GRID_WORKER_A.displayName : `矩阵${role}${c}`,
        phone: citizen ? COUNTY[c].citizenPhone : gw ? GRID_WORKER_A.phone : null,
        roles: [role],
        unitCode: citizen ? null : COUNTY[c].unit,
        scopeCodes: citizen ? [] : [COUNTY[c].code],
      });
      const s = await createSession(db, u.id, hours);
      users[c][role] = { id: u.id, cookie: `${SESSION_COOKIE}=${s.token}` };
    }
  }
  const grid = await upsertGrid(db, {
    code: 'MX-G-430602005001',
    name: 'MX甲区学坡第一网格',
    divisionCode: '430602005001',
    geometry: { type: 'Polygon', coordinates: [[[113.12, 29.36], [113.13, 29.36], [113.13, 29.37], [113.12, 29.37], [113.12, 29.36]]] },
    workerUsername: GRID_WORKER_A.username,
    households: 73519,
    population: 284613,
  });
  const as = (c: County, role: Role) => ({ cookie: users[c][role]!.cookie });
  // The user that /api/users/:id names: not a matrix caller, since an admin's password reset ends their sessions.
  const staffA = await upsertUser(db, { username: STAFF_A.username, displayName: '矩阵甲区职员', phone: STAFF_A.phone, roles: ['handler'], unitCode: COUNTY.A.unit, scopeCodes: [] });
  const root = (await db.query<{ id: string }>(`SELECT id FROM users WHERE username = 'admin'`))[0].id;
  const global = { cookie: `${SESSION_COOKIE}=${(await createSession(db, root, hours)).token}` };
  // Reference data of county A (writable by county-A writers only).
  const article = await t.request('POST', '/api/kb/articles', { ...global, body: { question: '矩阵甲区路灯报修找谁', answer: '由岳阳楼区城管局路灯所负责维修。', divisionCodes: [COUNTY.A.code] } });
  expect(article.status, article.body).toBe(201);
  const rule = await t.request('PUT', '/api/responsibilities', { ...global, body: { categoryCode: '0101', divisionCode: COUNTY.A.code, unitCode: COUNTY.A.unit } });
  expect(rule.status, rule.body).toBeLessThan(300);
  const place = await t.request('PUT', '/api/gazetteer', { ...global, body: { name: '矩阵甲区地标', divisionCode: '430602005', lng: 113.105, lat: 29.365 } });
  expect(place.status, place.body).toBeLessThan(300);

  // The county-A case: reported by citizen A with a photo, dispatched to unit A.
  const up = multipart({ data: tinyPng(), filename: 'mx.png', mime: 'image/png' });
  const att = await t.request('POST', '/api/attachments', { body: up.body, headers: up.headers, ...as('A', 'citizen') });
  expect(att.status, att.body).toBe(201);
  const created = await t.request('POST', '/api/cases', {
    ...as('A', 'citizen'),
    body: caseBody({ title: CASE_TITLE_A, reporter: { name: '甲区群众', phone: COUNTY.A.citizenPhone }, attachmentIds: [att.json.id] }),
  });
  expect(created.status, created.body).toBe(201);
  const unitA = (await db.query<{ id: string }>(`SELECT id FROM units WHERE code = $1`, [COUNTY.A.unit]))[0].id;
  const dispatched = await t.request('POST', `/api/cases/${created.json.id}/dispatch`, { ...as('A', 'dispatcher'), body: { leadUnitId: unitA } });
  expect(dispatched.status, dispatched.body).toBe(200);

  const token = await t.request('POST', '/api/tokens', { ...as('A', 'operator'), body: { name: TOKEN_NAME_A } });
  expect(token.status, token.body).toBe(201);
  const notificationId = crypto.randomUUID();
  await db.query(`INSERT INTO notifications (id, recipient_unit_id, case_id, kind, title) VALUES ($1, $2, $3, 'dispatched', $4)`, [
    notificationId,
    unitA,
    created.json.id,
    NOTE_TITLE_A,
  ]);
  // The county-A dispute, registered by county A's mediator, with a party whose name and phone only county A may see.
  const dispute = await t.request('POST', '/api/disputes', {
    ...as('A', 'mediator'),
    body: { kind: 'dispute', categoryCode: '邻里纠纷', divisionCode: '430602005001', summary: DISPUTE_A.summary, parties: [{ name: DISPUTE_A.party, phone: DISPUTE_A.partyPhone }] },
  });
  expect(dispute.status, dispute.body).toBe(201);
  const petition = await t.request('POST', '/api/petitions', {
    ...as('A', 'petition_officer'),
    body: { channel: 'visit', matterType: '矩阵', matter: PETITION_A.matter, divisionCode: '430602005', petitioners: [{ name: PETITION_A.petitioner }] },
  });
  expect(petition.status, petition.body).toBe(201);
  // The county-A key person, filed by county A's police with county A's grid worker on the team (五包一).
  const keyperson = await t.request('POST', '/api/keypersons', {
    ...as('A', 'police'),
    body: {
      person: { name: KEYPERSON_A.name }, categories: ['petitioner'], tier: 'red', divisionCode: '430602005001', address: KEYPERSON_A.address,
      team: [{ role: 'grid_worker', name: GRID_WORKER_A.displayName, userId: users.A.grid_worker!.id }],
    },
  });
  expect(keyperson.status, keyperson.body).toBe(201);
  // County A's risk period (scored) and project assessment.
  const indicator = { code: 'mx1', name: '矩阵指标', weight: 1, direction: 'risk', normalise: { method: 'minmax' } };
  const fw = await t.request('POST', '/api/risk/frameworks', {
    ...global,
    body: { code: 'mx-fw', name: '矩阵指标体系', spec: { tiers: { method: 'score', tier1Min: 60, tier2Min: 30 }, categories: [{ code: 'C', name: '类', weight: 1, dimensions: [{ code: 'D', name: '维', weight: 1, indicators: [indicator] }] }] } },
  });
  expect(fw.status, fw.body).toBe(201);
  const period = await t.request('POST', '/api/risk/periods', { ...as('A', 'supervisor'), body: { code: 'MX-1', name: RISK_A.period, scopeCode: COUNTY.A.code, startsOn: '2026-01-01', endsOn: '2026-12-31', frameworkId: fw.json.id } });
  expect(period.status, period.body).toBe(201);
  expect((await t.request('PUT', `/api/risk/periods/${period.json.id}/values`, { ...as('A', 'supervisor'), body: { values: [{ divisionCode: COUNTY.A.code, indicatorCode: 'mx1', value: 3 }] } })).status).toBe(200);
  expect((await t.request('POST', `/api/risk/periods/${period.json.id}/score`, { ...as('A', 'supervisor'), body: {} })).status).toBe(200);
  const assessment = await t.request('POST', '/api/risk/assessments', { ...as('A', 'township'), body: { project: RISK_A.project, divisionCode: '430602005', responsibleUnit: '矩阵甲区住建局' } });
  expect(assessment.status, assessment.body).toBe(201);
  // The county-A target task list, with a task led by unit A.
  const taskList = await t.request('POST', '/api/task-lists', { ...as('A', 'leader'), body: { name: TASK_A.list, divisionCode: COUNTY.A.code } });
  expect(taskList.status, taskList.body).toBe(201);
  const task = await t.request('POST', '/api/tasks', { ...as('A', 'leader'), body: { list: taskList.json.id, name: TASK_A.name, leadUnitId: unitA, deadline: '2027-12-31' } });
  expect(task.status, task.body).toBe(201);
  const entities: Entities = {
    caseNo: created.json.no,
    caseId: created.json.id,
    unitId: unitA,
    gridId: grid.id,
    userId: staffA.id,
    attachmentId: att.json.id,
    notificationId,
    tokenId: token.json.id,
    calendar: (await db.query<{ name: string }>(`SELECT name FROM calendars ORDER BY name LIMIT 1`))[0]?.name ?? 'default',
    article: article.json.id,
    rule: rule.json.id,
    place: place.json.id,
    disputeId: dispute.json.id,
    personId: dispute.json.parties[0].id,
    petitionId: petition.json.id,
    keypersonId: keyperson.json.id,
    riskFrameworkId: fw.json.id,
    riskPeriodId: period.json.id,
    riskAssessmentId: assessment.json.id,
    taskId: task.json.id,
  };
  return { users, entities };
}

for (const tdb of TEST_DATABASES) {
  describe(`authorisation matrix (${tdb.name})`, () => {
    let t: TestServer;
    let db: Db;
    beforeAll(async () => {
      db = await tdb.open();
      await seedWorld(db);
      t = await startTestServer(db);
    }, 120_000);
    afterAll(async () => {
      await t?.close();
      await db?.close();
    });

    test('every route x every role x (own county, other county, anonymous) gets its declared outcome', async () => {
      const { users, entities } = await seedMatrix(db, t, t.server.ctx.config.sessionHours);
      const markers = markersOf(entities);
      const routes = t.app.routeTable.filter((r) => r.method !== 'HEAD');
      const ordered = [...routes].sort((x, y) => lastness(x) - lastness(y));
      const failures: string[] = [];
      // The control: county A's own users do see every marker (and read exports), so their absence for county B means something.
      const seenInA = new Set<string>();
      let business = 0;
      const statuses: string[] = [];
      let calls = 0;

      const call = async (r: RouteEntry, who: Caller) => {
        calls++;
        const body = bodyFor(r);
        const res = await t.app.inject({
          method: r.method as any,
          url: fill(r.url, entities) + (r.method === 'GET' && QUERY[r.url] ? `?${QUERY[r.url]}` : ''),
          payload: body === undefined ? undefined : JSON.stringify(body),
          headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(who.cookie ? { cookie: who.cookie } : {}) },
        });
        let json: any;
        try {
          json = res.json();
        } catch {
          json = undefined;
        }
        return { status: res.statusCode, json, type: res.headers['content-type'], body: await textOf(res.headers['content-type'], res.rawPayload) };
      };
      const label = (r: RouteEntry, who: Caller) => `${r.method} ${r.url} as ${who.role ?? 'anonymous'}${who.county ? ` (county ${who.county})` : ''}`;

      for (const r of ordered) {
        const a = r.access;
        const url = fill(r.url, entities);
        const namesEntity = /:(ref|id)\b/.test(r.url) && a.scope !== 'none';
        const check = (who: Caller, res: Awaited<ReturnType<typeof call>>, ownStatus?: number) => {
          const where = `${label(r, who)} -> ${res.status}`;
          if (res.status >= 500) return failures.push(`${where}: server error ${res.body.slice(0, 200)}`);
          if (!who.role) {
            if (a.who !== 'public' && res.status !== 401) failures.push(`${where}: anonymous must get 401`);
            if (a.who === 'public' && (res.status === 401 || res.status === 403)) failures.push(`${where}: public route refused`);
            return;
          }
          const verdict = permits(a, [who.role]);
          if (verdict === 'forbidden') {
            if (res.status !== 403) failures.push(`${where}: role not admitted by the declaration must get 403`);
            return;
          }
          if (who.county === 'A') {
            for (const m of [...markers.always, ...markers.nonPublic]) if (res.body.includes(m)) seenInA.add(m);
            if (/spreadsheetml/.test(String(res.type)) && res.body.includes(COUNTY.A.unit)) seenInA.add('xlsx');
            if (res.status === 401 || (res.status === 403 && !BUSINESS_403.test(res.json?.detail ?? '')))
              failures.push(`${where}: admitted role refused in its own county: ${res.body.slice(0, 200)}`);
            else if (res.status === 403) business++;
            return;
          }
          // County B.
          if (namesEntity && res.status < 300) failures.push(`${where}: reached a county-A entity`);
          if (namesEntity && res.status !== 403 && res.status !== 404 && !(ownStatus === res.status && res.status >= 400))
            failures.push(`${where}: expected 403/404 on a county-A entity (county A got ${ownStatus})`);
          // A problem's `instance` echoes the request's own URL (which names the entity the caller already knew).
          const answer = res.body.split(url).join('');
          const shown = BY_DESIGN.filter(([re]) => re.test(r.url)).flatMap(([, m]) => m);
          const seen = [...markers.always, ...(a.who === 'public' ? [] : markers.nonPublic)].filter((m) => !shown.includes(m) && answer.includes(m));
          if (seen.length) failures.push(`${where}: county-A data in the answer: ${seen.join(', ')}`);
        };
        const anon: Caller = { role: null, county: null };
        check(anon, await call(r, anon));
        // County B first, while every county-A entity still exists; then county A, in parallel by role.
        const inB = await Promise.all(ROLES.map(async (role) => ({ role, res: await call(r, { role, county: 'B', cookie: users.B[role]!.cookie }) })));
        const inA = await Promise.all(ROLES.map(async (role) => ({ role, res: await call(r, { role, county: 'A', cookie: users.A[role]!.cookie }) })));
        const ownOf = new Map(inA.map((x) => [x.role, x.res.status]));
        for (const x of inA) check({ role: x.role, county: 'A' }, x.res);
        if (process.env.MATRIX_OUT) statuses.push(`${r.method} ${r.url} A:${inA.map((x) => x.res.status).join(',')} B:${inB.map((x) => x.res.status).join(',')}`);
        for (const x of inB) check({ role: x.role, county: 'B' }, x.res, ownOf.get(x.role));
      }

      expect([...markers.always, ...markers.nonPublic, 'xlsx'].filter((m) => !seenInA.has(m)), 'markers no county-A user saw').toEqual([]);
      const size = `${routes.length} routes x ${ROLES.length} roles x 2 counties + anonymous = ${calls} calls`;
      console.log(`authz matrix (${tdb.name}): ${size}; ${failures.length} failures; ${business} refusals by the case's facts (lead unit, summons...)`);
      // MATRIX_OUT=/tmp/m writes the failures and every route's statuses by role to /tmp/m.<database>, for reading the whole matrix.
      if (process.env.MATRIX_OUT) (await import('node:fs')).writeFileSync(`${process.env.MATRIX_OUT}.${tdb.name}`, [...failures, ...statuses].join('\n'));
      expect(failures, size).toEqual([]);
    }, 300_000);
  });
}
