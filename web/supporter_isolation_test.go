package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/supporterbase/callingsessions/queue"
)

// R1.1, R12: another organisation's session or supporter, and a supporter
// of another session of the same organisation, are 404 on every page and
// API call of the sheet, and change nothing; without a login the API is
// 401 and pages send to the login page.
func TestSupporterSheetIsolation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newSheetWorld(t, 2)
	mine := w.supporters[0]

	// Another organisation, in the same database, with a session of its own.
	o := queue.NewOrganisation("elsewhere", "Elsewhere")
	o.AllowedPrefixes = []string{"+44"}
	org, err := w.store.CreateOrganisation(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := w.store.CreateUser(ctx, org.ID, queue.UserInput{FirstName: "Them", Email: "them@example.org",
		Password: leaderPassword, Mobile: "+447400123409", Admin: true})
	if err != nil {
		t.Fatal(err)
	}
	g, _ := w.store.CreateGroup(ctx, org.ID, "South")
	l, _ := w.store.CreateList(ctx, org.ID, g.ID, "All", 0)
	foreign, err := w.store.CreateSupporter(ctx, org.ID, g.ID, queue.SupporterInput{FirstName: "Far", Phone: "+442079460099"})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.store.AddListMember(ctx, org.ID, l.ID, foreign.ID); err != nil {
		t.Fatal(err)
	}
	foreignSess, _, err := w.store.StartSession(ctx, theirs, l.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	// A supporter of the same organisation on another list, in another session.
	other, err := w.store.CreateSupporter(ctx, w.org.ID, w.group.ID, queue.SupporterInput{FirstName: "Other", Phone: "+442079460098"})
	if err != nil {
		t.Fatal(err)
	}
	otherList, _ := w.store.CreateList(ctx, w.org.ID, w.group.ID, "Others", 0)
	if err := w.store.AddListMember(ctx, w.org.ID, otherList.ID, other.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.store.StartSession(ctx, w.leader, otherList.ID, ""); err != nil {
		t.Fatal(err)
	}
	foreignContact, err := w.store.LogContact(ctx, theirs, foreignSess.ID, queue.ContactInput{SupporterID: foreign.ID,
		Contacted: true, IdempotencyKey: "foreign"})
	if err != nil {
		t.Fatal(err)
	}

	base := func(sessionID, supporterID int64) string {
		return fmt.Sprintf("/sessions/%d/supporters/%d", sessionID, supporterID)
	}
	targets := map[string]string{
		"ForeignSession":           fmt.Sprintf("/sessions/%d/supporters", foreignSess.ID),
		"ForeignSessionSupporter":  base(foreignSess.ID, foreign.ID),
		"ForeignSupporterInMine":   base(w.sess.ID, foreign.ID),
		"MineInForeignSession":     base(foreignSess.ID, mine.ID),
		"OtherListSupporterInMine": base(w.sess.ID, other.ID),
		"NoSuchSession":            base(w.sess.ID+1000, mine.ID),
		"NotAnID":                  fmt.Sprintf("/sessions/%d/supporters/x", w.sess.ID),
	}
	w.b.get(w.sheet(""))
	for name, target := range targets {
		t.Run(name, func(t *testing.T) {
			wantStatus(t, "GET", w.b.get(target), http.StatusNotFound)
			wantStatus(t, "API GET", w.b.get("/api/v1"+target), http.StatusNotFound)
			if target == targets["ForeignSession"] {
				return
			}
			wantStatus(t, "GET skip", w.b.get(target+"/skip"), http.StatusNotFound)
			wantStatus(t, "POST skip", w.b.post(target+"/skip", url.Values{"type": {"15m"}}), http.StatusNotFound)
			wantStatus(t, "POST unskip", w.b.post(target+"/unskip", nil), http.StatusNotFound)
			wantStatus(t, "POST prioritise", w.b.post(target+"/prioritise", nil), http.StatusNotFound)
			wantStatus(t, "API skip", w.b.api(http.MethodPost, "/api/v1"+target+"/skip", `{"type":"15m"}`, w.b.csrf), http.StatusNotFound)
			wantStatus(t, "API unskip", w.b.api(http.MethodDelete, "/api/v1"+target+"/skip", "", w.b.csrf), http.StatusNotFound)
			wantStatus(t, "API prioritise", w.b.api(http.MethodPost, "/api/v1"+target+"/prioritise", "", w.b.csrf), http.StatusNotFound)
		})
	}
	t.Run("ForeignContact", func(t *testing.T) {
		path := fmt.Sprintf("/contacts/%d", foreignContact.ID)
		wantStatus(t, "edit", w.b.get(path+"/edit"), http.StatusNotFound)
		wantStatus(t, "correct", w.b.post(path, url.Values{"contacted": {"no"}}), http.StatusNotFound)
		wantStatus(t, "API correct", w.b.api(http.MethodPut, "/api/v1"+path, `{"contacted":false}`, w.b.csrf), http.StatusNotFound)
		wantStatus(t, "API history", w.b.get("/api/v1"+path+"/history"), http.StatusNotFound)
	})
	if k, ok, err := w.store.SkipOf(ctx, org.ID, foreignSess.ID, foreign.ID); err != nil || ok {
		t.Fatalf("the other organisation's supporter was skipped: %+v %v %v", k, ok, err)
	}
	if c, err := w.store.Contact(ctx, org.ID, foreignContact.ID); err != nil || !c.Contacted {
		t.Fatalf("the other organisation's contact changed: %+v %v", c, err)
	}

	t.Run("ErrNoRole", func(t *testing.T) { // same organisation, no role in the group
		nobody := w.mustUser(t, "nobody@example.org")
		nb := w.browser(t)
		nb.logIn(nobody.Email, leaderPassword)
		wantStatus(t, "sheet", nb.get(w.sheet("")), http.StatusForbidden)
		wantStatus(t, "API sheet", nb.get("/api/v1"+w.sheet("")), http.StatusForbidden)
		wantStatus(t, "prioritise", nb.post(base(w.sess.ID, w.supporters[1].ID)+"/prioritise", nil), http.StatusForbidden)
	})
	t.Run("ErrLoggedOut", func(t *testing.T) {
		visitor := w.browser(t)
		for _, path := range []string{w.sheet(""), base(w.sess.ID, mine.ID), base(w.sess.ID, mine.ID) + "/skip"} {
			pg := visitor.get(path)
			wantStatus(t, path, pg, http.StatusSeeOther)
			api := visitor.get("/api/v1" + path)
			if path != base(w.sess.ID, mine.ID)+"/skip" {
				wantStatus(t, "API "+path, api, http.StatusUnauthorized)
			}
		}
		wantStatus(t, "API skip", visitor.api(http.MethodPost, "/api/v1"+base(w.sess.ID, mine.ID)+"/skip", `{"type":"15m"}`, ""),
			http.StatusForbidden) // no CSRF token: refused before the login is asked for
	})
	t.Run("ErrAPINoCSRF", func(t *testing.T) {
		wantStatus(t, "API skip without the token",
			w.b.api(http.MethodPost, "/api/v1"+base(w.sess.ID, mine.ID)+"/skip", `{"type":"15m"}`, ""), http.StatusForbidden)
		if _, ok, _ := w.store.SkipOf(ctx, w.org.ID, w.sess.ID, mine.ID); ok {
			t.Fatal("skipped without the CSRF token")
		}
	})
}

// The supporter card's API: the row, the audit, the tick, contacts, calls.
func TestSupporterCardAPI(t *testing.T) {
	t.Parallel()
	w := newSheetWorld(t, 2)
	sp := w.supporters[1]
	w.skip(t, sp, queue.SkipInput{Type: queue.SkipCycle, Reason: "busy tonight"})
	w.b.get(w.sheet("")) // for the CSRF token
	pg := w.b.get("/api/v1" + w.path(sp, ""))
	wantStatus(t, "card", pg, http.StatusOK)
	wantBody(t, "card", pg, `"status":"skipped"`, `"kind":"leader"`, `"type":"cycle"`, `"reason":"busy tonight"`,
		`"action":"skip"`, `"tick":null`, `"contacts":[]`, `"calls":[]`, `"phone":"+442079460002"`)
	del := w.b.api(http.MethodDelete, "/api/v1"+w.path(sp, "/skip"), "", w.b.csrf)
	wantStatus(t, "remove skip", del, http.StatusOK)
	wantBody(t, "remove skip", del, `"status":"available"`, `"skip":null`)
	again := w.b.api(http.MethodDelete, "/api/v1"+w.path(sp, "/skip"), "", w.b.csrf)
	wantStatus(t, "remove no skip", again, http.StatusConflict)
	skip := w.b.api(http.MethodPost, "/api/v1"+w.path(sp, "/skip"), `{"type":"1h","reason":"call later"}`, w.b.csrf)
	wantStatus(t, "API skip", skip, http.StatusOK)
	wantBody(t, "API skip", skip, `"status":"skipped"`, `"description":"Skipped for 1 hour by Casey Leader — returns in 60 minutes: call later"`)
	wantStatus(t, "unknown field", w.b.api(http.MethodPost, "/api/v1"+w.path(sp, "/skip"), `{"type":"1h","colour":"red"}`, w.b.csrf),
		http.StatusUnprocessableEntity)
}
