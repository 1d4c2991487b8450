/**
 * Training from rows of (text, label, division), wherever it runs: the
 * server's training process (train-child.ts) or, as a fallback, the server's
 * own thread in slices. The rows come in pages; only their hashed features
 * are kept (corpus.ts), never the texts.
 */
import { CorpusBuilder, relabel } from './corpus.ts';
import { divisionTokens } from './features.ts';
import { fit, measureQuality, type Hooks, type Quality, type Setting, type TrainParams } from './learner.ts';
import type { TextClassifierModel } from './model.ts';
import type { ClassifierKind } from './store.ts';

/** One training case: title + description, label, division code. */
export type TrainingRow = [text: string, label: string, division: string | null];

export interface TrainOptions {
  kind: ClassifierKind;
  minSamples: number;
  minPerLeaf: number;
  measure: boolean;
  params: Partial<TrainParams>;
}

export interface TrainOutcome {
  nSamples: number;
  nLabels: number;
  labelScheme?: { fullCodes: number; firstLevel: number; minPerLeaf: number };
  /** Set when nothing was trained, with the reason. */
  skipped?: string;
  model?: TextClassifierModel;
  metrics?: Quality;
  setting?: Setting;
}

export class RowSink {
  private readonly cb = new CorpusBuilder();
  constructor(private readonly kind: ClassifierKind) {}

  get size(): number {
    return this.cb.size;
  }

  add(rows: readonly TrainingRow[]): void {
    for (const [text, label, division] of rows) this.cb.add(text, label, this.kind === 'unit' ? divisionTokens(division) : undefined);
  }

  async train(o: TrainOptions, hooks: Hooks = {}): Promise<TrainOutcome> {
    let corpus = this.cb.build();
    let labelScheme: TrainOutcome['labelScheme'];
    if (o.kind === 'category') {
      let fullCodes = 0;
      let firstLevel = 0;
      corpus = relabel(corpus, (code, count) => {
        const keep = code.length <= 2 || count >= o.minPerLeaf;
        if (keep) fullCodes++;
        else firstLevel++;
        return keep ? code : code.slice(0, 2);
      });
      labelScheme = { fullCodes, firstLevel, minPerLeaf: o.minPerLeaf };
    }
    const nLabels = corpus.counts().filter((c) => c > 0).length;
    if (corpus.n < o.minSamples || nLabels < 2) {
      const skipped = `${corpus.n} usable cases with ${nLabels} label${nLabels === 1 ? '' : 's'}; need at least ${o.minSamples} cases and 2 labels`;
      return { nSamples: corpus.n, nLabels, skipped };
    }
    const metrics = o.measure ? await measureQuality(corpus, o.params, hooks) : undefined;
    const { model, setting } = await fit(corpus, undefined, o.params, hooks);
    if (metrics) model.header.metrics = { top1: metrics.top1, top3: metrics.top3, macroF1: metrics.macroF1 };
    return { nSamples: corpus.n, nLabels: model.K, labelScheme, model, metrics, setting };
  }
}
