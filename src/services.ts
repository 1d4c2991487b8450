/**
 * The composition root of one server instance's services: every service the
 * features declare (see platform/context.ts) is built here, once. A service
 * left out is a type error; one built as undefined stops the start.
 */
import { assertWired, type Kernel, type Services } from './platform/context.ts';
import { PrincipalCache } from './org/auth.ts';
import { GridLocator } from './dispatch/locator.ts';
import { classifierFeedback, gazetteerGeocoder } from './dispatch/case-ports.ts';
import { ClassifierService, classifierPresenter } from './dispatch/classifier/index.ts';
import { TimeLimits, Sweeper, EntityClocks } from './timelimits/index.ts';
import { appendEvents, loadPersonKey, PersonVault, PersonWatchers } from './registers/kit/index.ts';
import { Notifier, type NotifierOptions } from './notify/index.ts';
import { CaseHooks } from './cases/index.ts';

export interface ServiceOptions {
  notifier?: NotifierOptions;
  /** How often the sweeper runs (ms); default from config.sweepSeconds. */
  sweepIntervalMs?: number;
}

const SWEEP_TITLES = { warning_yellow: '即将超时', warning_red: '已超时', escalated: '超时督办' } as const;

/** Builds (and loads) every service; nothing is started: the server starts the background work it wants. */
export async function createServices(kernel: Kernel, opts: ServiceOptions = {}): Promise<Services> {
  const { db, log, config } = kernel;
  const locator = new GridLocator(db);
  await locator.refresh();
  const timeLimits = new TimeLimits(db);
  await timeLimits.init();
  const notifier = new Notifier(kernel, opts.notifier);
  // Validated at start: a production start without ZHILI_PERSON_KEY stops here, naming it.
  const personKey = loadPersonKey(process.env, config);
  if (personKey.development) log.warn('ZHILI_PERSON_KEY not set: persons\' ID numbers are hashed and encrypted with the development key (set it in production)');
  const entityClocks = new EntityClocks(timeLimits);
  const sweeper = new Sweeper(db, {
    intervalMs: opts.sweepIntervalMs ?? config.sweepSeconds * 1000,
    notify: async (q, notices) => {
      await notifier.notifyMany(
        q,
        notices
          .filter((n) => n.unitId)
          .map((n) => ({ unitId: n.unitId!, caseId: n.caseId, kind: n.kind, title: `${SWEEP_TITLES[n.kind]} ${n.caseNo}: ${n.title}`, data: { dueAt: n.dueAt, clock: n.clock } })),
      );
    },
    // Warnings on register entities' clocks: a remark on the entity's timeline and a notice to its unit.
    onEntitySteps: async (q, steps) => {
      await appendEvents(
        q,
        steps.map((s) => ({
          entityType: s.entityType, entityId: s.entityId, version: null, action: s.kind === 'escalated' ? 'supervise' : 'urge', from: null, to: null,
          actorUserId: null, actorUnitId: null, comment: `${SWEEP_TITLES[s.kind]}，系统自动${s.kind === 'escalated' ? '提级督办' : '催办'}`,
          data: { auto: true, level: s.kind, clock: s.clock, dueAt: s.dueAt, ...(s.kind === 'escalated' ? { escalatedTo: s.unitId } : {}) },
        })),
      );
      await notifier.notifyMany(
        q,
        steps.filter((s) => s.unitId).map((s) => ({ unitId: s.unitId!, kind: s.kind, title: `${SWEEP_TITLES[s.kind]} ${s.ref}: ${s.title}`, data: { entityType: s.entityType, entityId: s.entityId, dueAt: s.dueAt, clock: s.clock } })),
      );
      // What the registers do when their clocks pass (a target task falls behind), in the same transaction.
      await entityClocks.handleSteps(q, steps);
    },
    onError: (err) => log.error({ err }, 'time-limit sweep failed'),
  });
  const classifier = new ClassifierService({ db, log });
  const services: Services = {
    locator,
    principals: new PrincipalCache(),
    timeLimits,
    entityClocks,
    persons: new PersonVault(personKey.key, personKey.development),
    sweeper,
    notifier,
    classifier,
    classifierSuggest: classifierPresenter(db, classifier).suggest,
    // The case engine's ports (src/cases/ports.ts), supplied by dispatch.
    geocoder: gazetteerGeocoder,
    dispatchFeedback: classifierFeedback(classifier),
    caseHooks: new CaseHooks(log),
    personWatchers: new PersonWatchers(),
  };
  assertWired(services);
  return services;
}
