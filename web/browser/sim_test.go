package browser

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/supporterbase/callingsessions/ari/arisim"
)

// simulator is a client of the ARI simulator's control API (ari/arisim's
// control.go), at the address `callingd serve --simulate` prints: the
// tests' hands on the simulated phones. In --simulate every phone answers
// after two rings and presses # a second later (cmd/callingd's
// telephony.go), so a leader confirms the greeting by themself.
type simulator struct {
	base   string // without /ari
	client *http.Client
}

// press presses keys on the phone of number, which must be on a call.
func (s simulator) press(t *testing.T, number, digits string) {
	t.Helper()
	s.do(t, http.MethodPost, "/sim/phones/"+url.PathEscape(number)+"/keys", map[string]string{"digits": digits}, nil)
}

// channels lists the live channels, oldest first.
func (s simulator) channels(t *testing.T) []arisim.ChannelInfo {
	t.Helper()
	var list []arisim.ChannelInfo
	s.do(t, http.MethodGet, "/sim/channels", nil, &list)
	return list
}

// invites lists what every dialled phone was shown, oldest first.
func (s simulator) invites(t *testing.T) []arisim.Invite {
	t.Helper()
	var list []arisim.Invite
	s.do(t, http.MethodGet, "/sim/invites", nil, &list)
	return list
}

// channelOf is the live channel to number, if any.
func (s simulator) channelOf(t *testing.T, number string) (arisim.ChannelInfo, bool) {
	t.Helper()
	for _, c := range s.channels(t) {
		if c.Number == number {
			return c, true
		}
	}
	return arisim.ChannelInfo{}, false
}

func (s simulator) do(t *testing.T, method, path string, body, into any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("simulator %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		t.Fatalf("simulator %s %s: %s %s", method, path, resp.Status, data)
	}
	if into != nil {
		if err := json.Unmarshal(data, into); err != nil {
			t.Fatalf("simulator %s %s: %v in %s", method, path, err, data)
		}
	}
}

// String is for failure messages.
func (s simulator) String() string { return fmt.Sprintf("simulator at %s", s.base) }
