package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/supporterbase/callingsessions/queue"
)

// statuses maps the queue's error codes to HTTP statuses, in one place, for
// pages and the API alike.
var statuses = map[string]int{
	queue.EINVALID:      http.StatusUnprocessableEntity,
	queue.ENOTFOUND:     http.StatusNotFound,
	queue.ECONFLICT:     http.StatusConflict,
	queue.EFORBIDDEN:    http.StatusForbidden,
	queue.EUNAUTHORIZED: http.StatusUnauthorized,
	queue.ETHROTTLED:    http.StatusTooManyRequests,
	queue.EINTERNAL:     http.StatusInternalServerError,
}

func statusOf(err error) int {
	if status, ok := statuses[queue.ErrorCode(err)]; ok {
		return status
	}
	return http.StatusInternalServerError
}

// Errors the web layer raises itself.
var (
	errCrossOrigin = queue.Errorf(queue.EFORBIDDEN, "requests from other sites are refused")
	errCSRF        = queue.Errorf(queue.EFORBIDDEN, "this page has expired: reload it and try again")
	errNotFound    = queue.Errorf(queue.ENOTFOUND, "there is no such page")
	errNoMethod    = queue.Errorf(queue.ENOTFOUND, "there is no such action on this page")
)

// apiError is the body of every API error: the code (one of the queue's),
// the field at fault when there is one, and a message for a person.
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code    string `json:"code"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// errorParts returns what a user may see of err: the field at fault and
// the message without the field's name. Internal errors show nothing of
// themselves.
func errorParts(err error) (field, message string) {
	var e *queue.Error
	if errors.As(err, &e) && e.Code != queue.EINTERNAL {
		return e.Field, e.Message
	}
	return "", queue.ErrorMessage(err)
}

// sentence is an error's message as a page shows it: a message that goes
// on from its field's name ("is required", "must be…") gets the field's
// name in words before it ("Reason is required…"); any other starts with a
// capital ("Supporter not found in this session"), without the field's
// name in code ("supporter_id: "), which only the API gives.
func sentence(field, message string) string {
	if message == "" {
		return ""
	}
	if field != "" {
		for _, verb := range []string{"is ", "are ", "must ", "has ", "have "} {
			if strings.HasPrefix(message, verb) {
				message = strings.ReplaceAll(field, "_", " ") + " " + message
				break
			}
		}
	}
	first, size := utf8.DecodeRuneInString(message)
	return string(unicode.ToUpper(first)) + message[size:]
}

// fail answers a request that went wrong: as JSON under /api/, as a page
// elsewhere, with the status statuses gives err's code. Only internal
// errors are logged, and their details are never shown. A form that can be
// corrected is shown again with view.RenderError instead.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(err)
	if status == http.StatusInternalServerError {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	setRetryAfter(w, err)
	field, message := errorParts(err)
	if isAPI(r) {
		writeJSON(w, status, apiError{apiErrorBody{Code: queue.ErrorCode(err), Field: field, Message: message}})
		return
	}
	v := s.view(w, r, "error").Set("Title", http.StatusText(status)).Set("Message", sentence(field, message))
	v.status = status
	v.Render()
}

// setRetryAfter tells a throttled client when to try again: once the
// throttle's window has passed, at the latest.
func setRetryAfter(w http.ResponseWriter, err error) {
	if queue.ErrorCode(err) == queue.ETHROTTLED {
		w.Header().Set("Retry-After", fmt.Sprint(int(queue.LoginWindow.Seconds())))
	}
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) { s.fail(w, r, errNotFound) }

func (s *Server) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, errNoMethod)
}
