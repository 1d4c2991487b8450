/**
 * Models and feedback in the database. A model is stored whole (binary, as
 * bytea) with its labels, metrics and training parameters; one model per
 * kind is active. Old inactive models are pruned to the newest few.
 */
import { v7 as uuidv7 } from 'uuid';
import type { Queryable } from '../../platform/db.ts';
import { TextClassifierModel, type Prediction } from './model.ts';

export const KINDS = ['category', 'unit'] as const;
export type ClassifierKind = (typeof KINDS)[number];

export interface ModelMetrics {
  top1?: number;
  top3?: number;
  macroF1?: number;
  /** How they were measured, e.g. "5-fold CV" or "10% hold-out". */
  method?: string;
  n?: number;
}

export interface ModelInfo {
  id: string;
  kind: ClassifierKind;
  trainedAt: string;
  nSamples: number;
  labels: string[];
  metrics: ModelMetrics;
  params: Record<string, unknown>;
  sizeBytes: number;
  active: boolean;
}

const KEEP_INACTIVE = 4;

export async function saveModel(
  q: Queryable,
  kind: ClassifierKind,
  model: TextClassifierModel,
  metrics: ModelMetrics,
  params: Record<string, unknown> = {},
  activate = true,
): Promise<string> {
  const id = uuidv7();
  const bytes = model.toBuffer();
  if (activate) await q.query(`UPDATE classifier_models SET active = false WHERE kind = $1 AND active`, [kind]);
  await q.query(
    `INSERT INTO classifier_models (id, kind, trained_at, n_samples, labels, metrics, params, model, size_bytes, active)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7::jsonb, decode($8, 'base64'), $9, $10)`,
    [id, kind, model.header.trainedAt, model.header.nSamples, JSON.stringify(model.labels), JSON.stringify(metrics), JSON.stringify(params), bytes.toString('base64'), bytes.length, activate],
  );
  // keep a few older models for comparison; drop the rest (they can be large)
  await q.query(
    `DELETE FROM classifier_models WHERE kind = $1 AND NOT active AND id NOT IN (
       SELECT id FROM classifier_models WHERE kind = $1 AND NOT active ORDER BY trained_at DESC, id DESC LIMIT ${KEEP_INACTIVE})`,
    [kind],
  );
  return id;
}

export async function activeModelId(q: Queryable, kind: ClassifierKind): Promise<string | undefined> {
  const rows = await q.query<{ id: string }>(`SELECT id FROM classifier_models WHERE kind = $1 AND active`, [kind]);
  return rows[0]?.id;
}

// Models go to and from the database as base64 text (encode/decode in SQL), not as
// bytea parameters and values: the embedded database's driver converts bytea byte by
// byte in JavaScript, on the server's thread. Measured on PGlite for a 12 MB model
// (a unit model from ~10k cases): storing took 7.9 s as bytea against 1.0 s as
// base64, and reading 3.0 s against 0.4 s.
const fromBase64 = (b64: string) => TextClassifierModel.fromBuffer(Buffer.from(b64, 'base64'));

export async function loadModel(q: Queryable, id: string): Promise<TextClassifierModel | undefined> {
  const rows = await q.query<{ model: string }>(`SELECT encode(model, 'base64') AS model FROM classifier_models WHERE id = $1`, [id]);
  return rows[0] ? fromBase64(rows[0].model) : undefined;
}

export async function loadActiveModel(q: Queryable, kind: ClassifierKind): Promise<{ id: string; model: TextClassifierModel } | undefined> {
  const rows = await q.query<{ id: string; model: string }>(`SELECT id, encode(model, 'base64') AS model FROM classifier_models WHERE kind = $1 AND active`, [kind]);
  return rows[0] ? { id: rows[0].id, model: fromBase64(rows[0].model) } : undefined;
}

export async function listModels(q: Queryable, kind?: ClassifierKind): Promise<ModelInfo[]> {
  const rows = await q.query<any>(
    `SELECT id, kind, trained_at, n_samples, labels, metrics, params, size_bytes, active FROM classifier_models
      ${kind ? 'WHERE kind = $1' : ''} ORDER BY kind, trained_at DESC, id DESC`,
    kind ? [kind] : [],
  );
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    trainedAt: new Date(r.trained_at).toISOString(),
    nSamples: r.n_samples,
    labels: r.labels,
    metrics: r.metrics,
    params: r.params,
    sizeBytes: r.size_bytes,
    active: r.active,
  }));
}

/**
 * Whether a proposed label matches the final choice. A category model may
 * propose a first-level code for rare leaves (see service.ts): choosing any
 * leaf under it counts as a hit.
 */
export function labelMatches(kind: ClassifierKind, label: string, chosen: string): boolean {
  return label === chosen || (kind === 'category' && label.length < chosen.length && chosen.startsWith(label));
}

/** Records (or replaces) the operator's final choice for a case against the proposal it was shown. */
export async function recordFeedback(
  q: Queryable,
  caseId: string,
  kind: ClassifierKind,
  predicted: { top: Prediction[]; abstained?: boolean; modelId?: string | null } | Prediction[],
  chosen: string,
): Promise<{ top1: boolean; top3: boolean }> {
  const p = Array.isArray(predicted) ? { top: predicted } : predicted;
  const top = p.top.slice(0, 3).map((t) => ({ label: t.label, probability: Math.round(t.probability * 10000) / 10000 }));
  const top1 = top.length > 0 && labelMatches(kind, top[0].label, chosen);
  const top3 = top.some((t) => labelMatches(kind, t.label, chosen));
  await q.query(
    `INSERT INTO classifier_feedback (case_id, kind, model_id, predicted, abstained, chosen, top1, top3)
     VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8)
     ON CONFLICT (case_id, kind) DO UPDATE SET model_id = EXCLUDED.model_id, predicted = EXCLUDED.predicted,
       abstained = EXCLUDED.abstained, chosen = EXCLUDED.chosen, top1 = EXCLUDED.top1, top3 = EXCLUDED.top3, at = now()`,
    [caseId, kind, 'modelId' in p && p.modelId ? p.modelId : null, JSON.stringify(top), !!('abstained' in p && p.abstained), chosen, top1, top3],
  );
  return { top1, top3 };
}

export interface LiveAccuracy {
  kind: ClassifierKind;
  since: string | null;
  /** Cases with a recorded final choice. */
  n: number;
  top1: number | null;
  top3: number | null;
  /** Share of proposals that abstained, and top-1 accuracy of those that did not. */
  abstainRate: number | null;
  top1Confident: number | null;
}

export async function feedbackAccuracy(q: Queryable, kind: ClassifierKind, since?: Date | string | null, modelId?: string): Promise<LiveAccuracy> {
  const params: unknown[] = [kind];
  let where = 'kind = $1';
  if (since) {
    params.push(new Date(since));
    where += ` AND at >= $${params.length}`;
  }
  if (modelId) {
    params.push(modelId);
    where += ` AND model_id = $${params.length}`;
  }
  const [r] = await q.query<any>(
    `SELECT count(*)::int AS n, avg(top1::int)::float8 AS top1, avg(top3::int)::float8 AS top3,
            avg(abstained::int)::float8 AS abstain_rate,
            avg(top1::int) FILTER (WHERE NOT abstained)::float8 AS top1_confident
       FROM classifier_feedback WHERE ${where}`,
    params,
  );
  return {
    kind,
    since: since ? new Date(since).toISOString() : null,
    n: r.n,
    top1: r.top1,
    top3: r.top3,
    abstainRate: r.abstain_rate,
    top1Confident: r.top1_confident,
  };
}
