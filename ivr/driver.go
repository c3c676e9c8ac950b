package ivr

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/supporterbase/callingsessions/ari"
	"github.com/supporterbase/callingsessions/queue"
)

// driver runs one session's Call: it feeds the Call the events of its legs
// (from its own mailbox, so a slow database never holds up the websocket
// reader) and runs the commands the Call returns, one event at a time.
type driver struct {
	e       *Engine
	call    *Call
	org     queue.Organisation
	leader  queue.User
	log     *slog.Logger
	mailbox *ari.Mailbox
	inbox   *inbox // from the engine, timers and retries
	timer   Timer  // the supporter's maximum call duration
	confirm Timer  // the leader's time to press a key after answering

	// ringFirst: the driver's first step is to ring the leader (a new
	// phone call), on its own goroutine, so a slow Asterisk holds up only
	// this session. startup is what an adopted call runs first.
	ringFirst bool
	startup   []command
	// adopted: the call was carried on from records after a restart or a
	// takeover; its legs are checked with Asterisk before anything else,
	// since events of the time before they were routed here are lost.
	adopted bool
	// launchedAt is when the engine started the driver (wall time): a lease
	// renewal that began before it knows nothing of its session.
	launchedAt time.Time

	// writes that failed and must still happen (a record's end, a contact),
	// tried again with backoff until they succeed; retrying is set while a
	// retry is scheduled.
	writes   []pendingWrite
	retrying bool
	// dropped is how many of the mailbox's events were dropped, as last
	// seen: more means events were lost and Asterisk is asked how the
	// legs are.
	dropped int64

	// dialledAt is when each leg was dialled (wall time), so reconciliation
	// does not take a leg dialled after its snapshot for a lost one.
	dialledAt map[string]time.Time
	// live is the call's channels, published after every step for the
	// engine's goroutine (reconciliation).
	mu   sync.Mutex
	live []string

	// For the latency metrics: when the leader answered or pressed the key
	// that led to the next dial (wall time: a measurement, not the domain's
	// "now").
	askedAt   time.Time
	firstDial bool
}

func (e *Engine) newDriver(org queue.Organisation, leader queue.User, call *Call) *driver {
	d := &driver{e: e, call: call, org: org, leader: leader,
		log:     e.log.With("session_id", call.SessionID, "org_id", org.ID),
		mailbox: ari.NewMailbox(e.cfg.MailboxLimit), inbox: newInbox(),
		firstDial: true, dialledAt: map[string]time.Time{}}
	call.confirm = org.ConfirmLeader
	call.ringback = ringbackIn(org.ToneZone)
	call.playPrefix = fmt.Sprintf("%s-%s-p", call.leader.channel, runID())
	d.publish()
	return d
}

// send hands the driver an event from outside its goroutine; it never
// blocks and never drops the event.
func (d *driver) send(ev event) { d.inbox.put(ev) }

// ringLeader records the leader's leg and dials their mobile (R4.1). When
// that fails the leader's record ends and the session pauses, saying why.
func (d *driver) ringLeader(ctx context.Context) {
	c := d.call
	d.e.tel.Route(c.leader.channel, d.mailbox)
	d.e.tel.Route(c.bridge, d.mailbox)
	d.dialledAt[c.leader.channel] = time.Now()
	err := d.e.store.SetCallChannel(ctx, d.org.ID, c.leader.callID, c.leader.channel, d.e.cfg.Node)
	if err == nil {
		err = d.e.tel.Dial(ctx, ari.DialRequest{ChannelID: c.leader.channel, Number: d.leader.Mobile,
			CallerID: d.org.CallerID, CallerName: d.org.CallerName, Timeout: d.org.RingTimeout})
	}
	if err == nil || ctx.Err() != nil {
		return
	}
	d.log.Error("dialling the leader failed", "err", err, "channel_id", c.leader.channel)
	d.exec(ctx, []command{
		{kind: recordEnded, callID: c.leader.callID, outcome: queue.OutcomeFailed, causeText: "could not dial: " + err.Error()},
		{kind: phoneDone, pauseReason: notRung(err)}})
	c.state = done
}

// run drives the call until it is done and every write it made has
// reached the database, or ctx ends. When ctx ends (the server stops) the
// calls are left to the next instance, which adopts them (R10.5); the
// error says which writes could not be made, if any.
func (d *driver) run(ctx context.Context) error {
	if d.ringFirst {
		d.ringLeader(ctx)
	}
	d.exec(ctx, d.startup)
	if d.adopted {
		d.resync(ctx)
		if d.call.state == wrapUp && d.call.playback == "" {
			// The leader may have heard nothing for a while: tell them what to do.
			d.exec(ctx, d.call.play(PromptWrapUp))
		}
	}
	d.publish()
	for !d.call.Done() || len(d.writes) > 0 {
		select {
		case <-ctx.Done():
			return d.leave(ctx)
		case <-d.mailbox.Ready():
			for _, e := range d.mailbox.Take() {
				d.step(ctx, event{kind: fromAsterisk, ari: e})
			}
			d.noticeDropped(ctx)
		case <-d.inbox.ready:
			for _, ev := range d.inbox.take() {
				d.handle(ctx, ev)
			}
		}
	}
	d.e.tel.Unroute(d.call.leader.channel)
	d.e.tel.Unroute(d.call.bridge)
	return nil
}

// handle runs one event of the inbox: the driver's own, or the call's.
func (d *driver) handle(ctx context.Context, ev event) {
	switch ev.kind {
	case retryWrites:
		d.retrying = false
		d.flush(ctx)
	case eventsLost:
		d.resync(ctx)
	default:
		d.step(ctx, ev)
	}
}

// step feeds one event to the call and runs what it asks, including the
// events those commands produce (a claim's answer).
func (d *driver) step(ctx context.Context, ev event) {
	if ev.kind == fromAsterisk {
		if ev.ari.Kind == ari.Digit || ev.ari.Kind == ari.LegAnswered && ev.ari.Channel == d.call.leader.channel {
			d.askedAt = time.Now()
		}
		d.log.Debug("event", "kind", ev.ari.Kind, "channel_id", ev.ari.Channel, "digit", ev.ari.Digit, "playback", ev.ari.Playback)
	}
	before := d.call.state
	pending := []event{ev}
	if ev.kind == fromAsterisk && ev.ari.Kind == ari.Connected {
		pending = d.lostLegs(ctx, ev)
	}
	for len(pending) > 0 {
		next := pending[0]
		pending = pending[1:]
		pending = append(pending, d.exec(ctx, d.call.handle(next))...)
	}
	if d.call.state != before {
		d.log.Debug("call state", "from", before, "to", d.call.state)
	}
	d.publish()
}

// lostLegs turns a reconnect's list of surviving channels into the ends of
// this call's legs that vanished during the gap, dialled before the list
// was taken (R10.5). Events already received come first: a leg that ended
// after the reconnect has its true end waiting in the mailbox.
func (d *driver) lostLegs(ctx context.Context, ev event) []event {
	for _, e := range d.mailbox.Take() {
		d.step(ctx, event{kind: fromAsterisk, ari: e})
	}
	var lost []event
	for _, ch := range d.channels() {
		if ev.channels[ch] || d.dialledAt[ch].After(ev.at) {
			continue
		}
		lost = append(lost, event{kind: fromAsterisk, ari: ari.Event{Kind: ari.LegEnded, Channel: ch, CauseText: causeLost}})
	}
	return lost
}

// publish records the call's channels for the engine's goroutine.
func (d *driver) publish() {
	chs := []string{d.call.leader.channel}
	if d.call.supporter != nil {
		chs = append(chs, d.call.supporter.channel)
	}
	d.mu.Lock()
	d.live = chs
	d.mu.Unlock()
}

// channels are the legs the driver's call holds, as last published.
func (d *driver) channels() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.live
}

// exec runs commands in order and returns the events they produced. A
// command that fails is logged; one that must happen (a record's end, a
// contact, a hang-up) is kept and tried again until it succeeds, so a
// database blip never leaves a supporter "on a call" (R7.2, R12). For the
// others, what Asterisk does next (a leg ending) tells the Call.
func (d *driver) exec(ctx context.Context, cmds []command) []event {
	var out []event
	for _, cmd := range cmds {
		if cmd.kind == recordAnswered || cmd.kind == recordEnded {
			cmd.at = d.e.clock.Now()
		}
		ev, err := d.run1(ctx, cmd)
		if err != nil {
			d.failed(ctx, pendingWrite{cmd: cmd}, err)
		}
		if ev != nil {
			out = append(out, *ev)
		}
	}
	return out
}

func (d *driver) run1(ctx context.Context, cmd command) (*event, error) {
	c, store, tel := d.call, d.e.store, d.e.tel
	switch cmd.kind {
	case play:
		return nil, ignoreGone(tel.Play(ctx, cmd.channel, cmd.playback, cmd.media))
	case stopPlayback:
		return nil, ignoreGone(tel.StopPlayback(ctx, cmd.playback))
	case createBridge:
		return nil, tel.CreateBridge(ctx, c.bridge)
	case addToBridge:
		// A leg that hung up as it was answered is gone: its end follows.
		return nil, ignoreGone(tel.AddToBridge(ctx, c.bridge, cmd.channel))
	case destroyBridge:
		return nil, ignoreGone(tel.DestroyBridge(ctx, c.bridge))
	case hangup:
		return nil, ignoreGone(tel.Hangup(ctx, cmd.channel, ari.CauseNormal))
	case claimSupporter:
		return d.claim(ctx), nil
	case dialSupporter:
		return d.dialSupporter(ctx, cmd)
	case recordAnswered:
		_, err := store.CallAnsweredAt(ctx, d.org.ID, cmd.callID, cmd.at)
		return nil, err
	case recordEnded:
		return nil, d.recordEnded(ctx, cmd)
	case logContact:
		_, err := store.LogContact(ctx, d.leader, c.SessionID, queue.ContactInput{CallID: cmd.callID,
			SupporterID: cmd.supporter, Contacted: cmd.contacted, IdempotencyKey: fmt.Sprintf("keypad-%d", cmd.callID)})
		return nil, err
	case removeWrongNumber:
		return nil, d.removeWrongNumber(ctx, cmd)
	case phoneDone:
		return nil, store.PhoneDone(ctx, d.org.ID, c.SessionID, d.e.cfg.Driver, cmd.pauseReason)
	case startTimer:
		d.stopTimer()
		if d.org.MaxCallDuration > 0 {
			d.timer = d.e.clock.AfterFunc(d.org.MaxCallDuration, func() { d.send(event{kind: maxDuration}) })
		}
	case stopTimer:
		d.stopTimer()
	case startConfirmTimer:
		cancelTimer(&d.confirm)
		d.confirm = d.e.clock.AfterFunc(d.org.LeaderConfirmTimeout, func() { d.send(event{kind: confirmTimeout}) })
	case stopConfirmTimer:
		cancelTimer(&d.confirm)
	case reportPlaybackFailed:
		d.e.metrics.playbackFailed.Inc()
		d.log.Error("Asterisk could not play media to the leader, who heard silence; for a tone, is asterisk-config/indications.conf loaded with this zone?",
			"media", cmd.media, "playback", cmd.playback, "channel_id", c.leader.channel)
	}
	return nil, nil
}

// dialSupporter applies the dial guard (R10.4) and rings the claimed
// supporter with the organisation's caller ID and ring timeout (R10.2).
func (d *driver) dialSupporter(ctx context.Context, cmd command) (*event, error) {
	if err := queue.CheckDestination(d.org, cmd.number); err != nil {
		d.e.metrics.refused.Inc()
		return &event{kind: refused, reason: queue.ErrorMessage(err)}, nil
	}
	if err := d.e.store.SetCallChannel(ctx, d.org.ID, cmd.callID, cmd.channel, d.e.cfg.Node); err != nil {
		return &event{kind: dialFailed, reason: "could not record the channel"}, err
	}
	d.e.tel.Route(cmd.channel, d.mailbox)
	d.dialledAt[cmd.channel] = time.Now()
	err := d.e.tel.Dial(ctx, ari.DialRequest{ChannelID: cmd.channel, Number: cmd.number,
		CallerID: d.org.CallerID, CallerName: d.org.CallerName, Timeout: d.org.RingTimeout, Originator: d.call.leader.channel})
	if err != nil {
		return &event{kind: dialFailed, reason: "could not dial: " + err.Error()}, err
	}
	d.observeDial()
	return nil, nil
}

// observeDial records how long the leader waited for this dial.
func (d *driver) observeDial() {
	if d.askedAt.IsZero() {
		return
	}
	waited := time.Since(d.askedAt).Seconds()
	if d.firstDial {
		d.e.metrics.answerToFirstDial.Observe(waited)
		d.firstDial = false
	} else {
		d.e.metrics.keyToDial.Observe(waited)
	}
	d.askedAt = time.Time{}
}

// recordEnded ends a leg's call record. A supporter cut off (the leader
// left) is "cut", and called first on resume, unless an outcome was logged
// for the call: the store decides that in the statement that ends it
// (R4.4).
func (d *driver) recordEnded(ctx context.Context, cmd command) error {
	rec, err := d.e.store.CallEndedAt(ctx, d.org.ID, cmd.callID, cmd.at, cmd.outcome, cmd.cause, cmd.causeText)
	if err != nil {
		return err
	}
	d.e.tel.Unroute(rec.ChannelID)
	delete(d.dialledAt, rec.ChannelID)
	d.e.metrics.calls.WithLabelValues(string(rec.Leg), string(rec.Outcome)).Inc()
	return nil
}

// removeWrongNumber is the keypad's 9 (R4.3): remove the supporter from the
// session with reason "wrong number", unless the panel logged the call.
func (d *driver) removeWrongNumber(ctx context.Context, cmd command) error {
	if _, logged, err := d.e.store.ContactForCall(ctx, d.org.ID, cmd.callID); err != nil || logged {
		return err
	}
	_, err := d.e.store.Skip(ctx, d.leader, d.call.SessionID, cmd.supporter,
		queue.SkipInput{Type: queue.SkipRemove, Reason: "wrong number"})
	return err
}

func (d *driver) stopTimer() { cancelTimer(&d.timer) }

func cancelTimer(t *Timer) {
	if *t != nil {
		(*t).Stop()
		*t = nil
	}
}

// ignoreGone: a leg, bridge or playback already gone is what we wanted.
func ignoreGone(err error) error {
	if errors.Is(err, ari.ErrNotFound) {
		return nil
	}
	return err
}

// runID tells apart the runs of drivers of one call (a restart, a
// takeover), for the ids of their playbacks.
func runID() string {
	b := make([]byte, 4)
	rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}
