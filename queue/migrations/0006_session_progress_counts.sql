-- The progress bar (R3.1: supporters on the list, completed, removed) was
-- counted from every queue row of the session at each read: measured, with
-- 50 sessions of 100,000 in the table, a session's stats took 21 ms at p50
-- and 94 ms at p99, and the Calling Sessions index counted every session it
-- lists. The session row now carries the three counts, kept by the
-- statements that change queue rows, in the same transaction: per
-- statement, from its transition tables, so a list import of 100,000 is one
-- update per session, not one per row.
ALTER TABLE calling_sessions
    ADD COLUMN on_list_count   integer NOT NULL DEFAULT 0 CHECK (on_list_count >= 0),
    ADD COLUMN completed_count integer NOT NULL DEFAULT 0 CHECK (completed_count >= 0),
    ADD COLUMN removed_count   integer NOT NULL DEFAULT 0 CHECK (removed_count >= 0);

UPDATE calling_sessions s SET on_list_count = c.on_list, completed_count = c.completed, removed_count = c.removed
FROM (
    SELECT session_id, count(*) AS on_list, count(completed_at) AS completed,
        count(*) FILTER (WHERE skip_type = 'remove') AS removed
    FROM session_supporters WHERE on_list GROUP BY session_id
) c
WHERE s.id = c.session_id;

-- count_progress adds what the statement's new rows (added) count and takes
-- away what its old rows (taken) counted, per session. Only rows on the list
-- count; completed and removed are among them.
CREATE FUNCTION count_progress() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed text := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT session_id, completed_at, skip_type, 1 AS sign FROM added WHERE on_list'
        WHEN 'DELETE' THEN 'SELECT session_id, completed_at, skip_type, -1 AS sign FROM taken WHERE on_list'
        ELSE 'SELECT session_id, completed_at, skip_type, 1 AS sign FROM added WHERE on_list
              UNION ALL SELECT session_id, completed_at, skip_type, -1 FROM taken WHERE on_list'
    END;
BEGIN
    EXECUTE format($update$
        UPDATE calling_sessions s
        SET on_list_count = s.on_list_count + d.on_list,
            completed_count = s.completed_count + d.completed,
            removed_count = s.removed_count + d.removed
        FROM (
            SELECT session_id, sum(sign) AS on_list,
                coalesce(sum(sign) FILTER (WHERE completed_at IS NOT NULL), 0) AS completed,
                coalesce(sum(sign) FILTER (WHERE skip_type = 'remove'), 0) AS removed
            FROM (%s) changed
            GROUP BY session_id
        ) d
        WHERE s.id = d.session_id AND (d.on_list, d.completed, d.removed) <> (0, 0, 0)$update$, changed);
    RETURN NULL;
END $$;

CREATE TRIGGER session_supporters_progress_inserted AFTER INSERT ON session_supporters
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION count_progress();
-- A claim or a call's end changes no counted column, and says so with
-- callingd.progress_unchanged (local to its transaction, like
-- callingd.sessions_marked in migration 0005), sparing it the trigger.
CREATE TRIGGER session_supporters_progress_updated AFTER UPDATE ON session_supporters
    REFERENCING OLD TABLE AS taken NEW TABLE AS added FOR EACH STATEMENT
    WHEN (current_setting('callingd.progress_unchanged', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION count_progress();
CREATE TRIGGER session_supporters_progress_deleted AFTER DELETE ON session_supporters
    REFERENCING OLD TABLE AS taken FOR EACH STATEMENT EXECUTE FUNCTION count_progress();
