#!/usr/bin/env node
// Builds the web console into web/dist after `npm install`, so `npm start`
// serves the whole product at one address. Set ZHILI_SKIP_WEB_BUILD=1 to skip
// (e.g. a server-only image that serves a console built elsewhere).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const webDir = dirname(fileURLToPath(import.meta.url));
const root = dirname(webDir);

if (process.env.ZHILI_SKIP_WEB_BUILD === '1' || process.env.ZHILI_SKIP_WEB_BUILD === 'true') {
  console.log('zhili: ZHILI_SKIP_WEB_BUILD is set; not building the web console');
  process.exit(0);
}
if (!existsSync(join(webDir, 'vite.config.ts'))) process.exit(0);

let viteBin;
try {
  const require = createRequire(join(root, 'package.json'));
  viteBin = join(dirname(require.resolve('vite/package.json')), 'bin', 'vite.js');
} catch {
  console.warn('zhili: vite is not installed; skipping the web console build (run `npm run build:web` after installing it)');
  process.exit(0);
}

const started = Date.now();
console.log('zhili: building the web console into web/dist ...');
const r = spawnSync(process.execPath, [viteBin, 'build', '--config', join(webDir, 'vite.config.ts'), '--logLevel', 'warn'], {
  cwd: root,
  stdio: 'inherit',
});
if (r.status !== 0) {
  console.error('zhili: the web console build failed (see above); the API still works, the console will be missing until `npm run build:web` succeeds');
  process.exit(r.status ?? 1);
}
console.log(`zhili: web console built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
