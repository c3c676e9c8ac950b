package queue_test

import (
	"context"
	"testing"
	"time"

	"github.com/supporterbase/callingsessions/queue"
)

// A supporter's calls come from every session, newest first, with the
// session's name; other supporters' and other organisations' never.
func TestSupporterCalls(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 3)
	first := w.mustSession(t, w.leader)
	second := w.mustSession(t, newCaptain(t, w, "cap"))
	a := w.mustClaim(t, first.ID)
	w.mustEnd(t, a.Call.ID, queue.OutcomeNoAnswer)
	w.clock.Advance(time.Hour)
	b := w.mustClaim(t, second.ID)
	w.mustEnd(t, b.Call.ID, queue.OutcomeBusy)
	if a.Supporter.ID != b.Supporter.ID {
		t.Fatalf("the sessions called %d and %d", a.Supporter.ID, b.Supporter.ID)
	}
	calls, err := w.s.SupporterCalls(ctx, w.org.ID, a.Supporter.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 2 || calls[0].ID != b.Call.ID || calls[1].ID != a.Call.ID ||
		calls[0].SessionName != second.Name || calls[1].Outcome != queue.OutcomeNoAnswer {
		t.Fatalf("calls %+v", calls)
	}
	if calls, err := w.s.SupporterCalls(ctx, w.org.ID, a.Supporter.ID, 1); err != nil || len(calls) != 1 || calls[0].ID != b.Call.ID {
		t.Fatalf("limit 1: %+v %v", calls, err)
	}
	if calls, err := w.s.SupporterCalls(ctx, w.org.ID, w.supporters[2], 10); err != nil || len(calls) != 0 {
		t.Fatalf("never called: %+v %v", calls, err)
	}
	for _, limit := range []int{0, queue.MaxSupporterCalls + 1} {
		if _, err := w.s.SupporterCalls(ctx, w.org.ID, a.Supporter.ID, limit); queue.ErrorField(err) != "limit" {
			t.Errorf("limit %d: %v", limit, err)
		}
	}
	if _, err := w.s.SupporterCalls(ctx, w.stranger(t).OrganisationID, a.Supporter.ID, 10); queue.ErrorCode(err) != queue.ENOTFOUND {
		t.Errorf("another organisation: %v", err)
	}
}
