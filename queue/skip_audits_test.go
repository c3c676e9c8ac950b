package queue_test

import (
	"context"
	"testing"

	"github.com/supporterbase/callingsessions/queue"
)

// A page's audits in one read: the same entries SkipAudit gives each
// supporter, and nothing of another session or organisation.
func TestSkipAudits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 3)
	sess := w.mustSession(t, w.leader)
	a, b, c := w.supporters[0], w.supporters[1], w.supporters[2]
	mustSkip(t, w, w.leader, sess.ID, a, queue.SkipInput{Type: queue.SkipCycle})
	if err := w.s.Unskip(ctx, w.leader, sess.ID, a); err != nil {
		t.Fatal(err)
	}
	mustSkip(t, w, w.leader, sess.ID, b, queue.SkipInput{Type: queue.SkipRemove, Reason: "wrong number"})

	audits, err := w.s.SkipAudits(ctx, w.org.ID, sess.ID, []int64{a, b, c})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{a, b} {
		want := mustAudit(t, w, sess.ID, id)
		got := audits[id]
		if len(got) != len(want) {
			t.Fatalf("supporter %d: %+v, want %+v", id, got, want)
		}
		for i := range want {
			if got[i].ID != want[i].ID || got[i].Action != want[i].Action || got[i].ActorName != want[i].ActorName {
				t.Fatalf("supporter %d entry %d: %+v, want %+v", id, i, got[i], want[i])
			}
		}
	}
	if len(audits[a]) != 2 || audits[a][1].Action != queue.SkipActionUnskip || audits[b][0].Reason != "wrong number" {
		t.Fatalf("audits %+v", audits)
	}
	if _, ok := audits[c]; ok {
		t.Fatalf("c was never skipped: %+v", audits[c])
	}
	if got, err := w.s.SkipAudits(ctx, w.stranger(t).OrganisationID, sess.ID, []int64{a, b}); err != nil || len(got) != 0 {
		t.Fatalf("another organisation: %+v %v", got, err)
	}
	if got, err := w.s.SkipAudits(ctx, w.org.ID, sess.ID, nil); err != nil || len(got) != 0 {
		t.Fatalf("no supporters: %+v %v", got, err)
	}
}

func TestContactByID(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 2)
	sess := w.mustSession(t, w.leader)
	cl := mustAnswer(t, w, sess.ID)
	logged := mustLog(t, w, w.leader, sess.ID, queue.ContactInput{CallID: cl.Call.ID, SupporterID: cl.Supporter.ID,
		Contacted: true, Notes: "first", IdempotencyKey: "k1"})
	if _, err := w.s.CorrectContact(ctx, w.leader, logged.ID, queue.ContactInput{Contacted: true, Notes: "second"}); err != nil {
		t.Fatal(err)
	}
	c, err := w.s.Contact(ctx, w.org.ID, logged.ID)
	if err != nil || c.ID != logged.ID || c.Notes != "second" || c.SessionID != sess.ID || c.AuthorName == "" {
		t.Fatalf("contact %+v %v", c, err)
	}
	if _, err := w.s.Contact(ctx, w.stranger(t).OrganisationID, logged.ID); queue.ErrorCode(err) != queue.ENOTFOUND {
		t.Fatalf("another organisation: %v", err)
	}
}
