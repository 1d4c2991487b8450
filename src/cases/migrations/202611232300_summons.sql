-- 吹哨报到: units summoned to a case, when they reported, and their part of the answer.
CREATE TABLE case_summons (
  case_id uuid NOT NULL REFERENCES cases(id),
  unit_id uuid NOT NULL REFERENCES units(id),
  summoned_at timestamptz NOT NULL DEFAULT now(),
  summoned_by uuid REFERENCES users(id),
  due_at timestamptz,
  reported_at timestamptz,
  reported_by uuid REFERENCES users(id),
  answered_at timestamptz,
  answered_by uuid REFERENCES users(id),
  answer text,
  PRIMARY KEY (case_id, unit_id)
);
CREATE INDEX case_summons_unit ON case_summons (unit_id, reported_at);
