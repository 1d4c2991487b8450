-- Target tasks (目标任务清单): named lists owned by a division, tasks with a lead unit and co-units,
-- milestones, progress entries with evidence on the list's review cycle.
CREATE TABLE task_lists (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  division_code text COLLATE "C" NOT NULL REFERENCES divisions(code),
  owner_unit_id uuid REFERENCES units(id),
  description text,
  -- Progress is reported every N months (双月调度: 2).
  review_months integer NOT NULL DEFAULT 2 CHECK (review_months BETWEEN 1 AND 12),
  created_by uuid REFERENCES users(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (division_code, name)
);
CREATE INDEX task_lists_name ON task_lists (name);

CREATE TABLE tasks (
  id uuid PRIMARY KEY,
  list_id uuid NOT NULL REFERENCES task_lists(id) ON DELETE CASCADE,
  -- 序号 as the ledger writes it ("12", "3.1"): the key of a row within its list.
  seq text NOT NULL,
  sort_key integer NOT NULL DEFAULT 0,
  name text NOT NULL,
  lead_unit_id uuid NOT NULL REFERENCES units(id),
  co_unit_ids uuid[] NOT NULL DEFAULT '{}',
  -- The last day (Asia/Shanghai); NULL is 长期 (ongoing, no deadline).
  deadline date,
  -- The deadline as the ledger wrote it (2026年12月底, 长期).
  deadline_text text,
  status text NOT NULL CHECK (status IN ('not_started', 'on_schedule', 'behind', 'done', 'done_continuing')),
  version integer NOT NULL DEFAULT 1,
  last_review_at timestamptz,
  next_review_at timestamptz,
  reviews_on_time integer NOT NULL DEFAULT 0,
  reviews_missed integer NOT NULL DEFAULT 0,
  done_at timestamptz,
  created_by uuid REFERENCES users(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (list_id, seq)
);
CREATE INDEX tasks_list ON tasks (list_id, sort_key, seq);
CREATE INDEX tasks_lead ON tasks (lead_unit_id);
CREATE INDEX tasks_co ON tasks USING gin (co_unit_ids);

CREATE TABLE task_milestones (
  id uuid PRIMARY KEY,
  task_id uuid NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  ord integer NOT NULL,
  name text NOT NULL,
  due_date date NOT NULL,
  done_at timestamptz
);
CREATE INDEX task_milestones_task ON task_milestones (task_id, ord);

CREATE TABLE task_progress (
  id uuid PRIMARY KEY,
  task_id uuid NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  at timestamptz NOT NULL,
  note text NOT NULL,
  evidence_url text,
  -- Reported by the review's due time.
  on_time boolean NOT NULL,
  actor_user_id uuid REFERENCES users(id),
  actor_unit_id uuid REFERENCES units(id)
);
CREATE INDEX task_progress_task ON task_progress (task_id, at);
