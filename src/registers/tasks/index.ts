/** Target tasks (目标任务清单): the register's public face. */
export { registerTaskRoutes } from './routes.ts';
export { ensureTaskDefaults, insertList as insertTaskList, LIST_SELECT as TASK_LIST_SELECT, taskSelect, ENTITY as TASK_ENTITY, nextReview as nextTaskReview, clockPlan as taskClockPlan } from './store.ts';
export { taskStats } from './stats.ts';
export { importLedger as importTaskLedger, ledgerSelect as taskLedgerSelect, type LedgerEntry as TaskLedgerEntry, ledgerColumns as taskLedgerColumns, parseDeadline, splitUnits, TEMPLATE_HEADERS as TASK_TEMPLATE_HEADERS } from './ledger.ts';
export { STATUSES as TASK_STATUSES, STATUS_LABELS as TASK_STATUS_LABELS, MANAGER_ROLES as TASK_MANAGER_ROLES } from './lifecycle.ts';
