package queue_test

import (
	"context"
	"strings"
	"testing"

	"github.com/supporterbase/callingsessions/queue"
)

// TestCheckDestination: the toll-fraud guard (R10.4) dials only valid
// numbers inside the allowed prefixes and never premium-rate-like ranges.
func TestCheckDestination(t *testing.T) {
	t.Parallel()
	org := queue.NewOrganisation("o", "O")
	org.AllowedPrefixes = []string{"+447", "+44203"}
	cases := []struct {
		number string
		want   string // "" when allowed, else part of the reason
	}{
		{"+447911123456", ""},
		{"+442035550123", ""},
		{"+441312345678", "outside the organisation's allowed destinations"},
		{"+33612345678", "outside the organisation's allowed destinations"},
		{"+447011123456", "personal-number"},
		{"07911123456", "not a valid number"},
		{"+4479111234", "not a valid number"},
		{"", "not a valid number"},
	}
	for _, tc := range cases {
		err := queue.CheckDestination(org, tc.number)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(queue.ErrorMessage(err), tc.want)) {
			t.Errorf("%q: got %v, want %q", tc.number, err, tc.want)
		}
	}
	org.AllowedPrefixes = []string{"+44"}
	for _, premium := range []string{"+449098790123", "+448456000123"} {
		if err := queue.CheckDestination(org, premium); err == nil || queue.ErrorField(err) != "phone" {
			t.Errorf("%s allowed: %v", premium, err)
		}
	}
}

// TestRefusedNumberIsSystemSkipped: a number the guard refused is held out
// of every session (R7.5) with a reason, until the number changes.
func TestRefusedNumberIsSystemSkipped(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 2)
	sess := w.mustSession(t, w.leader)
	cl := w.mustClaim(t, sess.ID)
	if _, err := w.s.CallEnded(ctx, w.org.ID, cl.Call.ID, queue.OutcomeRefused, 0, "a premium-rate number"); err != nil {
		t.Fatal(err)
	}
	var reason string
	if err := w.s.Pool().QueryRow(ctx, `SELECT undiallable FROM supporters WHERE id = $1`, cl.Supporter.ID).Scan(&reason); err != nil || reason != "a premium-rate number" {
		t.Fatalf("undiallable %q, %v", reason, err)
	}
	skip, ok, err := w.s.SkipOf(ctx, w.org.ID, sess.ID, cl.Supporter.ID)
	if err != nil || !ok || skip.SystemReason != queue.SystemSkipRefusedNumber {
		t.Fatalf("skip %+v ok %v err %v", skip, ok, err)
	}
	// A new number clears it.
	if _, err := w.s.Pool().Exec(ctx, `UPDATE supporters SET phone = '+447911000999', phone_key = '+447911000999' WHERE id = $1`, cl.Supporter.ID); err != nil {
		t.Fatal(err)
	}
	if err := w.s.Pool().QueryRow(ctx, `SELECT coalesce(undiallable, '') FROM supporters WHERE id = $1`, cl.Supporter.ID).Scan(&reason); err != nil || reason != "" {
		t.Fatalf("undiallable after a new number %q, %v", reason, err)
	}
}

// TestClaimCallCap: at the organisation's cap on concurrent calls a claim
// is refused with ErrCallCap, and works again once a call ends (R10.4).
func TestClaimCallCap(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 4)
	if _, err := w.s.Pool().Exec(ctx, `UPDATE organisations SET max_concurrent_calls = 1 WHERE id = $1`, w.org.ID); err != nil {
		t.Fatal(err)
	}
	first := w.mustClaim(t, w.mustSession(t, w.leader).ID)
	other := w.mustSession(t, w.mustLeader(t, "other"))
	if _, ok, err := w.s.Claim(ctx, w.org.ID, other.ID); ok || err != queue.ErrCallCap {
		t.Fatalf("claim at the cap: ok %v, %v", ok, err)
	}
	w.mustEnd(t, first.Call.ID, queue.OutcomeBusy)
	w.mustClaim(t, other.ID)
}
