package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

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

// observe records each request's latency under its route pattern, never its
// raw path, so ids in URLs do not become label values. Server-sent event
// streams are left out: one lasts as long as its page stays open, hours,
// and would only drown the latency of the pages.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		if strings.HasPrefix(ww.Header().Get("Content-Type"), "text/event-stream") {
			return
		}
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
