/**
 * Backup and restore of the embedded database (`zhili backup FILE`,
 * `zhili restore FILE`, POST /api/admin/backup). An archive is PGlite's own
 * gzipped tar of the data directory, taken on the database's thread between
 * statements, so it holds every transaction committed before it began and
 * none half. PostgreSQL has its own tools (pg_dump, base backups with WAL
 * archiving: README "Backup and restore").
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { openDb, PgliteDb, type Db } from './db.ts';

export class BackupError extends Error {}

/** What an archive holds, as its verification read it. */
export interface ArchiveInfo {
  files: number;
  bytes: number;
  pgVersion: string;
}

/**
 * Checks that buf is a whole PGlite archive: gzip intact (its CRC), every tar
 * header's checksum right, no entry cut short, and the files a cluster needs
 * (PG_VERSION, global/pg_control). Throws BackupError naming what is wrong.
 */
export function verifyArchive(buf: Buffer): ArchiveInfo {
  let tar: Buffer;
  try {
    tar = gunzipSync(buf);
  } catch (err) {
    throw new BackupError(`not a zhili backup: the archive is not intact gzip (${(err as Error).message})`);
  }
  let off = 0;
  let files = 0;
  let bytes = 0;
  const names = new Map<string, Buffer>();
  while (off + 512 <= tar.length) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const stored = parseInt(h.subarray(148, 156).toString('latin1').replace(/\0.*$/s, '').trim(), 8);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
    if (stored !== sum) throw new BackupError(`not a zhili backup: tar header at byte ${off} has a wrong checksum`);
    const name = h.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    const prefix = h.subarray(345, 500).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(h.subarray(124, 136).toString('latin1').replace(/\0.*$/s, '').trim() || '0', 8);
    const type = String.fromCharCode(h[156] || 48);
    off += 512;
    if (off + size > tar.length) throw new BackupError(`the backup is cut short: ${name} needs ${size} bytes`);
    if (type === '0') {
      files++;
      bytes += size;
      const full = (prefix ? `${prefix}/${name}` : name).replace(/^\.?\/+/, '');
      if (full === 'PG_VERSION' || full === 'global/pg_control') names.set(full, tar.subarray(off, off + size));
    }
    off += Math.ceil(size / 512) * 512;
  }
  for (const need of ['PG_VERSION', 'global/pg_control']) if (!names.has(need)) throw new BackupError(`not a zhili backup: it has no ${need}`);
  return { files, bytes, pgVersion: names.get('PG_VERSION')!.toString('utf8').trim() };
}

/** Writes data to file whole or not at all (a temporary file, then a rename). */
function writeWhole(file: string, data: Buffer): void {
  mkdirSync(dirname(resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { flush: true });
  renameSync(tmp, file);
}

/** A backup of an open embedded database: the archive, verified, and how long the database's thread was held. */
export async function dumpDb(db: Db): Promise<{ archive: Buffer; heldMs: number; info: ArchiveInfo }> {
  if (!(db instanceof PgliteDb)) throw new BackupError('backups of PostgreSQL are made with pg_dump or pg_basebackup (README: Backup and restore)');
  const { archive, heldMs } = await db.dump();
  const buf = Buffer.from(archive);
  return { archive: buf, heldMs, info: verifyArchive(buf) };
}

/** `zhili backup FILE` on a data directory no server holds (openDb's lock refuses otherwise). */
export async function backupDataDir(dataDir: string, file: string): Promise<ArchiveInfo & { heldMs: number }> {
  if (/^postgres(ql)?:\/\//.test(dataDir)) throw new BackupError('DATABASE_URL is PostgreSQL: back it up with pg_dump or pg_basebackup (README: Backup and restore)');
  if (!existsSync(dataDir) || readdirSync(dataDir).length === 0) throw new BackupError(`there is no embedded database in ${dataDir}`);
  const db = await openDb(dataDir);
  try {
    const { archive, heldMs, info } = await dumpDb(db);
    writeWhole(file, archive);
    return { ...info, heldMs };
  } finally {
    await db.close();
  }
}

/**
 * `zhili restore FILE`: into an empty (or missing) data directory; a
 * non-empty one only with force, and then it is moved aside (never deleted).
 * The archive is verified first, then opened and queried; a restore that
 * fails leaves the directory empty again.
 */
export async function restoreDataDir(
  file: string,
  dataDir: string,
  opts: { force?: boolean } = {},
): Promise<ArchiveInfo & { movedAside?: string; migrations: number; cases: number }> {
  if (/^postgres(ql)?:\/\//.test(dataDir)) throw new BackupError('DATABASE_URL is PostgreSQL: restore it with pg_restore or from a base backup (README: Backup and restore)');
  if (!existsSync(file)) throw new BackupError(`no such file: ${file}`);
  const info = verifyArchive(readFileSync(file));
  let movedAside: string | undefined;
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
    if (!opts.force) throw new BackupError(`${dataDir} is not empty: restore into an empty data directory, or add --force to move the current one aside`);
    // refuses if a server holds it
    const probe = await openDb(dataDir).catch((err) => {
      throw new BackupError((err as Error).message);
    });
    await probe.close();
    movedAside = `${resolve(dataDir)}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    renameSync(dataDir, movedAside);
  }
  mkdirSync(dataDir, { recursive: true });
  let db: Db | undefined;
  try {
    db = await openDb(dataDir, { restoreFrom: resolve(file) });
    const migrations = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM schema_migrations`))[0].n;
    const cases = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM cases`).catch(() => [{ n: 0 }]))[0].n;
    await db.close();
    return { ...info, movedAside, migrations, cases };
  } catch (err) {
    await db?.close().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
    if (movedAside) renameSync(movedAside, dataDir);
    else mkdirSync(dataDir, { recursive: true });
    throw new BackupError(`the backup could not be opened: ${(err as Error).message}${movedAside ? ' (the previous data directory is back in place)' : ''}`);
  }
}
