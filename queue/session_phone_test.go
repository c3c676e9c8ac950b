package queue_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/supporterbase/callingsessions/queue"
)

// TestRequestPhone: Start or Resume asks for the leader's phone once (R4.1);
// a double click changes nothing; only the leader, with a mobile, may.
func TestRequestPhone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 3)
	sess := w.mustSession(t, w.leader)
	captain := w.mustLeader(t, "captain")
	// A leader whose mobile was taken off after they started a session.
	noMobile := w.mustLeader(t, "nomo")
	theirs := w.mustSession(t, noMobile)
	if _, err := w.s.Pool().Exec(ctx, `UPDATE users SET mobile = NULL WHERE id = $1`, noMobile.ID); err != nil {
		t.Fatal(err)
	}

	// Double submit: two clicks at once make one request.
	var wg sync.WaitGroup
	created := make(chan bool, 2)
	for range 2 {
		wg.Go(func() {
			ok, err := w.s.RequestPhone(ctx, w.leader, sess.ID)
			if err != nil {
				t.Error(err)
			}
			created <- ok
		})
	}
	wg.Wait()
	if a, b := <-created, <-created; a == b {
		t.Fatalf("two clicks created %v and %v, want exactly one request", a, b)
	}
	p, wanted, err := w.s.PhoneWanted(ctx, w.org.ID, sess.ID)
	if err != nil || !wanted || p.RequestedBy != w.leader.ID || p.Driver != "" {
		t.Fatalf("request %+v, wanted %v, %v", p, wanted, err)
	}

	cases := []struct {
		name    string
		actor   queue.User
		session int64
		code    string
		field   string
	}{
		{"ErrNotTheLeader", captain, sess.ID, queue.EFORBIDDEN, ""},
		{"ErrNoMobile", noMobile, theirs.ID, queue.EINVALID, "mobile"},
		{"ErrOtherOrganisation", w.stranger(t), sess.ID, queue.ENOTFOUND, ""},
		{"ErrNoSuchSession", w.leader, sess.ID + 1000, queue.ENOTFOUND, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.s.RequestPhone(ctx, tc.actor, tc.session)
			if queue.ErrorCode(err) != tc.code || queue.ErrorField(err) != tc.field {
				t.Fatalf("got %v (%s, field %q), want %s field %q", err, queue.ErrorCode(err), queue.ErrorField(err), tc.code, tc.field)
			}
			if err := w.s.HangUpPhone(ctx, tc.actor, tc.session); err == nil && tc.code != queue.EINVALID {
				t.Fatal("hang up allowed")
			}
		})
	}

	// Closing the page hangs the phone up (R4.4).
	if err := w.s.HangUpPhone(ctx, w.leader, sess.ID); err != nil {
		t.Fatal(err)
	}
	if _, wanted, _ := w.s.PhoneWanted(ctx, w.org.ID, sess.ID); wanted {
		t.Fatal("phone still wanted after the page closed")
	}
}

// TestPhoneLeases: one instance drives a phone; another takes it only once
// the lease ran out; a restarted instance finds its own; a hung-up phone
// leaves its driver.
func TestPhoneLeases(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 3)
	sess := w.mustSession(t, w.leader)
	if _, err := w.s.RequestPhone(ctx, w.leader, sess.ID); err != nil {
		t.Fatal(err)
	}
	// Leases are the database's time: the test waits a short one out.
	const lease = time.Second
	take := func(driver string) []queue.PhoneRequest {
		t.Helper()
		ps, err := w.s.TakePhones(ctx, driver, lease, 10, nil)
		if err != nil {
			t.Fatal(err)
		}
		return ps
	}
	if got := take("a"); len(got) != 1 || got[0].SessionID != sess.ID || got[0].Driver != "a" || got[0].TakenFrom != "" {
		t.Fatalf("a took %+v", got)
	}
	if got := take("b"); len(got) != 0 {
		t.Fatalf("b took a live lease: %+v", got)
	}
	// An instance whose clock runs 2 minutes ahead sees the lease as the
	// database does: live (issue 12).
	ahead := queue.NewStore(w.s.Pool(), &fixedClock{t: w.clock.Now().Add(2 * time.Minute)})
	if got, err := ahead.TakePhones(ctx, "c", lease, 10, nil); err != nil || len(got) != 0 {
		t.Fatalf("an instance with its clock ahead took a live lease: %+v, %v", got, err)
	}
	if got := take("a"); len(got) != 1 || got[0].TakenFrom != "" {
		t.Fatalf("a restarted and did not find its phone: %+v", got)
	}
	// What a drives already is not given again, so it never fills the answer.
	if got, err := w.s.TakePhones(ctx, "a", lease, 10, []int64{sess.ID}); err != nil || len(got) != 0 {
		t.Fatalf("a was given a phone it drives: %+v, %v", got, err)
	}
	time.Sleep(lease / 2)
	if ids, err := w.s.RenewPhones(ctx, "a", lease); err != nil || len(ids) != 1 {
		t.Fatalf("renew: %v %v", ids, err)
	}
	time.Sleep(lease * 3 / 4) // past the first lease, within the renewed one
	if got := take("b"); len(got) != 0 {
		t.Fatalf("b took a renewed lease: %+v", got)
	}
	// a dies: after the lease, b takes over and a learns it lost it.
	time.Sleep(lease / 2)
	if got := take("b"); len(got) != 1 || got[0].Driver != "b" || got[0].TakenFrom != "a" {
		t.Fatalf("b did not take over: %+v", got)
	}
	if ids, err := w.s.RenewPhones(ctx, "a", lease); err != nil || len(ids) != 0 {
		t.Fatalf("a still renews %v (%v)", ids, err)
	}
	// Only the driver ends it.
	if err := w.s.PhoneDone(ctx, w.org.ID, sess.ID, "a", ""); err != nil {
		t.Fatal(err)
	}
	if _, wanted, _ := w.s.PhoneWanted(ctx, w.org.ID, sess.ID); !wanted {
		t.Fatal("a former driver ended the phone")
	}
	if err := w.s.PhoneDone(ctx, w.org.ID, sess.ID, "b", ""); err != nil {
		t.Fatal(err)
	}
	if _, wanted, _ := w.s.PhoneWanted(ctx, w.org.ID, sess.ID); wanted {
		t.Fatal("the driver could not end the phone")
	}
	for _, bad := range []struct {
		driver string
		lease  time.Duration
	}{{"", lease}, {"a", 0}, {string(make([]byte, queue.MaxDriverLen+1)), lease}} {
		if _, err := w.s.TakePhones(ctx, bad.driver, bad.lease, 1, nil); queue.ErrorCode(err) != queue.EINVALID {
			t.Fatalf("take with %q/%v: %v", bad.driver, bad.lease, err)
		}
	}
}

// TestPauseReason: a phone call the server ended itself (no key after the
// greeting) leaves its reason on the session for the panel; a former driver
// cannot set it; the next Start clears it.
func TestPauseReason(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 3)
	sess := w.mustSession(t, w.leader)
	if _, err := w.s.RequestPhone(ctx, w.leader, sess.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.TakePhones(ctx, "a", time.Minute, 10, nil); err != nil {
		t.Fatal(err)
	}
	reason := func() string {
		t.Helper()
		got, err := w.s.Session(ctx, w.org.ID, sess.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.PauseReason
	}
	if err := w.s.PhoneDone(ctx, w.org.ID, sess.ID, "b", "not b's to say"); err != nil || reason() != "" {
		t.Fatalf("another driver set the reason: %q (%v)", reason(), err)
	}
	if err := w.s.PhoneDone(ctx, w.org.ID, sess.ID, "a", "no key pressed"); err != nil || reason() != "no key pressed" {
		t.Fatalf("reason %q (%v), want no key pressed", reason(), err)
	}
	if err := w.s.PhoneDone(ctx, w.org.ID, sess.ID, "a", string(make([]byte, queue.MaxPauseReasonLen+1))); queue.ErrorCode(err) != queue.EINVALID {
		t.Fatalf("oversized reason: %v", err)
	}
	if _, err := w.s.RequestPhone(ctx, w.leader, sess.ID); err != nil || reason() != "" {
		t.Fatalf("reason %q after the next Start (%v), want none", reason(), err)
	}
}

// TestPhoneRequestNotified: a click reaches every instance at once, not at
// the next announcer pass.
func TestPhoneRequestNotified(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 1)
	sess := w.mustSession(t, w.leader)
	notes := listen(t, w)
	if _, err := w.s.RequestPhone(context.Background(), w.leader, sess.ID); err != nil {
		t.Fatal(err)
	}
	expect(t, notes, sess.ID, "phone")
	if err := w.s.HangUpPhone(context.Background(), w.leader, sess.ID); err != nil {
		t.Fatal(err)
	}
	expect(t, notes, sess.ID, "phone")
}
