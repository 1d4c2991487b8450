-- Register entities' event logs as hash chains, one chain per entity (see
-- src/platform/migrations/202612072100_hash_chains.sql for the scheme).
ALTER TABLE entity_events ADD COLUMN prev_hash text, ADD COLUMN hash text;

CREATE FUNCTION entity_event_content(r entity_events) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('entity_type', r.entity_type, 'entity_id', r.entity_id, 'version', r.version, 'at', chain_ts(r.at),
                            'actor_user_id', r.actor_user_id, 'actor_unit_id', r.actor_unit_id, 'action', r.action,
                            'from_status', r.from_status, 'to_status', r.to_status, 'comment', r.comment, 'data', r.data,
                            'attachment_ids', to_jsonb(r.attachment_ids))
$$;

CREATE FUNCTION entity_events_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  prev text;
BEGIN
  PERFORM pg_advisory_xact_lock(74211, hashtext(NEW.entity_type || ':' || NEW.entity_id::text));
  NEW.id := nextval('entity_events_id_seq');
  SELECT hash INTO prev FROM entity_events WHERE entity_type = NEW.entity_type AND entity_id = NEW.entity_id ORDER BY id DESC LIMIT 1;
  NEW.prev_hash := prev;
  NEW.hash := chain_hash(prev, entity_event_content(NEW));
  RETURN NEW;
END $$;

ALTER TABLE entity_events DISABLE TRIGGER entity_events_no_update;
DO $$
DECLARE
  r entity_events;
  prev text;
  cur text := NULL;
BEGIN
  FOR r IN SELECT * FROM entity_events ORDER BY entity_type, entity_id, id LOOP
    IF cur IS DISTINCT FROM r.entity_type || ':' || r.entity_id THEN prev := NULL; cur := r.entity_type || ':' || r.entity_id; END IF;
    UPDATE entity_events SET prev_hash = prev, hash = chain_hash(prev, entity_event_content(r)) WHERE id = r.id RETURNING hash INTO prev;
  END LOOP;
END $$;
ALTER TABLE entity_events ENABLE TRIGGER entity_events_no_update;

CREATE TRIGGER entity_events_chain BEFORE INSERT ON entity_events FOR EACH ROW EXECUTE FUNCTION entity_events_chain();
