package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routes is every route of the panel, in one place. A new page joins the
// group its visitors belong to; every state change (any method but GET)
// is guarded by crossOrigin and checkCSRF on the way.
func (s *Server) routes() chi.Router {
	r := chi.NewRouter()
	r.Use(middleware.Recoverer, s.observe, s.secureHeaders, s.crossOrigin, limitBody)
	r.NotFound(s.notFound)
	r.MethodNotAllowed(s.methodNotAllowed)

	// Operations and static files: no web session, no database.
	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Method(http.MethodGet, "/metrics", promhttp.HandlerFor(s.metrics, promhttp.HandlerOpts{}))
	r.Get("/static/{version}/{file}", s.staticFile)

	r.Group(func(r chi.Router) {
		r.Use(s.loadWebSession, s.checkCSRF)

		// Anyone.
		r.Get("/", s.home)
		r.Get("/login", s.loginShow)
		r.Post("/login", s.loginCheck)
		r.Post("/logout", s.logout)

		// Logged-in users; others are sent to the login page.
		r.Group(func(r chi.Router) {
			r.Use(s.requireLogin)
			r.Get("/dashboard", s.dashboardHome)
			r.Get("/profile", s.profileEdit)
			r.Post("/profile", s.profileUpdate)
			r.Post("/profile/password", s.passwordUpdate)
		})

		// The JSON API: the same web session; errors as JSON. Every route
		// here is in openapi.json (a test checks both ways).
		r.Route("/api/v1", func(r chi.Router) {
			r.Get("/openapi.json", s.apiOpenAPI)
			r.Group(func(r chi.Router) {
				r.Use(s.requireLogin)
				r.Get("/me", s.apiMeShow)
				r.Put("/me", s.apiMeUpdate)
				r.Post("/me/password", s.apiPasswordUpdate)
			})
		})
	})
	return r
}
