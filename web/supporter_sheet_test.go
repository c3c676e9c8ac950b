package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/web"
)

// sheetWorld is a panel whose leader (a captain of one group, with a
// mobile) runs a session on a list of n supporters named "Ada 01"…, with
// numbers +44 20 7946 00NN.
type sheetWorld struct {
	*panel
	group      queue.Group
	list       queue.List
	sess       queue.Session
	supporters []queue.Supporter // in list order
	b          *browser          // logged in as the leader
}

func newSheetWorld(t *testing.T, n int) *sheetWorld {
	t.Helper()
	return sheetWorldOn(t, newPanel(t, web.Options{}), n)
}

// sheetWorldOn builds the world on p, whose leader becomes its captain.
func sheetWorldOn(t *testing.T, p *panel, n int) *sheetWorld {
	t.Helper()
	ctx := context.Background()
	w := &sheetWorld{panel: p}
	if _, err := w.store.Pool().Exec(ctx, `UPDATE organisations SET allowed_prefixes = '{+44}' WHERE id = $1`, w.org.ID); err != nil {
		t.Fatal(err)
	}
	var err error
	if w.group, err = w.store.CreateGroup(ctx, w.org.ID, "Sheet callers"); err != nil {
		t.Fatal(err)
	}
	if w.list, err = w.store.CreateList(ctx, w.org.ID, w.group.ID, "Sheet list", 0); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		sp, err := w.store.CreateSupporter(ctx, w.org.ID, w.group.ID, queue.SupporterInput{
			FirstName: "Ada", LastName: fmt.Sprintf("%02d", i), Phone: fmt.Sprintf("+4420794600%02d", i)})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.store.AddListMember(ctx, w.org.ID, w.list.ID, sp.ID); err != nil {
			t.Fatal(err)
		}
		w.supporters = append(w.supporters, sp)
	}
	w.leader = w.captain(t, w.leader, "+447400123401")
	if w.sess, _, err = w.store.StartSession(ctx, w.leader, w.list.ID, ""); err != nil {
		t.Fatal(err)
	}
	w.b = w.browser(t)
	w.b.logIn(w.leader.Email, leaderPassword)
	return w
}

// captain makes u a captain of the world's group with a mobile, and returns
// them as the queue now reads them.
func (w *sheetWorld) captain(t *testing.T, u queue.User, mobile string) queue.User {
	t.Helper()
	ctx := context.Background()
	if _, err := w.store.SetMobile(ctx, w.org.ID, u.ID, mobile); err != nil {
		t.Fatal(err)
	}
	if err := w.store.SetGroupRole(ctx, w.org.ID, u.ID, w.group.ID, queue.RoleCaptain); err != nil {
		t.Fatal(err)
	}
	u, err := w.store.User(ctx, w.org.ID, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (w *sheetWorld) sheet(query string) string {
	return fmt.Sprintf("/sessions/%d/supporters%s", w.sess.ID, query)
}

func (w *sheetWorld) path(sp queue.Supporter, action string) string {
	return fmt.Sprintf("/sessions/%d/supporters/%d%s", w.sess.ID, sp.ID, action)
}

// skip skips sp through the queue, as the leader.
func (w *sheetWorld) skip(t *testing.T, sp queue.Supporter, in queue.SkipInput) {
	t.Helper()
	if _, err := w.store.Skip(context.Background(), w.leader, w.sess.ID, sp.ID, in); err != nil {
		t.Fatal(err)
	}
}

// complete logs sp contacted in the session, without a call.
func (w *sheetWorld) complete(t *testing.T, sp queue.Supporter) queue.Contact {
	t.Helper()
	c, err := w.store.LogContact(context.Background(), w.leader, w.sess.ID, queue.ContactInput{
		SupporterID: sp.ID, Contacted: true, Notes: "spoke to them", IdempotencyKey: fmt.Sprintf("test-%d", sp.ID)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var rowIDs = regexp.MustCompile(`data-supporter-id="(\d+)"`)

// rows are the ids of the page's rows, in order.
func rows(pg page) []int64 {
	var ids []int64
	for _, m := range rowIDs.FindAllStringSubmatch(pg.body, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		ids = append(ids, id)
	}
	return ids
}

// row is the markup of one supporter's row.
func row(t *testing.T, pg page, id int64) string {
	t.Helper()
	start := strings.Index(pg.body, fmt.Sprintf(`data-supporter-id="%d"`, id))
	if start < 0 {
		t.Fatalf("no row for supporter %d\n%s", id, pg.body)
	}
	end := strings.Index(pg.body[start:], "</li>\n")
	return pg.body[start : start+end]
}

func ids(sps ...queue.Supporter) []int64 {
	out := make([]int64, len(sps))
	for i, sp := range sps {
		out[i] = sp.ID
	}
	return out
}

// R3.5: the status filter and the search by name or number.
func TestSupporterSheetFilters(t *testing.T) {
	t.Parallel()
	w := newSheetWorld(t, 6)
	s := w.supporters
	w.skip(t, s[1], queue.SkipInput{Type: queue.Skip15Minutes})
	w.skip(t, s[2], queue.SkipInput{Type: queue.SkipRemove, Reason: "wrong number"})
	w.complete(t, s[3])
	cl, ok, err := w.store.Claim(context.Background(), w.org.ID, w.sess.ID) // s[0]: attempted this cycle
	if err != nil || !ok || cl.Supporter.ID != s[0].ID {
		t.Fatalf("claim: %+v %v %v", cl, ok, err)
	}
	if _, err := w.store.CallEnded(context.Background(), w.org.ID, cl.Call.ID, queue.OutcomeNoAnswer, 19, "No answer"); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, query string
		want        []int64
	}{
		{"All", "", ids(s...)},
		{"AllNamed", "?status=all", ids(s...)},
		{"Available", "?status=available", ids(s[4], s[5])},
		{"Skipped", "?status=skipped", ids(s[1], s[2])},
		{"Unavailable", "?status=unavailable", ids(s[0])},
		{"Completed", "?status=completed", ids(s[3])},
		{"SearchName", "?search=ada+05", ids(s[4])},
		{"SearchPhone", "?search=" + url.QueryEscape("020 7946 0006"), ids(s[5])},
		{"SearchAndStatus", "?status=skipped&search=Ada", ids(s[1], s[2])},
		{"NoMatch", "?search=Zed", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pg := w.b.get(w.sheet(tc.query))
			wantStatus(t, tc.name, pg, http.StatusOK)
			if got := rows(pg); !slices.Equal(got, tc.want) {
				t.Fatalf("rows %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("Badges", func(t *testing.T) {
		pg := w.b.get(w.sheet(""))
		for id, badge := range map[int64]string{s[0].ID: "badge-unavailable", s[1].ID: "badge-skipped",
			s[3].ID: "badge-completed", s[4].ID: "badge-available"} {
			if r := row(t, pg, id); !strings.Contains(r, badge) {
				t.Errorf("row %d lacks %s:\n%s", id, badge, r)
			}
		}
		// The leader sees numbers whole; another captain of the group masked.
		if !strings.Contains(html.UnescapeString(row(t, pg, s[4].ID)), "+442079460005") {
			t.Fatalf("the leader does not see the number whole:\n%s", row(t, pg, s[4].ID))
		}
		other := w.captain(t, w.mustUser(t, "other@example.org"), "+447400123402")
		ob := w.browser(t)
		ob.logIn(other.Email, leaderPassword)
		opg := ob.get(w.sheet(""))
		wantStatus(t, "another captain's sheet", opg, http.StatusOK)
		if strings.Contains(opg.body, "+442079460005") || !strings.Contains(row(t, opg, s[4].ID), "••• 005") {
			t.Fatalf("another captain sees:\n%s", row(t, opg, s[4].ID))
		}
	})
	t.Run("ErrBadFilter", func(t *testing.T) {
		for _, q := range []string{"?status=gone", "?after=nonsense", "?page_size=0", "?page_size=x"} {
			pg := w.b.get(w.sheet(q))
			wantStatus(t, q, pg, http.StatusUnprocessableEntity)
			api := w.b.get("/api/v1" + w.sheet(q))
			wantStatus(t, "API "+q, api, http.StatusUnprocessableEntity)
		}
	})
}

// R3.5: keyset paging, through the page's Next link and the API's cursor.
func TestSupporterSheetPaging(t *testing.T) {
	t.Parallel()
	w := newSheetWorld(t, 7)
	want := ids(w.supporters...)

	var got []int64
	next := w.sheet("?page_size=3")
	for pages := 0; next != ""; pages++ {
		if pages > 5 {
			t.Fatal("the pages never end")
		}
		pg := w.b.get(next)
		wantStatus(t, next, pg, http.StatusOK)
		got = append(got, rows(pg)...)
		next = ""
		if m := regexp.MustCompile(`href="([^"]*)" id="sheet-next"`).FindStringSubmatch(pg.body); m != nil {
			next = html.UnescapeString(m[1])
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("pages gave %v, want %v", got, want)
	}

	got = nil
	cursor := ""
	for pages := 0; pages == 0 || cursor != ""; pages++ {
		if pages > 5 {
			t.Fatal("the API's pages never end")
		}
		pg := w.b.get("/api/v1" + w.sheet("?page_size=3&after="+url.QueryEscape(cursor)))
		wantStatus(t, "API page", pg, http.StatusOK)
		var body struct {
			Supporters []struct {
				ID     int64  `json:"id"`
				Status string `json:"status"`
				Phone  string `json:"phone"`
			} `json:"supporters"`
			NextCursor string `json:"next_cursor"`
		}
		if err := json.Unmarshal([]byte(pg.body), &body); err != nil {
			t.Fatal(err)
		}
		for _, sp := range body.Supporters {
			got = append(got, sp.ID)
		}
		cursor = body.NextCursor
	}
	if !slices.Equal(got, want) {
		t.Fatalf("API pages gave %v, want %v", got, want)
	}
}

// R6, R7: the Skipped badge's tooltip tells a leader skip from a system
// skip, with the reason and the time left.
func TestSupporterSheetTooltips(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newSheetWorld(t, 5)
	s := w.supporters
	w.skip(t, s[0], queue.SkipInput{Type: queue.Skip15Minutes, Reason: "driving"})
	// Another leader's session on the same list calls s[1] (ended: cool-down)
	// and s[2] (still ringing: on a call).
	other := w.captain(t, w.mustUser(t, "second@example.org"), "+447400123403")
	second, _, err := w.store.StartSession(ctx, other, w.list.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.store.Skip(ctx, other, second.ID, s[0].ID, queue.SkipInput{Type: queue.SkipCycle}); err != nil {
		t.Fatal(err)
	}
	claim := func() queue.Claim {
		cl, ok, err := w.store.Claim(ctx, w.org.ID, second.ID)
		if err != nil || !ok {
			t.Fatalf("claim: %v %v", ok, err)
		}
		return cl
	}
	first := claim()
	if first.Supporter.ID != s[1].ID {
		t.Fatalf("the second session called %d, want %d", first.Supporter.ID, s[1].ID)
	}
	if _, err := w.store.CallEnded(ctx, w.org.ID, first.Call.ID, queue.OutcomeNoAnswer, 19, "No answer"); err != nil {
		t.Fatal(err)
	}
	if ringing := claim(); ringing.Supporter.ID != s[2].ID {
		t.Fatalf("the second session called %d, want %d", ringing.Supporter.ID, s[2].ID)
	}
	if _, err := w.store.AddDoNotCall(ctx, w.org.ID, s[3].Phone.E164, "asked not to be called"); err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(2 * time.Minute)

	pg := w.b.get(w.sheet("?status=skipped"))
	wantStatus(t, "skipped", pg, http.StatusOK)
	cases := []struct {
		name string
		sp   queue.Supporter
		kind string
		tip  string
	}{
		{"LeaderSkip", s[0], "leader", "Skipped for 15 minutes by Casey Leader — returns in 13 minutes: driving"},
		{"RecentlyCalled", s[1], "system", "System skip: recently called, retry in 18 minutes"},
		{"OnACall", s[2], "system", "System skip: on a call in another session"},
		{"DoNotCall", s[3], "system", "System skip: on the do-not-call list"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := html.UnescapeString(row(t, pg, tc.sp.ID))
			for _, part := range []string{`class="badge badge-skipped"`, `data-skip-kind="` + tc.kind + `"`,
				`title="` + tc.tip + `"`, fmt.Sprintf(`aria-describedby="skip-why-%d"`, tc.sp.ID),
				fmt.Sprintf(`id="skip-why-%d">%s</span>`, tc.sp.ID, tc.tip)} {
				if !strings.Contains(r, part) {
					t.Fatalf("row lacks %q:\n%s", part, r)
				}
			}
			// Remove skip only on the leader skip.
			if unskip := strings.Contains(r, `data-action="unskip"`); unskip != (tc.kind == "leader") {
				t.Fatalf("Remove skip shown: %v\n%s", unskip, r)
			}
		})
	}
	t.Run("ErrRemoveSystemSkip", func(t *testing.T) {
		pg := w.b.post(w.path(s[1], "/unskip"), nil)
		wantStatus(t, "remove a system skip", pg, http.StatusConflict)
		wantBody(t, "remove a system skip", pg, "system skip")
		api := w.b.api(http.MethodDelete, "/api/v1"+w.path(s[3], "/skip"), "", w.b.csrf)
		wantStatus(t, "API remove a system skip", api, http.StatusConflict)
	})
	t.Run("RemoveLeaderSkip", func(t *testing.T) {
		w.b.get(w.sheet(""))
		pg := w.b.post(w.path(s[0], "/unskip"), url.Values{"back": {w.sheet("?status=skipped")}})
		wantStatus(t, "remove skip", pg, http.StatusSeeOther)
		if pg.location() != w.sheet("?status=skipped") {
			t.Fatalf("back to %q", pg.location())
		}
		if _, ok, err := w.store.SkipOf(ctx, w.org.ID, w.sess.ID, s[0].ID); err != nil || ok {
			t.Fatalf("still skipped: %v %v", ok, err)
		}
		after := w.b.get(pg.location())
		wantBody(t, "after remove skip", after, "Skip removed: Ada 01 is back in the queue.")
		if slices.Contains(rows(after), s[0].ID) {
			t.Fatal("still listed as skipped")
		}
		audit := w.b.get(w.sheet(""))
		wantBody(t, "audit", audit, "Skip history (2)", "Casey Leader skipped: 15 minutes", "Casey Leader removed the skip")
	})
}

// sheetPages are the pages of the sheet, the card, the skip dialog and the
// correction, with and without errors, for TestNoInlineScriptOrStyle.
func sheetPages(t *testing.T, p *panel) map[string]func() page {
	t.Helper()
	w := sheetWorldOn(t, p, 3)
	c := w.complete(t, w.supporters[2])
	w.skip(t, w.supporters[1], queue.SkipInput{Type: queue.Skip15Minutes})
	b := w.b
	return map[string]func() page{
		"supporters sheet":       func() page { return b.get(w.sheet("")) },
		"supporters sheet error": func() page { return b.get(w.sheet("?status=gone")) },
		"supporter card":         func() page { return b.get(w.path(w.supporters[1], "")) },
		"skip dialog":            func() page { return b.get(w.path(w.supporters[0], "/skip")) },
		"skip error": func() page {
			b.get(w.path(w.supporters[0], "/skip"))
			return b.post(w.path(w.supporters[0], "/skip"), url.Values{"type": {"remove"}})
		},
		"contact correction": func() page { return b.get(fmt.Sprintf("/contacts/%d/edit", c.ID)) },
		"contact correction error": func() page {
			b.get(fmt.Sprintf("/contacts/%d/edit", c.ID))
			return b.post(fmt.Sprintf("/contacts/%d", c.ID), url.Values{"notes": {"x"}})
		},
	}
}
