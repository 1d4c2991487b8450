/** Shapes of the gazetteer API: the routes' response schemas (only what they name is sent). */
import { z } from 'zod';
import { Timestamp } from '../../platform/schemas.ts';

/** An entry as saved (PUT /api/gazetteer). */
export const GazetteerEntrySchema = z.object({
  id: z.string(),
  name: z.string(),
  aliases: z.array(z.string()),
  divisionCode: z.string(),
  lng: z.number(),
  lat: z.number(),
  kind: z.string(),
});

/** GET /api/gazetteer */
export const GazetteerListSchema = z.object({
  total: z.number(),
  items: z.array(GazetteerEntrySchema.extend({ divisionName: z.string().nullable(), updatedAt: Timestamp })),
});

/** An entry in the export (and import) format. */
export const GazetteerExportRowSchema = GazetteerEntrySchema.omit({ id: true }).extend({ divisionName: z.string().nullable() });

/** GET /api/gazetteer/geocode: the entry an address names (null when none is known) and the grid it lies in. */
/** A point the gazetteer found for an address, with what it matched. */
export const GeocodedSchema = z.object({
  lng: z.number(),
  lat: z.number(),
  divisionCode: z.string(),
  matched: z.string(),
  matchedText: z.string(),
  kind: z.string(),
  entryId: z.string(),
  inDivision: z.boolean(),
});

export const GeocodeAnswerSchema = z.object({
  match: GeocodedSchema.nullable(),
  grid: z.object({ gridId: z.string(), divisionCode: z.string() }).nullable(),
});

/** POST /api/gazetteer/import */
export const GazetteerImportResultSchema = z.object({ count: z.number(), created: z.number(), updated: z.number(), dryRun: z.boolean() });
