package arisim

import (
	"slices"
	"testing"
	"time"
)

func TestFakeClock(t *testing.T) {
	t.Parallel()
	c := NewFakeClock(testStart)
	var got []string
	at := func(name string) func() {
		return func() { got = append(got, name+"@"+c.Now().Sub(testStart).String()) }
	}
	c.AfterFunc(3*time.Second, at("c"))
	c.AfterFunc(time.Second, at("a"))
	stopped := c.AfterFunc(2*time.Second, at("never"))
	c.AfterFunc(time.Second, func() {
		at("b")()
		// Scheduled by a callback, due within the same Advance.
		c.AfterFunc(500*time.Millisecond, at("nested"))
	})
	if !stopped.Stop() || stopped.Stop() {
		t.Fatal("Stop: want true once, then false")
	}
	c.Advance(2 * time.Second)
	if want := []string{"a@1s", "b@1s", "nested@1.5s"}; !slices.Equal(got, want) {
		t.Fatalf("after 2s: %v, want %v", got, want)
	}
	if c.Now() != testStart.Add(2*time.Second) || c.Pending() != 1 {
		t.Fatalf("now %v, %d pending", c.Now(), c.Pending())
	}
	c.Advance(time.Second)
	if len(got) != 4 || got[3] != "c@3s" || c.Pending() != 0 {
		t.Fatalf("after 3s: %v", got)
	}

	done := make(chan struct{})
	c.AfterFunc(0, func() { close(done) })
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("AfterFunc(0) did not run without Advance")
	}
}

func TestSystemClock(t *testing.T) {
	t.Parallel()
	c := SystemClock()
	done := make(chan struct{})
	c.AfterFunc(time.Millisecond, func() { close(done) })
	if c.AfterFunc(time.Hour, func() {}).Stop() != true {
		t.Fatal("Stop of a pending timer")
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("timer did not fire")
	}
	if time.Since(c.Now()) > time.Minute {
		t.Fatal("SystemClock is not the wall clock")
	}
}
