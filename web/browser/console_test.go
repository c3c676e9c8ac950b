package browser

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// cspWatch runs in every document before the page's own scripts (the CSP
// does not apply to it): a violation becomes a console error, which the
// console watch fails the test for. Chromium reports violations in its own
// log as well; this catches those it reports only as events.
const cspWatch = `document.addEventListener('securitypolicyviolation', (e) => {
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') +
    ' at ' + e.sourceFile + ':' + e.lineNumber);
});`

// allowConsole accepts console errors matching re for the rest of the
// test: those a step causes on purpose (a 403 it asked for). re is matched
// against the message's text, a space and its URL.
func (tb *tab) allowConsole(re string) {
	tb.console.allow(regexp.MustCompile(re))
}

// checkConsole fails the bound test for every console error, uncaught
// exception and CSP violation since the last check. A marker message
// written now and seen back tells the page's messages so far have arrived.
func (tb *tab) checkConsole() {
	tb.t.Helper()
	for _, p := range tb.flushConsole() {
		tb.t.Errorf("browser console: %s", p)
	}
}

// flushConsole returns the problems the console showed so far, and forgets
// them.
func (tb *tab) flushConsole() []string {
	marker := fmt.Sprintf("browser-tests-flush-%d", time.Now().UnixNano())
	if _, err := eval[chromedp.Void](tb, `console.debug(`+js(marker)+`)`); err == nil {
		deadline := time.Now().Add(2 * time.Second)
		for !tb.console.seen(marker) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
	}
	return tb.console.take()
}

// consoleWatch collects a tab's console: problems fail the test.
type consoleWatch struct {
	mu       sync.Mutex
	problems []string
	allowed  []*regexp.Regexp
	markers  map[string]bool
}

func (w *consoleWatch) watch(ctx context.Context) {
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return // the page closed
			}
			w.note(m)
		}
	}()
}

func (w *consoleWatch) note(m chromedp.ConsoleMessage) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if m.Type == chromedp.ConsoleDebug && strings.HasPrefix(m.Text, "browser-tests-flush-") {
		if w.markers == nil {
			w.markers = map[string]bool{}
		}
		w.markers[m.Text] = true
		return
	}
	if !isProblem(m) {
		return
	}
	// Chromium asks for /favicon.ico by itself, on no page's request:
	// TestFavicon tells whether the panel answers it.
	if strings.HasSuffix(m.URL, "/favicon.ico") {
		return
	}
	for _, re := range w.allowed {
		if re.MatchString(m.Text + " " + m.URL) {
			return
		}
	}
	where := m.URL
	if where != "" {
		where = fmt.Sprintf(" (%s:%d)", where, m.Line+1)
	}
	w.problems = append(w.problems, m.String()+where)
}

// isProblem: errors, exceptions and anything about the Content Security
// Policy, whatever its level.
func isProblem(m chromedp.ConsoleMessage) bool {
	switch m.Type {
	case chromedp.ConsoleError, chromedp.ConsoleException:
		return true
	}
	return m.Source == "security" || strings.Contains(m.Text, "Content Security Policy") ||
		strings.Contains(m.Text, "Content-Security-Policy")
}

func (w *consoleWatch) allow(re *regexp.Regexp) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.allowed = append(w.allowed, re)
}

func (w *consoleWatch) seen(marker string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.markers[marker]
}

func (w *consoleWatch) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	p := w.problems
	w.problems = nil
	return p
}

// TestConsoleWatch checks the checker: a script the CSP refuses, an error
// logged and an uncaught exception each reach the console watch that every
// test relies on to fail on them.
func TestConsoleWatch(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		script string
		want   string
	}{
		{"InlineScript", `const s = document.createElement('script'); s.textContent = 'window.__ran = true'; document.body.append(s)`, "script-src"},
		{"InlineStyle", `const s = document.createElement('style'); s.textContent = 'body { color: red }'; document.head.append(s)`, "style-src"},
		{"ConsoleError", `console.error('something broke')`, "something broke"},
		{"Exception", `setTimeout(() => { throw new Error('uncaught here') })`, "uncaught here"},
	}
	tb := newTab(t)
	tb.open(pathLogin)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tb := tb.step(t)
			mustEval[chromedp.Void](tb, `void (() => { `+tc.script+` })()`)
			var got []string
			eventually(t, "the console watch to report "+tc.want, waitTimeout, func() bool {
				got = append(got, tb.console.take()...)
				return strings.Contains(strings.Join(got, "\n"), tc.want)
			})
			got = append(got, tb.flushConsole()...) // the rest, reported for the same cause
			if ran := mustEval[bool](tb, `window.__ran === true`); ran {
				t.Error("an inline script ran despite the CSP")
			}
			t.Logf("reported: %q", got)
		})
	}
	tb.step(t)
}
