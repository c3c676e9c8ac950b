package ari

import "sync"

// DefaultMailboxLimit bounds a mailbox when no limit is given. A call
// session sees a few events a second; thousands waiting means its goroutine
// is stuck, and holding more would only grow memory.
const DefaultMailboxLimit = 4096

// Mailbox is the queue between the websocket reader and one consumer (a
// call session, or whoever drains Unrouted). Put never blocks, so a slow
// session can never stall the reader (Asterisk cuts a websocket that falls
// behind, and then every session loses events). Past its limit a mailbox
// drops the newest events and counts them: the consumer learns it missed
// something from Dropped and reconciles, instead of everyone else suffering.
//
// Consumers wait on Ready and then Take everything:
//
//	for {
//		select {
//		case <-ctx.Done():
//			return
//		case <-m.Ready():
//			for _, e := range m.Take() { ... }
//		}
//	}
type Mailbox struct {
	mu      sync.Mutex
	events  []Event
	limit   int
	dropped int64
	ready   chan struct{} // capacity 1: "something is waiting"
}

// NewMailbox returns an empty mailbox holding at most limit events
// (DefaultMailboxLimit when limit <= 0).
func NewMailbox(limit int) *Mailbox {
	if limit <= 0 {
		limit = DefaultMailboxLimit
	}
	return &Mailbox{limit: limit, ready: make(chan struct{}, 1)}
}

// Put appends e, or drops it when the mailbox is full. It reports whether e
// was kept. It never blocks.
func (m *Mailbox) Put(e Event) bool {
	m.mu.Lock()
	if len(m.events) >= m.limit {
		m.dropped++
		m.mu.Unlock()
		return false
	}
	m.events = append(m.events, e)
	m.mu.Unlock()
	m.signal()
	return true
}

// putAlways appends e even past the limit, for the rare events that must
// not be lost (Connected, Disconnected).
func (m *Mailbox) putAlways(e Event) {
	m.mu.Lock()
	m.events = append(m.events, e)
	m.mu.Unlock()
	m.signal()
}

func (m *Mailbox) signal() {
	select {
	case m.ready <- struct{}{}:
	default: // a signal is already pending; Take will see the new events too
	}
}

// Ready receives when events wait. One receive may stand for many events:
// always Take them all.
func (m *Mailbox) Ready() <-chan struct{} { return m.ready }

// Take returns every waiting event in arrival order and empties the mailbox
// (nil when none waits).
func (m *Mailbox) Take() []Event {
	m.mu.Lock()
	defer m.mu.Unlock()
	events := m.events
	m.events = nil
	return events
}

// Dropped is how many events this mailbox has refused since it was made.
func (m *Mailbox) Dropped() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.dropped
}
