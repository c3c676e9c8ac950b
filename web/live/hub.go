// Package live tells open browser pages, by server-sent events, that a
// calling session changed, so dashboards, the sessions index and the
// supporters sheet follow the evening without a reload. One Hub per
// instance holds one LISTEN connection (queue.Store.Listen) and fans every
// notification out to the pages of its organisation: a browser never costs
// a database connection.
package live

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	mathrand "math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/supporterbase/callingsessions/queue"
)

// Listener is where notifications come from: *queue.Store. Listen calls fn
// with every notification until ctx ends (then it returns nil) or the
// connection fails (then it returns why).
type Listener interface {
	Listen(ctx context.Context, fn func(queue.Notification)) error
}

// Config tunes a Hub. The zero value gives the defaults below; tests shorten
// the intervals rather than sleep through them.
type Config struct {
	// Heartbeat is how often an idle stream sends a ping event, so proxies
	// keep the connection and live.js notices a dead one. Default 15 s.
	Heartbeat time.Duration
	// RetryHint is the reconnect delay the browser is told to use. Default 2 s.
	RetryHint time.Duration
	// WriteTimeout drops a client that has not taken a write in this long
	// (its network is gone, or it stopped reading). Default 10 s.
	WriteTimeout time.Duration
	// MinBackoff and MaxBackoff bound the wait before listening again after
	// the connection failed; it doubles, with jitter, while the database
	// stays away. Defaults 250 ms and 15 s.
	MinBackoff, MaxBackoff time.Duration
	// Replay is how many recent events the hub keeps to replay to a browser
	// that reconnects with Last-Event-ID. Default 1024 (about 40 KiB).
	Replay int
	// ClientBuffer is how many distinct (session, kind) changes wait for a
	// slow client before it is told to resync instead. Default 32.
	ClientBuffer int
	// Probe, when set, sends a notification on the channel the Listener
	// listens to (queue.NotifyChannel). The hub uses it to prove that LISTEN
	// is in place before it says it is listening and tells pages to resync:
	// a page that reloaded earlier could miss a change. Without it the hub
	// assumes so once Listen has run for Settle without failing.
	Probe func(ctx context.Context, n queue.Notification) error
	// Settle is that wait when there is no Probe. Default 1 s.
	Settle time.Duration
}

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.Heartbeat, 15*time.Second)
	def(&c.RetryHint, 2*time.Second)
	def(&c.WriteTimeout, 10*time.Second)
	def(&c.MinBackoff, 250*time.Millisecond)
	def(&c.MaxBackoff, 15*time.Second)
	def(&c.Settle, time.Second)
	if c.Replay <= 0 {
		c.Replay = 1024
	}
	if c.ClientBuffer <= 0 {
		c.ClientBuffer = 32
	}
	return c
}

// Hub fans the notifications of one LISTEN connection out to every open
// stream. Build one with New, run it with Run, and serve pages with
// ServeStream.
type Hub struct {
	listener Listener
	log      *slog.Logger
	cfg      Config
	// runName is random per hub and starts every event id, so an id from
	// another instance or an earlier process is never mistaken for ours.
	runName string
	stopped chan struct{} // closed when Run ends: every stream ends too

	mu        sync.Mutex
	seq       uint64 // id of the last event
	recent    ring
	clients   map[int64]map[*client]struct{} // by organisation
	count     int
	listening bool
	running   bool
	done      bool
	probe     probe
	watchers  []func(sessionID int64)
}

// probe is the notification the hub is waiting to hear back.
type probe struct {
	nonce int64
	heard chan struct{}
}

// probeKind marks the hub's own probes; they are never delivered.
const probeKind = "live-probe"

// New returns a hub over listener; nothing is listened to until Run.
func New(listener Listener, log *slog.Logger, cfg Config) *Hub {
	cfg = cfg.withDefaults()
	return &Hub{
		listener: listener,
		log:      log,
		cfg:      cfg,
		runName:  randomName(),
		stopped:  make(chan struct{}),
		recent:   newRing(cfg.Replay),
		clients:  map[int64]map[*client]struct{}{},
	}
}

// Run listens until ctx ends, then ends every stream and returns nil. When
// the connection fails (the database restarted, the backend was killed) it
// listens again after a backoff with jitter, and once listening tells every
// page to resync: notifications sent meanwhile are lost. A hub runs once.
func (h *Hub) Run(ctx context.Context) error {
	if err := h.start(); err != nil {
		return err
	}
	defer h.stop()
	backoff := h.cfg.MinBackoff
	for {
		listened, err := h.listenOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		h.setOffline()
		if listened {
			backoff = h.cfg.MinBackoff
		}
		wait := jitter(backoff)
		h.log.Warn("live updates: listening for changes failed; pages show offline until it is back",
			"err", err, "retry_in", wait)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		backoff = min(2*backoff, h.cfg.MaxBackoff)
	}
}

func (h *Hub) start() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.running || h.done {
		return errors.New("live: hub already run")
	}
	h.running = true
	return nil
}

func (h *Hub) stop() {
	h.mu.Lock()
	h.done, h.listening = true, false
	h.mu.Unlock()
	close(h.stopped)
}

// listenOnce holds one Listen call and reports whether it was confirmed as
// listening before it ended.
func (h *Hub) listenOnce(ctx context.Context) (listened bool, err error) {
	lctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { listened = h.confirm(lctx) })
	err = h.listener.Listen(lctx, h.receive)
	cancel()
	wg.Wait()
	if err == nil && ctx.Err() == nil {
		err = errors.New("listener stopped by itself")
	}
	if err != nil {
		err = fmt.Errorf("listen for session changes: %w", err)
	}
	return listened, err
}

// confirm waits until LISTEN is in place (the probe came back, or Listen
// has run for Settle), then marks the hub listening, which tells every page
// to resync. It reports false when ctx ended first.
func (h *Hub) confirm(ctx context.Context) bool {
	if h.cfg.Probe == nil {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(h.cfg.Settle):
		}
	} else if !h.probeUntilHeard(ctx) {
		return false
	}
	h.setListening()
	return true
}

// probeUntilHeard sends probes until one comes back through Listen.
func (h *Hub) probeUntilHeard(ctx context.Context) bool {
	heard := make(chan struct{})
	h.mu.Lock()
	h.probe = probe{nonce: mathrand.Int64N(1<<53) + 1, heard: heard}
	note := queue.Notification{SessionID: h.probe.nonce, Kind: probeKind}
	h.mu.Unlock()
	for wait := 50 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		if err := h.cfg.Probe(ctx, note); err != nil && ctx.Err() == nil {
			h.log.Debug("live updates: probe", "err", err)
		}
		select {
		case <-ctx.Done():
			return false
		case <-heard:
			return true
		case <-time.After(wait):
		}
	}
}

// receive is the Listener's callback: it runs on the listening goroutine,
// so it only queues, never waits for a browser.
func (h *Hub) receive(n queue.Notification) {
	if n.OrganisationID == 0 && n.Kind == probeKind {
		h.heardProbe(n.SessionID)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.tellWatchers(n.SessionID)
	h.publish(event{org: n.OrganisationID, session: n.SessionID, kind: n.Kind})
}

// OnChange has fn told of every change this instance hears, with its
// session, before any page is: a cache dropped by fn is never read again
// by the refresh a page makes on the event. After a gap in listening fn
// is told 0: anything may have changed. fn runs on the listening
// goroutine with the hub's lock held: it must be quick and must not call
// the hub. Call OnChange before Run.
func (h *Hub) OnChange(fn func(sessionID int64)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.watchers = append(h.watchers, fn)
}

// tellWatchers calls the OnChange functions. Called with h.mu held.
func (h *Hub) tellWatchers(sessionID int64) {
	for _, fn := range h.watchers {
		fn(sessionID)
	}
}

func (h *Hub) heardProbe(nonce int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.probe.heard != nil && h.probe.nonce == nonce {
		close(h.probe.heard)
		h.probe = probe{}
	}
}

// publish numbers ev, keeps it for replay and offers it to every client
// that wants it. ev.org 0 is for every organisation. Called with h.mu held.
func (h *Hub) publish(ev event) {
	h.seq++
	ev.seq = h.seq
	h.recent.add(ev)
	if ev.org != 0 {
		for c := range h.clients[ev.org] {
			c.offer(ev)
		}
		return
	}
	for _, org := range h.clients {
		for c := range org {
			c.offer(ev)
		}
	}
}

// setListening marks the hub listening and tells every page to reload what
// it shows: whatever changed while the hub was not listening was not told.
func (h *Hub) setListening() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.listening = true
	h.tellWatchers(0)
	h.publish(event{kind: kindResync})
	h.log.Info("live updates: listening for changes", "clients", h.count)
}

// setOffline tells every page that it no longer gets changes.
func (h *Hub) setOffline() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.listening = false
	for _, org := range h.clients {
		for c := range org {
			c.goOffline()
		}
	}
}

// Listening reports whether the hub is listening for changes now; the panel
// and /readyz can show it.
func (h *Hub) Listening() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.listening
}

// Clients returns how many streams are open (for a metrics gauge).
func (h *Hub) Clients() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.count
}

// Cursor returns the id of the last event. A page reads it before it reads
// the data it shows and passes it to its stream as ?since=, so a change
// between the two is replayed rather than lost.
func (h *Hub) Cursor() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.eventID(h.seq)
}

func (h *Hub) eventID(seq uint64) string {
	return h.runName + "-" + strconv.FormatUint(seq, 10)
}

// missedSince calls fn with each event after the one with id lastID, or
// returns false when the hub cannot prove what was missed: an id of another
// run, or one older than the replay ring. Called with h.mu held.
func (h *Hub) missedSince(lastID string, fn func(event)) bool {
	name, num, ok := strings.Cut(lastID, "-")
	if !ok || name != h.runName {
		return false
	}
	seq, err := strconv.ParseUint(num, 10, 64)
	if err != nil || seq > h.seq {
		return false
	}
	return h.recent.since(seq, fn)
}

// jitter returns a wait between half of d and d, so instances that lost the
// database together do not all come back in the same instant.
func jitter(d time.Duration) time.Duration {
	return d/2 + mathrand.N(d/2+1)
}

func randomName() string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("live: random hub name: %v", err)) // crypto/rand never fails on Linux
	}
	return hex.EncodeToString(b)
}
