-- The panel's logins (issue 11). A web session is one logged-in browser:
-- its cookie holds a random token, and only the token's SHA-256 is kept
-- here, so a copy of this table (a backup, a replica) logs nobody in. Each
-- session carries its CSRF token and the one success alert (flash) the next
-- page shows. A session ends at logout, after WebSessionIdle without a
-- request, or WebSessionMaxAge after login, whichever comes first; expired
-- rows are deleted by the statement that creates the next session.
CREATE TABLE web_sessions (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id bigint NOT NULL,
    user_id         bigint NOT NULL,
    token_hash      bytea NOT NULL,
    csrf_token      text NOT NULL,
    created_at      timestamptz NOT NULL,
    last_seen_at    timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    flash           text,
    FOREIGN KEY (organisation_id, user_id) REFERENCES users (organisation_id, id) ON DELETE CASCADE,
    CONSTRAINT web_sessions_token_hash_key UNIQUE (token_hash),
    CONSTRAINT web_session_token_is_a_sha256 CHECK (octet_length(token_hash) = 32),
    CONSTRAINT web_session_csrf_token_is_long_enough CHECK (length(csrf_token) >= 32),
    CONSTRAINT web_session_seen_after_login CHECK (last_seen_at >= created_at),
    CONSTRAINT web_session_ends_after_login CHECK (expires_at > created_at),
    CONSTRAINT web_session_flash_is_short CHECK (length(flash) BETWEEN 1 AND 500)
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);
CREATE INDEX web_sessions_expires_at ON web_sessions (expires_at);
CREATE INDEX web_sessions_last_seen_at ON web_sessions (last_seen_at);

-- Login attempts not (yet) known to have succeeded, for throttling per
-- account and per address. A row is written before the password is checked
-- and deleted, with the account's other rows, when it succeeds; what is left
-- are failures. Rows older than the throttle's window are deleted by the
-- statement that records the next attempt, so the table holds one window's
-- failures at most. The email is the one typed (lower-cased), known or not:
-- an unknown address is throttled like a known one, so the answer never
-- tells them apart.
CREATE TABLE login_attempts (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email        text NOT NULL,
    address      inet NOT NULL,
    attempted_at timestamptz NOT NULL,
    CONSTRAINT login_attempt_email_is_short CHECK (length(email) <= 254)
);
CREATE INDEX login_attempts_email ON login_attempts (email, attempted_at);
CREATE INDEX login_attempts_address ON login_attempts (address, attempted_at);
CREATE INDEX login_attempts_attempted_at ON login_attempts (attempted_at);
