package web

import "net/http"

// apiMemberRemove answers DELETE /api/v1/lists/{id}/members/{supporterID}:
// 204, also when the supporter was not on the list; 404 for a supporter
// not of the list's group.
func (s *Server) apiMemberRemove(w http.ResponseWriter, r *http.Request) {
	lp, sp, err := s.loadMember(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.store.RemoveListMembers(r.Context(), lp.List.OrganisationID, lp.List.ID, []int64{sp.ID}); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}
