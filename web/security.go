package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// The CSRF guard. Every state change passes two checks:
//   - crossOrigin: net/http's CrossOriginProtection refuses a request that
//     the browser says comes from another site (Sec-Fetch-Site, else an
//     Origin that is not this host);
//   - checkCSRF: the request carries the token of its web session, in the
//     form field "csrf" (pages) or the X-Csrf-Token header (fetch and
//     sendBeacon callers, the API), for browsers that send neither header.
//
// A visitor who is not logged in (the login form) has a token of their own
// in the callingd_csrf cookie instead, so a login cannot be forged either.
const (
	csrfField      = "csrf"
	csrfHeader     = "X-Csrf-Token"
	anonCSRFCookie = "callingd_csrf"
)

// crossOrigin applies net/http's cross-origin protection to every request.
func (s *Server) crossOrigin(next http.Handler) http.Handler { return s.cross.Handler(next) }

// checkCSRF refuses a state change without its session's token.
func (s *Server) checkCSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		want := expectedCSRF(r)
		got := r.Header.Get(csrfHeader)
		if got == "" {
			got = r.PostFormValue(csrfField)
		}
		if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			s.fail(w, r, errCSRF)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// expectedCSRF is the token a state change must carry: the web session's,
// or the visitor's own cookie's.
func expectedCSRF(r *http.Request) string {
	if ws, ok := webSessionFrom(r.Context()); ok {
		return ws.CSRFToken
	}
	if c, err := r.Cookie(anonCSRFCookie); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	return ""
}

// csrfToken is the token pages put in their forms (and the csrf-token meta
// tag, for scripts). A visitor without one is given one now.
func (s *Server) csrfToken(w http.ResponseWriter, r *http.Request) string {
	if token := expectedCSRF(r); token != "" {
		return token
	}
	token := randomToken(32)
	http.SetCookie(w, &http.Cookie{Name: anonCSRFCookie, Value: token, Path: "/",
		HttpOnly: true, Secure: s.overTLS(r), SameSite: http.SameSiteLaxMode})
	return token
}

// cspFormat, given the request's nonce, is the Content-Security-Policy. It allows this site's own styles and images, and only
// the scripts that carry the request's nonce (and the modules they import,
// which inherit it). No inline script or style runs; nobody may frame the
// panel; forms post only here.
const cspFormat = "default-src 'none'; script-src 'nonce-%s'; style-src 'self'; img-src 'self'; " +
	"font-src 'self'; connect-src 'self'; manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// secureHeaders sets the security headers of every answer and gives the
// request its CSP nonce, for the view to put on script tags.
func (s *Server) secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nonce := randomToken(18)
		h := w.Header()
		h.Set("Content-Security-Policy", fmt.Sprintf(cspFormat, nonce))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if s.overTLS(r) {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), nonceKey, nonce)))
	})
}

// maxBodyBytes bounds every request body: the largest upload the panel
// takes (a supporters CSV). Forms are far smaller; the API reads at most
// maxJSONBytes of it.
const maxBodyBytes = 32 << 20

func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		next.ServeHTTP(w, r)
	})
}

type contextKey int

const (
	nonceKey contextKey = iota
	webSessionKey
)

func nonceFrom(ctx context.Context) string {
	nonce, _ := ctx.Value(nonceKey).(string)
	return nonce
}

// randomToken returns n random bytes, base64url-encoded.
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand panics rather than return short)
	return base64.RawURLEncoding.EncodeToString(b)
}

// overTLS reports whether the browser reached us over TLS: directly, or
// through a trusted proxy that says so.
func (s *Server) overTLS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return s.opts.TrustProxy && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// clientAddr is the address a request comes from, for login throttling:
// the peer, or behind a trusted proxy the last address of
// X-Forwarded-For, which that proxy appended (earlier ones are the
// client's to forge). The zero Addr if neither parses.
func (s *Server) clientAddr(r *http.Request) netip.Addr {
	if s.opts.TrustProxy {
		if hops := r.Header.Values("X-Forwarded-For"); len(hops) > 0 {
			last := hops[len(hops)-1]
			last = strings.TrimSpace(last[strings.LastIndex(last, ",")+1:])
			if addr, err := netip.ParseAddr(last); err == nil {
				return addr.Unmap()
			}
		}
	}
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}
