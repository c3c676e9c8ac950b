package ari

// The adapter reads the events websocket itself instead of using ari/v5's
// native.Client.Connect, whose reader in v5.3.1
//   - calls bus.Send(nil) for an event type it cannot decode, which panics
//     and kills the process (Asterisk 22 sends types v5.3.1 lacks:
//     ChannelToneDetected, ChannelTransfer, CallBroadcast, ...);
//   - hands events to subscriptions with a 100-event buffer that silently
//     drops the rest;
//   - reconnects on a fixed 1 s, with no callback, so nobody learns that
//     events were missed (Asterisk does not queue them for a disconnected
//     application).
// So ari/v5 is used for REST only, and this reader dials
// GET /ari/events?app=NAME with golang.org/x/net/websocket (the library
// ari/v5 uses), decodes with ari/v5's own ari.DecodeEvent, and:
//   - counts and skips an unknown or malformed message, never fatal;
//   - sets the application's event filter (PUT /applications/{app}/eventFilter,
//     an allow-list of handledTypes) on every connect, since the filter dies
//     with the application when Asterisk restarts;
//   - never blocks: each event goes to a mailbox whose Put cannot wait
//     (Asterisk cuts a websocket reader that falls behind);
//   - reconnects with exponential backoff and jitter, and tells the call
//     flow: Disconnected then Connected in Unrouted, Ready, and metrics, so
//     it reconciles its calls with Application() after every reconnect.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"time"

	ariv5 "github.com/CyCoreSystems/ari/v5"
	"golang.org/x/net/websocket"
)

// maxMessageBytes bounds one websocket message. ARI events are a few KB; a
// larger message is counted as malformed and skipped.
const maxMessageBytes = 1 << 20

// connectTimeout bounds the websocket handshake plus the event filter PUT.
const connectTimeout = 10 * time.Second

// readEvents is the reader goroutine: connect, read until the connection
// breaks, back off, again, until Close.
func (c *Client) readEvents() {
	defer close(c.done)
	failures := 0
	connectedBefore := false
	for {
		ws, err := c.connectEvents()
		if err == nil {
			failures = 0
			c.connected(connectedBefore)
			connectedBefore = true
			err = c.receive(ws)
			c.disconnected(err)
		}
		if c.ctx.Err() != nil {
			return
		}
		failures++
		wait := backoff(c.cfg.MinBackoff, c.cfg.MaxBackoff, failures)
		c.log.Warn("ARI events websocket down; retrying", "error", err, "retry_in", wait)
		c.setReady(fmt.Errorf("ari: events websocket not connected: %w", err))
		select {
		case <-c.ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// backoff is the wait before attempt n (1-based): min doubled n-1 times,
// capped at max, then a random point in its upper half ("equal jitter"), so
// the wait keeps growing yet servers restarted together spread out.
func backoff(lo, hi time.Duration, n int) time.Duration {
	d := lo
	for i := 1; i < n && d < hi; i++ {
		d *= 2
	}
	d = min(d, hi)
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2+1)
}

// connectEvents opens the websocket and sets the event filter.
func (c *Client) connectEvents() (*websocket.Conn, error) {
	ctx, cancel := context.WithTimeout(c.ctx, connectTimeout)
	defer cancel()
	cfg, err := websocket.NewConfig(c.cfg.WebsocketURL+"?"+url.Values{"app": {c.cfg.Application}}.Encode(), "http://localhost/")
	if err != nil {
		return nil, fmt.Errorf("websocket config: %w", err)
	}
	cfg.Header.Set("Authorization", basicAuth(c.cfg.Username, c.cfg.Password))
	// No event may arrive for minutes on a quiet system, so a vanished
	// Asterisk host (no FIN) shows only through TCP keepalives: probe
	// after 10 s idle, every 5 s, give up after 3, so a dead connection is
	// noticed in about 25 s rather than the system default of hours.
	cfg.Dialer = &net.Dialer{Timeout: connectTimeout, KeepAliveConfig: net.KeepAliveConfig{
		Enable: true, Idle: 10 * time.Second, Interval: 5 * time.Second, Count: 3,
	}}
	ws, err := cfg.DialContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", c.cfg.WebsocketURL, err)
	}
	ws.MaxPayloadBytes = maxMessageBytes
	// The application exists in Asterisk once its websocket is open, so the
	// filter can only be set now. Events sent before it takes effect are
	// read normally; types outside it are counted and skipped.
	if err := c.setEventFilter(ctx); err != nil {
		ws.Close()
		return nil, err
	}
	return ws, nil
}

func basicAuth(user, password string) string {
	req := http.Request{Header: http.Header{}}
	req.SetBasicAuth(user, password)
	return req.Header.Get("Authorization")
}

// setEventFilter allows exactly handledTypes. ari/v5 v5.3.1 has no call
// for it.
func (c *Client) setEventFilter(ctx context.Context) error {
	type eventType struct {
		Type string `json:"type"`
	}
	body := struct {
		Allowed []eventType `json:"allowed"`
	}{}
	for _, t := range handledTypes {
		body.Allowed = append(body.Allowed, eventType{t})
	}
	return c.send(ctx, http.MethodPut, "application_event_filter", c.cfg.Application,
		"/applications/"+url.PathEscape(c.cfg.Application)+"/eventFilter", body, http.StatusOK)
}

// receive reads messages until the connection breaks or the client closes.
func (c *Client) receive(ws *websocket.Conn) error {
	stop := context.AfterFunc(c.ctx, func() { ws.Close() })
	defer stop()
	defer ws.Close()
	for {
		var data []byte
		err := websocket.Message.Receive(ws, &data)
		if errors.Is(err, websocket.ErrFrameTooLarge) {
			c.metrics.malformed.Inc()
			c.log.Warn("ARI event too large; skipped", "limit_bytes", maxMessageBytes)
			continue
		}
		if err != nil {
			return fmt.Errorf("read: %w", err)
		}
		c.handle(data, time.Now())
	}
}

// handle decodes one message and dispatches its Event. Nothing here can
// fail the reader: a message it cannot use is counted and skipped.
func (c *Client) handle(data []byte, received time.Time) {
	e, err := ariv5.DecodeEvent(data)
	if err != nil {
		// ari/v5 fails both on garbage and on types it does not know; only
		// the latter is well-formed.
		var head struct {
			Type string `json:"type"`
		}
		if json.Unmarshal(data, &head) == nil && head.Type != "" && !handled[head.Type] {
			c.metrics.unknown.Inc()
			c.log.Debug("ARI event of an unknown type; skipped", "type", head.Type)
			return
		}
		c.metrics.malformed.Inc()
		c.log.Warn("malformed ARI event; skipped", "error", err, "bytes", len(data))
		return
	}
	typ := e.GetType()
	if !handled[typ] {
		c.metrics.unknown.Inc()
		c.log.Debug("ARI event of a type the adapter does not handle; skipped", "type", typ)
		return
	}
	c.metrics.received.WithLabelValues(typ).Inc()
	key, ev, ok := translate(e)
	if !ok {
		return
	}
	c.metrics.observeLag(ev.At, received)
	c.routes.deliver(key, ev)
}

// connected and disconnected publish the connection's state.
func (c *Client) connected(reconnect bool) {
	if reconnect {
		c.metrics.reconnect.Inc()
	}
	c.metrics.connected.Set(1)
	c.setReady(nil)
	c.log.Info("ARI events websocket connected", "reconnect", reconnect)
	c.routes.connection(Event{Kind: Connected, At: time.Now()})
}

func (c *Client) disconnected(err error) {
	c.metrics.connected.Set(0)
	c.setReady(fmt.Errorf("ari: events websocket lost: %w", err))
	c.routes.disconnected()
	c.routes.connection(Event{Kind: Disconnected, At: time.Now()})
}
