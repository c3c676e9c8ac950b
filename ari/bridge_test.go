package ari

import (
	"context"
	"errors"
	"testing"
)

func TestBridge(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	leader := e.answeredLeg(t, "leader", "+447911000020")
	supporter := e.answeredLeg(t, "supporter", "+447911000021")
	bridge := NewMailbox(0)
	e.c.Route("bridge-1", bridge)

	if err := e.c.CreateBridge(ctx, "bridge-1"); err != nil {
		t.Fatal(err)
	}
	for _, leg := range []struct {
		id string
		m  *Mailbox
	}{{"leader", leader}, {"supporter", supporter}} {
		if err := e.c.AddToBridge(ctx, "bridge-1", leg.id); err != nil {
			t.Fatal(err)
		}
		if ev := e.next(t, leg.m, EnteredBridge); ev.Bridge != "bridge-1" || ev.Channel != leg.id {
			t.Errorf("EnteredBridge %+v, want %s in bridge-1", ev, leg.id)
		}
	}
	if st, err := e.c.Application(ctx); err != nil || len(st.BridgeIDs) != 1 || st.BridgeIDs[0] != "bridge-1" {
		t.Errorf("Application = %+v, %v; want bridge-1 listed", st, err)
	}
	if err := e.c.RemoveFromBridge(ctx, "bridge-1", "supporter"); err != nil {
		t.Fatal(err)
	}
	if ev := e.next(t, supporter, LeftBridge); ev.Bridge != "bridge-1" {
		t.Errorf("LeftBridge %+v", ev)
	}
	if err := e.c.RemoveFromBridge(ctx, "bridge-1", "supporter"); !errors.Is(err, ErrNotFound) {
		t.Errorf("removing a leg no longer in the bridge = %v, want ErrNotFound", err)
	}
	if err := e.c.DestroyBridge(ctx, "bridge-1"); err != nil {
		t.Fatal(err)
	}
	e.next(t, leader, LeftBridge)
	if ev := e.next(t, bridge, BridgeDestroyed); ev.Bridge != "bridge-1" {
		t.Errorf("BridgeDestroyed %+v", ev)
	}
	if err := e.c.DestroyBridge(ctx, "bridge-1"); err != nil {
		t.Errorf("destroying a gone bridge = %v, want nil", err)
	}
}

func TestBridgeNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	e.answeredLeg(t, "leg", "+447911000022")
	if err := e.c.CreateBridge(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"add an unknown channel (Asterisk: 400)": e.c.AddToBridge(ctx, "b", "no-such-channel"),
		"add to an unknown bridge":               e.c.AddToBridge(ctx, "no-such-bridge", "leg"),
		"remove from an unknown bridge":          e.c.RemoveFromBridge(ctx, "no-such-bridge", "leg"),
		"remove an unknown channel":              e.c.RemoveFromBridge(ctx, "b", "no-such-channel"),
	} {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("%s = %v, want ErrNotFound", name, err)
		}
	}
	if err := e.c.AddToBridge(ctx, "b", ""); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty channel id = %v, want ErrInvalid", err)
	}
}
