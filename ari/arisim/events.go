package arisim

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/websocket"
)

// app is a Stasis application. It comes to exist when a websocket first
// subscribes to it (or a channel is created for it) and, as in Asterisk,
// outlives its websockets: its channels and bridges stay, and events sent
// while no websocket is connected are lost, never replayed.
type app struct {
	name       string
	conns      []*wsConn
	allowed    []typeFilter
	disallowed []typeFilter
}

// wants applies the event filter (PUT /applications/{app}/eventFilter): a
// non-empty allow-list lets only its types through, then the deny-list
// removes its types.
func (a *app) wants(eventType string) bool {
	is := func(f typeFilter) bool { return f.Type == eventType }
	if len(a.allowed) > 0 && !slices.ContainsFunc(a.allowed, is) {
		return false
	}
	return !slices.ContainsFunc(a.disallowed, is)
}

// appLocked returns the named application, creating it. The caller holds
// the lock.
func (s *Sim) appLocked(name string) *app {
	a := s.apps[name]
	if a == nil {
		a = &app{name: name, allowed: []typeFilter{}, disallowed: []typeFilter{}}
		s.apps[name] = a
	}
	return a
}

// listening returns the application if a websocket of it would receive an
// event of type typ, else nil. The caller holds the lock.
func (s *Sim) listening(appName, typ string) *app {
	a := s.apps[appName]
	if a == nil || len(a.conns) == 0 || !a.wants(typ) {
		return nil
	}
	return a
}

// emit stamps an event and queues it to every websocket of the application
// that has not filtered its type out. The caller holds the lock, which is
// what orders events; writing them is the connections' business.
func (s *Sim) emit(appName string, ev *eventJSON) {
	a := s.listening(appName, ev.Type)
	if a == nil {
		return
	}
	ev.Timestamp = formatTime(s.clock.Now())
	ev.AsteriskID = s.cfg.EntityID
	ev.Application = appName
	msg, err := json.Marshal(ev)
	if err != nil {
		return // cannot happen: the struct has only plain fields
	}
	s.record(Entry{Kind: "event", Body: msg})
	s.sendLocked(a, msg)
}

// sendLocked queues one message to each connection of a, cutting the ones
// whose queue is full. The caller holds the lock.
func (s *Sim) sendLocked(a *app, msg []byte) {
	s.sent++
	for i := 0; i < len(a.conns); i++ {
		c := a.conns[i]
		if !c.enqueue(msg) {
			s.dropConnLocked(c)
			i--
		}
	}
}

// Inject sends raw as one websocket message to every connection of the
// application, bypassing the event filter: for testing how a client copes
// with an unknown event type or malformed JSON.
func (s *Sim) Inject(appName string, raw []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.apps[appName]; a != nil {
		msg := append([]byte(nil), raw...)
		s.record(Entry{Kind: "event", Text: string(msg)})
		s.sendLocked(a, msg)
	}
}

// DropWebsockets closes every events websocket, as a network failure or an
// Asterisk-side timeout would. Applications, channels and bridges stay.
func (s *Sim) DropWebsockets() {
	s.mu.Lock()
	var conns []*wsConn
	for _, a := range s.apps {
		conns = append(conns, a.conns...)
	}
	for _, c := range conns {
		s.dropConnLocked(c)
	}
	s.mu.Unlock()
}

// dropConnLocked unsubscribes c from its applications and closes it.
func (s *Sim) dropConnLocked(c *wsConn) {
	for _, name := range c.apps {
		a := s.apps[name]
		if a == nil {
			continue
		}
		if i := slices.Index(a.conns, c); i >= 0 {
			a.conns = slices.Delete(a.conns, i, i+1)
		}
	}
	c.close()
}

// serveEvents is GET /ari/events?app=NAME[,NAME]: the websocket that
// carries the applications' events.
func (s *Sim) serveEvents(w http.ResponseWriter, r *http.Request) {
	var names []string
	for _, n := range strings.Split(r.URL.Query().Get("app"), ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		writeJSON(w, http.StatusBadRequest, errorJSON{Message: "Missing param 'app'"})
		return
	}
	s.mu.Lock()
	closed := s.closed
	if !closed {
		s.handlers.Add(1)
	}
	s.mu.Unlock()
	if closed {
		writeJSON(w, http.StatusServiceUnavailable, errorJSON{Message: "Asterisk is shutting down"})
		return
	}
	defer s.handlers.Done()
	c := newWSConn(names, s.cfg.QueueLimit)
	srv := websocket.Server{
		// Asterisk registers the applications before it completes the
		// upgrade, so a client may set the event filter as soon as its
		// websocket is open. ARI clients are not browsers: any Origin goes.
		Handshake: func(*websocket.Config, *http.Request) error { return s.subscribe(c) },
		Handler:   func(ws *websocket.Conn) { s.runConn(c, ws) },
	}
	srv.ServeHTTP(w, r)
	s.mu.Lock()
	s.dropConnLocked(c) // after a failed handshake too
	s.mu.Unlock()
}

func (s *Sim) subscribe(c *wsConn) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("arisim: closed")
	}
	for _, n := range c.apps {
		a := s.appLocked(n)
		a.conns = append(a.conns, c)
	}
	return nil
}

func (s *Sim) runConn(c *wsConn, ws *websocket.Conn) {
	ws.PayloadType = websocket.TextFrame
	if !c.attach(ws) {
		return // dropped before the upgrade finished
	}
	s.note("websocket connected: app=" + strings.Join(c.apps, ","))
	go c.writeLoop()
	// Read until the client goes away; ARI clients send nothing we use.
	var discard []byte
	for {
		if err := websocket.Message.Receive(ws, &discard); err != nil {
			break
		}
	}
	s.mu.Lock()
	s.dropConnLocked(c)
	s.mu.Unlock()
	<-c.finished
	s.note("websocket closed: app=" + strings.Join(c.apps, ","))
}

// wsConn is one events websocket with its own unbounded-but-limited send
// queue, drained by writeLoop: enqueue never blocks, so the simulator's lock
// is never held while a network write waits on a slow reader.
type wsConn struct {
	ws       *websocket.Conn // set by attach once the upgrade is done
	apps     []string
	limit    int
	mu       sync.Mutex
	queue    [][]byte
	closed   bool
	wake     chan struct{} // capacity 1: "the queue is not empty"
	done     chan struct{} // closed by close
	finished chan struct{} // closed when writeLoop has returned
}

func newWSConn(apps []string, limit int) *wsConn {
	return &wsConn{
		apps:     apps,
		limit:    limit,
		wake:     make(chan struct{}, 1),
		done:     make(chan struct{}),
		finished: make(chan struct{}),
	}
}

// attach gives the connection its websocket; false if it was closed
// meanwhile.
func (c *wsConn) attach(ws *websocket.Conn) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.ws = ws
	return true
}

// enqueue adds msg to the queue; false means the queue is full.
func (c *wsConn) enqueue(msg []byte) bool {
	c.mu.Lock()
	if len(c.queue) >= c.limit {
		c.mu.Unlock()
		return false
	}
	c.queue = append(c.queue, msg)
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
	return true
}

// writeTimeout bounds one network write; a reader that takes longer is
// gone as far as the simulator cares.
const writeTimeout = 10 * time.Second

func (c *wsConn) writeLoop() {
	defer close(c.finished)
	var batch [][]byte
	for {
		select {
		case <-c.done:
			return
		case <-c.wake:
		}
		c.mu.Lock()
		batch, c.queue = c.queue, batch[:0]
		c.mu.Unlock()
		for i, msg := range batch {
			select {
			case <-c.done:
				return
			default:
			}
			_ = c.ws.SetWriteDeadline(time.Now().Add(writeTimeout))
			if _, err := c.ws.Write(msg); err != nil {
				c.close()
				return
			}
			batch[i] = nil
		}
	}
}

// close stops the writer and closes the connection. The close itself runs
// in its own goroutine: websocket.Conn.Close waits for a write in progress,
// and the caller may hold the simulator's lock.
func (c *wsConn) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.closed = true
	close(c.done)
	if ws := c.ws; ws != nil {
		go func() {
			_ = ws.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
			_ = ws.Close()
		}()
	}
}
