/**
 * Shapes of the organisation API (sign-in, divisions, units, users, grids,
 * tokens): the routes' response schemas (only what they name is sent) and
 * the types the web console imports (with `import type`, read through Json<>).
 */
import { z } from 'zod';
import { Geometry, Timestamp } from '../platform/schemas.ts';
import { ROLES } from './roles.ts';

/** The signed-in user (POST /api/auth/login, GET /api/auth/me, POST /api/auth/otp/verify). */
export const MeSchema = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  roles: z.array(z.enum(ROLES)),
  roleLabels: z.array(z.string()),
  unitId: z.string().nullable(),
  unit: z.object({ code: z.string(), name: z.string() }).nullable(),
  scopeCodes: z.array(z.string()),
});
export type Me = z.output<typeof MeSchema>;

/** POST /api/tokens: the token itself, shown once. */
export const NewTokenSchema = z.object({ id: z.string(), name: z.string(), token: z.string() });
/** GET /api/tokens: never the token. */
export const TokenSchema = z.object({ id: z.string(), name: z.string(), createdAt: Timestamp, lastUsedAt: Timestamp.nullable(), revokedAt: Timestamp.nullable() });

/** A division in a list (GET /api/divisions); geometry only with geometry=true. */
export const DivisionListItemSchema = z.object({
  code: z.string(),
  name: z.string(),
  level: z.number(),
  parentCode: z.string().nullable(),
  hasChildren: z.boolean(),
  /** With geometry=true: the outline, or null. */
  geometry: Geometry.nullable().optional(),
});
const DivisionRef = z.object({ code: z.string(), name: z.string(), level: z.number() });
/** GET /api/divisions/:code: the division with its chain of parents (itself last) and how many children it has. */
export const DivisionDetailSchema = DivisionRef.extend({ chain: z.array(DivisionRef), childCount: z.number() });
export type DivisionListItem = z.output<typeof DivisionListItemSchema>;
export type DivisionDetail = z.output<typeof DivisionDetailSchema>;
/** POST /api/divisions: the division as saved; geometry when it was given. */
export const DivisionSavedSchema = DivisionRef.extend({ parentCode: z.string().nullable(), geometry: Geometry.nullable().optional() });
export type Division = z.output<typeof DivisionRef> & { chain?: z.output<typeof DivisionRef>[] };

export const UnitSchema = z.object({
  id: z.string(),
  code: z.string(),
  name: z.string(),
  kind: z.string(),
  parentId: z.string().nullable(),
  parentCode: z.string().nullable(),
  divisionCodes: z.array(z.string()),
  phone: z.string().nullable(),
  active: z.boolean(),
});
export type Unit = z.output<typeof UnitSchema>;

/** A user as admins see them; the phone masked except on GET /api/users/:id (audited). */
export const UserSchema = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  phone: z.string().nullable(),
  roles: z.array(z.enum(ROLES)),
  unitId: z.string().nullable(),
  unitCode: z.string().nullable(),
  unitName: z.string().nullable(),
  scopeCodes: z.array(z.string()),
  active: z.boolean(),
  createdAt: Timestamp,
});
export type User = z.output<typeof UserSchema>;

export const GridSchema = z.object({
  id: z.string(),
  code: z.string(),
  name: z.string(),
  divisionCode: z.string(),
  /** Absent with geometry=false. */
  geometry: Geometry.optional(),
  workerUserId: z.string().nullable(),
  workerUsername: z.string().nullable(),
  workerName: z.string().nullable(),
  households: z.number(),
  population: z.number(),
  updatedAt: Timestamp,
});
export type Grid = z.output<typeof GridSchema>;

/** What the imports answer (units xlsx, grids GeoJSON): rows taken, and with dryRun what already exists. */
export const ImportResultSchema = z.object({
  count: z.number(),
  dryRun: z.boolean(),
  warnings: z.array(z.string()),
  existing: z.array(z.string()).optional(),
});

/** POST /api/users/:id/password: the generated password, shown once, when none was given. */
export const PasswordResetSchema = z.object({ reset: z.boolean(), password: z.string().optional() });
export type ImportResult = z.output<typeof ImportResultSchema>;
