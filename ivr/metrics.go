package ivr

import "github.com/prometheus/client_golang/prometheus"

// metrics of the call flow (R11.2).
type metrics struct {
	calls             *prometheus.CounterVec // by leg and outcome
	refused           prometheus.Counter
	playbackFailed    prometheus.Counter
	answerToFirstDial prometheus.Histogram
	keyToDial         prometheus.Histogram
	eventsLost        prometheus.Counter
	leasesLost        prometheus.Counter
}

// latencyBuckets span 1 ms to about 4 s.
var latencyBuckets = prometheus.ExponentialBuckets(0.001, 2, 13)

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "callingd_calls_total",
			Help: "Call legs ended, by leg (leader, supporter) and outcome."}, []string{"leg", "outcome"}),
		refused: prometheus.NewCounter(prometheus.CounterOpts{Name: "callingd_dial_refused_total",
			Help: "Numbers the dial guard refused (outside the allowed destinations, premium rate)."}),
		playbackFailed: prometheus.NewCounter(prometheus.CounterOpts{Name: "callingd_playbacks_failed_total",
			Help: "Prompts and ringback Asterisk could not play to a leader (a tone zone or sound file missing): the leader heard silence."}),
		answerToFirstDial: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "callingd_answer_to_first_dial_seconds",
			Help: "From the leader answering to the first supporter dialled.", Buckets: latencyBuckets}),
		keyToDial: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "callingd_key_to_dial_seconds",
			Help: "From the leader's keypress in wrap-up to the next supporter dialled.", Buckets: latencyBuckets}),
		eventsLost: prometheus.NewCounter(prometheus.CounterOpts{Name: "callingd_call_events_dropped_total",
			Help: "Asterisk events a session's full mailbox dropped; each drop makes the session ask Asterisk how its legs are."}),
		leasesLost: prometheus.NewCounter(prometheus.CounterOpts{Name: "callingd_leases_lost_total",
			Help: "Times this instance could not renew its phone leases for a whole lease and hung up its calls, which another instance may now drive."}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.calls, m.refused, m.playbackFailed, m.answerToFirstDial, m.keyToDial, m.eventsLost, m.leasesLost} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}
