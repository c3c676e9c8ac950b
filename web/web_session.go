package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/supporterbase/callingsessions/queue"
)

// The web session: queue keeps it (queue.WebSession), the browser holds its
// token in this cookie: HttpOnly (no script reads it), SameSite=Lax (not
// sent with another site's POSTs), Secure when the browser came over TLS.
const sessionCookie = "callingd_session"

// loadWebSession finds the request's web session, if its cookie names a
// live one, and puts it in the context; a dead one's cookie is cleared.
// Requests without one go on as a visitor's.
func (s *Server) loadWebSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		if err != nil {
			next.ServeHTTP(w, r)
			return
		}
		ws, err := s.store.WebSessionByToken(r.Context(), c.Value)
		switch queue.ErrorCode(err) {
		case "":
			r = withWebSession(r, ws)
		case queue.EUNAUTHORIZED:
			s.clearSessionCookie(w, r)
		default:
			s.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// withWebSession returns r as a request of session ws.
func withWebSession(r *http.Request, ws queue.WebSession) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), webSessionKey, ws))
}

// webSessionFrom returns the request's web session, if it is logged in.
func webSessionFrom(ctx context.Context) (queue.WebSession, bool) {
	ws, ok := ctx.Value(webSessionKey).(queue.WebSession)
	return ws, ok
}

// currentUser is the logged-in user; only for handlers behind requireLogin.
func currentUser(r *http.Request) queue.User {
	ws, _ := webSessionFrom(r.Context())
	return ws.User
}

// errLoggedOut is what the API answers a request without a live session.
var errLoggedOut = queue.Errorf(queue.EUNAUTHORIZED, "log in first")

// requireLogin lets only logged-in requests through: a page sends the
// visitor to the login page, to come back after; the API answers 401.
func (s *Server) requireLogin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := webSessionFrom(r.Context()); ok {
			next.ServeHTTP(w, r)
			return
		}
		if isAPI(r) {
			s.fail(w, r, errLoggedOut)
			return
		}
		back := ""
		if r.Method == http.MethodGet {
			back = "?next=" + url.QueryEscape(r.URL.RequestURI())
		}
		http.Redirect(w, r, "/login"+back, http.StatusSeeOther)
	})
}

// startWebSession logs u in on this browser: a new session, whatever the
// browser held before (no session fixation).
func (s *Server) startWebSession(w http.ResponseWriter, r *http.Request, u queue.User) (queue.WebSession, error) {
	token, ws, err := s.store.CreateWebSession(r.Context(), u)
	if err != nil {
		return ws, err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/",
		MaxAge: int(queue.WebSessionMaxAge.Seconds()), HttpOnly: true, Secure: s.overTLS(r), SameSite: http.SameSiteLaxMode})
	return ws, nil
}

func (s *Server) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.overTLS(r), SameSite: http.SameSiteLaxMode})
}

// flash keeps msg as the success alert of the next page the session
// shows: the one a POST redirects to. The alert lives in the web session's
// row (not a cookie), so it cannot be forged and follows no one else.
// Losing it loses no work, so a failure is only logged.
func (s *Server) flash(r *http.Request, msg string) {
	ws, ok := webSessionFrom(r.Context())
	if !ok {
		return
	}
	if err := s.store.SetFlash(r.Context(), ws.ID, msg); err != nil {
		s.log.Warn("set flash", "err", err)
	}
}

// localPath returns next when it is a path on this site, "/" otherwise, so
// the login page's "next" never sends anyone elsewhere.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/"
	}
	return next
}
