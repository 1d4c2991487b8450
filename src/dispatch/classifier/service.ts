/**
 * The classifier as a platform service: learns from the platform's own
 * handled cases, keeps the active models in memory, proposes the top 3
 * categories and lead units at intake (abstaining when unsure), records the
 * operators' final choices, and retrains on a schedule.
 *
 * What it learns from: cases that were answered (status replied, verified,
 * closed or rated), the newest `maxRows` of them.
 *
 *  - category: title + description -> category code. Codes with at least
 *    `minPerLeaf` training cases (ZHILI_CLASSIFIER_MIN_PER_LEAF, default 20)
 *    are predicted as themselves (e.g. 0101 路灯照明); rarer codes are folded
 *    into their first-level parent (e.g. 01 城乡建设). So the model proposes
 *    full codes where history supports them and first-level ones elsewhere,
 *    and moves to finer codes as history grows. Feedback counts choosing any
 *    leaf under a proposed parent as a hit.
 *  - unit: title + description + division code prefixes (div:43,
 *    div:4306, div:430602, ...) as a separately weighted block -> lead unit.
 *
 * Every model is stored with its training date and its accuracy measured on
 * messages it did not see (5-fold CV up to 5,000 cases, else a hold-out).
 */
import type { Db, Queryable } from '../../platform/db.ts';
import { divisionTokens } from './features.ts';
import type { Quality, TrainParams } from './learner.ts';
import type { TrainingRow } from './trainer.ts';
import { startTrainer, type TrainIn, type TrainerHandle } from './training.ts';
import type { Prediction, TextClassifierModel } from './model.ts';
import { KINDS, activeModelId, feedbackAccuracy, listModels, loadModel, recordFeedback, saveModel, type ClassifierKind, type LiveAccuracy, type ModelInfo } from './store.ts';

export interface ClassifierServiceOptions {
  /** Top-1 probability below which a proposal abstains (ZHILI_CLASSIFIER_THRESHOLD, default 0.35). */
  threshold?: number;
  /** Retrain every this many hours (ZHILI_CLASSIFIER_RETRAIN_HOURS, default 24; 0 turns scheduling off). */
  retrainHours?: number;
  /** Fewest usable cases (and two labels) to train a model. */
  minSamples?: number;
  /** Fewest cases for a category code to be predicted as itself rather than as its first-level parent. */
  minPerLeaf?: number;
  /** Newest cases to learn from. */
  maxRows?: number;
  /** How often predict() looks for a newer active model (another instance may have trained one). */
  reloadCheckSeconds?: number;
  /** Measure accuracy before storing a model (on by default). */
  measure?: boolean;
  /** Cases read per query while collecting training data (the most the server holds at once). */
  pageSize?: number;
  /** Where training runs: its own process (default) or the server's thread in slices (ZHILI_CLASSIFIER_TRAIN_IN). */
  trainIn?: TrainIn;
  params?: Partial<TrainParams>;
}

export interface PredictResult {
  top: Prediction[];
  abstained: boolean;
  threshold: number;
  modelId: string | null;
  trainedAt?: string;
  /** Why there is no proposal (no model yet). */
  reason?: string;
}

export interface TrainReport {
  kind: ClassifierKind;
  modelId?: string;
  trainedAt?: string;
  nSamples: number;
  nLabels?: number;
  metrics?: Quality;
  seconds?: number;
  /** Set when nothing was trained, with the reason. */
  skipped?: string;
  labelScheme?: { fullCodes: number; firstLevel: number; minPerLeaf: number };
  /** Where it trained: its own process or the server's thread. */
  trainedIn?: TrainIn;
  /** Peak memory of the training process. */
  trainerPeakRssMb?: number;
}

interface LogLike {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

const ANSWERED = ['replied', 'verified', 'closed', 'rated'];

function envNumber(name: string, dflt: number): number {
  const v = process.env[name];
  if (v === undefined || v.trim() === '') return dflt;
  const n = Number(v);
  return Number.isFinite(n) ? n : dflt;
}

export class ClassifierService {
  readonly threshold: number;
  readonly retrainHours: number;
  private readonly opts: Required<Omit<ClassifierServiceOptions, 'params' | 'threshold' | 'retrainHours'>> & { params: Partial<TrainParams> };
  private readonly trainers = new Set<TrainerHandle>();
  private readonly db: Db;
  private readonly log?: LogLike;
  private readonly models = new Map<ClassifierKind, { id: string; model: TextClassifierModel }>();
  private readonly checkedAt = new Map<ClassifierKind, number>();
  private readonly refreshing = new Map<ClassifierKind, Promise<void>>();
  private readonly training = new Map<ClassifierKind, Promise<TrainReport>>();
  private timers: NodeJS.Timeout[] = [];

  constructor(ctx: { db: Db; log?: LogLike }, options: ClassifierServiceOptions = {}) {
    this.db = ctx.db;
    this.log = ctx.log;
    this.threshold = options.threshold ?? envNumber('ZHILI_CLASSIFIER_THRESHOLD', 0.35);
    this.retrainHours = options.retrainHours ?? envNumber('ZHILI_CLASSIFIER_RETRAIN_HOURS', 24);
    this.opts = {
      minSamples: options.minSamples ?? 30,
      minPerLeaf: options.minPerLeaf ?? envNumber('ZHILI_CLASSIFIER_MIN_PER_LEAF', 20),
      maxRows: options.maxRows ?? envNumber('ZHILI_CLASSIFIER_MAX_ROWS', 1_000_000),
      reloadCheckSeconds: options.reloadCheckSeconds ?? 30,
      measure: options.measure ?? true,
      pageSize: options.pageSize ?? envNumber('ZHILI_CLASSIFIER_PAGE_SIZE', 500),
      trainIn: options.trainIn ?? (process.env.ZHILI_CLASSIFIER_TRAIN_IN === 'inline' ? 'inline' : 'process'),
      params: options.params ?? {},
    };
  }

  /** Loads the active models (all kinds by default) from the database. */
  async load(kind?: ClassifierKind): Promise<void> {
    for (const k of kind ? [kind] : KINDS) await this.refresh(k);
  }

  /** The model in memory, reloaded when a newer one became active. */
  private async current(kind: ClassifierKind): Promise<{ id: string; model: TextClassifierModel } | undefined> {
    const checked = this.checkedAt.get(kind);
    if (checked === undefined) await this.refresh(kind);
    else if (Date.now() - checked > this.opts.reloadCheckSeconds * 1000 && !this.refreshing.has(kind)) {
      // look in the background; this request uses what is loaded
      void this.refresh(kind).catch((err) => this.log?.warn(`classifier: reloading the ${kind} model failed: ${err.message}`));
    }
    return this.models.get(kind);
  }

  private refresh(kind: ClassifierKind): Promise<void> {
    let p = this.refreshing.get(kind);
    if (p) return p;
    p = (async () => {
      try {
        const id = await activeModelId(this.db, kind);
        this.checkedAt.set(kind, Date.now());
        if (!id) {
          this.models.delete(kind);
          return;
        }
        if (this.models.get(kind)?.id === id) return;
        const model = await loadModel(this.db, id);
        if (model) this.models.set(kind, { id, model });
      } finally {
        this.refreshing.delete(kind);
      }
    })();
    this.refreshing.set(kind, p);
    return p;
  }

  /** The top 3 labels with probabilities; abstains when the best is below the threshold. */
  async predict(kind: ClassifierKind, text: string, divisionCode?: string | null): Promise<PredictResult> {
    const m = await this.current(kind);
    if (!m) return { top: [], abstained: true, threshold: this.threshold, modelId: null, reason: 'no trained model yet' };
    const top = m.model.predict(text, kind === 'unit' ? divisionTokens(divisionCode) : [], 3);
    return {
      top,
      abstained: !top.length || top[0].probability < this.threshold,
      threshold: this.threshold,
      modelId: m.id,
      trainedAt: m.model.header.trainedAt,
    };
  }

  /** Stores the operator's final choice for a case against the proposal shown (call it in the case's transaction). */
  recordFeedback(q: Queryable, caseId: string, kind: ClassifierKind, predicted: PredictResult | Prediction[], chosen: string) {
    return recordFeedback(q, caseId, kind, predicted, chosen);
  }

  /** Accuracy in production, from recorded final choices (since a date, if given). */
  accuracy(kind: ClassifierKind, since?: Date | string | null): Promise<LiveAccuracy> {
    return feedbackAccuracy(this.db, kind, since);
  }

  /** Stored models with their live accuracy (feedback recorded against each). */
  async describe(): Promise<(ModelInfo & { live: LiveAccuracy })[]> {
    const models = await listModels(this.db);
    const out: (ModelInfo & { live: LiveAccuracy })[] = [];
    for (const m of models) out.push({ ...m, live: await feedbackAccuracy(this.db, m.kind, null, m.id) });
    return out;
  }

  /** Alias of trainFromCases. */
  train(kind: ClassifierKind): Promise<TrainReport> {
    return this.trainFromCases(kind);
  }

  /** Trains a model from the platform's handled cases, measures it, stores it and makes it active. One training per kind at a time. */
  trainFromCases(kind: ClassifierKind): Promise<TrainReport> {
    let p = this.training.get(kind);
    if (p) return p;
    p = this.doTrain(kind).finally(() => this.training.delete(kind));
    this.training.set(kind, p);
    return p;
  }

  /**
   * The training cases, newest first, in pages of `pageSize` by keyset
   * (created_at, id): no page costs more than its own rows, whatever the
   * table's size, and the server never holds more than one page. Between
   * pages the event loop runs: on PGlite, where this thread owns the
   * database, requests' queries go in between the training's reads.
   */
  async *trainingPages(kind: ClassifierKind): AsyncGenerator<TrainingRow[]> {
    const labelCol = kind === 'category' ? 'category_code' : 'lead_unit_id';
    let cursor: { at: Date; id: string } | undefined;
    let total = 0;
    while (total < this.opts.maxRows) {
      const limit = Math.min(this.opts.pageSize, this.opts.maxRows - total);
      const rows = await this.db.query<{ id: string; title: string; description: string; division_code: string | null; label: string; created_at: Date }>(
        `SELECT id, title, description, division_code, ${labelCol}::text AS label, created_at FROM cases
          WHERE status = ANY($1::text[]) AND ${labelCol} IS NOT NULL
            ${cursor ? 'AND (created_at, id) < ($3::timestamptz, $4::uuid)' : ''}
          ORDER BY created_at DESC, id DESC LIMIT $2`,
        cursor ? [ANSWERED, limit, cursor.at, cursor.id] : [ANSWERED, limit],
      );
      total += rows.length;
      if (rows.length) yield rows.map((r): TrainingRow => [`${r.title ?? ''}\n${r.description ?? ''}`, r.label, r.division_code]);
      if (rows.length < limit) break;
      const last = rows[rows.length - 1];
      cursor = { at: last.created_at, id: last.id };
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private async doTrain(kind: ClassifierKind): Promise<TrainReport> {
    const t0 = performance.now();
    const log = (m: string) => this.log?.info(`classifier (${kind}): ${m}`);
    const trainer = await startTrainer(
      this.opts.trainIn,
      { kind, minSamples: this.opts.minSamples, minPerLeaf: this.opts.minPerLeaf, measure: this.opts.measure, params: this.opts.params },
      log,
    );
    this.trainers.add(trainer);
    let outcome: Awaited<ReturnType<TrainerHandle['train']>>;
    try {
      for await (const page of this.trainingPages(kind)) await trainer.add(page);
      outcome = await trainer.train();
    } finally {
      trainer.close();
      this.trainers.delete(trainer);
    }
    const { model, metrics, setting, labelScheme, nSamples, nLabels } = outcome;
    if (outcome.skipped || !model) {
      const skipped = outcome.skipped ?? 'no model';
      log(`not trained: ${skipped}`);
      return { kind, nSamples, nLabels, skipped };
    }
    const params = { ...setting, temperature: model.header.temperature, labelScheme, threshold: this.threshold };
    const modelId = await this.db.tx((q) => saveModel(q, kind, model, metrics ?? {}, params));
    this.models.set(kind, { id: modelId, model });
    this.checkedAt.set(kind, Date.now());
    const seconds = (performance.now() - t0) / 1000;
    log(
      `trained on ${nSamples} cases, ${model.K} labels in ${seconds.toFixed(1)} s (${trainer.where === 'process' ? `training process, peak ${Math.round(outcome.peakRssMb ?? 0)} MB` : "in the server's thread"})` +
        (metrics ? `; ${metrics.method}: top1=${metrics.top1.toFixed(3)} top3=${metrics.top3.toFixed(3)} macroF1=${metrics.macroF1.toFixed(3)}` : ''),
    );
    return { kind, modelId, trainedAt: model.header.trainedAt, nSamples, nLabels: model.K, metrics, seconds, labelScheme, trainedIn: trainer.where, trainerPeakRssMb: outcome.peakRssMb };
  }

  /** Retrains each kind whose newest model is older than the retraining interval (or that has none). */
  async retrainDue(): Promise<TrainReport[]> {
    const out: TrainReport[] = [];
    for (const kind of KINDS) {
      const [r] = await this.db.query<{ at: Date | null }>(`SELECT max(trained_at) AS at FROM classifier_models WHERE kind = $1`, [kind]);
      const age = r?.at ? Date.now() - new Date(r.at).getTime() : Infinity;
      if (age >= this.retrainHours * 3600_000 * 0.98) out.push(await this.trainFromCases(kind));
    }
    return out;
  }

  /**
   * Schedules retraining: a first check a minute after start (so a fresh
   * deployment with history gets a model the same day), then every hour
   * whether a model is due. Timers are unref'd: they never keep the process up.
   */
  start(): void {
    if (this.timers.length || !(this.retrainHours > 0)) return;
    const check = () =>
      void this.retrainDue().catch((err) => this.log?.error(`classifier: scheduled retraining failed: ${(err as Error).message}`));
    const first = setTimeout(check, envNumber('ZHILI_CLASSIFIER_FIRST_CHECK_SECONDS', 60) * 1000);
    const every = setInterval(check, Math.min(this.retrainHours, 1) * 3600_000);
    first.unref();
    every.unref();
    this.timers = [first, every];
  }

  /** Alias of start(). */
  schedule(): void {
    this.start();
  }

  /** Stops the schedule and any training in progress (its process is ended; nothing is stored). */
  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    for (const t of this.trainers) t.close();
    await Promise.allSettled([...this.training.values()]);
  }
}
