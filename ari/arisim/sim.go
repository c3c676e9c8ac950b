package arisim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Config configures a Sim.
type Config struct {
	// Username and Password are the ARI credentials (basic auth, or the
	// api_key=user:pass query parameter, on every /ari route). Required.
	Username, Password string
	// Clock drives every delay; nil means SystemClock().
	Clock Clock
	// EntityID is the asterisk_id of every event.
	EntityID string
	// DefaultScript is what a phone without a script does (see SetScript);
	// the zero Script answers at once.
	DefaultScript Script

	// StasisDelay is how long after POST /channels/create answers the new
	// channel enters the application (ChannelDialplan, StasisStart). Real
	// Asterisk sometimes answers the create first, so a dial sent at once
	// gets 409 "Channel not in Stasis application" (recording
	// create-dial-race); a positive delay reproduces that every time. Zero
	// means the channel is in the application before create answers.
	StasisDelay time.Duration
	// SoundDuration is how long a "sound:" (or any non-tone) playback plays
	// before PlaybackFinished; default 2 s. "tone:" playbacks play until
	// stopped.
	SoundDuration time.Duration
	// ToneZones are the tone zones Asterisk's indications.conf loads; the
	// first is the default zone ([general] country). "tone:" media plays
	// in the zone it names (";tonezone=uk") or the default one; with no
	// such zone loaded it fails at once, PlaybackFinished with state
	// "failed" (recording ringback-without-indications). Empty: no
	// indications.conf, so every tone fails.
	ToneZones []string
	// Endpoints lists the PJSIP endpoint names (the part after "@") that
	// exist; dialling another fails with 500 "Allocation failed", as
	// recording errors shows. Empty means every name exists.
	Endpoints []string
	// QueueLimit bounds the messages waiting to be written to one events
	// websocket; past it the simulator cuts that connection, as Asterisk
	// cuts a reader that falls behind. Default 100,000.
	QueueLimit int
	// TranscriptLimit bounds the entries Transcript keeps (the oldest go
	// first). Default 10,000.
	TranscriptLimit int
}

const (
	defaultEntityID        = "02:fc:00:00:00:01"
	defaultSoundDuration   = 2 * time.Second
	defaultQueueLimit      = 100_000
	defaultTranscriptLimit = 10_000
	maxBodyBytes           = 1 << 20
)

// Sim is an in-process Asterisk speaking ARI: REST under /ari, the events
// websocket at /ari/events, and a control API under /sim. All its state is
// guarded by one mutex; events are queued per websocket connection and
// written by that connection's own goroutine, so a slow reader never holds
// the lock.
type Sim struct {
	cfg      Config
	clock    Clock
	mux      *http.ServeMux
	endpoint map[string]bool
	started  time.Time

	mu        sync.Mutex
	apps      map[string]*app
	channels  map[string]*channel
	bridges   map[string]*bridge
	playbacks map[string]*playback
	scripts   map[string]Script
	fails     []failure
	seq       uint64 // ids and creation order
	sent      uint64 // websocket messages queued, for tests
	closed    bool
	timers    map[*simTimer]struct{}
	invites   []Invite
	toneZones map[string]bool

	tmu        sync.Mutex // transcript only; taken inside mu, never around it
	transcript []Entry
	tStart     time.Time

	handlers sync.WaitGroup // websocket handler goroutines
	server   *http.Server
	baseURL  string
}

// New returns a Sim that is not listening; serve it with its ServeHTTP (for
// example through httptest.NewServer) or use Start. It panics without
// Username and Password: a simulator open to anyone would hide a missing
// credential in the client.
func New(cfg Config) *Sim {
	if err := cfg.validate(); err != nil {
		panic(err)
	}
	if cfg.Clock == nil {
		cfg.Clock = SystemClock()
	}
	if cfg.EntityID == "" {
		cfg.EntityID = defaultEntityID
	}
	if cfg.SoundDuration <= 0 {
		cfg.SoundDuration = defaultSoundDuration
	}
	if cfg.QueueLimit <= 0 {
		cfg.QueueLimit = defaultQueueLimit
	}
	if cfg.TranscriptLimit <= 0 {
		cfg.TranscriptLimit = defaultTranscriptLimit
	}
	s := &Sim{
		cfg:       cfg,
		clock:     cfg.Clock,
		apps:      map[string]*app{},
		channels:  map[string]*channel{},
		bridges:   map[string]*bridge{},
		playbacks: map[string]*playback{},
		scripts:   map[string]Script{},
		timers:    map[*simTimer]struct{}{},
		tStart:    cfg.Clock.Now(),
	}
	s.started = s.tStart
	s.toneZones = map[string]bool{}
	for _, z := range cfg.ToneZones {
		s.toneZones[z] = true
	}
	if len(cfg.Endpoints) > 0 {
		s.endpoint = map[string]bool{}
		for _, e := range cfg.Endpoints {
			s.endpoint[e] = true
		}
	}
	s.routes()
	return s
}

func (cfg Config) validate() error {
	if cfg.Username == "" || cfg.Password == "" {
		return errors.New("arisim: Config.Username and Config.Password are required")
	}
	return nil
}

// Start returns a Sim listening on a free loopback port.
func Start(cfg Config) (*Sim, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := New(cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("arisim: listen: %w", err)
	}
	s.baseURL = "http://" + ln.Addr().String()
	s.server = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.server.Serve(ln) }()
	return s, nil
}

// URL is the ARI base URL ("http://127.0.0.1:PORT/ari"); empty unless the
// Sim was made by Start.
func (s *Sim) URL() string {
	if s.baseURL == "" {
		return ""
	}
	return s.baseURL + "/ari"
}

// WebsocketURL is the events websocket ("ws://127.0.0.1:PORT/ari/events");
// empty unless the Sim was made by Start.
func (s *Sim) WebsocketURL() string {
	if s.baseURL == "" {
		return ""
	}
	return "ws" + strings.TrimPrefix(s.baseURL, "http") + "/ari/events"
}

// Close stops the server, every timer and every websocket. Calls after
// Close answer 503.
func (s *Sim) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	for t := range s.timers {
		t.stop()
	}
	var conns []*wsConn
	for _, a := range s.apps {
		conns = append(conns, a.conns...)
		a.conns = nil
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.close()
	}
	if s.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = s.server.Shutdown(ctx)
		cancel()
		_ = s.server.Close()
	}
	waitGroupTimeout(&s.handlers, 2*time.Second)
}

func waitGroupTimeout(wg *sync.WaitGroup, d time.Duration) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
	}
}

// nextID returns a fresh sequence number; channel ids look like Asterisk's
// ("1795460542.51": creation second, sequence).
func (s *Sim) nextID() uint64 {
	s.seq++
	return s.seq
}

func (s *Sim) uuid() string {
	n := s.nextID()
	return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", uint32(n*2654435761), n&0xffff, n&0xfff, (n>>12)&0xfff, n)
}

// simTimer is a clock timer owned by a channel or playback, so hangups and
// Restart stop everything a call had pending.
type simTimer struct {
	t       Timer
	stopped bool
}

func (t *simTimer) stop() {
	t.stopped = true
	if t.t != nil {
		t.t.Stop()
	}
}

// after runs f with the lock held once d has passed, unless the timer was
// stopped first. The caller holds the lock. With d <= 0, f runs at once,
// inline: zero-delay steps of a call (a phone answering without ringing)
// are then part of the request that caused them, which keeps the event
// order deterministic with any clock.
func (s *Sim) after(d time.Duration, f func()) *simTimer {
	st := &simTimer{}
	if d <= 0 {
		f()
		st.stopped = true
		return st
	}
	s.timers[st] = struct{}{}
	st.t = s.clock.AfterFunc(d, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.timers, st)
		if st.stopped || s.closed {
			return
		}
		st.stopped = true
		f()
	})
	return st
}

func (s *Sim) cancel(st *simTimer) {
	if st == nil {
		return
	}
	st.stop()
	delete(s.timers, st)
}
