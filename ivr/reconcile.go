package ivr

import (
	"context"
	"time"

	"github.com/supporterbase/callingsessions/ari"
	"github.com/supporterbase/callingsessions/queue"
)

// causeLost explains a record whose channel vanished while we could not see.
const causeLost = "channel lost while the server or Asterisk was away"

// reconcile matches the channels Asterisk holds for our application with
// the live call records this instance answers for (R10.5). It runs on start
// and after every reconnect of the events websocket, because Asterisk does
// not replay the events of the gap:
//   - after a gap (gap set), a session driven here hears of its legs that
//     vanished, as if they had ended;
//   - a session whose calls a previous run of this instance (or a dead one)
//     left behind is adopted when its leader is still on the line, else its
//     records are ended and its channels hung up;
//   - channels and bridges nobody accounts for are hung up and destroyed.
//
// No record stays live forever, and no leader is left in silence.
func (e *Engine) reconcile(ctx context.Context, gap bool) {
	snapshot := time.Now()
	app, err := e.tel.Application(ctx)
	if err != nil {
		e.log.Warn("reconcile: listing the application's channels", "err", err)
		return // the next Connected tries again
	}
	inApp := setOf(app.ChannelIDs)
	bridges := setOf(app.BridgeIDs)
	known := map[string]bool{}

	e.mu.Lock()
	for _, d := range e.drivers {
		for _, ch := range d.channels() {
			known[ch] = true
		}
		if gap {
			d.send(event{kind: fromAsterisk, ari: ari.Event{Kind: ari.Connected}, channels: inApp, at: snapshot})
		}
	}
	e.mu.Unlock()

	// Our own requests' leases are made fresh before their calls are
	// adopted (a restart may have outlasted them); other instances'
	// sessions are taken over by take, which rings their leaders again
	// when their calls cannot be adopted, never here.
	if _, err := e.store.RenewPhones(ctx, e.cfg.Driver, e.cfg.Lease); err != nil {
		e.log.Warn("reconcile: renewing phone leases", "err", err)
		return
	}
	live, err := e.store.LiveCallsOf(ctx, e.cfg.Driver)
	if err != nil {
		e.log.Warn("reconcile: live call records", "err", err)
		return
	}
	for _, calls := range bySession(live) {
		if d := e.driverOf(calls[0].SessionID); d != nil {
			// The driver checks them with the legs it holds, on its own
			// goroutine: records whose end could not be written are ended.
			d.send(event{kind: audit, records: calls})
			continue
		}
		for _, ch := range e.adoptOrEnd(ctx, calls, inApp, bridges, true) {
			known[ch] = true
		}
	}
	// Legs of sessions other instances drive are theirs, not strays.
	others, err := e.store.LiveChannels(ctx, app.ChannelIDs)
	if err != nil {
		e.log.Warn("reconcile: live channels", "err", err)
		return
	}
	for ch := range others {
		known[ch] = true
	}
	e.hangUpStrays(ctx, app, known)
	e.Wake()
}

// adoptOrEnd takes over one session's leftover legs and returns the
// channels and bridge it kept. When the leader is no longer on the line the
// legs are ended, and the phone request released if release is set (the
// session pauses) or kept (the leader is rung again).
func (e *Engine) adoptOrEnd(ctx context.Context, calls []queue.CallRecord, inApp, bridges map[string]bool, release bool) []string {
	var leader, supporter *queue.CallRecord
	for i := range calls {
		if calls[i].Leg == queue.LegLeader {
			leader = &calls[i]
		} else {
			supporter = &calls[i]
		}
	}
	p, wanted, err := e.store.PhoneWanted(ctx, calls[0].OrganisationID, calls[0].SessionID)
	ours := err == nil && wanted && p.Driver == e.cfg.Driver
	if leader == nil || !inApp[leader.ChannelID] || !ours {
		why := "the leader was no longer on the line"
		if !ours {
			why = "nobody wants the phone for this session any more"
		}
		e.log.Info("reconcile: ending a session's leftover legs", "session_id", calls[0].SessionID,
			"leader_alive", leader != nil && inApp[leader.ChannelID], "ours", ours, "driver", p.Driver)
		e.endLeftovers(ctx, calls, ours && release, inApp, why)
		return nil
	}
	c := adoptCall(*leader, supporter, inApp, bridges)
	if supporter != nil && (c.supporter == nil) {
		e.log.Info("reconcile: ending a supporter leg that cannot be adopted", "call_id", supporter.ID,
			"answered", supporter.AnsweredAt != nil, "channel_alive", inApp[supporter.ChannelID], "bridge_alive", bridges[c.bridge])
		e.endLeftovers(ctx, []queue.CallRecord{*supporter}, false, inApp, "its conversation could not be carried on")
	}
	if c.state == wrapUp {
		e.rememberLast(ctx, c, leader.OrganisationID)
	}
	org, user, err := e.people(ctx, p)
	if err != nil {
		e.log.Error("reconcile: adopting a session", "session_id", p.SessionID, "err", err)
		e.endLeftovers(ctx, calls, release, inApp, "the session's leader or organisation could not be read")
		return nil
	}
	d := e.newDriver(org, user, c)
	d.firstDial, d.adopted = false, true
	for _, ch := range d.channels() {
		e.tel.Route(ch, d.mailbox)
	}
	e.tel.Route(c.bridge, d.mailbox)
	e.log.Info("adopted a session's call", "session_id", c.SessionID, "state", c.State())
	// A ringback the dead instance left would play on for ever, and hold
	// every prompt of ours behind it.
	var rang []int64 // supporter legs the leader may have heard ringing
	if supporter != nil {
		rang = append(rang, supporter.ID)
	}
	if c.last != nil {
		rang = append(rang, c.last.callID)
	}
	for _, id := range rang {
		d.startup = append(d.startup, command{kind: stopPlayback, playback: ringbackFor(c.leader.channel, id)})
	}
	e.launch(ctx, d)
	return append(d.channels(), c.bridge)
}

// rememberLast gives an adopted call in wrap-up the supporter its keys
// apply to (R4.3) and whether that call was logged already: the current
// call card's (queue.CurrentCall), the last supporter dialled since the
// leader answered. Without it 1, 2 and 9 would dial the next supporter and
// log nothing.
func (e *Engine) rememberLast(ctx context.Context, c *Call, orgID int64) {
	cc, err := e.store.CurrentCall(ctx, orgID, c.SessionID)
	if err != nil {
		e.log.Warn("reconcile: the last supporter of an adopted call", "session_id", c.SessionID, "err", err)
		return
	}
	if cc.Leader == nil || cc.Leader.ID != c.leader.callID || cc.Call == nil {
		return
	}
	last := cc.Call
	c.last = &leg{callID: last.ID, channel: last.ChannelID, supporterID: last.SupporterID, answered: last.AnsweredAt != nil,
		cut: last.Outcome == queue.OutcomeCut}
	c.logged = cc.Contact != nil
}

// adoptCall rebuilds a Call from records whose leader leg is still up: in
// conversation when the supporter's leg and the bridge survived, else in
// wrap-up, ready for the next key.
func adoptCall(leader queue.CallRecord, supporter *queue.CallRecord, inApp, bridges map[string]bool) *Call {
	c := newCall(leader.SessionID, leader.ID)
	c.leader.answered = leader.AnsweredAt != nil
	c.state = wrapUp
	if !c.leader.answered {
		c.state = ringingLeader
		return c
	}
	if supporter != nil && supporter.AnsweredAt != nil && inApp[supporter.ChannelID] && bridges[c.bridge] {
		c.supporter = &leg{callID: supporter.ID, channel: supporter.ChannelID, supporterID: supporter.SupporterID, answered: true}
		c.state = connected
	}
	return c
}

// endLeftovers ends records nobody can carry on: their channels are hung
// up, supporters cut (called first on resume, R4.4), and the phone request
// released when it was ours, so the session pauses. A leg still in our
// application is one we hang up ourselves, recorded as such with why; one
// already gone vanished while nobody watched (causeLost).
func (e *Engine) endLeftovers(ctx context.Context, calls []queue.CallRecord, release bool, inApp map[string]bool, why string) {
	for _, c := range calls {
		// Hung up even when not in our application: a dead instance's
		// channel on the same Asterisk would otherwise hold its leader.
		if c.ChannelID != "" {
			if err := ignoreGone(e.tel.Hangup(ctx, c.ChannelID, ari.CauseNormal)); err != nil {
				e.log.Warn("reconcile: hanging up", "channel_id", c.ChannelID, "err", err)
			}
		}
		cause, causeText := 0, causeLost
		if inApp[c.ChannelID] {
			cause, causeText = causeNormalClearing, "hung up by the server after a restart: "+why
		}
		// A supporter is cut: called again first, unless an outcome was
		// logged for the call, which the store decides as it ends it (R4.4).
		outcome := queue.OutcomeCut
		if c.Leg == queue.LegLeader {
			outcome = queue.OutcomeAnswered
			if c.AnsweredAt == nil {
				outcome = queue.OutcomeFailed
			}
		}
		rec, err := e.store.CallEnded(ctx, c.OrganisationID, c.ID, outcome, cause, causeText)
		if err != nil {
			// Still live: the next reconciliation (every lease, and on every
			// reconnect) tries again.
			e.log.Warn("reconcile: ending a record", "call_id", c.ID, "err", err)
			continue
		}
		e.metrics.calls.WithLabelValues(string(rec.Leg), string(rec.Outcome)).Inc()
	}
	if release && len(calls) > 0 {
		if err := e.store.PhoneDone(ctx, calls[0].OrganisationID, calls[0].SessionID, e.cfg.Driver, ""); err != nil {
			e.log.Warn("reconcile: releasing a phone", "session_id", calls[0].SessionID, "err", err)
		}
	}
}

// causeNormalClearing is Q.850 cause 16, what Asterisk reports for a leg
// the application hung up.
const causeNormalClearing = 16

// takeOver carries on a session a dead instance drove: adopted when its
// leader's leg is in our application (instances sharing one), else its legs
// are ended and the request kept, so the leader's phone rings again from
// this instance.
func (e *Engine) takeOver(ctx context.Context, p queue.PhoneRequest) error {
	app, err := e.tel.Application(ctx)
	if err != nil {
		return err
	}
	live, err := e.store.LiveCallsOf(ctx, e.cfg.Driver)
	if err != nil {
		return err
	}
	var left []queue.CallRecord
	for _, c := range live {
		if c.SessionID == p.SessionID {
			left = append(left, c)
		}
	}
	e.log.Info("taking over a session", "session_id", p.SessionID, "from", p.TakenFrom, "legs", len(left))
	if len(left) > 0 {
		e.adoptOrEnd(ctx, left, setOf(app.ChannelIDs), setOf(app.BridgeIDs), false)
	}
	return nil
}

// hangUpStrays ends channels and bridges of the application that no live
// record accounts for. known holds the channels of live records (any
// instance's) and the bridges this one keeps.
func (e *Engine) hangUpStrays(ctx context.Context, app ari.AppState, known map[string]bool) {
	e.mu.Lock()
	for _, d := range e.drivers {
		for _, ch := range d.channels() {
			known[ch] = true
		}
		known[d.call.bridge] = true
	}
	e.mu.Unlock()
	for _, ch := range app.ChannelIDs {
		if !known[ch] {
			e.log.Info("reconcile: hanging up a stray channel", "channel_id", ch)
			if err := ignoreGone(e.tel.Hangup(ctx, ch, ari.CauseNormal)); err != nil {
				e.log.Warn("reconcile: hanging up a stray channel", "channel_id", ch, "err", err)
			}
		}
	}
	for _, b := range app.BridgeIDs {
		// A bridge whose leader leg is live is its session's, whoever drives it.
		if !known[b] && !known[bridgeLeader(b)] {
			if err := ignoreGone(e.tel.DestroyBridge(ctx, b)); err != nil {
				e.log.Warn("reconcile: destroying a stray bridge", "bridge_id", b, "err", err)
			}
		}
	}
}

func bySession(calls []queue.CallRecord) [][]queue.CallRecord {
	var out [][]queue.CallRecord
	for i, c := range calls {
		if i == 0 || calls[i-1].SessionID != c.SessionID {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], c)
	}
	return out
}

func setOf(ids []string) map[string]bool {
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}
