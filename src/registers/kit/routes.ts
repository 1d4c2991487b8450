/** The kit's own routes: one person as the caller may see them, with an audited reveal of the ID number. */
import { z } from 'zod';
import type { App, Ctx } from '../../platform/http.ts';
import { allow } from '../../platform/access.ts';
import { audit } from '../../platform/audit.ts';
import { notFound } from '../../platform/errors.ts';
import { requireUser, type Principal } from '../../org/auth.ts';
import { seesEverything } from '../../org/scope.ts';
import { PERSON_PII_ROLES, PERSON_VIEW, personView, type PersonRow } from './persons.ts';

/** SQL predicate: is the person aliased `alias` a party of an entry the caller sees in this register? */
export type PersonVisibility = (p: Principal, personAlias: string, params: unknown[]) => string;

export function registerPersonRoutes(app: App, ctx: Ctx, visibility: readonly PersonVisibility[]) {
  app.get(
    '/api/persons/:id',
    {
      config: { access: allow.roles(PERSON_PII_ROLES, 'jurisdiction') },
      schema: {
        tags: ['registers'],
        summary: '当事人 A person (party) of an entry the caller may see; reveal=true shows the ID number (audited)',
        params: z.strictObject({ id: z.uuid() }),
        querystring: z.strictObject({ reveal: z.enum(['true', 'false']).default('false') }),
        response: { 200: PERSON_VIEW },
      },
    },
    async (req) => {
      const p = requireUser(req);
      const params: unknown[] = [req.params.id];
      const vis = seesEverything(p) ? 'TRUE' : `(${visibility.map((v) => v(p, 'pe', params)).join(' OR ') || 'FALSE'})`;
      const row = (await ctx.db.query<PersonRow>(`SELECT pe.* FROM persons pe WHERE pe.id = $1 AND ${vis}`, params))[0];
      if (!row) throw notFound('person');
      const reveal = req.query.reveal === 'true';
      await audit(ctx.db, { userId: p.id, action: reveal ? 'reveal_id_number' : 'read_personal_data', entity: 'person', entityId: row.id, ip: req.ip });
      return personView(row, p, ctx.services.persons, reveal);
    },
  );
}
