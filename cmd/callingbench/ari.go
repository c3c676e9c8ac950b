package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/supporterbase/callingsessions/ari"
	"github.com/supporterbase/callingsessions/ari/arisim"
)

// The ari benchmark's shape (issue 4). The phone network runs in a child
// process (phones.go); this process holds only the adapter, as callingd
// does, and the goroutines that stand in for call sessions.
const (
	// ariLiveCalls answered legs, each routed to a mailbox of its own and
	// served by a goroutine, as the call flow routes and serves its legs.
	ariLiveCalls = 200
	// ariMemoryCalls legs measure the heap per live call.
	ariMemoryCalls = 1_000
	ariWarmCalls   = 64
	ariDialers     = 32 // concurrent Dials while setting up; the REST pool's size
	// Event to command: each call's phone presses a key, waits for the
	// application's answer (a Play), thinks 100-300 ms and presses again,
	// ariPresses times: about 1,000 keys and 3,000 events (with the
	// playbacks' start and end) a second over 200 calls for about 10 s,
	// several times what 200 busy leaders make (the ivr benchmark's paced
	// phase: some 800 events a second).
	ariPresses  = 50
	ariThinkMin = 100 * time.Millisecond
	ariThinkMax = 300 * time.Millisecond
	// ariBurst events (key presses) are pushed at the adapter at once.
	ariBurst = 200_000
	// ariSound is how long a "sound:" playback plays in the simulator.
	ariSound = 5 * time.Millisecond
)

// benchARI measures the adapter: heap per live routed call, the time from a
// DTMF event leaving the simulator to the next REST command arriving there
// (p50, p99, 200 calls), and the events per second its websocket reader and
// dispatcher hand to mailboxes on one core.
func benchARI(ctx context.Context, b *bench) ([]figure, error) {
	start := time.Now()
	p, err := startPhones(ctx, b.log, phonesConfig{Mode: "ari", SoundDuration: ariSound,
		QueueLimit: 2 * ariBurst, TranscriptLimit: 1_000})
	if err != nil {
		return nil, err
	}
	defer p.Close()
	reg := prometheus.NewRegistry()
	tel, err := ari.Connect(ctx, ari.Config{URL: p.ariURL(), Username: phonesUser, Password: phonesPassword,
		Application: "bench", DialString: phonesDial, Registerer: reg})
	if err != nil {
		return nil, err
	}
	defer tel.Close()
	if err := awaitReady(ctx, tel); err != nil {
		return nil, err
	}

	// Memory: a warm-up first, so the REST connection pool and the
	// adapter's maps are at their working size before the baseline.
	warm, err := dialCalls(ctx, tel, "bench-warm-%d", 900_000, ariWarmCalls)
	if err != nil {
		return nil, fmt.Errorf("warm-up: %w", err)
	}
	if err := hangupCalls(ctx, tel, warm); err != nil {
		return nil, fmt.Errorf("warm-up: %w", err)
	}
	warm = nil
	base := memoryAfterGC()
	calls, err := dialCalls(ctx, tel, "bench-call-%d", 0, ariMemoryCalls)
	if err != nil {
		return nil, err
	}
	live := memoryAfterGC()
	perCall := float64(int64(live.heap)-int64(base.heap)) / ariMemoryCalls
	fmt.Fprintf(b.log, "callingbench ari: %d live routed calls: heap %+d B (%.0f B a call), goroutine stacks %+d B\n",
		ariMemoryCalls, int64(live.heap)-int64(base.heap), perCall, int64(live.stacks)-int64(base.stacks))
	if err := hangupCalls(ctx, tel, calls[ariLiveCalls:]); err != nil {
		return nil, err
	}
	calls = calls[:ariLiveCalls]

	lat, err := measureEventToCommand(ctx, b.log, p, tel, calls)
	if err != nil {
		return nil, err
	}
	rate, err := measureEventRate(ctx, b.log, p, calls)
	if err != nil {
		return nil, err
	}
	var dropped int64
	for _, c := range calls {
		dropped += c.box.Dropped()
	}
	if dropped > 0 {
		return nil, fmt.Errorf("%d events dropped by full mailboxes", dropped)
	}
	if err := hangupCalls(ctx, tel, calls); err != nil {
		return nil, err
	}
	fmt.Fprintf(b.log, "callingbench ari: done in %v\n", time.Since(start).Round(time.Millisecond))
	return append(latency("ari_event_to_command_p%d_ms", lat),
		figure{"ari_events_per_s", rate, "%.0f", "events/s"},
		figure{"ari_bytes_per_call", perCall, "%.0f", "B"}), nil
}

func awaitReady(ctx context.Context, tel *ari.Client) error {
	deadline := time.Now().Add(15 * time.Second)
	for tel.Ready() != nil {
		if time.Now().After(deadline) {
			return fmt.Errorf("ARI not ready after 15 s: %w", tel.Ready())
		}
		if err := sleep(ctx, 10*time.Millisecond); err != nil {
			return err
		}
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// ariCall is a live leg and the mailbox its events are routed to.
type ariCall struct {
	id  string
	box *ari.Mailbox
}

// dialCalls dials n legs (channel ids from format, numbers +447911 from
// first on), each routed to a new mailbox, ariDialers at a time, and waits
// until each is answered; their mailboxes are then empty.
func dialCalls(ctx context.Context, tel *ari.Client, format string, first, n int) ([]ariCall, error) {
	calls := make([]ariCall, n)
	err := parallel(ctx, n, ariDialers, func(ctx context.Context, i int) error {
		c := ariCall{id: fmt.Sprintf(format, i), box: ari.NewMailbox(0)}
		tel.Route(c.id, c.box)
		err := tel.Dial(ctx, ari.DialRequest{ChannelID: c.id, Number: fmt.Sprintf("+447911%06d", first+i),
			CallerID: "+442035550100", Timeout: 30 * time.Second})
		if err != nil {
			return err
		}
		if err := awaitEvent(ctx, c.box, c.id, ari.LegAnswered); err != nil {
			return err
		}
		calls[i] = c
		return nil
	})
	return calls, err
}

// hangupCalls hangs the legs up, waits until each is gone and unroutes it.
func hangupCalls(ctx context.Context, tel *ari.Client, calls []ariCall) error {
	return parallel(ctx, len(calls), ariDialers, func(ctx context.Context, i int) error {
		c := calls[i]
		if err := tel.Hangup(ctx, c.id, ari.CauseNormal); err != nil {
			return err
		}
		err := awaitEvent(ctx, c.box, c.id, ari.LegEnded)
		tel.Unroute(c.id)
		return err
	})
}

// awaitEvent takes events from box until one of kind arrives (10 s at most).
func awaitEvent(ctx context.Context, box *ari.Mailbox, id string, kind ari.EventKind) error {
	timeout := time.NewTimer(10 * time.Second)
	defer timeout.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timeout.C:
			return fmt.Errorf("%s: no event %d within 10 s", id, kind)
		case <-box.Ready():
			for _, e := range box.Take() {
				if e.Kind == kind {
					return nil
				}
			}
		}
	}
}

// parallel runs work(i) for i in [0, n) on at most workers goroutines and
// returns the first error.
func parallel(ctx context.Context, n, workers int, work func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for range min(n, workers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := work(ctx, i); err != nil {
					once.Do(func() { first = err; cancel() })
				}
			}
		}()
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

// ariLatencyRequest asks the phone network to press keys on calls and time
// the application's answers.
type ariLatencyRequest struct {
	Channels []string      `json:"channels"`
	Presses  int           `json:"presses"`
	ThinkMin time.Duration `json:"think_min"`
	ThinkMax time.Duration `json:"think_max"`
}

type ariLatencyResult struct {
	Samples  []time.Duration `json:"samples"`
	Timeouts int             `json:"timeouts"`
	Errors   []string        `json:"errors"`
}

// measureEventToCommand serves the calls as a call flow would (a goroutine
// per call waits on its mailbox; on a Digit it starts a playback) while the
// phone network presses keys and times each answer.
func measureEventToCommand(ctx context.Context, log io.Writer, p *phones, tel *ari.Client, calls []ariCall) ([]time.Duration, error) {
	serving, stop := context.WithCancel(ctx)
	defer stop()
	var (
		wg       sync.WaitGroup
		failures atomic.Int64
	)
	ids := make([]string, len(calls))
	for i, c := range calls {
		ids[i] = c.id
		wg.Add(1)
		go func() {
			defer wg.Done()
			serveKeys(serving, tel, c, &failures)
		}()
	}
	defer wg.Wait()
	defer stop()
	stopProfile := cpuProfile("ari-latency.pprof")
	defer stopProfile()
	started := time.Now()
	var res ariLatencyResult
	err := p.do(ctx, http.MethodPost, "/bench/latency", ariLatencyRequest{Channels: ids, Presses: ariPresses,
		ThinkMin: ariThinkMin, ThinkMax: ariThinkMax}, &res)
	if err != nil {
		return nil, err
	}
	elapsed := time.Since(started)
	fmt.Fprintf(log, "callingbench ari: event to command: %d keys on %d calls in %v (%.0f/s), %d unanswered, %d failed plays\n",
		len(res.Samples), len(calls), elapsed.Round(time.Millisecond), float64(len(res.Samples))/elapsed.Seconds(),
		res.Timeouts, failures.Load())
	switch {
	case len(res.Errors) > 0:
		return nil, fmt.Errorf("pressing keys: %s", strings.Join(res.Errors, "; "))
	case res.Timeouts > 0 || failures.Load() > 0 || len(res.Samples) == 0:
		return nil, fmt.Errorf("event to command: %d keys unanswered, %d plays failed", res.Timeouts, failures.Load())
	}
	return res.Samples, nil
}

// serveKeys is one call's session: on each Digit, the next command.
func serveKeys(ctx context.Context, tel *ari.Client, c ariCall, failures *atomic.Int64) {
	seq := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.box.Ready():
			for _, e := range c.box.Take() {
				if e.Kind != ari.Digit {
					continue
				}
				seq++
				if err := tel.Play(ctx, c.id, fmt.Sprintf("%s-k%d", c.id, seq), "sound:beep"); err != nil && ctx.Err() == nil {
					failures.Add(1)
				}
			}
		}
	}
}

type ariBurstRequest struct {
	Channels   []string `json:"channels"`
	PerChannel int      `json:"per_channel"`
}

type ariBurstResult struct {
	Generated time.Duration `json:"generated"` // how long the simulator took to emit them
}

// measureEventRate pushes ariBurst key presses (ChannelDtmfReceived events)
// at the adapter, spread over the calls, and times until they are all in
// mailboxes, with this process on one core. Each call's goroutine takes
// its mailbox and counts, as a session would take its events.
func measureEventRate(ctx context.Context, log io.Writer, p *phones, calls []ariCall) (float64, error) {
	// Let the last playbacks of the latency run finish, and empty the mailboxes.
	if err := sleep(ctx, 10*ariSound+100*time.Millisecond); err != nil {
		return 0, err
	}
	for _, c := range calls {
		c.box.Take()
	}
	per := ariBurst / len(calls)
	target := int64(per * len(calls))
	procs := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(procs)

	counting, stop := context.WithCancel(ctx)
	defer stop()
	var (
		got  atomic.Int64
		once sync.Once
		wg   sync.WaitGroup
	)
	all := make(chan struct{})
	ids := make([]string, len(calls))
	for i, c := range calls {
		ids[i] = c.id
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-counting.Done():
					return
				case <-c.box.Ready():
					n := 0
					for _, e := range c.box.Take() {
						if e.Kind == ari.Digit {
							n++
						}
					}
					if got.Add(int64(n)) >= target {
						once.Do(func() { close(all) })
					}
				}
			}
		}()
	}
	defer wg.Wait()
	defer stop()
	stopProfile := cpuProfile("ari-events.pprof")
	defer stopProfile()
	cpu0 := processCPU()
	started := time.Now()
	var res ariBurstResult
	if err := p.do(ctx, http.MethodPost, "/bench/burst", ariBurstRequest{Channels: ids, PerChannel: per}, &res); err != nil {
		return 0, err
	}
	select {
	case <-all:
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-time.After(2 * time.Minute):
		return 0, fmt.Errorf("only %d of %d events reached the mailboxes within 2 minutes", got.Load(), target)
	}
	elapsed := time.Since(started)
	cpu := processCPU() - cpu0
	rate := float64(target) / elapsed.Seconds()
	fmt.Fprintf(log, "callingbench ari: %d events into mailboxes in %v on GOMAXPROCS=1 (%.0f/s, %.1f µs CPU each); the simulator emitted them in %v\n",
		target, elapsed.Round(time.Millisecond), rate, float64(cpu.Microseconds())/float64(target), res.Generated.Round(time.Millisecond))
	return rate, nil
}

// ariPhones is the phone network's side of the ari benchmark.
type ariPhones struct {
	sim *arisim.Sim

	mu    sync.Mutex
	watch map[string]chan time.Time // channel id → arrival of its next play request
}

func newARIPhones(sim *arisim.Sim, _ phonesConfig) phoneMode {
	return &ariPhones{sim: sim, watch: map[string]chan time.Time{}}
}

// tap notes when a play request for a watched channel arrives: the end of
// one event-to-command measurement.
func (a *ariPhones) tap(r *http.Request, arrived time.Time) func() {
	if r.Method != http.MethodPost {
		return nil
	}
	id, op, ok := channelOp(r.URL.Path)
	if !ok || op != "play" {
		return nil
	}
	a.mu.Lock()
	ch := a.watch[id]
	a.mu.Unlock()
	if ch != nil {
		select {
		case ch <- arrived:
		default:
		}
	}
	return nil
}

func (a *ariPhones) routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /bench/latency", a.latency)
	mux.HandleFunc("POST /bench/burst", a.burst)
}

// latency has each channel's phone press a key, wait for the application's
// next request about the channel, think, and again.
//
// What is timed: from just before Press, which emits ChannelDtmfReceived
// (taking the simulator's lock, building the event and queueing it for the
// websocket writer), to the arrival of the play request at this process's
// HTTP handler, before the simulator handles it. So it spans the event's
// trip (queue, websocket write, the adapter's read, decode and dispatch),
// the session's wake-up and the REST call's trip back, and errs long, by
// Press's own cost, never short. The event's own timestamp cannot serve:
// ARI writes milliseconds only.
func (a *ariPhones) latency(w http.ResponseWriter, r *http.Request) {
	var req ariLatencyRequest
	if !readBenchJSON(w, r, &req) {
		return
	}
	var (
		mu  sync.Mutex
		res ariLatencyResult
		wg  sync.WaitGroup
	)
	res.Samples = make([]time.Duration, 0, len(req.Channels)*req.Presses)
	for _, id := range req.Channels {
		ch := make(chan time.Time, 1)
		a.mu.Lock()
		a.watch[id] = ch
		a.mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range req.Presses {
				think := req.ThinkMin + rand.N(req.ThinkMax-req.ThinkMin+1)
				select {
				case <-r.Context().Done():
					return
				case <-time.After(think):
				}
				select {
				case <-ch: // a late answer to an earlier key
				default:
				}
				pressed := time.Now()
				if err := a.sim.Press(id, "1"); err != nil {
					mu.Lock()
					res.Errors = append(res.Errors, err.Error())
					mu.Unlock()
					return
				}
				select {
				case arrived := <-ch:
					mu.Lock()
					res.Samples = append(res.Samples, arrived.Sub(pressed))
					mu.Unlock()
				case <-time.After(5 * time.Second):
					mu.Lock()
					res.Timeouts++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	a.mu.Lock()
	for _, id := range req.Channels {
		delete(a.watch, id)
	}
	a.mu.Unlock()
	writeBenchJSON(w, res)
}

// burst has each channel's phone press PerChannel keys at once: real
// ChannelDtmfReceived events, queued for the websocket as fast as the
// simulator makes them.
func (a *ariPhones) burst(w http.ResponseWriter, r *http.Request) {
	var req ariBurstRequest
	if !readBenchJSON(w, r, &req) {
		return
	}
	if req.PerChannel < 1 {
		http.Error(w, "per_channel must be positive", http.StatusBadRequest)
		return
	}
	digits := strings.Repeat("1", req.PerChannel)
	started := time.Now()
	for _, id := range req.Channels {
		if err := a.sim.Press(id, digits); err != nil {
			http.Error(w, err.Error(), http.StatusConflict)
			return
		}
	}
	writeBenchJSON(w, ariBurstResult{Generated: time.Since(started)})
}
