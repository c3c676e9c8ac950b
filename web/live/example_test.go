package live_test

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/web/live"
)

// How the panel mounts the streams: one hub per instance, run for the
// server's life; a dashboard watches its session, the sessions index every
// session of the organisation. The page's HTML opts in with
//
//	<main data-live="/sessions/12/events?since={{.LiveCursor}}"
//	      data-pause-url="/sessions/12/pause">
//	<meta name="csrf-token" content="{{.CSRFToken}}">
//	<script type="module" src="/static/live.js" nonce="{{.Nonce}}"></script>
//
// where LiveCursor is hub.Cursor(), read before the page reads its data.
func Example() {
	ctx := context.Background()
	var store *queue.Store // queue.NewStore(pool, nil) in callingd
	hub := live.New(store, slog.Default(), live.Config{})
	go hub.Run(ctx) //nolint:errcheck // returns nil when ctx ends; callingd waits for it

	// loggedIn stands for the panel's login middleware.
	loggedIn := func(r *http.Request) queue.User { return queue.User{} }

	r := chi.NewRouter()
	r.Get("/sessions/{id}/events", func(w http.ResponseWriter, r *http.Request) {
		user := loggedIn(r)
		id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		// Another organisation's session is a 404, like every page (R1.1).
		if _, err := store.Session(r.Context(), user.OrganisationID, id); err != nil {
			http.NotFound(w, r)
			return
		}
		hub.ServeStream(w, r, user.OrganisationID, live.Sessions(id))
	})
	r.Get("/sessions/events", func(w http.ResponseWriter, r *http.Request) {
		hub.ServeStream(w, r, loggedIn(r).OrganisationID, live.AllSessions)
	})
}
