package queue_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	"github.com/supporterbase/callingsessions/queue"
)

// userWithRole is a user of the world's organisation, not an admin, with
// role in group.
func userWithRole(tb testing.TB, w *world, name string, groupID int64, role queue.Role) queue.User {
	tb.Helper()
	ctx := context.Background()
	u, err := w.s.CreateUser(ctx, w.org.ID, queue.UserInput{FirstName: name, Email: name + "@example.org",
		Password: "a long enough secret", Mobile: "+447400123459"})
	if err != nil {
		tb.Fatal(err)
	}
	if err := w.s.SetGroupRole(ctx, w.org.ID, u.ID, groupID, role); err != nil {
		tb.Fatal(err)
	}
	if u, err = w.s.User(ctx, w.org.ID, u.ID); err != nil {
		tb.Fatal(err)
	}
	return u
}

// listOf makes a list of n new supporters in group, with numbers of their
// own (+4421, the list id and the supporter's number).
func listOf(tb testing.TB, w *world, groupID int64, name string, n int) queue.List {
	tb.Helper()
	l := mustList(tb, w.s, w.org.ID, groupID, name)
	sqlExec(tb, w, `
		WITH made AS (
			INSERT INTO supporters (organisation_id, group_id, phone_raw, phone, phone_key, timezone, created_at, updated_at)
			SELECT $1, $2, p, p, p, 'Europe/London', $5, $5
			FROM generate_series(1, $4::integer) AS i, concat('+4421', lpad(($3 * 1000 + i)::text, 8, '0')) AS p
			RETURNING id
		)
		INSERT INTO list_members (group_id, list_id, supporter_id, added_at)
		SELECT $2, $3, id, $5 FROM made ORDER BY id`, w.org.ID, groupID, l.ID, n, w.clock.Now())
	return l
}

func startOn(tb testing.TB, w *world, leader queue.User, listID int64) queue.Session {
	tb.Helper()
	sess, _, err := w.s.StartSession(context.Background(), leader, listID, "")
	if err != nil {
		tb.Fatal(err)
	}
	return sess
}

func summaryRows(ss []queue.SessionSummary) string {
	var out string
	for _, s := range ss {
		out += fmt.Sprintf("%s|%s|%s|%s|%d/%d\n", s.Name, s.ListName, s.LeaderName, s.Status, s.Completed, s.Total)
	}
	return out
}

// R2.4: the Calling Sessions index shows each user the sessions they may
// see, newest activity first, with list, leader, status and progress, and
// filters them by status.
func TestSessions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 3)
	south := mustGroup(t, w.s, w.org.ID, "South")
	captain := userWithRole(t, w, "captain", w.group.ID, queue.RoleCaptain)
	member := userWithRole(t, w, "member", w.group.ID, queue.RoleMember)
	southCaptain := userWithRole(t, w, "southcaptain", south.ID, queue.RoleCaptain)
	pairs := listOf(t, w, w.group.ID, "Pairs", 2)
	solo := listOf(t, w, w.group.ID, "Solo", 1)
	faraway := listOf(t, w, south.ID, "Faraway", 2)

	live := startOn(t, w, w.leader, w.list.ID) // in progress
	w.clock.Advance(time.Minute)
	startOn(t, w, captain, pairs.ID) // not started
	w.clock.Advance(time.Minute)
	done := startOn(t, w, w.leader, solo.ID) // completed
	w.clock.Advance(time.Minute)
	startOn(t, w, w.leader, faraway.ID) // not started, another group
	w.clock.Advance(time.Minute)
	c := dial(t, w, done.ID, queue.OutcomeAnswered, time.Minute)
	sqlLog(t, w, c, true, "")
	w.clock.Advance(time.Minute)
	if _, err := w.s.StartLeaderCall(ctx, w.org.ID, live.ID); err != nil {
		t.Fatal(err)
	}
	dial(t, w, live.ID, queue.OutcomeNoAnswer, 0)

	rows := map[string]string{
		"live":      "leader - Everyone|Everyone|leader|in_progress|0/3\n",
		"done":      "leader - Solo|Solo|leader|completed|1/1\n",
		"elsewhere": "leader - Faraway|Faraway|leader|not_started|0/2\n",
		"fresh":     "captain - Pairs|Pairs|captain|not_started|0/2\n",
	}
	cases := []struct {
		name  string
		actor queue.User
		view  queue.SessionsView
		want  []string
	}{
		{"AdminAll", w.leader, "", []string{"live", "done", "elsewhere", "fresh"}},
		{"AdminActive", w.leader, queue.SessionsActive, []string{"live"}},
		{"AdminPaused", w.leader, queue.SessionsPaused, []string{"elsewhere", "fresh"}},
		{"AdminCompleted", w.leader, queue.SessionsCompleted, []string{"done"}},
		{"CaptainOfTheGroup", captain, "", []string{"live", "done", "fresh"}},
		{"MemberOfTheGroup", member, "", []string{"live", "done", "fresh"}},
		{"MemberPaused", member, queue.SessionsPaused, []string{"fresh"}},
		{"CaptainOfAnotherGroup", southCaptain, "", []string{"elsewhere"}},
		{"CaptainOfAnotherGroupCompleted", southCaptain, queue.SessionsCompleted, nil},
		{"OtherOrganisation", w.stranger(t), "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := w.s.Sessions(ctx, tc.actor, queue.SessionFilter{View: tc.view})
			if err != nil {
				t.Fatal(err)
			}
			want := ""
			for _, k := range tc.want {
				want += rows[k]
			}
			if summaryRows(got) != want {
				t.Fatalf("index:\n%s\nwant:\n%s", summaryRows(got), want)
			}
		})
	}

	// A captain who leads a session and then loses every role still sees it.
	if err := w.s.RemoveGroupRole(ctx, w.org.ID, captain.ID, w.group.ID); err != nil {
		t.Fatal(err)
	}
	got, err := w.s.Sessions(ctx, captain, queue.SessionFilter{})
	if err != nil || summaryRows(got) != rows["fresh"] {
		t.Fatalf("former captain's index: %s %v", summaryRows(got), err)
	}
}

// R2.4: the index pages by last activity; a page picks up where the last
// one ended even when sessions share a time.
func TestSessionsPaging(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 1)
	var want []int64
	for i := range 5 {
		l := listOf(t, w, w.group.ID, fmt.Sprintf("List %d", i), 1)
		sess := startOn(t, w, w.leader, l.ID)
		want = append([]int64{sess.ID}, want...) // same time for all: newest id first
	}
	var got []int64
	after := ""
	for range 5 {
		page, err := w.s.Sessions(ctx, w.leader, queue.SessionFilter{Limit: 2, After: after})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range page {
			got = append(got, s.ID)
		}
		if len(page) < 2 {
			break
		}
		after = page[len(page)-1].Cursor()
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("pages: %v, want %v", got, want)
	}
}

func TestSessionsBadInput(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 1)
	cases := []struct {
		name  string
		f     queue.SessionFilter
		field string
	}{
		{"ErrView", queue.SessionFilter{View: "paused-ish"}, "view"},
		{"ErrLimitTooBig", queue.SessionFilter{Limit: 501}, "limit"},
		{"ErrLimitNegative", queue.SessionFilter{Limit: -1}, "limit"},
		{"ErrCursor", queue.SessionFilter{After: "??"}, "after"},
		{"ErrCursorNoID", queue.SessionFilter{After: base64.RawURLEncoding.EncodeToString([]byte("123"))}, "after"},
		{"ErrCursorBadTime", queue.SessionFilter{After: base64.RawURLEncoding.EncodeToString([]byte("yesterday/3"))}, "after"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.s.Sessions(context.Background(), w.leader, tc.f)
			if queue.ErrorCode(err) != queue.EINVALID || queue.ErrorField(err) != tc.field {
				t.Fatalf("%v, want invalid %s", err, tc.field)
			}
		})
	}
}
