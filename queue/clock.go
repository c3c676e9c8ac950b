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
