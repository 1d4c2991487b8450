-- Risk assessment (风险评估): county risk tiers on an indicator framework, and
-- projects' social-stability risk assessments (社会稳定风险评估).

-- The indicator framework as data (categories -> dimensions -> indicators,
-- weights, direction, normalisation, sources, tier rule), versioned: frozen
-- once a period is scored with it; an edit then makes the next version.
CREATE TABLE risk_frameworks (
  id uuid PRIMARY KEY,
  code text NOT NULL,
  version integer NOT NULL CHECK (version >= 1),
  name text NOT NULL,
  spec jsonb NOT NULL,
  frozen boolean NOT NULL DEFAULT false,
  created_by uuid REFERENCES users(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (code, version)
);

-- A period (2026-Q3, 2026-09) scores the counties under one division (a city or a province).
CREATE TABLE risk_periods (
  id uuid PRIMARY KEY,
  code text NOT NULL,
  name text NOT NULL,
  scope_code text COLLATE "C" NOT NULL REFERENCES divisions(code),
  starts_on date NOT NULL,
  ends_on date NOT NULL CHECK (ends_on >= starts_on),
  framework_id uuid NOT NULL REFERENCES risk_frameworks(id),
  scored_at timestamptz,
  scored_by uuid REFERENCES users(id),
  created_by uuid REFERENCES users(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (scope_code, code)
);

-- Indicator values per county per period: computed from the platform's records, entered, or imported.
CREATE TABLE risk_values (
  period_id uuid NOT NULL REFERENCES risk_periods(id) ON DELETE CASCADE,
  division_code text COLLATE "C" NOT NULL REFERENCES divisions(code),
  indicator_code text NOT NULL,
  value double precision,
  source text NOT NULL CHECK (source IN ('computed', 'entered', 'imported')),
  updated_by uuid REFERENCES users(id),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (period_id, division_code, indicator_code)
);

-- The scores of a period, written in one batch by a scoring run.
CREATE TABLE risk_scores (
  period_id uuid NOT NULL REFERENCES risk_periods(id) ON DELETE CASCADE,
  division_code text COLLATE "C" NOT NULL REFERENCES divisions(code),
  framework_id uuid NOT NULL REFERENCES risk_frameworks(id),
  total double precision,
  rank integer,
  tier smallint CHECK (tier IN (1, 2, 3)),
  detail jsonb NOT NULL,
  scored_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (period_id, division_code)
);
CREATE INDEX risk_scores_division ON risk_scores (division_code);

-- Projects' social-stability risk assessments.
CREATE SEQUENCE risk_assessment_no_seq;
CREATE TABLE risk_assessments (
  id uuid PRIMARY KEY,
  no text NOT NULL UNIQUE,
  project text NOT NULL,
  summary text,
  division_code text COLLATE "C" NOT NULL REFERENCES divisions(code),
  responsible_unit text NOT NULL,
  assessing_body text,
  third_party boolean NOT NULL DEFAULT false,
  -- 3 or 5 experts: [{name, field, affiliation, phone}]
  experts jsonb NOT NULL DEFAULT '[]'::jsonb,
  -- {legality|reasonableness|feasibility|controllability: {score, findings}}
  dimensions jsonb NOT NULL DEFAULT '{}'::jsonb,
  survey_sample integer CHECK (survey_sample >= 1),
  survey_supporters integer CHECK (survey_supporters >= 0 AND survey_supporters <= survey_sample),
  survey_method text,
  outcome text CHECK (outcome IN ('high', 'medium', 'low')),
  decision text CHECK (decision IN ('proceed', 'postpone', 'reject')),
  conditions text,
  status text NOT NULL CHECK (status IN ('draft', 'assessing', 'assessed', 'decided', 'following_up', 'closed')),
  version integer NOT NULL DEFAULT 1,
  assessed_at timestamptz,
  decided_at timestamptz,
  closed_at timestamptz,
  created_by uuid REFERENCES users(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX risk_assessments_division ON risk_assessments (division_code, created_at);
