package live

import (
	"slices"
	"testing"
	"time"
)

// BenchmarkChangeToEveryStream measures the SSE figure from the
// NOTIFY on: the time until 500 open streams over real HTTP all have the
// change. The panel's own figure adds the announcer's debounce
// (queue.AnnounceEvery) in front of it.
func BenchmarkChangeToEveryStream(b *testing.B) {
	store, pool, cfg := storeAndPool(b)
	h := runHub(b, store, cfg)
	srv := serve(b, h)
	const streams = 500
	clients := make([]*sseClient, streams)
	for i := range clients {
		clients[i] = connect(b, srv, "/?org=1", nil)
	}
	waitUntil(b, "every stream subscribed", func() bool { return h.Clients() == streams })
	var lags []time.Duration
	for session := int64(1); b.Loop(); session++ {
		start := time.Now()
		notify(b, pool, 1, session, "queue")
		for _, c := range clients {
			c.expectChange(b, session, "queue")
		}
		lags = append(lags, time.Since(start))
	}
	slices.Sort(lags)
	p99 := lags[(len(lags)*99)/100]
	b.ReportMetric(float64(p99.Microseconds())/1000, "ms_p99_to_all")
}

// BenchmarkMemoryPerStream reports the bytes one open stream costs the
// server (see TestMemoryPerStreamUnder64KiB).
func BenchmarkMemoryPerStream(b *testing.B) {
	var perStream float64
	for b.Loop() {
		perStream = measureStreams(b, 500)
	}
	b.ReportMetric(perStream, "bytes/stream")
}
