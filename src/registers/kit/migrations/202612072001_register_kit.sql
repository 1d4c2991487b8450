-- The register kit: what every register shares.

-- The append-only event log (timeline) of any register entity. A state change
-- writes its event in the transaction that moves the row (with the row's
-- version check); `version` is the entity's version after the event, null for
-- remarks that move nothing (automatic urges, links).
CREATE TABLE entity_events (
  id bigserial PRIMARY KEY,
  entity_type text NOT NULL,
  entity_id uuid NOT NULL,
  version integer,
  at timestamptz NOT NULL DEFAULT now(),
  actor_user_id uuid REFERENCES users(id),
  actor_unit_id uuid REFERENCES units(id),
  action text NOT NULL,
  from_status text,
  to_status text,
  comment text,
  data jsonb NOT NULL DEFAULT '{}'::jsonb,
  attachment_ids uuid[] NOT NULL DEFAULT '{}'
);
CREATE INDEX entity_events_entity ON entity_events (entity_type, entity_id, id);
CREATE UNIQUE INDEX entity_events_version ON entity_events (entity_type, entity_id, version) WHERE version IS NOT NULL;

CREATE FUNCTION entity_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'entity_events is append-only';
END $$;
CREATE TRIGGER entity_events_no_update BEFORE UPDATE OR DELETE ON entity_events
  FOR EACH ROW EXECUTE FUNCTION entity_events_append_only();

-- Links between entities: a 12345 case became a dispute, a dispute became a petition or went to court.
-- entity_type 'case' names a row of cases; a register's type names a row of its table.
CREATE TABLE entity_links (
  id uuid PRIMARY KEY,
  from_type text NOT NULL,
  from_id uuid NOT NULL,
  to_type text NOT NULL,
  to_id uuid NOT NULL,
  kind text NOT NULL,
  created_by uuid REFERENCES users(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (from_type, from_id, to_type, to_id)
);
CREATE INDEX entity_links_to ON entity_links (to_type, to_id);

-- One person (当事人 / 信访人) shared by every register. The ID number is kept
-- so it can be matched without being readable: a keyed hash (HMAC-SHA256 with
-- the server's person key) for matching, AES-256-GCM ciphertext for the rare
-- audited reveal, and a masked form for display. Phones are matched the same way.
CREATE TABLE persons (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  id_hash text UNIQUE,
  id_cipher text,
  id_masked text,
  phone text,
  phone_hash text,
  gender text CHECK (gender IN ('male', 'female')),
  address text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX persons_phone_hash ON persons (phone_hash) WHERE phone_hash IS NOT NULL;
