package arisim

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/websocket"
)

func TestAuth(t *testing.T) {
	t.Parallel()
	s, _ := startSim(t, Config{})
	tests := []struct {
		name   string
		url    string
		user   string
		pass   string
		status int
	}{
		{"OK", s.URL() + "/channels", testUser, testPass, 200},
		{"ErrNoCredentials", s.URL() + "/channels", "", "", 401},
		{"ErrWrongPassword", s.URL() + "/channels", testUser, "wrong", 401},
		{"ErrWrongUser", s.URL() + "/channels", "someone", testPass, 401},
		{"APIKey", s.URL() + "/channels?api_key=" + testUser + ":" + testPass, "", "", 200},
		{"ErrBadAPIKey", s.URL() + "/channels?api_key=" + testUser + ":nope", "", "", 401},
		{"ControlNeedsNone", strings.TrimSuffix(s.URL(), "/ari") + "/sim/channels", "", "", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest("GET", tt.url, nil)
			if tt.user != "" {
				req.SetBasicAuth(tt.user, tt.pass)
			}
			status, body := do(t, req)
			if status != tt.status {
				t.Fatalf("status %d, want %d (%s)", status, tt.status, body)
			}
			if status == 401 && !strings.Contains(string(body), `"error":"Authentication required"`) {
				t.Errorf("body %s", body)
			}
		})
	}
	t.Run("ErrWebsocketWithoutCredentials", func(t *testing.T) {
		t.Parallel()
		if ws, err := websocket.Dial(s.WebsocketURL()+"?app=calling", "", "http://localhost/"); err == nil {
			ws.Close()
			t.Fatal("websocket accepted without credentials")
		}
	})
}

func TestNewRequiresCredentials(t *testing.T) {
	t.Parallel()
	if _, err := Start(Config{}); err == nil {
		t.Fatal("Start without credentials: no error")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("New without credentials did not panic")
		}
	}()
	New(Config{Username: "x"})
}

// TestErrors checks Asterisk's error answers: the recorded ones (errors,
// create-dial-race) and, elsewhere, those of the ARI documentation.
func TestErrors(t *testing.T) {
	t.Parallel()
	s, clock := startSim(t, Config{Endpoints: []string{"trunk"}})
	listen(t, s, testApp)
	up := dialled(t, s, "PJSIP/+441@trunk", 30)
	down := string(mustCall(t, s, 200, "POST", "/channels/create", map[string]any{"app": testApp, "endpoint": "PJSIP/+442@trunk", "channelId": "down"}))
	_ = down
	s.SetScript("+443", Script{RingFor: time.Minute})
	mustCall(t, s, 200, "POST", "/channels?app=calling&endpoint=PJSIP/%2B443@trunk&channelId=orig", nil)
	var br struct{ ID string }
	_ = json.Unmarshal(mustCall(t, s, 200, "POST", "/bridges?type=mixing", nil), &br)
	_ = clock

	tests := []struct {
		name, method, path string
		status             int
		body               string
	}{
		{"ChannelNotFound", "GET", "/channels/nope", 404, `{"message":"Channel not found"}`},
		{"HangupNotFound", "DELETE", "/channels/nope", 404, `{"message":"Channel not found"}`},
		{"DialNotFound", "POST", "/channels/nope/dial", 404, `{"message":"Channel not found"}`},
		{"PlayNotFound", "POST", "/channels/nope/play?media=sound:beep", 404, `{"message":"Channel not found"}`},
		{"AnswerNotFound", "POST", "/channels/nope/answer", 404, `{"message":"Channel not found"}`},
		{"VariableNotFound", "POST", "/channels/nope/variable?variable=X&value=1", 404, `{"message":"Channel not found"}`},
		{"BridgeNotFound", "GET", "/bridges/nope", 404, `{"message":"Bridge not found"}`},
		{"DestroyBridgeNotFound", "DELETE", "/bridges/nope", 404, `{"message":"Bridge not found"}`},
		{"AddToBridgeNotFound", "POST", "/bridges/nope/addChannel?channel=" + up, 404, `{"message":"Bridge not found"}`},
		{"AddUnknownChannel", "POST", "/bridges/" + br.ID + "/addChannel?channel=nope", 400, `{"message":"Channel not found"}`},
		{"AddChannelOutsideStasis", "POST", "/bridges/" + br.ID + "/addChannel?channel=orig", 422, `{"message":"Channel not in Stasis application"}`},
		{"RemoveChannelNotInBridge", "POST", "/bridges/" + br.ID + "/removeChannel?channel=" + up, 422, `{"message":"Channel not in this bridge"}`},
		{"PlaybackNotFound", "GET", "/playbacks/nope", 404, `{"message":"Playback not found"}`},
		{"StopPlaybackNotFound", "DELETE", "/playbacks/nope", 404, `{"message":"Playback not found"}`},
		{"OriginateWithoutEndpoint", "POST", "/channels?app=calling", 400, `{"message":"Endpoint must be specified"}`},
		{"UnknownTechnology", "POST", "/channels?app=calling&endpoint=Bogus/1", 500, `{"error":"Allocation failed"}`},
		{"UnknownEndpoint", "POST", "/channels/create?app=calling&endpoint=PJSIP/1@elsewhere", 500, `{"error":"Allocation failed"}`},
		{"DuplicateChannelID", "POST", "/channels/create?app=calling&endpoint=PJSIP/1@trunk&channelId=down", 409, `{"message":"Channel with given unique ID already exists"}`},
		{"DialTwice", "POST", "/channels/" + up + "/dial", 409, `{"message":"Channel is already being dialed"}`},
		{"DialOutsideStasis", "POST", "/channels/orig/dial", 409, `{"message":"Channel not in Stasis application"}`},
		{"PlayOutsideStasis", "POST", "/channels/orig/play?media=tone:ring", 409, `{"message":"Channel not in a Stasis application"}`},
		{"BadReason", "DELETE", "/channels/" + up + "?reason=bored", 400, `{"message":"Invalid reason for hangup provided"}`},
		{"BadTimeout", "POST", "/channels/down/dial?timeout=soon", 400, `{"message":"timeout must be a number"}`},
		{"UnknownApplication", "GET", "/applications/nope", 404, `{"message":"Application not found"}`},
		{"UnknownRoute", "GET", "/nothing/here", 404, `{"message":"Resource not found"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := call(t, s, tt.method, tt.path, nil)
			if status != tt.status || strings.TrimSpace(string(body)) != tt.body {
				t.Fatalf("%d %s, want %d %s", status, body, tt.status, tt.body)
			}
		})
	}
}

// TestCreateDialRace reproduces recording create-dial-race: create answers
// before the channel is in the application, and a dial sent at once gets
// 409 until StasisStart.
func TestCreateDialRace(t *testing.T) {
	t.Parallel()
	s, clock := startSim(t, Config{StasisDelay: time.Millisecond})
	st := listen(t, s, testApp)
	var ch struct{ ID, State string }
	out := mustCall(t, s, 200, "POST", "/channels/create?app=calling&endpoint=PJSIP/%2B447700900001@trunk", nil)
	if err := json.Unmarshal(out, &ch); err != nil || ch.State != "Down" {
		t.Fatalf("create: %s (%v)", out, err)
	}
	status, body := call(t, s, "POST", "/channels/"+ch.ID+"/dial?timeout=10", nil)
	if status != 409 || !strings.Contains(string(body), "Channel not in Stasis application") {
		t.Fatalf("dial before StasisStart: %d %s", status, body)
	}
	if n := len(st.types(t, ch.ID)); n != 0 {
		t.Fatalf("%d events before the delay", n)
	}
	clock.Advance(time.Millisecond)
	st.waitType(t, "StasisStart", ch.ID)
	mustCall(t, s, 204, "POST", "/channels/"+ch.ID+"/dial?timeout=10", nil)
	st.waitType(t, "Dial", ch.ID)
}

func TestFailNext(t *testing.T) {
	t.Parallel()
	s, _ := startSim(t, Config{})
	s.FailNext("POST", "/ari/channels/create", 500, "")
	s.FailNext("", "/bridges", 503, `{"message":"busy"}`)
	create := "/channels/create?app=calling&endpoint=PJSIP/1@trunk"

	if status, body := call(t, s, "GET", "/channels", nil); status != 200 {
		t.Fatalf("unrelated call failed: %d %s", status, body)
	}
	if status, body := call(t, s, "POST", create, nil); status != 500 || strings.TrimSpace(string(body)) != `{"message":"Internal Server Error"}` {
		t.Fatalf("first create: %d %s", status, body)
	}
	if len(s.Channels()) != 0 {
		t.Fatal("a failed call had an effect")
	}
	mustCall(t, s, 200, "POST", create, nil)
	if status, body := call(t, s, "GET", "/bridges/x", nil); status != 503 || strings.TrimSpace(string(body)) != `{"message":"busy"}` {
		t.Fatalf("bridge call: %d %s", status, body)
	}
	mustCall(t, s, 404, "GET", "/bridges/x", nil)
}

// TestJSONBodies: parameters may come as a JSON body, as ari/v5 sends
// them; the query string wins over the body.
func TestJSONBodies(t *testing.T) {
	t.Parallel()
	s, _ := startSim(t, Config{})
	st := listen(t, s, testApp)
	mustCall(t, s, 200, "POST", "/channels/create", map[string]any{
		"app": testApp, "endpoint": "PJSIP/+447700900002@trunk", "channelId": "leg-1",
		"variables": map[string]string{"CALLERID(num)": "+442000000000"},
	})
	mustCall(t, s, 204, "POST", "/channels/leg-1/variable", map[string]any{"variable": "CALLERID(num)", "value": "+443000000000"})
	mustCall(t, s, 204, "POST", "/channels/leg-1/dial?timeout=5", map[string]any{"timeout": "nonsense"})
	var got struct{ Caller struct{ Number string } }
	_ = json.Unmarshal(mustCall(t, s, 200, "GET", "/channels/leg-1", nil), &got)
	if got.Caller.Number != "+443000000000" {
		t.Fatalf("caller %q", got.Caller.Number)
	}
	st.waitType(t, "ChannelCallerId", "leg-1")
	if info := s.Channels(); len(info) != 1 || info[0].CallerID != "+443000000000" || info[0].Number != "+447700900002" || !info[0].Dialled {
		t.Fatalf("Channels() = %+v", info)
	}
	if status, _ := call(t, s, "POST", "/bridges", `{"type":`); status != 400 {
		t.Fatalf("malformed body: %d", status)
	}
}

func TestParseEndpoint(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, tech, number, endpoint string }{
		{"PJSIP/+447911123456@trunk", "PJSIP", "+447911123456", "trunk"},
		{"PJSIP/200@answer", "PJSIP", "200", "answer"},
		{"PJSIP/alice", "PJSIP", "alice", "alice"},
		{"Local/100@default/n", "Local", "100", "default/n"},
		{"PJSIP/", "", "", ""},
		{"nothing", "", "", ""},
		{"PJSIP/@trunk", "", "", ""},
	}
	for _, tt := range tests {
		tech, number, ep, _ := parseEndpoint(tt.in)
		if tech != tt.tech || number != tt.number || ep != tt.endpoint {
			t.Errorf("parseEndpoint(%q) = %q %q %q", tt.in, tech, number, ep)
		}
	}
}
