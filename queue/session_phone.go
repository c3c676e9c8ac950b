package queue

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// PhoneRequest says a leader wants their phone to ring for a session (R4.1):
// from the Start or Resume click until the phone call is over. The instance
// named Driver holds it until LeaseUntil; any instance may take it after
// that, so a crashed instance's sessions are picked up (ARCHITECTURE.md).
type PhoneRequest struct {
	SessionID      int64
	OrganisationID int64
	RequestedBy    int64
	RequestedAt    time.Time
	Driver         string    // "" until an instance takes it
	LeaseUntil     time.Time // zero until an instance takes it
	// TakenFrom is, in TakePhones' answer, the instance that drove it
	// before another one took it over ("" for a new request or the same
	// instance's own).
	TakenFrom string
}

// MaxDriverLen bounds an instance name.
const MaxDriverLen = 200

// phoneRequestColumns are a PhoneRequest's columns but TakenFrom, which
// only TakePhones knows: queries add it as a last column.
const phoneRequestColumns = `p.session_id, p.organisation_id, p.requested_by, p.requested_at,
	coalesce(p.driver, ''), p.lease_until`

func scanPhoneRequests(rows pgx.Rows) ([]PhoneRequest, error) {
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (PhoneRequest, error) {
		var p PhoneRequest
		var until *time.Time
		err := row.Scan(&p.SessionID, &p.OrganisationID, &p.RequestedBy, &p.RequestedAt, &p.Driver, &until, &p.TakenFrom)
		if until != nil {
			p.LeaseUntil = *until
		}
		return p, err
	})
}

// RequestPhone is the Start (or Resume) click: the leader's mobile will ring
// and the session's calls begin (R4.1). A click while the phone is already
// wanted changes nothing and returns created false (a double click, a
// second tab). Only the session's own leader may: it rings their mobile.
//
// ENOTFOUND for a session of another organisation; EFORBIDDEN for anyone
// but the leader; EINVALID (field "mobile") when the leader has no mobile.
func (s *Store) RequestPhone(ctx context.Context, actor User, sessionID int64) (created bool, err error) {
	sess, err := s.Session(ctx, actor.OrganisationID, sessionID)
	if err != nil {
		return false, err
	}
	if sess.LeaderID != actor.ID {
		return false, Errorf(EFORBIDDEN, "only the session's leader can start calling: it rings their mobile")
	}
	var inserted int
	err = s.pool.QueryRow(ctx, `
		WITH requested AS (
			INSERT INTO session_phones (session_id, organisation_id, requested_by, requested_at)
			SELECT s.id, s.organisation_id, u.id, $3
			FROM calling_sessions s JOIN users u ON u.organisation_id = s.organisation_id AND u.id = $4
			WHERE s.organisation_id = $1 AND s.id = $2 AND u.mobile IS NOT NULL
			ON CONFLICT (session_id) DO NOTHING
			RETURNING session_id
		), cleared AS (
			UPDATE calling_sessions SET pause_reason = NULL
			WHERE id IN (SELECT session_id FROM requested) AND pause_reason IS NOT NULL
		)
		SELECT count(*) FROM requested`,
		actor.OrganisationID, sessionID, s.clock.Now(), actor.ID).Scan(&inserted)
	if err != nil {
		return false, Internal("request phone", err)
	}
	if inserted == 0 {
		if _, wanted, err := s.PhoneWanted(ctx, actor.OrganisationID, sessionID); err != nil || wanted {
			return false, err
		}
		return false, errNoMobile
	}
	return true, nil
}

// HangUpPhone is the page being closed (R4.4): the leader no longer wants
// the phone, so its driver ends the call and the session pauses. Who may:
// as RequestPhone. Hanging up a phone not wanted changes nothing.
func (s *Store) HangUpPhone(ctx context.Context, actor User, sessionID int64) error {
	sess, err := s.Session(ctx, actor.OrganisationID, sessionID)
	if err != nil {
		return err
	}
	if sess.LeaderID != actor.ID {
		return Errorf(EFORBIDDEN, "only the session's leader can hang up their phone")
	}
	_, err = s.pool.Exec(ctx, `DELETE FROM session_phones WHERE organisation_id = $1 AND session_id = $2`,
		actor.OrganisationID, sessionID)
	return Internal("hang up phone", err)
}

// PhoneWanted returns the session's phone request, if the leader wants the
// phone now.
func (s *Store) PhoneWanted(ctx context.Context, orgID, sessionID int64) (PhoneRequest, bool, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+phoneRequestColumns+`, '' FROM session_phones p
		WHERE p.organisation_id = $1 AND p.session_id = $2`, orgID, sessionID)
	ps, err := scanPhoneRequests(rows)
	if err != nil || len(ps) == 0 {
		return PhoneRequest{}, false, Internal("find phone request", err)
	}
	return ps[0], true, nil
}

// TakePhones gives driver up to limit phone requests nobody drives: new
// ones, those whose driver's lease ran out, and driver's own that it is not
// driving (a restarted instance keeps its name and finds its calls);
// driving lists the sessions it drives already, which never fill the
// answer. SKIP LOCKED: instances taking at once get different ones.
//
// Leases are the database's time (now() + lease, compared in SQL), never an
// instance's clock: an instance whose clock ran ahead would otherwise see
// live leases as ended, take over sessions another instance drives and
// ring a leader again mid-call (issue 12). Tests expire leases by waiting
// out a short one.
func (s *Store) TakePhones(ctx context.Context, driver string, lease time.Duration, limit int, driving []int64) ([]PhoneRequest, error) {
	if err := checkDriver(driver, lease); err != nil {
		return nil, err
	}
	rows, _ := s.pool.Query(ctx, `
		WITH free AS (
			SELECT session_id, driver AS previous FROM session_phones
			WHERE (driver IS NULL OR driver = $1 OR lease_until < now()) AND session_id <> ALL (coalesce($4::bigint[], '{}'))
			ORDER BY requested_at LIMIT $3
			FOR UPDATE SKIP LOCKED
		)
		UPDATE session_phones p SET driver = $1, lease_until = now() + $2::interval
		FROM free WHERE p.session_id = free.session_id
		RETURNING `+phoneRequestColumns+`, coalesce(nullif(free.previous, $1), '')`, driver, lease, limit, driving)
	ps, err := scanPhoneRequests(rows)
	return ps, Internal("take phones", err)
}

// RenewPhones extends driver's leases (in the database's time, as
// TakePhones) and returns the sessions it still
// drives. A session missing from the answer is no longer driver's: its
// phone was hung up in the panel, or another instance took it over after
// the lease ran out; driver must stop driving it.
func (s *Store) RenewPhones(ctx context.Context, driver string, lease time.Duration) ([]int64, error) {
	if err := checkDriver(driver, lease); err != nil {
		return nil, err
	}
	rows, _ := s.pool.Query(ctx, `UPDATE session_phones SET lease_until = now() + $2::interval
		WHERE driver = $1 RETURNING session_id`, driver, lease)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	return ids, Internal("renew phones", err)
}

// PhoneDone ends driver's phone request for a session: the phone call is
// over (the leader hung up, or the cycle is complete) and the session waits
// for the next Start or Resume. pauseReason, when not empty, says why the
// call ended without the leader hanging up (no key pressed: a voicemail
// answered), kept on the session for the panel until the next Start. A
// request driver no longer holds is left alone.
func (s *Store) PhoneDone(ctx context.Context, orgID, sessionID int64, driver, pauseReason string) error {
	if len(pauseReason) > MaxPauseReasonLen {
		return FieldErrorf("pause_reason", "must be at most %d bytes", MaxPauseReasonLen)
	}
	_, err := s.pool.Exec(ctx, `
		WITH done AS (
			DELETE FROM session_phones
			WHERE organisation_id = $1 AND session_id = $2 AND driver = $3
			RETURNING session_id
		)
		UPDATE calling_sessions SET pause_reason = nullif($4, '')
		WHERE id IN (SELECT session_id FROM done) AND pause_reason IS DISTINCT FROM nullif($4, '')`,
		orgID, sessionID, driver, pauseReason)
	return Internal("phone done", err)
}

// MaxPauseReasonLen bounds Session.PauseReason.
const MaxPauseReasonLen = 500

func checkDriver(driver string, lease time.Duration) error {
	if driver == "" || len(driver) > MaxDriverLen {
		return FieldErrorf("driver", "an instance name of 1 to %d bytes is required", MaxDriverLen)
	}
	if lease <= 0 {
		return FieldErrorf("lease", "must be positive")
	}
	return nil
}

// LiveCallsOf returns the live call legs driver answers for after a restart
// or a reconnect (R10.5): those of the sessions it drives, and those of
// sessions nobody wants the phone for any more (left behind by a crash), so
// no record stays live forever. Legs of sessions other instances drive are
// theirs.
func (s *Store) LiveCallsOf(ctx context.Context, driver string) ([]CallRecord, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+callColumns+` FROM call_records c
		LEFT JOIN session_phones p ON p.session_id = c.session_id
		WHERE c.state <> 'ended' AND (p.session_id IS NULL OR p.driver = $1)
		ORDER BY c.session_id, c.id`, driver)
	calls, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (CallRecord, error) { return scanCall(row) })
	return calls, Internal("live calls", err)
}

// SessionLiveCalls returns a session's live call legs, oldest first: the
// phone flow checks them against the legs it holds, so a record whose end
// could not be written is found and ended (R10.5).
func (s *Store) SessionLiveCalls(ctx context.Context, orgID, sessionID int64) ([]CallRecord, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+callColumns+` FROM call_records c
		WHERE c.organisation_id = $1 AND c.session_id = $2 AND c.state <> 'ended'
		ORDER BY c.id`, orgID, sessionID)
	calls, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (CallRecord, error) { return scanCall(row) })
	return calls, Internal("session live calls", err)
}

// LiveChannels returns which of ids carry a live call record, whichever
// instance drives it: the others are strays to hang up (R10.5).
func (s *Store) LiveChannels(ctx context.Context, ids []string) (map[string]bool, error) {
	rows, _ := s.pool.Query(ctx, `SELECT channel_id FROM call_records
		WHERE channel_id = ANY($1) AND state <> 'ended'`, ids)
	live, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, Internal("live channels", err)
	}
	m := make(map[string]bool, len(live))
	for _, id := range live {
		m[id] = true
	}
	return m, nil
}
