package web

import (
	"net/http"
	"strings"
)

// navEntry is a section of the panel in the left-hand navigation.
type navEntry struct {
	Label   string
	Path    string
	Current bool // the page shown is in this section
}

// navigation lists the sections a logged-in user sees, in order. A section
// whose pages do not exist yet stays hidden behind its option.
func (s *Server) navigation(r *http.Request) []navEntry {
	entries := []navEntry{
		{Label: "Supporter Groups", Path: "/groups"},
		{Label: "Calling Sessions", Path: "/sessions"},
	}
	if s.opts.Analytics {
		entries = append(entries, navEntry{Label: "Analytics", Path: "/analytics"})
	}
	for i := range entries {
		p := entries[i].Path
		entries[i].Current = r.URL.Path == p || strings.HasPrefix(r.URL.Path, p+"/")
	}
	// A call list's pages are under its group's section (Supporter Groups >
	// group > Call Lists > list).
	if strings.HasPrefix(r.URL.Path, "/lists/") {
		entries[0].Current = true
	}
	return entries
}
