package live

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/queue/pgtest"
)

// wait is how long a test waits for something that should happen at once.
const wait = 10 * time.Second

// fakeListener stands in for the store where a test needs to control every
// notification and failure exactly.
type fakeListener struct {
	notes chan queue.Notification
	drops chan error
}

func newFakeListener() *fakeListener {
	return &fakeListener{notes: make(chan queue.Notification), drops: make(chan error)}
}

func (f *fakeListener) Listen(ctx context.Context, fn func(queue.Notification)) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-f.drops:
			return err
		case n := <-f.notes:
			fn(n)
		}
	}
}

// send hands n to the hub and waits until the hub has numbered it.
func (f *fakeListener) send(t testing.TB, h *Hub, n queue.Notification) {
	t.Helper()
	before := h.seqNow()
	select {
	case f.notes <- n:
	case <-time.After(wait):
		t.Fatal("the hub did not take a notification: is it blocked?")
	}
	waitUntil(t, "notification numbered", func() bool { return h.seqNow() > before })
}

func (h *Hub) seqNow() uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.seq
}

// fakeConfig makes a hub over a fakeListener quick to start and retry.
func fakeConfig() Config {
	return Config{Settle: time.Millisecond, MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond}
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// runHub runs a hub until the test ends, and waits until it listens.
func runHub(t testing.TB, l Listener, cfg Config) *Hub {
	t.Helper()
	h := New(l, testLogger(t), cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	waitUntil(t, "hub listening", h.Listening)
	return h
}

// serve serves h's streams: ?org= is the organisation (the login's, in the
// panel), ?session= watches one session.
func serve(t testing.TB, h *Hub) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		org, _ := strconv.ParseInt(q.Get("org"), 10, 64)
		var watch Filter
		if s := q.Get("session"); s != "" {
			id, _ := strconv.ParseInt(s, 10, 64)
			watch = Sessions(id)
		}
		h.ServeStream(w, r, org, watch)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// storeAndPool returns a store on a fresh database, and a probe that sends
// on the store's channel, as queue will (see the report on Config.Probe).
func storeAndPool(t testing.TB) (*queue.Store, *pgxpool.Pool, Config) {
	t.Helper()
	pool := pgtest.NewPool(t)
	cfg := Config{MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond,
		Probe: func(ctx context.Context, n queue.Notification) error { return pgNotify(ctx, pool, n) }}
	return queue.NewStore(pool, nil), pool, cfg
}

func pgNotify(ctx context.Context, pool *pgxpool.Pool, n queue.Notification) error {
	payload, err := json.Marshal(n)
	if err != nil {
		return err
	}
	_, err = pool.Exec(ctx, `SELECT pg_notify($1, $2)`, queue.NotifyChannel, string(payload))
	return err
}

func notify(t testing.TB, pool *pgxpool.Pool, org, session int64, kind string) {
	t.Helper()
	if err := pgNotify(context.Background(), pool, queue.Notification{OrganisationID: org, SessionID: session, Kind: kind}); err != nil {
		t.Fatal(err)
	}
}

// sseEvent is one event block as a browser's EventSource parses it.
type sseEvent struct {
	Name, ID, Data, Retry string
}

// sseClient is a test's EventSource: one stream over real HTTP.
type sseClient struct {
	resp   *http.Response
	events chan sseEvent
	cancel context.CancelFunc
	ended  chan struct{}
}

// connect opens a stream at url (relative to srv) with extra headers, and
// closes it when the test ends.
func connect(t testing.TB, srv *httptest.Server, path string, header http.Header) *sseClient {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		cancel()
		t.Fatalf("GET %s: %s", path, resp.Status)
	}
	c := &sseClient{resp: resp, events: make(chan sseEvent, 1024), cancel: cancel, ended: make(chan struct{})}
	go c.read()
	t.Cleanup(c.close)
	return c
}

func (c *sseClient) read() {
	defer close(c.ended)
	defer close(c.events)
	sc := bufio.NewScanner(c.resp.Body)
	var ev sseEvent
	seen := false
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if seen {
				c.events <- ev
			}
			ev, seen = sseEvent{}, false
			continue
		}
		if strings.HasPrefix(line, ":") {
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		seen = true
		switch field {
		case "event":
			ev.Name = value
		case "id":
			ev.ID = value
		case "data":
			ev.Data += value
		case "retry":
			ev.Retry = value
		}
	}
}

func (c *sseClient) close() {
	c.cancel()
	<-c.ended
	c.resp.Body.Close()
}

// raw returns the next block the stream sent, pings included.
func (c *sseClient) raw(t testing.TB) sseEvent {
	t.Helper()
	select {
	case ev, ok := <-c.events:
		if !ok {
			t.Fatal("the stream ended")
		}
		return ev
	case <-time.After(wait):
		t.Fatal("no event")
	}
	return sseEvent{}
}

// next returns the next event, past pings, the retry hint and status.
func (c *sseClient) next(t testing.TB) sseEvent {
	t.Helper()
	for {
		ev := c.raw(t)
		if ev.Name != EventPing && ev.Name != EventStatus && ev.Name != "" {
			return ev
		}
	}
}

// expectChange waits for a change event and checks what it says.
func (c *sseClient) expectChange(t testing.TB, session int64, kind string) sseEvent {
	t.Helper()
	ev := c.next(t)
	want := sseEvent{Name: EventChange, ID: ev.ID, Data: changeJSON(session, kind)}
	if ev != want || ev.ID == "" {
		t.Fatalf("got %+v, want %+v with an id", ev, want)
	}
	return ev
}

func changeJSON(session int64, kind string) string {
	return `{"session_id":` + strconv.FormatInt(session, 10) + `,"kind":"` + kind + `"}`
}

// endsSoon reports whether the stream ends within the wait.
func (c *sseClient) endsSoon() bool {
	timeout := time.After(wait)
	for {
		select {
		case _, ok := <-c.events:
			if !ok {
				return true
			}
		case <-timeout:
			return false
		}
	}
}

func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

var errDropped = errors.New("connection dropped")
