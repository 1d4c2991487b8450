/**
 * Dispatch's implementations of the ports the case engine declares
 * (src/cases/ports.ts); src/services.ts plugs them in.
 */
import type { DispatchFeedback, Geocoder } from '../cases/ports.ts';
import type { ClassifierService } from './classifier/index.ts';
import { recordFeedback } from './classifier/index.ts';
import { geocode } from './gazetteer/index.ts';

/** Addresses placed from the gazetteer of known roads and landmarks. */
export const gazetteerGeocoder: Geocoder = {
  geocode: (q, address) => geocode(q, { address }),
};

/** The classifier's proposals for category and lead unit, recorded beside the dispatcher's choice. */
export function classifierFeedback(classifier: ClassifierService): DispatchFeedback {
  return {
    async prepare(registered) {
      const text = `${registered.title} ${registered.description}`;
      const [category, unit] = await Promise.all([classifier.predict('category', text), classifier.predict('unit', text, registered.division_code)]);
      return async (q, c) => {
        if (category.modelId && c.category_code) await recordFeedback(q, c.id, 'category', category, c.category_code);
        if (unit.modelId && c.lead_unit_id) await recordFeedback(q, c.id, 'unit', unit, c.lead_unit_id);
      };
    },
  };
}
