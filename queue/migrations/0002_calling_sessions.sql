-- Calling sessions: the queue of each session, skips and their audit,
-- cycles, call records and contacts (SPEC R2-R8). The invariants a user
-- relies on live here, not only in Go: one session per leader and list
-- (R2.3), at most one live call per supporter across every session (R7.2),
-- one live supporter leg and one live leader leg per session, one contact per
-- call and per idempotency key (R5.3), audit rows that cannot be changed.

CREATE TABLE calling_sessions (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id  bigint NOT NULL,
    group_id         bigint NOT NULL,
    list_id          bigint NOT NULL,
    leader_id        bigint NOT NULL,
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- The current cycle (R8.2) and when it began.
    cycle            integer NOT NULL DEFAULT 1 CHECK (cycle >= 1),
    cycle_started_at timestamptz NOT NULL,
    -- Set by the first call or skip: the session is then "Started" (R2.5).
    started_at       timestamptz,
    last_activity_at timestamptz NOT NULL,
    created_at       timestamptz NOT NULL,
    UNIQUE (leader_id, list_id),
    UNIQUE (organisation_id, id),
    FOREIGN KEY (group_id, list_id) REFERENCES call_lists (group_id, id),
    FOREIGN KEY (organisation_id, list_id) REFERENCES call_lists (organisation_id, id),
    FOREIGN KEY (organisation_id, leader_id) REFERENCES users (organisation_id, id)
);
CREATE INDEX calling_sessions_list ON calling_sessions (list_id);
CREATE INDEX calling_sessions_org_activity ON calling_sessions (organisation_id, last_activity_at DESC);

CREATE TYPE skip_type AS ENUM ('15m', '30m', '1h', '2h', 'today', 'date', 'cycle', 'remove');

-- One row per supporter of a session: its place in the queue and its state.
-- Rows are created with the session from the list's current members and kept
-- in step with the list by the triggers below, in the same transaction as
-- the list change (R8.4): there is no copying job to fall behind.
CREATE TABLE session_supporters (
    session_id   bigint NOT NULL REFERENCES calling_sessions ON DELETE CASCADE,
    supporter_id bigint NOT NULL REFERENCES supporters ON DELETE CASCADE,
    -- Queue order: the list position, moved by prioritise (R8.1) and by a
    -- call cut before any outcome (R4.4).
    sort_key     numeric NOT NULL,
    -- False once the supporter left the list; history stays (R8.4).
    on_list      boolean NOT NULL DEFAULT true,
    -- Dialled in the current cycle (R8.2); cleared by a new cycle.
    attempted    boolean NOT NULL DEFAULT false,
    -- Marked contacted in this session (R5.2): out of the queue for good.
    completed_at timestamptz,
    completed_by bigint,
    -- The current leader skip (R6), if any. Timed skips end by themselves
    -- when skip_until passes; "cycle" ends with the cycle; "remove" never.
    skip_type    skip_type,
    skip_until   timestamptz,
    skip_reason  text CHECK (length(skip_reason) BETWEEN 1 AND 500),
    skipped_by   bigint,
    skipped_at   timestamptz,
    PRIMARY KEY (session_id, supporter_id),
    CHECK ((skip_type IS NULL) = (skipped_at IS NULL)),
    CHECK (skip_type IS NOT NULL OR (skip_until IS NULL AND skip_reason IS NULL AND skipped_by IS NULL)),
    -- Timed skips have an end; "cycle" and "remove" have none.
    CHECK (skip_type IS NULL OR (skip_type IN ('cycle', 'remove')) = (skip_until IS NULL)),
    CHECK (skip_type <> 'remove' OR skip_reason IS NOT NULL),
    CHECK ((completed_at IS NULL) = (completed_by IS NULL))
);
-- Claim-next walks this index in queue order (R8): only supporters the
-- cycle may still dial are in it, so its cost does not grow with the number
-- already called, contacted, removed or skipped for the cycle.
CREATE INDEX session_supporters_pending ON session_supporters (session_id, sort_key)
    WHERE on_list AND NOT attempted AND completed_at IS NULL
      AND (skip_type IS NULL OR skip_type NOT IN ('cycle', 'remove'));
CREATE INDEX session_supporters_order ON session_supporters (session_id, sort_key, supporter_id);
CREATE INDEX session_supporters_supporter ON session_supporters (supporter_id);

-- Every skip, unskip and expiry, never changed nor deleted (R6.2).
CREATE TYPE skip_action AS ENUM ('skip', 'unskip', 'expire');
CREATE TABLE skip_audit (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id   bigint NOT NULL REFERENCES calling_sessions ON DELETE CASCADE,
    supporter_id bigint NOT NULL,
    action       skip_action NOT NULL,
    skip_type    skip_type NOT NULL,
    skip_until   timestamptz,
    reason       text CHECK (length(reason) BETWEEN 1 AND 500),
    actor_id     bigint REFERENCES users, -- NULL when the server expired it
    at           timestamptz NOT NULL,
    FOREIGN KEY (session_id, supporter_id) REFERENCES session_supporters ON DELETE CASCADE,
    CHECK ((action = 'expire') = (actor_id IS NULL))
);
CREATE INDEX skip_audit_row ON skip_audit (session_id, supporter_id, id);

-- The calling journey (R3.4, R8.3): each finished cycle with its stats,
-- frozen when the next cycle starts.
CREATE TABLE session_cycles (
    session_id      bigint NOT NULL REFERENCES calling_sessions ON DELETE CASCADE,
    cycle           integer NOT NULL,
    started_at      timestamptz NOT NULL,
    ended_at        timestamptz NOT NULL,
    calls_attempted integer NOT NULL,
    contacts_made   integer NOT NULL,
    answered        integer NOT NULL,
    no_answer       integer NOT NULL,
    busy            integer NOT NULL,
    failed          integer NOT NULL,
    not_logged      integer NOT NULL,
    talk_seconds    bigint NOT NULL,
    PRIMARY KEY (session_id, cycle),
    CHECK (ended_at >= started_at)
);

CREATE TYPE call_leg AS ENUM ('leader', 'supporter');
CREATE TYPE call_state AS ENUM ('dialling', 'answered', 'ended');
-- answered: the leg was answered; no_answer, busy, rejected, failed: it was
-- not; cut: ended before any outcome (the leader hung up or the server lost
-- the channel), so the supporter is called again first (R4.4); refused: the
-- server would not dial the number (R10.4).
CREATE TYPE call_outcome AS ENUM ('answered', 'no_answer', 'busy', 'rejected', 'failed', 'cut', 'refused');

-- Every call leg (R4.6), the basis of billing and analytics.
CREATE TABLE call_records (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id   bigint NOT NULL,
    session_id        bigint NOT NULL,
    cycle             integer NOT NULL,
    leg               call_leg NOT NULL,
    supporter_id      bigint REFERENCES supporters ON DELETE SET NULL,
    leader_id         bigint NOT NULL REFERENCES users,
    dialled_number    text NOT NULL,
    state             call_state NOT NULL DEFAULT 'dialling',
    originated_at     timestamptz NOT NULL,
    answered_at       timestamptz,
    ended_at          timestamptz,
    outcome           call_outcome,
    hangup_cause      integer,
    hangup_cause_text text NOT NULL DEFAULT '',
    channel_id        text,
    node              text NOT NULL DEFAULT '',
    duration_seconds  integer GENERATED ALWAYS AS
        (CASE WHEN answered_at IS NOT NULL AND ended_at IS NOT NULL
              THEN ceil(extract(epoch FROM ended_at - answered_at))::integer END) STORED,
    FOREIGN KEY (organisation_id, session_id) REFERENCES calling_sessions (organisation_id, id),
    CHECK ((state = 'ended') = (ended_at IS NOT NULL)),
    CHECK ((state = 'ended') = (outcome IS NOT NULL)),
    CHECK (state <> 'answered' OR answered_at IS NOT NULL),
    CHECK (answered_at IS NULL OR answered_at >= originated_at),
    CHECK (ended_at IS NULL OR ended_at >= coalesce(answered_at, originated_at)),
    CHECK (leg = 'leader' OR supporter_id IS NOT NULL OR state = 'ended')
);
-- R7.2: at no moment two live calls to one supporter, whatever the session.
CREATE UNIQUE INDEX call_records_one_live_call_per_supporter ON call_records (supporter_id)
    WHERE leg = 'supporter' AND state <> 'ended';
CREATE UNIQUE INDEX call_records_one_live_supporter_leg_per_session ON call_records (session_id)
    WHERE leg = 'supporter' AND state <> 'ended';
CREATE UNIQUE INDEX call_records_one_live_leader_leg_per_session ON call_records (session_id)
    WHERE leg = 'leader' AND state <> 'ended';
CREATE UNIQUE INDEX call_records_channel ON call_records (channel_id) WHERE channel_id IS NOT NULL;
CREATE INDEX call_records_session ON call_records (session_id, cycle);
CREATE INDEX call_records_org_time ON call_records (organisation_id, originated_at);
CREATE INDEX call_records_live ON call_records (organisation_id) WHERE state <> 'ended';

-- The supporter's telephony state, shared by every session (R7.1, R7.2):
-- claim-next locks the supporter row and checks these columns, so a claim
-- racing another sees the other's call as soon as it commits.
ALTER TABLE supporters
    ADD COLUMN live_call_id bigint REFERENCES call_records ON DELETE SET NULL,
    ADD COLUMN last_call_at timestamptz;

CREATE TYPE contact_method AS ENUM ('phone', 'sms', 'email', 'in_person', 'other');
CREATE TYPE rsvp AS ENUM ('yes', 'no', 'maybe');

-- A logged contact (R5). The row holds the current version; corrections
-- copy the previous one to contact_history first (R5.4).
CREATE TABLE contacts (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id bigint NOT NULL,
    session_id      bigint NOT NULL,
    cycle           integer NOT NULL,
    supporter_id    bigint NOT NULL REFERENCES supporters ON DELETE CASCADE,
    call_id         bigint UNIQUE REFERENCES call_records,
    author_id       bigint NOT NULL REFERENCES users,
    contacted       boolean NOT NULL,
    rsvp            rsvp,
    method          contact_method NOT NULL DEFAULT 'phone',
    notes           text NOT NULL DEFAULT '' CHECK (length(notes) <= 10000),
    tags_added      text[] NOT NULL DEFAULT '{}',
    tags_removed    text[] NOT NULL DEFAULT '{}',
    idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 200),
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    updated_by      bigint NOT NULL REFERENCES users,
    FOREIGN KEY (organisation_id, session_id) REFERENCES calling_sessions (organisation_id, id),
    UNIQUE (organisation_id, idempotency_key)
);
CREATE INDEX contacts_supporter ON contacts (supporter_id, created_at DESC);
CREATE INDEX contacts_session ON contacts (session_id, cycle);

CREATE TABLE contact_history (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contact_id   bigint NOT NULL REFERENCES contacts ON DELETE CASCADE,
    contacted    boolean NOT NULL,
    rsvp         rsvp,
    method       contact_method NOT NULL,
    notes        text NOT NULL,
    tags_added   text[] NOT NULL,
    tags_removed text[] NOT NULL,
    written_by   bigint NOT NULL REFERENCES users,
    written_at   timestamptz NOT NULL,
    replaced_at  timestamptz NOT NULL
);
CREATE INDEX contact_history_contact ON contact_history (contact_id, id);

-- Audit rows are never changed nor deleted (R6.2, R5.4).
CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are never changed', TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE TRIGGER skip_audit_immutable BEFORE UPDATE OR DELETE ON skip_audit
    FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION refuse_change();
CREATE TRIGGER contact_history_immutable BEFORE UPDATE OR DELETE ON contact_history
    FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION refuse_change();

-- Live sync (R8.4). A list change reaches every session of the list in the
-- same transaction. The trigger first takes a key-share lock on the lists
-- changed: session creation holds an update lock on its list while it copies
-- the members, so either the new session sees this change or this change
-- sees the new session.
CREATE FUNCTION sync_sessions_with_list() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM call_lists WHERE id IN (SELECT DISTINCT list_id FROM changed_members) FOR KEY SHARE;
    -- Newcomers go after everyone already in the session's queue, in the
    -- order they joined the list, whatever prioritise did to the keys.
    INSERT INTO session_supporters AS ss (session_id, supporter_id, sort_key, on_list)
    SELECT s.id, m.supporter_id,
        coalesce((SELECT max(x.sort_key) FROM session_supporters x WHERE x.session_id = s.id), 0)
            + row_number() OVER (PARTITION BY s.id ORDER BY m.position),
        m.removed_at IS NULL
    FROM changed_members m JOIN calling_sessions s ON s.list_id = m.list_id
    ON CONFLICT (session_id, supporter_id) DO UPDATE
    SET on_list = excluded.on_list,
        sort_key = CASE WHEN excluded.on_list AND NOT ss.on_list THEN excluded.sort_key ELSE ss.sort_key END
    WHERE ss.on_list IS DISTINCT FROM excluded.on_list;
    RETURN NULL;
END $$;
CREATE TRIGGER list_members_added AFTER INSERT ON list_members
    REFERENCING NEW TABLE AS changed_members
    FOR EACH STATEMENT EXECUTE FUNCTION sync_sessions_with_list();
CREATE TRIGGER list_members_changed AFTER UPDATE ON list_members
    REFERENCING NEW TABLE AS changed_members
    FOR EACH STATEMENT EXECUTE FUNCTION sync_sessions_with_list();

-- Change notifications (R8.4, R3): every statement that changes what a
-- dashboard shows announces the sessions it touched, from the statement
-- itself, so nothing uncommitted is announced. PostgreSQL folds identical
-- notifications of one transaction into one.
CREATE FUNCTION notify_session_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('calling_session', json_build_object(
        'organisation_id', s.organisation_id, 'session_id', s.id, 'kind', TG_ARGV[0])::text)
    FROM calling_sessions s WHERE s.id IN (SELECT DISTINCT session_id FROM changed_rows);
    RETURN NULL;
END $$;
CREATE TRIGGER session_supporters_inserted AFTER INSERT ON session_supporters
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION notify_session_change('queue');
CREATE TRIGGER session_supporters_updated AFTER UPDATE ON session_supporters
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION notify_session_change('queue');
CREATE TRIGGER call_records_inserted AFTER INSERT ON call_records
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION notify_session_change('call');
CREATE TRIGGER call_records_updated AFTER UPDATE ON call_records
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION notify_session_change('call');
CREATE TRIGGER contacts_inserted AFTER INSERT ON contacts
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION notify_session_change('contact');
CREATE TRIGGER contacts_updated AFTER UPDATE ON contacts
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION notify_session_change('contact');

CREATE FUNCTION notify_session_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('calling_session', json_build_object(
        'organisation_id', s.organisation_id, 'session_id', s.id, 'kind', 'session')::text)
    FROM changed_rows s;
    RETURN NULL;
END $$;
CREATE TRIGGER calling_sessions_inserted AFTER INSERT ON calling_sessions
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION notify_session_row();
CREATE TRIGGER calling_sessions_updated AFTER UPDATE ON calling_sessions
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION notify_session_row();

-- Name and phone search in the View all supporters sheet (R3.5) without
-- scanning 100,000 supporters; the expressions match queue/view.go.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX supporters_name_search ON supporters USING gin ((first_name || ' ' || last_name) gin_trgm_ops);
CREATE INDEX supporters_phone_search ON supporters USING gin (phone_key gin_trgm_ops);
