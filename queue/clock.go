package queue

import "time"

// Clock tells the time. Every "now" in the product comes from one, so skips,
// cool-downs and calling hours are tested without sleeping.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns the current time.
func (SystemClock) Now() time.Time { return time.Now() }

// Clock returns the store's clock, so the layers above read the same "now"
// as the rules they call (the panel's "last activity 5 minutes ago").
func (s *Store) Clock() Clock { return s.clock }
