// Package web is the panel leaders and supervisors use: routes, pages,
// health checks and metrics. It talks to the queue only, never to Asterisk.
package web

import (
	"context"
	"embed"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/supporterbase/callingsessions/queue"
)

//go:embed templates/*.html
var templateFiles embed.FS

var templates = template.Must(template.ParseFS(templateFiles, "templates/*.html"))

// Server serves the panel. Build one with New.
type Server struct {
	store   *queue.Store
	log     *slog.Logger
	metrics *prometheus.Registry
	latency *prometheus.HistogramVec
	checks  []readyCheck
}

// readyCheck is a dependency /readyz reports on besides the database.
type readyCheck struct {
	name  string
	check func() error
}

// AddReadyCheck makes /readyz also depend on check (e.g. "asterisk": the
// events websocket is up). Call before serving.
func (s *Server) AddReadyCheck(name string, check func() error) {
	s.checks = append(s.checks, readyCheck{name, check})
}

// New returns a server over store; metrics are registered on reg, which
// /metrics also serves.
func New(store *queue.Store, log *slog.Logger, reg *prometheus.Registry) *Server {
	s := &Server{store: store, log: log, metrics: reg,
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "callingd_http_request_duration_seconds",
			Help:    "Time to serve HTTP requests, by route pattern and status class.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}, []string{"route", "code"}),
	}
	reg.MustRegister(s.latency)
	return s
}

// Handler returns the routes.
func (s *Server) Handler() http.Handler {
	r := chi.NewRouter()
	r.Use(middleware.Recoverer, s.observe)
	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Method(http.MethodGet, "/metrics", promhttp.HandlerFor(s.metrics, promhttp.HandlerOpts{}))
	r.Get("/", s.home)
	return r
}

// observe records each request's latency under its route pattern, never its
// raw path, so ids in URLs do not become label values.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		route := chi.RouteContext(r.Context()).RoutePattern()
		if route == "" {
			route = "unmatched"
		}
		s.latency.WithLabelValues(route, statusClass(ww.Status())).Observe(time.Since(start).Seconds())
	})
}

func statusClass(code int) string {
	if code == 0 {
		code = http.StatusOK
	}
	return string(rune('0'+code/100)) + "xx"
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// readyz answers 200 only when the database answers within a second and
// every added check (Asterisk) passes; the body lists each.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	var body strings.Builder
	ready := true
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("not ready: database", "err", err)
		ready = false
		body.WriteString("database: unreachable\n")
	} else {
		body.WriteString("database: ok\n")
	}
	for _, c := range s.checks {
		if err := c.check(); err != nil {
			s.log.Warn("not ready", "check", c.name, "err", err)
			ready = false
			fmt.Fprintf(&body, "%s: unreachable\n", c.name)
		} else {
			fmt.Fprintf(&body, "%s: ok\n", c.name)
		}
	}
	if !ready {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_, _ = w.Write([]byte(body.String()))
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	summary, err := s.store.Summary(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, "home.html", summary)
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := templates.ExecuteTemplate(w, name, data); err != nil {
		s.log.Error("render", "template", name, "path", r.URL.Path, "err", err)
	}
}
