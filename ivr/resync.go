package ivr

import (
	"context"
	"errors"
	"time"

	"github.com/supporterbase/callingsessions/ari"
)

// resyncRetry is the wait before asking Asterisk again when it did not
// answer a resync.
const resyncRetry = 500 * time.Millisecond

// noticeDropped resyncs the call when its mailbox dropped events since the
// last look (a burst past its limit while the driver was slow).
func (d *driver) noticeDropped(ctx context.Context) {
	n := d.mailbox.Dropped()
	if n == d.dropped {
		return
	}
	d.e.metrics.eventsLost.Add(float64(n - d.dropped))
	d.log.Warn("events of the call were dropped (its mailbox was full); asking Asterisk how its legs are", "dropped", n-d.dropped)
	d.dropped = n
	d.resync(ctx)
}

// resync learns from Asterisk what lost events would have said: a leg
// gone ends (as after a reconnect), a leg up is answered, a playback over
// is finished, so the call never waits for an event that will not come.
// It runs when the mailbox dropped events, and when a call is adopted
// (events before its legs were routed here went nowhere).
// Keys pressed meanwhile are lost; the leader presses again. When Asterisk
// does not answer it tries again shortly.
func (d *driver) resync(ctx context.Context) {
	at := time.Now()
	app, err := d.e.tel.Application(ctx)
	if err != nil {
		d.resyncLater(err)
		return
	}
	d.step(ctx, event{kind: fromAsterisk, ari: ari.Event{Kind: ari.Connected}, channels: setOf(app.ChannelIDs), at: at})
	for _, ch := range d.channels() {
		state, err := d.e.tel.ChannelState(ctx, ch)
		switch {
		case errors.Is(err, ari.ErrNotFound):
			// Gone since the list was taken: its own end is on its way to
			// the mailbox (the list holds the legs gone before).
		case err != nil:
			d.resyncLater(err)
			return
		case state == "Up":
			// Ignored by the call unless it waits for this answer.
			d.step(ctx, event{kind: fromAsterisk, ari: ari.Event{Kind: ari.LegAnswered, Channel: ch}})
		}
	}
	if pb := d.call.playback; pb != "" {
		playing, err := d.e.tel.PlaybackPlaying(ctx, pb)
		if err != nil {
			d.resyncLater(err)
			return
		}
		if !playing {
			d.step(ctx, event{kind: fromAsterisk, ari: ari.Event{Kind: ari.PlaybackFinished, Channel: d.call.leader.channel, Playback: pb}})
		}
	}
}

func (d *driver) resyncLater(err error) {
	if d.call.Done() {
		return
	}
	d.log.Warn("asking Asterisk how the call's legs are", "err", err)
	time.AfterFunc(resyncRetry, func() { d.send(event{kind: eventsLost}) })
}
