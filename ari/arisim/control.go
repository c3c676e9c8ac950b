package arisim

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
)

// ChannelInfo is a live channel as the control API shows it.
type ChannelInfo struct {
	ID       string `json:"id"`
	App      string `json:"app"`
	Number   string `json:"number"`   // the number dialled (from the endpoint)
	Endpoint string `json:"endpoint"` // the PJSIP endpoint (trunk) name
	State    string `json:"state"`    // Down, Ringing, Up
	Bridge   string `json:"bridge,omitempty"`
	Dialled  bool   `json:"dialled"`
	CallerID string `json:"caller_id"`
	// ConnectedLine is the number the far end is shown (see Invite).
	ConnectedLine string `json:"connected_line"`
	InStasis      bool   `json:"in_stasis"`
}

// Channels lists the live channels, oldest first.
func (s *Sim) Channels() []ChannelInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []ChannelInfo
	for _, c := range s.sortedChannels() {
		info := ChannelInfo{
			ID:            c.id,
			App:           c.appName,
			Number:        c.number,
			Endpoint:      c.endpoint,
			State:         c.state,
			Dialled:       c.dialled,
			CallerID:      c.caller.Number,
			ConnectedLine: c.connected.Number,
			InStasis:      c.inStasis,
		}
		if c.bridge != nil {
			info.Bridge = c.bridge.id
		}
		out = append(out, info)
	}
	return out
}

// Restart is "Asterisk restarts": every websocket drops, and every
// application, channel, bridge and playback is gone without an event, as
// after a crash. Scripts stay; applications come back when a websocket
// subscribes again (with no event filter). Pending FailNext answers stay:
// they are the test's, not Asterisk's.
func (s *Sim) Restart() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.apps {
		for len(a.conns) > 0 {
			s.dropConnLocked(a.conns[0])
		}
	}
	for _, c := range s.channels {
		s.forget(c)
	}
	for t := range s.timers {
		t.stop()
	}
	clear(s.timers)
	s.apps = map[string]*app{}
	s.bridges = map[string]*bridge{}
	s.playbacks = map[string]*playback{}
	s.note("asterisk restarted")
}

// controlRoutes is the control API (JSON, no auth) that tests and the
// `make run` demo use to play the phones.
func (s *Sim) controlRoutes(m *http.ServeMux) {
	m.HandleFunc("PUT /sim/phones/{number}", func(w http.ResponseWriter, r *http.Request) {
		var sc Script
		if err := json.NewDecoder(io.LimitReader(r.Body, maxBodyBytes)).Decode(&sc); err != nil {
			writeJSON(w, http.StatusBadRequest, errorJSON{Message: err.Error()})
			return
		}
		s.SetScript(r.PathValue("number"), sc)
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("POST /sim/channels/{id}/keys", func(w http.ResponseWriter, r *http.Request) {
		digits, ok := readDigits(w, r)
		if ok {
			controlResult(w, s.Press(r.PathValue("id"), digits))
		}
	})
	m.HandleFunc("POST /sim/phones/{number}/keys", func(w http.ResponseWriter, r *http.Request) {
		digits, ok := readDigits(w, r)
		if ok {
			controlResult(w, s.PressNumber(r.PathValue("number"), digits))
		}
	})
	m.HandleFunc("POST /sim/channels/{id}/hangup", func(w http.ResponseWriter, r *http.Request) {
		controlResult(w, s.HangupFarEnd(r.PathValue("id")))
	})
	m.HandleFunc("POST /sim/calls", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ App, From, To string }
		if err := json.NewDecoder(io.LimitReader(r.Body, maxBodyBytes)).Decode(&body); err != nil {
			writeJSON(w, http.StatusBadRequest, errorJSON{Message: `body must be {"app":"...","from":"...","to":"..."}`})
			return
		}
		id, err := s.IncomingCall(body.App, body.From, body.To)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, errorJSON{Message: err.Error()})
			return
		}
		writeJSON(w, http.StatusCreated, map[string]string{"id": id})
	})
	m.HandleFunc("POST /sim/websockets/drop", func(w http.ResponseWriter, r *http.Request) {
		s.DropWebsockets()
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("POST /sim/restart", func(w http.ResponseWriter, r *http.Request) {
		s.Restart()
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("GET /sim/channels", func(w http.ResponseWriter, r *http.Request) {
		list := s.Channels()
		if list == nil {
			list = []ChannelInfo{}
		}
		writeJSON(w, http.StatusOK, list)
	})
	m.HandleFunc("GET /sim/invites", func(w http.ResponseWriter, r *http.Request) {
		list := s.Invites()
		if list == nil {
			list = []Invite{}
		}
		writeJSON(w, http.StatusOK, list)
	})
	m.HandleFunc("GET /sim/transcript", func(w http.ResponseWriter, r *http.Request) {
		list := s.Transcript()
		if list == nil {
			list = []Entry{}
		}
		writeJSON(w, http.StatusOK, list)
	})
	m.HandleFunc("DELETE /sim/transcript", func(w http.ResponseWriter, r *http.Request) {
		s.ResetTranscript()
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("/sim/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, errorJSON{Message: "no such control route"})
	})
}

func readDigits(w http.ResponseWriter, r *http.Request) (string, bool) {
	var body struct {
		Digits string `json:"digits"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, maxBodyBytes)).Decode(&body); err != nil {
		writeJSON(w, http.StatusBadRequest, errorJSON{Message: "body must be {\"digits\":\"...\"}"})
		return "", false
	}
	if err := validDigits(body.Digits); err != nil {
		writeJSON(w, http.StatusBadRequest, errorJSON{Message: err.Error()})
		return "", false
	}
	return body.Digits, true
}

func controlResult(w http.ResponseWriter, err error) {
	switch {
	case err == nil:
		w.WriteHeader(http.StatusNoContent)
	case errors.Is(err, ErrNoChannel):
		writeJSON(w, http.StatusNotFound, errorJSON{Message: err.Error()})
	case errors.Is(err, ErrNotAnswered):
		writeJSON(w, http.StatusConflict, errorJSON{Message: err.Error()})
	default:
		writeJSON(w, http.StatusBadRequest, errorJSON{Message: err.Error()})
	}
}
