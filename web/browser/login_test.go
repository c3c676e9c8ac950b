package browser

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestLogin: a wrong password or an unknown email gets the same error, on
// the login page, the email kept and the password not; then the demo
// admin's printed login opens the panel on its landing page.
func TestLogin(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	// A refusal is a 401 page: Chromium logs its status.
	tb.allowConsole(`status of 401`)
	cases := []struct {
		name     string
		email    string
		password string
		wantErr  string // "" for a login that works
	}{
		{"WrongPassword", demoAdmin, "not-the-password", "Email or password is wrong"},
		{"UnknownEmail", "nobody@demo.example", demoPassword, "Email or password is wrong"},
		{"DemoAdmin", demoAdmin, demoPassword, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tb := tb.step(t)
			if status := tb.open(pathLogin); status != 200 {
				t.Fatalf("GET %s: %d", pathLogin, status)
			}
			tb.fill(selLoginEmail, tc.email)
			tb.fill(selLoginPassword, tc.password)
			tb.clickAndLoad(selLoginSubmit)
			if tc.wantErr == "" {
				tb.waitVisible(selNav)
				if p := tb.path(); p != pathLanding {
					t.Errorf("after logging in the page is %s, want %s", p, pathLanding)
				}
				tb.shot("landing")
				return
			}
			tb.waitVisible(selAlertError)
			if got := tb.text(selAlertError); !strings.Contains(got, tc.wantErr) {
				t.Errorf("error %q, want %q", got, tc.wantErr)
			}
			if tb.visible(selNav) {
				t.Error("the navigation shows without a login")
			}
			if got := tb.attr(selLoginEmail, "value"); got != tc.email {
				t.Errorf("email box holds %q after the refusal, want %q kept", got, tc.email)
			}
			if got := mustEval[string](tb, `document.querySelector(`+js(selLoginPassword)+`).value`); got != "" {
				t.Error("the password is shown again")
			}
			tb.shot("refused")
		})
	}
	tb.step(t)
}

// TestNavigation: the left-hand navigation offers Supporter Groups,
// Calling Sessions and the user's name with Edit My Profile; Analytics is
// hidden until it exists. On a phone it folds behind a Menu button.
func TestNavigation(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	tb.login(demoAdmin, demoPassword)

	links := mustEval[[]string](tb, `[...document.querySelectorAll(`+js(selNavLinks)+`)].map((a) => a.innerText.trim() + ' ' + a.getAttribute('href'))`)
	want := []string{"Supporter Groups /groups", "Calling Sessions /sessions", "Edit My Profile /profile"}
	if strings.Join(links, "|") != strings.Join(want, "|") {
		t.Errorf("navigation links %q, want %q", links, want)
	}
	if got := tb.text(selNavUser); got != "Alex Admin" {
		t.Errorf("user's name in the navigation %q, want %q", got, "Alex Admin")
	}
	tb.clickAndLoad(selNavProfile)
	if p := tb.path(); p != pathProfile {
		t.Fatalf("Edit My Profile leads to %s", p)
	}
	if got := tb.attr(selNavProfile, "aria-current"); got != "page" {
		t.Errorf("Edit My Profile is not marked as the current page (aria-current %q)", got)
	}
	tb.shot("profile")

	// A phone's screen: the links fold behind Menu, which opens them.
	tb.act("phone width", phoneViewport())
	tb.waitVisible(selNavToggle)
	tb.waitHidden(selNavProfile)
	tb.click(selNavToggle)
	tb.waitVisible(selNavProfile)
	if got := tb.attr(selNavToggle, "aria-expanded"); got != "true" {
		t.Errorf("Menu opened, aria-expanded %q", got)
	}
	tb.act("desktop width", desktopViewport())
	tb.waitHidden(selNavToggle)
	tb.waitVisible(selNavProfile)
}

// TestLogout: Log out ends the web session; the panel's pages then send
// the visitor to the login page, and back where they were after it.
func TestLogout(t *testing.T) {
	t.Parallel()
	tb := newTab(t)
	tb.login(demoAdmin, demoPassword)
	tb.clickAndLoad(selLogout)
	if p := tb.path(); p != pathLogin {
		t.Fatalf("after Log out the page is %s, want %s", p, pathLogin)
	}
	tb.open(pathProfile)
	if p := tb.path(); p != pathLogin+"?next="+url.QueryEscape(pathProfile) {
		t.Errorf("Edit My Profile after logging out shows %s, want the login page", p)
	}
	if tb.visible(selNav) {
		t.Error("the navigation shows after logging out")
	}
}

// TestFavicon: the icon Chromium asks every site for is there; a 404
// would be a console error on every first page a browser opens (the tabs'
// console watch lets that one pass, so this test tells).
func TestFavicon(t *testing.T) {
	t.Parallel()
	h := env(t)
	get := func(path string) (int, string) {
		resp, err := http.Get(h.panel + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	// The icon a browser asks for: the layout's <link rel="icon">, else
	// /favicon.ico.
	icon := "/favicon.ico"
	_, page := get(pathLogin)
	if m := regexp.MustCompile(`<link[^>]+rel="[^"]*icon[^"]*"[^>]+href="([^"]+)"`).FindStringSubmatch(page); m != nil {
		icon = m[1]
	}
	if status, _ := get(icon); status != http.StatusOK {
		t.Errorf("GET %s: %d, want the panel's icon (a /favicon.ico route, or <link rel=\"icon\"> in the layout to a static file)", icon, status)
	}
}
