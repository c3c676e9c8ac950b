package main

// The web benchmark's live part: 500 open pages on the session's event
// stream, the lag from a change committing to its event reaching all of
// them, and callingd's memory per open stream.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/supporterbase/callingsessions/queue"
)

const (
	webStreamOpeners = 20 // streams opened at once
	// webSettle lets the other notifications of an announce pass (a claim
	// marks several kinds, each its own event) arrive before the next change.
	webSettle = 50 * time.Millisecond
	// webMemoryCollections is how many garbage collections callingd makes
	// while its memory is sampled: the least sample comes just after one.
	webMemoryCollections = 3
	webMemoryScrapes     = 5000 // at most, however few collections they bring on
)

// measureStreams reads callingd's memory with no stream open, opens
// webStreams streams of the session's changes, times webChanges changes to
// the last stream and reads the memory again with them open.
func (s *callingdServer) measureStreams(ctx context.Context, b *bench, w *webWorld) (lags []time.Duration, perStream float64, err error) {
	before, err := s.settledMemory(ctx, b)
	if err != nil {
		return nil, 0, err
	}
	streamCtx, closeStreams := context.WithCancel(ctx)
	st := &streams{sessionID: w.sessionID}
	defer st.wg.Wait()
	defer closeStreams()
	if err := st.open(streamCtx, s.base+fmt.Sprintf("/sessions/%d/events", w.sessionID), w.cookie); err != nil {
		return nil, 0, err
	}
	opened, err := s.settledMemory(ctx, b)
	if err != nil {
		return nil, 0, err
	}
	if lags, err = measureLag(ctx, b, w, st); err != nil {
		return nil, 0, err
	}
	after, err := s.settledMemory(ctx, b)
	if err != nil {
		return nil, 0, err
	}
	fmt.Fprintf(b.log, "callingbench web: memory, no stream: %s\n", before)
	fmt.Fprintf(b.log, "callingbench web: memory, %d streams just opened: %s; %.0f bytes per stream\n",
		webStreams, opened, (opened.inUse()-before.inUse())/webStreams)
	fmt.Fprintf(b.log, "callingbench web: memory, %d streams after %d changes: %s; %.0f bytes per stream (heap alloc %.0f, RSS %.0f)\n",
		webStreams, webChanges, after, (after.inUse()-before.inUse())/webStreams,
		(after.heapAlloc-before.heapAlloc)/webStreams, (after.rss-before.rss)/webStreams)
	return lags, (after.inUse() - before.inUse()) / webStreams, nil
}

// streams are the open pages: each stream's reader puts the arrival time of
// every event that would make its page reload (a change of the session, or
// a resync) on its channel.
type streams struct {
	sessionID int64
	arrivals  []chan time.Time
	wg        sync.WaitGroup
	resyncs   atomic.Int64
	dropped   atomic.Int64 // arrivals a full channel could not take
}

// open opens webStreams streams, webStreamOpeners at a time, each a
// connection of its own as a browser's EventSource is; they stay open until
// ctx ends.
func (st *streams) open(ctx context.Context, url string, cookie *http.Cookie) error {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost, t.DisableCompression, t.ResponseHeaderTimeout = webStreams, true, 10*time.Second
	client := &http.Client{Transport: t} // no Timeout: it would end the streams
	st.arrivals = make([]chan time.Time, webStreams)
	next := make(chan int, webStreams)
	for i := range webStreams {
		st.arrivals[i] = make(chan time.Time, 64)
		next <- i
	}
	close(next)
	errs := make(chan error, webStreamOpeners)
	var openers sync.WaitGroup
	for range webStreamOpeners {
		openers.Go(func() {
			for i := range next {
				body, err := openStream(ctx, client, url, cookie)
				if err != nil {
					errs <- fmt.Errorf("stream %d: %w", i, err)
					return
				}
				st.wg.Go(func() { st.read(body, st.arrivals[i]) })
			}
		})
	}
	openers.Wait()
	close(errs)
	return <-errs // nil when every stream opened
}

// openStream asks for an event stream as EventSource does and checks it is one.
func openStream(ctx context.Context, client *http.Client, url string, cookie *http.Cookie) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	req.AddCookie(cookie)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		resp.Body.Close()
		return nil, fmt.Errorf("GET %s: %s, %q", url, resp.Status, resp.Header.Get("Content-Type"))
	}
	return resp.Body, nil
}

// read parses one stream until it ends, noting when each event that
// concerns the session arrived (its blank line, which ends it).
func (st *streams) read(body io.ReadCloser, arrivals chan<- time.Time) {
	defer body.Close()
	sc := bufio.NewScanner(body)
	var name, data string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if st.concerns(name, data) {
				select {
				case arrivals <- time.Now():
				default:
					st.dropped.Add(1)
				}
			}
			name, data = "", ""
		case strings.HasPrefix(line, "event:"):
			name = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			data = strings.TrimSpace(strings.TrimPrefix(line, "data:"))
		}
	}
}

// concerns reports whether the event makes the session's page reload: a
// change of the session (the stream may carry the organisation's other
// sessions too), or a resync.
func (st *streams) concerns(name, data string) bool {
	switch name {
	case "resync":
		st.resyncs.Add(1)
		return true
	case "change":
		var ch struct {
			SessionID int64 `json:"session_id"`
		}
		return json.Unmarshal([]byte(data), &ch) == nil && ch.SessionID == st.sessionID
	}
	return false
}

// drain forgets what has arrived so far.
func (st *streams) drain() {
	for _, a := range st.arrivals {
		for len(a) > 0 {
			<-a
		}
	}
}

// waitAll waits for an event on every stream and returns when the first
// and the last arrived, counted from committed; arrivals from before
// started belong to an earlier change and are skipped. missed is how many
// streams had none by the deadline.
func (st *streams) waitAll(ctx context.Context, started, committed, deadline time.Time) (first, last time.Duration, missed int) {
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	first = time.Duration(math.MaxInt64)
	for _, a := range st.arrivals {
		got := false
		for !got {
			select {
			case at := <-a:
				if at.Before(started) {
					continue
				}
				d := max(at.Sub(committed), 0) // came before the change's call returned
				first, last, got = min(first, d), max(last, d), true
			case <-ctx.Done():
				missed++
				got = true
			}
		}
	}
	return first, last, missed
}

// measureLag makes webChanges changes, a claim and a skip in turn, each
// once the last one's events have all arrived, and returns for each the
// time its event took to reach the last of the streams. Each waits a
// random part of the announce interval too, so changes fall at every phase
// of the announcer's tick, as real ones do, rather than in step with it.
func measureLag(ctx context.Context, b *bench, w *webWorld, st *streams) ([]time.Duration, error) {
	every := announceEvery()
	var lasts, firsts, changeTimes []time.Duration
	cpu0 := processCPU()
	begin := time.Now()
	var prev time.Time
	for i := range webChanges {
		wait := max(time.Until(prev.Add(webChangeSpacing)), 0) + rand.N(every)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		st.drain()
		started := time.Now()
		prev = started
		cleanUp, err := w.change(ctx, i)
		committed := time.Now()
		if err != nil {
			return nil, err
		}
		first, last, missed := st.waitAll(ctx, started, committed, committed.Add(webEventTimeout))
		if missed > 0 {
			return nil, fmt.Errorf("change %d: %d of %d streams had no event within %v", i, missed, webStreams, webEventTimeout)
		}
		firsts, lasts, changeTimes = append(firsts, first), append(lasts, last), append(changeTimes, committed.Sub(started))
		if err := st.cleanUp(ctx, cleanUp, every); err != nil {
			return nil, fmt.Errorf("change %d: %w", i, err)
		}
	}
	fmt.Fprintf(b.log, "callingbench web: %d changes to %d streams, announcing every %v, in %v (callingbench %.2f cores); "+
		"%d resyncs, %d events dropped by a full channel; load average %s\n", webChanges, webStreams, every, time.Since(begin).Round(time.Millisecond),
		(processCPU()-cpu0).Seconds()/time.Since(begin).Seconds(), st.resyncs.Load(), st.dropped.Load(), loadAverage())
	fmt.Fprintf(b.log, "callingbench web:   the change itself: %s\n", spread(changeTimes))
	fmt.Fprintf(b.log, "callingbench web:   to the first stream: %s\n", spread(firsts))
	fmt.Fprintf(b.log, "callingbench web:   to the last stream: %s\n", spread(lasts))
	return lasts, nil
}

// cleanUp runs a change's clean-up (a claim's call ending), waits for its
// events to arrive too, then for the rest of their announce pass.
func (st *streams) cleanUp(ctx context.Context, cleanUp func(context.Context) error, every time.Duration) error {
	if cleanUp != nil {
		started := time.Now()
		if err := cleanUp(ctx); err != nil {
			return err
		}
		committed := time.Now()
		st.waitAll(ctx, started, committed, committed.Add(every+2*time.Second))
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(webSettle):
		return nil
	}
}

// change makes the i-th change: a claim (to be cleaned up by ending its
// call, so the session may claim again) or a skip for this cycle of a
// supporter far down the queue, in turn.
func (w *webWorld) change(ctx context.Context, i int) (cleanUp func(context.Context) error, err error) {
	if i%2 == 1 {
		_, err := w.store.Skip(ctx, w.leader, w.sessionID, w.skipIDs[i/2], queue.SkipInput{Type: queue.SkipCycle})
		return nil, err
	}
	cl, ok, err := w.store.Claim(ctx, w.orgID, w.sessionID)
	switch {
	case err != nil:
		return nil, fmt.Errorf("claim: %w", err)
	case !ok:
		return nil, fmt.Errorf("claim: nobody available")
	}
	return func(ctx context.Context) error {
		_, err := w.store.CallEnded(ctx, w.orgID, cl.Call.ID, queue.OutcomeNoAnswer, 19, "No answer")
		return err
	}, nil
}

// callingdMemory is what callingd's /metrics says of its memory.
type callingdMemory struct {
	heapInuse, stackInuse, heapAlloc, rss, goroutines float64
}

func (m callingdMemory) inUse() float64 { return m.heapInuse + m.stackInuse }

func (m callingdMemory) String() string {
	return fmt.Sprintf("heap in use %.1f MiB + stacks %.1f MiB (heap alloc %.1f MiB, RSS %.1f MiB, %.0f goroutines)",
		m.heapInuse/(1<<20), m.stackInuse/(1<<20), m.heapAlloc/(1<<20), m.rss/(1<<20), m.goroutines)
}

// settledMemory is callingd's live memory: nothing makes it collect
// garbage on demand, so /metrics is read back to back, each read's garbage
// bringing the next collection nearer, until it has collected
// webMemoryCollections times; the least heap + stacks in use seen is just
// after a collection.
func (s *callingdServer) settledMemory(ctx context.Context, b *bench) (callingdMemory, error) {
	least := callingdMemory{heapInuse: math.Inf(1)}
	firstGC := -1.0
	for n := range webMemoryScrapes {
		m, gcs, err := s.scrapeMemory(ctx)
		if err != nil {
			return least, err
		}
		if firstGC < 0 {
			firstGC = gcs
		}
		if m.inUse() < least.inUse() {
			least = m
		}
		if gcs >= firstGC+webMemoryCollections {
			return least, nil
		}
		if n == webMemoryScrapes-1 {
			fmt.Fprintf(b.log, "callingbench web: only %.0f collections in %d reads of /metrics; memory may count garbage\n", gcs-firstGC, webMemoryScrapes)
		}
	}
	return least, nil
}

// scrapeMemory reads callingd's /metrics: its memory, and how many garbage
// collections it has made.
func (s *callingdServer) scrapeMemory(ctx context.Context) (callingdMemory, float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/metrics", nil)
	if err != nil {
		return callingdMemory{}, 0, err
	}
	resp, err := s.metrics.Do(req)
	if err != nil {
		return callingdMemory{}, 0, fmt.Errorf("read /metrics: %w", err)
	}
	defer resp.Body.Close()
	v := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok || strings.HasPrefix(name, "#") || strings.Contains(name, "{") {
			continue
		}
		if f, err := strconv.ParseFloat(value, 64); err == nil {
			v[name] = f
		}
	}
	if err := sc.Err(); err != nil {
		return callingdMemory{}, 0, fmt.Errorf("read /metrics: %w", err)
	}
	for _, name := range []string{"go_memstats_heap_inuse_bytes", "go_memstats_stack_inuse_bytes", "go_gc_duration_seconds_count"} {
		if _, ok := v[name]; !ok {
			return callingdMemory{}, 0, fmt.Errorf("/metrics has no %s", name)
		}
	}
	return callingdMemory{heapInuse: v["go_memstats_heap_inuse_bytes"], stackInuse: v["go_memstats_stack_inuse_bytes"],
		heapAlloc: v["go_memstats_heap_alloc_bytes"], rss: v["process_resident_memory_bytes"], goroutines: v["go_goroutines"]}, v["go_gc_duration_seconds_count"], nil
}
