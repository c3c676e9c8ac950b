package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/queue/pgtest"
	"github.com/supporterbase/callingsessions/web"
)

// testClock is a clock tests move by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// panel is a server over a database of its own, with one organisation and
// one user (leader@example.org / leaderPassword, no mobile yet).
type panel struct {
	store  *queue.Store
	clock  *testClock
	org    queue.Organisation
	leader queue.User
	srv    *httptest.Server
}

const leaderPassword = "correct horse battery"

func newPanel(t *testing.T, opts web.Options) *panel {
	t.Helper()
	p := &panel{clock: &testClock{t: time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)}}
	p.store = queue.NewStore(pgtest.NewPool(t), p.clock)
	p.store.PasswordCost = 4
	ctx := context.Background()
	o := queue.NewOrganisation("panel", "Panel Org")
	o.Timezone = "Europe/London"
	var err error
	if p.org, err = p.store.CreateOrganisation(ctx, o); err != nil {
		t.Fatal(err)
	}
	p.leader = p.mustUser(t, "leader@example.org")
	p.srv = httptest.NewServer(web.New(p.store, slog.New(slog.DiscardHandler), prometheus.NewRegistry(), opts).Handler())
	t.Cleanup(p.srv.Close)
	return p
}

func (p *panel) mustUser(t *testing.T, email string) queue.User {
	t.Helper()
	u, err := p.store.CreateUser(context.Background(), p.org.ID, queue.UserInput{
		FirstName: "Casey", LastName: "Leader", Email: email, Password: leaderPassword})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// browser is a test client that keeps its cookies and the CSRF token of
// the last page it was shown, as a browser does, and follows no redirect.
type browser struct {
	t      *testing.T
	base   string
	client *http.Client
	csrf   string
	header http.Header // sent with every request
}

func (p *panel) browser(t *testing.T) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: p.srv.Client().Transport, Jar: jar, // the server's client is shared
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &browser{t: t, base: p.srv.URL, client: client, header: http.Header{}}
}

// page is an answer.
type page struct {
	status int
	header http.Header
	body   string
}

func (pg page) location() string { return pg.header.Get("Location") }

// nonce is the CSP nonce the answer was given.
func (pg page) nonce() string {
	m := regexp.MustCompile(`'nonce-([^']+)'`).FindStringSubmatch(pg.header.Get("Content-Security-Policy"))
	if m == nil {
		return ""
	}
	return m[1]
}

var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]*)">`)

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	for k, v := range b.header {
		req.Header[k] = v
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	pg := page{status: resp.StatusCode, header: resp.Header, body: string(body)}
	if m := csrfMeta.FindStringSubmatch(pg.body); m != nil {
		b.csrf = m[1]
	}
	return pg
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.base+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// post sends a form with the CSRF token of the last page, as the page's
// form would; postWithout sends it as given.
func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	withToken := url.Values{"csrf": {b.csrf}}
	for k, v := range form {
		withToken[k] = v
	}
	return b.postWithout(path, withToken)
}

func (b *browser) postWithout(path string, form url.Values) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// api sends a JSON request with the X-Csrf-Token header when csrf is set.
func (b *browser) api(method, path, body, csrf string) page {
	b.t.Helper()
	req, err := http.NewRequest(method, b.base+path, strings.NewReader(body))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if csrf != "" {
		req.Header.Set("X-Csrf-Token", csrf)
	}
	return b.do(req)
}

// logIn logs in through the login page and checks it worked.
func (b *browser) logIn(email, password string) {
	b.t.Helper()
	b.get("/login")
	pg := b.post("/login", url.Values{"email": {email}, "password": {password}})
	if pg.status != http.StatusSeeOther || pg.location() != "/" {
		b.t.Fatalf("log in as %s: %d to %q\n%s", email, pg.status, pg.location(), pg.body)
	}
}

// cookie returns the browser's cookie of that name, "" if none.
func (b *browser) cookie(name string) string {
	u, _ := url.Parse(b.base)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

func wantStatus(t *testing.T, what string, pg page, status int) {
	t.Helper()
	if pg.status != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, pg.status, status, pg.body)
	}
}

func wantBody(t *testing.T, what string, pg page, parts ...string) {
	t.Helper()
	for _, part := range parts {
		if !strings.Contains(pg.body, part) {
			t.Fatalf("%s: the page lacks %q\n%s", what, part, pg.body)
		}
	}
}

// newTLSServer serves p's store over TLS.
func newTLSServer(t *testing.T, p *panel, opts web.Options) *httptest.Server {
	t.Helper()
	srv := httptest.NewTLSServer(web.New(p.store, slog.New(slog.DiscardHandler), prometheus.NewRegistry(), opts).Handler())
	t.Cleanup(srv.Close)
	return srv
}
