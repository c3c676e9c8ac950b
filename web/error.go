package web

import (
	"net/http"

	"github.com/supporterbase/callingsessions/queue"
)

// statuses maps the queue's error codes to HTTP statuses, in one place.
var statuses = map[string]int{
	queue.EINVALID:      http.StatusBadRequest,
	queue.ENOTFOUND:     http.StatusNotFound,
	queue.ECONFLICT:     http.StatusConflict,
	queue.EFORBIDDEN:    http.StatusForbidden,
	queue.EUNAUTHORIZED: http.StatusUnauthorized,
	queue.EINTERNAL:     http.StatusInternalServerError,
}

// Error answers with err's status and the message a user may see; only
// internal errors are logged, and their details are never shown.
func (s *Server) Error(w http.ResponseWriter, r *http.Request, err error) {
	code := queue.ErrorCode(err)
	if code == queue.EINTERNAL {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	status, ok := statuses[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	http.Error(w, queue.ErrorMessage(err), status)
}
