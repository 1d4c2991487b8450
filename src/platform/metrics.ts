import client from 'prom-client';

/** One registry per server instance, so tests can start several in one process. */
export function createMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'zhili_' });
  const httpDuration = new client.Histogram({
    name: 'zhili_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const casesCreated = new client.Counter({
    name: 'zhili_cases_created_total',
    help: 'Cases registered, by channel',
    labelNames: ['channel'],
    registers: [registry],
  });
  const caseActions = new client.Counter({
    name: 'zhili_case_actions_total',
    help: 'Lifecycle actions performed, by action',
    labelNames: ['action'],
    registers: [registry],
  });
  const intakeBatchSize = new client.Histogram({
    name: 'zhili_intake_batch_cases',
    help: 'Cases written per intake statement (group commit of concurrent creates)',
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers: [registry],
  });
  return { registry, httpDuration, casesCreated, caseActions, intakeBatchSize };
}
export type Metrics = ReturnType<typeof createMetrics>;
