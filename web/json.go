package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/supporterbase/callingsessions/queue"
)

// maxJSONBytes bounds an API request's body.
const maxJSONBytes = 1 << 20

// writeJSON answers with v as JSON. API answers are never cached: they
// carry one user's data.
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the status is out: a broken connection is all that can fail
}

// decodeJSON reads the request's body into v: one JSON value, no unknown
// fields. EINVALID naming the field when a value has the wrong type.
func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxJSONBytes))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == nil:
		if dec.More() {
			return queue.Errorf(queue.EINVALID, "the body holds more than one JSON value")
		}
		return nil
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return queue.FieldErrorf(typeErr.Field, "must be a %s, not a %s", typeErr.Type, typeErr.Value)
	}
	return queue.Errorf(queue.EINVALID, "the body is not the JSON expected: %v", err)
}
