package web_test

import (
	"context"
	"fmt"
	"github.com/supporterbase/callingsessions/web/live"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/queue/pgtest"
	"github.com/supporterbase/callingsessions/web"
)

// dashboard is a panel with one session to watch: an organisation that
// dials +44, a group with a list of supporters, the session's leader (an
// admin with a mobile), a captain and a member of the group, and an admin
// of another organisation. Every user's password is leaderPassword.
type dashboard struct {
	*panel
	group      queue.Group
	list       queue.List
	captain    queue.User
	member     queue.User
	stranger   queue.User
	supporters []queue.Supporter // in list order
	sess       queue.Session
	path       string // the session's dashboard
}

var dashboardOrgs atomic.Int64

// newDashboard builds a dashboard whose list has members supporters (and an
// event when withEvent), on a clock at noon in London.
func newDashboard(t *testing.T, opts web.Options, members int, withEvent bool) *dashboard {
	t.Helper()
	ctx := context.Background()
	p := &panel{clock: &testClock{t: time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)}}
	p.store = queue.NewStore(pgtest.NewPool(t), p.clock)
	p.store.PasswordCost = 4
	d := &dashboard{panel: p}
	var err error
	o := queue.NewOrganisation("dash", "Dashboard Org")
	o.Timezone = "Europe/London"
	o.AllowedPrefixes = []string{"+44"}
	if p.org, err = p.store.CreateOrganisation(ctx, o); err != nil {
		t.Fatal(err)
	}
	if d.group, err = p.store.CreateGroup(ctx, p.org.ID, "North"); err != nil {
		t.Fatal(err)
	}
	var eventID int64
	if withEvent {
		ev, err := p.store.CreateEvent(ctx, p.org.ID, d.group.ID, "Rally", nil)
		if err != nil {
			t.Fatal(err)
		}
		eventID = ev.ID
	}
	if d.list, err = p.store.CreateList(ctx, p.org.ID, d.group.ID, "Everyone", eventID); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for i := range members {
		sp, err := p.store.CreateSupporter(ctx, p.org.ID, d.group.ID, queue.SupporterInput{
			FirstName: fmt.Sprintf("Sam%d", i+1), LastName: "Supporter", Phone: fmt.Sprintf("+447400100%03d", i+1),
			Tags: []string{"donor"}})
		if err != nil {
			t.Fatal(err)
		}
		d.supporters = append(d.supporters, sp)
		ids = append(ids, sp.ID)
	}
	if _, err := p.store.AddListMembers(ctx, p.org.ID, d.list.ID, ids); err != nil {
		t.Fatal(err)
	}
	p.leader = d.user(t, p.org.ID, "leader", true, "+447400123456")
	d.captain = d.user(t, p.org.ID, "captain", false, "+447400123457")
	d.member = d.user(t, p.org.ID, "member", false, "")
	for _, r := range []struct {
		u    queue.User
		role queue.Role
	}{{d.captain, queue.RoleCaptain}, {d.member, queue.RoleMember}} {
		if err := p.store.SetGroupRole(ctx, p.org.ID, r.u.ID, d.group.ID, r.role); err != nil {
			t.Fatal(err)
		}
	}
	other := queue.NewOrganisation(fmt.Sprintf("other%d", dashboardOrgs.Add(1)), "Other Org")
	otherOrg, err := p.store.CreateOrganisation(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	d.stranger = d.user(t, otherOrg.ID, "stranger", true, "+447400123459")
	if d.sess, _, err = p.store.StartSession(ctx, p.leader, d.list.ID, ""); err != nil {
		t.Fatal(err)
	}
	d.path = fmt.Sprintf("/sessions/%d", d.sess.ID)
	p.srv = httptest.NewServer(web.New(p.store, slog.New(slog.DiscardHandler), prometheus.NewRegistry(), opts).Handler())
	t.Cleanup(p.srv.Close)
	return d
}

func (d *dashboard) user(t *testing.T, orgID int64, name string, admin bool, mobile string) queue.User {
	t.Helper()
	u, err := d.store.CreateUser(context.Background(), orgID, queue.UserInput{FirstName: strings.ToUpper(name[:1]) + name[1:],
		LastName: "Person", Email: name + "@example.org", Password: leaderPassword, Mobile: mobile, Admin: admin})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// as is a browser logged in as u, on the dashboard.
func (d *dashboard) as(t *testing.T, u queue.User) *browser {
	t.Helper()
	b := d.browser(t)
	b.logIn(u.Email, leaderPassword)
	b.get(d.path)
	return b
}

// The phone flow, as ivr records it.

func (d *dashboard) leaderAnswers(t *testing.T) queue.CallRecord {
	t.Helper()
	ctx := context.Background()
	c, err := d.store.StartLeaderCall(ctx, d.org.ID, d.sess.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c, err = d.store.CallAnswered(ctx, d.org.ID, c.ID); err != nil {
		t.Fatal(err)
	}
	return c
}

func (d *dashboard) claim(t *testing.T) queue.Claim {
	t.Helper()
	d.clock.Advance(time.Second)
	cl, ok, err := d.store.Claim(context.Background(), d.org.ID, d.sess.ID)
	if err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	return cl
}

func (d *dashboard) answer(t *testing.T, callID int64) {
	t.Helper()
	if _, err := d.store.CallAnswered(context.Background(), d.org.ID, callID); err != nil {
		t.Fatal(err)
	}
}

func (d *dashboard) end(t *testing.T, callID int64, outcome queue.Outcome) {
	t.Helper()
	d.clock.Advance(90 * time.Second)
	if _, err := d.store.CallEnded(context.Background(), d.org.ID, callID, outcome, 16, "Normal Clearing"); err != nil {
		t.Fatal(err)
	}
}

func (d *dashboard) contactsOf(t *testing.T, callID int64) (queue.Contact, bool) {
	t.Helper()
	c, ok, err := d.store.ContactForCall(context.Background(), d.org.ID, callID)
	if err != nil {
		t.Fatal(err)
	}
	return c, ok
}

func (d *dashboard) countContacts(t *testing.T) int {
	t.Helper()
	var n int
	if err := d.store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM contacts`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func lacksBody(t *testing.T, what string, pg page, parts ...string) {
	t.Helper()
	for _, part := range parts {
		if strings.Contains(pg.body, part) {
			t.Fatalf("%s: the page shows %q\n%s", what, part, pg.body)
		}
	}
}

// TestSessionDashboard: the dashboard's figures and its one button for each
// state of a session (R2.5, R3.1-R3.4).
func TestSessionDashboard(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		prepare func(t *testing.T, d *dashboard)
		want    []string
		lacks   []string
	}{
		{"NotStarted", func(*testing.T, *dashboard) {}, []string{
			`id="session-status" class="badge badge-not_started">Not started`,
			`id="cycle-action" class="button" data-action="start">Start calling session</button>`,
			`<strong>0</strong> of 3 supporters completed`, `<strong>3</strong> supporters available`,
			`id="call-stage" class="stage stage-idle">Not calling`, `Completed cycles appear here`,
			`id="open-sheet"`, `href="/sessions/`, `data-pause-url="/sessions/`, `id="live-status"`,
		}, []string{`id="stop-calling"`, `id="contact-form"`, `id="pause-reason"`}},
		{"PausedWithCalls", func(t *testing.T, d *dashboard) {
			leader := d.leaderAnswers(t)
			cl := d.claim(t)
			d.answer(t, cl.Call.ID)
			d.end(t, cl.Call.ID, queue.OutcomeAnswered)
			if _, err := d.store.LogContact(t.Context(), d.leader, d.sess.ID, queue.ContactInput{CallID: cl.Call.ID,
				SupporterID: cl.Supporter.ID, Contacted: true, Notes: "Coming to the rally", IdempotencyKey: "keypad-x"}); err != nil {
				t.Fatal(err)
			}
			busy := d.claim(t)
			d.end(t, busy.Call.ID, queue.OutcomeBusy)
			d.end(t, leader.ID, queue.OutcomeAnswered)
		}, []string{
			`badge-started">Started`, `data-action="resume">Resume calling session</button>`,
			`<strong>1</strong> of 3 supporters completed`, `<strong>1</strong> supporter available`,
			`<dt>Calls attempted</dt><dd>2</dd>`, `<dt>Contacts made</dt><dd>1</dd>`, `<dt>Busy</dt><dd>1</dd>`,
			`<dt>Talk time</dt><dd>1m 30s</dd>`, `<dt>Not logged</dt><dd>0</dd>`,
			`stage-idle">Last call`, `Sam2 Supporter`, `Call ended: Busy`, `id="contact-form"`,
		}, []string{`id="stop-calling"`, `<h3 class="stats-heading">RSVPs</h3>`}},
		{"InProgress", func(t *testing.T, d *dashboard) {
			if _, err := d.store.RequestPhone(t.Context(), d.leader, d.sess.ID); err != nil {
				t.Fatal(err)
			}
			d.leaderAnswers(t)
		}, []string{`badge-in_progress">In Progress`, `id="stop-calling"`, `stage-leader_on_line">Leader on the line`},
			[]string{`id="cycle-action"`}},
		{"Completed", func(t *testing.T, d *dashboard) {
			leader := d.leaderAnswers(t)
			for range 3 {
				cl := d.claim(t)
				d.end(t, cl.Call.ID, queue.OutcomeNoAnswer)
			}
			d.end(t, leader.ID, queue.OutcomeAnswered)
		}, []string{`badge-completed">Completed`, `id="cycle-complete"`,
			`id="cycle-action" class="button" data-action="new_cycle">Start a new cycle</button>`,
			`<strong>0</strong> supporters available`, `<dt>No answer</dt><dd>3</dd>`},
			[]string{`Resume calling session`}},
		{"Journey", func(t *testing.T, d *dashboard) {
			leader := d.leaderAnswers(t)
			for range 3 {
				cl := d.claim(t)
				d.end(t, cl.Call.ID, queue.OutcomeNoAnswer)
			}
			d.end(t, leader.ID, queue.OutcomeAnswered)
			if _, err := d.store.StartNewCycle(t.Context(), d.leader, d.sess.ID); err != nil {
				t.Fatal(err)
			}
			d.clock.Advance(30 * time.Minute) // the cool-down of the no-answers
		}, []string{`<h2 id="cycle-heading">Cycle 2</h2>`, `<details class="journey-cycle" id="journey-cycle-1">`,
			`<summary>Cycle 1 `, `0 contacts made`, `data-action="resume">Resume calling session`}, nil},
		{"PauseReason", func(t *testing.T, d *dashboard) {
			ctx := t.Context()
			if _, err := d.store.RequestPhone(ctx, d.leader, d.sess.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := d.store.TakePhones(ctx, "test", time.Minute, 10, nil); err != nil {
				t.Fatal(err)
			}
			if err := d.store.PhoneDone(ctx, d.org.ID, d.sess.ID, "test", "No key was pressed after the greeting: was it a voicemail?"); err != nil {
				t.Fatal(err)
			}
		}, []string{`id="pause-reason" class="notice notice-warn">Paused: No key was pressed after the greeting`,
			`data-action="start">Start calling session`}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := newDashboard(t, web.Options{}, 3, false)
			tc.prepare(t, d)
			b := d.browser(t)
			b.logIn(d.leader.Email, leaderPassword)
			pg := b.get(d.path)
			wantStatus(t, tc.name, pg, http.StatusOK)
			wantBody(t, tc.name, pg, tc.want...)
			lacksBody(t, tc.name, pg, tc.lacks...)
		})
	}
}

// TestDashboardViewers: who sees what (R1.2, R3.6): the leader the whole
// number and the Start button; a captain the number masked and no Start;
// a member no form; a user of another organisation nothing (404).
func TestDashboardViewers(t *testing.T) {
	t.Parallel()
	d := newDashboard(t, web.Options{}, 2, false)
	d.leaderAnswers(t)
	cl := d.claim(t)
	d.answer(t, cl.Call.ID)

	leader := d.as(t, d.leader)
	pg := leader.get(d.path)
	wantBody(t, "leader", pg, `id="call-number" class="call-number">&#43;447400100001</p>`, `id="contact-form"`,
		`id="stop-calling"`, `stage-connected">Connected`, `Sam1 Supporter`, `<li class="tag">donor</li>`)

	captain := d.as(t, d.captain)
	pg = captain.get(d.path)
	wantStatus(t, "captain", pg, http.StatusOK)
	wantBody(t, "captain", pg, `id="call-number" class="call-number">&#43;•••••••••001</p>`, `id="contact-form"`,
		`Leader Person is calling now.`)
	lacksBody(t, "captain", pg, "7400100001", `id="stop-calling"`, `data-pause-url`)

	member := d.as(t, d.member)
	pg = member.get(d.path)
	wantStatus(t, "member", pg, http.StatusOK)
	lacksBody(t, "member", pg, "7400100001", `id="contact-form"`)
	_ = pg

	stranger := d.browser(t)
	stranger.logIn(d.stranger.Email, leaderPassword)
	wantStatus(t, "another organisation's session", stranger.get(d.path), http.StatusNotFound)
}

// TestCurrentCallCard follows one phone call through the card's stages
// (R3.6), the way the phone flow records it, as the page and its live
// parts show it.
func TestCurrentCallCard(t *testing.T) {
	t.Parallel()
	d := newDashboard(t, web.Options{}, 2, false)
	b := d.as(t, d.leader)
	ctx := context.Background()
	var leader queue.CallRecord
	var cl queue.Claim
	steps := []struct {
		name  string
		do    func(t *testing.T)
		stage string
		want  []string
	}{
		{"Idle", func(*testing.T) {}, "idle", []string{"Nobody is being called."}},
		{"PhoneRequested", func(t *testing.T) {
			wantStatus(t, "start", b.post(d.path+"/phone", nil), http.StatusSeeOther)
		}, "phone_requested", []string{"Your phone will ring in a moment."}},
		{"RingingLeader", func(t *testing.T) {
			var err error
			if leader, err = d.store.StartLeaderCall(ctx, d.org.ID, d.sess.ID); err != nil {
				t.Fatal(err)
			}
		}, "ringing_leader", []string{"Ringing the leader", "Answer your phone to start."}},
		{"LeaderOnLine", func(t *testing.T) { d.answer(t, leader.ID) }, "leader_on_line",
			[]string{"Press any key on the phone to call the first supporter."}},
		{"RingingSupporter", func(t *testing.T) { cl = d.claim(t) }, "ringing_supporter",
			[]string{"Ringing the supporter", "Sam1 Supporter", `id="contact-form"`}},
		{"Connected", func(t *testing.T) { d.answer(t, cl.Call.ID) }, "connected", []string{"Connected"}},
		{"WrapUp", func(t *testing.T) { d.end(t, cl.Call.ID, queue.OutcomeAnswered) }, "wrap_up",
			[]string{"Wrap-up", "Call ended: Answered after 1m 30s."}},
		{"LoggedOnKeypad", func(t *testing.T) {
			if _, err := d.store.LogContact(ctx, d.leader, d.sess.ID, queue.ContactInput{CallID: cl.Call.ID,
				SupporterID: cl.Supporter.ID, Contacted: false, IdempotencyKey: fmt.Sprintf("keypad-%d", cl.Call.ID)}); err != nil {
				t.Fatal(err)
			}
		}, "wrap_up", []string{`id="contact-logged"`, "Not contacted · Phone Call", "Press any key on your phone to call the next supporter."}},
		{"Next", func(t *testing.T) { cl = d.claim(t) }, "ringing_supporter", []string{"Sam2 Supporter", `id="contact-form"`}},
	}
	for _, step := range steps {
		step.do(t)
		for _, path := range []string{d.path, d.path + "/parts"} {
			pg := b.get(path)
			wantStatus(t, step.name, pg, http.StatusOK)
			wantBody(t, step.name+" "+path, pg, append([]string{`data-stage="` + step.stage + `"`}, step.want...)...)
		}
	}
	parts := b.get(d.path + "/parts")
	lacksBody(t, "parts", parts, "<html", `<nav`, `id="dashboard"`)
	wantBody(t, "parts", parts, `id="cycle-card" data-part`, `id="contact-log" data-part data-form-key=`,
		`id="progress" data-part`, `id="journey" data-part`, `name="csrf"`)
}

// TestDashboardButtons: Start/Resume (only the leader; a double click
// requests the phone once), Stop (idempotent), Start a new cycle (only when
// the cycle is complete).
func TestDashboardButtons(t *testing.T) {
	t.Parallel()
	d := newDashboard(t, web.Options{}, 1, false)
	leader := d.as(t, d.leader)
	captain := d.as(t, d.captain)
	wanted := func(t *testing.T) bool {
		t.Helper()
		_, ok, err := d.store.PhoneWanted(t.Context(), d.org.ID, d.sess.ID)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}

	t.Run("ErrStartByNonLeader", func(t *testing.T) {
		wantStatus(t, "captain starts", captain.post(d.path+"/phone", nil), http.StatusForbidden)
		if wanted(t) {
			t.Fatal("a captain's click rang the leader")
		}
	})
	t.Run("ErrStartWithoutCSRF", func(t *testing.T) {
		wantStatus(t, "start without token", leader.postWithout(d.path+"/phone", nil), http.StatusForbidden)
	})
	t.Run("StartTwice", func(t *testing.T) {
		pg := leader.post(d.path+"/phone", nil)
		if pg.status != http.StatusSeeOther || pg.location() != d.path {
			t.Fatalf("start: %d to %q", pg.status, pg.location())
		}
		wantBody(t, "after start", leader.get(d.path), "Your phone will ring in a moment", `id="stop-calling"`)
		wantStatus(t, "second click", leader.post(d.path+"/phone", nil), http.StatusSeeOther)
		wantBody(t, "after the second click", leader.get(d.path), "Your phone is already being called.")
		if !wanted(t) {
			t.Fatal("the phone is not wanted")
		}
	})
	t.Run("ErrNewCycleNotComplete", func(t *testing.T) {
		pg := leader.post(d.path+"/cycles", nil)
		wantStatus(t, "new cycle", pg, http.StatusConflict)
		wantBody(t, "new cycle", pg, `class="alert alert-error" role="alert">The current cycle still has 1 available supporter`)
	})
	t.Run("StopIsIdempotent", func(t *testing.T) {
		for i := range 2 {
			pg := leader.post(d.path+"/pause", url.Values{"stop": {"1"}})
			if pg.status != http.StatusSeeOther || pg.location() != d.path {
				t.Fatalf("stop %d: %d to %q", i, pg.status, pg.location())
			}
			wantBody(t, "after stop", leader.get(d.path), `role="status">Paused: your phone call was ended.`)
			if wanted(t) {
				t.Fatal("still wanted after stop")
			}
		}
		// The page's beacon on close: the token in the csrf field, no answer to read.
		wantStatus(t, "beacon", leader.post(d.path+"/pause", nil), http.StatusNoContent)
		wantStatus(t, "captain stops", captain.post(d.path+"/pause", nil), http.StatusForbidden)
		wantStatus(t, "beacon without token", leader.postWithout(d.path+"/pause", nil), http.StatusForbidden)
	})
	t.Run("NewCycle", func(t *testing.T) {
		call := d.leaderAnswers(t)
		cl := d.claim(t)
		d.end(t, cl.Call.ID, queue.OutcomeNoAnswer)
		d.end(t, call.ID, queue.OutcomeAnswered)
		wantStatus(t, "captain starts a new cycle", captain.post(d.path+"/cycles", nil), http.StatusSeeOther)
		wantBody(t, "new cycle", captain.get(d.path), "Cycle 2 started", `<h2 id="cycle-heading">Cycle 2</h2>`)
		wantStatus(t, "second click", captain.post(d.path+"/cycles", nil), http.StatusConflict)
	})
}

// TestDashboardOtherOrganisation: every dashboard route answers 404 for a
// session of another organisation (R1.1), and changes nothing.
func TestDashboardOtherOrganisation(t *testing.T) {
	t.Parallel()
	d := newDashboard(t, web.Options{}, 1, false)
	b := d.browser(t)
	b.logIn(d.stranger.Email, leaderPassword)
	pg := b.get("/profile")
	wantStatus(t, "profile", pg, http.StatusOK)
	apiToken := decode[apiMe](t, b.api(http.MethodGet, "/api/v1/me", "", "")).CSRFToken
	for _, path := range []string{d.path, d.path + "/parts", d.path + "/events"} {
		wantStatus(t, "GET "+path, b.get(path), http.StatusNotFound)
	}
	for _, path := range []string{"/phone", "/pause", "/cycles", "/contacts"} {
		wantStatus(t, "POST "+path, b.post(d.path+path, url.Values{"stop": {"1"}, "contacted": {"yes"},
			"supporter_id": {fmt.Sprint(d.supporters[0].ID)}, "idempotency_key": {"x"}}), http.StatusNotFound)
	}
	api := "/api/v1" + d.path
	for _, path := range []string{"", "/journey", "/current-call"} {
		wantStatus(t, "GET "+api+path, b.api(http.MethodGet, api+path, "", ""), http.StatusNotFound)
	}
	for _, path := range []string{"/phone", "/pause", "/cycles", "/contacts"} {
		wantStatus(t, "POST "+api+path, b.api(http.MethodPost, api+path,
			fmt.Sprintf(`{"supporter_id":%d,"contacted":true,"idempotency_key":"x"}`, d.supporters[0].ID), apiToken), http.StatusNotFound)
	}
	wantStatus(t, "no such session", b.get("/sessions/999999999"), http.StatusNotFound)
	wantStatus(t, "not an id", b.get("/sessions/12abc/parts"), http.StatusNotFound)
	if _, wanted, _ := d.store.PhoneWanted(t.Context(), d.org.ID, d.sess.ID); wanted || d.countContacts(t) != 0 {
		t.Fatal("a stranger's request changed the session")
	}
}

// dashboardPages are the dashboard's pages for TestNoInlineScriptOrStyle:
// with a call on the card and its form, the form refused, and a refused
// new cycle.
func dashboardPages(t *testing.T) map[string]func() page {
	t.Helper()
	d := newDashboard(t, web.Options{}, 2, true)
	d.leaderAnswers(t)
	cl := d.claim(t)
	d.answer(t, cl.Call.ID)
	b := d.as(t, d.leader)
	watcher := d.as(t, d.captain)
	bad := url.Values{"call_id": {fmt.Sprint(cl.Call.ID)}, "supporter_id": {fmt.Sprint(cl.Supporter.ID)},
		"idempotency_key": {"csp"}, "contacted": {"yes"}, "notes": {strings.Repeat("n", queue.MaxNotesLen+1)}}
	return map[string]func() page{
		"session dashboard":          func() page { return b.get(d.path) },
		"session dashboard watcher":  func() page { return watcher.get(d.path) },
		"session dashboard form err": func() page { return b.post(d.path+"/contacts", bad) },
		"session dashboard conflict": func() page { return b.post(d.path+"/cycles", nil) },
	}
}

// idleListener is a live hub's database that never says anything: the
// caches it keeps honest are then dropped only by requests and time.
type idleListener struct{}

func (idleListener) Listen(ctx context.Context, _ func(queue.Notification)) error {
	<-ctx.Done()
	return nil
}

// TestDashboardCacheKeepsOrganisationsApart: a session cached by its own
// organisation's visit is still a 404 to another organisation (R1.1), and
// the leader's own change shows on the page it is sent back to.
func TestDashboardCacheKeepsOrganisationsApart(t *testing.T) {
	t.Parallel()
	hub := live.New(idleListener{}, slog.New(slog.DiscardHandler), live.Config{})
	d := newDashboard(t, web.Options{Live: hub}, 1, false)
	leader := d.as(t, d.leader)
	wantStatus(t, "leader's dashboard", leader.get(d.path), http.StatusOK)
	b := d.browser(t)
	b.logIn(d.stranger.Email, leaderPassword)
	for _, path := range []string{d.path, d.path + "/parts", "/api/v1" + d.path} {
		wantStatus(t, "stranger GET "+path, b.get(path), http.StatusNotFound)
	}
	wantStatus(t, "Start", leader.post(d.path+"/phone", nil), http.StatusSeeOther)
	wantBody(t, "after Start", leader.get(d.path), `id="stop-calling"`)
}
