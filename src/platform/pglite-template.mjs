// A fresh PGlite cluster costs an initdb (several seconds in WebAssembly) on
// every new data directory, the first start's largest single step and every
// test database's. The result is the same for one PGlite version, so it is
// made once, kept as a tarball in node_modules/.cache/zhili (made by
// `npm install`'s postinstall, or by the first new database), and new
// databases start from it. ZHILI_PGLITE_TEMPLATE=off always runs initdb.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { threadId } from 'node:worker_threads';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function pgliteVersion() {
  try {
    const require = createRequire(join(root, 'package.json'));
    // the package exports no package.json: its entry is dist/index.*, two levels below it
    return JSON.parse(readFileSync(join(dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

export function templatePath() {
  const setting = process.env.ZHILI_PGLITE_TEMPLATE;
  if (setting === 'off' || setting === 'false' || setting === '0') return null;
  if (setting) return setting;
  return join(root, 'node_modules', '.cache', 'zhili', `pglite-${pgliteVersion()}-initdb.tar.gz`);
}

/** Is there no cluster in dataDir yet (memory, a missing or an empty directory)? */
export function isFresh(dataDir) {
  if (!dataDir) return true;
  if (!existsSync(dataDir)) return true;
  return readdirSync(dataDir).length === 0;
}

/** The template as a Blob for PGlite's loadDataDir, or undefined when there is none. */
export function readTemplate() {
  const path = templatePath();
  if (!path || !existsSync(path)) return undefined;
  return new Blob([readFileSync(path)], { type: 'application/x-gzip' });
}

/** Keeps a just-initialised cluster as the template (written whole, then renamed, so a reader never sees half of it). */
export async function saveTemplate(pglite) {
  const path = templatePath();
  if (!path || existsSync(path)) return;
  const blob = await pglite.dumpDataDir('gzip');
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}-${threadId}.tmp`;
  writeFileSync(tmp, Buffer.from(await blob.arrayBuffer()));
  renameSync(tmp, path);
}

// `node src/platform/pglite-template.mjs`: make the template now (postinstall).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const path = templatePath();
  if (path && !existsSync(path)) {
    const { PGlite } = await import('@electric-sql/pglite');
    const t0 = Date.now();
    const db = await PGlite.create();
    await saveTemplate(db);
    await db.close();
    console.log(`zhili: embedded database template made in ${((Date.now() - t0) / 1000).toFixed(1)} s (${path})`);
  }
}
