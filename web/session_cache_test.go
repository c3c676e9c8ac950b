package web

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supporterbase/callingsessions/queue"
)

// statsReader counts reads and answers figures numbered by read.
type statsReader struct {
	reads atomic.Int64
	// during, when set, runs inside a read: a change overlapping it.
	during func()
}

func (r *statsReader) read(context.Context) (queue.SessionStats, error) {
	n := r.reads.Add(1)
	if r.during != nil {
		r.during()
	}
	return queue.SessionStats{SessionID: n}, nil
}

func TestSessionCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	type step struct {
		do        func(c *sessionCache[queue.SessionStats], clock *time.Time, r *statsReader)
		wantReads int64 // reads so far, after a get that follows the step
	}
	cases := []struct {
		name  string
		steps []step
	}{
		{"FreshFiguresAreKept", []step{
			{func(*sessionCache[queue.SessionStats], *time.Time, *statsReader) {}, 1},
			{func(*sessionCache[queue.SessionStats], *time.Time, *statsReader) {}, 1},
		}},
		{"AChangeDropsThem", []step{
			{func(*sessionCache[queue.SessionStats], *time.Time, *statsReader) {}, 1},
			{func(c *sessionCache[queue.SessionStats], _ *time.Time, _ *statsReader) { c.changed(7) }, 2},
		}},
		{"AnotherSessionsChangeDoesNot", []step{
			{func(*sessionCache[queue.SessionStats], *time.Time, *statsReader) {}, 1},
			{func(c *sessionCache[queue.SessionStats], _ *time.Time, _ *statsReader) { c.changed(8) }, 1},
		}},
		{"AGapDropsEverything", []step{
			{func(*sessionCache[queue.SessionStats], *time.Time, *statsReader) {}, 1},
			{func(c *sessionCache[queue.SessionStats], _ *time.Time, _ *statsReader) { c.changed(0) }, 2},
		}},
		{"TimeEndsThem", []step{
			{func(*sessionCache[queue.SessionStats], *time.Time, *statsReader) {}, 1},
			{func(_ *sessionCache[queue.SessionStats], clock *time.Time, _ *statsReader) {
				*clock = clock.Add(cacheTTL)
			}, 2},
		}},
		// A read that a change overlapped is answered but never kept: the
		// next get reads again.
		{"AReadOverlappedByAChangeIsNotKept", []step{
			{func(c *sessionCache[queue.SessionStats], _ *time.Time, r *statsReader) {
				r.during = func() { c.changed(7) }
			}, 1},
			{func(_ *sessionCache[queue.SessionStats], _ *time.Time, r *statsReader) { r.during = nil }, 2},
			{func(*sessionCache[queue.SessionStats], *time.Time, *statsReader) {}, 2},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
			c := newSessionCache[queue.SessionStats]()
			c.now = func() time.Time { return clock }
			r := &statsReader{}
			for i, st := range tc.steps {
				st.do(c, &clock, r)
				if _, err := c.get(ctx, 7, r.read); err != nil {
					t.Fatal(err)
				}
				if got := r.reads.Load(); got != st.wantReads {
					t.Fatalf("step %d: %d reads, want %d", i, got, st.wantReads)
				}
			}
		})
	}
}

// Many pages opening one session's dashboard at once cost one read.
func TestSessionCacheSharesConcurrentReads(t *testing.T) {
	t.Parallel()
	c := newSessionCache[queue.SessionStats]()
	release := make(chan struct{})
	var reads atomic.Int64
	read := func(context.Context) (queue.SessionStats, error) {
		reads.Add(1)
		<-release
		return queue.SessionStats{SessionID: 7}, nil
	}
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if st, err := c.get(context.Background(), 7, read); err != nil || st.SessionID != 7 {
				t.Errorf("get: %+v, %v", st, err)
			}
		})
	}
	time.Sleep(50 * time.Millisecond) // let the 50 gets join the read
	close(release)
	wg.Wait()
	if n := reads.Load(); n != 1 {
		t.Fatalf("%d reads for 50 concurrent gets, want 1", n)
	}
}

// A failed read is not kept.
func TestSessionCacheKeepsNoError(t *testing.T) {
	t.Parallel()
	c := newSessionCache[queue.SessionStats]()
	fail := errors.New("database away")
	if _, err := c.get(context.Background(), 7, func(context.Context) (queue.SessionStats, error) {
		return queue.SessionStats{}, fail
	}); !errors.Is(err, fail) {
		t.Fatalf("err %v", err)
	}
	st, err := c.get(context.Background(), 7, func(context.Context) (queue.SessionStats, error) {
		return queue.SessionStats{SessionID: 7}, nil
	})
	if err != nil || st.SessionID != 7 {
		t.Fatalf("after a failure: %+v, %v", st, err)
	}
}
