/**
 * Folders depend downward (src/layers.ts): every import of every non-test
 * file under src/ is checked against the layer order, and every table is
 * created and altered only by its owning folder's migrations.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { LAYERS } from '../src/layers.ts';
import { listMigrations, migrationFolders } from '../src/platform/migrate.ts';
import { TEST_DATABASES } from './helpers.ts';
import { migrate } from '../src/platform/migrate.ts';

const SRC = fileURLToPath(new URL('../src', import.meta.url));

interface SourceFile {
  /** Path relative to src/, with forward slashes. */
  path: string;
  text: string;
}

const isTestOnly = (path: string) => /\.test\.[cm]?[jt]s$/.test(path) || /(^|\/)testing\.[cm]?[jt]s$/.test(path);

/** The folder (or root file) a path under src/ belongs to. */
const ownerOf = (path: string) => path.split('/')[0];

function layerIndex(layers: readonly (readonly string[])[]): Map<string, number> {
  const m = new Map<string, number>();
  layers.forEach((names, i) => names.forEach((n) => m.set(n, i)));
  return m;
}

/** Every import (static, type-only, re-export, dynamic, module augmentation) that breaks the layer order, as "file:line -> import (why)". */
export function layeringViolations(files: SourceFile[], layers: readonly (readonly string[])[]): string[] {
  const layer = layerIndex(layers);
  const out: string[] = [];
  for (const f of files) {
    if (isTestOnly(f.path)) continue;
    const from = ownerOf(f.path);
    const fromLayer = layer.get(from);
    if (fromLayer === undefined) {
      out.push(`${f.path}: folder "${from}" has no place in src/layers.ts`);
      continue;
    }
    for (const imp of ts.preProcessFile(f.text, true, true).importedFiles) {
      const spec = imp.fileName;
      if (!spec.startsWith('.')) continue; // packages and node: builtins
      const line = f.text.slice(0, imp.pos).split('\n').length;
      const target = relative(SRC, resolve(SRC, dirname(f.path), spec)).split(sep).join('/');
      const at = `src/${f.path}:${line} imports '${spec}'`;
      if (target.startsWith('..')) {
        out.push(`${at} (outside src/)`);
        continue;
      }
      if (isTestOnly(target)) {
        out.push(`${at} (test support, not for non-test code)`);
        continue;
      }
      const to = ownerOf(target);
      if (to === from) continue;
      const toLayer = layer.get(to);
      if (toLayer === undefined) out.push(`${at} (folder "${to}" has no place in src/layers.ts)`);
      else if (toLayer === fromLayer) out.push(`${at} (sideways: ${from} and ${to} are siblings)`);
      else if (toLayer > fromLayer) out.push(`${at} (upward: ${to} is above ${from})`);
    }
  }
  return out;
}

function sourceFiles(dir = SRC): SourceFile[] {
  const out: SourceFile[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (/\.([cm]?[jt]s|tsx)$/.test(name) && !name.endsWith('.d.ts')) {
      out.push({ path: relative(SRC, full).split(sep).join('/'), text: readFileSync(full, 'utf8') });
    }
  }
  return out;
}

describe('layering', () => {
  const LAYERS_SAMPLE = [['platform'], ['org', 'text'], ['cases'], ['dispatch', 'kb'], ['server.ts']];

  it('every import in src/ goes down the layer order of src/layers.ts (or stays in its folder)', () => {
    const files = sourceFiles();
    expect(files.length).toBeGreaterThan(100);
    expect(layeringViolations(files, LAYERS)).toEqual([]);
  });

  it('names the file, line and import that goes up or sideways', () => {
    const files: SourceFile[] = [
      { path: 'cases/service.ts', text: "import { a } from '../platform/db.ts';\nimport { geocode } from '../dispatch/gazetteer/index.ts';\n" },
      { path: 'dispatch/routes.ts', text: "import type { X } from '../kb/index.ts';\nexport { y } from '../cases/read.ts';\n" },
      { path: 'org/auth.ts', text: "const m = await import('../cases/store.ts');\nimport { z } from 'zod';\nimport './scope.ts';\n" },
      { path: 'platform/http.ts', text: "import { helper } from '../cases/testing.ts';\n" },
      { path: 'kb/store.ts', text: "import '../registers/x.ts';\n" },
      { path: 'cases/store.test.ts', text: "import '../server.ts';\n" },
    ];
    expect(layeringViolations(files, LAYERS_SAMPLE)).toEqual([
      "src/cases/service.ts:2 imports '../dispatch/gazetteer/index.ts' (upward: dispatch is above cases)",
      "src/dispatch/routes.ts:1 imports '../kb/index.ts' (sideways: dispatch and kb are siblings)",
      "src/org/auth.ts:1 imports '../cases/store.ts' (upward: cases is above org)",
      "src/platform/http.ts:1 imports '../cases/testing.ts' (test support, not for non-test code)",
      `src/kb/store.ts:1 imports '../registers/x.ts' (folder "registers" has no place in src/layers.ts)`,
    ]);
  });

  it('refuses a folder that has no place in the order', () => {
    expect(layeringViolations([{ path: 'registers/x.ts', text: '' }], LAYERS_SAMPLE)).toEqual(['registers/x.ts: folder "registers" has no place in src/layers.ts']);
  });

  it('lists every folder of src/ once', () => {
    const names = LAYERS.flat();
    expect(new Set(names).size).toBe(names.length);
    const folders = readdirSync(SRC).filter((n) => statSync(join(SRC, n)).isDirectory());
    expect(folders.filter((f) => !names.includes(f))).toEqual([]);
  });
});

interface MigrationFile {
  /** Folder under src/ the migration lives in. */
  folder: string;
  name: string;
  sql: string;
}

// Statements that create or change a table's definition, and the table they name.
const TABLE_DDL: { re: RegExp; creates: boolean }[] = [
  { re: /\bCREATE\s+(?:UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?("?[\w.]+"?)/gi, creates: true },
  { re: /\bALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?("?[\w.]+"?)/gi, creates: false },
  { re: /\bDROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?("?[\w.]+"?)/gi, creates: false },
  { re: /\bCREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(?:"?\w+"?\s+)?ON\s+(?:ONLY\s+)?("?[\w.]+"?)/gi, creates: false },
  { re: /\bCREATE\s+(?:OR\s+REPLACE\s+)?TRIGGER\s+\w+[\s\S]*?\bON\s+("?[\w.]+"?)/gi, creates: false },
  { re: /\bCOMMENT\s+ON\s+(?:TABLE|COLUMN)\s+("?\w+"?)/gi, creates: false },
];

const stripComments = (sql: string) => sql.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
const tableName = (raw: string) => raw.replace(/"/g, '').toLowerCase();

/** A table created in two folders, or created or altered by a folder that does not own it. */
export function tableOwnershipViolations(migrations: MigrationFile[]): string[] {
  const owner = new Map<string, string>();
  const out: string[] = [];
  const ddl = migrations.map((m) => ({ m, sql: stripComments(m.sql) }));
  for (const { m, sql } of ddl) {
    for (const match of sql.matchAll(TABLE_DDL[0].re)) {
      const t = tableName(match[1]);
      const prior = owner.get(t);
      if (prior && prior !== m.folder) out.push(`${m.folder}/migrations/${m.name}.sql creates ${t}, already created by ${prior}`);
      else owner.set(t, m.folder);
    }
  }
  for (const { m, sql } of ddl) {
    for (const { re, creates } of TABLE_DDL) {
      if (creates) continue;
      for (const match of sql.matchAll(re)) {
        const t = tableName(match[1]);
        const o = owner.get(t);
        if (o !== m.folder) out.push(`${m.folder}/migrations/${m.name}.sql changes ${t}, owned by ${o ?? 'no folder (never created)'}: ${match[0].replace(/\s+/g, ' ').slice(0, 60)}`);
      }
    }
  }
  return out;
}

function migrationFiles(): MigrationFile[] {
  const out: MigrationFile[] = [];
  for (const folder of migrationFolders(SRC)) {
    const dir = join(SRC, folder, 'migrations');
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const f of names.filter((n) => n.endsWith('.sql'))) out.push({ folder, name: f.replace(/\.sql$/, ''), sql: readFileSync(join(dir, f), 'utf8') });
  }
  return out;
}

describe('one owner per table', () => {
  it('only the owning folder creates, alters or indexes a table (the cases folder declares every column of cases)', () => {
    const files = migrationFiles();
    expect(files.length).toBe(listMigrations().length);
    expect(tableOwnershipViolations(files)).toEqual([]);
  });

  it('migration names are unique across folders (migrate.ts records them by name)', () => {
    const names = listMigrations().map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('names the migration that alters another folder\'s table', () => {
    const files: MigrationFile[] = [
      { folder: 'cases', name: '1_cases', sql: 'CREATE TABLE cases (id uuid);\nCREATE INDEX cases_x ON cases (id);' },
      { folder: 'kb', name: '2_search', sql: '-- ALTER TABLE cases in a comment is fine\nALTER TABLE cases ADD COLUMN search_text text;\nCREATE INDEX cases_search ON cases USING gin (x);' },
      { folder: 'dispatch', name: '3_dup', sql: 'CREATE TABLE IF NOT EXISTS cases (id uuid);' },
    ];
    expect(tableOwnershipViolations(files)).toEqual([
      'dispatch/migrations/3_dup.sql creates cases, already created by cases',
      'kb/migrations/2_search.sql changes cases, owned by cases: ALTER TABLE cases',
      'kb/migrations/2_search.sql changes cases, owned by cases: CREATE INDEX cases_search ON cases',
    ]);
  });

  // The clock columns moved from timelimits' 202611232250 into cases' 202611232251: a database
  // that ran the old 202611232250 runs the new file too, which must then change nothing.
  describe.each(TEST_DATABASES)('moved migrations on $name', (tdb) => {
    it('202611232251_case_clocks applies again over the columns it declares', async () => {
      const db = await tdb.open();
      try {
        await migrate(db);
        const clocks = listMigrations().find((m) => m.name === '202611232251_case_clocks')!;
        const before = await db.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'cases' ORDER BY column_name`);
        await db.exec(clocks.sql);
        expect(await db.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'cases' ORDER BY column_name`)).toEqual(before);
      } finally {
        await db.close();
      }
    });
  });
});
