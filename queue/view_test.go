package queue_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/supporterbase/callingsessions/queue"
)

func mustPage(tb testing.TB, w *world, sessionID int64, q queue.SupporterQuery) queue.SupporterPage {
	tb.Helper()
	p, err := w.s.SessionSupporters(context.Background(), w.org.ID, sessionID, q)
	if err != nil {
		tb.Fatalf("page %+v: %v", q, err)
	}
	return p
}

func pageIDs(p queue.SupporterPage) []int64 {
	var ids []int64
	for _, r := range p.Supporters {
		ids = append(ids, r.ID)
	}
	return ids
}

// sqlExec runs a statement of a test's setup.
func sqlExec(tb testing.TB, w *world, sql string, args ...any) {
	tb.Helper()
	if _, err := w.s.Pool().Exec(context.Background(), sql, args...); err != nil {
		tb.Fatal(err)
	}
}

// viewRow is what the test checks of a row: status, skip and menu.
func viewRow(r queue.SessionSupporter) string {
	s := string(r.Status)
	if r.Skip != nil {
		until := "-"
		if r.Skip.Until != nil {
			until = r.Skip.Until.UTC().Format("15:04")
		}
		s += fmt.Sprintf(" %s %s%s %s %q", r.Skip.Kind, r.Skip.Type, r.Skip.SystemReason, until, r.Skip.Reason)
	}
	if r.Next {
		s += " next"
	}
	if !r.CanPrioritise {
		s += " no-prioritise"
	}
	return s
}

// R3.5, R7: each status of the View all supporters sheet, with the reason
// of each kind of skip, the next to call and what the menu allows.
func TestSessionSupportersStatuses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 11)
	sess := w.mustSession(t, w.leader)
	other := w.mustSession(t, w.mustLeader(t, "other"))
	sp := w.supporters
	now := w.clock.Now()

	sqlSkip(t, w, sess.ID, sp[2], queue.Skip1Hour, time.Hour, "call back")
	sqlSkip(t, w, sess.ID, sp[3], queue.SkipRemove, 0, "wrong number")
	sqlExec(t, w, `UPDATE supporters SET last_call_at = $2 WHERE id = $1`, sp[4], now.Add(-5*time.Minute))
	sqlExec(t, w, `WITH c AS (
			INSERT INTO call_records (organisation_id, session_id, cycle, leg, supporter_id, leader_id, dialled_number, originated_at)
			SELECT organisation_id, $2, 1, 'supporter', id, $3, phone, $4 FROM supporters WHERE id = $1 RETURNING id
		) UPDATE supporters SET live_call_id = (SELECT id FROM c) WHERE id = $1`, sp[5], other.ID, other.LeaderID, now)
	sqlExec(t, w, `UPDATE supporters SET phone = NULL WHERE id = $1`, sp[6])
	sp7, err := w.s.Supporter(ctx, w.org.ID, sp[7])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.AddDoNotCall(ctx, w.org.ID, sp7.Phone.E164, "asked not to be called"); err != nil {
		t.Fatal(err)
	}
	sqlExec(t, w, `UPDATE session_supporters SET attempted = true WHERE session_id = $1 AND supporter_id = $2`, sess.ID, sp[8])
	sqlExec(t, w, `UPDATE session_supporters SET completed_at = $3, completed_by = $4
		WHERE session_id = $1 AND supporter_id = $2`, sess.ID, sp[9], now, w.leader.ID)
	sqlExec(t, w, `UPDATE supporters SET timezone = 'Asia/Tokyo' WHERE id = $1`, sp[10]) // 21:00 there

	noon := []string{
		"available next no-prioritise",
		"available",
		`skipped leader 1h 13:00 "call back"`,
		`skipped leader remove - "wrong number"`,
		`skipped system recently_called 12:15 ""`,
		`skipped system on_a_call - ""`,
		`skipped system invalid_number - ""`,
		`skipped system do_not_call - ""`,
		"unavailable",
		"completed no-prioritise",
		`skipped system calling_hours 00:00 ""`, // 09:00 in Tokyo
	}
	// 22:00 in London: the window is shut for everyone; the 1-hour skip and
	// the cool-down are over, so calling hours is what holds them now.
	night := []string{
		`skipped system calling_hours 09:00 ""`,
		`skipped system calling_hours 09:00 ""`,
		`skipped system calling_hours 09:00 ""`,
		`skipped leader remove - "wrong number"`,
		`skipped system calling_hours 09:00 ""`,
		`skipped system on_a_call - ""`,
		`skipped system invalid_number - ""`,
		`skipped system do_not_call - ""`,
		"unavailable",
		"completed no-prioritise",
		`skipped system calling_hours 00:00 ""`,
	}
	for _, at := range []struct {
		name string
		at   time.Time
		want []string
	}{{"Noon", now, noon}, {"Night", time.Date(2026, 3, 10, 22, 0, 0, 0, time.UTC), night}} {
		w.clock.Set(at.at)
		page := mustPage(t, w, sess.ID, queue.SupporterQuery{})
		if fmt.Sprint(pageIDs(page)) != fmt.Sprint(sp) || page.NextCursor != "" {
			t.Fatalf("%s: rows %v, cursor %q; want %v", at.name, pageIDs(page), page.NextCursor, sp)
		}
		for i, r := range page.Supporters {
			if got := viewRow(r); got != at.want[i] {
				t.Errorf("%s: sp[%d] is %s, want %s", at.name, i, got, at.want[i])
			}
		}
	}

	w.clock.Set(now)
	page := mustPage(t, w, sess.ID, queue.SupporterQuery{})
	leaderSkip := page.Supporters[2].Skip
	if leaderSkip.By != w.leader.ID || leaderSkip.ByName != "leader" || !leaderSkip.At.Equal(now) {
		t.Fatalf("leader skip: %+v", leaderSkip)
	}
	if got := page.Supporters[10].Skip.Describe(now); got != "outside calling hours (opens 09:00 their time)" {
		t.Fatalf("calling hours tooltip %q: told in the supporter's timezone", got)
	}
	if page.Supporters[9].CompletedAt == nil || !page.Supporters[9].CompletedAt.Equal(now) {
		t.Fatalf("completed at %v", page.Supporters[9].CompletedAt)
	}
	if next := mustNext(t, w, sess.ID); next != sp[0] {
		t.Fatalf("the sheet's next is sp[0], claim-next says %d", next)
	}

	filters := []struct {
		status queue.SupporterStatus
		want   []int64
	}{
		{queue.SupporterAvailable, []int64{sp[0], sp[1]}},
		{queue.SupporterSkipped, []int64{sp[2], sp[3], sp[4], sp[5], sp[6], sp[7], sp[10]}},
		{queue.SupporterUnavailable, []int64{sp[8]}},
		{queue.SupporterCompleted, []int64{sp[9]}},
	}
	for _, f := range filters {
		t.Run(string(f.status), func(t *testing.T) {
			page := mustPage(t, w, sess.ID, queue.SupporterQuery{Status: f.status})
			if fmt.Sprint(pageIDs(page)) != fmt.Sprint(f.want) {
				t.Fatalf("filter %s: %v, want %v", f.status, pageIDs(page), f.want)
			}
		})
	}
}

// R3.5: search by name, any case, or by number however it is written.
func TestSessionSupportersSearch(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 6)
	sess := w.mustSession(t, w.leader)
	sp := w.supporters
	names := [][2]string{{"Ada", "Lovelace"}, {"Émile", "Zola"}, {"Grace", "Hopper"}, {"Ada", "Byron"}, {"Percy", "100%"}, {"Sam", "Smith"}}
	for i, n := range names {
		sqlExec(t, w, `UPDATE supporters SET first_name = $2, last_name = $3 WHERE id = $1`, sp[i], n[0], n[1])
	}
	last, err := w.s.Supporter(context.Background(), w.org.ID, sp[5])
	if err != nil {
		t.Fatal(err)
	}
	national := "0" + last.Phone.E164[3:5] + " " + last.Phone.E164[5:9] + " " + last.Phone.E164[9:] // 020 0000 0006
	cases := []struct {
		search string
		want   []int64
	}{
		{"ada", []int64{sp[0], sp[3]}},
		{"  LOVE ", []int64{sp[0]}},
		{"ada lovelace", []int64{sp[0]}},
		{"ÉMILE", []int64{sp[1]}},
		{"%", []int64{sp[4]}},
		{"_", nil},
		{national, []int64{sp[5]}},
		{last.Phone.E164, []int64{sp[5]}},
		{"+44 " + last.Phone.E164[3:], []int64{sp[5]}},
		{"nobody", nil},
	}
	for _, tc := range cases {
		t.Run(tc.search, func(t *testing.T) {
			page := mustPage(t, w, sess.ID, queue.SupporterQuery{Search: tc.search})
			if fmt.Sprint(pageIDs(page)) != fmt.Sprint(tc.want) {
				t.Fatalf("search %q: %v, want %v", tc.search, pageIDs(page), tc.want)
			}
		})
	}
	both := mustPage(t, w, sess.ID, queue.SupporterQuery{Search: "ada", Status: queue.SupporterAvailable, PageSize: 1})
	if fmt.Sprint(pageIDs(both)) != fmt.Sprint([]int64{sp[0]}) || both.NextCursor == "" {
		t.Fatalf("search with a filter, one a page: %v %q", pageIDs(both), both.NextCursor)
	}
	rest := mustPage(t, w, sess.ID, queue.SupporterQuery{Search: "ada", Status: queue.SupporterAvailable, PageSize: 1, After: both.NextCursor})
	if fmt.Sprint(pageIDs(rest)) != fmt.Sprint([]int64{sp[3]}) || rest.NextCursor != "" {
		t.Fatalf("second page of the search: %v %q", pageIDs(rest), rest.NextCursor)
	}
}

// R3.5: paging through the whole queue, after prioritising moved rows to
// keys between the list positions, gives every row once, in queue order.
func TestSessionSupportersPaging(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 120)
	sess := w.mustSession(t, w.leader)
	walk := func(size int) ([]int64, []int) {
		var ids []int64
		var sizes []int
		cursor := ""
		for {
			page := mustPage(t, w, sess.ID, queue.SupporterQuery{PageSize: size, After: cursor})
			ids = append(ids, pageIDs(page)...)
			sizes = append(sizes, len(page.Supporters))
			if page.NextCursor == "" {
				return ids, sizes
			}
			cursor = page.NextCursor
		}
	}
	ids, sizes := walk(50)
	if fmt.Sprint(sizes) != "[50 50 20]" || fmt.Sprint(ids) != fmt.Sprint(w.supporters) {
		t.Fatalf("pages of %v: %v, want the list order", sizes, ids)
	}
	for _, i := range []int{90, 60, 61, 119} {
		if err := w.s.Prioritise(ctx, w.leader, sess.ID, w.supporters[i]); err != nil {
			t.Fatal(err)
		}
	}
	var want []int64
	err := w.s.Pool().QueryRow(ctx, `SELECT array_agg(supporter_id ORDER BY sort_key, supporter_id)
		FROM session_supporters WHERE session_id = $1`, sess.ID).Scan(&want)
	if err != nil {
		t.Fatal(err)
	}
	if ids, _ := walk(7); fmt.Sprint(ids) != fmt.Sprint(want) {
		t.Fatalf("pages after prioritising:\n got %v\nwant %v", ids, want)
	}
	if page := mustPage(t, w, sess.ID, queue.SupporterQuery{}); len(page.Supporters) != queue.DefaultSupportersPageSize {
		t.Fatalf("default page has %d rows", len(page.Supporters))
	}
}

func TestSessionSupportersBadInput(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 3)
	sess := w.mustSession(t, w.leader)
	stranger := w.stranger(t)
	cursor := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	cases := []struct {
		name    string
		org     int64
		session int64
		q       queue.SupporterQuery
		code    string
		field   string
	}{
		{"ErrPageSizeTooBig", w.org.ID, sess.ID, queue.SupporterQuery{PageSize: 201}, queue.EINVALID, "page_size"},
		{"ErrPageSizeNegative", w.org.ID, sess.ID, queue.SupporterQuery{PageSize: -1}, queue.EINVALID, "page_size"},
		{"ErrCursorNotBase64", w.org.ID, sess.ID, queue.SupporterQuery{After: "not a cursor!"}, queue.EINVALID, "after"},
		{"ErrCursorNoID", w.org.ID, sess.ID, queue.SupporterQuery{After: cursor("12")}, queue.EINVALID, "after"},
		{"ErrCursorBadKey", w.org.ID, sess.ID, queue.SupporterQuery{After: cursor("1e9/5")}, queue.EINVALID, "after"},
		{"ErrCursorInjection", w.org.ID, sess.ID, queue.SupporterQuery{After: cursor("1); DROP TABLE supporters; --/5")}, queue.EINVALID, "after"},
		{"ErrCursorBadID", w.org.ID, sess.ID, queue.SupporterQuery{After: cursor("12/x")}, queue.EINVALID, "after"},
		{"ErrStatus", w.org.ID, sess.ID, queue.SupporterQuery{Status: "busy"}, queue.EINVALID, "status"},
		{"ErrSearchTooLong", w.org.ID, sess.ID, queue.SupporterQuery{Search: strings.Repeat("a", 201)}, queue.EINVALID, "search"},
		{"ErrOtherOrganisation", stranger.OrganisationID, sess.ID, queue.SupporterQuery{}, queue.ENOTFOUND, ""},
		{"ErrNoSession", w.org.ID, sess.ID + 1000, queue.SupporterQuery{}, queue.ENOTFOUND, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.s.SessionSupporters(context.Background(), tc.org, tc.session, tc.q)
			if queue.ErrorCode(err) != tc.code || queue.ErrorField(err) != tc.field {
				t.Fatalf("%v, want %s on %q", err, tc.code, tc.field)
			}
		})
	}
	// A cursor past the end is an empty last page, not an error.
	page := mustPage(t, w, sess.ID, queue.SupporterQuery{After: cursor("99999999999/1")})
	if len(page.Supporters) != 0 || page.NextCursor != "" {
		t.Fatalf("page past the end: %+v", page)
	}
}
