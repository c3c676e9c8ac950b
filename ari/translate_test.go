package ari

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// transcriptsDir holds recordings of a real Asterisk 22 (see its README).
const transcriptsDir = "arisim/testdata/transcripts"

// offlineClient is a Client with no connection, to feed raw websocket
// messages to handle.
func offlineClient(t *testing.T) *Client {
	t.Helper()
	m, err := newMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	return &Client{log: slog.New(slog.DiscardHandler), metrics: m, routes: newDispatcher(m, NewMailbox(0)), ctx: context.Background()}
}

// transcriptEvents returns the websocket messages of one recording.
func transcriptEvents(t *testing.T, flow string) [][]byte {
	t.Helper()
	f, err := os.Open(filepath.Join(transcriptsDir, flow+".jsonl"))
	if err != nil {
		t.Fatalf("the recordings of a real Asterisk are missing: %v", err)
	}
	defer f.Close()
	var out [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var line struct {
			Kind string          `json:"kind"`
			Body json.RawMessage `json:"body"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("%s: %v", flow, err)
		}
		if line.Kind == "event" {
			out = append(out, line.Body)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

var kindNames = map[EventKind]string{
	LegStarted: "started", LegRinging: "ringing", LegAnswered: "answered", DialStatus: "dial",
	HangupRequested: "hangup", LegLeftApplication: "left", LegEnded: "ended", Digit: "digit",
	PlaybackStarted: "play", PlaybackFinished: "played", PlaybackFailed: "playfailed", EnteredBridge: "entered", LeftBridge: "leftbridge",
	BridgeDestroyed: "bridgegone", Connected: "connected", Disconnected: "disconnected",
}

// describe renders events compactly: "started ringing dial:RINGING ...".
func describe(evs []Event) string {
	var parts []string
	for _, e := range evs {
		s := kindNames[e.Kind]
		switch e.Kind {
		case DialStatus:
			s += ":" + e.DialStatus
		case Digit:
			s += ":" + e.Digit
		case HangupRequested:
			if e.Cause != 0 {
				s += ":" + strconv.Itoa(e.Cause)
			}
		case LegEnded:
			s += ":" + strconv.Itoa(e.Cause)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// Every recorded event of a real Asterisk decodes with ari/v5 and maps to
// the Events the call flow expects, routed by its channel (or bridge).
func TestTranscriptsTranslate(t *testing.T) {
	t.Parallel()
	entries, err := filepath.Glob(filepath.Join(transcriptsDir, "*.jsonl"))
	if err != nil || len(entries) == 0 {
		t.Fatalf("no recordings in %s: %v", transcriptsDir, err)
	}
	want := map[string]string{ // flow → the first channel's events
		"create-dial-answer-app-hangup":         "started ringing dial:RINGING answered dial:ANSWER hangup:32 left ended:16",
		"create-dial-busy":                      "started hangup:17 left ended:17",
		"create-dial-congestion":                "started hangup:34 left ended:34",
		"create-dial-notfound":                  "started hangup:1 left ended:1",
		"create-dial-noanswer-timeout":          "started ringing dial:RINGING hangup:32 left ended:19",
		"create-dial-remote-hangup":             "started ringing dial:RINGING answered dial:ANSWER hangup left ended:16",
		"create-dial-dtmf-info":                 "started ringing dial:RINGING answered dial:ANSWER digit:1 digit:* digit:# hangup:32 left ended:16",
		"playback-prompt":                       "started ringing dial:RINGING answered dial:ANSWER play played hangup:32 left ended:16",
		"bridge-leader-supporter":               "started ringing dial:RINGING answered dial:ANSWER entered leftbridge hangup:32 left ended:16",
		"leader-hangs-up-while-supporter-rings": "started ringing dial:RINGING answered dial:ANSWER entered hangup:16 leftbridge left ended:16",
		// Without a tone zone the ringback fails at once: the flow is told.
		"ringback-without-indications": "started ringing dial:RINGING answered dial:ANSWER play playfailed hangup:32 left ended:16",
		"ringback-with-indications":    "started ringing dial:RINGING answered dial:ANSWER play played hangup:32 left ended:16",
	}
	for _, path := range entries {
		flow := strings.TrimSuffix(filepath.Base(path), ".jsonl")
		t.Run(flow, func(t *testing.T) {
			t.Parallel()
			c := offlineClient(t)
			for _, msg := range transcriptEvents(t, flow) {
				c.handle(msg, time.Now())
			}
			if n := value(t, c.metrics.malformed); n != 0 {
				t.Fatalf("%v recorded events did not decode", n)
			}
			byKey := map[string][]Event{}
			var order []string
			for _, e := range c.Unrouted().Take() {
				key := e.Channel
				if key == "" {
					key = e.Bridge
				}
				if _, ok := byKey[key]; !ok {
					order = append(order, key)
				}
				byKey[key] = append(byKey[key], e)
			}
			if w, ok := want[flow]; ok {
				if got := describe(byKey[order[0]]); got != w {
					t.Errorf("first channel:\n got %s\nwant %s", got, w)
				}
			}
			for key, evs := range byKey {
				answered, ringing := 0, 0
				for _, e := range evs {
					switch e.Kind {
					case LegAnswered:
						answered++
					case LegRinging:
						ringing++
					}
					if e.At.IsZero() {
						t.Errorf("%s: %s without Asterisk's timestamp", key, kindNames[e.Kind])
					}
				}
				if answered > 1 || ringing > 1 {
					t.Errorf("%s: %d ringing, %d answered; want each at most once", key, ringing, answered)
				}
			}
		})
	}
}

func TestTranslatePlaybackAndBridgeKeys(t *testing.T) {
	t.Parallel()
	c := offlineClient(t)
	leg, bridge := NewMailbox(0), NewMailbox(0)
	c.Route("1795460566.59", leg)
	c.Route("e0ba843a-92f8-4964-91d2-e97248c7f0e5", bridge)
	for _, msg := range transcriptEvents(t, "ringback-while-dialling") {
		c.handle(msg, time.Now())
	}
	got := describe(leg.Take())
	if want := "started ringing dial:RINGING answered dial:ANSWER play played entered hangup:32 leftbridge left ended:16"; got != want {
		t.Errorf("leader:\n got %s\nwant %s", got, want)
	}
	if got := describe(bridge.Take()); got != "bridgegone" {
		t.Errorf("bridge: got %q, want bridgegone", got)
	}
}

// value reads a counter or gauge.
func value(t *testing.T, m prometheus.Metric) float64 {
	t.Helper()
	var d dto.Metric
	if err := m.Write(&d); err != nil {
		t.Fatal(err)
	}
	switch {
	case d.Counter != nil:
		return d.Counter.GetValue()
	case d.Gauge != nil:
		return d.Gauge.GetValue()
	}
	t.Fatalf("not a counter or gauge: %v", m.Desc())
	return 0
}
