/** Gazetteer (地名地址库): known places of a division and geocoding of typed addresses. */
export { registerGazetteerRoutes } from './routes.ts';
export {
  GAZETTEER_INPUT,
  GAZETTEER_KINDS,
  GazetteerImportError,
  bestMatch,
  exportGazetteer,
  geocode,
  importGazetteer,
  listGazetteer,
  normaliseAddress,
  upsertGazetteer,
  type GazetteerEntry,
  type GazetteerInput,
  type GazetteerKind,
  type GeocodeResult,
} from './store.ts';
export { ensureDefaultGazetteer, demoPlaces } from './demo.ts';
export { registerGazetteerCommands } from './cli.ts';
