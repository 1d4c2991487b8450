-- Retention and anonymisation as data (personal information protection): what
-- goes after how long. Applied daily by the retention job and by
-- `zhili retention apply`; administrators edit them (PUT /api/retention/policies/{key}).
--   case_reporter          reporters' names and phones on finished cases, `after_days` after the case finished: removed (anonymised)
--   audit_log              audit rows older than `after_days`: deleted, each audit chain resuming at a checkpoint
--   cancelled_attachments  attachments of cases cancelled more than `after_days` ago: files and rows deleted
CREATE TABLE retention_policies (
  key text PRIMARY KEY,
  after_days integer NOT NULL CHECK (after_days BETWEEN 1 AND 36500),
  enabled boolean NOT NULL DEFAULT true,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid REFERENCES users(id)
);
INSERT INTO retention_policies (key, after_days) VALUES ('case_reporter', 1826), ('audit_log', 1096), ('cancelled_attachments', 180);

-- When a case's reporter details were removed (null: never).
ALTER TABLE cases ADD COLUMN anonymised_at timestamptz;
