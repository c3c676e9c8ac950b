package web

import (
	"net/http"
	"time"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/web/form"
)

// apiSheetSupporter is a supporter as the View all supporters sheet shows
// them (R3.5): the number whole for the session's leader, else masked.
type apiSheetSupporter struct {
	ID            int64                 `json:"id"`
	FirstName     string                `json:"first_name"`
	LastName      string                `json:"last_name"`
	Phone         string                `json:"phone"`
	Tags          []string              `json:"tags"`
	Status        queue.SupporterStatus `json:"status"`
	Next          bool                  `json:"next"`
	CanPrioritise bool                  `json:"can_prioritise"`
	// WhyNotPrioritise says why Prioritise is refused, when it is (R8.1).
	WhyNotPrioritise string     `json:"why_not_prioritise,omitempty"`
	CompletedAt      *time.Time `json:"completed_at"`
	Skip             *apiSkip   `json:"skip"`
}

// apiSkip is the skip holding a supporter out, with the badge's tooltip.
type apiSkip struct {
	Kind         queue.SkipKind `json:"kind"`
	Type         queue.SkipType `json:"type,omitempty"`
	Reason       string         `json:"reason,omitempty"`
	SystemReason string         `json:"system_reason,omitempty"`
	Until        *time.Time     `json:"until"`
	ByID         int64          `json:"by_id,omitempty"`
	ByName       string         `json:"by_name,omitempty"`
	At           *time.Time     `json:"at,omitempty"`
	Description  string         `json:"description"`
}

type apiSupporterPage struct {
	Supporters []apiSheetSupporter `json:"supporters"`
	NextCursor string              `json:"next_cursor"`
}

func newAPISheetSupporter(row sheetRow) apiSheetSupporter {
	sp := row.SessionSupporter
	a := apiSheetSupporter{ID: sp.ID, FirstName: sp.FirstName, LastName: sp.LastName, Phone: row.Phone, Tags: sp.Tags,
		Status: sp.Status, Next: sp.Next, CanPrioritise: sp.CanPrioritise, WhyNotPrioritise: row.NoPrioritise,
		CompletedAt: sp.CompletedAt}
	if a.Tags == nil {
		a.Tags = []string{}
	}
	if k := sp.Skip; k != nil {
		a.Skip = &apiSkip{Kind: k.Kind, Type: k.Type, Reason: k.Reason, SystemReason: k.SystemReason, Until: k.Until,
			ByID: k.By, ByName: k.ByName, Description: row.Tooltip}
		if k.Kind == queue.SkipKindLeader {
			at := k.At
			a.Skip.At = &at
		}
	}
	return a
}

// apiSupportersList answers GET /api/v1/sessions/{id}/supporters: a page
// of the sheet, filtered by status and search, in queue order; the next
// page is after=next_cursor.
func (s *Server) apiSupportersList(w http.ResponseWriter, r *http.Request) {
	ss, err := s.loadSheetSession(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q, err := form.NewSupporterFilter(r).Query()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page, err := s.store.SessionSupporters(r.Context(), ss.OrganisationID, ss.ID, q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	now := s.clock.Now()
	out := apiSupporterPage{Supporters: make([]apiSheetSupporter, len(page.Supporters)), NextCursor: page.NextCursor}
	for i, sp := range page.Supporters {
		out.Supporters[i] = newAPISheetSupporter(ss.row(sp, now, nil))
	}
	writeJSON(w, http.StatusOK, out)
}
