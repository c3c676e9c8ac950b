package live

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supporterbase/callingsessions/queue"
)

func TestStreamStartsWithHeadersAndRetryHint(t *testing.T) {
	t.Parallel()
	h := runHub(t, newFakeListener(), fakeConfig())
	c := connect(t, serve(t, h), "/?org=1", nil)
	for name, want := range map[string]string{
		"Content-Type":      "text/event-stream",
		"Cache-Control":     "no-store",
		"X-Accel-Buffering": "no",
	} {
		if got := c.resp.Header.Get(name); got != want {
			t.Errorf("%s: got %q, want %q", name, got, want)
		}
	}
	if ev := c.raw(t); ev.Retry != "2000" {
		t.Errorf("first block %+v, want the retry hint 2000", ev)
	}
}

func TestStreamRefusesAStreamWithoutOrganisation(t *testing.T) {
	t.Parallel()
	h := runHub(t, newFakeListener(), fakeConfig())
	resp, err := http.Get(serve(t, h).URL + "/?org=0")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError || h.Clients() != 0 {
		t.Errorf("status %s with %d clients; want 500 and none", resp.Status, h.Clients())
	}
}

// A page is told only about its own organisation's sessions (R1.1), and a
// dashboard only about its session.
func TestStreamFiltersByOrganisationAndSession(t *testing.T) {
	t.Parallel()
	fake := newFakeListener()
	h := runHub(t, fake, fakeConfig())
	srv := serve(t, h)
	type seen struct {
		session int64
		kind    string
	}
	tests := []struct {
		path string
		want []seen
	}{
		{"/?org=1", []seen{{5, "queue"}, {7, "contact"}, {5, "call"}}},
		{"/?org=2", []seen{{6, "call"}, {5, "session"}}},
		{"/?org=1&session=5", []seen{{5, "queue"}, {5, "call"}}},
		{"/?org=2&session=5", []seen{{5, "session"}}},
		{"/?org=3", nil},
	}
	clients := make([]*sseClient, len(tests))
	for i, tt := range tests {
		clients[i] = connect(t, srv, tt.path, nil)
	}
	waitUntil(t, "every client subscribed", func() bool { return h.Clients() == len(tests) })
	for _, n := range []queue.Notification{
		{OrganisationID: 1, SessionID: 5, Kind: "queue"},
		{OrganisationID: 2, SessionID: 6, Kind: "call"},
		{OrganisationID: 1, SessionID: 7, Kind: "contact"},
		{OrganisationID: 2, SessionID: 5, Kind: "session"},
		{OrganisationID: 1, SessionID: 5, Kind: "call"},
	} {
		fake.send(t, h, n)
	}
	for org := int64(1); org <= 3; org++ {
		fake.send(t, h, queue.Notification{OrganisationID: org, SessionID: 5, Kind: "marker"})
	}
	for i, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			var got []seen
			for ev := clients[i].next(t); ev.Data != changeJSON(5, "marker"); ev = clients[i].next(t) {
				got = append(got, seen{})
				if _, err := fmt.Sscanf(ev.Data, `{"session_id":%d,"kind":%q}`, &got[len(got)-1].session, &got[len(got)-1].kind); err != nil {
					t.Fatalf("data %q: %v", ev.Data, err)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestStreamLastEventID(t *testing.T) {
	t.Parallel()
	// Six changes after the hub's first resync; the ring keeps the last four.
	notes := []queue.Notification{
		{OrganisationID: 1, SessionID: 1, Kind: "queue"},
		{OrganisationID: 1, SessionID: 2, Kind: "call"},
		{OrganisationID: 2, SessionID: 1, Kind: "queue"},
		{OrganisationID: 1, SessionID: 1, Kind: "contact"},
		{OrganisationID: 1, SessionID: 2, Kind: "queue"},
		{OrganisationID: 1, SessionID: 1, Kind: "contact"},
	}
	type want struct {
		k       uint64 // the change's place in notes, 1-based; 7 is the marker
		session int64
		kind    string
	}
	marker := want{7, 2, "marker"}
	tests := []struct {
		name          string
		header, since func(id func(uint64) string) string
		session       string
		want          []want // nil: a resync
	}{
		{name: "no id: only what comes next", want: []want{marker}},
		{name: "the last id: nothing missed", header: at(6), want: []want{marker}},
		{name: "missed changes of its organisation, collapsed", header: at(3),
			want: []want{{5, 2, "queue"}, {6, 1, "contact"}, marker}},
		{name: "missed changes of its session", header: at(3), session: "2",
			want: []want{{5, 2, "queue"}, marker}},
		{name: "the page's cursor when there is no header", since: at(4),
			want: []want{{5, 2, "queue"}, {6, 1, "contact"}, marker}},
		{name: "the header over the cursor", header: at(5), since: at(1),
			want: []want{{6, 1, "contact"}, marker}},
		{name: "gone from the ring", header: at(1)},
		{name: "from the future", header: at(99)},
		{name: "of another run", header: func(func(uint64) string) string { return "0123456789ab-5" }},
		{name: "not an id", header: func(func(uint64) string) string { return "yesterday" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake := newFakeListener()
			cfg := fakeConfig()
			cfg.Replay = 4
			h := runHub(t, fake, cfg)
			base := h.seqNow()
			id := func(k uint64) string { return h.eventID(base + k) }
			for _, n := range notes {
				fake.send(t, h, n)
			}
			path, header := "/?org=1", http.Header{}
			if tt.session != "" {
				path += "&session=" + tt.session
			}
			if tt.since != nil {
				path += "&since=" + tt.since(id)
			}
			if tt.header != nil {
				header.Set("Last-Event-ID", tt.header(id))
			}
			c := connect(t, serve(t, h), path, header)
			if tt.want == nil {
				if ev := c.next(t); ev.Name != EventResync || ev.ID != id(6) {
					t.Fatalf("got %+v, want a resync with id %s", ev, id(6))
				}
				return
			}
			waitUntil(t, "subscribed", func() bool { return h.Clients() == 1 })
			fake.send(t, h, queue.Notification{OrganisationID: 1, SessionID: 2, Kind: "marker"})
			for _, w := range tt.want {
				if ev := c.expectChange(t, w.session, w.kind); ev.ID != id(w.k) {
					t.Errorf("change %+v has id %s, want %s", w, ev.ID, id(w.k))
				}
			}
		})
	}
}

// at returns the id of the k-th change of a test.
func at(k uint64) func(func(uint64) string) string {
	return func(id func(uint64) string) string { return id(k) }
}

// stuckWriter is a page that stopped reading after the retry hint: every
// later write waits until the test opens the gate.
type stuckWriter struct {
	header http.Header
	gate   chan struct{}
	mu     sync.Mutex
	writes int
	out    bytes.Buffer
}

func (w *stuckWriter) Header() http.Header { return w.header }
func (w *stuckWriter) WriteHeader(int)     {}
func (w *stuckWriter) Flush()              {}

func (w *stuckWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.writes++
	first := w.writes == 1
	w.mu.Unlock()
	if !first {
		<-w.gate
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.out.Write(p)
}

func (w *stuckWriter) written() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.out.String()
}

func TestSlowClientHoldsUpNobodyAndIsToldToResync(t *testing.T) {
	t.Parallel()
	fake := newFakeListener()
	cfg := fakeConfig()
	cfg.ClientBuffer = 8
	h := runHub(t, fake, cfg)
	fast := connect(t, serve(t, h), "/?org=1", nil)

	stuck := &stuckWriter{header: http.Header{}, gate: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() {
		defer close(served)
		h.ServeStream(stuck, httptest.NewRequestWithContext(ctx, http.MethodGet, "/", nil), 1, nil)
	}()
	waitUntil(t, "both subscribed", func() bool { return h.Clients() == 2 })

	const changes = 100
	for i := int64(1); i <= changes; i++ {
		fake.send(t, h, queue.Notification{OrganisationID: 1, SessionID: i, Kind: "queue"})
	}
	for i := int64(1); i <= changes; i++ {
		fast.expectChange(t, i, "queue")
	}
	if n := pendingOf(h, 1); n > cfg.ClientBuffer {
		t.Errorf("a stuck client holds %d changes; at most %d", n, cfg.ClientBuffer)
	}

	close(stuck.gate)
	wantResync := "event: resync\nid: " + h.Cursor() + "\n"
	waitUntil(t, "the stuck client told to resync", func() bool { return strings.Contains(stuck.written(), wantResync) })
	cancel()
	<-served
}

// pendingOf returns the most changes any client of org holds.
func pendingOf(h *Hub, org int64) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	most := 0
	for c := range h.clients[org] {
		c.mu.Lock()
		most = max(most, len(c.pending))
		c.mu.Unlock()
	}
	return most
}

func TestStreamSendsPingsWhenIdle(t *testing.T) {
	t.Parallel()
	cfg := fakeConfig()
	cfg.Heartbeat = 20 * time.Millisecond
	h := runHub(t, newFakeListener(), cfg)
	c := connect(t, serve(t, h), "/?org=1", nil)
	c.raw(t) // the retry hint
	for range 3 {
		if ev := c.raw(t); ev != (sseEvent{Name: EventPing, Data: "{}"}) {
			t.Fatalf("got %+v, want a ping without id", ev)
		}
	}
}

// When the listening connection fails, pages are told they are offline,
// and once the hub listens again, to resync; changes flow again after.
func TestStreamOfflineThenResyncWhenListeningFails(t *testing.T) {
	t.Parallel()
	fake := newFakeListener()
	cfg := fakeConfig()
	cfg.MinBackoff, cfg.MaxBackoff = 300*time.Millisecond, 300*time.Millisecond
	h := runHub(t, fake, cfg)
	srv := serve(t, h)
	before := connect(t, srv, "/?org=1", nil)
	before.raw(t) // the retry hint
	waitUntil(t, "subscribed", func() bool { return h.Clients() == 1 })

	fake.drops <- errDropped
	waitUntil(t, "not listening", func() bool { return !h.Listening() })
	during := connect(t, srv, "/?org=1", nil)
	during.raw(t)
	for name, c := range map[string]*sseClient{"connected before": before, "connected during": during} {
		if ev := c.raw(t); ev != (sseEvent{Name: EventStatus, Data: `{"live":false}`}) {
			t.Errorf("%s: got %+v, want the offline status", name, ev)
		}
		if ev := c.next(t); ev.Name != EventResync || ev.ID != h.Cursor() {
			t.Errorf("%s: got %+v, want a resync with id %s", name, ev, h.Cursor())
		}
	}
	fake.send(t, h, queue.Notification{OrganisationID: 1, SessionID: 3, Kind: "call"})
	before.expectChange(t, 3, "call")
	during.expectChange(t, 3, "call")
}

func TestStreamsEndWhenTheHubStops(t *testing.T) {
	t.Parallel()
	h := New(newFakeListener(), testLogger(t), fakeConfig())
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- h.Run(ctx) }()
	waitUntil(t, "listening", h.Listening)
	srv := serve(t, h)
	c := connect(t, srv, "/?org=1", nil)
	waitUntil(t, "subscribed", func() bool { return h.Clients() == 1 })

	cancel()
	if err := <-ran; err != nil {
		t.Fatalf("run: %v", err)
	}
	if !c.endsSoon() {
		t.Fatal("the stream outlived the hub")
	}
	resp, err := http.Get(srv.URL + "/?org=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("a stream after the hub stopped: %s, want 503", resp.Status)
	}
	if err := h.Run(context.Background()); err == nil {
		t.Error("a hub ran twice")
	}
}
