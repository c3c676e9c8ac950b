package arisim

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/CyCoreSystems/ari/v5"
	"github.com/CyCoreSystems/ari/v5/client/native"
)

// TestAriV5Client drives a whole call with the ari/v5 native client (which
// sends JSON bodies) and decodes every event the simulator sent with ari/v5's
// DecodeEvent, as the adapter does.
func TestAriV5Client(t *testing.T) {
	t.Parallel()
	s, clock := startSim(t, Config{ToneZones: []string{"uk"}})
	st := listen(t, s, testApp)
	cl := native.New(&native.Options{
		Application: testApp, URL: s.URL(), WebsocketURL: s.WebsocketURL(),
		Username: testUser, Password: testPass,
	})
	key := func(kind, id string) *ari.Key { return ari.NewKey(kind, id) }
	s.SetScript("+447700900500", Script{HangupAfter: 10 * time.Second})
	s.SetScript("+447700900501", Script{Keys: []KeyPress{{After: time.Second, Digit: "5"}}})

	if _, err := cl.Channel().Create(key(ari.ChannelKey, "leader"), ari.ChannelCreateRequest{
		App: testApp, Endpoint: "PJSIP/+447700900501@trunk", ChannelID: "leader",
	}); err != nil {
		t.Fatal(err)
	}
	if err := cl.Channel().SetVariable(key(ari.ChannelKey, "leader"), "CALLERID(num)", "+442000000001"); err != nil {
		t.Fatal(err)
	}
	if err := cl.Channel().Dial(key(ari.ChannelKey, "leader"), "", 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Channel().Create(key(ari.ChannelKey, "supporter"), ari.ChannelCreateRequest{
		App: testApp, Endpoint: "PJSIP/+447700900500@trunk", ChannelID: "supporter", Originator: "leader",
	}); err != nil {
		t.Fatal(err)
	}
	if err := cl.Channel().Dial(key(ari.ChannelKey, "supporter"), "leader", 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Channel().Play(key(ari.ChannelKey, "leader"), "ring-1", "tone:ring"); err != nil {
		t.Fatal(err)
	}
	if err := cl.Playback().Stop(key(ari.PlaybackKey, "ring-1")); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Bridge().Create(key(ari.BridgeKey, "session-1"), "mixing", "session-1"); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"leader", "supporter"} {
		if err := cl.Bridge().AddChannel(key(ari.BridgeKey, "session-1"), id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cl.Channel().Play(key(ari.ChannelKey, "leader"), "prompt-1", "sound:calling-welcome"); err != nil {
		t.Fatal(err)
	}
	clock.Advance(10 * time.Second) // key press, prompt end, supporter's BYE
	if err := cl.Bridge().RemoveChannel(key(ari.BridgeKey, "session-1"), "leader"); err != nil {
		t.Fatal(err)
	}
	if err := cl.Bridge().Delete(key(ari.BridgeKey, "session-1")); err != nil {
		t.Fatal(err)
	}
	app, err := cl.Application().Data(ari.NewKey(ari.ApplicationKey, testApp))
	if err != nil || len(app.ChannelIDs) != 1 || app.ChannelIDs[0] != "leader" {
		t.Fatalf("application %+v (%v)", app, err)
	}
	if err := cl.Channel().Hangup(key(ari.ChannelKey, "leader"), "busy"); err != nil {
		t.Fatal(err)
	}
	if err := cl.Channel().Hangup(key(ari.ChannelKey, "leader"), ""); native.CodeFromError(err) != 404 {
		t.Fatalf("hangup of a gone channel: %v", err)
	}
	settle(t, s, st)

	seen := map[string]int{}
	st.mu.Lock()
	msgs := append([][]byte(nil), st.msgs...)
	st.mu.Unlock()
	for _, m := range msgs {
		ev, err := ari.DecodeEvent(m)
		if err != nil {
			t.Fatalf("ari/v5 cannot decode %s: %v", m, err)
		}
		seen[ev.GetType()]++
		if ev.GetApplication() != testApp {
			t.Errorf("application %q", ev.GetApplication())
		}
		switch e := ev.(type) {
		case *ari.ChannelDtmfReceived:
			if e.Digit != "5" || e.DurationMs != 100 || e.Channel.ID != "leader" {
				t.Errorf("DTMF %+v", e)
			}
		case *ari.ChannelDestroyed:
			want := map[string]int{"leader": 17, "supporter": 16}[e.Channel.ID]
			if e.Cause != want {
				t.Errorf("%s destroyed with %d, want %d", e.Channel.ID, e.Cause, want)
			}
		case *ari.Dial:
			// channels/create + dial has no calling channel: Asterisk's Dial
			// names none, even with dial?caller (callerid-on-the-wire).
			if e.Caller.ID != "" {
				t.Errorf("Dial with a caller: %s", m)
			}
		case *ari.StasisStart:
			if time.Time(e.Timestamp).IsZero() {
				t.Errorf("timestamp not decoded: %s", m)
			}
		}
	}
	for _, typ := range []string{"StasisStart", "Dial", "ChannelStateChange", "ChannelDtmfReceived", "ChannelCallerId",
		"PlaybackStarted", "PlaybackFinished", "ChannelEnteredBridge", "ChannelLeftBridge", "BridgeDestroyed",
		"ChannelHangupRequest", "StasisEnd", "ChannelDestroyed"} {
		if seen[typ] == 0 {
			t.Errorf("no %s event", typ)
		}
	}
	if seen["PlaybackFinished"] != 2 {
		t.Errorf("%d PlaybackFinished, want 2", seen["PlaybackFinished"])
	}
}

// TestOriginateFailures: an originated leg that fails never enters the
// application; Dial reports the status (ARI documentation; not recorded).
func TestOriginateFailures(t *testing.T) {
	t.Parallel()
	s, clock := startSim(t, Config{})
	st := listen(t, s, testApp)
	s.SetScript("+447700900502", Script{Outcome: Busy})
	s.SetScript("+447700900503", Script{Outcome: NoAnswer})
	mustCall(t, s, 200, "POST", "/channels", map[string]any{"app": testApp, "endpoint": "PJSIP/+447700900502@trunk", "channelId": "busy"})
	mustCall(t, s, 200, "POST", "/channels", map[string]any{"app": testApp, "endpoint": "PJSIP/+447700900503@trunk", "channelId": "late", "timeout": 5})
	clock.Advance(5 * time.Second)
	settle(t, s, st)
	for id, status := range map[string]string{"busy": "BUSY", "late": "NOANSWER"} {
		var last string
		for _, ev := range st.events(t) {
			if ev["type"] == "Dial" && eventKey(ev) == id {
				last = ev["dialstatus"].(string)
			}
			if eventKey(ev) == id && (ev["type"] == "StasisStart" || ev["type"] == "StasisEnd") {
				t.Errorf("%s: %s for a leg that never answered", id, ev["type"])
			}
		}
		if last != status {
			t.Errorf("%s: last dialstatus %q, want %q", id, last, status)
		}
	}
	var ids []string
	for _, ev := range st.events(t) {
		if ev["type"] == "ChannelDestroyed" {
			b, _ := json.Marshal(ev["cause"])
			ids = append(ids, eventKey(ev)+":"+string(b))
		}
	}
	if len(ids) != 2 || ids[0] != "busy:17" || ids[1] != "late:19" {
		t.Fatalf("destroyed %v", ids)
	}
}
