-- Disputes and mediation (矛盾纠纷排查化解): entries of two kinds, dispute and hazard.

-- Categories are data: the default list ships with the product; ledgers match by name or code.
CREATE TABLE dispute_categories (
  code text COLLATE "C" PRIMARY KEY CHECK (code ~ '^[0-9A-Za-z_-]{1,20}$'),
  name text NOT NULL UNIQUE,
  sort integer NOT NULL DEFAULT 0,
  active boolean NOT NULL DEFAULT true
);

CREATE SEQUENCE dispute_no_seq;

CREATE TABLE disputes (
  id uuid PRIMARY KEY,
  no text NOT NULL UNIQUE,
  kind text NOT NULL CHECK (kind IN ('dispute', 'hazard')),
  source text NOT NULL CHECK (source IN ('screening', 'case12345', 'police110', 'court', 'walk_in', 'petition', 'ledger')),
  category_code text COLLATE "C" NOT NULL REFERENCES dispute_categories(code),
  division_code text COLLATE "C" NOT NULL REFERENCES divisions(code),
  grid_id uuid REFERENCES grids(id),
  place text,
  summary text NOT NULL,
  amount numeric(16, 2) CHECK (amount >= 0),
  people integer CHECK (people >= 0),
  risk text NOT NULL DEFAULT 'low' CHECK (risk IN ('high', 'medium', 'low')),
  complexity text NOT NULL DEFAULT 'general' CHECK (complexity IN ('simple', 'general', 'complex')),
  status text NOT NULL CHECK (status IN ('registered', 'assigned', 'mediating', 'resolved', 'failed', 'referred', 'followed_up', 'closed')),
  version integer NOT NULL DEFAULT 1,
  -- The mediation organisation and mediators it was assigned to (分流).
  org_kind text CHECK (org_kind IN ('people_committee', 'court_prelitigation', 'police_joint', 'trade', 'other')),
  org_name text,
  org_unit_id uuid REFERENCES units(id),
  mediator_ids uuid[] NOT NULL DEFAULT '{}',
  -- agreement: 达成调解协议 (mediation succeeded); otherwise: 其他方式化解; failed: 调解不成.
  outcome text CHECK (outcome IN ('agreement', 'otherwise', 'failed')),
  agreement jsonb,
  referral jsonb,
  follow_up jsonb,
  registered_at timestamptz NOT NULL,
  assigned_at timestamptz,
  resolved_at timestamptz,
  failed_at timestamptz,
  closed_at timestamptz,
  unit_id uuid REFERENCES units(id),
  created_by uuid REFERENCES users(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX disputes_division ON disputes (division_code, registered_at);
CREATE INDEX disputes_registered ON disputes (registered_at);
CREATE INDEX disputes_status ON disputes (status, registered_at);
CREATE INDEX disputes_org_unit ON disputes (org_unit_id) WHERE org_unit_id IS NOT NULL;

CREATE TABLE dispute_parties (
  dispute_id uuid NOT NULL REFERENCES disputes(id) ON DELETE CASCADE,
  person_id uuid NOT NULL REFERENCES persons(id),
  ord smallint NOT NULL,
  PRIMARY KEY (dispute_id, person_id)
);
CREATE INDEX dispute_parties_person ON dispute_parties (person_id);

CREATE TABLE dispute_sessions (
  id uuid PRIMARY KEY,
  dispute_id uuid NOT NULL REFERENCES disputes(id) ON DELETE CASCADE,
  held_at timestamptz NOT NULL,
  place text,
  participants text,
  notes text NOT NULL,
  attachment_ids uuid[] NOT NULL DEFAULT '{}',
  created_by uuid REFERENCES users(id),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dispute_sessions_dispute ON dispute_sessions (dispute_id, held_at);
