/**
 * The demo load is all or nothing across restarts: a first start killed in
 * the middle of loading the demo (SIGKILL, as a power cut or a closed
 * laptop lid would) leaves a partial demo marked incomplete, and the next
 * start discards it and loads the whole demo again. Runs the real product
 * (`zhili serve`, embedded database, demo on) in child processes.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { openDb } from '../platform/db.ts';

const BIN = fileURLToPath(new URL('../../bin/zhili.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'zhili-demo-atomic-'));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function serve(port: number): Promise<{ child: ChildProcess; logged: (text: string) => Promise<void>; exited: Promise<void> }> {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: { ...process.env, DATABASE_URL: '', ZHILI_DATA_DIR: root, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', ZHILI_CLASSIFIER_RETRAIN_HOURS: '0', ZHILI_WEB_DIR: '/nonexistent' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    for (const w of waiters.filter((w) => out.includes(w.text))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    exited,
    logged: (text) =>
      new Promise<void>((resolve, reject) => {
        if (out.includes(text)) return resolve();
        waiters.push({ text, resolve });
        void exited.then(() => reject(new Error(`server exited before logging "${text}"`)));
      }),
  };
}

async function counts() {
  const db = await openDb(join(root, 'pglite'));
  try {
    const [r] = await db.query<{ users: number; cases: number; events: number; grids: number; bad_versions: number; first_no: string; completed: boolean | null }>(
      `SELECT (SELECT count(*)::int FROM users) AS users, (SELECT count(*)::int FROM cases) AS cases,
              (SELECT count(*)::int FROM case_events) AS events, (SELECT count(*)::int FROM grids) AS grids,
              (SELECT count(*)::int FROM cases c WHERE c.version <> (SELECT count(*) FROM case_events e WHERE e.case_id = c.id)) AS bad_versions,
              (SELECT min(substr(no, 9)) FROM cases) AS first_no,
              (SELECT completed_at IS NOT NULL FROM demo_load) AS completed`,
    );
    return r;
  } finally {
    await db.close();
  }
}

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the demo load on the embedded database', () => {
  it('is all or nothing: a start killed mid-load leaves it marked partial, and the next start loads it whole', async () => {
    const port = await freePort();
    const first = await serve(port);
    // in the middle of the work orders
    await first.logged('demo: 100 of 300 work orders');
    first.child.kill('SIGKILL');
    await first.exited;

    const partial = await counts();
    expect(partial.completed).toBe(false);
    expect(partial.users).toBeGreaterThan(0);
    expect(partial.cases).toBeGreaterThanOrEqual(100);
    expect(partial.cases).toBeLessThan(300);

    const second = await serve(port);
    await second.logged('discarding the partial demo');
    await second.logged('zhili listening on');
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.ok).toBe(true);
    second.child.kill('SIGTERM');
    await second.exited;

    const whole = await counts();
    // numbered from the start again, as on a first start
    expect(whole).toMatchObject({ completed: true, users: 45, cases: 300, grids: 71, bad_versions: 0, first_no: '000001' });
    expect(whole.events).toBeGreaterThanOrEqual(1500);
  }, 600_000);
});
