package ari

import (
	"errors"
	"sync"
)

// dispatcher hands each Event to the mailbox routed for its channel or
// bridge id, or to Unrouted. It runs on the reader's goroutine and never
// blocks: a mailbox Put is a slice append under a short lock.
type dispatcher struct {
	metrics  *metrics
	unrouted *Mailbox

	mu      sync.Mutex
	routes  map[string]*Mailbox
	legs    map[string]legSeen        // what was already delivered once per leg
	waiters map[string][]chan<- error // Dial waiting for a leg's StasisStart
}

// legSeen remembers that a leg's ringing or answer was delivered: Asterisk
// may report a state again (a second 180, a re-INVITE), and the call flow
// should see each at most once per leg.
type legSeen uint8

const (
	seenRinging legSeen = 1 << iota
	seenAnswered
)

// errLegEnded: the leg was destroyed before it entered our application.
var errLegEnded = errors.New("the leg ended before it entered the application")

func newDispatcher(m *metrics, unrouted *Mailbox) *dispatcher {
	return &dispatcher{
		metrics:  m,
		unrouted: unrouted,
		routes:   make(map[string]*Mailbox),
		legs:     make(map[string]legSeen),
		waiters:  make(map[string][]chan<- error),
	}
}

func (d *dispatcher) route(id string, m *Mailbox) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.routes[id] = m
}

// unroute also forgets the leg's ringing/answered memory, so a leg whose
// ChannelDestroyed never came (lost while disconnected) does not stay in
// memory for ever.
func (d *dispatcher) unroute(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.routes, id)
	delete(d.legs, id)
}

// deliver routes one Event by key.
func (d *dispatcher) deliver(key string, ev Event) {
	d.mu.Lock()
	switch ev.Kind {
	case LegRinging, LegAnswered:
		flag := seenRinging
		if ev.Kind == LegAnswered {
			flag = seenAnswered
		}
		if d.legs[key]&flag != 0 {
			d.mu.Unlock()
			return
		}
		d.legs[key] |= flag
	case LegStarted:
		d.wake(key, nil)
	case LegEnded:
		delete(d.legs, key)
		d.wake(key, errLegEnded)
	}
	m, ok := d.routes[key]
	if !ok {
		m = d.unrouted
	}
	d.mu.Unlock()
	if !m.Put(ev) {
		d.metrics.dropped.Inc()
	}
}

// connection tells Unrouted about Connected and Disconnected. These bypass
// the mailbox limit: losing a Connected would mean no reconciliation after
// a reconnect (R10.5), and there is at most one per connection attempt.
func (d *dispatcher) connection(ev Event) { d.unrouted.putAlways(ev) }

// awaitStart registers interest in the StasisStart of channel id. Register
// before channels/create: Asterisk may deliver StasisStart before create's
// response arrives, and a waiter registered afterwards would miss it. The
// channel receives nil on StasisStart or errLegEnded on ChannelDestroyed;
// call cancel when done waiting.
func (d *dispatcher) awaitStart(id string) (started <-chan error, cancel func()) {
	ch := make(chan error, 1)
	d.mu.Lock()
	d.waiters[id] = append(d.waiters[id], ch)
	d.mu.Unlock()
	return ch, func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		ws := d.waiters[id]
		for i, w := range ws {
			if w == ch {
				ws = append(ws[:i:i], ws[i+1:]...)
				break
			}
		}
		if len(ws) == 0 {
			delete(d.waiters, id)
		} else {
			d.waiters[id] = ws
		}
	}
}

// wake answers every waiter of id; d.mu must be held.
func (d *dispatcher) wake(id string, err error) {
	for _, w := range d.waiters[id] {
		w <- err // capacity 1, and each waiter is woken once: never blocks
	}
	delete(d.waiters, id)
}

// disconnected fails every waiter: a StasisStart sent while the websocket
// is down is never replayed, so waiting longer would only delay the error.
func (d *dispatcher) disconnected() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for id := range d.waiters {
		d.wake(id, errDisconnected)
	}
}
