import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { TEST_DATABASES, seedWorld, startTestServer, caseBody, type TestServer, type World, useTestServer } from './helpers.ts';

describe.each(TEST_DATABASES)('closed loop on $name', (tdb) => {
  let t: TestServer;
  let world: World;
  useTestServer(tdb, (s) => ({ t, world } = s));

  it('runs a case from intake to rating', async () => {
    const op = await t.login('operator');
    const created = await op.post('/api/cases', caseBody());
    expect(created.status).toBe(201);
    const id = created.json.id;
    expect(created.json.no).toMatch(/^\d{14}$/);
    const d = await op.post(`/api/cases/${id}/dispatch`, { leadUnitId: world.units.cgA.id });
    expect(d.status, d.body).toBe(200);
    const h = await t.login('handler_a');
    expect((await h.post(`/api/cases/${id}/accept`)).status).toBe(200);
    const r = await h.post(`/api/cases/${id}/reply`, { reply: '已更换灯泡，路灯恢复正常。' });
    expect(r.status, r.body).toBe(200);
    expect((await op.post(`/api/cases/${id}/verify`, { solved: true })).status).toBe(200);
    expect((await op.post(`/api/cases/${id}/close`)).status).toBe(200);
    const rated = await op.post(`/api/cases/${id}/rate`, { rating: 5 });
    expect(rated.status, rated.body).toBe(200);
    expect(rated.json.status).toBe('rated');
    expect(rated.json.timeline.map((e: any) => e.toStatus)).toEqual(['registered', 'dispatched', 'accepted', 'replied', 'verified', 'closed', 'rated']);
  });
});
