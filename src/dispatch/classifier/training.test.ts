/**
 * Training never blocks the server: it reads the training cases in bounded
 * pages (the server holds one page at a time, whatever the table's size) and
 * trains in a process of its own, so requests are served between its pages
 * and while it fits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { v7 as uuidv7 } from 'uuid';
import type { Db } from '../../platform/db.ts';
import { defaultCategories, upsertCategories } from '../../cases/categories.ts';
import { TEST_DATABASES, seedWorld } from '../../../test/helpers.ts';
import { ClassifierService } from './service.ts';
import { readLabelled } from './table.ts';

const EVAL_SET = fileURLToPath(new URL('./data/eval-messages.csv', import.meta.url));
const LABELS: Record<string, string> = { 城乡建设: '0107', 城市管理: '0801', 劳动和社会保障: '0401' };
const PER_LABEL = 80;

describe.each(TEST_DATABASES)('classifier training on $name', (tdb) => {
  let db: Db;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    db = await tdb.open();
    const world = await seedWorld(db);
    await db.tx((q) => upsertCategories(q, defaultCategories()));
    const taken = new Map<string, number>();
    let seq = 0;
    for await (const r of readLabelled(EVAL_SET)) {
      const code = LABELS[r.label];
      if (!code || (taken.get(code) ?? 0) >= PER_LABEL) continue;
      taken.set(code, (taken.get(code) ?? 0) + 1);
      seq++;
      await db.query(
        `INSERT INTO cases (id, no, channel, type, category_code, urgency, title, description, division_code, status, lead_unit_id, created_at)
         VALUES ($1, $2, 'hotline', 'complaint', $3, 'normal', $4, $5, '430602005', 'closed', $6, now() - ($7 || ' minutes')::interval)`,
        [uuidv7(), `P${String(seq).padStart(8, '0')}`, code, r.text.slice(0, 12), r.text, world.units.cgA.id, String(seq)],
      );
    }
    // a stand-in for a request: one query of the database the training reads from
    server = createServer((_req, res) => {
      db.query<{ n: number }>(`SELECT count(*)::int AS n FROM cases`).then(
        (r) => res.end(String(r[0].n)),
        () => {
          res.statusCode = 500;
          res.end();
        },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  }, 120_000);

  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await db?.close();
  });

  it('reads the training cases in pages no larger than the page size, newest first, each once, up to the sample bound', async () => {
    const s = new ClassifierService({ db }, { retrainHours: 0, pageSize: 25 });
    const sizes: number[] = [];
    const seen = new Set<string>();
    for await (const page of s.trainingPages('category')) {
      sizes.push(page.length);
      for (const [text] of page) seen.add(text);
    }
    expect(Math.max(...sizes)).toBeLessThanOrEqual(25);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(3 * PER_LABEL);
    expect(sizes.length).toBe(Math.ceil((3 * PER_LABEL) / 25));
    expect(seen.size).toBe(3 * PER_LABEL);

    // the sample bound: the newest maxRows, still in pages
    const bounded = new ClassifierService({ db }, { retrainHours: 0, pageSize: 25, maxRows: 60 });
    const b: number[] = [];
    for await (const page of bounded.trainingPages('category')) b.push(page.length);
    expect(b).toEqual([25, 25, 10]);
  });

  it('trains in a process of its own, and requests are served between its pages and while it fits', async () => {
    const s = new ClassifierService({ db }, { retrainHours: 0, pageSize: 20, measure: false });
    const log: string[] = [];
    const pages = s.trainingPages.bind(s);
    s.trainingPages = async function* (kind) {
      for await (const page of pages(kind)) {
        log.push(`page ${page.length}`);
        yield page;
      }
    };
    let done = false;
    const training = s.trainFromCases('category').finally(() => {
      done = true;
    });
    // a few clients asking all the time, as a console's users would
    let served = 0;
    const client = async () => {
      while (!done) {
        const r = await fetch(url);
        expect(await r.text()).toBe(String(3 * PER_LABEL));
        served++;
        log.push('request');
      }
    };
    await Promise.all([client(), client(), client(), client()]);
    const report = await training;
    expect(report).toMatchObject({ trainedIn: 'process', nSamples: 3 * PER_LABEL, nLabels: 3 });
    expect(report.skipped).toBeUndefined();
    expect(report.trainerPeakRssMb).toBeGreaterThan(0);
    // every page was at most the page size, and requests were served between the pages
    // (counted over the whole read, not per gap, so a slow moment on a busy machine does not fail it)
    const pageAt = log.flatMap((e, i) => (e.startsWith('page') ? [i] : []));
    expect(pageAt.length).toBe(Math.ceil((3 * PER_LABEL) / 20));
    for (const i of pageAt) expect(Number(log[i].slice(5))).toBeLessThanOrEqual(20);
    const duringRead = log.slice(pageAt[0], pageAt[pageAt.length - 1]).filter((e) => e === 'request').length;
    expect(duringRead).toBeGreaterThanOrEqual(pageAt.length - 1);
    expect(served).toBeGreaterThan(duringRead);
    // the model it trained is the one the service now proposes from
    const text = '东茅岭路拖欠农民工工资三个月，包工头跑路了';
    const p = await s.predict('category', text);
    expect(p.modelId).toBe(report.modelId);
    // and it was stored whole: another instance loads it from the database and proposes the same
    const other = await new ClassifierService({ db }, { retrainHours: 0 }).predict('category', text);
    expect(other).toEqual(p);
  }, 300_000);
});
