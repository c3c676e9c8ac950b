package arisim

import (
	"encoding/json"
	"strings"
)

// Entry is one line of a transcript, in the format of the recordings in
// ../shared/asterisk-ari/transcripts: what the application sent (request),
// what the simulator answered (response), each websocket message it sent
// (event), and remarks (note: websocket connected or closed).
type Entry struct {
	TMS    int64           `json:"t_ms"` // milliseconds since the Sim started or ResetTranscript
	Kind   string          `json:"kind"` // request, response, event, note
	Method string          `json:"method,omitempty"`
	Path   string          `json:"path,omitempty"` // under /ari, with the query string
	Status int             `json:"status,omitempty"`
	Body   json.RawMessage `json:"body,omitempty"`
	Text   string          `json:"text,omitempty"`
}

// Transcript returns a copy of what has happened so far.
func (s *Sim) Transcript() []Entry {
	s.tmu.Lock()
	defer s.tmu.Unlock()
	return append([]Entry(nil), s.transcript...)
}

// ResetTranscript forgets the transcript and restarts its t_ms at zero.
func (s *Sim) ResetTranscript() {
	s.tmu.Lock()
	defer s.tmu.Unlock()
	s.transcript = nil
	s.tStart = s.clock.Now()
}

func (s *Sim) record(e Entry) {
	s.tmu.Lock()
	defer s.tmu.Unlock()
	e.TMS = s.clock.Now().Sub(s.tStart).Milliseconds()
	if len(s.transcript) >= s.cfg.TranscriptLimit {
		// Drop the oldest tenth at once so trimming stays amortised O(1).
		n := copy(s.transcript, s.transcript[s.cfg.TranscriptLimit/10+1:])
		clear(s.transcript[n:])
		s.transcript = s.transcript[:n]
	}
	s.transcript = append(s.transcript, e)
}

func (s *Sim) note(text string) { s.record(Entry{Kind: "note", Text: text}) }

// failure is a canned answer for the next matching REST call (FailNext).
type failure struct {
	method, prefix string
	status         int
	body           string
}

// FailNext makes the next REST call whose method matches (empty matches
// any) and whose path under /ari starts with pathPrefix (for example
// "/channels/abc/dial"; a leading "/ari" is ignored) answer status with
// body instead of doing anything. An empty body becomes Asterisk's
// {"message": "<status text>"}. Failures queue up and are used once each.
func (s *Sim) FailNext(method, pathPrefix string, status int, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fails = append(s.fails, failure{
		method: strings.ToUpper(method),
		prefix: strings.TrimPrefix(pathPrefix, "/ari"),
		status: status,
		body:   body,
	})
}

// takeFailure removes and returns the first failure matching a call.
// The caller holds the lock.
func (s *Sim) takeFailure(method, path string) (failure, bool) {
	for i, f := range s.fails {
		if (f.method == "" || f.method == method) && strings.HasPrefix(path, f.prefix) {
			s.fails = append(s.fails[:i], s.fails[i+1:]...)
			return f, true
		}
	}
	return failure{}, false
}
