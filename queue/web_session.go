package queue

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// WebSession is one browser logged in to the panel (migration 0008). The
// browser holds a random token; the database keeps its hash. A session ends
// at logout, after WebSessionIdle without a request, or WebSessionMaxAge
// after login, whichever comes first; a password change ends every session
// of the user. CSRFToken guards the session's state changes, and Flash is
// the success alert the next page shows, once.
type WebSession struct {
	ID         int64
	User       User
	CSRFToken  string
	Flash      string
	CreatedAt  time.Time
	LastSeenAt time.Time // the request before this one, give or take webSessionTouchEvery
	ExpiresAt  time.Time
}

// Web session limits.
const (
	// WebSessionIdle ends a session nobody used for this long: a leader's
	// evening, with the page left open between calls, fits in it.
	WebSessionIdle = 12 * time.Hour
	// WebSessionMaxAge ends a session this long after login, used or not.
	WebSessionMaxAge = 7 * 24 * time.Hour
	// webSessionTouchEvery is how stale last_seen_at may get before a
	// request writes it again, so a busy dashboard does not write a row per
	// request; idle expiry is that much less exact.
	webSessionTouchEvery = time.Minute
	// MaxFlashLen bounds a success alert (the schema says so too).
	MaxFlashLen = 500
)

// newSecret returns 32 random bytes, base64url-encoded (43 characters).
func newSecret() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// CreateWebSession logs u in: it returns the token for the browser's cookie
// and the new session. It also deletes every expired session, so the table
// holds live sessions only.
func (s *Store) CreateWebSession(ctx context.Context, u User) (string, WebSession, error) {
	token := newSecret()
	ws := WebSession{User: u, CSRFToken: newSecret()}
	now := s.clock.Now()
	err := s.pool.QueryRow(ctx, `
		WITH purged AS (
			DELETE FROM web_sessions WHERE expires_at <= @now OR last_seen_at <= @idle_since
		)
		INSERT INTO web_sessions (organisation_id, user_id, token_hash, csrf_token, created_at, last_seen_at, expires_at)
		VALUES (@org, @user, @hash, @csrf, @now, @now, @expires)
		RETURNING id, created_at, last_seen_at, expires_at`,
		pgx.NamedArgs{"org": u.OrganisationID, "user": u.ID, "hash": hashToken(token), "csrf": ws.CSRFToken,
			"now": now, "idle_since": now.Add(-WebSessionIdle), "expires": now.Add(WebSessionMaxAge)}).
		Scan(&ws.ID, &ws.CreatedAt, &ws.LastSeenAt, &ws.ExpiresAt)
	if err != nil {
		return "", WebSession{}, Internal("create web session", constraintError(err, map[string]*Error{
			"web_sessions_organisation_id_user_id_fkey": {Code: ENOTFOUND, Message: "user not found"},
		}))
	}
	return token, ws, nil
}

// errLoggedOut is what a missing, ended or expired session gives: the
// browser is asked to log in, and is not told which.
var errLoggedOut = Errorf(EUNAUTHORIZED, "log in first")

// WebSessionByToken returns the live session the token belongs to, with its
// user as they are now, and notes the request, which keeps the session
// alive for another WebSessionIdle. EUNAUTHORIZED when there is none or it
// has expired.
func (s *Store) WebSessionByToken(ctx context.Context, token string) (WebSession, error) {
	if token == "" {
		return WebSession{}, errLoggedOut
	}
	now := s.clock.Now()
	var ws WebSession
	row := s.pool.QueryRow(ctx, `
		WITH found AS (
			SELECT id, user_id, csrf_token, flash, created_at, last_seen_at, expires_at
			FROM web_sessions
			WHERE token_hash = @hash AND expires_at > @now AND last_seen_at > @idle_since
		), touched AS (
			UPDATE web_sessions w SET last_seen_at = @now
			FROM found f WHERE w.id = f.id AND f.last_seen_at <= @stale_since
		)
		SELECT f.id, f.csrf_token, coalesce(f.flash, ''), f.created_at, f.last_seen_at, f.expires_at,
			`+userColumns+`, '' -- no password hash: nothing here checks one
		FROM found f JOIN users u ON u.id = f.user_id JOIN organisations o ON o.id = u.organisation_id`,
		pgx.NamedArgs{"hash": hashToken(token), "now": now, "idle_since": now.Add(-WebSessionIdle),
			"stale_since": now.Add(-webSessionTouchEvery)})
	u, _, err := scanUser(row, &ws.ID, &ws.CSRFToken, &ws.Flash, &ws.CreatedAt, &ws.LastSeenAt, &ws.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return WebSession{}, errLoggedOut
	}
	if err != nil {
		return WebSession{}, Internal("find web session", err)
	}
	ws.User = u
	return ws, nil
}

// DeleteWebSession ends the session the token belongs to (logout). Ending
// one that is already gone is not an error.
func (s *Store) DeleteWebSession(ctx context.Context, token string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM web_sessions WHERE token_hash = $1`, hashToken(token))
	return Internal("delete web session", err)
}

// SetFlash keeps msg as the success alert the session's next page shows.
func (s *Store) SetFlash(ctx context.Context, sessionID int64, msg string) error {
	if msg == "" || utf8.RuneCountInString(msg) > MaxFlashLen {
		return Internal("set flash", errors.New("a flash must be 1-500 characters"))
	}
	_, err := s.pool.Exec(ctx, `UPDATE web_sessions SET flash = $2 WHERE id = $1`, sessionID, msg)
	return Internal("set flash", err)
}

// ClearFlash forgets the session's success alert once a page showed it,
// unless another action set a new one meanwhile.
func (s *Store) ClearFlash(ctx context.Context, sessionID int64, shown string) error {
	_, err := s.pool.Exec(ctx, `UPDATE web_sessions SET flash = NULL WHERE id = $1 AND flash = $2`, sessionID, shown)
	return Internal("clear flash", err)
}
