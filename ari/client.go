package ari

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/CyCoreSystems/ari/v5/client/native"
	"github.com/prometheus/client_golang/prometheus"
)

// Defaults for Config.
const (
	DefaultMaxConnsPerHost = 32 // well under Asterisk's default sessionlimit of 100
	DefaultMinBackoff      = 100 * time.Millisecond
	DefaultMaxBackoff      = 5 * time.Second
)

// Config is how to reach Asterisk and what to call our application.
type Config struct {
	URL          string // ARI's root, "http://host:8088/ari"
	WebsocketURL string // "ws://host:8088/ari/events"; derived from URL when empty
	Username     string
	Password     string
	Application  string // the Stasis application name (extensions.conf sends calls to it)
	// DialString is the endpoint of an outbound leg, with {number} replaced
	// by the E.164 number: "PJSIP/{number}@trunk" (SPEC R10.2).
	DialString string
	// MaxConnsPerHost bounds the REST connection pool (DefaultMaxConnsPerHost
	// when 0). Keep it below Asterisk's http.conf sessionlimit.
	MaxConnsPerHost int
	Registerer      prometheus.Registerer // metrics go here; nil = not exported
	Logger          *slog.Logger          // nil = discard
	// MinBackoff and MaxBackoff bound the wait between websocket connection
	// attempts; it doubles from Min to Max, with jitter so that many servers
	// do not reconnect to a restarted Asterisk in lockstep.
	MinBackoff, MaxBackoff time.Duration
	// MailboxLimit bounds the Unrouted mailbox (DefaultMailboxLimit when 0).
	// Session mailboxes get theirs from NewMailbox.
	MailboxLimit int
}

// withDefaults validates c and fills in its defaults. Every problem names
// the field (R12).
func (c Config) withDefaults() (Config, error) {
	invalid := func(field, format string, args ...any) (Config, error) {
		return Config{}, fmt.Errorf("ari: config %s: %s: %w", field, fmt.Sprintf(format, args...), ErrInvalid)
	}
	u, err := url.Parse(c.URL)
	if c.URL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return invalid("URL", "%q is not an http(s) URL like http://host:8088/ari", c.URL)
	}
	if c.WebsocketURL == "" {
		ws := *u
		ws.Scheme = map[string]string{"http": "ws", "https": "wss"}[u.Scheme]
		ws.Path = strings.TrimSuffix(u.Path, "/") + "/events"
		c.WebsocketURL = ws.String()
	} else if w, err := url.Parse(c.WebsocketURL); err != nil || (w.Scheme != "ws" && w.Scheme != "wss") || w.Host == "" {
		return invalid("WebsocketURL", "%q is not a ws(s) URL like ws://host:8088/ari/events", c.WebsocketURL)
	}
	c.URL = strings.TrimSuffix(c.URL, "/")
	switch {
	case c.Username == "":
		return invalid("Username", "required")
	case c.Password == "":
		return invalid("Password", "required")
	case c.Application == "":
		return invalid("Application", "required")
	case !strings.Contains(c.DialString, "{number}"):
		return invalid("DialString", "%q must contain {number}, e.g. PJSIP/{number}@trunk", c.DialString)
	case c.MaxConnsPerHost < 0:
		return invalid("MaxConnsPerHost", "%d is negative", c.MaxConnsPerHost)
	case c.MinBackoff < 0 || c.MaxBackoff < 0:
		return invalid("MinBackoff", "backoffs must not be negative")
	case c.MailboxLimit < 0:
		return invalid("MailboxLimit", "%d is negative", c.MailboxLimit)
	}
	if c.MaxConnsPerHost == 0 {
		c.MaxConnsPerHost = DefaultMaxConnsPerHost
	}
	if c.MinBackoff == 0 {
		c.MinBackoff = DefaultMinBackoff
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = max(DefaultMaxBackoff, c.MinBackoff)
	}
	if c.MaxBackoff < c.MinBackoff {
		return invalid("MaxBackoff", "%v is below MinBackoff %v", c.MaxBackoff, c.MinBackoff)
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// Client is the Telephony of a real (or simulated) Asterisk. REST calls go
// through ari/v5's native client; events come from the adapter's own
// websocket reader (reader.go says why) and are routed to mailboxes.
type Client struct {
	cfg      Config
	log      *slog.Logger
	metrics  *metrics
	rest     *native.Client
	http     *http.Client // the same bounded pool, for the call ari/v5 lacks (event filter)
	routes   *dispatcher
	ctx      context.Context // ends at Close; bounds the reader and every wait
	cancel   context.CancelFunc
	done     chan struct{} // closed when the reader has stopped
	closeOne sync.Once

	mu       sync.Mutex
	readyErr error // nil while connected with the filter set
}

var _ Telephony = (*Client)(nil)

// errClosed is Ready's answer after Close.
var errClosed = errors.New("ari: client closed")

// Connect validates cfg and starts the events reader. It returns without
// waiting for Asterisk: Ready says when the connection is up, and a
// Connected event arrives in Unrouted. ctx only bounds Connect itself; the
// client lives until Close.
func Connect(ctx context.Context, cfg Config) (*Client, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("ari: connect: %w", err)
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	hc := &http.Client{Transport: newTransport(cfg.MaxConnsPerHost), Timeout: restTimeout}
	rest := native.New(&native.Options{
		Application:  cfg.Application,
		URL:          cfg.URL,
		WebsocketURL: cfg.WebsocketURL,
		Username:     cfg.Username,
		Password:     cfg.Password,
	})
	if err := useHTTPClient(rest, hc); err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	c := &Client{
		cfg:      cfg,
		log:      cfg.Logger.With("ari_app", cfg.Application),
		metrics:  m,
		rest:     rest,
		http:     hc,
		routes:   newDispatcher(m, NewMailbox(cfg.MailboxLimit)),
		ctx:      runCtx,
		cancel:   cancel,
		done:     make(chan struct{}),
		readyErr: errors.New("ari: events websocket not connected yet"),
	}
	go c.readEvents()
	return c, nil
}

// Close stops the reader, ends every wait in progress (a Dial waiting for
// StasisStart returns an error) and closes idle connections. Channels in
// Asterisk are left alone: they belong to the calls, not to the connection.
func (c *Client) Close() {
	c.closeOne.Do(func() {
		c.cancel()
		<-c.done
		c.setReady(errClosed)
		c.http.CloseIdleConnections()
	})
}

// Ready is nil while the events websocket is up and the event filter set;
// otherwise it says what is wrong (for /readyz).
func (c *Client) Ready() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.readyErr
}

func (c *Client) setReady(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.readyErr == errClosed {
		return
	}
	c.readyErr = err
}

// Route sends events about the channel or bridge id to m from now on.
// Route a leg's channel id before Dial, so its first events are not
// delivered to Unrouted.
func (c *Client) Route(id string, m *Mailbox) { c.routes.route(id, m) }

// Unroute stops routing id; its later events go to Unrouted.
func (c *Client) Unroute(id string) { c.routes.unroute(id) }

// Unrouted receives events about ids nobody routed (a leg left over from
// before a restart, an inbound call) and the connection's Connected and
// Disconnected events, which are never dropped.
func (c *Client) Unrouted() *Mailbox { return c.routes.unrouted }

// call runs one ari/v5 REST call about id, timed under op. ari/v5's calls
// take no context: ctx is checked before the call, and restTimeout on the
// http.Client bounds the call itself. notFound lists statuses besides 404
// that mean "gone" for this call.
func (c *Client) call(ctx context.Context, method, op, id string, fn func() error, notFound ...int) error {
	if id == "" {
		return fmt.Errorf("ari: %s: empty id: %w", op, ErrInvalid)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("ari: %s %s: %w", op, id, err)
	}
	start := time.Now()
	err := fn()
	c.metrics.observeREST(method, op, start)
	return restError(op, id, err, notFound...)
}
