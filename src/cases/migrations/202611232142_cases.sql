-- Category tree of matters (data, not code): codes of 2 digits per level.
CREATE TABLE categories (
  code text COLLATE "C" PRIMARY KEY,
  name text NOT NULL,
  parent_code text COLLATE "C" REFERENCES categories(code),
  level smallint NOT NULL,
  sort integer NOT NULL DEFAULT 0,
  active boolean NOT NULL DEFAULT true
);
CREATE INDEX categories_parent ON categories (parent_code);

-- Case numbers: Shanghai date + a global sequence. A sequence, unlike a counter row,
-- never makes concurrent intakes wait on each other.
CREATE SEQUENCE case_no_seq;

CREATE TABLE cases (
  id uuid PRIMARY KEY,
  no text NOT NULL UNIQUE,
  channel text NOT NULL,
  type text NOT NULL,
  category_code text COLLATE "C" REFERENCES categories(code),
  urgency text NOT NULL,
  title text NOT NULL,
  description text NOT NULL,
  reporter_name text,
  reporter_phone text,
  reporter_user_id uuid REFERENCES users(id),
  reporter_confidential boolean NOT NULL DEFAULT false,
  address text,
  lng double precision,
  lat double precision,
  grid_id uuid REFERENCES grids(id),
  division_code text COLLATE "C" REFERENCES divisions(code),
  status text NOT NULL,
  lead_unit_id uuid REFERENCES units(id),
  assist_unit_ids uuid[] NOT NULL DEFAULT '{}',
  handler_user_id uuid REFERENCES users(id),
  reply text,
  solved boolean,
  rating smallint CHECK (rating BETWEEN 1 AND 5),
  rating_comment text,
  duplicate_of uuid REFERENCES cases(id),
  external_ref text,
  created_by uuid REFERENCES users(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  closed_at timestamptz,
  version integer NOT NULL DEFAULT 1
);
CREATE INDEX cases_created ON cases (created_at DESC, id DESC);
CREATE INDEX cases_status ON cases (status, created_at DESC);
CREATE INDEX cases_division ON cases (division_code, created_at DESC);
CREATE INDEX cases_lead_unit ON cases (lead_unit_id, status);
CREATE INDEX cases_assist_units ON cases USING gin (assist_unit_ids);
CREATE INDEX cases_grid ON cases (grid_id);
CREATE INDEX cases_reporter ON cases (reporter_user_id);
CREATE INDEX cases_category ON cases (category_code);

-- The timeline and audit trail of every case: appended, never changed.
CREATE TABLE case_events (
  id bigserial PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES cases(id),
  seq integer NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  actor_user_id uuid REFERENCES users(id),
  actor_unit_id uuid REFERENCES units(id),
  action text NOT NULL,
  from_status text,
  to_status text NOT NULL,
  comment text,
  data jsonb NOT NULL DEFAULT '{}'::jsonb,
  attachment_ids uuid[] NOT NULL DEFAULT '{}',
  UNIQUE (case_id, seq)
);

CREATE FUNCTION case_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'case_events is append-only';
END $$;
CREATE TRIGGER case_events_no_update BEFORE UPDATE OR DELETE ON case_events
  FOR EACH ROW EXECUTE FUNCTION case_events_append_only();

CREATE TABLE attachments (
  id uuid PRIMARY KEY,
  case_id uuid REFERENCES cases(id),
  filename text NOT NULL,
  mime text NOT NULL,
  size integer NOT NULL,
  sha256 text NOT NULL,
  storage_key text NOT NULL,
  uploaded_by uuid REFERENCES users(id),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attachments_case ON attachments (case_id);
