package arisim

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// destroyed waits for a channel's ChannelDestroyed and returns its cause,
// cause_txt and tech_cause.
func destroyed(t *testing.T, st *stream, id string) (int, string, int) {
	t.Helper()
	ev := st.waitType(t, "ChannelDestroyed", id)
	tech, _ := ev["tech_cause"].(float64)
	return int(ev["cause"].(float64)), ev["cause_txt"].(string), int(tech)
}

// TestScriptOutcomes: each outcome ends with the cause a real Asterisk
// reports (recordings create-dial-busy, -congestion, -notfound,
// -noanswer-timeout; unreachable follows Asterisk's SIP-to-Q.850 table).
func TestScriptOutcomes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		script   Script
		advance  time.Duration
		cause    int
		text     string
		tech     int
		sequence []string
	}{
		{"Busy", Script{Outcome: Busy}, 0, 17, "User busy", 486,
			[]string{"ChannelDialplan", "ChannelVarset", "StasisStart", "Dial", "ChannelHangupRequest", "StasisEnd", "ChannelVarset", "ChannelDestroyed"}},
		{"Congestion", Script{Outcome: Congestion}, 0, 34, "Circuit/channel congestion", 503, nil},
		{"NotFound", Script{Outcome: NotFound}, 0, 1, "Unallocated (unassigned) number", 404, nil},
		{"Unreachable", Script{Outcome: Unreachable}, 0, 19, "User alerting, no answer", 480, nil},
		{"BusyAfterRinging", Script{Outcome: Busy, RingFor: 3 * time.Second}, 3 * time.Second, 17, "User busy", 486,
			[]string{"ChannelDialplan", "ChannelVarset", "StasisStart", "Dial", "ChannelStateChange", "Dial", "ChannelHangupRequest", "StasisEnd", "ChannelVarset", "ChannelDestroyed"}},
		{"NoAnswerTimesOut", Script{Outcome: NoAnswer}, 7 * time.Second, 19, "User alerting, no answer", 480,
			[]string{"ChannelDialplan", "ChannelVarset", "StasisStart", "Dial", "ChannelStateChange", "Dial", "ChannelHangupRequest", "StasisEnd", "ChannelVarset", "ChannelDestroyed"}},
		{"AnswerRingingPastTimeout", Script{RingFor: 10 * time.Second}, 7 * time.Second, 19, "User alerting, no answer", 480, nil},
		{"HangsUpAfter", Script{HangupAfter: 5 * time.Second}, 5 * time.Second, 16, "Normal Clearing", 0,
			[]string{"ChannelDialplan", "ChannelVarset", "StasisStart", "Dial", "ChannelStateChange", "Dial", "ChannelStateChange", "Dial",
				"ChannelVarset", "ChannelVarset", "ChannelVarset", "ChannelVarset", "ChannelVarset", "ChannelHangupRequest", "StasisEnd", "ChannelVarset", "ChannelDestroyed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, clock := startSim(t, Config{})
			st := listen(t, s, testApp)
			s.SetScript("+447700900100", tt.script)
			id := dialled(t, s, "PJSIP/+447700900100@trunk", 7)
			if tt.advance > 0 {
				clock.Advance(tt.advance - time.Millisecond)
				if len(s.Channels()) != 1 {
					t.Fatal("the call ended early")
				}
				clock.Advance(time.Millisecond)
			}
			cause, text, tech := destroyed(t, st, id)
			if cause != tt.cause || text != tt.text || tech != tt.tech {
				t.Fatalf("destroyed %d %q %d, want %d %q %d", cause, text, tech, tt.cause, tt.text, tt.tech)
			}
			if got := st.types(t, id); tt.sequence != nil && !slices.Equal(got, tt.sequence) {
				t.Fatalf("events\n got %v\nwant %v", got, tt.sequence)
			}
			if len(s.Channels()) != 0 || clock.Pending() != 0 {
				t.Fatalf("left behind: %d channels, %d timers", len(s.Channels()), clock.Pending())
			}
		})
	}
}

func TestAnswerAfterRinging(t *testing.T) {
	t.Parallel()
	s, clock := startSim(t, Config{})
	st := listen(t, s, testApp)
	s.SetScript("+447700900101", Script{RingFor: 4 * time.Second})
	id := dialled(t, s, "PJSIP/+447700900101@trunk", 30)
	clock.Advance(4*time.Second - time.Millisecond)
	if got := s.Channels()[0].State; got != "Ringing" {
		t.Fatalf("state %s before RingFor", got)
	}
	clock.Advance(time.Millisecond)
	ev := st.waitType(t, "Dial", id)
	_ = ev
	waitUntil(t, "ANSWER", func() bool {
		for _, e := range st.events(t) {
			if e["type"] == "Dial" && e["dialstatus"] == "ANSWER" {
				return true
			}
		}
		return false
	})
	// The dial timeout no longer applies once answered.
	clock.Advance(time.Minute)
	if got := s.Channels()[0].State; got != "Up" {
		t.Fatalf("state %s after answer", got)
	}
}

func TestDefaultScript(t *testing.T) {
	t.Parallel()
	s, _ := startSim(t, Config{DefaultScript: Script{Outcome: Congestion}})
	st := listen(t, s, testApp)
	id := dialled(t, s, "PJSIP/+447700900102@trunk", 30)
	if cause, _, _ := destroyed(t, st, id); cause != 34 {
		t.Fatalf("cause %d", cause)
	}
	// A number's own script beats the default and the recording's trunks.
	s.SetScript("200", Script{Outcome: Busy})
	id = dialled(t, s, "PJSIP/200@answer", 30)
	if cause, _, _ := destroyed(t, st, id); cause != 17 {
		t.Fatalf("cause %d", cause)
	}
}

func TestKeys(t *testing.T) {
	t.Parallel()
	s, clock := startSim(t, Config{})
	st := listen(t, s, testApp)
	s.SetScript("+447700900103", Script{Keys: []KeyPress{
		{After: time.Second, Digit: "1"},
		{After: 2 * time.Second, Digit: "#", Duration: 250 * time.Millisecond},
	}})
	id := dialled(t, s, "PJSIP/+447700900103@trunk", 30)
	clock.Advance(time.Second)
	st.waitType(t, "ChannelDtmfReceived", id)
	clock.Advance(time.Second)
	if err := s.Press(id, "9*"); err != nil {
		t.Fatal(err)
	}
	if err := s.PressNumber("+447700900103", "A"); err != nil {
		t.Fatal(err)
	}
	settle(t, s, st)
	var got []string
	for _, ev := range st.events(t) {
		if ev["type"] == "ChannelDtmfReceived" {
			got = append(got, ev["digit"].(string)+":"+strings.TrimSuffix(jsonString(ev["duration_ms"]), ".0"))
		}
	}
	want := []string{"1:100", "#:250", "9:100", "*:100", "A:100"}
	if !slices.Equal(got, want) {
		t.Fatalf("digits %v, want %v", got, want)
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestControlMethodErrors(t *testing.T) {
	t.Parallel()
	s, _ := startSim(t, Config{})
	listen(t, s, testApp)
	s.SetScript("+447700900104", Script{Outcome: NoAnswer})
	ringing := dialled(t, s, "PJSIP/+447700900104@trunk", 30)
	mustCall(t, s, 200, "POST", "/channels/create?app=calling&endpoint=PJSIP/1@trunk&channelId=idle", nil)

	if err := s.Press("nope", "1"); !errors.Is(err, ErrNoChannel) {
		t.Errorf("Press unknown: %v", err)
	}
	if err := s.Press(ringing, "1"); !errors.Is(err, ErrNotAnswered) {
		t.Errorf("Press ringing: %v", err)
	}
	if err := s.Press(ringing, "x"); err == nil {
		t.Error("Press x: no error")
	}
	if err := s.PressNumber("+440000", "1"); !errors.Is(err, ErrNoChannel) {
		t.Errorf("PressNumber unknown: %v", err)
	}
	if err := s.HangupFarEnd("nope"); !errors.Is(err, ErrNoChannel) {
		t.Errorf("HangupFarEnd unknown: %v", err)
	}
	if err := s.HangupFarEnd("idle"); !errors.Is(err, ErrNoChannel) {
		t.Errorf("HangupFarEnd on a channel never dialled: %v", err)
	}
}

// TestDeclineWhileRinging: a phone hung up while ringing declines (603),
// cause 21 (Asterisk's SIP-to-Q.850 table; not recorded).
func TestDeclineWhileRinging(t *testing.T) {
	t.Parallel()
	s, _ := startSim(t, Config{})
	st := listen(t, s, testApp)
	s.SetScript("+447700900105", Script{Outcome: NoAnswer})
	id := dialled(t, s, "PJSIP/+447700900105@trunk", 30)
	if err := s.HangupFarEnd(id); err != nil {
		t.Fatal(err)
	}
	if cause, text, tech := destroyed(t, st, id); cause != 21 || text != "Call Rejected" || tech != 603 {
		t.Fatalf("destroyed %d %q %d", cause, text, tech)
	}
}

func TestScriptJSON(t *testing.T) {
	t.Parallel()
	in := Script{Outcome: NoAnswer, RingFor: 1500 * time.Millisecond, HangupAfter: time.Minute,
		Keys: []KeyPress{{After: time.Second, Digit: "5", Duration: 80 * time.Millisecond}}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"outcome":"noanswer","ring_for_ms":1500,"hangup_after_ms":60000,"keys":[{"after_ms":1000,"digit":"5","duration_ms":80}]}`
	if string(b) != want {
		t.Fatalf("%s\nwant %s", b, want)
	}
	var out Script
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out.Outcome != in.Outcome || out.RingFor != in.RingFor || out.HangupAfter != in.HangupAfter || !slices.Equal(out.Keys, in.Keys) {
		t.Fatalf("round trip: %+v", out)
	}
	for _, bad := range []string{`{"outcome":"maybe"}`, `{"keys":[{"digit":"12"}]}`, `{"ring_for_ms":-1}`} {
		if err := json.Unmarshal([]byte(bad), &out); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
