package web_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/queue/pgtest"
	"github.com/supporterbase/callingsessions/web"
)

func newServer(t *testing.T, store *queue.Store) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(web.New(store, slog.New(slog.DiscardHandler), prometheus.NewRegistry(), web.Options{}).Handler())
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func TestHealthAndHome(t *testing.T) {
	t.Parallel()
	store := queue.NewStore(pgtest.NewPool(t), nil)
	if _, err := store.CreateOrganisation(context.Background(), queue.NewOrganisation("home", "Home Team")); err != nil {
		t.Fatal(err)
	}
	srv := newServer(t, store)
	cases := []struct {
		path, want string
		status     int
	}{
		{"/healthz", "ok", 200},
		{"/readyz", "database: ok", 200},
		{"/", "<h1>Log in</h1>", 200}, // a visitor is sent to the login page
		{"/favicon.ico", "<svg", 200}, // browsers ask for it whatever the layout says
		{"/no-such-page", "There is no such page", 404},
		{"/api/v1/no-such-thing", `{"error":{"code":"not_found","message":"there is no such page"}}`, 404},
		{"/metrics", `callingd_http_request_duration_seconds_count{code="2xx",route="/healthz"} 1`, 200},
	}
	for _, tc := range cases {
		status, body := get(t, srv.URL+tc.path)
		if status != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("GET %s = %d %q, want %d containing %q", tc.path, status, body, tc.status, tc.want)
		}
	}
	// The open pages name no tenant (R1.1).
	if _, body := get(t, srv.URL+"/login"); strings.Contains(body, "Home Team") {
		t.Error("the login page shows an organisation's name to anyone")
	}
}

func TestReadyzWithoutDatabase(t *testing.T) {
	t.Parallel()
	pool, err := pgxpool.New(context.Background(), "postgres://nobody@127.0.0.1:1/none?connect_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	store := queue.NewStore(pool, nil)
	srv := newServer(t, store)
	if status, body := get(t, srv.URL+"/readyz"); status != http.StatusServiceUnavailable || !strings.Contains(body, "unreachable") {
		t.Fatalf("GET /readyz without a database = %d %q, want 503", status, body)
	}
	if status, _ := get(t, srv.URL+"/healthz"); status != http.StatusOK {
		t.Fatalf("GET /healthz without a database = %d, want 200 (alive, not ready)", status)
	}
	// The login page needs no database; logging in does, and fails
	// without telling where the database is.
	b := (&panel{srv: srv}).browser(t)
	wantStatus(t, "login page without a database", b.get("/login"), http.StatusOK)
	pg := b.post("/login", url.Values{"email": {"someone@example.org"}, "password": {"a long enough secret"}})
	if pg.status != http.StatusInternalServerError || strings.Contains(pg.body, "127.0.0.1") || !strings.Contains(pg.body, "Internal error.") {
		t.Fatalf("POST /login without a database = %d %q, want 500 without internals", pg.status, pg.body)
	}
}

// TestReadyzWithoutAsterisk: /readyz also depends on Asterisk when the
// server drives calls (R11.2), and says which part is down.
func TestReadyzWithoutAsterisk(t *testing.T) {
	t.Parallel()
	store := queue.NewStore(pgtest.NewPool(t), nil)
	s := web.New(store, slog.New(slog.DiscardHandler), prometheus.NewRegistry(), web.Options{})
	var down atomic.Bool
	s.AddReadyCheck("asterisk", func() error {
		if down.Load() {
			return errors.New("events websocket closed")
		}
		return nil
	})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	if status, body := get(t, srv.URL+"/readyz"); status != 200 || body != "database: ok\nasterisk: ok\n" {
		t.Fatalf("GET /readyz = %d %q", status, body)
	}
	down.Store(true)
	if status, body := get(t, srv.URL+"/readyz"); status != http.StatusServiceUnavailable || body != "database: ok\nasterisk: unreachable\n" {
		t.Fatalf("GET /readyz with Asterisk down = %d %q", status, body)
	}
}
