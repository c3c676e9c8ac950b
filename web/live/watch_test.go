package live

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/supporterbase/callingsessions/queue"
)

// OnChange hears every change before any page does, and 0 after each gap
// in listening (the first listen included): a cache it drops is never read
// again by the refresh the page makes on the event.
func TestOnChangeBeforePages(t *testing.T) {
	t.Parallel()
	fake := newFakeListener()
	h := New(fake, testLogger(t), fakeConfig())
	var mu sync.Mutex
	var heard []int64
	h.OnChange(func(sessionID int64) {
		mu.Lock()
		defer mu.Unlock()
		heard = append(heard, sessionID)
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	waitUntil(t, "hub listening", h.Listening)

	c := connect(t, serve(t, h), "/?org=1&session=5", nil)
	fake.send(t, h, queue.Notification{OrganisationID: 1, SessionID: 5, Kind: "queue"})
	c.expectChange(t, 5, "queue")
	fake.drops <- context.DeadlineExceeded // the connection fails: a gap
	waitUntil(t, "listening again", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(heard) == 3
	})
	mu.Lock()
	defer mu.Unlock()
	if want := []int64{0, 5, 0}; !slices.Equal(heard, want) {
		t.Fatalf("OnChange heard %v, want %v", heard, want)
	}
}
