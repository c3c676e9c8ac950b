package ari

import (
	"context"
	"testing"
)

func TestMetricsExported(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.answeredLeg(t, "leg", "+447911000060")
	if err := e.c.Hangup(context.Background(), "leg", CauseNormal); err != nil {
		t.Fatal(err)
	}
	families, err := e.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, f := range families {
		found[f.GetName()] = true
		if f.GetName() == "callingd_ari_event_lag_seconds" && f.GetMetric()[0].GetHistogram().GetSampleCount() == 0 {
			t.Error("no event lag observed")
		}
		if f.GetName() == "callingd_ari_rest_request_seconds" {
			ops := map[string]bool{}
			for _, m := range f.GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == "op" {
						ops[l.GetValue()] = true
					}
				}
			}
			for _, op := range []string{"channel_create", "channel_dial", "channel_hangup", "application_event_filter"} {
				if !ops[op] {
					t.Errorf("no REST latency for %s (have %v)", op, ops)
				}
			}
		}
	}
	for _, name := range []string{
		"callingd_ari_events_received_total", "callingd_ari_events_dropped_total", "callingd_ari_events_unknown_total",
		"callingd_ari_events_malformed_total", "callingd_ari_reconnects_total", "callingd_ari_connected",
		"callingd_ari_rest_request_seconds", "callingd_ari_event_lag_seconds",
	} {
		if !found[name] {
			t.Errorf("metric %s not exported", name)
		}
	}
	// A second client on the same registry is refused with a clear error.
	cfg := e.c.cfg
	if _, err := Connect(context.Background(), cfg); err == nil {
		t.Error("a second Client registered the same metrics")
	}
}
