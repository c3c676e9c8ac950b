package live

// These tests count goroutines and bytes of the whole process, so they do
// not run in parallel (the parallel tests wait until they are done).

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/supporterbase/callingsessions/queue"
)

func TestNoGoroutineOutlivesItsStreamOrTheHub(t *testing.T) {
	before := runtime.NumGoroutine()
	fake := newFakeListener()
	h := New(fake, testLogger(t), fakeConfig())
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- h.Run(ctx) }()
	waitUntil(t, "listening", h.Listening)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeStream(w, r, 1, nil)
	}))

	clients := make([]*sseClient, 20)
	for i := range clients {
		clients[i] = connect(t, srv, "/", nil)
	}
	waitUntil(t, "subscribed", func() bool { return h.Clients() == len(clients) })
	fake.send(t, h, queue.Notification{OrganisationID: 1, SessionID: 1, Kind: "queue"})
	for _, c := range clients[:10] {
		c.expectChange(t, 1, "queue")
		c.close()
	}
	waitUntil(t, "closed streams unsubscribed", func() bool { return h.Clients() == 10 })

	cancel()
	if err := <-ran; err != nil {
		t.Fatal(err)
	}
	for _, c := range clients[10:] {
		if !c.endsSoon() {
			t.Fatal("a stream outlived the hub")
		}
		c.close()
	}
	srv.Close()
	waitUntil(t, "goroutines back to where they were", func() bool { return runtime.NumGoroutine() <= before })
}

// The target is under 64 KiB per open stream. Clients here are bare
// TCP connections that hold no Go memory of their own, so what is measured
// is the server's side: net/http's connection, the stream and the hub.
func TestMemoryPerStreamUnder64KiB(t *testing.T) {
	const streams = 500
	perStream := measureStreams(t, streams)
	t.Logf("%d streams: %.0f bytes each (heap in use + stacks)", streams, perStream)
	if perStream > 64<<10 {
		t.Errorf("%.0f bytes per stream, want under 64 KiB", perStream)
	}
}

// measureStreams opens n streams over real HTTP, sends each one change and
// returns the bytes the process grew by per stream.
func measureStreams(tb testing.TB, n int) float64 {
	fake := newFakeListener()
	h := New(fake, slog.New(slog.DiscardHandler), fakeConfig())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go h.Run(ctx) //nolint:errcheck // returns nil when ctx ends
	waitUntil(tb, "listening", h.Listening)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeStream(w, r, 1, nil)
	}))
	defer srv.Close()
	defer cancel() // streams end before the server closes

	before := inUse()
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range n {
		c, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			tb.Fatal(err)
		}
		conns = append(conns, c)
		if _, err := fmt.Fprint(c, "GET / HTTP/1.1\r\nHost: live\r\nAccept: text/event-stream\r\n\r\n"); err != nil {
			tb.Fatal(err)
		}
	}
	waitUntil(tb, "every stream subscribed", func() bool { return h.Clients() == n })
	fake.send(tb, h, queue.Notification{OrganisationID: 1, SessionID: 1, Kind: "queue"})
	buf := make([]byte, 4096)
	for _, c := range conns {
		readUntil(tb, c, buf, []byte("event: change"))
	}
	return float64(inUse()-before) / float64(n)
}

func inUse() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse + m.StackInuse)
}

// readUntil reads c until what arrived contains want.
func readUntil(tb testing.TB, c net.Conn, buf, want []byte) {
	if err := c.SetReadDeadline(time.Now().Add(wait)); err != nil {
		tb.Fatal(err)
	}
	var seen []byte
	for !bytes.Contains(seen, want) {
		n, err := c.Read(buf)
		if err != nil {
			tb.Fatalf("read stream: %v (got %q)", err, seen)
		}
		seen = append(seen, buf[:n]...)
	}
}
