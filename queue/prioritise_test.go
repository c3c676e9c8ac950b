package queue_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/supporterbase/callingsessions/queue"
)

// queueOrder returns the session's supporters on the list in queue order.
func queueOrder(tb testing.TB, w *world, sessionID int64) []int64 {
	tb.Helper()
	rows, err := w.s.Pool().Query(context.Background(), `SELECT supporter_id FROM session_supporters
		WHERE session_id = $1 AND on_list ORDER BY sort_key, supporter_id`, sessionID)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			tb.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func TestPrioritise(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cases := []struct {
		name       string
		prioritise []int // indexes into the list, in order
		want       []int // queue order afterwards
	}{
		{"OneToAfterNext", []int{4}, []int{0, 4, 1, 2, 3, 5}},
		{"TwoInARowLatestFirst", []int{4, 2}, []int{0, 2, 4, 1, 3, 5}},
		{"AlreadyAfterNext", []int{1}, []int{0, 1, 2, 3, 4, 5}},
		{"Last", []int{5}, []int{0, 5, 1, 2, 3, 4}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, 6)
			sess := w.mustSession(t, w.leader)
			for _, i := range tc.prioritise {
				if err := w.s.Prioritise(ctx, w.leader, sess.ID, w.supporters[i]); err != nil {
					t.Fatal(err)
				}
			}
			var want []int64
			for _, i := range tc.want {
				want = append(want, w.supporters[i])
			}
			if got := queueOrder(t, w, sess.ID); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("order %v, want %v", got, want)
			}
			// Claims follow the new order.
			for _, id := range want {
				cl := w.mustClaim(t, sess.ID)
				if cl.Supporter.ID != id {
					t.Fatalf("claimed %d, want %d", cl.Supporter.ID, id)
				}
				w.mustEnd(t, cl.Call.ID, queue.OutcomeNoAnswer)
			}
		})
	}
}

func TestPrioritiseRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 4)
	sess := w.mustSession(t, w.leader)
	if _, err := w.s.Pool().Exec(ctx, `UPDATE session_supporters SET completed_at = now(), completed_by = $3
		WHERE session_id = $1 AND supporter_id = $2`, sess.ID, w.supporters[3], w.leader.ID); err != nil {
		t.Fatal(err)
	}
	member := w.mustLeader(t, "member")
	member.Admin, member.Roles = false, map[int64]queue.Role{w.group.ID: queue.RoleMember}
	cases := []struct {
		name      string
		actor     queue.User
		session   int64
		supporter int64
		code      string
	}{
		{"ErrAlreadyNext", w.leader, sess.ID, w.supporters[0], queue.ECONFLICT},
		{"ErrCompleted", w.leader, sess.ID, w.supporters[3], queue.ECONFLICT},
		{"ErrNotInSession", w.leader, sess.ID, w.outsider(t), queue.ENOTFOUND},
		{"ErrOtherOrganisation", w.stranger(t), sess.ID, w.supporters[2], queue.ENOTFOUND},
		{"ErrMember", member, sess.ID, w.supporters[2], queue.EFORBIDDEN},
	}
	before := queueOrder(t, w, sess.ID)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := w.s.Prioritise(ctx, tc.actor, tc.session, tc.supporter)
			if queue.ErrorCode(err) != tc.code {
				t.Fatalf("got %v, want %s", err, tc.code)
			}
		})
	}
	if after := queueOrder(t, w, sess.ID); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("refused prioritise changed the order: %v → %v", before, after)
	}
}

// R8.1: a skipped supporter may be prioritised and keeps the place.
func TestPrioritiseSkippedKeepsPlace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 5)
	sess := w.mustSession(t, w.leader)
	if _, err := w.s.Pool().Exec(ctx, `UPDATE session_supporters SET skip_type = '15m', skip_until = $3,
		skipped_by = $4, skipped_at = $5 WHERE session_id = $1 AND supporter_id = $2`,
		sess.ID, w.supporters[4], w.clock.Now().Add(15*60e9), w.leader.ID, w.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if err := w.s.Prioritise(ctx, w.leader, sess.ID, w.supporters[4]); err != nil {
		t.Fatal(err)
	}
	w.mustEnd(t, w.mustClaim(t, sess.ID).Call.ID, queue.OutcomeNoAnswer) // supporter 0
	if cl := w.mustClaim(t, sess.ID); cl.Supporter.ID != w.supporters[1] {
		t.Fatalf("skipped supporter called before the skip ended: %d", cl.Supporter.ID)
	} else {
		w.mustEnd(t, cl.Call.ID, queue.OutcomeNoAnswer)
	}
	w.clock.Advance(15 * 60e9)
	if cl := w.mustClaim(t, sess.ID); cl.Supporter.ID != w.supporters[4] {
		t.Fatalf("returning prioritised supporter not next: got %d", cl.Supporter.ID)
	}
}

// Many prioritises into one gap still keep a strict order (the queue is
// respaced when the gap cannot be split further).
func TestPrioritiseManyTimes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 4)
	sess := w.mustSession(t, w.leader)
	for i := range 300 {
		id := w.supporters[2+i%2]
		if err := w.s.Prioritise(ctx, w.leader, sess.ID, id); err != nil {
			t.Fatalf("prioritise %d: %v", i, err)
		}
		if got := queueOrder(t, w, sess.ID); got[0] != w.supporters[0] || got[1] != id {
			t.Fatalf("after %d prioritises the order is %v", i+1, got)
		}
	}
}

// Prioritise racing claims leaves every supporter in the queue exactly once
// with distinct places, and never two live calls.
func TestPrioritiseRacingClaims(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 40)
	sess := w.mustSession(t, w.leader)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for range 30 {
			cl, ok, err := w.s.Claim(ctx, w.org.ID, sess.ID)
			if err != nil || !ok {
				t.Errorf("claim: %v %v", ok, err)
				return
			}
			w.mustEnd(t, cl.Call.ID, queue.OutcomeNoAnswer)
		}
	}()
	go func() {
		defer wg.Done()
		for range 60 {
			err := w.s.Prioritise(ctx, w.leader, sess.ID, w.supporters[rand.IntN(len(w.supporters))])
			if code := queue.ErrorCode(err); code != "" && code != queue.ECONFLICT {
				t.Errorf("prioritise: %v", err)
			}
		}
	}()
	wg.Wait()
	var rows, distinct int
	if err := w.s.Pool().QueryRow(ctx, `SELECT count(*), count(DISTINCT sort_key) FROM session_supporters
		WHERE session_id = $1`, sess.ID).Scan(&rows, &distinct); err != nil {
		t.Fatal(err)
	}
	if rows != 40 || distinct != 40 {
		t.Fatalf("%d rows with %d distinct places, want 40 and 40", rows, distinct)
	}
}
