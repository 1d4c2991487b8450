/**
 * Graceful shutdown: on SIGTERM the server stops taking connections, finishes
 * the requests in flight, and every case it acknowledged is in the database.
 */
import { describe, it, expect } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb } from '../src/platform/db.ts';
import { spawnServer } from '../bench/lib.ts';
import { seedWorld, caseBody, PASSWORD } from './helpers.ts';

describe('graceful shutdown', () => {
  it('finishes in-flight creates and loses none it acknowledged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zhili-shutdown-'));
    const seedDb = await openDb(join(dir, 'pglite'));
    await seedWorld(seedDb);
    await seedDb.close();

    const server = await spawnServer({ ZHILI_DATA_DIR: dir, DATABASE_URL: '' });
    const login = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'operator', password: PASSWORD }),
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0];
    const exited = new Promise<number | null>((r) => server.child.once('exit', (code) => r(code)));

    const requests = Array.from({ length: 40 }, (_, i) =>
      fetch(`${server.url}/api/cases`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie, 'idempotency-key': `shutdown-${i}` },
        body: JSON.stringify(caseBody({ title: `停机测试 ${i}` })),
      })
        .then(async (r) => ({ status: r.status, id: r.status === 201 ? ((await r.json()) as any).id : undefined }))
        .catch(() => ({ status: 0, id: undefined })),
    );
    await new Promise((r) => setTimeout(r, 30));
    server.child.kill('SIGTERM');
    const results = await Promise.all(requests);
    expect(await exited).toBe(0);

    const acknowledged = results.filter((r) => r.status === 201).map((r) => r.id as string);
    // Whatever was not acknowledged failed cleanly (refused, or 503 while closing), never a 500.
    expect(results.every((r) => [0, 201, 503].includes(r.status))).toBe(true);
    const db = await openDb(join(dir, 'pglite'));
    const rows = await db.query<{ id: string }>(`SELECT id FROM cases WHERE id = ANY ($1)`, [acknowledged]);
    expect(rows.length).toBe(acknowledged.length);
    await db.close();
  });
});
