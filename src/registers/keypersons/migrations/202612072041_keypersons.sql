-- Key persons (重点人员分级分类管控): one file per person (一人一档), by category and risk tier,
-- with the responsible team (五包一), measures on the timeline (entity_events) and the visit
-- clock (entity_clocks, one limit per tier: visit_<tier>).

-- Categories, tiers and team roles are data, edited by admins (PUT /api/keyperson-config).
CREATE TABLE keyperson_categories (
  code text COLLATE "C" PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{0,39}$'),
  name text NOT NULL UNIQUE,
  sort integer NOT NULL DEFAULT 0,
  active boolean NOT NULL DEFAULT true
);

-- rank: higher is riskier (a tier change to a higher rank is an escalation); visit_days: the visit frequency.
CREATE TABLE keyperson_tiers (
  code text COLLATE "C" PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{0,29}$'),
  name text NOT NULL UNIQUE,
  rank integer NOT NULL,
  visit_days integer NOT NULL CHECK (visit_days BETWEEN 1 AND 366),
  color text NOT NULL DEFAULT 'default',
  active boolean NOT NULL DEFAULT true
);

CREATE TABLE keyperson_team_roles (
  code text COLLATE "C" PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{0,29}$'),
  name text NOT NULL UNIQUE,
  sort integer NOT NULL DEFAULT 0,
  active boolean NOT NULL DEFAULT true
);

CREATE SEQUENCE keyperson_no_seq;

CREATE TABLE keypersons (
  id uuid PRIMARY KEY,
  no text NOT NULL UNIQUE,
  person_id uuid NOT NULL UNIQUE REFERENCES persons(id),
  category_codes text[] NOT NULL CHECK (cardinality(category_codes) >= 1),
  tier_code text COLLATE "C" NOT NULL REFERENCES keyperson_tiers(code),
  division_code text COLLATE "C" NOT NULL REFERENCES divisions(code),
  grid_id uuid REFERENCES grids(id),
  address text,
  -- The responsible unit: told when a visit is missed (the sweeper's warnings).
  unit_id uuid REFERENCES units(id),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed')),
  version integer NOT NULL DEFAULT 1,
  last_visit_at timestamptz,
  visit_due_at timestamptz,
  registered_at timestamptz NOT NULL,
  created_by uuid REFERENCES users(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX keypersons_division ON keypersons (division_code, registered_at);
CREATE INDEX keypersons_tier ON keypersons (tier_code);
CREATE INDEX keypersons_due ON keypersons (visit_due_at) WHERE status = 'active';

-- 五包一: the five people responsible for one person, by role; a member who uses the system names their user.
CREATE TABLE keyperson_team (
  keyperson_id uuid NOT NULL REFERENCES keypersons(id) ON DELETE CASCADE,
  role_code text COLLATE "C" NOT NULL REFERENCES keyperson_team_roles(code),
  name text NOT NULL,
  phone text,
  user_id uuid REFERENCES users(id),
  PRIMARY KEY (keyperson_id, role_code)
);
CREATE INDEX keyperson_team_user ON keyperson_team (user_id) WHERE user_id IS NOT NULL;

-- 12345 cases of the person, matched by the reporter's phone (at filing and for each new case).
CREATE TABLE keyperson_cases (
  keyperson_id uuid NOT NULL REFERENCES keypersons(id) ON DELETE CASCADE,
  case_id uuid NOT NULL REFERENCES cases(id),
  linked_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (keyperson_id, case_id)
);

-- Tier changes: requested with a reason by one user, decided by another of a higher role.
CREATE TABLE keyperson_tier_changes (
  id uuid PRIMARY KEY,
  keyperson_id uuid NOT NULL REFERENCES keypersons(id) ON DELETE CASCADE,
  from_tier text COLLATE "C" NOT NULL REFERENCES keyperson_tiers(code),
  to_tier text COLLATE "C" NOT NULL REFERENCES keyperson_tiers(code),
  reason text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
  requested_by uuid NOT NULL REFERENCES users(id),
  requested_at timestamptz NOT NULL,
  decided_by uuid REFERENCES users(id),
  decided_at timestamptz,
  decision_comment text
);
CREATE INDEX keyperson_tier_changes_keyperson ON keyperson_tier_changes (keyperson_id, requested_at);
CREATE UNIQUE INDEX keyperson_tier_changes_pending ON keyperson_tier_changes (keyperson_id) WHERE status = 'pending';
