-- Administrative divisions by GB/T 2260 / statistics codes: 2 (province), 4 (city),
-- 6 (county), 9 (township), 12 (village/community) digits. A code's prefixes are its ancestors.
CREATE TABLE divisions (
  code text COLLATE "C" PRIMARY KEY CHECK (code ~ '^[0-9]{2}([0-9]{2}([0-9]{2}([0-9]{3}([0-9]{3})?)?)?)?$'),
  name text NOT NULL,
  level smallint NOT NULL CHECK (level BETWEEN 1 AND 5),
  parent_code text COLLATE "C" REFERENCES divisions(code)
);
CREATE INDEX divisions_parent ON divisions (parent_code);

CREATE TABLE units (
  id uuid PRIMARY KEY,
  code text NOT NULL UNIQUE,
  name text NOT NULL,
  kind text NOT NULL,
  parent_id uuid REFERENCES units(id),
  division_codes text[] NOT NULL DEFAULT '{}',
  phone text,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX units_parent ON units (parent_id);
CREATE INDEX units_divisions ON units USING gin (division_codes);

CREATE TABLE users (
  id uuid PRIMARY KEY,
  username text NOT NULL UNIQUE,
  display_name text NOT NULL,
  phone text,
  password_hash text,
  roles text[] NOT NULL,
  unit_id uuid REFERENCES units(id),
  -- Division code prefixes this user may see; empty means only what is assigned to the unit.
  scope_codes text[] NOT NULL DEFAULT '{}',
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX users_unit ON users (unit_id);
CREATE UNIQUE INDEX users_citizen_phone ON users (phone) WHERE 'citizen' = ANY (roles);

CREATE TABLE grids (
  id uuid PRIMARY KEY,
  code text NOT NULL UNIQUE,
  name text NOT NULL,
  division_code text COLLATE "C" NOT NULL REFERENCES divisions(code),
  geometry jsonb NOT NULL,
  worker_user_id uuid REFERENCES users(id),
  households integer NOT NULL DEFAULT 0 CHECK (households >= 0),
  population integer NOT NULL DEFAULT 0 CHECK (population >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX grids_division ON grids (division_code);
CREATE INDEX grids_worker ON grids (worker_user_id);

-- Only a hash of the session token is stored; the cookie carries the token.
CREATE TABLE sessions (
  token_hash text PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
  id uuid PRIMARY KEY,
  token_hash text NOT NULL UNIQUE,
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);

-- One-time codes for citizens signing in by phone.
CREATE TABLE otp_codes (
  id uuid PRIMARY KEY,
  phone text NOT NULL,
  code_hash text NOT NULL,
  expires_at timestamptz NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  consumed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX otp_codes_phone ON otp_codes (phone, created_at DESC);
