-- The case timeline as a hash chain, one chain per case (see
-- src/platform/migrations/202612072100_hash_chains.sql for the scheme).
-- Reporters' names and phones live on the case row, never in its events, so
-- anonymising a case leaves its chain intact.
ALTER TABLE case_events ADD COLUMN prev_hash text, ADD COLUMN hash text;

CREATE FUNCTION case_event_content(r case_events) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('case_id', r.case_id, 'seq', r.seq, 'at', chain_ts(r.at), 'actor_user_id', r.actor_user_id,
                            'actor_unit_id', r.actor_unit_id, 'action', r.action, 'from_status', r.from_status, 'to_status', r.to_status,
                            'comment', r.comment, 'data', r.data, 'attachment_ids', to_jsonb(r.attachment_ids))
$$;

CREATE FUNCTION case_events_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  prev text;
BEGIN
  -- A case's first event (its creation, in the statement that creates the case)
  -- starts its chain: nothing can precede it, so intake takes no lock and reads nothing.
  IF NEW.seq = 1 THEN
    NEW.prev_hash := NULL;
    NEW.hash := chain_hash(NULL, case_event_content(NEW));
    RETURN NEW;
  END IF;
  PERFORM pg_advisory_xact_lock(74210, hashtext(NEW.case_id::text));
  NEW.id := nextval('case_events_id_seq');
  SELECT hash INTO prev FROM case_events WHERE case_id = NEW.case_id ORDER BY id DESC LIMIT 1;
  NEW.prev_hash := prev;
  NEW.hash := chain_hash(prev, case_event_content(NEW));
  RETURN NEW;
END $$;

-- Recomputes the chains of the given cases (all when NULL) in id order. For
-- the demo only, after it moved its events' times back (src/demo/replay.ts
-- backdate): the caller disables case_events_no_update around it, as the
-- backdating itself must. A real database never rewrites its events.
CREATE FUNCTION case_events_rechain(ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  r case_events;
  prev text;
  cur uuid := NULL;
BEGIN
  FOR r IN SELECT * FROM case_events WHERE ids IS NULL OR case_id = ANY (ids) ORDER BY case_id, id LOOP
    IF cur IS DISTINCT FROM r.case_id THEN prev := NULL; cur := r.case_id; END IF;
    UPDATE case_events SET prev_hash = prev, hash = chain_hash(prev, case_event_content(r)) WHERE id = r.id RETURNING hash INTO prev;
  END LOOP;
END $$;

ALTER TABLE case_events DISABLE TRIGGER case_events_no_update;
SELECT case_events_rechain(NULL);
ALTER TABLE case_events ENABLE TRIGGER case_events_no_update;

CREATE TRIGGER case_events_chain BEFORE INSERT ON case_events FOR EACH ROW EXECUTE FUNCTION case_events_chain();
