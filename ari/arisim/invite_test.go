package arisim

import (
	"encoding/json"
	"net/http"
	"testing"
)

// Each phone is shown the leg's connected line, as PJSIP puts it in From
// and P-Asserted-Identity (recording callerid-on-the-wire): nothing when
// only CALLERID is set, the caller's identity with dial?caller, and what
// create's CONNECTEDLINE variables say.
func TestInvitesShowTheConnectedLine(t *testing.T) {
	t.Parallel()
	s, _ := startSim(t, Config{})
	listen(t, s, testApp)
	create := func(id, body string) {
		t.Helper()
		if status, out := send(t, s, http.MethodPost, "/channels/create?app="+testApp+"&endpoint=PJSIP/%2B447911000001@trunk&channelId="+id, json.RawMessage(body)); status != http.StatusOK {
			t.Fatalf("create %s: %d %s", id, status, out)
		}
	}
	do := func(method, path string) {
		t.Helper()
		if status, out := send(t, s, method, path, nil); status != http.StatusNoContent {
			t.Fatalf("%s %s: %d %s", method, path, status, out)
		}
	}
	create("a", "")
	do(http.MethodPost, "/channels/a/variable?variable=CALLERID(num)&value=%2B15550001111")
	do(http.MethodPost, "/channels/a/dial")
	create("b", "")
	do(http.MethodPost, "/channels/b/dial?caller=a")
	create("c", `{"variables":{"CONNECTEDLINE(num)":"+15550002222","CONNECTEDLINE(name)":"Calling Org"}}`)
	do(http.MethodPost, "/channels/c/dial")

	want := []Invite{
		{ChannelID: "a", FromName: "Anonymous", Anonymous: true},
		{ChannelID: "b", FromNum: "+15550001111"},
		{ChannelID: "c", FromName: "Calling Org", FromNum: "+15550002222"},
	}
	got := s.Invites()
	if len(got) != len(want) {
		t.Fatalf("%d invites, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.ChannelID != w.ChannelID || g.FromName != w.FromName || g.FromNum != w.FromNum || g.Anonymous != w.Anonymous || g.Number != "+447911000001" {
			t.Errorf("invite %d = %+v, want %+v", i, g, w)
		}
	}
}
