-- Petitions (信访) under the 2022 信访工作条例.
CREATE SEQUENCE petition_no_seq;

CREATE TABLE petitions (
  id uuid PRIMARY KEY,
  no text NOT NULL UNIQUE,
  channel text NOT NULL CHECK (channel IN ('visit', 'letter', 'online', 'phone')),
  matter_type text NOT NULL,
  matter text NOT NULL,
  division_code text COLLATE "C" NOT NULL REFERENCES divisions(code),
  unit_petitioned text,
  -- The unit responsible for handling and replying.
  unit_id uuid REFERENCES units(id),
  petitioner_count integer NOT NULL CHECK (petitioner_count >= 1),
  collective boolean NOT NULL,
  skip_level boolean NOT NULL DEFAULT false,
  -- The latest earlier petition of a petitioner on the same matter (重复信访).
  repeat_of uuid REFERENCES petitions(id),
  -- The matter was finally decided on re-review before: flagged, not accepted.
  final_matter boolean NOT NULL DEFAULT false,
  status text NOT NULL CHECK (status IN ('registered', 'accepted', 'not_accepted', 'replied', 'review', 'reviewed', 're_review', 'final', 'closed')),
  version integer NOT NULL DEFAULT 1,
  extension_count integer NOT NULL DEFAULT 0,
  registered_at timestamptz NOT NULL,
  accept_due_at timestamptz,
  decided_at timestamptz,
  reply_due_at timestamptz,
  replied_at timestamptz,
  review_due_at timestamptz,
  reviewed_at timestamptz,
  re_review_due_at timestamptz,
  re_reviewed_at timestamptz,
  resolved boolean,
  satisfaction text CHECK (satisfaction IN ('satisfied', 'basically', 'unsatisfied')),
  closed_at timestamptz,
  -- 领导包案: the leader in charge, the plan (一案一策) and when it was taken.
  leader_user_id uuid REFERENCES users(id),
  leader_plan text,
  leader_taken_at timestamptz,
  created_by uuid REFERENCES users(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX petitions_division ON petitions (division_code, registered_at);
CREATE INDEX petitions_registered ON petitions (registered_at);
CREATE INDEX petitions_open ON petitions (registered_at) WHERE status NOT IN ('closed', 'final', 'not_accepted');
CREATE INDEX petitions_leader ON petitions (leader_user_id) WHERE leader_user_id IS NOT NULL;

CREATE TABLE petition_petitioners (
  petition_id uuid NOT NULL REFERENCES petitions(id) ON DELETE CASCADE,
  person_id uuid NOT NULL REFERENCES persons(id),
  ord smallint NOT NULL,
  PRIMARY KEY (petition_id, person_id)
);
CREATE INDEX petition_petitioners_person ON petition_petitioners (person_id);
