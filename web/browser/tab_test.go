package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Bounds of every wait: a step polls the DOM until what it expects shows,
// and fails at the deadline with what the page showed instead.
const (
	waitTimeout = 10 * time.Second // the page shows the result of a click or a change
	callTimeout = 20 * time.Second // the simulated phones: rings of 2 s, keys after 1 s
	pollEvery   = 50 * time.Millisecond
	actTimeout  = 10 * time.Second // one browser command
	openTimeout = 30 * time.Second // a new tab: Chromium starts a process for it
)

// tab is one browser tab of a test, in a browser context of its own
// (cookies and storage apart from every other test's). Its methods fail
// the test they are bound to (tab.t) at the first problem; every console
// error, uncaught exception and CSP violation of its pages fails it too.
//
// A flow of steps shares one tab: each step binds it with tab.step(t).
type tab struct {
	t *testing.T
	h *harness

	holder context.Context // the browser context; its first tab stays blank
	ctx    context.Context // the page driven
	close  context.CancelFunc

	console *consoleWatch
}

// newTab opens a tab at the desktop width, closed when t ends.
func newTab(t *testing.T) *tab {
	t.Helper()
	h := env(t)
	// One new tab at a time: Chromium starts a renderer process for each,
	// and on two cores four at once take longer than four in turn.
	opening.Lock()
	defer opening.Unlock()
	holder, cancelHolder := chromedp.NewContext(h.browser, chromedp.WithNewBrowserContext())
	if err := bounded(holder); err != nil {
		cancelHolder()
		t.Fatalf("new browser context: %v", err)
	}
	tb := &tab{t: t, h: h, holder: holder, console: &consoleWatch{}}
	tb.openPage()
	t.Cleanup(func() {
		tb.checkConsole()
		tb.close()
		cancelHolder()
		if t.Failed() {
			t.Logf("callingd's last lines:\n%s", tail(h.serveOut.String(), 30))
		}
	})
	return tb
}

var opening sync.Mutex

// step binds the tab to a subtest: its failures are the step's.
func (tb *tab) step(t *testing.T) *tab {
	tb.t = t
	return tb
}

// openPage opens a page in the tab's browser context: the tab's cookies,
// a page of its own.
func (tb *tab) openPage() {
	tb.t.Helper()
	ctx, cancel := chromedp.NewContext(tb.holder)
	if err := bounded(ctx, desktopViewport()); err != nil {
		cancel()
		tb.t.Fatalf("new page: %v", err)
	}
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument,
		page.AddScriptToEvaluateOnNewDocumentParams{Source: cspWatch}); err != nil {
		cancel()
		tb.t.Fatalf("install the CSP watch: %v", err)
	}
	tb.console.watch(ctx)
	tb.ctx, tb.close = ctx, cancel
}

// bounded runs the first actions of a new browser context or page. Their
// context must not carry a deadline (the page would close with it), so
// the bound is kept here.
func bounded(ctx context.Context, actions ...chromedp.Action[chromedp.Void]) error {
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(ctx, actions...) }()
	select {
	case err := <-done:
		return err
	case <-time.After(openTimeout):
		return fmt.Errorf("no answer from Chromium in %v", openTimeout)
	}
}

// closeAndReopen closes the page, as a leader closing the browser tab does
// (pagehide runs), and opens a blank one in the same browser context.
func (tb *tab) closeAndReopen() {
	tb.t.Helper()
	tb.checkConsole()
	tb.close()
	tb.openPage()
}

// act runs browser actions on the page, bounded.
func (tb *tab) act(what string, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, actTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression in the page (promises awaited).
func eval[T any](tb *tab, js string) (T, error) {
	ctx, cancel := context.WithTimeout(tb.ctx, actTimeout)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
}

// mustEval is eval failing the test.
func mustEval[T any](tb *tab, js string) T {
	tb.t.Helper()
	v, err := eval[T](tb, js)
	if err != nil {
		tb.fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// js quotes s as a JavaScript string literal.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// open loads path (e.g. "/profile") and returns the answer's status.
func (tb *tab) open(path string) int {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, actTimeout)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(tb.h.base+path))
	if err != nil {
		tb.fatalf("open %s: %v", path, err)
	}
	tb.waitFor("the page "+path+" to load", `document.readyState === 'complete'`, waitTimeout)
	return int(resp.Status)
}

// clickAndLoad clicks sel (a link or a submit button) and waits for the
// next document to load.
func (tb *tab) clickAndLoad(sel string) {
	tb.t.Helper()
	mustEval[chromedp.Void](tb, `void (window.__beforeClick = true)`)
	tb.click(sel)
	tb.waitFor("a new page after clicking "+sel, `!window.__beforeClick && document.readyState === 'complete'`, waitTimeout)
}

// click clicks the first visible element sel matches, as a mouse does.
// A live page may swap the element for a fresh copy between finding it
// and clicking it: the click is then tried again on the new one.
func (tb *tab) click(sel string) {
	tb.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		tb.waitFor(sel+" to show", visibleJS(sel), waitTimeout)
		ctx, cancel := context.WithTimeout(tb.ctx, actTimeout)
		err := chromedp.Do(ctx, chromedp.ScrollIntoView(chromedp.CSS(sel)), chromedp.Click(chromedp.CSS(sel)))
		cancel()
		if err == nil {
			return
		}
		if !swapped.MatchString(err.Error()) || time.Now().After(deadline) {
			tb.fatalf("click %s: %v", sel, err)
		}
		time.Sleep(pollEvery)
	}
}

// swapped matches Chromium's answers about a node gone from the document
// before the mouse reached it.
var swapped = regexp.MustCompile(`(?i)could not find node|no node with given id|node is detached|not attached`)

// fill sets a field's value, as typing would (input and change events).
func (tb *tab) fill(sel, value string) {
	tb.t.Helper()
	tb.waitFor(sel+" to show", `!!document.querySelector(`+js(sel)+`)`, waitTimeout)
	mustEval[chromedp.Void](tb, `void (() => {
	  const el = document.querySelector(`+js(sel)+`);
	  el.focus();
	  el.value = `+js(value)+`;
	  el.dispatchEvent(new Event('input', {bubbles: true}));
	  el.dispatchEvent(new Event('change', {bubbles: true}));
	})()`)
}

// text is the visible text of the first element sel matches ("" for none).
func (tb *tab) text(sel string) string {
	tb.t.Helper()
	return mustEval[string](tb, `(document.querySelector(`+js(sel)+`) || {innerText: ''}).innerText`)
}

// attr is the attribute name of the first element sel matches.
func (tb *tab) attr(sel, name string) string {
	tb.t.Helper()
	return mustEval[string](tb, `(document.querySelector(`+js(sel)+`) || {getAttribute: () => ''}).getAttribute(`+js(name)+`) || ''`)
}

// visible reports whether sel matches an element that is shown.
func (tb *tab) visible(sel string) bool {
	tb.t.Helper()
	return mustEval[bool](tb, visibleJS(sel))
}

// count is how many elements sel matches.
func (tb *tab) count(sel string) int {
	tb.t.Helper()
	return mustEval[int](tb, `document.querySelectorAll(`+js(sel)+`).length`)
}

// path is the page's path and query.
func (tb *tab) path() string {
	tb.t.Helper()
	return mustEval[string](tb, `location.pathname + location.search`)
}

// visibleJS: sel matches an element a person can see (not hidden, not in
// a closed <details>, not in a closed dialog, with a box).
func visibleJS(sel string) string {
	return `(() => {
	  const el = document.querySelector(` + js(sel) + `);
	  return !!el && el.getClientRects().length > 0 &&
	    el.checkVisibility({contentVisibilityAuto: true, opacityProperty: true, visibilityProperty: true});
	})()`
}

func textJS(sel, want string) string {
	return `(() => {
	  const el = document.querySelector(` + js(sel) + `);
	  return !!el && el.innerText.includes(` + js(want) + `);
	})()`
}

// waitFor polls the page until the expression js is true, for at most
// timeout. Errors while a page loads (no document yet) are retried.
func (tb *tab) waitFor(what, expr string, timeout time.Duration) {
	tb.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, err := eval[bool](tb, expr)
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			why := ""
			if err != nil {
				why = fmt.Sprintf(" (last: %v)", err)
			}
			tb.fatalf("waited %v in vain for %s%s", timeout, what, why)
		}
		time.Sleep(pollEvery)
	}
}

// waitVisible waits for sel to show; waitHidden for it to be gone or hidden.
func (tb *tab) waitVisible(sel string) {
	tb.t.Helper()
	tb.waitFor(sel+" to show", visibleJS(sel), waitTimeout)
}

func (tb *tab) waitHidden(sel string) {
	tb.t.Helper()
	tb.waitFor(sel+" to hide", "!"+visibleJS(sel), waitTimeout)
}

// waitText waits for sel to show text containing want.
func (tb *tab) waitText(sel, want string, timeout time.Duration) {
	tb.t.Helper()
	tb.waitFor(fmt.Sprintf("%s to say %q", sel, want), textJS(sel, want), timeout)
}

// eventually polls cond (a check outside the page: the simulator, the
// database) until it is true, for at most timeout.
func eventually(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(timeout); !cond(); time.Sleep(pollEvery) {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v in vain for %s", timeout, what)
		}
	}
}

// markDocument tags the document shown; sameDocument then tells whether
// the page changed without a reload (live updates).
func (tb *tab) markDocument() string {
	tb.t.Helper()
	mark := fmt.Sprintf("m%d", time.Now().UnixNano())
	mustEval[chromedp.Void](tb, `void (window.__documentMark = `+js(mark)+`)`)
	return mark
}

func (tb *tab) sameDocument(mark string) bool {
	tb.t.Helper()
	return mustEval[bool](tb, `window.__documentMark === `+js(mark))
}

// fetchResult is what a fetch from the page got.
type fetchResult struct {
	Status int    `json:"status"`
	Body   string `json:"body"`
}

// fetch sends a request from the page, with its cookies, as the panel's
// own scripts do; headers are only those given (no CSRF token unless
// given).
func (tb *tab) fetch(method, path string, headers map[string]string, body string) fetchResult {
	tb.t.Helper()
	if headers == nil {
		headers = map[string]string{}
	}
	h, _ := json.Marshal(headers)
	init := `{method: ` + js(method) + `, headers: ` + string(h) + `, credentials: 'same-origin'`
	if body != "" {
		init += `, body: ` + js(body)
	}
	init += `}`
	return mustEval[fetchResult](tb, `fetch(`+js(path)+`, `+init+`).then(async (r) => ({status: r.status, body: await r.text()}))`)
}

// csrf is the page's CSRF token (its csrf-token meta tag).
func (tb *tab) csrf() string {
	tb.t.Helper()
	return tb.attr(`meta[name="csrf-token"]`, "content")
}

// requirePage fails the step when path is not served yet: a page another
// engineer is building. It fails, never skips, so the step stays red until
// the page lands. The tab must be logged in.
func (tb *tab) requirePage(path string) {
	tb.t.Helper()
	// Chromium logs the 404 this may get: not the page's fault.
	tb.allowConsole(`status of 404 .* ` + regexp.QuoteMeta(tb.h.base+path) + `$`)
	if r := tb.fetch(http.MethodGet, path, nil, ""); r.Status == http.StatusNotFound {
		tb.fatalf("page not built yet: GET %s answers 404", path)
	}
}

// requireAPI fails the step when the API does not document method path
// (a template such as /sessions/{id}/skips) in /api/v1/openapi.json; a
// test of web checks that document against the router both ways.
func (tb *tab) requireAPI(method, template string) {
	tb.t.Helper()
	r := tb.fetch(http.MethodGet, apiPrefix+"/openapi.json", nil, "")
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal([]byte(r.Body), &doc); err != nil {
		tb.fatalf("openapi.json: %v", err)
	}
	if _, ok := doc.Paths[template][strings.ToLower(method)]; !ok {
		tb.fatalf("API route not built yet: %s %s%s is not in openapi.json", method, apiPrefix, template)
	}
}

// login logs in through the login form and waits for the panel.
func (tb *tab) login(email, password string) {
	tb.t.Helper()
	tb.open(pathLogin)
	tb.fill(selLoginEmail, email)
	tb.fill(selLoginPassword, password)
	tb.clickAndLoad(selLoginSubmit)
	if tb.visible(selAlertError) {
		tb.fatalf("login as %s refused: %s", email, tb.text(selAlertError))
	}
	tb.waitVisible(selNav)
}

// fatalf fails the bound test, with a screenshot of what the page showed.
func (tb *tab) fatalf(format string, args ...any) {
	tb.t.Helper()
	msg := fmt.Sprintf(format, args...)
	if where, err := eval[string](tb, `location.pathname + ': ' + (document.querySelector('main') || document.body || {innerText: ''}).innerText.slice(0, 600)`); err == nil {
		msg += "\npage " + where
	}
	if file := tb.saveShot("FAILED", desktop); file != "" {
		msg += "\nscreenshot " + file
	}
	tb.t.Fatal(msg)
}
