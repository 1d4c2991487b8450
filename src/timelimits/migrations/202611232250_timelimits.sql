-- Working calendars: holidays and make-up working days are rows an admin edits.
CREATE TABLE calendars (
  name text PRIMARY KEY,
  mode text NOT NULL CHECK (mode IN ('working', 'natural')),
  working_hours jsonb NOT NULL,
  description text,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE calendar_days (
  calendar text NOT NULL REFERENCES calendars(name) ON DELETE CASCADE,
  day date NOT NULL,
  kind text NOT NULL CHECK (kind IN ('off', 'work')),
  note text,
  PRIMARY KEY (calendar, day)
);

-- Time-limit policies, chosen per case by type, category branch, urgency and channel (most specific wins).
-- Limits are strings: 30m, 2h (working time), 5d (end of the 5th working day), 0d (same day).
CREATE TABLE time_limit_policies (
  id uuid PRIMARY KEY,
  name text NOT NULL UNIQUE,
  case_type text,
  category_code text COLLATE "C",
  urgency text,
  channel text,
  calendar text NOT NULL REFERENCES calendars(name),
  dispatch_limit text,
  accept_limit text,
  arrive_limit text,
  reply_limit text NOT NULL,
  verify_limit text,
  return_limit text,
  summon_limit text,
  yellow_ratio real NOT NULL DEFAULT 0.8 CHECK (yellow_ratio > 0 AND yellow_ratio < 1),
  escalate_after text,
  max_extensions integer NOT NULL DEFAULT 2 CHECK (max_extensions >= 0),
  max_extension text,
  active boolean NOT NULL DEFAULT true,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- The clock columns of `cases` are declared by the cases folder (src/cases/migrations/202611232251_case_clocks.sql).
