package live

import (
	"context"
	"io"
	"net"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/queue/pgtest"
)

// A real change, announced as every instance does, reaches the dashboard of
// its session and no page of another organisation (R1.1).
func TestAnnouncedChangeReachesItsDashboardOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, pool, cfg := storeAndPool(t)
	store.PasswordCost = 4
	ours, theirs := mustOrganisation(t, store, "ours"), mustOrganisation(t, store, "theirs")
	sess := mustSession(t, store, ours.ID)
	h := runHub(t, store, cfg)
	srv := serve(t, h)
	dashboard := connect(t, srv, "/?org="+itoa(ours.ID)+"&session="+itoa(sess.ID), nil)
	otherSession := connect(t, srv, "/?org="+itoa(ours.ID)+"&session="+itoa(sess.ID+1), nil)
	stranger := connect(t, srv, "/?org="+itoa(theirs.ID), nil)
	waitUntil(t, "subscribed", func() bool { return h.Clients() == 3 })

	if _, err := store.AnnounceChanges(ctx); err != nil {
		t.Fatal(err)
	}
	dashboard.expectChange(t, sess.ID, "session")
	notify(t, pool, ours.ID, sess.ID+1, "marker")
	notify(t, pool, theirs.ID, sess.ID+1, "marker")
	otherSession.expectChange(t, sess.ID+1, "marker")
	stranger.expectChange(t, sess.ID+1, "marker")
}

// One LISTEN backend serves a hundred pages, and a NOTIFY reaches them all
// as the same event.
func TestOneListenConnectionForEveryStream(t *testing.T) {
	t.Parallel()
	store, pool, cfg := storeAndPool(t)
	h := runHub(t, store, cfg)
	srv := serve(t, h)
	const pages = 100
	clients := make([]*sseClient, pages)
	for i := range clients {
		clients[i] = connect(t, srv, "/?org=1", nil)
	}
	waitUntil(t, "every page subscribed", func() bool { return h.Clients() == pages })
	if n := listenBackends(t, pool); n != 1 {
		t.Errorf("%d LISTEN backends for %d pages, want 1", n, pages)
	}
	notify(t, pool, 1, 2, "queue")
	id := clients[0].expectChange(t, 2, "queue").ID
	for _, c := range clients[1:] {
		if got := c.expectChange(t, 2, "queue").ID; got != id {
			t.Fatalf("one change has ids %s and %s", id, got)
		}
	}
}

// Killing the listening backend (as a PostgreSQL restart does) sends pages
// a resync once the hub listens again, and changes flow again after.
func TestHubListensAgainAfterItsBackendIsKilled(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, pool, cfg := storeAndPool(t)
	h := runHub(t, store, cfg)
	srv := serve(t, h)
	clients := []*sseClient{connect(t, srv, "/?org=1", nil), connect(t, srv, "/?org=1&session=2", nil)}
	waitUntil(t, "subscribed", func() bool { return h.Clients() == len(clients) })

	for round := range 2 {
		var killed bool
		err := pool.QueryRow(ctx, `
			SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`).Scan(&killed)
		if err != nil || !killed {
			t.Fatalf("round %d: kill the LISTEN backend: %v %v", round, killed, err)
		}
		for _, c := range clients {
			if ev := c.next(t); ev.Name != EventResync {
				t.Fatalf("round %d: got %+v, want a resync", round, ev)
			}
		}
		notify(t, pool, 1, 2, "call")
		for _, c := range clients {
			c.expectChange(t, 2, "call")
		}
		if n := listenBackends(t, pool); n != 1 {
			t.Errorf("round %d: %d LISTEN backends after reconnecting, want 1", round, n)
		}
	}
}

func listenBackends(t *testing.T, pool *pgxpool.Pool) int {
	t.Helper()
	var n int
	err := pool.QueryRow(context.Background(), `
		SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND query LIKE 'LISTEN%'`).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func mustOrganisation(t *testing.T, s *queue.Store, slug string) queue.Organisation {
	t.Helper()
	o := queue.NewOrganisation(slug, "Org "+slug)
	o.Timezone = "Europe/London"
	o.AllowedPrefixes = []string{"+44"}
	created, err := s.CreateOrganisation(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return created
}

// mustSession starts a session on an empty list of a new group of org.
func mustSession(t *testing.T, s *queue.Store, org int64) queue.Session {
	t.Helper()
	ctx := context.Background()
	g, err := s.CreateGroup(ctx, org, "North")
	if err != nil {
		t.Fatal(err)
	}
	l, err := s.CreateList(ctx, org, g.ID, "Everyone", 0)
	if err != nil {
		t.Fatal(err)
	}
	leader, err := s.CreateUser(ctx, org, queue.UserInput{FirstName: "Lee", Email: "lee@example.org",
		Password: "a long enough secret", Mobile: "+447400123456", Admin: true})
	if err != nil {
		t.Fatal(err)
	}
	sess, _, err := s.StartSession(ctx, leader, l.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	return sess
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// While the database is away (a restart: every connection cut, new ones
// refused), pages show offline and the hub keeps trying; once it is back
// they resync and changes flow again.
func TestHubListensAgainAfterTheDatabaseComesBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	direct := pgtest.NewDatabase(t)
	proxy := newFlakyProxy(t, direct)
	viaProxy, err := pgxpool.New(ctx, proxy.url(t, direct))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(viaProxy.Close)
	admin, err := pgxpool.New(ctx, direct)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(admin.Close)
	cfg := Config{MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond,
		Probe: func(ctx context.Context, n queue.Notification) error { return pgNotify(ctx, viaProxy, n) }}
	h := runHub(t, queue.NewStore(viaProxy, nil), cfg)
	c := connect(t, serve(t, h), "/?org=1", nil)
	c.raw(t) // the retry hint

	proxy.setDown(true)
	if ev := c.raw(t); ev.Name != EventStatus || h.Listening() {
		t.Fatalf("got %+v (listening %v), want the offline status", ev, h.Listening())
	}
	time.Sleep(500 * time.Millisecond) // several tries fail meanwhile
	proxy.setDown(false)
	if ev := c.next(t); ev.Name != EventResync {
		t.Fatalf("got %+v, want a resync", ev)
	}
	notify(t, admin, 1, 4, "contact")
	c.expectChange(t, 4, "contact")
}

// flakyProxy forwards TCP to PostgreSQL until it is set down: then it cuts
// every connection and refuses new ones, as a restarting server does.
type flakyProxy struct {
	ln    net.Listener
	mu    sync.Mutex
	down  bool
	conns map[net.Conn]struct{}
}

func newFlakyProxy(t *testing.T, databaseURL string) *flakyProxy {
	t.Helper()
	u, err := url.Parse(databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &flakyProxy{ln: ln, conns: map[net.Conn]struct{}{}}
	done := make(chan struct{})
	go func() { defer close(done); p.serve(u.Host) }()
	t.Cleanup(func() { ln.Close(); p.setDown(true); <-done })
	return p
}

// url returns databaseURL through the proxy.
func (p *flakyProxy) url(t *testing.T, databaseURL string) string {
	u, err := url.Parse(databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = p.ln.Addr().String()
	return u.String()
}

func (p *flakyProxy) serve(target string) {
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", target)
		if err != nil || !p.track(in, out) {
			in.Close()
			if out != nil {
				out.Close()
			}
			continue
		}
		go func() { io.Copy(out, in); out.Close() }() //nolint:errcheck // ends when either side closes
		go func() { io.Copy(in, out); in.Close() }()  //nolint:errcheck
	}
}

func (p *flakyProxy) track(conns ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		return false
	}
	for _, c := range conns {
		p.conns[c] = struct{}{}
	}
	return true
}

func (p *flakyProxy) setDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
	if down {
		for c := range p.conns {
			c.Close()
		}
		clear(p.conns)
	}
}
