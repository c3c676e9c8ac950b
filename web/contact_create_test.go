package web_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/web"
)

var idempotencyKeyInput = regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`)

// contactForm is the card's form as the page drew it for b, filled in.
func contactForm(t *testing.T, b *browser, d *dashboard, fill url.Values) url.Values {
	t.Helper()
	pg := b.get(d.path)
	m := idempotencyKeyInput.FindStringSubmatch(pg.body)
	if m == nil {
		t.Fatalf("no contact form on the card\n%s", pg.body)
	}
	callID := regexp.MustCompile(`name="call_id" value="(\d+)"`).FindStringSubmatch(pg.body)[1]
	supporterID := regexp.MustCompile(`name="supporter_id" value="(\d+)"`).FindStringSubmatch(pg.body)[1]
	f := url.Values{"call_id": {callID}, "supporter_id": {supporterID}, "idempotency_key": {m[1]},
		"contacted": {"yes"}, "method": {"phone"}}
	for k, v := range fill {
		f[k] = v
	}
	return f
}

// postRaw posts a form with b's cookies and token, from any goroutine.
func postRaw(b *browser, path string, form url.Values) (int, error) {
	withToken := url.Values{"csrf": {b.csrf}}
	for k, v := range form {
		withToken[k] = v
	}
	req, err := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(withToken.Encode()))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// TestContactForm: the current call card's contact log (R5.1, R5.3, R12).
func TestContactForm(t *testing.T) {
	t.Parallel()
	d := newDashboard(t, web.Options{}, 2, false)
	d.leaderAnswers(t)
	cl := d.claim(t)
	d.answer(t, cl.Call.ID)
	b := d.as(t, d.leader)

	bad := []struct {
		name, field, message string
		fill                 url.Values
		status               int
	}{
		{"ErrNotesTooLong", "notes", "is longer than 10000 characters",
			url.Values{"notes": {strings.Repeat("n", queue.MaxNotesLen+1)}}, http.StatusUnprocessableEntity},
		{"ErrRSVPWithoutEvent", "rsvp", "not tied to an event", url.Values{"rsvp": {"yes"}}, http.StatusUnprocessableEntity},
		{"ErrContactedMissing", "contacted", "Choose yes or no", url.Values{"contacted": {""}}, http.StatusUnprocessableEntity},
		{"ErrMethod", "method", "is not one of", url.Values{"method": {"pigeon"}}, http.StatusUnprocessableEntity},
		{"ErrNoKey", "contact", "is required", url.Values{"idempotency_key": {" "}}, http.StatusUnprocessableEntity},
		{"ErrCallOfAnotherSupporter", "call_id", "no call to this supporter",
			url.Values{"supporter_id": {fmt.Sprint(d.supporters[1].ID)}}, http.StatusNotFound},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			f := contactForm(t, b, d, tc.fill)
			f.Set("notes", f.Get("notes")+"typed notes stay")
			pg := b.post(d.path+"/contacts", f)
			if tc.status == http.StatusNotFound {
				wantStatus(t, tc.name, pg, http.StatusNotFound)
			} else {
				wantStatus(t, tc.name, pg, tc.status)
				wantBody(t, tc.name, pg, `id="`+tc.field+`-error">`, tc.message, `id="contact-form"`, "typed notes stay",
					`name="idempotency_key" value="`+f.Get("idempotency_key")+`"`)
			}
			if n := d.countContacts(t); n != 0 {
				t.Fatalf("a refused log saved %d contacts", n)
			}
		})
	}

	t.Run("ErrMemberLogs", func(t *testing.T) {
		member := d.as(t, d.member)
		f := contactForm(t, b, d, nil)
		wantStatus(t, "member logs", member.post(d.path+"/contacts", f), http.StatusForbidden)
	})

	t.Run("OKDoubleSubmit", func(t *testing.T) {
		f := contactForm(t, b, d, url.Values{"notes": {"Will volunteer"}, "tags_add": {"volunteer, Rally 2026"},
			"tags_remove": {"donor"}, "method": {"sms"}})
		for i := range 2 {
			pg := b.post(d.path+"/contacts", f)
			if pg.status != http.StatusSeeOther || pg.location() != d.path+"#current-call" {
				t.Fatalf("submit %d: %d to %q\n%s", i, pg.status, pg.location(), pg.body)
			}
			wantBody(t, "after submit", b.get(d.path), `role="status">Contact logged for Sam1 Supporter: contacted.`,
				`id="contact-logged"`, "✓ Contacted</span> · SMS")
		}
		c, ok := d.contactsOf(t, cl.Call.ID)
		if !ok || !c.Contacted || c.Method != queue.MethodSMS || c.Notes != "Will volunteer" || c.IdempotencyKey != f.Get("idempotency_key") {
			t.Fatalf("logged %+v (%v)", c, ok)
		}
		if n := d.countContacts(t); n != 1 {
			t.Fatalf("%d contacts for one double submit", n)
		}
		sp, err := d.store.Supporter(t.Context(), d.org.ID, cl.Supporter.ID)
		if err != nil || !slices.Equal(sp.Tags, []string{"Rally 2026", "volunteer"}) {
			t.Fatalf("tags %v (%v)", sp.Tags, err)
		}
		// A second tab's form, drawn before the log, says nothing new.
		f.Set("idempotency_key", "web-second-tab")
		f.Set("contacted", "no")
		wantStatus(t, "second tab", b.post(d.path+"/contacts", f), http.StatusSeeOther)
		wantBody(t, "second tab", b.get(d.path), "A contact was already logged for this call by Leader Person: nothing changed.")
		if c, _ := d.contactsOf(t, cl.Call.ID); !c.Contacted || d.countContacts(t) != 1 {
			t.Fatalf("the second tab changed the log: %+v", c)
		}
	})
}

// TestContactFormConcurrent: submits racing from one form (a double click)
// and from two tabs log one contact for the call (R5.3).
func TestContactFormConcurrent(t *testing.T) {
	t.Parallel()
	d := newDashboard(t, web.Options{}, 1, false)
	d.leaderAnswers(t)
	cl := d.claim(t)
	d.answer(t, cl.Call.ID)
	d.end(t, cl.Call.ID, queue.OutcomeAnswered)
	tabs := []*browser{d.as(t, d.leader), d.as(t, d.leader)}
	forms := []url.Values{contactForm(t, tabs[0], d, nil), contactForm(t, tabs[1], d, url.Values{"contacted": {"no"}})}
	if forms[0].Get("idempotency_key") == forms[1].Get("idempotency_key") {
		t.Fatal("two drawings of the form share a key")
	}
	var wg sync.WaitGroup
	statuses := make(chan int, 8)
	for i := range 8 {
		wg.Go(func() {
			status, err := postRaw(tabs[i%2], d.path+"/contacts", forms[i%2])
			if err != nil {
				t.Error(err)
			}
			statuses <- status
		})
	}
	wg.Wait()
	close(statuses)
	for status := range statuses {
		if status != http.StatusSeeOther {
			t.Errorf("a submit answered %d", status)
		}
	}
	if n := d.countContacts(t); n != 1 {
		t.Fatalf("%d contacts for one call", n)
	}
}

// TestContactFormWithEvent: a list tied to an event asks for the RSVP.
func TestContactFormWithEvent(t *testing.T) {
	t.Parallel()
	d := newDashboard(t, web.Options{}, 1, true)
	d.leaderAnswers(t)
	cl := d.claim(t)
	b := d.as(t, d.leader)
	wantBody(t, "form", b.get(d.path), `<legend>RSVP</legend>`, `id="rsvp-maybe"`)
	wantStatus(t, "log", b.post(d.path+"/contacts", contactForm(t, b, d, url.Values{"rsvp": {"maybe"}})), http.StatusSeeOther)
	if c, ok := d.contactsOf(t, cl.Call.ID); !ok || c.RSVP != queue.RSVPMaybe {
		t.Fatalf("logged %+v", c)
	}
	wantBody(t, "impact", b.get(d.path), `<h3 class="stats-heading">RSVPs</h3>`, `<dt>Maybe</dt><dd>1</dd>`, "RSVP Maybe")
}
