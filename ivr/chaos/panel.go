package chaos

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/supporterbase/callingsessions/queue"
)

// The panel works beside the phones as leaders' browsers do: it logs
// contacts for answered calls and skips supporters, and remembers every
// write it was told succeeded; lostWrites later checks each is stored
// exactly once (R12: under failure no logged outcome or skip is lost).
const (
	panelEvery = 100 * time.Millisecond
	// retryFor bounds a browser's retries of one write, and retryEvery
	// spaces them.
	retryFor   = 20 * time.Second
	retryEvery = 200 * time.Millisecond
)

// loggedContact is a contact the panel was told is stored.
type loggedContact struct {
	session, supporter, call, contactID int64
	key                                 string
	existing                            bool // the keypad (or a retry) logged the call first
}

// loggedSkip is a skip the panel was told is stored.
type loggedSkip struct {
	session, supporter int64
	reason             string // unique to the skip, to find its audit row
}

type panel struct {
	store *queue.Store
	world *world
	rng   *rand.Rand

	mu       sync.Mutex
	contacts []loggedContact
	skips    []loggedSkip
	tried    map[int64]bool // calls the panel has logged (or tried to)
	failed   []string       // writes given up after retryFor, for the report
	stop     context.CancelFunc
	done     chan struct{}
}

func startPanel(ctx context.Context, store *queue.Store, w *world, seed uint64) *panel {
	ctx, cancel := context.WithCancel(ctx)
	p := &panel{store: store, world: w, rng: rand.New(rand.NewPCG(seed, 7)), tried: map[int64]bool{},
		stop: cancel, done: make(chan struct{})}
	go p.run(ctx)
	return p
}

// run logs a contact three times in four and skips once, every panelEvery,
// for a session chosen at random. A write in flight when the evening ends
// is finished (retried) before run returns: a browser does not forget a
// request it sent.
func (p *panel) run(ctx context.Context) {
	defer close(p.done)
	for n := 0; ctx.Err() == nil; n++ {
		s := p.world.sessions[p.rng.IntN(len(p.world.sessions))]
		if n%4 == 3 {
			p.skipOne(ctx, s, n)
		} else {
			p.logOne(ctx, s)
		}
		select {
		case <-ctx.Done():
		case <-time.After(panelEvery):
		}
	}
}

// finish stops the panel once its writes in flight are done.
func (p *panel) finish() {
	p.stop()
	<-p.done
}

// logOne logs the session's latest answered supporter call that has no
// contact yet, under a key of its own, retrying as a browser would.
func (p *panel) logOne(ctx context.Context, s session) {
	var callID, supporterID int64
	err := p.store.Pool().QueryRow(ctx, `SELECT c.id, c.supporter_id FROM call_records c
		WHERE c.session_id = $1 AND c.leg = 'supporter' AND c.answered_at IS NOT NULL
			AND NOT EXISTS (SELECT FROM contacts k WHERE k.call_id = c.id)
		ORDER BY c.id DESC LIMIT 1`, s.id).Scan(&callID, &supporterID)
	if err != nil || p.triedCall(callID) {
		return // nothing to log, or the database is away: the leader waits
	}
	in := queue.ContactInput{CallID: callID, SupporterID: supporterID, Contacted: p.rng.IntN(2) == 0,
		Notes: "logged by the chaos panel", IdempotencyKey: fmt.Sprintf("panel-%d", callID)}
	var c queue.Contact
	err = retrying(context.WithoutCancel(ctx), func() (err error) {
		c, err = p.store.LogContact(context.WithoutCancel(ctx), s.leader, s.id, in)
		return err
	})
	switch {
	case err == nil:
		p.mu.Lock()
		p.contacts = append(p.contacts, loggedContact{session: s.id, supporter: supporterID, call: callID,
			contactID: c.ID, key: in.IdempotencyKey, existing: c.Existing})
		p.mu.Unlock()
	case queue.ErrorCode(err) == queue.EINTERNAL:
		p.gaveUp(fmt.Sprintf("contact %s for call %d of session %d: %v", in.IdempotencyKey, callID, s.id, err))
	}
}

func (p *panel) triedCall(callID int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	seen := p.tried[callID]
	p.tried[callID] = true
	return seen
}

// skipOne skips the supporter last in the session's queue for this cycle
// ("This cycle"), with a reason that names the skip.
func (p *panel) skipOne(ctx context.Context, s session, n int) {
	var supporterID int64
	err := p.store.Pool().QueryRow(ctx, `SELECT supporter_id FROM session_supporters
		WHERE session_id = $1 AND on_list AND NOT attempted AND completed_at IS NULL AND skip_type IS NULL
		ORDER BY sort_key DESC LIMIT 1`, s.id).Scan(&supporterID)
	if err != nil {
		return
	}
	in := queue.SkipInput{Type: queue.SkipCycle, Reason: fmt.Sprintf("chaos panel skip %d", n)}
	err = retrying(context.WithoutCancel(ctx), func() error {
		_, err := p.store.Skip(context.WithoutCancel(ctx), s.leader, s.id, supporterID, in)
		return err
	})
	switch {
	case err == nil:
		p.mu.Lock()
		p.skips = append(p.skips, loggedSkip{session: s.id, supporter: supporterID, reason: in.Reason})
		p.mu.Unlock()
	case queue.ErrorCode(err) == queue.EINTERNAL:
		p.gaveUp(fmt.Sprintf("skip %q of supporter %d in session %d: %v", in.Reason, supporterID, s.id, err))
	}
}

func (p *panel) gaveUp(what string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failed = append(p.failed, what)
}

// retrying retries write while it fails for want of the database (an
// internal error), for at most retryFor: a refusal the user is shown
// (conflict, not found, invalid) is final, as in a browser.
func retrying(ctx context.Context, write func() error) error {
	deadline := time.Now().Add(retryFor)
	for {
		err := write()
		if err == nil || queue.ErrorCode(err) != queue.EINTERNAL || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(retryEvery):
		}
	}
}

// lostWrites checks every write the panel saw succeed: each contact is
// stored, once, for its call; each skip has exactly one audit row. It
// returns one line per write that is missing or duplicated.
func (p *panel) lostWrites(ctx context.Context, store *queue.Store) ([]string, error) {
	p.mu.Lock()
	contacts, skips := append([]loggedContact(nil), p.contacts...), append([]loggedSkip(nil), p.skips...)
	p.mu.Unlock()
	var lost []string
	for _, c := range contacts {
		var byID, forCall int
		err := store.Pool().QueryRow(ctx, `SELECT
			(SELECT count(*) FROM contacts WHERE id = $1 AND call_id = $2 AND supporter_id = $3 AND session_id = $4),
			(SELECT count(*) FROM contacts WHERE call_id = $2)`, c.contactID, c.call, c.supporter, c.session).Scan(&byID, &forCall)
		if err != nil {
			return nil, fmt.Errorf("lost writes: %w", err)
		}
		if byID != 1 || forCall != 1 {
			lost = append(lost, fmt.Sprintf("contact %d (key %s, existing %v) for call %d of supporter %d in session %d: "+
				"found %d times with its call, supporter and session; the call has %d contacts", c.contactID, c.key, c.existing, c.call, c.supporter, c.session, byID, forCall))
		}
	}
	for _, k := range skips {
		var audits int
		err := store.Pool().QueryRow(ctx, `SELECT count(*) FROM skip_audit
			WHERE session_id = $1 AND supporter_id = $2 AND action = 'skip' AND reason = $3`, k.session, k.supporter, k.reason).Scan(&audits)
		if err != nil {
			return nil, fmt.Errorf("lost writes: %w", err)
		}
		if audits != 1 {
			lost = append(lost, fmt.Sprintf("skip %q of supporter %d in session %d: %d audit rows, want 1", k.reason, k.supporter, k.session, audits))
		}
	}
	return lost, nil
}

// counts says how many writes the panel made, for the report.
func (p *panel) counts() (contacts, skips int, failed []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.contacts), len(p.skips), append([]string(nil), p.failed...)
}
