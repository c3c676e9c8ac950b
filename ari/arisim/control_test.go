package arisim

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// control calls the control API (no credentials).
func control(t *testing.T, s *Sim, method, path, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, strings.TrimSuffix(s.URL(), "/ari")+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return do(t, req)
}

func TestControlAPI(t *testing.T) {
	t.Parallel()
	s, clock := startSim(t, Config{})
	st := listen(t, s, testApp)

	expect := func(method, path, body string, want int) []byte {
		t.Helper()
		status, out := control(t, s, method, path, body)
		if status != want {
			t.Fatalf("%s %s: %d %s, want %d", method, path, status, out, want)
		}
		return out
	}
	expect("PUT", "/sim/phones/+447700900400", `{"outcome":"answer","ring_for_ms":1000}`, 204)
	expect("PUT", "/sim/phones/+447700900401", `{"outcome":"noanswer"}`, 204)
	expect("PUT", "/sim/phones/+447700900402", `{"outcome":"sometimes"}`, 400)
	answered := dialled(t, s, "PJSIP/+447700900400@trunk", 30)
	ringing := dialled(t, s, "PJSIP/+447700900401@trunk", 30)

	var list []ChannelInfo
	_ = json.Unmarshal(expect("GET", "/sim/channels", "", 200), &list)
	if len(list) != 2 || list[0].State != "Ringing" || list[0].Number != "+447700900400" || !list[0].Dialled || list[0].Endpoint != "trunk" {
		t.Fatalf("channels %+v", list)
	}
	expect("POST", "/sim/phones/+447700900400/keys", `{"digits":"1"}`, 409) // not answered yet
	clock.Advance(time.Second)
	expect("POST", "/sim/phones/+447700900400/keys", `{"digits":"1"}`, 204)
	expect("POST", "/sim/channels/"+answered+"/keys", `{"digits":"#"}`, 204)
	expect("POST", "/sim/channels/"+answered+"/keys", `{"digits":"x"}`, 400)
	expect("POST", "/sim/channels/nope/keys", `{"digits":"1"}`, 404)
	expect("POST", "/sim/phones/+440/keys", `{"digits":"1"}`, 404)
	expect("POST", "/sim/channels/"+ringing+"/hangup", "", 204)
	expect("POST", "/sim/channels/"+ringing+"/hangup", "", 404)
	if cause, _, _ := destroyed(t, st, ringing); cause != 21 {
		t.Fatalf("declined: cause %d", cause)
	}

	var entries []Entry
	_ = json.Unmarshal(expect("GET", "/sim/transcript", "", 200), &entries)
	kinds := map[string]int{}
	for _, e := range entries {
		kinds[e.Kind]++
	}
	if kinds["request"] == 0 || kinds["request"] != kinds["response"] || kinds["event"] == 0 || kinds["note"] == 0 {
		t.Fatalf("transcript kinds %v", kinds)
	}
	expect("DELETE", "/sim/transcript", "", 204)
	if n := len(s.Transcript()); n != 0 {
		t.Fatalf("%d entries after reset", n)
	}

	expect("POST", "/sim/websockets/drop", "", 204)
	<-st.done
	if len(s.Channels()) != 1 {
		t.Fatal("dropping websockets ended calls")
	}
	expect("POST", "/sim/restart", "", 204)
	if out := strings.TrimSpace(string(expect("GET", "/sim/channels", "", 200))); out != "[]" {
		t.Fatalf("channels after restart: %s", out)
	}
	expect("GET", "/sim/nothing", "", 404)
}

// TestTranscriptFormat: the simulator's transcript reads like the
// recordings (paths under /ari with the query, bodies as JSON).
func TestTranscriptFormat(t *testing.T) {
	t.Parallel()
	s, clock := startSim(t, Config{})
	listen(t, s, testApp)
	s.ResetTranscript()
	clock.Advance(1500 * time.Millisecond)
	mustCall(t, s, 404, "DELETE", "/channels/nope?reason=normal", nil)
	got := s.Transcript()
	if len(got) != 2 {
		t.Fatalf("entries %+v", got)
	}
	want := []Entry{
		{TMS: 1500, Kind: "request", Method: "DELETE", Path: "/channels/nope?reason=normal"},
		{TMS: 1500, Kind: "response", Method: "DELETE", Path: "/channels/nope?reason=normal", Status: 404, Body: json.RawMessage(`{"message":"Channel not found"}`)},
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.TMS != w.TMS || g.Kind != w.Kind || g.Method != w.Method || g.Path != w.Path || g.Status != w.Status || string(g.Body) != string(w.Body) {
			t.Errorf("entry %d: %+v, want %+v", i, g, w)
		}
	}
}

// TestIncomingCall: an inbound leg rings in the application until answered
// (ARI documentation; not recorded).
func TestIncomingCall(t *testing.T) {
	t.Parallel()
	s, _ := startSim(t, Config{})
	st := listen(t, s, testApp)
	status, out := control(t, s, "POST", "/sim/calls", `{"app":"calling","from":"+447700900600","to":"+442000000000"}`)
	var created struct{ ID string }
	if err := json.Unmarshal(out, &created); status != 201 || err != nil {
		t.Fatalf("%d %s", status, out)
	}
	id := created.ID
	start := st.waitType(t, "StasisStart", id)
	if ch := start["channel"].(map[string]any); ch["state"] != "Ring" || ch["caller"].(map[string]any)["number"] != "+447700900600" {
		t.Fatalf("StasisStart %v", start)
	}
	if err := s.PressNumber("+447700900600", "1"); !errors.Is(err, ErrNotAnswered) {
		t.Fatalf("press before answer: %v", err)
	}
	mustCall(t, s, 204, "POST", "/channels/"+id+"/ring", nil)
	mustCall(t, s, 204, "POST", "/channels/"+id+"/answer", nil)
	mustCall(t, s, 204, "POST", "/channels/"+id+"/answer", nil)
	if err := s.PressNumber("+447700900600", "1"); err != nil {
		t.Fatal(err)
	}
	if err := s.HangupFarEnd(id); err != nil {
		t.Fatal(err)
	}
	if cause, _, _ := destroyed(t, st, id); cause != 16 {
		t.Fatalf("cause %d", cause)
	}
	want := []string{"ChannelVarset", "StasisStart", "ChannelStateChange", "ChannelDtmfReceived",
		"ChannelVarset", "ChannelVarset", "ChannelVarset", "ChannelVarset", "ChannelVarset",
		"ChannelHangupRequest", "StasisEnd", "ChannelVarset", "ChannelDestroyed"}
	if got := st.types(t, id); !slices.Equal(got, want) {
		t.Fatalf("events\n got %v\nwant %v", got, want)
	}

	// The application hangs up a ringing inbound leg: no 603 as for a
	// channel it created and never dialled.
	id, _ = s.IncomingCall(testApp, "+447700900601", "+442000000000")
	mustCall(t, s, 204, "DELETE", "/channels/"+id, nil)
	if _, _, tech := destroyed(t, st, id); tech != 0 {
		t.Fatalf("tech_cause %d", tech)
	}
	if _, err := s.IncomingCall("", "+44", "+44"); err == nil {
		t.Fatal("IncomingCall without app: no error")
	}
}
