package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/supporterbase/callingsessions/ari"
	"github.com/supporterbase/callingsessions/ari/arisim"
	"github.com/supporterbase/callingsessions/ivr"
	"github.com/supporterbase/callingsessions/queue"
)

// The ivr benchmark's shape (issue 5): 200 leaders work at once, each on a
// list of their own, against the simulator with no answer delay. Every
// leader's phone answers at once; every supporter answers at once and hangs
// up after a while; when the wrap-up prompt starts the leader presses a key
// at once (1, which logs the call as contacted, and # in turn) and the next
// supporter rings. The benchmark runs two phases on the same 200 sessions:
//
//   - paced, for --ivr-seconds: supporters talk ivrTalk on average, so 200
//     leaders ask for about 40 calls a second, some 15 times a real
//     evening's rate (a call a minute or two per leader) and, on the
//     2-core machine the targets are for, below what callingd, PostgreSQL
//     and the simulator can do together. Key-to-dial latency, CPU and
//     memory per session are measured here: under a load the system keeps
//     up with.
//   - flat out, for ivrFlatSeconds: supporters talk ivrFlatTalk on
//     average, more calls than the machine can make; the calls per second
//     handled are the capacity. (A closed loop at capacity measures its own
//     queue: 200 leaders / calls per second = a cycle, so the latencies of
//     this phase are only reported on stderr.)
//
// Each supporter talks a random time from half to one and a half times the
// average: with one talk time for all, leaders who started together stay in
// step, and their keys come in bursts that no real evening has (the p99 of
// key to dial was five times higher so).
const (
	ivrLeaders     = 200
	ivrTalk        = 5 * time.Second
	ivrFlatTalk    = 250 * time.Millisecond
	ivrFlatSeconds = 15
	// ivrFlatMaxRate bounds the calls a leader makes a second flat out, to
	// size the lists (a leader who runs out of supporters fails the run).
	ivrFlatMaxRate = 10
	// ivrPrompt is how long every prompt plays (the simulator's default,
	// about a real prompt's length). The wrap-up prompt is still playing
	// when the leader's key comes, so the key stops it, as on a real
	// evening.
	ivrPrompt = 2 * time.Second
	// ivrStartSpread: the leaders click Start one after another over this
	// long, not all in the same millisecond.
	ivrStartSpread = 2 * time.Second
	ivrCallerID    = "+442035550100"
	ivrNumbers     = "+447911%06d" // supporter n's phone
)

// ivrClock is noon in London for the store and the engine (inside everyone's
// calling window, cool-downs holding still), with real timers.
type ivrClock struct{ fixedClock }

func (ivrClock) AfterFunc(d time.Duration, f func()) ivr.Timer { return time.AfterFunc(d, f) }

// benchIVR runs 200 leaders' evenings through one ivr.Engine, a real
// database (with the pool callingd runs with, queue.PoolConfig) and the
// simulator, which runs in a process of its own so this process's CPU time
// and heap are callingd's.
//
// How the benchmark knows a leader is in wrap-up, cheaply: the phone
// network's tap sees every request as it arrives, and the call flow plays
// the wrap-up prompt (or busy, no answer, failed) on the leader's leg only
// once the call is in wrap-up; no polling of the simulator or the database.
// The same tap times the figures, from one clock:
//   - key to dial: from just before the simulator emits the key
//     (ChannelDtmfReceived) to the arrival of POST /channels/{id}/dial of
//     the leader's next supporter (created with the leader's channel as
//     its originator): the event's trip, the call flow's work (claim,
//     record the channel, create the leg with its caller ID, wait for its
//     StasisStart) and the dial's trip;
//   - answer to first dial: from the leader's answer (their leg's dial
//     request, which the phone answers while it is handled) to the first
//     supporter's dial, less the "connecting" prompt's ivrPrompt, which is
//     content, not processing;
//   - calls per second: supporter legs ended (the prompts that follow an
//     end) in the flat-out window.
//
// ivrSeconds is how long the ivr benchmark's leaders work once all of them
// are calling (--ivr-seconds).
var ivrSeconds = 60

func benchIVR(ctx context.Context, b *bench) ([]figure, error) {
	start := time.Now()
	seconds := ivrSeconds
	// A paced call lasts at least ivrTalk; allow a minute to start and the
	// last calls to end.
	perLeader := int((time.Duration(seconds)*time.Second+90*time.Second)/ivrTalk) + ivrFlatSeconds*ivrFlatMaxRate + 20
	supporters := ivrLeaders * perLeader
	if supporters > 1_000_000 {
		return nil, fmt.Errorf("--ivr-seconds %d needs more than the 1,000,000 numbers of +447911", seconds)
	}
	p, err := startPhones(ctx, b.log, phonesConfig{Mode: "ivr", SoundDuration: ivrPrompt,
		TranscriptLimit: 100})
	if err != nil {
		return nil, err
	}
	defer p.Close()
	_, plain, drop, err := b.newDatabase(ctx)
	if err != nil {
		return nil, err
	}
	defer drop()
	clock := ivrClock{fixedClock(claimNow)}
	store := queue.NewStore(plain.Pool(), clock)
	store.PasswordCost = 4
	w, err := loadIVRWorld(ctx, store, perLeader)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	if _, err := store.Pool().Exec(ctx, "VACUUM (ANALYZE)"); err != nil {
		return nil, err
	}
	if err := p.do(ctx, http.MethodPost, "/bench/talk", ivrTalkRequest{Numbers: ivrNumbers, Count: supporters,
		Talk: ivrTalk}, nil); err != nil {
		return nil, err
	}
	for _, l := range w.leaders {
		// Leaders answer at once and never hang up.
		if err := p.do(ctx, http.MethodPut, "/sim/phones/"+url.PathEscape(l.Mobile), arisim.Script{}, nil); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(b.log, "callingbench ivr: %d leaders with %d supporters each loaded in %v\n",
		ivrLeaders, perLeader, time.Since(start).Round(time.Millisecond))

	reg := prometheus.NewRegistry()
	warnings := &cappedLog{w: b.log, left: 20}
	logger := slog.New(slog.NewTextHandler(warnings, &slog.HandlerOptions{Level: slog.LevelWarn}))
	tel, err := ari.Connect(ctx, ari.Config{URL: p.ariURL(), Username: phonesUser, Password: phonesPassword,
		Application: "callingd", DialString: phonesDial, Registerer: reg, Logger: logger.With("part", "ari")})
	if err != nil {
		return nil, err
	}
	defer tel.Close()
	if err := awaitReady(ctx, tel); err != nil {
		return nil, err
	}
	eng, err := ivr.New(store, tel, ivr.Config{Driver: "bench", Node: p.ariURL(), Clock: clock, Registerer: reg,
		Logger: logger.With("part", "ivr")})
	if err != nil {
		return nil, err
	}
	running, stopRunning := context.WithCancel(ctx)
	engineDone := make(chan error, 1)
	go func() { engineDone <- eng.Run(running) }()
	go store.Announce(running, queue.AnnounceEvery, func(err error) {
		fmt.Fprintf(b.log, "callingbench ivr: announcing: %v\n", err)
	})
	defer func() {
		stopRunning()
		select {
		case <-engineDone:
		case <-time.After(30 * time.Second):
			fmt.Fprintln(b.log, "callingbench ivr: the engine did not stop within 30 s")
		}
	}()

	base := memoryAfterGC()
	if err := w.startCalling(ctx, b.log, store, eng, p); err != nil {
		return nil, err
	}

	// Paced.
	paced, err := measureIVR(ctx, p, store, time.Duration(seconds)*time.Second, "ivr-paced.pprof")
	if err != nil {
		return nil, err
	}
	pacedWarnings := warnings.count()
	paced.log(b.log, fmt.Sprintf("paced (talk %v on average)", ivrTalk))
	paced.logFirstDials(b.log)
	if err := atRest(ctx, p, eng, w); err != nil {
		return nil, err
	}
	live := memoryAfterGC()
	perSession := float64(int64(live.heap)-int64(base.heap)) / ivrLeaders
	fmt.Fprintf(b.log, "callingbench ivr: %d live sessions at rest: heap %+d B (%.0f B a session), goroutines %+d, stacks %+d B\n",
		ivrLeaders, int64(live.heap)-int64(base.heap), perSession, live.goroutines-base.goroutines,
		int64(live.stacks)-int64(base.stacks))
	logEngineMetrics(b.log, reg)

	// Flat out.
	if err := p.do(ctx, http.MethodPost, "/bench/talk", ivrTalkRequest{Numbers: ivrNumbers, Count: supporters,
		Talk: ivrFlatTalk}, nil); err != nil {
		return nil, err
	}
	flat, err := measureIVR(ctx, p, store, ivrFlatSeconds*time.Second, "ivr-flat.pprof")
	if err != nil {
		return nil, err
	}
	flat.log(b.log, fmt.Sprintf("flat out (talk %v on average)", ivrFlatTalk))
	if err := atRest(ctx, p, eng, w); err != nil {
		return nil, err
	}
	var st ivrStatus
	if err := p.do(ctx, http.MethodGet, "/bench/status", nil, &st); err != nil {
		return nil, err
	}
	if err := w.checkRecords(ctx, b.log, store, st.Ended); err != nil {
		return nil, err
	}
	if n := warnings.count(); n > 0 {
		// Flat out, a supporter may hang up before the engine bridges
		// them: the bridge's addChannel answers 400 and is logged.
		fmt.Fprintf(b.log, "callingbench ivr: the engine and adapter logged %d warnings or errors by the end of the paced phase, %d in all\n",
			pacedWarnings, n)
	}
	fmt.Fprintf(b.log, "callingbench ivr: done in %v\n", time.Since(start).Round(time.Millisecond))

	return append(latency("ivr_key_to_dial_p%d_ms", paced.Key),
		figure{"ivr_answer_to_first_dial_p99_ms", ms(percentile(paced.FirstDial, 99)), "%.2f", "ms"},
		figure{"ivr_calls_per_s", flat.callsPerS(), "%.1f", "calls/s"},
		figure{"ivr_cpu_s_per_session", paced.cpu.Seconds() / ivrLeaders, "%.3f", "s"},
		figure{"ivr_bytes_per_session", perSession, "%.0f", "B"},
	), nil
}

// ivrMeasured is one phase's window: the phone network's results and what
// the run cost.
type ivrMeasured struct {
	ivrResults
	window           time.Duration
	cpu, db, sim     time.Duration // CPU of callingd (this process), its PostgreSQL backends, the simulator
	machine          float64       // share of all cores busy
	acquires, waited int64         // database pool
	waitedFor        time.Duration
	poolSize         int32
}

// measureIVR lets the leaders work for d with keys on, and returns the
// window's figures; keys are off afterwards.
func measureIVR(ctx context.Context, p *phones, store *queue.Store, d time.Duration, profile string) (*ivrMeasured, error) {
	dbName := store.Pool().Config().ConnConfig.Database
	m := &ivrMeasured{}
	if err := p.do(ctx, http.MethodPost, "/bench/window", ivrWindow{Measure: true, Press: true}, nil); err != nil {
		return nil, err
	}
	busy0, total0 := machineCPU()
	cpu0, db0 := processCPU(), backendsCPU(dbName)
	sim0, err := p.cpu(ctx)
	if err != nil {
		return nil, err
	}
	pool0 := store.Pool().Stat()
	started := time.Now()
	stopProfile := cpuProfile(profile)
	err = sleep(ctx, d)
	stopProfile()
	if err != nil {
		return nil, err
	}
	if err := p.do(ctx, http.MethodPost, "/bench/window", ivrWindow{Measure: false, Press: false}, nil); err != nil {
		return nil, err
	}
	m.window = time.Since(started)
	pool1 := store.Pool().Stat()
	m.cpu, m.db = processCPU()-cpu0, backendsCPU(dbName)-db0
	busy1, total1 := machineCPU()
	sim1, err := p.cpu(ctx)
	if err != nil {
		return nil, err
	}
	m.sim, m.machine = sim1-sim0, machineUse(busy0, total0, busy1, total1)
	m.acquires, m.waited = pool1.AcquireCount()-pool0.AcquireCount(), pool1.EmptyAcquireCount()-pool0.EmptyAcquireCount()
	m.waitedFor, m.poolSize = pool1.EmptyAcquireWaitTime()-pool0.EmptyAcquireWaitTime(), pool1.MaxConns()
	if err := p.do(ctx, http.MethodGet, "/bench/results", nil, &m.ivrResults); err != nil {
		return nil, err
	}
	return m, m.check()
}

func (m *ivrMeasured) callsPerS() float64 { return float64(m.Ended) / m.window.Seconds() }

// log prints the phase's figures and costs to stderr.
func (m *ivrMeasured) log(w io.Writer, phase string) {
	perCall := func(d time.Duration) float64 { return ms(d) / float64(max(m.Ended, 1)) }
	fmt.Fprintf(w, "callingbench ivr: %s, %v: %d supporter calls ended (%.1f/s), %d keys timed; outcomes %v\n",
		phase, m.window.Round(time.Millisecond), m.Ended, m.callsPerS(), len(m.Key), m.Outcomes)
	fmt.Fprintf(w, "callingbench ivr:   CPU a call: callingd %.2f ms, its PostgreSQL backends %.2f ms, simulator %.2f ms; the machine's %d cores %.0f%% busy (anything else running included)\n",
		perCall(m.cpu), perCall(m.db), perCall(m.sim), runtime.NumCPU(), 100*m.machine)
	fmt.Fprintf(w, "callingbench ivr:   database pool of %d connections (LISTEN holds one): %d acquires, %d (%.0f%%) waited, %.2f ms on average\n",
		m.poolSize, m.acquires, m.waited, 100*float64(m.waited)/float64(max(m.acquires, 1)),
		ms(m.waitedFor)/float64(max(m.waited, 1)))
	m.logKeys(w)
}

// atRest waits until every leader sits in wrap-up with keys off and their
// prompts are over, and checks the engine still drives every session.
func atRest(ctx context.Context, p *phones, eng *ivr.Engine, w *ivrWorld) error {
	if err := awaitStatus(ctx, p, "every leader in wrap-up", 30*time.Second, func(st ivrStatus) bool {
		return st.Idle == ivrLeaders
	}); err != nil {
		return err
	}
	if err := sleep(ctx, ivrPrompt+500*time.Millisecond); err != nil {
		return err
	}
	for i, id := range w.sessions {
		if !eng.Driving(id) {
			return fmt.Errorf("leader %d's session is no longer driven", i)
		}
	}
	return nil
}

type ivrWorld struct {
	org      queue.Organisation
	leaders  []queue.User
	sessions []int64
}

// loadIVRWorld makes an organisation that may call +44 numbers, with a
// caller ID and room for every leader's call at once, and for each leader
// (mobile +447400xxxxxx) a list of perLeader supporters of their own
// (+447911xxxxxx) and a session on it.
func loadIVRWorld(ctx context.Context, store *queue.Store, perLeader int) (*ivrWorld, error) {
	o := queue.NewOrganisation("bench", "Bench")
	o.Timezone, o.AllowedPrefixes, o.CallerID = "Europe/London", []string{"+44"}, ivrCallerID
	o.MaxConcurrentCalls = 2 * ivrLeaders
	// Answer to first dial is timed from the answer through the greeting,
	// as before issue 18: no key to wait for. The confirmation key's path
	// is ivrrace.go's.
	o.ConfirmLeader = false
	org, err := store.CreateOrganisation(ctx, o)
	if err != nil {
		return nil, err
	}
	group, err := store.CreateGroup(ctx, org.ID, "Bench supporters")
	if err != nil {
		return nil, err
	}
	w := &ivrWorld{org: org}
	for i := range ivrLeaders {
		leader, err := store.CreateUser(ctx, org.ID, queue.UserInput{FirstName: fmt.Sprintf("Leader %d", i),
			Email: fmt.Sprintf("leader%d@bench.example.org", i), Password: "a long enough secret",
			Mobile: fmt.Sprintf("+447400%06d", i), Admin: true})
		if err != nil {
			return nil, err
		}
		list, err := store.CreateList(ctx, org.ID, group.ID, fmt.Sprintf("Leader %d's list", i), 0)
		if err != nil {
			return nil, err
		}
		err = loadMembers(ctx, store.Pool(), org.ID, group.ID, list.ID, int64(i*perLeader), int64((i+1)*perLeader-1), "+447911", 6, claimNow)
		if err != nil {
			return nil, err
		}
		sess, _, err := store.StartSession(ctx, leader, list.ID, "")
		if err != nil {
			return nil, err
		}
		w.leaders = append(w.leaders, leader)
		w.sessions = append(w.sessions, sess.ID)
	}
	return w, nil
}

// startCalling clicks Start for every leader, one after another over
// ivrStartSpread, and waits until each has had a first supporter dialled.
func (w *ivrWorld) startCalling(ctx context.Context, log io.Writer, store *queue.Store, eng *ivr.Engine, p *phones) error {
	started := time.Now()
	for i, l := range w.leaders {
		if _, err := store.RequestPhone(ctx, l, w.sessions[i]); err != nil {
			return err
		}
		if err := sleep(ctx, ivrStartSpread/ivrLeaders); err != nil {
			return err
		}
	}
	// Phone requests wake the engine by NOTIFY; a nudge a second makes up
	// for one it took before the last requests were committed.
	lastWake := time.Now()
	err := awaitStatus(ctx, p, "every leader's first supporter dialled", 2*time.Minute, func(st ivrStatus) bool {
		if time.Since(lastWake) > time.Second {
			eng.Wake()
			lastWake = time.Now()
		}
		return st.FirstDials >= ivrLeaders
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "callingbench ivr: every leader calling %v after the first Start\n", time.Since(started).Round(time.Millisecond))
	return nil
}

// awaitStatus polls the phone network until ok holds; a session that ran
// out of supporters, or a key the simulator refused, ends the wait.
func awaitStatus(ctx context.Context, p *phones, what string, limit time.Duration, ok func(ivrStatus) bool) error {
	deadline := time.Now().Add(limit)
	for {
		var st ivrStatus
		if err := p.do(ctx, http.MethodGet, "/bench/status", nil, &st); err != nil {
			return err
		}
		switch {
		case st.Completed > 0:
			return fmt.Errorf("%d leaders ran out of supporters", st.Completed)
		case st.PressErrors > 0:
			return fmt.Errorf("%d keys could not be pressed", st.PressErrors)
		case ok(st):
			return nil
		case time.Now().After(deadline):
			return fmt.Errorf("waited %v in vain for %s: %+v", limit, what, st)
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return err
		}
	}
}

// checkRecords compares the call records with what the phone network saw.
func (w *ivrWorld) checkRecords(ctx context.Context, log io.Writer, store *queue.Store, ended int) error {
	var recorded, live int
	err := store.Pool().QueryRow(ctx, `SELECT count(*) FILTER (WHERE state = 'ended'), count(*) FILTER (WHERE state <> 'ended')
		FROM call_records WHERE organisation_id = $1 AND leg = 'supporter'`, w.org.ID).Scan(&recorded, &live)
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "callingbench ivr: call records: %d supporter legs ended, %d live; the phone network saw %d end\n",
		recorded, live, ended)
	if recorded != ended || live != 0 {
		return fmt.Errorf("%d supporter legs recorded as ended and %d live, but %d ended", recorded, live, ended)
	}
	return nil
}

// logEngineMetrics prints the engine's own view of its latencies (from the
// event's receipt to Dial's return), a cross-check of the phone network's.
func logEngineMetrics(log io.Writer, reg *prometheus.Registry) {
	families, err := reg.Gather()
	if err != nil {
		return
	}
	for _, f := range families {
		name := f.GetName()
		if name != "callingd_key_to_dial_seconds" && name != "callingd_answer_to_first_dial_seconds" {
			continue
		}
		for _, m := range f.GetMetric() {
			h := m.GetHistogram()
			n := h.GetSampleCount()
			if n == 0 {
				continue
			}
			p99 := "above the last bucket"
			for _, bk := range h.GetBucket() {
				if float64(bk.GetCumulativeCount()) >= 0.99*float64(n) {
					p99 = fmt.Sprintf("≤ %g ms", bk.GetUpperBound()*1000)
					break
				}
			}
			fmt.Fprintf(log, "callingbench ivr: engine's %s: %d, mean %.2f ms, p99 %s\n",
				name, n, h.GetSampleSum()/float64(n)*1000, p99)
		}
	}
}

// cappedLog passes on the first lines written to it and counts the rest.
type cappedLog struct {
	mu    sync.Mutex
	w     io.Writer
	left  int
	lines int
}

func (c *cappedLog) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lines++
	if c.left > 0 {
		c.left--
		_, _ = c.w.Write(b)
	}
	return len(b), nil
}

func (c *cappedLog) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lines
}

// The phone network's side of the ivr benchmark.

// ivrWindow starts (Measure) or ends the measured window, and turns the
// leaders' keys on or off (Press).
type ivrWindow struct {
	Measure bool `json:"measure"`
	Press   bool `json:"press"`
}

// ivrTalkRequest sets how long the supporters at Numbers (a format for
// fmt.Sprintf) 0 to Count-1 talk before they hang up, from their next call.
type ivrTalkRequest struct {
	Numbers string        `json:"numbers"`
	Count   int           `json:"count"`
	Talk    time.Duration `json:"talk"` // each talks a random time from Talk/2 to Talk*3/2
}

// ivrStatus is where the leaders are.
type ivrStatus struct {
	Leaders     int `json:"leaders"`     // answered their phone
	FirstDials  int `json:"first_dials"` // had a first supporter dialled
	Idle        int `json:"idle"`        // in wrap-up with keys off
	Ended       int `json:"ended"`       // supporter legs ended, since the start
	Completed   int `json:"completed"`   // ran out of supporters
	PressErrors int `json:"press_errors"`
}

// ivrResults are the measured window's figures.
type ivrResults struct {
	Key        []time.Duration `json:"key"`       // key to dial, keys pressed in the window
	KeyNames   []string        `json:"key_names"` // which key, for each of Key
	FirstDial  []time.Duration `json:"first_dial"`
	Ended      int             `json:"ended"` // supporter legs ended in the window
	Outcomes   map[string]int  `json:"outcomes"`
	Problems   map[string]int  `json:"problems"`   // lines busy, technical problem
	Unexpected int             `json:"unexpected"` // dials no key or answer explains
}

func (r *ivrResults) check() error {
	switch {
	case len(r.Key) == 0:
		return fmt.Errorf("no key was timed")
	case len(r.FirstDial) < ivrLeaders:
		return fmt.Errorf("%d first dials timed, want %d", len(r.FirstDial), ivrLeaders)
	case len(r.Problems) > 0:
		return fmt.Errorf("the call flow played %v", r.Problems)
	case r.Unexpected > 0:
		return fmt.Errorf("%d supporter dials followed no key", r.Unexpected)
	}
	return nil
}

// logKeys prints key to dial by key: 1 also logs a contact before the claim.
func (r *ivrResults) logKeys(log io.Writer) {
	byKey := map[string][]time.Duration{}
	for i, d := range r.Key {
		byKey[r.KeyNames[i]] = append(byKey[r.KeyNames[i]], d)
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		d := byKey[k]
		fmt.Fprintf(log, "callingbench ivr: key %s to dial: %d, %s\n", k, len(d), spread(d))
	}
}

// logFirstDials prints answer to first dial.
func (r *ivrResults) logFirstDials(log io.Writer) {
	fmt.Fprintf(log, "callingbench ivr: answer to first dial (less the %v prompt): %s\n", ivrPrompt, spread(r.FirstDial))
}

type ivrPhones struct {
	sim    *arisim.Sim
	prompt time.Duration

	mu          sync.Mutex
	leaders     map[string]*ivrLeader // by the leader leg's channel id
	originators map[string]string     // a created supporter leg's leader, until its dial
	press       bool
	measure     bool
	firstDials  int
	idle        int
	ended       int
	completed   int
	pressErrs   int
	res         ivrResults
}

// ivrLeader is one leader's phone.
type ivrLeader struct {
	channel    string
	answeredAt time.Time
	dialled    bool      // a first supporter was dialled
	pressedAt  time.Time // a key waiting for its dial
	key        string
	measured   bool // the key was pressed in the window
	presses    int
	idle       bool
	wrapUp     chan struct{} // capacity 1: the wrap-up prompt began
}

func newIVRPhones(sim *arisim.Sim, cfg phonesConfig) phoneMode {
	return &ivrPhones{sim: sim, prompt: cfg.SoundDuration, leaders: map[string]*ivrLeader{},
		originators: map[string]string{}, press: true,
		res: ivrResults{Outcomes: map[string]int{}, Problems: map[string]int{}}}
}

func (v *ivrPhones) tap(r *http.Request, arrived time.Time) func() {
	if r.Method != http.MethodPost {
		return nil
	}
	if r.URL.Path == "/ari/channels/create" {
		// A supporter's leg is created on its leader's behalf (originator).
		if leader := requestParam(r, "originator"); leader != "" {
			v.mu.Lock()
			v.originators[requestParam(r, "channelId")] = leader
			v.mu.Unlock()
		}
		return nil
	}
	id, op, ok := channelOp(r.URL.Path)
	if !ok {
		return nil
	}
	switch op {
	case "dial":
		v.mu.Lock()
		leader, ok := v.originators[id]
		delete(v.originators, id)
		v.mu.Unlock()
		if !ok {
			// Only a leader's leg is dialled on nobody's behalf; the phone
			// answers while the simulator handles the request.
			return func() { v.answered(id, time.Now()) }
		}
		v.dialled(leader, arrived)
	case "play":
		media := requestParam(r, "media")
		return func() { v.played(id, media) }
	}
	return nil
}

func (v *ivrPhones) answered(channel string, at time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	l := v.leaders[channel]
	if l == nil {
		l = &ivrLeader{channel: channel, wrapUp: make(chan struct{}, 1)}
		v.leaders[channel] = l
		go v.keypad(l)
	}
	l.answeredAt = at
}

// dialled is a supporter's leg dialled on the leader's behalf.
func (v *ivrPhones) dialled(leader string, arrived time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	l := v.leaders[leader]
	switch {
	case l == nil:
		v.res.Unexpected++
	case !l.dialled:
		l.dialled = true
		v.firstDials++
		v.res.FirstDial = append(v.res.FirstDial, arrived.Sub(l.answeredAt)-v.prompt)
	case !l.pressedAt.IsZero():
		if l.measured {
			v.res.Key = append(v.res.Key, arrived.Sub(l.pressedAt))
			v.res.KeyNames = append(v.res.KeyNames, l.key)
		}
		l.pressedAt = time.Time{}
	default:
		v.res.Unexpected++
	}
}

// played is a prompt that began on a leader's leg.
func (v *ivrPhones) played(channel, media string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	l := v.leaders[channel]
	if l == nil {
		return
	}
	switch media {
	case ivr.PromptWrapUp, ivr.PromptBusy, ivr.PromptNoAnswer, ivr.PromptFailed: // a supporter's leg ended
		v.ended++
		if v.measure {
			v.res.Ended++
			v.res.Outcomes[strings.TrimPrefix(media, "sound:callingd/")]++
		}
	case ivr.PromptLinesBusy, ivr.PromptTechnicalProblem:
		v.res.Problems[strings.TrimPrefix(media, "sound:callingd/")]++
	case ivr.PromptCycleComplete:
		v.completed++
		return
	default: // connecting, ringback
		return
	}
	select {
	case l.wrapUp <- struct{}{}:
	default:
	}
}

// keypad is the leader's thumb: at each wrap-up, a key at once (1 and #
// in turn), unless keys are off.
func (v *ivrPhones) keypad(l *ivrLeader) {
	for range l.wrapUp {
		v.mu.Lock()
		if !v.press {
			if !l.idle {
				l.idle = true
				v.idle++
			}
			v.mu.Unlock()
			continue
		}
		l.presses++
		l.key = "#"
		if l.presses%2 == 1 {
			l.key = "1"
		}
		key := l.key
		l.measured = v.measure
		l.pressedAt = time.Now()
		v.mu.Unlock()
		if err := v.sim.Press(l.channel, key); err != nil {
			v.mu.Lock()
			v.pressErrs++
			l.pressedAt = time.Time{}
			v.mu.Unlock()
		}
	}
}

func (v *ivrPhones) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /bench/status", func(w http.ResponseWriter, r *http.Request) {
		writeBenchJSON(w, v.status())
	})
	mux.HandleFunc("POST /bench/window", func(w http.ResponseWriter, r *http.Request) {
		var req ivrWindow
		if !readBenchJSON(w, r, &req) {
			return
		}
		v.mu.Lock()
		if req.Measure && !v.measure {
			first := v.res.FirstDial
			v.res = ivrResults{FirstDial: first, Outcomes: map[string]int{}, Problems: map[string]int{}}
		}
		v.measure, v.press = req.Measure, req.Press
		if v.press {
			// Leaders waiting in wrap-up press now.
			for _, l := range v.leaders {
				if l.idle {
					l.idle = false
					v.idle--
					select {
					case l.wrapUp <- struct{}{}:
					default:
					}
				}
			}
		}
		v.mu.Unlock()
		writeBenchJSON(w, v.status())
	})
	mux.HandleFunc("POST /bench/talk", func(w http.ResponseWriter, r *http.Request) {
		var req ivrTalkRequest
		if !readBenchJSON(w, r, &req) {
			return
		}
		for n := range req.Count {
			talk := req.Talk/2 + rand.N(req.Talk+1)
			v.sim.SetScript(fmt.Sprintf(req.Numbers, n), arisim.Script{HangupAfter: talk})
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /bench/results", func(w http.ResponseWriter, r *http.Request) {
		v.mu.Lock()
		defer v.mu.Unlock()
		writeBenchJSON(w, v.res)
	})
}

func (v *ivrPhones) status() ivrStatus {
	v.mu.Lock()
	defer v.mu.Unlock()
	return ivrStatus{Leaders: len(v.leaders), FirstDials: v.firstDials, Idle: v.idle, Ended: v.ended,
		Completed: v.completed, PressErrors: v.pressErrs}
}
