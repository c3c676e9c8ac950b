package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/supporterbase/callingsessions/ari"
	"github.com/supporterbase/callingsessions/ari/arisim"
	"github.com/supporterbase/callingsessions/ivr"
	"github.com/supporterbase/callingsessions/queue"
)

// The race benchmark (issue 18): on a real Asterisk, 20 leaders on one list
// had 9 supporter legs in 89 recorded "failed" while every phone answered,
// because a request reached each new leg before it entered the
// application (409). Here every leg enters the application raceStasisDelay
// after channels/create answers, every phone answers, and the leaders
// confirm the greeting and press a key at each wrap-up until raceLegs
// supporter legs have ended. Two figures:
//   - ivr_failed_legs_20_leaders: supporter legs recorded failed (goal 0);
//   - ivr_rest_calls_per_dial: REST requests from a leader's key to the
//     next supporter's dial request, read from the simulator's transcript
//     (goal 2: create, dial), so the serial chain cannot grow back unseen.
const (
	raceLeaders     = 20
	raceSupporters  = 400
	raceLegs        = 200
	raceStasisDelay = 20 * time.Millisecond
	raceTimeout     = 90 * time.Second
)

func benchIVRRace(ctx context.Context, b *bench) ([]figure, error) {
	_, plain, drop, err := b.newDatabase(ctx)
	if err != nil {
		return nil, err
	}
	defer drop()
	clock := ivrClock{fixedClock(claimNow)}
	store := queue.NewStore(plain.Pool(), clock)
	store.PasswordCost = 4
	sim, err := arisim.Start(arisim.Config{Username: phonesUser, Password: phonesPassword, StasisDelay: raceStasisDelay,
		ToneZones: queue.ShippedToneZones(), SoundDuration: 200 * time.Millisecond, TranscriptLimit: 1_000_000,
		DefaultScript: arisim.Script{HangupAfter: 300 * time.Millisecond}})
	if err != nil {
		return nil, err
	}
	defer sim.Close()
	leaders, sessions, err := loadRaceWorld(ctx, store, sim)
	if err != nil {
		return nil, err
	}
	tel, err := ari.Connect(ctx, ari.Config{URL: sim.URL(), Username: phonesUser, Password: phonesPassword,
		Application: "callingd", DialString: phonesDial, Registerer: prometheus.NewRegistry()})
	if err != nil {
		return nil, err
	}
	defer tel.Close()
	if err := awaitReady(ctx, tel); err != nil {
		return nil, err
	}
	warnings := &cappedLog{w: b.log, left: 20}
	eng, err := ivr.New(store, tel, ivr.Config{Driver: "race", Clock: clock, Registerer: prometheus.NewRegistry(),
		Logger: slog.New(slog.NewTextHandler(warnings, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		return nil, err
	}
	running, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- eng.Run(running) }()
	defer func() { stop(); <-done }()

	start := time.Now()
	for i, l := range leaders {
		if _, err := store.RequestPhone(ctx, l, sessions[i]); err != nil {
			return nil, err
		}
	}
	ended, err := pressThroughWrapUps(ctx, store, sim, leaders, sessions)
	if err != nil {
		return nil, err
	}
	var failed int
	if err := store.Pool().QueryRow(ctx, `SELECT count(*) FROM call_records
		WHERE session_id = ANY($1) AND leg = 'supporter' AND outcome = 'failed'`, sessions).Scan(&failed); err != nil {
		return nil, err
	}
	perDial := restCallsPerDial(sim.Transcript())
	mean, counts := 0.0, map[int]int{}
	for _, n := range perDial {
		mean += float64(n) / float64(len(perDial))
		counts[n]++
	}
	fmt.Fprintf(b.log, "callingbench ivr-race: %d leaders, %d supporter legs ended in %v, %d failed; %d keys to a dial: %.2f REST requests on average (keys by requests: %v)\n",
		raceLeaders, ended, time.Since(start).Round(time.Millisecond), failed, len(perDial), mean, counts)
	if len(perDial) == 0 {
		return nil, fmt.Errorf("no key led to a dial")
	}
	return []figure{
		{"ivr_failed_legs_20_leaders", float64(failed), "%.0f", "count"},
		{"ivr_rest_calls_per_dial", mean, "%.2f", "requests"},
	}, nil
}

// loadRaceWorld makes the organisation (confirmation on, as by default),
// one list of raceSupporters and raceLeaders leaders with a session each;
// each leader's phone answers and presses a key at the greeting.
func loadRaceWorld(ctx context.Context, store *queue.Store, sim *arisim.Sim) ([]queue.User, []int64, error) {
	o := queue.NewOrganisation("race", "Race")
	o.Timezone, o.AllowedPrefixes, o.CallerID, o.CallerName = "Europe/London", []string{"+44"}, ivrCallerID, "Race Campaign"
	org, err := store.CreateOrganisation(ctx, o)
	if err != nil {
		return nil, nil, err
	}
	group, err := store.CreateGroup(ctx, org.ID, "Race supporters")
	if err != nil {
		return nil, nil, err
	}
	list, err := store.CreateList(ctx, org.ID, group.ID, "Everyone", 0)
	if err != nil {
		return nil, nil, err
	}
	if err := loadMembers(ctx, store.Pool(), org.ID, group.ID, list.ID, 0, raceSupporters-1, "+447911", 6, claimNow); err != nil {
		return nil, nil, err
	}
	var leaders []queue.User
	var sessions []int64
	for i := range raceLeaders {
		l, err := store.CreateUser(ctx, org.ID, queue.UserInput{FirstName: fmt.Sprintf("Racer %d", i),
			Email: fmt.Sprintf("racer%d@bench.example.org", i), Password: "a long enough secret",
			Mobile: fmt.Sprintf("+447400%06d", i), Admin: true})
		if err != nil {
			return nil, nil, err
		}
		sim.SetScript(l.Mobile, arisim.Script{Keys: []arisim.KeyPress{{After: 100 * time.Millisecond, Digit: "#"}}})
		sess, _, err := store.StartSession(ctx, l, list.ID, "")
		if err != nil {
			return nil, nil, err
		}
		leaders, sessions = append(leaders, l), append(sessions, sess.ID)
	}
	return leaders, sessions, nil
}

// pressThroughWrapUps has each leader press a key whenever their latest
// supporter leg has ended, until raceLegs legs have ended; it returns how
// many did.
func pressThroughWrapUps(ctx context.Context, store *queue.Store, sim *arisim.Sim, leaders []queue.User, sessions []int64) (int, error) {
	deadline := time.Now().Add(raceTimeout)
	mobile := map[int64]string{}
	for i, id := range sessions {
		mobile[id] = leaders[i].Mobile
	}
	for {
		rows, _ := store.Pool().Query(ctx, `SELECT DISTINCT ON (session_id) session_id, state = 'ended'
			FROM call_records WHERE session_id = ANY($1) AND leg = 'supporter' ORDER BY session_id, id DESC`, sessions)
		inWrapUp, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (int64, error) {
			var session int64
			var ended bool
			err := row.Scan(&session, &ended)
			if !ended {
				session = 0
			}
			return session, err
		})
		if err != nil {
			return 0, err
		}
		for _, session := range inWrapUp {
			if session != 0 {
				_ = sim.PressNumber(mobile[session], "5") // the leader may just have left wrap-up
			}
		}
		var ended int
		if err := store.Pool().QueryRow(ctx, `SELECT count(*) FROM call_records
			WHERE session_id = ANY($1) AND leg = 'supporter' AND state = 'ended'`, sessions).Scan(&ended); err != nil {
			return 0, err
		}
		if ended >= raceLegs {
			return ended, nil
		}
		if time.Now().After(deadline) {
			return ended, fmt.Errorf("only %d of %d supporter legs ended within %v", ended, raceLegs, raceTimeout)
		}
		select {
		case <-ctx.Done():
			return ended, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// restCallsPerDial reads a transcript: for each key a leader pressed that
// was followed by a supporter's dial, the REST requests about that leader's
// call from the key to the dial request, both included. A request is the
// leader's when it names their channel, a playback on it ("<channel>-pN"),
// or a leg created on their behalf (originator).
func restCallsPerDial(entries []arisim.Entry) []int {
	originator := map[string]string{} // supporter channel → leader channel
	pending := map[string]int{}       // leader channel → requests since its key
	var out []int
	for _, e := range entries {
		switch e.Kind {
		case "event":
			var ev struct {
				Type    string `json:"type"`
				Channel struct {
					ID string `json:"id"`
				} `json:"channel"`
			}
			if json.Unmarshal(e.Body, &ev) == nil && ev.Type == "ChannelDtmfReceived" {
				pending[ev.Channel.ID] = 0
			}
		case "request":
			path, _, _ := strings.Cut(e.Path, "?")
			if path == "/channels/create" {
				var body struct{ ChannelID, Originator string }
				if json.Unmarshal(e.Body, &body) == nil && body.Originator != "" {
					originator[body.ChannelID] = body.Originator
					if _, ok := pending[body.Originator]; ok {
						pending[body.Originator]++
					}
				}
				continue
			}
			leader, dial := requestOwner(path, originator)
			n, ok := pending[leader]
			if !ok {
				continue
			}
			pending[leader] = n + 1
			if dial {
				out = append(out, n+1)
				delete(pending, leader)
			}
		}
	}
	return out
}

// requestOwner names the leader channel a request is about, and whether it
// dials a supporter's leg created on their behalf.
func requestOwner(path string, originator map[string]string) (leader string, supporterDial bool) {
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if len(parts) < 2 {
		return "", false
	}
	switch parts[0] {
	case "channels":
		if l, ok := originator[parts[1]]; ok {
			return l, len(parts) == 3 && parts[2] == "dial"
		}
		return parts[1], false
	case "playbacks":
		if i := strings.LastIndex(parts[1], "-p"); i > 0 {
			return parts[1][:i], false
		}
	}
	return "", false
}
