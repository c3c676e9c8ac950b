package web

import (
	"net/http"
	"time"
)

// apiJourney is the body of GET /api/v1/sessions/{id}/journey: the
// completed cycles, oldest first, each with its stats (R3.4).
type apiJourney struct {
	Cycles []apiJourneyCycle `json:"cycles"`
}

type apiJourneyCycle struct {
	Cycle     int          `json:"cycle"`
	StartedAt time.Time    `json:"started_at"`
	EndedAt   time.Time    `json:"ended_at"`
	Stats     apiCallStats `json:"stats"`
}

// apiSessionJourney answers GET /api/v1/sessions/{id}/journey.
func (s *Server) apiSessionJourney(w http.ResponseWriter, r *http.Request) {
	sess, err := s.visibleSession(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cycles, err := s.journey(r.Context(), sess)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	body := apiJourney{Cycles: make([]apiJourneyCycle, len(cycles))}
	for i, c := range cycles {
		body.Cycles[i] = apiJourneyCycle{Cycle: c.Cycle, StartedAt: c.StartedAt, EndedAt: c.EndedAt, Stats: newAPICallStats(c.CallStats)}
	}
	writeJSON(w, http.StatusOK, body)
}
