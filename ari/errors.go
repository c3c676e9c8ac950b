package ari

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/CyCoreSystems/ari/v5/client/native"
)

// ErrNotFound: the channel, bridge, playback or application does not exist
// (any more) in Asterisk. The message is deliberately specific: ari/v5's
// error types answer errors.Is by comparing messages.
var ErrNotFound = errors.New("ari: not found in Asterisk")

// ErrInvalid: the request was refused before reaching Asterisk (a bad
// number, a dial string without {number}, an empty id, ...).
var ErrInvalid = errors.New("ari: invalid request")

// RESTError is an ARI REST call that failed: what we asked, about what, and
// what Asterisk answered. It satisfies errors.Is(err, ErrNotFound) when
// Asterisk said the thing is gone.
type RESTError struct {
	Op       string // what we asked: "dial", "add to bridge", ...
	ID       string // the channel, bridge or playback concerned
	Status   int    // Asterisk's HTTP status; 0 when there was no answer
	Err      error  // ari/v5's error, for logs
	notFound bool
}

func (e *RESTError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("ari: %s %s: Asterisk answered %d %s", e.Op, e.ID, e.Status, http.StatusText(e.Status))
	}
	return fmt.Sprintf("ari: %s %s: %v", e.Op, e.ID, e.Err)
}

func (e *RESTError) Unwrap() error { return e.Err }

// Is makes a gone channel or bridge match ErrNotFound.
func (e *RESTError) Is(target error) bool { return target == ErrNotFound && e.notFound }

// restError wraps err from ari/v5. Status 404 always means "not found";
// notFound lists further statuses that mean it for this call (Asterisk
// answers 400 "Channel not found" to bridges/{id}/addChannel, for one).
func restError(op, id string, err error, notFound ...int) error {
	if err == nil {
		return nil
	}
	status := statusOf(err)
	e := &RESTError{Op: op, ID: id, Status: status, Err: err, notFound: status == http.StatusNotFound}
	for _, s := range notFound {
		if status == s {
			e.notFound = true
		}
	}
	return e
}

// statusOf digs the HTTP status out of ari/v5's error chain. Its errors
// unwrap with Unwrap (eris) or Cause (its own data-get error), and the
// status sits in a native.RequestError at the bottom; 0 if there is none
// (a transport failure, or a response body that failed to decode).
func statusOf(err error) int {
	for err != nil {
		if re, ok := err.(native.RequestError); ok {
			return re.Code()
		}
		switch e := err.(type) {
		case interface{ Unwrap() error }:
			err = e.Unwrap()
		case interface{ Cause() error }:
			err = e.Cause()
		default:
			return 0
		}
	}
	return 0
}

// isNotFound reports whether err says the thing is gone: for calls where
// that is success (hanging up a leg that already hung up).
func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
