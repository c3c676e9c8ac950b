package ari

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestAnswer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.answeredLeg(t, "leg", "+447911000010")
	if err := e.c.Answer(context.Background(), "leg"); err != nil {
		t.Errorf("Answer of a live leg: %v", err)
	}
	if err := e.c.Answer(context.Background(), "no-such-channel"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Answer of an unknown channel = %v, want ErrNotFound", err)
	}
}

func TestHangup(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	t.Run("WithCause", func(t *testing.T) {
		m := e.answeredLeg(t, "busy-leg", "+447911000011")
		if err := e.c.Hangup(context.Background(), "busy-leg", CauseBusy); err != nil {
			t.Fatal(err)
		}
		e.next(t, m, LegEnded)
		if n := countPrefix(e.requests(), "DELETE /channels/busy-leg"); n != 1 {
			t.Errorf("%d hangup requests", n)
		}
		if !strings.Contains(strings.Join(e.requests(), "\n"), "reason=busy") && !e.sawBody(t, "busy") {
			t.Error("the cause did not reach Asterisk")
		}
	})

	t.Run("GoneIsNotAnError", func(t *testing.T) {
		if err := e.c.Hangup(context.Background(), "no-such-channel", CauseNormal); err != nil {
			t.Errorf("Hangup of a gone leg = %v, want nil", err)
		}
	})

	t.Run("Asterisk500", func(t *testing.T) {
		e.answeredLeg(t, "leg-500", "+447911000012")
		e.sim.FailNext(http.MethodDelete, "/channels/leg-500", http.StatusInternalServerError, `{"error":"Internal Server Error"}`)
		err := e.c.Hangup(context.Background(), "leg-500", CauseNormal)
		var re *RESTError
		if !errors.As(err, &re) || re.Status != 500 || re.Op != "channel_hangup" || re.ID != "leg-500" || errors.Is(err, ErrNotFound) {
			t.Fatalf("Hangup = %v, want a RESTError for channel_hangup leg-500 with status 500", err)
		}
		if want := "ari: channel_hangup leg-500: Asterisk answered 500 Internal Server Error"; err.Error() != want {
			t.Errorf("error %q, want %q", err, want)
		}
	})

	t.Run("ErrEmptyID", func(t *testing.T) {
		if err := e.c.Hangup(context.Background(), "", CauseNormal); !errors.Is(err, ErrInvalid) {
			t.Errorf("Hangup(\"\") = %v, want ErrInvalid", err)
		}
	})

	t.Run("ErrContextDone", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := e.c.Hangup(ctx, "x", CauseNormal); !errors.Is(err, context.Canceled) {
			t.Errorf("Hangup with a cancelled ctx = %v", err)
		}
	})
}

// sawBody reports whether a request body in the transcript mentions s (ari/v5
// sends parameters as JSON bodies, the recordings as query strings).
func (e *env) sawBody(t *testing.T, s string) bool {
	t.Helper()
	for _, en := range e.sim.Transcript() {
		if en.Kind == "request" && strings.Contains(string(en.Body), s) {
			return true
		}
	}
	return false
}
