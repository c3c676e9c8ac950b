package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/supporterbase/callingsessions/ari"
	"github.com/supporterbase/callingsessions/ari/arisim"
	"github.com/supporterbase/callingsessions/ivr"
	"github.com/supporterbase/callingsessions/queue"
)

// telephonyFlags configure the Asterisk side of serve (R10.1, R10.2).
type telephonyFlags struct {
	url, username, password, application, dialString *string
	instance                                         *string
	lease                                            *string
	simulate                                         *bool
}

func addTelephonyFlags(env *environment, fs *flag.FlagSet) telephonyFlags {
	host, _ := os.Hostname()
	return telephonyFlags{
		url: fs.String("ari-url", envOr(env, "CALLINGD_ARI_URL", ""),
			"Asterisk's ARI root, e.g. http://asterisk:8088/ari; empty serves the panel without calling (env CALLINGD_ARI_URL)"),
		username: fs.String("ari-username", envOr(env, "CALLINGD_ARI_USERNAME", "callingd"),
			"ARI user of ari.conf (env CALLINGD_ARI_USERNAME)"),
		password: fs.String("ari-password", envOr(env, "CALLINGD_ARI_PASSWORD", ""),
			"ARI password of ari.conf (env CALLINGD_ARI_PASSWORD)"),
		application: fs.String("ari-application", envOr(env, "CALLINGD_ARI_APPLICATION", "callingd"),
			"Stasis application name; give each instance its own (env CALLINGD_ARI_APPLICATION)"),
		dialString: fs.String("ari-dial-string", envOr(env, "CALLINGD_ARI_DIAL_STRING", "PJSIP/{number}@trunk"),
			"endpoint for outbound legs, {number} replaced by the E.164 number (env CALLINGD_ARI_DIAL_STRING)"),
		instance: fs.String("instance", envOr(env, "CALLINGD_INSTANCE", host),
			"this instance's name in call leases; keep it across restarts so calls are adopted (env CALLINGD_INSTANCE)"),
		lease: fs.String("lease", envOr(env, "CALLINGD_LEASE", "30s"),
			"how long this instance's sessions are its own without renewal (renewed every third of it); another instance takes over a session within this time of this one dying (env CALLINGD_LEASE)"),
		simulate: fs.Bool("simulate", envOr(env, "CALLINGD_SIMULATE", "") == "true",
			"use the built-in ARI simulator as the phone network, for demos (env CALLINGD_SIMULATE=true)"),
	}
}

// leaseDuration is --lease, checked.
func (f telephonyFlags) leaseDuration() (time.Duration, error) {
	lease, err := time.ParseDuration(*f.lease)
	if err != nil || lease < time.Second {
		return 0, queue.FieldErrorf("lease", "must be a duration of at least 1s such as 30s, not %q", *f.lease)
	}
	return lease, nil
}

// telephony is the running Asterisk side: the ARI client and the engine
// that drives sessions.
type telephony struct {
	client *ari.Client
	engine *ivr.Engine
	sim    *arisim.Sim // with --simulate
}

// startTelephony connects to Asterisk (or starts the simulator) and runs
// the call flow until ctx ends. It returns nil, nil when no Asterisk is
// configured.
func startTelephony(ctx context.Context, env *environment, f telephonyFlags, lease time.Duration, store *queue.Store,
	log *slog.Logger, reg prometheus.Registerer) (*telephony, error) {
	t := &telephony{}
	url, password := *f.url, *f.password
	if *f.simulate {
		if url != "" {
			return nil, queue.FieldErrorf("simulate", "give either --simulate or --ari-url, not both")
		}
		password = "simulated"
		// Every simulated phone answers after two rings and presses a key a
		// second later, as a leader confirming the greeting does (R4.1;
		// supporters' keys mean nothing to the flow). The tone zones are
		// those asterisk-config/indications.conf ships.
		sim, err := arisim.Start(arisim.Config{Username: *f.username, Password: password,
			ToneZones: queue.ShippedToneZones(),
			DefaultScript: arisim.Script{RingFor: 2 * time.Second, HangupAfter: time.Minute,
				Keys: []arisim.KeyPress{{After: time.Second, Digit: "#"}}}})
		if err != nil {
			return nil, err
		}
		t.sim, url = sim, sim.URL()
		fmt.Fprintf(env.stdout, "Simulated phone network at %s; a leader's keys are pressed with\n"+
			"  curl -X POST %s/sim/phones/LEADER_MOBILE/keys -d '{\"digits\":\"1\"}'\n"+
			"  (GET %s/sim/channels lists the calls)\n",
			url, strings.TrimSuffix(url, "/ari"), strings.TrimSuffix(url, "/ari"))
	}
	if url == "" {
		log.Warn("no Asterisk configured (--ari-url or --simulate): sessions will not ring")
		return nil, nil
	}
	if password == "" {
		return nil, queue.FieldErrorf("ari-password", "is required with --ari-url")
	}
	client, err := ari.Connect(ctx, ari.Config{URL: url, Username: *f.username, Password: password,
		Application: *f.application, DialString: *f.dialString, Registerer: reg, Logger: log.With("part", "ari")})
	if err != nil {
		t.close()
		return nil, queue.FieldErrorf("ari-url", "%v", err)
	}
	t.client = client
	t.engine, err = ivr.New(store, client, ivr.Config{Driver: *f.instance, Node: url, Lease: lease,
		Logger: log.With("part", "ivr"), Registerer: reg})
	if err != nil {
		t.close()
		return nil, err
	}
	return t, nil
}

// run drives sessions until ctx ends.
func (t *telephony) run(ctx context.Context, log *slog.Logger) {
	if err := t.engine.Run(ctx); err != nil {
		log.Error("call flow stopped", "err", err)
	}
	t.close()
}

func (t *telephony) close() {
	if t.client != nil {
		t.client.Close()
	}
	if t.sim != nil {
		t.sim.Close()
	}
}

// ready is /readyz's Asterisk check.
func (t *telephony) ready() error { return t.client.Ready() }
