package ari

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/supporterbase/callingsessions/ari/arisim"
)

func TestConfig(t *testing.T) {
	t.Parallel()
	valid := Config{URL: "http://127.0.0.1:8088/ari", Username: "u", Password: "p", Application: "calling", DialString: "PJSIP/{number}@trunk"}

	t.Run("Defaults", func(t *testing.T) {
		t.Parallel()
		c, err := valid.withDefaults()
		if err != nil {
			t.Fatal(err)
		}
		if c.WebsocketURL != "ws://127.0.0.1:8088/ari/events" {
			t.Errorf("WebsocketURL = %q", c.WebsocketURL)
		}
		if c.MaxConnsPerHost != DefaultMaxConnsPerHost || c.MinBackoff != DefaultMinBackoff || c.MaxBackoff != DefaultMaxBackoff || c.Logger == nil {
			t.Errorf("defaults not applied: %+v", c)
		}
		https := valid
		https.URL = "https://asterisk.example:8089/ari/"
		if c, _ := https.withDefaults(); c.WebsocketURL != "wss://asterisk.example:8089/ari/events" || c.URL != "https://asterisk.example:8089/ari" {
			t.Errorf("https: URL %q, WebsocketURL %q", c.URL, c.WebsocketURL)
		}
	})

	for _, tc := range []struct {
		name, field string
		change      func(*Config)
	}{
		{"ErrURLRequired", "URL", func(c *Config) { c.URL = "" }},
		{"ErrURLScheme", "URL", func(c *Config) { c.URL = "ftp://x/ari" }},
		{"ErrWebsocketURL", "WebsocketURL", func(c *Config) { c.WebsocketURL = "http://x/ari/events" }},
		{"ErrUsernameRequired", "Username", func(c *Config) { c.Username = "" }},
		{"ErrPasswordRequired", "Password", func(c *Config) { c.Password = "" }},
		{"ErrApplicationRequired", "Application", func(c *Config) { c.Application = "" }},
		{"ErrDialStringWithoutNumber", "DialString", func(c *Config) { c.DialString = "PJSIP/trunk" }},
		{"ErrBackoffOrder", "MaxBackoff", func(c *Config) { c.MinBackoff, c.MaxBackoff = time.Second, time.Millisecond }},
		{"ErrMailboxLimit", "MailboxLimit", func(c *Config) { c.MailboxLimit = -1 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := valid
			tc.change(&cfg)
			_, err := Connect(context.Background(), cfg)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("Connect = %v, want ErrInvalid naming %s", err, tc.field)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	lo, hi := 100*time.Millisecond, 5*time.Second
	for n, ceiling := range map[int]time.Duration{1: lo, 2: 2 * lo, 3: 4 * lo, 7: hi, 40: hi} {
		for range 50 {
			if d := backoff(lo, hi, n); d < ceiling/2 || d > ceiling {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", n, d, ceiling/2, ceiling)
			}
		}
	}
}

// testApp is the application name every simulated Asterisk serves.
const testApp = "calling"

// env is one simulated Asterisk and a Client connected to it, each test its own.
type env struct {
	sim *arisim.Sim
	c   *Client
	reg *prometheus.Registry
}

// newEnv starts a simulator and connects a Client to it, waiting for the
// first Connected. change adjusts either config before use.
func newEnv(t *testing.T, change ...func(*arisim.Config, *Config)) *env {
	t.Helper()
	simCfg := arisim.Config{Username: "callingd", Password: "secret"}
	reg := prometheus.NewRegistry()
	cfg := Config{
		Username:    "callingd",
		Password:    "secret",
		Application: testApp,
		DialString:  "PJSIP/{number}@trunk",
		Registerer:  reg,
		MinBackoff:  10 * time.Millisecond,
		MaxBackoff:  50 * time.Millisecond,
	}
	for _, f := range change {
		f(&simCfg, &cfg)
	}
	sim, err := arisim.Start(simCfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	cfg.URL, cfg.WebsocketURL = sim.URL(), sim.WebsocketURL()
	c, err := Connect(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close) // runs before sim.Close
	e := &env{sim: sim, c: c, reg: reg}
	e.next(t, c.Unrouted(), Connected)
	return e
}

// waitTimeout bounds every wait for an event: generous, because -race on 2
// cores beside the other packages' tests read a 10,000-event burst in over 5 s.
const waitTimeout = 15 * time.Second

// next returns the first event of kind from m, discarding those before it;
// it fails the test after waitTimeout.
func (e *env) next(t *testing.T, m *Mailbox, kind EventKind) Event {
	t.Helper()
	evs := e.until(t, m, func(ev Event) bool { return ev.Kind == kind })
	return evs[len(evs)-1]
}

// until collects events from m up to and including the first for which
// done is true. Events after it stay for the next call.
func (e *env) until(t *testing.T, m *Mailbox, done func(Event) bool) []Event {
	t.Helper()
	deadline := time.NewTimer(waitTimeout)
	defer deadline.Stop()
	var got []Event
	pending := m.Take()
	for {
		for i, ev := range pending {
			got = append(got, ev)
			if done(ev) {
				requeue(m, pending[i+1:])
				return got
			}
		}
		select {
		case <-m.Ready():
			pending = m.Take()
		case <-deadline.C:
			t.Fatalf("no awaited event within %v; got: %s", waitTimeout, describe(got))
			return nil
		}
	}
}

// requeue puts back events read past the one waited for, ahead of newer
// ones: the mailbox keeps arrival order.
func requeue(m *Mailbox, rest []Event) {
	if len(rest) == 0 {
		return
	}
	m.mu.Lock()
	m.events = append(append([]Event{}, rest...), m.events...)
	m.mu.Unlock()
	m.signal()
}

// eventually polls cond every few milliseconds until it holds, failing the
// test after waitTimeout.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", waitTimeout, what)
		}
		<-tick.C
	}
}

// leg dials number on a fresh channel routed to a new mailbox and waits for
// the answer.
func (e *env) answeredLeg(t *testing.T, id, number string) *Mailbox {
	t.Helper()
	m := NewMailbox(0)
	e.c.Route(id, m)
	if err := e.c.Dial(context.Background(), DialRequest{ChannelID: id, Number: number, Timeout: 30 * time.Second}); err != nil {
		t.Fatalf("Dial %s: %v", id, err)
	}
	e.next(t, m, LegAnswered)
	return m
}

// requests lists the transcript's requests as "METHOD path", in order.
func (e *env) requests() []string {
	var out []string
	for _, en := range e.sim.Transcript() {
		if en.Kind == "request" {
			out = append(out, en.Method+" "+en.Path)
		}
	}
	return out
}

func countPrefix(list []string, prefix string) int {
	n := 0
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			n++
		}
	}
	return n
}

func TestConnectAndClose(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if err := e.c.Ready(); err != nil {
		t.Fatalf("Ready after Connected = %v", err)
	}
	if got := value(t, e.c.metrics.connected); got != 1 {
		t.Errorf("connected gauge = %v, want 1", got)
	}
	// The REST calls go through the bounded pool, not http.DefaultTransport.
	f := reflect.ValueOf(e.c.rest).Elem().FieldByName("httpClient")
	if tr := f.FieldByName("Transport"); tr.IsNil() || tr.Elem().Pointer() != reflect.ValueOf(e.c.http.Transport).Pointer() {
		t.Error("ari/v5's REST client does not use the adapter's transport")
	}
	e.c.Close()
	e.c.Close() // idempotent
	if err := e.c.Ready(); !errors.Is(err, errClosed) {
		t.Errorf("Ready after Close = %v, want errClosed", err)
	}
}

func TestConnectBadCredentials(t *testing.T) {
	t.Parallel()
	sim, err := arisim.Start(arisim.Config{Username: "callingd", Password: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	c, err := Connect(context.Background(), Config{
		URL: sim.URL(), Username: "callingd", Password: "wrong", Application: testApp,
		DialString: "PJSIP/{number}@trunk", MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	eventually(t, "Ready reports the refused connection", func() bool {
		err := c.Ready()
		return err != nil && strings.Contains(err.Error(), "not connected:")
	})
	if evs := c.Unrouted().Take(); len(evs) != 0 {
		t.Errorf("events without a connection: %s", describe(evs))
	}
}
