-- Claim-next at 50 sessions on one list (issue 3's benchmark). Sessions of
-- one list walk it in the same order, so each session's queue begins with
-- the supporters its list-mates just called: in their cool-down (R7.1),
-- pending for this session, but not available. Every claim walked past all
-- of them again, reading each supporter row: measured, 1,963 rows and 7,900
-- buffer reads for one claim after 2,000 claims on the list, and the walk
-- grows with every call until the cool-downs end.
--
-- A claim that walks past a supporter in their cool-down now notes, on its
-- own session's row, the moment the cool-down ends (held_until): the row
-- leaves the claim index until then, so no claim of the session reads it
-- again. A hold only caches what the supporter row says: a cool-down ends at
-- last_call_at + cooldown, and last_call_at only ever moves later, so a hold
-- never ends after the supporter is available again. Shortening the
-- organisation's cool-down releases every hold at once (trigger below). The
-- views and stats never read held_until: a held supporter is "recently
-- called", from the supporter row, as before.
ALTER TABLE session_supporters ADD COLUMN held_until timestamptz;

DROP INDEX session_supporters_pending;
CREATE INDEX session_supporters_claimable ON session_supporters (session_id, sort_key)
    WHERE on_list AND NOT attempted AND completed_at IS NULL
      AND (skip_type IS NULL OR skip_type NOT IN ('cycle', 'remove'))
      AND held_until IS NULL;
-- Holds that have ended are put back before a claim gives up.
CREATE INDEX session_supporters_held ON session_supporters (session_id, held_until)
    WHERE held_until IS NOT NULL;

-- The View all supporters sheet filtered to Completed (R3.5) walked the
-- session's whole queue once the planner stopped expecting the completed
-- rows near its head; with their own index it reads only them, in order.
CREATE INDEX session_supporters_completed ON session_supporters (session_id, sort_key, supporter_id)
    WHERE completed_at IS NOT NULL;

CREATE FUNCTION release_holds_of_organisation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE session_supporters ss SET held_until = NULL
    FROM calling_sessions s
    WHERE s.organisation_id = NEW.id AND ss.session_id = s.id AND ss.held_until IS NOT NULL;
    RETURN NULL;
END $$;
CREATE TRIGGER organisations_cooldown_shortened AFTER UPDATE OF cooldown ON organisations
    FOR EACH ROW WHEN (NEW.cooldown < OLD.cooldown) EXECUTE FUNCTION release_holds_of_organisation();

-- Every claim and every call's end updates the supporter row (live_call_id,
-- last_call_at), and supporters carry eight indexes, two of them trigram
-- GIN indexes: an update that cannot stay on its page (HOT) writes an entry
-- into each, and measured, half of them could not, the bulk-loaded pages
-- being full. Room on each page keeps these updates HOT: no index changes.
-- (Pages written before this migration get their room as rows move.)
ALTER TABLE supporters SET (fillfactor = 85);

-- The cap on an organisation's concurrent calls (R10.4) counts its live
-- supporter legs at every claim. With only the organisation in the live
-- index, the claim's generic plan counted them by intersecting it with
-- call_records_org_time, reading every call the organisation ever made
-- (8,746 entries a claim after 9,000 calls). Keyed by leg too, the count
-- reads the live legs alone.
DROP INDEX call_records_live;
CREATE INDEX call_records_live ON call_records (organisation_id, leg) WHERE state <> 'ended';

-- The announcer's marks (migration 0003) cost a claim a quarter of its time
-- when the triggers run, though the claim marks its session itself and the
-- triggers then find nothing to write. A transaction whose statements mark
-- their own sessions says so with the setting callingd.sessions_marked
-- (Store.markingItself, local to the transaction), and the triggers do not
-- fire; every other writer is still marked by them.
DROP TRIGGER session_supporters_inserted ON session_supporters;
DROP TRIGGER session_supporters_updated ON session_supporters;
DROP TRIGGER call_records_inserted ON call_records;
DROP TRIGGER call_records_updated ON call_records;
DROP TRIGGER contacts_inserted ON contacts;
DROP TRIGGER contacts_updated ON contacts;
CREATE TRIGGER session_supporters_inserted AFTER INSERT ON session_supporters
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT
    WHEN (current_setting('callingd.sessions_marked', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION mark_sessions_unannounced(1);
CREATE TRIGGER session_supporters_updated AFTER UPDATE ON session_supporters
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT
    WHEN (current_setting('callingd.sessions_marked', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION mark_sessions_unannounced(1);
CREATE TRIGGER call_records_inserted AFTER INSERT ON call_records
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT
    WHEN (current_setting('callingd.sessions_marked', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION mark_sessions_unannounced(2);
CREATE TRIGGER call_records_updated AFTER UPDATE ON call_records
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT
    WHEN (current_setting('callingd.sessions_marked', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION mark_sessions_unannounced(2);
CREATE TRIGGER contacts_inserted AFTER INSERT ON contacts
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT
    WHEN (current_setting('callingd.sessions_marked', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION mark_sessions_unannounced(4);
CREATE TRIGGER contacts_updated AFTER UPDATE ON contacts
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT
    WHEN (current_setting('callingd.sessions_marked', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION mark_sessions_unannounced(4);
