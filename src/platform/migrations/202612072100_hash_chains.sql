-- Tamper evidence. The append-only logs (audit_log here, case_events and
-- entity_events in their owners' migrations) are hash chains: each row carries
-- `hash` = sha256(prev_hash || '|' || canonical content) and `prev_hash`, the
-- hash of the previous row of its chain. A BEFORE INSERT trigger computes both
-- in the inserting transaction, so every writer (engine, sweeper, demo, bulk
-- loaders) chains the same way. A chain is ordered by id: the trigger first
-- locks the chain (a transaction-scoped advisory lock on the chain's key for
-- events; the chain's head row for the audit log) and only then draws the row's
-- id, so within one chain ids follow commit order. Chains are small (one per
-- case, per register entity, per audit user), so concurrent writers of
-- different chains never wait for each other. `zhili audit verify` walks them.

-- Timestamps enter the hash as UTC ISO text at the microsecond precision stored.
CREATE FUNCTION chain_ts(t timestamptz) RETURNS text LANGUAGE sql STABLE AS
$$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') $$;

-- The link: content is a jsonb object, whose text form has a canonical key order.
CREATE FUNCTION chain_hash(prev text, content jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT encode(sha256(convert_to(coalesce(prev, '') || '|' || content::text, 'UTF8')), 'hex') $$;

-- Where a chain resumes after retention deleted its oldest rows: the id and hash
-- of the last deleted row (the first kept row's prev_hash).
CREATE TABLE chain_checkpoints (
  tbl text NOT NULL,
  chain_key text NOT NULL,
  last_id bigint NOT NULL,
  last_hash text NOT NULL,
  deleted bigint NOT NULL DEFAULT 0,
  at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tbl, chain_key)
);

ALTER TABLE audit_log ADD COLUMN prev_hash text, ADD COLUMN hash text;
-- One chain per user (system rows, without a user, are one chain of their own).
-- A user's chain grows long, so its head (last id and hash) is kept in a row of
-- its own: found in O(1), and its row lock serialises the chain's writers.
CREATE INDEX audit_log_chain ON audit_log (user_id, id);
CREATE TABLE audit_chain_heads (
  chain_key text PRIMARY KEY,
  last_id bigint,
  last_hash text
);

CREATE FUNCTION audit_log_content(r audit_log) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('at', chain_ts(r.at), 'user_id', r.user_id, 'action', r.action, 'entity', r.entity,
                            'entity_id', r.entity_id, 'detail', r.detail, 'ip', r.ip)
$$;

CREATE FUNCTION audit_log_chain_key(u uuid) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT coalesce(u::text, 'system') $$;

CREATE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  prev text;
BEGIN
  -- Locks the chain's head (created on first use) and reads its latest committed hash.
  INSERT INTO audit_chain_heads (chain_key) VALUES (audit_log_chain_key(NEW.user_id))
    ON CONFLICT (chain_key) DO UPDATE SET chain_key = EXCLUDED.chain_key
    RETURNING last_hash INTO prev;
  NEW.id := nextval('audit_log_id_seq');
  NEW.prev_hash := prev;
  NEW.hash := chain_hash(prev, audit_log_content(NEW));
  UPDATE audit_chain_heads SET last_id = NEW.id, last_hash = NEW.hash WHERE chain_key = audit_log_chain_key(NEW.user_id);
  RETURN NEW;
END $$;

-- Existing rows join their chains in id order.
DO $$
DECLARE
  r audit_log;
  prev text;
  cur text := NULL;
BEGIN
  FOR r IN SELECT * FROM audit_log ORDER BY audit_log_chain_key(user_id), id LOOP
    IF cur IS DISTINCT FROM audit_log_chain_key(r.user_id) THEN prev := NULL; cur := audit_log_chain_key(r.user_id); END IF;
    UPDATE audit_log SET prev_hash = prev, hash = chain_hash(prev, audit_log_content(r)) WHERE id = r.id RETURNING hash INTO prev;
  END LOOP;
  INSERT INTO audit_chain_heads (chain_key, last_id, last_hash)
  SELECT DISTINCT ON (audit_log_chain_key(user_id)) audit_log_chain_key(user_id), id, hash FROM audit_log ORDER BY audit_log_chain_key(user_id), id DESC;
END $$;

CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_chain();
