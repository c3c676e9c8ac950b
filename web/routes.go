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
	r.Use(middleware.Recoverer, s.observe, s.secureHeaders, s.crossOrigin, limitBody, s.dropReadsOnChange)
	r.NotFound(s.notFound)
	r.MethodNotAllowed(s.methodNotAllowed)

	// Operations and static files: no web session, no database.
	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Method(http.MethodGet, "/metrics", promhttp.HandlerFor(s.metrics, promhttp.HandlerOpts{}))
	r.Get("/static/{version}/{file}", s.staticFile)
	r.Get("/favicon.ico", s.favicon)

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

			// Supporter groups, call lists, sessions index
			r.Get("/groups", s.groupIndex)
			r.Get("/groups/{id}", s.groupShow)
			r.Get("/lists/{id}", s.listShow)
			r.Get("/lists/{id}/sessions", s.listSessions)
			r.Post("/lists/{id}/sessions", s.sessionStart)
			r.Get("/lists/{id}/members/new", s.memberNew)
			r.Post("/lists/{id}/members", s.memberAdd)
			r.Post("/lists/{id}/members/create", s.memberCreate)
			r.Get("/lists/{id}/members/{supporterID}/remove", s.memberRemoveConfirm)
			r.Post("/lists/{id}/members/{supporterID}/remove", s.memberRemove)
			r.Get("/lists/{id}/import", s.listImportShow)
			r.Post("/lists/{id}/import", s.listImport)
			r.Get("/sessions", s.sessionIndex)
			r.Get("/sessions/events", s.sessionEvents)

			r.Get("/profile", s.profileEdit)
			r.Post("/profile", s.profileUpdate)
			r.Post("/profile/password", s.passwordUpdate)

			// Session dashboard (R3): the page, its live parts and stream, and
			// its buttons and contact form.
			r.Get("/sessions/{id}", s.sessionShow)
			r.Get("/sessions/{id}/parts", s.sessionParts)
			r.Get("/sessions/{id}/events", s.dashboardEvents)
			r.Post("/sessions/{id}/phone", s.phoneRequest)
			r.Post("/sessions/{id}/pause", s.phoneHangUp)
			r.Post("/sessions/{id}/cycles", s.cycleCreate)
			r.Post("/sessions/{id}/contacts", s.contactCreate)

			// View all supporters, skips, prioritise, supporter card
			r.Get("/sessions/{id}/supporters", s.supporterList)
			r.Get("/sessions/{id}/supporters/{supporterID}", s.supporterShow)
			r.Get("/sessions/{id}/supporters/{supporterID}/skip", s.skipEdit)
			r.Post("/sessions/{id}/supporters/{supporterID}/skip", s.skipSave)
			r.Post("/sessions/{id}/supporters/{supporterID}/unskip", s.skipRemove)
			r.Post("/sessions/{id}/supporters/{supporterID}/prioritise", s.prioritiseSave)
			r.Get("/contacts/{id}/edit", s.contactEdit)
			r.Post("/contacts/{id}", s.contactUpdate)
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

				// Session dashboard.
				r.Get("/sessions/{id}", s.apiSessionShow)
				r.Get("/sessions/{id}/journey", s.apiSessionJourney)
				r.Get("/sessions/{id}/current-call", s.apiCurrentCallShow)
				r.Post("/sessions/{id}/phone", s.apiPhoneRequest)
				r.Post("/sessions/{id}/pause", s.apiPhoneHangUp)
				r.Post("/sessions/{id}/cycles", s.apiCycleCreate)
				r.Post("/sessions/{id}/contacts", s.apiContactCreate)

				// View all supporters, skips, prioritise, supporter card
				r.Get("/sessions/{id}/supporters", s.apiSupportersList)
				r.Get("/sessions/{id}/supporters/{supporterID}", s.apiSupporterShow)
				r.Post("/sessions/{id}/supporters/{supporterID}/skip", s.apiSkipCreate)
				r.Delete("/sessions/{id}/supporters/{supporterID}/skip", s.apiSkipDelete)
				r.Post("/sessions/{id}/supporters/{supporterID}/prioritise", s.apiPrioritiseCreate)
				r.Put("/contacts/{id}", s.apiContactUpdate)
				r.Get("/contacts/{id}/history", s.apiContactHistory)

				// Supporter groups, call lists, sessions index
				r.Get("/groups", s.apiGroupIndex)
				r.Get("/groups/{id}/lists", s.apiGroupLists)
				r.Get("/lists/{id}", s.apiListShow)
				r.Get("/lists/{id}/members", s.apiMemberIndex)
				r.Post("/lists/{id}/members", s.apiMemberAdd)
				r.Delete("/lists/{id}/members/{supporterID}", s.apiMemberRemove)
				r.Post("/lists/{id}/import", s.apiListImport)
				r.Get("/lists/{id}/sessions", s.apiListSessions)
				r.Post("/lists/{id}/sessions", s.apiSessionStart)
				r.Get("/sessions", s.apiSessionIndex)
			})
		})
	})
	return r
}
