package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Event names on the wire; web/static/live.js turns them into DOM events.
const (
	// EventChange says a session changed: {"session_id":12,"kind":"queue"}.
	// It carries an id.
	EventChange = "change"
	// EventResync says changes were lost (the hub was not listening, the
	// page fell behind, or its Last-Event-ID cannot be replayed): reload
	// everything shown. It carries an id.
	EventResync = "resync"
	// EventStatus says the hub stopped listening: {"live":false}. Changes
	// resume with a resync. No id, so Last-Event-ID stays the last change.
	EventStatus = "status"
	// EventPing is sent after Heartbeat of silence. No id.
	EventPing = "ping"
)

var errHubStopped = errors.New("live: hub stopped")

// ServeStream streams to one page the changes of organisation org's
// sessions that watch accepts (nil: all of them), until the request ends or
// the hub stops. The caller has checked the login and that the user may see
// what watch lets through (R1.1, R1.2); org comes from the login, never
// from the URL.
//
// A browser reconnecting sends Last-Event-ID (EventSource does so itself; a
// page that opens a stream for the first time passes Hub.Cursor as
// ?since=). The missed changes are replayed when the hub still has them;
// when it cannot prove what was missed, the stream starts with a resync.
func (h *Hub) ServeStream(w http.ResponseWriter, r *http.Request, org int64, watch Filter) {
	if org <= 0 {
		h.log.Error("live updates: stream without an organisation", "path", r.URL.Path)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	c, err := h.subscribe(org, watch, lastEventID(r))
	if err != nil {
		// EventSource gives up on any status but 200; live.js opens it again.
		http.Error(w, "live updates are restarting", http.StatusServiceUnavailable)
		return
	}
	defer h.unsubscribe(c)
	s := &stream{w: w, rc: http.NewResponseController(w), hub: h}
	defer s.clearDeadline()
	if err := s.run(r.Context(), c); err != nil {
		// A page that went away is the usual end of a stream.
		h.log.Debug("live updates: stream ended", "err", err, "organisation_id", org)
	}
}

// lastEventID is what the page saw last: the header EventSource sends on
// reconnect, else the cursor the page was rendered with.
func lastEventID(r *http.Request) string {
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		return id
	}
	return r.URL.Query().Get("since")
}

func (h *Hub) subscribe(org int64, watch Filter, lastID string) (*client, error) {
	c := newClient(org, watch, h.cfg.ClientBuffer)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.done {
		return nil, errHubStopped
	}
	if h.clients[org] == nil {
		h.clients[org] = map[*client]struct{}{}
	}
	h.clients[org][c] = struct{}{}
	h.count++
	c.offline = !h.listening
	if lastID != "" {
		h.replay(c, lastID)
	}
	if c.offline || c.resync || len(c.pending) > 0 {
		c.poke()
	}
	return c, nil
}

// replay queues for c what it missed after lastID, or a resync. Called with
// h.mu held, so no event falls between the replay and the live ones.
func (h *Hub) replay(c *client, lastID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	replayed := h.missedSince(lastID, func(ev event) {
		if c.wants(ev) {
			c.queue(ev)
		}
	})
	if !replayed {
		c.queue(event{seq: h.seq, kind: kindResync})
	}
}

func (h *Hub) unsubscribe(c *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.clients[c.org], c)
	if len(h.clients[c.org]) == 0 {
		delete(h.clients, c.org)
	}
	h.count--
}

// stream writes one client's events as text/event-stream.
type stream struct {
	w   http.ResponseWriter
	rc  *http.ResponseController
	hub *Hub
	buf []byte
}

func (s *stream) run(ctx context.Context, c *client) error {
	if err := s.start(); err != nil {
		return err
	}
	heartbeat := time.NewTicker(s.hub.cfg.Heartbeat)
	defer heartbeat.Stop()
	var next waiting
	for {
		var err error
		select {
		case <-ctx.Done():
			return nil
		case <-s.hub.stopped:
			return nil
		case <-heartbeat.C:
			err = s.send(func() error { s.event(EventPing, "", "{}"); return nil })
		case <-c.wake:
			c.take(&next)
			err = s.send(func() error { return s.appendWaiting(&next) })
			heartbeat.Reset(s.hub.cfg.Heartbeat)
		}
		if err != nil {
			return err
		}
	}
}

// start sends the headers and the reconnect delay at once, so the browser
// knows it is connected before any change.
func (s *stream) start() error {
	h := s.w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	s.w.WriteHeader(http.StatusOK)
	return s.send(func() error {
		s.buf = append(s.buf, "retry: "...)
		s.buf = strconv.AppendInt(s.buf, s.hub.cfg.RetryHint.Milliseconds(), 10)
		s.buf = append(s.buf, "\n\n"...)
		return nil
	})
}

// send writes what build appends to s.buf and flushes it, giving up on a
// client that does not take it within WriteTimeout.
func (s *stream) send(build func() error) error {
	s.buf = s.buf[:0]
	if err := build(); err != nil {
		return err
	}
	if len(s.buf) == 0 {
		return nil
	}
	err := s.rc.SetWriteDeadline(time.Now().Add(s.hub.cfg.WriteTimeout))
	if err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	if _, err := s.w.Write(s.buf); err != nil {
		return err
	}
	if err := s.rc.Flush(); err != nil {
		return fmt.Errorf("flush event stream: %w", err)
	}
	if cap(s.buf) > 4096 {
		s.buf = nil // a burst's buffer is not kept for the life of the stream
	}
	return nil
}

func (s *stream) clearDeadline() {
	err := s.rc.SetWriteDeadline(time.Time{})
	if err != nil && !errors.Is(err, http.ErrNotSupported) {
		s.hub.log.Debug("live updates: clear write deadline", "err", err)
	}
}

func (s *stream) appendWaiting(next *waiting) error {
	if next.resync {
		s.event(EventResync, s.hub.eventID(next.resyncAt), "{}")
	}
	for _, ev := range next.changes {
		data, err := json.Marshal(change{SessionID: ev.session, Kind: ev.kind})
		if err != nil {
			return fmt.Errorf("change event: %w", err)
		}
		s.event(EventChange, s.hub.eventID(ev.seq), string(data))
	}
	if next.offline {
		s.event(EventStatus, "", `{"live":false}`)
	}
	return nil
}

// change is a change event's data. Small on purpose: the page reloads what
// it shows through its own, access-checked, routes.
type change struct {
	SessionID int64  `json:"session_id"`
	Kind      string `json:"kind"`
}

// event appends one event; an empty id leaves the browser's last id as is.
func (s *stream) event(name, id, data string) {
	s.buf = append(s.buf, "event: "...)
	s.buf = append(s.buf, name...)
	if id != "" {
		s.buf = append(s.buf, "\nid: "...)
		s.buf = append(s.buf, id...)
	}
	s.buf = append(s.buf, "\ndata: "...)
	s.buf = append(s.buf, data...)
	s.buf = append(s.buf, "\n\n"...)
}
