package arisim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/websocket"
)

const (
	testUser = "callingd"
	testPass = "secret"
	testApp  = "calling"
)

// testStart is a fake clock's start: the day the recordings were made.
var testStart = time.Date(2026, 11, 23, 19, 0, 0, 0, time.UTC)

// startSim starts a Sim on loopback, closed when the test ends. A nil
// clock means a FakeClock, returned too.
func startSim(tb testing.TB, cfg Config) (*Sim, *FakeClock) {
	tb.Helper()
	var fake *FakeClock
	if cfg.Clock == nil {
		fake = NewFakeClock(testStart)
		cfg.Clock = fake
	}
	if cfg.Username == "" {
		cfg.Username, cfg.Password = testUser, testPass
	}
	s, err := Start(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s, fake
}

// call makes a REST call with the test credentials. A string body is sent
// as is, any other non-nil body as JSON; path is under /ari.
func call(tb testing.TB, s *Sim, method, path string, body any) (int, []byte) {
	tb.Helper()
	var rd io.Reader
	if raw, ok := body.(string); ok {
		rd = strings.NewReader(raw) // sent as is, even when not JSON
	} else if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			tb.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.URL()+path, rd)
	if err != nil {
		tb.Fatal(err)
	}
	req.SetBasicAuth(testUser, testPass)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return do(tb, req)
}

func do(tb testing.TB, req *http.Request) (int, []byte) {
	tb.Helper()
	status, out, err := tryDo(req)
	if err != nil {
		tb.Fatal(err)
	}
	return status, out
}

// tryDo is do for goroutines other than the test's, which must not call
// Fatal.
func tryDo(req *http.Request) (int, []byte, error) {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}

// mustCall is call that fails the test unless the status is want.
func mustCall(tb testing.TB, s *Sim, want int, method, path string, body any) []byte {
	tb.Helper()
	status, out := call(tb, s, method, path, body)
	if status != want {
		tb.Fatalf("%s %s: status %d, want %d (%s)", method, path, status, want, out)
	}
	return out
}

// stream is an events websocket that collects everything it receives.
type stream struct {
	ws   *websocket.Conn
	mu   sync.Mutex
	msgs [][]byte
	done chan struct{}
}

// listen opens an events websocket for app and waits until the simulator
// has subscribed it.
func listen(tb testing.TB, s *Sim, app string) *stream {
	tb.Helper()
	cfg, err := websocket.NewConfig(s.WebsocketURL()+"?app="+app, "http://localhost/")
	if err != nil {
		tb.Fatal(err)
	}
	cfg.Header.Set("Authorization", "Basic "+basic(testUser, testPass))
	ws, err := websocket.DialConfig(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	st := &stream{ws: ws, done: make(chan struct{})}
	go st.read()
	tb.Cleanup(st.close)
	waitUntil(tb, "websocket subscribed", func() bool { return s.connCount(app) > 0 })
	return st
}

func (st *stream) read() {
	defer close(st.done)
	for {
		var msg []byte
		if err := websocket.Message.Receive(st.ws, &msg); err != nil {
			return
		}
		st.mu.Lock()
		st.msgs = append(st.msgs, msg)
		st.mu.Unlock()
	}
}

func (st *stream) close() {
	_ = st.ws.Close()
	<-st.done
}

// events returns the messages received so far, decoded.
func (st *stream) events(tb testing.TB) []map[string]any {
	tb.Helper()
	st.mu.Lock()
	defer st.mu.Unlock()
	out := make([]map[string]any, 0, len(st.msgs))
	for _, m := range st.msgs {
		var ev map[string]any
		if err := json.Unmarshal(m, &ev); err != nil {
			tb.Fatalf("event %s: %v", m, err)
		}
		out = append(out, ev)
	}
	return out
}

func (st *stream) count() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.msgs)
}

// waitType waits until an event of type typ about id (channel, peer,
// bridge or playback) arrived, and returns it.
func (st *stream) waitType(tb testing.TB, typ, id string) map[string]any {
	tb.Helper()
	var found map[string]any
	waitUntil(tb, typ+" "+id, func() bool {
		for _, ev := range st.events(tb) {
			if ev["type"] == typ && (id == "" || eventKey(ev) == id) {
				found = ev
				return true
			}
		}
		return false
	})
	return found
}

// types lists the types of the events about id, in order.
func (st *stream) types(tb testing.TB, id string) []string {
	var out []string
	for _, ev := range st.events(tb) {
		if eventKey(ev) == id {
			out = append(out, ev["type"].(string))
		}
	}
	return out
}

// eventKey is what an event is about: the channel (the Dial peer, a
// playback's target) or else the bridge.
func eventKey(ev map[string]any) string {
	for _, k := range []string{"channel", "peer"} {
		if m, ok := ev[k].(map[string]any); ok {
			return m["id"].(string)
		}
	}
	if pb, ok := ev["playback"].(map[string]any); ok {
		return strings.TrimPrefix(pb["target_uri"].(string), "channel:")
	}
	if b, ok := ev["bridge"].(map[string]any); ok {
		return b["id"].(string)
	}
	return ""
}

// waitUntil polls cond until it holds, failing the test after 5 s.
func waitUntil(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// connCount is how many websockets are subscribed to app.
func (s *Sim) connCount(app string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.apps[app]; a != nil {
		return len(a.conns)
	}
	return 0
}

// sentEvents counts the messages the simulator has queued to websockets
// (once per application, however many connections it has).
func sentEvents(s *Sim) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return int(s.sent)
}

// settle waits until st has received every event the simulator sent.
func settle(tb testing.TB, s *Sim, st *stream) {
	tb.Helper()
	waitUntil(tb, "events delivered", func() bool { return st.count() >= sentEvents(s) })
}

func basic(user, pass string) string {
	req, _ := http.NewRequest("GET", "http://x/", nil)
	req.SetBasicAuth(user, pass)
	return strings.TrimPrefix(req.Header.Get("Authorization"), "Basic ")
}

// dialled creates a channel to endpoint in testApp and dials it,
// returning its id.
func dialled(tb testing.TB, s *Sim, endpoint string, timeout int) string {
	tb.Helper()
	var ch struct{ ID string }
	out := mustCall(tb, s, 200, "POST", "/channels/create", map[string]any{"app": testApp, "endpoint": endpoint})
	if err := json.Unmarshal(out, &ch); err != nil {
		tb.Fatal(err)
	}
	mustCall(tb, s, 204, "POST", "/channels/"+ch.ID+"/dial", map[string]any{"timeout": timeout})
	return ch.ID
}
