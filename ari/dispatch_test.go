package ari

import (
	"errors"
	"testing"
)

func TestDispatch(t *testing.T) {
	t.Parallel()

	t.Run("RoutesByKeyElseUnrouted", func(t *testing.T) {
		t.Parallel()
		c := offlineClient(t)
		m := NewMailbox(0)
		c.Route("c1", m)
		c.routes.deliver("c1", Event{Kind: LegStarted, Channel: "c1"})
		c.routes.deliver("c2", Event{Kind: LegStarted, Channel: "c2"})
		c.Unroute("c1")
		c.routes.deliver("c1", Event{Kind: LegEnded, Channel: "c1"})
		if got := describe(m.Take()); got != "started" {
			t.Errorf("routed mailbox: %q, want started", got)
		}
		if got := describe(c.Unrouted().Take()); got != "started ended:0" {
			t.Errorf("Unrouted: %q, want the unrouted leg's start and the unrouted end", got)
		}
	})

	t.Run("RingingAndAnsweredOncePerLeg", func(t *testing.T) {
		t.Parallel()
		c := offlineClient(t)
		for _, k := range []EventKind{LegRinging, LegRinging, LegAnswered, LegRinging, LegAnswered} {
			c.routes.deliver("c1", Event{Kind: k, Channel: "c1"})
		}
		c.routes.deliver("c2", Event{Kind: LegAnswered, Channel: "c2"})
		if got := describe(c.Unrouted().Take()); got != "ringing answered answered" {
			t.Errorf("got %q, want c1 ringing and answered once, then c2 answered", got)
		}
	})

	t.Run("FullMailboxCountsDrops", func(t *testing.T) {
		t.Parallel()
		c := offlineClient(t)
		m := NewMailbox(1)
		c.Route("c1", m)
		for range 3 {
			c.routes.deliver("c1", Event{Kind: Digit, Channel: "c1"})
		}
		if got := value(t, c.metrics.dropped); got != 2 || m.Dropped() != 2 {
			t.Errorf("dropped metric %v, mailbox %d; want 2 and 2", got, m.Dropped())
		}
	})

	t.Run("WaiterWokenByStasisStart", func(t *testing.T) {
		t.Parallel()
		c := offlineClient(t)
		started, cancel := c.routes.awaitStart("c1")
		defer cancel()
		c.routes.deliver("c1", Event{Kind: LegStarted, Channel: "c1"})
		if err := <-started; err != nil {
			t.Fatalf("woken with %v, want nil", err)
		}
	})

	t.Run("WaiterWokenByEnd", func(t *testing.T) {
		t.Parallel()
		c := offlineClient(t)
		started, cancel := c.routes.awaitStart("c1")
		defer cancel()
		c.routes.deliver("c1", Event{Kind: LegEnded, Channel: "c1"})
		if err := <-started; !errors.Is(err, errLegEnded) {
			t.Fatalf("woken with %v, want errLegEnded", err)
		}
	})

	t.Run("WaiterWokenByDisconnect", func(t *testing.T) {
		t.Parallel()
		c := offlineClient(t)
		started, cancel := c.routes.awaitStart("c1")
		defer cancel()
		c.routes.disconnected()
		if err := <-started; !errors.Is(err, errDisconnected) {
			t.Fatalf("woken with %v, want errDisconnected", err)
		}
	})

	t.Run("CancelledWaiterForgotten", func(t *testing.T) {
		t.Parallel()
		c := offlineClient(t)
		_, cancel1 := c.routes.awaitStart("c1")
		started2, cancel2 := c.routes.awaitStart("c1")
		defer cancel2()
		cancel1()
		c.routes.deliver("c1", Event{Kind: LegStarted, Channel: "c1"})
		if err := <-started2; err != nil {
			t.Fatalf("remaining waiter woken with %v", err)
		}
		if n := len(c.routes.waiters); n != 0 {
			t.Fatalf("%d waiters left", n)
		}
	})
}
