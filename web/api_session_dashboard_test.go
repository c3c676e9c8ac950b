package web_test

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/web"
	"github.com/supporterbase/callingsessions/web/live"
)

type apiDashboardBody struct {
	Session struct {
		ID          int64  `json:"id"`
		Status      string `json:"status"`
		PauseReason string `json:"pause_reason"`
		Cycle       int    `json:"cycle"`
	} `json:"session"`
	Progress struct{ Completed, Total, Removed int } `json:"progress"`
	Impact   struct {
		CallsAttempted int `json:"calls_attempted"`
		ContactsMade   int `json:"contacts_made"`
	} `json:"impact"`
	CurrentCycle struct {
		Number    int    `json:"number"`
		Available int    `json:"available"`
		Action    string `json:"action"`
	} `json:"current_cycle"`
	PhoneWanted bool `json:"phone_wanted"`
}

type apiCurrentCallBody struct {
	Stage     string              `json:"stage"`
	Call      *struct{ ID int64 } `json:"call"`
	Supporter *struct {
		ID    int64  `json:"id"`
		Phone string `json:"phone"`
	} `json:"supporter"`
	Contact *struct{ ID int64 } `json:"contact"`
}

type apiLoggedBody struct {
	Contact struct {
		ID        int64  `json:"id"`
		Contacted bool   `json:"contacted"`
		Notes     string `json:"notes"`
	} `json:"contact"`
	Existing bool `json:"existing"`
}

// TestSessionDashboardAPI: the dashboard's JSON API (R3, R5, R12).
func TestSessionDashboardAPI(t *testing.T) {
	t.Parallel()
	d := newDashboard(t, web.Options{}, 2, false)
	api := "/api/v1" + d.path

	t.Run("ErrNotLoggedIn", func(t *testing.T) {
		b := d.browser(t)
		for _, path := range []string{"", "/journey", "/current-call"} {
			wantStatus(t, "GET "+path, b.api(http.MethodGet, api+path, "", ""), http.StatusUnauthorized)
		}
	})

	b := d.browser(t)
	b.logIn(d.leader.Email, leaderPassword)
	token := decode[apiMe](t, b.api(http.MethodGet, "/api/v1/me", "", "")).CSRFToken
	captain := d.browser(t)
	captain.logIn(d.captain.Email, leaderPassword)
	captainToken := decode[apiMe](t, captain.api(http.MethodGet, "/api/v1/me", "", "")).CSRFToken

	pg := b.api(http.MethodGet, api, "", "")
	wantStatus(t, "GET session", pg, http.StatusOK)
	if got := decode[apiDashboardBody](t, pg); got.Session.ID != d.sess.ID || got.Session.Status != "not_started" ||
		got.Progress.Total != 2 || got.CurrentCycle.Action != "start" || got.CurrentCycle.Available != 2 || got.PhoneWanted {
		t.Fatalf("session %+v", got)
	}
	pg = b.api(http.MethodGet, api+"/journey", "", "")
	wantStatus(t, "GET journey", pg, http.StatusOK)
	wantBody(t, "journey", pg, `{"cycles":[]}`)

	t.Run("Phone", func(t *testing.T) {
		wantStatus(t, "captain starts", captain.api(http.MethodPost, api+"/phone", "", captainToken), http.StatusForbidden)
		wantStatus(t, "no token", b.api(http.MethodPost, api+"/phone", "", ""), http.StatusForbidden)
		pg := b.api(http.MethodPost, api+"/phone", "", token)
		wantStatus(t, "start", pg, http.StatusOK)
		wantBody(t, "start", pg, `"created":true`)
		pg = b.api(http.MethodPost, api+"/phone", "", token)
		wantBody(t, "second start", pg, `"created":false`)
		if got := decode[apiDashboardBody](t, b.api(http.MethodGet, api, "", "")); !got.PhoneWanted {
			t.Fatal("phone not wanted after start")
		}
		for range 2 {
			wantStatus(t, "pause", b.api(http.MethodPost, api+"/pause", "", token), http.StatusNoContent)
		}
		if got := decode[apiDashboardBody](t, b.api(http.MethodGet, api, "", "")); got.PhoneWanted {
			t.Fatal("phone still wanted after pause")
		}
	})

	t.Run("ErrNewCycleNotComplete", func(t *testing.T) {
		pg := b.api(http.MethodPost, api+"/cycles", "", token)
		wantStatus(t, "new cycle", pg, http.StatusConflict)
		if e := decode[apiErr](t, pg); e.Error.Code != "conflict" {
			t.Fatalf("error %+v", e)
		}
	})

	leader := d.leaderAnswers(t)
	cl := d.claim(t)
	d.answer(t, cl.Call.ID)

	t.Run("CurrentCall", func(t *testing.T) {
		got := decode[apiCurrentCallBody](t, b.api(http.MethodGet, api+"/current-call", "", ""))
		if got.Stage != "connected" || got.Call == nil || got.Call.ID != cl.Call.ID || got.Supporter == nil ||
			got.Supporter.Phone != "+447400100001" || got.Contact != nil {
			t.Fatalf("current call %+v", got)
		}
		masked := decode[apiCurrentCallBody](t, captain.api(http.MethodGet, api+"/current-call", "", ""))
		if masked.Supporter == nil || masked.Supporter.Phone != "+•••••••••001" {
			t.Fatalf("the captain sees %+v", masked.Supporter)
		}
	})

	body := func(key, extra string) string {
		return fmt.Sprintf(`{"call_id":%d,"supporter_id":%d,"contacted":true,"idempotency_key":%q%s}`,
			cl.Call.ID, cl.Supporter.ID, key, extra)
	}
	bad := []struct {
		name, body, field string
		status            int
	}{
		{"ErrNotes", body("api-1", fmt.Sprintf(`,"notes":%q`, strings.Repeat("x", queue.MaxNotesLen+1))), "notes", 422},
		{"ErrRSVP", body("api-1", `,"rsvp":"yes"`), "rsvp", 422},
		{"ErrNoContacted", fmt.Sprintf(`{"supporter_id":%d,"idempotency_key":"api-1"}`, cl.Supporter.ID), "contacted", 422},
		{"ErrNoKey", body("", ""), "idempotency_key", 422},
		{"ErrType", `{"supporter_id":"seven"}`, "supporter_id", 422},
		{"ErrUnknownField", body("api-1", `,"priority":1`), "", 422},
		{"ErrNoSuchSupporter", `{"supporter_id":999999,"contacted":true,"idempotency_key":"api-1"}`, "supporter_id", 404},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			pg := b.api(http.MethodPost, api+"/contacts", tc.body, token)
			wantStatus(t, tc.name, pg, tc.status)
			if e := decode[apiErr](t, pg); e.Error.Field != tc.field || e.Error.Message == "" {
				t.Fatalf("error %+v, want field %q", e, tc.field)
			}
			if n := d.countContacts(t); n != 0 {
				t.Fatalf("a refused log saved %d contacts", n)
			}
		})
	}
	t.Run("Contacts", func(t *testing.T) {
		pg := b.api(http.MethodPost, api+"/contacts", body("api-1", `,"notes":"Said yes"`), token)
		wantStatus(t, "log", pg, http.StatusCreated)
		first := decode[apiLoggedBody](t, pg)
		if first.Existing || !first.Contact.Contacted || first.Contact.Notes != "Said yes" {
			t.Fatalf("logged %+v", first)
		}
		for _, key := range []string{"api-1", "api-other-tab"} {
			pg = b.api(http.MethodPost, api+"/contacts", body(key, ""), token)
			wantStatus(t, "again with "+key, pg, http.StatusOK)
			if again := decode[apiLoggedBody](t, pg); !again.Existing || again.Contact.ID != first.Contact.ID {
				t.Fatalf("again %+v", again)
			}
		}
		got := decode[apiCurrentCallBody](t, b.api(http.MethodGet, api+"/current-call", "", ""))
		if got.Contact == nil || got.Contact.ID != first.Contact.ID {
			t.Fatalf("current call %+v", got)
		}
	})

	t.Run("Journey", func(t *testing.T) {
		d.end(t, cl.Call.ID, queue.OutcomeAnswered)
		next := d.claim(t)
		d.end(t, next.Call.ID, queue.OutcomeNoAnswer)
		d.end(t, leader.ID, queue.OutcomeAnswered)
		pg := b.api(http.MethodPost, api+"/cycles", "", token)
		wantStatus(t, "new cycle", pg, http.StatusCreated)
		if got := decode[apiDashboardBody](t, pg); got.Session.Cycle != 2 || got.CurrentCycle.Number != 2 ||
			got.Impact.CallsAttempted != 2 || got.Progress.Completed != 1 {
			t.Fatalf("after the new cycle %+v", got)
		}
		wantBody(t, "journey", b.api(http.MethodGet, api+"/journey", "", ""), `"cycle":1`, `"calls_attempted":2`, `"contacts_made":1`)
	})
}

// TestDashboardEvents: the dashboard's stream carries a real change of its
// session once it is announced, as every instance announces (R3: live).
func TestDashboardEvents(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	d := newDashboard(t, web.Options{}, 1, false)
	hub := live.New(d.store, slog.New(slog.DiscardHandler), live.Config{Probe: d.store.Notify, Heartbeat: time.Second})
	done := make(chan error, 1)
	go func() { done <- hub.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	srv := httptest.NewServer(web.New(d.store, slog.New(slog.DiscardHandler), prometheus.NewRegistry(), web.Options{Live: hub}).Handler())
	t.Cleanup(srv.Close)
	deadline := time.Now().Add(10 * time.Second)
	for !hub.Listening() {
		if time.Now().After(deadline) {
			t.Fatal("the hub does not listen")
		}
		time.Sleep(10 * time.Millisecond)
	}

	b := d.browser(t)
	b.base = srv.URL
	b.client.Transport = srv.Client().Transport
	b.logIn(d.leader.Email, leaderPassword)
	pg := b.get(d.path)
	wantBody(t, "dashboard", pg, `data-live="/sessions/`, `/events?since=`)

	streamCtx, stop := context.WithTimeout(ctx, 10*time.Second)
	defer stop()
	req, _ := http.NewRequestWithContext(streamCtx, http.MethodGet, srv.URL+d.path+"/events", nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for hub.Clients() != 1 {
		time.Sleep(10 * time.Millisecond)
	}
	d.leaderAnswers(t)
	d.claim(t)
	if _, err := d.store.AnnounceChanges(ctx); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(resp.Body)
	want := fmt.Sprintf(`"session_id":%d`, d.sess.ID)
	event := ""
	for lines.Scan() {
		line := lines.Text()
		if strings.HasPrefix(line, "event: ") {
			event = strings.TrimPrefix(line, "event: ")
		}
		if event == "change" && strings.HasPrefix(line, "data: ") && strings.Contains(line, want) {
			return
		}
	}
	t.Fatalf("no change of session %d on the stream: %v", d.sess.ID, lines.Err())
}
