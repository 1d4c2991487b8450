/**
 * Building blocks of the routes' response schemas. Every route declares what
 * it answers (`schema.response`); the zod serializer (fastify-type-provider-zod)
 * encodes the handler's value through it, so a key a schema does not name is
 * dropped (z.object strips unknown keys): a column added to a row does not
 * leave the server until a schema names it. A value that does not fit its
 * schema is a fault (500), caught by the tests, never a silent leak.
 */
import { z } from 'zod';

/**
 * A point in time. Handlers hand over the database's Date objects (or, where
 * SQL formats them, ISO strings); JSON carries the ISO string either way
 * (Date#toJSON), exactly as before the schemas. Clients read it as a string
 * (Json<> in platform/json.ts).
 */
export const Timestamp = z.union([z.date(), z.string()]).describe('ISO 8601 date-time (UTC)');

/** A calendar date (YYYY-MM-DD) or, from a `date` column, a Date at midnight UTC. */
export const DateOnly = z.union([z.date(), z.string()]).describe('date');

/** Open-ended JSON (event data, settings, GeoJSON): passed on as it is. */
export const AnyJson = z.unknown();

/** A free-form JSON object (event data, notification data). */
export const JsonObject = z.record(z.string(), z.unknown());

/** GeoJSON geometry as stored (Polygon / MultiPolygon in WGS84, checked on input), passed on as it is. */
export const Geometry = z
  .looseObject({ type: z.enum(['Polygon', 'MultiPolygon']), coordinates: z.unknown() })
  .describe('GeoJSON geometry (Polygon or MultiPolygon, WGS84)');

/** 204 and other answers without a body. */
export const NoContent = z.null().describe('No Content');

/**
 * Answers that are not JSON (a file, a spreadsheet, a page, Prometheus text):
 * Fastify sends strings, Buffers and streams as they are, without the serializer;
 * the schema documents the answer.
 */
export const Binary = (description: string) => z.any().describe(description);

/** RFC 9457 problem details, as the error handler writes them (src/platform/errors.ts). */
export const ProblemSchema = z.looseObject({
  type: z.string(),
  title: z.string(),
  status: z.number(),
  detail: z.string().optional(),
  instance: z.string().optional(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});

/** `{ upserted: n }` of the bulk upserts. */
export const Upserted = z.object({ upserted: z.number() });
