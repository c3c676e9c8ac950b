package ari

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supporterbase/callingsessions/ari/arisim"
)

func TestDialAnswered(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := NewMailbox(0)
	e.c.Route("leg-1", m)
	err := e.c.Dial(context.Background(), DialRequest{
		ChannelID: "leg-1", Number: "+447911123456", CallerID: "+442071234567", Timeout: 30 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	evs := e.until(t, m, func(ev Event) bool { return ev.Kind == DialStatus && ev.DialStatus == "ANSWER" })
	// Asterisk orders Dial and ChannelStateChange differently from run to
	// run: check what arrived, not the order, apart from StasisStart first.
	got := describe(evs)
	for _, want := range []string{"started", "ringing", "answered", "dial:ANSWER"} {
		if !slices.Contains(strings.Fields(got), want) {
			t.Errorf("events %q lack %s", got, want)
		}
	}
	if evs[0].Kind != LegStarted || evs[0].Channel != "leg-1" || evs[0].At.IsZero() {
		t.Errorf("first event %+v, want LegStarted of leg-1 with a time", evs[0])
	}
	chans := e.sim.Channels()
	if len(chans) != 1 || chans[0].Number != "+447911123456" || chans[0].CallerID != "+442071234567" || !chans[0].Dialled {
		t.Errorf("sim channels = %+v, want leg-1 dialled to +447911123456 from +442071234567", chans)
	}

	if err := e.c.Hangup(context.Background(), "leg-1", CauseNormal); err != nil {
		t.Fatal(err)
	}
	evs = e.until(t, m, func(ev Event) bool { return ev.Kind == LegEnded })
	if got, want := describe(evs), "hangup:32 left ended:16"; got != want {
		t.Errorf("after Hangup: %q, want %q", got, want)
	}
	if evs[2].CauseText != "Normal Clearing" {
		t.Errorf("cause text %q", evs[2].CauseText)
	}
	if ringing, answered := strings.Count(got, "ringing"), strings.Count(got, "answered"); ringing != 1 || answered != 1 {
		t.Errorf("ringing %d, answered %d times; want once each", ringing, answered)
	}
	if got := describe(e.c.Unrouted().Take()); got != "" {
		t.Errorf("Unrouted got %q, want nothing: every event was routed", got)
	}
}

// The far end's outcomes arrive as the causes a real Asterisk reports.
func TestDialOutcomes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		script  arisim.Script
		before  EventKind     // wait for this before moving fake time
		advance time.Duration // fake time to let pass then
		want    string        // the leg's events after LegStarted
	}{
		{"Busy", arisim.Script{Outcome: arisim.Busy}, 0, 0, "hangup:17 left ended:17"},
		{"Congestion", arisim.Script{Outcome: arisim.Congestion}, 0, 0, "hangup:34 left ended:34"},
		{"WrongNumber", arisim.Script{Outcome: arisim.NotFound}, 0, 0, "hangup:1 left ended:1"},
		{"NoAnswer", arisim.Script{Outcome: arisim.NoAnswer}, LegRinging, 5 * time.Second, "ringing dial:RINGING hangup:32 left ended:19"},
		{"RemoteHangup", arisim.Script{HangupAfter: 2 * time.Second}, LegAnswered, 3 * time.Second, "ringing dial:RINGING answered dial:ANSWER hangup left ended:16"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := arisim.NewFakeClock(time.Now())
			e := newEnv(t, func(s *arisim.Config, _ *Config) { s.Clock = clock })
			e.sim.SetScript("+447911000001", tc.script)
			m := NewMailbox(0)
			e.c.Route("leg", m)
			if err := e.c.Dial(context.Background(), DialRequest{ChannelID: "leg", Number: "+447911000001", Timeout: 4 * time.Second}); err != nil {
				t.Fatal(err)
			}
			e.next(t, m, LegStarted)
			var evs []Event
			if tc.advance > 0 {
				// Time moves once the timer to fire exists.
				evs = e.until(t, m, func(ev Event) bool { return ev.Kind == tc.before })
				clock.Advance(tc.advance)
			}
			evs = append(evs, e.until(t, m, func(ev Event) bool { return ev.Kind == LegEnded })...)
			got := describe(evs)
			if !sameEvents(got, tc.want) {
				t.Errorf("got %q, want (Dial order aside) %q", got, tc.want)
			}
		})
	}
}

// sameEvents compares event lists ignoring where the DialStatus events
// fall, which varies on a real Asterisk.
func sameEvents(got, want string) bool {
	strip := func(s string) (rest, dials []string) {
		for _, f := range strings.Fields(s) {
			if strings.HasPrefix(f, "dial:") {
				dials = append(dials, f)
			} else {
				rest = append(rest, f)
			}
		}
		return rest, dials
	}
	gr, gd := strip(got)
	wr, wd := strip(want)
	return slices.Equal(gr, wr) && slices.Equal(gd, wd)
}

func TestDialDigits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := e.answeredLeg(t, "leg", "+447911000002")
	if err := e.sim.Press("leg", "1*#"); err != nil {
		t.Fatal(err)
	}
	var digits []string
	for range 3 {
		ev := e.next(t, m, Digit)
		if ev.DurationMS <= 0 {
			t.Errorf("digit %s without duration", ev.Digit)
		}
		digits = append(digits, ev.Digit)
	}
	if got := strings.Join(digits, ""); got != "1*#" {
		t.Errorf("digits %q, want 1*#", got)
	}
}

// Many legs dialled at once against an Asterisk that answers
// channels/create before the leg is in the application (the recorded
// create-dial-race): each dial is sent only after its leg's StasisStart, so
// none meets 409, and each leg's events reach its mailbox.
// Every leg is dialled in two requests, with the caller ID in create's
// variables, however late its StasisStart: nothing is sent to a leg before
// it is in the application (Asterisk answers 409 to any channel operation
// then, recording create-setvar-race), and each phone is shown the
// organisation's number and name, never "Anonymous" (callerid-on-the-wire).
func TestDialNeverLosesStasisStartRace(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(s *arisim.Config, _ *Config) { s.StasisDelay = 5 * time.Millisecond })
	const legs = 40
	boxes := make([]*Mailbox, legs)
	var wg sync.WaitGroup
	errs := make(chan error, legs)
	for i := range legs {
		id := fmt.Sprintf("race-%02d", i)
		boxes[i] = NewMailbox(0)
		e.c.Route(id, boxes[i])
		wg.Go(func() {
			errs <- e.c.Dial(context.Background(), DialRequest{ChannelID: id, Number: fmt.Sprintf("+4479110001%02d", i),
				CallerID: "+442071234567", CallerName: "Calling Org"})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	for _, m := range boxes {
		e.next(t, m, LegAnswered)
	}
	created, started := map[string]bool{}, map[string]bool{}
	raced := 0
	for _, en := range e.sim.Transcript() {
		path := strings.SplitN(en.Path, "?", 2)[0]
		switch {
		case en.Kind == "response" && path == "/channels/create" && en.Status == http.StatusOK:
			var ch struct{ ID string }
			if err := json.Unmarshal(en.Body, &ch); err != nil {
				t.Fatal(err)
			}
			created[ch.ID] = true
		case en.Kind == "event" && strings.Contains(string(en.Body), `"type":"StasisStart"`):
			var ev struct{ Channel struct{ ID string } }
			if err := json.Unmarshal(en.Body, &ev); err != nil {
				t.Fatal(err)
			}
			started[ev.Channel.ID] = true
			if created[ev.Channel.ID] {
				raced++
			}
		case en.Kind == "request" && strings.HasSuffix(path, "/dial"):
			if id := strings.Split(path, "/")[2]; !started[id] {
				t.Errorf("dial of %s sent before its StasisStart", id)
			}
		case en.Kind == "response" && en.Status == http.StatusConflict:
			t.Errorf("409 for %s %s", en.Method, en.Path)
		}
	}
	if raced == 0 {
		t.Error("no create answered before its StasisStart: the race was not set up")
	}
	if n := countPrefix(e.requests(), "POST /channels"); n != 2*legs {
		t.Errorf("%d channel requests for %d dials, want 2 each (create, dial): %v", n, legs, e.requests())
	}
	invites := e.sim.Invites()
	if len(invites) != legs {
		t.Fatalf("%d INVITEs, want %d", len(invites), legs)
	}
	for _, inv := range invites {
		if inv.Anonymous || inv.FromNum != "+442071234567" || inv.FromName != "Calling Org" {
			t.Errorf("phone %s was shown %q <%s>, want \"Calling Org\" <+442071234567>", inv.Number, inv.FromName, inv.FromNum)
		}
	}
}

// A 409 "Channel not in Stasis application" is retried.
func TestDialRetries409(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.sim.FailNext(http.MethodPost, "/channels/leg/dial", http.StatusConflict, `{"message":"Channel not in Stasis application"}`)
	m := NewMailbox(0)
	e.c.Route("leg", m)
	if err := e.c.Dial(context.Background(), DialRequest{ChannelID: "leg", Number: "+447911000003"}); err != nil {
		t.Fatal(err)
	}
	e.next(t, m, LegAnswered)
	if n := countPrefix(e.requests(), "POST /channels/leg/dial"); n != 2 {
		t.Errorf("%d dial requests, want 2", n)
	}
}

// A short numbering plan's number is dialled: Niue's have 7 digits with
// the country code (libphonenumber calls +6834002 valid, and the call flow
// asks it first).
func TestDialShortNumberingPlan(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := NewMailbox(0)
	e.c.Route("niue", m)
	if err := e.c.Dial(context.Background(), DialRequest{ChannelID: "niue", Number: "+6834002", CallerID: "+6834003"}); err != nil {
		t.Fatal(err)
	}
	e.next(t, m, LegAnswered)
}

func TestDialInvalid(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tc := range []struct {
		name, field string
		req         DialRequest
	}{
		{"ErrChannelIDRequired", "ChannelID", DialRequest{Number: "+447911123456"}},
		{"ErrNumberNotE164", "Number", DialRequest{ChannelID: "x", Number: "07911123456"}},
		{"ErrNumberLetters", "Number", DialRequest{ChannelID: "x", Number: "+44791112345a"}},
		{"ErrNumberTooLong", "Number", DialRequest{ChannelID: "x", Number: "+4479111234567890"}},
		{"ErrNumberInjection", "Number", DialRequest{ChannelID: "x", Number: "+447911123456&PJSIP/999@trunk"}},
		{"ErrCallerID", "CallerID", DialRequest{ChannelID: "x", Number: "+447911123456", CallerID: "anonymous"}},
		{"ErrTimeout", "Timeout", DialRequest{ChannelID: "x", Number: "+447911123456", Timeout: -time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := e.c.Dial(context.Background(), tc.req)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("Dial = %v, want ErrInvalid naming %s", err, tc.field)
			}
		})
	}
	if n := countPrefix(e.requests(), "POST /channels"); n != 0 {
		t.Errorf("%d channel requests reached Asterisk for invalid dials", n)
	}
}

func TestDialAsteriskFails(t *testing.T) {
	t.Parallel()

	t.Run("Create500", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.sim.FailNext(http.MethodPost, "/channels/create", http.StatusInternalServerError, `{"error":"Allocation failed"}`)
		err := e.c.Dial(context.Background(), DialRequest{ChannelID: "leg", Number: "+447911000004"})
		var re *RESTError
		if !errors.As(err, &re) || re.Status != http.StatusInternalServerError || errors.Is(err, ErrNotFound) {
			t.Fatalf("Dial = %v, want a RESTError with status 500", err)
		}
		if msg := err.Error(); !strings.Contains(msg, "channel_create leg") || !strings.Contains(msg, "500") {
			t.Errorf("error %q does not say what failed", msg)
		}
	})

	// A failure after the leg exists hangs the leg up: no Down leg is left
	// in the application.
	t.Run("Dial500HangsUp", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.sim.FailNext(http.MethodPost, "/channels/leg/dial", http.StatusInternalServerError, `{"message":"boom"}`)
		m := NewMailbox(0)
		e.c.Route("leg", m)
		err := e.c.Dial(context.Background(), DialRequest{ChannelID: "leg", Number: "+447911000005"})
		if !strings.Contains(fmt.Sprint(err), "channel_dial leg: Asterisk answered 500") {
			t.Fatalf("Dial = %v, want the failed dial", err)
		}
		e.next(t, m, LegEnded)
		if chans := e.sim.Channels(); len(chans) != 0 {
			t.Errorf("channels left: %+v", chans)
		}
	})
}

// Dial waits for StasisStart only as long as ctx, the websocket and the
// client last, and hangs up the leg it created when it gives up.
func TestDialWaitIsBounded(t *testing.T) {
	t.Parallel()
	// With a fake clock that never moves, a created leg never enters the
	// application.
	stuck := func(s *arisim.Config, _ *Config) {
		s.Clock, s.StasisDelay = arisim.NewFakeClock(time.Now()), time.Second
	}

	t.Run("ContextDeadline", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, stuck)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		err := e.c.Dial(ctx, DialRequest{ChannelID: "leg", Number: "+447911000070"})
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "StasisStart") {
			t.Fatalf("Dial = %v, want the deadline while waiting for StasisStart", err)
		}
		if n := countPrefix(e.requests(), "DELETE /channels/leg"); n != 1 {
			t.Errorf("the abandoned leg was hung up %d times, want 1", n)
		}
	})

	t.Run("Disconnect", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, stuck)
		done := make(chan error, 1)
		go func() { done <- e.c.Dial(context.Background(), DialRequest{ChannelID: "leg", Number: "+447911000071"}) }()
		eventually(t, "the leg is created", func() bool { return len(e.sim.Channels()) == 1 })
		e.sim.DropWebsockets()
		if err := <-done; !errors.Is(err, errDisconnected) {
			t.Fatalf("Dial = %v, want errDisconnected", err)
		}
	})

	t.Run("Close", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, stuck)
		done := make(chan error, 1)
		go func() { done <- e.c.Dial(context.Background(), DialRequest{ChannelID: "leg", Number: "+447911000072"}) }()
		eventually(t, "the leg is created", func() bool { return len(e.sim.Channels()) == 1 })
		e.c.Close()
		if err := <-done; !errors.Is(err, errClosed) {
			t.Fatalf("Dial = %v, want errClosed", err)
		}
	})
}
