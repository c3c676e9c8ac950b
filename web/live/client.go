package live

import "sync"

// Filter says whether a page watches a session of its organisation. It is
// called on the hub's goroutine for every change, so it must answer from
// memory at once: no database, no locks of the page's own.
type Filter func(sessionID int64) bool

// AllSessions watches every session of the organisation (the sessions
// index; it reloads with the user's own view of them).
func AllSessions(int64) bool { return true }

// Sessions watches the given sessions only (one dashboard, or the sessions
// a captain may see).
func Sessions(ids ...int64) Filter {
	if len(ids) == 1 {
		id := ids[0]
		return func(s int64) bool { return s == id }
	}
	set := make(map[int64]struct{}, len(ids))
	for _, id := range ids {
		set[id] = struct{}{}
	}
	return func(s int64) bool { _, ok := set[s]; return ok }
}

// client is one open stream. The hub queues changes for it without ever
// waiting; its stream goroutine takes and writes them. A client that falls
// behind holds at most limit distinct changes (one per session and kind:
// a page reloads the same thing however often it is told), and past that
// only a resync: its memory stays small however slow it is.
type client struct {
	org   int64
	watch Filter
	limit int
	wake  chan struct{} // cap 1: something waits to be written

	mu       sync.Mutex
	pending  []event // distinct (session, kind), oldest first
	resync   bool    // send a resync, with id resyncAt, instead of pending
	resyncAt uint64
	offline  bool // the hub stopped listening; not yet told
}

func newClient(org int64, watch Filter, limit int) *client {
	if watch == nil {
		watch = AllSessions
	}
	return &client{org: org, watch: watch, limit: limit, wake: make(chan struct{}, 1)}
}

// wants reports whether the client's page shows something ev changed.
func (c *client) wants(ev event) bool {
	return ev.kind == kindResync || (ev.org == c.org && c.watch(ev.session))
}

// offer queues ev if the client wants it, and wakes its stream.
func (c *client) offer(ev event) {
	if !c.wants(ev) {
		return
	}
	c.mu.Lock()
	c.queue(ev)
	c.mu.Unlock()
	c.poke()
}

// queue adds ev to what waits, collapsing it with an earlier change of the
// same session and kind. Called with c.mu held.
func (c *client) queue(ev event) {
	switch {
	case ev.kind == kindResync:
		c.pending, c.offline = c.pending[:0], false
		c.resync, c.resyncAt = true, ev.seq
	case c.resync:
		// The page reloads everything after the resync anyway; moving its id
		// on says it covers this change too.
		c.resyncAt = ev.seq
	default:
		c.append(ev)
	}
}

func (c *client) append(ev event) {
	for i, p := range c.pending {
		if p.session == ev.session && p.kind == ev.kind {
			// Moved to the end, so the stream's ids keep rising.
			copy(c.pending[i:], c.pending[i+1:])
			c.pending[len(c.pending)-1] = ev
			return
		}
	}
	if len(c.pending) == c.limit {
		c.pending = c.pending[:0]
		c.resync, c.resyncAt = true, ev.seq
		return
	}
	c.pending = append(c.pending, ev)
}

func (c *client) goOffline() {
	c.mu.Lock()
	c.offline = true
	c.mu.Unlock()
	c.poke()
}

func (c *client) poke() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// waiting is what a stream writes next, in this order: a resync came
// before any change still queued (it absorbs later ones), and going offline
// came after both (a resync clears it).
type waiting struct {
	offline  bool
	resync   bool
	resyncAt uint64
	changes  []event
}

// take moves what waits into w, reusing w.changes' array.
func (c *client) take(w *waiting) {
	c.mu.Lock()
	defer c.mu.Unlock()
	w.offline, w.resync, w.resyncAt = c.offline, c.resync, c.resyncAt
	w.changes = append(w.changes[:0], c.pending...)
	c.offline, c.resync, c.pending = false, false, c.pending[:0]
}
