package arisim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strings"
)

// snapshot is the application as GET /applications/{app} shows it: the
// channels it holds (in or subscribed to Stasis) and the bridges its
// channels entered, whether or not a websocket is connected (recording
// app-state-and-reconnect).
func (s *Sim) appSnapshot(a *app) *applicationJSON {
	out := &applicationJSON{
		Name:             a.name,
		ChannelIDs:       []string{},
		BridgeIDs:        []string{},
		EndpointIDs:      []string{},
		DeviceNames:      []string{},
		EventsAllowed:    a.allowed,
		EventsDisallowed: a.disallowed,
	}
	for _, c := range s.sortedChannels() {
		if c.appName == a.name {
			out.ChannelIDs = append(out.ChannelIDs, c.id)
		}
	}
	for _, b := range s.sortedBridges() {
		if slices.Contains(b.apps, a.name) {
			out.BridgeIDs = append(out.BridgeIDs, b.id)
		}
	}
	return out
}

func (s *Sim) listApplications(*request) reply {
	names := make([]string, 0, len(s.apps))
	for n := range s.apps {
		names = append(names, n)
	}
	sort.Strings(names)
	list := make([]*applicationJSON, 0, len(names))
	for _, n := range names {
		list = append(list, s.appSnapshot(s.apps[n]))
	}
	return reply{status: http.StatusOK, body: list}
}

func (s *Sim) getApplication(q *request) reply {
	a := s.apps[q.path("app")]
	if a == nil {
		return errorReply(http.StatusNotFound, "Application not found")
	}
	return reply{status: http.StatusOK, body: s.appSnapshot(a)}
}

// setEventFilter is PUT /applications/{app}/eventFilter. The body is the
// filter itself, {"allowed":[{"type":"StasisStart"},...],"disallowed":[...]}
// (recording event-filter); a body wrapped as {"filter":{...}} is accepted
// too. A missing list clears that side; the reply is the application.
func (s *Sim) setEventFilter(q *request) reply {
	a := s.apps[q.path("app")]
	if a == nil {
		return errorReply(http.StatusNotFound, "Application not found")
	}
	var f struct {
		Allowed    []map[string]any `json:"allowed"`
		Disallowed []map[string]any `json:"disallowed"`
		Filter     json.RawMessage  `json:"filter"`
	}
	body := bytes.TrimSpace(q.body)
	if len(body) > 0 {
		if err := json.Unmarshal(body, &f); err != nil {
			return errorReply(http.StatusBadRequest, "Invalid format definition")
		}
		if len(f.Filter) > 0 {
			if err := json.Unmarshal(f.Filter, &f); err != nil {
				return errorReply(http.StatusBadRequest, "Invalid format definition")
			}
		}
	}
	allowed, ok1 := typeFilters(f.Allowed)
	disallowed, ok2 := typeFilters(f.Disallowed)
	if !ok1 || !ok2 {
		return errorReply(http.StatusBadRequest, "Invalid format definition, object containing 'type' expected")
	}
	a.allowed, a.disallowed = allowed, disallowed
	return reply{status: http.StatusOK, body: s.appSnapshot(a)}
}

func typeFilters(in []map[string]any) ([]typeFilter, bool) {
	out := []typeFilter{}
	for _, m := range in {
		t, ok := m["type"].(string)
		if !ok || strings.TrimSpace(t) == "" {
			return nil, false
		}
		out = append(out, typeFilter{Type: t})
	}
	return out, true
}

// asteriskInfo is GET /asterisk/info[?only=build,system,config,status].
func (s *Sim) asteriskInfo(q *request) reply {
	startup := formatTime(s.started)
	all := map[string]any{
		"build": map[string]string{
			"os": "Linux", "kernel": "6.1.0", "options": "", "machine": "x86_64",
			"date": "2026-11-01 00:00:00 UTC", "user": "arisim",
		},
		"system": map[string]string{"version": "22.10.1", "entity_id": s.cfg.EntityID},
		"config": map[string]any{
			"name": "arisim", "default_language": "en",
			"setid": map[string]string{"user": "asterisk", "group": "asterisk"},
		},
		"status": map[string]string{"startup_time": startup, "last_reload_time": startup},
	}
	only := q.param("only")
	if only == "" {
		return reply{status: http.StatusOK, body: all}
	}
	out := map[string]any{}
	for _, k := range strings.Split(only, ",") {
		if v, ok := all[k]; ok {
			out[k] = v
		}
	}
	return reply{status: http.StatusOK, body: out}
}
