package live

// event is one thing pages are told, numbered in the order the hub heard it.
type event struct {
	seq     uint64
	org     int64  // 0: every organisation (a resync after the hub was away)
	session int64  // 0 with kindResync
	kind    string // a queue.Notification kind, or kindResync
}

// kindResync tells a page to reload what it shows: changes were lost.
const kindResync = "resync"

// ring keeps the latest events for browsers that reconnect with
// Last-Event-ID. Events are added in seq order with no gaps.
type ring struct {
	events []event
	next   int // where the next event goes
	full   bool
}

func newRing(size int) ring { return ring{events: make([]event, size)} }

func (r *ring) add(ev event) {
	r.events[r.next] = ev
	r.next = (r.next + 1) % len(r.events)
	if r.next == 0 {
		r.full = true
	}
}

// since calls fn with each event after seq, oldest first, or returns
// false when some of them are gone already. seq must not be beyond the last
// event added.
func (r *ring) since(seq uint64, fn func(event)) bool {
	n := r.len()
	if n == 0 || seq >= r.at(n-1).seq {
		// Nothing newer; a hub that has kept nothing has heard nothing.
		return true
	}
	oldest := r.at(0).seq
	if seq+1 < oldest {
		return false
	}
	for i := int(seq + 1 - oldest); i < n; i++ {
		fn(r.at(i))
	}
	return true
}

func (r *ring) len() int {
	if r.full {
		return len(r.events)
	}
	return r.next
}

// at returns the i-th event held, oldest first.
func (r *ring) at(i int) event {
	if r.full {
		i = (r.next + i) % len(r.events)
	}
	return r.events[i]
}
