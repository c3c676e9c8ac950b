// Package ivr is the call flow: one state machine per live session (Call)
// that turns the queue and Asterisk into the leader's evening of calls, and
// the Engine that decides which sessions this instance drives.
package ivr

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/supporterbase/callingsessions/ari"
	"github.com/supporterbase/callingsessions/queue"
)

// Phone is what the flow needs of the telephony adapter: the Telephony
// commands, and events of the legs it routes to a session's mailbox.
// ari.Client implements it.
type Phone interface {
	ari.Telephony
	Route(id string, m *ari.Mailbox)
	Unroute(id string)
	Unrouted() *ari.Mailbox
}

// Clock tells the time and runs timers; tests use a fake one.
type Clock interface {
	Now() time.Time
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending AfterFunc.
type Timer = interface{ Stop() bool }

// Config of an Engine.
type Config struct {
	// Driver names this instance in phone leases. A restarted instance
	// keeps its name and finds its own calls at once; another instance
	// takes them over when the lease runs out.
	Driver string
	// Node names the Asterisk the calls go through, kept on call records.
	Node string
	// Lease is how long a phone is this instance's without renewal, in
	// the database's time (never this instance's clock, which may run
	// ahead); it is renewed, and other instances' expired leases looked
	// for, every RenewEvery (wall time; Lease/3 by default).
	Lease        time.Duration
	RenewEvery   time.Duration
	MailboxLimit int
	Clock        Clock
	Logger       *slog.Logger
	Registerer   prometheus.Registerer
}

// Engine drives the sessions whose leaders want their phone (R4): it takes
// phone requests under a lease, runs a driver per session, hands Asterisk's
// connection changes to reconciliation, and gives up sessions whose phone
// was hung up in the panel or taken over.
type Engine struct {
	store   *queue.Store
	tel     Phone
	cfg     Config
	clock   Clock
	log     *slog.Logger
	metrics *metrics
	wake    chan struct{}

	mu       sync.Mutex
	drivers  map[int64]*driver
	stopErrs []error // of drivers that stopped with writes not made
	wg       sync.WaitGroup
}

// New returns an engine; Run starts it.
func New(store *queue.Store, tel Phone, cfg Config) (*Engine, error) {
	if cfg.Driver == "" || len(cfg.Driver) > queue.MaxDriverLen {
		return nil, queue.FieldErrorf("driver", "an instance name of 1 to %d bytes is required", queue.MaxDriverLen)
	}
	if cfg.Lease == 0 {
		cfg.Lease = 30 * time.Second
	}
	if cfg.Lease < time.Second {
		return nil, queue.FieldErrorf("lease", "must be at least 1s")
	}
	if cfg.RenewEvery == 0 {
		cfg.RenewEvery = cfg.Lease / 3
	}
	if cfg.MailboxLimit == 0 {
		cfg.MailboxLimit = 1000
	}
	if cfg.Clock == nil {
		cfg.Clock = SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	e := &Engine{store: store, tel: tel, cfg: cfg, clock: cfg.Clock, log: cfg.Logger,
		metrics: m, wake: make(chan struct{}, 1), drivers: map[int64]*driver{}}
	if cfg.Registerer != nil {
		for _, c := range []prometheus.Collector{
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "callingd_live_calls",
				Help: "Call legs (leaders' and supporters') of the sessions this instance drives."}, e.liveLegs),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "callingd_sessions_in_progress",
				Help: "Sessions whose phone call this instance drives now."}, e.sessionsDriven),
		} {
			if err := cfg.Registerer.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return e, nil
}

// sessionsDriven counts the sessions whose call this instance drives now.
func (e *Engine) sessionsDriven() float64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return float64(len(e.drivers))
}

// liveLegs counts the legs the drivers hold now.
func (e *Engine) liveLegs() float64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, d := range e.drivers {
		n += len(d.channels())
	}
	return float64(n)
}

// Run drives sessions until ctx ends, then returns once every driver and
// goroutine it started has stopped. Calls in progress are left to the next
// instance (R10.5). The error reports writes the drivers could not make
// before stopping, whose records the next instance's reconciliation ends.
func (e *Engine) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Go(func() { e.listen(ctx) })
	// Leases are renewed on their own goroutine, so neither a slow Asterisk
	// nor a long reconciliation lets them lapse under live calls.
	wg.Go(func() { e.renew(ctx) })
	e.loop(ctx)
	wg.Wait()
	e.wg.Wait()
	e.mu.Lock()
	defer e.mu.Unlock()
	return errors.Join(e.stopErrs...)
}

// loop takes phone requests, reconciles on every (re)connection of the
// events websocket and every lease period, until ctx ends.
func (e *Engine) loop(ctx context.Context) {
	// No reconciliation yet: Asterisk knows our application only once the
	// events websocket has subscribed, so asking before answers 404. The
	// adapter's Connected event, kept in Unrouted until read, starts the
	// first one below.
	take := time.NewTicker(e.cfg.RenewEvery)
	defer take.Stop()
	audit := time.NewTicker(e.cfg.Lease)
	defer audit.Stop()
	unrouted := e.tel.Unrouted()
	gap := false // events were lost: the websocket was down
	connected := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-e.wake:
			e.take(ctx)
		case <-take.C:
			e.take(ctx)
		case <-audit.C:
			// Finds what no event will tell: records whose end could not be
			// written, channels left behind.
			if connected && !gap {
				e.reconcile(ctx, false)
			}
		case <-unrouted.Ready():
			for _, ev := range unrouted.Take() {
				switch ev.Kind {
				case ari.Disconnected:
					gap = true
					continue
				case ari.Connected:
					e.reconcile(ctx, gap)
					gap, connected = false, true
					continue
				}
				e.log.Debug("event for no session", "kind", ev.Kind, "channel_id", ev.Channel, "bridge_id", ev.Bridge)
			}
		}
	}
}

// Wake makes the engine look for phone requests now.
func (e *Engine) Wake() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// listen wakes the engine on every phone request or hang-up in any
// instance, reconnecting while ctx lasts; a missed notification costs at
// most one renewal period.
func (e *Engine) listen(ctx context.Context) {
	for ctx.Err() == nil {
		err := e.store.Listen(ctx, func(n queue.Notification) {
			if n.Kind == "phone" {
				e.Wake()
			}
		})
		if err != nil && ctx.Err() == nil {
			e.log.Warn("listening for phone requests", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
		e.Wake()
	}
}

// renew renews this instance's leases every RenewEvery and stops driving
// the sessions it lost (hung up in the panel, or taken over). When no
// renewal succeeded for a whole lease, another instance may be taking the
// sessions over: every call is hung up rather than driven twice.
func (e *Engine) renew(ctx context.Context) {
	t := time.NewTicker(e.cfg.RenewEvery)
	defer t.Stop()
	renewed, lost := time.Now(), false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		began := time.Now()
		held, err := e.store.RenewPhones(ctx, e.cfg.Driver, e.cfg.Lease)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			e.log.Warn("renewing phone leases", "err", err)
			if time.Since(renewed) >= e.cfg.Lease && e.dropLost(nil, began) > 0 && !lost {
				lost = true
				e.metrics.leasesLost.Inc()
				e.log.Error("phone leases not renewed for a whole lease; hanging up this instance's calls, which another may take over",
					"lease", e.cfg.Lease, "since", renewed)
			}
			continue
		}
		renewed, lost = began, false
		e.dropLost(held, began)
	}
}

// take starts driving the phone requests nobody drives: new ones, and
// those of instances whose lease ran out.
func (e *Engine) take(ctx context.Context) {
	phones, err := e.store.TakePhones(ctx, e.cfg.Driver, e.cfg.Lease, 100, e.drivenSessions())
	if err != nil {
		if ctx.Err() == nil {
			e.log.Warn("taking phone requests", "err", err)
		}
		return
	}
	for _, p := range phones {
		if e.driving(p.SessionID) {
			continue
		}
		if p.TakenFrom != "" {
			if err := e.takeOver(ctx, p); err != nil {
				e.log.Error("taking over a session", "session_id", p.SessionID, "err", err)
				continue
			}
			if e.driving(p.SessionID) {
				continue // adopted
			}
		}
		if err := e.start(ctx, p); err != nil {
			e.log.Error("starting a session's phone", "session_id", p.SessionID, "err", err)
		}
	}
}

// dropLost tells drivers of sessions not in held to hang up, and returns
// how many it told. Drivers launched after the renewal began (at began)
// are not in held and are left alone.
func (e *Engine) dropLost(held []int64, began time.Time) int {
	keep := make(map[int64]bool, len(held))
	for _, id := range held {
		keep[id] = true
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for id, d := range e.drivers {
		if !keep[id] && d.launchedAt.Before(began) {
			d.send(event{kind: phoneUnwanted})
			n++
		}
	}
	return n
}

// drivenSessions lists the sessions this engine drives now.
func (e *Engine) drivenSessions() []int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	ids := make([]int64, 0, len(e.drivers))
	for id := range e.drivers {
		ids = append(ids, id)
	}
	return ids
}

// Driving reports whether this engine drives the session's phone call now.
func (e *Engine) Driving(sessionID int64) bool { return e.driving(sessionID) }

func (e *Engine) driving(sessionID int64) bool { return e.driverOf(sessionID) != nil }

// driverOf is the driver of a session this engine drives, or nil.
func (e *Engine) driverOf(sessionID int64) *driver {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.drivers[sessionID]
}

// start rings the leader of a newly taken phone request (R4.1).
func (e *Engine) start(ctx context.Context, p queue.PhoneRequest) error {
	org, leader, err := e.people(ctx, p)
	if err != nil {
		// Nobody can be rung: give the request up rather than retry it forever.
		return errors.Join(err, e.store.PhoneDone(ctx, p.OrganisationID, p.SessionID, e.cfg.Driver, notRung(err)))
	}
	rec, err := e.store.StartLeaderCall(ctx, p.OrganisationID, p.SessionID)
	if queue.ErrorCode(err) == queue.ECONFLICT {
		// The leader's leg is live, left by an earlier run of this instance:
		// reconciliation adopts or ends it.
		e.reconcile(ctx, false)
		return nil
	}
	if err != nil {
		return err
	}
	d := e.newDriver(org, leader, newCall(p.SessionID, rec.ID))
	d.ringFirst = true
	e.launch(ctx, d)
	return nil
}

// launch runs a driver on its own goroutine until its call is done.
func (e *Engine) launch(ctx context.Context, d *driver) {
	d.launchedAt = time.Now()
	e.mu.Lock()
	e.drivers[d.call.SessionID] = d
	e.mu.Unlock()
	e.wg.Go(func() {
		err := d.run(ctx)
		e.mu.Lock()
		defer e.mu.Unlock()
		delete(e.drivers, d.call.SessionID)
		if err != nil {
			e.log.Error("writes of a session's call not made before stopping", "session_id", d.call.SessionID, "err", err)
			e.stopErrs = append(e.stopErrs, err)
		}
	})
}

// people loads the organisation's settings and the leader a phone request
// is for.
func (e *Engine) people(ctx context.Context, p queue.PhoneRequest) (queue.Organisation, queue.User, error) {
	org, err := e.store.Organisation(ctx, p.OrganisationID)
	if err != nil {
		return org, queue.User{}, err
	}
	sess, err := e.store.Session(ctx, p.OrganisationID, p.SessionID)
	if err != nil {
		return org, queue.User{}, err
	}
	leader, err := e.store.User(ctx, p.OrganisationID, sess.LeaderID)
	if err == nil && leader.Mobile == "" {
		err = errors.New("the leader has no mobile number")
	}
	return org, leader, err
}

// notRung is the pause reason of a session whose leader's phone could not
// be rung: the queue's message for the user, never an internal error's text
// (which may be long and says nothing to a leader).
func notRung(err error) string { return "Your phone could not be rung: " + queue.ErrorMessage(err) }

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns the current time.
func (SystemClock) Now() time.Time { return time.Now() }

// AfterFunc runs f after d.
func (SystemClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }
