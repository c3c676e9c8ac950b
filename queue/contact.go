package queue

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// Contact is the log of one contact with a supporter (R5): whether the
// leader reached them, their RSVP when the session's list is tied to an
// event, how they were reached, notes, and the tags the conversation added
// to or removed from the supporter.
//
// A contact is logged once (R5.3): a second log with the same idempotency
// key (per organisation), or a second log for the same call whatever its key
// (the keypad after the panel, R4.3), returns the first with Existing set and
// changes nothing. Marking a supporter contacted takes them out of the
// session's queue for good and gives them a green tick (R5.2); that is per
// session, so other leaders' sessions still call them. A contact can be
// corrected later by its author or an admin; every earlier version is kept
// (R5.4).
type Contact struct {
	ID             int64
	OrganisationID int64
	SessionID      int64
	Cycle          int // the session's cycle when it was logged
	SupporterID    int64
	CallID         int64 // the supporter leg it was logged for; 0 when logged without a call
	AuthorID       int64
	AuthorName     string
	Contacted      bool
	RSVP           RSVP
	Method         ContactMethod
	Notes          string
	TagsAdded      []string
	TagsRemoved    []string
	IdempotencyKey string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	UpdatedBy      int64
	// Existing is true when this call returned an earlier log instead of
	// creating one (a retry, a double submit, the keypad after the panel).
	Existing bool
}

// ContactMethod is how a supporter was reached (R5.1).
type ContactMethod string

// The contact methods; Phone Call is the default.
const (
	MethodPhone    ContactMethod = "phone"
	MethodSMS      ContactMethod = "sms"
	MethodEmail    ContactMethod = "email"
	MethodInPerson ContactMethod = "in_person"
	MethodOther    ContactMethod = "other"
)

// ContactMethods are the methods in the order the form offers them.
var ContactMethods = []ContactMethod{MethodPhone, MethodSMS, MethodEmail, MethodInPerson, MethodOther}

// Label is the method as the form writes it.
func (m ContactMethod) Label() string {
	switch m {
	case MethodPhone:
		return "Phone Call"
	case MethodSMS:
		return "SMS"
	case MethodEmail:
		return "Email"
	case MethodInPerson:
		return "In person"
	case MethodOther:
		return "Other"
	}
	return string(m)
}

// RSVP is a supporter's answer to the event of the session's list (R5.1).
type RSVP string

// The answers; RSVPNone when none was given or the list has no event.
const (
	RSVPNone  RSVP = ""
	RSVPYes   RSVP = "yes"
	RSVPNo    RSVP = "no"
	RSVPMaybe RSVP = "maybe"
)

// Limits on a contact log.
const (
	MaxNotesLen          = 10_000
	MaxIdempotencyKeyLen = 200
	MaxContactsPage      = 100
)

// ContactInput is a contact log as the panel's form or the phone's keypad
// sends it. An empty Method means Phone Call. IdempotencyKey identifies the
// submission: the form sends the same key on every retry of one log.
type ContactInput struct {
	CallID         int64 // 0 when logged without a call
	SupporterID    int64
	Contacted      bool
	RSVP           RSVP
	Method         ContactMethod
	Notes          string
	TagsAdd        []string
	TagsRemove     []string
	IdempotencyKey string
}

// normalised checks what needs no database and returns the input with the
// default method and normalised tags. Errors are EINVALID naming the field.
func (in ContactInput) normalised() (ContactInput, error) {
	if in.Method == "" {
		in.Method = MethodPhone
	}
	if !slices.Contains(ContactMethods, in.Method) {
		return in, FieldErrorf("method", "%q is not one of phone, sms, email, in_person, other", in.Method)
	}
	switch in.RSVP {
	case RSVPNone, RSVPYes, RSVPNo, RSVPMaybe:
	default:
		return in, FieldErrorf("rsvp", "%q is not one of yes, no, maybe", in.RSVP)
	}
	if err := checkText("notes", in.Notes, MaxNotesLen); err != nil {
		return in, err
	}
	var err error
	if in.TagsAdd, err = NormaliseTags(in.TagsAdd); err != nil {
		return in, err
	}
	if in.TagsRemove, err = NormaliseTags(in.TagsRemove); err != nil {
		return in, err
	}
	return in, nil
}

// checkText refuses what PostgreSQL would refuse as text (invalid UTF-8, NUL)
// and text longer than max characters.
func checkText(field, value string, max int) error {
	if !utf8.ValidString(value) || strings.ContainsRune(value, 0) {
		return FieldErrorf(field, "must be plain UTF-8 text")
	}
	if utf8.RuneCountInString(value) > max {
		return FieldErrorf(field, "is longer than %d characters", max)
	}
	return nil
}

func checkIdempotencyKey(key string) error {
	if strings.TrimSpace(key) == "" {
		return FieldErrorf("idempotency_key", "is required")
	}
	return checkText("idempotency_key", key, MaxIdempotencyKeyLen)
}

// LogContact logs a contact with a supporter of the session (R5), for one
// of its calls (live or ended: the panel may log during the call) or without
// one. In one transaction it stores the contact in the session's current
// cycle; when Contacted, marks the supporter completed in this session (out
// of its queue, R5.2); applies the tags to the supporter; and records
// activity on the session. A repeated key, or a second log for the same
// call, returns the first contact with Existing set and changes nothing
// (R5.3), also when the requests race.
//
// Who may: the session's leader, an admin, a captain or vice-captain of the
// group. EINVALID naming the field for bad input (idempotency_key, notes,
// method, rsvp — also an RSVP on a list without an event — tags);
// ENOTFOUND for a session of another organisation, a supporter not in the
// session (field "supporter_id"), a call that is not this supporter's leg
// in this session (field "call_id"); EFORBIDDEN if the actor may not run the
// session; ECONFLICT (field "idempotency_key") if the key was used for a
// contact with another supporter or session.
func (s *Store) LogContact(ctx context.Context, actor User, sessionID int64, in ContactInput) (Contact, error) {
	if err := checkIdempotencyKey(in.IdempotencyKey); err != nil {
		return Contact{}, err
	}
	in, err := in.normalised()
	if err != nil {
		return Contact{}, err
	}
	if _, err := s.sessionFor(ctx, actor, sessionID); err != nil {
		return Contact{}, err
	}
	now := s.clock.Now()
	// A claim may dial the supporter between the call locks and the row
	// locks (see lockForLog); the transaction then starts over, locking
	// that call too.
	for attempt := 1; ; attempt++ {
		var c Contact
		err := s.inTx(ctx, "log contact", func(tx pgx.Tx) (err error) {
			c, err = s.logContactTx(ctx, tx, actor, sessionID, in, now)
			return err
		})
		if errors.Is(err, errCallStarted) && attempt < 3 {
			continue
		}
		if err != nil {
			return Contact{}, err
		}
		return c, nil
	}
}

// errCallStarted: a call to the supporter started while a log took its locks.
var errCallStarted = &Error{Code: ECONFLICT, Field: "supporter_id", Message: "the supporter is being called right now; log again"}

func (s *Store) logContactTx(ctx context.Context, tx pgx.Tx, actor User, sessionID int64, in ContactInput, now time.Time) (Contact, error) {
	args := pgx.NamedArgs{
		"org": actor.OrganisationID, "session": sessionID, "supporter": in.SupporterID, "call": in.CallID,
		"actor": actor.ID, "contacted": in.Contacted, "rsvp": in.RSVP, "method": in.Method, "notes": in.Notes,
		"tags_added": in.TagsAdd, "tags_removed": in.TagsRemove, "key": in.IdempotencyKey, "now": now,
	}
	tags, err := lockForLog(ctx, tx, args)
	if err != nil {
		return Contact{}, err
	}
	var hasEvent, callFound bool
	var loggedID *int64
	if err := tx.QueryRow(ctx, logContact, args).Scan(&hasEvent, &callFound, &loggedID); err != nil {
		return Contact{}, notFound(err, "session")
	}
	switch {
	case !callFound:
		return Contact{}, &Error{Code: ENOTFOUND, Field: "call_id", Message: "no call to this supporter in this session"}
	case in.RSVP != RSVPNone && !hasEvent:
		return Contact{}, FieldErrorf("rsvp", "this session's list is not tied to an event")
	}
	if loggedID != nil {
		if err := s.retag(ctx, tx, in.SupporterID, tags, in.TagsAdd, in.TagsRemove, now); err != nil {
			return Contact{}, err
		}
	}
	// Read back what this log is now: ours, or the one that was there first
	// (READ COMMITTED: the conflicting row has committed by now).
	c, err := scanContact(tx.QueryRow(ctx, earlierLog, args))
	if err != nil {
		return Contact{}, notFound(err, "contact")
	}
	c.Existing = loggedID == nil
	if c.SessionID != sessionID || c.SupporterID != in.SupporterID {
		return Contact{}, &Error{Code: ECONFLICT, Field: "idempotency_key", Message: "already used for another contact"}
	}
	return c, nil
}

// lockForLog takes the locks a log needs, in one round trip, and returns
// the supporter's tags. ENOTFOUND (field "supporter_id") if the supporter is
// not in the session; errCallStarted if a call to them started meanwhile.
//
// The order keeps logs from deadlocking with the other writers of these
// rows. Calls first: the end of a call locks its record before the session,
// queue and supporter rows, so a log racing the end of the call it logs (or
// of the supporter's live call) waits for it, or it for the log.
// Then a key-share lock on the session, which keeps a new cycle or a
// prioritise (they lock the session first) waiting until the log is done
// but lets claims, call ends and skips go on; then the queue row and the
// supporter, as a claim takes them. The session row itself is updated last.
func lockForLog(ctx context.Context, tx pgx.Tx, args pgx.NamedArgs) ([]string, error) {
	b := &pgx.Batch{}
	b.Queue(lockLoggedCalls, args)
	b.Queue(lockLoggedSupporter, args)
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	rows, err := br.Query()
	if err != nil {
		return nil, err
	}
	locked, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	var tags []string
	var liveCall *int64
	err = br.QueryRow().Scan(&tags, &liveCall)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, &Error{Code: ENOTFOUND, Field: "supporter_id", Message: "supporter not found in this session"}
	case err != nil:
		return nil, err
	case liveCall != nil && !slices.Contains(locked, *liveCall):
		return nil, errCallStarted
	}
	return tags, nil
}

// lockLoggedCalls locks the call being logged and the supporter's live
// call, if any, and returns their ids.
const lockLoggedCalls = `
	SELECT c.id FROM call_records c
	WHERE c.organisation_id = @org AND (c.id = @call::bigint OR c.id = (SELECT sp.live_call_id FROM supporters sp
		WHERE sp.organisation_id = @org AND sp.id = @supporter::bigint))
	ORDER BY c.id
	FOR NO KEY UPDATE`

// lockLoggedSupporter locks the session (key share), the supporter's queue
// row and the supporter, in that order, and reads the supporter's tags and
// live call.
const lockLoggedSupporter = `
	SELECT sp.tags, sp.live_call_id
	FROM calling_sessions s
	JOIN session_supporters ss ON ss.session_id = s.id
	JOIN supporters sp ON sp.id = ss.supporter_id
	WHERE s.organisation_id = @org AND s.id = @session::bigint AND ss.supporter_id = @supporter::bigint
	FOR KEY SHARE OF s FOR NO KEY UPDATE OF ss, sp`

// logContact stores the contact if the call (when given) is the
// supporter's leg in this session and an RSVP comes only with an event,
// then completes the supporter when contacted and touches the session. A
// conflict on the key or on the call inserts nothing and changes nothing.
// It reports what it checked and the new contact's id (NULL if none).
const logContact = `
	WITH session AS (
		SELECT s.id, s.cycle, l.event_id IS NOT NULL AS has_event
		FROM calling_sessions s JOIN call_lists l ON l.id = s.list_id
		WHERE s.organisation_id = @org AND s.id = @session::bigint
	), call AS (
		SELECT c.id, c.outcome FROM call_records c
		WHERE c.organisation_id = @org AND c.id = @call::bigint AND c.session_id = @session::bigint
			AND c.leg = 'supporter' AND c.supporter_id = @supporter::bigint
	), valid AS (
		SELECT session.* FROM session
		WHERE (@call::bigint = 0 OR EXISTS (SELECT FROM call)) AND (session.has_event OR @rsvp::text = '')
	), logged AS (
		INSERT INTO contacts (organisation_id, session_id, cycle, supporter_id, call_id, author_id,
			contacted, rsvp, method, notes, tags_added, tags_removed, idempotency_key,
			created_at, updated_at, updated_by)
		SELECT @org::bigint, valid.id, valid.cycle, @supporter::bigint, nullif(@call::bigint, 0), @actor::bigint,
			@contacted::boolean, nullif(@rsvp::text, '')::rsvp, @method::text::contact_method, @notes::text,
			@tags_added::text[], @tags_removed::text[], @key::text,
			@now::timestamptz, @now::timestamptz, @actor::bigint
		FROM valid
		ON CONFLICT DO NOTHING
		RETURNING *
	), completed AS (
		UPDATE session_supporters ss SET completed_at = logged.created_at, completed_by = logged.author_id
		FROM logged
		WHERE logged.contacted AND ss.session_id = logged.session_id AND ss.supporter_id = logged.supporter_id
			AND ss.completed_at IS NULL
	), marked AS (
		-- The call has an outcome now (R4.4): one still live ends answered
		-- if it is cut (CallEnded reads the mark), and one that ended cut was
		-- answered after all: its supporter, put first in the queue again,
		-- is done with for this cycle and cools down as after any answer.
		UPDATE call_records c SET logged = true,
			outcome = CASE WHEN was.outcome = 'cut' THEN 'answered' ELSE c.outcome END
		FROM logged JOIN call was ON was.id = logged.call_id
		WHERE c.id = was.id AND NOT c.logged
		RETURNING c.session_id, c.supporter_id, c.ended_at, was.outcome = 'cut' AS uncut, logged.contacted
	), unqueued AS (
		UPDATE session_supporters ss SET attempted = true
		FROM marked
		WHERE marked.uncut AND NOT marked.contacted
			AND ss.session_id = marked.session_id AND ss.supporter_id = marked.supporter_id
	), cooled AS (
		UPDATE supporters sp SET last_call_at = greatest(sp.last_call_at, marked.ended_at)
		FROM marked WHERE marked.uncut AND sp.id = marked.supporter_id
	), touched AS (
		UPDATE calling_sessions s SET last_activity_at = logged.created_at
		FROM logged WHERE s.id = logged.session_id
	)
	SELECT session.has_event, @call::bigint = 0 OR EXISTS (SELECT FROM call), (SELECT id FROM logged)
	FROM session`

// earlierLog finds the contact of this key, else the one of this call.
const earlierLog = `
	SELECT ` + contactColumns + ` FROM contacts k
	WHERE k.organisation_id = @org
		AND (k.idempotency_key = @key::text OR (@call::bigint <> 0 AND k.call_id = @call::bigint))
	ORDER BY k.idempotency_key = @key::text DESC
	LIMIT 1`

// retag adds and removes a log's tags on the supporter, whose current tags
// the caller read under lock. Tags match case-insensitively; the result is
// normalised as any supporter's tags (NormaliseTags), so an existing
// spelling wins over an added one.
func (s *Store) retag(ctx context.Context, tx pgx.Tx, supporterID int64, current, add, remove []string, now time.Time) error {
	if len(add) == 0 && len(remove) == 0 {
		return nil
	}
	removed := make(map[string]bool, len(remove))
	for _, t := range remove {
		removed[strings.ToLower(t)] = true
	}
	var kept []string
	for _, t := range slices.Concat(current, add) {
		if !removed[strings.ToLower(t)] {
			kept = append(kept, t)
		}
	}
	tags, err := NormaliseTags(kept)
	if err != nil {
		return err
	}
	if slices.Equal(tags, current) {
		return nil
	}
	_, err = tx.Exec(ctx, `UPDATE supporters SET tags = $2, updated_at = $3 WHERE id = $1`, supporterID, tags, now)
	return err
}

const contactColumns = `k.id, k.organisation_id, k.session_id, k.cycle, k.supporter_id, coalesce(k.call_id, 0),
	k.author_id, (SELECT trim(u.first_name || ' ' || u.last_name) FROM users u WHERE u.id = k.author_id),
	k.contacted, coalesce(k.rsvp::text, ''), k.method, k.notes, k.tags_added, k.tags_removed,
	k.idempotency_key, k.created_at, k.updated_at, k.updated_by`

func scanContact(row pgx.Row) (Contact, error) {
	var c Contact
	err := row.Scan(&c.ID, &c.OrganisationID, &c.SessionID, &c.Cycle, &c.SupporterID, &c.CallID,
		&c.AuthorID, &c.AuthorName, &c.Contacted, &c.RSVP, &c.Method, &c.Notes, &c.TagsAdded, &c.TagsRemoved,
		&c.IdempotencyKey, &c.CreatedAt, &c.UpdatedAt, &c.UpdatedBy)
	return c, err
}

// ContactForCall returns the contact logged for a call, if any: the phone
// flow asks before logging from the keypad in wrap-up (R4.3). ENOTFOUND if
// the organisation has no such call.
func (s *Store) ContactForCall(ctx context.Context, orgID, callID int64) (Contact, bool, error) {
	c, err := scanContact(s.pool.QueryRow(ctx, `SELECT `+contactColumns+` FROM contacts k
		WHERE k.organisation_id = $1 AND k.call_id = $2`, orgID, callID))
	if errors.Is(err, pgx.ErrNoRows) {
		if _, err := s.Call(ctx, orgID, callID); err != nil {
			return Contact{}, false, err
		}
		return Contact{}, false, nil
	}
	if err != nil {
		return Contact{}, false, Internal("find contact for call", err)
	}
	return c, true, nil
}

// ContactsOf returns up to limit contacts with a supporter, newest first,
// from every session of the organisation: the current call card shows their
// notes (R3.6). EINVALID (field "limit") unless 1 <= limit <=
// MaxContactsPage; ENOTFOUND if the supporter is not the organisation's.
func (s *Store) ContactsOf(ctx context.Context, orgID, supporterID int64, limit int) ([]Contact, error) {
	if limit < 1 || limit > MaxContactsPage {
		return nil, FieldErrorf("limit", "must be between 1 and %d", MaxContactsPage)
	}
	rows, err := s.pool.Query(ctx, `SELECT `+contactColumns+` FROM contacts k
		WHERE k.organisation_id = $1 AND k.supporter_id = $2
		ORDER BY k.created_at DESC, k.id DESC
		LIMIT $3`, orgID, supporterID, limit)
	if err != nil {
		return nil, Internal("list contacts", err)
	}
	cs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Contact, error) { return scanContact(r) })
	if err != nil {
		return nil, Internal("list contacts", err)
	}
	if len(cs) == 0 {
		if _, err := s.Supporter(ctx, orgID, supporterID); err != nil {
			return nil, err
		}
	}
	return cs, nil
}

// Tick is the green tick on a supporter's profile (R5.2): the latest contact
// that marked them contacted, by whom, when, in which session.
type Tick struct {
	ContactID   int64
	AuthorID    int64
	AuthorName  string
	At          time.Time
	SessionID   int64
	SessionName string
}

// ContactStatus returns the supporter's green tick; ok is false when no
// contact (as currently corrected) marks them contacted in any session of
// the organisation. ENOTFOUND if the supporter is not the organisation's.
func (s *Store) ContactStatus(ctx context.Context, orgID, supporterID int64) (Tick, bool, error) {
	var t Tick
	err := s.pool.QueryRow(ctx, `
		SELECT k.id, k.author_id, trim(u.first_name || ' ' || u.last_name), k.created_at, s.id, s.name
		FROM contacts k
		JOIN users u ON u.id = k.author_id
		JOIN calling_sessions s ON s.id = k.session_id
		WHERE k.organisation_id = $1 AND k.supporter_id = $2 AND k.contacted
		ORDER BY k.created_at DESC, k.id DESC
		LIMIT 1`, orgID, supporterID).Scan(&t.ContactID, &t.AuthorID, &t.AuthorName, &t.At, &t.SessionID, &t.SessionName)
	if errors.Is(err, pgx.ErrNoRows) {
		if _, err := s.Supporter(ctx, orgID, supporterID); err != nil {
			return Tick{}, false, err
		}
		return Tick{}, false, nil
	}
	if err != nil {
		return Tick{}, false, Internal("find green tick", err)
	}
	return t, true, nil
}
