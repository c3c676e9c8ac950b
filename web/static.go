package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
)

//go:embed static
var staticRoot embed.FS

var staticFiles, _ = fs.Sub(staticRoot, "static")

// staticVersion is a checksum of every static file, in every static URL:
// /static/<version>/app.css. One version for the whole folder, not one per
// file, so a JS module's relative imports ("./app.js") resolve to the same
// release as the module itself. A release that changes any file changes
// every URL, so browsers may keep each for a year.
var staticVersion = mustStaticVersion()

func mustStaticVersion() string {
	entries, err := fs.ReadDir(staticFiles, ".") // sorted by name
	if err != nil {
		panic(err)
	}
	h := sha256.New()
	for _, e := range entries {
		if e.IsDir() {
			continue // served flat: /static/<version>/<file>
		}
		name := e.Name()
		body, err := fs.ReadFile(staticFiles, name)
		if err != nil {
			panic(err)
		}
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(body))
		h.Write(body)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// staticURL is the URL of a file of web/static, for templates:
// {{static "app.css"}}. A name that is not there fails the page, so a typo
// shows in tests rather than as a missing stylesheet.
func staticURL(name string) (string, error) {
	if _, err := fs.Stat(staticFiles, name); err != nil {
		return "", fmt.Errorf("static file %q: %w", name, err)
	}
	return "/static/" + staticVersion + "/" + name, nil
}

// staticFile serves a file of web/static under the current version; an old
// version's URL is not found rather than answered with newer content that
// a year-long cache would then keep under the old name.
func (s *Server) staticFile(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "file")
	body, err := fs.ReadFile(staticFiles, name)
	if chi.URLParam(r, "version") != staticVersion || err != nil {
		s.notFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("ETag", `"`+staticVersion+`"`)
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(body))
}

// favicon answers /favicon.ico, which browsers ask for whatever the
// layout's <link rel="icon"> says, with the panel's SVG icon.
func (s *Server) favicon(w http.ResponseWriter, r *http.Request) {
	body, err := fs.ReadFile(staticFiles, "icon.svg")
	if err != nil {
		s.notFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "public, max-age=604800")
	w.Header().Set("ETag", `"`+staticVersion+`"`)
	http.ServeContent(w, r, "icon.svg", time.Time{}, bytes.NewReader(body))
}
