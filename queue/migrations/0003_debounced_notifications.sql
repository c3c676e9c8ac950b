-- Debounced change notifications (R3, issue 3 item 11). Measured: a NOTIFY
-- sent from every claim and call end takes PostgreSQL's cluster-wide notify
-- lock at commit and holds it through the WAL flush, so 50 sessions claiming
-- at once queued behind each other (30 to 42 of 50 backends waiting on it;
-- without the triggers claims took half the time).
--
-- Instead, a changing statement marks its sessions "unannounced" (a bit per
-- kind of change) in the same transaction, and an announcer (every
-- instance runs one: Store.AnnounceChanges) clears the marks and sends the
-- NOTIFYs in one statement, a few times a second. The mark commits with the
-- change, and clearing it and announcing commit together, so a change is
-- never lost nor announced before it commits; one NOTIFY covers every change
-- to a session between two passes.
--
-- Bits: 1 queue (its supporters), 2 call (call records), 4 contact,
-- 8 session (the session row itself).
ALTER TABLE calling_sessions ADD COLUMN unannounced smallint NOT NULL DEFAULT 8
    CHECK (unannounced BETWEEN 0 AND 15);
CREATE INDEX calling_sessions_unannounced ON calling_sessions (id) WHERE unannounced <> 0;

DROP TRIGGER session_supporters_inserted ON session_supporters;
DROP TRIGGER session_supporters_updated ON session_supporters;
DROP TRIGGER call_records_inserted ON call_records;
DROP TRIGGER call_records_updated ON call_records;
DROP TRIGGER contacts_inserted ON contacts;
DROP TRIGGER contacts_updated ON contacts;
DROP TRIGGER calling_sessions_inserted ON calling_sessions;
DROP TRIGGER calling_sessions_updated ON calling_sessions;
DROP FUNCTION notify_session_change();
DROP FUNCTION notify_session_row();

-- A statement that changed rows of a session marks it, unless the bit is set
-- already (a claim sets its bits in the statement itself, so its trigger
-- writes nothing).
CREATE FUNCTION mark_sessions_unannounced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE calling_sessions s SET unannounced = s.unannounced | TG_ARGV[0]::smallint
    WHERE s.id IN (SELECT DISTINCT session_id FROM changed_rows)
      AND s.unannounced & TG_ARGV[0]::smallint = 0;
    RETURN NULL;
END $$;
CREATE TRIGGER session_supporters_inserted AFTER INSERT ON session_supporters
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION mark_sessions_unannounced(1);
CREATE TRIGGER session_supporters_updated AFTER UPDATE ON session_supporters
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION mark_sessions_unannounced(1);
CREATE TRIGGER call_records_inserted AFTER INSERT ON call_records
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION mark_sessions_unannounced(2);
CREATE TRIGGER call_records_updated AFTER UPDATE ON call_records
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION mark_sessions_unannounced(2);
CREATE TRIGGER contacts_inserted AFTER INSERT ON contacts
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION mark_sessions_unannounced(4);
CREATE TRIGGER contacts_updated AFTER UPDATE ON contacts
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION mark_sessions_unannounced(4);

-- A change to the session row marks it in the row itself: no second write.
-- The announcer's own update changes nothing but the marks, so it does not
-- mark again. Columns added to calling_sessions later belong in this list.
CREATE FUNCTION mark_session_row_unannounced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.name, NEW.cycle, NEW.cycle_started_at, NEW.started_at, NEW.last_activity_at)
       IS DISTINCT FROM (OLD.name, OLD.cycle, OLD.cycle_started_at, OLD.started_at, OLD.last_activity_at) THEN
        NEW.unannounced := NEW.unannounced | 8;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER calling_sessions_changed BEFORE UPDATE ON calling_sessions
    FOR EACH ROW EXECUTE FUNCTION mark_session_row_unannounced();
