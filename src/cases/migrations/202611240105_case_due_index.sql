-- Work queues sort by the nearest deadline across all open statuses (sort=due_asc);
-- the warning index covers only the overdue and due-soon queues.
CREATE INDEX IF NOT EXISTS cases_due ON cases (due_at, id) WHERE due_at IS NOT NULL;
