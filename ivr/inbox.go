package ivr

import "sync"

// inbox holds a driver's events from outside its goroutine: timers, the
// engine (the panel hung up, a reconnect, an audit) and retries. Unlike a
// mailbox of Asterisk's events it never drops one: each is the only word of
// something that will not be said again (a maximum duration reached, the
// phone no longer wanted). Its size is bounded by its senders: a timer fires
// once, the engine sends a driver at most one event per renewal and
// reconciliation.
type inbox struct {
	mu     sync.Mutex
	events []event
	ready  chan struct{} // capacity 1: "something is waiting"
}

func newInbox() *inbox { return &inbox{ready: make(chan struct{}, 1)} }

// put adds ev; it never blocks.
func (b *inbox) put(ev event) {
	b.mu.Lock()
	b.events = append(b.events, ev)
	b.mu.Unlock()
	select {
	case b.ready <- struct{}{}:
	default: // a signal is pending; take sees ev too
	}
}

// take returns every waiting event in order and empties the inbox.
func (b *inbox) take() []event {
	b.mu.Lock()
	defer b.mu.Unlock()
	evs := b.events
	b.events = nil
	return evs
}
