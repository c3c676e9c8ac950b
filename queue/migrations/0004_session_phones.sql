-- The leader's phone (R4.1, R4.4): a row exists while the leader wants their
-- phone to ring for a session: from the Start or Resume click until the
-- phone call ends (the leader hung up, closed the page, or the cycle is
-- complete). Exactly one instance drives it: the one holding the lease
-- (driver, lease_until), renewed while it lives and taken over once it
-- expires (ARCHITECTURE.md, Ownership).
CREATE TABLE session_phones (
    session_id      bigint PRIMARY KEY,
    organisation_id bigint NOT NULL,
    requested_by    bigint NOT NULL,
    requested_at    timestamptz NOT NULL,
    driver          text CHECK (length(driver) BETWEEN 1 AND 200),
    lease_until     timestamptz,
    CHECK ((driver IS NULL) = (lease_until IS NULL)),
    FOREIGN KEY (organisation_id, session_id) REFERENCES calling_sessions (organisation_id, id) ON DELETE CASCADE,
    FOREIGN KEY (organisation_id, requested_by) REFERENCES users (organisation_id, id)
);
CREATE INDEX session_phones_driver ON session_phones (driver, lease_until);

-- A click is announced at once (not debounced: it is rare, and a leader is
-- waiting for their phone), from the statement that made it.
CREATE FUNCTION notify_phone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('calling_session', json_build_object(
        'organisation_id', p.organisation_id, 'session_id', p.session_id, 'kind', 'phone')::text)
    FROM changed_rows p;
    RETURN NULL;
END $$;
CREATE TRIGGER session_phones_requested AFTER INSERT ON session_phones
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION notify_phone();
CREATE TRIGGER session_phones_ended AFTER DELETE ON session_phones
    REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION notify_phone();

-- A number the server refused to dial (R10.4: outside the allowed
-- destinations, premium rate) is held out of every session as a system skip
-- (R7.5) with this reason, until the supporter's number changes.
ALTER TABLE supporters ADD COLUMN undiallable text CHECK (length(undiallable) BETWEEN 1 AND 200);
CREATE FUNCTION forget_undiallable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.phone IS DISTINCT FROM OLD.phone THEN
        NEW.undiallable := NULL;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER supporters_number_changed BEFORE UPDATE OF phone ON supporters
    FOR EACH ROW EXECUTE FUNCTION forget_undiallable();
