// Package web is the panel leaders and supervisors use: pages, the JSON API
// under /api/v1, logins, health checks and metrics. It talks to the queue
// only, never to Asterisk.
//
// The shape follows miniflux: every route is in routes.go; each page or
// action has a file named noun_verb (profile_edit.go shows the form,
// profile_update.go takes its POST) holding one method of Server; forms are
// read and checked in web/form; a page is rendered through a view (view.go)
// and a request fails through Server.fail (error.go), which maps the queue's
// error codes to HTTP statuses in one table, for pages and the API alike.
package web

import (
	"html/template"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/web/live"
)

// Options are the deployment's choices.
type Options struct {
	// TrustProxy believes X-Forwarded-Proto and X-Forwarded-For: set it
	// only behind a reverse proxy that sets both, or anyone could claim to
	// come over TLS or from another address.
	TrustProxy bool
	// Analytics shows the Analytics entry in the navigation, once its pages
	// exist.
	Analytics bool
	// Live fans this instance's one LISTEN out to every open page (server-
	// sent events); the caller runs it. Nil: pages are not updated live.
	Live *live.Hub
}

// Server serves the panel. Build one with New.
type Server struct {
	store   *queue.Store
	clock   queue.Clock // the store's: pages that show "5 minutes ago" read the same now as the rules
	log     *slog.Logger
	pages   map[string]*template.Template
	opts    Options
	metrics *prometheus.Registry
	latency *prometheus.HistogramVec
	checks  []readyCheck
	cross   *http.CrossOriginProtection
	reads   *sessionReads // nil without a live hub to drop their entries
}

// New returns a server over store; metrics are registered on reg, which
// /metrics also serves.
func New(store *queue.Store, log *slog.Logger, reg *prometheus.Registry, opts Options) *Server {
	s := &Server{store: store, clock: store.Clock(), log: log, pages: pages, opts: opts, metrics: reg,
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "callingd_http_request_duration_seconds",
			Help:    "Time to serve HTTP requests, by route pattern and status class.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}, []string{"route", "code"}),
		cross: http.NewCrossOriginProtection(),
	}
	s.cross.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, errCrossOrigin)
	}))
	reg.MustRegister(s.latency)
	if opts.Live != nil {
		s.reads = newSessionReads()
		opts.Live.OnChange(s.reads.changed)
	}
	return s
}

// Handler returns the routes.
func (s *Server) Handler() http.Handler { return s.routes() }
