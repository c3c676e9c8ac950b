package ivr

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/supporterbase/callingsessions/ari"
	"github.com/supporterbase/callingsessions/queue"
)

// pendingWrite is a command that failed and must still happen.
type pendingWrite struct {
	cmd   command
	tries int
}

// Retries of a write that failed: from firstRetry, doubling up to
// maxRetryWait, for at most maxWriteTries tries (about 8 minutes): longer
// than any database restart, short of retrying a broken write for ever.
// Records still live after that are ended by the audits.
const (
	firstRetry    = 100 * time.Millisecond
	maxRetryWait  = 5 * time.Second
	maxWriteTries = 100
	// leaveTimeout bounds the last try of the writes when the server stops.
	leaveTimeout = 3 * time.Second
)

// mustHappen: commands whose effect the evening depends on, and which can
// safely run twice (a record's end, a log with its idempotency key, a
// hang-up of a leg already gone).
func mustHappen(kind commandKind) bool {
	switch kind {
	case recordAnswered, recordEnded, logContact, removeWrongNumber, phoneDone, hangup, destroyBridge:
		return true
	}
	return false
}

// retryable: the failure may pass (a connection lost, a timeout, Asterisk
// unreachable or failing), unlike a refusal of the request itself (a
// domain error, Asterisk's 4xx).
func retryable(err error) bool {
	var rest *ari.RESTError
	if errors.As(err, &rest) && rest.Status >= 400 && rest.Status < 500 {
		return false
	}
	return !errors.Is(err, ari.ErrInvalid) && queue.ErrorCode(err) == queue.EINTERNAL
}

// failed keeps a write that must happen for another try, or logs it. One
// cut short because the server stops is kept too: leave tries it last.
func (d *driver) failed(ctx context.Context, w pendingWrite, err error) {
	w.tries++
	log := d.log.With("command", w.cmd.kind, "channel_id", w.cmd.channel, "call_id", w.cmd.callID, "tries", w.tries, "err", err)
	switch {
	case !mustHappen(w.cmd.kind) || !retryable(err):
		log.Warn("command failed")
	case w.tries >= maxWriteTries:
		log.Error("command failed; giving up: the audits end what it left live")
	case ctx.Err() != nil:
		d.writes = append(d.writes, w)
	default:
		log.Warn("command failed; it will be tried again")
		d.writes = append(d.writes, w)
		d.scheduleRetry()
	}
}

// scheduleRetry asks for a retryWrites event after a wait that grows with
// the tries of the oldest write.
func (d *driver) scheduleRetry() {
	if d.retrying || len(d.writes) == 0 {
		return
	}
	d.retrying = true
	wait := firstRetry << min(d.writes[0].tries-1, 6)
	time.AfterFunc(min(wait, maxRetryWait), func() { d.send(event{kind: retryWrites}) })
}

// flush tries the pending writes again, in order, and reports whether none
// is left.
func (d *driver) flush(ctx context.Context) bool {
	writes := d.writes
	d.writes = nil
	for _, w := range writes {
		if _, err := d.run1(ctx, w.cmd); err != nil {
			d.failed(ctx, w, err)
		} else {
			d.log.Info("command made after a retry", "command", w.cmd.kind, "call_id", w.cmd.callID, "tries", w.tries)
		}
	}
	d.scheduleRetry()
	return len(d.writes) == 0
}

// leave is the driver's end when the server stops: the writes still
// pending get one last try, and those that fail are reported (the next
// instance's reconciliation ends what they left live).
func (d *driver) leave(ctx context.Context) error {
	if len(d.writes) == 0 {
		return nil
	}
	last, cancel := context.WithTimeout(context.WithoutCancel(ctx), leaveTimeout)
	defer cancel()
	var errs []error
	for _, w := range d.writes {
		if _, err := d.run1(last, w.cmd); err != nil {
			errs = append(errs, fmt.Errorf("session %d: %v of call %d: %w", d.call.SessionID, w.cmd.kind, w.cmd.callID, err))
		}
	}
	d.writes = nil
	return errors.Join(errs...)
}

// claimTries bounds the claims for one key: a claim whose connection broke
// may have been made (its answer lost), so the next try meets the session's
// live leg, which the audit ends before the try after.
const claimTries = 4

// claim asks the queue for the next supporter (R4.2), first making the
// writes still pending (a supporter leg's end would block it). A failure
// that may pass is tried again at once, a live leg the call does not hold
// is ended; the leader hears "technical problem" only when that fails.
func (d *driver) claim(ctx context.Context) *event {
	d.flush(ctx)
	var ev event
	for try := range claimTries {
		cl, ok, err := d.e.store.Claim(ctx, d.org.ID, d.call.SessionID)
		ev = event{kind: claimResult, claim: cl, claimed: ok, err: err}
		switch {
		case errors.Is(err, queue.ErrSupporterLegLive):
			d.log.Warn("the session has a live supporter leg the call does not hold; ending it", "err", err)
			d.auditNow(ctx)
		case err != nil && ctx.Err() == nil && retryable(err):
			d.log.Warn("claiming the next supporter failed; trying again", "err", err, "try", try+1)
			sleep(ctx, firstRetry<<try)
		default:
			return &ev
		}
	}
	return &ev
}

// auditNow checks the session's live records with the call's legs now.
func (d *driver) auditNow(ctx context.Context) {
	records, err := d.e.store.SessionLiveCalls(ctx, d.org.ID, d.call.SessionID)
	if err != nil {
		d.log.Warn("reading the session's live calls", "err", err)
		return
	}
	d.exec(ctx, d.call.onAudit(records))
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
