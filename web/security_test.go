package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/supporterbase/callingsessions/web"
)

// TestCSRF: a state change needs its session's token and must come from
// this site (R12: "requests ... without the CSRF guard").
func TestCSRF(t *testing.T) {
	t.Parallel()
	p := newPanel(t, web.Options{})
	b := p.browser(t)
	b.logIn(p.leader.Email, leaderPassword)
	b.get("/profile")
	change := url.Values{"first_name": {"Changed"}, "timezone": {"Europe/London"}}

	cases := []struct {
		name   string
		send   func() page
		status int
	}{
		{"ErrNoToken", func() page { return b.postWithout("/profile", change) }, http.StatusForbidden},
		{"ErrWrongToken", func() page {
			return b.postWithout("/profile", url.Values{"csrf": {strings.Repeat("x", 43)}, "first_name": {"Changed"}})
		}, http.StatusForbidden},
		{"ErrCrossSite", func() page {
			b.header.Set("Sec-Fetch-Site", "cross-site")
			defer b.header.Del("Sec-Fetch-Site")
			return b.post("/profile", change)
		}, http.StatusForbidden},
		{"ErrOtherOrigin", func() page { // an older browser: Origin, no Sec-Fetch-Site
			b.header.Set("Origin", "https://evil.example")
			defer b.header.Del("Origin")
			return b.post("/profile", change)
		}, http.StatusForbidden},
		{"ErrAPINoHeader", func() page { return b.api(http.MethodPut, "/api/v1/me", `{"first_name":"Changed"}`, "") }, http.StatusForbidden},
		{"ErrLogoutNoToken", func() page { return b.postWithout("/logout", nil) }, http.StatusForbidden},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantStatus(t, tc.name, tc.send(), tc.status)
			if u, err := p.store.User(t.Context(), p.org.ID, p.leader.ID); err != nil || u.FirstName != "Casey" {
				t.Fatalf("a refused request changed the user: %+v %v", u, err)
			}
		})
	}
	t.Run("ErrLoginNoToken", func(t *testing.T) {
		visitor := p.browser(t)
		visitor.get("/login")
		pg := visitor.postWithout("/login", url.Values{"email": {p.leader.Email}, "password": {leaderPassword}})
		wantStatus(t, "login without the form's token", pg, http.StatusForbidden)
	})
	t.Run("OKSameOrigin", func(t *testing.T) {
		b.header.Set("Sec-Fetch-Site", "same-origin")
		defer b.header.Del("Sec-Fetch-Site")
		wantStatus(t, "same-origin post", b.post("/profile", change), http.StatusSeeOther)
	})
}

var (
	scriptTag   = regexp.MustCompile(`<script\b[^>]*>`)
	inlineStyle = regexp.MustCompile(`(?i)<style\b|\sstyle\s*=`)
	inlineEvent = regexp.MustCompile(`(?i)\son[a-z]+\s*=|javascript:`)
)

// TestNoInlineScriptOrStyle renders every page, as a visitor and as a
// user, with and without errors, and checks the CSP and the markup: the
// policy allows only scripts with the request's nonce, and no page needs
// more.
func TestNoInlineScriptOrStyle(t *testing.T) {
	t.Parallel()
	p := newPanel(t, web.Options{Analytics: true})
	visitor := p.browser(t)
	user := p.browser(t)
	user.logIn(p.leader.Email, leaderPassword)
	user.get("/profile")
	pages := map[string]func() page{
		"login":          func() page { return visitor.get("/login") },
		"login error":    func() page { return visitor.post("/login", url.Values{"email": {"x@example.org"}}) },
		"not found":      func() page { return visitor.get("/nowhere") },
		"sessions":       func() page { return user.get("/sessions") },
		"profile":        func() page { return user.get("/profile") },
		"profile error":  func() page { return user.post("/profile", url.Values{"first_name": {"Casey"}, "mobile": {"12"}}) },
		"password error": func() page { return user.post("/profile/password", url.Values{"current_password": {"x"}}) },
		"forbidden":      func() page { return user.postWithout("/profile", nil) },
	}
	// Supporter groups, call lists, sessions index
	for name, fetch := range listPages(t, p) {
		pages[name] = fetch
	}
	// View all supporters, skips, prioritise, supporter card
	for name, fetch := range sheetPages(t, p) {
		pages[name] = fetch
	}
	// Session dashboard
	for name, fetch := range dashboardPages(t) {
		pages[name] = fetch
	}
	for name, fetch := range pages {
		pg := fetch()
		csp := pg.header.Get("Content-Security-Policy")
		for _, directive := range []string{"default-src 'none'", "script-src 'nonce-", "style-src 'self'",
			"frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"} {
			if !strings.Contains(csp, directive) {
				t.Errorf("%s: CSP %q lacks %q", name, csp, directive)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || pg.nonce() == "" {
			t.Errorf("%s: CSP %q", name, csp)
		}
		if pg.header.Get("X-Content-Type-Options") != "nosniff" || pg.header.Get("Referrer-Policy") != "same-origin" {
			t.Errorf("%s: headers %v", name, pg.header)
		}
		tags := scriptTag.FindAllString(pg.body, -1)
		if len(tags) == 0 {
			t.Errorf("%s: no script at all: is the page the layout's?", name)
		}
		for _, tag := range tags {
			if !strings.Contains(tag, ` src="/static/`) || !strings.Contains(tag, `nonce="`+pg.nonce()+`"`) {
				t.Errorf("%s: script %s is not a static file with the request's nonce", name, tag)
			}
		}
		if m := inlineStyle.FindString(pg.body); m != "" {
			t.Errorf("%s: inline style %q", name, m)
		}
		if m := inlineEvent.FindString(pg.body); m != "" {
			t.Errorf("%s: inline script %q", name, m)
		}
	}
	if pg := visitor.get("/login"); strings.Count(pg.body, pg.nonce()) != 1 {
		t.Error("the nonce shows outside its script tag")
	}
	if a, b := visitor.get("/login").nonce(), visitor.get("/login").nonce(); a == b {
		t.Error("two requests share a nonce")
	}
}

func TestStaticFiles(t *testing.T) {
	t.Parallel()
	p := newPanel(t, web.Options{})
	b := p.browser(t)
	login := b.get("/login")
	css := regexp.MustCompile(`href="(/static/[0-9a-f]{12}/app\.css)"`).FindStringSubmatch(login.body)
	js := regexp.MustCompile(`src="(/static/[0-9a-f]{12}/app\.js)"`).FindStringSubmatch(login.body)
	if css == nil || js == nil {
		t.Fatalf("no versioned stylesheet or script in\n%s", login.body)
	}
	cases := []struct {
		path, contentType string
		status            int
	}{
		{css[1], "text/css; charset=utf-8", 200},
		{js[1], "text/javascript; charset=utf-8", 200},
		{"/static/000000000000/app.css", "", 404},
		{strings.Replace(css[1], "app.css", "nothing.css", 1), "", 404},
	}
	for _, tc := range cases {
		pg := b.get(tc.path)
		if pg.status != tc.status {
			t.Fatalf("GET %s = %d, want %d", tc.path, pg.status, tc.status)
		}
		if tc.status != 200 {
			continue
		}
		if pg.header.Get("Content-Type") != tc.contentType || !strings.Contains(pg.header.Get("Cache-Control"), "immutable") {
			t.Fatalf("GET %s: %v", tc.path, pg.header)
		}
	}
}
