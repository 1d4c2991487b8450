-- Learned classifier (dispatch): trained models kept with their training date
-- and measured accuracy, and the operators' final choices against what the
-- model proposed, so accuracy in production is measured continuously.
CREATE TABLE classifier_models (
  id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('category', 'unit')),
  trained_at timestamptz NOT NULL DEFAULT now(),
  n_samples integer NOT NULL,
  -- the classes the model can propose
  labels jsonb NOT NULL,
  -- cross-validated (or hold-out) top1 / top3 / macroF1 measured at training
  metrics jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- how it was trained (regularisation, feature weights, label scheme, ...)
  params jsonb NOT NULL DEFAULT '{}'::jsonb,
  model bytea NOT NULL,
  size_bytes integer NOT NULL,
  active boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX classifier_models_one_active ON classifier_models (kind) WHERE active;
CREATE INDEX classifier_models_kind ON classifier_models (kind, trained_at DESC);

CREATE TABLE classifier_feedback (
  case_id uuid NOT NULL REFERENCES cases(id),
  kind text NOT NULL CHECK (kind IN ('category', 'unit')),
  model_id uuid REFERENCES classifier_models(id) ON DELETE SET NULL,
  -- the proposal shown: top 3 labels with probabilities
  predicted jsonb NOT NULL,
  abstained boolean NOT NULL DEFAULT false,
  -- the operator's final choice (category code or unit id)
  chosen text NOT NULL,
  top1 boolean NOT NULL,
  top3 boolean NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  -- the final choice counts: a later correction replaces the earlier one
  PRIMARY KEY (case_id, kind)
);
CREATE INDEX classifier_feedback_at ON classifier_feedback (kind, at);
