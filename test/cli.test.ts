/**
 * The zhili command line, run as operators run it: a child process over the
 * embedded database in a fresh data directory. Each run starts PGlite, so the
 * cases are few and share one directory, in order.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb } from '../src/platform/db.ts';
import { authenticate } from '../src/org/auth.ts';
import { readTable } from '../src/org/io.ts';
import { runZhili } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'zhili-cli-'));
const PASSWORD = 'Cli-secret-9876';

const zhili = (args: string[], extraEnv: Record<string, string> = {}) => runZhili(args, { ZHILI_DATA_DIR: dir, ...extraEnv });

describe('zhili CLI', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('rejects a bad user before touching the database, naming the field', async () => {
    const r = await zhili(['user', 'add', '--username', 'a b', '--name', 'x', '--roles', 'admin,wizard'], { ZHILI_PASSWORD: PASSWORD });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('username (--username)');
    expect(r.stderr).toContain('roles[1] (--roles)');
  });

  it('adds the first admin with the password from ZHILI_PASSWORD, never printing it', async () => {
    const r = await zhili(['user', 'add', '--username', 'admin', '--name', '系统管理员', '--roles', 'admin', '--scope', '*'], { ZHILI_PASSWORD: PASSWORD });
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('created user admin');
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  });

  it('imports units (children before parents), refuses a bad file whole, exports xlsx', async () => {
    const units = [
      { code: 'JD-01', name: '东茅岭街道办事处', kind: 'township_office', parentCode: 'ZZ-01', divisionCodes: ['430602005'] },
      { code: 'ZZ-01', name: '岳阳市社会治理中心', kind: 'command_centre', divisionCodes: ['4306'], phone: '0730-8888888' },
    ];
    writeFileSync(join(dir, 'units.json'), JSON.stringify(units));
    const ok = await zhili(['import', 'units', join(dir, 'units.json')]);
    expect(ok.stderr).not.toContain('error');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('imported 2 units');

    writeFileSync(join(dir, 'bad.json'), JSON.stringify([{ code: 'NEW-1', name: '新单位', kind: 'department' }, { code: 'NEW-2', name: '缺类型' }]));
    const bad = await zhili(['import', 'units', join(dir, 'bad.json')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('row 2, field kind');
    expect(bad.stderr).toContain('nothing was imported');

    const out = join(dir, 'units.xlsx');
    const ex = await zhili(['export', 'units', out]);
    expect(ex.code).toBe(0);
    expect(ex.stdout).toContain('exported 2 units');
    const t = await readTable(out);
    expect(t.rows).toEqual([
      { code: 'JD-01', name: '东茅岭街道办事处', kind: 'township_office', parentCode: 'ZZ-01', divisionCodes: '430602005', active: true },
      { code: 'ZZ-01', name: '岳阳市社会治理中心', kind: 'command_centre', divisionCodes: '4306', phone: '0730-8888888', active: true },
    ]);
  });

  it('left a working admin sign-in behind', async () => {
    const db = await openDb(join(dir, 'pglite'));
    try {
      expect(await authenticate(db, 'admin', PASSWORD)).toMatchObject({ username: 'admin', roles: ['admin'], scopeCodes: ['*'] });
      expect(await authenticate(db, 'admin', 'wrong-password')).toBeUndefined();
    } finally {
      await db.close();
    }
  });

  it('prints the working calendar one day a line, across Spring Festival 2026', async () => {
    const r = await zhili(['calendar', 'days', '--from', '2026-02-13', '--to', '2026-02-28']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(16);
    expect(lines.slice(0, 4)).toEqual(['2026-02-13 work', '2026-02-14 work', '2026-02-15 off', '2026-02-16 off']);
    expect(lines).toContain('2026-02-23 off');
    expect(lines.at(-1)).toBe('2026-02-28 work'); // a Saturday made a working day (调休)
    const bad = await zhili(['calendar', 'days', '--from', '2026-03-01', '--to', '2026-02-01']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--from/--to');
  });
});

