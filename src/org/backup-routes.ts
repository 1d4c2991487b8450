/**
 * POST /api/admin/backup: a running server's embedded database as a backup
 * archive (the same as `zhili backup FILE` on a stopped one), made on the
 * database's own thread. Whole-database admins only (a county admin's scope
 * is not the whole database); every backup is audited.
 */
import type { App, Ctx } from '../platform/http.ts';
import { allow } from '../platform/access.ts';
import { audit } from '../platform/audit.ts';
import { Problem, forbidden } from '../platform/errors.ts';
import { Binary } from '../platform/schemas.ts';
import { BackupError, dumpDb } from '../platform/backup.ts';
import { requireRole } from './auth.ts';
import { seesEverything } from './scope.ts';

export function registerBackupRoutes(app: App, ctx: Ctx): void {
  app.post(
    '/api/admin/backup',
    {
      config: { access: allow.roles(['admin'], 'none') },
      schema: {
        tags: ['admin'],
        summary: '备份内置数据库 Back up the embedded database (admin of the whole database)',
        description:
          'The embedded database as a gzipped tar, as a download; restore it with `zhili restore FILE`. Other requests wait while it is made (the header `x-zhili-backup-held-ms` says how long). PostgreSQL: 409, use pg_dump or a base backup.',
        response: { 200: Binary('the backup archive (application/gzip), as a download') },
      },
    },
    async (req, reply) => {
      const p = requireRole(req, 'admin');
      if (!seesEverything(p)) throw forbidden('只有全域管理员可以备份：备份包含全部数据 (a backup holds the whole database: only an admin of everything, scope *, may take one)');
      if (ctx.db.kind !== 'pglite') throw new Problem(409, 'Conflict', 'PostgreSQL is backed up with pg_dump or pg_basebackup (README: Backup and restore)');
      await audit(ctx.db, { userId: p.id, action: 'backup', entity: 'database', ip: req.ip });
      let made;
      try {
        made = await dumpDb(ctx.db);
      } catch (err) {
        if (err instanceof BackupError) throw new Problem(500, 'Internal Server Error', `the backup failed its own check: ${err.message}`);
        throw err;
      }
      ctx.log.info({ bytes: made.archive.length, heldMs: made.heldMs }, 'backup made');
      const name = `zhili-backup-${new Date().toISOString().replace(/[:.]/g, '-')}.tar.gz`;
      return reply
        .type('application/gzip')
        .header('content-disposition', `attachment; filename="${name}"`)
        .header('x-zhili-backup-held-ms', String(made.heldMs))
        .send(made.archive);
    },
  );
}
