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
import { CorpusBuilder, relabel, type Corpus } from './corpus.ts';
import { divisionTokens } from './features.ts';
import { fit, measureQuality, type Quality, type TrainParams } from './learner.ts';
import { makeTick } from './linear.ts';
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
  /** Cases read per query while collecting training data. */
  pageSize?: number;
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
      pageSize: options.pageSize ?? 5000,
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

  private async readCases(kind: ClassifierKind): Promise<Corpus> {
    const tick = makeTick();
    const cb = new CorpusBuilder();
    const labelCol = kind === 'category' ? 'category_code' : 'lead_unit_id';
    let cursor: { at: Date; id: string } | undefined;
    const page = this.opts.pageSize;
    while (cb.size < this.opts.maxRows) {
      const rows = await this.db.query<{ id: string; title: string; description: string; division_code: string | null; label: string; created_at: Date }>(
        `SELECT id, title, description, division_code, ${labelCol}::text AS label, created_at FROM cases
          WHERE status = ANY($1::text[]) AND ${labelCol} IS NOT NULL
            ${cursor ? 'AND (created_at, id) < ($3::timestamptz, $4::uuid)' : ''}
          ORDER BY created_at DESC, id DESC LIMIT $2`,
        cursor ? [ANSWERED, Math.min(page, this.opts.maxRows - cb.size), cursor.at, cursor.id] : [ANSWERED, Math.min(page, this.opts.maxRows)],
      );
      for (const r of rows) {
        const text = `${r.title ?? ''}\n${r.description ?? ''}`;
        cb.add(text, r.label, kind === 'unit' ? divisionTokens(r.division_code) : undefined);
        const w = tick();
        if (w) await w;
      }
      if (rows.length < page) break;
      const last = rows[rows.length - 1];
      cursor = { at: last.created_at, id: last.id };
    }
    return cb.build();
  }

  private async doTrain(kind: ClassifierKind): Promise<TrainReport> {
    const t0 = performance.now();
    let corpus = await this.readCases(kind);
    let labelScheme: TrainReport['labelScheme'];
    if (kind === 'category') {
      const minPerLeaf = this.opts.minPerLeaf;
      let fullCodes = 0;
      let firstLevel = 0;
      corpus = relabel(corpus, (code, count) => {
        const keep = code.length <= 2 || count >= minPerLeaf;
        if (keep) fullCodes++;
        else firstLevel++;
        return keep ? code : code.slice(0, 2);
      });
      labelScheme = { fullCodes, firstLevel, minPerLeaf };
    }
    const nLabels = corpus.counts().filter((c) => c > 0).length;
    if (corpus.n < this.opts.minSamples || nLabels < 2) {
      const skipped = `${corpus.n} usable cases with ${nLabels} label${nLabels === 1 ? '' : 's'}; need at least ${this.opts.minSamples} cases and 2 labels`;
      this.log?.info(`classifier (${kind}): not trained: ${skipped}`);
      return { kind, nSamples: corpus.n, nLabels, skipped };
    }
    const hooks = { tick: makeTick(), log: (m: string) => this.log?.info(`classifier (${kind}): ${m}`) };
    const metrics = this.opts.measure ? await measureQuality(corpus, this.opts.params, hooks) : undefined;
    const { model, setting } = await fit(corpus, undefined, this.opts.params, hooks);
    if (metrics) model.header.metrics = { top1: metrics.top1, top3: metrics.top3, macroF1: metrics.macroF1 };
    const params = { ...setting, temperature: model.header.temperature, labelScheme, threshold: this.threshold };
    const modelId = await this.db.tx((q) => saveModel(q, kind, model, metrics ?? {}, params));
    this.models.set(kind, { id: modelId, model });
    this.checkedAt.set(kind, Date.now());
    const seconds = (performance.now() - t0) / 1000;
    this.log?.info(
      `classifier (${kind}): trained on ${corpus.n} cases, ${model.K} labels in ${seconds.toFixed(1)} s` +
        (metrics ? `; ${metrics.method}: top1=${metrics.top1.toFixed(3)} top3=${metrics.top3.toFixed(3)} macroF1=${metrics.macroF1.toFixed(3)}` : ''),
    );
    return { kind, modelId, trainedAt: model.header.trainedAt, nSamples: corpus.n, nLabels: model.K, metrics, seconds, labelScheme };
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

  /** Stops the schedule and waits for a training in progress to finish. */
  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    await Promise.allSettled([...this.training.values()]);
  }
}
