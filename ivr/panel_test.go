package ivr_test

import (
	"context"
	"strings"
	"testing"

	"github.com/supporterbase/callingsessions/ari/arisim"
	"github.com/supporterbase/callingsessions/queue"
)

// TestPanelChangesMidSession: while one supporter rings, the leader skips
// another in the panel and a newcomer joins the list; the skipped one is
// not called, the newcomer is, in this cycle (R6, R8.4).
func TestPanelChangesMidSession(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t, 3)
	r.sim.SetScript(r.phone(0), arisim.Script{Outcome: arisim.NoAnswer})
	r.startEngine("a", r.tel)
	sess := r.start(r.leader)
	r.up(leaderMobile)
	r.wait("0 ringing", func() bool { c, ok := r.channel(r.phone(0)); return ok && c.State == "Ringing" })

	if _, err := r.store.Skip(ctx, r.leader, sess.ID, r.supporters[1].ID, queue.SkipInput{Type: queue.SkipCycle}); err != nil {
		t.Fatal(err)
	}
	newcomer, err := r.store.CreateSupporter(ctx, r.org.ID, r.supporters[0].GroupID,
		queue.SupporterInput{FirstName: "New", Phone: "+447911200001"})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.store.AddListMember(ctx, r.org.ID, r.list.ID, newcomer.ID); err != nil {
		t.Fatal(err)
	}
	r.supporters = append(r.supporters, newcomer) // supporter 3

	r.press("*") // stop ringing 0
	r.wrapUp(sess.ID, 0)
	r.press("5")
	r.bridged(r.phone(2))
	r.press("*")
	r.wrapUp(sess.ID, 2)
	r.press("5")
	r.bridged(newcomer.Phone.E164)
	r.press("*")
	r.wrapUp(sess.ID, 3)
	r.press("5")
	r.gone(leaderMobile) // the cycle is complete
	r.recordsEnd(sess.ID, "leader:"+leaderMobile+":answered", "supporter:"+r.phone(0)+":no_answer",
		"supporter:"+r.phone(2)+":answered", "supporter:"+newcomer.Phone.E164+":answered")
}

// TestDialGuard: a number outside the allowed destinations is never dialled
// (a system skip), and a premium-rate one is refused with a reason in its
// call record and held out from then on (R10.4, R7.5).
func TestDialGuard(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t, 1)
	group := r.supporters[0].GroupID
	var ids []int64
	for _, phone := range []string{"+33612345678", "+449098790123"} {
		sp, err := r.store.CreateSupporter(ctx, r.org.ID, group, queue.SupporterInput{FirstName: "Guarded", Phone: phone})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, sp.ID)
	}
	if _, err := r.store.AddListMembers(ctx, r.org.ID, r.list.ID, ids); err != nil {
		t.Fatal(err)
	}
	r.startEngine("a", r.tel)
	sess := r.start(r.leader)
	r.bridged(r.phone(0))
	r.press("*")
	r.wrapUp(sess.ID, 0)
	r.press("5")
	r.gone(leaderMobile)
	r.recordsEnd(sess.ID, "leader:"+leaderMobile+":answered", "supporter:"+r.phone(0)+":answered",
		"supporter:+449098790123:refused")
	var reason string
	if err := r.store.Pool().QueryRow(ctx, `SELECT hangup_cause_text FROM call_records WHERE dialled_number = '+449098790123'`).Scan(&reason); err != nil || !strings.Contains(reason, "premium-rate") {
		t.Fatalf("refused with %q (%v)", reason, err)
	}
	for _, e := range r.sim.Transcript() {
		if text := e.Path + string(e.Body); strings.Contains(text, "33612345678") || strings.Contains(text, "449098790123") {
			t.Fatalf("the phone network was asked to dial a guarded number: %+v", e)
		}
	}
}
