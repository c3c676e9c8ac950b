package ari

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supporterbase/callingsessions/ari/arisim"
)

// The filter is an allow-list of exactly the handled types, PUT on every
// connect.
func TestEventFilterOnConnect(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var body []byte
	for _, en := range e.sim.Transcript() {
		if en.Kind == "request" && en.Method == "PUT" && en.Path == "/applications/"+testApp+"/eventFilter" {
			body = en.Body
		}
	}
	var filter struct {
		Allowed []struct {
			Type string `json:"type"`
		} `json:"allowed"`
	}
	if err := json.Unmarshal(body, &filter); err != nil {
		t.Fatalf("event filter body %q: %v", body, err)
	}
	var types []string
	for _, a := range filter.Allowed {
		types = append(types, a.Type)
	}
	if strings.Join(types, ",") != strings.Join(handledTypes, ",") {
		t.Errorf("allowed %v, want %v", types, handledTypes)
	}
}

// A dropped websocket: Disconnected, then Connected, in Unrouted; Ready
// fails in between; the reconnect is counted; the filter is set again; a
// live leg keeps its route.
func TestReconnectAfterDrop(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(_ *arisim.Config, c *Config) {
		// A wide backoff leaves time to see Ready fail before the reconnect.
		c.MinBackoff, c.MaxBackoff = 400*time.Millisecond, 400*time.Millisecond
	})
	leg := e.answeredLeg(t, "leg", "+447911000050")
	e.sim.DropWebsockets()
	e.next(t, e.c.Unrouted(), Disconnected)
	if err := e.c.Ready(); err == nil {
		t.Error("Ready = nil while disconnected")
	}
	e.next(t, e.c.Unrouted(), Connected)
	if err := e.c.Ready(); err != nil {
		t.Errorf("Ready after reconnect = %v", err)
	}
	if got := value(t, e.c.metrics.reconnect); got != 1 {
		t.Errorf("reconnects_total = %v, want 1", got)
	}
	if got := value(t, e.c.metrics.connected); got != 1 {
		t.Errorf("connected = %v, want 1", got)
	}
	if n := countPrefix(e.requests(), "PUT /applications/"+testApp+"/eventFilter"); n != 2 {
		t.Errorf("event filter set %d times, want once per connect (2)", n)
	}
	if st, err := e.c.Application(context.Background()); err != nil || len(st.ChannelIDs) != 1 {
		t.Errorf("Application after reconnect = %+v, %v; want the live leg", st, err)
	}
	if err := e.sim.Press("leg", "5"); err != nil {
		t.Fatal(err)
	}
	if ev := e.next(t, leg, Digit); ev.Digit != "5" {
		t.Errorf("digit after reconnect %+v", ev)
	}
}

// Asterisk restarts: every channel is gone without an event; after the
// reconnect Application shows an empty application.
func TestReconnectAfterRestart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.answeredLeg(t, "leg", "+447911000051")
	e.sim.Restart()
	e.next(t, e.c.Unrouted(), Disconnected)
	e.next(t, e.c.Unrouted(), Connected)
	st, err := e.c.Application(context.Background())
	if err != nil || len(st.ChannelIDs) != 0 {
		t.Errorf("Application after a restart = %+v, %v; want no channels", st, err)
	}
	if n := countPrefix(e.requests(), "PUT /applications/"+testApp+"/eventFilter"); n < 2 {
		t.Errorf("event filter set %d times, want again after the restart", n)
	}
	if err := e.c.Hangup(context.Background(), "leg", CauseNormal); err != nil {
		t.Errorf("hanging up a leg lost in the restart = %v, want nil", err)
	}
	if err := e.c.Answer(context.Background(), "leg"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Answer of a leg lost in the restart = %v, want ErrNotFound", err)
	}
}

// dtmfEvent is a ChannelDtmfReceived as Asterisk writes it; n goes in
// duration_ms so the order can be checked.
func dtmfEvent(channel string, n int) []byte {
	return fmt.Appendf(nil, `{"type":"ChannelDtmfReceived","timestamp":%q,"digit":"1","duration_ms":%d,`+
		`"channel":{"id":%q,"name":"PJSIP/trunk-00000001","state":"Up","protocol_id":"","caller":{"name":"","number":""},`+
		`"connected":{"name":"","number":""},"accountcode":"","dialplan":{"context":"from-trunk","exten":"s","priority":1,`+
		`"app_name":"Stasis","app_data":"calling"},"creationtime":%q,"language":"en"},"asterisk_id":"02:fc:00:00:00:01","application":%q}`,
		time.Now().Format("2006-01-02T15:04:05.000-0700"), n, channel, time.Now().Format("2006-01-02T15:04:05.000-0700"), testApp)
}

// Messages ari/v5 cannot decode (its own reader panics on the first) are
// counted and skipped; the connection and later events are unaffected.
func TestUnknownAndMalformedEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := NewMailbox(0)
	e.c.Route("leg", m)
	for _, raw := range []string{
		`{"type":"ChannelToneDetected","timestamp":"2026-11-23T19:02:22.251+0000","channel":{"id":"leg"},"application":"calling"}`,
		`{"type":"CallBroadcast","timestamp":"2026-11-23T19:02:22.251+0000","application":"calling"}`,
		`{"type":"ChannelVarset","variable":"X","value":"1","channel":{"id":"leg"},"application":"calling"}`,
		`{not json`,
		`{"no":"type"}`,
		`{"type":"StasisStart","timestamp":"not a time","channel":{"id":"leg"}}`,
		`[1,2,3]`,
	} {
		e.sim.Inject(testApp, []byte(raw))
	}
	huge := append([]byte(`{"type":"ChannelVarset","value":"`), bytes.Repeat([]byte("x"), 2*maxMessageBytes)...)
	e.sim.Inject(testApp, append(huge, `"}`...))
	e.sim.Inject(testApp, dtmfEvent("leg", 7))
	if ev := e.next(t, m, Digit); ev.DurationMS != 7 {
		t.Errorf("the event after the bad ones: %+v", ev)
	}
	if got := value(t, e.c.metrics.unknown); got != 3 {
		t.Errorf("unknown = %v, want 3", got)
	}
	if got := value(t, e.c.metrics.malformed); got != 5 {
		t.Errorf("malformed = %v, want 5 (one too large)", got)
	}
	if got := value(t, e.c.metrics.reconnect); got != 0 || e.c.Ready() != nil {
		t.Errorf("reconnects %v, Ready %v: the bad messages cost the connection", got, e.c.Ready())
	}
}

// A burst far beyond what a session produces, with a consumer that reads
// nothing until the burst is over: the reader never waits for it, and
// nothing is dropped below the mailbox limit.
func TestBurstWithSlowConsumer(t *testing.T) {
	t.Parallel()
	const burst = 10_000
	e := newEnv(t)
	leg := NewMailbox(burst)
	e.c.Route("leg", leg)
	for i := range burst {
		e.sim.Inject(testApp, dtmfEvent("leg", i))
	}
	received := e.c.metrics.received.WithLabelValues("ChannelDtmfReceived")
	eventually(t, "the whole burst is read", func() bool { return value(t, received) == burst })
	evs := leg.Take()
	if len(evs) != burst {
		t.Fatalf("%d events in the mailbox, want %d", len(evs), burst)
	}
	for i, ev := range evs {
		if ev.DurationMS != i {
			t.Fatalf("event %d out of order: %+v", i, ev)
		}
	}
	if leg.Dropped() != 0 || value(t, e.c.metrics.dropped) != 0 || value(t, e.c.metrics.reconnect) != 0 {
		t.Errorf("dropped %d (metric %v), reconnects %v; want none", leg.Dropped(), value(t, e.c.metrics.dropped), value(t, e.c.metrics.reconnect))
	}

	// Past the limit, the excess is dropped and counted, and other
	// mailboxes are unaffected.
	small, other := NewMailbox(100), NewMailbox(0)
	e.c.Route("small", small)
	e.c.Route("other", other)
	for i := range 1000 {
		e.sim.Inject(testApp, dtmfEvent("small", i))
	}
	e.sim.Inject(testApp, dtmfEvent("other", 1))
	e.next(t, other, Digit)
	if n := len(small.Take()); n != 100 || small.Dropped() != 900 || value(t, e.c.metrics.dropped) != 900 {
		t.Errorf("kept %d, dropped %d (metric %v); want 100 and 900", n, small.Dropped(), value(t, e.c.metrics.dropped))
	}
}

// The load: 1,000 events a second for 10 seconds, paced on the wall
// clock, to 20 sessions' mailboxes read by consumers that take their time
// (each waits a millisecond per batch, as a session waiting on the database
// would). Nothing is dropped, nothing reordered, and the connection holds.
func TestSustainedEventRate(t *testing.T) {
	t.Parallel()
	const (
		perSecond = 1000
		seconds   = 10
		sessions  = 20
	)
	e := newEnv(t)
	boxes := make([]*Mailbox, sessions)
	for i := range boxes {
		boxes[i] = NewMailbox(0)
		e.c.Route(fmt.Sprintf("leg-%d", i), boxes[i])
	}
	got := make([][]Event, sessions)
	done := make(chan struct{})
	var consumers sync.WaitGroup
	for i, m := range boxes {
		consumers.Go(func() {
			for {
				select {
				case <-m.Ready():
					got[i] = append(got[i], m.Take()...)
					time.Sleep(time.Millisecond)
				case <-done:
					got[i] = append(got[i], m.Take()...)
					return
				}
			}
		})
	}
	start := time.Now()
	tick := time.NewTicker(10 * time.Millisecond) // 100 ticks a second, 10 events each
	for n := 0; n < perSecond*seconds; {
		<-tick.C
		for range perSecond / 100 {
			e.sim.Inject(testApp, dtmfEvent(fmt.Sprintf("leg-%d", n%sessions), n))
			n++
		}
	}
	tick.Stop()
	received := e.c.metrics.received.WithLabelValues("ChannelDtmfReceived")
	eventually(t, "every event read", func() bool { return value(t, received) == perSecond*seconds })
	close(done)
	consumers.Wait()
	t.Logf("%d events in %v", perSecond*seconds, time.Since(start).Round(time.Millisecond))
	for i, evs := range got {
		if len(evs) != perSecond*seconds/sessions {
			t.Errorf("session %d got %d events, want %d", i, len(evs), perSecond*seconds/sessions)
		}
		for j := 1; j < len(evs); j++ {
			if evs[j].DurationMS <= evs[j-1].DurationMS {
				t.Fatalf("session %d: event %d out of order", i, j)
			}
		}
	}
	if value(t, e.c.metrics.dropped) != 0 || value(t, e.c.metrics.reconnect) != 0 {
		t.Errorf("dropped %v, reconnects %v; want none", value(t, e.c.metrics.dropped), value(t, e.c.metrics.reconnect))
	}
}
