package queue

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// CurrentCall is the current call card of a session's dashboard (R3.6):
// where the leader's phone call is, the supporter it is about, and whether a
// contact is logged for that supporter's call yet (R5).
//
// The card is about the session's latest leader leg: while it is live, its
// stage follows the legs; once it has ended (the session paused) the card
// keeps its last supporter call, so the leader can still log the call they
// hung up on. A leader leg that never reached a supporter leaves Call nil.
type CurrentCall struct {
	SessionID int64
	Stage     CallStage
	// PhoneWanted: the leader clicked Start or Resume and has not hung up
	// (or closed the page) since.
	PhoneWanted bool
	Leader      *CallRecord // the session's latest leader leg; nil before the first Start
	// Call is the supporter leg the card is about: the latest one dialled
	// since Leader answered, live or ended; nil when none was.
	Call      *CallRecord
	Supporter *Supporter // Call's supporter; nil with Call, or if the supporter was deleted
	Contact   *Contact   // the contact logged for Call (in the panel or on the keypad), if any
	// Earlier are the supporter's other contacts, from every session of the
	// organisation, newest first, at most MaxEarlierContacts: their notes.
	Earlier []Contact
}

// MaxEarlierContacts bounds CurrentCall.Earlier.
const MaxEarlierContacts = 5

// CallStage is where the leader's phone call is (R3.6).
type CallStage string

// The stages of the current call card, in the order an evening goes
// through them.
const (
	StageIdle             CallStage = "idle"              // no phone call: not started or paused
	StagePhoneRequested   CallStage = "phone_requested"   // Start clicked; the leader's phone is about to ring
	StageRingingLeader    CallStage = "ringing_leader"    // the leader's phone is ringing
	StageLeaderOnLine     CallStage = "leader_on_line"    // the leader answered; nobody dialled yet (the greeting)
	StageRingingSupporter CallStage = "ringing_supporter" // a supporter's phone is ringing; the leader hears ringback
	StageConnected        CallStage = "connected"         // the leader and the supporter are talking
	StageWrapUp           CallStage = "wrap_up"           // the supporter's leg ended; any key dials the next
)

// Label is the stage as the card writes it.
func (st CallStage) Label() string {
	switch st {
	case StageIdle:
		return "Not calling"
	case StagePhoneRequested:
		return "Calling your phone…"
	case StageRingingLeader:
		return "Ringing the leader"
	case StageLeaderOnLine:
		return "Leader on the line"
	case StageRingingSupporter:
		return "Ringing the supporter"
	case StageConnected:
		return "Connected"
	case StageWrapUp:
		return "Wrap-up"
	}
	return string(st)
}

// Live reports whether the leader's phone call is under way.
func (st CallStage) Live() bool { return st != StageIdle && st != StagePhoneRequested }

// currentLegs finds the session's latest leader leg and the latest supporter
// leg dialled since it was answered. The live leader leg is found by its
// unique partial index; an ended one by the session's index, newest cycle
// first. A supporter leg of this phone call has a later id than its leader
// leg and was originated once the leader answered. The ivr finds whom an
// adopted call's wrap-up keys log by this rule too.
const currentLegs = `
	SELECT EXISTS (SELECT FROM session_phones p WHERE p.session_id = s.id),
		leader.id, call.id, call.supporter_id
	FROM calling_sessions s
	LEFT JOIN LATERAL (
		(SELECT c.id, c.answered_at FROM call_records c
		WHERE c.session_id = s.id AND c.leg = 'leader' AND c.state <> 'ended')
		UNION ALL
		(SELECT c.id, c.answered_at FROM call_records c
		WHERE c.session_id = s.id AND c.leg = 'leader'
		ORDER BY c.cycle DESC, c.id DESC LIMIT 1)
		LIMIT 1
	) leader ON true
	LEFT JOIN LATERAL (
		SELECT c.id, c.supporter_id FROM call_records c
		WHERE c.session_id = s.id AND c.leg = 'supporter'
			AND c.id > leader.id AND c.originated_at >= leader.answered_at
		ORDER BY c.id DESC LIMIT 1
	) call ON true
	WHERE s.organisation_id = $1 AND s.id = $2`

// CurrentCall returns the current call card of a session (R3.6).
// ENOTFOUND if the organisation has no such session.
func (s *Store) CurrentCall(ctx context.Context, orgID, sessionID int64) (CurrentCall, error) {
	cc := CurrentCall{SessionID: sessionID, Stage: StageIdle}
	var leaderID, callID, supporterID *int64
	err := s.pool.QueryRow(ctx, currentLegs, orgID, sessionID).Scan(&cc.PhoneWanted, &leaderID, &callID, &supporterID)
	if err != nil {
		return CurrentCall{}, Internal("current call", notFound(err, "session"))
	}
	if leaderID == nil {
		if cc.PhoneWanted {
			cc.Stage = StagePhoneRequested
		}
		return cc, nil
	}

	b := &pgx.Batch{}
	ids := []int64{*leaderID}
	if callID != nil {
		ids = append(ids, *callID)
	}
	b.Queue(`SELECT `+callColumns+` FROM call_records c WHERE c.organisation_id = $1 AND c.id = ANY($2) ORDER BY c.id`, orgID, ids)
	if supporterID != nil {
		b.Queue(`SELECT `+supporterColumns+` FROM supporters s WHERE s.organisation_id = $1 AND s.id = $2`, orgID, *supporterID)
		b.Queue(`SELECT `+contactColumns+` FROM contacts k WHERE k.organisation_id = $1 AND k.call_id = $2`, orgID, *callID)
		b.Queue(`SELECT `+contactColumns+` FROM contacts k
			WHERE k.organisation_id = $1 AND k.supporter_id = $2 AND k.call_id IS DISTINCT FROM $3
			ORDER BY k.created_at DESC, k.id DESC LIMIT $4`, orgID, *supporterID, *callID, MaxEarlierContacts)
	}
	err = func() error {
		br := s.pool.SendBatch(ctx, b)
		defer br.Close()
		rows, _ := br.Query()
		calls, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (CallRecord, error) { return scanCall(row) })
		if err != nil {
			return err
		}
		for i := range calls {
			if calls[i].ID == *leaderID {
				cc.Leader = &calls[i]
			} else {
				cc.Call = &calls[i]
			}
		}
		if supporterID == nil {
			return nil
		}
		rows, _ = br.Query()
		supporters, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Supporter, error) { return scanSupporter(row) })
		if err != nil {
			return err
		}
		if len(supporters) == 1 {
			cc.Supporter = &supporters[0]
		}
		rows, _ = br.Query()
		logged, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Contact, error) { return scanContact(row) })
		if err != nil {
			return err
		}
		if len(logged) == 1 {
			cc.Contact = &logged[0]
		}
		rows, _ = br.Query()
		cc.Earlier, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Contact, error) { return scanContact(row) })
		return err
	}()
	if err != nil {
		return CurrentCall{}, Internal("current call", err)
	}
	if cc.Leader == nil { // ended and gone between the two statements: records are never deleted
		return CurrentCall{}, Internal("current call", notFound(pgx.ErrNoRows, "leader call"))
	}
	cc.Stage = stageOf(cc.PhoneWanted, cc.Leader, cc.Call)
	return cc, nil
}

// stageOf reads the card's stage from the legs.
func stageOf(wanted bool, leader, call *CallRecord) CallStage {
	switch {
	case leader.State == CallEnded && wanted:
		return StagePhoneRequested // a new Start after the last call: its leg is not recorded yet
	case leader.State == CallEnded:
		return StageIdle
	case leader.State == CallDialling:
		return StageRingingLeader
	case call == nil:
		return StageLeaderOnLine
	case call.State == CallDialling:
		return StageRingingSupporter
	case call.State == CallAnswered:
		return StageConnected
	}
	return StageWrapUp
}
