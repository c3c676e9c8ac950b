package ari

import (
	"sync"
	"testing"
)

func TestMailbox(t *testing.T) {
	t.Parallel()

	t.Run("FIFO", func(t *testing.T) {
		t.Parallel()
		m := NewMailbox(10)
		for _, d := range []string{"1", "2", "3"} {
			if !m.Put(Event{Kind: Digit, Digit: d}) {
				t.Fatalf("Put(%s) refused below the limit", d)
			}
		}
		select {
		case <-m.Ready():
		default:
			t.Fatal("Ready does not receive while events wait")
		}
		got := m.Take()
		if len(got) != 3 || got[0].Digit != "1" || got[1].Digit != "2" || got[2].Digit != "3" {
			t.Fatalf("Take = %+v, want digits 1 2 3 in order", got)
		}
		if again := m.Take(); again != nil {
			t.Fatalf("second Take = %+v, want nil", again)
		}
	})

	t.Run("DropsPastLimit", func(t *testing.T) {
		t.Parallel()
		m := NewMailbox(2)
		kept := 0
		for range 5 {
			if m.Put(Event{Kind: Digit}) {
				kept++
			}
		}
		if kept != 2 || m.Dropped() != 3 {
			t.Fatalf("kept %d, dropped %d; want 2 and 3", kept, m.Dropped())
		}
		m.Take()
		if !m.Put(Event{Kind: Digit}) {
			t.Fatal("Put refused after Take emptied the mailbox")
		}
	})

	t.Run("ConnectionEventsPastLimit", func(t *testing.T) {
		t.Parallel()
		m := NewMailbox(1)
		m.Put(Event{Kind: Digit})
		m.putAlways(Event{Kind: Connected})
		if got := m.Take(); len(got) != 2 || got[1].Kind != Connected || m.Dropped() != 0 {
			t.Fatalf("Take = %+v, dropped %d; want the Connected kept past the limit", got, m.Dropped())
		}
	})

	t.Run("DefaultLimit", func(t *testing.T) {
		t.Parallel()
		if m := NewMailbox(0); m.limit != DefaultMailboxLimit {
			t.Fatalf("limit = %d, want %d", m.limit, DefaultMailboxLimit)
		}
	})

	// Many writers, one reader that waits on Ready: every event arrives, in
	// each writer's order, and no signal is lost (the test would hang).
	t.Run("Concurrent", func(t *testing.T) {
		t.Parallel()
		const writers, each = 8, 2000
		m := NewMailbox(writers * each)
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					m.Put(Event{Kind: Digit, Cause: w, DurationMS: i})
				}
			})
		}
		next := make([]int, writers)
		for got := 0; got < writers*each; {
			<-m.Ready()
			for _, e := range m.Take() {
				if e.DurationMS != next[e.Cause] {
					t.Fatalf("writer %d: event %d arrived when %d was due", e.Cause, e.DurationMS, next[e.Cause])
				}
				next[e.Cause]++
				got++
			}
		}
		wg.Wait()
	})
}
