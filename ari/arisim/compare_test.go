package arisim

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
)

// compareEvents compares recorded and simulated events per channel (or
// bridge, for BridgeDestroyed), with the tolerances TestTranscripts
// documents.
func compareEvents(t *testing.T, rec, sim []map[string]any, ids map[string]string) {
	t.Helper()
	recBy := byKey(rec, ids)
	simBy := byKey(sim, nil)
	keys := func(m map[string][]map[string]any) []string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	if rk, sk := keys(recBy), keys(simBy); !slices.Equal(rk, sk) {
		t.Fatalf("events about %v, recorded about %v", sk, rk)
	}
	for key, recEvs := range recBy {
		simEvs := simBy[key]
		recDial, recRest := splitDial(normalise(recEvs))
		dialStartFirst(recDial)
		simDial, simRest := splitDial(normalise(simEvs))
		compareSeq(t, key+" (Dial)", recDial, simDial)
		compareSeq(t, key, recRest, simRest)
	}
}

// byKey groups events by what they are about; recorded ids are mapped to
// the simulator's when ids is given.
func byKey(evs []map[string]any, ids map[string]string) map[string][]map[string]any {
	out := map[string][]map[string]any{}
	for _, ev := range evs {
		k := eventKey(ev)
		if ids != nil {
			if m, ok := ids[k]; ok {
				k = m
			} else {
				k = "unmapped:" + k
			}
		}
		out[k] = append(out[k], ev)
	}
	return out
}

// normalise drops a ChannelVarset that sets a variable to the value it
// already had on that channel.
func normalise(evs []map[string]any) []map[string]any {
	last := map[string]any{}
	var out []map[string]any
	for _, ev := range evs {
		if ev["type"] == "ChannelVarset" {
			name := ev["variable"].(string)
			if v, seen := last[name]; seen && v == ev["value"] {
				continue
			}
			last[name] = ev["value"]
		}
		out = append(out, ev)
	}
	return out
}

func splitDial(evs []map[string]any) (dial, rest []map[string]any) {
	for _, ev := range evs {
		if ev["type"] == "Dial" {
			dial = append(dial, ev)
		} else {
			rest = append(rest, ev)
		}
	}
	return dial, rest
}

// dialStartFirst puts a dial's start (the Dial event with no status)
// before the statuses stamped in the same millisecond: Asterisk stamps the
// start and the far end's 180 together and then sends them either way
// (recording create-with-variables).
func dialStartFirst(dial []map[string]any) {
	slices.SortStableFunc(dial, func(a, b map[string]any) int {
		if a["timestamp"] != b["timestamp"] {
			return 0
		}
		return boolRank(a["dialstatus"] != "") - boolRank(b["dialstatus"] != "")
	})
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

func compareSeq(t *testing.T, key string, rec, sim []map[string]any) {
	t.Helper()
	rs, ss := signatures(rec), signatures(sim)
	if !slices.Equal(rs, ss) {
		t.Errorf("events about %s:\n got %s\nwant %s", key, strings.Join(ss, "\n     "), strings.Join(rs, "\n     "))
		return
	}
	for i := range rec {
		if r, s := shape(rec[i]), shape(sim[i]); !slices.Equal(r, s) {
			t.Errorf("%s event %d (%s) fields\n got %v\nwant %v", key, i, rs[i], s, r)
		}
	}
}

// signatures are the events' types with the values that matter to a
// client: dial status, causes, digits, variable names, channel state and
// dialplan application, playback state, bridge size.
func signatures(evs []map[string]any) []string {
	out := make([]string, 0, len(evs))
	for _, ev := range evs {
		typ := ev["type"].(string)
		sig := []string{typ}
		for _, k := range []string{"dialstatus", "cause", "cause_txt", "tech_cause", "soft", "digit", "duration_ms", "variable", "args", "dialstring"} {
			if v, ok := ev[k]; ok {
				sig = append(sig, fmt.Sprintf("%s=%v", k, v))
			}
		}
		if ev["variable"] == "STASISSTATUS" {
			sig = append(sig, fmt.Sprintf("value=%q", ev["value"]))
		}
		if ch, ok := ev["channel"].(map[string]any); ok {
			dp := ch["dialplan"].(map[string]any)
			sig = append(sig, "state="+ch["state"].(string), "app="+dp["app_name"].(string))
		}
		if pb, ok := ev["playback"].(map[string]any); ok {
			sig = append(sig, "playback="+pb["state"].(string), "media="+pb["media_uri"].(string))
		}
		if b, ok := ev["bridge"].(map[string]any); ok {
			sig = append(sig, fmt.Sprintf("bridged=%d", len(b["channels"].([]any))))
		}
		out = append(out, strings.Join(sig, " "))
	}
	return out
}
