/** Attachments over HTTP: multipart upload with type and size checks, linking to cases, download by visibility. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { TEST_DATABASES, seedWorld, startTestServer, silentLogger, loginCitizen, caseBody, tinyPng, multipart, type Client, type TestServer, type World } from './helpers.ts';
import { buildServer } from '../src/server.ts';
import { sweepUnattached } from '../src/cases/uploads.ts';

type Res = Awaited<ReturnType<TestServer['request']>>;

function expectProblem(res: Res, status: number, field?: string) {
  expect(res.status, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  if (field) expect(res.json.errors?.map((e: any) => e.field), res.body).toContain(field);
}

const PNG = tinyPng();
const upload = (c: Client, data: Buffer, mime = 'image/png', filename = '现场照片.png') => {
  const m = multipart({ data, filename, mime });
  return c.post('/api/attachments', m.body, m.headers);
};

describe.each(TEST_DATABASES)('attachments API on $name', (tdb) => {
  let t: TestServer;
  let world: World;
  let op: Client;
  let handler: Client;

  beforeAll(async () => {
    const db = await tdb.open();
    world = await seedWorld(db);
    t = await startTestServer(db);
    op = await t.login('operator');
    handler = await t.login('handler_a');
  });
  afterAll(async () => {
    await t?.close();
    await t?.server.ctx.db.close();
  });

  describe('upload', () => {
    it('accepts a real PNG (multipart field "file") and lets the uploader download it', async () => {
      const res = await upload(op, PNG);
      expect(res.status, res.body).toBe(201);
      expect(res.json).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        filename: '现场照片.png',
        mime: 'image/png',
        size: PNG.length,
        sha256: createHash('sha256').update(PNG).digest('hex'),
      });
      const row = await t.server.ctx.db.query(`SELECT case_id, uploaded_by, size FROM attachments WHERE id = $1`, [res.json.id]);
      expect(row[0]).toEqual({ case_id: null, uploaded_by: world.users.operator.id, size: PNG.length });

      const got = await t.app.inject({ method: 'GET', url: `/api/attachments/${res.json.id}`, headers: { cookie: op.cookie } });
      expect(got.statusCode).toBe(200);
      expect(got.rawPayload.equals(PNG)).toBe(true);
      expect(got.headers['content-type']).toBe('image/png');
      expect(got.headers['x-content-type-options']).toBe('nosniff');
      expect(got.headers['content-disposition']).toBe(`inline; filename*=UTF-8''${encodeURIComponent('现场照片.png')}`);
      expect(got.headers['content-security-policy']).toBe('sandbox');
      // Not yet on a case: nobody else may fetch it, not even a city-wide operator.
      expectProblem(await (await t.login('dispatcher')).get(`/api/attachments/${res.json.id}`), 404);
    });

    it('refuses content that does not match the declared type (422 naming file)', async () => {
      expectProblem(await upload(op, Buffer.from('this is not an image'), 'image/png', 'fake.png'), 422, 'file');
      expectProblem(await upload(op, PNG, 'image/jpeg', 'photo.jpg'), 422, 'file');
      expectProblem(await upload(op, Buffer.alloc(0), 'image/png', 'empty.png'), 422, 'file');
    });

    it('serves files that are not images as downloads, sniff-proof and sandboxed', async () => {
      const pdf = Buffer.from('%PDF-1.4\n%%EOF\n');
      const id = (await upload(op, pdf, 'application/pdf', '回访 记录.pdf')).json.id;
      const got = await t.app.inject({ method: 'GET', url: `/api/attachments/${id}`, headers: { cookie: op.cookie } });
      expect(got.statusCode).toBe(200);
      expect(got.headers['content-type']).toBe('application/pdf');
      expect(got.headers['content-disposition']).toBe(`attachment; filename*=UTF-8''${encodeURIComponent('回访 记录.pdf')}`);
      expect(got.headers['x-content-type-options']).toBe('nosniff');
      expect(got.headers['content-security-policy']).toBe('sandbox');
    });

    it('refuses SVG or HTML disguised as an image (422 naming file)', async () => {
      const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>');
      expectProblem(await upload(op, svg, 'image/png', 'photo.png'), 422, 'file');
      // Polyglots: a real image header, then markup a browser would run if it took the file for HTML or SVG.
      expectProblem(await upload(op, Buffer.concat([Buffer.from('GIF89a'), svg]), 'image/gif', 'photo.gif'), 422, 'file');
      expectProblem(await upload(op, Buffer.concat([PNG, Buffer.from('<html><script>alert(1)</script></html>')]), 'image/png', 'photo.png'), 422, 'file');
      expectProblem(await upload(op, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('<!DOCTYPE html><body>')]), 'image/jpeg', 'p.jpg'), 422, 'file');
      // A real image under a name that would open as a page once saved.
      expectProblem(await upload(op, PNG, 'image/png', 'photo.svg'), 422, 'file');
      expectProblem(await upload(op, PNG, 'image/png', 'index.html'), 422, 'file');
      const files = await t.server.ctx.db.query(`SELECT 1 FROM attachments WHERE filename IN ('photo.png', 'photo.gif', 'p.jpg', 'photo.svg', 'index.html')`);
      expect(files).toEqual([]);
    });

    it('refuses types that are not accepted (415 naming file)', async () => {
      expectProblem(await upload(op, Buffer.from('<script>alert(1)</script>'), 'text/html', 'x.html'), 415, 'file');
      expectProblem(await upload(op, Buffer.from('MZ\x90\x00'), 'application/x-msdownload', 'x.exe'), 415, 'file');
      expectProblem(await upload(op, PNG, 'image/svg+xml', 'x.svg'), 415, 'file');
    });

    it('refuses a request that is not multipart, or has no file, or no session', async () => {
      expectProblem(await op.post('/api/attachments', { file: 'abc' }), 415, 'file');
      const noFile = Buffer.from('--b\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n--b--\r\n');
      expectProblem(await op.post('/api/attachments', noFile, { 'content-type': 'multipart/form-data; boundary=b' }), 422, 'file');
      const m = multipart({ data: PNG, filename: 'a.png', mime: 'image/png' });
      expectProblem(await t.request('POST', '/api/attachments', { body: m.body, headers: m.headers }), 401);
    });

    it('refuses a file over the configured limit with 413 naming file', async () => {
      // A second instance on the same database with a 1 KiB limit; the session works there too.
      const small = await buildServer({
        db: t.server.ctx.db,
        logger: silentLogger(),
        config: { demo: false, maxUploadBytes: 1024, filesDir: mkdtempSync(join(tmpdir(), 'zhili-files-')), webDir: '/nonexistent' },
      });
      try {
        const send = async (data: Buffer) => {
          const m = multipart({ data, filename: 'big.png', mime: 'image/png' });
          const res = await small.app.inject({ method: 'POST', url: '/api/attachments', payload: m.body, headers: { ...m.headers, cookie: op.cookie } });
          return { status: res.statusCode, headers: res.headers, json: res.json(), body: res.body };
        };
        const over = Buffer.concat([PNG, Buffer.alloc(2048)]);
        expectProblem(await send(over), 413, 'file');
        const under = Buffer.concat([PNG, Buffer.alloc(1024 - PNG.length)]);
        expect((await send(under)).status).toBe(201);
      } finally {
        await small.close();
      }
    });
  });

  describe('on cases', () => {
    let caseId: string;
    let onCreate: string;

    it('links attachments given on create, once only', async () => {
      onCreate = (await upload(op, PNG)).json.id;
      const res = await op.post('/api/cases', caseBody({ attachmentIds: [onCreate] }), { 'idempotency-key': 'with-photo' });
      expect(res.status, res.body).toBe(201);
      caseId = res.json.id;
      // A retry with the same attachment answers with the first case.
      const retry = await op.post('/api/cases', caseBody({ attachmentIds: [onCreate] }), { 'idempotency-key': 'with-photo' });
      expect([retry.status, retry.json.id]).toEqual([200, caseId]);

      const got = await op.get(`/api/cases/${caseId}`);
      expect(got.json.attachments).toEqual([{ id: onCreate, filename: '现场照片.png', mime: 'image/png', size: PNG.length, createdAt: expect.any(String) }]);
      expect(got.json.timeline[0].attachmentIds).toEqual([onCreate]);
      // Already on a case: it cannot be attached to another.
      expectProblem(await op.post('/api/cases', caseBody({ attachmentIds: [onCreate] })), 422, 'attachmentIds.0');
      // Someone else's upload cannot be attached either.
      const other = (await upload(await t.login('dispatcher'), PNG)).json.id;
      expectProblem(await op.post('/api/cases', caseBody({ attachmentIds: [other] })), 422, 'attachmentIds.0');
      expectProblem(await op.post('/api/cases', caseBody({ attachmentIds: ['01900000-0000-7000-8000-000000000000'] })), 422, 'attachmentIds.0');
    });

    it('links attachments given with a reply and with a note', async () => {
      await op.post(`/api/cases/${caseId}/dispatch`, { leadUnitId: world.units.cgA.id });
      await handler.post(`/api/cases/${caseId}/accept`);
      const photo = (await upload(handler, PNG, 'image/png', '处理后.png')).json.id;
      const replied = await handler.post(`/api/cases/${caseId}/reply`, { reply: '已修复，见照片。', attachmentIds: [photo] });
      expect(replied.status, replied.body).toBe(200);
      expect(replied.json.timeline.at(-1)).toMatchObject({ action: 'reply', attachmentIds: [photo] });
      const doc = (await upload(op, Buffer.from('%PDF-1.4\n%%EOF\n'), 'application/pdf', '回访记录.pdf')).json.id;
      expect(doc).toBeTruthy();
      const noted = await op.post(`/api/cases/${caseId}/note`, { comment: '附回访记录', attachmentIds: [doc] });
      expect(noted.status, noted.body).toBe(200);
      expect(noted.json.attachments.map((a: any) => a.id)).toEqual([onCreate, photo, doc]);
      // A refused action links nothing.
      const stray = (await upload(op, PNG)).json.id;
      expectProblem(await op.post(`/api/cases/${caseId}/note`, { comment: '附件', attachmentIds: [stray], version: 1 }), 409);
      expect((await t.server.ctx.db.query(`SELECT case_id FROM attachments WHERE id = $1`, [stray]))[0].case_id).toBeNull();
    });

    it('may be downloaded by whoever sees the case, and is 404 for anyone else', async () => {
      const photos = (await op.get(`/api/cases/${caseId}`)).json.attachments.map((a: any) => a.id) as string[];
      for (const u of ['operator', 'handler_a', 'township_a', 'supervisor', 'admin']) {
        const c = await t.login(u);
        for (const id of photos) expect((await c.get(`/api/attachments/${id}`)).status, `${u} ${id}`).toBe(200);
      }
      const citizen = await loginCitizen(t, '13500000001');
      for (const u of ['operator_b', 'handler_b', 'admin_b', 'handler_a2']) {
        const c = await t.login(u);
        for (const id of photos) expectProblem(await c.get(`/api/attachments/${id}`), 404);
      }
      for (const id of photos) expectProblem(await citizen.get(`/api/attachments/${id}`), 404);
      expectProblem(await op.get('/api/attachments/01900000-0000-7000-8000-000000000000'), 404);
      expectProblem(await op.get('/api/attachments/not-an-id'), 400, 'id');
      expectProblem(await t.request('GET', `/api/attachments/${photos[0]}`), 401);
    });
  });

  describe('housekeeping', () => {
    it('refuses an upload past the per-user daily quota with 429 naming file, and keeps no file of it', async () => {
      const filesDir = mkdtempSync(join(tmpdir(), 'zhili-files-'));
      const quota = await buildServer({
        db: t.server.ctx.db,
        logger: silentLogger(),
        config: { demo: false, uploadQuotaBytes: 1000, filesDir, webDir: '/nonexistent', classifierSchedule: false, sweepSeconds: 0 },
      });
      try {
        const township = await t.login('township_a');
        const photo = Buffer.concat([PNG, Buffer.alloc(400)]);
        const send = async () => {
          const m = multipart({ data: photo, filename: 'q.png', mime: 'image/png' });
          const res = await quota.app.inject({ method: 'POST', url: '/api/attachments', payload: m.body, headers: { ...m.headers, cookie: township.cookie } });
          return { status: res.statusCode, headers: res.headers, json: res.json(), body: res.body };
        };
        expect((await send()).status).toBe(201);
        expect((await send()).status).toBe(201);
        const over = await send();
        expectProblem(over, 429, 'file');
        const stored = await t.server.ctx.db.query<{ storage_key: string }>(`SELECT storage_key FROM attachments WHERE uploaded_by = $1`, [world.users.township.id]);
        expect(stored.length).toBe(2);
        const { readdirSync } = await import('node:fs');
        const onDisk = readdirSync(filesDir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile());
        expect(onDisk.length).toBe(2);
        // Other users have their own quota.
        const m = multipart({ data: photo, filename: 'q.png', mime: 'image/png' });
        const other = await t.login('supervisor');
        expect((await quota.app.inject({ method: 'POST', url: '/api/attachments', payload: m.body, headers: { ...m.headers, cookie: other.cookie } })).statusCode).toBe(201);
      } finally {
        await quota.close();
      }
    });

    it('removes uploads never attached to a case after a day, rows and files, once across instances', async () => {
      const db = t.server.ctx.db;
      const ids = { old1: (await upload(op, PNG)).json.id, old2: (await upload(op, PNG)).json.id, fresh: (await upload(op, PNG)).json.id, oldAttached: (await upload(op, PNG)).json.id };
      const created = await op.post('/api/cases', caseBody({ attachmentIds: [ids.oldAttached] }));
      expect(created.status, created.body).toBe(201);
      await db.query(`UPDATE attachments SET created_at = now() - interval '25 hours' WHERE id = ANY ($1::uuid[])`, [[ids.old1, ids.old2, ids.oldAttached]]);
      const keys = await db.query<{ id: string; storage_key: string }>(`SELECT id, storage_key FROM attachments WHERE id = ANY ($1::uuid[])`, [Object.values(ids)]);
      const keyOf = (id: string) => keys.find((k) => k.id === id)!.storage_key;

      // Two instances sweeping at once remove each row once.
      const [a, b] = await Promise.all([sweepUnattached(t.server.ctx), sweepUnattached(t.server.ctx)]);
      expect(a + b).toBeGreaterThanOrEqual(2);
      const left = (await db.query<{ id: string }>(`SELECT id FROM attachments WHERE id = ANY ($1::uuid[])`, [Object.values(ids)])).map((r) => r.id).sort();
      expect(left).toEqual([ids.fresh, ids.oldAttached].sort());
      await expect(t.server.ctx.storage.get(keyOf(ids.old1))).rejects.toThrow();
      await expect(t.server.ctx.storage.get(keyOf(ids.old2))).rejects.toThrow();
      expect((await t.server.ctx.storage.get(keyOf(ids.fresh))).equals(PNG)).toBe(true);
      expect((await t.server.ctx.storage.get(keyOf(ids.oldAttached))).equals(PNG)).toBe(true);
      expectProblem(await op.get(`/api/attachments/${ids.old1}`), 404);
      expect(await sweepUnattached(t.server.ctx)).toBe(0);
    });
  });
});
