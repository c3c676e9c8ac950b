package queue

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// Login throttling (migration 0008): within LoginWindow, at most
// MaxLoginFailuresPerAccount failed logins for one email and
// MaxLoginFailuresPerAddress from one address; past either, logins are
// refused without looking at the password until old failures leave the
// window. Per account stops guessing one person's password from many
// addresses; per address stops trying one common password on every account.
const (
	LoginWindow                = 15 * time.Minute
	MaxLoginFailuresPerAccount = 5
	MaxLoginFailuresPerAddress = 20
)

var errThrottled = Errorf(ETHROTTLED, "too many failed logins: try again in %d minutes", int(LoginWindow.Minutes()))

// LogIn checks an email and password typed on the login page from address,
// throttled as above. EUNAUTHORIZED with one message whether the email is
// unknown or the password wrong; ETHROTTLED, for known and unknown emails
// alike, once too many attempts failed. A success forgets the email's
// failures. Concurrent attempts may each pass the count before any is
// recorded, so a burst can overshoot the limits by the number in flight
// (the connection pool's size at most).
func (s *Store) LogIn(ctx context.Context, email, password string, address netip.Addr) (User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if len(email) > MaxEmailLen || !utf8.ValidString(email) {
		return User{}, errWrongLogin // no account has such an email, and it cannot be a key
	}
	if !address.IsValid() {
		address = netip.IPv6Unspecified()
	}
	if err := s.recordLoginAttempt(ctx, email, address); err != nil {
		return User{}, err
	}
	u, err := s.Authenticate(ctx, email, password)
	if err != nil {
		return User{}, err // the attempt stays recorded: a failure
	}
	_, err = s.pool.Exec(ctx, `DELETE FROM login_attempts WHERE email = $1`, email)
	return u, Internal("forget failed logins", err)
}

// recordLoginAttempt notes an attempt before its password is checked, or
// refuses it when the email or the address has used up its failures. The
// same statement deletes attempts older than the window.
func (s *Store) recordLoginAttempt(ctx context.Context, email string, address netip.Addr) error {
	now := s.clock.Now()
	var id int64
	err := s.pool.QueryRow(ctx, `
		WITH purged AS (
			DELETE FROM login_attempts WHERE attempted_at <= @since
		), recent AS (
			SELECT count(*) FILTER (WHERE email = @email) AS by_account,
				count(*) FILTER (WHERE address = @address) AS by_address
			FROM login_attempts
			WHERE attempted_at > @since AND (email = @email OR address = @address)
		)
		INSERT INTO login_attempts (email, address, attempted_at)
		SELECT @email, @address, @now FROM recent
		WHERE by_account < @per_account AND by_address < @per_address
		RETURNING id`,
		pgx.NamedArgs{"email": email, "address": address, "now": now, "since": now.Add(-LoginWindow),
			"per_account": MaxLoginFailuresPerAccount, "per_address": MaxLoginFailuresPerAddress}).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return errThrottled
	}
	return Internal("record login attempt", err)
}
