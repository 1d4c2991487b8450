/** Disputes and mediation (矛盾纠纷排查化解): the register's public face. */
import type { Principal } from '../../org/auth.ts';
import { disputeVisibility } from './store.ts';

export { registerDisputeRoutes, DISPUTE_READERS, DISPUTE_REGISTRARS, LEDGER_IMPORTERS } from './routes.ts';
export { ensureDisputeCategories, ensureDisputeDefaults, loadVisibleDispute, ENTITY as DISPUTE_ENTITY } from './store.ts';
export { importLedger as importDisputeLedger, ledgerColumns as disputeLedgerColumns, ledgerSource as disputeLedgerSource, TEMPLATE_HEADERS as DISPUTE_TEMPLATE_HEADERS } from './ledger.ts';
export { disputeStats } from './stats.ts';

/** Persons visible through this register: parties of entries the caller sees. */
export function disputePersonVisibility(p: Principal, personAlias: string, params: unknown[]): string {
  return `EXISTS (SELECT 1 FROM dispute_parties dp JOIN disputes d ON d.id = dp.dispute_id WHERE dp.person_id = ${personAlias}.id AND ${disputeVisibility(p, 'd', params)})`;
}
