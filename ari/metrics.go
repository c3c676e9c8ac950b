package ari

import (
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the adapter's Prometheus series (SPEC R11.2: ARI event lag and
// reconnects; issue 4: events by type, drops, REST latency). They exist even
// without a Registerer so the code that updates them has no nil checks.
type metrics struct {
	received  *prometheus.CounterVec // by ARI event type, for the types we handle
	dropped   prometheus.Counter     // a mailbox was full: a session lost an event
	unknown   prometheus.Counter     // a well-formed message of a type we do not handle
	malformed prometheus.Counter     // a message that is not an ARI event at all
	reconnect prometheus.Counter     // connections made after the first one
	connected prometheus.Gauge       // 1 while the websocket is up and the filter set
	rest      *prometheus.HistogramVec
	lag       prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		received: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "callingd_ari_events_received_total",
			Help: "ARI events received on the events websocket, by type (only the types the adapter handles).",
		}, []string{"type"}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "callingd_ari_events_dropped_total",
			Help: "Events dropped because the receiving mailbox was at its limit.",
		}),
		unknown: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "callingd_ari_events_unknown_total",
			Help: "Well-formed websocket messages of an event type the adapter does not handle (skipped).",
		}),
		malformed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "callingd_ari_events_malformed_total",
			Help: "Websocket messages that could not be decoded as an ARI event (skipped).",
		}),
		reconnect: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "callingd_ari_reconnects_total",
			Help: "Events websocket connections made after a lost one.",
		}),
		connected: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "callingd_ari_connected",
			Help: "1 while the events websocket is connected and the event filter set, else 0.",
		}),
		rest: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "callingd_ari_rest_request_seconds",
			Help:    "Duration of ARI REST calls, by HTTP method and operation.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "op"}),
		lag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "callingd_ari_event_lag_seconds",
			Help:    "Time from Asterisk's event timestamp to its receipt by the adapter.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.received, m.dropped, m.unknown, m.malformed, m.reconnect, m.connected, m.rest, m.lag} {
		if err := reg.Register(c); err != nil {
			var already prometheus.AlreadyRegisteredError
			if errors.As(err, &already) {
				return nil, fmt.Errorf("ari: register metrics: another ari.Client already uses this registry: %w", err)
			}
			return nil, fmt.Errorf("ari: register metrics: %w", err)
		}
	}
	return m, nil
}

// observeREST times one REST call. Use as
// `defer c.metrics.observeREST("POST", "channel_dial", time.Now())`.
func (m *metrics) observeREST(method, op string, start time.Time) {
	m.rest.WithLabelValues(method, op).Observe(time.Since(start).Seconds())
}

// observeLag records how late an event arrived. A negative lag (clocks of
// Asterisk and this host disagree) counts as zero rather than vanishing.
func (m *metrics) observeLag(at, received time.Time) {
	if at.IsZero() {
		return
	}
	m.lag.Observe(max(received.Sub(at), 0).Seconds())
}
