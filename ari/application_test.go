package ari

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
)

func TestApplication(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	st, err := e.c.Application(ctx)
	if err != nil || st.ChannelIDs == nil || len(st.ChannelIDs)+len(st.BridgeIDs) != 0 {
		t.Fatalf("Application of an idle app = %+v, %v; want empty, non-nil lists", st, err)
	}
	e.answeredLeg(t, "leg-a", "+447911000040")
	e.answeredLeg(t, "leg-b", "+447911000041")
	st, err = e.c.Application(ctx)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(st.ChannelIDs)
	if !slices.Equal(st.ChannelIDs, []string{"leg-a", "leg-b"}) {
		t.Errorf("ChannelIDs = %v, want leg-a leg-b", st.ChannelIDs)
	}
}

func TestApplicationErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	// Asterisk knows no application while its websocket is down.
	e.sim.FailNext(http.MethodGet, "/applications/"+testApp, http.StatusNotFound, `{"message":"Application does not exist."}`)
	if _, err := e.c.Application(ctx); !errors.Is(err, ErrNotFound) {
		t.Errorf("Application answered 404 = %v, want ErrNotFound", err)
	}
	e.sim.FailNext(http.MethodGet, "/applications/"+testApp, http.StatusInternalServerError, `{"error":"Internal Server Error"}`)
	_, err := e.c.Application(ctx)
	var re *RESTError
	if !errors.As(err, &re) || re.Status != http.StatusInternalServerError || errors.Is(err, ErrNotFound) {
		t.Errorf("Application answered 500 = %v, want a RESTError with status 500", err)
	}
}
