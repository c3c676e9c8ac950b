package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/supporterbase/callingsessions/queue"
)

// R6: every skip type through the "Skip for…" form, back to the sheet with
// the alert, the supporter held out by that type.
func TestSkipForm(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newSheetWorld(t, 8)
	// The leader's (London) tomorrow; the clock is 10 March 2026, noon.
	cases := []struct {
		typ   queue.SkipType
		form  url.Values
		alert string
	}{
		{queue.Skip15Minutes, nil, "Ada 01 is skipped for 15 minutes."},
		{queue.Skip30Minutes, url.Values{"reason": {"driving"}}, "Ada 02 is skipped for 30 minutes."},
		{queue.Skip1Hour, nil, "Ada 03 is skipped for 1 hour."},
		{queue.Skip2Hours, nil, "Ada 04 is skipped for 2 hours."},
		{queue.SkipToday, nil, "Ada 05 is skipped for today."},
		{queue.SkipDate, url.Values{"date": {"2026-03-20"}}, "Ada 06 is skipped until 2026-03-20."},
		{queue.SkipCycle, nil, "Ada 07 is skipped for this cycle."},
		{queue.SkipRemove, url.Values{"reason": {"wrong number"}}, "Ada 08 was removed from this session."},
	}
	for i, tc := range cases {
		sp := w.supporters[i]
		form := page{body: w.b.get(w.path(sp, "/skip?back="+url.QueryEscape(w.sheet("?status=skipped")))).body}
		for _, part := range []string{`id="skip-form"`, `value="` + string(tc.typ) + `"`, `name="back" value="/sessions/`,
			`min="2026-03-11"`} {
			if !strings.Contains(form.body, part) {
				t.Fatalf("%s: the form lacks %q\n%s", tc.typ, part, form.body)
			}
		}
		values := url.Values{"type": {string(tc.typ)}, "back": {w.sheet("?status=skipped")}}
		for k, v := range tc.form {
			values[k] = v
		}
		pg := w.b.post(w.path(sp, "/skip"), values)
		wantStatus(t, string(tc.typ), pg, http.StatusSeeOther)
		if pg.location() != w.sheet("?status=skipped") {
			t.Fatalf("%s: back to %q", tc.typ, pg.location())
		}
		k, ok, err := w.store.SkipOf(ctx, w.org.ID, w.sess.ID, sp.ID)
		if err != nil || !ok || k.Kind != queue.SkipKindLeader || k.Type != tc.typ || k.Reason != tc.form.Get("reason") {
			t.Fatalf("%s: skip %+v %v %v", tc.typ, k, ok, err)
		}
		wantBody(t, string(tc.typ), w.b.get(pg.location()), tc.alert)
	}
	if k, _, _ := w.store.SkipOf(ctx, w.org.ID, w.sess.ID, w.supporters[5].ID); !k.Until.Equal(time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("custom date until %v, want midnight London", k.Until)
	}
	pg := w.b.get(w.sheet("?status=skipped"))
	if got := rows(pg); len(got) != len(cases) {
		t.Fatalf("skipped rows %v", got)
	}
}

// R6, R12: bad input to the skip form and the API names the field, and
// changes nothing.
func TestSkipRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newSheetWorld(t, 3)
	sp := w.supporters[1]
	w.b.get(w.path(sp, "/skip"))
	long := strings.Repeat("x", queue.MaxSkipReasonLen+1)
	cases := []struct {
		name   string
		form   url.Values
		status int
		field  string
	}{
		{"ErrRemoveNoReason", url.Values{"type": {"remove"}, "reason": {"  "}}, http.StatusUnprocessableEntity, "reason"},
		{"ErrReasonTooLong", url.Values{"type": {"remove"}, "reason": {long}}, http.StatusUnprocessableEntity, "reason"},
		{"ErrPastDate", url.Values{"type": {"date"}, "date": {"2026-03-09"}}, http.StatusUnprocessableEntity, "date"},
		{"ErrTodayDate", url.Values{"type": {"date"}, "date": {"2026-03-10"}}, http.StatusUnprocessableEntity, "date"},
		{"ErrNotADate", url.Values{"type": {"date"}, "date": {"soon"}}, http.StatusUnprocessableEntity, "date"},
		{"ErrUnknownType", url.Values{"type": {"3h"}}, http.StatusUnprocessableEntity, "type"},
		{"ErrNoType", url.Values{}, http.StatusUnprocessableEntity, "type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pg := w.b.post(w.path(sp, "/skip"), tc.form)
			wantStatus(t, tc.name, pg, tc.status)
			wantBody(t, tc.name, pg, `id="skip-form"`, `id="`+tc.field+`-error"`, `href="#`+tc.field+`"`)
			body, _ := json.Marshal(map[string]any{"type": tc.form.Get("type"), "reason": tc.form.Get("reason"), "date": tc.form.Get("date")})
			api := w.b.api(http.MethodPost, "/api/v1"+w.path(sp, "/skip"), string(body), w.b.csrf)
			wantStatus(t, "API "+tc.name, api, tc.status)
			wantBody(t, "API "+tc.name, api, `"field":"`+tc.field+`"`)
			if _, ok, err := w.store.SkipOf(ctx, w.org.ID, w.sess.ID, sp.ID); err != nil || ok {
				t.Fatalf("skipped after a refusal: %v %v", ok, err)
			}
			if audit, err := w.store.SkipAudit(ctx, w.org.ID, w.sess.ID, sp.ID); err != nil || len(audit) != 0 {
				t.Fatalf("audited after a refusal: %+v %v", audit, err)
			}
		})
	}
	t.Run("ErrAPIDoNotCallWithoutRemove", func(t *testing.T) {
		api := w.b.api(http.MethodPost, "/api/v1"+w.path(sp, "/skip"), `{"type":"15m","do_not_call":true}`, w.b.csrf)
		wantStatus(t, "do_not_call with 15m", api, http.StatusUnprocessableEntity)
		wantBody(t, "do_not_call with 15m", api, `"field":"do_not_call"`)
	})
	t.Run("ErrOnACall", func(t *testing.T) { // R6.4
		cl, ok, err := w.store.Claim(ctx, w.org.ID, w.sess.ID)
		if err != nil || !ok {
			t.Fatalf("claim: %v %v", ok, err)
		}
		onCall := queue.Supporter{ID: cl.Supporter.ID}
		w.b.get(w.path(onCall, "/skip"))
		pg := w.b.post(w.path(onCall, "/skip"), url.Values{"type": {"15m"}})
		wantStatus(t, "skip the supporter on a call", pg, http.StatusConflict)
		wantBody(t, "skip the supporter on a call", pg, "on a call now; skip them when the call ends")
		if _, err := w.store.CallEnded(ctx, w.org.ID, cl.Call.ID, queue.OutcomeNoAnswer, 19, "No answer"); err != nil {
			t.Fatal(err)
		}
	})
}

// R7.4: "do not contact" with Remove puts the number on the do-not-call
// list with the skip; ticked with another type, the page leaves it out.
func TestSkipDoNotContact(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newSheetWorld(t, 3)
	w.b.get(w.path(w.supporters[0], "/skip"))
	pg := w.b.post(w.path(w.supporters[0], "/skip"), url.Values{"type": {"remove"}, "reason": {"asked not to be called"}, "do_not_call": {"yes"}})
	wantStatus(t, "remove, do not contact", pg, http.StatusSeeOther)
	if listed, err := w.store.IsDoNotCall(ctx, w.org.ID, w.supporters[0].Phone.E164); err != nil || !listed {
		t.Fatalf("not on the do-not-call list: %v %v", listed, err)
	}
	wantBody(t, "alert", w.b.get(pg.location()), "Ada 01 was removed from this session and their number added to the do-not-call list.")

	pg = w.b.post(w.path(w.supporters[1], "/skip"), url.Values{"type": {"15m"}, "do_not_call": {"yes"}})
	wantStatus(t, "15m, do not contact ticked", pg, http.StatusSeeOther)
	if listed, err := w.store.IsDoNotCall(ctx, w.org.ID, w.supporters[1].Phone.E164); err != nil || listed {
		t.Fatalf("a 15m skip listed the number: %v %v", listed, err)
	}
}

// R8.1: Prioritise is greyed out (and refused) for the supporter already
// next and for completed ones; elsewhere it moves the supporter right
// after next, with the alert.
func TestPrioritise(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newSheetWorld(t, 5)
	s := w.supporters
	w.complete(t, s[1])
	pg := w.b.get(w.sheet(""))
	for _, tc := range []struct {
		sp  queue.Supporter
		why string
	}{{s[0], "Already next in the queue"}, {s[1], "Already contacted"}} {
		r := row(t, pg, tc.sp.ID)
		if !strings.Contains(r, `data-action="prioritise" disabled aria-disabled="true" title="`+tc.why) {
			t.Fatalf("Prioritise is not greyed out for %d:\n%s", tc.sp.ID, r)
		}
		post := w.b.post(w.path(tc.sp, "/prioritise"), nil)
		wantStatus(t, "prioritise "+tc.why, post, http.StatusConflict)
		api := w.b.api(http.MethodPost, "/api/v1"+w.path(tc.sp, "/prioritise"), "", w.b.csrf)
		wantStatus(t, "API prioritise "+tc.why, api, http.StatusConflict)
	}
	if r := row(t, pg, s[3].ID); strings.Contains(r, "disabled") {
		t.Fatalf("Prioritise greyed out for an available supporter:\n%s", r)
	}

	post := w.b.post(w.path(s[3], "/prioritise"), url.Values{"back": {w.sheet("")}})
	wantStatus(t, "prioritise", post, http.StatusSeeOther)
	after := w.b.get(post.location())
	wantBody(t, "prioritise alert", after, "Ada 04 will be called next after Ada 01.")
	if got := rows(after); got[0] != s[0].ID || got[1] != s[3].ID {
		t.Fatalf("queue order %v", got)
	}
	if cl, ok, err := w.store.Claim(ctx, w.org.ID, w.sess.ID); err != nil || !ok || cl.Supporter.ID != s[0].ID {
		t.Fatalf("first claim %+v %v %v", cl, ok, err)
	} else if _, err := w.store.CallEnded(ctx, w.org.ID, cl.Call.ID, queue.OutcomeNoAnswer, 19, "No answer"); err != nil {
		t.Fatal(err)
	}
	if next, ok, err := w.store.Next(ctx, w.org.ID, w.sess.ID); err != nil || !ok || next.ID != s[3].ID {
		t.Fatalf("next %+v %v %v, want Ada 04", next, ok, err)
	}

	api := w.b.api(http.MethodPost, "/api/v1"+w.path(s[4], "/prioritise"), "", w.b.csrf)
	wantStatus(t, "API prioritise", api, http.StatusOK)
	wantBody(t, "API prioritise", api, `"message":"Ada 05 will be called next after Ada 04."`, `"id":`+fmt.Sprint(s[4].ID))
}

// R5.4: the author or an admin corrects a log from the supporter's card;
// the history is kept; another leader who is not an admin may not.
func TestCorrectContact(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newSheetWorld(t, 2)
	sp := w.supporters[0]
	c := w.complete(t, sp)

	card := w.b.get(w.path(sp, ""))
	wantStatus(t, "card", card, http.StatusOK)
	wantBody(t, "card", card, `id="green-tick"`, "Contacted by Casey Leader", fmt.Sprintf(`href="/contacts/%d/edit?back=`, c.ID),
		"spoke to them", "Not called yet.")
	edit := w.b.get(fmt.Sprintf("/contacts/%d/edit", c.ID))
	wantStatus(t, "edit", edit, http.StatusOK)
	wantBody(t, "edit", edit, `id="contact-correct-form"`, `value="yes" checked`, "spoke to them")

	bad := w.b.post(fmt.Sprintf("/contacts/%d", c.ID), url.Values{"contacted": {"yes"}, "notes": {strings.Repeat("n", queue.MaxNotesLen+1)}})
	wantStatus(t, "notes too long", bad, http.StatusUnprocessableEntity)
	wantBody(t, "notes too long", bad, `id="notes-error"`)
	bad = w.b.post(fmt.Sprintf("/contacts/%d", c.ID), url.Values{"notes": {"no answer given"}})
	wantStatus(t, "no Contacted?", bad, http.StatusUnprocessableEntity)
	wantBody(t, "no Contacted?", bad, `id="contacted-error"`)

	ok := w.b.post(fmt.Sprintf("/contacts/%d", c.ID), url.Values{"contacted": {"no"}, "method": {"sms"},
		"notes": {"texted, no reply"}, "tags_add": {"follow-up"}, "back": {w.path(sp, "")}})
	wantStatus(t, "correct", ok, http.StatusSeeOther)
	if ok.location() != w.path(sp, "") {
		t.Fatalf("back to %q", ok.location())
	}
	versions, err := w.store.ContactHistory(ctx, w.org.ID, c.ID)
	if err != nil || len(versions) != 2 || versions[0].Notes != "spoke to them" || versions[1].Notes != "texted, no reply" {
		t.Fatalf("history %+v %v", versions, err)
	}
	card = w.b.get(ok.location())
	wantBody(t, "card after", card, "The log is corrected", "Earlier versions (1)", "texted, no reply", "SMS")
	if strings.Contains(card.body, `id="green-tick"`) {
		t.Fatal("the green tick stayed after the log said not contacted")
	}
	api := w.b.get(fmt.Sprintf("/api/v1/contacts/%d/history", c.ID))
	wantStatus(t, "API history", api, http.StatusOK)
	wantBody(t, "API history", api, `"notes":"spoke to them"`, `"notes":"texted, no reply"`)

	// Another captain of the group, not an admin, may read but not correct.
	other := w.captain(t, w.mustUser(t, "other@example.org"), "+447400123402")
	ob := w.browser(t)
	ob.logIn(other.Email, leaderPassword)
	otherCard := ob.get(w.path(sp, ""))
	wantStatus(t, "another captain's card", otherCard, http.StatusOK)
	if strings.Contains(otherCard.body, "Correct this log") {
		t.Fatal("another captain is offered to correct the log")
	}
	wantStatus(t, "another captain's edit", ob.get(fmt.Sprintf("/contacts/%d/edit", c.ID)), http.StatusForbidden)
	wantStatus(t, "another captain's correction", ob.post(fmt.Sprintf("/contacts/%d", c.ID), url.Values{"contacted": {"yes"}}), http.StatusForbidden)
	wantStatus(t, "another captain's API correction",
		ob.api(http.MethodPut, fmt.Sprintf("/api/v1/contacts/%d", c.ID), `{"contacted":true}`, ob.csrf), http.StatusForbidden)
	if versions, _ := w.store.ContactHistory(ctx, w.org.ID, c.ID); len(versions) != 2 {
		t.Fatalf("a refused correction changed the history: %+v", versions)
	}

	// The API: the author corrects; bad input is 422 naming the field.
	put := w.b.api(http.MethodPut, fmt.Sprintf("/api/v1/contacts/%d", c.ID), `{"contacted":true,"notes":"called back"}`, w.b.csrf)
	wantStatus(t, "API correct", put, http.StatusOK)
	wantBody(t, "API correct", put, `"contacted":true`, `"notes":"called back"`)
	for body, field := range map[string]string{`{"notes":"x"}`: "contacted", `{"contacted":true,"method":"fax"}`: "method",
		`{"contacted":true,"rsvp":"yes"}`: "rsvp"} {
		put := w.b.api(http.MethodPut, fmt.Sprintf("/api/v1/contacts/%d", c.ID), body, w.b.csrf)
		wantStatus(t, "API "+body, put, http.StatusUnprocessableEntity)
		wantBody(t, "API "+body, put, `"field":"`+field+`"`)
	}
}
