-- Time limits for any entity (a dispute, a petition, ...), not only cases: the
-- same calendars, limits as data, warnings and escalation, swept by the one sweeper.

-- Limits per entity type and key (e.g. dispute/simple = 1d). A limit is 30m, 2h
-- (working time on a working calendar), 5d (end of the 5th working day); on the
-- natural calendar 24x7 every minute and day counts (natural days: 30d on 24x7).
CREATE TABLE entity_time_limits (
  entity_type text NOT NULL,
  key text NOT NULL,
  name text NOT NULL,
  calendar text NOT NULL REFERENCES calendars(name),
  limit_value text NOT NULL CHECK (limit_value ~ '^[0-9]{1,5}(m|h|d)$'),
  yellow_ratio real NOT NULL DEFAULT 0.8 CHECK (yellow_ratio > 0 AND yellow_ratio < 1),
  escalate_after text CHECK (escalate_after ~ '^[0-9]{1,5}(m|h|d)$'),
  active boolean NOT NULL DEFAULT true,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (entity_type, key)
);

-- One row per running clock of an entity; stopped clocks are deleted (the entity's event log keeps the history).
CREATE TABLE entity_clocks (
  entity_type text NOT NULL,
  entity_id uuid NOT NULL,
  clock text NOT NULL,
  limit_key text NOT NULL,
  -- What the warnings say and whom they reach.
  ref text NOT NULL,
  title text NOT NULL,
  unit_id uuid REFERENCES units(id),
  started_at timestamptz NOT NULL,
  due_at timestamptz NOT NULL,
  warn_at timestamptz,
  escalate_at timestamptz,
  warning text NOT NULL DEFAULT 'none' CHECK (warning IN ('none', 'yellow', 'red')),
  escalated boolean NOT NULL DEFAULT false,
  next_check_at timestamptz,
  PRIMARY KEY (entity_type, entity_id, clock)
);
CREATE INDEX entity_clocks_next_check ON entity_clocks (next_check_at) WHERE next_check_at IS NOT NULL;
CREATE INDEX entity_clocks_due ON entity_clocks (entity_type, due_at);
