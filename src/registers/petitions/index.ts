/** Petitions (信访): the register's public face. */
import type { Principal } from '../../org/auth.ts';
import { petitionVisibility } from './store.ts';

export { registerPetitionRoutes, PETITION_READERS } from './routes.ts';
export { ensurePetitionDefaults, ENTITY as PETITION_ENTITY } from './store.ts';
export { petitionStats } from './stats.ts';
export { importLedger as importPetitionLedger, ledgerColumns as petitionLedgerColumns, ledgerSource as petitionLedgerSource, TEMPLATE_HEADERS as PETITION_TEMPLATE_HEADERS } from './ledger.ts';

/** Persons visible through this register: petitioners of petitions the caller sees. */
export function petitionPersonVisibility(p: Principal, personAlias: string, params: unknown[]): string {
  return `EXISTS (SELECT 1 FROM petition_petitioners pp JOIN petitions t ON t.id = pp.petition_id WHERE pp.person_id = ${personAlias}.id AND ${petitionVisibility(p, 't', params)})`;
}
