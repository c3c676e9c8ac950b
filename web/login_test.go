package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/web"
)

func TestLogin(t *testing.T) {
	t.Parallel()
	p := newPanel(t, web.Options{})

	t.Run("OK", func(t *testing.T) {
		b := p.browser(t)
		pg := b.get("/dashboard")
		if pg.status != http.StatusSeeOther || pg.location() != "/login?next=%2Fdashboard" {
			t.Fatalf("a visitor's dashboard: %d to %q, want the login page", pg.status, pg.location())
		}
		wantBody(t, "login page", b.get("/login?next=%2Fprofile"), `name="next" value="/profile"`, `autocomplete="current-password"`)
		pg = b.post("/login", url.Values{"email": {" Leader@Example.org "}, "password": {leaderPassword}, "next": {"/profile"}})
		if pg.status != http.StatusSeeOther || pg.location() != "/profile" {
			t.Fatalf("login: %d to %q, want the page asked for", pg.status, pg.location())
		}
		if pg := b.get("/"); pg.location() != "/sessions" {
			t.Fatalf("home sends a user to %q", pg.location())
		}
		if pg := b.get("/dashboard"); pg.location() != "/sessions" {
			t.Fatalf("the old landing page sends a user to %q", pg.location())
		}
		pg = b.get("/sessions")
		wantStatus(t, "sessions index", pg, http.StatusOK)
		wantBody(t, "sessions index", pg, "<h1>Calling Sessions</h1>", "Casey Leader", `href="/profile"`, "Supporter Groups", "Calling Sessions", `action="/logout"`)
		if strings.Contains(pg.body, "Analytics") {
			t.Fatal("the navigation shows Analytics before it exists")
		}
		if pg := b.get("/login"); pg.location() != "/" {
			t.Fatalf("the login page sends a user to %q, want on", pg.location())
		}
	})
	t.Run("OKNextStaysOnThisSite", func(t *testing.T) {
		for _, next := range []string{"https://evil.example/", "//evil.example/", "/\\evil.example"} {
			b := p.browser(t)
			b.get("/login")
			pg := b.post("/login", url.Values{"email": {p.leader.Email}, "password": {leaderPassword}, "next": {next}})
			if pg.location() != "/" {
				t.Fatalf("next=%q sent the user to %q", next, pg.location())
			}
		}
	})
	t.Run("ErrEmptyFields", func(t *testing.T) {
		b := p.browser(t)
		b.get("/login")
		pg := b.post("/login", url.Values{"email": {p.leader.Email}})
		wantStatus(t, "login without a password", pg, http.StatusUnprocessableEntity)
		wantBody(t, "login without a password", pg, `id="password-error">Password is required`, `value="leader@example.org"`)
	})
}

// TestLoginSameAnswer: an unknown email and a wrong password get the same
// page, so the login page tells nobody who has an account.
func TestLoginSameAnswer(t *testing.T) {
	t.Parallel()
	p := newPanel(t, web.Options{})
	b := p.browser(t)
	b.get("/login")
	answer := func(email string) page {
		pg := b.post("/login", url.Values{"email": {email}, "password": {"not the password"}})
		pg.body = strings.ReplaceAll(pg.body, pg.nonce(), "NONCE")
		pg.body = strings.ReplaceAll(pg.body, "nobody@example.org", "EMAIL")
		pg.body = strings.ReplaceAll(pg.body, "leader@example.org", "EMAIL")
		return pg
	}
	wrong, unknown := answer("leader@example.org"), answer("nobody@example.org")
	wantStatus(t, "wrong password", wrong, http.StatusUnauthorized)
	wantBody(t, "wrong password", wrong, "Email or password is wrong")
	if unknown.status != wrong.status || unknown.body != wrong.body {
		t.Fatalf("unknown email: %d\n%s\nwrong password: %d\n%s", unknown.status, unknown.body, wrong.status, wrong.body)
	}
	if strings.Contains(wrong.body, "not the password") {
		t.Fatal("the password is sent back")
	}
}

func TestLoginThrottled(t *testing.T) {
	t.Parallel()
	p := newPanel(t, web.Options{TrustProxy: true})
	attempt := func(from, email, password string) page {
		b := p.browser(t)
		b.header.Set("X-Forwarded-For", "198.51.100.77, "+from) // the first is the client's to forge
		b.get("/login")
		return b.post("/login", url.Values{"email": {email}, "password": {password}})
	}

	t.Run("PerAccount", func(t *testing.T) {
		for i := range queue.MaxLoginFailuresPerAccount {
			wantStatus(t, "failure", attempt(fmt.Sprintf("192.0.2.%d", i), p.leader.Email, "wrong horse battery"), http.StatusUnauthorized)
		}
		pg := attempt("192.0.2.200", p.leader.Email, leaderPassword)
		wantStatus(t, "right password after too many failures", pg, http.StatusTooManyRequests)
		wantBody(t, "throttled login", pg, "Too many failed logins")
		if pg.header.Get("Retry-After") == "" {
			t.Fatal("no Retry-After")
		}
		p.clock.Advance(queue.LoginWindow)
		if pg := attempt("192.0.2.200", p.leader.Email, leaderPassword); pg.status != http.StatusSeeOther {
			t.Fatalf("login after the window: %d", pg.status)
		}
	})
	t.Run("PerAddress", func(t *testing.T) {
		perAccount := queue.MaxLoginFailuresPerAccount - 1
		for i := range queue.MaxLoginFailuresPerAddress {
			email := fmt.Sprintf("member%d@example.org", i/perAccount)
			if i%perAccount == 0 {
				p.mustUser(t, email)
			}
			wantStatus(t, "failure", attempt("203.0.113.5", email, "wrong horse battery"), http.StatusUnauthorized)
		}
		wantStatus(t, "login from a throttled address", attempt("203.0.113.5", p.leader.Email, leaderPassword), http.StatusTooManyRequests)
		wantStatus(t, "login from another address", attempt("203.0.113.6", p.leader.Email, leaderPassword), http.StatusSeeOther)
	})
}

// TestLoginIgnoresForwardedForWithoutTrust: without --trust-proxy, the
// address is the peer's, whatever X-Forwarded-For claims.
func TestLoginIgnoresForwardedForWithoutTrust(t *testing.T) {
	t.Parallel()
	p := newPanel(t, web.Options{})
	for i := range queue.MaxLoginFailuresPerAccount {
		b := p.browser(t)
		b.header.Set("X-Forwarded-For", fmt.Sprintf("192.0.2.%d", i))
		b.get("/login")
		b.post("/login", url.Values{"email": {p.leader.Email}, "password": {"wrong horse battery"}})
	}
	var rows int
	if err := p.store.Pool().QueryRow(t.Context(), `SELECT count(DISTINCT address) FROM login_attempts`).Scan(&rows); err != nil || rows != 1 {
		t.Fatalf("failures from %d addresses, want the one peer (%v)", rows, err)
	}
}

func TestWebSessionExpiresWhenIdle(t *testing.T) {
	t.Parallel()
	p := newPanel(t, web.Options{})
	b := p.browser(t)
	b.logIn(p.leader.Email, leaderPassword)
	p.clock.Advance(queue.WebSessionIdle - 1)
	wantStatus(t, "sessions within the idle time", b.get("/sessions"), http.StatusOK)
	p.clock.Advance(queue.WebSessionIdle + 1)
	if pg := b.get("/sessions"); pg.status != http.StatusSeeOther || !strings.HasPrefix(pg.location(), "/login") {
		t.Fatalf("idle session: %d to %q, want the login page", pg.status, pg.location())
	}
	if b.cookie("callingd_session") != "" {
		t.Fatal("the dead session's cookie is kept")
	}
}

func TestLogout(t *testing.T) {
	t.Parallel()
	p := newPanel(t, web.Options{})
	b := p.browser(t)
	b.logIn(p.leader.Email, leaderPassword)
	token := b.cookie("callingd_session")
	b.get("/sessions")
	if pg := b.post("/logout", nil); pg.status != http.StatusSeeOther || pg.location() != "/login" {
		t.Fatalf("logout: %d to %q", pg.status, pg.location())
	}
	// A copy of the cookie taken before logout is worthless: the session
	// is gone from the database.
	thief := p.browser(t)
	thief.header.Set("Cookie", "callingd_session="+token)
	if pg := thief.get("/sessions"); pg.status != http.StatusSeeOther {
		t.Fatalf("the old cookie still opens the sessions index: %d", pg.status)
	}
	if _, err := p.store.WebSessionByToken(t.Context(), token); queue.ErrorCode(err) != queue.EUNAUTHORIZED {
		t.Fatalf("session still live after logout: %v", err)
	}
}

func TestSessionCookieFlags(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		opts       web.Options
		tls        bool
		forwarded  string
		wantSecure bool
	}{
		{"PlainHTTP", web.Options{}, false, "", false},
		{"ForwardedHTTPSUntrusted", web.Options{}, false, "https", false},
		{"ForwardedHTTPSTrusted", web.Options{TrustProxy: true}, false, "https", true},
		{"ForwardedHTTPTrusted", web.Options{TrustProxy: true}, false, "http", false},
		{"TLS", web.Options{}, true, "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := newPanel(t, tc.opts)
			if tc.tls {
				p.srv.Close()
				p.srv = newTLSServer(t, p, tc.opts)
			}
			b := p.browser(t)
			if tc.forwarded != "" {
				b.header.Set("X-Forwarded-Proto", tc.forwarded)
			}
			b.get("/login")
			pg := b.post("/login", url.Values{"email": {p.leader.Email}, "password": {leaderPassword}})
			wantStatus(t, "login", pg, http.StatusSeeOther)
			c := sessionCookieOf(t, pg)
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure != tc.wantSecure {
				t.Fatalf("cookie %s: HttpOnly %v, SameSite %v, Secure %v; want HttpOnly, Lax, Secure %v",
					c.Name, c.HttpOnly, c.SameSite, c.Secure, tc.wantSecure)
			}
		})
	}
}

func sessionCookieOf(t *testing.T, pg page) *http.Cookie {
	t.Helper()
	for _, c := range (&http.Response{Header: pg.header}).Cookies() {
		if c.Name == "callingd_session" {
			return c
		}
	}
	t.Fatalf("no session cookie set: %v", pg.header["Set-Cookie"])
	return nil
}
