package ivr_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/supporterbase/callingsessions/ari/arisim"
	"github.com/supporterbase/callingsessions/queue"
)

// TestTwoLeadersOneList: two leaders work one list at once; no supporter's
// phone ever rings for both (R7.2).
func TestTwoLeadersOneList(t *testing.T) {
	t.Parallel()
	r := newRig(t, 8)
	for i := range r.supporters {
		r.sim.SetScript(r.phone(i), arisim.Script{HangupAfter: time.Second})
	}
	other := r.user("other", "+447400123457")
	r.startEngine("a", r.tel)
	sessions := []queue.Session{r.start(r.leader), r.start(other)}
	mobiles := []string{leaderMobile, other.Mobile}

	// Watch the phone network: a number with two live channels fails.
	stop := make(chan struct{})
	var watcher sync.WaitGroup
	watcher.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			seen := map[string]bool{}
			for _, c := range r.sim.Channels() {
				if seen[c.Number] {
					t.Errorf("%s has two live calls", c.Number)
					return
				}
				seen[c.Number] = true
			}
			time.Sleep(time.Millisecond)
		}
	})
	// Each leader presses a key whenever they are in wrap-up, until both
	// cycles are complete.
	r.wait("both cycles complete", func() bool {
		over := 0
		for i, s := range sessions {
			if _, wanted, _ := r.store.PhoneWanted(context.Background(), r.org.ID, s.ID); !wanted {
				over++
				continue
			}
			if r.inWrapUp(s.ID) {
				_ = r.sim.PressNumber(mobiles[i], "5") // the call may just have ended
			}
		}
		return over == 2
	})
	close(stop)
	watcher.Wait()
	// Once one leader called a supporter, the cool-down (R7.1) holds them
	// out of the other session: everyone is called once, by one of them.
	var calls, distinct int
	if err := r.store.Pool().QueryRow(context.Background(), `SELECT count(*), count(DISTINCT supporter_id)
		FROM call_records WHERE session_id = ANY($1) AND leg = 'supporter'`,
		[]int64{sessions[0].ID, sessions[1].ID}).Scan(&calls, &distinct); err != nil {
		t.Fatal(err)
	}
	if calls != 8 || distinct != 8 {
		t.Fatalf("the two sessions made %d calls to %d supporters, want 8 to 8", calls, distinct)
	}
}

// inWrapUp: the session's leader is on the phone and its latest supporter
// call has ended.
func (r *rig) inWrapUp(sessionID int64) bool {
	var ended bool
	err := r.store.Pool().QueryRow(context.Background(), `SELECT state = 'ended' FROM call_records
		WHERE session_id = $1 AND leg = 'supporter' ORDER BY id DESC LIMIT 1`, sessionID).Scan(&ended)
	return err == nil && ended
}
