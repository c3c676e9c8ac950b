package chaos

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// settleBudget is how long the evening may take to wind down once every
// leader hangs up: drivers see their leader's leg end, end the records and
// release the phone, and a server that lost track of a session has its
// lease (3 s) run out and a renewal or two to notice. Phones first, then
// records and channels.
type settleBudget struct{ phones, records time.Duration }

var (
	eveningSettle = settleBudget{phones: 12 * time.Second, records: 6 * time.Second}
	// After the resumes a session known stuck need not be waited for as
	// long again.
	resumedSettle = settleBudget{phones: 8 * time.Second, records: 4 * time.Second}
)

// finish ends the evening and reads the invariants from the database and
// the phone network.
func (d *drill) finish(ctx context.Context) error {
	d.panel.finish()
	if err := d.settle(ctx, "the evening ended", eveningSettle); err != nil {
		return err
	}
	if err := d.checkWrites(ctx); err != nil {
		return err
	}
	if err := d.checkFaultLegs(ctx); err != nil {
		return err
	}
	if err := d.resumeAll(ctx); err != nil {
		return err
	}
	if err := d.settle(ctx, "the resumed sessions were hung up", resumedSettle); err != nil {
		return err
	}
	if err := d.checkDoubleDials(ctx); err != nil {
		return err
	}
	return d.count(ctx)
}

// settle ends the evening as leaders do: each hangs up their phone, and
// would not answer it again. Then every phone request must be released,
// every record ended and every channel gone, each within a deadline.
func (d *drill) settle(ctx context.Context, after string, budget settleBudget) error {
	for mobile := range d.world.leaderOf {
		d.sim.SetScript(mobile, goneLeader)
	}
	d.logf("settling: every leader hangs up")
	err := poll(ctx, budget.phones, 100*time.Millisecond, func() (bool, error) {
		leaders := 0
		for _, c := range d.sim.Channels() {
			if _, ok := d.world.leaderOf[c.Number]; ok {
				leaders++
				_ = d.sim.HangupFarEnd(c.ID) // it may be going already
			}
		}
		var wanted int
		if err := d.store.Pool().QueryRow(ctx, `SELECT count(*) FROM session_phones`).Scan(&wanted); err != nil {
			return false, nil // the database may be restarting
		}
		return leaders == 0 && wanted == 0, nil
	}, "every phone request released after the leaders hung up")
	if err != nil && !errors.Is(err, errTimeout) {
		return err
	}
	if err != nil {
		if err := d.heldPhones(ctx, after, budget.phones); err != nil {
			return err
		}
	}
	return d.awaitRecordsEnded(ctx, after, budget.records)
}

// heldPhones counts the sessions whose phone request outlived their leader.
func (d *drill) heldPhones(ctx context.Context, after string, waited time.Duration) error {
	rows, _ := d.store.Pool().Query(ctx, `SELECT session_id, coalesce(driver, '(none)'), coalesce(lease_until::text, '-'),
		lease_until > now() FROM session_phones ORDER BY session_id`)
	type held struct {
		session      int64
		driver, till string
		leased       bool
	}
	phones, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (held, error) {
		var h held
		var leased *bool
		err := row.Scan(&h.session, &h.driver, &h.till, &leased)
		h.leased = leased != nil && *leased
		return h, err
	})
	if err != nil {
		return fmt.Errorf("held phones: %w", err)
	}
	for _, h := range phones {
		d.stuckSession(h.session, fmt.Sprintf("its phone request is still held by %s (lease until %s, live %v) %v after %s and every leader hung up; channels: %s",
			h.driver, h.till, h.leased, waited, after, d.describeChannels()))
	}
	return nil
}

// awaitRecordsEnded waits for every call record to end and every channel
// to go, then counts the ones that did not.
func (d *drill) awaitRecordsEnded(ctx context.Context, after string, within time.Duration) error {
	err := poll(ctx, within, 100*time.Millisecond, func() (bool, error) {
		ids, err := d.liveRecordIDs(ctx)
		return err == nil && len(ids) == 0 && len(d.sim.Channels()) == 0, nil
	}, "every call record ended and every channel gone")
	if err == nil {
		return nil
	}
	if !errors.Is(err, errTimeout) {
		return err
	}
	if err := d.liveRecords(ctx, after, within); err != nil {
		return err
	}
	d.strayChannels(after, within)
	return nil
}

// liveRecords counts the records still live, each once.
func (d *drill) liveRecords(ctx context.Context, after string, waited time.Duration) error {
	rows, _ := d.store.Pool().Query(ctx, `SELECT c.id, c.session_id, c.leg::text, coalesce(c.supporter_id, 0), c.state::text,
		coalesce(c.channel_id, ''), c.originated_at, coalesce(p.driver, '(no phone request)')
		FROM call_records c LEFT JOIN session_phones p ON p.session_id = c.session_id
		WHERE c.state <> 'ended' ORDER BY c.id`)
	type live struct {
		id, session, supporter int64
		leg, state, channel    string
		at                     time.Time
		driver                 string
	}
	records, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (live, error) {
		var l live
		err := row.Scan(&l.id, &l.session, &l.leg, &l.supporter, &l.state, &l.channel, &l.at, &l.driver)
		return l, err
	})
	if err != nil {
		return fmt.Errorf("live records: %w", err)
	}
	inSim := map[string]bool{}
	for _, c := range d.sim.Channels() {
		inSim[c.ID] = true
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, l := range records {
		if d.live[l.id] {
			continue
		}
		d.live[l.id] = true
		d.res.LiveRecordsAfter++
		d.res.Problems = append(d.res.Problems, fmt.Sprintf("live record %d (session %d, %s leg, supporter %d, %s, channel %q in Asterisk: %v, originated %s, phone driver %s) still live %v after %s",
			l.id, l.session, l.leg, l.supporter, l.state, l.channel, inSim[l.channel], l.at.Format("15:04:05.000"), l.driver, waited, after))
	}
	return nil
}

// strayChannels counts the channels left in Asterisk: phones that would
// ring or stay connected for ever.
func (d *drill) strayChannels(after string, waited time.Duration) {
	chans := d.sim.Channels()
	if len(chans) == 0 {
		return
	}
	described := d.describeChannels()
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, c := range chans {
		if !d.strays[c.ID] {
			d.strays[c.ID] = true
			d.res.StrayChannels++
		}
	}
	d.res.Problems = append(d.res.Problems, fmt.Sprintf("%d channels left in Asterisk %v after %s: %s",
		len(chans), waited, after, described))
}

// checkFaultLegs: every leg live when a fault struck has ended with a
// cause on its record, never an empty one (R10.5).
func (d *drill) checkFaultLegs(ctx context.Context) error {
	d.mu.Lock()
	ids := append([]int64(nil), d.faultLegs...)
	d.mu.Unlock()
	rows, _ := d.store.Pool().Query(ctx, `SELECT id, session_id, leg::text, coalesce(outcome::text, ''), coalesce(hangup_cause, 0)
		FROM call_records WHERE id = ANY($1) AND state = 'ended' AND hangup_cause_text = '' ORDER BY id`, ids)
	unclear, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (string, error) {
		var id, session int64
		var leg, outcome string
		var cause int
		err := row.Scan(&id, &session, &leg, &outcome, &cause)
		return fmt.Sprintf("record %d (session %d, %s leg) live at the fault ended %s with cause %d and no cause text", id, session, leg, outcome, cause), err
	})
	if err != nil {
		return fmt.Errorf("fault legs: %w", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.res.UnclearEnds += len(unclear)
	d.res.Problems = append(d.res.Problems, unclear...)
	return nil
}

// count notes what the evening did, for the report.
func (d *drill) count(ctx context.Context) error {
	var calls int
	if err := d.store.Pool().QueryRow(ctx, `SELECT count(*) FROM call_records WHERE leg = 'supporter'`).Scan(&calls); err != nil {
		return fmt.Errorf("count calls: %w", err)
	}
	contacts, skips, failed := d.panel.counts()
	for _, f := range failed {
		d.logf("the panel gave up a write it was told failed (not counted as lost): %s", f)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.res.Calls, d.res.Contacts, d.res.Skips = calls, contacts, skips
	return nil
}
