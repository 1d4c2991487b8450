/**
 * Retention policies over HTTP (administrators): view them, change a policy's
 * days or switch it off, and apply them now (with a dry run that only counts).
 * The policies hold for the whole installation, so only an administrator of
 * everything may change or apply them.
 */
import { z } from 'zod';
import type { App, Ctx } from '../platform/http.ts';
import { allow } from '../platform/access.ts';
import { forbidden, notFound } from '../platform/errors.ts';
import { audit } from '../platform/audit.ts';
import { requireRole } from '../org/auth.ts';
import { seesEverything } from '../org/scope.ts';
import { RETENTION_KEYS, RETENTION_POLICY, RETENTION_POLICY_PATCH, RETENTION_RESULT, applyRetention, listRetentionPolicies, updateRetentionPolicy } from './retention.ts';

export function registerRetentionRoutes(app: App, ctx: Ctx) {
  const tags = ['retention'];
  const onlyAll = (p: Parameters<typeof seesEverything>[0]) => {
    if (!seesEverything(p)) throw forbidden('只有全辖区管理员可修改或执行保存期限策略 (only an administrator of everything may change or apply retention policies)');
  };

  app.get(
    '/api/retention/policies',
    {
      config: { access: allow.roles(['admin'], 'jurisdiction') },
      schema: { tags, summary: '保存期限策略 Retention and anonymisation policies (admin)', response: { 200: z.object({ items: z.array(RETENTION_POLICY) }) } },
    },
    async (req) => {
      requireRole(req, 'admin');
      return { items: await listRetentionPolicies(ctx.db) };
    },
  );

  app.put(
    '/api/retention/policies/:key',
    {
      config: { access: allow.roles(['admin'], 'jurisdiction') },
      schema: {
        tags,
        summary: '修改保存期限策略 Changes a policy\'s days or switches it on or off (admin of everything)',
        params: z.strictObject({ key: z.enum(RETENTION_KEYS) }),
        body: RETENTION_POLICY_PATCH,
        response: { 200: RETENTION_POLICY },
      },
    },
    async (req) => {
      const p = requireRole(req, 'admin');
      onlyAll(p);
      return ctx.db.tx(async (q) => {
        const r = await updateRetentionPolicy(q, req.params.key, req.body, p.id);
        if (!r) throw notFound(`retention policy ${req.params.key}`);
        await audit(q, { userId: p.id, action: 'retention.policy.put', entity: 'retention_policy', entityId: r.key, detail: { ...req.body }, ip: req.ip });
        return r;
      });
    },
  );

  app.post(
    '/api/retention/apply',
    {
      config: { access: allow.roles(['admin'], 'jurisdiction') },
      schema: {
        tags,
        summary: '执行保存期限策略 Applies the policies now; dryRun only counts (admin of everything)',
        body: z.strictObject({ dryRun: z.boolean().default(false) }),
        response: { 200: RETENTION_RESULT },
      },
    },
    async (req) => {
      const p = requireRole(req, 'admin');
      onlyAll(p);
      return applyRetention(ctx, { dryRun: req.body.dryRun });
    },
  );
}
