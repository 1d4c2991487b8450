-- The demo load's completion marker: a row is written (committed) before the
-- demo data and completed_at set after the last of it. A row left without
-- completed_at means a start was killed mid-load; the next start discards
-- that partial demo and loads it again (src/demo/seed.ts).
CREATE TABLE demo_load (
  id int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  started_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz
);
