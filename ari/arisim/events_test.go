package arisim

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/websocket"
)

func TestEventFilter(t *testing.T) {
	t.Parallel()
	s, _ := startSim(t, Config{})
	st := listen(t, s, testApp)
	out := mustCall(t, s, 200, "PUT", "/applications/calling/eventFilter", map[string]any{
		"allowed":    []map[string]string{{"type": "StasisStart"}, {"type": "Dial"}, {"type": "ChannelDestroyed"}},
		"disallowed": []map[string]string{{"type": "Dial"}},
	})
	var a applicationJSON
	if err := json.Unmarshal(out, &a); err != nil || len(a.EventsAllowed) != 3 || len(a.EventsDisallowed) != 1 {
		t.Fatalf("reply %s (%v)", out, err)
	}
	s.SetScript("+447700900200", Script{Outcome: Busy})
	id := dialled(t, s, "PJSIP/+447700900200@trunk", 30)
	st.waitType(t, "ChannelDestroyed", id)
	if got := st.types(t, id); !slices.Equal(got, []string{"StasisStart", "ChannelDestroyed"}) {
		t.Fatalf("events %v", got)
	}

	// The wrapped form and clearing.
	mustCall(t, s, 200, "PUT", "/applications/calling/eventFilter", map[string]any{"filter": map[string]any{"allowed": []any{}}})
	id = dialled(t, s, "PJSIP/+447700900200@trunk", 30)
	st.waitType(t, "ChannelDestroyed", id)
	if got := st.types(t, id); len(got) != 8 {
		t.Fatalf("after clearing the filter: %v", got)
	}

	for _, bad := range []string{`{"allowed":[{"name":"x"}]}`, `{"allowed":`, `{"allowed":["StasisStart"]}`} {
		if status, body := call(t, s, "PUT", "/applications/calling/eventFilter", bad); status != 400 {
			t.Errorf("%s: %d %s", bad, status, body)
		}
	}
	mustCall(t, s, 404, "PUT", "/applications/other/eventFilter", map[string]any{})
}

// TestWebsocketDrop: the application and its channels outlive the
// websocket; events sent meanwhile are lost, none replayed (recording
// app-state-and-reconnect).
func TestWebsocketDrop(t *testing.T) {
	t.Parallel()
	s, clock := startSim(t, Config{})
	st := listen(t, s, testApp)
	s.SetScript("+447700900201", Script{Keys: []KeyPress{{After: time.Second, Digit: "1"}}})
	id := dialled(t, s, "PJSIP/+447700900201@trunk", 30)
	settle(t, s, st)
	before := st.count()

	s.DropWebsockets()
	<-st.done
	clock.Advance(time.Second) // the key press goes nowhere
	var a applicationJSON
	_ = json.Unmarshal(mustCall(t, s, 200, "GET", "/applications/calling", nil), &a)
	if !slices.Equal(a.ChannelIDs, []string{id}) {
		t.Fatalf("channel_ids %v", a.ChannelIDs)
	}

	st2 := listen(t, s, testApp)
	if err := s.Press(id, "2"); err != nil {
		t.Fatal(err)
	}
	ev := st2.waitType(t, "ChannelDtmfReceived", id)
	if ev["digit"] != "2" || st2.count() != 1 || st.count() != before {
		t.Fatalf("after reconnect: %v, %d new events, %d old", ev, st2.count(), st.count()-before)
	}
}

// TestRestart: "Asterisk restarts": connections drop, everything is gone
// without an event, nothing pending fires.
func TestRestart(t *testing.T) {
	t.Parallel()
	s, clock := startSim(t, Config{})
	st := listen(t, s, testApp)
	s.SetScript("+447700900202", Script{HangupAfter: time.Minute})
	id := dialled(t, s, "PJSIP/+447700900202@trunk", 30)
	mustCall(t, s, 200, "POST", "/bridges/b1", nil)
	mustCall(t, s, 204, "POST", "/bridges/b1/addChannel?channel="+id, nil)
	mustCall(t, s, 201, "POST", "/channels/"+id+"/play/p1?media=tone:ring", nil)
	settle(t, s, st)
	mustCall(t, s, 200, "PUT", "/applications/calling/eventFilter", map[string]any{"allowed": []any{map[string]string{"type": "StasisStart"}}})

	s.Restart()
	<-st.done
	mustCall(t, s, 404, "GET", "/applications/calling", nil)
	st2 := listen(t, s, testApp)
	clock.Advance(time.Hour)
	for _, path := range []string{"/channels/" + id, "/bridges/b1", "/playbacks/p1"} {
		mustCall(t, s, 404, "GET", path, nil)
	}
	if out := strings.TrimSpace(string(mustCall(t, s, 200, "GET", "/channels", nil))); out != "[]" {
		t.Fatalf("channels %s", out)
	}
	var a applicationJSON
	_ = json.Unmarshal(mustCall(t, s, 200, "GET", "/applications/calling", nil), &a)
	if len(a.ChannelIDs)+len(a.BridgeIDs)+len(a.EventsAllowed) != 0 {
		t.Fatalf("application after restart %+v", a)
	}
	if st2.count() != 0 || clock.Pending() != 0 {
		t.Fatalf("%d events, %d timers after restart", st2.count(), clock.Pending())
	}
	// Scripts survive; new calls work.
	id = dialled(t, s, "PJSIP/+447700900202@trunk", 30)
	st2.waitType(t, "StasisStart", id)
}

func TestInject(t *testing.T) {
	t.Parallel()
	s, _ := startSim(t, Config{})
	st := listen(t, s, testApp)
	other := listen(t, s, "other")
	mustCall(t, s, 200, "PUT", "/applications/calling/eventFilter", map[string]any{"allowed": []any{map[string]string{"type": "StasisStart"}}})
	msgs := []string{`{"type":"ChannelToneDetected","application":"calling"}`, `{"type":`, `not json at all`}
	for _, m := range msgs {
		s.Inject(testApp, []byte(m))
	}
	waitUntil(t, "injected", func() bool { return st.count() == len(msgs) })
	st.mu.Lock()
	for i, m := range st.msgs {
		if string(m) != msgs[i] {
			t.Errorf("message %d: %q, want %q", i, m, msgs[i])
		}
	}
	st.mu.Unlock()
	if other.count() != 0 {
		t.Fatal("another application received the injection")
	}
}

// TestManyEvents: 10,000 events reach a reader in order, quickly.
func TestManyEvents(t *testing.T) {
	t.Parallel()
	s, _ := startSim(t, Config{})
	st := listen(t, s, testApp)
	id := dialled(t, s, "PJSIP/+447700900203@trunk", 30)
	settle(t, s, st)
	base := st.count()
	digits := strings.Repeat("0123456789", 100)
	for i := 0; i < 10; i++ {
		if err := s.Press(id, digits); err != nil {
			t.Fatal(err)
		}
	}
	waitUntil(t, "10,000 events", func() bool { return st.count() == base+10_000 })
	st.mu.Lock()
	defer st.mu.Unlock()
	for i, msg := range st.msgs[base:] {
		// Cheaper than decoding 10,000 events under the race detector.
		if want := `"digit":"` + digits[i%len(digits):i%len(digits)+1] + `"`; !strings.Contains(string(msg), want) {
			t.Fatalf("event %d: %s, want %s", i, msg, want)
		}
	}
}

// TestSlowReader: a websocket that never reads must not hold up the
// simulator; past Config.QueueLimit it is cut, as Asterisk cuts a reader
// that falls behind.
func TestSlowReader(t *testing.T) {
	t.Parallel()
	s, _ := startSim(t, Config{QueueLimit: 2_000})
	cfg, _ := websocket.NewConfig(s.WebsocketURL()+"?app=calling", "http://localhost/")
	cfg.Header.Set("Authorization", "Basic "+basic(testUser, testPass))
	conn, err := net.Dial("tcp", cfg.Location.Host)
	if err != nil {
		t.Fatal(err)
	}
	// A small receive window, so the kernel does not absorb thousands of
	// events before the simulator's queue fills.
	_ = conn.(*net.TCPConn).SetReadBuffer(4096)
	ws, err := websocket.NewClient(cfg, conn)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	waitUntil(t, "subscribed", func() bool { return s.connCount(testApp) == 1 })
	id := dialled(t, s, "PJSIP/+447700900204@trunk", 30)

	digits := strings.Repeat("#", 500)
	var slowest time.Duration
	for i := 0; i < 200 && s.connCount(testApp) == 1; i++ {
		start := time.Now()
		if err := s.Press(id, digits); err != nil {
			t.Fatal(err)
		}
		mustCall(t, s, 200, "GET", "/channels/"+id, nil)
		slowest = max(slowest, time.Since(start))
	}
	if slowest > time.Second {
		t.Errorf("a call took %v with a stuck reader", slowest)
	}
	waitUntil(t, "slow reader cut", func() bool { return s.connCount(testApp) == 0 })
}

func TestApplications(t *testing.T) {
	t.Parallel()
	s, _ := startSim(t, Config{})
	listen(t, s, testApp)
	listen(t, s, "other")
	id := dialled(t, s, "PJSIP/+447700900205@trunk", 30)
	mustCall(t, s, 200, "POST", "/bridges?bridgeId=b1", nil)
	mustCall(t, s, 200, "POST", "/bridges?bridgeId=empty", nil)
	mustCall(t, s, 204, "POST", "/bridges/b1/addChannel", map[string]string{"channel": id})
	var list []applicationJSON
	_ = json.Unmarshal(mustCall(t, s, 200, "GET", "/applications", nil), &list)
	if len(list) != 2 || list[0].Name != "calling" || !slices.Equal(list[0].ChannelIDs, []string{id}) ||
		!slices.Equal(list[0].BridgeIDs, []string{"b1"}) || len(list[1].ChannelIDs) != 0 {
		t.Fatalf("applications %+v", list)
	}
	var info map[string]map[string]any
	_ = json.Unmarshal(mustCall(t, s, 200, "GET", "/asterisk/info?only=system", nil), &info)
	if len(info) != 1 || info["system"]["entity_id"] != defaultEntityID {
		t.Fatalf("info %v", info)
	}
}

// TestWebsocketNeedsApp: Asterisk refuses an events websocket without app.
func TestWebsocketNeedsApp(t *testing.T) {
	t.Parallel()
	s, _ := startSim(t, Config{})
	req, _ := http.NewRequest("GET", s.WebsocketURL(), nil)
	req.URL.Scheme = "http"
	req.SetBasicAuth(testUser, testPass)
	if status, _ := do(t, req); status != 400 {
		t.Fatalf("status %d", status)
	}
}

// TestConcurrentCalls: 200 calls at once on the wall clock, each created,
// dialled, bridged, pressed and hung up, with every event delivered.
func TestConcurrentCalls(t *testing.T) {
	t.Parallel()
	s, _ := startSim(t, Config{Clock: SystemClock()})
	st := listen(t, s, testApp)
	const calls = 200
	errs := make(chan error, calls)
	for i := 0; i < calls; i++ {
		go func() {
			errs <- func() error {
				id := fmt.Sprintf("leg-%d", i)
				steps := []struct {
					method, path string
					status       int
				}{
					{"POST", "/channels/create?app=calling&endpoint=PJSIP/%2B4477009" + fmt.Sprint(10000+i) + "@trunk&channelId=" + id, 200},
					{"POST", "/channels/" + id + "/dial?timeout=30", 204},
					{"POST", "/bridges/b-" + id, 200},
					{"POST", "/bridges/b-" + id + "/addChannel?channel=" + id, 0},
					{"DELETE", "/channels/" + id, 204},
					{"DELETE", "/bridges/b-" + id, 204},
				}
				for _, step := range steps {
					if step.method == "DELETE" && strings.HasPrefix(step.path, "/channels/") {
						if err := s.Press(id, "1"); err != nil {
							return err
						}
					}
					req, _ := http.NewRequest(step.method, s.URL()+step.path, nil)
					req.SetBasicAuth(testUser, testPass)
					status, body, err := tryDo(req)
					if err != nil {
						return err
					}
					if step.status != 0 && status != step.status {
						return fmt.Errorf("%s %s: %d %s", step.method, step.path, status, body)
					}
				}
				return nil
			}()
		}()
	}
	for i := 0; i < calls; i++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	settle(t, s, st)
	destroyed, digits := 0, 0
	for _, ev := range st.events(t) {
		switch ev["type"] {
		case "ChannelDestroyed":
			destroyed++
		case "ChannelDtmfReceived":
			digits++
		}
	}
	if destroyed != calls || digits != calls || len(s.Channels()) != 0 {
		t.Fatalf("%d destroyed, %d digits, %d left", destroyed, digits, len(s.Channels()))
	}
}
