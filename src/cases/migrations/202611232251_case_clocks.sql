-- Time limits on a case (src/timelimits computes them): the running clock,
-- its warning and the deadlines that stats read later.
--
-- These columns were added by 202611232250_timelimits.sql before the cases
-- folder owned every column of `cases`; on a database that ran that version
-- this file finds them all and changes nothing (IF NOT EXISTS throughout).
-- Every case carries its running clock and the deadlines that stats read later.
ALTER TABLE cases
  ADD COLUMN IF NOT EXISTS policy_id uuid REFERENCES time_limit_policies(id),
  ADD COLUMN IF NOT EXISTS clock text,
  ADD COLUMN IF NOT EXISTS clock_started_at timestamptz,
  ADD COLUMN IF NOT EXISTS due_at timestamptz,
  ADD COLUMN IF NOT EXISTS warn_at timestamptz,
  ADD COLUMN IF NOT EXISTS escalate_at timestamptz,
  ADD COLUMN IF NOT EXISTS warning text NOT NULL DEFAULT 'none' CHECK (warning IN ('none', 'yellow', 'red')),
  ADD COLUMN IF NOT EXISTS escalated boolean NOT NULL DEFAULT false,
  ADD COLUMN IF NOT EXISTS next_check_at timestamptz,
  ADD COLUMN IF NOT EXISTS dispatched_at timestamptz,
  ADD COLUMN IF NOT EXISTS accept_due_at timestamptz,
  ADD COLUMN IF NOT EXISTS accepted_at timestamptz,
  ADD COLUMN IF NOT EXISTS reply_due_at timestamptz,
  ADD COLUMN IF NOT EXISTS replied_at timestamptz,
  ADD COLUMN IF NOT EXISTS return_due_at timestamptz,
  ADD COLUMN IF NOT EXISTS arrived_at timestamptz,
  ADD COLUMN IF NOT EXISTS extension_count integer NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS pending_extension jsonb,
  ADD COLUMN IF NOT EXISTS return_count integer NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS needs_arbitration boolean NOT NULL DEFAULT false;

-- The sweeper reads only cases whose next warning is due: a partial index keeps that cheap at millions of open cases.
CREATE INDEX IF NOT EXISTS cases_next_check ON cases (next_check_at) WHERE next_check_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS cases_warning ON cases (warning, due_at) WHERE warning <> 'none';
