/**
 * The layer order of src/, lowest first: the one place it is written down.
 *
 * A file may import files of its own folder and of folders in lower layers,
 * never a folder in its own layer (siblings) or a higher one. Where a lower
 * folder needs a higher one (cases placing an address with dispatch's
 * gazetteer), it declares a typed port in platform/context.ts's Services and
 * the composition root (services.ts) supplies the higher folder's
 * implementation. test/layering.test.ts parses every import of every
 * non-test file under src/ and fails naming any that goes sideways or up; it
 * also fails on a folder missing here, so a new feature must take a place.
 *
 * Entries are folder names under src/, or root files (services.ts ...).
 * Tests (*.test.ts) and test support (testing.ts) may import anything.
 */
export const LAYERS: readonly (readonly string[])[] = [
  // This file: data only, it imports nothing.
  ['layers.ts'],
  // The kernel: database, HTTP, access control, typed services, masking, audit, storage.
  ['platform'],
  // Organisation (divisions, units, users, sign-in, scope) and Chinese text (segmentation, search).
  ['org', 'text'],
  // Capabilities any entity uses: clocks on working calendars, notifications, the knowledge base.
  ['timelimits', 'notify', 'kb'],
  // The case engine.
  ['cases'],
  // What builds on cases: dispatch (grids, duplicates, responsibility list, gazetteer, classifier) and stats.
  ['dispatch', 'stats'],
  // The registers (disputes, petitions, ...): kit/ (event log, links, persons, ledgers, rates) and one folder per register.
  ['registers'],
  // The composition root of services: the only place that knows every feature.
  ['services.ts'],
  // Demo data, played through the whole service graph.
  ['demo'],
  // The server and the command line.
  ['server.ts'],
  ['cli.ts'],
];
